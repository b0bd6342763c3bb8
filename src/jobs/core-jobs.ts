// Housekeeping jobs of the core. Feature issues register theirs beside these.
import type { Core } from '../core';
import type { Services } from '../services';
import { DAY } from '../lib/time';
import type { JobRunner } from './runner';

export function registerCoreJobs(jobs: JobRunner, core: Core, services: Services): void {
  jobs.register('sessions.purge', { schedule: '17 3 * * *' }, async () => {
    const before = new Date(core.clock.now().getTime() - 30 * DAY).toISOString();
    const sessions = await services.sessions.purgeOlderThan(before);
    const failures = await services.auth.throttle.purge();
    core.log.info({ sessions, failures }, 'purged old sessions and sign-in failures');
  });

  // Keeps the query planner's statistics current, so it picks the selective index (SQLite has no
  // autovacuum-analyze; Postgres does its own). analysis_limit makes ANALYZE sample each index
  // (SQLite's recommended use) instead of reading it whole: without it the first start on a freshly
  // loaded or restored database with a million contacts analysed every table in full, holding the
  // one event loop (better-sqlite3 is synchronous) for over 30 s before it answered a request.
  jobs.register('db.optimize', { schedule: '7 4 * * *', runAtStart: core.db.dialect === 'sqlite' }, async () => {
    if (core.db.dialect !== 'sqlite') return;
    await core.db.knex.raw('pragma analysis_limit = 1000');
    await core.db.knex.raw('pragma optimize=0x10002');
  });

  // Task reminders become notifications (the bell) within a minute of their time.
  jobs.register('tasks.reminders', { schedule: '* * * * *', retries: 0 }, async () => {
    const due = await services.tasks.takeDueReminders();
    for (const task of due) {
      await services.notifications.notify(core.db.knex, task.owner_id, { kind: 'task_due', title: task.title, recordType: 'tasks', recordId: task.id });
    }
  });

  // The trash keeps deleted customers for the configured days, then lets go of them.
  jobs.register('trash.purge', { schedule: '37 2 * * *' }, async () => {
    const days = core.config.trash.retentionDays;
    const purged = { companies: await services.companies.purgeTrash(days), contacts: await services.contacts.purgeTrash(days) };
    core.log.info({ purged, days }, 'purged the trash');
  });

  // Verification first, so a broken chain is reported before rotation moves any of it to archives;
  // a failed verification fails the run (and so shows on the jobs page) after recording its result.
  jobs.register('audit.verify', { schedule: '47 1 * * *', retries: 0 }, async () => {
    const result = await services.auditLog.verify();
    if (!result.ok) throw new Error(`audit chain broken at seq ${result.problem!.seq}: ${result.problem!.reason}`);
    core.log.info({ checked: result.checked, headSeq: result.headSeq }, 'audit chain verified');
  });

  // Sealed entries past audit.retentionDays move to monthly archive files in the data directory.
  jobs.register('audit.rotate', { schedule: '17 2 * * *' }, async () => {
    const result = await services.auditLog.rotate();
    core.log.info({ pieces: result.pieces, deletedFiles: result.deletedFiles }, 'audit log rotated');
  });

  // The license is verified again (offline) and its seats counted; problems are recorded for the
  // license page and, when they change, sent to administrators' bells. Never stops anything.
  jobs.register('license.check', { schedule: '23 5 * * *' }, async () => {
    const status = await services.license.runCheck();
    core.log.info({ edition: status.edition, seats: status.seats, problems: status.last_check?.problems.map((p) => p.code) ?? [] }, 'license checked');
  });

  // Backups into backup.dir on backup.schedule, verified and pruned (backup.keepCount, keepDays).
  // A failure is retried, recorded, and shown to administrators on every page until one succeeds.
  const system = { userId: null, ip: null, userAgent: 'kehu-jobs', requestId: null };
  if (core.config.backup.schedule) {
    jobs.register('backup.run', { schedule: core.config.backup.schedule, retries: 2 }, async () => {
      const { result, pruned } = await services.backups.run('scheduled', system);
      core.log.info({ file: result.file, size: result.size, ms: result.durationMs, pruned }, 'backup written and verified');
    });
    // A backup missed while the server was down runs at start (once across processes).
    jobs.register('backup.catchup', { schedule: null, runAtStart: true, retries: 0 }, async () => {
      const { timezone } = await services.settings.company();
      if (await services.backups.missed(timezone)) {
        const run = await jobs.runSlot('backup.run', `missed:${core.clock.now().toISOString().slice(0, 13)}`);
        if (run?.status === 'failed') throw new Error(`the missed backup failed: ${run.error?.split('\n')[0]}`);
      }
    });
  }
}
