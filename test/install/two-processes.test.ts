// Two Kehu processes on one Postgres database (as behind a load balancer), started together: both
// migrate-and-start without tripping over each other, a session made on one works on the other,
// and scheduled jobs run once per slot across the two: tasks.reminders (every minute) has one
// job_runs row and one "job finished" line per minute, and the reminder it delivers arrives once;
// backup.run (also every minute here, into one shared backup directory) writes one archive per slot.
//
// Several processes on one database is the Postgres deployment: the real work runs in the
// Postgres half.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import t from 'tap';
import { createTestDatabase, testDialect } from '../support/databases';
import { startKehu, type KehuProcess } from '../support/launcher';
import { api, apiSignIn, completeSetup } from './support';

t.setTimeout(6 * 60_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

if (testDialect !== 'postgres') {
  t.pass('several processes share a Postgres database: this file runs in the Postgres half');
} else {
  t.test('two processes on one Postgres database: shared sessions, one run per slot of a scheduled job', async (t) => {
    const db = await createTestDatabase('postgres');
    t.teardown(() => db.drop());
    const backupDir = path.join(db.dataDir, 'shared-backups');
    const env = { KEHU_DATA_DIR: db.dataDir, KEHU_DATABASE_URL: db.databaseUrl, KEHU_BACKUP_SCHEDULE: '* * * * *', KEHU_BACKUP_DIR: backupDir };
    const procs: KehuProcess[] = [];
    t.teardown(() => Promise.all(procs.map((p) => p.stop('SIGKILL'))));

    // Started together on an empty database: one migrates, the other waits for it.
    const started = await Promise.allSettled([startKehu(env, { timeoutMs: 120_000 }), startKehu(env, { timeoutMs: 120_000 })]);
    for (const s of started) if (s.status === 'fulfilled') procs.push(s.value);
    t.same(started.map((s) => s.status), ['fulfilled', 'fulfilled'], `both processes started${started.map((s) => (s.status === 'rejected' ? `\n${(s.reason as Error).message}` : '')).join('')}`);
    if (procs.length !== 2) return;
    const [a, b] = procs;

    await completeSetup(a.url);
    const token = await apiSignIn(a.url);
    const me = await api(b.url, token, 'GET', '/auth/me');
    t.equal(me.status, 200, 'a session made on one process works on the other');
    for (const p of procs) {
      const jobs = await api(p.url, token, 'GET', '/jobs');
      t.ok(jobs.body.data.some((j: { name: string; schedule: string }) => j.name === 'tasks.reminders' && j.schedule === '* * * * *'), `process ${p.port} schedules tasks.reminders every minute`);
    }

    // A reminder due now: the next tasks.reminders run delivers it.
    const task = await api(a.url, token, 'POST', '/tasks', { title: '回访：两进程提醒', remind_at: new Date(Date.now() - 1000).toISOString() });
    t.equal(task.status, 201, 'a task with a due reminder');

    // The next minute boundary, both processes up.
    const client = new pg.Client({ connectionString: db.databaseUrl });
    await client.connect();
    t.teardown(() => client.end());
    const minute = 60_000;
    const windowStart = Math.ceil((Date.now() + 1000) / minute) * minute;
    t.comment(`watching the minute from ${new Date(windowStart).toISOString()}`);
    await sleep(windowStart - Date.now() + 8_000);
    const runsOf = async (job: string) => {
      let rows: Array<{ slot: string; status: string; host: string }> = [];
      for (let i = 0; i < 60; i++) {
        rows = (
          await client.query(`select slot, status, host from job_runs where job = $3 and started_at >= $1 and started_at < $2 order by id`, [new Date(windowStart - 5000).toISOString(), new Date(windowStart + 50_000).toISOString(), job])
        ).rows;
        if (rows.length && rows.every((r) => r.status !== 'running')) break;
        await sleep(500);
      }
      return rows;
    };
    const runs = await runsOf('tasks.reminders');
    t.equal(runs.length, 1, `one run of tasks.reminders in that minute: ${JSON.stringify(runs)}`);
    t.equal(runs[0]?.status, 'succeeded');
    t.equal(runs[0]?.slot, `cron:${new Date(windowStart).toISOString().slice(0, 16)}`, 'for that minute\'s slot');
    t.ok(procs.every((p) => p.proc.exitCode === null), 'both processes were up throughout');

    const finished = (p: KehuProcess) =>
      p
        .output()
        .split('\n')
        .filter((l) => l.includes('"job":"tasks.reminders"') && l.includes('job finished'))
        .map((l) => JSON.parse(l) as { slot: string });
    const slot = runs[0]?.slot;
    const ranIn = procs.map((p) => finished(p).filter((l) => l.slot === slot).length);
    t.equal(ranIn[0] + ranIn[1], 1, `the job body ran in one process only (runs per process: ${ranIn.join(', ')})`);
    t.match(runs[0]?.host, /#\d+$/, `run by ${runs[0]?.host}`);

    const notes = await client.query(`select count(*)::int as n from notifications where kind = 'task_due' and record_type = 'tasks' and record_id = $1`, [task.body.data.id]);
    t.equal(notes.rows[0].n, 1, 'the reminder arrived once, not once per process');

    // Every minute the two were up: one row and one "job finished" line per slot.
    const perSlot = (await client.query(`select slot, count(*)::int as n from job_runs where job = 'tasks.reminders' group by slot`)).rows;
    t.ok(perSlot.length >= 1 && perSlot.every((r) => r.n === 1), `every slot once: ${perSlot.map((r) => r.slot.slice(5)).join(', ')}`);
    const lines = procs.flatMap(finished);
    t.equal(lines.length, new Set(lines.map((l) => l.slot)).size, `every "job finished" line is for a different slot (${lines.length} lines)`);

    // The backup job of the same minute: one run, one archive in the shared directory.
    const backups = await runsOf('backup.run');
    t.same(backups.map((r) => [r.slot, r.status]), [[`cron:${new Date(windowStart).toISOString().slice(0, 16)}`, 'succeeded']], `one backup.run in that minute: ${JSON.stringify(backups)}`);
    const listed = await api(a.url, token, 'GET', '/backups');
    t.ok(listed.body.data.some((b: { file: string }) => fs.existsSync(path.join(backupDir, b.file))), 'the backup list shows the archives of the shared directory');

    for (const p of procs) t.equal(await p.stop(), 0, `process ${p.port} stops cleanly`);
    // Both stopped (a stop waits for a running job): every slot ran once and left one archive.
    // (A backup still running at the stop is cancelled and leaves no archive.)
    const perBackupSlot = (await client.query(`select slot, count(*)::int as n, min(status) as status from job_runs where job = 'backup.run' group by slot`)).rows;
    t.ok(perBackupSlot.every((r) => r.n === 1), `every backup slot once: ${JSON.stringify(perBackupSlot)}`);
    const archives = fs.readdirSync(backupDir).filter((f) => f.endsWith('.tar.gz'));
    t.equal(archives.length, perBackupSlot.filter((r) => r.status === 'succeeded').length, `one archive per backup run, not one per process: ${archives.join(', ')}`);
  });
}
