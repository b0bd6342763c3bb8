// Backups for administrators: the API (list, back up now, download), the pages (list, button,
// status page), the scheduled job with retention and the missed-backup catch-up, and a failed
// backup shown on every admin page until one succeeds. Only settings.update may use them.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { ADMIN_PASSWORD, apiClient, buildTestApp, call, createUser, manualClock } from '../helper';
import { browser } from '../support/page-client';
import { verifyArchive } from '../../src/backup/verify';
import { fill } from './support';

t.test('API and pages: list, back up now, download, status, permissions', async (t) => {
  const { app, config } = await buildTestApp(t);
  const { token } = await fill(app);
  const api = apiClient(app, token);
  t.same((await api.get('/api/v1/backups')).body, { data: [], next_cursor: null }, 'no backups yet');

  const made = await api.post('/api/v1/backups', {});
  t.equal(made.status, 201, made.text);
  t.equal(made.body.data.verified, true, 'verified right after writing');
  t.equal(made.body.data.kind, 'manual');
  const list = (await api.get('/api/v1/backups')).body.data;
  t.equal(list.length, 1);
  t.equal(list[0].file, made.body.data.file);
  t.ok(list[0].size > 0);

  const download = await app.inject({ method: 'GET', url: `/api/v1/backups/${list[0].file}`, headers: { authorization: `Bearer ${token}` } });
  t.equal(download.statusCode, 200);
  t.equal(download.headers['content-type'], 'application/gzip');
  t.match(String(download.headers['content-disposition']), /attachment; filename="kehu-backup-/);
  t.same(download.rawPayload, fs.readFileSync(path.join(config.dataDir, 'backups', list[0].file)), 'the archive itself');
  t.equal((await api.get('/api/v1/backups/kehu-backup-nothing.tar.gz')).status, 404, 'an unknown archive is not found');
  t.equal((await api.get('/api/v1/backups/..%2Fkehu.db')).status, 400, 'a path is refused');
  t.equal((await api.post('/api/v1/backups', { dir: '/tmp' })).status, 400, 'unknown body fields are refused');
  const audit = await app.core.db.knex('audit_log').whereIn('action', ['backup', 'backup_download']).select('action');
  t.same(audit.map((a) => a.action).sort(), ['backup', 'backup_download'], 'backup and download are audited');

  const status = await api.get('/api/v1/system/status');
  t.equal(status.status, 200);
  t.equal(status.body.data.database.dialect, app.core.db.dialect);
  t.ok(status.body.data.database.size_bytes > 0, 'database size');
  t.ok(status.body.data.disks.data.free_bytes > 0 && status.body.data.disks.backups.free_bytes > 0, 'free disk of both directories');
  t.equal(status.body.data.backups.last_success.file, list[0].file, 'the last backup');
  t.equal(status.body.data.backups.last_success.verified_ok, true);
  t.ok(Array.isArray(status.body.data.jobs));

  const sales = await createUser(app, token, 'sales');
  for (const [method, url] of [['GET', '/api/v1/backups'], ['POST', '/api/v1/backups'], ['GET', `/api/v1/backups/${list[0].file}`], ['GET', '/api/v1/system/status']] as const) {
    const res = await call(app, { method, url, headers: { authorization: `Bearer ${sales.token}` }, payload: method === 'POST' ? {} : undefined });
    t.equal(res.status, 403, `${method} ${url} is for administrators`);
  }

  // Pages.
  const page = browser(app, token);
  const listPage = await page.get('/admin/backups');
  t.equal(listPage.status, 200);
  t.match(listPage.text, list[0].file, 'the archive is listed');
  t.match(listPage.text, /data-testid="backup-download"/, 'with a download link');
  const now = await page.post('/admin/backups');
  t.equal(now.status, 303);
  t.equal(now.location, '/admin/backups?result=done');
  t.equal((await api.get('/api/v1/backups')).body.data.length, 2, '"back up now" wrote one');
  const statusPage = await page.get('/admin/status');
  t.equal(statusPage.status, 200);
  for (const id of ['status-system', 'status-backup', 'status-jobs']) t.match(statusPage.text, `data-testid="${id}"`);
  t.match(statusPage.text, app.core.db.dialect);
});

t.test('scheduled job: retention, catch-up after a missed night, failures retried and shown to admins', async (t) => {
  const clock = manualClock(new Date('2026-11-20T08:00:00.000Z'));
  const { app, config } = await buildTestApp(t, { clock, overrides: { backup: { schedule: '23 1 * * *', dir: '', keepCount: 3, keepDays: 4 } } });
  await fill(app);
  clock.set(new Date('2026-11-20T08:00:00.000Z'));
  t.equal(await app.services.backups.missed('Asia/Shanghai'), true, 'data and never backed up: missed');
  const catchup = await app.jobs.runNow('backup.catchup');
  t.equal(catchup?.status, 'succeeded', catchup?.error ?? '');
  const runs = await app.jobs.recentRuns('backup.run');
  t.equal(runs.length, 1, 'the catch-up ran the backup');
  t.match(runs[0].slot, /^missed:/);
  t.equal(await app.services.backups.missed('Asia/Shanghai'), false, 'not missed right after one');
  t.equal((await app.jobs.runNow('backup.catchup'))?.status, 'succeeded');
  t.equal((await app.jobs.recentRuns('backup.run')).length, 1, 'a recent backup is not repeated at start');

  // Nightly for a week: keepCount 3 and keepDays 4 leave the newest three.
  for (let day = 1; day <= 6; day++) {
    clock.set(new Date(Date.parse('2026-11-20T17:23:00.000Z') + day * 86_400_000));
    const run = await app.jobs.runSlot('backup.run', `cron:${clock.now().toISOString().slice(0, 16)}`);
    t.equal(run?.status, 'succeeded', run?.error ?? '');
  }
  const files = fs.readdirSync(path.join(config.dataDir, 'backups')).filter((f) => f.endsWith('.tar.gz')).sort();
  t.equal(files.length, 3, 'retention by count');
  t.match(files[0], /^kehu-backup-20261124T172300Z/, 'the oldest ones were removed');
  clock.advance(3 * 86_400_000);
  t.equal(await app.services.backups.missed('Asia/Shanghai'), true, 'three days without a backup: missed');

  // A failure: the backup directory is a file. Retried, recorded, shown on every admin page and the status page.
  fs.rmSync(path.join(config.dataDir, 'backups'), { recursive: true });
  fs.writeFileSync(path.join(config.dataDir, 'backups'), 'not a directory');
  const failed = await app.jobs.runNow('backup.run');
  t.equal(failed?.status, 'failed');
  t.equal(failed?.attempts, 3, 'retried twice');
  t.match(failed?.error ?? '', /EEXIST|ENOTDIR/);
  const alert = await app.services.backups.alert();
  t.equal(alert?.status, 'failed');
  // The clock moved weeks on: sign in again.
  const fresh = (await apiClient(app).post('/api/v1/auth/login', { email: 'admin@example.com', password: ADMIN_PASSWORD })).body.data.token;
  const page = browser(app, fresh);
  const home = await page.get('/');
  t.match(home.text, 'data-testid="backup-banner"', 'admins see the failure on every page');
  const sales = await createUser(app, fresh, 'sales');
  t.notMatch((await browser(app, sales.token).get('/')).text, 'backup-banner', 'others do not');
  t.match((await page.get('/admin/status')).text, /role="alert"/, 'the status page shows it');
  t.match((await page.get('/admin/backups')).text, 'data-testid="backup-failures"', 'the backups page lists the reason');
  t.ok(await app.core.db.knex('audit_log').where({ action: 'backup_failed' }).first(), 'the failure is audited');

  fs.rmSync(path.join(config.dataDir, 'backups'));
  t.equal((await app.jobs.runNow('backup.run'))?.status, 'succeeded');
  t.equal(await app.services.backups.alert(), null, 'a success clears the alert');
  t.notMatch((await page.get('/')).text, 'backup-banner');
  const last = await app.services.backups.lastSuccess();
  t.equal((await verifyArchive(path.join(config.dataDir, 'backups', last!.file!))).ok, true);
});
