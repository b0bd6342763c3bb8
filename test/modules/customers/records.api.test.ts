// Companies and contacts through the API: create, duplicates, update with versions, scope (a rep
// sees only their own), trash and restore, merge, bulk actions, every change audited.
import t from 'tap';
import { apiClient, buildTestApp, createUser, manualClock, setupAdmin } from '../../helper';

t.test('companies: create, duplicate warning, update, 409, trash, restore', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);

  const created = await api.post('/api/v1/companies', { name: '深圳市云帆科技有限公司', short_name: '云帆', phone: '+86 755-8888 1234', grade: 'A' });
  t.equal(created.status, 201, created.text);
  const company = created.body.data;
  t.equal(company.name, '深圳市云帆科技有限公司');
  t.equal(company.version, 1);

  const dup = await api.post('/api/v1/companies', { name: '深圳市云帆科技股份有限公司' });
  t.equal(dup.status, 409);
  t.equal(dup.body.error.code, 'duplicate');
  t.equal(dup.body.error.current.duplicates[0].id, company.id);
  t.equal(dup.body.error.current.duplicates[0].matched, 'name');
  const dupPhone = await api.post('/api/v1/companies', { name: 'Other', phone: '0755 88881234' });
  t.equal(dupPhone.body.error.current.duplicates[0].matched, 'phone');
  const forced = await api.post('/api/v1/companies', { name: '深圳市云帆科技股份有限公司', allow_duplicate: true });
  t.equal(forced.status, 201);

  const bad = await api.post('/api/v1/companies', { name: 'x', grade: 'D', nickname: 'y' });
  t.equal(bad.status, 400);
  t.ok(bad.body.error.fields.grade && bad.body.error.fields.nickname);

  const updated = await api.patch(`/api/v1/companies/${company.id}`, { grade: 'B', version: 1 });
  t.equal(updated.status, 200);
  t.equal(updated.body.data.version, 2);
  const stale = await api.patch(`/api/v1/companies/${company.id}`, { grade: 'C', version: 1 });
  t.equal(stale.status, 409);
  t.equal(stale.body.error.current.grade, 'B', 'the 409 carries the current record');

  t.equal((await api.delete(`/api/v1/companies/${company.id}`)).status, 204);
  t.equal((await api.get(`/api/v1/companies/${company.id}`)).status, 404);
  const trash = await api.get('/api/v1/companies?deleted=true');
  t.same(trash.body.data.map((c: { id: number }) => c.id), [company.id]);
  const restored = await api.post(`/api/v1/companies/${company.id}/restore`, {});
  t.equal(restored.status, 200);
  t.equal((await api.get(`/api/v1/companies/${company.id}`)).status, 200);

  const actions = await app.core.db.knex('audit_log').where({ record_type: 'companies', record_id: String(company.id) }).orderBy('id').pluck('action');
  t.same(actions, ['create', 'update', 'delete', 'restore']);
});

t.test('contacts: scope, duplicates by mobile written differently, merge, bulk', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const admin = apiClient(app, token);
  const team = (await admin.post('/api/v1/teams', { name: '华东销售' })).body.data;
  const rep = await createUser(app, token, 'sales', { team_ids: [team.id] });
  const other = await createUser(app, token, 'sales', { team_ids: [team.id] });
  const manager = await createUser(app, token, 'manager', { team_ids: [team.id] });
  const repApi = apiClient(app, rep.token);

  const mine = await repApi.post('/api/v1/contacts', { name: '王芳', mobile: '138 0013 8000', email: 'wang@example.com' });
  t.equal(mine.status, 201, mine.text);
  t.equal(mine.body.data.owner_id, rep.user.id);
  t.equal(mine.body.data.team_id, team.id, 'team follows the owner\'s main team');
  const theirs = await apiClient(app, other.token).post('/api/v1/contacts', { name: '李娜' });
  t.equal((await repApi.get(`/api/v1/contacts/${theirs.body.data.id}`)).status, 404, 'a rep does not see a colleague\'s contact');
  t.equal((await repApi.patch(`/api/v1/contacts/${theirs.body.data.id}`, { name: 'x', version: 1 })).status, 404, 'nor change it');
  t.same((await repApi.get('/api/v1/contacts')).body.data.map((c: { name: string }) => c.name), ['王芳']);
  const managerSees = (await apiClient(app, manager.token).get('/api/v1/contacts?sort=name')).body.data.map((c: { name: string }) => c.name);
  t.same(managerSees, ['李娜', '王芳'], 'a manager sees the team, in pinyin order');
  t.equal((await repApi.post('/api/v1/contacts', { name: 'x', owner_id: other.user.id })).status, 403, 'a rep may not give records away');

  const dup = await repApi.post('/api/v1/contacts', { name: '王芳2', mobile: '+86 13800138000' });
  t.equal(dup.status, 409);
  t.equal(dup.body.error.current.duplicates[0].matched, 'mobile');
  const dupOther = await apiClient(app, other.token).post('/api/v1/contacts', { name: 'W', email: 'WANG@example.com' });
  t.equal(dupOther.status, 409);
  t.equal(dupOther.body.error.current.duplicates[0].visible, false, 'a look-alike the caller cannot open is flagged, not shown');

  const second = await repApi.post('/api/v1/contacts', { name: '王芳 (旧)', title: '采购经理', allow_duplicate: true, mobile: '13800138000' });
  const merged = await repApi.post(`/api/v1/contacts/${mine.body.data.id}/merge`, { merge_id: second.body.data.id, pick: {} });
  t.equal(merged.status, 200, merged.text);
  t.equal(merged.body.data.title, '采购经理', 'an empty field is filled from the merged contact');
  t.equal((await repApi.get(`/api/v1/contacts/${second.body.data.id}`)).status, 404, 'the merged contact went to the trash');

  const c2 = (await repApi.post('/api/v1/contacts', { name: '赵敏' })).body.data;
  const bulk = await admin.post('/api/v1/contacts/bulk', { ids: [mine.body.data.id, c2.id], action: 'assign', owner_id: other.user.id });
  t.equal(bulk.status, 200, bulk.text);
  t.same((await repApi.get('/api/v1/contacts')).body.data, [], 'after re-assignment the rep sees none');
  const assigned = await app.core.db.knex('audit_log').where({ action: 'assign', record_type: 'contacts' }).count({ n: '*' }).first();
  t.equal(Number(assigned!.n), 2, 'each assignment audited');
});

