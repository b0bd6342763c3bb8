// Sign-in sessions: a JWT names a row here, so revoking the row ends the sign-in on every process.
import type { Knex } from 'knex';
import type { Reader } from '../../db/reader';

/** A user with what their access scope needs. */
export interface ActorRow {
  user_id: number;
  name: string;
  email: string;
  locale: string | null;
  active: boolean | number;
  primary_team_id: number | null;
  role_key: string;
  permissions: string | object;
  teamPaths: string[];
  teamIds: number[];
  sharedTypes: string[];
}

export interface SessionForAuth extends ActorRow {
  session_id: number;
  expires_at: string;
  revoked_at: string | null;
  last_seen_at: string;
}

export function createSessionsRepository(knex: Knex, reader: Reader) {
  // Fixed SQL on the hot path: no query building per request. Team paths are digits and slashes,
  // record types are words, so comma-joined lists are unambiguous. Besides the user and role it
  // resolves what scoping needs: the ids of every team in the user's subtrees (a "team" scope
  // becomes one IN list) and which record types have a share reaching the user at all.
  const pg = knex.client.config.client === 'pg';
  const joined = (expr: string) => (pg ? `string_agg(distinct ${expr}::text, ',')` : `group_concat(distinct ${expr})`);
  const actorColumns = `
           u.name, u.email, u.locale, u.active, u.primary_team_id, r.key as role_key, r.permissions,
           (select ${joined('t.path')} from user_teams ut join teams t on t.id = ut.team_id
             where ut.user_id = u.id and t.deleted_at is null) as team_paths,
           (select ${joined('sub.id')} from user_teams ut join teams t on t.id = ut.team_id
             join teams sub on sub.path like t.path || '%'
             where ut.user_id = u.id and t.deleted_at is null) as team_ids,
           (select ${joined('rs.record_type')} from record_shares rs
             where rs.user_id = u.id or rs.team_id in (
               select above.id from user_teams ut join teams t on t.id = ut.team_id
               join teams above on t.path like above.path || '%'
               where ut.user_id = u.id and t.deleted_at is null)) as shared_types`;
  const loadForAuthSql = `
    select s.id as session_id, s.user_id, s.expires_at, s.revoked_at, s.last_seen_at, ${actorColumns}
    from sessions s join users u on u.id = s.user_id join roles r on r.id = u.role_id
    where s.id = ?`;
  const loadUserSql = `select u.id as user_id, ${actorColumns} from users u join roles r on r.id = u.role_id where u.id = ?`;

  // On the reader (a prepared statement, no query building): this runs on every request. It sees
  // every committed revocation at once (SQLite WAL: each read starts at the last commit).
  async function loadOne<T>(sql: string, id: number): Promise<T | undefined> {
    const row = (await reader.all(sql, [id]))[0] as unknown as (ActorRow & { team_paths: string | null; team_ids: string | number | null; shared_types: string | null }) | undefined;
    if (!row) return undefined;
    const list = (v: string | number | null) => (v === null || v === '' ? [] : String(v).split(','));
    return { ...row, teamPaths: list(row.team_paths), teamIds: list(row.team_ids).map(Number), sharedTypes: list(row.shared_types) } as T;
  }

  return {
    async create(db: Knex, row: { user_id: number; kind: 'page' | 'api'; created_at: string; expires_at: string; ip: string | null; user_agent: string | null }): Promise<number> {
      const [r] = await db('sessions').insert({ ...row, last_seen_at: row.created_at, user_agent: row.user_agent?.slice(0, 300) ?? null }).returning('id');
      return Number(r.id ?? r);
    },
    /** One query per request: the session, its user and role, and what the user's scope needs. */
    loadForAuth: (sessionId: number) => loadOne<SessionForAuth>(loadForAuthSql, sessionId),
    /** The same for a user without a session (explaining someone else's access). */
    loadUser: (userId: number) => loadOne<ActorRow>(loadUserSql, userId),
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
