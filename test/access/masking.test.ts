// Sensitive fields (mobile, phone, email, WeChat) are masked for roles without "sensitive.read"
// — in the API, pages, search and conflict bodies — and such roles cannot search by them.
import t from 'tap';
import { maskValue } from '../../src/access/sensitive';
import { actorFor, apiClient, buildTestApp, createUser, setupAdmin } from '../helper';
import { browser, hidden } from '../support/page-client';

t.test('maskValue keeps a value recognisable, never usable', async (t) => {
  t.equal(maskValue('13812345678'), '138****5678');
  t.equal(maskValue('+86 138 1234 5678'), '+86****5678');
  t.equal(maskValue('li.lei@example.com'), 'l***@example.com');
  t.equal(maskValue('wx_zhou'), 'w***');
  t.equal(maskValue('微信号码很长的一个'), '微信号****长的一个');
  t.equal(maskValue(null), null);
  t.equal(maskValue(''), '');
});

t.test('support sees contact details masked everywhere and cannot search by them', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const admin = apiClient(app, token);
  const support = await createUser(app, token, 'support');
  const sales = await createUser(app, token, 'sales');
  const supportApi = apiClient(app, support.token);

  const company = (await admin.post('/api/v1/companies', { name: '星河贸易', phone: '0755-8888 1234' })).body.data;
  const created = await admin.post('/api/v1/contacts', { name: '周杰', company_id: company.id, mobile: '13912345678', email: 'zhou.jie@xinghe.cn', wechat: 'zhoujie_wx', title: '采购' });
  t.equal(created.status, 201, created.text);
  const contact = created.body.data;
  t.equal(contact.mobile, '13912345678', 'the admin sees the real number');

  const seen = (await supportApi.get(`/api/v1/contacts/${contact.id}`)).body.data;
  t.match(seen, { name: '周杰', title: '采购', mobile: '139****5678', email: 'z***@xinghe.cn', wechat: 'zhoujie_wx'.slice(0, 3) + '****' + 'e_wx' });
  t.equal((await supportApi.get(`/api/v1/companies/${company.id}`)).body.data.phone, '075****1234');
  const listed = (await supportApi.get('/api/v1/contacts')).body.data;
  t.equal(listed[0].mobile, '139****5678', 'lists are masked');
  t.equal((await apiClient(app, sales.token).post('/api/v1/contacts', { name: 'x', mobile: '13000000000' })).body.data.mobile, '13000000000', 'a rep (with the permission) sees what they typed');

  // Search: names still work, the details do not (no guessing digit by digit).
  const names = await app.services.search.search(await actorFor(app, support.token), '周杰');
  t.same(names.map((h) => h.id), [contact.id], 'by name: found');
  for (const q of ['5678', '139 1234 5678', 'zhou.jie@xinghe.cn', 'zhoujie_wx']) {
    t.same(await app.services.search.search(await actorFor(app, support.token), q), [], `no hit for "${q}"`);
  }
  t.same((await app.services.search.search(await actorFor(app, token), '5678')).map((h) => h.id), [contact.id], 'the admin finds it by the last digits');

  // Pages: the 360° page and the list never carry the number.
  const page = browser(app, support.token);
  const show = await page.get(`/contacts/${contact.id}`);
  t.equal(show.status, 200);
  t.notMatch(show.text, '13912345678');
  t.notMatch(show.text, 'zhou.jie@');
  t.match(show.text, '139****5678');
  t.notMatch((await page.get('/contacts')).text, '13912345678');
  t.notMatch((await page.get(`/companies/${company.id}`)).text, '13912345678', 'nor the company page\'s contact list');

  // Support may update what it owns. The API refuses a masked value (it is not a number); the edit
  // page sends only the fields the user changed, so an untouched masked field is left alone.
  const own = (await supportApi.post('/api/v1/contacts', { name: '陈晨', mobile: '13600001111' })).body.data;
  t.equal(own.mobile, '136****1111', 'even the creator sees it masked after saving');
  const echoed = await supportApi.patch(`/api/v1/contacts/${own.id}`, { mobile: '136****1111', version: own.version });
  t.equal(echoed.status, 400, 'a masked value is not a phone number');
  t.ok(echoed.body.error.fields.mobile);
  const edit = await page.get(`/contacts/${own.id}/edit`);
  t.notMatch(edit.text, '13600001111', 'the edit form shows the mask');
  const base = JSON.parse(hidden(edit.text, '_base'));
  const saved = await page.post(`/contacts/${own.id}`, { ...base, title: '经理', version: hidden(edit.text, 'version'), _base: hidden(edit.text, '_base') });
  t.equal(saved.status, 303, saved.text);
  t.same(await app.core.db.knex('contacts').where({ id: own.id }).first('mobile', 'title'), { mobile: '13600001111', title: '经理' }, 'the number survived the save');
  const replaced = await supportApi.patch(`/api/v1/contacts/${own.id}`, { mobile: '13700002222', version: 2 });
  t.equal(replaced.status, 200, replaced.text);
  t.equal((await app.core.db.knex('contacts').where({ id: own.id }).first('mobile')).mobile, '13700002222', 'a new value is written');
  const stale = await supportApi.patch(`/api/v1/contacts/${own.id}`, { title: 'x', version: 1 });
  t.equal(stale.status, 409);
  t.equal(stale.body.error.current.mobile, '137****2222', 'the 409 body is masked too');
});
