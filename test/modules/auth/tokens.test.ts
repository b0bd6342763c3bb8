// Tokens: JWT and session-row expiry, algorithm pinning (HS512, alg none, RS256 refused), tampered payloads, deleted sessions, cookie authentication on pages.
import crypto from 'node:crypto';
import t from 'tap';
import { apiClient, buildTestApp, call, createUser, manualClock, setupAdmin, ADMIN_PASSWORD } from '../../helper';
import { HOUR } from '../../../src/lib/time';

function b64url(value: object | string): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** A JWT built by hand: header and payload as given, signed with HMAC (or not at all). */
function handMadeToken(header: object, payload: object, sign: (input: string) => string): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${sign(input)}`;
}

const hmac = (hash: 'sha256' | 'sha512', secret: string) => (input: string) => crypto.createHmac(hash, secret).update(input).digest('base64url');

function decodePart(token: string, index: number): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index], 'base64url').toString('utf8'));
}

async function signIn(app: Parameters<typeof apiClient>[0], email: string, password: string): Promise<string> {
  const res = await apiClient(app).post('/api/v1/auth/login', { email, password });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${res.text}`);
  return res.body.data.token;
}

t.test('a token carries an expiry and HS256; the session row expires on the server clock', async (t) => {
  const clock = manualClock();
  const { app, config } = await buildTestApp(t, { clock });
  await setupAdmin(app);
  const token = await signIn(app, 'admin@example.com', ADMIN_PASSWORD);

  t.equal(decodePart(token, 0).alg, 'HS256', 'signed with HS256');
  const claims = decodePart(token, 1) as { exp?: number; iat?: number; sid?: number; uid?: number };
  t.type(claims.exp, 'number', 'has an exp claim');
  t.equal(claims.exp! - claims.iat!, config.session.ttlHours * 3600, 'exp is the session lifetime after iat');

  const row = await app.core.db.knex('sessions').where({ id: claims.sid }).first();
  t.equal(row.expires_at, new Date(clock.now().getTime() + config.session.ttlHours * HOUR).toISOString(), 'the sessions row expires after the same lifetime');

  t.equal((await apiClient(app, token).get('/api/v1/auth/me')).status, 200, 'fresh token works');
  clock.advance(config.session.ttlHours * HOUR - 60_000);
  t.equal((await apiClient(app, token).get('/api/v1/auth/me')).status, 200, 'still works a minute before the session expires');
  clock.advance(2 * 60_000);
  const expired = await apiClient(app, token).get('/api/v1/auth/me');
  t.equal(expired.status, 401, 'refused once the sessions row has expired, though the JWT exp is still ahead');
  t.equal(expired.body.error.code, 'unauthorized');
});

t.test('an expired JWT is refused even though its session is alive', async (t) => {
  const { app } = await buildTestApp(t);
  await setupAdmin(app);
  const token = await signIn(app, 'admin@example.com', ADMIN_PASSWORD);
  const { sid, uid } = decodePart(token, 1) as { sid: number; uid: number };

  const fresh = app.jwt.sign({ sid, uid });
  t.equal((await apiClient(app, fresh).get('/api/v1/auth/me')).status, 200, 'control: a freshly signed token for the session works');

  const expiredToken = app.jwt.sign({ sid, uid }, { expiresIn: -10 });
  const claims = decodePart(expiredToken, 1) as { exp: number };
  t.ok(claims.exp * 1000 < Date.now(), 'the token exp lies in the past');
  const res = await apiClient(app, expiredToken).get('/api/v1/auth/me');
  t.equal(res.status, 401, 'expired JWT refused');
  t.equal(res.body.error.code, 'unauthorized');
});

