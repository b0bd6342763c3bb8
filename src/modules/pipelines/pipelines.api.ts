// /api/v1/pipelines (with /stages) and /api/v1/lost-reasons: read by whoever may read deals,
// changed by whoever may change settings.
import type { FastifyInstance } from 'fastify';
import { dataOf, idParams, responses } from '../../lib/api-schemas';
import { versionFrom } from '../../plugins/versioning';
import {
  lostReasonCreateSchema, lostReasonSchema, lostReasonUpdateSchema, pipelineCreateSchema, pipelineSchema, pipelineUpdateSchema, reorderSchema, stageCreateSchema, stageSchema, stageUpdateSchema,
} from './pipelines.schemas';

const tags = ['pipelines'];
const arrayOf = (item: object) => ({ type: 'object', required: ['data'], properties: { data: { type: 'array', items: item } } });
const stageParams = { type: 'object', additionalProperties: false, required: ['id', 'stageId'], properties: { id: idParams.properties.id, stageId: idParams.properties.id } } as const;

export default async function pipelinesApi(app: FastifyInstance): Promise<void> {
  const { pipelines } = app.services;
  type IdReq = { Params: { id: number } };
  type StageReq = { Params: { id: number; stageId: number } };

  app.get('/pipelines', {
    config: { permission: 'deals.read' },
    schema: { tags, summary: 'Every pipeline with its stages, in order', response: responses({ 200: arrayOf(pipelineSchema) }) },
  }, async (req) => ({ data: await pipelines.list(req.actor!) }));

  app.get<IdReq>('/pipelines/:id', {
    config: { permission: 'deals.read' },
    schema: { tags, summary: 'One pipeline with its stages', params: idParams, response: responses({ 200: dataOf(pipelineSchema) }) },
  }, async (req) => ({ data: await pipelines.get(req.actor!, req.params.id) }));

  app.post('/pipelines', {
    config: { permission: 'pipelines.update' },
    schema: { tags, summary: 'Create a pipeline (one open stage and the won and lost ends to start with)', body: pipelineCreateSchema, response: responses({ 201: dataOf(pipelineSchema) }) },
  }, async (req, reply) => reply.code(201).send({ data: await pipelines.create(req.actor!, req.body as { name?: string }) }));

  app.patch<IdReq>('/pipelines/:id', {
    config: { permission: 'pipelines.update' },
    schema: { tags, summary: 'Rename a pipeline, move it, or make it the default', params: idParams, body: { ...pipelineUpdateSchema, required: [], minProperties: 1 }, response: responses({ 200: dataOf(pipelineSchema) }) },
  }, async (req) => ({ data: await pipelines.update(req.actor!, req.params.id, versionFrom(req)) }));

  app.delete<IdReq>('/pipelines/:id', {
    config: { permission: 'pipelines.update' },
    schema: { tags, summary: 'Delete a pipeline without deals (not the default one)', params: idParams, response: responses({ 204: { type: 'null' } }) },
  }, async (req, reply) => {
    await pipelines.remove(req.actor!, req.params.id);
    return reply.code(204).send();
  });

  app.get<IdReq>('/pipelines/:id/stages', {
    config: { permission: 'deals.read' },
    schema: { tags, summary: 'The stages of a pipeline, in order', params: idParams, response: responses({ 200: arrayOf(stageSchema) }) },
  }, async (req) => ({ data: await pipelines.stages(req.actor!, req.params.id) }));

  app.post<IdReq>('/pipelines/:id/stages', {
    config: { permission: 'pipelines.update' },
    schema: { tags, summary: 'Add an open stage (before the won and lost ends)', params: idParams, body: stageCreateSchema, response: responses({ 201: dataOf(stageSchema) }) },
  }, async (req, reply) => reply.code(201).send({ data: await pipelines.addStage(req.actor!, req.params.id, req.body as Parameters<typeof pipelines.addStage>[2]) }));

  app.post<IdReq>('/pipelines/:id/stages/reorder', {
    config: { permission: 'pipelines.update' },
    schema: { tags, summary: 'Put the stages in a new order', params: idParams, body: reorderSchema, response: responses({ 200: arrayOf(stageSchema) }) },
  }, async (req) => ({ data: await pipelines.reorderStages(req.actor!, req.params.id, req.body as { stage_ids: number[] }) }));

  app.patch<StageReq>('/pipelines/:id/stages/:stageId', {
    config: { permission: 'pipelines.update' },
    schema: { tags, summary: 'Change a stage: name, probability, expected days, required fields', params: stageParams, body: { ...stageUpdateSchema, required: [], minProperties: 1 }, response: responses({ 200: dataOf(stageSchema) }) },
  }, async (req) => ({ data: await pipelines.updateStage(req.actor!, req.params.id, req.params.stageId, versionFrom(req)) }));

  app.delete<StageReq>('/pipelines/:id/stages/:stageId', {
    config: { permission: 'pipelines.update' },
    schema: { tags, summary: 'Delete a stage no deal is in or passed through (409 otherwise)', params: stageParams, response: responses({ 204: { type: 'null' } }) },
  }, async (req, reply) => {
    await pipelines.removeStage(req.actor!, req.params.id, req.params.stageId);
    return reply.code(204).send();
  });

  app.get<{ Querystring: { all?: boolean } }>('/lost-reasons', {
    config: { permission: 'deals.read' },
    schema: { tags, summary: 'Why deals are lost (active ones; all=true for every one)', querystring: { type: 'object', additionalProperties: false, properties: { all: { type: 'boolean' } } }, response: responses({ 200: arrayOf(lostReasonSchema) }) },
  }, async (req) => ({ data: await pipelines.lostReasons(req.actor!, { all: req.query.all }) }));

  app.post('/lost-reasons', {
    config: { permission: 'pipelines.update' },
    schema: { tags, summary: 'Add a lost reason', body: lostReasonCreateSchema, response: responses({ 201: dataOf(lostReasonSchema) }) },
  }, async (req, reply) => reply.code(201).send({ data: await pipelines.createLostReason(req.actor!, req.body as { name?: string }) }));

  app.patch<IdReq>('/lost-reasons/:id', {
    config: { permission: 'pipelines.update' },
    schema: { tags, summary: 'Rename, reorder or (de)activate a lost reason', params: idParams, body: { ...lostReasonUpdateSchema, required: [], minProperties: 1 }, response: responses({ 200: dataOf(lostReasonSchema) }) },
  }, async (req) => ({ data: await pipelines.updateLostReason(req.actor!, req.params.id, versionFrom(req)) }));

  app.delete<IdReq>('/lost-reasons/:id', {
    config: { permission: 'pipelines.update' },
    schema: { tags, summary: 'Delete a lost reason no deal was lost for (deactivate it otherwise)', params: idParams, response: responses({ 204: { type: 'null' } }) },
  }, async (req, reply) => {
    await pipelines.removeLostReason(req.actor!, req.params.id);
    return reply.code(204).send();
  });
}
