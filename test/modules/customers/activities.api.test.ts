// The communication log and follow-ups: logging a call with a next step creates a task, moves
// "last contact", lands on the company's and contact's timelines; children follow their parents'
// visibility; reminders become notifications; global search by Chinese substring and phone digits.
import t from 'tap';
import { apiClient, buildTestApp, createUser, manualClock, setupAdmin } from '../../helper';

t.test('a call with a next step: task, last contact, timeline, reminder', async (t) => {
  const clock = manualClock();
  const { app } = await buildTestApp(t, { clock, overrides: { session: { ttlHours: 48 } } });
  const { token } = await setupAdmin(app);
  const team = (await apiClient(app, token).post('/api/v1/teams', { name: '华南' })).body.data;
  const rep = await createUser(app, token, 'sales', { team_ids: [team.id] });
  const other = await createUser(app, token, 'sales', { team_ids: [team.id] });
  const api = apiClient(app, rep.token);

  const company = (await api.post('/api/v1/companies', { name: '广州新星贸易有限公司' })).body.data;
  const contact = (await api.post('/api/v1/contacts', { name: '陈静', company_id: company.id, mobile: '139 2000 1234' })).body.data;
  t.equal((await api.post('/api/v1/activities', { type: 'call', subject: '无对象' })).status, 400, 'an activity is about someone');

  const call = await api.post('/api/v1/activities', { type: 'call', subject: '询价', contact_ids: [contact.id], outcome: '有兴趣', next_step: '发报价单', next_step_at: '2026-11-26T02:00:00Z' });
  t.equal(call.status, 201, call.text);
  t.ok(call.body.data.follow_up_task_id, 'a follow-up task was created');
  t.same(call.body.data.parents.map((p: { type: string }) => p.type).sort(), ['companies', 'contacts'], 'the contact\'s company is linked too');

  const task = (await api.get(`/api/v1/tasks/${call.body.data.follow_up_task_id}`)).body.data;
  t.equal(task.title, '发报价单');
  t.equal(task.due_at, '2026-11-26T02:00:00.000Z');
  t.equal(task.owner_id, rep.user.id);

  const c = (await api.get(`/api/v1/companies/${company.id}`)).body.data;
  t.equal(c.last_contact_at, clock.now().toISOString(), 'last contact moved to the call');

  const timeline = (await api.get(`/api/v1/companies/${company.id}/timeline`)).body;
  t.same(timeline.data.map((i: { kind: string }) => i.kind), ['tasks', 'activities'], 'newest first: the task due tomorrow, then the call');

  // a colleague in the same team does not see the rep's company or its activity
  t.equal((await apiClient(app, other.token).get(`/api/v1/activities/${call.body.data.id}`)).status, 404);

  // reminders: nothing before the due time, a notification after
  await app.jobs.runNow('tasks.reminders');
  t.equal((await api.get('/api/v1/notifications')).body.unread, 0);
  clock.advance(24 * 3600_000);
  await app.jobs.runNow('tasks.reminders');
  const bell = (await api.get('/api/v1/notifications')).body;
  t.equal(bell.unread, 1);
  t.equal(bell.data[0].title, '发报价单');
  t.equal((await api.post('/api/v1/notifications/read', { all: true })).body.data.marked, 1);

  const done = await api.patch(`/api/v1/tasks/${task.id}`, { done: true, version: task.version });
  t.ok(done.body.data.done_at, 'task completed');
});

t.test('children follow their parents: a manager sees the team\'s activities', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const admin = apiClient(app, token);
  const team = (await admin.post('/api/v1/teams', { name: 'East' })).body.data;
  const rep = await createUser(app, token, 'sales', { team_ids: [team.id] });
  const manager = await createUser(app, token, 'manager', { team_ids: [team.id] });
  const contact = (await apiClient(app, rep.token).post('/api/v1/contacts', { name: 'Alice' })).body.data;
  // the admin logs a visit on the rep's contact: the rep sees it though the admin owns it
  const visit = (await admin.post('/api/v1/activities', { type: 'visit', subject: 'site visit', contact_ids: [contact.id] })).body.data;
  t.equal((await apiClient(app, rep.token).get(`/api/v1/activities/${visit.id}`)).status, 200, 'visible through its contact');
  t.equal((await apiClient(app, rep.token).patch(`/api/v1/activities/${visit.id}`, { subject: 'x', version: 1 })).status, 403, 'but not changeable by the rep');
  const listed = (await apiClient(app, manager.token).get(`/api/v1/activities?parent_type=contacts&parent_id=${contact.id}`)).body.data;
  t.same(listed.map((a: { id: number }) => a.id), [visit.id]);
});

