// Admin pages: the backups list (time, size, verified or not, download) with "back up now", and
// the status page (version, database, free disk, last backup, recent job runs, license).
import type { FastifyInstance } from 'fastify';
import { t } from '../lib/i18n';
import { systemStatus } from './status';

/** What the page says after "back up now" (?result=done|failed). */
const RESULTS = ['done', 'failed'] as const;

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

export default async function backupsPages(app: FastifyInstance): Promise<void> {
  app.get('/admin/backups', {
    config: { permission: 'settings.update' },
    schema: { querystring: { type: 'object', properties: { result: { type: 'string', enum: RESULTS } } } },
  }, async (req, reply) => {
    const { backups } = app.services;
    const list = (await backups.list()).map((b) => ({ ...b, sizeText: formatBytes(b.size) }));
    const recent = await backups.recent(10);
    return reply.page('backups/index', {
      title: t(req.locale, 'backups.title'),
      list,
      failures: recent.filter((r) => r.status === 'failed'),
      dir: backups.dir(),
      schedule: app.core.config.backup.schedule,
      keepCount: app.core.config.backup.keepCount,
      keepDays: app.core.config.backup.keepDays,
      result: (req.query as { result?: string }).result,
    });
  });

  app.post('/admin/backups', {
    config: { permission: 'settings.update' },
    schema: { body: { type: 'object', additionalProperties: false, properties: {} } },
  }, async (req, reply) => {
    try {
      await app.services.backups.run('manual', req.actor!);
      return reply.redirect('/admin/backups?result=done', 303);
    } catch {
      // Recorded with its reason, which the page lists (and the banner shows on every page).
      return reply.redirect('/admin/backups?result=failed', 303);
    }
  });

  app.get('/admin/status', { config: { permission: 'settings.update' } }, async (req, reply) => {
    const status = await systemStatus(app);
    return reply.page('status/index', {
      title: t(req.locale, 'status.title'),
      status,
      dbSize: formatBytes(status.database.size_bytes),
      dataFree: formatBytes(status.disks.data.free_bytes),
      dataTotal: formatBytes(status.disks.data.total_bytes),
      backupFree: formatBytes(status.disks.backups.free_bytes),
      backupTotal: formatBytes(status.disks.backups.total_bytes),
      lastSize: formatBytes(status.backups.last_success?.size),
    });
  });
}
