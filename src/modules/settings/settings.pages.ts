// Company settings page.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { LOCALES, t } from '../../lib/i18n';
import { formSchema, handleForm } from '../../plugins/forms';
import { CURRENCIES, type CompanySettings } from './settings.schemas';

export default async function settingsPages(app: FastifyInstance): Promise<void> {
  const { settings } = app.services;
  const data = async (reply: FastifyReply, extra: Record<string, unknown> = {}) => ({
    title: t(reply.request.locale, 'settings.title'), currencies: CURRENCIES, localeOptions: LOCALES, values: await settings.company(), errors: {}, ...extra,
  });

  app.get('/admin/settings', { config: { permission: 'settings.update' }, schema: { querystring: { type: 'object', properties: { notice: { type: 'string', enum: ['saved'] } } } } }, async (req, reply) =>
    reply.page('admin/settings', await data(reply, { notice: (req.query as { notice?: string }).notice })));

  app.post('/admin/settings', { config: { permission: 'settings.update' }, schema: { body: formSchema(['name', 'timezone', 'currency', 'locale']) } }, async (req, reply) => {
    const body = req.body as Partial<CompanySettings>;
    await handleForm(reply, 'admin/settings', await data(reply, { values: body }), async () => {
      await settings.updateCompany(req.actor!, body);
      await reply.redirect('/admin/settings?notice=saved', 303);
    });
  });
}
