// In-app notifications (the bell): task reminders now, assignments and more later.
import type { Knex } from 'knex';
import type { Core } from '../../core';
import type { Actor } from '../../access/scope';
import { exec } from '../records/statements';

const INSERT_NOTIFICATION = 'insert into notifications (user_id, kind, title, record_type, record_id, created_at) values (?, ?, ?, ?, ?, ?)';

export interface Notification {
  id: number;
  kind: string;
  record_type: string | null;
  record_id: number | null;
  title: string;
  created_at: string;
  read_at: string | null;
}

export function createNotificationsService(core: Core) {
  const { knex } = core.db;
  return {
    async notify(db: Knex, userId: number, n: { kind: string; title: string; recordType?: string; recordId?: number }): Promise<void> {
      // A fixed statement: notify runs inside busy writes (every web-to-lead submission).
      await exec(db, INSERT_NOTIFICATION, [userId, n.kind, n.title.slice(0, 300), n.recordType ?? null, n.recordId ?? null, core.clock.now().toISOString()]);
    },
    async list(actor: Actor, options: { unread?: boolean; limit?: number } = {}): Promise<Notification[]> {
      const q = knex('notifications').where({ user_id: actor.userId }).orderBy('id', 'desc').limit(options.limit ?? 50).select('id', 'kind', 'record_type', 'record_id', 'title', 'created_at', 'read_at');
      if (options.unread) q.whereNull('read_at');
      return q;
    },
    async unreadCount(actor: Actor): Promise<number> {
      // On the read path: every page's header shows it.
      const [row] = await core.db.read.built(knex('notifications').where({ user_id: actor.userId }).whereNull('read_at').count({ n: '*' }));
      return Number(row?.n ?? 0);
    },
    async markRead(actor: Actor, ids: number[] | 'all'): Promise<number> {
      const q = knex('notifications').where({ user_id: actor.userId }).whereNull('read_at');
      if (ids !== 'all') q.whereIn('id', ids);
      return q.update({ read_at: core.clock.now().toISOString() });
    },
  };
}
export type NotificationsService = ReturnType<typeof createNotificationsService>;
