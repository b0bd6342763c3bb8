// Contact pages: the shared customer record pages (records/record.pages.ts) with a person's fields,
// list columns and filters, and their company on the 360° page.
import type { FastifyInstance } from 'fastify';
import { t, type Locale } from '../../lib/i18n';
import { filters, type ListColumn } from '../records/list-page';
import { labelOf, sourceChoices, type FieldDef, type FormValues } from '../records/page-support';
import { registerRecordPages } from '../records/record.pages';
import { CONTACT_AUDIT_FIELDS, contactsListSpec } from './contacts.schemas';

export const CONTACT_FORM_FIELDS: FieldDef[] = [
  { key: 'name', kind: 'text', required: true },
  { key: 'company_id', kind: 'int' },
  { key: 'title', kind: 'text' },
  { key: 'mobile', kind: 'text' },
  { key: 'phone', kind: 'text' },
  { key: 'email', kind: 'text' },
  { key: 'wechat', kind: 'text' },
  { key: 'birthday', kind: 'date' },
  { key: 'source', kind: 'enum' },
  { key: 'consent', kind: 'bool' },
  { key: 'consent_how', kind: 'text' },
  { key: 'notes', kind: 'long' },
  { key: 'tag_ids', kind: 'ints' },
  { key: 'owner_id', kind: 'int', omitEmpty: true },
];

export const CONTACT_LIST_COLUMNS: ListColumn[] = [
  { key: 'name', sort: 'name' },
  { key: 'company_id' },
  { key: 'title' },
  { key: 'mobile' },
  { key: 'phone' },
  { key: 'email' },
  { key: 'wechat' },
  { key: 'source' },
  { key: 'owner_id' },
  { key: 'tags' },
  { key: 'last_contact_at', sort: 'last_contact_at' },
  { key: 'created_at', sort: 'created_at' },
  { key: 'updated_at', sort: 'updated_at' },
];

/** Every key under contacts.fields (the locale test checks them). */
export const CONTACT_LABELS = [...new Set([...CONTACT_FORM_FIELDS.map((f) => f.key), ...CONTACT_LIST_COLUMNS.map((c) => c.key), 'team_id', 'no_contact_days', 'consent_at'])];

const label = (locale: Locale, key: string) => t(locale, `contacts.fields.${key}`);

export default async function contactsPages(app: FastifyInstance): Promise<void> {
  const { contacts } = app.services;

  registerRecordPages(app, {
    service: contacts,
    listSpec: contactsListSpec(() => app.core.clock.now()),
    fields: CONTACT_FORM_FIELDS,
    mergeFields: CONTACT_AUDIT_FIELDS,
    columns: CONTACT_LIST_COLUMNS,
    defaultColumns: ['name', 'company_id', 'title', 'mobile', 'owner_id', 'last_contact_at'],
    views: { form: 'contacts/form', show: 'contacts/show' },
    texts: (locale) => ({
      title: t(locale, 'contacts.title'),
      new: t(locale, 'contacts.new'),
      edit: t(locale, 'contacts.edit'),
      trash: t(locale, 'trash.title'),
      merge: t(locale, 'contacts.merge'),
    }),
    label,
    choices: (locale) => ({ source: sourceChoices(locale) }),
    async filters(req, query, lookups) {
      const l = (k: string) => label(req.locale, k);
      return [
        filters.select(query, 'owner_id', l('owner_id'), await lookups.userChoices()),
        filters.select(query, 'team_id', l('team_id'), await lookups.teamChoices()),
        filters.select(query, 'tag', l('tags'), await lookups.tagChoices()),
        filters.select(query, 'company_id', l('company_id'), await lookups.companyChoices(query.filter?.company_id)),
        filters.select(query, 'source', l('source'), sourceChoices(req.locale)),
        filters.number(query, 'no_contact_days', l('no_contact_days')),
        filters.dates(query, 'created_at', l('created_at')),
        filters.dates(query, 'updated_at', l('updated_at')),
      ];
    },
    async cell(req, row, key, lookups) {
      switch (key) {
        case 'name': return { kind: 'link', value: row.name, href: `/contacts/${row.id}` };
        case 'company_id': {
          if (!row.company_id) return { kind: 'text', value: '' };
          const name = await lookups.recordName({ type: 'companies', id: row.company_id as number });
          return name ? { kind: 'link', value: name, href: `/companies/${row.company_id}` } : { kind: 'text', value: '' };
        }
        case 'owner_id': return { kind: 'text', value: await lookups.userName(row.owner_id) };
        case 'tags': return { kind: 'tags', value: row.tags };
        case 'source': return { kind: 'text', value: labelOf(sourceChoices(req.locale), row.source) };
        case 'last_contact_at': case 'created_at': case 'updated_at': return { kind: 'datetime', value: row[key] };
        default: return { kind: 'text', value: row[key] };
      }
    },
    async formExtras(_req, values, lookups) {
      return { companyOptions: (await lookups.companyChoices(values.company_id)).map((c) => ({ ...c, selected: c.value === values.company_id })) };
    },
    async showExtras(req, row, lookups) {
      const company = row.company_id ? await lookups.recordName({ type: 'companies', id: row.company_id as number }) : null;
      return { companyName: company, source: labelOf(sourceChoices(req.locale), row.source) };
    },
    prefill: (query): FormValues => (query.company_id ? { company_id: String(query.company_id) } : {}),
  });
}
