// SQLite's fixed-SQL reads (db/reader.ts) on worker threads, each with its own read-only connection.
// better-sqlite3 is synchronous: on the event loop, every index walk of a list page, a search or a
// board's totals held up every other request. Here the event loop sends the statement and its
// parameters, goes on with other requests, and turns the rows that come back into objects; each
// worker runs one statement at a time, on whichever core is free. A read sent after a commit
// starts after it, so it sees that commit (WAL: each read starts at the last one).
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Sqlite = require(workerData.driver);
const db = new Sqlite(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
// This connection never writes.
db.pragma('query_only = ON');
// Reads of a multi-gigabyte file at random (timelines, pages of a list): a larger page cache and
// memory-mapped reads instead of a read() system call and a copy per page. The mapped pages are
// the kernel's page cache, shared by both threads; the 64 MB cache is each connection's own.
db.pragma('cache_size = -65536');
db.pragma('mmap_size = 2147483648');
db.pragma('temp_store = MEMORY');
const statements = new Map();
// Rows cross the thread as one JSON string when JSON carries every value as it is (text, finite
// numbers, null): one copy, and JSON.parse on the event loop costs a quarter of what taking apart
// a structured clone of the same rows does (147 board cards: 0.05 against 0.21 ms). Rows with
// blobs (or a number JSON cannot write) go as a structured clone.
function jsonSafe(rows) {
  for (const row of rows) for (const v of row) if (v !== null && typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) return false;
  return true;
}
parentPort.on('message', (m) => {
  if (m === 'stop') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    let entry = statements.get(m.sql);
    if (!entry) {
      const statement = db.prepare(m.sql).raw(true);
      entry = { statement, columns: statement.columns().map((c) => c.name) };
      if (statements.size >= 500) statements.clear();
      statements.set(m.sql, entry);
    }
    const rows = entry.statement.all(...m.params);
    const columns = m.columns ? entry.columns : undefined;
    if (jsonSafe(rows)) parentPort.postMessage({ id: m.id, columns, json: JSON.stringify(rows) });
    else parentPort.postMessage({ id: m.id, columns, rows });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: { message: String(err && err.message), code: err && err.code, name: err && err.name } });
  }
});
`;

interface Reply {
  id: number;
  columns?: string[];
  /** The rows as JSON (see jsonSafe in the worker), or else as they are in `rows`. */
  json?: string;
  rows?: unknown[][];
  error?: { message: string; code?: string; name?: string };
}

interface Pending {
  resolve(rows: unknown[]): void;
  reject(err: Error): void;
  build?: (values: unknown[]) => unknown;
  sql: string;
}

/**
 * Rows as objects of one shape per statement, built from the raw arrays: better-sqlite3's own row
 * objects take a property store per column and cost more than the query itself on a page of 50
 * wide rows (1.2 ms against 0.3 ms raw, 100,000 contacts). A later column of the same name wins,
 * as in better-sqlite3's objects.
 */
function rowBuilder(columns: string[]): (values: unknown[]) => unknown {
  const last = new Map(columns.map((name, i) => [name, i]));
  // Column names come from our own prepared statements (never user input), quoted by JSON.stringify.
  return new Function('v', `return {${[...last].map(([name, i]) => `${JSON.stringify(name)}: v[${i}]`).join(', ')}};`) as (values: unknown[]) => unknown;
}

/** A value as better-sqlite3 takes it, the way Knex binds it: booleans as 0/1, dates as their time value. */
const bindable = (v: unknown) => (typeof v === 'boolean' ? Number(v) : v instanceof Date ? v.valueOf() : v);

/** Blobs cross the thread as Uint8Array; the rest of the code expects Buffers, as better-sqlite3 gives. */
const asBuffer = (v: unknown) => (v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v);

/**
 * Two threads, each with its own connection: a slow read (a manager's report over a whole team)
 * then holds up only the reads sent to its thread, while the other thread goes on serving the
 * short ones (every request's session lookup among them). A read goes to the thread with fewer
 * reads waiting, the first one when they tie.
 */
const THREADS = 2;

interface ReadThread {
  worker: Worker | null;
  pending: Map<number, Pending>;
}

export function createThreadReader(file: string, busyTimeoutMs: number) {
  let nextId = 1;
  const threads: ReadThread[] = Array.from({ length: THREADS }, () => ({ worker: null, pending: new Map() }));
  const builders = new Map<string, (values: unknown[]) => unknown>();

  function failAll(thread: ReadThread, err: Error): void {
    for (const p of thread.pending.values()) p.reject(err);
    thread.pending.clear();
  }

  function receive(thread: ReadThread, reply: Reply): void {
    const p = thread.pending.get(reply.id);
    if (!p) return;
    thread.pending.delete(reply.id);
    // Idle, the worker must not keep a CLI command's process alive.
    if (!thread.pending.size) thread.worker?.unref();
    if (reply.error) {
      p.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code, name: reply.error.name ?? 'SqliteError' }));
      return;
    }
    let build = p.build;
    if (!build) {
      build = rowBuilder(reply.columns!);
      if (builders.size >= 500) builders.clear();
      builders.set(p.sql, build);
    }
    const rows = reply.json !== undefined ? (JSON.parse(reply.json) as unknown[][]) : reply.rows!;
    const out = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const values = rows[i];
      if (reply.rows) for (let j = 0; j < values.length; j++) if (values[j] instanceof Uint8Array) values[j] = asBuffer(values[j]);
      out[i] = build(values);
    }
    p.resolve(out);
  }

  function start(thread: ReadThread): Worker {
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, busyTimeoutMs, driver: require.resolve('better-sqlite3') } });
    w.on('message', (reply: Reply) => receive(thread, reply));
    // A worker that dies (it should not) fails what it had; the next read starts a new one.
    w.on('error', (err) => failAll(thread, err));
    w.on('exit', () => {
      if (thread.worker === w) thread.worker = null;
      failAll(thread, new Error('the SQLite read thread stopped'));
    });
    return w;
  }

  return {
    all<T>(sql: string, params: readonly unknown[]): Promise<T[]> {
      let thread = threads[0];
      for (const t of threads) if (t.pending.size < thread.pending.size) thread = t;
      const worker = (thread.worker ??= start(thread));
      if (!thread.pending.size) worker.ref();
      const id = nextId++;
      // A statement's columns are the same on every thread: each asks for them until one has answered.
      const build = builders.get(sql);
      return new Promise<T[]>((resolve, reject) => {
        thread.pending.set(id, { resolve: resolve as (rows: unknown[]) => void, reject, build, sql });
        worker.postMessage({ id, sql, params: params.map(bindable), columns: !build });
      });
    },
    async close(): Promise<void> {
      builders.clear();
      await Promise.all(
        threads.map(async (thread) => {
          const w = thread.worker;
          thread.worker = null;
          if (!w) return;
          const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
          w.postMessage('stop');
          await exited;
        }),
      );
    },
  };
}
