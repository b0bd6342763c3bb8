// GET /api/v1/access/explain: why a user can (or cannot) see and change a record.
import type { FastifyInstance } from 'fastify';
import { dataOf, responses } from '../../lib/api-schemas';
import { EXPLAINABLE_TYPES, type ExplainableType } from './why.service';

export const explainQuerySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['user_id', 'record_type', 'record_id'],
  properties: {
    user_id: { type: 'integer', minimum: 1 },
    record_type: { type: 'string', enum: [...EXPLAINABLE_TYPES] },
    record_id: { type: 'integer', minimum: 1 },
  },
} as const;

const explanationSchema = {
  type: 'object',
  properties: {
    user: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' }, role: { type: 'string' } } },
    record: { type: 'object', properties: { type: { type: 'string' }, id: { type: 'integer' }, title: { type: 'string' }, owner_id: { type: 'integer' }, deleted: { type: 'boolean' } } },
    can: { type: 'object', properties: { read: { type: 'boolean' }, update: { type: 'boolean' }, delete: { type: 'boolean' } } },
    grounds: { type: 'array', items: { type: 'object', properties: { code: { type: 'string' }, params: { type: 'object', additionalProperties: true } } } },
  },
} as const;

export default async function whyApi(app: FastifyInstance): Promise<void> {
  app.get('/access/explain', {
    config: { permission: 'roles.read' },
    schema: { tags: ['roles'], summary: 'Why a user can or cannot read, change and delete a record', querystring: explainQuerySchema, response: responses({ 200: dataOf(explanationSchema) }) },
  }, async (req) => {
    const q = req.query as { user_id: number; record_type: ExplainableType; record_id: number };
    return { data: await app.services.why.explain(req.actor!, q.user_id, q.record_type, q.record_id) };
  });
}
