// Helpers for HTML form pages: loose body schemas (browsers send strings), and re-rendering a
// form with the user's input and a message under each bad field when the service refuses it.
import type { FastifyReply } from 'fastify';
import { ConflictError, ValidationError, type FieldErrors } from '../lib/errors';
import { t, type Locale } from '../lib/i18n';

/**
 * A form body schema: each named field a string (or a list of strings for multi-selects). `long`
 * fields (notes, a record's content) may be longer than the usual 5000 characters.
 */
export function formSchema(fields: string[], lists: string[] = [], long: string[] = []): object {
  const str = { type: 'string', maxLength: 5000 };
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...Object.fromEntries(fields.map((f) => [f, str])),
      ...Object.fromEntries(long.map((f) => [f, { type: 'string', maxLength: 100_000 }])),
      ...Object.fromEntries(lists.map((f) => [f, { anyOf: [str, { type: 'array', items: str, maxItems: 100 }] }])),
    },
  };
}

export function listField(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  return (Array.isArray(value) ? value : [value]).map(String).filter(Boolean);
}

export function optionalInt(value: unknown): number | null {
  if (value === undefined || value === null || value === '') return null;
  const n = Number(value);
  return Number.isInteger(n) ? n : NaN;
}

/** Field errors in the reader's language: validation.<keyword> with the schema's params. */
export function localizeFields(locale: Locale, fields: FieldErrors): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fields).map(([field, e]) => {
      const key = `validation.${e.keyword}`;
      const text = t(locale, key, e.params);
      return [field.replace(/\..*$/, ''), text === key ? e.message : text];
    }),
  );
}

/**
 * Runs a form action; on a validation or conflict error re-renders `view` with the input kept and
 * the messages shown (400/409), so nothing the user typed is lost. Other errors propagate. A form
 * with its own answer to a conflict (a duplicate warning, both versions side by side) passes
 * `onConflict`.
 */
export async function handleForm(reply: FastifyReply, view: string, data: Record<string, unknown>, action: () => Promise<void>, onConflict?: (err: ConflictError) => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (err) {
    const locale = reply.request.locale;
    if (err instanceof ValidationError) {
      const errors = localizeFields(locale, err.fields);
      await reply.code(400).page(view, { ...data, errors, formError: Object.keys(errors).length ? null : err.message });
      return;
    }
    if (err instanceof ConflictError && onConflict) {
      await onConflict(err);
      return;
    }
    if (err instanceof ConflictError) {
      await reply.code(409).page(view, { ...data, errors: {}, formError: err.message });
      return;
    }
    throw err;
  }
}
