// Handing over everything a departing rep owns: companies, contacts, open tasks, open deals and the
// leads still being worked move to the new owner in one transaction, each change audited; done
// tasks, won and lost deals and converted or disqualified leads stay as history.
import t from 'tap';
import { apiClient, buildTestApp, createUser, setupAdmin } from '../helper';
import { browser } from '../support/page-client';

t.test('handover: all of a user\'s records to another, audited, through the API and the page', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const admin = apiClient(app, token);
  const east = (await admin.post('/api/v1/teams', { name: '华东' })).body.data;
  const west = (await admin.post('/api/v1/teams', { name: '西部' })).body.data;
  const leaving = await createUser(app, token, 'sales', { team_ids: [east.id] });
  const taking = await createUser(app, token, 'sales', { team_ids: [west.id] });
  const bystander = await createUser(app, token, 'sales', { team_ids: [east.id] });
  const leavingApi = apiClient(app, leaving.token);

  const company = (await leavingApi.post('/api/v1/companies', { name: '长风物流' })).body.data;
  const contact = (await leavingApi.post('/api/v1/contacts', { name: '赵敏', company_id: company.id })).body.data;
  const open = (await leavingApi.post('/api/v1/tasks', { title: '回访', due_at: '2026-12-01T02:00:00Z', contact_ids: [contact.id] })).body.data;
  const done = (await leavingApi.post('/api/v1/tasks', { title: '已完成', due_at: '2026-11-20T02:00:00Z' })).body.data;
  t.equal((await leavingApi.patch(`/api/v1/tasks/${done.id}`, { done: true, version: done.version })).status, 200);
  const others = (await apiClient(app, bystander.token).post('/api/v1/contacts', { name: '旁人' })).body.data;
  const stages = (await admin.get('/api/v1/pipelines')).body.data[0].stages as Array<{ id: number; kind: string }>;
  const openDeal = (await leavingApi.post('/api/v1/deals', { name: '仓储系统', company_id: company.id, amount: 500_000, currency: 'CNY', stage_id: stages[0].id })).body.data;
  const wonDeal = (await leavingApi.post('/api/v1/deals', { name: '已签约', company_id: company.id, amount: 90_000, currency: 'CNY', stage_id: stages[0].id })).body.data;
  t.equal((await leavingApi.post(`/api/v1/deals/${wonDeal.id}/move`, { stage_id: stages.find((s) => s.kind === 'won')!.id, version: wonDeal.version })).status, 200);
  const newLead = (await admin.post('/api/v1/leads', { name: '钱进', company_name: '钱塘贸易', source: 'phone_in', owner_id: leaving.user.id })).body.data;
  const dropped = (await admin.post('/api/v1/leads', { name: '孙退', company_name: '无意向公司', source: 'phone_in', owner_id: leaving.user.id })).body.data;
  t.equal((await admin.patch(`/api/v1/leads/${dropped.id}`, { status: 'disqualified', disqualified_reason: '无预算', version: dropped.version })).status, 200);

  t.equal((await admin.post(`/api/v1/users/${leaving.user.id}/handover`, { to_user_id: leaving.user.id })).status, 400, 'not to themselves');
  t.equal((await leavingApi.post(`/api/v1/users/${leaving.user.id}/handover`, { to_user_id: taking.user.id })).status, 403, 'reps cannot');
  t.equal((await admin.post(`/api/v1/users/${leaving.user.id}/handover`, { to_user_id: taking.user.id, types: ['activities'] })).status, 400, 'activities follow their records');

  const res = await admin.post(`/api/v1/users/${leaving.user.id}/handover`, { to_user_id: taking.user.id });
  t.equal(res.status, 200, res.text);
  t.same(res.body.data, { companies: 1, contacts: 1, tasks: 1, deals: 1, leads: 1 });
  const takingApi = apiClient(app, taking.token);
  const moved = (await takingApi.get(`/api/v1/contacts/${contact.id}`)).body.data;
  t.match(moved, { owner_id: taking.user.id, team_id: west.id, version: 2 }, 'the new owner\'s team, a new version');
  t.equal((await takingApi.get(`/api/v1/companies/${company.id}`)).status, 200);
  t.equal((await takingApi.get(`/api/v1/tasks/${open.id}`)).body.data.owner_id, taking.user.id);
  t.equal((await admin.get(`/api/v1/tasks/${done.id}`)).body.data.owner_id, leaving.user.id, 'done tasks stay as history');
  t.match((await takingApi.get(`/api/v1/deals/${openDeal.id}`)).body.data, { owner_id: taking.user.id, team_id: west.id }, 'the open deal moves');
  t.equal((await admin.get(`/api/v1/deals/${wonDeal.id}`)).body.data.owner_id, leaving.user.id, 'a won deal stays with who won it');
  t.equal((await takingApi.get(`/api/v1/leads/${newLead.id}`)).body.data.owner_id, taking.user.id, 'a lead being worked moves');
  t.equal((await admin.get(`/api/v1/leads/${dropped.id}`)).body.data.owner_id, leaving.user.id, 'a disqualified lead stays');
  t.equal((await admin.get(`/api/v1/contacts/${others.id}`)).body.data.owner_id, bystander.user.id, 'nobody else\'s records move');
  t.equal((await leavingApi.get(`/api/v1/contacts/${contact.id}`)).status, 404, 'the old owner no longer sees it');

  const entries = await app.core.db.knex('audit_log').where({ action: 'assign' }).orderBy('id').select('record_type', 'record_id');
  t.same(entries.map((e) => `${e.record_type}:${e.record_id}`), [`companies:${company.id}`, `contacts:${contact.id}`, `tasks:${open.id}`, `deals:${openDeal.id}`, `leads:${newLead.id}`], 'one audit entry per record');
  t.ok(await app.core.db.knex('notifications').where({ user_id: taking.user.id, kind: 'handover' }).first('id'), 'the new owner is told');

  await admin.patch(`/api/v1/users/${bystander.user.id}`, { active: false, version: (await admin.get(`/api/v1/users/${bystander.user.id}`)).body.data.version });
  const toInactive = await admin.post(`/api/v1/users/${taking.user.id}/handover`, { to_user_id: bystander.user.id });
  t.equal(toInactive.status, 400, 'never to a deactivated user');
  t.equal((await takingApi.get(`/api/v1/contacts/${contact.id}`)).body.data.owner_id, taking.user.id, 'and nothing moved');

  // The page: the admin's user screen, back again to the first rep (companies only).
  const page = browser(app, token);
  const form = await page.get(`/admin/users/${taking.user.id}`);
  t.match(form.text, 'data-testid="handover"');
  const back = await page.post(`/admin/users/${taking.user.id}/handover`, { to_user_id: String(leaving.user.id), types: ['companies'] });
  t.equal(back.status, 200, back.text);
  t.match(back.text, '已移交：1 家公司、0 位联系人、0 个未完成任务、0 个进行中的商机、0 条线索');
  t.equal((await admin.get(`/api/v1/companies/${company.id}`)).body.data.owner_id, leaving.user.id);
  t.equal((await admin.get(`/api/v1/contacts/${contact.id}`)).body.data.owner_id, taking.user.id, 'only what was chosen');
  const missing = await page.post(`/admin/users/${taking.user.id}/handover`, { to_user_id: '' });
  t.equal(missing.status, 400, 'choosing nobody is an inline error');
});
