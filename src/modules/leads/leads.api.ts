// /api/v1/leads (the record routes, conversion, merging, groups by company, timeline, rescoring),
// the admins' routing and scoring rules, lead settings and the web-to-lead quarantine, and the
// public web-to-lead form endpoint POST /forms/lead (no session, no CSRF token: other websites
// post to it), which answers a thank-you page or JSON.
import type { FastifyInstance } from 'fastify';
import { dataOf, emptyBody, idParams, listOf, responses } from '../../lib/api-schemas';
import { t } from '../../lib/i18n';
import { listQuerySchema, type ListQuery } from '../../lib/listing';
import { versionFrom } from '../../plugins/versioning';
import { cadencesSchema, convertSchema, leadCreateSchema, leadSchema, leadSettingsSchema, leadsListSpec, leadUpdateSchema, mergeSchema, routingRuleSchema, routingRuleUpdateSchema, scoringRuleSchema, webLeadSchema } from './leads.schemas';
import type { WebLeadInput } from './web-leads.service';

const tags = ['leads'];
const anyObject = { type: 'object', additionalProperties: true } as const;
const arrayOf = (item: object) => ({ type: 'object', required: ['data'], properties: { data: { type: 'array', items: item } } });
const itemSchema = { type: 'object', properties: { kind: { type: 'string' }, id: { type: 'integer' }, at: { type: 'string' }, record: anyObject } } as const;

