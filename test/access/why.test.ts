// "Why can this user see this record?" answers with the verdicts scopeQuery gives and the grounds:
// ownership, the team, shares, a readable parent, the role — and says so when none apply.
import t from 'tap';
import { apiClient, buildTestApp, createUser, setupAdmin } from '../helper';
import { browser } from '../support/page-client';

t.test('explaining access: owner, team, share, parent, nothing, deactivated', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const admin = apiClient(app, token);
  const east = (await admin.post('/api/v1/teams', { name: '华东' })).body.data;
  const west = (await admin.post('/api/v1/teams', { name: '西部' })).body.data;
  const rep = await createUser(app, token, 'sales', { team_ids: [east.id] });
  const manager = await createUser(app, token, 'manager', { team_ids: [east.id] });
  const stranger = await createUser(app, token, 'sales', { team_ids: [west.id] });
  const repApi = apiClient(app, rep.token);
  const contact = (await repApi.post('/api/v1/contacts', { name: '钱多多' })).body.data;
  const activity = (await repApi.post('/api/v1/activities', { type: 'visit', subject: '拜访', contact_ids: [contact.id] })).body.data;

  const explain = async (userId: number, type: string, id: number) => {
    const res = await admin.get(`/api/v1/access/explain?user_id=${userId}&record_type=${type}&record_id=${id}`);
    t.equal(res.status, 200, res.text);
    return res.body.data;
  };
  const codes = (e: { grounds: Array<{ code: string }> }) => e.grounds.map((g) => g.code);

  const own = await explain(rep.user.id, 'contacts', contact.id);
  t.same(own.can, { read: true, update: true, delete: true });
  t.same(codes(own), ['owner']);
  const boss = await explain(manager.user.id, 'contacts', contact.id);
  t.same(codes(boss), ['team']);
  t.match(boss.grounds[0].params, { team: '华东', role: 'manager' });
  const none = await explain(stranger.user.id, 'contacts', contact.id);
  t.same(none.can, { read: false, update: false, delete: false });
  t.same(codes(none), ['none_apply']);

  await repApi.post(`/api/v1/contacts/${contact.id}/shares`, { user_id: stranger.user.id, access: 'edit' });
  const shared = await explain(stranger.user.id, 'contacts', contact.id);
  t.same(shared.can, { read: true, update: true, delete: false }, 'an edit share: read and change, never delete');
  t.same(shared.grounds, [{ code: 'share_user', params: { access: 'edit' } }]);
  const viaParent = await explain(stranger.user.id, 'activities', activity.id);
  t.same(codes(viaParent), ['parent'], 'a child is visible through its parent');
  t.match(viaParent.grounds[0].params, { type: 'contacts', id: contact.id, name: '钱多多' });
  t.equal(viaParent.can.read, true);
  t.equal(viaParent.can.update, false, 'changing a child takes its own scope');

  const auditor = await createUser(app, token, 'auditor');
  t.same(codes(await explain(auditor.user.id, 'contacts', contact.id)), ['role_none']);
  t.same(codes(await explain((await admin.get('/api/v1/auth/me')).body.data.id, 'contacts', contact.id)), ['role_all']);

  await admin.patch(`/api/v1/users/${rep.user.id}`, { active: false, version: (await admin.get(`/api/v1/users/${rep.user.id}`)).body.data.version });
  const off = await explain(rep.user.id, 'contacts', contact.id);
  t.same(off.can, { read: false, update: false, delete: false }, 'a deactivated user sees nothing');
  t.same(codes(off), ['inactive', 'owner']);

  t.equal((await admin.get(`/api/v1/access/explain?user_id=${rep.user.id}&record_type=contacts&record_id=9999`)).status, 404);
  t.equal((await admin.get(`/api/v1/access/explain?user_id=${rep.user.id}&record_type=deals&record_id=1`)).status, 400);
  t.equal((await apiClient(app, manager.token).get(`/api/v1/access/explain?user_id=${rep.user.id}&record_type=contacts&record_id=${contact.id}`)).status, 403, 'admins only');

  // The page: in the admin's language (the setup made it Chinese).
  const page = browser(app, token);
  const empty = await page.get('/admin/access/why');
  t.equal(empty.status, 200);
  t.notMatch(empty.text, 'data-testid="why-result"');
  const answered = await page.get(`/admin/access/why?user_id=${manager.user.id}&record_type=contacts&record_id=${contact.id}`);
  t.equal(answered.status, 200);
  t.match(answered.text, '可以查看');
  t.match(answered.text, '而该记录属于其团队下的“华东”');
  t.match((await page.get(`/admin/access/why?user_id=${manager.user.id}&record_type=contacts&record_id=9999`)).text, '没有这个用户或记录');
});
