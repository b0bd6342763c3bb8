// A verify worker: checks one seq range of the audit table on a connection of its own and posts
// its SegmentResult back (src/audit/verify.ts starts these and checks the links between ranges).
import { parentPort, workerData } from 'node:worker_threads';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { pgBatchReader, sqliteBatchReader, verifySegment, type HeadCheck } from './segment';

export interface VerifyWorkerData {
  dialect: 'sqlite' | 'postgres';
  /** The SQLite file, or the Postgres connection string. */
  target: string;
  from: number;
  to: number | null;
  batchSize: number;
  head: HeadCheck | null;
}

async function run(data: VerifyWorkerData) {
  if (data.dialect === 'sqlite') {
    const conn = new Sqlite(data.target, { fileMustExist: true });
    try {
      conn.pragma('query_only = ON');
      conn.pragma('busy_timeout = 5000');
      conn.pragma('cache_size = -65536');
      conn.pragma('mmap_size = 2147483648');
      return await verifySegment(sqliteBatchReader(conn), data.from, data.to, data.batchSize, data.head);
    } finally {
      conn.close();
    }
  }
  const client = new pg.Client({ connectionString: data.target, application_name: 'kehu-audit-verify' });
  await client.connect();
  try {
    return await verifySegment(pgBatchReader(client), data.from, data.to, data.batchSize, data.head);
  } finally {
    await client.end();
  }
}

run(workerData as VerifyWorkerData).then(
  (result) => parentPort!.postMessage({ result }),
  (err: Error) => parentPort!.postMessage({ error: err.stack ?? String(err) }),
);
