// CSRF protection: form posts need _csrf, tokens are bound to the session, cookie-authenticated API calls need X-CSRF-Token, Bearer calls are exempt, and GET never changes anything.
import t from 'tap';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { apiClient, setupAdmin, buildTestApp, ADMIN_PASSWORD } from '../helper';

/** A tiny browser: keeps cookies between requests. */
function browser(app: FastifyInstance) {
  const jar = new Map<string, string>();
  async function request(options: InjectOptions) {
    const res = await app.inject({ ...options, cookies: { ...Object.fromEntries(jar), ...(options.cookies ?? {}) } });
    for (const c of res.cookies as Array<{ name: string; value: string; maxAge?: number; expires?: Date }>) {
      const cleared = c.value === '' || c.maxAge === 0 || (c.expires && c.expires.getTime() <= Date.now());
      if (cleared) jar.delete(c.name);
      else jar.set(c.name, c.value);
    }
    let json: any = null;
    if (String(res.headers['content-type'] ?? '').includes('application/json') && res.body) json = JSON.parse(res.body);
    return { status: res.statusCode, headers: res.headers, text: res.body, json };
  }
  return { jar, request };
}

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function hiddenCsrf(html: string): string {
  const m = /<input type="hidden" name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no _csrf field on the page');
  return m[1];
}

function metaCsrf(html: string): string {
  const m = /<meta name="csrf-token" content="([^"]+)"/.exec(html);
  if (!m) throw new Error('no csrf-token meta on the page');
  return m[1];
}

