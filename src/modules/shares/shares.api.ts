// /api/v1/{companies,contacts}/:id/shares: who else a record is shared with.
import type { FastifyInstance } from 'fastify';
import { dataOf, idParams, responses } from '../../lib/api-schemas';
import { SHAREABLE_TYPES, shareCreateSchema, shareParams, shareSchema } from './shares.service';


export default async function sharesApi(app: FastifyInstance): Promise<void> {
  const { shares } = app.services;
  for (const type of SHAREABLE_TYPES) {
    const tags = [type];
    app.get<{ Params: { id: number } }>(`/${type}/:id/shares`, {
      config: { permission: `${type}.read` },
      schema: { tags, summary: 'Users and teams this record is shared with', params: idParams, response: responses({ 200: { type: 'object', properties: { data: { type: 'array', items: shareSchema } } } }) },
    }, async (req) => ({ data: await shares.list(req.actor!, type, req.params.id) }));

    app.post<{ Params: { id: number } }>(`/${type}/:id/shares`, {
      config: { permission: `${type}.update` },
      schema: { tags, summary: 'Share with a user or a team (read or edit); sharing again changes the access', params: idParams, body: shareCreateSchema, response: responses({ 201: dataOf(shareSchema) }) },
    }, async (req, reply) => reply.code(201).send({ data: await shares.add(req.actor!, type, req.params.id, req.body as { access: 'read' | 'edit' }) }));

    app.delete<{ Params: { id: number; shareId: number } }>(`/${type}/:id/shares/:shareId`, {
      config: { permission: `${type}.update` },
      schema: { tags, summary: 'Stop sharing', params: shareParams, response: responses({ 204: { type: 'null' } }) },
    }, async (req, reply) => {
      await shares.remove(req.actor!, type, req.params.id, req.params.shareId);
      return reply.code(204).send();
    });
  }
}
