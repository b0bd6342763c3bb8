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
  t.notMatch(first.body, /csrf-token|href="\/"|<nav|<script/, 'for an outside visitor: no CSRF token, no way into the CRM, no scripts');
  t.notOk(first.headers['set-cookie'], 'and no cookie');
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

t.test('a submission makes the lead intake makes: owner and team, routing, score, search grams, audit entry, notification', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  const { knex } = app.core.db;
  const team = (await api.post('/api/v1/teams', { name: '华东' })).body.data;
  const rep = await createUser(app, token, 'sales', { team_ids: [team.id], primary_team_id: team.id });
  await api.patch('/api/v1/lead-settings', { fallback_user_id: rep.user.id });
  t.equal((await api.post('/api/v1/lead-scoring-rules', { kind: 'field', label: '留了公司', field: 'company_name', op: 'present', points: 7 })).status, 201);
  const fields = { name: ' 张三丰 ', company_name: '远方科技有限公司', email: 'zs@yuanfang.cn', phone: '139 1234 5678', region: '上海', industry: '制造' };

  const res = await app.inject({ method: 'POST', url: '/forms/lead', remoteAddress: '10.9.9.9', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, payload: form({ ...fields, consent: 'yes', consent_text: '我同意' }) });
  t.equal(res.statusCode, 200, res.body);
  const web = await knex('leads').orderBy('id', 'desc').first();
  const made = await api.post('/api/v1/leads', { ...fields, source: 'website', consent: true });
  t.equal(made.status, 201, made.text);
  const viaApi = await knex('leads').where({ id: made.body.data.id }).first();

  const same = ['name', 'name_sort', 'company_name', 'company_key', 'phone', 'phone_rev', 'email', 'email_key', 'source', 'region', 'industry', 'status', 'score', 'score_reasons', 'consent', 'routed_by', 'owner_id', 'team_id', 'version', 'deleted_at'];
  t.same(Object.fromEntries(same.map((c) => [c, web[c]])), Object.fromEntries(same.map((c) => [c, viaApi[c]])), 'the same lead as intake makes');
  t.same([web.owner_id, Number(web.team_id), web.routed_by, web.consent_text], [rep.user.id, team.id, 'fallback', '我同意'], 'the fallback owner, their team, the consent wording');
  const reasons = typeof web.score_reasons === 'string' ? JSON.parse(web.score_reasons) : web.score_reasons;
  t.ok(reasons.some((r: { label: string; points: number }) => r.label === '留了公司' && r.points === 7) && web.score >= 7, 'scored by the field rules, with the reasons');
  t.ok(web.consent_at, 'the consent time');

  const grams = async (id: number) => (await knex('search_grams').where({ record_type: 'leads', record_id: id }).orderBy('gram').pluck('gram'));
  t.same(await grams(web.id), await grams(viaApi.id), 'the same search grams');
  t.ok((await grams(web.id)).length > 3);

  const entry = async (id: number) => knex('audit_log').where({ record_type: 'leads', record_id: String(id), action: 'create' }).first();
  const [a, b] = [await entry(web.id), await entry(viaApi.id)];
  t.ok(a, 'an audit entry');
  t.same([a.actor_id, a.ip, a.user_agent], [null, '10.9.9.9', 'web-to-lead'], 'by no user, from the address');
  const fieldsOf = async (entryId: number) => knex('audit_values').where({ entry_id: entryId }).orderBy('field').select('field', 'after_value');
  t.same(await fieldsOf(a.id), await fieldsOf(b.id), 'recording the same fields and values');
  t.equal(Number((await knex('notifications').where({ user_id: rep.user.id, kind: 'lead_assigned', record_id: web.id }).count({ n: '*' }).first())!.n), 1, 'the owner is notified');
  const found = await apiClient(app, rep.token).get(`/api/v1/leads?q=${encodeURIComponent('张三丰')}`);
  t.ok(found.body.data.some((l: { id: number }) => l.id === web.id), 'and finds it by name');
});

