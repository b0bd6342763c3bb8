// Activities: the communication log — every call, visit, meeting, email, WeChat message and note.
import type { ListSpec } from '../../lib/listing';
import { ACTIVITY_TYPES, isoTime, nullableString, recordMetaSchema } from '../records/record-fields';
import { parentSchemaProperties } from '../records/parents';

export const ACTIVITY_COLUMNS = ['id', 'type', 'occurred_at', 'subject', 'content', 'outcome', 'next_step', 'next_step_at', 'owner_id', 'team_id', 'created_at', 'created_by', 'updated_at', 'updated_by', 'version', 'deleted_at'];
export const ACTIVITY_AUDIT_FIELDS = ['type', 'occurred_at', 'subject', 'content', 'outcome', 'next_step', 'next_step_at'];

const fields = {
  type: { type: 'string', enum: ACTIVITY_TYPES },
  occurred_at: isoTime,
  subject: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' },
  content: nullableString(20000),
  outcome: nullableString(200),
  next_step: nullableString(200),
  next_step_at: { anyOf: [isoTime, { type: 'null' }], description: 'When set, a follow-up task is created for it.' },
  owner_id: { type: 'integer', minimum: 1 },
  ...parentSchemaProperties,
} as const;

export const activityCreateSchema = { type: 'object', additionalProperties: false, required: ['type', 'subject'], properties: fields } as const;
export const activityUpdateSchema = { type: 'object', additionalProperties: false, required: ['version'], minProperties: 2, properties: { ...fields, version: { type: 'integer', minimum: 1 } } } as const;

export const activitySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    type: { type: 'string' },
    occurred_at: { type: 'string' },
    subject: { type: 'string' },
    content: { type: ['string', 'null'] },
    outcome: { type: ['string', 'null'] },
    next_step: { type: ['string', 'null'] },
    next_step_at: { type: ['string', 'null'] },
    follow_up_task_id: { type: ['integer', 'null'] },
    parents: { type: 'array', items: { type: 'object', properties: { type: { type: 'string' }, id: { type: 'integer' } } } },
    ...recordMetaSchema,
  },
} as const;

export const activitiesListSpec: ListSpec = {
  table: 'activities',
  defaultSort: '-occurred_at',
  sorts: { occurred_at: { column: 'activities.occurred_at' }, created_at: { column: 'activities.created_at' } },
  filters: {
    type: { column: 'activities.type', type: 'enum', values: ACTIVITY_TYPES },
    owner_id: { column: 'activities.owner_id', type: 'integer', ops: ['eq', 'in'] },
    team_id: { column: 'activities.team_id', type: 'integer', ops: ['eq', 'in'] },
    occurred_at: { column: 'activities.occurred_at', type: 'time' },
    created_at: { column: 'activities.created_at', type: 'time' },
  },
};