export default async function leadsApi(app: FastifyInstance): Promise<void> {
  const { leads, webLeads, timeline } = app.services;
  type IdReq = { Params: { id: number } };

  app.get('/leads', {
    config: { permission: 'leads.read' },
    schema: { tags, summary: 'List leads you may see', querystring: listQuerySchema(leadsListSpec, { deleted: { type: 'boolean' } }), response: responses({ 200: listOf(leadSchema) }) },
  }, async (req) => leads.list(req.actor!, req.query as ListQuery & { deleted?: boolean }));

  app.get('/leads/groups', {
    config: { permission: 'leads.read' },
    schema: { tags, summary: 'Open leads grouped by normalised company name (groups of two or more)', response: responses({ 200: arrayOf(anyObject) }) },
  }, async (req) => ({ data: await leads.groups(req.actor!) }));

  app.get<IdReq>('/leads/:id', {
    config: { permission: 'leads.read' },
    schema: { tags, summary: 'One lead, with its score and the reasons for it', params: idParams, response: responses({ 200: dataOf(leadSchema) }) },
  }, async (req) => ({ data: await leads.get(req.actor!, req.params.id) }));

  app.post('/leads', {
    config: { permission: 'leads.create' },
    schema: { tags, summary: 'Create a lead; without owner_id the routing rules pick its owner (who is notified)', body: leadCreateSchema, response: responses({ 201: dataOf(leadSchema) }) },
  }, async (req, reply) => reply.code(201).send({ data: await leads.create(req.actor!, req.body as Record<string, unknown>) }));

  app.patch<IdReq>('/leads/:id', {
    config: { permission: 'leads.update' },
    schema: { tags, summary: 'Change a lead (status, disqualified with a reason ...); send the version', params: idParams, body: { ...leadUpdateSchema, required: [], minProperties: 1 }, response: responses({ 200: dataOf(leadSchema) }) },
  }, async (req) => ({ data: await leads.update(req.actor!, req.params.id, versionFrom(req)) }));

  app.delete<IdReq>('/leads/:id', {
    config: { permission: 'leads.delete' },
    schema: { tags, summary: 'Move a lead to the trash', params: idParams, response: responses({ 204: { type: 'null' } }) },
  }, async (req, reply) => {
    await leads.remove(req.actor!, req.params.id);
    return reply.code(204).send();
  });

  app.post<IdReq>('/leads/:id/restore', {
    config: { permission: 'leads.delete' },
    schema: { tags, summary: 'Bring a lead back from the trash', params: idParams, body: emptyBody, response: responses({ 200: dataOf(leadSchema) }) },
  }, async (req) => ({ data: await leads.restore(req.actor!, req.params.id) }));

  app.post<IdReq>('/leads/:id/convert', {
    config: { permission: 'leads.update' },
    schema: { tags, summary: 'Qualify a lead into a company (new with the duplicate check, or company_id), a contact and a deal, in one transaction', params: idParams, body: convertSchema, response: responses({ 200: dataOf(leadSchema) }) },
  }, async (req) => ({ data: await leads.convert(req.actor!, req.params.id, req.body as Parameters<typeof leads.convert>[2]) }));

  app.post<IdReq>('/leads/:id/merge', {
    config: { permission: 'leads.update' },
    schema: { tags, summary: 'Merge another lead (merge_id) into this one', params: idParams, body: mergeSchema, response: responses({ 200: dataOf(leadSchema) }) },
  }, async (req) => ({ data: await leads.merge(req.actor!, req.params.id, req.body as { merge_id: number }) }));

  app.post<IdReq>('/leads/:id/rescore', {
    config: { permission: 'leads.read' },
    schema: { tags, summary: 'Recompute the lead\'s score now', params: idParams, body: emptyBody, response: responses({ 200: dataOf(leadSchema) }) },
  }, async (req) => ({ data: await leads.rescore(req.actor!, req.params.id) }));

  app.get<{ Params: { id: number }; Querystring: { cursor?: string; limit?: number } }>('/leads/:id/timeline', {
    config: { permission: 'leads.read' },
    schema: {
      tags, summary: 'Activities and tasks on the lead, newest first', params: idParams,
      querystring: { type: 'object', additionalProperties: false, properties: { cursor: { type: 'string', maxLength: 500 }, limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 } } },
      response: responses({ 200: { type: 'object', properties: { data: { type: 'array', items: itemSchema }, next_cursor: { type: ['string', 'null'] } } } }),
    },
  }, async (req) => timeline.timeline(req.actor!, 'leads', req.params.id, req.query));

  // ---- admins: routing, scoring, settings, quarantine ----

  app.get('/lead-routing-rules', { config: { permission: 'pipelines.update' }, schema: { tags, summary: 'Routing rules in order', response: responses({ 200: arrayOf(anyObject) }) } }, async (req) => ({ data: await leads.routingRules(req.actor!) }));
  app.post('/lead-routing-rules', {
    config: { permission: 'pipelines.update' },
    schema: { tags, summary: 'Add a routing rule: conditions on lead fields → a user, round-robin in a team, or the least-loaded rep', body: routingRuleSchema, response: responses({ 201: dataOf(anyObject) }) },
  }, async (req, reply) => reply.code(201).send({ data: await leads.createRoutingRule(req.actor!, req.body as Record<string, unknown>) }));
  app.patch<IdReq>('/lead-routing-rules/:id', {
    config: { permission: 'pipelines.update' },
    schema: { tags, summary: 'Change a routing rule: its order (position), on/off, conditions, action; send the version', params: idParams, body: { ...routingRuleUpdateSchema, required: [], minProperties: 1 }, response: responses({ 200: dataOf(anyObject) }) },
  }, async (req) => ({ data: await leads.updateRoutingRule(req.actor!, req.params.id, versionFrom(req)) }));
  app.delete<IdReq>('/lead-routing-rules/:id', { config: { permission: 'pipelines.update' }, schema: { tags, summary: 'Delete a routing rule', params: idParams, response: responses({ 204: { type: 'null' } }) } }, async (req, reply) => {
    await leads.removeRoutingRule(req.actor!, req.params.id);
    return reply.code(204).send();
  });

  app.get('/lead-scoring-rules', { config: { permission: 'pipelines.update' }, schema: { tags, summary: 'Scoring rules', response: responses({ 200: arrayOf(anyObject) }) } }, async (req) => ({ data: await leads.scoringRules(req.actor!) }));
  app.post('/lead-scoring-rules', {
    config: { permission: 'pipelines.update' },
    schema: { tags, summary: 'Add a scoring rule: points for a field value, or per activity logged (halving every half_life_days)', body: scoringRuleSchema, response: responses({ 201: dataOf(anyObject) }) },
  }, async (req, reply) => reply.code(201).send({ data: await leads.createScoringRule(req.actor!, req.body as Record<string, unknown>) }));
  app.delete<IdReq>('/lead-scoring-rules/:id', { config: { permission: 'pipelines.update' }, schema: { tags, summary: 'Delete a scoring rule', params: idParams, response: responses({ 204: { type: 'null' } }) } }, async (req, reply) => {
    await leads.removeScoringRule(req.actor!, req.params.id);
    return reply.code(204).send();
  });

  app.get('/lead-settings', { config: { permission: 'pipelines.update' }, schema: { tags, summary: 'Fallback owner and web-to-lead limits', response: responses({ 200: dataOf(anyObject) }) } }, async () => ({ data: await leads.settings() }));
  app.patch('/lead-settings', {
    config: { permission: 'pipelines.update' },
    schema: { tags, summary: 'Change the fallback owner and the web-to-lead limits', body: leadSettingsSchema, response: responses({ 200: dataOf(anyObject) }) },
  }, async (req) => ({ data: await leads.updateSettings(req.actor!, req.body as Record<string, unknown>) }));

  app.get('/lead-cadences', { config: { permission: 'pipelines.update' }, schema: { tags, summary: 'Follow-up cadence by score band', response: responses({ 200: arrayOf(anyObject) }) } }, async (req) => ({ data: await leads.cadences(req.actor!) }));
  app.put('/lead-cadences', {
    config: { permission: 'pipelines.update' },
    schema: { tags, summary: 'Replace the score bands: a lead scoring at least min_score gets `touches` follow-up tasks every `per_days` days', body: cadencesSchema, response: responses({ 200: arrayOf(anyObject) }) },
  }, async (req) => ({ data: await leads.setCadences(req.actor!, req.body as Parameters<typeof leads.setCadences>[1]) }));

  app.get('/lead-submissions', { config: { permission: 'pipelines.update' }, schema: { tags, summary: 'Web-to-lead submissions held in quarantine (over a limit)', response: responses({ 200: arrayOf(anyObject) }) } }, async (req) => ({ data: await webLeads.quarantine(req.actor!) }));
  for (const decision of ['release', 'discard'] as const) {
    app.post<IdReq>(`/lead-submissions/:id/${decision}`, {
      config: { permission: 'pipelines.update' },
      schema: { tags, summary: decision === 'release' ? 'Turn a held submission into a lead' : 'Drop a held submission', params: idParams, body: emptyBody, response: responses({ 200: dataOf(anyObject) }) },
    }, async (req) => ({ data: await webLeads.decide(req.actor!, req.params.id, decision) }));
  }
}

