// The bell's page: my notifications, newest first, each linking to its record, and "mark all read".
import type { FastifyInstance } from 'fastify';
import { t } from '../../lib/i18n';
import { formSchema } from '../../plugins/forms';

const RECORD_PAGES = new Set(['companies', 'contacts', 'activities', 'tasks']);

export default async function notificationsPages(app: FastifyInstance): Promise<void> {
  const { notifications } = app.services;

  app.get('/notifications', {
    config: { permission: 'signed-in' },
    schema: { querystring: { type: 'object', additionalProperties: false, properties: { notice: { type: 'string', enum: ['all_read'] } } } },
  }, async (req, reply) => {
    const list = await notifications.list(req.actor!, { limit: 100 });
    return reply.page('notifications/index', {
      title: t(req.locale, 'notifications.title'),
      items: list.map((n) => ({ ...n, href: n.record_type && n.record_id && RECORD_PAGES.has(n.record_type) ? `/${n.record_type}/${n.record_id}` : null, unread: !n.read_at, due: n.kind === 'task_due' })),
      anyUnread: list.some((n) => !n.read_at),
      notice: (req.query as { notice?: string }).notice,
    });
  });

  app.post('/notifications/read', { config: { permission: 'signed-in' }, schema: { body: formSchema([]) } }, async (req, reply) => {
    await notifications.markRead(req.actor!, 'all');
    return reply.redirect('/notifications?notice=all_read', 303);
  });
}
