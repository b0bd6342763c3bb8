// Sharing a record with a user or a team: it widens a role's own/team scope for reading (any
// share) and changing (edit shares) — and nothing else; children follow; every change is audited.
import t from 'tap';
import { apiClient, buildTestApp, createUser, setupAdmin } from '../helper';
import { browser } from '../support/page-client';

t.test('shares: read and edit, users and teams, children, revocation, audit', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const admin = apiClient(app, token);
  const east = (await admin.post('/api/v1/teams', { name: '华东' })).body.data;
  const shanghai = (await admin.post('/api/v1/teams', { name: '上海', parent_id: east.id })).body.data;
  const south = (await admin.post('/api/v1/teams', { name: '华南' })).body.data;
  const owner = await createUser(app, token, 'sales', { team_ids: [east.id] });
  const mate = await createUser(app, token, 'sales', { team_ids: [east.id] });
  const inSub = await createUser(app, token, 'sales', { team_ids: [shanghai.id] });
  const outsider = await createUser(app, token, 'sales', { team_ids: [south.id] });
  const auditor = await createUser(app, token, 'auditor');
  const ownerApi = apiClient(app, owner.token);
  const mateApi = apiClient(app, mate.token);

  const contact = (await ownerApi.post('/api/v1/contacts', { name: '周杰', mobile: '13912345678' })).body.data;
  const activity = await ownerApi.post('/api/v1/activities', { type: 'call', subject: '首次电话', contact_ids: [contact.id] });
  t.equal(activity.status, 201, activity.text);
  const url = `/api/v1/contacts/${contact.id}`;
  t.equal((await mateApi.get(url)).status, 404, 'not shared: not found');

  const shared = await ownerApi.post(`${url}/shares`, { user_id: mate.user.id, access: 'read' });
  t.equal(shared.status, 201, shared.text);
  t.match(shared.body.data, { user_id: mate.user.id, team_id: null, access: 'read', name: mate.user.name });
  // A share reaches the sharee at their next request: the scope is resolved per request.
  t.equal((await mateApi.get(url)).status, 200, 'a read share opens the record');
  t.ok((await mateApi.get('/api/v1/contacts')).body.data.some((c: { id: number }) => c.id === contact.id), 'and lists it');
  t.equal((await mateApi.get(`/api/v1/activities/${activity.body.data.id}`)).status, 200, 'its activities follow it');
  t.equal((await mateApi.patch(url, { title: '经理', version: 1 })).status, 403, 'readable but not changeable: 403');
  t.equal((await mateApi.delete(url)).status, 403, 'a share never lets you delete');
  t.equal((await mateApi.post(`${url}/shares`, { user_id: outsider.user.id, access: 'read' })).status, 403, 'nor share it on');
  const told = await app.core.db.knex('notifications').where({ user_id: mate.user.id, kind: 'shared', record_id: contact.id }).first('title');
  t.match(told?.title, '周杰', 'the sharee is told');

  const upgraded = await ownerApi.post(`${url}/shares`, { user_id: mate.user.id, access: 'edit' });
  t.equal(upgraded.status, 201);
  t.equal(upgraded.body.data.id, shared.body.data.id, 'sharing again changes the access of the same share');
  const edited = await mateApi.patch(url, { title: '经理', version: 1 });
  t.equal(edited.status, 200, edited.text);
  t.equal(edited.body.data.owner_id, owner.user.id, 'the owner stays');

  // A team share reaches the team's members and its sub-teams, not other teams.
  const teamShare = await ownerApi.post(`${url}/shares`, { team_id: east.id, access: 'read' });
  t.equal(teamShare.status, 201, teamShare.text);
  t.equal((await apiClient(app, inSub.token).get(url)).status, 200, 'a sub-team member sees a team share');
  t.equal((await apiClient(app, outsider.token).get(url)).status, 404, 'another team does not');
  t.equal((await apiClient(app, auditor.token).get(url)).status, 403, 'a share never grants a record type the role cannot read');

  t.equal((await ownerApi.post(`${url}/shares`, { access: 'read' })).status, 400, 'a user or a team is required');
  t.equal((await ownerApi.post(`${url}/shares`, { user_id: mate.user.id, team_id: east.id, access: 'read' })).status, 400, 'not both');
  t.equal((await ownerApi.post(`${url}/shares`, { user_id: 99999, access: 'read' })).status, 400, 'an unknown user is a field error');
  t.equal((await ownerApi.post(`${url}/shares`, { user_id: mate.user.id, access: 'admin' })).status, 400);

  const list = await ownerApi.get(`${url}/shares`);
  t.same(list.body.data.map((s: { name: string; access: string }) => [s.name, s.access]), [[mate.user.name, 'edit'], ['华东', 'read']]);

  t.equal((await ownerApi.delete(`${url}/shares/${shared.body.data.id}`)).status, 204);
  t.equal((await ownerApi.delete(`${url}/shares/${teamShare.body.data.id}`)).status, 204);
  t.equal((await ownerApi.delete(`${url}/shares/${teamShare.body.data.id}`)).status, 404, 'gone');
  t.equal((await mateApi.get(url)).status, 404, 'unshared: not found again');
  t.equal((await apiClient(app, inSub.token).get(url)).status, 404);

  const entries = await app.core.db.knex('audit_log').where({ record_type: 'contacts', record_id: String(contact.id) }).whereIn('action', ['share', 'unshare']).orderBy('id').pluck('action');
  t.same(entries, ['share', 'share', 'share', 'unshare', 'unshare'], 'every share change is audited');
});

