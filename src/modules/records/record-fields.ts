// Field vocabularies shared by customer records (sources, size bands, grades, activity types).
export const SOURCES = ['website', 'referral', 'trade_show', 'phone_in', 'campaign', 'import', 'api', 'other'] as const;
export const SIZE_BANDS = ['1-9', '10-49', '50-199', '200-999', '1000+'] as const;
export const GRADES = ['A', 'B', 'C'] as const;
export const ACTIVITY_TYPES = ['call', 'visit', 'meeting', 'email', 'wechat', 'note'] as const;
export const PRIORITIES = ['low', 'normal', 'high'] as const;

export const nullableString = (maxLength: number) => ({ type: ['string', 'null'], maxLength }) as const;
export const nullableEnum = <T extends readonly string[]>(values: T) => ({ type: ['string', 'null'], enum: [...values, null] }) as const;
export const isoTime = { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,3})?)?(Z|[+-][0-9]{2}:[0-9]{2})$' } as const;
export const isoDate = { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' } as const;

/** Record columns every customer record returns. */
export const recordMetaSchema = {
  owner_id: { type: 'integer' },
  team_id: { type: ['integer', 'null'] },
  tags: { type: 'array', items: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' }, color: { type: 'string' } } } },
  created_at: { type: 'string' },
  created_by: { type: ['integer', 'null'] },
  updated_at: { type: 'string' },
  updated_by: { type: ['integer', 'null'] },
  version: { type: 'integer' },
  deleted_at: { type: ['string', 'null'] },
} as const;

/**
 * A customer record type's write bodies from its own fields: create (no unknown fields, the
 * required ones, tags and owner, plus create-only fields such as allow_duplicate) and update (the
 * version it was based on and at least one change).
 */
export function recordWriteSchemas<F extends Record<string, object>, C extends Record<string, object>>(fields: F, required: readonly string[], createOnly: C) {
  const writable = {
    ...fields,
    tag_ids: { type: 'array', items: { type: 'integer', minimum: 1 }, maxItems: 50 },
    owner_id: { type: 'integer', minimum: 1 },
  } as const;
  return {
    create: { type: 'object', additionalProperties: false, required, properties: { ...writable, ...createOnly } },
    update: { type: 'object', additionalProperties: false, required: ['version'], minProperties: 2, properties: { ...writable, version: { type: 'integer', minimum: 1 } } },
  } as const;
}

/** Normalises any accepted ISO time ("...+08:00", no seconds) to the stored UTC form. */
export function toStoredTime(value: string | null | undefined): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
