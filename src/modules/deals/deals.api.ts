// /api/v1/deals (the record routes, moving between stages, history, timeline) and the board,
// /api/v1/pipelines/:id/board.
import type { FastifyInstance } from 'fastify';
import { dataOf, emptyBody, idParams, listOf, responses } from '../../lib/api-schemas';
import { listQuerySchema, type ListQuery } from '../../lib/listing';
import { versionFrom } from '../../plugins/versioning';
import { boardListSpec, boardSchema, cardSchema, dealCreateSchema, dealMoveSchema, dealSchema, dealsListSpec, dealUpdateSchema, historySchema } from './deals.schemas';
import type { MoveInput } from './deals.service';

const tags = ['deals'];
const bulkSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['ids', 'action'],
  properties: {
    ids: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, maxItems: 500 },
    action: { type: 'string', enum: ['assign', 'add_tag', 'remove_tag', 'delete'] },
    owner_id: { type: 'integer', minimum: 1 },
    tag_id: { type: 'integer', minimum: 1 },
  },
} as const;
const itemSchema = { type: 'object', properties: { kind: { type: 'string' }, id: { type: 'integer' }, at: { type: 'string' }, record: { type: 'object', additionalProperties: true } } } as const;
const stageParams = { type: 'object', additionalProperties: false, required: ['id', 'stageId'], properties: { id: idParams.properties.id, stageId: idParams.properties.id } } as const;

export default async function dealsApi(app: FastifyInstance): Promise<void> {
  const { deals, timeline } = app.services;
  type IdReq = { Params: { id: number } };

  app.get('/deals', {
    config: { permission: 'deals.read' },
    schema: { tags, summary: 'List deals you may see', querystring: listQuerySchema(dealsListSpec, { deleted: { type: 'boolean', description: 'The trash instead (needs delete permission).' } }), response: responses({ 200: listOf(dealSchema) }) },
  }, async (req) => deals.list(req.actor!, req.query as ListQuery & { deleted?: boolean }));

  app.get<IdReq>('/deals/:id', {
    config: { permission: 'deals.read' },
    schema: { tags, summary: 'One deal', params: idParams, response: responses({ 200: dataOf(dealSchema) }) },
  }, async (req) => ({ data: await deals.get(req.actor!, req.params.id) }));

  app.post('/deals', {
    config: { permission: 'deals.create' },
    schema: { tags, summary: 'Create a deal (in the default pipeline\'s first stage unless told otherwise)', body: dealCreateSchema, response: responses({ 201: dataOf(dealSchema) }) },
  }, async (req, reply) => reply.code(201).send({ data: await deals.create(req.actor!, req.body as Record<string, unknown>) }));

  app.patch<IdReq>('/deals/:id', {
    config: { permission: 'deals.update' },
    schema: { tags, summary: 'Change a deal; send the version you based the change on (the stage changes through /move)', params: idParams, body: { ...dealUpdateSchema, required: [], minProperties: 1 }, response: responses({ 200: dataOf(dealSchema) }) },
  }, async (req) => ({ data: await deals.update(req.actor!, req.params.id, versionFrom(req)) }));

  app.delete<IdReq>('/deals/:id', {
    config: { permission: 'deals.delete' },
    schema: { tags, summary: 'Move a deal to the trash', params: idParams, response: responses({ 204: { type: 'null' } }) },
  }, async (req, reply) => {
    await deals.remove(req.actor!, req.params.id);
    return reply.code(204).send();
  });

  app.post<IdReq>('/deals/:id/restore', {
    config: { permission: 'deals.delete' },
    schema: { tags, summary: 'Bring a deal back from the trash', params: idParams, body: emptyBody, response: responses({ 200: dataOf(dealSchema) }) },
  }, async (req) => ({ data: await deals.restore(req.actor!, req.params.id) }));

  app.post('/deals/bulk', {
    config: { permission: 'deals.update' },
    schema: { tags, summary: 'Assign, tag, untag or delete a selection of deals', body: bulkSchema, response: responses({ 200: dataOf({ type: 'object', properties: { done: { type: 'integer' } } }) }) },
  }, async (req) => ({ data: await deals.bulk(req.actor!, req.body as Parameters<typeof deals.bulk>[1]) }));

  app.post<IdReq>('/deals/:id/move', {
    config: { permission: 'deals.update' },
    schema: {
      tags,
      summary: 'Move a deal to another stage: the stage\'s required fields must be filled (400 naming them), the lost end needs a reason; send the version',
      params: idParams,
      body: dealMoveSchema,
      response: responses({ 200: dataOf(dealSchema) }),
    },
  }, async (req) => ({ data: await deals.move(req.actor!, req.params.id, versionFrom<MoveInput>(req)) }));

  app.get<IdReq>('/deals/:id/history', {
    config: { permission: 'deals.read' },
    schema: { tags, summary: 'Every stage the deal entered, with when it left it', params: idParams, response: responses({ 200: { type: 'object', properties: { data: { type: 'array', items: historySchema } } } }) },
  }, async (req) => ({ data: await deals.history(req.actor!, req.params.id) }));

  app.get<{ Params: { id: number }; Querystring: { cursor?: string; limit?: number } }>('/deals/:id/timeline', {
    config: { permission: 'deals.read' },
    schema: {
      tags,
      summary: 'Activities, tasks and files on the deal, newest first',
      params: idParams,
      querystring: { type: 'object', additionalProperties: false, properties: { cursor: { type: 'string', maxLength: 500 }, limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 } } },
      response: responses({ 200: { type: 'object', properties: { data: { type: 'array', items: itemSchema }, next_cursor: { type: ['string', 'null'] } } } }),
    },
  }, async (req) => timeline.timeline(req.actor!, 'deals', req.params.id, req.query));

  const boardQuery = listQuerySchema(boardListSpec) as { properties: Record<string, object> };
  const filterOnly = { type: 'object', additionalProperties: false, properties: { filter: boardQuery.properties.filter, limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 } } };

  app.get<{ Params: { id: number }; Querystring: { filter?: ListQuery['filter']; limit?: number } }>('/pipelines/:id/board', {
    config: { permission: 'deals.read' },
    schema: {
      tags,
      summary: 'The board: per stage the count, total and weighted total of the deals you may see, and the first cards (filter[owner_id], filter[team_id], filter[expected_close_date])',
      params: idParams,
      querystring: filterOnly,
      response: responses({ 200: dataOf(boardSchema) }),
    },
  }, async (req) => ({ data: await deals.board(req.actor!, req.params.id, req.query) }));

  app.get<{ Params: { id: number; stageId: number }; Querystring: { filter?: ListQuery['filter']; limit?: number; cursor?: string } }>('/pipelines/:id/board/:stageId', {
    config: { permission: 'deals.read' },
    schema: {
      tags,
      summary: 'More cards of one board column (its next_cursor)',
      params: stageParams,
      querystring: { ...filterOnly, properties: { ...filterOnly.properties, cursor: { type: 'string', maxLength: 500 } } },
      response: responses({ 200: listOf(cardSchema) }),
    },
  }, async (req) => deals.column(req.actor!, req.params.id, req.params.stageId, req.query));
}
