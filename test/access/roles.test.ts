// Custom roles: admins define a permission matrix (record type × action → none/own/team/all, plus
// the sensitive-data flag); it applies at the members' next request; built-in roles stay fixed.
import t from 'tap';
import { apiClient, buildTestApp, createUser, setupAdmin } from '../helper';
import { browser, hidden } from '../support/page-client';

const viewer = {
  resources: { contacts: { read: 'team' }, companies: { read: 'team' }, users: { read: 'all' } },
  flags: [],
};

t.test('custom roles through the API: matrix, immediate effect, fixed built-ins, audit', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const admin = apiClient(app, token);
  const team = (await admin.post('/api/v1/teams', { name: '华北' })).body.data;
  const rep = await createUser(app, token, 'sales', { team_ids: [team.id] });
  const contact = (await apiClient(app, rep.token).post('/api/v1/contacts', { name: '孙丽', mobile: '13511112222' })).body.data;

  const created = await admin.post('/api/v1/roles', { key: 'team_viewer', name: '团队只读', description: '看本团队客户，不看联系方式', permissions: viewer });
  t.equal(created.status, 201, created.text);
  t.match(created.body.data, { key: 'team_viewer', builtin: false, version: 1, permissions: { resources: { contacts: { read: 'team' } }, flags: [] } });
  const role = created.body.data;

  const member = await createUser(app, token, 'team_viewer', { team_ids: [team.id] });
  const memberApi = apiClient(app, member.token);
  const seen = await memberApi.get(`/api/v1/contacts/${contact.id}`);
  t.equal(seen.status, 200, 'team scope: a teammate\'s contact');
  t.equal(seen.body.data.mobile, '135****2222', 'without the flag: masked');
  t.equal((await memberApi.patch(`/api/v1/contacts/${contact.id}`, { name: 'x', version: 1 })).status, 403, 'no update permission');
  t.equal((await memberApi.post('/api/v1/contacts', { name: 'y' })).status, 403, 'no create permission');

  const listed = (await admin.get('/api/v1/roles')).body.data;
  t.same(listed.slice(0, 5).map((r: { key: string }) => r.key), ['admin', 'manager', 'sales', 'support', 'auditor'], 'built-ins first');
  t.equal(listed.find((r: { key: string }) => r.key === 'team_viewer').member_count, 1);

  const changed = await admin.patch(`/api/v1/roles/${role.id}`, { permissions: { resources: { contacts: { read: 'own' }, users: { read: 'all' } }, flags: ['sensitive.read'] }, version: 1 });
  t.equal(changed.status, 200, changed.text);
  t.equal(changed.body.data.version, 2);
  t.equal((await memberApi.get(`/api/v1/contacts/${contact.id}`)).status, 404, 'the narrower scope applies at the next request');
  t.equal((await memberApi.get('/api/v1/companies')).status, 403, 'companies were taken away');
  t.equal((await admin.patch(`/api/v1/roles/${role.id}`, { name: 'x', version: 1 })).status, 409, 'a stale version is refused');

  const entry = await app.core.db.knex('audit_log').where({ record_type: 'roles', record_id: String(role.id), action: 'update' }).first('id');
  const fields = (await app.core.db.knex('audit_values').where({ entry_id: entry.id }).orderBy('field').select('field', 'before_value', 'after_value')).map((v) => [v.field, JSON.parse(v.before_value), JSON.parse(v.after_value)]);
  t.same(fields, [['companies.read', 'team', 'none'], ['contacts.read', 'team', 'own'], ['sensitive.read', false, true]], 'the audit entry names each changed permission');

  const sales = listed.find((r: { key: string }) => r.key === 'sales');
  t.equal((await admin.patch(`/api/v1/roles/${sales.id}`, { name: 'x', version: sales.version })).status, 403, 'built-in roles are fixed');
  t.equal((await admin.delete(`/api/v1/roles/${sales.id}`)).status, 403);
  t.equal((await admin.delete(`/api/v1/roles/${role.id}`)).status, 409, 'a role someone has cannot be deleted');

  t.equal((await admin.post('/api/v1/roles', { key: 'team_viewer', name: 'again', permissions: viewer })).status, 400, 'keys are unique');
  const bad = await admin.post('/api/v1/roles', { key: 'odd', name: 'odd', permissions: { resources: { users: { read: 'own' } }, flags: [] } });
  t.equal(bad.status, 400, 'administrative areas are all or nothing');
  t.equal((await admin.post('/api/v1/roles', { key: 'odd', name: 'odd', permissions: { resources: { contacts: { read: 'mine' } }, flags: [] } })).status, 400);
  t.equal((await admin.post('/api/v1/roles', { key: 'Bad Key', name: 'odd', permissions: viewer })).status, 400);
  t.equal((await apiClient(app, rep.token).post('/api/v1/roles', { key: 'mine', name: 'mine', permissions: viewer })).status, 403, 'only admins make roles');

  const spare = (await admin.post('/api/v1/roles', { key: 'spare', name: 'Spare', permissions: viewer })).body.data;
  t.equal((await admin.delete(`/api/v1/roles/${spare.id}`)).status, 204);
  t.equal((await admin.get(`/api/v1/roles/${spare.id}`)).status, 404);
});

t.test('the roles page: read-only built-ins, a custom role from the matrix form', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const page = browser(app, token);
  const list = await page.get('/admin/roles');
  t.equal(list.status, 200);
  t.equal(list.text.split('data-testid="role-row"').length - 1, 5);
  const salesId = (await apiClient(app, token).get('/api/v1/roles')).body.data.find((r: { key: string }) => r.key === 'sales').id;
  const builtin = await page.get(`/admin/roles/${salesId}`);
  t.match(builtin.text, /<fieldset\s+disabled>/, 'built-in: read-only');

  const copy = await page.get(`/admin/roles/new?copy=${salesId}`);
  t.match(copy.text, /<select id="p\.contacts\.read" name="p\.contacts\.read"[^>]*>[\s\S]*?<option value="own" selected>/, 'a copy starts from the source matrix');
  const missing = await page.post('/admin/roles', { key: '', name: '', 'p.contacts.read': 'all' });
  t.equal(missing.status, 400, 'inline errors');
  t.match(missing.text, /<option value="all" selected>/, 'the matrix keeps what was chosen');
  const saved = await page.post('/admin/roles', { key: 'assistant', name: '销售助理', 'p.contacts.read': 'all', 'p.contacts.update': 'own', 'flag.sensitive.read': 'on' });
  t.equal(saved.status, 303, saved.text);
  const role = (await apiClient(app, token).get('/api/v1/roles')).body.data.find((r: { key: string }) => r.key === 'assistant');
  t.same(role.permissions, { resources: { contacts: { read: 'all', update: 'own' } }, flags: ['sensitive.read'] });

  const edit = await page.get(`/admin/roles/${role.id}`);
  const updated = await page.post(`/admin/roles/${role.id}`, { name: '销售助理', version: hidden(edit.text, 'version'), 'p.contacts.read': 'team' });
  t.equal(updated.status, 303, updated.text);
  t.same((await apiClient(app, token).get(`/api/v1/roles/${role.id}`)).body.data.permissions, { resources: { contacts: { read: 'team' } }, flags: [] });
  t.equal((await page.post(`/admin/roles/${role.id}/delete`)).status, 303);

  const rep = await createUser(app, token, 'sales');
  t.equal((await browser(app, rep.token).get('/admin/roles')).status, 403, 'reps do not see roles');
});
