// Reading the audit log wherever its entries are: the table, and the archive pieces a query can
// match (by their time range in the checkpoints). Newest first by (at, id), keyset-paginated; the
// table is read through its indexes, archive pieces are read whole (slower, acceptable).
import type { Knex } from 'knex';
import { archiveDir, readPiece, type StoredEntry } from '../../audit/archive';
import { ENTRY_COLUMNS, listCheckpoints, withValues } from '../../audit/store';
import type { Reader } from '../../db/reader';

export interface AuditFilter {
  actor_id?: number;
  action?: string;
  record_type?: string;
  record_id?: string;
  ip?: string;
  /** Inclusive lower and exclusive upper bound on `at` (UTC ISO). */
  from?: string;
  to?: string;
  /** One user's sign-in history: their sign-ins and sign-outs, and failed sign-ins to their account. */
  sign_ins_of?: number;
}

/** Signing in and out, as modules/auth records it: the user is the actor (sessions entries). */
export const SIGN_IN_ACTIONS = ['sign_in', 'sign_out', 'sign_out_everywhere'] as const;
/** A failed sign-in has no actor: it is recorded about the account (users entry), when it exists. */
export const SIGN_IN_FAILED = 'sign_in_failed';

function isSignInOf(e: StoredEntry, userId: number): boolean {
  return (
    (e.actor_id === userId && (SIGN_IN_ACTIONS as readonly string[]).includes(e.action)) ||
    (e.action === SIGN_IN_FAILED && e.record_type === 'users' && e.record_id === String(userId))
  );
}

export interface Position {
  at: string;
  id: number;
}

export interface Entry extends StoredEntry {
  archived: boolean;
  /** The actor's name, when the entry was read from the table (joined); archived entries have none. */
  actor_name?: string | null;
}

/** Newest first: later `at`, then higher id. */
function newerFirst(a: Position, b: Position): number {
  return a.at === b.at ? b.id - a.id : a.at < b.at ? 1 : -1;
}

function matches(e: StoredEntry, f: AuditFilter, after: Position | null): boolean {
  return (
    (f.actor_id === undefined || e.actor_id === f.actor_id) &&
    (f.action === undefined || e.action === f.action) &&
    (f.record_type === undefined || e.record_type === f.record_type) &&
    (f.record_id === undefined || e.record_id === f.record_id) &&
    (f.ip === undefined || e.ip === f.ip) &&
    (f.from === undefined || e.at >= f.from) &&
    (f.to === undefined || e.at < f.to) &&
    (f.sign_ins_of === undefined || isSignInOf(e, f.sign_ins_of)) &&
    (after === null || newerFirst(after, e) < 0)
  );
}

/** An entry with its kept values, joined with its actor's name, in one statement (see fromQuery). */
const PAGE_COLUMNS = `a.seq, a.id, a.at, a.actor_id, a.ip, a.user_agent, a.request_id, a.action, a.record_type, a.record_id, a.changes, a.prev_hash, a.hash,
  u.name as actor_name, v.field as v_field, v.salt as v_salt, v.before_value as v_before, v.after_value as v_after`;

interface PageRow {
  seq: number | string | null;
  id: number | string;
  at: string;
  actor_id: number | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  action: string;
  record_type: string;
  record_id: string | null;
  changes: string | null;
  prev_hash: string | null;
  hash: string | null;
  actor_name: string | null;
  v_field: string | null;
  v_salt: string;
  v_before: string | null;
  v_after: string | null;
}

