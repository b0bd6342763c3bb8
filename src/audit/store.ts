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

/** The newest sealed entry (in the table, else the last archived), or the genesis hash at seq 0. */
export async function currentHead(knex: Knex): Promise<{ seq: number; hash: string }> {
  const row = await knex('audit_log').whereNotNull('seq').orderBy('seq', 'desc').first('seq', 'hash');
  if (row) return { seq: Number(row.seq), hash: row.hash };
  const cp = await knex('audit_checkpoints').orderBy('through_seq', 'desc').first('through_seq', 'head_hash');
  return cp ? { seq: Number(cp.through_seq), hash: cp.head_hash } : { seq: 0, hash: GENESIS_HASH };
}
