// The REST routes every customer record type has: list, read, create (duplicate-aware), update
// with a version, delete to the trash, restore, bulk actions, merge and a duplicate check.
import type { FastifyInstance } from 'fastify';
import { dataOf, idParams, listOf, responses } from '../../lib/api-schemas';
import { listQuerySchema, type ListQuery, type ListSpec } from '../../lib/listing';
import { versionFrom } from '../../plugins/versioning';
import type { RecordService } from './record-service';

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

const mergeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['merge_id'],
  properties: {
    merge_id: { type: 'integer', minimum: 1, description: 'The record merged into this one (it goes to the trash).' },
    pick: { type: 'object', additionalProperties: { type: 'string', enum: ['keep', 'merge'] }, description: 'Per field, whose value to keep; empty fields are filled from the merged record.' },
  },
} as const;

const duplicateSchema = {
  type: 'object',
  properties: { id: { type: 'integer' }, name: { type: 'string' }, owner_id: { type: 'integer' }, matched: { type: 'string' }, visible: { type: 'boolean' } },
} as const;

export function registerRecordApi(app: FastifyInstance, options: { service: RecordService; listSpec: ListSpec; schema: object; createSchema: object; updateSchema: object; singular: string }): void {
  const { service, listSpec, schema } = options;
  const type = service.type;
  const tags = [type];
  type IdReq = { Params: { id: number } };

  app.get(`/${type}`, {
    config: { permission: `${type}.read` },
    schema: { tags, summary: `List ${type} you may see`, querystring: listQuerySchema(listSpec, { deleted: { type: 'boolean', description: 'The trash instead (needs delete permission).' } }), response: responses({ 200: listOf(schema) }) },
  }, async (req) => service.list(req.actor!, req.query as ListQuery & { deleted?: boolean }));

  app.get(`/${type}/export`, {
    config: { permission: `${type}.export` },
    schema: {
      tags,
      summary: `Every ${options.singular} you may export that matches the filters, as CSV (UTF-8 with BOM, for Excel); audited`,
      querystring: listQuerySchema(listSpec),
      produces: ['text/csv'],
    },
  }, async (req, reply) => {
    const stream = await app.services.exports[type as 'companies' | 'contacts'].csv(req.actor!, req.query as ListQuery, req.locale);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${type}-${app.core.clock.now().toISOString().slice(0, 10)}.csv"`).send(stream);
  });

  app.get<IdReq>(`/${type}/:id`, {
    config: { permission: `${type}.read` },
    schema: { tags, summary: `One ${options.singular}`, params: idParams, response: responses({ 200: dataOf(schema) }) },
  }, async (req) => ({ data: await service.get(req.actor!, req.params.id) }));

  app.post(`/${type}`, {
    config: { permission: `${type}.create` },
    schema: { tags, summary: `Create a ${options.singular}; 409 with the look-alikes when it seems to exist already`, body: options.createSchema, response: responses({ 201: dataOf(schema) }) },
  }, async (req, reply) => reply.code(201).send({ data: await service.create(req.actor!, req.body as Record<string, unknown>) }));

  app.patch<IdReq>(`/${type}/:id`, {
    config: { permission: `${type}.update` },
    schema: { tags, summary: `Change a ${options.singular}; send the version you based the change on`, params: idParams, body: { ...options.updateSchema, required: [], minProperties: 1 }, response: responses({ 200: dataOf(schema) }) },
  }, async (req) => ({ data: await service.update(req.actor!, req.params.id, versionFrom(req)) }));

  app.delete<IdReq>(`/${type}/:id`, {
    config: { permission: `${type}.delete` },
    schema: { tags, summary: `Move a ${options.singular} to the trash`, params: idParams, response: responses({ 204: { type: 'null' } }) },
  }, async (req, reply) => {
    await service.remove(req.actor!, req.params.id);
    return reply.code(204).send();
  });

  app.post<IdReq>(`/${type}/:id/restore`, {
    config: { permission: `${type}.delete` },
    schema: { tags, summary: `Bring a ${options.singular} back from the trash`, params: idParams, body: { type: 'object', additionalProperties: false, properties: {} }, response: responses({ 200: dataOf(schema) }) },
  }, async (req) => ({ data: await service.restore(req.actor!, req.params.id) }));

  app.post<IdReq>(`/${type}/:id/merge`, {
    config: { permission: `${type}.update` },
    schema: { tags, summary: `Merge another ${options.singular} into this one`, params: idParams, body: mergeSchema, response: responses({ 200: dataOf(schema) }) },
  }, async (req) => {
    const body = req.body as { merge_id: number; pick?: Record<string, 'keep' | 'merge'> };
    return { data: await service.merge(req.actor!, req.params.id, body.merge_id, body.pick ?? {}) };
  });

  app.post(`/${type}/bulk`, {
    config: { permission: `${type}.update` },
    schema: { tags, summary: `Assign, tag, untag or delete a selection of ${type}`, body: bulkSchema, response: responses({ 200: dataOf({ type: 'object', properties: { done: { type: 'integer' } } }) }) },
  }, async (req) => ({ data: await service.bulk(req.actor!, req.body as Parameters<RecordService['bulk']>[1]) }));

  app.post(`/${type}/duplicates`, {
    config: { permission: `${type}.read` },
    schema: { tags, summary: `Existing ${type} that look like these details`, body: { ...options.createSchema, required: [] }, response: responses({ 200: { type: 'object', properties: { data: { type: 'array', items: duplicateSchema } } } }) },
  }, async (req) => ({ data: await service.duplicates(req.actor!, req.body as Record<string, unknown>) }));
}
