// Tags on records (shared across record types): which tags a record carries.
import type { Knex } from 'knex';
import { ValidationError } from '../../lib/errors';
import type { Reader } from '../../db/reader';

export interface TagRef {
  id: number;
  name: string;
  color: string;
}

export async function setTags(db: Knex, recordType: string, recordId: number, tagIds: number[]): Promise<void> {
  const unique = [...new Set(tagIds)];
  if (unique.length) {
    const found = (await db('tags').whereIn('id', unique).pluck('id')).map(Number);
    const missing = unique.filter((id) => !found.includes(id));
    if (missing.length) throw ValidationError.field('tag_ids', 'exists', `has unknown tag ${missing.join(', ')}`);
  }
  await db('taggings').where({ record_type: recordType, record_id: recordId }).delete();
  if (unique.length) await db('taggings').insert(unique.map((tag_id) => ({ tag_id, record_type: recordType, record_id: recordId })));
}

export async function addTags(db: Knex, recordType: string, recordIds: number[], tagId: number): Promise<void> {
  if (!recordIds.length) return;
  await db('taggings').insert(recordIds.map((record_id) => ({ tag_id: tagId, record_type: recordType, record_id }))).onConflict(['record_type', 'record_id', 'tag_id']).ignore();
}

export async function removeTags(db: Knex, recordType: string, recordIds: number[], tagId: number): Promise<void> {
  await db('taggings').where({ record_type: recordType, tag_id: tagId }).whereIn('record_id', recordIds).delete();
}

export async function tagsOf(db: Knex, recordType: string, recordIds: number[]): Promise<Map<number, TagRef[]>> {
  const out = new Map<number, TagRef[]>();
  if (!recordIds.length) return out;
  const rows = await db('taggings as tg').join('tags as t', 't.id', 'tg.tag_id').where('tg.record_type', recordType).whereIn('tg.record_id', recordIds).orderBy('t.name_sort').select('tg.record_id', 't.id', 't.name', 't.color');
  for (const r of rows) {
    const list = out.get(r.record_id) ?? [];
    list.push({ id: r.id, name: r.name, color: r.color });
    out.set(r.record_id, list);
  }
  return out;
}

/** Tags of a page of records in one fixed statement (outside transactions: lists). */
export async function tagsOfPage(reader: Reader, recordType: string, recordIds: number[]): Promise<Map<number, TagRef[]>> {
  const out = new Map<number, TagRef[]>();
  if (!recordIds.length) return out;
  const rows = await reader.all<{ record_id: number; id: number; name: string; color: string }>(
    `select tg.record_id, t.id, t.name, t.color from taggings tg join tags t on t.id = tg.tag_id where tg.record_type = ? and tg.record_id in (${recordIds.map(() => '?').join(', ')}) order by t.name_sort`,
    [recordType, ...recordIds],
  );
  for (const r of rows) {
    const list = out.get(r.record_id);
    if (list) list.push({ id: r.id, name: r.name, color: r.color });
    else out.set(r.record_id, [{ id: r.id, name: r.name, color: r.color }]);
  }
  return out;
}

/** Moves every tag of one record onto another (merging). */
export async function mergeTags(db: Knex, recordType: string, fromId: number, toId: number): Promise<void> {
  const ids = (await db('taggings').where({ record_type: recordType, record_id: fromId }).pluck('tag_id')).map(Number);
  for (const id of ids) await addTags(db, recordType, [toId], id);
  await db('taggings').where({ record_type: recordType, record_id: fromId }).delete();
}