t.test('shares on the 360° page, and across a merge', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const team = (await apiClient(app, token).post('/api/v1/teams', { name: 'East' })).body.data;
  const owner = await createUser(app, token, 'sales', { team_ids: [team.id] });
  const mate = await createUser(app, token, 'sales', { team_ids: [team.id] });
  const ownerApi = apiClient(app, owner.token);
  const keep = (await ownerApi.post('/api/v1/companies', { name: 'Acme Trading' })).body.data;
  const gone = (await ownerApi.post('/api/v1/companies', { name: 'Acme Trading (old)', allow_duplicate: true })).body.data;

  const page = browser(app, owner.token);
  const show = await page.get(`/companies/${gone.id}`);
  t.match(show.text, 'data-testid="share-form"', 'the owner may share');
  const posted = await page.post(`/companies/${gone.id}/shares`, { target: `user:${mate.user.id}`, access: 'read' });
  t.equal(posted.status, 303, posted.text);
  t.match(posted.location, 'notice=shared');
  t.equal((await page.post(`/companies/${gone.id}/shares`, { target: 'nobody', access: 'read' })).location, `/companies/${gone.id}?notice=share_invalid#sharing`);
  const mateView = await browser(app, mate.token).get(`/companies/${gone.id}`);
  t.equal(mateView.status, 200);
  t.notMatch(mateView.text, 'data-testid="share-form"', 'a sharee with read access gets no share form');
  t.match(mateView.text, mate.user.name);

  const merged = await ownerApi.post(`/api/v1/companies/${keep.id}/merge`, { merge_id: gone.id, pick: {} });
  t.equal(merged.status, 200, merged.text);
  t.equal((await apiClient(app, mate.token).get(`/api/v1/companies/${keep.id}`)).status, 200, 'the share moved to the kept record');

  const shareId = (await ownerApi.get(`/api/v1/companies/${keep.id}/shares`)).body.data[0].id;
  const stop = await page.post(`/companies/${keep.id}/shares/${shareId}/delete`);
  t.equal(stop.status, 303);
  t.equal((await apiClient(app, mate.token).get(`/api/v1/companies/${keep.id}`)).status, 404);
});

t.test('deals and leads are shared like customers: on their pages, through the API, on the board', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const admin = apiClient(app, token);
  const east = (await admin.post('/api/v1/teams', { name: '华东' })).body.data;
  const south = (await admin.post('/api/v1/teams', { name: '华南' })).body.data;
  const owner = await createUser(app, token, 'sales', { team_ids: [east.id] });
  const helper = await createUser(app, token, 'sales', { team_ids: [south.id] });
  const ownerApi = apiClient(app, owner.token);
  const helperApi = apiClient(app, helper.token);
  const pipeline = (await admin.get('/api/v1/pipelines')).body.data[0];
  const deal = (await ownerApi.post('/api/v1/deals', { name: '华南仓库项目', amount: 320_000, currency: 'CNY', stage_id: pipeline.stages[1].id })).body.data;
  const lead = (await admin.post('/api/v1/leads', { name: '吴越', company_name: '越秀贸易', source: 'referral', owner_id: owner.user.id })).body.data;
  t.equal((await helperApi.get(`/api/v1/deals/${deal.id}`)).status, 404, 'not shared: not found');

  // The deal from its page (read), the lead through the API (edit).
  const page = browser(app, owner.token);
  t.match((await page.get(`/deals/${deal.id}`)).text, 'data-testid="share-form"', 'the owner may share the deal');
  const posted = await page.post(`/deals/${deal.id}/shares`, { target: `user:${helper.user.id}`, access: 'read' });
  t.equal(posted.location, `/deals/${deal.id}?notice=shared#sharing`);
  t.match((await page.get(posted.location)).text, helper.user.name, 'the deal page lists whom it is shared with');
  t.equal((await ownerApi.post(`/api/v1/leads/${lead.id}/shares`, { user_id: helper.user.id, access: 'edit' })).status, 201);
  t.match((await page.get(`/leads/${lead.id}`)).text, helper.user.name, 'and so does the lead page');

  t.equal((await helperApi.get(`/api/v1/deals/${deal.id}`)).status, 200, 'a read share: the deal is seen');
  t.equal((await helperApi.patch(`/api/v1/deals/${deal.id}`, { notes: '帮忙', version: deal.version })).status, 403, 'but not changed');
  t.equal((await helperApi.patch(`/api/v1/leads/${lead.id}`, { message: '已电话联系', version: lead.version })).status, 200, 'an edit share: the lead is changed');
  const board = (await helperApi.get(`/api/v1/pipelines/${pipeline.id}/board`)).body.data;
  const column = board.columns.find((c: { stage: { id: number } }) => c.stage.id === pipeline.stages[1].id);
  t.match(column, { count: 1, totals: [{ currency: 'CNY', amount: 320_000 }] }, 'the shared deal counts on the helper\'s board');
  t.same(column.cards.map((c: { id: number }) => c.id), [deal.id], 'with its card');

  const shareId = (await ownerApi.get(`/api/v1/deals/${deal.id}/shares`)).body.data[0].id;
  t.equal((await page.post(`/deals/${deal.id}/shares/${shareId}/delete`)).status, 303);
  t.equal((await helperApi.get(`/api/v1/deals/${deal.id}`)).status, 404, 'revoked: not found again');
  const after = (await helperApi.get(`/api/v1/pipelines/${pipeline.id}/board`)).body.data;
  t.same(after.columns.map((c: { count: number }) => c.count), pipeline.stages.map(() => 0), 'and off the board');
});
