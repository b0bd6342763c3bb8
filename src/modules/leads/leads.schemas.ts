// Leads: inquiries not yet qualified. JSON schemas for the record, web-to-lead submissions,
// routing and scoring rules, cadences, conversion and merging.
import type { ListSpec } from '../../lib/listing';
import { whereNameMatches } from '../companies/companies.schemas';
import { nullableString, recordMetaSchema, SIZE_BANDS } from '../records/record-fields';

export const LEAD_SOURCES = ['website', 'trade_show', 'referral', 'phone_in', 'campaign', 'import', 'api'] as const;
export const LEAD_STATUSES = ['new', 'contacted', 'qualified', 'disqualified'] as const;
export const ROUTING_ACTIONS = ['user', 'round_robin', 'least_loaded'] as const;
/** Lead fields routing conditions and field scoring rules may test. */
export const ROUTABLE_FIELDS = ['source', 'region', 'industry', 'size_band', 'company_name', 'email', 'phone', 'message', 'name'] as const;
export const CONDITION_OPS = ['eq', 'in', 'contains', 'present', 'company_email'] as const;

export const LEAD_COLUMNS = [
  'id', 'name', 'company_name', 'phone', 'email', 'source', 'message', 'region', 'industry', 'size_band', 'status', 'disqualified_reason',
  'score', 'score_reasons', 'consent', 'consent_at', 'consent_text', 'converted_at', 'converted_company_id', 'converted_contact_id', 'converted_deal_id',
  'merged_into_id', 'routed_by', 'owner_id', 'team_id', 'created_at', 'created_by', 'updated_at', 'updated_by', 'version', 'deleted_at',
];
export const LEAD_AUDIT_FIELDS = ['name', 'company_name', 'phone', 'email', 'source', 'message', 'region', 'industry', 'size_band', 'status', 'disqualified_reason', 'consent', 'converted_company_id', 'converted_contact_id', 'converted_deal_id', 'merged_into_id'];

const fields = {
  name: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S', description: 'The person who asked.' },
  company_name: nullableString(200),
  phone: nullableString(50),
  email: { anyOf: [{ type: 'string', maxLength: 254, format: 'email' }, { type: 'null' }] },
  source: { type: 'string', enum: [...LEAD_SOURCES] },
  message: nullableString(5000),
  region: nullableString(100),
  industry: nullableString(100),
  size_band: { type: ['string', 'null'], enum: [...SIZE_BANDS, null] },
  consent: { type: 'boolean', description: 'Marketing consent given.' },
  owner_id: { type: 'integer', minimum: 1 },
  tag_ids: { type: 'array', items: { type: 'integer', minimum: 1 }, maxItems: 50 },
} as const;

export const leadCreateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { ...fields, route: { type: 'boolean', description: 'Give the lead an owner through the routing rules (default when no owner_id is sent).' } },
} as const;

export const leadUpdateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  minProperties: 2,
  properties: {
    ...fields,
    status: { type: 'string', enum: [...LEAD_STATUSES] },
    disqualified_reason: nullableString(500),
    version: { type: 'integer', minimum: 1 },
  },
} as const;

/** The public form: what a website sends (strings, as a browser form does). */
export const webLeadSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', maxLength: 200 },
    company_name: { type: 'string', maxLength: 200 },
    phone: { type: 'string', maxLength: 50 },
    email: { type: 'string', maxLength: 254 },
    message: { type: 'string', maxLength: 5000 },
    region: { type: 'string', maxLength: 100 },
    industry: { type: 'string', maxLength: 100 },
    consent: { type: 'string', maxLength: 10, description: 'Marketing consent: "yes" (a ticked box) or absent.' },
    consent_text: { type: 'string', maxLength: 500 },
    source: { type: 'string', enum: [...LEAD_SOURCES] },
    // the honeypot: a field people do not see and bots fill in
    website: { type: 'string', maxLength: 500 },
    format: { type: 'string', enum: ['html', 'json'] },
    // a token a page of our own may send along; the form needs none
    _csrf: { type: 'string', maxLength: 500 },
  },
} as const;

const condition = {
  type: 'object',
  additionalProperties: false,
  required: ['field', 'op'],
  properties: {
    field: { type: 'string', enum: [...ROUTABLE_FIELDS] },
    op: { type: 'string', enum: [...CONDITION_OPS] },
    value: { type: ['string', 'null'], maxLength: 200, description: 'For in: comma-separated values.' },
  },
} as const;

export const routingRuleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'action'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    conditions: { type: 'array', items: condition, maxItems: 10 },
    action: { type: 'string', enum: [...ROUTING_ACTIONS] },
    user_id: { type: ['integer', 'null'], minimum: 1 },
    team_id: { type: ['integer', 'null'], minimum: 1 },
    position: { type: 'integer', minimum: 1, maximum: 1000 },
    active: { type: 'boolean' },
  },
} as const;

