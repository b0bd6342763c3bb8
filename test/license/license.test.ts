// Licenses in the app, on the database KEHU_TEST_DB names: installing through the API (valid,
// tampered payload, tampered signature, another key, wrong product, expired updates), the updates
// notice after an upgrade, seats (over seats: no more users created or activated, everyone else
// keeps signing in, reading and exporting), the free edition's 3 users, the admin page, the daily
// check job and the audit entry. The app verifies with a throwaway test key pair.
import crypto from 'node:crypto';
import t from 'tap';
import { apiClient, buildTestApp, createUser, setupAdmin, USER_PASSWORD } from '../helper';
import { createTestDatabase } from '../support/databases';
import { browser, decode } from '../support/page-client';
import { GENEROUS_TEST_LICENSE, testLicense, testLicenseKeys } from '../support/license';
import { sealAll } from '../../src/audit/sealer';

let seq = 0;
const newUser = (role = 'sales') => {
  seq += 1;
  return { email: `lic${seq}-${process.pid}@example.com`, name: `License user ${seq}`, role, password: USER_PASSWORD };
};

t.test('installing a license through the API', async (t) => {
  const { app } = await buildTestApp(t, { license: null });
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  const knex = app.core.db.knex;

  const free = await api.get('/api/v1/license');
  t.equal(free.status, 200);
  t.match(free.body.data, { source: 'free', edition: 'free', licensee: null, seats: { used: 1, allowed: 3 }, updates_cover_version: true });

  const good = testLicense({ license_id: 'K-2026-0001', licensee: '云帆科技有限公司', edition: 'standard', seats: 25, updates_until: '2027-11-25' });

  await t.test('tampered payload: more seats written into a signed file', async (t) => {
    const forged = { ...good, payload: { ...good.payload, seats: 500 } };
    const res = await api.put('/api/v1/license', { license: forged });
    t.equal(res.status, 400);
    t.equal(res.body.error.code, 'license_tampered');
    t.match(res.body.error.message, /signature does not match/);
    t.equal((await knex('licenses').count({ n: '*' }).first())!.n, 0, 'nothing stored');
  });

  await t.test('tampered signature', async (t) => {
    const sig = Buffer.from(good.signature, 'base64');
    sig[10] ^= 0x01;
    const res = await api.put('/api/v1/license', { license: { ...good, signature: sig.toString('base64') } });
    t.equal(res.status, 400);
    t.equal(res.body.error.code, 'license_tampered');
  });

  await t.test('signed by another key (anyone can make a key pair)', async (t) => {
    const other = crypto.generateKeyPairSync('ed25519');
    const res = await api.put('/api/v1/license', { license: testLicense({ seats: 1000 }, other.privateKey) });
    t.equal(res.status, 400);
    t.equal(res.body.error.code, 'license_tampered');
  });

  await t.test('wrong product', async (t) => {
    const res = await api.put('/api/v1/license', { license: testLicense({ product: 'other-crm' }) });
    t.equal(res.status, 400);
    t.equal(res.body.error.code, 'license_wrong_product');
    t.match(res.body.error.message, /for the product "other-crm", not for Kehu/);
  });

  await t.test('malformed files', async (t) => {
    for (const [what, body] of [
      ['not JSON', { license: '{ "payload": ' }],
      ['no signature', { license: { payload: good.payload, signature: '' } }],
      ['a field missing', { license: testLicenseText({ ...good, payload: { ...good.payload, seats: undefined } }) }],
      ['an extra top-level field', { license: JSON.stringify({ ...good, extra: 1 }) }],
    ] as const) {
      const res = await api.put('/api/v1/license', body);
      t.equal(res.status, 400, what);
      t.ok(['license_malformed', 'validation_failed'].includes(res.body.error.code), `${what}: ${res.body.error.code} ${res.body.error.message}`);
    }
    const unknown = await api.put('/api/v1/license', { license: good, other: 1 });
    t.equal(unknown.status, 400, 'unknown body fields refused');
  });

  await t.test('expired updates: a license whose updates ended before this version was released is refused', async (t) => {
    const res = await api.put('/api/v1/license', { license: testLicense({ updates_until: '2026-01-31' }) });
    t.equal(res.status, 400);
    t.equal(res.body.error.code, 'license_updates_expired');
    t.match(res.body.error.message, /updates ended on 2026-01-31/);
  });

  await t.test('valid: installed, shown, audited', async (t) => {
    const res = await api.put('/api/v1/license', { license: JSON.stringify(good, null, 2) });
    t.equal(res.status, 200, res.text);
    t.match(res.body.data, { source: 'installed', licensee: '云帆科技有限公司', license_id: 'K-2026-0001', edition: 'standard', seats: { used: 1, allowed: 25 }, updates_until: '2027-11-25', updates_cover_version: true, installed_by: '管理员' });
    t.same(res.body.data.warnings, []);
    const row = await knex('licenses').orderBy('id', 'desc').first();
    t.match(row, { license_id: 'K-2026-0001', seats: 25, updates_until: '2027-11-25' });
    await sealAll(knex);
    const entry = await knex('audit_log').where({ action: 'license', record_type: 'system' }).first();
    t.ok(entry, 'an audit entry (action license, record type system)');
    t.match(JSON.parse(entry.changes), { seats: {}, license_id: {} }, 'with the changed fields');
    t.same((await api.get('/api/v1/license')).body.data.licensee, '云帆科技有限公司');
  });

  await t.test('a license changed in the database is not honoured (free edition, a warning), and nothing stops', async (t) => {
    const row = await knex('licenses').orderBy('id', 'desc').first();
    const file = JSON.parse(row.file);
    file.payload.seats = 9999;
    await knex('licenses').where({ id: row.id }).update({ file: JSON.stringify(file) });
    const s = (await api.get('/api/v1/license')).body.data;
    t.match(s, { source: 'free', seats: { allowed: 3 } });
    t.ok(s.warnings.some((w: { code: string }) => w.code === 'installed_invalid'), 'installed_invalid warning');
    t.equal((await api.get('/api/v1/companies')).status, 200, 'reading still works');
    await knex('licenses').where({ id: row.id }).update({ file: row.file });
  });

  await t.test('only administrators see or change the license', async (t) => {
    const manager = await createUser(app, token, 'manager');
    t.equal((await apiClient(app, manager.token).get('/api/v1/license')).status, 403);
    t.equal((await apiClient(app, manager.token).put('/api/v1/license', { license: good })).status, 403);
  });
});

