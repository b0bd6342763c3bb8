// /api/v1/{companies,contacts,activities}/:id/attachments and /api/v1/attachments/:id/content.
import type { FastifyInstance, FastifyReply } from 'fastify';
import fs from 'node:fs';
import { idParams, responses, dataOf } from '../../lib/api-schemas';
import { ValidationError } from '../../lib/errors';
import { ATTACHABLE, type Attachable, type AttachmentsService } from './attachments.service';
import type { Actor } from '../../access/scope';

export const attachmentSchema = {
  type: 'object',
  properties: { id: { type: 'integer' }, file_name: { type: 'string' }, mime: { type: 'string' }, size: { type: 'integer' }, sha256: { type: 'string' }, owner_id: { type: 'integer' }, created_at: { type: 'string' } },
} as const;

// Types a browser would render inline from our origin are always sent as downloads.
const INLINE_SAFE = /^(image\/(png|jpeg|gif|webp)|application\/pdf|text\/plain)$/;

export async function sendAttachment(service: AttachmentsService, actor: Actor, id: number, reply: FastifyReply): Promise<FastifyReply> {
  const { attachment, file } = await service.open(actor, id);
  const inline = INLINE_SAFE.test(attachment.mime);
  reply.header('content-type', inline ? attachment.mime : 'application/octet-stream');
  reply.header('content-disposition', `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(attachment.file_name)}`);
  reply.header('content-length', String(attachment.size));
  reply.header('cache-control', 'private, no-store');
  return reply.send(fs.createReadStream(file));
}

export default async function attachmentsApi(app: FastifyInstance): Promise<void> {
  const { attachments } = app.services;
  const tags = ['attachments'];
  for (const type of ATTACHABLE) {
    app.post<{ Params: { id: number } }>(`/${type}/:id/attachments`, {
      config: { permission: `${type}.update` },
      schema: { tags, summary: `Attach a file (multipart/form-data, field "file") to a ${type.replace(/s$/, '').replace(/ie$/, 'y')}`, params: idParams, response: responses({ 201: dataOf(attachmentSchema) }) },
    }, async (req, reply) => {
      if (!req.isMultipart()) throw ValidationError.field('file', 'required', 'send the file as multipart/form-data in a field named "file"');
      const file = await req.file();
      if (!file) throw ValidationError.field('file', 'required', 'send the file as multipart/form-data in a field named "file"');
      const saved = await attachments.upload(req.actor!, { type: type as Attachable, id: req.params.id }, { filename: file.filename, mimetype: file.mimetype, stream: file.file });
      return reply.code(201).send({ data: saved });
    });
    app.get<{ Params: { id: number } }>(`/${type}/:id/attachments`, {
      config: { permission: `${type}.read` },
      schema: { tags, summary: 'The files attached to this record', params: idParams, response: responses({ 200: { type: 'object', properties: { data: { type: 'array', items: attachmentSchema } } } }) },
    }, async (req) => ({ data: await attachments.list(req.actor!, { type: type as Attachable, id: req.params.id }) }));
  }

  app.get<{ Params: { id: number } }>('/attachments/:id/content', {
    config: { permission: 'signed-in' },
    schema: { tags, summary: 'Download a file (only for users who may see a record it is attached to)', params: idParams },
  }, async (req, reply) => sendAttachment(attachments, req.actor!, req.params.id, reply));

  app.delete<{ Params: { id: number } }>('/attachments/:id', {
    config: { permission: 'signed-in' },
    schema: { tags, summary: 'Remove an attachment', params: idParams, response: responses({ 204: { type: 'null' } }) },
  }, async (req, reply) => {
    await attachments.remove(req.actor!, req.params.id);
    return reply.code(204).send();
  });
}
