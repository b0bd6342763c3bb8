// Leads: routing for every rule kind (an existing contact's owner, a named user, round-robin in a
// team, the least-loaded rep, the fallback owner) with the new owner notified; scoring by field
// values and decaying behaviour with the reasons kept; grouping by normalised company name and
// merging; conversion into company + contact + deal in one transaction (a failure mid-way leaves
// nothing behind); the follow-up cadence job.
import t from 'tap';
import { actorFor, apiClient, buildTestApp, createUser, manualClock, setupAdmin } from '../../helper';

const DAY = 86_400_000;

t.test('routing: contact owner, user, round-robin, least-loaded, fallback; owners notified', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  const { knex } = app.core.db;
  const team = (await api.post('/api/v1/teams', { name: '华东' })).body.data;
  const reps: Array<Awaited<ReturnType<typeof createUser>>> = [];
  for (let i = 0; i < 3; i++) reps.push(await createUser(app, token, 'sales', { team_ids: [team.id] }));
  const vip = await createUser(app, token, 'sales');
  const fallback = await createUser(app, token, 'manager');
  const byId = (id: number) => reps.findIndex((r) => r.user.id === id);

  t.equal((await api.post('/api/v1/lead-routing-rules', { name: 'bad', action: 'round_robin' })).status, 400, 'round-robin names a team');
  const r1 = await api.post('/api/v1/lead-routing-rules', { name: '展会 → VIP', conditions: [{ field: 'source', op: 'eq', value: 'trade_show' }], action: 'user', user_id: vip.user.id });
  t.equal(r1.status, 201, r1.text);
  await api.post('/api/v1/lead-routing-rules', { name: '华东轮流', conditions: [{ field: 'region', op: 'in', value: '上海,江苏,浙江' }], action: 'round_robin', team_id: team.id });
  await api.post('/api/v1/lead-routing-rules', { name: '制造业最空闲', conditions: [{ field: 'industry', op: 'contains', value: '制造' }], action: 'least_loaded', team_id: team.id });
  t.equal((await api.patch('/api/v1/lead-settings', { fallback_user_id: fallback.user.id })).status, 200);

  const lead = async (body: Record<string, unknown>) => {
    const res = await api.post('/api/v1/leads', body);
    t.equal(res.status, 201, res.text);
    return res.body.data;
  };
  t.equal((await lead({ name: '展会客户', source: 'trade_show', region: '上海' })).owner_id, vip.user.id, 'first matching rule: the named user');
  const turns = [];
  for (let i = 0; i < 6; i++) turns.push(byId((await lead({ name: `华东 ${i}`, region: i % 2 ? '浙江' : '上海' })).owner_id));
  t.same(turns, [0, 1, 2, 0, 1, 2], 'round-robin takes turns in the team');
  const rr = await knex('lead_routing_rules').where({ name: '华东轮流' }).first();
  t.equal(Number(rr.rr_last_user_id), reps[2].user.id, 'the cursor lives on the rule row');

  // Least loaded: reps 0..2 have 2 open leads each now; close two of rep 1's.
  for (const l of await knex('leads').where({ owner_id: reps[1].user.id }).select('id', 'version')) {
    await api.patch(`/api/v1/leads/${l.id}`, { status: 'disqualified', disqualified_reason: '重复', version: l.version });
  }
  t.equal(byId((await lead({ name: '制造业', industry: '机械制造' })).owner_id), 1, 'the rep with the fewest open leads');

  // Rules are ordered and editable: moving the least-loaded rule first makes it win for 上海 制造业.
  const rules = (await api.get('/api/v1/lead-routing-rules')).body.data;
  const ll = rules.find((r: { name: string }) => r.name === '制造业最空闲');
  const moved = await api.patch(`/api/v1/lead-routing-rules/${ll.id}`, { position: 0, version: ll.version });
  t.equal(moved.status, 400, 'positions start at 1');
  t.equal((await api.patch(`/api/v1/lead-routing-rules/${ll.id}`, { position: 1, version: 99 })).status, 409, 'a stale version: 409');
  t.equal((await api.patch(`/api/v1/lead-routing-rules/${ll.id}`, { position: 1, version: ll.version })).status, 200);
  t.equal((await lead({ name: '上海制造', region: '上海', industry: '制造' })).routed_by, `rule:${ll.id}`, 'the rule moved first wins');
  const off = (await api.get('/api/v1/lead-routing-rules')).body.data.find((r: { id: number }) => r.id === ll.id);
  await api.patch(`/api/v1/lead-routing-rules/${ll.id}`, { active: false, version: off.version });
  t.equal((await lead({ name: '上海制造二', region: '上海', industry: '制造' })).routed_by, `rule:${rules.find((r: { name: string }) => r.name === '华东轮流').id}`, 'a rule switched off is skipped');

  const fell = await lead({ name: '其他地区', region: '四川' });
  t.equal(fell.owner_id, fallback.user.id, 'no rule matches: the fallback owner');
  t.equal(fell.routed_by, 'fallback');

  // A lead whose phone or email matches a contact goes to the contact's owner, whatever the rules.
  const customer = await apiClient(app, vip.token).post('/api/v1/contacts', { name: '老客户', mobile: '138 0013 8000', email: 'Old@Client.cn' });
  t.equal(customer.status, 201, customer.text);
  t.equal((await lead({ name: '老客户再询价', phone: '+86 13800138000', region: '上海' })).owner_id, vip.user.id, 'matched by phone');
  t.equal((await lead({ name: '邮件询价', email: 'old@client.cn', region: '上海' })).owner_id, vip.user.id, 'matched by email');

  const notes = await knex('notifications').where({ user_id: fallback.user.id, kind: 'lead_assigned' }).count({ n: '*' }).first();
  t.equal(Number(notes?.n), 1, 'the new owner is notified');
  const own = await lead({ name: '自己的', owner_id: (await api.get('/api/v1/auth/me')).body.data.id });
  t.equal(own.routed_by, null, 'an owner given: no routing');
  t.equal((await apiClient(app, reps[0].token).get(`/api/v1/leads/${fell.id}`)).status, 404, 'reps see only their own leads');
});

