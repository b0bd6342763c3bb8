// The hash chain's arithmetic, shared by the sealer and the verifier. An entry's hash covers its
// metadata and the commitments of its changed values, never the values themselves, so erasing a
// value (deleting its audit_values row) leaves every hash intact.
import crypto from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainFields {
  seq: number;
  id: number;
  at: string;
  actor_id: number | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  action: string;
  record_type: string;
  record_id: string | null;
  changes: string | null;
}

export function entryHash(prevHash: string, e: ChainFields): string {
  const canonical = JSON.stringify([e.seq, e.id, e.at, e.actor_id, e.ip, e.user_agent, e.request_id, e.action, e.record_type, e.record_id, e.changes]);
  return crypto.createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}

/** A salted commitment to one value of one field: reveals nothing once the salt is gone. */
export function commitment(salt: string, field: string, value: unknown): string {
  return crypto
    .createHash('sha256')
    .update(salt)
    .update('\0')
    .update(field)
    .update('\0')
    .update(JSON.stringify(value ?? null))
    .digest('hex');
}
