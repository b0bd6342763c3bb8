// Deals through the API: the seeded default pipeline in both languages, create in the first stage,
// update with versions (409/428), moving between stages (required fields named, lost needs a
// reason, won/lost times, probability back to the stage's), the exact stage history, scope (a rep
// sees only their own: 404; support reads no deals: 403), trash and restore, audit in the same
// transaction, and deals as parents of activities and tasks.
import t from 'tap';
import { apiClient, buildTestApp, createUser, manualClock, setupAdmin } from '../../helper';

const HOUR = 3_600_000;

t.test('the default pipeline is seeded with its six stages and lost, in both languages', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  const list = await api.get('/api/v1/pipelines');
  t.equal(list.status, 200, list.text);
  t.equal(list.body.data.length, 1);
  const p = list.body.data[0];
  t.equal(p.is_default, true);
  t.equal(p.name, '销售管道', 'the admin reads Chinese (the setup locale)');
  t.same(p.stages.map((s: { name_key: string }) => s.name_key), ['lead', 'qualification', 'needs_analysis', 'proposal', 'negotiation', 'contract', 'lost']);
  t.same(p.stages.map((s: { name: string }) => s.name), ['线索', '资格确认', '需求分析', '方案报价', '商务谈判', '签约成交', '输单']);
  t.same(p.stages.map((s: { kind: string }) => s.kind), ['open', 'open', 'open', 'open', 'open', 'won', 'lost']);
  t.same(p.stages.map((s: { probability: number }) => s.probability), [10, 20, 40, 60, 80, 100, 0]);
  t.same(p.stages.find((s: { name_key: string }) => s.name_key === 'proposal').required_fields, ['amount']);
  await api.patch('/api/v1/auth/me', { locale: 'en' });
  const en = await api.get(`/api/v1/pipelines/${p.id}/stages`);
  t.same(en.body.data.map((s: { name: string }) => s.name), ['Lead', 'Qualification', 'Needs analysis', 'Proposal', 'Negotiation', 'Contract', 'Lost']);
  const reasons = await api.get('/api/v1/lost-reasons');
  t.ok(reasons.body.data.length >= 5);
  t.equal(reasons.body.data[0].name, 'Price');
});

