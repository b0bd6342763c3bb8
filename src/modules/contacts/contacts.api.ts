// /api/v1/contacts
import type { FastifyInstance } from 'fastify';
import { registerRecordApi } from '../records/record.api';
import { contactCreateSchema, contactSchema, contactUpdateSchema, contactsListSpec } from './contacts.schemas';

export default async function contactsApi(app: FastifyInstance): Promise<void> {
  registerRecordApi(app, {
    service: app.services.contacts,
    listSpec: contactsListSpec(() => app.core.clock.now()),
    schema: contactSchema,
    createSchema: contactCreateSchema,
    updateSchema: contactUpdateSchema,
    singular: 'contact',
  });
}
