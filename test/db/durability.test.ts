// SQLite group commit: the serving process commits without a flush and answers a write only after
// an fdatasync of the WAL that began after its commit; writes answered together share one flush.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { walDurability } from '../../src/db/durability';
import { openDatabase } from '../../src/db/database';
import { createTestDatabase } from '../support/databases';
import { apiClient, buildTestApp, setupAdmin, testConfig } from '../helper';

const sqliteOnly = { skip: (process.env.KEHU_TEST_DB ?? 'sqlite') !== 'sqlite' && 'SQLite only' };

t.test('flushes: every waiter is covered by a flush that began after it asked, and waiters share flushes', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kehu-durability-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const wal = path.join(dir, 'x.db-wal');
  fs.writeFileSync(wal, 'frames');
  const durability = walDurability(wal);
  await durability.flush();
  t.equal(durability.flushes, 1, 'one flush for one waiter');
  // 50 at once: the first starts a flush, the 49 that ask while it runs share the next one.
  await Promise.all(Array.from({ length: 50 }, () => durability.flush()));
  t.equal(durability.flushes, 3, 'the first of 50 waiters took a flush of its own, the other 49 shared the next');
  // One asked while a flush is running is not covered by that one.
  const running = durability.flush();
  const later = durability.flush();
  const before = durability.flushes;
  await running;
  await later;
  t.equal(durability.flushes, before + 2, 'the later waiter was not answered by the flush already running');
});

t.test('flushes: no WAL file means nothing to flush; a flush the disk refuses fails every waiter', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kehu-durability-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  await walDurability(path.join(dir, 'missing.db-wal')).flush();
  t.pass('a missing WAL (checkpointed and removed) resolves');
  // A directory in the WAL's place cannot be opened for writing: the flush fails, loudly.
  const broken = path.join(dir, 'broken.db-wal');
  fs.mkdirSync(broken);
  const durability = walDurability(broken);
  const results = await Promise.allSettled([durability.flush(), durability.flush(), durability.flush()]);
  t.same(results.map((r) => r.status), ['rejected', 'rejected', 'rejected']);
  t.equal(durability.flushes, 0);
});

t.test('the serving process commits without a flush and answers writes after one; other processes flush each commit', sqliteOnly, async (t) => {
  const { app, db: tdb } = await buildTestApp(t);
  const db = app.core.db;
  t.equal((await db.knex.raw('pragma synchronous'))[0].synchronous, 1, 'the server writer: NORMAL, the flush is the answer\'s');
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  const durability = db.durability!;
  let flushes = durability.flushes;
  const created = await api.post('/api/v1/contacts', { name: '王芳' });
  t.equal(created.status, 201);
  t.ok(durability.flushes > flushes, 'the answer to the create came after a flush');
  flushes = durability.flushes;
  t.equal((await api.get(`/api/v1/contacts/${created.body.data.id}`)).status, 200);
  t.equal(durability.flushes, flushes, 'a read waits for no flush');
  const refused = await api.post('/api/v1/contacts', { name: '' });
  t.equal(refused.status, 400, 'a refused write is answered too');

  // The CLI, backup workers and restores open the database without group commit: FULL.
  const other = await openDatabase(testConfig(tdb));
  t.teardown(() => other.close());
  t.equal((await other.knex.raw('pragma synchronous'))[0].synchronous, 2);
  t.equal(other.durability, null);
});
