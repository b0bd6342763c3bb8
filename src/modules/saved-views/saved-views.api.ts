// /api/v1/saved-views: my named list filters.
import type { FastifyInstance } from 'fastify';
import { dataOf, idParams, responses } from '../../lib/api-schemas';
import { SAVED_VIEW_TYPES, savedViewCreateSchema, savedViewSchema } from './saved-views.service';

export default async function savedViewsApi(app: FastifyInstance): Promise<void> {
  const { savedViews } = app.services;
  const tags = ['saved-views'];
  app.get<{ Querystring: { record_type: string } }>('/saved-views', {
    config: { permission: 'signed-in' },
    schema: { tags, summary: 'My saved views of a list', querystring: { type: 'object', additionalProperties: false, required: ['record_type'], properties: { record_type: { type: 'string', enum: SAVED_VIEW_TYPES } } }, response: responses({ 200: { type: 'object', properties: { data: { type: 'array', items: savedViewSchema } } } }) },
  }, async (req) => ({ data: await savedViews.list(req.actor!, req.query.record_type) }));
  app.post('/saved-views', {
    config: { permission: 'signed-in' },
    schema: { tags, summary: 'Save (or overwrite by name) a view', body: savedViewCreateSchema, response: responses({ 201: dataOf(savedViewSchema) }) },
  }, async (req, reply) => reply.code(201).send({ data: await savedViews.create(req.actor!, req.body as { record_type: string; name: string; query: string }) }));
  app.delete<{ Params: { id: number } }>('/saved-views/:id', {
    config: { permission: 'signed-in' },
    schema: { tags, summary: 'Delete one of my saved views', params: idParams, response: responses({ 204: { type: 'null' } }) },
  }, async (req, reply) => {
    await savedViews.remove(req.actor!, req.params.id);
    return reply.code(204).send();
  });
}
