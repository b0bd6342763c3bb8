// Lead pages: the list (with groups of the same company), the lead page (fields, score and its
// reasons, status, conversion into company + contact + deal, quick activity logging, timeline),
// the new-lead form, and the admins' page: the embeddable web form snippet, limits and fallback
// owner, routing and scoring rules, and the quarantine of held submissions.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can } from '../../access/scope';
import { idParams } from '../../lib/api-schemas';
import { ConflictError, ValidationError } from '../../lib/errors';
import { t } from '../../lib/i18n';
import type { ListQuery } from '../../lib/listing';
import { formSchema, handleForm, localizeFields } from '../../plugins/forms';
import { pruneEmptyQuery, toQuerystring } from '../../plugins/list-pages';
import { activityTypeChoices, labelOf, pageLookups, selectOptions } from '../records/page-support';
import { sharingSection } from '../shares/shares.pages';
import { CONDITION_OPS, LEAD_SOURCES, LEAD_STATUSES, ROUTABLE_FIELDS, ROUTING_ACTIONS } from './leads.schemas';

const LEAD_FIELDS = ['name', 'company_name', 'phone', 'email', 'source', 'message', 'region', 'industry', 'consent'];
const QUICK_LOG_FIELDS = ['type', 'subject', 'outcome'];

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: [...LEAD_STATUSES] },
    source: { type: 'string', enum: [...LEAD_SOURCES] },
    owner_id: { type: 'integer', minimum: 1 },
    q: { type: 'string', maxLength: 100 },
    sort: { type: 'string', enum: ['-created_at', 'created_at', '-score', 'score', 'name'] },
    cursor: { type: 'string', maxLength: 500 },
  },
} as const;

const twoIds = { type: 'object', additionalProperties: false, required: ['id'], properties: { id: idParams.properties.id } } as const;

