// The audit log for people: filtered lists, an entry's diff, a record's history and CSV exports,
// reaching into the archives too; sensitive values masked for whoever lacks "sensitive.read",
// erased values marked as such. Also what jobs and the CLI call: rotation, verification, erasure.
import { Readable } from 'node:stream';
import type { Core } from '../../core';
import type { Resource } from '../../access/catalog';
import { can, requirePermission, type Actor } from '../../access/scope';
import { isSensitive, maskValue, seesSensitive } from '../../access/sensitive';
import { ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors';
import { nextDay, zonedToUtc } from '../../lib/time';
import { findInScope } from '../records/scoped';
import type { AuditSource } from '../../audit/writer';
import { eraseRecordValues } from '../../audit/erase';
import { rotate } from '../../audit/rotation';
import { lastVerification, runVerification } from '../../audit/verification';
import { currentHead } from '../../audit/store';
import { createAuditRepository, type AuditFilter, type Entry, type Position } from './audit.repository';
import { HISTORY_TYPES, type AuditQuery, type PresentedEntry, type SignIn } from './audit.schemas';
import { changesText } from './csv';
import { CSV_BOM, csvRow } from '../../lib/csv';

const DEFAULT_LIMIT = 50;
const EXPORT_PAGE = 1000;

function encodeCursor(p: Position): string {
  return Buffer.from(JSON.stringify([p.at, p.id])).toString('base64url');
}

function decodeCursor(cursor: string | undefined): Position | null {
  if (!cursor) return null;
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof at === 'string' && Number.isSafeInteger(id)) return { at, id };
  } catch {
    // falls through to the validation error
  }
  throw ValidationError.field('cursor', 'format', 'is not a cursor this list gave out');
}

/** Bounds already worked out, by time zone, operator and value: the same months are asked for again and again. */
const bounds = new Map<string, string>();

/** A date (the whole day in `tz`) or a UTC time as a stored-time bound; `lte` becomes an exclusive end. */
function bound(value: string, tz: string, op: 'gte' | 'lte'): string {
  const key = `${tz} ${op} ${value}`;
  let b = bounds.get(key);
  if (b === undefined) {
    b = computeBound(value, tz, op);
    if (bounds.size >= 5000) bounds.clear();
    bounds.set(key, b);
  }
  return b;
}

function computeBound(value: string, tz: string, op: 'gte' | 'lte'): string {
  const isDay = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const ms = isDay ? (zonedToUtc(value, tz) === null ? NaN : Date.parse(zonedToUtc(op === 'gte' ? value : nextDay(value), tz)!)) : Date.parse(value);
  // Date.parse rolls 02-31 over into March: a time must keep the day it was written with.
  if (Number.isNaN(ms) || (!isDay && new Date(ms).toISOString().slice(0, 10) !== value.slice(0, 10))) throw ValidationError.field(`filter.at.${op}`, 'format', 'is not a real date or time');
  return new Date(isDay || op === 'gte' ? ms : ms + 1).toISOString();
}

