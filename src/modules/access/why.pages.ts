// /admin/access/why: pick a user and a record, see what they may do with it and why.
import type { FastifyInstance } from 'fastify';
import { t } from '../../lib/i18n';
import { AppError } from '../../lib/errors';
import { pageLookups } from '../records/page-support';
import { explainQuerySchema } from './why.api';
import { EXPLAINABLE_TYPES, type Explanation, type ExplainableType } from './why.service';

export default async function whyPages(app: FastifyInstance): Promise<void> {
  app.get('/admin/access/why', {
    config: { permission: 'roles.read' },
    // The same fields as the API, all optional: the page first shows an empty form.
    schema: { querystring: { ...explainQuerySchema, required: [] } },
  }, async (req, reply) => {
    const q = req.query as { user_id?: number; record_type?: ExplainableType; record_id?: number };
    const locale = req.locale;
    let result: (Explanation & { lines: string[] }) | null = null;
    let notFound: string | null = null;
    if (q.user_id && q.record_type && q.record_id) {
      try {
        const found = await app.services.why.explain(req.actor!, q.user_id, q.record_type, q.record_id);
        const role = await app.services.roles.label(locale, found.user.role);
        const lines = found.grounds.map((g) => t(locale, `why.grounds.${g.code}`, {
          ...g.params,
          role,
          access: g.params.access ? t(locale, `shares.access_${g.params.access}`) : '',
          type: g.params.type ? t(locale, `roles.resources.${g.params.type}`) : '',
        }));
        result = { ...found, user: { ...found.user, role }, lines };
      } catch (err) {
        if (!(err instanceof AppError) || err.statusCode !== 404) throw err;
        notFound = t(locale, 'why.not_found');
      }
    }
    const users = await pageLookups(app, req).userChoices();
    return reply.page('admin/why', {
      title: t(locale, 'why.title'),
      users: users.map((u) => ({ ...u, selected: u.value === String(q.user_id ?? '') })),
      types: EXPLAINABLE_TYPES.map((ty) => ({ value: ty, label: t(locale, `roles.resources.${ty}`), selected: ty === q.record_type })),
      recordId: q.record_id ?? '',
      result,
      notFound,
    });
  });
}
