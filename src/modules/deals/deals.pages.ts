// Deal pages: the board (a column per stage with its count and totals, cards that drag between
// columns through public/js/board.js and a plain move form that works without JavaScript), the
// list, the deal page (fields, stage progress, a timeline of activities and stage changes, quick
// activity logging), the deal form, and the pipeline settings page for admins.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { levelOf } from '../../access/catalog';
import { can } from '../../access/scope';
import { idParams } from '../../lib/api-schemas';
import { ConflictError, ValidationError } from '../../lib/errors';
import { t, type Locale } from '../../lib/i18n';
import type { ListQuery } from '../../lib/listing';
import { zonedToUtc } from '../../lib/time';
import { formSchema, handleForm, listField, localizeFields } from '../../plugins/forms';
import { pruneEmptyQuery, safeBack, toQuerystring } from '../../plugins/list-pages';
import { activityTypeChoices, labelOf, pageLookups, selectOptions, type PageLookups } from '../records/page-support';
import { sharingSection } from '../shares/shares.pages';
import type { Pipeline } from '../pipelines';
import { columnOrder } from './deals.service';
import { REQUIRABLE_FIELDS } from '../pipelines/pipelines.schemas';

const DEAL_FORM_FIELDS = ['name', 'company_id', 'contact_ids', 'amount', 'currency', 'expected_close_date', 'probability', 'next_step', 'notes', 'pipeline_id', 'owner_id', 'version'];
const MOVE_FIELDS = ['stage_id', 'version', 'lost_reason_id', 'lost_note', 'back'];
const QUICK_LOG_FIELDS = ['type', 'subject', 'outcome', 'next_step', 'next_step_at'];
const STAGE_FIELDS = ['name_zh', 'name_en', 'probability', 'expected_days', 'required_fields', 'version'];

/** Digits after the decimal point of a currency (2 for CNY, 0 for JPY). */
const digitsOf = (currency: string) => new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;

/** "12,000.50" → 1200050 minor units; text that is no amount goes to the service as is (a field error). */
export function toMinor(text: string | undefined, currency: string): number | null | string {
  const clean = (text ?? '').replace(/[,\s，]/g, '');
  if (clean === '') return null;
  if (!/^\d+(\.\d+)?$/.test(clean)) return text as string;
  return Math.round(Number(clean) * 10 ** digitsOf(currency));
}
const fromMinor = (minor: number | null | undefined, currency: string) => (minor === null || minor === undefined ? '' : (minor / 10 ** digitsOf(currency)).toFixed(digitsOf(currency)));

const boardQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    pipeline_id: { type: 'integer', minimum: 1 },
    owner_id: { type: 'integer', minimum: 1 },
    team_id: { type: 'integer', minimum: 1 },
    close_from: { type: 'string', format: 'date' },
    close_to: { type: 'string', format: 'date' },
    notice: { type: 'string', enum: ['moved', 'move_refused'] },
    error: { type: 'string', maxLength: 500 },
  },
} as const;

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    pipeline_id: { type: 'integer', minimum: 1 },
    stage_id: { type: 'integer', minimum: 1 },
    owner_id: { type: 'integer', minimum: 1 },
    team_id: { type: 'integer', minimum: 1 },
    close_from: { type: 'string', format: 'date' },
    close_to: { type: 'string', format: 'date' },
    status: { type: 'string', enum: ['open', 'won', 'lost'] },
    q: { type: 'string', maxLength: 100 },
    // stage_entered_at: a board column's order, for its "more" link.
    sort: { type: 'string', enum: ['name', '-name', 'amount', '-amount', 'expected_close_date', '-expected_close_date', 'updated_at', '-updated_at', 'stage_entered_at', '-stage_entered_at'] },
    cursor: { type: 'string', maxLength: 500 },
  },
} as const;

type BoardQuery = { pipeline_id?: number; owner_id?: number; team_id?: number; close_from?: string; close_to?: string; notice?: string; error?: string };
type ListPageQuery = { pipeline_id?: number; stage_id?: number; owner_id?: number; team_id?: number; close_from?: string; close_to?: string; status?: string; q?: string; sort?: string; cursor?: string };

