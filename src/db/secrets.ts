// Secrets generated at first start (the JWT signing key, the cookie and CSRF keys) and shared by
// every process through the database: whoever inserts first wins, everyone reads the winner.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../lib/time';

export async function getOrCreateSecret(knex: Knex, clock: Clock, name: string): Promise<string> {
  await knex('secrets')
    .insert({ name, value: crypto.randomBytes(48).toString('base64url'), created_at: clock.now().toISOString() })
    .onConflict('name')
    .ignore();
  const row = await knex('secrets').where({ name }).first('value');
  return row.value;
}
