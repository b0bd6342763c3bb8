// /api/v1/{companies,contacts}/:id/timeline, /api/v1/search and /api/v1/notifications.
import type { FastifyInstance } from 'fastify';
import { idParams, responses } from '../../lib/api-schemas';

const itemSchema = { type: 'object', properties: { kind: { type: 'string' }, id: { type: 'integer' }, at: { type: 'string' }, record: { type: 'object', additionalProperties: true } } } as const;
const hitSchema = { type: 'object', properties: { type: { type: 'string' }, id: { type: 'integer' }, name: { type: 'string' }, detail: { type: ['string', 'null'] }, matched: { type: 'string' } } } as const;
const notificationSchema = {
  type: 'object',
  properties: { id: { type: 'integer' }, kind: { type: 'string' }, record_type: { type: ['string', 'null'] }, record_id: { type: ['integer', 'null'] }, title: { type: 'string' }, created_at: { type: 'string' }, read_at: { type: ['string', 'null'] } },
} as const;

export default async function timelineApi(app: FastifyInstance): Promise<void> {
  const { timeline, search, notifications } = app.services;
  for (const type of ['companies', 'contacts'] as const) {
    app.get<{ Params: { id: number }; Querystring: { cursor?: string; limit?: number } }>(`/${type}/:id/timeline`, {
      config: { permission: `${type}.read` },
      schema: {
        tags: [type],
        summary: 'Everything that happened with this customer, newest first',
        params: idParams,
        querystring: { type: 'object', additionalProperties: false, properties: { cursor: { type: 'string', maxLength: 500 }, limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 } } },
        response: responses({ 200: { type: 'object', properties: { data: { type: 'array', items: itemSchema }, next_cursor: { type: ['string', 'null'] } } } }),
      },
    }, async (req) => timeline.timeline(req.actor!, type, req.params.id, req.query));
  }

  app.get<{ Querystring: { q: string; limit?: number } }>('/search', {
    config: { permission: 'signed-in' },
    schema: {
      tags: ['search'],
      summary: 'Companies and contacts by name (2+ characters, Chinese too), phone (last 4+ digits), email or WeChat ID',
      querystring: { type: 'object', additionalProperties: false, required: ['q'], properties: { q: { type: 'string', minLength: 1, maxLength: 100 }, limit: { type: 'integer', minimum: 1, maximum: 50, default: 10 } } },
      response: responses({ 200: { type: 'object', properties: { data: { type: 'array', items: hitSchema } } } }),
    },
  }, async (req) => ({ data: await search.search(req.actor!, req.query.q, req.query.limit) }));

  app.get<{ Querystring: { unread?: boolean } }>('/notifications', {
    config: { permission: 'signed-in' },
    schema: {
      tags: ['notifications'],
      summary: 'My notifications, newest first, with the unread count',
      querystring: { type: 'object', additionalProperties: false, properties: { unread: { type: 'boolean' } } },
      response: responses({ 200: { type: 'object', properties: { data: { type: 'array', items: notificationSchema }, unread: { type: 'integer' } } } }),
    },
  }, async (req) => ({ data: await notifications.list(req.actor!, { unread: req.query.unread }), unread: await notifications.unreadCount(req.actor!) }));

  app.post<{ Body: { ids?: number[]; all?: boolean } }>('/notifications/read', {
    config: { permission: 'signed-in' },
    schema: {
      tags: ['notifications'],
      summary: 'Mark notifications read (some ids, or all)',
      body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { ids: { type: 'array', items: { type: 'integer', minimum: 1 }, maxItems: 500 }, all: { type: 'boolean' } } },
      response: responses({ 200: { type: 'object', properties: { data: { type: 'object', properties: { marked: { type: 'integer' } } } } } }),
    },
  }, async (req) => ({ data: { marked: await notifications.markRead(req.actor!, req.body.all ? 'all' : (req.body.ids ?? [])) } }));
}