t.test('create, update with versions, move with stage rules, won and lost, exact history', async (t) => {
  const clock = manualClock();
  const { app } = await buildTestApp(t, { clock });
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  const { knex } = app.core.db;
  const pipeline = (await api.get('/api/v1/pipelines')).body.data[0];
  const stage = (key: string) => pipeline.stages.find((s: { name_key: string }) => s.name_key === key);
  const company = (await api.post('/api/v1/companies', { name: '深圳市云帆科技有限公司' })).body.data;

  const person = (await api.post('/api/v1/contacts', { name: '王芳', company_id: company.id })).body.data;
  const person2 = (await api.post('/api/v1/contacts', { name: '李雷', company_id: company.id })).body.data;
  const created = await api.post('/api/v1/deals', { name: '云帆 ERP 项目', company_id: company.id, contact_ids: [person.id] });
  t.equal(created.status, 201, created.text);
  const deal = created.body.data;
  t.same(deal.contact_ids, [person.id], 'the deal\'s people');
  t.same(await knex('deal_contacts').where({ deal_id: deal.id }).pluck('contact_id'), [person.id]);
  t.equal((await api.post('/api/v1/deals', { name: 'bad people', contact_ids: [999999] })).status, 400, 'an unknown contact is refused');
  t.equal(deal.pipeline_id, pipeline.id, 'the default pipeline');
  t.equal(deal.stage_id, stage('lead').id, 'its first stage');
  t.equal(deal.currency, 'CNY', 'the company currency');
  t.equal(deal.probability, null, 'null: the stage default');
  t.equal(deal.stage_entered_at, clock.now().toISOString());

  const refused = await api.post('/api/v1/deals', { name: 'straight to proposal', stage_id: stage('proposal').id });
  t.equal(refused.status, 400, 'creating in a stage checks its required fields');
  t.ok(refused.body.error.fields.amount);
  t.equal((await api.post('/api/v1/deals', { name: 'x', bogus: 1 })).status, 400, 'unknown fields are refused');

  // versions
  t.equal((await api.patch(`/api/v1/deals/${deal.id}`, { next_step: '演示' })).status, 428, 'no version: 428');
  const updated = await api.patch(`/api/v1/deals/${deal.id}`, { next_step: '演示', probability: 35, contact_ids: [person2.id, person.id], version: 1 });
  t.equal(updated.status, 200, updated.text);
  t.equal(updated.body.data.version, 2);
  t.same(updated.body.data.contact_ids, [person2.id, person.id], 'contacts replaced, in order');
  const stale = await api.patch(`/api/v1/deals/${deal.id}`, { next_step: 'late', version: 1 });
  t.equal(stale.status, 409);
  t.equal(stale.body.error.current.next_step, '演示', 'the 409 carries the current deal');
  t.equal((await api.patch(`/api/v1/deals/${deal.id}`, { stage_id: stage('contract').id, version: 2 })).status, 400, 'the stage changes only through move');

  // moves
  clock.advance(2 * HOUR);
  const q = await api.post(`/api/v1/deals/${deal.id}/move`, { stage_id: stage('qualification').id, version: 2 });
  t.equal(q.status, 200, q.text);
  t.equal(q.body.data.stage_id, stage('qualification').id);
  t.equal(q.body.data.probability, null, 'a move goes back to the stage probability');
  t.equal(q.body.data.stage_entered_at, clock.now().toISOString());
  t.equal((await api.post(`/api/v1/deals/${deal.id}/move`, { stage_id: stage('needs_analysis').id, version: 2 })).status, 409, 'a stale move: 409');
  t.equal((await api.post(`/api/v1/deals/${deal.id}/move`, { stage_id: stage('needs_analysis').id })).status, 428, 'a move without a version: 428');

  clock.advance(3 * HOUR);
  const noAmount = await api.post(`/api/v1/deals/${deal.id}/move`, { stage_id: stage('negotiation').id, version: 3 });
  t.equal(noAmount.status, 400, 'negotiation needs an amount and a close date');
  t.same(Object.keys(noAmount.body.error.fields).sort(), ['amount', 'expected_close_date'], 'the missing fields are named');
  t.equal((await api.get(`/api/v1/deals/${deal.id}`)).body.data.stage_id, stage('qualification').id, 'nothing moved');
  await api.patch(`/api/v1/deals/${deal.id}`, { amount: 12_000_000, expected_close_date: '2027-01-31', version: 3 });
  const neg = await api.post(`/api/v1/deals/${deal.id}/move`, { stage_id: stage('negotiation').id, version: 4 });
  t.equal(neg.status, 200, neg.text);

  clock.advance(5 * HOUR);
  const lostNoReason = await api.post(`/api/v1/deals/${deal.id}/move`, { stage_id: stage('lost').id, version: 5 });
  t.equal(lostNoReason.status, 400);
  t.ok(lostNoReason.body.error.fields.lost_reason_id, 'lost needs a reason');
  const reason = (await api.get('/api/v1/lost-reasons')).body.data[1];
  const lost = await api.post(`/api/v1/deals/${deal.id}/move`, { stage_id: stage('lost').id, version: 5, lost_reason_id: reason.id, lost_note: '预算被砍' });
  t.equal(lost.status, 200, lost.text);
  t.equal(lost.body.data.lost_at, clock.now().toISOString());
  t.equal(lost.body.data.lost_reason_id, reason.id);
  t.equal(lost.body.data.won_at, null);

  clock.advance(HOUR);
  const won = await api.post(`/api/v1/deals/${deal.id}/move`, { stage_id: stage('contract').id, version: 6 });
  t.equal(won.status, 200, won.text);
  t.equal(won.body.data.won_at, clock.now().toISOString());
  t.equal(won.body.data.lost_at, null, 'reopening clears the loss');
  t.equal(won.body.data.lost_reason_id, null);

  const history = (await api.get(`/api/v1/deals/${deal.id}/history`)).body.data;
  t.same(history.map((h: { to_stage_id: number }) => h.to_stage_id), ['lead', 'qualification', 'negotiation', 'lost', 'contract'].map((k) => stage(k).id));
  t.same(history.map((h: { from_stage_id: number | null }) => h.from_stage_id), [null, ...['lead', 'qualification', 'negotiation', 'lost'].map((k) => stage(k).id)]);
  t.same(history.map((h: { ms_in_stage: number | null }) => h.ms_in_stage), [2 * HOUR, 3 * HOUR, 5 * HOUR, HOUR, null], 'time in each stage is exact');
  for (let i = 0; i < history.length - 1; i++) t.equal(history[i].exited_at, history[i + 1].at, 'a stage is left when the next is entered');

  const actions = await knex('audit_log').where({ record_type: 'deals', record_id: String(deal.id) }).orderBy('id').pluck('action');
  t.same(actions, ['create', 'update', 'move', 'update', 'move', 'move', 'move']);

  // A move decides on the deal read before its transaction: two moves sent at once from the same
  // version both read it, and the update at that version lets exactly one of them through.
  const race = await Promise.all(['negotiation', 'proposal'].map((k) => api.post(`/api/v1/deals/${deal.id}/move`, { stage_id: stage(k).id, version: 7 })));
  t.same(race.map((r) => r.status).sort(), [200, 409], 'one of two simultaneous moves wins, the other gets 409');
  t.equal(race.find((r) => r.status === 409)!.body.error.code, 'conflict');
  const raced = (await api.get(`/api/v1/deals/${deal.id}/history`)).body.data;
  t.equal(raced.length, history.length + 1, 'one history row for the winner only');
  t.equal((await api.get(`/api/v1/deals/${deal.id}`)).body.data.version, 8);
  t.equal(await knex('audit_log').where({ record_type: 'deals', record_id: String(deal.id), action: 'move' }).count('* as n').first().then((r) => Number(r!.n)), 5, 'and one audit entry');
  t.equal((await api.post(`/api/v1/deals/${deal.id}/move`, { stage_id: stage('contract').id, version: 8 })).status, 200, 'and back to won');

  // trash and restore
  t.equal((await api.delete(`/api/v1/deals/${deal.id}`)).status, 204);
  t.equal((await api.get(`/api/v1/deals/${deal.id}`)).status, 404);
  t.same((await api.get('/api/v1/deals?deleted=true')).body.data.map((d: { id: number }) => d.id), [deal.id]);
  t.equal((await api.post(`/api/v1/deals/${deal.id}/restore`, {})).status, 200);

  // list with filters and search
  await api.post('/api/v1/deals', { name: 'Another deal', amount: 500 });
  const wonList = await api.get('/api/v1/deals?filter[status]=won');
  t.same(wonList.body.data.map((d: { id: number }) => d.id), [deal.id]);
  const search = await api.get(`/api/v1/deals?q=${encodeURIComponent('ERP')}`);
  t.same(search.body.data.map((d: { id: number }) => d.id), [deal.id]);
  const byAmount = await api.get('/api/v1/deals?sort=-amount&filter[amount][gte]=1');
  t.same(byAmount.body.data.map((d: { amount: number }) => d.amount), [12_000_000, 500]);
});

