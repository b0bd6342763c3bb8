// Writes and verifies one backup archive on a worker thread, with its own database connection:
// reading millions of rows, turning them into JSON lines and hashing them would otherwise take
// turns with every request on the server's event loop (a backup "while serving" ran many times
// slower than alone, and slowed every reader). The caller records the outcome (backups.service).
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config/schema';
import { openDatabase } from '../db/database';
import { createBackup, type BackupResult } from './create';
import { verifyArchive, type VerifyResult } from './verify';

interface Job {
  config: Config;
  dir: string;
  createdAt: string;
  configFile?: string;
}

type Outcome = { ok: true; result: BackupResult; check: VerifyResult } | { ok: false; message: string; code?: string; stack?: string };

/** Runs createBackup + verifyArchive on a worker thread; rejects with the worker's error (its `code` kept: ENOSPC is a full disk). */
export function backupOnWorker(job: Job): Promise<{ result: BackupResult; check: VerifyResult }> {
  const file = __filename;
  // Under tsx (tests, bench scripts) a worker does not inherit the loader: register it first.
  const worker = file.endsWith('.ts')
    ? new Worker(`require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(file)});`, { eval: true, workerData: { kehuBackup: job } })
    : new Worker(file, { workerData: { kehuBackup: job } });
  return new Promise((resolve, reject) => {
    let settled = false;
    worker.once('message', (m: Outcome) => {
      settled = true;
      if (m.ok) resolve({ result: m.result, check: m.check });
      else reject(Object.assign(new Error(m.message), { code: m.code, stack: m.stack }));
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the backup worker stopped (exit code ${code}) before it finished`));
    });
  });
}

async function run(job: Job): Promise<Outcome> {
  const db = await openDatabase(job.config);
  try {
    const result = await createBackup({ db, dataDir: job.config.dataDir, dir: job.dir, now: () => new Date(job.createdAt), configFile: job.configFile });
    return { ok: true, result, check: await verifyArchive(result.path) };
  } finally {
    await db.close();
  }
}

// The worker's side: only a thread started by backupOnWorker carries a `kehuBackup` job.
const job = isMainThread ? undefined : (workerData as { kehuBackup?: Job } | null)?.kehuBackup;
if (job && parentPort) {
  const port = parentPort;
  run(job).then(
    (outcome) => port.postMessage(outcome),
    (err: Error & { code?: string }) => port.postMessage({ ok: false, message: err.message, code: err.code, stack: err.stack } satisfies Outcome),
  );
}
