// Queries over users and their team memberships.
import type { Knex } from 'knex';
import type { RowSerializer } from '../../db/rows';
import { applyFilters, applySortAndCursor, finishPage, whereContains, type ListQuery } from '../../lib/listing';
import { usersListSpec, type User } from './users.schemas';

const COLUMNS = [
  'users.id', 'users.email', 'users.name', 'users.name_sort', 'users.locale', 'roles.key as role', 'users.primary_team_id', 'users.active',
  'users.last_sign_in_at', 'users.created_at', 'users.updated_at', 'users.version', 'users.password_hash',
];

export function createUsersRepository(knex: Knex, rows: RowSerializer) {
  async function withTeams(db: Knex, list: Array<Record<string, unknown>>): Promise<User[]> {
    const ids = list.map((u) => u.id as number);
    const memberships = ids.length ? await db('user_teams').whereIn('user_id', ids).orderBy('team_id').select('user_id', 'team_id') : [];
    return rows.many<Record<string, unknown>>('users', list).map((u) => {
      const { password_hash, name_sort: _sortKey, ...rest } = u;
      return {
        ...rest,
        has_password: Boolean(password_hash),
        team_ids: memberships.filter((m) => m.user_id === u.id).map((m) => m.team_id),
      } as unknown as User;
    });
  }

  function base(db: Knex) {
    return db('users').join('roles', 'roles.id', 'users.role_id');
  }

  return {
    async findById(id: number, db: Knex = knex): Promise<User | undefined> {
      const row = await base(db).where('users.id', id).first(COLUMNS);
      return row ? (await withTeams(db, [row]))[0] : undefined;
    },

    async findForSignIn(email: string): Promise<{ id: number; password_hash: string | null; active: boolean; email: string } | undefined> {
      const row = await knex('users').where({ email }).first('id', 'password_hash', 'active', 'email');
      return row ? rows.one('users', row) : undefined;
    },

    async passwordHash(id: number, db: Knex = knex): Promise<string | null> {
      return (await db('users').where({ id }).first('password_hash'))?.password_hash ?? null;
    },

    async emailTaken(email: string, exceptId: number | null, db: Knex): Promise<boolean> {
      const q = db('users').where({ email });
      if (exceptId) q.whereNot('id', exceptId);
      return Boolean(await q.first('id'));
    },

    async count(db: Knex = knex): Promise<number> {
      const row = await db('users').count({ n: '*' }).first();
      return Number(row?.n ?? 0);
    },

    async list(query: ListQuery): Promise<{ data: User[]; next_cursor: string | null }> {
      const qb = base(knex).select(COLUMNS);
      applyFilters(qb, usersListSpec, query.filter);
      if (query.q) {
        const q = query.q;
        qb.where((w) => {
          whereContains(w, 'users.name', q);
          whereContains(w, 'users.email', q, true);
        });
      }
      const { limit, sortColumn } = applySortAndCursor(qb, usersListSpec, query);
      const column = sortColumn.split('.')[1];
      const page = finishPage(await qb, limit, (r) => r[column] as string | null);
      return { data: await withTeams(knex, page.rows), next_cursor: page.next_cursor };
    },

    async insert(db: Knex, row: Record<string, unknown>): Promise<number> {
      const [r] = await db('users').insert(row).returning('id');
      return Number(r.id ?? r);
    },

    /** With `expectedVersion`, changes the row only if it still has that version; returns the rows changed. */
    async update(db: Knex, id: number, changes: Record<string, unknown>, expectedVersion?: number): Promise<number> {
      const q = db('users').where({ id });
      if (expectedVersion !== undefined) q.andWhere({ version: expectedVersion });
      return q.update(changes);
    },

    async setTeams(db: Knex, userId: number, teamIds: number[]): Promise<void> {
      await db('user_teams').where({ user_id: userId }).delete();
      if (teamIds.length) await db('user_teams').insert(teamIds.map((team_id) => ({ user_id: userId, team_id })));
    },
  };
}
export type UsersRepository = ReturnType<typeof createUsersRepository>;
