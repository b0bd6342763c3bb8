// Sign-in sessions: a JWT names a row here, so revoking the row ends the sign-in on every process.
import type { Knex } from 'knex';

export interface SessionForAuth {
  session_id: number;
  user_id: number;
  expires_at: string;
  revoked_at: string | null;
  last_seen_at: string;
  name: string;
  email: string;
  locale: string | null;
  active: boolean | number;
  primary_team_id: number | null;
  role_key: string;
  permissions: string | object;
}

export function createSessionsRepository(knex: Knex) {
  return {
    async create(db: Knex, row: { user_id: number; kind: 'page' | 'api'; created_at: string; expires_at: string; ip: string | null; user_agent: string | null }): Promise<number> {
      const [r] = await db('sessions').insert({ ...row, last_seen_at: row.created_at, user_agent: row.user_agent?.slice(0, 300) ?? null }).returning('id');
      return Number(r.id ?? r);
    },
    async loadForAuth(sessionId: number): Promise<SessionForAuth | undefined> {
      return knex('sessions as s')
        .join('users as u', 'u.id', 's.user_id')
        .join('roles as r', 'r.id', 'u.role_id')
        .where('s.id', sessionId)
        .first(
          's.id as session_id', 's.user_id', 's.expires_at', 's.revoked_at', 's.last_seen_at',
          'u.name', 'u.email', 'u.locale', 'u.active', 'u.primary_team_id', 'r.key as role_key', 'r.permissions',
        );
    },
    async teamPaths(userId: number): Promise<string[]> {
      const rows = await knex('user_teams as ut').join('teams as t', 't.id', 'ut.team_id').where('ut.user_id', userId).whereNull('t.deleted_at').select('t.path');
      return rows.map((r) => r.path);
    },
    async touch(sessionId: number, at: string): Promise<void> {
      await knex('sessions').where({ id: sessionId }).update({ last_seen_at: at });
    },
    async revoke(db: Knex, sessionId: number, reason: string, at: string): Promise<number> {
      return db('sessions').where({ id: sessionId }).whereNull('revoked_at').update({ revoked_at: at, revoked_reason: reason });
    },
    async revokeAllForUser(db: Knex, userId: number, reason: string, at: string): Promise<number> {
      return db('sessions').where({ user_id: userId }).whereNull('revoked_at').update({ revoked_at: at, revoked_reason: reason });
    },
    async listActive(userId: number, now: string) {
      return knex('sessions').where({ user_id: userId }).whereNull('revoked_at').andWhere('expires_at', '>', now).orderBy('id', 'desc').select('id', 'kind', 'created_at', 'last_seen_at', 'ip', 'user_agent');
    },
    /** Has this address signed in to this account successfully since `since`? */
    async knownAddress(userId: number, ip: string, since: string): Promise<boolean> {
      return Boolean(await knex('sessions').where({ user_id: userId, ip }).andWhere('created_at', '>', since).first('id'));
    },
    async purge(before: string): Promise<number> {
      return knex('sessions').where('expires_at', '<', before).orWhere('revoked_at', '<', before).delete();
    },
  };
}
export type SessionsRepository = ReturnType<typeof createSessionsRepository>;
