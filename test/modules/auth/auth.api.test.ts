// Sign-in, sign-out, /me and every path that revokes a session, through the API.
import t from 'tap';
import { apiClient, buildTestApp, createUser, setupAdmin, ADMIN_PASSWORD, USER_PASSWORD } from '../../helper';

t.test('sign in, who am I, sign out', async (t) => {
  const { app } = await buildTestApp(t);
  await setupAdmin(app);
  const anon = apiClient(app);

  const bad = await anon.post('/api/v1/auth/login', { email: 'admin@example.com', password: 'wrong-password' });
  t.equal(bad.status, 401);
  t.equal(bad.body.error.code, 'unauthorized');
  const unknown = await anon.post('/api/v1/auth/login', { email: 'nobody@example.com', password: 'wrong-password' });
  t.equal(unknown.status, 401);
  t.equal(unknown.body.error.message, bad.body.error.message, 'an unknown email gets the same answer as a wrong password');

  const login = await anon.post('/api/v1/auth/login', { email: ' Admin@Example.com ', password: ADMIN_PASSWORD });
  t.equal(login.status, 200);
  const token = login.body.data.token;
  t.match(token, /^ey/);
  const me = await apiClient(app, token).get('/api/v1/auth/me');
  t.equal(me.status, 200);
  t.equal(me.body.data.email, 'admin@example.com');
  t.equal(me.body.data.role, 'admin');
  t.notOk('password_hash' in me.body.data, 'the hash never leaves');

  const out = await apiClient(app, token).post('/api/v1/auth/logout');
  t.equal(out.status, 204);
  t.equal((await apiClient(app, token).get('/api/v1/auth/me')).status, 401, 'the token is dead after sign-out');

  const audit = await app.core.db.knex('audit_log').orderBy('id').pluck('action');
  t.same(audit.filter((a: string) => a.startsWith('sign')), ['sign_in_failed', 'sign_in_failed', 'sign_in', 'sign_out']);
});

t.test('every revocation path ends sessions at once', async (t) => {
  const { app } = await buildTestApp(t);
  const { token: adminToken } = await setupAdmin(app);
  const admin = apiClient(app, adminToken);

  // sign out everywhere
  const rep = await createUser(app, adminToken, 'sales');
  const second = (await apiClient(app).post('/api/v1/auth/login', { email: rep.email, password: USER_PASSWORD })).body.data.token;
  t.equal((await apiClient(app, rep.token).post('/api/v1/auth/logout', { everywhere: true })).status, 204);
  t.equal((await apiClient(app, second).get('/api/v1/auth/me')).status, 401, 'the other session ended too');

  // deactivation
  const rep2 = await createUser(app, adminToken, 'sales');
  t.equal((await apiClient(app, rep2.token).get('/api/v1/auth/me')).status, 200);
  const patched = await admin.patch(`/api/v1/users/${rep2.user.id}`, { active: false, version: rep2.user.version });
  t.equal(patched.status, 200);
  t.equal(patched.body.data.active, false);
  t.equal((await apiClient(app, rep2.token).get('/api/v1/auth/me')).status, 401, 'deactivated user is signed out');
  t.equal((await apiClient(app).post('/api/v1/auth/login', { email: rep2.email, password: USER_PASSWORD })).status, 401, 'and cannot sign in');

  // own password change: other sessions end, the new token works
  const rep3 = await createUser(app, adminToken, 'sales');
  const other = (await apiClient(app).post('/api/v1/auth/login', { email: rep3.email, password: USER_PASSWORD })).body.data.token;
  const changed = await apiClient(app, rep3.token).post('/api/v1/auth/password', { current_password: USER_PASSWORD, new_password: 'A-new-password-77' });
  t.equal(changed.status, 200);
  t.equal((await apiClient(app, other).get('/api/v1/auth/me')).status, 401);
  t.equal((await apiClient(app, rep3.token).get('/api/v1/auth/me')).status, 401);
  t.equal((await apiClient(app, changed.body.data.token).get('/api/v1/auth/me')).status, 200);

  // admin reset
  const rep4 = await createUser(app, adminToken, 'sales');
  t.equal((await admin.post(`/api/v1/users/${rep4.user.id}/password`, { password: 'Reset-by-admin-1' })).status, 204);
  t.equal((await apiClient(app, rep4.token).get('/api/v1/auth/me')).status, 401);
});