export function createAuditLogService(core: Core, deps: { settings: { company(): Promise<{ timezone: string }> } }) {
  const { knex } = core.db;
  const repo = createAuditRepository(knex, core.db.read, core.config.dataDir);

  /** The API/page filter as stored-time bounds: a bare date means that whole day in the company's time zone. */
  async function toFilter(q: AuditQuery['filter'] = {}): Promise<AuditFilter> {
    const { at, ...rest } = q;
    const f: AuditFilter = { ...rest };
    const tz = at?.gte || at?.lte ? (await deps.settings.company()).timezone : 'UTC';
    if (at?.gte) f.from = bound(at.gte, tz, 'gte');
    if (at?.lte) f.to = bound(at.lte, tz, 'lte');
    if (f.from && f.to && f.from >= f.to) throw ValidationError.field('filter.at', 'range', 'the start must be before the end');
    return f;
  }

  function present(actor: Actor, e: Entry, names: Map<number, string>): PresentedEntry {
    const committed: Record<string, unknown> = e.changes ? JSON.parse(e.changes) : {};
    const kept = new Map(e.values.map((v) => [v.field, v]));
    const masks = !seesSensitive(actor);
    return {
      id: Number(e.id), seq: e.seq === null ? null : Number(e.seq), at: e.at, actor_id: e.actor_id, actor_name: e.actor_id === null ? null : names.get(e.actor_id) ?? null,
      ip: e.ip, user_agent: e.user_agent, request_id: e.request_id, action: e.action, record_type: e.record_type, record_id: e.record_id, archived: e.archived,
      changes: Object.keys(committed).map((field) => {
        const v = kept.get(field);
        if (!v) return { field, before: null, after: null, erased: true, masked: false };
        const masked = masks && isSensitive(e.record_type, field);
        const before = JSON.parse(v.before_value ?? 'null');
        const after = JSON.parse(v.after_value ?? 'null');
        return { field, before: masked ? maskValue(before) : before, after: masked ? maskValue(after) : after, erased: false, masked };
      }),
    };
  }

  /** Actors' names: table entries carry theirs (joined); only archived ones are looked up. */
  async function namesFor(entries: Entry[]): Promise<Map<number, string>> {
    const names = new Map<number, string>();
    const missing: number[] = [];
    for (const e of entries) {
      if (e.actor_id === null) continue;
      if (e.actor_name !== undefined) {
        if (e.actor_name !== null) names.set(e.actor_id, e.actor_name);
      } else if (!names.has(e.actor_id)) missing.push(e.actor_id);
    }
    if (missing.length) for (const [id, name] of await repo.userNames(missing)) names.set(id, name);
    return names;
  }

  async function page(actor: Actor, f: AuditFilter, cursor: string | undefined, limit: number) {
    const { entries, more } = await repo.page(f, decodeCursor(cursor), limit);
    const names = await namesFor(entries);
    return { data: entries.map((e) => present(actor, e, names)), next_cursor: more ? encodeCursor(entries[entries.length - 1]) : null };
  }

  /** Whoever may read a record may read its history; auditors (audit.read) any record's. */
  async function requireHistoryAccess(actor: Actor, type: string, id: string): Promise<void> {
    if (can(actor, 'audit', 'read')) return;
    if (!(HISTORY_TYPES as readonly string[]).includes(type) || !/^[1-9][0-9]{0,9}$/.test(id)) throw new NotFoundError('record');
    await findInScope(knex, actor, type as Resource, Number(id), `${type}.id`);
  }

  return {
    async list(actor: Actor, query: AuditQuery) {
      requirePermission(actor, 'audit', 'read');
      return page(actor, await toFilter(query.filter), query.cursor, query.limit ?? DEFAULT_LIMIT);
    },

    async get(actor: Actor, id: number): Promise<PresentedEntry> {
      requirePermission(actor, 'audit', 'read');
      const entry = await repo.byId(id);
      if (!entry) throw new NotFoundError('audit entry');
      return present(actor, entry, await namesFor([entry]));
    },

    async history(actor: Actor, type: string, id: string, query: Pick<AuditQuery, 'cursor' | 'limit'>) {
      await requireHistoryAccess(actor, type, id);
      return page(actor, { record_type: type, record_id: id }, query.cursor, query.limit ?? DEFAULT_LIMIT);
    },

    /**
     * A user's sign-in history, newest first: sign-ins, failed sign-ins to their account and
     * sign-outs (when, IP, user agent), archived ones included. Everyone may read their own;
     * auditors and admins (audit.read) anyone's.
     */
    async signIns(actor: Actor, userId: number, query: Pick<AuditQuery, 'cursor' | 'limit'>): Promise<{ user: { id: number; name: string }; data: SignIn[]; next_cursor: string | null }> {
      if (actor.userId !== userId && !can(actor, 'audit', 'read')) throw new ForbiddenError("only auditors and administrators may read another user's sign-in history");
      const name = (await repo.userNames([userId])).get(userId);
      if (name === undefined) throw new NotFoundError('user');
      const { entries, more } = await repo.page({ sign_ins_of: userId }, decodeCursor(query.cursor), query.limit ?? DEFAULT_LIMIT);
      return {
        user: { id: userId, name },
        data: entries.map((e) => ({ id: Number(e.id), at: e.at, action: e.action as SignIn['action'], ip: e.ip, user_agent: e.user_agent, archived: e.archived })),
        next_cursor: more ? encodeCursor(entries[entries.length - 1]) : null,
      };
    },

    /** The filtered log as CSV (UTF-8 with a BOM, for Excel), newest first; the export is itself audited. */
    async exportCsv(actor: Actor, query: AuditQuery): Promise<Readable> {
      requirePermission(actor, 'audit', 'export');
      const f = await toFilter(query.filter);
      await core.audit.record(knex, actor, { action: 'export', recordType: 'audit_log', changes: { filter: [null, query.filter ?? {}] } });
      async function* lines(): AsyncGenerator<string> {
        yield CSV_BOM + csvRow(['id', 'seq', 'at', 'actor_id', 'actor', 'ip', 'user_agent', 'request_id', 'action', 'record_type', 'record_id', 'archived', 'changes']);
        let after: Position | null = null;
        for (;;) {
          const { entries, more } = await repo.page(f, after, EXPORT_PAGE);
          const names = await namesFor(entries);
          for (const e of entries) {
            const p = present(actor, e, names);
            yield csvRow([p.id, p.seq, p.at, p.actor_id, p.actor_name, p.ip, p.user_agent, p.request_id, p.action, p.record_type, p.record_id, p.archived, changesText(p.changes)]);
          }
          if (!more) return;
          after = entries[entries.length - 1];
        }
      }
      return Readable.from(lines());
    },

    /** Who can appear in the "who" filter. */
    users: () => repo.users(),
    canRead: (actor: Actor) => can(actor, 'audit', 'read'),
    canExport: (actor: Actor) => can(actor, 'audit', 'export'),
    erase: (source: AuditSource, recordType: string, recordId: string) => eraseRecordValues(core, source, recordType, recordId),
    rotate: () => rotate(core),
    verify: () => runVerification(core),
    lastVerification: () => lastVerification(knex),
    currentHead: () => currentHead(knex),
  };
}
export type AuditLogService = ReturnType<typeof createAuditLogService>;
