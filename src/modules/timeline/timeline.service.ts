// The 360° timeline of a company or contact: every activity, task and attachment linked to it,
// newest first, 50 at a time. One index range over record_links, then the children by id.
import type { Core } from '../../core';
import { requirePermission, type Actor } from '../../access/scope';
import { decodeCursor, encodeCursor } from '../../lib/listing';
import { findInScope } from '../records/scoped';
import type { ParentType } from '../records/links';

export interface TimelineItem {
  kind: 'activities' | 'tasks' | 'attachments';
  id: number;
  at: string;
  record: Record<string, unknown>;
}

const CHILD_COLUMNS = {
  activities: ['id', 'type', 'occurred_at', 'subject', 'content', 'outcome', 'next_step', 'next_step_at', 'owner_id'],
  tasks: ['id', 'title', 'due_at', 'priority', 'done_at', 'owner_id'],
  attachments: ['id', 'file_name', 'mime', 'size', 'owner_id', 'created_at'],
} as const;

export function createTimelineService(core: Core) {
  const { knex } = core.db;
  return {
    async timeline(actor: Actor, parentType: ParentType, parentId: number, options: { cursor?: string; limit?: number } = {}): Promise<{ data: TimelineItem[]; next_cursor: string | null }> {
      requirePermission(actor, parentType, 'read');
      await findInScope(knex, actor, parentType, parentId, `${parentType}.id`);
      const limit = Math.min(options.limit ?? 50, 200);
      const qb = knex('record_links').where({ parent_type: parentType, parent_id: parentId }).orderBy('at', 'desc').orderBy('id', 'desc').limit(limit + 1).select('id', 'child_type', 'child_id', 'at');
      if (options.cursor) {
        const [at, id] = decodeCursor(options.cursor);
        qb.andWhere((w) => w.where('at', '<', at as string).orWhere((w2) => w2.where('at', at as string).andWhere('id', '<', id)));
      }
      const links = await qb;
      const page = links.slice(0, limit);
      const byType = new Map<string, Map<number, Record<string, unknown>>>();
      for (const kind of ['activities', 'tasks', 'attachments'] as const) {
        const ids = page.filter((l) => l.child_type === kind).map((l) => l.child_id);
        if (!ids.length) continue;
        const rows = await knex(kind).whereIn('id', ids).whereNull('deleted_at').select(CHILD_COLUMNS[kind]);
        byType.set(kind, new Map(core.db.rows.many<Record<string, unknown>>(kind, rows).map((r) => [r.id as number, r])));
      }
      const data = page
        .map((l) => ({ kind: l.child_type, id: l.child_id, at: l.at, record: byType.get(l.child_type)?.get(l.child_id) }))
        .filter((i): i is TimelineItem => Boolean(i.record));
      const last = page[page.length - 1];
      return { data, next_cursor: links.length > limit && last ? encodeCursor(last.at, Number(last.id)) : null };
    },
  };
}
export type TimelineService = ReturnType<typeof createTimelineService>;
