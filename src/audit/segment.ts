// Checking the chain over a range of seq, from rows in their cheapest form: plain arrays
// (better-sqlite3 `.raw()`, pg `rowMode: 'array'`), entries by a seq range and their values by an
// entry-id range. On SQLite the database writes the entry hash's text (CHAIN_TEXT_SQLITE), so an
// entry is six values, not thirteen strings to put together; whenever that text does not confirm
// the stored hash, the entry is read in full and checked by chain.ts's entryHashOfRow, which then
// names the problem. On Postgres the entries come in full and go straight to entryHashOfRow.
// The same code runs on the main thread (small chains) and in the verify workers (src/audit/
// verify-worker.ts), each of which checks its own seq range; verify.ts checks the links between
// ranges; archive pieces go through ChainWalker.step directly.
import type BetterSqlite3 from 'better-sqlite3';
import { CHAIN_TEXT_SQLITE, commitment, commitmentOfText, entryHashOfRow, entryHashOfText } from './chain';
import type { StoredEntry } from './archive';

/**
 * An entry as a row: the chain's 11 fields in hash order, then prev_hash and hash; seq, id and
 * actor_id as numbers.
 */
export type EntryRow = [
  seq: number, id: number, at: string, actor_id: number | null, ip: string | null, user_agent: string | null, request_id: string | null,
  action: string, record_type: string, record_id: string | null, changes: string | null, prev_hash: string, hash: string,
];
/** An entry as SQLite's batches read it: what the walk needs and its text by CHAIN_TEXT_SQLITE. */
export type TableRow = [seq: number, id: number, changes: string | null, prev_hash: string | null, hash: string | null, text: string | null];
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
  return valuesProblem(e[CHANGES], values);
}

/** Why a kept value does not match its commitment in `changes` (whose hash has been checked), or null. */
function valuesProblem(changes: string | null, values: ValueRow[]): string | null {
  if (!values.length) return null;
  // The usual case without parsing `changes`: the writer wrote JSON.stringify({ field: [before,
  // after], ... }) and the entry's hash vouches for that text, so finding the pair of commitments
  // worked out from the stored values right after the field's key is the same check as below.
  const text = changes;
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
    committed = changes ? JSON.parse(changes) : {};
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
    return this.linkProblem(e[SEQ], e[ID], e[PREV_HASH]) ?? contentProblem(e, this.prev, values) ?? this.advance(e[SEQ], e[HASH]);
  }

  /**
   * The same checks for a table row whose text has confirmed its stored hash (hashConfirmed):
   * the links, the values and the head; the hash itself is not worked out again.
   */
  stepConfirmed(r: TableRow, values: ValueRow[]): string | null {
    return this.linkProblem(r[0], r[1], r[3]) ?? valuesProblem(r[2], values) ?? this.advance(r[0], r[4]);
  }

  /** Whether the entry follows the one before (seq and prev_hash); the first of a range sets them. */
  private linkProblem(seq: number, id: number, prevHash: string | null): string | null {
    if (!this.anchored) {
      this.anchored = true;
      this.first = { seq, id, prevHash: prevHash as string };
      this.prev = prevHash as string;
      this.expectedSeq = seq;
    }
    if (seq !== this.expectedSeq) return this.expectedSeq < seq ? `entry with seq ${this.expectedSeq} is missing` : `unexpected seq ${seq}`;
    if (prevHash !== this.prev) return 'previous hash does not match: an entry before it was removed or inserted';
    return null;
  }

  /** The head check, then on to the next entry. */
  private advance(seq: number, hash: string | null): string | null {
    if (this.head && seq === this.head.seq && hash !== this.head.hash) {
      return 'the entry does not match the head recorded outside the database (HEAD): it was replaced';
    }
    this.prev = hash as string;
    this.expectedSeq = seq + 1;
    this.checked++;
    return null;
  }
}

/**
 * Whether the row's text confirms its stored hash as the hash of its stored prev_hash and content
 * (the walk checks prev_hash against the chain separately). Not confirmed is not a verdict: the
 * row is then checked in full by entryHashOfRow.
 */
export function hashConfirmed(r: TableRow): boolean {
  return r[3] !== null && r[5] !== null && entryHashOfText(r[3], r[5]) === r[4];
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
  /**
   * What entries() gives: 'table', TableRows whose database-written text is checked first
   * (SQLite); 'entry', EntryRows checked by entryHashOfRow (Postgres, where to_json of each
   * column would cost the server more than the text costs here).
   */
  readonly rows: 'table' | 'entry';
  /** Rows by a seq range, in seq order (seq, id and actor_id may come as text). */
  entries(from: number, to: number): Promise<unknown[][]>;
  /** One entry in full, as an EntryRow (int8 may come as text), or undefined. */
  entry(id: number): Promise<unknown[] | undefined>;
  values(lo: number, hi: number): Promise<unknown[][]>;
  valuesOf(ids: number[]): Promise<unknown[][]>;
  /** The highest sealed seq now. */
  maxSeq(): Promise<number>;
}