t.test('form posts need a token; tokens are bound to the session', async (t) => {
  const { app } = await buildTestApp(t);
  await setupAdmin(app);
  const credentials = { email: 'admin@example.com', password: ADMIN_PASSWORD };

  const bare = await browser(app).request({ method: 'POST', url: '/login', headers: FORM, payload: form(credentials) });
  t.equal(bare.status, 403, 'a form post without _csrf is refused');
  t.equal(bare.json?.error.code, 'csrf_failed');
  t.notOk(bare.headers['set-cookie']?.toString().includes('kehu_session'), 'and does not sign in');

  // A browser gets a page saying so in its user's language (the API's message stays English).
  const forPeople = await browser(app).request({ method: 'POST', url: '/login', headers: { ...FORM, accept: 'text/html' }, cookies: { kehu_lang: 'zh-CN' }, payload: form(credentials) });
  t.equal(forPeople.status, 403);
  t.match(forPeople.text, '表单已过期', 'the page tells a Chinese-speaking user in Chinese');
  t.notMatch(forPeople.text, '您没有执行此操作的权限', 'that the form expired, not that they lack a permission');
  const inEnglish = await browser(app).request({ method: 'POST', url: '/login', headers: { ...FORM, accept: 'text/html' }, cookies: { kehu_lang: 'en' }, payload: form(credentials) });
  t.match(inEnglish.text, 'The form has expired', 'and an English-speaking one in English');

  const plain = await browser(app).request({ method: 'POST', url: '/login', headers: { 'content-type': 'text/plain' }, payload: `email=${credentials.email}&password=${credentials.password}` });
  t.equal(plain.status, 403, 'a text/plain post (a form enctype) is refused too');
  t.equal(plain.json?.error.code, 'csrf_failed');

  const b = browser(app);
  const page = await b.request({ method: 'GET', url: '/login', headers: { accept: 'text/html' } });
  t.equal(page.status, 200);
  const anonToken = hiddenCsrf(page.text);
  t.ok(b.jar.get('kehu_csrf'), 'the sign-in page sets the kehu_csrf cookie');

  const noCookie = await browser(app).request({ method: 'POST', url: '/login', headers: FORM, payload: form({ ...credentials, _csrf: anonToken }) });
  t.equal(noCookie.status, 403, 'the token without its kehu_csrf cookie is refused');
  const forged = await b.request({ method: 'POST', url: '/login', headers: FORM, payload: form({ ...credentials, _csrf: `${anonToken.slice(0, -4)}AAAA` }) });
  t.equal(forged.status, 403, 'an altered token is refused');

  const signIn = await b.request({ method: 'POST', url: '/login', headers: FORM, payload: form({ ...credentials, _csrf: anonToken }) });
  t.equal(signIn.status, 303, 'with the token from the page the form post goes through');
  t.equal(signIn.headers.location, '/');
  t.ok(b.jar.get('kehu_session'), 'signed in: the session cookie is set');

  const me = await b.request({ method: 'GET', url: '/api/v1/auth/me' });
  t.equal(me.status, 200, 'the cookie authenticates');

  const staleLogout = await b.request({ method: 'POST', url: '/logout', headers: FORM, payload: form({ _csrf: anonToken }) });
  t.equal(staleLogout.status, 403, 'a token from before sign-in is refused after sign-in');
  t.equal(staleLogout.json?.error.code, 'csrf_failed');
  t.equal((await b.request({ method: 'GET', url: '/api/v1/auth/me' })).status, 200, 'still signed in');

  const home = await b.request({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
  t.equal(home.status, 200);
  const sessionToken = metaCsrf(home.text);
  t.not(sessionToken, anonToken);

  // GET never changes anything: there is no GET /logout, and the session survives the attempt.
  const getLogout = await b.request({ method: 'GET', url: '/logout' });
  t.equal(getLogout.status, 404, 'GET /logout does not exist');
  t.equal((await b.request({ method: 'GET', url: '/api/v1/auth/me' })).status, 200, 'still signed in after GET /logout');
  t.equal((await b.request({ method: 'GET', url: '/api/v1/auth/logout' })).status, 404, 'nor GET /api/v1/auth/logout');

  const logout = await b.request({ method: 'POST', url: '/logout', headers: FORM, payload: form({ _csrf: sessionToken }) });
  t.equal(logout.status, 303, 'POST /logout with the session-bound token signs out');
  t.match(String(logout.headers.location), /^\/login/);
  t.notOk(b.jar.get('kehu_session'), 'the session cookie is cleared');
  const revoked = await app.core.db.knex('sessions').whereNotNull('revoked_at').count({ n: '*' }).first();
  t.equal(Number(revoked?.n), 1, 'the session row is revoked');
});

t.test('cookie-authenticated API calls need X-CSRF-Token; Bearer calls do not', async (t) => {
  const { app } = await buildTestApp(t);
  const { token: bearer } = await setupAdmin(app);
  const b = browser(app);
  const page = await b.request({ method: 'GET', url: '/login', headers: { accept: 'text/html' } });
  const anonToken = hiddenCsrf(page.text);
  const signIn = await b.request({ method: 'POST', url: '/login', headers: FORM, payload: form({ email: 'admin@example.com', password: ADMIN_PASSWORD, _csrf: anonToken }) });
  t.equal(signIn.status, 303);
  const home = await b.request({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
  const token = metaCsrf(home.text);

  const name = async () => (await app.core.db.knex('users').where({ email: 'admin@example.com' }).first('name')).name as string;
  const before = await name();

  const missing = await b.request({ method: 'PATCH', url: '/api/v1/auth/me', payload: { name: 'Changed without token' } });
  t.equal(missing.status, 403, 'cookie-authenticated PATCH without X-CSRF-Token refused');
  t.equal(missing.json?.error.code, 'csrf_failed');
  t.equal(await name(), before, 'nothing changed');

  const stale = await b.request({ method: 'PATCH', url: '/api/v1/auth/me', payload: { name: 'Changed with stale token' }, headers: { 'x-csrf-token': anonToken } });
  t.equal(stale.status, 403, 'a token bound to the anonymous visitor is refused');
  t.equal(await name(), before);

  const ok = await b.request({ method: 'PATCH', url: '/api/v1/auth/me', payload: { name: 'Changed by cookie' }, headers: { 'x-csrf-token': token } });
  t.equal(ok.status, 200, 'with the token from the page meta tag it goes through');
  t.equal(ok.json?.data.name, 'Changed by cookie');
  t.equal(await name(), 'Changed by cookie');

  const viaBearer = await apiClient(app, bearer).patch('/api/v1/auth/me', { name: 'Changed by bearer' });
  t.equal(viaBearer.status, 200, 'Bearer-authenticated calls need no token');
  t.equal(await name(), 'Changed by bearer');
  const bearerForm = await app.inject({ method: 'PATCH', url: '/api/v1/auth/me', headers: { ...FORM, authorization: `Bearer ${bearer}` }, payload: form({ name: 'Bearer form' }) });
  t.equal(bearerForm.statusCode, 415, 'the API takes JSON only, whoever calls');
  const cookieForm = await b.request({ method: 'PATCH', url: '/api/v1/auth/me', headers: FORM, payload: form({ name: 'Cookie form' }) });
  t.equal(cookieForm.status, 415, 'by cookie too: a cross-site form can never reach the API');
  t.equal(await name(), 'Changed by bearer');

  // A second user's session cannot use the first one's token.
  const other = browser(app);
  const otherPage = await other.request({ method: 'GET', url: '/login', headers: { accept: 'text/html' } });
  t.equal((await other.request({ method: 'POST', url: '/login', headers: FORM, payload: form({ email: 'admin@example.com', password: ADMIN_PASSWORD, _csrf: hiddenCsrf(otherPage.text) }) })).status, 303);
  const sameSecret = { kehu_csrf: b.jar.get('kehu_csrf')! };
  const crossed = await other.request({ method: 'PATCH', url: '/api/v1/auth/me', payload: { name: 'Crossed' }, headers: { 'x-csrf-token': token }, cookies: sameSecret });
  t.equal(crossed.status, 403, "another session's token is refused, even with the same csrf secret cookie");
  t.equal(await name(), 'Changed by bearer');
});
