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

/**
 * SHA-256 of one UTF-8 string, as hex. `crypto.hash` (Node ≥ 20.12) hashes in one call, about
 * twice as fast as createHash().update().digest() for inputs this small; both give the same bytes,
 * and hashing a concatenation equals updating with its parts, so the chain's hashes never change.
 */
const sha256 = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash
  ? (text: string) => (crypto as unknown as { hash(algorithm: string, data: string, encoding: 'hex'): string }).hash('sha256', text, 'hex')
  : (text: string) => crypto.createHash('sha256').update(text).digest('hex');

export function entryHash(prevHash: string, e: ChainFields): string {
  const canonical = JSON.stringify([e.seq, e.id, e.at, e.actor_id, e.ip, e.user_agent, e.request_id, e.action, e.record_type, e.record_id, e.changes]);
  return sha256(`${prevHash}\n${canonical}`);
}

/** A salted commitment to one value of one field: reveals nothing once the salt is gone. */
export function commitment(salt: string, field: string, value: unknown): string {
  return commitmentOfText(salt, field, JSON.stringify(value ?? null));
}

/** The same commitment from the value's JSON text as the writer stores it (JSON.stringify of the value). */
export function commitmentOfText(salt: string, field: string, json: string): string {
  return sha256(`${salt}\0${field}\0${json}`);
}
