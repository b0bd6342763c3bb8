// Company pages: the shared customer record pages (records/record.pages.ts) with a company's
// fields, list columns and filters, and its contacts on the 360° page.
import type { FastifyInstance } from 'fastify';
import { can } from '../../access/scope';
import { t, type Locale } from '../../lib/i18n';
import { filters, type ListColumn } from '../records/list-page';
import { gradeChoices, labelOf, sizeBandChoices, sourceChoices, type FieldDef } from '../records/page-support';
import { registerRecordPages } from '../records/record.pages';
import { COMPANY_AUDIT_FIELDS, companiesListSpec } from './companies.schemas';

export const COMPANY_FORM_FIELDS: FieldDef[] = [
  { key: 'name', kind: 'text', required: true },
  { key: 'short_name', kind: 'text' },
  { key: 'grade', kind: 'enum' },
  { key: 'industry', kind: 'text' },
  { key: 'size_band', kind: 'enum' },
  { key: 'source', kind: 'enum' },
  { key: 'phone', kind: 'text' },
  { key: 'website', kind: 'text' },
  { key: 'province', kind: 'text' },
  { key: 'city', kind: 'text' },
  { key: 'address', kind: 'text' },
  { key: 'notes', kind: 'long' },
  { key: 'tag_ids', kind: 'ints' },
  { key: 'owner_id', kind: 'int', omitEmpty: true },
];

export const COMPANY_LIST_COLUMNS: ListColumn[] = [
  { key: 'name', sort: 'name' },
  { key: 'short_name' },
  { key: 'grade', sort: 'grade' },
  { key: 'industry' },
  { key: 'size_band' },
  { key: 'source' },
  { key: 'province' },
  { key: 'city' },
  { key: 'phone' },
  { key: 'website' },
  { key: 'owner_id' },
  { key: 'tags' },
  { key: 'last_contact_at', sort: 'last_contact_at' },
  { key: 'created_at', sort: 'created_at' },
  { key: 'updated_at', sort: 'updated_at' },
];

/** Every key under companies.fields (the locale test checks them). */
export const COMPANY_LABELS = [...new Set([...COMPANY_FORM_FIELDS.map((f) => f.key), ...COMPANY_LIST_COLUMNS.map((c) => c.key), 'team_id', 'no_contact_days'])];

const label = (locale: Locale, key: string) => t(locale, `companies.fields.${key}`);

/** A link only for web addresses (never javascript: or the like); "example.cn" gets http://. */
function websiteHref(value: unknown): string | null {
  const text = typeof value === 'string' ? value.trim() : '';
  if (/^https?:\/\/[^\s]+$/i.test(text)) return text;
  if (/^[\w-]+(\.[\w-]+)+(\/[^\s]*)?$/.test(text)) return `http://${text}`;
  return null;
}

export default async function companiesPages(app: FastifyInstance): Promise<void> {
  const { companies, contacts, settings } = app.services;
  const listSpec = companiesListSpec(() => app.core.clock.now());

  registerRecordPages(app, {
    service: companies,
    listSpec,
    fields: COMPANY_FORM_FIELDS,
    mergeFields: COMPANY_AUDIT_FIELDS,
    columns: COMPANY_LIST_COLUMNS,
    defaultColumns: ['name', 'grade', 'city', 'phone', 'owner_id', 'last_contact_at'],
    views: { form: 'companies/form', show: 'companies/show' },
    texts: (locale) => ({
      title: t(locale, 'companies.title'),
      new: t(locale, 'companies.new'),
      edit: t(locale, 'companies.edit'),
      trash: t(locale, 'trash.title'),
      merge: t(locale, 'companies.merge'),
    }),
    label,
    choices: (locale) => ({ grade: gradeChoices(locale), size_band: sizeBandChoices(locale), source: sourceChoices(locale) }),
    async filters(req, query, lookups) {
      const l = (k: string) => label(req.locale, k);
      return [
        filters.select(query, 'owner_id', l('owner_id'), await lookups.userChoices()),
        filters.select(query, 'team_id', l('team_id'), await lookups.teamChoices()),
        filters.select(query, 'tag', l('tags'), await lookups.tagChoices()),
        filters.select(query, 'grade', l('grade'), gradeChoices(req.locale)),
        filters.text(query, 'province', l('province')),
        filters.text(query, 'city', l('city')),
        filters.select(query, 'source', l('source'), sourceChoices(req.locale)),
        filters.select(query, 'size_band', l('size_band'), sizeBandChoices(req.locale)),
        filters.number(query, 'no_contact_days', l('no_contact_days')),
        filters.dates(query, 'created_at', l('created_at')),
        filters.dates(query, 'updated_at', l('updated_at')),
      ];
    },
    async cell(req, row, key, lookups) {
      switch (key) {
        case 'name': return { kind: 'link', value: row.name, href: `/companies/${row.id}` };
        case 'owner_id': return { kind: 'text', value: await lookups.userName(row.owner_id) };
        case 'tags': return { kind: 'tags', value: row.tags };
        case 'source': return { kind: 'text', value: labelOf(sourceChoices(req.locale), row.source) };
        case 'size_band': return { kind: 'text', value: labelOf(sizeBandChoices(req.locale), row.size_band) };
        case 'last_contact_at': case 'created_at': case 'updated_at': return { kind: 'datetime', value: row[key] };
        default: return { kind: 'text', value: row[key] };
      }
    },
    formExtras: async () => ({}),
    async showExtras(req, row) {
      const actor = req.actor!;
      const people = can(actor, 'contacts', 'read') ? (await contacts.list(actor, { filter: { company_id: String(row.id) }, sort: 'name', limit: 50 })) : null;
      const grades = await settings.grades();
      return {
        contacts: people?.data ?? [],
        moreContacts: people?.next_cursor ? `/contacts?filter[company_id]=${row.id}` : null,
        canContacts: can(actor, 'contacts', 'read'),
        canNewContact: can(actor, 'contacts', 'create'),
        gradeRule: row.grade ? grades[row.grade as 'A' | 'B' | 'C'] : null,
        websiteHref: websiteHref(row.website),
        sizeBand: labelOf(sizeBandChoices(req.locale), row.size_band),
        source: labelOf(sourceChoices(req.locale), row.source),
      };
    },
  });
}
