// License files: a JSON payload signed with the vendor's Ed25519 key, verified offline against the
// public key built into the product (vendor-key.ts). Pure functions: no database, no network.
//
//   { "payload": { "product": "kehu", "license_id": "…", "licensee": "…", "edition": "…",
//                  "seats": 25, "issued": "2026-11-25", "updates_until": "2027-11-25",
//                  "features": [] },
//     "signature": "<base64 Ed25519 signature of canonicalJson(payload)>" }
import crypto, { type KeyObject } from 'node:crypto';

export const PRODUCT = 'kehu';

export interface LicensePayload {
  product: string;
  license_id: string;
  licensee: string;
  edition: string;
  seats: number;
  /** YYYY-MM-DD */
  issued: string;
  /** YYYY-MM-DD: versions released on or before this day are covered. */
  updates_until: string;
  features: string[];
}

export interface LicenseFile {
  payload: LicensePayload;
  signature: string;
}

/** Why a license was refused: `code` for programs, `message` for people. */
export type LicenseProblem = 'malformed' | 'tampered' | 'wrong_product' | 'updates_expired';

export class LicenseError extends Error {
  constructor(readonly code: LicenseProblem, message: string) {
    super(message);
  }
}

/**
 * The bytes that are signed: JSON with object keys sorted at every level and no whitespace, so the
 * vendor tool and the product agree whatever order or spacing the file has.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('numbers must be finite');
    if (value === undefined) throw new TypeError('undefined has no JSON form');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value).sort().filter((k) => (value as Record<string, unknown>)[k] !== undefined);
  return `{${entries.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function isDate(s: unknown): s is string {
  return typeof s === 'string' && DATE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);
}

/** The shape problems of a payload (empty when it is well formed). */
export function payloadProblems(p: unknown): string[] {
  if (!p || typeof p !== 'object' || Array.isArray(p)) return ['payload must be an object'];
  const o = p as Record<string, unknown>;
  const out: string[] = [];
  const text = (name: string, max: number) => {
    if (typeof o[name] !== 'string' || !(o[name] as string).trim()) out.push(`${name} must be a non-empty string`);
    else if ((o[name] as string).length > max) out.push(`${name} must be at most ${max} characters`);
  };
  text('product', 50);
  text('license_id', 200);
  text('licensee', 500);
  text('edition', 100);
  if (!Number.isInteger(o.seats) || (o.seats as number) < 1 || (o.seats as number) > 1_000_000) out.push('seats must be a whole number from 1 to 1000000');
  if (!isDate(o.issued)) out.push('issued must be a date YYYY-MM-DD');
  if (!isDate(o.updates_until)) out.push('updates_until must be a date YYYY-MM-DD');
  if (isDate(o.issued) && isDate(o.updates_until) && o.updates_until < o.issued) out.push('updates_until must not be before issued');
  if (!Array.isArray(o.features) || o.features.some((f) => typeof f !== 'string' || !f || f.length > 100) || o.features.length > 100) out.push('features must be a list of names');
  return out;
}

/** Reads a license file's text (as uploaded, pasted or read from disk) into its two parts. */
export function parseLicense(input: unknown): LicenseFile {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input.replace(/^\uFEFF/, ''));
    } catch {
      throw new LicenseError('malformed', 'the license is not valid JSON; paste or upload the whole license file as the vendor sent it');
    }
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new LicenseError('malformed', 'a license file is a JSON object with "payload" and "signature"');
  const { payload, signature, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length) throw new LicenseError('malformed', `a license file has only "payload" and "signature" (found ${Object.keys(rest).map((k) => JSON.stringify(k)).join(', ')})`);
  if (typeof signature !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(signature) || Buffer.from(signature, 'base64').length !== 64) {
    throw new LicenseError('malformed', 'the license has no valid signature (a base64 Ed25519 signature)');
  }
  const problems = payloadProblems(payload);
  if (problems.length) throw new LicenseError('malformed', `the license payload is not valid: ${problems.join('; ')}`);
  return { payload: payload as LicensePayload, signature };
}

export function publicKeyFrom(key: KeyObject | string | Buffer): KeyObject {
  const k = typeof key === 'string' || Buffer.isBuffer(key) ? crypto.createPublicKey(key) : key;
  if (k.type !== 'public' || k.asymmetricKeyType !== 'ed25519') throw new TypeError('the license public key must be an Ed25519 public key');
  return k;
}

/**
 * Verifies a license against the public key: well formed, signed by the key (any change to the
 * payload or the signature fails), and for this product. Throws a LicenseError saying which.
 * Whether updates cover this version is a separate question (updatesCover).
 */
export function verifyLicense(input: unknown, publicKey: KeyObject): LicenseFile {
  const file = parseLicense(input);
  const ok = crypto.verify(null, Buffer.from(canonicalJson(file.payload), 'utf8'), publicKey, Buffer.from(file.signature, 'base64'));
  if (!ok) throw new LicenseError('tampered', 'the license signature does not match its contents: the file was changed after it was issued, or it was not issued by the Kehu vendor');
  if (file.payload.product !== PRODUCT) throw new LicenseError('wrong_product', `this license is for the product "${file.payload.product}", not for Kehu`);
  return file;
}

/** Whether a license's updates cover a version released on `releaseDate` (YYYY-MM-DD). */
export function updatesCover(payload: Pick<LicensePayload, 'updates_until'>, releaseDate: string): boolean {
  return releaseDate <= payload.updates_until;
}

/** Signs a payload (the vendor tool and tests; the product never holds a private key). */
export function signLicense(payload: LicensePayload, privateKey: KeyObject | string | Buffer): LicenseFile {
  const problems = payloadProblems(payload);
  if (problems.length) throw new LicenseError('malformed', `the license payload is not valid: ${problems.join('; ')}`);
  const key = typeof privateKey === 'string' || Buffer.isBuffer(privateKey) ? crypto.createPrivateKey(privateKey) : privateKey;
  const signature = crypto.sign(null, Buffer.from(canonicalJson(payload), 'utf8'), key).toString('base64');
  return { payload, signature };
}
