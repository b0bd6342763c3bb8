// Two real Kehu processes on one database: a token from one works on the other, and a sign-out on one is refused by the other at once.
import t from 'tap';
import { buildApp } from '../../../src/app';
import { setupAdmin, testConfig, ADMIN_PASSWORD } from '../../helper';
import { createTestDatabase } from '../../support/databases';
import { startKehu, type KehuProcess } from '../../support/launcher';

async function http(base: string, method: string, path: string, options: { token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await res.text();
  return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

t.test('sessions are shared and revoked across processes', async (t) => {
  const db = await createTestDatabase();
  const processes: KehuProcess[] = [];
  t.teardown(async () => {
    for (const p of processes) await p.stop();
    await db.drop();
  });

  // Set up once in this process, then leave the database to the two servers.
  const config = testConfig(db);
  const setupApp = await buildApp({ config, logger: false });
  try {
    await setupAdmin(setupApp);
  } finally {
    await setupApp.close();
  }

  const env = { KEHU_DATABASE_URL: db.databaseUrl, KEHU_DATA_DIR: db.dataDir };
  // Generous start-up time: two processes compiling TypeScript at once on a busy machine are slow to start.
  const [a, b] = await Promise.all([startKehu(env, { timeoutMs: 60_000 }), startKehu(env, { timeoutMs: 60_000 })]);
  processes.push(a, b);
  t.not(a.port, b.port, 'two processes on two ports');
  t.not(a.proc.pid, b.proc.pid);

  const login = await http(a.url, 'POST', '/api/v1/auth/login', { body: { email: 'admin@example.com', password: ADMIN_PASSWORD } });
  t.equal(login.status, 200, 'signed in on A');
  const token = login.body.data.token as string;

  const onB = await http(b.url, 'GET', '/api/v1/auth/me', { token });
  t.equal(onB.status, 200, "A's token works on B");
  t.equal(onB.body.data.email, 'admin@example.com');

  const out = await http(a.url, 'POST', '/api/v1/auth/logout', { token });
  t.equal(out.status, 204, 'signed out on A');
  const refused = await http(b.url, 'GET', '/api/v1/auth/me', { token });
  t.equal(refused.status, 401, 'B refuses the token at once');
  t.equal(refused.body.error.code, 'unauthorized');
  t.equal((await http(a.url, 'GET', '/api/v1/auth/me', { token })).status, 401, 'and so does A');

  // "Sign out everywhere" on B ends a sign-in made on A.
  const onA = (await http(a.url, 'POST', '/api/v1/auth/login', { body: { email: 'admin@example.com', password: ADMIN_PASSWORD } })).body.data.token as string;
  const onB2 = (await http(b.url, 'POST', '/api/v1/auth/login', { body: { email: 'admin@example.com', password: ADMIN_PASSWORD } })).body.data.token as string;
  t.equal((await http(b.url, 'GET', '/api/v1/auth/me', { token: onA })).status, 200, 'a second sign-in made on A works on B');
  t.equal((await http(b.url, 'POST', '/api/v1/auth/logout', { token: onB2, body: { everywhere: true } })).status, 204);
  t.equal((await http(a.url, 'GET', '/api/v1/auth/me', { token: onA })).status, 401, "B's sign-out everywhere is honoured by A at once");

  const [codeA, codeB] = await Promise.all([a.stop(), b.stop()]);
  t.equal(codeA, 0, 'A shut down cleanly');
  t.equal(codeB, 0, 'B shut down cleanly');
});