export function createAuditRepository(knex: Knex, read: Reader, dataDir: string) {
  const dir = archiveDir(dataDir);

  async function fromTable(f: AuditFilter, after: Position | null, limit: number): Promise<Entry[]> {
    if (f.sign_ins_of !== undefined) {
      // Two index ranges ((actor_id, at) and (record_type, record_id)) merged here, rather than
      // one OR that the databases would answer by collecting and sorting all of a user's entries.
      const { sign_ins_of: userId, ...rest } = f;
      const [mine, failed] = await Promise.all([
        fromQuery({ ...rest, actor_id: userId }, after, limit, SIGN_IN_ACTIONS),
        fromQuery({ ...rest, record_type: 'users', record_id: String(userId), action: SIGN_IN_FAILED }, after, limit),
      ]);
      return [...mine, ...failed].sort(newerFirst).slice(0, limit);
    }
    return fromQuery(f, after, limit);
  }

  /**
   * One page of the table in one fixed statement through the reader (no query building, a
   * prepared statement per filter shape): the newest `limit` matching entries, each joined with
   * its kept values (one row per value) and its actor's name.
   */
  async function fromQuery(f: AuditFilter, after: Position | null, limit: number, actions?: readonly string[]): Promise<Entry[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const key of ['actor_id', 'action', 'record_type', 'record_id', 'ip'] as const) {
      if (f[key] !== undefined) {
        where.push(`${key} = ?`);
        params.push(f[key]);
      }
    }
    if (f.from) {
      where.push('at >= ?');
      params.push(f.from);
    }
    if (f.to) {
      where.push('at < ?');
      params.push(f.to);
    }
    if (after) {
      where.push('(at < ? or (at = ? and id < ?))');
      params.push(after.at, after.at, after.id);
    }
    if (actions) {
      where.push(`action in (${actions.map(() => '?').join(', ')})`);
      params.push(...actions);
    }
    params.push(limit);
    const sql = `select ${PAGE_COLUMNS}
      from (select * from audit_log${where.length ? ` where ${where.join(' and ')}` : ''} order by at desc, id desc limit ?) a
      left join users u on u.id = a.actor_id
      left join audit_values v on a.changes is not null and v.entry_id = a.id
      order by a.at desc, a.id desc, v.field`;
    const rows = await read.all<PageRow>(sql, params);
    const out: Entry[] = [];
    let last: Entry | null = null;
    for (const r of rows) {
      const id = Number(r.id);
      if (!last || last.id !== id) {
        last = {
          seq: r.seq === null ? (null as unknown as number) : Number(r.seq), id, at: r.at, actor_id: r.actor_id === null ? null : Number(r.actor_id),
          ip: r.ip, user_agent: r.user_agent, request_id: r.request_id, action: r.action, record_type: r.record_type, record_id: r.record_id,
          changes: r.changes, prev_hash: r.prev_hash as string, hash: r.hash as string, values: [], archived: false, actor_name: r.actor_name,
        };
        out.push(last);
      }
      if (r.v_field !== null) last.values.push({ field: r.v_field, salt: r.v_salt, before_value: r.v_before, after_value: r.v_after });
    }
    return out;
  }

  /** The archive pieces (checkpoints with their files) a reader may have to open. */
  async function pieces(): Promise<Array<{ file: string; first_at: string; last_at: string }>> {
    return read.all('select file, first_at, last_at from audit_checkpoints where file_deleted_at is null order by from_seq', []);
  }

  return {
    /** One page newest first after `after`; `more` says whether anything older matches. */
    async page(f: AuditFilter, after: Position | null, limit: number): Promise<{ entries: Entry[]; more: boolean }> {
      let found = await fromTable(f, after, limit + 1);
      const matching = (await pieces())
        .filter((cp) => (!f.from || cp.last_at >= f.from) && (!f.to || cp.first_at < f.to) && (!after || cp.first_at <= after.at))
        .sort((a, b) => (a.last_at < b.last_at ? 1 : -1));
      for (const cp of matching) {
        // Once the page is full, a piece whose newest entry is older than the page's last cannot contribute.
        if (found.length > limit && cp.last_at < found[limit].at) break;
        const piece = await readPiece(dir, cp.file);
        if (!piece) continue;
        for (const e of piece.entries) if (matches(e, f, after)) found.push({ ...e, archived: true });
        found = found.sort(newerFirst).slice(0, limit + 1);
      }
      return { entries: found.slice(0, limit), more: found.length > limit };
    },

    async byId(id: number): Promise<Entry | null> {
      const row = await knex('audit_log').where({ id }).first(ENTRY_COLUMNS);
      if (row) return { ...(await withValues(knex, [row]))[0], archived: false };
      for (const cp of await listCheckpoints(knex)) {
        if (cp.file_deleted_at || id < cp.min_id || id > cp.max_id) continue;
        const hit = (await readPiece(dir, cp.file))?.entries.find((e) => Number(e.id) === id);
        if (hit) return { ...hit, archived: true };
      }
      return null;
    },

    async userNames(ids: number[]): Promise<Map<number, string>> {
      const unique = [...new Set(ids)];
      if (unique.length === 0) return new Map();
      const rows = unique.length ? await knex('users').whereIn('id', unique).select('id', 'name') : [];
      return new Map(rows.map((r) => [Number(r.id), r.name as string]));
    },

    /** Everyone who can appear as "who", for the filter form. */
    async users(): Promise<Array<{ id: number; name: string }>> {
      return (await knex('users').orderBy('name_sort').select('id', 'name')).map((r) => ({ id: Number(r.id), name: r.name }));
    },
  };
}
export type AuditRepository = ReturnType<typeof createAuditRepository>;
