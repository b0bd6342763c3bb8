// Issue 8's backup figures on a generated data set (a --data-cache directory of npm run bench):
//   serve     Kehu serves 50 readers (a manager's lists, search, timelines; closed loop); their
//             figures without a backup, then while POST /api/v1/backups writes, verifies and
//             records an archive inside the same process: the backup's time, the readers' p95 beside;
//   verify    kehu backup:verify's work on that archive;
//   sqlite    restore of the archive into a fresh SQLite file;
//   postgres  restore of the archive into a fresh Postgres database.
// Usage: tsx scripts/bench/backup.ts --data DIR [--database-url URL] [--only serve,verify,sqlite,postgres]
//        [--connections 50] [--baseline 20] [--work DIR] [--pg postgres://postgres@127.0.0.1:5432/test]
// DIR holds generate-result.json (and kehu.db for SQLite; give --database-url for a Postgres set).
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../src/config/load';
import { verifyArchive } from '../../src/backup/verify';
import { restoreArchive } from '../../src/backup/restore';
import type { GenerateResult } from './generate';
import { parseArgs } from './lib/args';
import { adminDatabaseUrl, withDatabase } from './lib/database';
import { combine, drive, type DriveResult } from './lib/drive';
import { loadAverage, machine } from './lib/machine';
import { startKehu } from './lib/process';
import { readerMix, signInCustomerRole } from './scenarios/customer-requests';
import { scenarioContext } from './run';

const args = parseArgs(process.argv.slice(2));
args.only(['data', 'database-url', 'pg', 'work', 'only', 'connections', 'baseline']);
if (!args.string('data')) throw new Error('--data DIR (a --data-cache data set) is required');
const dataDir = path.resolve(args.string('data')!);
const databaseUrl = args.string('database-url') ?? `sqlite:${path.join(dataDir, 'kehu.db')}`;
const pgAdmin = args.string('pg') ?? adminDatabaseUrl;
const work = path.resolve(args.string('work') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kehu-backup-bench-')));
const only = (args.string('only') ?? 'serve,verify,sqlite,postgres').split(',');
const connections = args.number('connections', 50)!;
const baselineS = args.number('baseline', 20)!;
const source = { userId: null, ip: 'bench', userAgent: 'bench', requestId: null };
const cfg = (dir: string, url: string) => loadConfig({ env: {}, overrides: { dataDir: dir, databaseUrl: url, logLevel: 'silent' } }).config;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const figures = (r: DriveResult) => `${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(0)} / p95 ${r.p95.toFixed(0)} / p99 ${r.p99.toFixed(0)} ms, ${r.requests} requests, errors ${r.errors} / non-2xx ${r.non2xx}`;

/** POST {} with no time limit (fetch gives up on headers after 300 s; a backup under load may take longer). */
function postJson(url: string, authorization: string): Promise<{ status: number; body: { data?: { file: string; size: number; verified: boolean } } }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { authorization, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end('{}');
  });
}

/** Readers without a backup, then readers in 5-second slices for as long as one backup is being written. */
async function backupWhileServing(): Promise<string> {
  const data = JSON.parse(fs.readFileSync(path.join(dataDir, 'generate-result.json'), 'utf8')) as GenerateResult;
  const backupDir = path.join(work, 'archives');
  fs.mkdirSync(backupDir, { recursive: true });
  // No schedule: the missed-backup catch-up must not start a backup of its own during the baseline.
  const kehu = await startKehu({ databaseUrl, dataDir }, { logFile: path.join(work, 'kehu.log'), extraEnv: { KEHU_BACKUP_DIR: backupDir, KEHU_BACKUP_SCHEDULE: '' } });
  try {
    const ctx = scenarioContext(kehu.url, data, 42, 'backup');
    const readers = await readerMix(ctx);
    const admin = await signInCustomerRole(ctx, 'admin');
    const load = (durationS: number) => drive({ url: kehu.url, connections, durationS, headers: readers.headers, requests: readers.requests, seed: 42 });
    console.log(`machine: ${JSON.stringify(machine())}, load average ${loadAverage()}`);
    await load(3);
    const without = await load(baselineS);
    console.log(`${readers.label}, ${connections} connections, no backup: ${figures(without)}`);

    const t0 = performance.now();
    let done = false;
    const backup = postJson(`${kehu.url}/api/v1/backups`, admin.headers.authorization).finally(() => {
      done = true;
    });
    const slices: DriveResult[] = [];
    while (!done) slices.push(await load(5));
    const res = await backup;
    const ms = performance.now() - t0;
    if (res.status !== 201 || !res.body.data) throw new Error(`POST /api/v1/backups answered ${res.status}: ${JSON.stringify(res.body)}`);
    const during = combine(slices);
    console.log(`backup while serving: ${secs(ms)} (written, verified and recorded), archive ${(res.body.data.size / 1048576).toFixed(0)} MB, verified ${res.body.data.verified}`);
    console.log(`${readers.label}, ${connections} connections, during the backup (${slices.length} slices of 5 s): ${figures(during)}`);
    return path.join(backupDir, res.body.data.file);
  } finally {
    await kehu.stop();
  }
}

async function main() {
  fs.mkdirSync(work, { recursive: true });
  const kept = fs.existsSync(path.join(work, 'archives')) ? fs.readdirSync(path.join(work, 'archives')).find((f) => f.endsWith('.tar.gz')) : undefined;
  let archive = kept ? path.join(work, 'archives', kept) : '';
  if (only.includes('serve')) archive = await backupWhileServing();
  if (!archive) throw new Error(`no archive in ${work}/archives: run with --only serve first`);
  if (only.includes('verify')) {
    const t0 = performance.now();
    const v = await verifyArchive(archive);
    console.log(`verify: ${secs(performance.now() - t0)}, ok=${v.ok} ${v.problems.join('; ')}`);
  }
  if (only.includes('sqlite')) {
    const dir = path.join(work, 'restore-sqlite');
    fs.rmSync(dir, { recursive: true, force: true });
    const t0 = performance.now();
    const r = await restoreArchive({ config: cfg(dir, ''), file: archive, backupDir: path.join(dir, 'backups'), source });
    console.log(`restore into SQLite: ${secs(performance.now() - t0)} (${r.rows} rows; includes its own verify pass and the read-back check)`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (only.includes('postgres')) {
    const name = `kehu_bench_restore_${process.pid}`;
    const admin = new pg.Client({ connectionString: pgAdmin });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const dir = path.join(work, 'restore-pg');
    try {
      const t0 = performance.now();
      const r = await restoreArchive({ config: cfg(dir, withDatabase(pgAdmin, name)), file: archive, backupDir: path.join(dir, 'backups'), source });
      console.log(`restore into Postgres: ${secs(performance.now() - t0)} (${r.rows} rows)`);
    } finally {
      const c = new pg.Client({ connectionString: pgAdmin });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
