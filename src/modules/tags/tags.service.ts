// Tags: named colours shared by every record type. Anyone who may edit companies or contacts may
// create tags; renaming and deleting them is for administrators (settings).
import type { Core } from '../../core';
import { can, requirePermission, type Actor } from '../../access/scope';
import { diff } from '../../audit/writer';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors';
import { fold, sortKey } from '../../lib/text';
import { validate } from '../../lib/validate';
import { updateAtVersion } from '../records/scoped';

export const tagSchema = {
  type: 'object',
  properties: { id: { type: 'integer' }, name: { type: 'string' }, color: { type: 'string' }, usage: { type: 'integer' }, version: { type: 'integer' } },
} as const;
const color = { type: 'string', pattern: '^#[0-9a-fA-F]{6}$' } as const;
export const tagCreateSchema = { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 50, pattern: '\\S' }, color } } as const;
export const tagUpdateSchema = { type: 'object', additionalProperties: false, required: ['version'], properties: { name: tagCreateSchema.properties.name, color, version: { type: 'integer', minimum: 1 } } } as const;

export interface Tag {
  id: number;
  name: string;
  color: string;
  usage: number;
  version: number;
}

const PALETTE = ['#1d6fd8', '#2e7d32', '#c62828', '#b26a00', '#6a1b9a', '#00838f', '#ad1457', '#455a64'];

export function createTagsService(core: Core) {
  const { knex } = core.db;
  const mayTag = (actor: Actor) => can(actor, 'companies', 'update') || can(actor, 'contacts', 'update');

  async function load(id: number): Promise<Tag> {
    const row = await knex('tags').where({ id }).first('id', 'name', 'color', 'version');
    if (!row) throw new NotFoundError('tag');
    return { ...row, usage: 0 };
  }

  return {
    async list(actor: Actor): Promise<Tag[]> {
      if (!can(actor, 'companies', 'read') && !can(actor, 'contacts', 'read')) throw new ForbiddenError();
      const rows = await knex('tags').leftJoin('taggings', 'taggings.tag_id', 'tags.id').groupBy('tags.id', 'tags.name', 'tags.color', 'tags.version', 'tags.name_sort').orderBy('tags.name_sort').select('tags.id', 'tags.name', 'tags.color', 'tags.version', knex.raw('count(taggings.tag_id) as usage'));
      return rows.map((r) => ({ ...r, usage: Number(r.usage) }) as Tag);
    },
    async create(actor: Actor, input: { name: string; color?: string }): Promise<Tag> {
      if (!mayTag(actor)) throw new ForbiddenError();
      validate(tagCreateSchema, input);
      return knex.transaction(async (trx) => {
        const key = fold(input.name);
        if (await trx('tags').where({ name_key: key }).first('id')) throw ValidationError.field('name', 'unique', 'a tag with this name exists');
        const count = Number((await trx('tags').count({ n: '*' }).first())?.n ?? 0);
        const now = core.clock.now().toISOString();
        const [row] = await trx('tags').insert({ name: input.name.trim(), name_key: key, name_sort: sortKey(input.name), color: input.color ?? PALETTE[count % PALETTE.length], created_at: now, created_by: actor.userId, updated_at: now, updated_by: actor.userId, version: 1 }).returning('id');
        const id = Number(row.id ?? row);
        await core.audit.record(trx, actor, { action: 'create', recordType: 'tags', recordId: id, changes: diff(null, { name: input.name.trim() }) });
        return { ...(await trx('tags').where({ id }).first('id', 'name', 'color', 'version')), usage: 0 } as Tag;
      });
    },
    async update(actor: Actor, id: number, patch: { name?: string; color?: string; version: number }): Promise<Tag> {
      requirePermission(actor, 'settings', 'update');
      validate(tagUpdateSchema, patch);
      return knex.transaction(async (trx) => {
        const before = await trx('tags').where({ id }).first('id', 'name', 'color', 'version');
        if (!before) throw new NotFoundError('tag');
        if (before.version !== patch.version) throw new ConflictError('the tag was changed by someone else', before);
        const changes: Record<string, unknown> = { updated_at: core.clock.now().toISOString(), updated_by: actor.userId };
        if (patch.name) Object.assign(changes, { name: patch.name.trim(), name_key: fold(patch.name), name_sort: sortKey(patch.name) });
        if (patch.color) changes.color = patch.color;
        await updateAtVersion(trx, 'tags', id, before.version, changes);
        const after = await trx('tags').where({ id }).first('id', 'name', 'color', 'version');
        await core.audit.record(trx, actor, { action: 'update', recordType: 'tags', recordId: id, changes: diff(before, after) });
        return { ...after, usage: 0 };
      });
    },
    async remove(actor: Actor, id: number): Promise<void> {
      requirePermission(actor, 'settings', 'update');
      await knex.transaction(async (trx) => {
        const before = await trx('tags').where({ id }).first('name');
        if (!before) throw new NotFoundError('tag');
        await trx('taggings').where({ tag_id: id }).delete();
        await trx('tags').where({ id }).delete();
        await core.audit.record(trx, actor, { action: 'delete', recordType: 'tags', recordId: id, changes: diff(before, { name: null }) });
      });
    },
    load,
  };
}
export type TagsService = ReturnType<typeof createTagsService>;
