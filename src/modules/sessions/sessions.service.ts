// Sessions: opened at sign-in, checked on every request (so a revocation is seen at once by every
// process), revoked by sign-out, "sign out everywhere", deactivation and password changes.
import type { Knex } from 'knex';
import type { Core } from '../../core';
import type { Actor } from '../../access/scope';
import type { PermissionSet } from '../../access/catalog';
import { isLocale, type Locale } from '../../lib/i18n';
import { HOUR } from '../../lib/time';
import { createSessionsRepository, type ActorRow } from './sessions.repository';

export interface RequestSource {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export interface OpenedSession {
  sessionId: number;
  userId: number;
  expiresAt: string;
}

// last_seen_at is written at most this often, so reading pages does not turn into writes.
const TOUCH_EVERY_MS = 5 * 60_000;

function actorOf(row: ActorRow, sessionId: number | null, source: RequestSource, defaultLocale: Locale): Actor {
  const permissions: PermissionSet = typeof row.permissions === 'string' ? JSON.parse(row.permissions) : row.permissions;
  return {
    userId: row.user_id,
    roleKey: row.role_key,
    permissions,
    teamPaths: row.teamPaths,
    teamIds: row.teamIds,
    sharedTypes: row.sharedTypes,
    primaryTeamId: row.primary_team_id,
    sessionId,
    locale: isLocale(row.locale) ? row.locale : defaultLocale,
    name: row.name,
    ip: source.ip,
    userAgent: source.userAgent,
    requestId: source.requestId,
  };
}

export function createSessionsService(core: Core) {
  const repo = createSessionsRepository(core.db.knex, core.db.read);
  const ttlMs = core.config.session.ttlHours * HOUR;

  return {
    async open(db: Knex, userId: number, kind: 'page' | 'api', source: RequestSource): Promise<OpenedSession> {
      const now = core.clock.now();
      const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
      const sessionId = await repo.create(db, { user_id: userId, kind, created_at: now.toISOString(), expires_at: expiresAt, ip: source.ip, user_agent: source.userAgent });
      return { sessionId, userId, expiresAt };
    },

    /** The actor behind a session id, or null when the session is unknown, revoked, expired or its user inactive. */
    async resolve(sessionId: number, userId: number, source: RequestSource, defaultLocale: Locale): Promise<Actor | null> {
      const row = await repo.loadForAuth(sessionId);
      const now = core.clock.now();
      if (!row || row.user_id !== userId || row.revoked_at || row.expires_at <= now.toISOString() || !(row.active === true || row.active === 1)) return null;
      if (now.getTime() - Date.parse(row.last_seen_at) > TOUCH_EVERY_MS) await repo.touch(sessionId, now.toISOString());
      return actorOf(row, sessionId, source, defaultLocale);
    },

    /** The actor a user would be (no session, no request), for explaining their access. */
    async actorForUser(userId: number, defaultLocale: Locale): Promise<Actor | null> {
      const row = await repo.loadUser(userId);
      return row ? actorOf(row, null, { ip: null, userAgent: null, requestId: null }, defaultLocale) : null;
    },

    revoke: (db: Knex, sessionId: number, reason: string) => repo.revoke(db, sessionId, reason, core.clock.now().toISOString()),
    revokeAllForUser: (db: Knex, userId: number, reason: string) => repo.revokeAllForUser(db, userId, reason, core.clock.now().toISOString()),
    listActive: (userId: number) => repo.listActive(userId, core.clock.now().toISOString()),
    knownAddress: (userId: number, ip: string, since: string) => repo.knownAddress(userId, ip, since),
    purgeOlderThan: (before: string) => repo.purge(before),
  };
}
export type SessionsService = ReturnType<typeof createSessionsService>;
