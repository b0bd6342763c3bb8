// Exports: only what the export scope allows (which may be narrower than reading), masked like the
// screen, names instead of ids, safe in a spreadsheet, and every export audited.
import t from 'tap';
import { apiClient, buildTestApp, createUser, setupAdmin } from '../helper';
import { browser, decode } from '../support/page-client';

const rowsOf = (csv: string) => csv.replace(/^\uFEFF/, '').trim().split('\r\n');

t.test('CSV export of contacts and companies through the scope', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const admin = apiClient(app, token);
  const east = (await admin.post('/api/v1/teams', { name: '华东' })).body.data;
  const west = (await admin.post('/api/v1/teams', { name: '西部' })).body.data;
  const manager = await createUser(app, token, 'manager', { team_ids: [east.id] });
  const rep = await createUser(app, token, 'sales', { team_ids: [east.id] });
  const outsider = await createUser(app, token, 'sales', { team_ids: [west.id] });
  const repApi = apiClient(app, rep.token);
  const company = (await repApi.post('/api/v1/companies', { name: '=HYPERLINK("http://evil")', phone: '021-5555 0000' })).body.data;
  await repApi.post('/api/v1/contacts', { name: '林小雨', company_id: company.id, mobile: '13811112222', email: 'lin@example.com' });
  await apiClient(app, outsider.token).post('/api/v1/contacts', { name: '外人', mobile: '13933334444' });

  const res = await app.inject({ method: 'GET', url: '/api/v1/contacts/export?sort=name', headers: { authorization: `Bearer ${manager.token}` } });
  t.equal(res.statusCode, 200, res.body);
  t.match(res.headers['content-type'], 'text/csv');
  t.match(res.headers['content-disposition'], /attachment; filename="contacts-\d{4}-\d{2}-\d{2}\.csv"/);
  t.ok(res.body.startsWith('\uFEFF'), 'a BOM, so Excel reads UTF-8');
  const lines = rowsOf(res.body);
  t.equal(lines.length, 2, 'header + the team\'s one contact, not the other team\'s');
  t.match(lines[0], /^id,姓名,所属公司,职务,手机/, 'headers in the manager\'s language');
  t.match(lines[1], '林小雨');
  t.match(lines[1], '13811112222', 'the manager may see details');
  t.match(lines[1], `"'=HYPERLINK(""http://evil"")"`, 'the company by name, defused as a formula');
  t.match(lines[1], rep.user.name, 'the owner by name');
  t.notMatch(res.body, '外人');

  t.equal((await repApi.get('/api/v1/contacts/export')).status, 403, 'reps may not export');
  t.equal((await apiClient(app, (await createUser(app, token, 'support')).token).get('/api/v1/companies/export')).status, 403, 'nor support');

  // A custom role that reads everything but may export only its own records, without details.
  await admin.post('/api/v1/roles', { key: 'analyst', name: 'Analyst', permissions: { resources: { contacts: { read: 'all', create: 'own', export: 'own' } }, flags: [] } });
  const analyst = await createUser(app, token, 'analyst');
  const analystApi = apiClient(app, analyst.token);
  await analystApi.post('/api/v1/contacts', { name: '自己的', mobile: '13655556666' });
  t.equal((await analystApi.get('/api/v1/contacts')).body.data.length, 3, 'reads all three');
  const own = await app.inject({ method: 'GET', url: '/api/v1/contacts/export', headers: { authorization: `Bearer ${analyst.token}` } });
  const ownLines = rowsOf(own.body);
  t.equal(ownLines.length, 2, 'exports only its own');
  t.match(ownLines[1], '136****6666', 'masked as on screen');
  t.notMatch(own.body, '13655556666');

  const exports = await app.core.db.knex('audit_log').where({ action: 'export' }).orderBy('id').select('record_type', 'actor_id');
  t.same(exports.map((e) => e.record_type), ['contacts', 'contacts'], 'each export is audited (refused ones are not exports)');

  // The list page links to the export with its filters; a bare date filter means that whole day.
  const page = browser(app, manager.token);
  const list = await page.get('/companies?filter[grade]=A');
  t.match(decode(list.text), 'href="/companies/export.csv?filter[grade]=A"');
  const today = new Date().toISOString().slice(0, 10);
  const csv = await page.get(`/companies/export.csv?filter[created_at][gte]=${today}`);
  t.equal(csv.status, 200);
  t.equal(rowsOf(csv.text).length, 2, 'the company created today');
  t.match(rowsOf(csv.text)[1], '021-5555 0000');
  t.equal(rowsOf((await page.get('/companies/export.csv?filter[grade]=A')).text).length, 1, 'no grade A company: just the header');
  t.equal((await browser(app, rep.token).get('/companies/export.csv')).status, 403);
});
