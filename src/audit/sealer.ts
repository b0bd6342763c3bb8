// Seals audit entries into the hash chain in order. Writers never wait on the chain: they insert
// unsealed rows in their own transactions, and one sealer at a time (a lease, across processes)
// assigns seq, prev_hash and hash shortly after. A second sealer racing on the same head fails
// on the unique seq and rolls back, so the chain never forks.
import type { Knex } from 'knex';
import { entryHash, type ChainFields } from './chain';
import { currentHead } from './store';

const CHAIN_COLUMNS = ['id', 'at', 'actor_id', 'ip', 'user_agent', 'request_id', 'action', 'record_type', 'record_id', 'changes'];

export async function sealPending(knex: Knex, batch = 2000): Promise<number> {
  return knex.transaction(async (trx) => {
    // The head in the table, or the last archived entry once rotation emptied it of sealed entries.
    const head = await currentHead(trx);
    const pending: Array<Omit<ChainFields, 'seq'>> = await trx('audit_log').whereNull('seq').orderBy('id').limit(batch).select(CHAIN_COLUMNS);
    let seq = head.seq;
    let prev = head.hash;
    for (const row of pending) {
      seq += 1;
      const entry: ChainFields = { ...row, id: Number(row.id), seq };
      const hash = entryHash(prev, entry);
      const updated = await trx('audit_log').where({ id: entry.id }).whereNull('seq').update({ seq, prev_hash: prev, hash });
      if (updated !== 1) throw new Error(`audit entry ${entry.id} was sealed by another sealer`);
      prev = hash;
    }
    return pending.length;
  });
}

/** Seals until nothing is pending; returns how many entries were sealed. */
export async function sealAll(knex: Knex): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await sealPending(knex);
    total += n;
    if (n === 0) return total;
  }
}
