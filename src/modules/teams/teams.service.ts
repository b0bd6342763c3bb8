// Teams: a tree kept as materialised paths, so "this team and every team under it" is one prefix
// match. Every change is audited in its own transaction.
import type { Knex } from 'knex';
import type { Core } from '../../core';
import { requirePermission, type Actor } from '../../access/scope';
import { diff } from '../../audit/writer';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors';
import { sortKey } from '../../lib/text';
import { validate } from '../../lib/validate';
import { updateAtVersion } from '../records/scoped';
import { teamCreateSchema, teamUpdateSchema, type Team, type TeamCreate, type TeamUpdate } from './teams.schemas';

const COLUMNS = ['teams.id', 'teams.name', 'teams.parent_id', 'teams.path', 'teams.created_at', 'teams.updated_at', 'teams.version'];

export function createTeamsService(core: Core) {
  const { knex, rows } = core.db;

  async function load(db: Knex, id: number): Promise<Team> {
    const row = await db('teams').where({ id }).whereNull('deleted_at').first(COLUMNS);
    if (!row) throw new NotFoundError('team');
    return { ...rows.one<Team>('teams', row), depth: row.path.split('/').filter(Boolean).length - 1 };
  }

  async function parentPath(db: Knex, parentId: number | null | undefined): Promise<string> {
    if (!parentId) return '/';
    const parent = await db('teams').where({ id: parentId }).whereNull('deleted_at').first('path');
    if (!parent) throw ValidationError.field('parent_id', 'exists', 'is not an existing team');
    return parent.path;
  }

  // Every page with a team filter reads the list: its fixed SQL is built once (building it with
  // Knex on each page cost more than the read).
  const LIST = knex('teams')
    .leftJoin('user_teams', 'user_teams.team_id', 'teams.id')
    .whereNull('teams.deleted_at')
    .groupBy(COLUMNS)
    .orderBy('teams.path')
    .select([...COLUMNS, knex.raw('count(user_teams.user_id) as member_count')])
    .toSQL();

  return {
    async list(actor: Actor): Promise<Team[]> {
      requirePermission(actor, 'teams', 'read');
      const list = await core.db.read.all<Record<string, unknown>>(LIST.sql, LIST.bindings);
      return rows.many<Team>('teams', list).map((t) => ({ ...t, member_count: Number(t.member_count), depth: t.path.split('/').filter(Boolean).length - 1 }));
    },

    async get(actor: Actor, id: number): Promise<Team> {
      requirePermission(actor, 'teams', 'read');
      return load(knex, id);
    },

    async create(actor: Actor, input: TeamCreate): Promise<Team> {
      requirePermission(actor, 'teams', 'create');
      validate(teamCreateSchema, input);
      return knex.transaction(async (trx) => {
        const base = await parentPath(trx, input.parent_id);
        const now = core.clock.now().toISOString();
        const [row] = await trx('teams')
          .insert({ name: input.name.trim(), name_sort: sortKey(input.name), parent_id: input.parent_id ?? null, path: base, created_at: now, updated_at: now, created_by: actor.userId, updated_by: actor.userId, version: 1 })
          .returning('id');
        const id = Number(row.id ?? row);
        await trx('teams').where({ id }).update({ path: `${base}${id}/` });
        const team = await load(trx, id);
        await core.audit.record(trx, actor, { action: 'create', recordType: 'teams', recordId: id, changes: diff(null, { name: team.name, parent_id: team.parent_id }) });
        return { ...team, member_count: 0, depth: team.path.split('/').filter(Boolean).length - 1 };
      });
    },

    async update(actor: Actor, id: number, patch: TeamUpdate): Promise<Team> {
      requirePermission(actor, 'teams', 'update');
      validate(teamUpdateSchema, patch);
      return knex.transaction(async (trx) => {
        const before = await load(trx, id);
        if (before.version !== patch.version) throw new ConflictError('the team was changed by someone else', before);
        const now = core.clock.now().toISOString();
        const changes: Record<string, unknown> = { updated_at: now, updated_by: actor.userId };
        if (patch.name !== undefined) Object.assign(changes, { name: patch.name.trim(), name_sort: sortKey(patch.name) });
        if (patch.parent_id !== undefined && patch.parent_id !== before.parent_id) {
          const base = await parentPath(trx, patch.parent_id);
          if (base.startsWith(before.path)) throw ValidationError.field('parent_id', 'cycle', 'cannot be the team itself or a team under it');
          const newPath = `${base}${id}/`;
          // Move the whole subtree: every path that starts with the old prefix gets the new one.
          await trx('teams')
            .where('path', 'like', `${before.path}%`)
            .update({ path: trx.raw('? || substr(path, ?)', [newPath, before.path.length + 1]) });
          changes.parent_id = patch.parent_id;
        }
        await updateAtVersion(trx, 'teams', id, before.version, changes);
        const after = await load(trx, id);
        await core.audit.record(trx, actor, { action: 'update', recordType: 'teams', recordId: id, changes: diff(before, { name: after.name, parent_id: after.parent_id }) });
        return { ...after, member_count: 0, depth: after.path.split('/').filter(Boolean).length - 1 };
      });
    },

    async remove(actor: Actor, id: number): Promise<void> {
      requirePermission(actor, 'teams', 'delete');
      await knex.transaction(async (trx) => {
        const team = await load(trx, id);
        const child = await trx('teams').where({ parent_id: id }).whereNull('deleted_at').first('id');
        const member = await trx('user_teams').where({ team_id: id }).first('user_id');
        if (child || member) throw new ConflictError('only an empty team without sub-teams can be deleted');
        await trx('teams').where({ id }).update({ deleted_at: core.clock.now().toISOString(), updated_by: actor.userId });
        await core.audit.record(trx, actor, { action: 'delete', recordType: 'teams', recordId: id, changes: diff({ name: team.name }, { name: null }) });
      });
    },

    /** Checks that every id is a live team (for user assignment); returns them deduplicated. */
    async checkIds(db: Knex, ids: number[], field = 'team_ids'): Promise<number[]> {
      const unique = [...new Set(ids)];
      if (!unique.length) return unique;
      const found = await db('teams').whereIn('id', unique).whereNull('deleted_at').pluck('id');
      const missing = unique.filter((i) => !found.map(Number).includes(i));
      if (missing.length) throw ValidationError.field(field, 'exists', `has unknown team ${missing.join(', ')}`);
      return unique;
    },
  };
}
export type TeamsService = ReturnType<typeof createTeamsService>;
