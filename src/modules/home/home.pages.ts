// The home page. The customers issue turns it into "My day"; until then it greets the user and
// points administrators at what a new install needs.
import type { FastifyInstance } from 'fastify';
import { t } from '../../lib/i18n';
import { allows } from '../../plugins/access-guard';

export default async function homePages(app: FastifyInstance): Promise<void> {
  app.get('/', { config: { permission: 'signed-in' } }, async (req, reply) => {
    const actor = req.actor!;
    const isAdmin = allows(actor, 'users.create');
    const userCount = isAdmin ? await app.services.users.count() : null;
    return reply.page('home/index', { title: t(req.locale, 'home.title'), isAdmin, userCount, roleName: t(req.locale, `roles.${actor.roleKey}`) });
  });
}
