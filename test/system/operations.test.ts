// Operations basics of the built app: health and readiness, request ids, security headers (http and
// https base URLs), locally served assets and path traversal, no external URLs in views or assets,
// and a log that carries request ids but never passwords, tokens, cookies or one-time links.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Writable } from 'node:stream';
import t, { type Test } from 'tap';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { apiClient, buildTestApp, call, setupAdmin, testDialect, ADMIN_PASSWORD } from '../helper';
import { loadConfig } from '../../src/config/load';
import { loggerOptions } from '../../src/logger';

const ROOT = path.resolve(__dirname, '..', '..');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

t.test('GET /healthz and GET /readyz', async (t) => {
  const { app } = await buildTestApp(t);
  const health = await call(app, { method: 'GET', url: '/healthz' });
  t.equal(health.status, 200);
  t.same(health.body, { status: 'ok' });
  const ready = await call(app, { method: 'GET', url: '/readyz' });
  t.equal(ready.status, 200);
  t.same(ready.body, { status: 'ready', database: testDialect }, `ready, on ${testDialect}`);
});

t.test('every response carries its own x-request-id', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const seen = new Set<string>();
  for (const url of ['/healthz', '/readyz', '/api/v1/auth/me', '/api/v1/nowhere', '/assets/css/app.css', '/login']) {
    const res = await apiClient(app, token).get(url);
    const id = String(res.headers['x-request-id']);
    t.match(id, UUID, `${url}: x-request-id is a UUID`);
    t.notOk(seen.has(id), `${url}: a new id`);
    seen.add(id);
    if (res.status >= 400) t.equal(res.body.error.requestId, id, 'the error names the same id');
  }
  const anonymous = await apiClient(app).get('/api/v1/users');
  t.equal(anonymous.status, 401);
  t.equal(anonymous.body.error.requestId, anonymous.headers['x-request-id']);
});

function csp(res: { headers: Record<string, unknown> }): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of String(res.headers['content-security-policy'] ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) directives.set(name, values);
  }
  return directives;
}

t.test('security headers on an http base URL', async (t) => {
  const { app, config } = await buildTestApp(t);
  t.match(config.baseUrl, /^http:\/\//);
  await setupAdmin(app);
  for (const url of ['/login', '/api/v1/auth/me', '/healthz']) {
    const res = await call(app, { method: 'GET', url, headers: { accept: 'text/html' } });
    const policy = csp(res);
    t.same(policy.get('default-src'), ["'self'"], `${url}: default-src 'self'`);
    t.same(policy.get('script-src'), ["'self'"], `${url}: scripts only from Kehu`);
    t.same(policy.get('frame-ancestors'), ["'none'"]);
    t.notMatch(String(res.headers['content-security-policy']), /unsafe-inline|unsafe-eval/, `${url}: no unsafe-inline or unsafe-eval`);
    t.equal(res.headers['x-content-type-options'], 'nosniff');
    t.notOk(policy.has('upgrade-insecure-requests'), `${url}: no upgrade-insecure-requests on plain http`);
    t.notOk('strict-transport-security' in res.headers, `${url}: no HSTS on plain http`);
  }
});

t.test('security headers on an https base URL', async (t) => {
  const { app, config } = await buildTestApp(t, { overrides: { baseUrl: 'https://crm.example.local' } });
  t.equal(config.baseUrl, 'https://crm.example.local');
  await setupAdmin(app);
  for (const url of ['/login', '/api/v1/auth/me']) {
    const res = await call(app, { method: 'GET', url, headers: { accept: 'text/html' } });
    const policy = csp(res);
    t.same(policy.get('default-src'), ["'self'"]);
    t.ok(policy.has('upgrade-insecure-requests'), `${url}: upgrade-insecure-requests`);
    t.match(String(res.headers['strict-transport-security']), /max-age=[1-9][0-9]*/, `${url}: HSTS`);
    t.notMatch(String(res.headers['content-security-policy']), /unsafe-inline/);
    t.equal(res.headers['x-content-type-options'], 'nosniff');
  }
});

t.test('assets are served by Kehu itself, cacheable', async (t) => {
  const { app } = await buildTestApp(t);
  for (const [url, file, type] of [['/assets/css/app.css', 'public/css/app.css', /^text\/css/], ['/assets/js/app.js', 'public/js/app.js', /javascript/]] as const) {
    const res = await call(app, { method: 'GET', url });
    t.equal(res.status, 200, url);
    t.match(String(res.headers['content-type']), type);
    t.match(String(res.headers['cache-control']), /(^|,\s*)public(,|$)/, `${url}: cache-control public`);
    t.match(String(res.headers['cache-control']), /max-age=[1-9]/);
    t.equal(res.text, fs.readFileSync(path.join(ROOT, file), 'utf8'), `${url} is ${file}`);
    t.equal(res.headers['x-content-type-options'], 'nosniff');
  }
  const api = await call(app, { method: 'GET', url: '/healthz' });
  t.equal(api.headers['cache-control'], 'no-store', 'other responses are not cached');
});

/** A GET over a real socket, with the path sent exactly as written (no client-side normalisation). */
function rawGet(port: number, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

t.test('path traversal out of public/ is refused', async (t) => {
  const { app } = await buildTestApp(t);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const secretOf = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n').find((l) => l.trim().length > 20)!.trim();
  const targets = { 'package.json': secretOf('package.json'), 'config/default.json': '"bodyLimitBytes"', 'src/logger.ts': secretOf('src/logger.ts') };

  const control = await rawGet(port, '/assets/css/app.css');
  t.equal(control.status, 200, 'the same socket serves a real asset');
  for (const [file, marker] of Object.entries(targets)) {
    const attempts = [
      `/assets/../${file}`, `/assets/%2e%2e/${file}`, `/assets/%2E%2E/${file}`, `/assets/..%2f${file}`, `/assets/%2e%2e%2f${file}`,
      `/assets/css/../../${file}`, `/assets/css/..%2f..%2f${file}`, `/assets/..%5c${file}`, `/assets/....//${file}`,
    ];
    for (const url of attempts) {
      const injected = await call(app, { method: 'GET', url });
      for (const res of [await rawGet(port, url), { status: injected.status, body: injected.text }]) {
        t.ok(res.status >= 400 && res.status < 500, `${url}: refused (${res.status})`);
        t.notOk(res.body.includes(marker), `${url}: ${file} not served`);
      }
    }
  }
});

function filesUnder(dir: string, extensions: string[]): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(full, extensions);
    return extensions.includes(path.extname(entry.name)) ? [full] : [];
  });
}