t.test('scoring: field rules and behaviour with decay; reasons on the lead', async (t) => {
  const clock = manualClock();
  const { app } = await buildTestApp(t, { clock });
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  await api.post('/api/v1/lead-scoring-rules', { kind: 'field', label: '规模 200+', field: 'size_band', op: 'in', value: '200-999,1000+', points: 20 });
  await api.post('/api/v1/lead-scoring-rules', { kind: 'field', label: '华东', field: 'region', op: 'eq', value: '上海', points: 5 });
  const lead = (await api.post('/api/v1/leads', { name: '评分', email: 'li@yunfan-tech.cn', phone: '13900001111', size_band: '200-999', region: '上海' })).body.data;
  // seeded: company email 15, has a phone 10; plus 20 and 5
  t.equal(lead.score, 50, 'field rules add up');
  t.same(lead.score_reasons.map((r: { label: string }) => r.label).sort(), ['company email', 'has a phone', '华东', '规模 200+'].sort(), 'with the reasons');
  const free = (await api.post('/api/v1/leads', { name: '免费邮箱', email: 'someone@qq.com' })).body.data;
  t.equal(free.score, 0, 'a free mail address is no company email');

  // Behaviour: 10 points per activity, halving every 30 days.
  t.equal((await api.post('/api/v1/activities', { type: 'call', subject: '首次电话', lead_id: lead.id })).status, 201);
  t.equal((await api.post(`/api/v1/leads/${lead.id}/rescore`, {})).body.data.score, 60, 'an activity logged adds its points');
  // Sessions time out over weeks: the service, as the admin, from here on.
  const actor = await actorFor(app, token);
  clock.advance(30 * DAY);
  const decayed = await app.services.leads.rescore(actor, lead.id);
  t.equal(decayed.score, 55, 'after a half-life the activity counts half');
  t.same((decayed.score_reasons as Array<{ label: string }>).find((r) => r.label === 'activity logged'), { rule_id: 3, label: 'activity logged', points: 5 }, 'the reason shows the decayed points');
  clock.advance(60 * DAY);
  await app.services.leads.rescoreAll();
  t.equal((await app.services.leads.get(actor, lead.id)).score, 51, 'the nightly rescore applies the decay (10 × ¼ ≈ 3)');
});