t.test('search filter q finds two-character Chinese words and phone suffix filters', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  for (const name of ['深圳市云帆科技有限公司', '北京海淀贸易有限公司', '上海科创集团']) await api.post('/api/v1/companies', { name });
  const q = async (text: string) => (await api.get(`/api/v1/companies?q=${encodeURIComponent(text)}`)).body.data.map((c: { name: string }) => c.name);
  t.same(await q('科技'), ['深圳市云帆科技有限公司']);
  t.same(await q('云帆科技'), ['深圳市云帆科技有限公司']);
  t.same((await q('有限公司')).sort(), ['北京海淀贸易有限公司', '深圳市云帆科技有限公司'].sort());
  t.same(await q('科创'), ['上海科创集团']);
  t.same(await q('广州'), []);
});

t.test('marketing consent keeps the time it was given', async (t) => {
  const clock = manualClock();
  const { app } = await buildTestApp(t, { clock });
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  const c = (await api.post('/api/v1/contacts', { name: '同意者', consent: true, consent_how: '展会表格' })).body.data;
  t.equal(c.consent_at, clock.now().toISOString(), 'consent given now');
  clock.advance(3600_000);
  const again = await api.patch(`/api/v1/contacts/${c.id}`, { consent: true, title: '经理', version: c.version });
  t.equal(again.body.data.consent_at, c.consent_at, 'confirming it again keeps the original time');
  const withdrawn = await api.patch(`/api/v1/contacts/${c.id}`, { consent: false, version: again.body.data.version });
  t.equal(withdrawn.body.data.consent_at, null, 'withdrawn consent has no time');
});

t.test('lists sorted by last contact, either way, page by page: NULLs last, ties by id, nothing skipped or repeated', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  const ids: number[] = [];
  for (let i = 0; i < 13; i++) ids.push((await api.post('/api/v1/contacts', { name: `联系人${i}`, mobile: `1390000${String(1000 + i)}` })).body.data.id);
  // Calls on 9 of them, two on the same day (a tie), four never contacted (NULL).
  const days = ['2026-11-01', '2026-11-03', '2026-11-03', '2026-11-05', '2026-10-20', '2026-11-07', '2026-09-30', '2026-11-02', '2026-11-06'];
  for (const [i, day] of days.entries()) {
    t.equal((await api.post('/api/v1/activities', { type: 'call', subject: '电话', contact_ids: [ids[i]], occurred_at: `${day}T09:00:00Z` })).status, 201);
  }
  const rows = await app.core.db.knex('contacts').whereIn('id', ids).select('id', 'last_contact_at');
  const at = new Map(rows.map((r) => [Number(r.id), r.last_contact_at as string | null]));
  for (const dir of ['asc', 'desc'] as const) {
    const expected = [...ids].sort((a, b) => {
      const va = at.get(a)!;
      const vb = at.get(b)!;
      if (va === vb) return dir === 'asc' ? a - b : b - a;
      if (va === null) return 1;
      if (vb === null) return -1;
      return (va < vb ? -1 : 1) * (dir === 'asc' ? 1 : -1);
    });
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const qs: URLSearchParams = new URLSearchParams({ limit: '4', sort: dir === 'asc' ? 'last_contact_at' : '-last_contact_at', ...(cursor ? { cursor } : {}) });
      const page: { status: number; text: string; body: { data: Array<{ id: number }>; next_cursor: string | null } } = await api.get(`/api/v1/contacts?${qs}`);
      t.equal(page.status, 200, page.text);
      seen.push(...page.body.data.map((c) => c.id));
      cursor = page.body.next_cursor;
    } while (cursor && seen.length < 50);
    t.same(seen, expected, `${dir}: every contact once, in order, NULLs last`);
  }
});
