// The auditor's pages and API: filters, keyset pages, an entry's diff, a record's history for whoever
// may read the record, masking for roles without "sensitive.read", the CSV export (BOM, masked,
// itself audited), clear 400s for bad input, and the nav link.
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { apiClient, buildTestApp, call, createUser, setupAdmin } from '../helper';

const MOBILE = '13800138000';
const NEW_MOBILE = '13912345678';

function page(app: FastifyInstance, token: string, url: string) {
  return call(app, { method: 'GET', url, headers: { accept: 'text/html' }, cookies: { kehu_session: token } });
}

t.test('auditor pages, history, masking and export', async (t) => {
  const { app } = await buildTestApp(t);
  const { knex } = app.core.db;
  const { token: adminToken } = await setupAdmin(app);
  const rep = await createUser(app, adminToken, 'sales');
  const otherRep = await createUser(app, adminToken, 'sales');
  const support = await createUser(app, adminToken, 'support');
  const auditor = await createUser(app, adminToken, 'auditor');
  const repApi = apiClient(app, rep.token);
  const admin = apiClient(app, adminToken);
  const audit = apiClient(app, auditor.token);

  const created = await repApi.post('/api/v1/contacts', { name: '王小明', mobile: MOBILE });
  t.equal(created.status, 201);
  const contact = created.body.data;
  const updated = await call(app, {
    method: 'PATCH', url: `/api/v1/contacts/${contact.id}`, payload: { mobile: NEW_MOBILE, version: contact.version },
    headers: { authorization: `Bearer ${rep.token}`, 'user-agent': '=HYPERLINK("x")' },
  });
  t.equal(updated.status, 200);
  const record = `filter[record_type]=contacts&filter[record_id]=${contact.id}`;

  // The log, as an auditor (no sensitive.read): masked; as the admin: in clear.
  const asAuditor = await audit.get(`/api/v1/audit-log?${record}`);
  t.equal(asAuditor.status, 200);
  t.same(asAuditor.body.data.map((e: any) => e.action), ['update', 'create'], "the contact's entries, newest first");
  const change = asAuditor.body.data[0].changes.find((c: any) => c.field === 'mobile');
  t.same(change, { field: 'mobile', before: '138****8000', after: '139****5678', erased: false, masked: true }, 'sensitive values masked for the auditor');
  t.equal(asAuditor.body.data[0].actor_id, rep.user.id);
  t.equal(asAuditor.body.data[0].actor_name, rep.user.name);
  t.equal(asAuditor.body.data[0].user_agent, '=HYPERLINK("x")');
  t.ok(asAuditor.body.data[0].request_id, 'the request id is kept');
  const asAdmin = await admin.get(`/api/v1/audit-log?${record}`);
  t.same(asAdmin.body.data[0].changes.find((c: any) => c.field === 'mobile'), { field: 'mobile', before: MOBILE, after: NEW_MOBILE, erased: false, masked: false }, 'the admin sees the values');

  // Filters and keyset pages.
  const byRep = await audit.get(`/api/v1/audit-log?filter[actor_id]=${rep.user.id}`);
  t.ok(byRep.body.data.length >= 3 && byRep.body.data.every((e: any) => e.actor_id === rep.user.id), 'by who (sign-in, create, update)');
  const updates = await audit.get('/api/v1/audit-log?filter[action]=update&filter[record_type]=contacts');
  t.same(updates.body.data.map((e: any) => e.record_id), [String(contact.id)], 'by action and record type');
  // A bare date is a day in the company's time zone (Asia/Shanghai in the test setup).
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(app.core.clock.now());
  const inRange = await audit.get(`/api/v1/audit-log?filter[at][gte]=${today}&filter[at][lte]=${today}&limit=200`);
  const everything = Number((await knex('audit_log').count({ n: '*' }).first())?.n);
  t.equal(inRange.body.data.length, everything, 'by date range: everything happened today');
  const none = await audit.get('/api/v1/audit-log?filter[at][lte]=2001-01-01');
  t.same(none.body.data, [], 'an empty range');
  const seen: number[] = [];
  let url = '/api/v1/audit-log?limit=3';
  while (url) {
    const res = await audit.get(url);
    seen.push(...res.body.data.map((e: any) => e.id));
    url = res.body.next_cursor ? `/api/v1/audit-log?limit=3&cursor=${res.body.next_cursor}` : '';
  }
  t.equal(seen.length, everything, 'paging by cursor reaches every entry');
  t.equal(new Set(seen).size, seen.length, 'each once');
  t.equal((await audit.get('/api/v1/audit-log?filter[ip]=127.0.0.1&limit=1')).body.data.length, 1, 'by IP');
  t.same((await audit.get('/api/v1/audit-log?filter[ip]=10.9.9.9')).body.data, [], 'an IP nobody used');

  // Bad input: 400 with a reason, never 500.
  for (const bad of ['filter[at][gte]=2026-02-31', 'filter[at][gte]=2026-02-31T10:00:00Z', 'filter[bogus]=1', 'cursor=zzz', 'limit=0', 'filter[actor_id]=abc', 'filter[at][gte]=2026-03-01&filter[at][lte]=2026-02-01']) {
    const res = await audit.get(`/api/v1/audit-log?${bad}`);
    t.equal(res.status, 400, `${bad}: ${res.body.error?.message}`);
  }
  t.equal((await audit.get('/api/v1/audit-log/999999999')).status, 404, 'an unknown entry');

  // Who may not.
  t.equal((await repApi.get('/api/v1/audit-log')).status, 403, 'a rep cannot read the log');
  t.equal((await repApi.get('/api/v1/audit-log/export')).status, 403, 'nor export it');
  t.equal((await page(app, rep.token, '/audit')).status, 403, 'nor open the page');

  // History: whoever may read the record.
  const own = await repApi.get(`/api/v1/audit-log/records/contacts/${contact.id}`);
  t.equal(own.status, 200, "the owner reads the record's history");
  t.equal(own.body.data[0].changes.find((c: any) => c.field === 'mobile').after, NEW_MOBILE, 'in clear for a role with sensitive.read');
  t.equal((await apiClient(app, otherRep.token).get(`/api/v1/audit-log/records/contacts/${contact.id}`)).status, 404, "another team's rep: not found");
  t.equal((await repApi.get('/api/v1/audit-log/records/users/1')).status, 404, 'no history of types outside the record types');
  const bySupport = await apiClient(app, support.token).get(`/api/v1/audit-log/records/contacts/${contact.id}`);
  t.equal(bySupport.status, 200, 'support reads every contact, so its history');
  t.equal(bySupport.body.data[0].changes.find((c: any) => c.field === 'mobile').after, '139****5678', 'masked for support');
  t.equal((await audit.get(`/api/v1/audit-log/records/users/${rep.user.id}`)).status, 200, "an auditor reads any record's history");

  // Pages.
  const list = await page(app, auditor.token, `/audit?filter[record_type]=contacts&filter[record_id]=${contact.id}&filter[action]=&filter[at][gte]=`);
  t.equal(list.status, 200, 'empty form fields are ignored');
  t.match(list.text, '139****5678');
  t.notMatch(list.text, NEW_MOBILE, 'no clear value on the page');
  t.match(list.text, 'data-testid="nav-audit"', 'the nav links the audit log');
  t.match(list.text, 'data-testid="export"');
  t.notMatch((await page(app, rep.token, '/')).text, 'data-testid="nav-audit"', 'not for a rep');
  const entryId = asAuditor.body.data[0].id;
  const entry = await page(app, auditor.token, `/audit/entries/${entryId}`);
  t.equal(entry.status, 200);
  t.match(entry.text, '138****8000');
  t.match(entry.text, asAuditor.body.data[0].request_id);
  t.match(entry.text, 'HYPERLINK(&quot;x&quot;)', 'the user agent, escaped');
  t.equal((await page(app, auditor.token, '/audit/entries/abc')).status, 400);
  const history = await page(app, rep.token, `/audit/records/contacts/${contact.id}`);
  t.equal(history.status, 200, 'the history page for the owner');
  t.match(history.text, NEW_MOBILE);
  t.notMatch(history.text, `/audit/entries/${entryId}`, 'no links to the auditor pages for a rep');
  t.equal((await page(app, otherRep.token, `/audit/records/contacts/${contact.id}`)).status, 404);
  const show = await page(app, rep.token, `/contacts/${contact.id}`);
  t.match(show.text, `href="/audit/records/contacts/${contact.id}"`, 'the 360° page links its history');
  const logged = await apiClient(app, rep.token).post('/api/v1/activities', { type: 'call', subject: 'history link', contact_ids: [contact.id] });
  t.match((await page(app, rep.token, `/activities/${logged.body.data.id}`)).text, `href="/audit/records/activities/${logged.body.data.id}"`, 'so does an activity\'s edit page');

  // Export: UTF-8 with BOM, masked, formula cells defused, and audited with its filter.
  const before = Number((await knex('audit_log').where({ action: 'export' }).count({ n: '*' }).first())?.n);
  const csv = await call(app, { method: 'GET', url: `/api/v1/audit-log/export?${record}`, headers: { authorization: `Bearer ${auditor.token}` } });
  t.equal(csv.status, 200);
  t.match(String(csv.headers['content-type']), /^text\/csv; charset=utf-8/);
  t.match(String(csv.headers['content-disposition']), /attachment; filename="audit-log-/);
  t.ok(csv.text.startsWith('\uFEFFid,seq,at,'), 'starts with a BOM and the header');
  const rows = csv.text.trim().split('\r\n');
  t.equal(rows.length, 3, 'header and two entries');
  t.match(csv.text, '王小明', 'Chinese text as is');
  t.match(csv.text, '138****8000 → 139****5678');
  t.notMatch(csv.text, NEW_MOBILE, 'masked like the pages');
  t.match(csv.text, `"'=HYPERLINK(""x"")"`, 'a formula-like cell is defused');
  const exports = await knex('audit_log').where({ action: 'export' }).orderBy('id', 'desc').select('*');
  t.equal(exports.length, before + 1, 'the export wrote one entry');
  t.equal(exports[0].record_type, 'audit_log');
  t.equal(Number(exports[0].actor_id), auditor.user.id);
  const filterValue = await knex('audit_values').where({ entry_id: exports[0].id, field: 'filter' }).first();
  t.same(JSON.parse(filterValue.after_value), { record_type: 'contacts', record_id: String(contact.id) }, 'with the filter used');
  t.equal((await audit.get('/api/v1/audit-log/export?limit=5')).status, 400, 'the export takes filters only');
  const pageExport = await call(app, { method: 'GET', url: `/api/v1/audit-log/export?${record}`, cookies: { kehu_session: auditor.token } });
  t.equal(pageExport.status, 200, "the page's export link works with the session cookie");
});
