// /api/v1/settings/company: the company's name, time zone, currency and default language.
import type { FastifyInstance } from 'fastify';
import { dataOf, responses } from '../../lib/api-schemas';
import { companySettingsPatchSchema, companySettingsSchema, gradeRulesSchema, type CompanySettings, type GradeRules } from './settings.schemas';

export default async function settingsApi(app: FastifyInstance): Promise<void> {
  const { settings } = app.services;
  const tags = ['settings'];
  app.get('/settings/company', {
    config: { permission: 'signed-in' },
    schema: { tags, summary: 'Company settings', response: responses({ 200: dataOf(companySettingsSchema) }) },
  }, async () => ({ data: await settings.company() }));

  app.patch('/settings/company', {
    config: { permission: 'settings.update' },
    schema: { tags, summary: 'Change company settings', body: companySettingsPatchSchema, response: responses({ 200: dataOf(companySettingsSchema) }) },
  }, async (req) => ({ data: await settings.updateCompany(req.actor!, req.body as Partial<CompanySettings>) }));

  app.get('/settings/grades', {
    config: { permission: 'signed-in' },
    schema: { tags, summary: 'The A/B/C grade rules: how often each grade should be contacted, and what makes a customer that grade', response: responses({ 200: dataOf(gradeRulesSchema) }) },
  }, async () => ({ data: await settings.grades() }));

  app.put('/settings/grades', {
    config: { permission: 'settings.update' },
    schema: { tags, summary: 'Change the grade rules', body: gradeRulesSchema, response: responses({ 200: dataOf(gradeRulesSchema) }) },
  }, async (req) => ({ data: await settings.updateGrades(req.actor!, req.body as GradeRules) }));
}
