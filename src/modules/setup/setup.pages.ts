// The first-run page: shown until the first administrator exists, then gone for good.
import type { FastifyInstance } from 'fastify';
import { LOCALES } from '../../lib/i18n';
import { formSchema, handleForm } from '../../plugins/forms';
import { requestSource, setSessionCookie, tokenFor } from '../../plugins/auth';
import { CURRENCIES } from '../settings';
import type { SetupInput } from './setup.schemas';

const FIELDS = ['company_name', 'timezone', 'currency', 'locale', 'admin_name', 'admin_email', 'admin_password'];
const TIMEZONES = ['Asia/Shanghai', 'Asia/Hong_Kong', 'Asia/Taipei', 'Asia/Singapore', 'Asia/Tokyo', 'Europe/London', 'Europe/Berlin', 'America/New_York', 'America/Los_Angeles', 'UTC'];

export default async function setupPages(app: FastifyInstance): Promise<void> {
  const { setup } = app.services;
  const options = { timezones: TIMEZONES, currencies: CURRENCIES, localeOptions: LOCALES };

  app.get('/setup', { config: { public: true } }, async (req, reply) => {
    if (await setup.isDone()) return reply.redirect('/login', 303);
    return reply.page('setup/setup', { ...options, title: 'Kehu', values: { timezone: 'Asia/Shanghai', currency: 'CNY', locale: req.locale }, errors: {} });
  });

  app.post('/setup', { config: { public: true }, schema: { body: formSchema(FIELDS) } }, async (req, reply) => {
    if (await setup.isDone()) return reply.redirect('/login', 303);
    const values = req.body as SetupInput;
    await handleForm(reply, 'setup/setup', { ...options, values: { ...values, admin_password: '' } }, async () => {
      const { session } = await setup.complete(values, requestSource(req));
      setSessionCookie(reply, tokenFor(app, session));
      await reply.redirect('/', 303);
    });
  });
}
