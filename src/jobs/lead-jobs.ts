// The sales pipeline's jobs: follow-up tasks by score band, nightly rescoring (behaviour points
// decay) with the web-to-lead counters pruned, and deals and leads leaving the trash.
import type { Core } from '../core';
import type { Services } from '../services';
import type { JobRunner } from './runner';

export function registerLeadJobs(jobs: JobRunner, core: Core, services: Services): void {
  jobs.register('leads.cadence', { schedule: '23 7 * * *' }, async () => {
    const made = await services.leads.runCadence();
    core.log.info({ made }, 'follow-up tasks for leads by score band');
  });

  jobs.register('leads.rescore', { schedule: '53 1 * * *' }, async () => {
    const rescored = await services.leads.rescoreAll();
    const counters = await services.webLeads.pruneCounters();
    core.log.info({ rescored, counters }, 'rescored leads, pruned web-to-lead counters');
  });

  jobs.register('pipeline.trash', { schedule: '41 2 * * *' }, async () => {
    const days = core.config.trash.retentionDays;
    const purged = { deals: await services.deals.purgeTrash(days), leads: await services.leads.purgeTrash(days) };
    core.log.info({ purged, days }, 'purged deals and leads from the trash');
  });
}
