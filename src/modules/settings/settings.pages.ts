// Company settings page, with the A/B/C grade rules (how often each grade should be contacted and
// what makes a customer that grade); everyone reads the rules on /grades.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { LOCALES, t } from '../../lib/i18n';
import { formSchema, handleForm } from '../../plugins/forms';
import { GRADES } from '../records/record-fields';
import { CURRENCIES, type CompanySettings, type GradeRules } from './settings.schemas';

type GradeForm = Record<string, { days: string; rule: string }>;

function gradeForm(rules: GradeRules): GradeForm {
  return Object.fromEntries(GRADES.map((g) => [g, { days: String(rules[g].days), rule: rules[g].rule }]));
}

export default async function settingsPages(app: FastifyInstance): Promise<void> {
  const { settings } = app.services;
  const data = async (reply: FastifyReply, extra: Record<string, unknown> = {}) => ({
    title: t(reply.request.locale, 'settings.title'), currencies: CURRENCIES, localeOptions: LOCALES, values: await settings.company(), errors: {},
    grades: gradeForm(await settings.grades()), gradeKeys: GRADES, ...extra,
  });

  app.get('/admin/settings', { config: { permission: 'settings.update' }, schema: { querystring: { type: 'object', properties: { notice: { type: 'string', enum: ['saved', 'grades_saved'] } } } } }, async (req, reply) =>
    reply.page('admin/settings', await data(reply, { notice: (req.query as { notice?: string }).notice })));

  app.post('/admin/settings', { config: { permission: 'settings.update' }, schema: { body: formSchema(['name', 'timezone', 'currency', 'locale']) } }, async (req, reply) => {
    const body = req.body as Partial<CompanySettings>;
    await handleForm(reply, 'admin/settings', await data(reply, { values: body }), async () => {
      await settings.updateCompany(req.actor!, body);
      await reply.redirect('/admin/settings?notice=saved', 303);
    });
  });

  app.post('/admin/settings/grades', {
    config: { permission: 'settings.update' },
    schema: { body: formSchema(GRADES.flatMap((g) => [`${g}_days`, `${g}_rule`])) },
  }, async (req, reply) => {
    const body = req.body as Record<string, string | undefined>;
    const typed: GradeForm = Object.fromEntries(GRADES.map((g) => [g, { days: body[`${g}_days`] ?? '', rule: body[`${g}_rule`] ?? '' }]));
    // Days that are not a whole number go to the service as typed, which names them as invalid.
    const days = (text: string) => (/^\s*\d+\s*$/.test(text) ? Number(text) : text);
    const rules = Object.fromEntries(GRADES.map((g) => [g, { days: days(typed[g].days), rule: typed[g].rule.trim() }])) as unknown as GradeRules;
    await handleForm(reply, 'admin/settings', await data(reply, { grades: typed, gradesOpen: true }), async () => {
      await settings.updateGrades(req.actor!, rules);
      await reply.redirect('/admin/settings?notice=grades_saved#grades', 303);
    });
  });

  app.get('/grades', { config: { permission: 'signed-in' } }, async (req, reply) => {
    const rules = await settings.grades();
    return reply.page('grades/index', { title: t(req.locale, 'grades.title'), grades: GRADES.map((g) => ({ grade: g, ...rules[g] })) });
  });
}