const COLUMNS = 'seq, id, at, actor_id, ip, user_agent, request_id, action, record_type, record_id, changes, prev_hash, hash';
const TABLE_ROWS_SQLITE = `select seq, id, changes, prev_hash, hash, ${CHAIN_TEXT_SQLITE} from audit_log where seq >= ? and seq <= ? order by seq`;
const ENTRIES_SQL = `select ${COLUMNS} from audit_log where seq >= ? and seq <= ? order by seq`;
const ENTRY_SQL = `select ${COLUMNS} from audit_log where id = ?`;
const VALUES_SQL = 'select entry_id, field, salt, before_value, after_value from audit_values where entry_id >= ? and entry_id <= ? order by entry_id, field';
const valuesOfSql = (n: number) => `select entry_id, field, salt, before_value, after_value from audit_values where entry_id in (${Array(n).fill('?').join(', ')}) order by entry_id, field`;
const MAX_SEQ_SQL = 'select max(seq) from audit_log';
/** Ids per valuesOf statement. */
const IN_CHUNK = 500;

export function sqliteBatchReader(conn: BetterSqlite3.Database): BatchReader {
  const entries = conn.prepare(TABLE_ROWS_SQLITE).raw(true);
  const entry = conn.prepare(ENTRY_SQL).raw(true);
  const values = conn.prepare(VALUES_SQL).raw(true);
  const max = conn.prepare(MAX_SEQ_SQL).pluck(true);
  return {
    rows: 'table',
    async entries(from, to) {
      return entries.all(from, to) as unknown[][];
    },
    async entry(id) {
      return entry.get(id) as unknown[] | undefined;
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
  const entry = numbered(ENTRY_SQL);
  const values = numbered(VALUES_SQL);
  return {
    rows: 'entry',
    async entries(from, to) {
      return (await client.query({ text: entries, values: [from, to], rowMode: 'array' })).rows;
    },
    async entry(id) {
      return (await client.query({ text: entry, values: [id], rowMode: 'array' })).rows[0];
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

/** One batch: its entries as the reader's rows (seq order) and the kept values of each. */
interface Batch {
  entries: unknown[][];
  values: ValueRow[][];
}

const NONE: ValueRow[] = [];

/** Postgres sends int8 as text in a worker (no type parser there); numbers either way. */
function numbers(e: unknown[], indexes: readonly number[]): void {
  for (const i of indexes) if (e[i] !== null && typeof e[i] !== 'number') e[i] = Number(e[i]);
}
const TABLE_NUMBERS = [0, 1] as const;
const ENTRY_NUMBERS = [SEQ, ID, 3] as const;

/**
 * Reads one batch. Values are read by one entry-id range when the batch's ids are dense (they
 * follow seq closely, as the sealer seals in id order), else by id lists; they are matched to
 * their entries by walking both in id order, or through a map when ids are out of order.
 */
async function readBatch(reader: BatchReader, from: number, to: number): Promise<Batch> {
  const rows = await reader.entries(from, to);
  const entries = rows as Array<Array<number | string | null>>;
  const table = reader.rows === 'table';
  const changesAt = table ? 2 : CHANGES;
  const numbered = table ? TABLE_NUMBERS : ENTRY_NUMBERS;
  let lo = Infinity;
  let hi = -Infinity;
  let ordered = true;
  let prevId = -Infinity;
  let withChanges = 0;
  for (let i = 0; i < rows.length; i++) {
    const e = entries[i];
    if (typeof e[0] !== 'number' || typeof e[1] !== 'number') numbers(e, numbered);
    const id = e[1] as number;
    if (id <= prevId) ordered = false;
    prevId = id;
    if (e[changesAt] !== null) {
      withChanges++;
      if (id < lo) lo = id;
      if (id > hi) hi = id;
    }
  }
  const values: ValueRow[][] = new Array(rows.length).fill(NONE);
  if (withChanges === 0) return { entries, values };
  const found = hi - lo > 4 * rows.length
    ? await reader.valuesOf(entries.filter((e) => e[changesAt] !== null).map((e) => e[1] as number))
    : await reader.values(lo, hi);
  if (ordered) {
    // Both in id order: one pass. Values of entries not in this batch (unsealed ones) are skipped.
    let j = 0;
    for (let i = 0; i < entries.length && j < found.length; i++) {
      const id = entries[i][1] as number;
      if (entries[i][changesAt] === null) continue;
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
    for (let i = 0; i < entries.length; i++) if (entries[i][changesAt] !== null) values[i] = byId.get(entries[i][1] as number) ?? NONE;
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
  const table = reader.rows === 'table';
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
      const r = entries[i] as TableRow;
      let problem: string | null;
      if (!table) problem = walker.step(entries[i] as EntryRow, values[i]);
      else if (hashConfirmed(r)) problem = walker.stepConfirmed(r, values[i]);
      else {
        // Not confirmed by the database's part: the entry in full, by the chain's one definition.
        const full = await reader.entry(r[1]);
        if (full) numbers(full, ENTRY_NUMBERS);
        problem = full ? walker.step(full as EntryRow, values[i]) : 'content does not match its hash: the entry was altered';
      }
      if (problem) {
        await next?.catch(() => undefined);
        return { first: walker.first, last, checked: walker.checked, problem: { seq: r[0], id: r[1], reason: problem } };
      }
      last = { seq: r[0], hash: (table ? r[4] : (entries[i] as EntryRow)[HASH]) as string };
    }
  }
  return { first: walker.first, last, checked: walker.checked, problem: null };
}
