// Who is calling: a Bearer token (API clients) or the page session cookie. Either is a JWT
// (HS256 pinned, with an expiry) naming a row in `sessions`, looked up on every request so a
// revocation is honoured at once by every process. Sets request.actor and request.locale.
import fp from 'fastify-plugin';
import cookie from '@fastify/cookie';
import jwt from '@fastify/jwt';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { getOrCreateSecret } from '../db/secrets';
import { isLocale, type Locale } from '../lib/i18n';
import type { OpenedSession, RequestSource } from '../modules/sessions';

export const SESSION_COOKIE = 'kehu_session';
export const LOCALE_COOKIE = 'kehu_lang';

interface TokenPayload {
  sid: number;
  uid: number;
}

export function requestSource(req: FastifyRequest): RequestSource {
  return { ip: req.ip ?? null, userAgent: req.headers['user-agent']?.slice(0, 300) ?? null, requestId: req.id };
}

export default fp(async (app) => {
  const { core, services } = app;
  const ttlSeconds = core.config.session.ttlHours * 3600;

  await app.register(cookie, { secret: await getOrCreateSecret(core.db.knex, core.clock, 'cookie') });
  await app.register(jwt, {
    secret: await getOrCreateSecret(core.db.knex, core.clock, 'jwt'),
    sign: { algorithm: 'HS256', expiresIn: ttlSeconds },
    // @fastify/jwt accepts any algorithm unless told; "none" and key-confusion tricks are refused here.
    verify: { algorithms: ['HS256'] },
  });

  app.decorateRequest('actor', null);
  app.decorateRequest('authVia', null);
  app.decorateRequest('locale', 'zh-CN');
  app.decorateRequest('company', null as never);

  app.addHook('onRequest', async (req) => {
    if (req.url.startsWith('/assets/') || req.url === '/healthz' || req.url === '/readyz') return;
    req.company = await services.settings.company();
    const header = req.headers.authorization;
    let token: string | undefined;
    if (header?.startsWith('Bearer ')) {
      token = header.slice(7).trim();
      req.authVia = 'bearer';
    } else if (req.cookies[SESSION_COOKIE]) {
      token = req.cookies[SESSION_COOKIE];
      req.authVia = 'cookie';
    }
    if (token) {
      let payload: TokenPayload | undefined;
      try {
        payload = app.jwt.verify<TokenPayload>(token);
      } catch {
        payload = undefined;
      }
      if (payload && Number.isInteger(payload.sid) && Number.isInteger(payload.uid)) {
        req.actor = await services.sessions.resolve(payload.sid, payload.uid, requestSource(req), req.company.locale);
      }
    }
    const chosen = req.cookies[LOCALE_COOKIE];
    req.locale = (req.actor?.locale as Locale | undefined) ?? (isLocale(chosen) ? chosen : req.company.locale);
  });
}, { name: 'kehu-auth', dependencies: ['kehu-errors'] });

export function tokenFor(app: { jwt: { sign(payload: object): string } }, session: OpenedSession): string {
  return app.jwt.sign({ sid: session.sessionId, uid: session.userId });
}

export function setSessionCookie(reply: FastifyReply, token: string): void {
  const config = reply.server.core.config;
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: config.baseUrl.startsWith('https:'),
    maxAge: config.session.ttlHours * 3600,
  });
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
}
