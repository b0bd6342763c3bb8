// The license page for administrators: what is in force (licensee, edition, seats used/allowed,
// updates-until, warnings, the last daily check) and a form to install a license file by pasting it.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { t, type Locale } from '../../lib/i18n';
import { formSchema } from '../../plugins/forms';
import { allows } from '../../plugins/access-guard';
import { LicenseRefusedError, type LicenseWarning } from './license.service';

/** A warning or refusal in the reader's language, by its code; unknown codes keep the service's English. */
export function warningText(locale: Locale, w: LicenseWarning, vars: Record<string, unknown>): string {
  const key = ({ updates_expired: 'license.warnings.updates_expired', over_seats: 'license.warnings.over_seats', seats_full: 'license.warnings.seats_full', installed_invalid: 'license.warnings.installed_invalid' } as Record<string, string>)[w.code];
  return key ? t(locale, key, vars) : w.message;
}

export function refusalText(locale: Locale, err: LicenseRefusedError, vars: Record<string, unknown>): string {
  const key = ({ malformed: 'license.errors.malformed', tampered: 'license.errors.tampered', wrong_product: 'license.errors.wrong_product', updates_expired: 'license.errors.updates_expired' } as Record<string, string>)[err.problem];
  return key ? `${t(locale, key, vars)} (${err.message})` : err.message;
}

export default async function licensePages(app: FastifyInstance): Promise<void> {
  const { license } = app.services;

  async function render(reply: FastifyReply, extra: Record<string, unknown> = {}) {
    const req = reply.request;
    const status = await license.get(req.actor!);
    const vars = { version: status.version, release_date: status.release_date, updates_until: status.updates_until ?? '', used: status.seats.used, allowed: status.seats.allowed };
    return reply.page('admin/license', {
      title: t(req.locale, 'license.title'),
      status,
      isFree: status.source === 'free',
      editionLabel: status.source === 'free' ? t(req.locale, 'license.free_edition') : status.edition,
      warnings: status.warnings.map((w) => ({ code: w.code, text: warningText(req.locale, w, vars) })),
      lastProblems: (status.last_check?.problems ?? []).map((w) => ({ code: w.code, text: warningText(req.locale, w, vars) })),
      canInstall: allows(req.actor!, 'settings.update'),
      errors: {},
      ...extra,
    });
  }

  app.get('/admin/license', {
    config: { permission: 'settings.read' },
    schema: { querystring: { type: 'object', additionalProperties: false, properties: { installed: { type: 'string', enum: ['1'] } } } },
  }, async (req, reply) => render(reply, { installed: (req.query as { installed?: string }).installed === '1' }));

  app.post('/admin/license', { config: { permission: 'settings.update' }, schema: { body: formSchema([], [], ['license']) } }, async (req, reply) => {
    const text = String((req.body as { license?: string }).license ?? '').trim();
    const locale = req.locale;
    if (!text) return render(reply.code(400), { value: text, errors: { license: t(locale, 'license.errors.empty') } });
    try {
      await license.install(req.actor!, text);
    } catch (err) {
      if (!(err instanceof LicenseRefusedError)) throw err;
      const vars = { version: (await license.status()).version, release_date: license.releaseDate };
      return render(reply.code(400), { value: text, errors: { license: refusalText(locale, err, vars) } });
    }
    return reply.redirect('/admin/license?installed=1', 303);
  });
}
