// CSRF protection for everything a browser can send with ambient credentials: any unsafe request
// authenticated by the session cookie (pages and the pages' own scripts, which send the token in
// an X-CSRF-Token header), and every HTML form post, signed in or not (sign-in, setup).
// Bearer-token API calls carry no ambient credentials and need no token.
import fp from 'fastify-plugin';
import csrf from '@fastify/csrf-protection';
import type { FastifyRequest } from 'fastify';
import { getOrCreateSecret } from '../db/secrets';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

function isFormBody(req: FastifyRequest): boolean {
  const type = req.headers['content-type'] ?? '';
  return type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data') || type.startsWith('text/plain');
}

/** What a token is bound to: the session, or "anonymous" before sign-in (the library refuses ''). */
export function csrfUserInfo(req: FastifyRequest): string {
  return req.actor?.sessionId ? `s${req.actor.sessionId}` : 'anonymous';
}

export function needsCsrf(req: FastifyRequest): boolean {
  if (SAFE.has(req.method) || req.authVia === 'bearer') return false;
  // A form other websites post to by design (web-to-lead): public, it acts on no one's session.
  if (req.routeOptions.config?.crossSite) return false;
  return req.authVia === 'cookie' || isFormBody(req);
}

export default fp(async (app) => {
  const { core } = app;
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: 'kehu_csrf',
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', signed: true, secure: core.config.baseUrl.startsWith('https:') },
    // Tokens are bound to the session, so a token from before sign-in is useless after it.
    getUserInfo: csrfUserInfo,
    // File uploads are multipart, whose body is read later by the handler: their forms carry the
    // token in the action URL instead.
    getToken: (req) => {
      const body = req.body as { _csrf?: string } | undefined;
      return body?._csrf ?? (req.headers['x-csrf-token'] as string | undefined) ?? (req.headers['csrf-token'] as string | undefined) ?? (req.query as { _csrf?: string })._csrf;
    },
    csrfOpts: { hmacKey: await getOrCreateSecret(core.db.knex, core.clock, 'csrf') },
  });

  app.addHook('preValidation', (req, reply, done) => {
    if (!needsCsrf(req)) return done();
    app.csrfProtection(req, reply, () => {
      const body = req.body as Record<string, unknown> | undefined;
      if (body && typeof body === 'object') delete body._csrf;
      done();
    });
  });
}, { name: 'kehu-csrf', dependencies: ['kehu-auth'] });
