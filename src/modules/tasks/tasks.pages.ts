// Task pages: follow-ups as a list (open/done, due range, owner ...), one-click "done", the task
// form, and editing one with the version it was opened at.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { can } from '../../access/scope';
import { idParams } from '../../lib/api-schemas';
import { t, type Locale } from '../../lib/i18n';
import { formSchema, handleForm } from '../../plugins/forms';
import { pageQuerySchema, pruneEmptyQuery, safeBack } from '../../plugins/list-pages';
import type { ChildRow } from '../records/child-records';
import { filters, listPageData, type ListColumn } from '../records/list-page';
import {
  inputFromValues, labelOf, pageLookups, priorityChoices, saveEditForm, selectOptions, valuesFromBody, valuesFromRecord,
  type FieldDef, type FormValues, type PageLookups,
} from '../records/page-support';
import { tasksListSpec } from './tasks.schemas';
import type { TaskInput } from './tasks.service';

export const TASK_FORM_FIELDS: FieldDef[] = [
  { key: 'title', kind: 'text', required: true },
  { key: 'due_at', kind: 'datetime' },
  { key: 'priority', kind: 'enum', omitEmpty: true },
  { key: 'remind_at', kind: 'datetime' },
  { key: 'owner_id', kind: 'int', omitEmpty: true },
];

export const TASK_LIST_COLUMNS: ListColumn[] = [
  { key: 'title' },
  { key: 'due_at', sort: 'due_at' },
  { key: 'priority' },
  { key: 'parents' },
  { key: 'owner_id' },
  { key: 'done_at' },
  { key: 'created_at', sort: 'created_at' },
  { key: 'updated_at', sort: 'updated_at' },
];

/** Every key under tasks.fields (the locale test checks them). */
export const TASK_LABELS = [...new Set([...TASK_FORM_FIELDS.map((f) => f.key), ...TASK_LIST_COLUMNS.map((c) => c.key), 'team_id', 'done', 'company_id', 'contact_id'])];

const label = (locale: Locale, key: string) => t(locale, `tasks.fields.${key}`);
const parentQuery = { type: 'object', additionalProperties: false, properties: { company_id: { type: 'integer', minimum: 1 }, contact_id: { type: 'integer', minimum: 1 } } };
const bodySchema = formSchema([...TASK_FORM_FIELDS.map((f) => f.key), 'company_id', 'contact_id', 'fixed', 'version'], [], ['_base']);

