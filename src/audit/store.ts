// Reading the audit tables as the archive stores them: entries with their kept values, the
// checkpoints of archived pieces, and the chain's current head (for verification and backups).
import type { Knex } from 'knex';
import { GENESIS_HASH } from './chain';
import type { ArchivedValue, StoredEntry } from './archive';

export const ENTRY_COLUMNS = ['seq', 'id', 'at', 'actor_id', 'ip', 'user_agent', 'request_id', 'action', 'record_type', 'record_id', 'changes', 'prev_hash', 'hash'];

export interface Checkpoint {
  id: number;
  at: string;
  from_seq: number;
  through_seq: number;
  head_hash: string;
  file: string;
  file_sha256: string;
  entries: number;
  min_id: number;
  max_id: number;
  first_at: string;
  last_at: string;
  file_deleted_at: string | null;
}

const NUMERIC = ['id', 'from_seq', 'through_seq', 'entries', 'min_id', 'max_id'] as const;

export async function listCheckpoints(knex: Knex): Promise<Checkpoint[]> {
  const rows = await knex('audit_checkpoints').orderBy('from_seq').select('*');
  return rows.map((r) => {
    for (const k of NUMERIC) r[k] = Number(r[k]);
    return r as Checkpoint;
  });
}

/** The kept values of the given entries, by entry id. */
export async function valuesOf(knex: Knex, ids: number[]): Promise<Map<number, ArchivedValue[]>> {
  const out = new Map<number, ArchivedValue[]>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await knex('audit_values').whereIn('entry_id', ids.slice(i, i + 500)).orderBy('id').select('entry_id', 'field', 'salt', 'before_value', 'after_value');
    for (const { entry_id, ...v } of rows) {
      const list = out.get(Number(entry_id)) ?? [];
      list.push(v);
      out.set(Number(entry_id), list);
    }
  }
  return out;
}

/** Table rows (any columns of audit_log) as stored entries with their values. */
export async function withValues(knex: Knex, rows: Array<Record<string, unknown>>): Promise<StoredEntry[]> {
  const values = await valuesOf(knex, rows.filter((r) => r.changes).map((r) => Number(r.id)));
  return rows.map((r) => ({
    ...(r as unknown as StoredEntry),
    id: Number(r.id),
    seq: r.seq === null ? (null as unknown as number) : Number(r.seq),
    actor_id: r.actor_id === null ? null : Number(r.actor_id),
    values: values.get(Number(r.id)) ?? [],
  }));
}

/**
 * Sealed entries from `fromSeq` on, in seq order, with their kept values: what verification walks.
 * Values are read by one id range when the page's ids are dense (they follow seq closely, as the
 * sealer seals in id order), else by id lists.
 */
export async function tablePage(knex: Knex, fromSeq: number, limit: number): Promise<StoredEntry[]> {
  const rows: Array<Record<string, unknown>> = await knex('audit_log').whereNotNull('seq').andWhere('seq', '>=', fromSeq).orderBy('seq').limit(limit).select(ENTRY_COLUMNS);
  const withChanges = rows.filter((r) => r.changes).map((r) => Number(r.id));
  let values: Map<number, ArchivedValue[]>;
  if (withChanges.length === 0) values = new Map();
  else {
    let lo = withChanges[0];
    let hi = lo;
    for (const id of withChanges) {
      if (id < lo) lo = id;
      if (id > hi) hi = id;
    }
    if (hi - lo > 4 * limit) values = await valuesOf(knex, withChanges);
    else {
      values = new Map();
      const wanted = new Set(withChanges);
      const found = await knex('audit_values').whereBetween('entry_id', [lo, hi]).orderBy('id').select('entry_id', 'field', 'salt', 'before_value', 'after_value');
      for (const { entry_id, ...v } of found) {
        const id = Number(entry_id);
        if (!wanted.has(id)) continue;
        const list = values.get(id);
        if (list) list.push(v);
        else values.set(id, [v]);
      }
    }
  }
  return rows.map((r) => ({
    seq: Number(r.seq), id: Number(r.id), at: r.at as string, actor_id: r.actor_id === null ? null : Number(r.actor_id), ip: r.ip as string | null,
    user_agent: r.user_agent as string | null, request_id: r.request_id as string | null, action: r.action as string, record_type: r.record_type as string,
    record_id: r.record_id as string | null, changes: r.changes as string | null, prev_hash: r.prev_hash as string, hash: r.hash as string,
    values: values.get(Number(r.id)) ?? [],
  }));
}

/** The newest sealed entry (in the table, else the last archived), or the genesis hash at seq 0. */
export async function currentHead(knex: Knex): Promise<{ seq: number; hash: string }> {
  const row = await knex('audit_log').whereNotNull('seq').orderBy('seq', 'desc').first('seq', 'hash');
  if (row) return { seq: Number(row.seq), hash: row.hash };
  const cp = await knex('audit_checkpoints').orderBy('through_seq', 'desc').first('through_seq', 'head_hash');
  return cp ? { seq: Number(cp.through_seq), hash: cp.head_hash } : { seq: 0, hash: GENESIS_HASH };
}
