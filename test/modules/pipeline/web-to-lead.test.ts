// Web-to-lead: the public form takes no session and no CSRF token, records marketing consent,
// thanks a filled honeypot without keeping anything, holds submissions over the per-address or
// the global limit in a quarantine an admin releases or discards (or refuses them with 429), and
// answers a thank-you page or JSON. A lead whose email matches a customer goes to its owner.
import t from 'tap';
import { apiClient, buildTestApp, createUser, manualClock, setupAdmin } from '../../helper';

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

t.test('the public form: consent, honeypot, limits, quarantine, answers', async (t) => {
  // A fixed clock: the limits count per hour and per minute windows.
  const { app } = await buildTestApp(t, { clock: manualClock() });
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  const { knex } = app.core.db;
  const rep = await createUser(app, token, 'sales');
  await apiClient(app, rep.token).post('/api/v1/contacts', { name: '老朋友', email: 'friend@old-co.cn' });
  await api.patch('/api/v1/lead-settings', { per_address_per_hour: 3, global_per_minute: 5 });
  const submit = (fields: Record<string, string>, ip = '10.1.1.1', accept = 'text/html') =>
    app.inject({ method: 'POST', url: '/forms/lead', remoteAddress: ip, headers: { 'content-type': 'application/x-www-form-urlencoded', accept }, payload: form(fields) });

  const first = await submit({ name: '李先生', company_name: '远方科技', email: 'li@yuanfang.cn', message: '想了解报价', consent: 'yes', consent_text: '我同意接收产品资讯' });
  t.equal(first.statusCode, 200, first.body.slice(0, 300));
  t.match(first.body, 'data-testid="thanks"', 'a thank-you page');
  const lead = await knex('leads').orderBy('id', 'desc').first();
  t.same([lead.name, lead.source, Boolean(lead.consent), lead.consent_text], ['李先生', 'website', true, '我同意接收产品资讯'], 'the lead with its consent');
  t.ok(lead.consent_at, 'and when it was given');
  t.equal(lead.created_by, null, 'made by no user');

  const json = await submit({ name: '王女士', email: 'friend@old-co.cn', format: 'json' }, '10.1.1.2');
  t.equal(json.statusCode, 200);
  t.same(JSON.parse(json.body), { data: { received: true } }, 'or JSON');
  t.equal((await knex('leads').orderBy('id', 'desc').first()).owner_id, rep.user.id, 'an existing customer\'s email: the customer\'s owner');

  const bot = await submit({ name: 'Bot', email: 'bot@spam.example', website: 'http://spam.example' }, '10.1.1.3');
  t.equal(bot.statusCode, 200, 'the honeypot is thanked like anyone');
  t.equal(Number((await knex('leads').count({ n: '*' }).first())!.n), 2, 'and nothing is kept');
  t.equal((await submit({ name: '', email: '' }, '10.1.1.4')).statusCode, 400, 'an empty form is refused');
  t.equal((await submit({ name: 'x', email: 'not-an-email' }, '10.1.1.4')).statusCode, 400, 'a bad email is refused');

  // Per address: 3 an hour (10.1.1.1 has used one).
  for (let i = 0; i < 2; i++) t.equal((await submit({ name: `同一地址 ${i}`, phone: `1380000000${i}` })).statusCode, 200);
  const held = await submit({ name: '第四次', phone: '13800000009' });
  t.equal(held.statusCode, 200, 'over the address limit: thanked, but held');
  let quarantined = (await api.get('/api/v1/lead-submissions')).body.data;
  t.same(quarantined.map((s: { reason: string; source_address: string }) => [s.reason, s.source_address]), [['address_limit', '10.1.1.1']], 'in quarantine with the reason');
  t.equal(Number((await knex('leads').count({ n: '*' }).first())!.n), 4, 'no lead from it yet');

  // Global: 5 a minute over every address (5 counted so far this minute, the honeypot and refusals not).
  const flood = await submit({ name: '另一地址', phone: '13900000001' }, '10.2.2.2');
  t.equal(flood.statusCode, 200);
  quarantined = (await api.get('/api/v1/lead-submissions')).body.data;
  t.same(quarantined.map((s: { reason: string }) => s.reason).sort(), ['address_limit', 'global_limit'], 'over the global cap: held too');

  // An admin releases one (it becomes a lead, routed) and discards the other.
  const addressHeld = quarantined.find((s: { reason: string }) => s.reason === 'address_limit');
  const released = await api.post(`/api/v1/lead-submissions/${addressHeld.id}/release`, {});
  t.equal(released.status, 200, released.text);
  t.ok(released.body.data.lead_id, 'released into a lead');
  t.equal((await knex('leads').where({ id: released.body.data.lead_id }).first()).name, '第四次');
  const other = quarantined.find((s: { reason: string }) => s.reason === 'global_limit');
  t.equal((await api.post(`/api/v1/lead-submissions/${other.id}/discard`, {})).status, 200);
  t.equal((await api.post(`/api/v1/lead-submissions/${other.id}/release`, {})).status, 409, 'decided once');
  t.same((await api.get('/api/v1/lead-submissions')).body.data, [], 'the quarantine is empty');
  t.equal((await apiClient(app, rep.token).get('/api/v1/lead-submissions')).status, 403, 'for admins only');

  // Refusing instead of holding.
  await api.patch('/api/v1/lead-settings', { over_limit: 'refuse' });
  const refused = await submit({ name: '又一次', phone: '13800000011' });
  t.equal(refused.statusCode, 429, 'refused with 429 when the settings say so');
  t.ok(refused.headers['retry-after'], 'with a Retry-After');
});
