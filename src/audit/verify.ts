// Walks the chain in seq order, through the archive pieces and then the table, and names the first
// entry that was altered, removed or inserted. Kept values are checked against their commitments
// (an erased value is simply absent), every archive file against the SHA-256 of its checkpoint,
// and the end of the chain against the head recorded outside the database (audit-archive/HEAD),
// which a chain alone cannot check: cutting off its newest entries leaves a valid shorter chain.
// A large table is split into seq ranges checked in parallel by worker threads, each on its own
// connection (every entry carries its prev_hash, so a range checks its own links); the links
// between ranges are checked here, so the result is the one a single walk would give.
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Knex } from 'knex';
import type BetterSqlite3 from 'better-sqlite3';
import { GENESIS_HASH } from './chain';
import { openPiece, readHeadFile } from './archive';
import { listCheckpoints } from './store';
import { ChainWalker, pgBatchReader, rowOf, sqliteBatchReader, valueRowsOf, verifySegment, type PgQueryable, type SegmentResult } from './segment';
import type { VerifyWorkerData } from './verify-worker';

export interface VerifyProblem {
  seq: number;
  id: number | null;
  reason: string;
  /** The archive file the problem is in, if any. */
  file?: string;
}

export interface VerifyResult {
  ok: boolean;
  /** Entries whose hashes were checked (entries in deleted archive files are not). */
  checked: number;
  headSeq: number;
  headHash: string;
  problem?: VerifyProblem;
}

export interface VerifyOptions {
  /** Entries (seq) per read of the table. */
  pageSize?: number;
  /** <dataDir>/audit-archive: needed once entries were archived; also holds the HEAD file. */
  archiveDir?: string;
  /** Worker threads for the table (default: one per CPU, at most 4); 0 or 1: on this thread. */
  workers?: number;
  /** Below this many sealed entries in the table the walk stays on this thread (default 200,000). */
  parallelFrom?: number;
}

const WORKER_FILE = path.join(__dirname, `verify-worker${path.extname(__filename)}`);

interface KnexClientLike {
  config: { client?: unknown; connection?: unknown };
  acquireConnection(): Promise<unknown>;
  releaseConnection(conn: unknown): Promise<void> | void;
}

/** Where a worker can open its own connection to this database, or null (then no workers). */
function workerTarget(knex: Knex): Pick<VerifyWorkerData, 'dialect' | 'target'> | null {
  const { config } = (knex as unknown as { client: KnexClientLike }).client;
  const c = config.connection as { filename?: string; connectionString?: string } | string | undefined;
  if (config.client === 'better-sqlite3') {
    const file = typeof c === 'object' ? c.filename : undefined;
    return file && file !== ':memory:' ? { dialect: 'sqlite', target: file } : null;
  }
  if (config.client === 'pg') {
    const url = typeof c === 'string' ? c : c?.connectionString;
    return url ? { dialect: 'postgres', target: url } : null;
  }
  return null;
}

function runWorker(data: VerifyWorkerData): Promise<SegmentResult> {
  return new Promise((resolve, reject) => {
    // Run from TypeScript sources (tests, bench scripts), the worker registers tsx itself: loaders
    // given on the command line do not always reach worker threads.
    const worker = WORKER_FILE.endsWith('.ts')
      ? new Worker(`require('tsx/cjs'); require(${JSON.stringify(WORKER_FILE)});`, { eval: true, workerData: data })
      : new Worker(WORKER_FILE, { workerData: data });
    let settled = false;
    worker.once('message', (m: { result?: SegmentResult; error?: string }) => {
      settled = true;
      if (m.result) resolve(m.result);
      else reject(new Error(`audit verify worker failed: ${m.error}`));
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`audit verify worker exited with code ${code}`));
    });
  });
}

/** One range on this thread, through a connection of Knex's pool taken for each batch. */
async function segmentHere(knex: Knex, from: number, batchSize: number, head: VerifyWorkerData['head']): Promise<SegmentResult> {
  const client = (knex as unknown as { client: KnexClientLike }).client;
  const withConn = async <T>(fn: (conn: unknown) => Promise<T>): Promise<T> => {
    const conn = await client.acquireConnection();
    try {
      return await fn(conn);
    } finally {
      await client.releaseConnection(conn);
    }
  };
  const sqlite = client.config.client === 'better-sqlite3';
  const reader = (conn: unknown) => (sqlite ? sqliteBatchReader(conn as BetterSqlite3.Database) : pgBatchReader(conn as PgQueryable));
  return verifySegment(
    {
      rows: sqlite ? 'table' : 'entry',
      entries: (lo, hi) => withConn((conn) => reader(conn).entries(lo, hi)),
      entry: (id) => withConn((conn) => reader(conn).entry(id)),
      values: (lo, hi) => withConn((conn) => reader(conn).values(lo, hi)),
      valuesOf: (ids) => withConn((conn) => reader(conn).valuesOf(ids)),
      maxSeq: () => withConn((conn) => reader(conn).maxSeq()),
    },
    from, null, batchSize, head,
  );
}