t.test('scope: reps see their own deals, managers their team, support none; 404 and 403', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const admin = apiClient(app, token);
  const team = (await admin.post('/api/v1/teams', { name: '华南销售' })).body.data;
  const rep = await createUser(app, token, 'sales', { team_ids: [team.id] });
  const other = await createUser(app, token, 'sales');
  const manager = await createUser(app, token, 'manager', { team_ids: [team.id] });
  const support = await createUser(app, token, 'support', { team_ids: [team.id] });
  const repApi = apiClient(app, rep.token);
  const otherApi = apiClient(app, other.token);
  const mine = (await repApi.post('/api/v1/deals', { name: '我的商机' })).body.data;
  const theirs = (await otherApi.post('/api/v1/deals', { name: '别人的商机' })).body.data;

  t.same((await repApi.get('/api/v1/deals')).body.data.map((d: { id: number }) => d.id), [mine.id]);
  t.equal((await repApi.get(`/api/v1/deals/${theirs.id}`)).status, 404, 'outside the scope: 404');
  t.equal((await repApi.post(`/api/v1/deals/${theirs.id}/move`, { stage_id: mine.stage_id + 1, version: 1 })).status, 404, 'moving outside the scope: 404');
  t.equal((await repApi.get(`/api/v1/deals/${theirs.id}/history`)).status, 404);
  const mgr = apiClient(app, manager.token);
  t.same((await mgr.get('/api/v1/deals')).body.data.map((d: { id: number }) => d.id), [mine.id], 'the manager sees the team');
  t.equal((await apiClient(app, support.token).get('/api/v1/deals')).status, 403, 'support reads no deals');
  t.equal((await repApi.post('/api/v1/pipelines', { name: 'Mine' })).status, 403, 'pipelines are administered by admins');

  // A role that may read every deal but change only its own: 403 on the others.
  const role = await admin.post('/api/v1/roles', { key: 'deal_reader', name: 'Deal reader', permissions: { resources: { deals: { read: 'all', update: 'own' }, companies: { read: 'own' } }, flags: [] } });
  t.equal(role.status, 201, role.text);
  const reader = await createUser(app, token, 'deal_reader');
  const readerApi = apiClient(app, reader.token);
  t.equal((await readerApi.get(`/api/v1/deals/${theirs.id}`)).status, 200);
  t.equal((await readerApi.post(`/api/v1/deals/${theirs.id}/move`, { stage_id: theirs.stage_id + 1, version: 1 })).status, 403, 'readable but not changeable: 403');
  t.equal((await readerApi.patch(`/api/v1/deals/${theirs.id}`, { name: 'x', version: 1 })).status, 403);
});