t.test('only HS256 with the server secret is accepted', async (t) => {
  const { app } = await buildTestApp(t);
  await setupAdmin(app);
  const token = await signIn(app, 'admin@example.com', ADMIN_PASSWORD);
  const { sid, uid } = decodePart(token, 1) as { sid: number; uid: number };
  const now = Math.floor(Date.now() / 1000);
  const payload = { sid, uid, iat: now, exp: now + 3600 };
  const secret = (await app.core.db.knex('secrets').where({ name: 'jwt' }).first('value')).value as string;
  t.ok(secret && secret.length >= 32, 'the jwt secret exists');

  const me = (tok: string) => apiClient(app, tok).get('/api/v1/auth/me');

  const hs256 = handMadeToken({ alg: 'HS256', typ: 'JWT' }, payload, hmac('sha256', secret));
  t.equal((await me(hs256)).status, 200, 'control: a hand-made HS256 token with the secret is accepted');

  const hs512 = handMadeToken({ alg: 'HS512', typ: 'JWT' }, payload, hmac('sha512', secret));
  const r512 = await me(hs512);
  t.equal(r512.status, 401, 'HS512 with the same secret refused');
  t.equal(r512.body.error.code, 'unauthorized');

  const none = handMadeToken({ alg: 'none', typ: 'JWT' }, payload, () => '');
  t.match(none, /\.$/, 'the alg:none token has an empty signature');
  t.equal((await me(none)).status, 401, 'alg none refused');
  // also without the trailing dot, as some libraries emit it
  t.equal((await me(none.slice(0, -1))).status, 401, 'alg none without a signature part refused');

  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rs256 = handMadeToken({ alg: 'RS256', typ: 'JWT' }, payload, (input) => crypto.sign('sha256', Buffer.from(input), privateKey).toString('base64url'));
  const [h, p, s] = rs256.split('.');
  t.ok(crypto.verify('sha256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, 'base64url')), 'the RS256 token is validly signed by its own key');
  t.equal((await me(rs256)).status, 401, 'RS256 with a foreign key refused');

  // key confusion: HS256 keyed with the attacker's public key
  const confused = handMadeToken({ alg: 'HS256', typ: 'JWT' }, payload, hmac('sha256', publicKey.export({ type: 'spki', format: 'pem' }).toString()));
  t.equal((await me(confused)).status, 401, 'HS256 keyed with some other key refused');
});

t.test('a tampered payload is refused', async (t) => {
  const { app } = await buildTestApp(t);
  await setupAdmin(app);
  const first = await signIn(app, 'admin@example.com', ADMIN_PASSWORD);
  const second = await signIn(app, 'admin@example.com', ADMIN_PASSWORD);
  const a = decodePart(first, 1) as { sid: number; uid: number };
  const b = decodePart(second, 1) as { sid: number; uid: number };
  t.not(a.sid, b.sid, 'two sessions of the same user');
  t.equal((await apiClient(app, second).get('/api/v1/auth/me')).status, 200, 'the other session is alive');

  // Point the first token at the second (live, same user) session, keeping the first's signature.
  const [header, , signature] = first.split('.');
  const tampered = `${header}.${b64url({ ...decodePart(first, 1), sid: b.sid })}.${signature}`;
  t.not(tampered, first);
  const res = await apiClient(app, tampered).get('/api/v1/auth/me');
  t.equal(res.status, 401, 'changed sid with the old signature refused');
  t.equal((await apiClient(app, first).get('/api/v1/auth/me')).status, 200, 'control: the untouched token still works');
});

t.test('a token whose session row was deleted is refused', async (t) => {
  const { app } = await buildTestApp(t);
  const { token: adminToken } = await setupAdmin(app);
  const rep = await createUser(app, adminToken, 'sales');
  const client = apiClient(app, rep.token);
  t.equal((await client.get('/api/v1/auth/me')).status, 200);
  const { sid } = decodePart(rep.token, 1) as { sid: number };
  const deleted = await app.core.db.knex('sessions').where({ id: sid }).delete();
  t.equal(deleted, 1, 'the session row is gone');
  t.equal((await client.get('/api/v1/auth/me')).status, 401, 'token for a deleted session refused');
});

t.test('pages authenticate by the session cookie', async (t) => {
  const { app } = await buildTestApp(t);
  await setupAdmin(app);
  const token = await signIn(app, 'admin@example.com', ADMIN_PASSWORD);

  const signedIn = await call(app, { method: 'GET', url: '/', headers: { accept: 'text/html' }, cookies: { kehu_session: token } });
  t.equal(signedIn.status, 200, 'home renders with the cookie');
  t.match(String(signedIn.headers['content-type']), /text\/html/);
  t.match(signedIn.text, /<meta name="csrf-token"/, 'a full page');
  t.match(signedIn.text, /管理员/, 'shows the signed-in user');

  const anonymous = await call(app, { method: 'GET', url: '/', headers: { accept: 'text/html' } });
  t.equal(anonymous.status, 303, 'without the cookie: redirect');
  t.match(String(anonymous.headers.location), /^\/login(\?|$)/, 'to the sign-in page');

  const forged = await call(app, { method: 'GET', url: '/', headers: { accept: 'text/html' }, cookies: { kehu_session: `${token}x` } });
  t.equal(forged.status, 303, 'a cookie with a broken token is treated as signed out');
  t.match(String(forged.headers.location), /^\/login/);

  await apiClient(app, token).post('/api/v1/auth/logout');
  const afterLogout = await call(app, { method: 'GET', url: '/', headers: { accept: 'text/html' }, cookies: { kehu_session: token } });
  t.equal(afterLogout.status, 303, 'the cookie of a revoked session no longer signs in');
});