/** The public web-to-lead endpoint (registered outside /api/v1: it is a form target). */
export async function webLeadForm(app: FastifyInstance): Promise<void> {
  const { webLeads } = app.services;
  app.post('/forms/lead', {
    config: { public: true, crossSite: true },
    schema: {
      tags,
      summary: 'Web-to-lead: a website\'s form posts here (urlencoded or JSON); honeypot field "website"; limited per address and overall; format=json (or Accept: application/json) answers JSON',
      body: webLeadSchema,
      response: { 200: { type: 'object', properties: { data: { type: 'object', properties: { received: { type: 'boolean' } } } } } },
    },
  }, async (req, reply) => {
    const body = (req.body ?? {}) as WebLeadInput;
    await webLeads.submit(req.ip, body);
    const wantsJson = body.format === 'json' || (body.format !== 'html' && String(req.headers.accept ?? '').includes('application/json') && !String(req.headers.accept ?? '').includes('text/html'));
    // The same answer whatever happened (accepted, held, a bot): nothing to learn from it.
    if (wantsJson) return reply.send({ data: { received: true } });
    const settings = await app.services.leads.formSettings();
    return reply.publicPage('leads/thanks', { title: t(req.locale, 'leads.web.thanks_title'), text: settings.thank_you_text ?? t(req.locale, 'leads.web.thanks') });
  });
}
