// A lease row: at most one holder per name across every process sharing the database, taken
// over by another process when the holder stops renewing it. Works the same on both databases.
import type { Knex } from 'knex';
import type { Clock } from '../lib/time';

export async function tryAcquireLease(knex: Knex, clock: Clock, name: string, holder: string, ttlMs: number): Promise<boolean> {
  const now = clock.now();
  const expires = new Date(now.getTime() + ttlMs).toISOString();
  await knex('leases').insert({ name, holder: '', expires_at: new Date(0).toISOString() }).onConflict('name').ignore();
  const updated = await knex('leases')
    .where({ name })
    .andWhere((w) => w.where('holder', holder).orWhere('expires_at', '<', now.toISOString()))
    .update({ holder, expires_at: expires });
  return updated === 1;
}

export async function releaseLease(knex: Knex, name: string, holder: string): Promise<void> {
  await knex('leases').where({ name, holder }).update({ expires_at: new Date(0).toISOString() });
}