t.test('global search: Chinese substrings of two characters, phone digits, email', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  const rep = await createUser(app, token, 'sales');
  await api.post('/api/v1/companies', { name: '深圳市云帆科技有限公司', short_name: '云帆' });
  await api.post('/api/v1/companies', { name: '杭州云帆科技有限公司', allow_duplicate: true });
  await api.post('/api/v1/contacts', { name: '刘洋', mobile: '+86 138-0013-8000', email: 'liu.yang@yunfan.cn', wechat: 'liuyang88' });
  await apiClient(app, rep.token).post('/api/v1/contacts', { name: '刘洋洋', mobile: '13912345678' });
  const names = async (q: string, tok = token) => (await apiClient(app, tok).get(`/api/v1/search?q=${encodeURIComponent(q)}`)).body.data.map((h: { name: string }) => h.name);

  t.same(await names('科技'), ['杭州云帆科技有限公司', '深圳市云帆科技有限公司'], 'two characters, pinyin order');
  t.same(await names('深圳市云帆'), ['深圳市云帆科技有限公司']);
  t.same(await names('刘洋'), ['刘洋', '刘洋洋']);
  t.same(await names('8000'), ['刘洋'], 'last four digits');
  t.same(await names('138 0013 8000'), ['刘洋'], 'spacing ignored');
  t.same(await names('+8613800138000'), ['刘洋'], '+86 ignored');
  t.same(await names('liu.yang@'), ['刘洋'], 'email prefix');
  t.same(await names('liuyang88'), ['刘洋'], 'WeChat ID');
  t.same(await names('刘洋', rep.token), ['刘洋洋'], 'a rep finds only their own');
});

t.test('global search: the gram counts that steer a lookup may be stale, the answer never is', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  const names = async (q: string) => (await api.get(`/api/v1/search?q=${encodeURIComponent(q)}`)).body.data.map((h: { name: string }) => h.name);
  await api.post('/api/v1/companies', { name: '长城电子' });
  for (let i = 0; i < 3; i++) await api.post('/api/v1/companies', { name: `长城物流${i}号`, allow_duplicate: true });
  // 城电 is the rarer gram of 长城电 now and drives the lookup; its count is remembered.
  t.same(await names('长城电'), ['长城电子']);
  // Now 城电 is the commoner one, but the remembered counts still pick it first.
  for (let i = 0; i < 5; i++) await api.post('/api/v1/companies', { name: `城电${i}科技`, allow_duplicate: true });
  await api.post('/api/v1/companies', { name: '长城电器', allow_duplicate: true });
  t.same(await names('长城电'), ['长城电器', '长城电子'], 'every record with all the grams, whichever gram drove the lookup');
});

t.test('the answer to logging an activity is the record as reading it gives it', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const rep = await createUser(app, token, 'sales');
  const api = apiClient(app, rep.token);
  const company = (await api.post('/api/v1/companies', { name: '苏州远景电子有限公司' })).body.data;
  const other = (await api.post('/api/v1/companies', { name: '无锡晨光机械有限公司' })).body.data;
  const a = (await api.post('/api/v1/contacts', { name: '周敏', company_id: company.id })).body.data;
  const b = (await api.post('/api/v1/contacts', { name: '吴刚', company_id: company.id })).body.data;
  const bodies = [
    { type: 'call', subject: '  电话回访 ', contact_ids: [b.id, a.id] },
    { type: 'visit', subject: '拜访', company_id: other.id, contact_ids: [a.id], content: '参观工厂', outcome: '满意', occurred_at: '2026-11-20T03:00:00+08:00', next_step: '寄样品', next_step_at: '2026-11-27T02:00:00Z' },
    { type: 'note', subject: '备注', company_id: company.id, next_step_at: '2026-11-28T02:00:00Z' },
  ];
  for (const body of bodies) {
    const created = await api.post('/api/v1/activities', body);
    t.equal(created.status, 201, created.text);
    const read = await api.get(`/api/v1/activities/${created.body.data.id}`);
    t.same(created.body, read.body, `${body.type}: the same fields, parents in the same order, the follow-up task`);
    t.equal(JSON.stringify(created.body), JSON.stringify(read.body), `${body.type}: byte for byte`);
  }
});

t.test('a role that may log activities but not read them still gets 403 after the write, as before', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const admin = apiClient(app, token);
  const role = await admin.post('/api/v1/roles', { key: 'logger', name: 'Logger', permissions: { resources: { contacts: { read: 'own', create: 'own' }, activities: { create: 'own' } }, flags: [] } });
  t.equal(role.status, 201, role.text);
  const user = await createUser(app, token, 'logger');
  const api = apiClient(app, user.token);
  const contact = (await api.post('/api/v1/contacts', { name: 'Lee' })).body.data;
  const res = await api.post('/api/v1/activities', { type: 'call', subject: 'hello', contact_ids: [contact.id] });
  t.equal(res.status, 403);
  t.equal((await admin.get(`/api/v1/activities?parent_type=contacts&parent_id=${contact.id}`)).body.data.length, 1, 'the activity was written');
});
