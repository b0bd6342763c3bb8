// Validation with the same JSON schemas the routes declare, for callers that do not come through
// Fastify (the CLI, jobs, page forms): services call validate() so every caller meets one rule set.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { ValidationError, type FieldErrors } from './errors';

/** Options shared with Fastify's own validator (see app.ts), so both behave alike. */
export const ajvOptions = { allErrors: true, removeAdditional: false, coerceTypes: false, useDefaults: true, strict: false } as const;

const ajv = addFormats(new Ajv(ajvOptions));
const compiled = new WeakMap<object, ValidateFunction>();

export function fieldErrorsOf(errors: ErrorObject[] | null | undefined): FieldErrors {
  const fields: FieldErrors = {};
  for (const e of errors ?? []) {
    const params = e.params as Record<string, unknown>;
    let field = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
    if (e.keyword === 'required') field = [field, params.missingProperty].filter(Boolean).join('.');
    if (e.keyword === 'additionalProperties') field = [field, params.additionalProperty].filter(Boolean).join('.');
    const message = e.keyword === 'additionalProperties' ? 'is not a known field' : e.keyword === 'required' ? 'is required' : (e.message ?? 'is invalid');
    if (!fields[field || '(body)']) fields[field || '(body)'] = { keyword: e.keyword, message, params };
  }
  return fields;
}

export function summarize(fields: FieldErrors): string {
  return Object.entries(fields)
    .map(([f, e]) => `${f} ${e.message}`)
    .join('; ');
}

/** Validates (and applies schema defaults to) `value`; throws ValidationError naming each bad field. */
export function validate<T>(schema: object, value: unknown): T {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  if (!fn(value)) {
    const fields = fieldErrorsOf(fn.errors);
    throw new ValidationError(summarize(fields), fields);
  }
  return value as T;
}
