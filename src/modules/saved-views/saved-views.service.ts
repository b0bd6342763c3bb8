// Saved views: a user's named list filters (a querystring) per record type.
import type { Core } from '../../core';
import type { Actor } from '../../access/scope';
import { NotFoundError, ValidationError } from '../../lib/errors';
import { validate } from '../../lib/validate';

export const SAVED_VIEW_TYPES = ['companies', 'contacts', 'activities', 'tasks'] as const;

export const savedViewCreateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['record_type', 'name', 'query'],
  properties: {
    record_type: { type: 'string', enum: SAVED_VIEW_TYPES },
    name: { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' },
    query: { type: 'string', maxLength: 2000, description: 'The list\'s querystring, e.g. "filter[grade]=A&sort=-updated_at&columns=name,phone"' },
  },
} as const;

export const savedViewSchema = {
  type: 'object',
  properties: { id: { type: 'integer' }, record_type: { type: 'string' }, name: { type: 'string' }, query: { type: 'string' }, created_at: { type: 'string' } },
} as const;

export interface SavedView {
  id: number;
  record_type: string;
  name: string;
  query: string;
  created_at: string;
}

export function createSavedViewsService(core: Core) {
  const { knex } = core.db;
  const fromRow = (r: Record<string, unknown>): SavedView => core.db.rows.one<SavedView>('saved_views', r);
  return {
    async list(actor: Actor, recordType: string): Promise<SavedView[]> {
      return (await knex('saved_views').where({ user_id: actor.userId, record_type: recordType }).orderBy('name').select('id', 'record_type', 'name', 'query', 'created_at')).map(fromRow);
    },
    async create(actor: Actor, input: { record_type: string; name: string; query: string }): Promise<SavedView> {
      validate(savedViewCreateSchema, input);
      const query = input.query.replace(/^\?/, '');
      const existing = await knex('saved_views').where({ user_id: actor.userId, record_type: input.record_type, name: input.name.trim() }).first('id');
      if (existing) {
        await knex('saved_views').where({ id: existing.id }).update({ query: JSON.stringify(query) });
        return fromRow(await knex('saved_views').where({ id: existing.id }).first());
      }
      const [row] = await knex('saved_views').insert({ user_id: actor.userId, record_type: input.record_type, name: input.name.trim(), query: JSON.stringify(query), created_at: core.clock.now().toISOString() }).returning('id');
      return fromRow(await knex('saved_views').where({ id: Number(row.id ?? row) }).first());
    },
    async remove(actor: Actor, id: number): Promise<void> {
      const deleted = await knex('saved_views').where({ id, user_id: actor.userId }).delete();
      if (!deleted) throw new NotFoundError('saved view');
    },
    assertType(type: string): void {
      if (!(SAVED_VIEW_TYPES as readonly string[]).includes(type)) throw ValidationError.field('record_type', 'enum', 'is not a list with saved views');
    },
  };
}
export type SavedViewsService = ReturnType<typeof createSavedViewsService>;
