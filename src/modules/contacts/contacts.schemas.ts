// Contacts: people, with or without a company (a one-person business has none).
import type { ListSpec } from '../../lib/listing';
import { SOURCES, isoDate, isoTime, nullableEnum, nullableString, recordMetaSchema, recordWriteSchemas } from '../records/record-fields';
import { customerFilters } from '../companies/companies.schemas';

export const CONTACT_COLUMNS = [
  'id', 'name', 'company_id', 'title', 'mobile', 'phone', 'email', 'wechat', 'birthday', 'source', 'notes', 'consent', 'consent_at', 'consent_how',
  'last_contact_at', 'owner_id', 'team_id', 'created_at', 'created_by', 'updated_at', 'updated_by', 'version', 'deleted_at',
];

export const CONTACT_AUDIT_FIELDS = ['name', 'company_id', 'title', 'mobile', 'phone', 'email', 'wechat', 'birthday', 'source', 'notes', 'consent', 'consent_at', 'consent_how'];

const phone = { type: ['string', 'null'], maxLength: 50, pattern: '^[0-9０-９+()\\-\\s.#转ext]*$' } as const;

const fields = {
  name: { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' },
  company_id: { type: ['integer', 'null'], minimum: 1 },
  title: nullableString(100),
  mobile: phone,
  phone,
  email: { anyOf: [{ type: 'string', format: 'email', maxLength: 254 }, { type: 'null' }] },
  wechat: nullableString(100),
  birthday: { anyOf: [isoDate, { type: 'null' }] },
  source: nullableEnum(SOURCES),
  notes: nullableString(10000),
  consent: { type: 'boolean', description: 'Agreed to receive marketing.' },
  consent_at: { anyOf: [isoTime, { type: 'null' }] },
  consent_how: nullableString(100),
} as const;

const writeSchemas = recordWriteSchemas(fields, ['name'], { allow_duplicate: { type: 'boolean', description: 'Create even when a contact with the same mobile or email exists.' } });
export const contactCreateSchema = writeSchemas.create;
export const contactUpdateSchema = writeSchemas.update;

export const contactSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    company_id: { type: ['integer', 'null'] },
    title: { type: ['string', 'null'] },
    mobile: { type: ['string', 'null'] },
    phone: { type: ['string', 'null'] },
    email: { type: ['string', 'null'] },
    wechat: { type: ['string', 'null'] },
    birthday: { type: ['string', 'null'] },
    source: { type: ['string', 'null'] },
    notes: { type: ['string', 'null'] },
    consent: { type: 'boolean' },
    consent_at: { type: ['string', 'null'] },
    consent_how: { type: ['string', 'null'] },
    last_contact_at: { type: ['string', 'null'] },
    ...recordMetaSchema,
  },
} as const;

export function contactsListSpec(now: () => Date): ListSpec {
  return {
    table: 'contacts',
    defaultSort: 'name',
    sorts: {
      name: { column: 'contacts.name_sort' },
      created_at: { column: 'contacts.created_at' },
      updated_at: { column: 'contacts.updated_at' },
      last_contact_at: { column: 'contacts.last_contact_at', nullable: true },
    },
    filters: {
      ...customerFilters('contacts', now),
      company_id: { column: 'contacts.company_id', type: 'integer', ops: ['eq', 'in'] },
      consent: { column: 'contacts.consent', type: 'boolean' },
    },
  };
}
