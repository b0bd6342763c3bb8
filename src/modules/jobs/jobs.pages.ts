// The jobs page: every scheduled job, its recent runs and their outcome, "run now", and the last
// verification of the audit chain.
import type { FastifyInstance } from 'fastify';
import { t } from '../../lib/i18n';

export default async function jobsPages(app: FastifyInstance): Promise<void> {
  app.get('/admin/jobs', { config: { permission: 'jobs.read' } }, async (req, reply) => {
    const jobs = await Promise.all(app.jobs.list().map(async (j) => ({ ...j, runs: await app.jobs.recentRuns(j.name, 5) })));
    const verification = await app.services.auditLog.lastVerification();
    return reply.page('admin/jobs', { title: t(req.locale, 'jobs.title'), jobs, verification });
  });

  app.post<{ Params: { name: string } }>('/admin/jobs/:name/run', {
    config: { permission: 'jobs.update' },
    schema: { params: { type: 'object', required: ['name'], properties: { name: { type: 'string', pattern: '^[a-z0-9_.-]{1,100}$' } } }, body: { type: 'object', additionalProperties: false, properties: {} } },
  }, async (req, reply) => {
    if (app.jobs.list().some((j) => j.name === req.params.name)) await app.jobs.runNow(req.params.name);
    return reply.redirect('/admin/jobs', 303);
  });
}
