// /api/v1/companies
import type { FastifyInstance } from 'fastify';
import { registerRecordApi } from '../records/record.api';
import { companiesListSpec, companyCreateSchema, companySchema, companyUpdateSchema } from './companies.schemas';

export default async function companiesApi(app: FastifyInstance): Promise<void> {
  registerRecordApi(app, {
    service: app.services.companies,
    listSpec: companiesListSpec(() => app.core.clock.now()),
    schema: companySchema,
    createSchema: companyCreateSchema,
    updateSchema: companyUpdateSchema,
    singular: 'company',
  });
}