function testLicenseText(value: unknown): string {
  return JSON.stringify(value);
}

t.test('free edition: up to 3 active users', async (t) => {
  const { app } = await buildTestApp(t, { license: null });
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  const a = await createUser(app, token, 'sales');
  await createUser(app, token, 'manager');
  const fourth = await api.post('/api/v1/users', newUser());
  t.equal(fourth.status, 409, 'a 4th active user is refused');
  t.equal(fourth.body.error.code, 'license_seats');
  t.match(fourth.body.error.message, /3/);
  t.equal(await app.core.db.knex('users').where({ email: newUser().email }).first(), undefined);

  // Deactivating one frees a seat; activating them again needs a free seat.
  const user = (await api.get(`/api/v1/users/${a.user.id}`)).body.data;
  const off = await api.patch(`/api/v1/users/${a.user.id}`, { active: false, version: user.version });
  t.equal(off.status, 200);
  const other = await api.post('/api/v1/users', newUser());
  t.equal(other.status, 201, 'the freed seat can be used');
  const on = await api.patch(`/api/v1/users/${a.user.id}`, { active: true, version: off.body.data.version });
  t.equal(on.status, 409, 'reactivating over the seats is refused');
  t.equal(on.body.error.code, 'license_seats');
  t.equal((await app.core.db.knex('users').where({ id: a.user.id }).first()).active ? 1 : 0, 0, 'still inactive');

  const status = (await api.get('/api/v1/license')).body.data;
  t.match(status, { source: 'free', seats: { used: 3, allowed: 3 } });
  t.ok(status.warnings.some((w: { code: string }) => w.code === 'seats_full'));
});

