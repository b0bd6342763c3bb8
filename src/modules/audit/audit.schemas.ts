// JSON schemas of the audit log's routes (and the types derived from them): the filter
// querystring shared by the list, the export and the pages, and the entry as the API sends it.
import { RECORD_TYPES } from '../../access/catalog';
import type { ChainFields } from '../../audit/chain';

/** A date (a whole day in the company's time zone) or a UTC time. */
const TIME = '^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,3})?)?Z)?$';
const NAME = '^[a-z][a-z0-9_]{0,49}$';

export const filterSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    actor_id: { type: 'integer', minimum: 1, maximum: 2147483647 },
    action: { type: 'string', pattern: NAME },
    record_type: { type: 'string', pattern: NAME },
    record_id: { type: 'string', pattern: '^[^\\s]{1,64}$' },
    ip: { type: 'string', maxLength: 64 },
    at: {
      type: 'object',
      additionalProperties: false,
      properties: { gte: { type: 'string', pattern: TIME }, lte: { type: 'string', pattern: TIME } },
    },
  },
} as const;

export const listQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 200 },
    cursor: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,200}$' },
    filter: filterSchema,
  },
} as const;

export interface AuditQuery {
  limit?: number;
  cursor?: string;
  filter?: {
    actor_id?: number;
    action?: string;
    record_type?: string;
    record_id?: string;
    ip?: string;
    at?: { gte?: string; lte?: string };
  };
}

/** Record types with a History view for whoever may read the record (auditors see any type). */
export const HISTORY_TYPES = RECORD_TYPES.filter((t) => ['companies', 'contacts', 'activities', 'tasks'].includes(t));

export const entryParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } },
} as const;

export const historyParams = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'id'],
  properties: { type: { type: 'string', pattern: NAME }, id: { type: 'string', pattern: '^[^\\s/]{1,64}$' } },
} as const;

export const historyQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: listQuerySchema.properties.limit, cursor: listQuerySchema.properties.cursor },
} as const;

const value = {} as const;
export const entrySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    seq: { type: ['integer', 'null'] },
    at: { type: 'string' },
    actor_id: { type: ['integer', 'null'] },
    actor_name: { type: ['string', 'null'] },
    ip: { type: ['string', 'null'] },
    user_agent: { type: ['string', 'null'] },
    request_id: { type: ['string', 'null'] },
    action: { type: 'string' },
    record_type: { type: 'string' },
    record_id: { type: ['string', 'null'] },
    archived: { type: 'boolean' },
    changes: {
      type: 'array',
      items: {
        type: 'object',
        properties: { field: { type: 'string' }, before: value, after: value, erased: { type: 'boolean' }, masked: { type: 'boolean' } },
      },
    },
  },
} as const;

/** One line of a user's sign-in history. */
export const signInSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    at: { type: 'string' },
    action: { type: 'string', enum: ['sign_in', 'sign_in_failed', 'sign_out', 'sign_out_everywhere'] },
    ip: { type: ['string', 'null'] },
    user_agent: { type: ['string', 'null'] },
    archived: { type: 'boolean' },
  },
} as const;

export interface SignIn {
  id: number;
  at: string;
  action: 'sign_in' | 'sign_in_failed' | 'sign_out' | 'sign_out_everywhere';
  ip: string | null;
  user_agent: string | null;
  archived: boolean;
}

export const userParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1, maximum: 2147483647 } },
} as const;

export interface PresentedChange {
  field: string;
  before: unknown;
  after: unknown;
  /** The values were erased (privacy request); the commitments remain. */
  erased: boolean;
  masked: boolean;
}

/** An entry as pages and the API show it: the chain's fields, who by name, and the diff. */
export interface PresentedEntry extends Omit<ChainFields, 'seq' | 'changes'> {
  seq: number | null;
  actor_name: string | null;
  archived: boolean;
  changes: PresentedChange[];
}
