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
  // autovacuum-analyze; Postgres does its own).
  jobs.register('db.optimize', { schedule: '7 4 * * *', runAtStart: core.db.dialect === 'sqlite' }, async () => {
    if (core.db.dialect === 'sqlite') await core.db.knex.raw('pragma optimize=0x10002');
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
}
