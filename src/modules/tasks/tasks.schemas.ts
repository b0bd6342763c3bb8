// Tasks: follow-ups with a due time, an assignee (the owner) and a priority, on any record.
import type { ListSpec } from '../../lib/listing';
import { PRIORITIES, isoTime, recordMetaSchema } from '../records/record-fields';
import { parentSchemaProperties } from '../records/parents';

export const TASK_COLUMNS = ['id', 'title', 'due_at', 'priority', 'done_at', 'done_by', 'remind_at', 'activity_id', 'owner_id', 'team_id', 'created_at', 'created_by', 'updated_at', 'updated_by', 'version', 'deleted_at'];
export const TASK_AUDIT_FIELDS = ['title', 'due_at', 'priority', 'done_at', 'remind_at', 'owner_id'];

const fields = {
  title: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' },
  due_at: { anyOf: [isoTime, { type: 'null' }] },
  priority: { type: 'string', enum: PRIORITIES },
  remind_at: { anyOf: [isoTime, { type: 'null' }] },
  owner_id: { type: 'integer', minimum: 1, description: 'The assignee; others than yourself need the assign permission.' },
  ...parentSchemaProperties,
} as const;

export const taskCreateSchema = { type: 'object', additionalProperties: false, required: ['title'], properties: fields } as const;
export const taskUpdateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  minProperties: 2,
  properties: { ...fields, done: { type: 'boolean' }, version: { type: 'integer', minimum: 1 } },
} as const;

export const taskSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    title: { type: 'string' },
    due_at: { type: ['string', 'null'] },
    priority: { type: 'string' },
    done_at: { type: ['string', 'null'] },
    done_by: { type: ['integer', 'null'] },
    remind_at: { type: ['string', 'null'] },
    activity_id: { type: ['integer', 'null'] },
    parents: { type: 'array', items: { type: 'object', properties: { type: { type: 'string' }, id: { type: 'integer' } } } },
    ...recordMetaSchema,
  },
} as const;

export const tasksListSpec: ListSpec = {
  table: 'tasks',
  defaultSort: 'due_at',
  sorts: { due_at: { column: 'tasks.due_at', nullable: true }, created_at: { column: 'tasks.created_at' }, updated_at: { column: 'tasks.updated_at' } },
  filters: {
    owner_id: { column: 'tasks.owner_id', type: 'integer', ops: ['eq', 'in'] },
    team_id: { column: 'tasks.team_id', type: 'integer', ops: ['eq', 'in'] },
    priority: { column: 'tasks.priority', type: 'enum', values: PRIORITIES },
    due_at: { column: 'tasks.due_at', type: 'time' },
    created_at: { column: 'tasks.created_at', type: 'time' },
    done: { column: 'tasks.done_at', type: 'boolean', apply: (qb, _op, value) => void (value === 'true' ? qb.whereNotNull('tasks.done_at') : qb.whereNull('tasks.done_at')) },
  },
};