t.test('over seats: no user can be added or activated; nobody already working is stopped', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  const users = [];
  for (const role of ['sales', 'manager', 'support', 'sales']) users.push(await createUser(app, token, role));
  // the sales rep owns a company and can export nothing (sales has no export), the manager can export
  const company = await apiClient(app, users[0].token).post('/api/v1/companies', { name: '超席位测试公司' });
  t.equal(company.status, 201);
  const idle = await createUser(app, token, 'sales');
  const idleRow = (await api.get(`/api/v1/users/${idle.user.id}`)).body.data;
  t.equal((await api.patch(`/api/v1/users/${idle.user.id}`, { active: false, version: idleRow.version })).status, 200);

  // 5 active users (admin + 4); install a 3-seat license.
  const small = await api.put('/api/v1/license', { license: testLicense({ license_id: 'K-SMALL', seats: 3 }) });
  t.equal(small.status, 200, 'a license with fewer seats than active users is installed (with a warning)');
  t.match(small.body.data.seats, { used: 5, allowed: 3 });
  t.ok(small.body.data.warnings.some((w: { code: string }) => w.code === 'over_seats'));

  const refused = await api.post('/api/v1/users', newUser());
  t.equal(refused.status, 409);
  t.equal(refused.body.error.code, 'license_seats');
  t.match(refused.body.error.message, /5.*3|3.*5/);
  const activate = await api.patch(`/api/v1/users/${idle.user.id}`, { active: true, version: idleRow.version + 1 });
  t.equal(activate.status, 409, 'activating is refused');

  // Everything already working goes on.
  for (const u of users) {
    const login = await apiClient(app).post('/api/v1/auth/login', { email: u.email, password: USER_PASSWORD });
    t.equal(login.status, 200, `${u.email} still signs in`);
    t.equal((await apiClient(app, login.body.data.token).get('/api/v1/companies')).status, 200, 'and reads');
  }
  const rep = apiClient(app, users[0].token);
  t.equal((await rep.patch(`/api/v1/companies/${company.body.data.id}`, { name: '超席位测试公司（改）', version: company.body.data.version })).status, 200, 'and writes their records');
  const exported = await api.get('/api/v1/companies/export');
  t.equal(exported.status, 200, 'exporting works');
  t.match(exported.text, '超席位测试公司');
  const managerExport = await apiClient(app, users[1].token).get('/api/v1/companies/export');
  t.equal(managerExport.status, 200, 'a manager exports too');
  // Editing an active user (not activating) works; deactivating works.
  const u3 = (await api.get(`/api/v1/users/${users[3].user.id}`)).body.data;
  t.equal((await api.patch(`/api/v1/users/${u3.id}`, { name: 'Renamed', version: u3.version })).status, 200, 'changing an active user works');

  // The user page says why, in the admin's language.
  const page = browser(app, token);
  const form = await page.post('/admin/users', { email: newUser().email, name: 'Over seats', role: 'sales', password: USER_PASSWORD, locale: '' });
  t.equal(form.status, 409);
  t.match(decode(form.text), /许可证的席位已全部使用（5 \/ 3/);
  t.match(form.text, 'data-code="over_seats"', 'the banner shows the problem to the admin');
});

t.test('expired updates after an upgrade: a notice for admins, everything works', async (t) => {
  const database = await createTestDatabase();
  t.teardown(() => database.drop());
  // "Version 1", released 2026-11-25: the license covers it.
  {
    const { app } = await buildTestApp(t, { database, license: null, releaseDate: '2026-11-25' });
    const { token } = await setupAdmin(app);
    const res = await apiClient(app, token).put('/api/v1/license', { license: testLicense({ license_id: 'K-OLD', seats: 10, updates_until: '2026-12-31' }) });
    t.equal(res.status, 200);
    t.same(res.body.data.warnings, []);
    await app.close();
  }
  // "Version 2", released 2027-03-01, after the updates ended.
  const { app } = await buildTestApp(t, { database, license: null, releaseDate: '2027-03-01' });
  const login = await apiClient(app).post('/api/v1/auth/login', { email: 'admin@example.com', password: 'Admin-pass-2026!' });
  const token = login.body.data.token;
  const api = apiClient(app, token);
  const s = (await api.get('/api/v1/license')).body.data;
  t.match(s, { source: 'installed', license_id: 'K-OLD', updates_cover_version: false, release_date: '2027-03-01', seats: { allowed: 10 } });
  t.ok(s.warnings.some((w: { code: string; message: string }) => w.code === 'updates_expired' && /ended on 2026-12-31/.test(w.message)), 'the updates_expired warning');
  t.equal((await api.post('/api/v1/users', newUser())).status, 201, 'the license still counts: users can be added within its seats');
  t.equal((await api.post('/api/v1/companies', { name: '升级后的公司' })).status, 201, 'writing works');
  const page = await browser(app, token).get('/');
  t.match(page.text, 'data-code="updates_expired"', 'admins see the notice on every page');
  t.match(decode(page.text), '当前 Kehu 版本的发布日期晚于许可证的更新截止日期');
  const rep = await createUser(app, token, 'sales');
  t.notMatch((await browser(app, rep.token).get('/')).text, 'license-banner', 'other roles do not');
  const licensePage = await browser(app, token).get('/admin/license');
  t.match(decode(licensePage.text), /当前版本（0\.1\.0，发布于 2027-03-01）晚于许可证的更新截止日期 2026-12-31/);
});

