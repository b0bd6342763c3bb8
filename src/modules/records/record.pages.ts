// The pages every customer record type has (companies, contacts), over the same record service as
// the API: the list with filters and bulk actions, create and edit forms (duplicate warning, both
// versions side by side on a conflict), the 360° page with its timeline, quick log and files, the
// trash, and the merge page.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can } from '../../access/scope';
import { idParams } from '../../lib/api-schemas';
import { AppError, ValidationError } from '../../lib/errors';
import { t, type Locale } from '../../lib/i18n';
import type { ListSpec } from '../../lib/listing';
import { zonedToUtc } from '../../lib/time';
import { formSchema, handleForm, listField, localizeFields } from '../../plugins/forms';
import { pageQuerySchema, pruneEmptyQuery, safeQuerystring, toListQuery, toQuerystring, type PageQuery } from '../../plugins/list-pages';
import { rememberRecent } from '../../plugins/recent';
import type { Attachable } from '../attachments';
import { sharingSection } from '../shares/shares.pages';
import { DuplicateError, type RecordRow, type RecordService } from './record-service';
import { listPageData, type Cell, type FilterField, type ListColumn } from './list-page';
import {
  activityTypeChoices, fileSize, inputFromValues, labelOf, pageLookups, saveEditForm, valueShower, valuesFromBody, valuesFromRecord,
  type Choice, type FieldDef, type FormValues, type PageLookups,
} from './page-support';

type RecordType = 'companies' | 'contacts';

export interface RecordPagesOptions {
  service: RecordService;
  listSpec: ListSpec;
  /** The form's fields, in the order the conflict page lists them. */
  fields: FieldDef[];
  /** Fields a merge chooses between (the service's audited fields). */
  mergeFields: string[];
  columns: ListColumn[];
  defaultColumns: string[];
  views: { form: string; show: string };
  texts(locale: Locale): { title: string; new: string; edit: string; trash: string; merge: string };
  label(locale: Locale, key: string): string;
  /** Labelled choices of the enum fields. */
  choices(locale: Locale): Record<string, Choice[]>;
  filters(req: FastifyRequest, query: import('../../plugins/list-pages').PageQuery, lookups: PageLookups): Promise<FilterField[]>;
  cell(req: FastifyRequest, row: RecordRow, key: string, lookups: PageLookups): Promise<Cell>;
  /** Options a form needs beyond the enum choices (a contact's company). */
  formExtras(req: FastifyRequest, values: FormValues, lookups: PageLookups): Promise<Record<string, unknown>>;
  /** What the 360° page shows besides the record (a company's contacts, a contact's company). */
  showExtras(req: FastifyRequest, row: RecordRow, lookups: PageLookups): Promise<Record<string, unknown>>;
  /** Values a new record's form starts with, from the querystring (a contact at a company). */
  prefill?(query: Record<string, unknown>): FormValues;
}

const QUICK_LOG_FIELDS = ['type', 'subject', 'outcome', 'next_step', 'next_step_at'];