export default async function leadsPages(app: FastifyInstance): Promise<void> {
  const { leads, webLeads, activities, timeline } = app.services;
  type IdReq = { Params: { id: number } };
  const label = (req: FastifyRequest, key: string) => t(req.locale, `leads.fields.${key}`);

  app.get('/leads', { config: { permission: 'leads.read' }, preValidation: pruneEmptyQuery, schema: { querystring: listQuery } }, async (req, reply) => {
    const actor = req.actor!;
    const q = req.query as { status?: string; source?: string; owner_id?: number; q?: string; sort?: string; cursor?: string };
    const lookups = pageLookups(app, req);
    const filter: NonNullable<ListQuery['filter']> = {};
    if (q.status) filter.status = q.status;
    if (q.source) filter.source = q.source;
    if (q.owner_id) filter.owner_id = String(q.owner_id);
    const page = await leads.list(actor, { filter, q: q.q, sort: q.sort ?? '-created_at', cursor: q.cursor, limit: 50 });
    const groups = await leads.groups(actor);
    const base = { status: q.status, source: q.source, owner_id: q.owner_id, q: q.q };
    return reply.page('leads/list', {
      title: t(req.locale, 'leads.title'),
      rows: await Promise.all(page.data.map(async (l) => ({ ...l, ownerName: await lookups.userName(l.owner_id), statusLabel: t(req.locale, `leads.statuses.${String(l.status)}`), sourceLabel: t(req.locale, `leads.sources.${String(l.source)}`) }))),
      groups,
      statusOptions: selectOptions(LEAD_STATUSES.map((s) => ({ value: s, label: t(req.locale, `leads.statuses.${s}`) })), q.status ?? ''),
      sourceOptions: selectOptions(LEAD_SOURCES.map((s) => ({ value: s, label: t(req.locale, `leads.sources.${s}`) })), q.source ?? ''),
      ownerOptions: selectOptions(await lookups.userChoices(), q.owner_id ? String(q.owner_id) : ''),
      qValue: q.q ?? '',
      sorts: { score: `/leads?${toQuerystring({ ...base, sort: q.sort === '-score' ? 'score' : '-score' })}`, created_at: `/leads?${toQuerystring({ ...base, sort: q.sort === '-created_at' ? 'created_at' : '-created_at' })}` },
      next: page.next_cursor ? `/leads?${toQuerystring({ ...base, sort: q.sort, cursor: page.next_cursor })}` : null,
      canCreate: can(actor, 'leads', 'create'),
      canAdmin: can(actor, 'pipelines', 'update'),
    });
  });

  const formData = (req: FastifyRequest, values: Record<string, string>, edit?: number) => ({
    title: t(req.locale, edit ? 'leads.edit' : 'leads.new'),
    action: edit ? `/leads/${edit}` : '/leads',
    isEdit: Boolean(edit),
    values,
    errors: {},
    sourceOptions: selectOptions(LEAD_SOURCES.map((s) => ({ value: s, label: t(req.locale, `leads.sources.${s}`) })), values.source || 'phone_in'),
  });

  app.get('/leads/new', { config: { permission: 'leads.create' } }, async (req, reply) => reply.page('leads/form', formData(req, {})));

  app.post('/leads', { config: { permission: 'leads.create' }, schema: { body: formSchema(LEAD_FIELDS) } }, async (req, reply) => {
    const body = req.body as Record<string, string>;
    await handleForm(reply, 'leads/form', formData(req, body), async () => {
      const v = (k: string) => (body[k] ?? '').trim() || null;
      const lead = await leads.create(req.actor!, { name: v('name') ?? '', company_name: v('company_name'), phone: v('phone'), email: v('email'), source: body.source || 'phone_in', message: v('message'), region: v('region'), industry: v('industry'), consent: body.consent === 'yes' });
      await reply.redirect(`/leads/${lead.id}?notice=created`, 303);
    });
  });

  app.get<IdReq>('/leads/:id/edit', { config: { permission: 'leads.update' }, schema: { params: idParams } }, async (req, reply) => {
    await leads.requireUpdatable(req.actor!, req.params.id);
    const l = await leads.get(req.actor!, req.params.id);
    const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));
    const values = Object.fromEntries([...LEAD_FIELDS.filter((f) => f !== 'consent').map((f) => [f, str(l[f])]), ['consent', l.consent ? 'yes' : ''], ['version', str(l.version)]]);
    return reply.page('leads/form', formData(req, values, l.id));
  });

  app.post<IdReq>('/leads/:id', { config: { permission: 'leads.update' }, schema: { params: idParams, body: formSchema([...LEAD_FIELDS, 'version']) } }, async (req, reply) => {
    const body = req.body as Record<string, string>;
    await handleForm(reply, 'leads/form', formData(req, body, req.params.id), async () => {
      const v = (k: string) => (body[k] ?? '').trim() || null;
      await leads.update(req.actor!, req.params.id, { name: v('name') ?? '', company_name: v('company_name'), phone: v('phone'), email: v('email'), source: body.source || 'phone_in', message: v('message'), region: v('region'), industry: v('industry'), consent: body.consent === 'yes', version: Number(body.version) });
      await reply.redirect(`/leads/${req.params.id}?notice=saved`, 303);
    });
  });

  async function renderShow(req: FastifyRequest, reply: FastifyReply, id: number, extra: Record<string, unknown> = {}, code = 200): Promise<void> {
    const actor = req.actor!;
    const lookups = pageLookups(app, req);
    const lead = await leads.get(actor, id);
    const items = await timeline.timeline(actor, 'leads', id, { limit: 50 });
    const types = activityTypeChoices(req.locale);
    const company = lead.converted_company_id ? await lookups.recordName({ type: 'companies', id: lead.converted_company_id as number }) : null;
    // Other open inquiries from the same company (by the normalised name): merge candidates.
    const sameCompany = await leads.sameCompany(actor, id);
    await reply.code(code).page('leads/show', {
      title: String(lead.name),
      record: lead,
      statusLabel: t(req.locale, `leads.statuses.${String(lead.status)}`),
      sourceLabel: t(req.locale, `leads.sources.${String(lead.source)}`),
      ownerName: await lookups.userName(lead.owner_id),
      reasons: (lead.score_reasons as Array<{ label: string; points: number }> | null) ?? [],
      statusOptions: selectOptions(LEAD_STATUSES.filter((s) => s !== 'qualified').map((s) => ({ value: s, label: t(req.locale, `leads.statuses.${s}`) })), String(lead.status)),
      companyOptions: can(actor, 'companies', 'read') ? await lookups.companyChoices() : [],
      convertedCompany: company,
      sameCompany,
      timeline: items.data.map((i) => ({ ...i, [i.kind]: true, typeLabel: i.kind === 'activities' ? labelOf(types, i.record.type) : null })),
      activityTypes: types,
      quick: { values: { type: 'call' }, errors: {} },
      recordType: 'leads',
      sharing: await sharingSection(app, req, 'leads', id),
      can: { update: can(actor, 'leads', 'update'), log: can(actor, 'activities', 'create'), convert: can(actor, 'leads', 'update') && can(actor, 'companies', 'create') && can(actor, 'contacts', 'create') && !lead.converted_at },
      ...extra,
    });
  }

  app.get<IdReq>('/leads/:id', {
    config: { permission: 'leads.read' },
    schema: { params: idParams, querystring: { type: 'object', additionalProperties: false, properties: { notice: { type: 'string', enum: ['created', 'saved', 'logged', 'converted', 'merged', 'shared', 'unshared', 'share_invalid'] } } } },
  }, async (req, reply) => renderShow(req, reply, req.params.id, { notice: (req.query as { notice?: string }).notice }));

  app.post<IdReq>('/leads/:id/status', { config: { permission: 'leads.update' }, schema: { params: idParams, body: formSchema(['status', 'disqualified_reason', 'version']) } }, async (req, reply) => {
    const body = req.body as Record<string, string | undefined>;
    try {
      await leads.update(req.actor!, req.params.id, { status: body.status, ...(body.disqualified_reason?.trim() ? { disqualified_reason: body.disqualified_reason.trim() } : {}), version: Number(body.version) });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderShow(req, reply, req.params.id, { formError: Object.values(localizeFields(req.locale, err.fields)).join('; ') || err.message }, 400);
    }
    return reply.redirect(`/leads/${req.params.id}?notice=saved`, 303);
  });

  app.post<IdReq>('/leads/:id/convert', { config: { permission: 'leads.update' }, schema: { params: idParams, body: formSchema(['company_id', 'allow_duplicate', 'create_deal', 'deal_name', 'amount']) } }, async (req, reply) => {
    const body = req.body as Record<string, string | undefined>;
    const amount = (body.amount ?? '').replace(/[,\s]/g, '');
    try {
      await leads.convert(req.actor!, req.params.id, {
        ...(body.company_id ? { company_id: Number(body.company_id) } : {}),
        ...(body.allow_duplicate === 'yes' ? { allow_duplicate: true } : {}),
        create_deal: body.create_deal !== 'no',
        deal: { ...(body.deal_name?.trim() ? { name: body.deal_name.trim() } : {}), ...(/^\d+(\.\d+)?$/.test(amount) ? { amount: Math.round(Number(amount) * 100) } : {}) },
      });
    } catch (err) {
      if (!(err instanceof ValidationError) && !(err instanceof ConflictError)) throw err;
      const duplicates = err instanceof ConflictError ? ((err.current as { duplicates?: Array<{ id: number; name: string; visible: boolean }> } | undefined)?.duplicates ?? []) : [];
      const message = err instanceof ValidationError ? Object.values(localizeFields(req.locale, err.fields)).join('; ') || err.message : err.code === 'duplicate' ? t(req.locale, 'leads.duplicate_company') : err.message;
      return renderShow(req, reply, req.params.id, { formError: message, duplicates: duplicates.filter((d) => d.visible) }, err instanceof ValidationError ? 400 : 409);
    }
    return reply.redirect(`/leads/${req.params.id}?notice=converted`, 303);
  });

  app.post<IdReq>('/leads/:id/merge', { config: { permission: 'leads.update' }, schema: { params: idParams, body: formSchema(['merge_id']) } }, async (req, reply) => {
    const body = req.body as Record<string, string | undefined>;
    try {
      await leads.merge(req.actor!, req.params.id, { merge_id: Number(body.merge_id) });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderShow(req, reply, req.params.id, { formError: Object.values(localizeFields(req.locale, err.fields)).join('; ') || err.message }, 400);
    }
    return reply.redirect(`/leads/${req.params.id}?notice=merged`, 303);
  });

  app.post<IdReq>('/leads/:id/log', { config: { permission: 'activities.create' }, schema: { params: idParams, body: formSchema(QUICK_LOG_FIELDS) } }, async (req, reply) => {
    const body = req.body as Record<string, string | undefined>;
    await leads.get(req.actor!, req.params.id);
    try {
      await activities.create(req.actor!, { type: body.type || 'call', subject: body.subject ?? '', outcome: body.outcome || null, lead_id: req.params.id } as Parameters<typeof activities.create>[1]);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderShow(req, reply, req.params.id, { quick: { values: body, errors: localizeFields(req.locale, err.fields) } }, 400);
    }
    await leads.rescore(req.actor!, req.params.id);
    return reply.redirect(`/leads/${req.params.id}?notice=logged`, 303);
  });

  // ---- admins: the web form, limits, rules, quarantine ----

  async function adminData(req: FastifyRequest, extra: Record<string, unknown> = {}) {
    const actor = req.actor!;
    const lookups = pageLookups(app, req);
    const settings = await leads.settings();
    // The address the admin reached this page at: the one a website's visitors can reach too.
    const base = req.headers.host ? `${req.protocol}://${req.headers.host}` : app.core.config.baseUrl.replace(/\/$/, '');
    const snippet = [
      `<form method="post" action="${base}/forms/lead" accept-charset="utf-8">`,
      `  <label>${t(req.locale, 'leads.fields.name')} <input name="name" required maxlength="200"></label>`,
      `  <label>${t(req.locale, 'leads.fields.company_name')} <input name="company_name" maxlength="200"></label>`,
      `  <label>${t(req.locale, 'leads.fields.phone')} <input name="phone" type="tel" maxlength="50"></label>`,
      `  <label>${t(req.locale, 'leads.fields.email')} <input name="email" type="email" maxlength="254"></label>`,
      `  <label>${t(req.locale, 'leads.fields.message')} <textarea name="message" maxlength="5000"></textarea></label>`,
      `  <label><input type="checkbox" name="consent" value="yes"> ${t(req.locale, 'leads.web.consent')}</label>`,
      `  <input type="hidden" name="consent_text" value="${t(req.locale, 'leads.web.consent')}">`,
      '  <!-- leave empty: people never see this field, robots fill it in -->',
      '  <input name="website" tabindex="-1" autocomplete="off" style="position:absolute;left:-9999px" aria-hidden="true">',
      `  <button type="submit">${t(req.locale, 'leads.web.send')}</button>`,
      '</form>',
    ].join('\n');
    const users = await lookups.userChoices();
    const teams = await lookups.teamChoices();
    return {
      title: t(req.locale, 'leads.admin_title'),
      snippet,
      settings,
      fallbackOptions: selectOptions(users, settings.fallback_user_id ? String(settings.fallback_user_id) : ''),
      overLimitOptions: selectOptions(['quarantine', 'refuse'].map((v) => ({ value: v, label: t(req.locale, `leads.over_limit_${v}`) })), settings.over_limit),
      rules: (await leads.routingRules(actor)).map((r) => ({ ...r, summary: r.conditions.map((c) => `${c.field} ${c.op} ${c.value ?? ''}`).join(' & ') || '*', actionLabel: t(req.locale, `leads.actions.${r.action}`) })),
      scoring: await leads.scoringRules(actor),
      submissions: (await webLeads.quarantine(actor)).map((s) => ({ ...s, summary: [s.payload.name, s.payload.email, s.payload.phone].filter(Boolean).join(' · ') })),
      fieldOptions: ROUTABLE_FIELDS.map((f) => ({ value: f, label: t(req.locale, `leads.fields.${f}`) })),
      opOptions: CONDITION_OPS.map((o) => ({ value: o, label: t(req.locale, `leads.ops.${o}`) })),
      actionOptions: ROUTING_ACTIONS.map((a) => ({ value: a, label: t(req.locale, `leads.actions.${a}`) })),
      userOptions: users,
      teamOptions: teams,
      errors: {},
      ...extra,
    };
  }

  app.get('/admin/leads', { config: { permission: 'pipelines.update' }, schema: { querystring: { type: 'object', additionalProperties: false, properties: { notice: { type: 'string', enum: ['saved', 'released', 'discarded'] } } } } }, async (req, reply) =>
    reply.page('leads/admin', await adminData(req, { notice: (req.query as { notice?: string }).notice })));

  app.post('/admin/leads/settings', { config: { permission: 'pipelines.update' }, schema: { body: formSchema(['fallback_user_id', 'per_address_per_hour', 'global_per_minute', 'over_limit', 'thank_you_text']) } }, async (req, reply) => {
    const body = req.body as Record<string, string | undefined>;
    const int = (v: string | undefined) => (v && /^\d+$/.test(v.trim()) ? Number(v.trim()) : v);
    await handleForm(reply, 'leads/admin', await adminData(req), async () => {
      await leads.updateSettings(req.actor!, {
        fallback_user_id: body.fallback_user_id ? Number(body.fallback_user_id) : null,
        per_address_per_hour: int(body.per_address_per_hour) as number,
        global_per_minute: int(body.global_per_minute) as number,
        over_limit: body.over_limit as 'quarantine',
        thank_you_text: body.thank_you_text?.trim() || null,
      });
      await reply.redirect('/admin/leads?notice=saved', 303);
    });
  });

  app.post('/admin/leads/routing-rules', { config: { permission: 'pipelines.update' }, schema: { body: formSchema(['name', 'field', 'op', 'value', 'action', 'user_id', 'team_id']) } }, async (req, reply) => {
    const body = req.body as Record<string, string | undefined>;
    await handleForm(reply, 'leads/admin', await adminData(req), async () => {
      await leads.createRoutingRule(req.actor!, {
        name: body.name ?? '', action: body.action ?? '',
        conditions: body.field ? [{ field: body.field, op: body.op || 'eq', value: body.value ?? null }] : [],
        ...(body.user_id ? { user_id: Number(body.user_id) } : {}),
        ...(body.team_id ? { team_id: Number(body.team_id) } : {}),
      });
      await reply.redirect('/admin/leads?notice=saved', 303);
    });
  });

  app.post<IdReq>('/admin/leads/routing-rules/:id/delete', { config: { permission: 'pipelines.update' }, schema: { params: twoIds, body: formSchema([]) } }, async (req, reply) => {
    await leads.removeRoutingRule(req.actor!, req.params.id);
    return reply.redirect('/admin/leads?notice=saved', 303);
  });

  app.post('/admin/leads/scoring-rules', { config: { permission: 'pipelines.update' }, schema: { body: formSchema(['kind', 'label', 'field', 'op', 'value', 'points', 'half_life_days']) } }, async (req, reply) => {
    const body = req.body as Record<string, string | undefined>;
    const int = (v: string | undefined) => (v && /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : v || null);
    await handleForm(reply, 'leads/admin', await adminData(req), async () => {
      await leads.createScoringRule(req.actor!, {
        kind: body.kind ?? 'field', label: body.label ?? '', points: int(body.points),
        ...(body.kind === 'behaviour' ? { half_life_days: int(body.half_life_days) } : { field: body.field || null, op: body.op || 'eq', value: body.value || null }),
      });
      await reply.redirect('/admin/leads?notice=saved', 303);
    });
  });

  for (const decision of ['release', 'discard'] as const) {
    app.post<IdReq>(`/admin/leads/submissions/:id/${decision}`, { config: { permission: 'pipelines.update' }, schema: { params: twoIds, body: formSchema([]) } }, async (req, reply) => {
      await webLeads.decide(req.actor!, req.params.id, decision);
      return reply.redirect(`/admin/leads?notice=${decision === 'release' ? 'released' : 'discarded'}`, 303);
    });
  }

}
