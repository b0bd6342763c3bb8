// "My account": every user changes their own name, language and password, sees where they are
// signed in, and can sign out everywhere.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { LOCALES, t } from '../../lib/i18n';
import { formSchema, handleForm } from '../../plugins/forms';
import { setSessionCookie, tokenFor } from '../../plugins/auth';

export default async function profilePages(app: FastifyInstance): Promise<void> {
  const { users, auth, sessions } = app.services;

  async function data(reply: FastifyReply, extra: Record<string, unknown> = {}) {
    const actor = reply.request.actor!;
    const user = await users.load(actor.userId!);
    return {
      title: t(reply.request.locale, 'profile.title'),
      user,
      localeOptions: LOCALES,
      sessions: (await sessions.listActive(user.id)).map((s) => ({ ...s, current: s.id === actor.sessionId })),
      values: { name: user.name, locale: user.locale ?? '' },
      errors: {},
      ...extra,
    };
  }

  app.get('/profile', {
    config: { permission: 'signed-in' },
    schema: { querystring: { type: 'object', properties: { notice: { type: 'string', enum: ['saved', 'password_changed'] } } } },
  }, async (req, reply) => reply.page('profile/index', await data(reply, { notice: (req.query as { notice?: string }).notice })));

  app.post('/profile', { config: { permission: 'signed-in' }, schema: { body: formSchema(['name', 'locale']) } }, async (req, reply) => {
    const body = req.body as { name?: string; locale?: string };
    await handleForm(reply, 'profile/index', await data(reply, { values: body }), async () => {
      await users.updateProfile(req.actor!, { name: body.name ?? '', locale: body.locale || null });
      await reply.redirect('/profile?notice=saved', 303);
    });
  });

  app.post('/profile/password', { config: { permission: 'signed-in' }, schema: { body: formSchema(['current_password', 'new_password']) } }, async (req, reply) => {
    const body = req.body as { current_password?: string; new_password?: string };
    await handleForm(reply, 'profile/index', await data(reply, { passwordErrors: true }), async () => {
      const session = await auth.changePassword(req.actor!, { current_password: body.current_password ?? '', new_password: body.new_password ?? '' }, 'page');
      setSessionCookie(reply, tokenFor(app, session));
      await reply.redirect('/profile?notice=password_changed', 303);
    });
  });
}
