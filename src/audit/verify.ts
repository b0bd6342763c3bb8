// Walks the chain in seq order, through the archive pieces and then the table, and names the first
// entry that was altered, removed or inserted. Kept values are checked against their commitments
// (an erased value is simply absent), every archive file against the SHA-256 of its checkpoint,
// and the end of the chain against the head recorded outside the database (audit-archive/HEAD),
// which a chain alone cannot check: cutting off its newest entries leaves a valid shorter chain.
import type { Knex } from 'knex';
import { commitment, commitmentOfText, entryHash, GENESIS_HASH } from './chain';
import { openPiece, readHeadFile, type StoredEntry } from './archive';
import { ENTRY_COLUMNS, listCheckpoints, tablePage } from './store';

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
  pageSize?: number;
  /** <dataDir>/audit-archive: needed once entries were archived; also holds the HEAD file. */
  archiveDir?: string;
}

/** Why an entry does not follow `prev` at `expectedSeq`, or null when it does. */
function entryProblem(e: StoredEntry, prev: string, expectedSeq: number): string | null {
  const seq = Number(e.seq);
  if (seq !== expectedSeq) return expectedSeq < seq ? `entry with seq ${expectedSeq} is missing` : `unexpected seq ${seq}`;
  if (e.prev_hash !== prev) return 'previous hash does not match: an entry before it was removed or inserted';
  const fields = { seq, id: Number(e.id), at: e.at, actor_id: e.actor_id, ip: e.ip, user_agent: e.user_agent, request_id: e.request_id, action: e.action, record_type: e.record_type, record_id: e.record_id, changes: e.changes };
  if (entryHash(prev, fields) !== e.hash) return 'content does not match its hash: the entry was altered';
  if (!e.values.length) return null;
  const committed: Record<string, [string, string]> = e.changes ? JSON.parse(e.changes) : {};
  for (const v of e.values) {
    const c = committed[v.field];
    if (!c || !matches(v.salt, `${v.field}:before`, v.before_value, c[0]) || !matches(v.salt, `${v.field}:after`, v.after_value, c[1])) {
      return `stored value of field "${v.field}" does not match its commitment: it was altered`;
    }
  }
  return null;
}

/**
 * Whether a stored value (JSON text) matches its commitment. The writer stores JSON.stringify of
 * the value, so its text is hashed as it is; only when that differs is the value read and written
 * out again (the same value in other JSON spelling still matches, as before).
 */
function matches(salt: string, field: string, text: string | null, expected: string): boolean {
  if (commitmentOfText(salt, field, text ?? 'null') === expected) return true;
  return commitment(salt, field, JSON.parse(text ?? 'null')) === expected;
}

export async function verifyChain(knex: Knex, options: VerifyOptions = {}): Promise<VerifyResult> {
  const pageSize = options.pageSize ?? 10_000;
  const head = options.archiveDir ? readHeadFile(options.archiveDir) : null;
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  let checked = 0;
  const fail = (seq: number, id: number | null, reason: string, file?: string): VerifyResult => ({
    ok: false, checked, headSeq: expectedSeq - 1, headHash: prev, problem: { seq, id, reason, ...(file ? { file } : {}) },
  });
  /** Checks one entry and advances; returns a failure or null. */
  const step = (e: StoredEntry, file?: string): VerifyResult | null => {
    const problem = entryProblem(e, prev, expectedSeq);
    if (problem) return fail(Number(e.seq), Number(e.id), file ? `${problem} (archive ${file})` : problem, file);
    if (head && Number(e.seq) === head.seq && e.hash !== head.hash) {
      return fail(head.seq, Number(e.id), 'the entry does not match the head recorded outside the database (HEAD): it was replaced');
    }
    prev = e.hash;
    expectedSeq = Number(e.seq) + 1;
    checked++;
    return null;
  };

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
    for await (const e of piece.entries) {
      if (Number(e.seq) > cp.through_seq) return fail(Number(e.seq), Number(e.id), `entry beyond its checkpoint's range was inserted (archive ${cp.file})`, cp.file);
      const failed = step(e, cp.file);
      if (failed) return failed;
    }
    if (expectedSeq !== cp.through_seq + 1) return fail(expectedSeq, null, `entry with seq ${expectedSeq} is missing (archive ${cp.file})`, cp.file);
    if (prev !== cp.head_hash) return fail(cp.through_seq, null, `the last entry of archive ${cp.file} does not match its checkpoint's head hash`, cp.file);
    if (piece.sha256 !== cp.file_sha256) return fail(cp.from_seq, null, `archive file ${cp.file} does not match the SHA-256 recorded in its checkpoint: it was altered`, cp.file);
  }

  // An entry in the table at an archived seq was inserted after the fact.
  const stray = await knex('audit_log').whereNotNull('seq').andWhere('seq', '<', expectedSeq).orderBy('seq').first('seq', 'id');
  if (stray) return fail(Number(stray.seq), Number(stray.id), 'an entry with an archived seq is in the table: it was inserted');

  // Page by page in seq order; the next page is asked for before this one is checked, so on
  // Postgres the database reads while this process hashes.
  let next = tablePage(knex, expectedSeq, pageSize);
  for (;;) {
    const page = await next;
    if (page.length === 0) break;
    next = tablePage(knex, Number(page[page.length - 1].seq) + 1, pageSize);
    for (const e of page) {
      const failed = step(e);
      if (failed) {
        await next.catch(() => {});
        return failed;
      }
    }
  }

  // A head inside a deleted archive file cannot be compared; one past the chain's end means a cut.
  if (head && head.seq >= expectedSeq) {
    return fail(expectedSeq, null, `the chain ends at seq ${expectedSeq - 1}, but the head recorded outside the database (HEAD) is seq ${head.seq}: the newest entries were removed`);
  }
  return { ok: true, checked, headSeq: expectedSeq - 1, headHash: prev };
}
