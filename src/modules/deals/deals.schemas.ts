// Deals: opportunities moving through a pipeline's stages. Amounts are integer minor units of
// `currency` (fen, cents); a null probability means the stage's.
import type { ListSpec } from '../../lib/listing';
import { whereNameMatches } from '../companies/companies.schemas';
import { isoDate, nullableString, recordMetaSchema } from '../records/record-fields';

export const DEAL_COLUMNS = [
  'id', 'name', 'company_id', 'amount', 'currency', 'expected_close_date', 'probability', 'pipeline_id', 'stage_id', 'stage_entered_at', 'next_step',
  'source_lead_id', 'won_at', 'lost_at', 'lost_reason_id', 'lost_note', 'notes',
  'owner_id', 'team_id', 'created_at', 'created_by', 'updated_at', 'updated_by', 'version', 'deleted_at',
];

export const DEAL_AUDIT_FIELDS = ['name', 'company_id', 'contact_ids', 'amount', 'currency', 'expected_close_date', 'probability', 'next_step', 'notes', 'pipeline_id', 'stage_id'];

export const DEAL_STATUSES = ['open', 'won', 'lost'] as const;

/** Every key under deals.fields a page may show (the locale test checks them). */
export const DEAL_LABELS = ['name', 'company_id', 'contact_ids', 'amount', 'currency', 'expected_close_date', 'probability', 'next_step', 'notes', 'pipeline_id', 'stage_id', 'owner_id', 'team_id', 'status', 'lost_reason_id', 'lost_note', 'updated_at', 'stage_entered_at'];

const fields = {
  name: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' },
  company_id: { type: ['integer', 'null'], minimum: 1 },
  contact_ids: { type: 'array', items: { type: 'integer', minimum: 1 }, maxItems: 20, uniqueItems: true, description: 'The people on the deal, first the main one.' },
  amount: { type: ['integer', 'null'], minimum: 0, maximum: 900719925474099, description: 'Integer minor units of the currency (fen for CNY).' },
  currency: { type: 'string', pattern: '^[A-Z]{3}$', description: 'ISO 4217 code; the company currency when left out.' },
  expected_close_date: { anyOf: [isoDate, { type: 'null' }] },
  probability: { type: ['integer', 'null'], minimum: 0, maximum: 100, description: 'Overrides the stage probability; null goes back to it.' },
  next_step: nullableString(200),
  notes: nullableString(10000),
  tag_ids: { type: 'array', items: { type: 'integer', minimum: 1 }, maxItems: 50 },
  owner_id: { type: 'integer', minimum: 1 },
} as const;

export const dealCreateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    ...fields,
    pipeline_id: { type: 'integer', minimum: 1, description: 'The default pipeline when left out.' },
    stage_id: { type: 'integer', minimum: 1, description: 'The pipeline\'s first stage when left out; its required fields apply.' },
    source_lead_id: { type: ['integer', 'null'], minimum: 1 },
  },
} as const;

export const dealUpdateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  minProperties: 2,
  properties: { ...fields, version: { type: 'integer', minimum: 1 } },
} as const;

export const dealMoveSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['stage_id'],
  properties: {
    stage_id: { type: 'integer', minimum: 1 },
    version: { type: 'integer', minimum: 1 },
    lost_reason_id: { type: 'integer', minimum: 1, description: 'Required when the stage is the lost end.' },
    lost_note: { type: ['string', 'null'], maxLength: 1000 },
  },
} as const;

export const dealSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    company_id: { type: ['integer', 'null'] },
    contact_ids: { type: 'array', items: { type: 'integer' } },
    amount: { type: ['integer', 'null'] },
    currency: { type: 'string' },
    expected_close_date: { type: ['string', 'null'] },
    probability: { type: ['integer', 'null'] },
    pipeline_id: { type: 'integer' },
    stage_id: { type: 'integer' },
    stage_entered_at: { type: 'string' },
    next_step: { type: ['string', 'null'] },
    source_lead_id: { type: ['integer', 'null'] },
    won_at: { type: ['string', 'null'] },
    lost_at: { type: ['string', 'null'] },
    lost_reason_id: { type: ['integer', 'null'] },
    lost_note: { type: ['string', 'null'] },
    notes: { type: ['string', 'null'] },
    ...recordMetaSchema,
  },
} as const;

export const historySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    from_stage_id: { type: ['integer', 'null'] },
    to_stage_id: { type: 'integer' },
    at: { type: 'string' },
    by: { type: ['integer', 'null'] },
    exited_at: { type: ['string', 'null'], description: 'When the deal left the stage: the next entry\'s time.' },
    ms_in_stage: { type: ['integer', 'null'] },
  },
} as const;

