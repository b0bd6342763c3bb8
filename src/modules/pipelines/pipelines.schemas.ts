// Pipelines, their stages and the lost reasons: JSON schemas and the built-in name keys (the
// seeded rows carry a `name_key`, shown in the reader's language until an admin renames them).

/** Name keys of the seeded and built-in stages (locale keys pipelines.stages.<key>). */
export const STAGE_KEYS = ['lead', 'qualification', 'needs_analysis', 'proposal', 'negotiation', 'contract', 'won', 'lost'] as const;
/** Name keys of the seeded lost reasons (deals.lost_reasons.<key>). */
export const LOST_REASON_KEYS = ['price', 'competitor', 'no_budget', 'no_decision', 'timing', 'other'] as const;
/** Name keys of seeded pipelines (pipelines.names.<key>). */
export const PIPELINE_KEYS = ['default'] as const;
export const STAGE_KINDS = ['open', 'won', 'lost'] as const;
/** Deal fields a stage may require before it can be entered. */
export const REQUIRABLE_FIELDS = ['amount', 'expected_close_date', 'company_id', 'next_step'] as const;

const name = { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S', description: 'The name in the reader\'s language (sets name_zh or name_en).' } as const;
const langName = { type: ['string', 'null'], maxLength: 100, description: 'The name in this language; the other language\'s is shown when empty.' } as const;
/** Either `name` or at least one of `name_zh`, `name_en`. */
const someName = { anyOf: [{ required: ['name'] }, { required: ['name_zh'] }, { required: ['name_en'] }] } as const;
const names = { name, name_zh: langName, name_en: langName } as const;
const version = { type: 'integer', minimum: 1 } as const;

const stageFields = {
  ...names,
  probability: { type: 'integer', minimum: 0, maximum: 100, description: 'Win probability of a deal in this stage, in percent.' },
  expected_days: { type: ['integer', 'null'], minimum: 1, maximum: 3650, description: 'Days a deal typically spends here; longer is flagged on the board.' },
  required_fields: { type: 'array', items: { type: 'string', enum: [...REQUIRABLE_FIELDS] }, uniqueItems: true, description: 'Deal fields that must be filled before a deal can enter this stage.' },
} as const;

export const stageCreateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['probability'],
  ...someName,
  properties: { ...stageFields, kind: { type: 'string', enum: ['open'], default: 'open', description: 'New stages are open stages; every pipeline has one won and one lost end.' } },
} as const;

export const stageUpdateSchema = { type: 'object', additionalProperties: false, required: ['version'], minProperties: 2, properties: { ...stageFields, version } } as const;

export const reorderSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['stage_ids'],
  properties: { stage_ids: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, maxItems: 50, uniqueItems: true, description: 'Every stage of the pipeline in its new order; the won and lost ends stay last.' } },
} as const;

export const pipelineCreateSchema = {
  type: 'object',
  additionalProperties: false,
  ...someName,
  properties: { ...names, is_default: { type: 'boolean' } },
} as const;

export const pipelineUpdateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  minProperties: 2,
  properties: { ...names, is_default: { type: 'boolean', enum: [true], description: 'Make this the default pipeline (another one stops being it).' }, position: { type: 'integer', minimum: 1, maximum: 1000 }, version },
} as const;

export const lostReasonCreateSchema = { type: 'object', additionalProperties: false, ...someName, properties: { ...names, active: { type: 'boolean' } } } as const;
export const lostReasonUpdateSchema = { type: 'object', additionalProperties: false, required: ['version'], minProperties: 2, properties: { ...names, active: { type: 'boolean' }, position: { type: 'integer', minimum: 1, maximum: 1000 }, version } } as const;

export const stageSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    pipeline_id: { type: 'integer' },
    name: { type: 'string' },
    name_zh: { type: 'string' },
    name_en: { type: 'string' },
    name_key: { type: ['string', 'null'] },
    position: { type: 'integer' },
    probability: { type: 'integer' },
    expected_days: { type: ['integer', 'null'] },
    kind: { type: 'string' },
    required_fields: { type: 'array', items: { type: 'string' } },
    version: { type: 'integer' },
  },
} as const;

export const pipelineSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    name_zh: { type: 'string' },
    name_en: { type: 'string' },
    name_key: { type: ['string', 'null'] },
    position: { type: 'integer' },
    is_default: { type: 'boolean' },
    version: { type: 'integer' },
    stages: { type: 'array', items: stageSchema },
  },
} as const;

export const lostReasonSchema = {
  type: 'object',
  properties: { id: { type: 'integer' }, name: { type: 'string' }, name_zh: { type: 'string' }, name_en: { type: 'string' }, name_key: { type: ['string', 'null'] }, position: { type: 'integer' }, active: { type: 'boolean' }, version: { type: 'integer' } },
} as const;
