// Round-robin fairness across restarts and processes: two real Kehu processes on one database
// route 1,000 leads, sent to both at once, through one round-robin rule; every rep of the team
// gets exactly a quarter, in strict turns (the cursor is on the rule row, claimed in the same
// transaction as the lead's insert), and a restarted process carries on where the turn was.
import t from 'tap';
import { apiClient, buildTestApp, createUser, setupAdmin, ADMIN_PASSWORD } from '../../helper';
import { createTestDatabase } from '../../support/databases';
import { startKehu, type KehuProcess } from '../../support/launcher';

t.setTimeout(600_000);

async function post(base: string, path: string, token: string, body: unknown) {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { data: { id: number } } };
}

t.test('1,000 leads over two processes: exact turns', async (t) => {
  const db = await createTestDatabase();
  const processes: KehuProcess[] = [];
  t.teardown(async () => {
    for (const p of processes) await p.stop();
    await db.drop();
  });
  const { app } = await buildTestApp(t, { database: db });
  const { token } = await setupAdmin(app);
  const admin = apiClient(app, token);
  const team = (await admin.post('/api/v1/teams', { name: '轮流组' })).body.data;
  const reps: number[] = [];
  for (let i = 0; i < 4; i++) reps.push((await createUser(app, token, 'sales', { team_ids: [team.id] })).user.id);
  t.equal((await admin.post('/api/v1/lead-routing-rules', { name: '全部轮流', conditions: [], action: 'round_robin', team_id: team.id })).status, 201);

  const env = { KEHU_DATABASE_URL: db.databaseUrl, KEHU_DATA_DIR: db.dataDir };
  const [a, b] = await Promise.all([startKehu(env, { timeoutMs: 90_000 }), startKehu(env, { timeoutMs: 90_000 })]);
  processes.push(a, b);
  const login = await fetch(`${a.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@example.com', password: ADMIN_PASSWORD }) });
  const bearer = ((await login.json()) as { data: { token: string } }).data.token;

  const send = async (base: string, from: number, count: number) => {
    const out: number[] = [];
    for (let i = from; i < from + count; i++) {
      const res = await post(base, '/api/v1/leads', bearer, { name: `轮流 ${i}`, source: 'api' });
      if (res.status !== 201) throw new Error(`lead ${i}: ${res.status} ${JSON.stringify(res.body)}`);
      out.push(res.body.data.id);
    }
    return out;
  };
  // Eight senders, four on each process, 100 leads each: 800 at once.
  await Promise.all(Array.from({ length: 8 }, (_, k) => send(k % 2 ? b.url : a.url, k * 100, 100)));

  // A restart: process A goes away, a new one takes its place; the turn carries on.
  await a.stop();
  processes.shift();
  const c = await startKehu(env, { timeoutMs: 90_000 });
  processes.push(c);
  await Promise.all([send(c.url, 800, 100), send(b.url, 900, 100)]);

  const { knex } = app.core.db;
  const owners = (await knex('leads').orderBy('id').pluck('owner_id')).map(Number);
  t.equal(owners.length, 1000, 'every lead made');
  const counts = reps.map((r) => owners.filter((o) => o === r).length);
  t.same(counts, [250, 250, 250, 250], 'each rep exactly a quarter');
  const broken = owners.findIndex((o, i) => i > 0 && reps.indexOf(o) !== (reps.indexOf(owners[i - 1]) + 1) % reps.length);
  t.equal(broken, -1, 'in strict turns, in the order the leads were made');
});
