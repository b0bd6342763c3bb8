// The customer pages through app.inject with a signed-in browser (session cookie, CSRF token from
// the page's meta tag): lists with filters, paging, columns, saved views and bulk actions; the
// create form's inline errors and duplicate warning; both versions on a 409; the 360° page with
// the quick log, files and the recently-viewed cookie; My day; search; trash; merge; tags; grades.
import t from 'tap';
import { apiClient, buildTestApp, createUser, manualClock, setupAdmin } from '../../helper';
import { browser, decode, hidden } from '../../support/page-client';

const count = (html: string, needle: string) => html.split(needle).length - 1;
t.test('customer pages', async (t) => {
  const clock = manualClock(new Date('2026-11-25T02:00:00.000Z')); // 10:00 in Shanghai
  const { app } = await buildTestApp(t, { clock, overrides: { session: { ttlHours: 720 } } });
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  const admin = browser(app, token);

  await t.test('lists: filters, empty fields ignored, columns, sort links, paging, saved views', async (t) => {
    for (let i = 0; i < 55; i++) {
      const grade = i % 5 === 0 ? 'A' : 'C';
      const res = await api.post('/api/v1/companies', { name: `测试公司${String(i).padStart(2, '0')}号`, grade, province: i % 2 ? '广东' : '浙江', phone: `0755-1000${String(i).padStart(4, '0')}` });
      t.equal(res.status, 201, res.text);
    }
    const all = await admin.get('/companies');
    t.equal(all.status, 200);
    t.equal(count(all.text, 'href="/companies/') - count(all.text, 'href="/companies/new') - count(all.text, 'href="/companies/trash') - count(all.text, 'href="/companies/export.csv'), 50, 'fifty rows on the first page');
    const next = /data-testid="next-page"/.test(all.text) ? decode(/href="([^"]+)" data-testid="next-page"/.exec(all.text)![1]) : '';
    t.match(next, /^\/companies\?cursor=/, 'a next-page link with a cursor');
    const second = await admin.get(next);
    t.equal(second.status, 200);
    t.match(second.text, '测试公司54号');
    t.notMatch(second.text, 'data-testid="next-page"', 'the last page has no next link');

    const filtered = await admin.get('/companies?q=&filter%5Bgrade%5D=A&filter%5Bprovince%5D=&filter%5Bcreated_at%5D%5Bgte%5D=2026-11-25&filter%5Bcreated_at%5D%5Blte%5D=2026-11-25&filter%5Bno_contact_days%5D=');
    t.equal(filtered.status, 200, 'empty filter fields are dropped, not refused');
    t.equal(count(filtered.text, '测试公司'), 11, 'grade A only (11 of 55), created today in the company\'s time zone');
    t.match(filtered.text, /<option value="A" selected>/, 'the filter form shows the chosen grade');
    const before = await admin.get('/companies?filter%5Bcreated_at%5D%5Blte%5D=2026-11-24');
    t.equal(count(before.text, '测试公司'), 0, 'nothing created up to yesterday');
    const region = await admin.get('/companies?filter%5Bprovince%5D=%E5%B9%BF%E4%B8%9C&filter%5Bgrade%5D=A');
    t.equal(count(region.text, '测试公司'), 5, 'province and grade together');

    const cols = await admin.get('/companies?columns=name&columns=province&filter%5Bgrade%5D=A');
    t.match(cols.text, /<th[^>]*>[^<]*省份|>省份</, 'the chosen province column is shown');
    t.notMatch(cols.text, /<th[^>]*><a[^>]*>最近联系/, 'a column not chosen is not');
    t.match(cols.text, /value="province" checked/, 'the column choice is kept');
    t.match(decode(cols.text), 'href="/companies?filter[grade]=A&columns=name,province&sort=-name"', 'the name header reverses the order, keeping filters and columns');
    const desc = await admin.get('/companies?sort=-name&filter%5Bgrade%5D=A');
    t.ok(desc.text.indexOf('测试公司50号') < desc.text.indexOf('测试公司00号'), 'sorted descending');

    const save = await admin.post('/saved-views', { record_type: 'companies', name: 'A 级客户', query: 'filter[grade]=A&columns=name,province' });
    t.equal(save.status, 303);
    t.equal(save.location, '/companies?filter[grade]=A&columns=name,province&notice=view_saved');
    const withView = await admin.get('/companies');
    t.match(decode(withView.text), /<a href="\/companies\?filter\[grade\]=A&columns=name,province">A 级客户<\/a>/, 'the saved view is a link on the list');
    const viewId = /action="\/saved-views\/(\d+)\/delete"/.exec(withView.text)![1];
    const del = await admin.post(`/saved-views/${viewId}/delete`, { record_type: 'companies' });
    t.equal(del.location, '/companies?notice=view_deleted');
    t.notMatch((await admin.get('/companies')).text, 'A 级客户');
  });

  await t.test('bulk actions on a selection', async (t) => {
    const tag = (await api.post('/api/v1/tags', { name: '重点' })).body.data;
    const ids = (await api.get('/api/v1/companies?filter[grade]=A')).body.data.map((c: { id: number }) => String(c.id));
    const res = await admin.post('/companies/bulk', { ids: ids.slice(0, 3), action: 'add_tag', tag_id: String(tag.id), back: 'filter[grade]=A' });
    t.equal(res.status, 303);
    t.equal(res.location, '/companies?filter[grade]=A&notice=bulk_done');
    const tagged = (await api.get(`/api/v1/companies?filter[tag]=${tag.id}`)).body.data;
    t.equal(tagged.length, 3, 'three companies tagged');
    const list = await admin.get(`/companies?filter%5Btag%5D=${tag.id}&columns=name,tags`);
    t.equal(count(list.text, '<span class="tag">'), 3, 'the tag column shows them');
    const none = await admin.post('/companies/bulk', { action: 'add_tag', tag_id: String(tag.id) });
    t.equal(none.location, '/companies?notice=bulk_none', 'no selection: nothing to do');
    const noOwner = await admin.post('/companies/bulk', { ids: ids.slice(0, 1), action: 'assign' });
    t.equal(noOwner.location, '/companies?notice=bulk_failed', 'assigning without an owner is refused, nothing changed');
  });

  await t.test('create form: inline errors keep the input; the duplicate warning; create anyway', async (t) => {
    const form = await admin.get('/companies/new');
    t.equal(form.status, 200);
    t.match(form.text, 'data-testid="record-form"');
    t.notMatch(form.text, 'name="allow_duplicate"', 'no "create anyway" before a warning');
    const bad = await admin.post('/companies', { name: '深圳市云帆科技有限公司', short_name: '云帆', phone: '电话号码!', grade: 'A', notes: '第一行\n第二行' });
    t.equal(bad.status, 400);
    t.match(bad.text, /id="e-phone">格式不正确。</, 'the message under the phone field, in Chinese');
    t.match(bad.text, 'value="深圳市云帆科技有限公司"', 'the name is kept');
    t.match(bad.text, 'value="云帆"', 'the short name is kept');
    t.match(bad.text, 'value="电话号码!"', 'the wrong phone is kept to be corrected');
    t.match(bad.text, /<option value="A" selected>/, 'the grade is kept');
    t.match(bad.text, '第一行\n第二行', 'the notes are kept');

    const ok = await admin.post('/companies', { name: '深圳市云帆科技有限公司', short_name: '云帆', phone: '0755-8888 1234', grade: 'A' });
    t.equal(ok.status, 303);
    t.match(ok.location, /^\/companies\/\d+\?notice=created$/);
    const firstId = Number(/\/companies\/(\d+)/.exec(ok.location)![1]);

    const dup = await admin.post('/companies', { name: '深圳市云帆科技股份有限公司', city: '深圳' });
    t.equal(dup.status, 409);
    t.match(dup.text, 'data-testid="duplicates"', 'a warning, not an error page');
    t.match(dup.text, `href="/companies/${firstId}" data-testid="duplicate-link">深圳市云帆科技有限公司</a>`, 'the look-alike is linked');
    t.match(dup.text, '名称相同', 'with why it looks alike');
    t.match(dup.text, 'name="allow_duplicate" value="1"', 'and a "create anyway" box');
    t.match(dup.text, 'value="深圳"', 'what was typed is kept');

    const anyway = await admin.post('/companies', { name: '深圳市云帆科技股份有限公司', city: '深圳', allow_duplicate: '1' });
    t.equal(anyway.status, 303, 'created anyway');
    const secondId = Number(/\/companies\/(\d+)/.exec(anyway.location)![1]);
    const show = await admin.get(`/companies/${secondId}`);
    t.match(show.text, 'data-testid="merge-hint"', 'the new record\'s page points at its look-alike');
    t.match(decode(show.text), `href="/companies/${secondId}/merge?with=${firstId}"`, 'with a merge link');
    const third = await admin.post('/companies', { name: '深圳市云帆科技有限公司' });
    t.equal(third.status, 409);
    t.match(decode(third.text), new RegExp(`href="/companies/(${firstId}/merge\\?with=${secondId}|${secondId}/merge\\?with=${firstId})" data-testid="merge-link"`), 'two existing look-alikes: the warning offers to merge them');
  });

  await t.test('edit: a stale version shows both versions and re-applies my changes', async (t) => {
    const company = (await api.post('/api/v1/companies', { name: '杭州西湖茶业', grade: 'B', city: '杭州', phone: '0571-8888 0000' })).body.data;
    const edit = await admin.get(`/companies/${company.id}/edit`);
    t.equal(edit.status, 200);
    const version = hidden(edit.text, 'version');
    const base = hidden(edit.text, '_base');
    t.equal(version, '1');
    t.match(base, /"city":"杭州"/, 'the form carries what it showed');

    // A colleague changes the grade meanwhile.
    t.equal((await api.patch(`/api/v1/companies/${company.id}`, { grade: 'A', version: 1 })).status, 200);

    // I change the city (and leave the grade as I saw it).
    const fields = { name: '杭州西湖茶业', short_name: '', grade: 'B', industry: '', size_band: '', source: '', phone: '0571-8888 0000', website: '', province: '', city: '杭州市西湖区', address: '', notes: '', owner_id: '', version, _base: base };
    const stale = await admin.post(`/companies/${company.id}`, fields);
    t.equal(stale.status, 409);
    t.match(stale.text, 'data-testid="conflict"');
    t.match(stale.text, /data-testid="mine-city">杭州市西湖区</, 'my city');
    t.match(stale.text, /data-testid="current-city">杭州</, 'the saved city');
    t.match(stale.text, /data-testid="mine-grade">B 级</, 'my (untouched) grade');
    t.match(stale.text, /data-testid="current-grade">A 级</, 'their grade');
    t.equal(hidden(stale.text, 'version'), '2', 'the form now carries the current version');
    t.match(stale.text, 'value="杭州市西湖区"', 'my change is re-applied in the form');
    t.match(stale.text, /<select id="f-grade"[\s\S]*?<option value="A" selected>/, 'the colleague\'s grade is kept, since I did not touch it');
    t.equal((await api.get(`/api/v1/companies/${company.id}`)).body.data.city, '杭州', 'nothing was overwritten');

    const again = await admin.post(`/companies/${company.id}`, { ...fields, grade: 'A', version: hidden(stale.text, 'version'), _base: hidden(stale.text, '_base') });
    t.equal(again.status, 303);
    const final = (await api.get(`/api/v1/companies/${company.id}`)).body.data;
    t.equal(final.city, '杭州市西湖区', 'my change saved');
    t.equal(final.grade, 'A', 'their change kept');
    t.equal(final.version, 3);
  });

  let callCompany = 0;
  await t.test('360° page: quick log with a next step, timeline, files, recently viewed', async (t) => {
    const company = (await api.post('/api/v1/companies', { name: '广州新星贸易有限公司', grade: 'A' })).body.data;
    callCompany = company.id;
    const contact = (await api.post('/api/v1/contacts', { name: '陈静', company_id: company.id, title: '采购经理', mobile: '139 2000 1234' })).body.data;
    const page = await admin.get(`/companies/${company.id}`);
    t.equal(page.status, 200);
    t.match(page.text, 'data-testid="quick-log"');
    t.match(page.text, /<option value="call" selected>电话<\/option>/, 'call is the default type');
    t.match(page.text, `href="/contacts/${contact.id}">陈静</a>`, 'the company\'s contacts');
    t.match(decodeURIComponent(String(page.headers['set-cookie'])), new RegExp(`kehu_recent=companies:${company.id}[,;].*HttpOnly.*SameSite=Lax`, 'i'), 'recorded in the recently-viewed cookie (httpOnly, SameSite=Lax)');

    const empty = await admin.post(`/companies/${company.id}/log`, { type: 'call', subject: '', outcome: '有兴趣' });
    t.equal(empty.status, 400, 'a subject is needed');
    t.match(empty.text, 'value="有兴趣"', 'the outcome is kept');

    const logged = await admin.post(`/companies/${company.id}/log`, { type: 'call', subject: '询价', outcome: '有兴趣', next_step: '发报价单', next_step_at: '2026-11-25' });
    t.equal(logged.status, 303);
    t.equal(logged.location, `/companies/${company.id}?notice=logged#timeline`);
    const acts = (await api.get(`/api/v1/activities?parent_type=companies&parent_id=${company.id}`)).body.data;
    t.equal(acts.length, 1);
    t.equal(acts[0].subject, '询价');
    const task = (await api.get(`/api/v1/tasks/${acts[0].follow_up_task_id}`)).body.data;
    t.equal(task.title, '发报价单', 'the next step became a task');
    t.equal(task.due_at, '2026-11-25T01:00:00.000Z', 'due at 09:00 in Shanghai on the chosen day');

    const quiet = (await api.get('/api/v1/companies?filter[no_contact_days]=1&limit=200')).body.data.map((c: { id: number }) => c.id);
    t.ok(quiet.length > 50 && !quiet.includes(company.id), '"no contact for N days" leaves out the company just called');

    const after = await admin.get(`/companies/${company.id}?notice=logged`);
    t.match(after.text, '已记录。');
    t.match(after.text, />询价</, 'the call is on the timeline');
    t.match(after.text, />发报价单</, 'and so is its follow-up');

    const up = await admin.upload(`/companies/${company.id}/attachments`, '报价单.txt', Buffer.from('quote v1'));
    t.equal(up.status, 303, up.text.slice(0, 300));
    const files = await admin.get(`/companies/${company.id}`);
    const fileId = /href="\/attachments\/(\d+)" data-testid="file-link">报价单.txt</.exec(files.text)?.[1];
    t.ok(fileId, 'the file is listed with a download link');
    const down = await admin.get(`/attachments/${fileId}`);
    t.equal(down.status, 200);
    t.equal(down.text, 'quote v1');
    const noToken = await app.inject({ method: 'POST', url: `/companies/${company.id}/attachments`, headers: { 'content-type': 'multipart/form-data; boundary=x' }, payload: '--x--\r\n', cookies: Object.fromEntries(admin.jar) });
    t.equal(noToken.statusCode, 403, 'an upload without the token in its URL is refused');

    for (let i = 0; i < 52; i++) t.equal((await api.post('/api/v1/activities', { type: 'note', subject: `备忘 ${i}`, contact_ids: [contact.id], occurred_at: `2026-11-2${i % 5}T0${i % 9}:00:00Z` })).status, 201);
    const timeline = await admin.get(`/contacts/${contact.id}`);
    t.equal(count(timeline.text, 'class="tl-item'), 50, 'the timeline shows 50 at a time');
    const more = decode(/href="([^"]+)" data-testid="timeline-more"/.exec(timeline.text)?.[1] ?? '');
    t.match(more, new RegExp(`^/contacts/${contact.id}\\?cursor=.+#timeline$`), 'with a "more" link');
    const rest = await admin.get(more.replace(/#.*$/, ''));
    t.equal(count(rest.text, 'class="tl-item'), 2, 'the two oldest notes on the next page');
    t.notMatch(rest.text, 'data-testid="timeline-more"');
    t.match(decodeURIComponent(admin.jar.get('kehu_recent') ?? ''), `contacts:${contact.id},companies:${company.id}`, 'most recent first');
  });

  await t.test('My day: the follow-up due today, one-click done, neglected customers, recently viewed', async (t) => {
    const home = await admin.get('/');
    t.equal(home.status, 200);
    const tasksBlock = /data-testid="myday-tasks"[\s\S]*?<\/section>/.exec(home.text)?.[0] ?? '';
    t.match(tasksBlock, '发报价单', 'the follow-up is due today');
    t.match(tasksBlock, '广州新星贸易有限公司', 'with its customer');
    const recent = /data-testid="myday-recent"[\s\S]*?<\/section>/.exec(home.text)?.[0] ?? '';
    t.match(recent, '陈静');
    t.match(recent, '广州新星贸易有限公司');
    t.match(home.text, '开始使用', 'the admin still sees the getting-started block');
    const neglected = /data-testid="myday-neglected"[\s\S]*?<\/section>/.exec(home.text)?.[0] ?? '';
    t.match(neglected, '测试公司00号', 'a grade-A company never contacted needs a call');
    t.notMatch(neglected, '广州新星贸易有限公司', 'one just called does not');

    const taskId = /action="\/tasks\/(\d+)\/done"/.exec(tasksBlock)![1];
    const done = await admin.post(`/tasks/${taskId}/done`, { done: '1', back: '/' });
    t.equal(done.status, 303);
    t.equal(done.location, '/');
    t.ok((await api.get(`/api/v1/tasks/${taskId}`)).body.data.done_at, 'done');
    t.notMatch((await admin.get('/')).text, '发报价单', 'gone from My day');
    const evil = await admin.post(`/tasks/${taskId}/done`, { done: '1', back: '//evil.example/' });
    t.equal(evil.location, '/tasks?notice=done', 'never redirected off the site');
  });

  await t.test('search page and the top bar box', async (t) => {
    const res = await admin.get(`/search?q=${encodeURIComponent('新星')}`);
    t.equal(res.status, 200);
    t.match(res.text, `href="/companies/${callCompany}">广州新星贸易有限公司</a>`);
    const phone = await admin.get('/search?q=1234');
    t.match(phone.text, '陈静', 'by the last digits of a mobile');
    t.match(res.text, 'data-search-input', 'the top bar has the search box');
    const none = await admin.get('/search?q=%E4%B8%8D%E5%AD%98%E5%9C%A8');
    t.match(none.text, '没有找到。');
  });

  await t.test('trash and restore', async (t) => {
    const c = (await api.post('/api/v1/companies', { name: '要删除的公司' })).body.data;
    const del = await admin.post(`/companies/${c.id}/delete`);
    t.equal(del.location, '/companies?notice=deleted');
    t.equal((await admin.get(`/companies/${c.id}`)).status, 404);
    const trash = await admin.get('/companies/trash');
    t.equal(trash.status, 200);
    t.match(trash.text, '要删除的公司');
    const restored = await admin.post(`/companies/${c.id}/restore`);
    t.equal(restored.location, `/companies/${c.id}?notice=restored`);
    t.match((await admin.get(restored.location)).text, '已从回收站恢复。');
    t.notMatch((await admin.get('/companies/trash')).text, '要删除的公司');
  });

  await t.test('merge page: field by field', async (t) => {
    const a = (await api.post('/api/v1/contacts', { name: '王芳', mobile: '138 0013 8000', title: '经理' })).body.data;
    const b = (await api.post('/api/v1/contacts', { name: '王芳 (旧)', mobile: '13800138000', title: '采购总监', email: 'wang@example.com', allow_duplicate: true })).body.data;
    const show = await admin.get(`/contacts/${a.id}`);
    t.match(decode(show.text), `/contacts/${a.id}/merge?with=${b.id}`, 'the 360° page offers the merge');
    const page = await admin.get(`/contacts/${a.id}/merge?with=${b.id}`);
    t.equal(page.status, 200);
    t.match(page.text, /name="pick_title" value="keep" checked> 经理/);
    t.match(page.text, /name="pick_title" value="merge" data-testid="take-title"> 采购总监/);
    const merged = await admin.post(`/contacts/${a.id}/merge`, { merge_id: String(b.id), pick_name: 'keep', pick_title: 'merge' });
    t.equal(merged.location, `/contacts/${a.id}?notice=merged`);
    const kept = (await api.get(`/api/v1/contacts/${a.id}`)).body.data;
    t.equal(kept.title, '采购总监', 'the chosen value');
    t.equal(kept.name, '王芳');
    t.equal(kept.email, 'wang@example.com', 'an empty field filled from the other');
    t.equal((await api.get(`/api/v1/contacts/${b.id}`)).status, 404, 'the other went to the trash');
  });

  await t.test('activities and tasks lists, forms', async (t) => {
    const acts = await admin.get('/activities?filter%5Btype%5D=call&filter%5Boccurred_at%5D%5Bgte%5D=2026-11-25');
    t.equal(acts.status, 200);
    t.match(acts.text, '询价');
    t.match(acts.text, `href="/companies/${callCompany}">广州新星贸易有限公司</a>`, 'with the customer it was about');
    t.notMatch((await admin.get('/activities?filter%5Btype%5D=visit')).text, '询价');

    const form = await admin.get(`/tasks/new?company_id=${callCompany}`);
    t.match(form.text, '广州新星贸易有限公司', 'a task from a company page is about that company');
    const created = await admin.post('/tasks', { title: '回访', due_at: '2026-11-26T10:30', priority: 'high', company_id: String(callCompany), fixed: '1' });
    t.equal(created.status, 303);
    const task = (await api.get('/api/v1/tasks?filter[priority]=high')).body.data[0];
    t.equal(task.due_at, '2026-11-26T02:30:00.000Z', 'the wall-clock time in the company\'s time zone');
    const open = await admin.get('/tasks?filter%5Bdone%5D=false');
    t.match(open.text, '回访');
    t.notMatch(open.text, '发报价单', 'the done task is not open');
    const bad = await admin.post('/tasks', { title: ' ', due_at: '2026-11-26T10:30', priority: 'high' });
    t.equal(bad.status, 400);
    t.match(bad.text, 'value="2026-11-26T10:30"', 'the due time is kept');

    const edit = await admin.get(`/activities/${(await api.get('/api/v1/activities')).body.data[0].id}`);
    t.equal(edit.status, 200);
    t.match(edit.text, 'value="询价"');
  });

  await t.test('notifications, tags, grades', async (t) => {
    clock.advance(2 * 86_400_000);
    await app.jobs.runNow('tasks.reminders');
    const home = await admin.get('/');
    t.match(home.text, /data-testid="unread-count">1</, 'the bell shows one unread');
    const list = await admin.get('/notifications');
    t.match(list.text, '回访');
    const read = await admin.post('/notifications/read');
    t.equal(read.location, '/notifications?notice=all_read');
    t.notMatch((await admin.get('/')).text, 'data-testid="unread-count"');

    const tagged = await admin.post('/tags', { name: '老客户' });
    t.equal(tagged.location, '/tags?notice=created');
    const dupTag = await admin.post('/tags', { name: '老客户' });
    t.equal(dupTag.status, 400);
    t.match(dupTag.text, '已被他人使用', 'the duplicate name is named inline');
    const tags = await admin.get('/tags');
    t.match(tags.text, '老客户');

    const grades = await admin.post('/admin/settings/grades', { A_days: '14', A_rule: '年采购额 100 万以上', B_days: '30', B_rule: '', C_days: 'x', C_rule: '' });
    t.equal(grades.status, 400, 'days must be a number');
    t.match(grades.text, 'value="x"', 'what was typed is kept');
    const ok = await admin.post('/admin/settings/grades', { A_days: '14', A_rule: '年采购额 100 万以上', B_days: '30', B_rule: '', C_days: '90', C_rule: '' });
    t.equal(ok.status, 303);
    const pub = await admin.get('/grades');
    t.match(pub.text, '年采购额 100 万以上');
    t.match(pub.text, '每 14 天');
  });

  await t.test('a sales rep: own records only, no trash, no bulk assign', async (t) => {
    const rep = await createUser(app, token, 'sales');
    const b = browser(app, rep.token);
    const created = await b.post('/companies', { name: '小王的客户' });
    t.equal(created.status, 303);
    const list = await b.get('/companies');
    t.equal(list.status, 200);
    t.match(list.text, '小王的客户');
    t.notMatch(list.text, '测试公司', 'a rep sees only their own');
    t.match(list.text, 'data-testid="bulk-form"');
    t.notMatch(list.text, 'value="assign"', 'no assigning');
    t.match(list.text, 'value="delete"', 'deleting their own is allowed');
    t.equal((await b.get(`/companies/${callCompany}`)).status, 404, 'another\'s company is not found');
    t.notMatch((await b.get('/companies/new')).text, 'name="owner_id"', 'no owner choice without assign');
    t.equal((await b.get('/admin/settings')).status, 403);
    const grades = await b.get('/grades');
    t.equal(grades.status, 200, 'everyone reads the grade rules');
    t.notMatch(grades.text, 'admin/settings#grades');
  });

  await t.test('English pages', async (t) => {
    const en = browser(app, token);
    await en.post('/locale', { locale: 'en', next: '/' });
    const list = await en.get('/contacts');
    t.match(list.text, '<h1>Contacts</h1>');
    const show = await en.get(`/companies/${callCompany}`);
    t.match(show.text, 'Log a call or visit');
    t.match(show.text, /<option value="visit">Visit<\/option>/);
  });
});
