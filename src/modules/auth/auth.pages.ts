// Sign-in and sign-out pages, and the one-time page where an invited user (or one whose password
// was reset) chooses a password.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../lib/errors';
import { formSchema, handleForm } from '../../plugins/forms';
import { clearSessionCookie, requestSource, setSessionCookie, tokenFor } from '../../plugins/auth';
import { t } from '../../lib/i18n';

const tokenParams = { type: 'object', required: ['token'], properties: { token: { type: 'string', pattern: '^[A-Za-z0-9_-]{20,100}$' } } };

function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?!\/)/.test(next) ? next : '/';
}

export default async function authPages(app: FastifyInstance): Promise<void> {
  const { auth, setup, users } = app.services;

  app.get('/login', {
    config: { public: true },
    schema: { querystring: { type: 'object', properties: { next: { type: 'string', maxLength: 500 }, notice: { type: 'string', enum: ['signed_out', 'password_set'] } } } },
  }, async (req, reply) => {
    if (!(await setup.isDone())) return reply.redirect('/setup', 303);
    const q = req.query as { next?: string; notice?: string };
    if (req.actor) return reply.redirect(safeNext(q.next), 303);
    return reply.page('auth/login', { title: t(req.locale, 'auth.sign_in'), next: q.next, notice: q.notice, values: {}, errors: {} });
  });

  app.post('/login', { config: { public: true }, schema: { body: formSchema(['email', 'password', 'next']) } }, async (req, reply) => {
    const body = req.body as { email?: string; password?: string; next?: string };
    try {
      const session = await auth.login({ email: body.email ?? '', password: body.password ?? '' }, 'page', requestSource(req));
      setSessionCookie(reply, tokenFor(app, session));
      return reply.redirect(safeNext(body.next), 303);
    } catch (err) {
      if (!(err instanceof AppError) || ![400, 401, 429, 503].includes(err.statusCode)) throw err;
      if (err.statusCode === 429 || err.statusCode === 503) reply.header('retry-after', String((err as { retryAfterSeconds?: number }).retryAfterSeconds ?? 1));
      const key = err.statusCode === 429 ? 'auth.too_many' : err.statusCode === 503 ? 'auth.busy' : 'auth.bad_credentials';
      return reply.code(err.statusCode).page('auth/login', { title: t(req.locale, 'auth.sign_in'), next: body.next, values: { email: body.email }, errors: {}, formError: t(req.locale, key) });
    }
  });

  app.post('/logout', { config: { permission: 'signed-in' }, schema: { body: formSchema(['everywhere']) } }, async (req, reply) => {
    await auth.logout(req.actor!, (req.body as { everywhere?: string } | undefined)?.everywhere === '1');
    clearSessionCookie(reply);
    return reply.redirect('/login?notice=signed_out', 303);
  });

  app.get<{ Params: { token: string } }>('/password/:token', { config: { public: true }, schema: { params: tokenParams } }, async (req, reply) => {
    const link = await users.peekPasswordLink(req.params.token);
    if (!link) return reply.code(404).page('auth/password-link', { title: t(req.locale, 'auth.link_invalid'), invalid: true });
    return reply.page('auth/password-link', { title: t(req.locale, `auth.link_${link.purpose}`), user: link.user, purpose: link.purpose, errors: {} });
  });

  app.post<{ Params: { token: string } }>('/password/:token', { config: { public: true }, schema: { params: tokenParams, body: formSchema(['password']) } }, async (req, reply) => {
    const link = await users.peekPasswordLink(req.params.token);
    if (!link) return reply.code(404).page('auth/password-link', { title: t(req.locale, 'auth.link_invalid'), invalid: true });
    await handleForm(reply, 'auth/password-link', { title: t(req.locale, `auth.link_${link.purpose}`), user: link.user, purpose: link.purpose }, async () => {
      await users.usePasswordLink(req.params.token, (req.body as { password?: string }).password ?? '', requestSource(req));
      await reply.redirect('/login?notice=password_set', 303);
    });
  });
}