const totalSchema = { type: 'object', properties: { currency: { type: 'string' }, amount: { type: 'integer' }, weighted: { type: 'integer' } } } as const;

export const cardSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    company_id: { type: ['integer', 'null'] },
    company_name: { type: ['string', 'null'] },
    amount: { type: ['integer', 'null'] },
    currency: { type: 'string' },
    probability: { type: 'integer', description: 'Effective: the deal\'s own or the stage\'s.' },
    expected_close_date: { type: ['string', 'null'] },
    stage_id: { type: 'integer' },
    stage_entered_at: { type: 'string' },
    days_in_stage: { type: 'integer' },
    stale: { type: 'boolean', description: 'In the stage longer than its expected days.' },
    owner_id: { type: 'integer' },
    version: { type: 'integer' },
  },
} as const;

export const columnSchema = {
  type: 'object',
  properties: {
    stage: { type: 'object', additionalProperties: true },
    count: { type: 'integer' },
    totals: { type: 'array', items: totalSchema },
    cards: { type: 'array', items: cardSchema },
    next_cursor: { type: ['string', 'null'] },
  },
} as const;

export const boardSchema = {
  type: 'object',
  properties: {
    pipeline: { type: 'object', additionalProperties: true },
    columns: { type: 'array', items: columnSchema },
  },
} as const;

export const dealsListSpec: ListSpec = {
  table: 'deals',
  defaultSort: '-updated_at',
  sorts: {
    name: { column: 'deals.name_sort' },
    created_at: { column: 'deals.created_at' },
    updated_at: { column: 'deals.updated_at' },
    amount: { column: 'deals.amount', nullable: true },
    expected_close_date: { column: 'deals.expected_close_date', nullable: true },
    stage_entered_at: { column: 'deals.stage_entered_at' },
  },
  filters: {
    owner_id: { column: 'deals.owner_id', type: 'integer', ops: ['eq', 'ne', 'in'] },
    team_id: { column: 'deals.team_id', type: 'integer', ops: ['eq', 'in'] },
    company_id: { column: 'deals.company_id', type: 'integer', ops: ['eq', 'in'] },
    pipeline_id: { column: 'deals.pipeline_id', type: 'integer', ops: ['eq', 'in'] },
    stage_id: { column: 'deals.stage_id', type: 'integer', ops: ['eq', 'ne', 'in'] },
    source_lead_id: { column: 'deals.source_lead_id', type: 'integer', ops: ['eq'] },
    amount: { column: 'deals.amount', type: 'integer', ops: ['eq', 'gt', 'gte', 'lt', 'lte'] },
    expected_close_date: { column: 'deals.expected_close_date', type: 'date' },
    created_at: { column: 'deals.created_at', type: 'time' },
    updated_at: { column: 'deals.updated_at', type: 'time' },
    status: {
      column: 'deals.won_at',
      type: 'enum',
      values: DEAL_STATUSES,
      ops: ['eq'],
      apply: (qb, _op, value) => {
        if (value === 'won') qb.whereNotNull('deals.won_at');
        else if (value === 'lost') qb.whereNotNull('deals.lost_at');
        else qb.whereNull('deals.won_at').whereNull('deals.lost_at');
      },
    },
    q: { column: 'deals.name', type: 'string', ops: ['contains'], apply: (qb, _op, value) => whereNameMatches(qb, 'deals', value) },
  },
};

/** The board's filters: owner, team, expected close date. */
export const boardListSpec: ListSpec = {
  table: 'deals',
  defaultSort: 'stage_entered_at',
  sorts: { stage_entered_at: { column: 'deals.stage_entered_at' } },
  filters: {
    owner_id: dealsListSpec.filters.owner_id,
    team_id: dealsListSpec.filters.team_id,
    expected_close_date: dealsListSpec.filters.expected_close_date,
  },
};

/** The board filters that the kept stage totals (deal_stage_totals) can answer: owner and team. */
export const stageTotalsListSpec: ListSpec = {
  table: 'deal_stage_totals',
  defaultSort: 'stage_id',
  sorts: { stage_id: { column: 'deal_stage_totals.stage_id' } },
  filters: {
    owner_id: { ...dealsListSpec.filters.owner_id, column: 'deal_stage_totals.owner_id' },
    team_id: { ...dealsListSpec.filters.team_id, column: 'deal_stage_totals.team_id' },
  },
};
