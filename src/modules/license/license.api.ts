// /api/v1/license: the license status (licensee, edition, seats used/allowed, updates-until,
// warnings) and installing a license file. Administrators only; reading data never depends on it.
import type { FastifyInstance } from 'fastify';
import { dataOf, responses } from '../../lib/api-schemas';
import { licenseInstallSchema, licenseStatusSchema } from './license.schemas';

export default async function licenseApi(app: FastifyInstance): Promise<void> {
  const { license } = app.services;
  const tags = ['license'];
  app.get('/license', {
    config: { permission: 'settings.read' },
    schema: { tags, summary: 'The license in force: licensee, edition, seats used and allowed, updates-until and warnings', response: responses({ 200: dataOf(licenseStatusSchema) }) },
  }, async (req) => ({ data: await license.get(req.actor!) }));

  app.put('/license', {
    config: { permission: 'settings.update' },
    schema: {
      tags,
      summary: 'Install a license file (verified offline against the built-in vendor key; audited). 400 license_tampered / license_wrong_product / license_updates_expired / license_malformed when refused',
      body: licenseInstallSchema,
      response: responses({ 200: dataOf(licenseStatusSchema) }),
    },
  }, async (req) => ({ data: await license.install(req.actor!, (req.body as { license: unknown }).license) }));
}
