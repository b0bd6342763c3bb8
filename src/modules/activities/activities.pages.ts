// Activity pages: the communication log as a list (type, date range, owner ...), the full "log an
// activity" form (the 360° page has the quick one), and editing one with the version it was
// opened at.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { can } from '../../access/scope';
import { idParams } from '../../lib/api-schemas';
import { t, type Locale } from '../../lib/i18n';
import { utcToZoned } from '../../lib/time';
import { formSchema, handleForm } from '../../plugins/forms';
import { pageQuerySchema, pruneEmptyQuery } from '../../plugins/list-pages';
import type { ChildRow } from '../records/child-records';
import { filters, listPageData, type ListColumn } from '../records/list-page';
import {
  activityTypeChoices, inputFromValues, labelOf, pageLookups, saveEditForm, selectOptions, valuesFromBody, valuesFromRecord,
  type FieldDef, type FormValues, type PageLookups,
} from '../records/page-support';
import { activitiesListSpec } from './activities.schemas';
import type { ActivityInput } from './activities.service';

export const ACTIVITY_FORM_FIELDS: FieldDef[] = [
  { key: 'type', kind: 'enum', required: true },
  { key: 'occurred_at', kind: 'datetime', omitEmpty: true },
  { key: 'subject', kind: 'text', required: true },
  { key: 'content', kind: 'long' },
  { key: 'outcome', kind: 'text' },
  { key: 'next_step', kind: 'text' },
  { key: 'next_step_at', kind: 'datetime' },
  { key: 'owner_id', kind: 'int', omitEmpty: true },
];

export const ACTIVITY_LIST_COLUMNS: ListColumn[] = [
  { key: 'occurred_at', sort: 'occurred_at' },
  { key: 'type' },
  { key: 'subject' },
  { key: 'parents' },
  { key: 'outcome' },
  { key: 'next_step' },
  { key: 'next_step_at' },
  { key: 'owner_id' },
  { key: 'created_at', sort: 'created_at' },
];

/** Every key under activities.fields (the locale test checks them). */
export const ACTIVITY_LABELS = [...new Set([...ACTIVITY_FORM_FIELDS.map((f) => f.key), ...ACTIVITY_LIST_COLUMNS.map((c) => c.key), 'team_id', 'company_id', 'contact_id'])];

const label = (locale: Locale, key: string) => t(locale, `activities.fields.${key}`);
const parentQuery = { type: 'object', additionalProperties: false, properties: { company_id: { type: 'integer', minimum: 1 }, contact_id: { type: 'integer', minimum: 1 } } };
const LONG = ['content'];
const bodySchema = formSchema([...ACTIVITY_FORM_FIELDS.map((f) => f.key).filter((k) => !LONG.includes(k)), 'company_id', 'contact_id', 'fixed', 'version'], [], [...LONG, '_base']);