export async function verifyChain(knex: Knex, options: VerifyOptions = {}): Promise<VerifyResult> {
  // 1,000 seq a batch: larger batches outlive the young generation and are copied into the old
  // one (at 5,000 a third more CPU per entry, most of it garbage collection).
  const pageSize = options.pageSize ?? 1_000;
  const head = options.archiveDir ? readHeadFile(options.archiveDir) : null;
  const headCheck = head ? { seq: head.seq, hash: head.hash } : null;
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  let checked = 0;
  const fail = (seq: number, id: number | null, reason: string, file?: string): VerifyResult => ({
    ok: false, checked, headSeq: expectedSeq - 1, headHash: prev, problem: { seq, id, reason, ...(file ? { file } : {}) },
  });

  for (const cp of await listCheckpoints(knex)) {
    if (cp.from_seq !== expectedSeq) return fail(expectedSeq, null, `archived entries from seq ${expectedSeq} to ${cp.from_seq - 1} are missing (no checkpoint covers them)`, cp.file);
    if (cp.file_deleted_at) {
      // The file was let go of by configuration: the checkpoint still carries the chain across it.
      prev = cp.head_hash;
      expectedSeq = cp.through_seq + 1;
      continue;
    }
    if (!options.archiveDir) throw new Error('entries were archived: pass the archive directory to verify them');
    const piece = openPiece(options.archiveDir, cp.file);
    if (!piece) return fail(cp.from_seq, null, `archive file ${cp.file} is missing`, cp.file);
    const walker = new ChainWalker(headCheck, { prev, expectedSeq });
    for await (const e of piece.entries) {
      if (Number(e.seq) > cp.through_seq) return fail(Number(e.seq), Number(e.id), `entry beyond its checkpoint's range was inserted (archive ${cp.file})`, cp.file);
      const problem = walker.step(rowOf(e), valueRowsOf(e));
      if (problem) return fail(Number(e.seq), Number(e.id), `${problem} (archive ${cp.file})`, cp.file);
      ({ prev, expectedSeq } = walker);
      checked++;
    }
    if (expectedSeq !== cp.through_seq + 1) return fail(expectedSeq, null, `entry with seq ${expectedSeq} is missing (archive ${cp.file})`, cp.file);
    if (prev !== cp.head_hash) return fail(cp.through_seq, null, `the last entry of archive ${cp.file} does not match its checkpoint's head hash`, cp.file);
    if (piece.sha256 !== cp.file_sha256) return fail(cp.from_seq, null, `archive file ${cp.file} does not match the SHA-256 recorded in its checkpoint: it was altered`, cp.file);
  }

  // An entry in the table at an archived seq was inserted after the fact.
  const stray = await knex('audit_log').whereNotNull('seq').andWhere('seq', '<', expectedSeq).orderBy('seq').first('seq', 'id');
  if (stray) return fail(Number(stray.seq), Number(stray.id), 'an entry with an archived seq is in the table: it was inserted');

  // The table in ranges of seq: [expectedSeq, max] split evenly, the last range open-ended (it
  // also checks entries sealed during the walk). Each range checks itself from its first entry on.
  const max = Number((await knex('audit_log').max({ m: 'seq' }).first())?.m ?? 0);
  const target = workerTarget(knex);
  const workers = Math.max(1, Math.min(options.workers ?? Math.min(4, os.availableParallelism()), Math.ceil((max - expectedSeq + 1) / pageSize)));
  let segments: SegmentResult[];
  if (target && workers > 1 && max - expectedSeq + 1 >= (options.parallelFrom ?? 200_000)) {
    const span = Math.ceil((max - expectedSeq + 1) / workers);
    segments = await Promise.all(Array.from({ length: workers }, (_, i) => {
      const from = expectedSeq + i * span;
      return runWorker({ ...target, from, to: i === workers - 1 ? null : from + span - 1, batchSize: pageSize, head: headCheck });
    }));
  } else segments = [await segmentHere(knex, expectedSeq, pageSize, headCheck)];

  for (const s of segments) {
    if (!s.first) continue;
    // The range's first entry must follow what came before, as in a single walk.
    if (s.first.seq !== expectedSeq) return fail(s.first.seq, s.first.id, expectedSeq < s.first.seq ? `entry with seq ${expectedSeq} is missing` : `unexpected seq ${s.first.seq}`);
    if (s.first.prevHash !== prev) return fail(s.first.seq, s.first.id, 'previous hash does not match: an entry before it was removed or inserted');
    if (s.problem) {
      checked += s.checked;
      if (s.last) {
        prev = s.last.hash;
        expectedSeq = s.last.seq + 1;
      }
      return fail(s.problem.seq, s.problem.id, s.problem.reason);
    }
    checked += s.checked;
    prev = s.last!.hash;
    expectedSeq = s.last!.seq + 1;
  }

  // A head inside a deleted archive file cannot be compared; one past the chain's end means a cut.
  if (head && head.seq >= expectedSeq) {
    return fail(expectedSeq, null, `the chain ends at seq ${expectedSeq - 1}, but the head recorded outside the database (HEAD) is seq ${head.seq}: the newest entries were removed`);
  }
  return { ok: true, checked, headSeq: expectedSeq - 1, headHash: prev };
}
