// What child records (activities, tasks) share: reading through the child scope, listing with
// the list contract, and returning each with its parents.
import type { Knex } from 'knex';
import type { Core } from '../../core';
import { requirePermission, scopeQuery, type Actor } from '../../access/scope';
import { NotFoundError } from '../../lib/errors';
import { applyFilters, applySortAndCursor, finishPage, type ListQuery, type ListSpec } from '../../lib/listing';
import { parentsOf, type ChildType, type ParentType, type Ref } from './links';
import { markDeleted, requireAction } from './scoped';

export type ChildRow = Record<string, unknown> & { id: number; version: number; owner_id: number; parents: Array<Ref<ParentType>> };

export function childReader(core: Core, type: ChildType & ('activities' | 'tasks'), columns: string[], listSpec: ListSpec) {
  const { knex } = core.db;
  const select = columns.map((c) => `${type}.${c}`);

  async function decorate(db: Knex, rows: Array<Record<string, unknown>>): Promise<ChildRow[]> {
    const serialized = core.db.rows.many<Record<string, unknown>>(type, rows);
    const parents = await parentsOf(db, type, serialized.map((r) => r.id as number));
    return serialized.map((r) => ({ ...Object.fromEntries(columns.map((c) => [c, r[c] ?? null])), parents: parents.get(r.id as number) ?? [] }) as ChildRow);
  }

  async function load(db: Knex, actor: Actor, id: number): Promise<ChildRow> {
    const row = await scopeQuery(db, db(type).where(`${type}.id`, id).whereNull(`${type}.deleted_at`), actor, type, 'read').first(select);
    if (!row) throw new NotFoundError(type.replace(/s$/, '').replace(/ie$/, 'y'));
    return (await decorate(db, [row]))[0];
  }

  return {
    decorate,
    load,
    /** Soft delete, through the child type's own delete scope, audited. */
    async remove(actor: Actor, id: number): Promise<void> {
      requirePermission(actor, type, 'delete');
      await knex.transaction(async (trx) => {
        const before = await load(trx, actor, id);
        await requireAction(trx, actor, type, 'delete', id);
        await markDeleted(trx, core, actor, type, id, before.version);
      });
    },
    async list(actor: Actor, query: ListQuery & { parent_type?: string; parent_id?: number }): Promise<{ data: ChildRow[]; next_cursor: string | null }> {
      const qb = knex(type).select(select).whereNull(`${type}.deleted_at`);
      scopeQuery(knex, qb, actor, type, 'read');
      if (query.parent_type && query.parent_id) {
        qb.whereExists(knex('record_links as pl').select(knex.raw('1')).where('pl.child_type', type).whereRaw('pl.child_id = ??', [`${type}.id`]).where({ 'pl.parent_type': query.parent_type, 'pl.parent_id': query.parent_id }));
      }
      applyFilters(qb, listSpec, query.filter);
      const { limit, sortColumn } = applySortAndCursor(qb, listSpec, query);
      const column = sortColumn.split('.').pop()!;
      const page = finishPage(await qb, limit, (r) => r[column] as string | null);
      return { data: await decorate(knex, page.rows), next_cursor: page.next_cursor };
    },
  };
}
