// /api/v1/audit-log: the filtered log, one entry, a record's history and the CSV export. Read-only:
// no route changes or deletes an entry.
import type { FastifyInstance } from 'fastify';
import { dataOf, listOf, responses } from '../../lib/api-schemas';
import { entryParams, entrySchema, historyParams, historyQuerySchema, listQuerySchema, signInSchema, userParams, type AuditQuery } from './audit.schemas';

export default async function auditApi(app: FastifyInstance): Promise<void> {
  const tags = ['audit'];
  const service = app.services.auditLog;

  app.get<{ Querystring: AuditQuery }>('/audit-log', {
    config: { permission: 'audit.read' },
    schema: {
      tags,
      summary: 'Audit entries newest first, archived ones included; filter by actor_id, action, record_type, record_id, ip, at[gte]/at[lte]',
      querystring: listQuerySchema,
      response: responses({ 200: listOf(entrySchema) }),
    },
  }, async (req) => service.list(req.actor!, req.query));

  app.get<{ Querystring: AuditQuery }>('/audit-log/export', {
    config: { permission: 'audit.export' },
    schema: { tags, summary: 'The filtered log as CSV (UTF-8 with BOM), sensitive values masked; the export is audited', querystring: { ...listQuerySchema, properties: { filter: listQuerySchema.properties.filter } } },
  }, async (req, reply) => {
    const stream = await service.exportCsv(req.actor!, req.query);
    const name = `audit-log-${app.core.clock.now().toISOString().slice(0, 10)}.csv`;
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(stream);
  });

  app.get<{ Params: { type: string; id: string }; Querystring: { cursor?: string; limit?: number } }>('/audit-log/records/:type/:id', {
    // Whoever may read the record may read its history: checked by the service through the record's scope.
    config: { permission: 'signed-in' },
    schema: { tags, summary: "A record's history, newest first (for users who may read the record, and auditors)", params: historyParams, querystring: historyQuerySchema, response: responses({ 200: listOf(entrySchema) }) },
  }, async (req) => service.history(req.actor!, req.params.type, req.params.id, req.query));

  app.get<{ Params: { id: number }; Querystring: { cursor?: string; limit?: number } }>('/audit-log/users/:id/sign-ins', {
    // Everyone may read their own sign-in history; auditors and admins anyone's: checked by the service.
    config: { permission: 'signed-in' },
    schema: {
      tags,
      summary: "A user's sign-in history, newest first: sign-ins, failed sign-ins to the account, sign-outs (own, or anyone's with audit.read)",
      params: userParams,
      querystring: historyQuerySchema,
      response: responses({ 200: listOf(signInSchema) }),
    },
  }, async (req) => {
    const { data, next_cursor } = await service.signIns(req.actor!, req.params.id, req.query);
    return { data, next_cursor };
  });

  app.get<{ Params: { id: number } }>('/audit-log/:id', {
    config: { permission: 'audit.read' },
    schema: { tags, summary: 'One audit entry with its changed fields (before → after)', params: entryParams, response: responses({ 200: dataOf(entrySchema) }) },
  }, async (req) => ({ data: await service.get(req.actor!, req.params.id) }));
}
