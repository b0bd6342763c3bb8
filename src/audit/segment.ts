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
/** A kept value as read: [entry_id, field, salt, before_value, after_value]. */
export type ValueRow = [entry_id: unknown, field: string, salt: string, before_value: string | null, after_value: string | null];

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
  return e.values.map((v) => [e.id, v.field, v.salt, v.before_value, v.after_value]);
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
  // The usual case without parsing `changes`: the writer wrote JSON.stringify({ field: [before,
  // after], ... }) and the hash above vouches for that text, so finding the pair of commitments
  // worked out from the stored values right after the field's key is the same check as below.
  const text = e[CHANGES];
  if (text !== null) {
    let all = true;
    for (const [, field, salt, before, after] of values) {
      const pair = `${JSON.stringify(field)}:["${commitmentOfText(salt, `${field}:before`, before ?? 'null')}","${commitmentOfText(salt, `${field}:after`, after ?? 'null')}"]`;
      if (!text.includes(pair)) {
        all = false;
        break;
      }
    }
    if (all) return null;
  }
  let committed: Record<string, [string, string]> = {};
  try {
    committed = e[CHANGES] ? JSON.parse(e[CHANGES]) : {};
  } catch {
    // changes is covered by the hash, which matched: the writer wrote valid JSON.
  }
  for (const [, field, salt, before, after] of values) {
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

/**
 * Reads the table as arrays: entries by a seq range, in seq order, and the kept values of an
 * entry-id range (or of listed ids) in (entry_id, field) order. Two index range reads cost the
 * database less than joining each entry with its values.
 */
export interface BatchReader {
  entries(from: number, to: number): Promise<unknown[][]>;
  values(lo: number, hi: number): Promise<unknown[][]>;
  valuesOf(ids: number[]): Promise<unknown[][]>;
  /** The highest sealed seq now. */
  maxSeq(): Promise<number>;
}

const ENTRIES_SQL = `select seq, id, at, actor_id, ip, user_agent, request_id, action, record_type, record_id, changes, prev_hash, hash
  from audit_log where seq >= ? and seq <= ? order by seq`;
const VALUES_SQL = 'select entry_id, field, salt, before_value, after_value from audit_values where entry_id >= ? and entry_id <= ? order by entry_id, field';
const valuesOfSql = (n: number) => `select entry_id, field, salt, before_value, after_value from audit_values where entry_id in (${Array(n).fill('?').join(', ')}) order by entry_id, field`;
const MAX_SEQ_SQL = 'select max(seq) from audit_log';
/** Ids per valuesOf statement. */
const IN_CHUNK = 500;

export function sqliteBatchReader(conn: BetterSqlite3.Database): BatchReader {
  const entries = conn.prepare(ENTRIES_SQL).raw(true);
  const values = conn.prepare(VALUES_SQL).raw(true);
  const max = conn.prepare(MAX_SEQ_SQL).pluck(true);
  return {
    async entries(from, to) {
      return entries.all(from, to) as unknown[][];
    },
    async values(lo, hi) {
      return values.all(lo, hi) as unknown[][];
    },
    async valuesOf(ids) {
      const out: unknown[][] = [];
      for (let i = 0; i < ids.length; i += IN_CHUNK) {
        const chunk = ids.slice(i, i + IN_CHUNK);
        out.push(...(conn.prepare(valuesOfSql(chunk.length)).raw(true).all(...chunk) as unknown[][]));
      }
      return out;
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
  const numbered = (sql: string) => {
    let n = 0;
    return sql.replace(/\?/g, () => `$${++n}`);
  };
  const entries = numbered(ENTRIES_SQL);
  const values = numbered(VALUES_SQL);
  return {
    async entries(from, to) {
      return (await client.query({ text: entries, values: [from, to], rowMode: 'array' })).rows;
    },
    async values(lo, hi) {
      return (await client.query({ text: values, values: [lo, hi], rowMode: 'array' })).rows;
    },
    async valuesOf(ids) {
      const out: unknown[][] = [];
      for (let i = 0; i < ids.length; i += IN_CHUNK) {
        const chunk = ids.slice(i, i + IN_CHUNK);
        out.push(...(await client.query({ text: numbered(valuesOfSql(chunk.length)), values: chunk, rowMode: 'array' })).rows);
      }
      return out;
    },
    async maxSeq() {
      return Number((await client.query({ text: MAX_SEQ_SQL, values: [], rowMode: 'array' })).rows[0]?.[0] ?? 0);
    },
  };
}

/** One batch: its entries as EntryRows (seq order) and the kept values of each. */
interface Batch {
  entries: EntryRow[];
  values: ValueRow[][];
}

const NONE: ValueRow[] = [];

/**
 * Reads one batch. Values are read by one entry-id range when the batch's ids are dense (they
 * follow seq closely, as the sealer seals in id order), else by id lists; they are matched to
 * their entries by walking both in id order, or through a map when ids are out of order.
 */
async function readBatch(reader: BatchReader, from: number, to: number): Promise<Batch> {
  const rows = await reader.entries(from, to);
  const entries: EntryRow[] = new Array(rows.length);
  let lo = Infinity;
  let hi = -Infinity;
  let ordered = true;
  let prevId = -Infinity;
  let withChanges = 0;
  for (let i = 0; i < rows.length; i++) {
    // The row itself becomes the EntryRow. Postgres sends int8 as text in a worker (no type
    // parser there); numbers either way.
    const e = rows[i] as EntryRow;
    if (typeof e[0] !== 'number') {
      e[0] = Number(e[0]);
      e[1] = Number(e[1]);
      if (e[3] !== null) e[3] = Number(e[3]);
    }
    entries[i] = e;
    if (e[ID] <= prevId) ordered = false;
    prevId = e[ID];
    if (e[CHANGES] !== null) {
      withChanges++;
      if (e[ID] < lo) lo = e[ID];
      if (e[ID] > hi) hi = e[ID];
    }
  }
  const values: ValueRow[][] = new Array(rows.length).fill(NONE);
  if (withChanges === 0) return { entries, values };
  const found = hi - lo > 4 * rows.length
    ? await reader.valuesOf(entries.filter((e) => e[CHANGES] !== null).map((e) => e[ID]))
    : await reader.values(lo, hi);
  if (ordered) {
    // Both in id order: one pass. Values of entries not in this batch (unsealed ones) are skipped.
    let j = 0;
    for (let i = 0; i < entries.length && j < found.length; i++) {
      const id = entries[i][ID];
      if (entries[i][CHANGES] === null) continue;
      while (j < found.length && Number(found[j][0]) < id) j++;
      let list: ValueRow[] | null = null;
      for (; j < found.length && Number(found[j][0]) === id; j++) {
        (list ??= []).push(found[j] as ValueRow);
      }
      if (list) values[i] = list;
    }
  } else {
    const byId = new Map<number, ValueRow[]>();
    for (const v of found) {
      const id = Number(v[0]);
      const list = byId.get(id);
      const row = v as ValueRow;
      if (list) list.push(row);
      else byId.set(id, [row]);
    }
    for (let i = 0; i < entries.length; i++) if (entries[i][CHANGES] !== null) values[i] = byId.get(entries[i][ID]) ?? NONE;
  }
  return { entries, values };
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
  const ask = (start: number) => readBatch(reader, start, Math.min(start + batchSize - 1, to ?? Number.MAX_SAFE_INTEGER));
  let next: Promise<Batch> | null = lo <= known ? ask(lo) : null;
  while (next) {
    const { entries, values } = await next;
    lo += batchSize;
    if (lo > known && to === null) known = await reader.maxSeq();
    next = lo <= known ? ask(lo) : null;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      const problem = walker.step(e, values[i]);
      if (problem) {
        await next?.catch(() => undefined);
        return { first: walker.first, last, checked: walker.checked, problem: { seq: e[SEQ], id: e[ID], reason: problem } };
      }
      last = { seq: e[SEQ], hash: e[HASH] };
    }
  }
  return { first: walker.first, last, checked: walker.checked, problem: null };
}
