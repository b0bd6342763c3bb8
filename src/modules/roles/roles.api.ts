// /api/v1/roles: roles and their permission sets.
import type { FastifyInstance } from 'fastify';
import { responses } from '../../lib/api-schemas';

const roleSchema = {
  type: 'object',
  properties: { id: { type: 'integer' }, key: { type: 'string' }, name: { type: 'string' }, builtin: { type: 'boolean' }, permissions: { type: 'object', additionalProperties: true } },
} as const;

export default async function rolesApi(app: FastifyInstance): Promise<void> {
  app.get('/roles', {
    config: { permission: 'roles.read' },
    schema: { tags: ['roles'], summary: 'Every role with its permission set', response: responses({ 200: { type: 'object', properties: { data: { type: 'array', items: roleSchema }, next_cursor: { type: 'null' } } } }) },
  }, async (req) => ({ data: await app.services.roles.list(req.actor!), next_cursor: null }));
}