t.test('the license page: status, install by pasting, refusals in the reader language', async (t) => {
  const { app } = await buildTestApp(t, { license: null });
  const { token } = await setupAdmin(app);
  const page = browser(app, token);
  const empty = await page.get('/admin/license');
  t.equal(empty.status, 200);
  t.match(decode(empty.text), '免费版');
  t.match(decode(empty.text), '已用 1 / 共 3');
  t.match(empty.text, 'data-testid="license-form"');

  const good = testLicense({ license_id: 'K-PAGE', licensee: 'Page Ltd.', seats: 7 });
  const tampered = JSON.stringify({ ...good, payload: { ...good.payload, seats: 70 } });
  const refused = await page.post('/admin/license', { license: tampered });
  t.equal(refused.status, 400);
  t.match(decode(refused.text), '许可证被拒绝：签名与内容不符');
  t.match(decode(refused.text), '&quot;seats&quot;:70'.replace(/&quot;/g, '"'), 'the pasted text is kept');
  const wrong = await page.post('/admin/license', { license: JSON.stringify(testLicense({ product: 'other' })) });
  t.equal(wrong.status, 400);
  t.match(decode(wrong.text), '它属于其他产品');
  const blank = await page.post('/admin/license', { license: '  ' });
  t.equal(blank.status, 400);
  t.match(decode(blank.text), '请在这里粘贴许可证文件');

  const ok = await page.post('/admin/license', { license: JSON.stringify(good, null, 2) });
  t.equal(ok.status, 303);
  t.equal(ok.location, '/admin/license?installed=1');
  const shown = await page.get(ok.location);
  t.match(decode(shown.text), '许可证已安装');
  t.match(shown.text, 'Page Ltd.');
  t.match(decode(shown.text), '已用 1 / 共 7');
  t.match(shown.text, 'K-PAGE');
  t.match(shown.text, 'data-testid="nav-license"', 'the menu links the page');

  const manager = await createUser(app, token, 'manager');
  t.equal((await browser(app, manager.token).get('/admin/license')).status, 403);
});

t.test('the daily license.check job records problems and tells administrators once', async (t) => {
  const { app } = await buildTestApp(t, { license: testLicense({ seats: 2 }) });
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  t.ok(app.jobs.list().some((j) => j.name === 'license.check'), 'the job is registered');
  const clean = await app.jobs.runNow('license.check');
  t.equal(clean?.status, 'succeeded');
  t.match((await api.get('/api/v1/license')).body.data.last_check, { ok: true, problems: [] });

  await createUser(app, token, 'sales');
  // over the seats without the service's check (e.g. a license replaced by a smaller one)
  await app.core.db.knex('users').insert({ email: 'direct@example.com', name: 'Direct', name_sort: 'direct', role_id: (await app.core.db.knex('roles').where({ key: 'sales' }).first()).id, active: true, created_at: new Date().toISOString(), updated_at: new Date().toISOString(), version: 1 });
  await app.jobs.runNow('license.check');
  const s = (await api.get('/api/v1/license')).body.data;
  t.match(s.last_check, { ok: false });
  t.same(s.last_check.problems.map((p: { code: string }) => p.code), ['over_seats']);
  const admin = (await app.core.db.knex('users').where({ email: 'admin@example.com' }).first()).id;
  const bell = await app.core.db.knex('notifications').where({ user_id: admin, kind: 'license' });
  t.equal(bell.length, 1, 'the admin is notified');
  await app.jobs.runNow('license.check');
  t.equal((await app.core.db.knex('notifications').where({ user_id: admin, kind: 'license' })).length, 1, 'once, not every day for the same problem');
  t.equal((await app.core.db.knex('license_checks')).length, 3, 'every check is recorded');
  const page = await browser(app, token).get('/admin/license');
  t.match(decode(page.text), '发现问题');
});

t.test('the generous test license every test app gets by default', async (t) => {
  const { app } = await buildTestApp(t);
  const s = await app.services.license.status();
  t.match(s, { source: 'bundled', license_id: GENEROUS_TEST_LICENSE.payload.license_id, seats: { allowed: 10_000 } });
  t.throws(() => app.services.license.verify(testLicense({}, crypto.generateKeyPairSync('ed25519').privateKey)), { code: 'license_tampered' });
  t.ok(testLicenseKeys.publicKey.asymmetricKeyType === 'ed25519');
});