t.test('conversion: company + contact + deal in one transaction; a failure leaves nothing', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  const { knex } = app.core.db;
  const pipeline = (await api.get('/api/v1/pipelines')).body.data[0];
  const proposal = pipeline.stages.find((s: { name_key: string }) => s.name_key === 'proposal');
  const lead = (await api.post('/api/v1/leads', { name: '张经理', company_name: '杭州明远贸易有限公司', phone: '13700002222', email: 'zhang@mingyuan.cn', consent: true })).body.data;
  const counts = async () => ({
    companies: Number((await knex('companies').count({ n: '*' }).first())!.n),
    contacts: Number((await knex('contacts').count({ n: '*' }).first())!.n),
    deals: Number((await knex('deals').count({ n: '*' }).first())!.n),
    audit: Number((await knex('audit_log').count({ n: '*' }).first())!.n),
  });
  const before = await counts();

  // A deal straight into proposal without an amount fails after the company and contact were made.
  const failed = await api.post(`/api/v1/leads/${lead.id}/convert`, { deal: { stage_id: proposal.id } });
  t.equal(failed.status, 400, failed.text);
  t.ok(failed.body.error.fields.amount, 'the stage rule names the amount');
  t.same(await counts(), before, 'nothing left behind: no company, contact, deal or audit entry');
  t.equal((await api.get(`/api/v1/leads/${lead.id}`)).body.data.status, 'new', 'the lead is unchanged');

  // A failure thrown by the code itself between the contact and the deal: the same.
  const actor = await actorFor(app, token);
  await t.rejects(app.services.leads.convert(actor, lead.id, {}, { beforeDeal: async () => { throw new Error('forced failure'); } }), /forced failure/);
  t.same(await counts(), before, 'a forced failure mid-way leaves nothing');

  // The duplicate check: an existing company with the same normalised name.
  const existing = (await api.post('/api/v1/companies', { name: '杭州明远贸易' })).body.data;
  const dup = await api.post(`/api/v1/leads/${lead.id}/convert`, {});
  t.equal(dup.status, 409, 'the new company looks like an existing one');
  t.equal(dup.body.error.code, 'duplicate');

  const done = await api.post(`/api/v1/leads/${lead.id}/convert`, { company_id: existing.id, deal: { name: '明远年度采购', amount: 5_000_000 } });
  t.equal(done.status, 200, done.text);
  const converted = done.body.data;
  t.equal(converted.status, 'qualified');
  t.equal(converted.converted_company_id, existing.id, 'the existing company');
  const contact = (await api.get(`/api/v1/contacts/${converted.converted_contact_id}`)).body.data;
  t.equal(contact.company_id, existing.id);
  t.equal(contact.consent, true, 'the consent carries over');
  const deal = (await api.get(`/api/v1/deals/${converted.converted_deal_id}`)).body.data;
  t.same([deal.source_lead_id, deal.company_id, deal.contact_ids, deal.amount], [lead.id, existing.id, [contact.id], 5_000_000], 'the deal knows its lead, company and contact');
  t.equal((await api.post(`/api/v1/leads/${lead.id}/convert`, {})).status, 409, 'converted once');
});

