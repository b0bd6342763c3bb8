// Operations endpoints: liveness, readiness (database reachable, migrations current), the
// OpenAPI document and its docs page, and the language switch for visitors not signed in.
import type { FastifyInstance } from 'fastify';
import { migrationStatus } from '../../db/migrate';
import { LOCALES, type Locale } from '../../lib/i18n';
import { LOCALE_COOKIE } from '../../plugins/auth';

export default async function systemRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.core;

  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    try {
      await db.knex.raw('select 1');
      const { pending } = await migrationStatus(db.knex);
      if (pending.length) return reply.code(503).send({ status: 'migrations_pending', pending });
      return { status: 'ready', database: db.dialect };
    } catch (err) {
      req.log.warn({ err }, 'readiness check failed');
      return reply.code(503).send({ status: 'database_unreachable' });
    }
  });

  app.get('/api/v1/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  app.get('/api/docs', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const doc = app.swagger() as { paths: Record<string, Record<string, { summary?: string; tags?: string[]; requestBody?: unknown; parameters?: unknown; responses?: unknown }>> };
    const groups = new Map<string, Array<{ method: string; path: string; summary?: string; detail: string }>>();
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const tag = op.tags?.[0] ?? 'other';
        const detail = JSON.stringify({ parameters: op.parameters, requestBody: op.requestBody, responses: op.responses }, null, 2);
        groups.set(tag, [...(groups.get(tag) ?? []), { method: method.toUpperCase(), path, summary: op.summary, detail }]);
      }
    }
    return reply.page('system/api-docs', { title: 'API', groups: [...groups].map(([tag, ops]) => ({ tag, ops })) });
  });

  app.post<{ Body: { locale: Locale; next?: string } }>('/locale', {
    config: { public: true },
    schema: {
      hide: true,
      body: { type: 'object', additionalProperties: false, required: ['locale'], properties: { locale: { type: 'string', enum: LOCALES }, next: { type: 'string', maxLength: 500 } } },
    },
  }, async (req, reply) => {
    const { locale, next } = req.body;
    if (req.actor) await app.services.users.updateProfile(req.actor, { locale });
    reply.setCookie(LOCALE_COOKIE, locale, { path: '/', sameSite: 'lax', httpOnly: true, maxAge: 365 * 24 * 3600 });
    // Only same-site paths: never redirect to another host.
    return reply.redirect(next && /^\/(?!\/)/.test(next) ? next : '/', 303);
  });
}