t.test('the address limit holds across the hour: the previous hour still counts for the part of it within the last hour', async (t) => {
  const clock = manualClock(new Date('2026-11-25T08:59:00.000Z'));
  const { app } = await buildTestApp(t, { clock });
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  const { knex } = app.core.db;
  await api.patch('/api/v1/lead-settings', { per_address_per_hour: 20, global_per_minute: 10_000, over_limit: 'quarantine' });
  const submit = (i: number) => app.inject({ method: 'POST', url: '/forms/lead', remoteAddress: '10.3.3.3', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, payload: form({ name: `客户 ${i}`, phone: `1380000${String(i).padStart(4, '0')}` }) });
  const leads = async () => Number((await knex('leads').count({ n: '*' }).first())!.n);
  const held = async () => Number((await knex('lead_submissions').where({ status: 'quarantined' }).count({ n: '*' }).first())!.n);

  for (let i = 0; i < 20; i++) t.equal((await submit(i)).statusCode, 200);
  t.equal(await leads(), 20, 'the limit, just before the hour');
  clock.set(new Date('2026-11-25T09:01:00.000Z'));
  t.equal((await submit(20)).statusCode, 200, 'thanked as always');
  t.equal(await leads(), 20, 'just after the hour: no new lead (a clock-hour window started again at 0)');
  t.equal(await held(), 1, 'held in quarantine instead');
  clock.set(new Date('2026-11-25T09:45:00.000Z'));
  for (let i = 21; i < 35; i++) await submit(i);
  t.equal(await leads(), 20 + 14, 'three quarters of an hour on: a quarter of the 21 hits of 8:00-9:00 still counts (5.25 + this hour\'s 1 + 14 ≤ 20)');
  t.equal((await submit(35)).statusCode, 200);
  t.equal(await leads(), 34, 'and the next is over the limit again');
  clock.set(new Date('2026-11-25T10:59:00.000Z'));
  t.equal((await submit(36)).statusCode, 200);
  t.equal(await leads(), 35, 'an hour later the address may send again');
});

t.test('overload: 503 with Retry-After at once while too many wait for a connection, and 503 (not 500) when a wait times out', async (t) => {
  const { app } = await buildTestApp(t, { overrides: { database: { poolMax: 1, busyTimeoutMs: 5000, acquireTimeoutMs: 400, maxWaitingForms: 0 } } });
  await setupAdmin(app);
  const { knex } = app.core.db;
  const submit = (ip: string) => app.inject({ method: 'POST', url: '/forms/lead', remoteAddress: ip, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, payload: form({ name: '排队的人', phone: '13811112222' }) });

  // One accepted first: the company settings every request reads are then kept in memory, so what
  // waits below is the submission's own work.
  t.equal((await submit('10.4.4.9')).statusCode, 200);
  // Every connection busy (one here): a long transaction holds it.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let started!: () => void;
  const holding = new Promise<void>((resolve) => (started = resolve));
  const long = knex.transaction(async (trx) => {
    await trx.raw('select 1');
    started();
    await held;
  });
  await holding;
  const waiting = submit('10.4.4.1');
  const until = Date.now() + 2000;
  while (app.core.db.waiting() < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
  t.ok(app.core.db.waiting() >= 1, 'the first submission waits for the connection');

  const t0 = Date.now();
  const shed = await submit('10.4.4.2');
  t.equal(shed.statusCode, 503, 'the next one, with a queue longer than allowed, is shed');
  t.match(shed.body, 'too many submissions at once');
  t.equal(shed.headers['retry-after'], '1', 'with a Retry-After');
  t.ok(Date.now() - t0 < 300, 'at once, without waiting for a connection');

  const timedOut = await waiting;
  t.equal(timedOut.statusCode, 503, 'the one that waited longer than acquireTimeoutMs: 503, not 500');
  t.equal(timedOut.headers['retry-after'], '1');
  release();
  await long;
  t.equal((await submit('10.4.4.3')).statusCode, 200, 'with the connection free again, accepted');
  t.equal(Number((await knex('leads').count({ n: '*' }).first())!.n), 2, 'two leads: the shed and timed-out ones left nothing');
});
