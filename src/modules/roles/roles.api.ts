// /api/v1/roles: roles and their permission matrices; custom roles can be created, changed and deleted.
import type { FastifyInstance } from 'fastify';
import type { PermissionSet } from '../../access/catalog';
import { dataOf, idParams, responses } from '../../lib/api-schemas';
import { versionFrom } from '../../plugins/versioning';
import { roleCreateSchema, roleSchema, roleUpdateSchema } from './roles.service';

export default async function rolesApi(app: FastifyInstance): Promise<void> {
  const { roles } = app.services;
  const tags = ['roles'];
  type IdReq = { Params: { id: number } };

  app.get('/roles', {
    config: { permission: 'roles.read' },
    schema: { tags, summary: 'Every role with its permission set and number of active members', response: responses({ 200: { type: 'object', properties: { data: { type: 'array', items: roleSchema }, next_cursor: { type: 'null' } } } }) },
  }, async (req) => ({ data: await roles.list(req.actor!), next_cursor: null }));

  app.get<IdReq>('/roles/:id', {
    config: { permission: 'roles.read' },
    schema: { tags, summary: 'One role', params: idParams, response: responses({ 200: dataOf(roleSchema) }) },
  }, async (req) => ({ data: await roles.get(req.actor!, req.params.id) }));

  app.post('/roles', {
    config: { permission: 'roles.create' },
    schema: { tags, summary: 'Create a custom role', body: roleCreateSchema, response: responses({ 201: dataOf(roleSchema) }) },
  }, async (req, reply) => reply.code(201).send({ data: await roles.create(req.actor!, req.body as { key: string; name: string; permissions: PermissionSet }) }));

  app.patch<IdReq>('/roles/:id', {
    config: { permission: 'roles.update' },
    schema: { tags, summary: 'Change a custom role (built-in roles are fixed); send the version', params: idParams, body: { ...roleUpdateSchema, required: [], minProperties: 1 }, response: responses({ 200: dataOf(roleSchema) }) },
  }, async (req) => ({ data: await roles.update(req.actor!, req.params.id, versionFrom(req)) }));

  app.delete<IdReq>('/roles/:id', {
    config: { permission: 'roles.delete' },
    schema: { tags, summary: 'Delete a custom role nobody has', params: idParams, response: responses({ 204: { type: 'null' } }) },
  }, async (req, reply) => {
    await roles.remove(req.actor!, req.params.id);
    return reply.code(204).send();
  });
}
