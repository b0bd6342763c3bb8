// My day (today's and overdue tasks, customers neglected for longer than their grade allows, recent
// records), the grade rules setting, and saved views.
import t from 'tap';
import { apiClient, buildTestApp, createUser, manualClock, setupAdmin } from '../../helper';
import { endOfDay } from '../../../src/modules/home/myday.service';

t.test('end of day in the company time zone', async (t) => {
  t.equal(endOfDay(new Date('2026-11-25T15:59:00Z'), 'Asia/Shanghai').toISOString(), '2026-11-25T16:00:00.000Z');
  t.equal(endOfDay(new Date('2026-11-25T16:01:00Z'), 'Asia/Shanghai').toISOString(), '2026-11-26T16:00:00.000Z');
  t.equal(endOfDay(new Date('2026-11-25T16:01:00Z'), 'UTC').toISOString(), '2026-11-26T00:00:00.000Z');
});

t.test('my day lists today\'s and overdue tasks and neglected customers by grade', async (t) => {
  const clock = manualClock(new Date('2026-11-25T02:00:00Z')); // 10:00 in Shanghai
  const { app } = await buildTestApp(t, { clock, overrides: { session: { ttlHours: 720 } } });
  const { token } = await setupAdmin(app);
  const rep = await createUser(app, token, 'sales');
  const api = apiClient(app, rep.token);
  const a = (await api.post('/api/v1/companies', { name: 'A级客户', grade: 'A' })).body.data;
  const b = (await api.post('/api/v1/companies', { name: 'B级客户', grade: 'B' })).body.data;
  await api.post('/api/v1/tasks', { title: '今天', due_at: '2026-11-25T09:00:00Z' });
  await api.post('/api/v1/tasks', { title: '过期', due_at: '2026-11-20T09:00:00Z' });
  await api.post('/api/v1/tasks', { title: '明天', due_at: '2026-11-26T09:00:00Z' });
  await api.post('/api/v1/activities', { type: 'call', subject: 'A call', company_id: a.id });
  await api.post('/api/v1/activities', { type: 'call', subject: 'B call', company_id: b.id });

  clock.advance(10 * 86_400_000); // ten days later: A (7 days) is overdue for contact, B (30) is not
  const actor = await app.services.sessions.resolve(JSON.parse(Buffer.from(rep.token.split('.')[1], 'base64url').toString()).sid, rep.user.id, { ip: null, userAgent: null, requestId: null }, 'zh-CN');
  const day = await app.services.myDay.overview(actor!, [{ type: 'companies', id: b.id }]);
  t.same(day.overdue.map((x) => x.title).sort(), ['今天', '明天', '过期'].sort(), 'ten days later, all three are overdue');
  t.same(day.neglected.map((c) => c.name), ['A级客户']);
  t.same(day.recent.map((r) => r.name), ['B级客户']);

  const rules = (await apiClient(app, token).get('/api/v1/settings/grades')).body.data;
  t.equal(rules.A.days, 7);
  const changed = await apiClient(app, token).put('/api/v1/settings/grades', { A: { days: 14, rule: '年采购额 100 万以上' }, B: { days: 30, rule: '' }, C: { days: 90, rule: '' } });
  t.equal(changed.status, 200, changed.text);
  t.equal((await api.put('/api/v1/settings/grades', changed.body.data)).status, 403, 'a rep may not change the rules');
  const after = await app.services.myDay.overview(actor!);
  t.same(after.neglected, [], 'with 14 days for A, nobody is neglected yet');
});

t.test('saved views are per user', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const rep = await createUser(app, token, 'sales');
  const saved = await apiClient(app, rep.token).post('/api/v1/saved-views', { record_type: 'contacts', name: 'A 级', query: '?filter[grade]=A&sort=-updated_at' });
  t.equal(saved.status, 201);
  t.equal(saved.body.data.query, 'filter[grade]=A&sort=-updated_at');
  t.equal((await apiClient(app, rep.token).get('/api/v1/saved-views?record_type=contacts')).body.data.length, 1);
  t.equal((await apiClient(app, token).get('/api/v1/saved-views?record_type=contacts')).body.data.length, 0, 'another user does not see it');
  t.equal((await apiClient(app, token).delete(`/api/v1/saved-views/${saved.body.data.id}`)).status, 404, 'nor delete it');
});
