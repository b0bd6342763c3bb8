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
}