export function registerRecordPages(app: FastifyInstance, o: RecordPagesOptions): void {
  const { service } = o;
  const type = service.type as RecordType;
  const { activities, timeline, attachments } = app.services;
  type IdReq = { Params: { id: number } };

  const formFields = o.fields.map((f) => f.key);
  const lists = o.fields.filter((f) => f.kind === 'ints').map((f) => f.key);
  const long = o.fields.filter((f) => f.kind === 'long').map((f) => f.key);
  const bodySchema = formSchema([...formFields.filter((f) => !lists.includes(f) && !long.includes(f)), 'version', 'allow_duplicate'], lists, [...long, '_base']);

  async function formData(req: FastifyRequest, lookups: PageLookups, values: FormValues, extra: Record<string, unknown>) {
    const actor = req.actor!;
    const choices = o.choices(req.locale);
    const select = (key: string) => (choices[key] ?? []).map((c) => ({ ...c, selected: c.value === values[key] }));
    const tagIds = (values.tag_ids as string[] | undefined) ?? [];
    return {
      recordType: type,
      values,
      errors: {},
      options: Object.fromEntries(Object.keys(choices).map((k) => [k, select(k)])),
      tagOptions: (await lookups.tagChoices()).map((c) => ({ ...c, checked: tagIds.includes(c.value) })),
      owners: can(actor, type, 'assign') ? (await lookups.userChoices(values.owner_id)).map((c) => ({ ...c, selected: c.value === (values.owner_id || String(actor.userId)) })) : null,
      ...(await o.formExtras(req, values, lookups)),
      ...extra,
    };
  }

  async function renderShow(req: FastifyRequest, reply: FastifyReply, id: number, extra: Record<string, unknown> = {}, code = 200): Promise<void> {
    const actor = req.actor!;
    const lookups = pageLookups(app, req);
    const row = await service.get(actor, id);
    const cursor = (req.query as { cursor?: string }).cursor;
    const items = await timeline.timeline(actor, type, id, { cursor, limit: 50 });
    const duplicates = can(actor, type, 'update') ? (await service.duplicates(actor, row, id)).filter((d) => d.visible) : [];
    const texts = o.texts(req.locale);
    const types = activityTypeChoices(req.locale);
    const files = await attachments.list(actor, { type, id });
    rememberRecent(req, reply, { type, id });
    await reply.code(code).page(o.views.show, {
      title: String(row.name),
      record: row,
      recordType: type,
      parentParam: type === 'companies' ? 'company_id' : 'contact_id',
      backPath: `/${type}/${id}`,
      texts,
      ownerName: await lookups.userName(row.owner_id),
      timeline: items.data.map((i) => ({
        ...i,
        [i.kind]: true,
        typeLabel: i.kind === 'activities' ? labelOf(types, i.record.type) : null,
        task: i.kind === 'tasks' ? { id: i.id, isDone: Boolean(i.record.done_at) } : null,
        size: i.kind === 'attachments' ? fileSize(Number(i.record.size)) : null,
      })),
      files: files.map((f) => ({ ...f, size: fileSize(f.size) })),
      timelineMore: items.next_cursor ? `/${type}/${id}?${toQuerystring({ cursor: items.next_cursor })}#timeline` : null,
      timelineFirst: cursor ? `/${type}/${id}#timeline` : null,
      duplicates,
      quick: { values: { type: 'call' }, errors: {} },
      activityTypes: types,
      maxUploadMb: Math.round(attachments.maxBytes() / 1048576),
      sharing: await sharingSection(app, req, type, id),
      can: { update: can(actor, type, 'update'), delete: can(actor, type, 'delete'), log: can(actor, 'activities', 'create'), task: can(actor, 'tasks', 'create') },
      ...(await o.showExtras(req, row, lookups)),
      ...extra,
    });
  }

  // ---- list, bulk, trash ----

  app.get(`/${type}`, {
    config: { permission: `${type}.read` },
    preValidation: pruneEmptyQuery,
    schema: { querystring: pageQuerySchema(o.listSpec, { notice: { type: 'string', enum: ['deleted', 'bulk_done', 'bulk_none', 'bulk_failed', 'view_saved', 'view_deleted'] } }) },
  }, async (req, reply) => {
    const actor = req.actor!;
    const lookups = pageLookups(app, req);
    const data = await listPageData<RecordRow>(app, req, {
      type,
      spec: o.listSpec,
      columns: o.columns,
      defaultColumns: o.defaultColumns,
      label: (key) => o.label(req.locale, key),
      load: (query) => service.list(actor, query),
      cell: (row, key) => o.cell(req, row, key, lookups),
      filters: (query) => o.filters(req, query, lookups),
    });
    const texts = o.texts(req.locale);
    const mayBulk = can(actor, type, 'update');
    return reply.page('lists/index', {
      ...data,
      title: texts.title,
      newHref: can(actor, type, 'create') ? `/${type}/new` : null,
      newLabel: texts.new,
      trashHref: can(actor, type, 'delete') ? `/${type}/trash` : null,
      exportHref: can(actor, type, 'export') ? `/${type}/export.csv${data.currentQuery ? `?${data.currentQuery}` : ''}` : null,
      bulk: mayBulk ? { canAssign: can(actor, type, 'assign'), canDelete: can(actor, type, 'delete'), users: await lookups.userChoices(), tags: await lookups.tagChoices() } : null,
    });
  });

  // The list as CSV, with the page's filters (bare dates meaning whole days, as on the list).
  app.get(`/${type}/export.csv`, {
    config: { permission: `${type}.export` },
    preValidation: pruneEmptyQuery,
    schema: { querystring: pageQuerySchema(o.listSpec) },
  }, async (req, reply) => {
    const query = toListQuery(req.query as PageQuery, o.listSpec, req.company.timezone);
    const stream = await app.services.exports[type].csv(req.actor!, query, req.locale);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${type}-${app.core.clock.now().toISOString().slice(0, 10)}.csv"`).send(stream);
  });

  app.post(`/${type}/bulk`, {
    config: { permission: `${type}.update` },
    schema: { body: formSchema(['action', 'owner_id', 'tag_id', 'back'], ['ids']) },
  }, async (req, reply) => {
    const body = req.body as Record<string, unknown>;
    const back = safeQuerystring(body.back);
    const to = (notice: string) => `/${type}?${back ? `${back}&` : ''}notice=${notice}`;
    const ids = listField(body.ids).map(Number).filter((n) => Number.isInteger(n) && n > 0);
    const action = String(body.action ?? '') as 'assign' | 'add_tag' | 'remove_tag' | 'delete';
    if (!ids.length || !['assign', 'add_tag', 'remove_tag', 'delete'].includes(action)) return reply.redirect(to('bulk_none'), 303);
    try {
      await service.bulk(req.actor!, { ids, action, owner_id: Number(body.owner_id) || undefined, tag_id: Number(body.tag_id) || undefined });
    } catch (err) {
      // Nothing was changed (one transaction); say so on the list instead of an error page.
      if (err instanceof AppError && err.statusCode < 500) return reply.redirect(to('bulk_failed'), 303);
      throw err;
    }
    return reply.redirect(to('bulk_done'), 303);
  });

  app.get(`/${type}/trash`, {
    config: { permission: `${type}.delete` },
    schema: { querystring: { type: 'object', additionalProperties: false, properties: { cursor: { type: 'string', maxLength: 500 }, notice: { type: 'string', enum: ['restored'] } } } },
  }, async (req, reply) => {
    const q = req.query as { cursor?: string; notice?: string };
    const lookups = pageLookups(app, req);
    const page = await service.list(req.actor!, { deleted: true, sort: '-updated_at', cursor: q.cursor, limit: 50 });
    const rows = await Promise.all(page.data.map(async (r) => ({ ...r, ownerName: await lookups.userName(r.owner_id) })));
    return reply.page('records/trash', {
      title: `${o.texts(req.locale).title} · ${t(req.locale, 'trash.title')}`,
      recordType: type,
      listHref: `/${type}`,
      rows,
      retentionDays: app.core.config.trash.retentionDays,
      next: page.next_cursor ? `/${type}/trash?cursor=${encodeURIComponent(page.next_cursor)}` : null,
      notice: q.notice,
    });
  });

  // ---- create ----

  app.get(`/${type}/new`, {
    config: { permission: `${type}.create` },
    schema: { querystring: { type: 'object', properties: { company_id: { type: 'integer', minimum: 1 } } } },
  }, async (req, reply) => {
    const values = { ...(o.prefill?.(req.query as Record<string, unknown>) ?? {}) };
    return reply.page(o.views.form, await formData(req, pageLookups(app, req), values, { title: o.texts(req.locale).new, isNew: true, action: `/${type}` }));
  });

  app.post(`/${type}`, { config: { permission: `${type}.create` }, schema: { body: bodySchema } }, async (req, reply) => {
    const body = req.body as Record<string, unknown>;
    const values = valuesFromBody(o.fields, body);
    const lookups = pageLookups(app, req);
    const title = o.texts(req.locale).new;
    const data = await formData(req, lookups, values, { title, isNew: true, action: `/${type}` });
    await handleForm(reply, o.views.form, data, async () => {
      const input = inputFromValues(o.fields, values, req.company.timezone, 'create');
      if (body.allow_duplicate === '1') input.allow_duplicate = true;
      const created = await service.create(req.actor!, input);
      await reply.redirect(`/${type}/${created.id}?notice=created`, 303);
    }, async (err) => {
      if (!(err instanceof DuplicateError)) throw err;
      const visible = err.duplicates.filter((d) => d.visible);
      await reply.code(409).page(o.views.form, {
        ...data,
        duplicates: err.duplicates,
        hiddenDuplicates: err.duplicates.length - visible.length,
        // Two look-alikes that exist already are duplicates of each other: offer to merge them.
        mergeWith: visible.length >= 2 && can(req.actor!, type, 'update') ? visible[0] : null,
      });
    });
  });

  // ---- the 360° page ----

  app.get<IdReq>(`/${type}/:id`, {
    config: { permission: `${type}.read` },
    schema: {
      params: idParams,
      querystring: { type: 'object', additionalProperties: false, properties: { cursor: { type: 'string', maxLength: 500 }, notice: { type: 'string', enum: ['created', 'saved', 'logged', 'uploaded', 'merged', 'restored', 'file_deleted', 'shared', 'unshared', 'share_invalid'] } } },
    },
  }, async (req, reply) => renderShow(req, reply, req.params.id, { notice: (req.query as { notice?: string }).notice }));

  // The quick "log a call / visit" form at the top of the 360° page.
  app.post<IdReq>(`/${type}/:id/log`, {
    config: { permission: 'activities.create' },
    schema: { params: idParams, body: formSchema(QUICK_LOG_FIELDS) },
  }, async (req, reply) => {
    const id = req.params.id;
    const body = req.body as Record<string, string | undefined>;
    const nextAt = body.next_step_at ? (zonedToUtc(`${body.next_step_at}T09:00`, req.company.timezone) ?? body.next_step_at) : null;
    const input = {
      type: body.type || 'call',
      subject: body.subject ?? '',
      outcome: body.outcome || null,
      next_step: body.next_step || null,
      next_step_at: nextAt,
      ...(type === 'companies' ? { company_id: id } : { contact_ids: [id] }),
    };
    try {
      await activities.create(req.actor!, input);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderShow(req, reply, id, { quick: { values: body, errors: localizeFields(req.locale, err.fields), open: true } }, 400);
    }
    return reply.redirect(`/${type}/${id}?notice=logged#timeline`, 303);
  });

  // Files: multipart, read by the handler, so the CSRF token travels in the action URL.
  app.post<IdReq>(`/${type}/:id/attachments`, {
    config: { permission: `${type}.update` },
    schema: { params: idParams, querystring: { type: 'object', properties: { _csrf: { type: 'string', maxLength: 500 } } } },
  }, async (req, reply) => {
    const id = req.params.id;
    const fail = (message: string) => renderShow(req, reply, id, { uploadError: message }, 400);
    if (!req.isMultipart()) return fail(t(req.locale, 'attachments.choose_file'));
    try {
      const file = await req.file();
      if (!file) return fail(t(req.locale, 'attachments.choose_file'));
      await attachments.upload(req.actor!, { type: type as Attachable, id }, { filename: file.filename, mimetype: file.mimetype, stream: file.file });
    } catch (err) {
      if (err instanceof ValidationError) return fail(t(req.locale, 'attachments.choose_file'));
      if ((err instanceof AppError && err.statusCode === 413) || (err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
        return fail(t(req.locale, 'attachments.too_large', { mb: Math.round(attachments.maxBytes() / 1048576) }));
      }
      throw err;
    }
    return reply.redirect(`/${type}/${id}?notice=uploaded#files`, 303);
  });

  // ---- edit, with both versions side by side when someone saved in between ----

  app.get<IdReq>(`/${type}/:id/edit`, { config: { permission: `${type}.update` }, schema: { params: idParams } }, async (req, reply) => {
    await service.requireUpdatable(req.actor!, req.params.id);
    const row = await service.get(req.actor!, req.params.id);
    const values = valuesFromRecord(o.fields, row, req.company.timezone);
    return reply.page(o.views.form, await formData(req, pageLookups(app, req), values, {
      title: `${o.texts(req.locale).edit}: ${row.name}`, record: row, recordVersion: row.version, base: JSON.stringify(values), action: `/${type}/${row.id}`,
    }));
  });

  app.post<IdReq>(`/${type}/:id`, { config: { permission: `${type}.update` }, schema: { params: idParams, body: bodySchema } }, async (req, reply) => {
    const actor = req.actor!;
    const lookups = pageLookups(app, req);
    const row = await service.get(actor, req.params.id);
    const title = `${o.texts(req.locale).edit}: ${row.name}`;
    await saveEditForm(req, reply, {
      view: o.views.form,
      fields: o.fields,
      choices: o.choices(req.locale),
      label: (k) => o.label(req.locale, k),
      lookups,
      formData: (values, extra) => formData(req, lookups, values, { title, record: row, action: `/${type}/${row.id}`, ...extra }),
      update: (input, version) => service.update(actor, row.id, { ...input, version }),
      done: `/${type}/${row.id}?notice=saved`,
    });
  });

  app.post<IdReq>(`/${type}/:id/delete`, { config: { permission: `${type}.delete` }, schema: { params: idParams, body: formSchema([]) } }, async (req, reply) => {
    await service.remove(req.actor!, req.params.id);
    return reply.redirect(`/${type}?notice=deleted`, 303);
  });

  app.post<IdReq>(`/${type}/:id/restore`, { config: { permission: `${type}.delete` }, schema: { params: idParams, body: formSchema([]) } }, async (req, reply) => {
    await service.restore(req.actor!, req.params.id);
    return reply.redirect(`/${type}/${req.params.id}?notice=restored`, 303);
  });

  // ---- merge ----

  const mergeQuery = { type: 'object', additionalProperties: false, required: ['with'], properties: { with: { type: 'integer', minimum: 1, maximum: 2147483647 } } };

  async function renderMerge(req: FastifyRequest, reply: FastifyReply, keepId: number, otherId: number, extra: Record<string, unknown> = {}, code = 200) {
    const actor = req.actor!;
    const lookups = pageLookups(app, req);
    const [keep, other] = [await service.get(actor, keepId), await service.get(actor, otherId)];
    const fields = o.fields.filter((f) => o.mergeFields.includes(f.key));
    const show = valueShower(req.locale, lookups, fields, o.choices(req.locale));
    const keepValues = valuesFromRecord(fields, keep, req.company.timezone);
    const otherValues = valuesFromRecord(fields, other, req.company.timezone);
    const rows = await Promise.all(fields.map(async (f) => {
      const a = await show(f.key, keepValues[f.key]);
      const b = await show(f.key, otherValues[f.key]);
      // An empty field of the kept record is filled from the other one anyway (the service does).
      return { key: f.key, name: `pick_${f.key}`, label: o.label(req.locale, f.key), keep: a, merge: b, choice: a !== '' && b !== '' && a !== b, mergeFilled: a === '' && b !== '' };
    }));
    return reply.code(code).page('records/merge', {
      title: o.texts(req.locale).merge,
      recordType: type,
      keep,
      other,
      rows,
      keepTags: keep.tags,
      otherTags: other.tags,
      swapHref: `/${type}/${other.id}/merge?with=${keep.id}`,
      errors: {},
      ...extra,
    });
  }

  app.get<IdReq & { Querystring: { with: number } }>(`/${type}/:id/merge`, {
    config: { permission: `${type}.update` },
    schema: { params: idParams, querystring: mergeQuery },
  }, async (req, reply) => {
    await service.requireUpdatable(req.actor!, req.params.id);
    return renderMerge(req, reply, req.params.id, req.query.with);
  });

  app.post<IdReq>(`/${type}/:id/merge`, {
    config: { permission: `${type}.update` },
    schema: { params: idParams, body: formSchema(['merge_id', ...o.mergeFields.map((f) => `pick_${f}`)]) },
  }, async (req, reply) => {
    const body = req.body as Record<string, string | undefined>;
    const pick: Record<string, 'keep' | 'merge'> = {};
    for (const f of o.mergeFields) {
      const v = body[`pick_${f}`];
      if (v === 'keep' || v === 'merge') pick[f] = v;
    }
    const otherId = Number(body.merge_id);
    try {
      await service.merge(req.actor!, req.params.id, otherId, pick);
    } catch (err) {
      if (!(err instanceof ValidationError) || !Number.isInteger(otherId) || otherId < 1) throw err;
      return renderMerge(req, reply, req.params.id, otherId, { formError: err.message }, 400);
    }
    return reply.redirect(`/${type}/${req.params.id}?notice=merged`, 303);
  });
}
