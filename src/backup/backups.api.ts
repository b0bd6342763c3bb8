// /api/v1/backups: the archives in backup.dir, "back up now", and downloading one; and
// /api/v1/system/status for the admin status page's facts. Administrators only (settings.update):
// an archive holds every record and secret.
import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { ConflictError } from '../lib/errors';
import { dataOf, listOf, responses } from '../lib/api-schemas';
import { systemStatus } from './status';

const listing = {
  type: 'object',
  properties: {
    file: { type: 'string' }, size: { type: 'integer' }, created_at: { type: 'string' }, kind: { type: ['string', 'null'] },
    verified: { type: ['boolean', 'null'] }, verified_at: { type: ['string', 'null'] }, problems: { type: ['string', 'null'] },
  },
} as const;
const nameParams = { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string', pattern: '^kehu-backup-[0-9A-Za-z.+-]+\\.tar\\.gz$', maxLength: 200 } } } as const;
const emptyBody = { type: ['object', 'null'], additionalProperties: false, properties: {} } as const;

export default async function backupsApi(app: FastifyInstance): Promise<void> {
  const tags = ['backups'];
  let running = false;

  app.get('/backups', {
    config: { permission: 'settings.update' },
    schema: { tags, summary: 'Backup archives in backup.dir, newest first, with their verification', response: responses({ 200: listOf(listing) }) },
  }, async () => ({ data: await app.services.backups.list(), next_cursor: null }));

  app.post('/backups', {
    config: { permission: 'settings.update' },
    schema: { tags, summary: 'Back up now: writes, verifies and records an archive; 409 while one is being written', body: emptyBody, response: responses({ 201: dataOf(listing) }) },
  }, async (req, reply) => {
    if (running) throw new ConflictError('a backup is being written already');
    running = true;
    try {
      const { result, row } = await app.services.backups.run('manual', req.actor!);
      return reply.code(201).send({ data: { file: result.file, size: result.size, created_at: result.manifest.created_at, kind: row.kind, verified: row.verified_ok, verified_at: row.verified_at, problems: row.problems } });
    } finally {
      running = false;
    }
  });

  app.get<{ Params: { name: string } }>('/backups/:name', {
    config: { permission: 'settings.update' },
    schema: { tags, summary: 'Download an archive (application/gzip); the download is audited', params: nameParams },
  }, async (req, reply) => {
    const file = app.services.backups.pathOf(req.params.name);
    await app.core.audit.record(app.core.db.knex, req.actor!, { action: 'backup_download', recordType: 'system', recordId: req.params.name.slice(0, 64) });
    const size = fs.statSync(file).size;
    return reply
      .header('content-type', 'application/gzip')
      .header('content-length', size)
      .header('content-disposition', `attachment; filename="${req.params.name}"`)
      .header('cache-control', 'no-store')
      .send(fs.createReadStream(file));
  });

  app.get('/system/status', {
    config: { permission: 'settings.update' },
    schema: { tags: ['system'], summary: 'Version, database, free disk, last backup, recent job runs, license' },
  }, async () => ({ data: await systemStatus(app) }));
}
