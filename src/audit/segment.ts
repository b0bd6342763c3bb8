// Checking the chain over a range of seq, from rows in their cheapest form: one statement per
// batch joins each entry with its kept values and returns plain arrays (better-sqlite3 `.raw()`,
// pg `rowMode: 'array'`), so no per-row objects or JSON beyond the hash itself. The same code runs
// on the main thread (small chains, archive pieces) and in the verify workers (src/audit/verify-
// worker.ts), each of which checks its own seq range; verify.ts checks the links between ranges.
import type BetterSqlite3 from 'better-sqlite3';
import { commitment, commitmentOfText, entryHashOfRow } from './chain';
import type { StoredEntry } from './archive';

/**
 * An entry as a row: the chain's 11 fields in hash order, then prev_hash and hash; seq, id and
 * actor_id as numbers.
 */
export type EntryRow = [
  seq: number, id: number, at: string, actor_id: number | null, ip: string | null, user_agent: string | null, request_id: string | null,
  action: string, record_type: string, record_id: string | null, changes: string | null, prev_hash: string, hash: string,
];
/** A kept value: [field, salt, before_value, after_value]. */
export type ValueRow = [field: string, salt: string, before_value: string | null, after_value: string | null];

const SEQ = 0;
const ID = 1;
const CHANGES = 10;
const PREV_HASH = 11;
const HASH = 12;

export function rowOf(e: StoredEntry): EntryRow {
  return [
    Number(e.seq), Number(e.id), e.at, e.actor_id === null ? null : Number(e.actor_id), e.ip, e.user_agent, e.request_id,
    e.action, e.record_type, e.record_id, e.changes, e.prev_hash, e.hash,
  ];
}

export function valueRowsOf(e: StoredEntry): ValueRow[] {
  return e.values.map((v) => [v.field, v.salt, v.before_value, v.after_value]);
}

/**
 * Whether a stored value (JSON text) matches its commitment. The writer stores JSON.stringify of
 * the value, so its text is hashed as it is; only when that differs is the value read and written
 * out again (the same value in other JSON spelling still matches).
 */
function matches(salt: string, field: string, text: string | null, expected: string): boolean {
  if (commitmentOfText(salt, field, text ?? 'null') === expected) return true;
  try {
    return commitment(salt, field, JSON.parse(text ?? 'null')) === expected;
  } catch {
    return false;
  }
}

/** Why an entry's own content or values are wrong (hash, commitments), or null. */
function contentProblem(e: EntryRow, prev: string, values: ValueRow[]): string | null {
  if (entryHashOfRow(prev, e) !== e[HASH]) return 'content does not match its hash: the entry was altered';
  if (!values.length) return null;
  let committed: Record<string, [string, string]> = {};
  try {
    committed = e[CHANGES] ? JSON.parse(e[CHANGES]) : {};
  } catch {
    // changes is covered by the hash, which matched: the writer wrote valid JSON.
  }
  for (const [field, salt, before, after] of values) {
    const c = committed[field];
    if (!c || !matches(salt, `${field}:before`, before, c[0]) || !matches(salt, `${field}:after`, after, c[1])) {
      return `stored value of field "${field}" does not match its commitment: it was altered`;
    }
  }
  return null;
}

export interface ChainProblem {
  seq: number;
  id: number | null;
  reason: string;
}

/** The head recorded outside the database, checked when the walk passes its seq. */
export interface HeadCheck {
  seq: number;
  hash: string;
}

/**
 * Walks entries in seq order. Anchored, it starts from a known predecessor (the genesis hash, the
 * end of the archives); unanchored (a worker's range), it takes its first entry's seq and
 * prev_hash as given and reports them, for the caller to check against the range before.
 */
export class ChainWalker {
  prev: string;
  expectedSeq: number;
  checked = 0;
  first: { seq: number; id: number; prevHash: string } | null = null;
  private anchored: boolean;

  constructor(private readonly head: HeadCheck | null, start?: { prev: string; expectedSeq: number }) {
    this.anchored = Boolean(start);
    this.prev = start?.prev ?? '';
    this.expectedSeq = start?.expectedSeq ?? 0;
  }

  /** Checks one entry and advances; returns what is wrong with it, or null. */
  step(e: EntryRow, values: ValueRow[]): string | null {
    const seq = e[SEQ];
    if (!this.anchored) {
      this.anchored = true;
      this.first = { seq, id: e[ID], prevHash: e[PREV_HASH] };
      this.prev = e[PREV_HASH];
      this.expectedSeq = seq;
    }
    if (seq !== this.expectedSeq) return this.expectedSeq < seq ? `entry with seq ${this.expectedSeq} is missing` : `unexpected seq ${seq}`;
    if (e[PREV_HASH] !== this.prev) return 'previous hash does not match: an entry before it was removed or inserted';
    const problem = contentProblem(e, this.prev, values);
    if (problem) return problem;
    if (this.head && seq === this.head.seq && e[HASH] !== this.head.hash) {
      return 'the entry does not match the head recorded outside the database (HEAD): it was replaced';
    }
    this.prev = e[HASH];
    this.expectedSeq = seq + 1;
    this.checked++;
    return null;
  }
}

