// Walks the chain in seq order and names the first entry that was altered, removed or inserted,
// and checks every kept value against its commitment (an erased value is simply absent).
import type { Knex } from 'knex';
import { commitment, entryHash, GENESIS_HASH, type ChainFields } from './chain';

export interface VerifyResult {
  ok: boolean;
  checked: number;
  headSeq: number;
  headHash: string;
  problem?: { seq: number; id: number; reason: string };
}

export async function verifyChain(knex: Knex, options: { pageSize?: number } = {}): Promise<VerifyResult> {
  const pageSize = options.pageSize ?? 5000;
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  let lastSeq = 0;
  for (;;) {
    const rows: Array<ChainFields & { prev_hash: string; hash: string }> = await knex('audit_log')
      .whereNotNull('seq')
      .andWhere('seq', '>', lastSeq)
      .orderBy('seq')
      .limit(pageSize)
      .select('seq', 'id', 'at', 'actor_id', 'ip', 'user_agent', 'request_id', 'action', 'record_type', 'record_id', 'changes', 'prev_hash', 'hash');
    if (rows.length === 0) break;
    const values = await knex('audit_values')
      .whereIn('entry_id', rows.filter((r) => r.changes).map((r) => r.id))
      .select('entry_id', 'field', 'salt', 'before_value', 'after_value');
    const valuesByEntry = new Map<number, typeof values>();
    for (const v of values) {
      const list = valuesByEntry.get(Number(v.entry_id)) ?? [];
      list.push(v);
      valuesByEntry.set(Number(v.entry_id), list);
    }
    for (const r of rows) {
      const seq = Number(r.seq);
      const id = Number(r.id);
      const fail = (reason: string): VerifyResult => ({ ok: false, checked: seq - 1, headSeq: seq - 1, headHash: prev, problem: { seq, id, reason } });
      if (seq !== expectedSeq) return fail(expectedSeq < seq ? `entry with seq ${expectedSeq} is missing` : `unexpected seq ${seq}`);
      if (r.prev_hash !== prev) return fail('previous hash does not match: an entry before it was removed or inserted');
      const hash = entryHash(prev, { ...r, seq, id });
      if (hash !== r.hash) return fail('content does not match its hash: the entry was altered');
      const committed: Record<string, [string, string]> = r.changes ? JSON.parse(r.changes) : {};
      for (const v of valuesByEntry.get(id) ?? []) {
        const c = committed[v.field];
        const before = JSON.parse(v.before_value ?? 'null');
        const after = JSON.parse(v.after_value ?? 'null');
        if (!c || commitment(v.salt, `${v.field}:before`, before) !== c[0] || commitment(v.salt, `${v.field}:after`, after) !== c[1]) {
          return fail(`stored value of field "${v.field}" does not match its commitment: it was altered`);
        }
      }
      prev = hash;
      expectedSeq = seq + 1;
      lastSeq = seq;
    }
  }
  return { ok: true, checked: lastSeq, headSeq: lastSeq, headHash: prev };
}