export default async function activitiesPages(app: FastifyInstance): Promise<void> {
  const { activities } = app.services;
  type IdReq = { Params: { id: number } };

  async function formData(req: FastifyRequest, lookups: PageLookups, values: FormValues, extra: Record<string, unknown>) {
    const actor = req.actor!;
    const parents = extra.record ? await lookups.parentLinks((extra.record as ChildRow).parents ?? []) : [];
    const company = values.company_id ? String(values.company_id) : '';
    const contact = values.contact_id ? String(values.contact_id) : '';
    const fixed = extra.fixedParent as { type: 'companies' | 'contacts'; id: number } | undefined;
    return {
      values,
      errors: {},
      parents,
      fixedParentName: fixed ? await lookups.recordName(fixed) : null,
      typeOptions: selectOptions(activityTypeChoices(req.locale), values.type),
      companyOptions: extra.isNew && !fixed ? selectOptions(await lookups.companyChoices(company), company) : null,
      contactOptions: extra.isNew && !fixed ? selectOptions(await lookups.contactChoices(contact), contact) : null,
      owners: can(actor, 'activities', 'assign') ? selectOptions(await lookups.userChoices(values.owner_id), values.owner_id || String(actor.userId)) : null,
      ...extra,
    };
  }

  app.get('/activities', {
    config: { permission: 'activities.read' },
    preValidation: pruneEmptyQuery,
    schema: { querystring: pageQuerySchema(activitiesListSpec, { notice: { type: 'string', enum: ['created', 'saved', 'deleted', 'view_saved', 'view_deleted'] } }) },
  }, async (req, reply) => {
    const actor = req.actor!;
    const lookups = pageLookups(app, req);
    const types = activityTypeChoices(req.locale);
    const data = await listPageData<ChildRow>(app, req, {
      type: 'activities',
      spec: activitiesListSpec,
      columns: ACTIVITY_LIST_COLUMNS,
      defaultColumns: ['occurred_at', 'type', 'subject', 'parents', 'owner_id'],
      label: (key) => label(req.locale, key),
      load: (query) => activities.list(actor, query),
      async cell(row, key) {
        switch (key) {
          case 'subject': return { kind: 'link', value: row.subject, href: `/activities/${row.id}` };
          case 'type': return { kind: 'text', value: labelOf(types, row.type) };
          case 'parents': return { kind: 'links', value: await lookups.parentLinks(row.parents) };
          case 'owner_id': return { kind: 'text', value: await lookups.userName(row.owner_id) };
          case 'occurred_at': case 'next_step_at': case 'created_at': return { kind: 'datetime', value: row[key] };
          default: return { kind: 'text', value: row[key] };
        }
      },
      filters: async (query) => [
        filters.select(query, 'type', label(req.locale, 'type'), types),
        filters.select(query, 'owner_id', label(req.locale, 'owner_id'), await lookups.userChoices()),
        filters.select(query, 'team_id', label(req.locale, 'team_id'), await lookups.teamChoices()),
        filters.dates(query, 'occurred_at', label(req.locale, 'occurred_at')),
        filters.dates(query, 'created_at', label(req.locale, 'created_at')),
      ],
    });
    return reply.page('lists/index', { ...data, title: t(req.locale, 'activities.title'), newHref: can(actor, 'activities', 'create') ? '/activities/new' : null, newLabel: t(req.locale, 'activities.new') });
  });

  app.get('/activities/new', { config: { permission: 'activities.create' }, schema: { querystring: parentQuery } }, async (req, reply) => {
    const q = req.query as { company_id?: number; contact_id?: number };
    const fixedParent = q.contact_id ? { type: 'contacts' as const, id: q.contact_id } : q.company_id ? { type: 'companies' as const, id: q.company_id } : undefined;
    const values: FormValues = { type: 'call', occurred_at: utcToZoned(app.core.clock.now().toISOString(), req.company.timezone), company_id: q.company_id ? String(q.company_id) : '', contact_id: q.contact_id ? String(q.contact_id) : '' };
    return reply.page('activities/form', await formData(req, pageLookups(app, req), values, { title: t(req.locale, 'activities.new'), isNew: true, fixedParent, action: '/activities' }));
  });

  app.post('/activities', { config: { permission: 'activities.create' }, schema: { body: bodySchema } }, async (req, reply) => {
    const body = req.body as Record<string, string | undefined>;
    const values: FormValues = { ...valuesFromBody(ACTIVITY_FORM_FIELDS, body), company_id: body.company_id ?? '', contact_id: body.contact_id ?? '' };
    const companyId = Number(body.company_id) || null;
    const contactId = Number(body.contact_id) || null;
    const fixedParent = body.fixed !== '1' ? undefined : contactId ? { type: 'contacts' as const, id: contactId } : companyId ? { type: 'companies' as const, id: companyId } : undefined;
    const lookups = pageLookups(app, req);
    const data = await formData(req, lookups, values, { title: t(req.locale, 'activities.new'), isNew: true, fixedParent, action: '/activities' });
    await handleForm(reply, 'activities/form', data, async () => {
      const input = { ...inputFromValues(ACTIVITY_FORM_FIELDS, values, req.company.timezone, 'create'), company_id: companyId, contact_ids: contactId ? [contactId] : [] } as unknown as ActivityInput;
      await activities.create(req.actor!, input);
      await reply.redirect(contactId ? `/contacts/${contactId}?notice=logged#timeline` : companyId ? `/companies/${companyId}?notice=logged#timeline` : '/activities?notice=created', 303);
    });
  });

  app.get<IdReq>('/activities/:id', { config: { permission: 'activities.read' }, schema: { params: idParams, querystring: { type: 'object', properties: { notice: { type: 'string', enum: ['saved'] } } } } }, async (req, reply) => {
    const row = await activities.get(req.actor!, req.params.id);
    const values = valuesFromRecord(ACTIVITY_FORM_FIELDS, row, req.company.timezone);
    return reply.page('activities/form', await formData(req, pageLookups(app, req), values, {
      title: String(row.subject), record: row, recordVersion: row.version, base: JSON.stringify(values), action: `/activities/${row.id}`,
      canEdit: can(req.actor!, 'activities', 'update'), canDelete: can(req.actor!, 'activities', 'delete'), notice: (req.query as { notice?: string }).notice,
    }));
  });

  app.post<IdReq>('/activities/:id', { config: { permission: 'activities.update' }, schema: { params: idParams, body: bodySchema } }, async (req, reply) => {
    const actor = req.actor!;
    const lookups = pageLookups(app, req);
    const row = await activities.get(actor, req.params.id);
    await saveEditForm(req, reply, {
      view: 'activities/form',
      fields: ACTIVITY_FORM_FIELDS,
      choices: { type: activityTypeChoices(req.locale) },
      label: (k) => label(req.locale, k),
      lookups,
      formData: (values, extra) => formData(req, lookups, values, { title: String(row.subject), record: row, action: `/activities/${row.id}`, canEdit: true, canDelete: can(actor, 'activities', 'delete'), ...extra }),
      update: (input, version) => activities.update(actor, row.id, { ...input, version } as Partial<ActivityInput> & { version: number }),
      done: `/activities/${row.id}?notice=saved`,
    });
  });

  app.post<IdReq>('/activities/:id/delete', { config: { permission: 'activities.delete' }, schema: { params: idParams, body: formSchema([]) } }, async (req, reply) => {
    await activities.remove(req.actor!, req.params.id);
    return reply.redirect('/activities?notice=deleted', 303);
  });
}