/** What one range of the table holds, as far as it checked out. */
export interface SegmentResult {
  /** The range's first entry, whose seq and prev_hash the caller checks against what came before. */
  first: { seq: number; id: number; prevHash: string } | null;
  /** The last entry that checked out (seq, hash), or null. */
  last: { seq: number; hash: string } | null;
  checked: number;
  problem: ChainProblem | null;
}

/** Reads the entries with from <= seq <= to, joined with their values, as arrays in seq order. */
export interface BatchReader {
  batch(from: number, to: number): Promise<unknown[][]>;
  /** The highest sealed seq now. */
  maxSeq(): Promise<number>;
}

/** Columns of the batch statement: an EntryRow, then one value (or nulls). */
const BATCH_SQL = `select a.seq, a.id, a.at, a.actor_id, a.ip, a.user_agent, a.request_id, a.action, a.record_type, a.record_id, a.changes, a.prev_hash, a.hash,
  v.field, v.salt, v.before_value, v.after_value
  from audit_log a left join audit_values v on a.changes is not null and v.entry_id = a.id
  where a.seq >= ? and a.seq <= ? order by a.seq, v.field`;
const MAX_SEQ_SQL = 'select max(seq) from audit_log';

export function sqliteBatchReader(conn: BetterSqlite3.Database): BatchReader {
  const batch = conn.prepare(BATCH_SQL).raw(true);
  const max = conn.prepare(MAX_SEQ_SQL).pluck(true);
  return {
    async batch(from, to) {
      return batch.all(from, to) as unknown[][];
    },
    async maxSeq() {
      return Number(max.get() ?? 0);
    },
  };
}

export interface PgQueryable {
  query(config: { text: string; values: unknown[]; rowMode: 'array' }): Promise<{ rows: unknown[][] }>;
}

export function pgBatchReader(client: PgQueryable): BatchReader {
  let n = 0;
  const text = BATCH_SQL.replace(/\?/g, () => `$${++n}`);
  return {
    async batch(from, to) {
      return (await client.query({ text, values: [from, to], rowMode: 'array' })).rows;
    },
    async maxSeq() {
      return Number((await client.query({ text: MAX_SEQ_SQL, values: [], rowMode: 'array' })).rows[0]?.[0] ?? 0);
    },
  };
}

/**
 * Checks the entries with seq from `from` to `to` (null: to the end of the chain, entries sealed
 * meanwhile included), read in batches of `batchSize` seq with the next batch asked for before
 * this one is hashed (so on Postgres the server reads while this thread hashes).
 */
export async function verifySegment(reader: BatchReader, from: number, to: number | null, batchSize: number, head: HeadCheck | null): Promise<SegmentResult> {
  const walker = new ChainWalker(head);
  let last: SegmentResult['last'] = null;
  let known = to ?? (await reader.maxSeq());
  let lo = from;
  const ask = (start: number) => reader.batch(start, Math.min(start + batchSize - 1, to ?? Number.MAX_SAFE_INTEGER));
  let next: Promise<unknown[][]> | null = lo <= known ? ask(lo) : null;
  while (next) {
    const rows = await next;
    lo += batchSize;
    if (lo > known && to === null) known = await reader.maxSeq();
    next = lo <= known ? ask(lo) : null;
    for (let i = 0; i < rows.length; ) {
      const r = rows[i];
      // Postgres sends int8 as text in a worker (no type parser there); numbers either way.
      const e = [Number(r[0]), Number(r[1]), r[2], r[3] === null ? null : Number(r[3]), r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12]] as EntryRow;
      const values: ValueRow[] = [];
      const id = r[1];
      for (; i < rows.length && rows[i][1] === id; i++) {
        const v = rows[i];
        if (v[13] !== null) values.push([v[13], v[14], v[15], v[16]] as ValueRow);
      }
      const problem = walker.step(e, values);
      if (problem) {
        await next?.catch(() => undefined);
        return { first: walker.first, last, checked: walker.checked, problem: { seq: e[0], id: e[1], reason: problem } };
      }
      last = { seq: e[0], hash: e[HASH] };
    }
  }
  return { first: walker.first, last, checked: walker.checked, problem: null };
}
