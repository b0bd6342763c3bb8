// The hash chain's arithmetic, shared by the writer, the sealer, the verifier and the archives. An
// entry's hash covers its metadata and the commitments of its changed values, never the values
// themselves, so erasing a value (deleting its audit_values row) leaves every hash intact.
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

/** How many leading values of a chain row (see `entryHashOfRow`) the hash covers. */
export const CHAIN_ROW_LENGTH = 11;

/**
 * SHA-256 of one UTF-8 string, as hex. `crypto.hash` (Node ≥ 20.12) hashes in one call, about
 * twice as fast as createHash().update().digest() for inputs this small; both give the same bytes,
 * and hashing a concatenation equals updating with its parts, so the chain's hashes never change.
 */
const sha256 = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash
  ? (text: string) => (crypto as unknown as { hash(algorithm: string, data: string, encoding: 'hex'): string }).hash('sha256', text, 'hex')
  : (text: string) => crypto.createHash('sha256').update(text).digest('hex');

/** A string JSON.stringify would write with escapes: quotes, backslashes, control characters, surrogates. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * One value of the canonical array exactly as JSON.stringify writes it inside an array, without
 * its general machinery: the chain's values are numbers, plain strings and nulls, and a string
 * that needs escaping goes through JSON.stringify itself, so the bytes are always the same.
 */
function jsonValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return NEEDS_ESCAPE.test(v) ? JSON.stringify(v) : `"${v}"`;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  return JSON.stringify(v);
}

/**
 * The hash of an entry given as a row: [seq, id, at, actor_id, ip, user_agent, request_id, action,
 * record_type, record_id, changes, ...] (seq, id and actor_id as numbers; anything after the first
 * 11 values is ignored). The definition of the chain: sha256(prev_hash "\n" JSON of those 11).
 */
export function entryHashOfRow(prevHash: string, row: readonly unknown[]): string {
  return entryHashOfText(prevHash, chainText(row));
}

/** The JSON array of a row's first 11 values, as entryHashOfRow hashes it. */
export function chainText(row: readonly unknown[]): string {
  let text = `[${jsonValue(row[0])}`;
  for (let i = 1; i < CHAIN_ROW_LENGTH; i++) text += `,${jsonValue(row[i])}`;
  return `${text}]`;
}

/**
 * The same array written by SQLite, for verify's fast path (src/audit/segment.ts): json_array
 * writes `[v,v,…]` without spaces and with JSON.stringify's escapes, so the bytes are the same;
 * where they might not be (a character the two escape differently), the hash simply does not
 * match and verify checks the entry by entryHashOfRow. A match is never wrong: the stored hash
 * then covers this text, a correct JSON encoding, which decodes to exactly the row's values.
 * (On Postgres, to_json of each value costs the server more than chainText costs here.)
 */
export const CHAIN_TEXT_SQLITE = 'json_array(seq, id, at, actor_id, ip, user_agent, request_id, action, record_type, record_id, changes)';

/** The entry's hash from its canonical array text (chainText's, or CHAIN_TEXT_SQLITE's). */
export function entryHashOfText(prevHash: string, arrayText: string): string {
  return sha256(`${prevHash}\n${arrayText}`);
}

export function entryHash(prevHash: string, e: ChainFields): string {
  return entryHashOfRow(prevHash, [e.seq, e.id, e.at, e.actor_id, e.ip, e.user_agent, e.request_id, e.action, e.record_type, e.record_id, e.changes]);
}

/** A salted commitment to one value of one field: reveals nothing once the salt is gone. */
export function commitment(salt: string, field: string, value: unknown): string {
  return commitmentOfText(salt, field, JSON.stringify(value ?? null));
}

/** The same commitment from the value's JSON text as the writer stores it (JSON.stringify of the value). */
export function commitmentOfText(salt: string, field: string, json: string): string {
  return sha256(`${salt}\0${field}\0${json}`);
}
