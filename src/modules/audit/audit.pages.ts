// The auditor's pages: the filterable log (/audit), one entry's diff, and a record's history
// (/audit/records/:type/:id, for whoever may read the record). The export is the API's CSV route.
import qs from 'qs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LOCALES, t, type Locale } from '../../lib/i18n';
import { pruneEmptyQuery } from '../../plugins/list-pages';
import { entryParams, historyParams, historyQuerySchema, listQuerySchema, userParams, type AuditQuery, type PresentedEntry } from './audit.schemas';
import { valueText } from './csv';

/** Labels of the actions and record types known today, written out so the locale test sees every key. */
function labelsOf(locale: Locale): { actions: Record<string, string>; types: Record<string, string> } {
  return {
    actions: {
      create: t(locale, 'audit.actions.create'),
      update: t(locale, 'audit.actions.update'),
      delete: t(locale, 'audit.actions.delete'),
      restore: t(locale, 'audit.actions.restore'),
      purge: t(locale, 'audit.actions.purge'),
      merge: t(locale, 'audit.actions.merge'),
      merged_into: t(locale, 'audit.actions.merged_into'),
      assign: t(locale, 'audit.actions.assign'),
      sign_in: t(locale, 'audit.actions.sign_in'),
      sign_in_failed: t(locale, 'audit.actions.sign_in_failed'),
      sign_out: t(locale, 'audit.actions.sign_out'),
      sign_out_everywhere: t(locale, 'audit.actions.sign_out_everywhere'),
      activate: t(locale, 'audit.actions.activate'),
      deactivate: t(locale, 'audit.actions.deactivate'),
      password_reset: t(locale, 'audit.actions.password_reset'),
      setup: t(locale, 'audit.actions.setup'),
      export: t(locale, 'audit.actions.export'),
      erase: t(locale, 'audit.actions.erase'),
    },
    types: {
      companies: t(locale, 'audit.types.companies'),
      contacts: t(locale, 'audit.types.contacts'),
      activities: t(locale, 'audit.types.activities'),
      tasks: t(locale, 'audit.types.tasks'),
      users: t(locale, 'audit.types.users'),
      teams: t(locale, 'audit.types.teams'),
      roles: t(locale, 'audit.types.roles'),
      settings: t(locale, 'audit.types.settings'),
      sessions: t(locale, 'audit.types.sessions'),
      tags: t(locale, 'audit.types.tags'),
      attachments: t(locale, 'audit.types.attachments'),
      audit_log: t(locale, 'audit.types.audit_log'),
    },
  };
}
const LABELS = new Map(LOCALES.map((l) => [l, labelsOf(l)]));

/** A code's label; codes added later (by other modules) show as themselves until they get one. */
function label(locale: Locale, group: 'actions' | 'types', code: string): string {
  return LABELS.get(locale)![group][code] ?? code;
}

/** An entry as the views show it: labels translated, values as text. */
function view(locale: Locale, e: PresentedEntry) {
  return {
    ...e,
    actionLabel: label(locale, 'actions', e.action),
    typeLabel: label(locale, 'types', e.record_type),
    changes: e.changes.map((c) => ({ ...c, beforeText: valueText(c.before), afterText: valueText(c.after) })),
  };
}

function querystring(query: Record<string, unknown>): string {
  const text = qs.stringify(query, { encodeValuesOnly: true, skipNulls: true });
  return text ? `?${text}` : '';
}

export default async function auditPages(app: FastifyInstance): Promise<void> {
  const service = app.services.auditLog;
  const entries = (req: FastifyRequest, list: PresentedEntry[]) => list.map((e) => view(req.locale, e));

  app.get<{ Querystring: AuditQuery }>('/audit', {
    config: { permission: 'audit.read' },
    preValidation: pruneEmptyQuery,
    schema: { hide: true, querystring: listQuerySchema },
  }, async (req, reply) => {
    const { filter = {}, limit } = req.query;
    const page = await service.list(req.actor!, req.query);
    const users = await service.users();
    return reply.page('audit/index', {
      title: t(req.locale, 'audit.title'),
      entries: entries(req, page.data),
      filter,
      users: users.map((u) => ({ ...u, selected: u.id === filter.actor_id })),
      nextUrl: page.next_cursor ? `/audit${querystring({ filter, limit, cursor: page.next_cursor })}` : null,
      signInsUrl: filter.actor_id ? `/audit/users/${filter.actor_id}/sign-ins` : null,
      exportUrl: service.canExport(req.actor!) ? `/api/v1/audit-log/export${querystring({ filter })}` : null,
      filtered: Object.keys(filter).length > 0,
    });
  });

  app.get<{ Params: { id: number } }>('/audit/entries/:id', {
    config: { permission: 'audit.read' },
    schema: { hide: true, params: entryParams },
  }, async (req, reply) => {
    const entry = view(req.locale, await service.get(req.actor!, req.params.id));
    return reply.page('audit/entry', { title: t(req.locale, 'audit.entry_title', { id: entry.id }), entry });
  });

  app.get<{ Params: { type: string; id: string }; Querystring: { cursor?: string; limit?: number } }>('/audit/records/:type/:id', {
    // Whoever may read the record may read its history: the service checks the record's scope.
    config: { permission: 'signed-in' },
    preValidation: pruneEmptyQuery,
    schema: { hide: true, params: historyParams, querystring: historyQuerySchema },
  }, async (req, reply) => {
    const { type, id } = req.params;
    const page = await service.history(req.actor!, type, id, req.query);
    const base = `/audit/records/${encodeURIComponent(type)}/${encodeURIComponent(id)}`;
    const recordUrl = ['companies', 'contacts'].includes(type) ? `/${type}/${encodeURIComponent(id)}` : null;
    return reply.page('audit/history', {
      title: t(req.locale, 'audit.history_title'),
      typeLabel: label(req.locale, 'types', type),
      recordId: id,
      recordUrl,
      entries: entries(req, page.data),
      nextUrl: page.next_cursor ? `${base}${querystring({ limit: req.query.limit, cursor: page.next_cursor })}` : null,
      auditor: app.services.auditLog.canRead(req.actor!),
    });
  });

  app.get<{ Params: { id: number }; Querystring: { cursor?: string; limit?: number } }>('/audit/users/:id/sign-ins', {
    // A user's own sign-in history (linked from their profile), or anyone's for auditors and admins.
    config: { permission: 'signed-in' },
    preValidation: pruneEmptyQuery,
    schema: { hide: true, params: userParams, querystring: historyQuerySchema },
  }, async (req, reply) => {
    const { id } = req.params;
    const page = await service.signIns(req.actor!, id, req.query);
    const own = req.actor!.userId === id;
    return reply.page('audit/sign-ins', {
      title: own ? t(req.locale, 'audit.sign_ins.own_title') : t(req.locale, 'audit.sign_ins.title', { name: page.user.name }),
      own,
      user: page.user,
      entries: page.data.map((e) => ({ ...e, actionLabel: label(req.locale, 'actions', e.action), failed: e.action === 'sign_in_failed' })),
      nextUrl: page.next_cursor ? `/audit/users/${id}/sign-ins${querystring({ limit: req.query.limit, cursor: page.next_cursor })}` : null,
      auditor: service.canRead(req.actor!),
    });
  });
}