/** The filters the board and the list share (owner, team, expected close date) as a list filter. */
function sharedFilter(q: { owner_id?: number; team_id?: number; close_from?: string; close_to?: string }): NonNullable<ListQuery['filter']> {
  const filter: NonNullable<ListQuery['filter']> = {};
  if (q.owner_id) filter.owner_id = String(q.owner_id);
  if (q.team_id) filter.team_id = String(q.team_id);
  if (q.close_from || q.close_to) filter.expected_close_date = { ...(q.close_from ? { gte: q.close_from } : {}), ...(q.close_to ? { lte: q.close_to } : {}) };
  return filter;
}

export default async function dealsPages(app: FastifyInstance): Promise<void> {
  const { deals, pipelines, activities, timeline } = app.services;
  type IdReq = { Params: { id: number } };

  const fieldLabel = (locale: Locale, key: string) => t(locale, `deals.fields.${key}`);

  async function pipelineOf(req: FastifyRequest, id?: number): Promise<{ pipeline: Pipeline; all: Pipeline[] }> {
    const all = await pipelines.list(req.actor!);
    const pipeline = (id ? all.find((p) => p.id === id) : null) ?? all.find((p) => p.is_default) ?? all[0];
    return { pipeline, all };
  }

  /** The move control's options: every other stage, and the active lost reasons. */
  async function moveOptions(req: FastifyRequest, pipeline: Pipeline) {
    const reasons = await pipelines.lostReasons(req.actor!);
    return {
      stages: pipeline.stages.map((s) => ({ value: String(s.id), label: s.name, kind: s.kind })),
      lostReasons: reasons.map((r) => ({ value: String(r.id), label: r.name })),
    };
  }

  // ---- the board ----

  app.get('/deals/board', { config: { permission: 'deals.read' }, preValidation: pruneEmptyQuery, schema: { querystring: boardQuery } }, async (req, reply) => {
    const actor = req.actor!;
    const q = req.query as BoardQuery;
    const lookups = pageLookups(app, req);
    const { pipeline, all } = await pipelineOf(req, q.pipeline_id);
    const filter = sharedFilter(q);
    const board = await deals.board(actor, pipeline.id, { filter, limit: 20 }, pipeline);
    const canMove = can(actor, 'deals', 'update');
    // Someone who sees only their own deals (no deal shared with them) has no owner to filter by
    // and owns every card: neither the user list nor a name per card is looked up.
    const ownOnly = levelOf(actor.permissions, 'deals', 'read') === 'own' && !actor.sharedTypes.includes('deals');
    const ownerNames = ownOnly ? null : new Map((await lookups.users()).map((u) => [u.id, u.name]));
    const ownerName = (id: number) => (ownOnly ? actor.name : (ownerNames!.get(id) ?? `#${id}`));
    const columns = board.columns.map((c) => ({
      stage: c.stage,
      count: c.count,
      totals: c.totals,
      // Without JavaScript, "more" is the list of the column's deals with the board's filters, in the column's order.
      more: c.next_cursor ? { cursor: c.next_cursor, href: `/deals?${toQuerystring({ pipeline_id: pipeline.id, stage_id: c.stage.id, owner_id: q.owner_id, team_id: q.team_id, close_from: q.close_from, close_to: q.close_to, sort: columnOrder(c.stage) })}` } : null,
      cards: c.cards.map((card) => ({ ...card, ownerName: ownerName(card.owner_id) })),
    }));
    return reply.page('deals/board', {
      title: t(req.locale, 'deals.board'),
      pipeline,
      pipelineOptions: selectOptions(all.map((p) => ({ value: String(p.id), label: p.name })), String(pipeline.id)),
      ownerOptions: ownOnly ? null : selectOptions(await lookups.userChoices(), q.owner_id ? String(q.owner_id) : ''),
      teamOptions: selectOptions(await lookups.teamChoices(), q.team_id ? String(q.team_id) : ''),
      closeFrom: q.close_from ?? '',
      closeTo: q.close_to ?? '',
      columns,
      lostStageIds: pipeline.stages.filter((s) => s.kind === 'lost').map((s) => s.id).join(','),
      // The same filters in the API's shape, for board.js's "more cards".
      apiFilters: toQuerystring({ 'filter[owner_id]': q.owner_id, 'filter[team_id]': q.team_id, 'filter[expected_close_date][gte]': q.close_from, 'filter[expected_close_date][lte]': q.close_to }),
      canMove,
      canCreate: can(actor, 'deals', 'create'),
      notice: q.notice,
      formError: q.error ?? null,
      scripts: { board: true },
    });
  });

  /** The plain move control (board cards and the deal page); refusals go back with the reason. */
  app.post<IdReq>('/deals/:id/move', { config: { permission: 'deals.update' }, schema: { params: idParams, body: formSchema(MOVE_FIELDS) } }, async (req, reply) => {
    const body = req.body as Record<string, string | undefined>;
    const back = safeBack(body.back, `/deals/${req.params.id}`);
    const join = back.includes('?') ? '&' : '?';
    try {
      await deals.move(req.actor!, req.params.id, {
        stage_id: Number(body.stage_id),
        version: Number(body.version),
        ...(body.lost_reason_id ? { lost_reason_id: Number(body.lost_reason_id) } : {}),
        ...(body.lost_note ? { lost_note: body.lost_note } : {}),
      });
    } catch (err) {
      if (!(err instanceof ValidationError) && !(err instanceof ConflictError)) throw err;
      const fields = err instanceof ValidationError ? localizeFields(req.locale, err.fields) : {};
      const missing = Object.keys(fields).map((f) => `${fieldLabel(req.locale, f)}: ${fields[f]}`).join('; ');
      const message = `${t(req.locale, 'deals.move_failed')}${missing ? ` ${missing}` : ` ${(err as Error).message}`}`;
      return reply.redirect(`${back}${join}${toQuerystring({ notice: 'move_refused', error: message.slice(0, 480) })}`, 303);
    }
    return reply.redirect(`${back}${join}notice=moved`, 303);
  });

  // ---- the list ----

  app.get('/deals', { config: { permission: 'deals.read' }, preValidation: pruneEmptyQuery, schema: { querystring: listQuery } }, async (req, reply) => {
    const actor = req.actor!;
    const q = req.query as ListPageQuery;
    const lookups = pageLookups(app, req);
    const filter = sharedFilter(q);
    if (q.pipeline_id) filter.pipeline_id = String(q.pipeline_id);
    if (q.stage_id) filter.stage_id = String(q.stage_id);
    if (q.status) filter.status = q.status;
    const page = await deals.list(actor, { filter, q: q.q, sort: q.sort ?? '-updated_at', cursor: q.cursor, limit: 50 });
    const all = await pipelines.list(actor);
    const stages = new Map(all.flatMap((p) => p.stages.map((s) => [s.id, s] as const)));
    const names = await app.services.companies.names(actor, page.data.map((d) => d.company_id as number).filter(Boolean));
    const base = { pipeline_id: q.pipeline_id, stage_id: q.stage_id, owner_id: q.owner_id, team_id: q.team_id, close_from: q.close_from, close_to: q.close_to, status: q.status, q: q.q };
    const sortLink = (key: string) => `/deals?${toQuerystring({ ...base, sort: q.sort === key ? `-${key}` : key })}`;
    return reply.page('deals/list', {
      title: t(req.locale, 'deals.title'),
      rows: await Promise.all(page.data.map(async (d) => ({
        ...d,
        stageName: stages.get(d.stage_id as number)?.name ?? '',
        companyName: d.company_id ? (names.get(d.company_id as number) ?? '') : '',
        ownerName: await lookups.userName(d.owner_id),
        probabilityShown: (d.probability as number | null) ?? stages.get(d.stage_id as number)?.probability ?? null,
      }))),
      pipelineOptions: selectOptions(all.map((p) => ({ value: String(p.id), label: p.name })), q.pipeline_id ? String(q.pipeline_id) : ''),
      stageOptions: selectOptions([...stages.values()].map((s) => ({ value: String(s.id), label: s.name })), q.stage_id ? String(q.stage_id) : ''),
      ownerOptions: selectOptions(await lookups.userChoices(), q.owner_id ? String(q.owner_id) : ''),
      teamOptions: selectOptions(await lookups.teamChoices(), q.team_id ? String(q.team_id) : ''),
      closeFrom: q.close_from ?? '',
      closeTo: q.close_to ?? '',
      statusOptions: selectOptions(['open', 'won', 'lost'].map((s) => ({ value: s, label: t(req.locale, `deals.statuses.${s}`) })), q.status ?? ''),
      qValue: q.q ?? '',
      sorts: { name: sortLink('name'), amount: sortLink('amount'), expected_close_date: sortLink('expected_close_date'), updated_at: sortLink('updated_at') },
      next: page.next_cursor ? `/deals?${toQuerystring({ ...base, sort: q.sort, cursor: page.next_cursor })}` : null,
      canCreate: can(actor, 'deals', 'create'),
    });
  });

  // ---- the form ----

  async function formData(req: FastifyRequest, lookups: PageLookups, values: Record<string, string | string[]>, extra: Record<string, unknown>) {
    const actor = req.actor!;
    const all = await pipelines.list(actor);
    const contactIds = listField(values.contact_ids);
    return {
      values,
      errors: {},
      companyOptions: selectOptions(await lookups.companyChoices(values.company_id), String(values.company_id ?? '')),
      contactOptions: (await lookups.contactChoices()).map((c) => ({ ...c, selected: contactIds.includes(c.value) })),
      pipelineOptions: selectOptions(all.map((p) => ({ value: String(p.id), label: p.name })), String(values.pipeline_id ?? '')),
      owners: can(actor, 'deals', 'assign') ? selectOptions(await lookups.userChoices(values.owner_id), String(values.owner_id || actor.userId)) : null,
      ...extra,
    };
  }

  function inputFrom(req: FastifyRequest, body: Record<string, unknown>, mode: 'create' | 'update'): Record<string, unknown> {
    const currency = String(body.currency || req.company?.currency || 'CNY').toUpperCase();
    const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string).trim() : '');
    const out: Record<string, unknown> = {
      name: str('name'),
      company_id: str('company_id') ? Number(str('company_id')) : null,
      contact_ids: listField(body.contact_ids).map(Number),
      amount: toMinor(str('amount'), currency),
      currency,
      expected_close_date: str('expected_close_date') || null,
      probability: str('probability') === '' ? null : Number(str('probability')),
      next_step: str('next_step') || null,
      notes: str('notes') || null,
    };
    if (str('owner_id')) out.owner_id = Number(str('owner_id'));
    if (mode === 'create' && str('pipeline_id')) out.pipeline_id = Number(str('pipeline_id'));
    if (mode === 'update') out.version = Number(str('version'));
    return out;
  }

  app.get('/deals/new', { config: { permission: 'deals.create' }, schema: { querystring: { type: 'object', additionalProperties: false, properties: { company_id: { type: 'integer', minimum: 1 } } } } }, async (req, reply) => {
    const q = req.query as { company_id?: number };
    const values = { currency: req.company?.currency ?? 'CNY', company_id: q.company_id ? String(q.company_id) : '' };
    return reply.page('deals/form', await formData(req, pageLookups(app, req), values, { title: t(req.locale, 'deals.new'), isNew: true, action: '/deals' }));
  });

  app.post('/deals', { config: { permission: 'deals.create' }, schema: { body: formSchema(DEAL_FORM_FIELDS.filter((f) => f !== 'contact_ids' && f !== 'notes'), ['contact_ids'], ['notes']) } }, async (req, reply) => {
    const body = req.body as Record<string, string>;
    const data = await formData(req, pageLookups(app, req), body, { title: t(req.locale, 'deals.new'), isNew: true, action: '/deals' });
    await handleForm(reply, 'deals/form', data, async () => {
      const deal = await deals.create(req.actor!, inputFrom(req, body, 'create'));
      await reply.redirect(`/deals/${deal.id}?notice=created`, 303);
    });
  });

  app.get<IdReq>('/deals/:id/edit', { config: { permission: 'deals.update' }, schema: { params: idParams } }, async (req, reply) => {
    await deals.requireUpdatable(req.actor!, req.params.id);
    const d = await deals.get(req.actor!, req.params.id);
    const values: Record<string, string | string[]> = {
      name: String(d.name), company_id: d.company_id ? String(d.company_id) : '', contact_ids: (d.contact_ids as number[]).map(String),
      amount: fromMinor(d.amount as number | null, String(d.currency)), currency: String(d.currency), expected_close_date: (d.expected_close_date as string) ?? '',
      probability: d.probability === null ? '' : String(d.probability), next_step: (d.next_step as string) ?? '', notes: (d.notes as string) ?? '',
      owner_id: String(d.owner_id), version: String(d.version),
    };
    return reply.page('deals/form', await formData(req, pageLookups(app, req), values, { title: t(req.locale, 'deals.edit'), action: `/deals/${d.id}`, dealId: d.id }));
  });

  app.post<IdReq>('/deals/:id', { config: { permission: 'deals.update' }, schema: { params: idParams, body: formSchema(DEAL_FORM_FIELDS.filter((f) => f !== 'contact_ids' && f !== 'notes'), ['contact_ids'], ['notes']) } }, async (req, reply) => {
    const body = req.body as Record<string, string>;
    const data = await formData(req, pageLookups(app, req), body, { title: t(req.locale, 'deals.edit'), action: `/deals/${req.params.id}`, dealId: req.params.id });
    await handleForm(reply, 'deals/form', data, async () => {
      await deals.update(req.actor!, req.params.id, inputFrom(req, body, 'update') as Record<string, unknown> & { version: number });
      await reply.redirect(`/deals/${req.params.id}?notice=saved`, 303);
    });
  });

  // ---- the deal page ----

  async function renderShow(req: FastifyRequest, reply: FastifyReply, id: number, extra: Record<string, unknown> = {}, code = 200): Promise<void> {
    const actor = req.actor!;
    const lookups = pageLookups(app, req);
    const deal = await deals.get(actor, id);
    const { pipeline } = await pipelineOf(req, deal.pipeline_id as number);
    const history = await deals.history(actor, id);
    const items = await timeline.timeline(actor, 'deals', id, { limit: 50 });
    const stages = new Map(pipeline.stages.map((s) => [s.id, s]));
    const types = activityTypeChoices(req.locale);
    const current = stages.get(deal.stage_id as number)!;
    const open = pipeline.stages.filter((s) => s.kind === 'open');
    const reached = current.kind === 'open' ? open.findIndex((s) => s.id === current.id) : open.length;
    const entries = [
      ...items.data.map((i) => ({ at: i.at, kind: i.kind, [i.kind]: true, id: i.id, record: i.record, typeLabel: i.kind === 'activities' ? labelOf(types, i.record.type) : null })),
      ...(await Promise.all(history.map(async (h) => ({
        at: h.at, kind: 'stage', stage: true, id: h.id,
        from: h.from_stage_id ? (stages.get(h.from_stage_id)?.name ?? '') : null, to: stages.get(h.to_stage_id)?.name ?? '', by: await lookups.userName(h.by),
      })))),
    ].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
    const options = await moveOptions(req, pipeline);
    const contactNames = await Promise.all((deal.contact_ids as number[]).map(async (cid) => ({ id: cid, name: await lookups.recordName({ type: 'contacts', id: cid }) })));
    await reply.code(code).page('deals/show', {
      title: String(deal.name),
      record: deal,
      pipeline,
      stage: current,
      progress: pipeline.stages.map((s, i) => ({ name: s.name, kind: s.kind, current: s.id === current.id, done: s.kind === 'open' && i < reached, end: s.kind !== 'open' })),
      probabilityShown: (deal.probability as number | null) ?? current.probability,
      companyName: deal.company_id ? await lookups.recordName({ type: 'companies', id: deal.company_id as number }) : null,
      contacts: contactNames.filter((c) => c.name),
      ownerName: await lookups.userName(deal.owner_id),
      lostReason: deal.lost_reason_id ? (await pipelines.lostReasons(actor, { all: true })).find((r) => r.id === deal.lost_reason_id)?.name : null,
      entries,
      // A card dropped on the lost column (board.js) opens this form with that stage chosen.
      otherStages: options.stages.filter((s) => s.value !== String(current.id)).map((s) => ({ ...s, selected: s.value === String(extra.moveTo ?? '') })),
      lostReasons: options.lostReasons,
      quick: { values: { type: 'call' }, errors: {} },
      activityTypes: types,
      can: { update: can(actor, 'deals', 'update'), log: can(actor, 'activities', 'create') },
      back: `/deals/${id}`,
      recordType: 'deals',
      sharing: await sharingSection(app, req, 'deals', id),
      ...extra,
    });
  }

  app.get<IdReq>('/deals/:id', {
    config: { permission: 'deals.read' },
    schema: { params: idParams, querystring: { type: 'object', additionalProperties: false, properties: { notice: { type: 'string', enum: ['created', 'saved', 'logged', 'moved', 'move_refused', 'shared', 'unshared', 'share_invalid'] }, error: { type: 'string', maxLength: 500 }, move_to: { type: 'integer', minimum: 1 } } } },
  }, async (req, reply) => {
    const q = req.query as { notice?: string; error?: string; move_to?: number };
    return renderShow(req, reply, req.params.id, { notice: q.notice, formError: q.error ?? null, moveTo: q.move_to });
  });

  /** Quick activity logging on the deal: the activities service with deal_id (it lands on the company too). */
  app.post<IdReq>('/deals/:id/log', { config: { permission: 'activities.create' }, schema: { params: idParams, body: formSchema(QUICK_LOG_FIELDS) } }, async (req, reply) => {
    const id = req.params.id;
    const body = req.body as Record<string, string | undefined>;
    await deals.get(req.actor!, id);
    const nextAt = body.next_step_at ? (zonedToUtc(`${body.next_step_at}T09:00`, req.company.timezone) ?? body.next_step_at) : null;
    try {
      await activities.create(req.actor!, { type: body.type || 'call', subject: body.subject ?? '', outcome: body.outcome || null, next_step: body.next_step || null, next_step_at: nextAt, deal_id: id } as Parameters<typeof activities.create>[1]);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderShow(req, reply, id, { quick: { values: body, errors: localizeFields(req.locale, err.fields), open: true } }, 400);
    }
    return reply.redirect(`/deals/${id}?notice=logged#timeline`, 303);
  });

  // ---- pipeline settings (admins) ----

  async function settingsData(req: FastifyRequest, extra: Record<string, unknown> = {}) {
    const all = await pipelines.list(req.actor!);
    return {
      title: t(req.locale, 'pipelines.title'),
      pipelines: all.map((p) => ({
        ...p,
        stages: p.stages.map((s) => ({ ...s, requirable: REQUIRABLE_FIELDS.map((f) => ({ value: f, label: fieldLabel(req.locale, f), checked: s.required_fields.includes(f) })) })),
      })),
      requirable: REQUIRABLE_FIELDS.map((f) => ({ value: f, label: fieldLabel(req.locale, f) })),
      lostReasons: await pipelines.lostReasons(req.actor!, { all: true }),
      errors: {},
      ...extra,
    };
  }
  const num = (v: string | undefined) => (v === undefined || v.trim() === '' ? null : /^\d+$/.test(v.trim()) ? Number(v.trim()) : v);
  const textOrNull = (v: string | undefined) => (v === undefined ? undefined : v.trim() || null);

  app.get('/admin/pipelines', { config: { permission: 'pipelines.update' }, schema: { querystring: { type: 'object', additionalProperties: false, properties: { notice: { type: 'string', enum: ['saved', 'created'] } } } } }, async (req, reply) =>
    reply.page('deals/pipelines', await settingsData(req, { notice: (req.query as { notice?: string }).notice })));

  app.post('/admin/pipelines', { config: { permission: 'pipelines.update' }, schema: { body: formSchema(['name_zh', 'name_en']) } }, async (req, reply) => {
    const body = req.body as Record<string, string | undefined>;
    await handleForm(reply, 'deals/pipelines', await settingsData(req), async () => {
      const input: Record<string, string> = {};
      if (body.name_zh?.trim()) input.name_zh = body.name_zh;
      if (body.name_en?.trim()) input.name_en = body.name_en;
      if (!Object.keys(input).length) throw ValidationError.field('name_zh', 'required', 'give the pipeline a name');
      await pipelines.create(req.actor!, input);
      await reply.redirect('/admin/pipelines?notice=created', 303);
    });
  });

  app.post<IdReq>('/admin/pipelines/:id/stages', { config: { permission: 'pipelines.update' }, schema: { params: idParams, body: formSchema(STAGE_FIELDS.filter((f) => f !== 'required_fields' && f !== 'version'), ['required_fields']) } }, async (req, reply) => {
    const body = req.body as Record<string, string | undefined>;
    await handleForm(reply, 'deals/pipelines', await settingsData(req), async () => {
      const input: Record<string, unknown> = { probability: num(body.probability) ?? 0, expected_days: num(body.expected_days), required_fields: listField(body.required_fields) };
      if (body.name_zh?.trim()) input.name_zh = body.name_zh;
      if (body.name_en?.trim()) input.name_en = body.name_en;
      if (!input.name_zh && !input.name_en) throw ValidationError.field('name_zh', 'required', 'give the stage a name');
      await pipelines.addStage(req.actor!, req.params.id, input as Parameters<typeof pipelines.addStage>[2]);
      await reply.redirect('/admin/pipelines?notice=saved', 303);
    });
  });

  app.post<{ Params: { id: number; stageId: number } }>('/admin/pipelines/:id/stages/:stageId', {
    config: { permission: 'pipelines.update' },
    schema: { params: { type: 'object', additionalProperties: false, required: ['id', 'stageId'], properties: { id: idParams.properties.id, stageId: idParams.properties.id } }, body: formSchema(STAGE_FIELDS.filter((f) => f !== 'required_fields'), ['required_fields']) },
  }, async (req, reply) => {
    const body = req.body as Record<string, string | undefined>;
    await handleForm(reply, 'deals/pipelines', await settingsData(req), async () => {
      await pipelines.updateStage(req.actor!, req.params.id, req.params.stageId, {
        name_zh: textOrNull(body.name_zh), name_en: textOrNull(body.name_en), probability: num(body.probability) ?? 0, expected_days: num(body.expected_days),
        required_fields: listField(body.required_fields), version: Number(body.version),
      } as Parameters<typeof pipelines.updateStage>[3]);
      await reply.redirect('/admin/pipelines?notice=saved', 303);
    });
  });

  const stageParams = { type: 'object', additionalProperties: false, required: ['id', 'stageId'], properties: { id: idParams.properties.id, stageId: idParams.properties.id } } as const;

  /** One step up or down among the open stages (the won and lost ends stay last). */
  app.post<{ Params: { id: number; stageId: number } }>('/admin/pipelines/:id/stages/:stageId/move', { config: { permission: 'pipelines.update' }, schema: { params: stageParams, body: formSchema(['direction']) } }, async (req, reply) => {
    const body = req.body as Record<string, string | undefined>;
    await handleForm(reply, 'deals/pipelines', await settingsData(req), async () => {
      const stages = (await pipelines.get(req.actor!, req.params.id)).stages;
      const ids = stages.map((s) => s.id);
      const i = ids.indexOf(req.params.stageId);
      const j = body.direction === 'up' ? i - 1 : i + 1;
      if (i >= 0 && j >= 0 && j < ids.length && stages[j].kind === 'open' && stages[i].kind === 'open') {
        [ids[i], ids[j]] = [ids[j], ids[i]];
        await pipelines.reorderStages(req.actor!, req.params.id, { stage_ids: ids });
      }
      await reply.redirect('/admin/pipelines?notice=saved', 303);
    });
  });

  app.post<{ Params: { id: number; stageId: number } }>('/admin/pipelines/:id/stages/:stageId/delete', { config: { permission: 'pipelines.update' }, schema: { params: stageParams, body: formSchema([]) } }, async (req, reply) => {
    await handleForm(reply, 'deals/pipelines', await settingsData(req), async () => {
      await pipelines.removeStage(req.actor!, req.params.id, req.params.stageId);
      await reply.redirect('/admin/pipelines?notice=saved', 303);
    });
  });

  app.post<IdReq>('/admin/lost-reasons/:id', { config: { permission: 'pipelines.update' }, schema: { params: idParams, body: formSchema(['active', 'version']) } }, async (req, reply) => {
    const body = req.body as Record<string, string | undefined>;
    await handleForm(reply, 'deals/pipelines', await settingsData(req), async () => {
      await pipelines.updateLostReason(req.actor!, req.params.id, { active: body.active === 'yes', version: Number(body.version) });
      await reply.redirect('/admin/pipelines?notice=saved', 303);
    });
  });

  app.post('/admin/lost-reasons', { config: { permission: 'pipelines.update' }, schema: { body: formSchema(['name_zh', 'name_en']) } }, async (req, reply) => {
    const body = req.body as Record<string, string | undefined>;
    await handleForm(reply, 'deals/pipelines', await settingsData(req), async () => {
      const input: Record<string, string> = {};
      if (body.name_zh?.trim()) input.name_zh = body.name_zh;
      if (body.name_en?.trim()) input.name_en = body.name_en;
      if (!Object.keys(input).length) throw ValidationError.field('name_zh', 'required', 'give the reason a name');
      await pipelines.createLostReason(req.actor!, input);
      await reply.redirect('/admin/pipelines?notice=saved', 303);
    });
  });

}