t.test('same company, several inquiries: grouped and merged', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  const { knex } = app.core.db;
  const a = (await api.post('/api/v1/leads', { name: '王一', company_name: '云帆科技有限公司', message: '询价 ERP' })).body.data;
  const b = (await api.post('/api/v1/leads', { name: '王二', company_name: ' 云帆科技 ', phone: '13500003333', message: '需要演示' })).body.data;
  await api.post('/api/v1/leads', { name: '别家', company_name: '明远贸易' });
  const groups = (await api.get('/api/v1/leads/groups')).body.data;
  t.equal(groups.length, 1, 'one company with two inquiries');
  t.same(groups[0].lead_ids, [a.id, b.id], 'grouped by the normalised name (有限公司 and spaces ignored)');
  await api.post('/api/v1/activities', { type: 'email', subject: '回复王二', lead_id: b.id });
  const merged = await api.post(`/api/v1/leads/${a.id}/merge`, { merge_id: b.id });
  t.equal(merged.status, 200, merged.text);
  t.equal(merged.body.data.phone, '13500003333', 'empty fields filled from the other');
  t.match(merged.body.data.message, /询价 ERP[\s\S]*需要演示/, 'both messages kept');
  t.equal((await api.get(`/api/v1/leads/${b.id}`)).status, 404, 'the other lead went to the trash');
  t.equal((await knex('leads').where({ id: b.id }).first()).merged_into_id, a.id, 'pointing at the kept one');
  const timeline = (await api.get(`/api/v1/leads/${a.id}/timeline`)).body.data;
  t.same(timeline.map((i: { record: { subject: string } }) => i.record.subject), ['回复王二'], 'its activities moved');
  t.same((await api.get('/api/v1/leads/groups')).body.data, [], 'no group left');
});

t.test('follow-up cadence: tasks by score band, not repeated within the period', async (t) => {
  const clock = manualClock();
  const { app } = await buildTestApp(t, { clock });
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  const { knex } = app.core.db;
  await api.post('/api/v1/lead-scoring-rules', { kind: 'field', label: '热', field: 'message', op: 'contains', value: '急', points: 60 });
  const hot = (await api.post('/api/v1/leads', { name: '热线索', message: '急需报价', email: 'a@hot-co.cn' })).body.data;
  const warm = (await api.post('/api/v1/leads', { name: '温线索', email: 'b@warm-co.cn', phone: '13600004444', region: '上海' })).body.data;
  const cold = (await api.post('/api/v1/leads', { name: '冷线索' })).body.data;
  t.ok(hot.score >= 60 && warm.score >= 25 && warm.score < 60 && cold.score < 30, `scores ${hot.score} ${warm.score} ${cold.score}`);
  const adminActor = await actorFor(app, token);
  const api2 = await api.get('/api/v1/lead-cadences');
  t.same(api2.body.data.map((b: { band: string }) => b.band), ['hot', 'warm'], 'the seeded bands, through the API');
  const tasksOf = async (id: number) => Number((await knex('record_links').where({ parent_type: 'leads', parent_id: id, child_type: 'tasks' }).count({ n: '*' }).first())!.n);
  await app.services.leads.runCadence();
  t.same([await tasksOf(hot.id), await tasksOf(warm.id), await tasksOf(cold.id)], [1, warm.score >= 30 ? 1 : 0, 0], 'a first touch for the hot and warm leads');
  await app.services.leads.runCadence();
  t.equal(await tasksOf(hot.id), 2, 'hot: two touches a week');
  await app.services.leads.runCadence();
  t.equal(await tasksOf(hot.id), 2, 'and no more within the week');
  clock.advance(8 * DAY);
  await app.services.leads.runCadence();
  t.equal(await tasksOf(hot.id), 3, 'next week the next touch');
  // Bands are the admins' to set: a lukewarm band from 0 catches the cold lead too.
  // (Sessions time out over days: the service, as the admin.)
  const set = await app.services.leads.setCadences(adminActor, { bands: [{ band: 'hot', min_score: 60, touches: 2, per_days: 7 }, { band: 'lukewarm', min_score: 0, touches: 1, per_days: 90 }] });
  t.same(set.map((b) => b.band), ['hot', 'lukewarm']);
  await t.rejects(app.services.leads.setCadences(adminActor, { bands: [{ band: 'hot', min_score: 1, touches: 1, per_days: 1 }, { band: 'hot', min_score: 2, touches: 1, per_days: 1 }] }), /each band once/, 'each band once');
  await app.services.leads.runCadence();
  t.equal(await tasksOf(cold.id), 1, 'the new band applies');
  const task = await knex('tasks').join('record_links', 'record_links.child_id', 'tasks.id').where({ 'record_links.parent_type': 'leads', 'record_links.parent_id': hot.id }).first('tasks.owner_id', 'tasks.priority');
  t.same([task.owner_id, task.priority], [hot.owner_id, 'high'], 'the lead owner\'s task, high for hot leads');
});
