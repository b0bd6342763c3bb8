// Files from the pages: download (only for those who may see a record the file is on; risky types
// always as a download) and removal. Uploading is on each record's 360° page (records/record.pages.ts).
import type { FastifyInstance } from 'fastify';
import { idParams } from '../../lib/api-schemas';
import { formSchema } from '../../plugins/forms';
import { safeBack } from '../../plugins/list-pages';
import { sendAttachment } from './attachments.api';

export default async function attachmentsPages(app: FastifyInstance): Promise<void> {
  const { attachments } = app.services;
  type IdReq = { Params: { id: number } };

  app.get<IdReq>('/attachments/:id', { config: { permission: 'signed-in' }, schema: { params: idParams } }, async (req, reply) =>
    sendAttachment(attachments, req.actor!, req.params.id, reply));

  app.post<IdReq>('/attachments/:id/delete', { config: { permission: 'signed-in' }, schema: { params: idParams, body: formSchema(['back']) } }, async (req, reply) => {
    await attachments.remove(req.actor!, req.params.id);
    const back = safeBack((req.body as { back?: string }).back, '/');
    return reply.redirect(`${back}${back.includes('?') ? '&' : '?'}notice=file_deleted#files`, 303);
  });
}