export default async function tasksPages(app: FastifyInstance): Promise<void> {
  const { tasks } = app.services;
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
      taskRef: extra.record ? { id: (extra.record as ChildRow).id, isDone: Boolean((extra.record as ChildRow).done_at) } : null,
      priorityOptions: selectOptions(priorityChoices(req.locale), values.priority || 'normal'),
      companyOptions: extra.isNew && !fixed ? selectOptions(await lookups.companyChoices(company), company) : null,
      contactOptions: extra.isNew && !fixed ? selectOptions(await lookups.contactChoices(contact), contact) : null,
      owners: can(actor, 'tasks', 'assign') ? selectOptions(await lookups.userChoices(values.owner_id), values.owner_id || String(actor.userId)) : null,
      ...extra,
    };
  }

  app.get('/tasks', {
    config: { permission: 'tasks.read' },
    preValidation: pruneEmptyQuery,
    schema: { querystring: pageQuerySchema(tasksListSpec, { notice: { type: 'string', enum: ['created', 'saved', 'deleted', 'done', 'view_saved', 'view_deleted'] } }) },
  }, async (req, reply) => {
    const actor = req.actor!;
    const lookups = pageLookups(app, req);
    const priorities = priorityChoices(req.locale);
    const data = await listPageData<ChildRow>(app, req, {
      type: 'tasks',
      spec: tasksListSpec,
      columns: TASK_LIST_COLUMNS,
      defaultColumns: ['title', 'due_at', 'priority', 'parents', 'owner_id'],
      label: (key) => label(req.locale, key),
      load: (query) => tasks.list(actor, query),
      async cell(row, key) {
        switch (key) {
          case 'title': return { kind: 'link', value: row.title, href: `/tasks/${row.id}` };
          case 'priority': return { kind: 'text', value: labelOf(priorities, row.priority) };
          case 'parents': return { kind: 'links', value: await lookups.parentLinks(row.parents) };
          case 'owner_id': return { kind: 'text', value: await lookups.userName(row.owner_id) };
          case 'due_at': case 'done_at': case 'created_at': case 'updated_at': return { kind: 'datetime', value: row[key] };
          default: return { kind: 'text', value: row[key] };
        }
      },
      row: (row) => ({ isDone: Boolean(row.done_at) }),
      filters: async (query) => [
        filters.select(query, 'done', label(req.locale, 'done'), [{ value: 'false', label: t(req.locale, 'tasks.open') }, { value: 'true', label: t(req.locale, 'tasks.done') }]),
        filters.select(query, 'owner_id', label(req.locale, 'owner_id'), await lookups.userChoices()),
        filters.select(query, 'team_id', label(req.locale, 'team_id'), await lookups.teamChoices()),
        filters.select(query, 'priority', label(req.locale, 'priority'), priorities),
        filters.dates(query, 'due_at', label(req.locale, 'due_at')),
        filters.dates(query, 'created_at', label(req.locale, 'created_at')),
      ],
    });
    return reply.page('lists/index', {
      ...data,
      title: t(req.locale, 'tasks.title'),
      newHref: can(actor, 'tasks', 'create') ? '/tasks/new' : null,
      newLabel: t(req.locale, 'tasks.new'),
      doneColumn: can(actor, 'tasks', 'update'),
      currentPath: `/tasks${data.currentQuery ? `?${data.currentQuery}` : ''}`,
    });
  });

  app.get('/tasks/new', { config: { permission: 'tasks.create' }, schema: { querystring: parentQuery } }, async (req, reply) => {
    const q = req.query as { company_id?: number; contact_id?: number };
    const fixedParent = q.contact_id ? { type: 'contacts' as const, id: q.contact_id } : q.company_id ? { type: 'companies' as const, id: q.company_id } : undefined;
    const values: FormValues = { priority: 'normal', company_id: q.company_id ? String(q.company_id) : '', contact_id: q.contact_id ? String(q.contact_id) : '' };
    return reply.page('tasks/form', await formData(req, pageLookups(app, req), values, { title: t(req.locale, 'tasks.new'), isNew: true, fixedParent, action: '/tasks' }));
  });

  app.post('/tasks', { config: { permission: 'tasks.create' }, schema: { body: bodySchema } }, async (req, reply) => {
    const body = req.body as Record<string, string | undefined>;
    const values: FormValues = { ...valuesFromBody(TASK_FORM_FIELDS, body), company_id: body.company_id ?? '', contact_id: body.contact_id ?? '' };
    const companyId = Number(body.company_id) || null;
    const contactId = Number(body.contact_id) || null;
    const fixedParent = body.fixed !== '1' ? undefined : contactId ? { type: 'contacts' as const, id: contactId } : companyId ? { type: 'companies' as const, id: companyId } : undefined;
    const data = await formData(req, pageLookups(app, req), values, { title: t(req.locale, 'tasks.new'), isNew: true, fixedParent, action: '/tasks' });
    await handleForm(reply, 'tasks/form', data, async () => {
      const input = { ...inputFromValues(TASK_FORM_FIELDS, values, req.company.timezone, 'create'), company_id: companyId, contact_ids: contactId ? [contactId] : [] } as unknown as TaskInput;
      await tasks.create(req.actor!, input);
      await reply.redirect(contactId ? `/contacts/${contactId}#timeline` : companyId ? `/companies/${companyId}#timeline` : '/tasks?notice=created', 303);
    });
  });

  app.get<IdReq>('/tasks/:id', { config: { permission: 'tasks.read' }, schema: { params: idParams, querystring: { type: 'object', properties: { notice: { type: 'string', enum: ['saved'] } } } } }, async (req, reply) => {
    const row = await tasks.get(req.actor!, req.params.id);
    const values = valuesFromRecord(TASK_FORM_FIELDS, row, req.company.timezone);
    return reply.page('tasks/form', await formData(req, pageLookups(app, req), values, {
      title: String(row.title), record: row, recordVersion: row.version, base: JSON.stringify(values), action: `/tasks/${row.id}`,
      canEdit: can(req.actor!, 'tasks', 'update'), canDelete: can(req.actor!, 'tasks', 'delete'), notice: (req.query as { notice?: string }).notice,
    }));
  });

  app.post<IdReq>('/tasks/:id', { config: { permission: 'tasks.update' }, schema: { params: idParams, body: bodySchema } }, async (req, reply) => {
    const actor = req.actor!;
    const lookups = pageLookups(app, req);
    const row = await tasks.get(actor, req.params.id);
    await saveEditForm(req, reply, {
      view: 'tasks/form',
      fields: TASK_FORM_FIELDS,
      choices: { priority: priorityChoices(req.locale) },
      label: (k) => label(req.locale, k),
      lookups,
      formData: (values, extra) => formData(req, lookups, values, { title: String(row.title), record: row, action: `/tasks/${row.id}`, canEdit: true, canDelete: can(actor, 'tasks', 'delete'), ...extra }),
      update: (input, version) => tasks.update(actor, row.id, { ...input, version } as Partial<TaskInput> & { version: number }),
      done: `/tasks/${row.id}?notice=saved`,
    });
  });

  // One click from My day, a list or a timeline: done (or not done after all). Only the done state
  // changes, so it applies to whatever version the task is at now.
  app.post<IdReq>('/tasks/:id/done', { config: { permission: 'tasks.update' }, schema: { params: idParams, body: formSchema(['done', 'back']) } }, async (req, reply) => {
    const body = req.body as { done?: string; back?: string };
    const task = await tasks.get(req.actor!, req.params.id);
    await tasks.update(req.actor!, task.id, { done: body.done !== '0', version: task.version });
    return reply.redirect(safeBack(body.back, '/tasks?notice=done'), 303);
  });

  app.post<IdReq>('/tasks/:id/delete', { config: { permission: 'tasks.delete' }, schema: { params: idParams, body: formSchema([]) } }, async (req, reply) => {
    await tasks.remove(req.actor!, req.params.id);
    return reply.redirect('/tasks?notice=deleted', 303);
  });
}
