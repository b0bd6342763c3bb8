// The home page is "My day": today's and overdue tasks (each done in one click), customers not
// contacted for longer than their grade allows, and what this browser looked at recently (from the
// kehu_recent cookie). Administrators also see what a new install needs.
import type { FastifyInstance } from 'fastify';
import { can } from '../../access/scope';
import { t } from '../../lib/i18n';
import { allows } from '../../plugins/access-guard';
import { readRecent } from '../../plugins/recent';
import { pageLookups } from '../records/page-support';

const DAY_MS = 86_400_000;

export default async function homePages(app: FastifyInstance): Promise<void> {
  app.get('/', { config: { permission: 'signed-in' } }, async (req, reply) => {
    const actor = req.actor!;
    const isAdmin = allows(actor, 'users.create');
    const userCount = isAdmin ? await app.services.users.count() : null;
    const lookups = pageLookups(app, req);
    const day = await app.services.myDay.overview(actor, readRecent(req));
    const now = app.core.clock.now().getTime();
    const withParents = (list: typeof day.today) => Promise.all(list.map(async (task) => ({ ...task, parentLinks: await lookups.parentLinks(task.parents), ref: { id: task.id, isDone: false } })));
    return reply.page('home/index', {
      title: t(req.locale, 'home.title'),
      isAdmin,
      userCount,
      roleName: await app.services.roles.label(req.locale, actor.roleKey),
      today: await withParents(day.today),
      overdue: await withParents(day.overdue),
      neglected: day.neglected.map((c) => ({
        ...c,
        days: c.last_contact_at ? Math.floor((now - Date.parse(c.last_contact_at)) / DAY_MS) : null,
        limit: day.grades[c.grade as 'A' | 'B' | 'C']?.days,
      })),
      recent: day.recent.map((r) => ({ ...r, href: `/${r.type}/${r.id}`, isCompany: r.type === 'companies' })),
      canTasks: can(actor, 'tasks', 'read'),
      canNewTask: can(actor, 'tasks', 'create'),
      canDone: can(actor, 'tasks', 'update'),
      canCompanies: can(actor, 'companies', 'read'),
    });
  });
}
