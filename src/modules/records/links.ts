// The one link shape between records (record_links): a child (activity, task, attachment) belongs
// to one or more parents (company, contact, deal, lead; later ticket). `at` places the child on each
// parent's timeline.
import type { Knex } from 'knex';
import { exec, valueRows } from './statements';

export type ParentType = 'companies' | 'contacts' | 'deals' | 'leads';
/** Attachments also hang off activities. */
export type LinkParentType = ParentType | 'activities';
export type ChildType = 'activities' | 'tasks' | 'attachments';
export const PARENT_TYPES: readonly ParentType[] = ['companies', 'contacts', 'deals', 'leads'];

export interface Ref<T extends string = string> {
  type: T;
  id: number;
}

/** Replaces a child's parents with `parents` (deduplicated). */
export async function setParents(db: Knex, child: Ref<ChildType>, parents: Array<Ref<LinkParentType>>, at: string): Promise<void> {
  await db('record_links').where({ child_type: child.type, child_id: child.id }).delete();
  await linkParents(db, child, parents, at);
}

/** The links linkParents writes for `parents`, in the order parentsOf reads them back. */
export function linkedParents<T extends LinkParentType>(parents: Array<Ref<T>>): Array<Ref<T>> {
  return [...new Map(parents.map((p) => [`${p.type}:${p.id}`, { type: p.type, id: p.id }])).values()];
}

/** Gives a child just created its parents (deduplicated): nothing to replace yet. */
export async function linkParents(db: Knex, child: Ref<ChildType>, parents: Array<Ref<LinkParentType>>, at: string): Promise<void> {
  const unique = linkedParents(parents);
  if (unique.length) {
    await exec(db, `insert into record_links (child_type, child_id, parent_type, parent_id, at) values ${valueRows(unique.length, 5)}`, unique.flatMap((p) => [child.type, child.id, p.type, p.id, at]));
  }
}

/** Moves a child's timeline position (e.g. an activity's time changed). */
export async function moveOnTimeline(db: Knex, child: Ref<ChildType>, at: string): Promise<void> {
  await db('record_links').where({ child_type: child.type, child_id: child.id }).update({ at });
}

export async function parentsOf(db: Knex, childType: ChildType, childIds: number[]): Promise<Map<number, Array<Ref<ParentType>>>> {
  const out = new Map<number, Array<Ref<ParentType>>>();
  if (!childIds.length) return out;
  const rows = await db('record_links').where('child_type', childType).whereIn('child_id', childIds).orderBy('id').select('child_id', 'parent_type', 'parent_id');
  for (const r of rows) {
    const list = out.get(r.child_id) ?? [];
    list.push({ type: r.parent_type, id: r.parent_id });
    out.set(r.child_id, list);
  }
  return out;
}

/** Re-points every link from one parent to another (merging records); duplicates collapse. */
export async function repointParent(db: Knex, type: ParentType, fromId: number, toId: number): Promise<void> {
  const moving = await db('record_links').where({ parent_type: type, parent_id: fromId }).select('id', 'child_type', 'child_id');
  for (const link of moving) {
    const exists = await db('record_links').where({ parent_type: type, parent_id: toId, child_type: link.child_type, child_id: link.child_id }).first('id');
    if (exists) await db('record_links').where({ id: link.id }).delete();
    else await db('record_links').where({ id: link.id }).update({ parent_id: toId });
  }
}