t.test('views and assets reference no external URL', async (t) => {
  const files = [...filesUnder(path.join(ROOT, 'views'), ['.hbs']), ...filesUnder(path.join(ROOT, 'public'), ['.css', '.js', '.svg'])];
  t.ok(files.some((f) => f.endsWith('layouts/main.hbs')) && files.some((f) => f.endsWith('app.css')) && files.some((f) => f.endsWith('app.js')), `${files.length} files checked`);
  // The SVG namespace is an identifier, never fetched.
  const allowed = new Set(['http://www.w3.org/2000/svg']);
  const found: string[] = [];
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/https?:\/\/[^\s"'`<>)]*/gi)) if (!allowed.has(m[0])) found.push(`${path.relative(ROOT, file)}: ${m[0]}`);
    for (const m of text.matchAll(/(?:src|href|action)\s*=\s*["']?\/\/[^\s"'>]*/gi)) found.push(`${path.relative(ROOT, file)}: ${m[0]}`);
    for (const m of text.matchAll(/url\(\s*["']?\/\/[^)]*\)/gi)) found.push(`${path.relative(ROOT, file)}: ${m[0]}`);
  }
  t.same(found, [], 'no http://, https:// or protocol-relative reference');
});

/** The value of a cookie the response set. */
function cookieOf(res: LightMyRequestResponse, name: string): string {
  const cookie = (res.cookies as Array<{ name: string; value: string }>).find((c) => c.name === name);
  if (!cookie) throw new Error(`no ${name} cookie in ${res.statusCode} ${res.body.slice(0, 200)}`);
  return cookie.value;
}

function csrfTokenIn(html: string): string {
  const m = /name="csrf-token" content="([^"]+)"/.exec(html);
  if (!m) throw new Error('no csrf token on the page');
  return m[1];
}

const FORM = 'application/x-www-form-urlencoded';

/** Signs in through the sign-in page like a browser: returns the session cookie. */
async function pageSignIn(app: FastifyInstance, email: string, password: string, ids: string[]): Promise<string> {
  const form = await app.inject({ method: 'GET', url: '/login', headers: { accept: 'text/html' } });
  ids.push(String(form.headers['x-request-id']));
  const csrfCookie = cookieOf(form, 'kehu_csrf');
  const res = await app.inject({
    method: 'POST',
    url: '/login',
    headers: { accept: 'text/html', cookie: `kehu_csrf=${csrfCookie}`, 'content-type': FORM },
    payload: new URLSearchParams({ email, password, _csrf: csrfTokenIn(form.body) }).toString(),
  });
  ids.push(String(res.headers['x-request-id']));
  if (res.statusCode !== 303) throw new Error(`page sign-in failed: ${res.statusCode}`);
  return cookieOf(res, 'kehu_session');
}

t.test('the log carries request ids but no secret', async (t: Test) => {
  let log = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      log += chunk.toString();
      done();
    },
  });
  const { config: logConfig } = loadConfig({ env: {}, overrides: { logLevel: 'info' } });
  const { app } = await buildTestApp(t, { overrides: { logLevel: 'info' }, logger: { ...(loggerOptions(logConfig) as object), stream } });
  await setupAdmin(app);
  const ids: string[] = [];
  const track = <T extends { headers: Record<string, unknown> }>(res: T): T => {
    ids.push(String(res.headers['x-request-id']));
    return res;
  };
  const anon = apiClient(app);

  const wrongPassword = 'Wrong-guess-4711!';
  track(await anon.post('/api/v1/auth/login', { email: 'admin@example.com', password: wrongPassword }));
  const login = track(await anon.post('/api/v1/auth/login', { email: 'admin@example.com', password: ADMIN_PASSWORD }));
  t.equal(login.status, 200);
  const token: string = login.body.data.token;
  const admin = apiClient(app, token);
  t.equal(track(await admin.get('/api/v1/auth/me')).status, 200);

  const userPassword = 'Created-with-pass-99';
  t.equal(track(await admin.post('/api/v1/users', { email: 'logged@example.com', name: 'Logged', role: 'sales', password: userPassword })).status, 201);
  const invited = track(await admin.post('/api/v1/users', { email: 'invited@example.com', name: 'Invited', role: 'sales' }));
  const link = track(await admin.post(`/api/v1/users/${invited.body.data.id}/password-link`, { purpose: 'invite' }));
  t.equal(link.status, 201);
  const linkToken = String(link.body.data.url).split('/password/')[1];
  t.ok(linkToken && linkToken.length >= 20, 'the link carries a token');

  const linkPage = await app.inject({ method: 'GET', url: `/password/${linkToken}`, headers: { accept: 'text/html' } });
  track(linkPage);
  t.equal(linkPage.statusCode, 200, 'the one-time link page opens');
  const chosenPassword = 'Chosen-by-invitee-7';
  const accepted = await app.inject({
    method: 'POST',
    url: `/password/${linkToken}`,
    headers: { accept: 'text/html', cookie: `kehu_csrf=${cookieOf(linkPage, 'kehu_csrf')}`, 'content-type': FORM },
    payload: new URLSearchParams({ password: chosenPassword, _csrf: csrfTokenIn(linkPage.body) }).toString(),
  });
  track(accepted);
  t.equal(accepted.statusCode, 303, 'the invitee chose a password');

  const session = await pageSignIn(app, 'invited@example.com', chosenPassword, ids);
  const home = await app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html', cookie: `kehu_session=${session}` } });
  track(home);
  t.equal(home.statusCode, 200, 'the session cookie works');

  t.ok(log.length > 0, 'something was logged');
  const lines = log.trim().split('\n').map((l) => JSON.parse(l));
  t.equal(lines.filter((l) => l.msg === 'request completed').length, ids.length, 'one line per request');
  for (const id of ids) t.equal(lines.filter((l) => l.reqId === id && l.msg === 'request completed' && l.req?.method && l.res?.statusCode).length, 1, `request ${id} is in the log once, with method and status`);
  t.ok(lines.some((l) => l.req?.url === '/password/[redacted]'), 'the link path is logged with its token redacted');

  const secrets: Record<string, string> = {
    'the admin password': ADMIN_PASSWORD,
    'a wrong password': wrongPassword,
    'a new user\'s password': userPassword,
    'the password chosen through the link': chosenPassword,
    'the Bearer token': token,
    'the Bearer token\'s signature': token.split('.')[2],
    'the session cookie': session,
    'the session cookie\'s signature': session.split('.')[2],
    'the one-time link token': linkToken,
  };
  for (const [what, secret] of Object.entries(secrets)) {
    t.ok(secret.length >= 10, `${what} is a real value`);
    t.notOk(log.includes(secret), `the log does not contain ${what}`);
  }
});
