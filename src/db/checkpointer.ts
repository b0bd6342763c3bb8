// WAL checkpoints off the request path. By default SQLite checkpoints inside the commit that takes
// the WAL past 1,000 pages: that write copies the pages into the database file and fsyncs it while
// holding the event loop (better-sqlite3 is synchronous), a 20–250 ms stall every hundred or so
// writes. Here a worker thread with a connection of its own runs a PASSIVE checkpoint every
// `intervalMs` (it never blocks the writer or readers), and the writer's own automatic checkpoint
// stays as a bound, at `boundPages`, for when the worker cannot keep up (long readers), so the WAL
// stays bounded either way. Durability is SQLite's: a checkpoint only copies committed frames.
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Sqlite = require(workerData.driver);
const db = new Sqlite(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
let failures = 0;
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    failures = 0;
  } catch (err) {
    // Busy or locked: the next tick tries again; the writer's bound keeps the WAL in check meanwhile.
    if (++failures === 10) parentPort.postMessage({ warning: String(err && err.message) });
  }
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(file: string, options: { intervalMs: number; onWarning(message: string): void }): Checkpointer {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, intervalMs: options.intervalMs, driver: require.resolve('better-sqlite3') } });
  // A CLI command that opens the database briefly must not be kept alive by its checkpointer.
  worker.unref();
  worker.on('message', (m: { warning?: string }) => {
    if (m.warning) options.onWarning(m.warning);
  });
  worker.on('error', (err) => options.onWarning(err.message));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      worker.postMessage('stop');
      await exited;
    },
  };
}
