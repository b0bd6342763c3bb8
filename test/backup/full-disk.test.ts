// A small full disk (a tmpfs, mounted here as root; the test fails if it cannot mount, never
// skips): a backup onto it fails loudly and leaves nothing that looks like an archive; with the
// SQLite data directory on it, writes fail with a clear 507 and no partial rows, and work again
// once space is freed, without a restart (that part always on SQLite: only there is the database
// in the data directory).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { apiClient, buildTestApp } from '../helper';
import { createTestDatabase } from '../support/databases';
import { fill } from './support';

function mountTmpfs(t: Test, size: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kehu-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  } catch (err) {
    throw new Error(`cannot mount a tmpfs at ${dir} (this test needs root and mount): ${(err as Error).message}`);
  }
  t.teardown(() => {
    execFileSync('umount', ['-l', dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Fills the file system with a filler file until it is full (leaving `leave` bytes); returns the filler's path. */
function fillUp(dir: string, leave = 0): string {
  const filler = path.join(dir, 'filler');
  const fd = fs.openSync(filler, 'a');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) {
      const s = fs.statfsSync(dir);
      if (Number(s.bavail) * Number(s.bsize) <= leave) break;
      fs.writeSync(fd, chunk);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
  return filler;
}

t.test('a backup onto a full disk fails loudly and leaves no archive', async (t) => {
  const disk = mountTmpfs(t, '2m');
  const { app } = await buildTestApp(t, { overrides: { backup: { schedule: '23 1 * * *', dir: disk, keepCount: 14, keepDays: 30 } } });
  const { token } = await fill(app);
  fillUp(disk, 8 * 1024);
  const res = await apiClient(app, token).post('/api/v1/backups', {});
  t.equal(res.status, 507, res.text);
  t.equal(res.body.error.code, 'storage_full');
  t.same(fs.readdirSync(disk).filter((f) => f !== 'filler'), [], 'no archive and no partial file left behind');
  const alert = await app.services.backups.alert();
  t.match(alert?.error ?? '', /ENOSPC/, 'the failure is recorded with its reason');
  const run = await app.jobs.runNow('backup.run');
  t.equal(run?.status, 'failed', 'the scheduled job fails too');
  t.same(fs.readdirSync(disk).filter((f) => f !== 'filler'), []);
  fs.rmSync(path.join(disk, 'filler'));
  t.equal((await apiClient(app, token).post('/api/v1/backups', {})).status, 201, 'with space freed, the next backup works');
});

t.test('SQLite on a full data disk: writes fail with 507 and no partial rows, then work again', async (t) => {
  const disk = mountTmpfs(t, '16m');
  const database = await createTestDatabase('sqlite');
  t.teardown(() => database.drop());
  const dataDir = path.join(disk, 'data');
  const { app } = await buildTestApp(t, { database: { ...database, dataDir, databaseUrl: `sqlite:${path.join(dataDir, 'kehu.db')}` } });
  const { token } = await fill(app);
  const api = apiClient(app, token);
  const { knex } = app.core.db;
  const filler = fillUp(disk);
  const counts = async () => ({
    companies: Number((await knex('companies').count({ n: '*' }))[0].n),
    grams: Number((await knex('search_grams').count({ n: '*' }))[0].n),
    audit: Number((await knex('audit_log').count({ n: '*' }))[0].n),
  });
  let failed: { status: number; body: any } | null = null;
  let before = await counts();
  for (let i = 0; i < 400 && !failed; i++) {
    before = await counts();
    const res = await api.post('/api/v1/companies', { name: `满盘测试公司${i}号`, notes: '很长的说明'.repeat(1500), allow_duplicate: true });
    if (res.status !== 201) failed = res;
  }
  t.ok(failed, 'a write failed once the disk was full');
  t.equal(failed!.status, 507, JSON.stringify(failed!.body));
  t.equal(failed!.body.error.code, 'storage_full');
  t.match(failed!.body.error.message, /disk is full: nothing was saved/);
  t.same(await counts(), before, 'no partial rows: no company, no search grams, no audit entry');
  fs.rmSync(filler);
  const again = await api.post('/api/v1/companies', { name: '空间释放后的公司' });
  t.equal(again.status, 201, 'works again without a restart');
  const integrity = await knex.raw('pragma integrity_check');
  t.equal(integrity[0].integrity_check, 'ok');
});
