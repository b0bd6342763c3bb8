// The 360° timeline of a company or contact: every activity, task and attachment linked to it,
// newest first, 50 at a time. One index range over record_links, then the children by id, as
// fixed statements on the read path (src/db/reader.ts): no query building per request.
import type { Core } from '../../core';
import { requirePermission, type Actor } from '../../access/scope';
import { decodeCursor, encodeCursor } from '../../lib/listing';
import { scopeQuery } from '../../access/scope';
import { NotFoundError } from '../../lib/errors';
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

const LINKS_SQL = 'select id, child_type, child_id, at from record_links where parent_type = ? and parent_id = ? order by at desc, id desc limit ?';
const LINKS_AFTER_SQL = 'select id, child_type, child_id, at from record_links where parent_type = ? and parent_id = ? and (at < ? or (at = ? and id < ?)) order by at desc, id desc limit ?';

export function createTimelineService(core: Core) {
  const { knex } = core.db;
  const read = core.db.read;
  /** The children of one kind on a page, by id (one statement per kind and page size). */
  const childSql = (kind: keyof typeof CHILD_COLUMNS, n: number) => `select ${CHILD_COLUMNS[kind].join(', ')} from ${kind} where id in (${new Array(n).fill('?').join(', ')}) and deleted_at is null`;
  return {
    async timeline(actor: Actor, parentType: ParentType, parentId: number, options: { cursor?: string; limit?: number } = {}): Promise<{ data: TimelineItem[]; next_cursor: string | null }> {
      requirePermission(actor, parentType, 'read');
      // The parent must be a live record the actor may read (as findInScope, on the read path).
      const visible = scopeQuery(knex, knex(parentType).where(`${parentType}.id`, parentId).whereNull(`${parentType}.deleted_at`), actor, parentType, 'read').select(`${parentType}.id`).limit(1);
      if (!(await read.built(visible)).length) throw new NotFoundError(parentType.replace(/s$/, ''));
      const limit = Math.min(options.limit ?? 50, 200);
      let links: Array<{ id: number; child_type: string; child_id: number; at: string }>;
      if (options.cursor) {
        const [at, id] = decodeCursor(options.cursor);
        links = await read.all(LINKS_AFTER_SQL, [parentType, parentId, at, at, id, limit + 1]);
      } else {
        links = await read.all(LINKS_SQL, [parentType, parentId, limit + 1]);
      }
      const page = links.slice(0, limit);
      const byType = new Map<string, Map<number, Record<string, unknown>>>();
      for (const kind of ['activities', 'tasks', 'attachments'] as const) {
        const ids = page.filter((l) => l.child_type === kind).map((l) => l.child_id);
        if (!ids.length) continue;
        const rows = await read.all<Record<string, unknown>>(childSql(kind, ids.length), ids);
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