t.test('deals are parents on timelines: activities and tasks follow the deal', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const admin = apiClient(app, token);
  const rep = await createUser(app, token, 'sales');
  const other = await createUser(app, token, 'sales');
  const repApi = apiClient(app, rep.token);
  const company = (await repApi.post('/api/v1/companies', { name: '杭州明远贸易' })).body.data;
  const deal = (await repApi.post('/api/v1/deals', { name: '明远年度采购', company_id: company.id })).body.data;
  const activity = await repApi.post('/api/v1/activities', { type: 'call', subject: '电话沟通报价', deal_id: deal.id });
  t.equal(activity.status, 201, activity.text);
  t.same(activity.body.data.parents.map((p: { type: string }) => p.type).sort(), ['companies', 'deals'], 'the deal and its company');
  const task = await repApi.post('/api/v1/tasks', { title: '发送合同', deal_id: deal.id });
  t.equal(task.status, 201, task.text);
  const timeline = await repApi.get(`/api/v1/deals/${deal.id}/timeline`);
  t.equal(timeline.status, 200, timeline.text);
  t.same(timeline.body.data.map((i: { kind: string }) => i.kind).sort(), ['activities', 'tasks']);
  t.equal((await apiClient(app, other.token).post('/api/v1/activities', { type: 'call', subject: 'x', deal_id: deal.id })).status, 400, 'a deal one cannot see is no parent');
  // An activity owned by someone else on the rep's deal is readable through the deal.
  const byAdmin = await admin.post('/api/v1/activities', { type: 'note', subject: '经理备注', deal_id: deal.id, owner_id: (await admin.get('/api/v1/auth/me')).body.data.id });
  t.equal(byAdmin.status, 201, byAdmin.text);
  t.equal((await repApi.get(`/api/v1/activities/${byAdmin.body.data.id}`)).status, 200, 'children follow the deal\'s visibility');
});

