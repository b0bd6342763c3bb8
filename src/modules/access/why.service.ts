// "Why can this user see this record?": evaluates the real scope for read, update and delete and
// lists the grounds that apply (role level, ownership, team, shares, a readable parent). The
// verdicts come from scopeQuery itself, so the explanation can never disagree with the product.
import type { Core } from '../../core';
import { levelOf, type Resource } from '../../access/catalog';
import { ancestorTeamIds, CHILD_PARENTS, requirePermission, scopeQuery, type Actor } from '../../access/scope';
import { NotFoundError } from '../../lib/errors';
import type { Locale } from '../../lib/i18n';
import type { SessionsService } from '../sessions';

export const EXPLAINABLE_TYPES = ['companies', 'contacts', 'activities', 'tasks'] as const;
export type ExplainableType = (typeof EXPLAINABLE_TYPES)[number];

const TITLE_COLUMN: Record<ExplainableType, string> = { companies: 'name', contacts: 'name', activities: 'subject', tasks: 'title' };

export const GROUND_CODES = ['role_all', 'role_none', 'owner', 'team', 'share_user', 'share_team', 'parent', 'none_apply', 'inactive'] as const;

export interface Ground {
  code: (typeof GROUND_CODES)[number];
  params: Record<string, string | number>;
}

export interface Explanation {
  user: { id: number; name: string; role: string };
  record: { type: ExplainableType; id: number; title: string; owner_id: number; deleted: boolean };
  can: { read: boolean; update: boolean; delete: boolean };
  grounds: Ground[];
}

export function createWhyService(core: Core, deps: { sessions: SessionsService }) {
  const { knex } = core.db;

  async function allowed(actor: Actor, type: ExplainableType, id: number, action: 'read' | 'update' | 'delete'): Promise<boolean> {
    return Boolean(await scopeQuery(knex, knex(type).where(`${type}.id`, id), actor, type, action).first(`${type}.id`));
  }

  return {
    async explain(caller: Actor, userId: number, type: ExplainableType, id: number): Promise<Explanation> {
      requirePermission(caller, 'roles', 'read');
      const subject = await deps.sessions.actorForUser(userId, caller.locale as Locale);
      if (!subject) throw new NotFoundError('user');
      const record = await knex(type).where({ id }).first('id', 'owner_id', 'team_id', 'deleted_at', `${TITLE_COLUMN[type]} as title`);
      if (!record) throw new NotFoundError('record');
      const user = await knex('users').where({ id: userId }).first('active');

      const grounds: Ground[] = [];
      const active = user.active === true || user.active === 1;
      if (!active) grounds.push({ code: 'inactive', params: {} });
      const level = levelOf(subject.permissions, type, 'read');
      if (level === 'all') grounds.push({ code: 'role_all', params: { role: subject.roleKey } });
      if (level === 'none') grounds.push({ code: 'role_none', params: { role: subject.roleKey } });
      if (level === 'own' || level === 'team') {
        if (record.owner_id === userId) grounds.push({ code: 'owner', params: {} });
        if (level === 'team' && record.team_id !== null && subject.teamIds.includes(record.team_id)) {
          const team = await knex('teams').where({ id: record.team_id }).first('name');
          grounds.push({ code: 'team', params: { role: subject.roleKey, team: team?.name ?? String(record.team_id) } });
        }
        const shares = await knex('record_shares as s').leftJoin('teams as t', 't.id', 's.team_id')
          .where({ 's.record_type': type, 's.record_id': id })
          .where((w) => w.where('s.user_id', userId).orWhereIn('s.team_id', ancestorTeamIds(subject)))
          .select('s.user_id', 's.access', 't.name as team');
        for (const s of shares) grounds.push(s.user_id !== null ? { code: 'share_user', params: { access: s.access } } : { code: 'share_team', params: { access: s.access, team: s.team } });
      }
      for (const parent of CHILD_PARENTS[type as Resource] ?? []) {
        const linked = (await knex('record_links').where({ child_type: type, child_id: id, parent_type: parent }).pluck('parent_id')).map(Number);
        if (!linked.length) continue;
        const visible = await scopeQuery(knex, knex(parent).whereIn(`${parent}.id`, linked).whereNull(`${parent}.deleted_at`), subject, parent, 'read').select(`${parent}.id`, `${parent}.name`);
        for (const p of visible) grounds.push({ code: 'parent', params: { type: parent, id: p.id, name: p.name } });
      }
      // A deactivated user cannot sign in, so whatever their role allows, they see nothing.
      const can = {
        read: active && (await allowed(subject, type, id, 'read')),
        update: active && (await allowed(subject, type, id, 'update')),
        delete: active && (await allowed(subject, type, id, 'delete')),
      };
      if (!can.read && !grounds.some((g) => g.code === 'role_none' || g.code === 'inactive')) grounds.push({ code: 'none_apply', params: {} });
      return {
        user: { id: userId, name: subject.name, role: subject.roleKey },
        record: { type, id, title: String(record.title ?? ''), owner_id: record.owner_id, deleted: record.deleted_at !== null },
        can,
        grounds,
      };
    },
  };
}
export type WhyService = ReturnType<typeof createWhyService>;
