// Lead pages without JavaScript: the admin page shows the embeddable form (escaped) and takes
// limits and rules; a web submission shows on the list and the lead page (owner, score with
// reasons, consent); the lead is converted from its page and links to what it became; held
// submissions are released from the admin page.
import t from 'tap';
import { apiClient, buildTestApp, createUser, manualClock, setupAdmin } from '../../helper';
import { browser, decode, hidden } from '../../support/page-client';

t.test('lead pages: admin settings, web lead, lead page, conversion, quarantine', async (t) => {
  const { app } = await buildTestApp(t, { clock: manualClock() });
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  const page = browser(app, token);
  const { knex } = app.core.db;
  const rep = await createUser(app, token, 'sales');

  const admin = await page.get('/admin/leads');
  t.equal(admin.status, 200, admin.text.slice(0, 300));
  t.match(admin.text, '&lt;form method', 'the snippet is shown as text, escaped');
  t.notMatch(admin.text, '<form method="post" action="http', 'never as markup');
  t.match(decode(admin.text), '/forms/lead', 'posting to the public endpoint');
  t.match(decode(admin.text), 'name="website"', 'with the honeypot field');
  const rule = await page.post('/admin/leads/routing-rules', { name: '网站 → 销售', field: 'source', op: 'eq', value: 'website', action: 'user', user_id: String(rep.user.id) });
  t.equal(rule.status, 303, rule.text.slice(0, 300));
  const saved = await page.post('/admin/leads/settings', { fallback_user_id: '', per_address_per_hour: '1', global_per_minute: '100', over_limit: 'quarantine', thank_you_text: '' });
  t.equal(saved.status, 303, saved.text.slice(0, 300));

  const submit = (fields: Record<string, string>) => app.inject({ method: 'POST', url: '/forms/lead', remoteAddress: '10.3.3.3', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });
  t.equal((await submit({ name: '赵<b>总</b>', company_name: '新客户科技', email: 'zhao@xinkehu.cn', consent: 'yes' })).statusCode, 200);
  const lead = await knex('leads').first();
  t.equal(lead.owner_id, rep.user.id, 'routed by the rule');

  const list = await page.get('/leads');
  t.equal(list.status, 200);
  t.match(list.text, '赵&lt;b&gt;总&lt;/b&gt;', 'escaped on the list');
  const show = await page.get(`/leads/${lead.id}`);
  t.equal(show.status, 200);
  t.match(decode(show.text), /data-testid="lead-score">15</, 'the score');
  t.match(decode(show.text), 'company email: 15', 'and its reason');
  t.match(decode(show.text), /data-testid="lead-owner">[^<]+</, 'the owner');

  const edit = await page.get(`/leads/${lead.id}/edit`);
  t.equal(edit.status, 200);
  const edited = await page.post(`/leads/${lead.id}`, { name: '赵总', company_name: '新客户科技', email: 'zhao@xinkehu.cn', phone: '', source: 'website', message: '', region: '上海', industry: '', consent: 'yes', version: hidden(edit.text, 'version') });
  t.equal(edited.status, 303, edited.text.slice(0, 300));
  const afterEdit = (await api.get(`/api/v1/leads/${lead.id}`)).body.data;
  t.same([afterEdit.name, afterEdit.region, afterEdit.consent], ['赵总', '上海', true], 'edited from its page');
  t.equal((await page.post(`/leads/${lead.id}`, { name: 'x', source: 'website', version: hidden(edit.text, 'version') })).status, 409, 'a stale edit: the current version wins');

  const logged = await page.post(`/leads/${lead.id}/log`, { type: 'call', subject: '电话联系' });
  t.equal(logged.status, 303, logged.text.slice(0, 300));
  t.match(decode((await page.get(`/leads/${lead.id}`)).text), /data-testid="lead-score">25</, 'the activity counts for the score at once');

  const converted = await page.post(`/leads/${lead.id}/convert`, { company_id: '', deal_name: '新客户首单', amount: '8000' });
  t.equal(converted.status, 303, converted.text.slice(0, 500));
  const after = decode((await page.get(`/leads/${lead.id}`)).text);
  t.match(after, 'data-testid="converted"', 'the lead shows what it became');
  const fresh = await knex('leads').where({ id: lead.id }).first();
  t.match(after, `href="/deals/${fresh.converted_deal_id}"`);
  t.equal((await api.get(`/api/v1/deals/${fresh.converted_deal_id}`)).body.data.amount, 800000);

  // A second submission from the same address is held; the admin releases it from the page.
  t.equal((await submit({ name: '第二次', email: 'second@xinkehu.cn' })).statusCode, 200);
  const held = await knex('lead_submissions').where({ status: 'quarantined' }).first();
  t.ok(held, 'held in quarantine');
  t.match(decode((await page.get('/admin/leads')).text), 'second@xinkehu.cn', 'listed on the admin page');
  const released = await page.post(`/admin/leads/submissions/${held.id}/release`, {});
  t.equal(released.status, 303);
  t.equal(Number((await knex('leads').count({ n: '*' }).first())!.n), 2, 'released into a lead');
  t.equal((await browser(app, rep.token).get('/admin/leads')).status, 403, 'the admin page is for admins');

  // Two inquiries from one company: the lead page offers to merge them.
  const one = (await api.post('/api/v1/leads', { name: '钱一', company_name: '合并测试有限公司' })).body.data;
  const two = (await api.post('/api/v1/leads', { name: '钱二', company_name: '合并测试', phone: '13300001111' })).body.data;
  t.match(decode((await page.get(`/leads/${one.id}`)).text), `href="/leads/${two.id}"`, 'the other inquiry is offered');
  const merged = await page.post(`/leads/${one.id}/merge`, { merge_id: String(two.id) });
  t.equal(merged.status, 303, merged.text.slice(0, 300));
  t.equal((await api.get(`/api/v1/leads/${one.id}`)).body.data.phone, '13300001111', 'merged');
});