export const routingRuleUpdateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  minProperties: 2,
  properties: { ...routingRuleSchema.properties, version: { type: 'integer', minimum: 1 } },
} as const;

export const scoringRuleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'label', 'points'],
  properties: {
    kind: { type: 'string', enum: ['field', 'behaviour'] },
    label: { type: 'string', minLength: 1, maxLength: 100 },
    field: { type: ['string', 'null'], enum: [...ROUTABLE_FIELDS, null] },
    op: { type: ['string', 'null'], enum: [...CONDITION_OPS, null] },
    value: { type: ['string', 'null'], maxLength: 200 },
    activity_type: { type: ['string', 'null'], maxLength: 20 },
    points: { type: 'integer', minimum: -1000, maximum: 1000 },
    half_life_days: { type: ['integer', 'null'], minimum: 1, maximum: 3650 },
    active: { type: 'boolean' },
  },
} as const;

export const cadencesSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['bands'],
  properties: {
    bands: {
      type: 'array',
      maxItems: 10,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['band', 'min_score', 'touches', 'per_days'],
        properties: {
          band: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,19}$' },
          min_score: { type: 'integer', minimum: -100000, maximum: 100000 },
          touches: { type: 'integer', minimum: 1, maximum: 100 },
          per_days: { type: 'integer', minimum: 1, maximum: 3650 },
        },
      },
    },
  },
} as const;

export const leadSettingsSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    fallback_user_id: { type: ['integer', 'null'], minimum: 1 },
    per_address_per_hour: { type: 'integer', minimum: 1, maximum: 100000 },
    global_per_minute: { type: 'integer', minimum: 1, maximum: 1000000 },
    over_limit: { type: 'string', enum: ['quarantine', 'refuse'] },
    thank_you_text: nullableString(500),
  },
} as const;

export const convertSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    company_id: { type: 'integer', minimum: 1, description: 'An existing company; otherwise one is created from the lead (with the duplicate check).' },
    allow_duplicate: { type: 'boolean', description: 'Create the company even though it looks like an existing one.' },
    create_deal: { type: 'boolean', default: true },
    deal: {
      type: 'object',
      additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 200 },
        amount: { type: ['integer', 'null'], minimum: 0 },
        pipeline_id: { type: 'integer', minimum: 1 },
        stage_id: { type: 'integer', minimum: 1 },
        expected_close_date: { type: ['string', 'null'], pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' },
      },
    },
  },
} as const;

export const mergeSchema = { type: 'object', additionalProperties: false, required: ['merge_id'], properties: { merge_id: { type: 'integer', minimum: 1 } } } as const;

export const leadSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    company_name: { type: ['string', 'null'] },
    phone: { type: ['string', 'null'] },
    email: { type: ['string', 'null'] },
    source: { type: 'string' },
    message: { type: ['string', 'null'] },
    region: { type: ['string', 'null'] },
    industry: { type: ['string', 'null'] },
    size_band: { type: ['string', 'null'] },
    status: { type: 'string' },
    disqualified_reason: { type: ['string', 'null'] },
    score: { type: 'integer' },
    score_reasons: { type: ['array', 'null'], items: { type: 'object', additionalProperties: true } },
    consent: { type: 'boolean' },
    consent_at: { type: ['string', 'null'] },
    consent_text: { type: ['string', 'null'] },
    converted_at: { type: ['string', 'null'] },
    converted_company_id: { type: ['integer', 'null'] },
    converted_contact_id: { type: ['integer', 'null'] },
    converted_deal_id: { type: ['integer', 'null'] },
    merged_into_id: { type: ['integer', 'null'] },
    routed_by: { type: ['string', 'null'] },
    ...recordMetaSchema,
  },
} as const;

export const leadsListSpec: ListSpec = {
  table: 'leads',
  defaultSort: '-created_at',
  sorts: {
    name: { column: 'leads.name_sort' },
    created_at: { column: 'leads.created_at' },
    updated_at: { column: 'leads.updated_at' },
    score: { column: 'leads.score' },
  },
  filters: {
    owner_id: { column: 'leads.owner_id', type: 'integer', ops: ['eq', 'ne', 'in'] },
    team_id: { column: 'leads.team_id', type: 'integer', ops: ['eq', 'in'] },
    status: { column: 'leads.status', type: 'enum', values: LEAD_STATUSES, ops: ['eq', 'in', 'ne'] },
    source: { column: 'leads.source', type: 'enum', values: LEAD_SOURCES, ops: ['eq', 'in'] },
    score: { column: 'leads.score', type: 'integer', ops: ['eq', 'gt', 'gte', 'lt', 'lte'] },
    company_key: { column: 'leads.company_key', type: 'string', ops: ['eq'] },
    created_at: { column: 'leads.created_at', type: 'time' },
    q: { column: 'leads.name', type: 'string', ops: ['contains'], apply: (qb, _op, value) => whereNameMatches(qb, 'leads', value) },
  },
};
