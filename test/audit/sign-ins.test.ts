// Sign-in history: a user's sign-ins, failed sign-ins to their account and sign-outs (when, IP, user
// agent), read through the audit log, archived months included. Everyone reads their own (API and a
// page linked from the profile); auditors and admins anyone's (from the user's page and the users
// list); nobody else's. Other users' sign-ins and failures with an unknown email never show up.
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { ADMIN_PASSWORD, apiClient, buildTestApp, call, createUser, manualClock, setupAdmin, USER_PASSWORD } from '../helper';
import { sealAll } from '../../src/audit/sealer';

function page(app: FastifyInstance, token: string, url: string) {
  return call(app, { method: 'GET', url, headers: { accept: 'text/html' }, cookies: { kehu_session: token } });
}

function login(app: FastifyInstance, email: string, password: string, ip: string, userAgent: string) {
  return call(app, { method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, remoteAddress: ip, headers: { 'user-agent': userAgent } });
}

t.test('sign-in history: own, for auditors and admins, not for others', async (t) => {
  const clock = manualClock(new Date('2026-03-02T08:00:00.000Z'));
  const { app } = await buildTestApp(t, { clock });
  const { token: setupToken } = await setupAdmin(app);
  const rep = await createUser(app, setupToken, 'sales');
  const other = await createUser(app, setupToken, 'sales');
  const manager = await createUser(app, setupToken, 'manager');
  const auditor = await createUser(app, setupToken, 'auditor');
  const id = rep.user.id;

  // March (to be archived later): a failed sign-in from the office, then one that works.
  clock.set(new Date('2026-03-10T01:00:00.000Z'));
  t.equal((await login(app, rep.email, 'wrong-password', '10.1.1.1', 'Office-PC/1.0')).status, 401);
  clock.advance(60_000);
  const march = await login(app, rep.email, USER_PASSWORD, '10.1.1.1', 'Office-PC/1.0');
  t.equal(march.status, 200);
  // Someone else's sign-in and a failure with an unknown email: not the rep's history.
  clock.advance(60_000);
  t.equal((await login(app, other.email, USER_PASSWORD, '10.2.2.2', 'Other/1.0')).status, 200);
  t.equal((await login(app, 'nobody@example.com', 'wrong-password', '10.2.2.2', 'Other/1.0')).status, 401);
  // September: the phone signs in and out again.
  clock.set(new Date('2026-09-20T12:00:00.000Z'));
  const phone = await login(app, rep.email, USER_PASSWORD, '203.0.113.7', 'Phone-App/2.1');
  t.equal(phone.status, 200);
  clock.advance(60_000);
  const out = await call(app, { method: 'POST', url: '/api/v1/auth/logout', headers: { authorization: `Bearer ${phone.body.data.token}`, 'user-agent': 'Phone-App/2.1' }, remoteAddress: '203.0.113.7' });
  t.equal(out.status < 300, true, 'signed out');
  // Sessions from March have expired by now: everyone signs in again to read (the rep's counts too).
  clock.advance(60_000);
  const fresh = async (email: string, password = USER_PASSWORD) => (await login(app, email, password, '127.0.0.1', 'test')).body.data.token as string;
  rep.token = await fresh(rep.email);
  other.token = await fresh(other.email);
  manager.token = await fresh(manager.email);
  auditor.token = await fresh(auditor.email);
  const adminToken = await fresh('admin@example.com', ADMIN_PASSWORD);
  await sealAll(app.core.db.knex);

  const own = await apiClient(app, rep.token).get(`/api/v1/audit-log/users/${id}/sign-ins`);
  t.equal(own.status, 200);
  const history = own.body.data;
  t.same(history.map((e: any) => e.action), ['sign_in', 'sign_out', 'sign_in', 'sign_in', 'sign_in_failed', 'sign_in'], 'newest first: sign-ins, the sign-out, the failure, the first sign-in when created');
  t.match(history[1], { ip: '203.0.113.7', user_agent: 'Phone-App/2.1', at: '2026-09-20T12:01:00.000Z', archived: false });
  t.match(history[2], { ip: '203.0.113.7', user_agent: 'Phone-App/2.1', at: '2026-09-20T12:00:00.000Z' });
  t.match(history[4], { ip: '10.1.1.1', user_agent: 'Office-PC/1.0', at: '2026-03-10T01:00:00.000Z' });
  t.same(Object.keys(history[0]).sort(), ['action', 'archived', 'at', 'id', 'ip', 'user_agent'], 'only what a sign-in history needs');
  t.ok(history.every((e: any) => !['10.2.2.2', 'Other/1.0'].includes(e.ip ?? e.user_agent)), "nobody else's sign-ins or unknown-email failures");

  // Auditors and admins read anyone's; the others only their own.
  t.same((await apiClient(app, auditor.token).get(`/api/v1/audit-log/users/${id}/sign-ins`)).body.data, history, 'the auditor sees the same');
  t.same((await apiClient(app, adminToken).get(`/api/v1/audit-log/users/${id}/sign-ins`)).body.data, history, 'the admin sees the same');
  t.equal((await apiClient(app, other.token).get(`/api/v1/audit-log/users/${id}/sign-ins`)).status, 403, "another rep may not read it");
  t.equal((await apiClient(app, manager.token).get(`/api/v1/audit-log/users/${id}/sign-ins`)).status, 403, 'nor their manager');
  t.equal((await apiClient(app, auditor.token).get('/api/v1/audit-log/users/999999/sign-ins')).status, 404, 'an unknown user');
  t.equal((await apiClient(app, auditor.token).get('/api/v1/audit-log/users/abc/sign-ins')).status, 400, 'a bad id');
  t.equal((await apiClient(app).get(`/api/v1/audit-log/users/${id}/sign-ins`)).status, 401, 'signed out');

  // Pages of two by cursor reach every entry once.
  const seen: number[] = [];
  let url = `/api/v1/audit-log/users/${id}/sign-ins?limit=2`;
  while (url) {
    const res = await apiClient(app, rep.token).get(url);
    seen.push(...res.body.data.map((e: any) => e.id));
    url = res.body.next_cursor ? `/api/v1/audit-log/users/${id}/sign-ins?limit=2&cursor=${res.body.next_cursor}` : '';
  }
  t.same(seen, history.map((e: any) => e.id), 'keyset pages');

  // Rotation (180 days online) moves March into the archive: the history still has it, marked.
  const run = await app.jobs.runNow('audit.rotate');
  t.equal(run?.status, 'succeeded', `rotation ran: ${run?.error}`);
  const after = (await apiClient(app, rep.token).get(`/api/v1/audit-log/users/${id}/sign-ins`)).body.data;
  t.same(after.map((e: any) => e.id), history.map((e: any) => e.id), 'the same entries after rotation');
  t.same(after.map((e: any) => e.archived), [false, false, false, true, true, true], 'March and before from the archive');
  const archivedPages: number[] = [];
  url = `/api/v1/audit-log/users/${id}/sign-ins?limit=2`;
  while (url) {
    const res = await apiClient(app, rep.token).get(url);
    archivedPages.push(...res.body.data.map((e: any) => e.id));
    url = res.body.next_cursor ? `/api/v1/audit-log/users/${id}/sign-ins?limit=2&cursor=${res.body.next_cursor}` : '';
  }
  t.same(archivedPages, history.map((e: any) => e.id), 'keyset pages across the table and the archive');

  // The page: linked from the profile, in the user's language, with IP and user agent.
  const profile = await page(app, rep.token, '/profile');
  t.match(profile.text, `href="/audit/users/${id}/sign-ins"`, 'the profile links to it');
  const mine = await page(app, rep.token, `/audit/users/${id}/sign-ins`);
  t.equal(mine.status, 200);
  t.match(mine.text, '我的登录记录', 'titled in Chinese for a Chinese-language user');
  t.match(mine.text, 'Phone-App/2.1');
  t.match(mine.text, '203.0.113.7');
  t.match(mine.text, '登录失败');
  t.equal((mine.text.match(/data-action="/g) ?? []).length, 6, 'six rows');
  t.notMatch(mine.text, 'href="/audit/entries/', 'no links to entry pages for a rep');
  t.equal((await page(app, other.token, `/audit/users/${id}/sign-ins`)).status, 403, "another rep's page is refused");
  const asAuditor = await page(app, auditor.token, `/audit/users/${id}/sign-ins`);
  t.equal(asAuditor.status, 200);
  t.match(asAuditor.text, rep.user.name, "the auditor sees whose history it is");
  t.match(asAuditor.text, 'href="/audit/entries/', 'with links to the entries');

  // Where admins and auditors find it: the user's page, the users list, a filtered audit log.
  t.match((await page(app, adminToken, `/admin/users/${id}`)).text, `href="/audit/users/${id}/sign-ins"`, "the user's admin page links to it");
  t.match((await page(app, auditor.token, '/admin/users')).text, `href="/audit/users/${id}/sign-ins"`, 'the users list links to it for auditors');
  t.notMatch((await page(app, manager.token, '/admin/users')).text, '/sign-ins"', 'but not for a manager');
  t.match((await page(app, auditor.token, `/audit?filter[actor_id]=${id}`)).text, `href="/audit/users/${id}/sign-ins"`, 'the audit log filtered by the user links to it');

  // English, for an English-language user.
  const english = await createUser(app, adminToken, 'sales', { locale: 'en' });
  const en = await page(app, english.token, `/audit/users/${english.user.id}/sign-ins`);
  t.match(en.text, 'My sign-in history');
  t.match(en.text, 'Signed in');
});
