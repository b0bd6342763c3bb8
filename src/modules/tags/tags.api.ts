// /api/v1/tags
import type { FastifyInstance } from 'fastify';
import { dataOf, idParams, responses } from '../../lib/api-schemas';
import { versionFrom } from '../../plugins/versioning';
import { tagCreateSchema, tagSchema, tagUpdateSchema } from './tags.service';

export default async function tagsApi(app: FastifyInstance): Promise<void> {
  const { tags } = app.services;
  const t = ['tags'];
  type IdReq = { Params: { id: number } };
  app.get('/tags', { config: { permission: 'signed-in' }, schema: { tags: t, summary: 'Every tag with how often it is used', response: responses({ 200: { type: 'object', properties: { data: { type: 'array', items: tagSchema }, next_cursor: { type: 'null' } } } }) } },
    async (req) => ({ data: await tags.list(req.actor!), next_cursor: null }));
  app.post('/tags', { config: { permission: 'signed-in' }, schema: { tags: t, summary: 'Create a tag', body: tagCreateSchema, response: responses({ 201: dataOf(tagSchema) }) } },
    async (req, reply) => reply.code(201).send({ data: await tags.create(req.actor!, req.body as { name: string; color?: string }) }));
  app.patch<IdReq>('/tags/:id', { config: { permission: 'settings.update' }, schema: { tags: t, summary: 'Rename or recolour a tag', params: idParams, body: { ...tagUpdateSchema, required: [] }, response: responses({ 200: dataOf(tagSchema) }) } },
    async (req) => ({ data: await tags.update(req.actor!, req.params.id, versionFrom(req)) }));
  app.delete<IdReq>('/tags/:id', { config: { permission: 'settings.update' }, schema: { tags: t, summary: 'Delete a tag (it is removed from every record)', params: idParams, response: responses({ 204: { type: 'null' } }) } },
    async (req, reply) => {
      await tags.remove(req.actor!, req.params.id);
      return reply.code(204).send();
    });
}