t.test('pipeline settings: names in both languages, stages added, reordered, ruled; lost reasons', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  const { knex } = app.core.db;
  const made = await api.post('/api/v1/pipelines', { name_zh: '渠道合作', name_en: 'Partners' });
  t.equal(made.status, 201, made.text);
  const p = made.body.data;
  t.equal(p.name, '渠道合作', 'the reader\'s language');
  t.same([p.name_zh, p.name_en], ['渠道合作', 'Partners']);
  t.same(p.stages.map((s: { kind: string }) => s.kind), ['open', 'won', 'lost'], 'one open stage and the two ends');
  t.equal((await api.post('/api/v1/pipelines', {})).status, 400, 'a pipeline needs a name');
  const onlyZh = await api.post(`/api/v1/pipelines/${p.id}/stages`, { name_zh: '报备', probability: 30, expected_days: 10 });
  t.equal(onlyZh.status, 201, onlyZh.text);
  t.equal(onlyZh.body.data.name_en, '报备', 'a language without a name shows the other one');
  const stages = (await api.get(`/api/v1/pipelines/${p.id}/stages`)).body.data;
  t.same(stages.map((s: { kind: string }) => s.kind), ['open', 'open', 'won', 'lost'], 'new stages go before the ends');
  const [first, second, won, lost] = stages;
  t.equal((await api.post(`/api/v1/pipelines/${p.id}/stages/reorder`, { stage_ids: [second.id, won.id, first.id, lost.id] })).status, 400, 'the ends stay last');
  const reordered = await api.post(`/api/v1/pipelines/${p.id}/stages/reorder`, { stage_ids: [second.id, first.id, won.id, lost.id] });
  t.equal(reordered.status, 200, reordered.text);
  t.same(reordered.body.data.map((s: { id: number }) => s.id), [second.id, first.id, won.id, lost.id]);
  const ruled = await api.patch(`/api/v1/pipelines/${p.id}/stages/${first.id}`, { required_fields: ['amount', 'next_step'], name_en: 'Demo', version: first.version });
  t.equal(ruled.status, 200, ruled.text);
  t.same(ruled.body.data.required_fields, ['amount', 'next_step']);
  t.equal(ruled.body.data.name_en, 'Demo');

  // The rule holds for deals of that pipeline.
  const deal = (await api.post('/api/v1/deals', { name: '渠道商机', pipeline_id: p.id })).body.data;
  t.equal(deal.stage_id, second.id, 'a new deal starts in the first open stage');
  const refused = await api.post(`/api/v1/deals/${deal.id}/move`, { stage_id: first.id, version: 1 });
  t.equal(refused.status, 400);
  t.same(Object.keys(refused.body.error.fields).sort(), ['amount', 'next_step']);
  t.match(refused.body.error.message, /amount, next_step/, 'the message names what is missing');
  t.equal((await api.post(`/api/v1/deals/${deal.id}/move`, { stage_id: (await api.get('/api/v1/pipelines')).body.data[0].stages[0].id, version: 1 })).status, 400, 'a stage of another pipeline is refused');
  t.equal((await api.delete(`/api/v1/pipelines/${p.id}/stages/${second.id}`)).status, 409, 'a stage with deals stays');
  t.equal((await api.delete(`/api/v1/pipelines/${p.id}`)).status, 409, 'a pipeline with deals stays');

  const reason = await api.post('/api/v1/lost-reasons', { name_zh: '交期太长', name_en: 'Lead time' });
  t.equal(reason.status, 201, reason.text);
  t.same([reason.body.data.name, reason.body.data.name_en], ['交期太长', 'Lead time']);
  const off = await api.patch(`/api/v1/lost-reasons/${reason.body.data.id}`, { active: false, version: 1 });
  t.equal(off.status, 200, off.text);
  t.notOk((await api.get('/api/v1/lost-reasons')).body.data.some((r: { id: number }) => r.id === reason.body.data.id), 'inactive reasons are not offered');
  const audited = await knex('audit_log').whereIn('record_type', ['pipelines', 'pipeline_stages', 'lost_reasons']).orderBy('id').pluck('action');
  t.same(audited, ['create', 'create', 'reorder', 'update', 'create', 'update'], 'every settings change is audited');
});
