// Sensitive fields: personal contact details that roles without the "sensitive.read" flag see
// masked (138****5678) everywhere a value leaves the service layer — pages, API, search results,
// exports and audit diffs — and cannot search by. The list is the one definition of "sensitive".
import { hasFlag, type Actor } from './scope';

export const SENSITIVE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  companies: ['phone'],
  contacts: ['mobile', 'phone', 'email', 'wechat'],
  leads: ['phone', 'email'],
};

export function sensitiveFieldsOf(recordType: string): readonly string[] {
  return SENSITIVE_FIELDS[recordType] ?? [];
}

export function isSensitive(recordType: string, field: string): boolean {
  return sensitiveFieldsOf(recordType).includes(field);
}

export function seesSensitive(actor: Actor): boolean {
  return hasFlag(actor, 'sensitive.read');
}

/**
 * Masks one value so that its shape stays recognisable but it cannot be used or guessed:
 * "13812345678" → "138****5678", "li.lei@example.com" → "l***@example.com", short values → "a***".
 */
export function maskValue(value: unknown): unknown {
  if (value === null || value === undefined || value === '') return value;
  const text = String(value);
  const at = text.indexOf('@');
  if (at > 0) return `${text[0]}***${text.slice(at)}`;
  const chars = [...text];
  if (chars.length >= 8) return `${chars.slice(0, 3).join('')}****${chars.slice(-4).join('')}`;
  return `${chars[0]}***`;
}

/** A copy of `row` with the record type's sensitive fields masked, unless the actor may see them. */
export function maskRow<T extends Record<string, unknown>>(actor: Actor, recordType: string, row: T): T {
  if (seesSensitive(actor)) return row;
  const fields = sensitiveFieldsOf(recordType);
  if (!fields.some((f) => f in row)) return row;
  const out: Record<string, unknown> = { ...row };
  for (const f of fields) if (f in out) out[f] = maskValue(out[f]);
  return out as T;
}

/** Whether a submitted value is just the masked form of the stored one (an untouched masked field). */
export function isMaskedEcho(submitted: unknown, stored: unknown): boolean {
  return submitted !== null && submitted !== undefined && submitted !== '' && submitted === maskValue(stored);
}
