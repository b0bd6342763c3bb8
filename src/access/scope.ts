// The one place that decides which rows an actor may touch. Repositories call scope() and
// apply the result to every list query and every by-id read or write; a row outside the
// scope is "not found". The access issue adds sharing and editable roles here, nowhere else.
import type { Knex } from 'knex';
import { levelOf, type Action, type Flag, type PermissionSet, type Resource, type ScopeLevel } from './catalog';
import { ForbiddenError } from '../lib/errors';

export interface Actor {
  /** null for the system actor (jobs, CLI). */
  userId: number | null;
  roleKey: string;
  permissions: PermissionSet;
  /** Team paths ("/1/4/") of every team the user belongs to; their subtrees are the user's "team". */
  teamPaths: string[];
  primaryTeamId: number | null;
  sessionId: number | null;
  locale: string;
  name: string;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export type Scope =
  | { level: 'none' }
  | { level: 'all' }
  | { level: 'own'; userId: number }
  | { level: 'team'; userId: number; teamPaths: string[] };

export function scope(actor: Actor, resource: Resource, action: Action): Scope {
  const level: ScopeLevel = levelOf(actor.permissions, resource, action);
  if (level === 'all') return { level: 'all' };
  if (level === 'none' || actor.userId === null) return { level: 'none' };
  if (level === 'own') return { level: 'own', userId: actor.userId };
  return { level: 'team', userId: actor.userId, teamPaths: actor.teamPaths };
}

export function can(actor: Actor, resource: Resource, action: Action): boolean {
  return levelOf(actor.permissions, resource, action) !== 'none';
}

export function hasFlag(actor: Actor, flag: Flag): boolean {
  return actor.permissions.flags.includes(flag);
}

export function requirePermission(actor: Actor, resource: Resource, action: Action): void {
  if (!can(actor, resource, action)) throw new ForbiddenError();
}

/**
 * Adds the scope's constraint to a query over a table with owner_id and team_id columns.
 * "team" covers the actor's own records and every record whose team lies in one of the
 * actor's team subtrees.
 */
export function applyScope(qb: Knex.QueryBuilder, s: Scope, table: string): Knex.QueryBuilder {
  switch (s.level) {
    case 'all':
      return qb;
    case 'none':
      return qb.whereRaw('1 = 0');
    case 'own':
      return qb.where(`${table}.owner_id`, s.userId);
    case 'team':
      return qb.where((w) => {
        w.where(`${table}.owner_id`, s.userId);
        if (s.teamPaths.length) {
          w.orWhereIn(`${table}.team_id`, function subtree(this: Knex.QueryBuilder) {
            this.select('id').from('teams').where((tw) => {
              for (const p of s.teamPaths) tw.orWhere('path', 'like', `${p}%`);
            });
          });
        }
      });
  }
}

/**
 * Child records (an activity, a task) follow their parents' visibility: readable when the actor's
 * own scope for the child type allows it, or when any record it is linked to (record_links) is
 * readable. Changing a child still takes the child type's own scope.
 */
export const CHILD_PARENTS: Partial<Record<Resource, Resource[]>> = {
  activities: ['companies', 'contacts'],
  tasks: ['companies', 'contacts'],
};

/** Readable rows of `parent` as a subquery of ids. */
export function visibleIds(knex: Knex, actor: Actor, parent: Resource): Knex.QueryBuilder {
  return applyScope(knex(parent).select(`${parent}.id`).whereNull(`${parent}.deleted_at`), scope(actor, parent, 'read'), parent);
}

/** The one scoping entry point for record queries: own scope, plus parents' visibility for children. */
export function scopeQuery(knex: Knex, qb: Knex.QueryBuilder, actor: Actor, resource: Resource, action: Action, table: string = resource): Knex.QueryBuilder {
  const own = scope(actor, resource, action);
  const parents = action === 'read' ? (CHILD_PARENTS[resource] ?? []).filter((p) => scope(actor, p, 'read').level !== 'none') : [];
  if (own.level === 'all' || parents.length === 0) return applyScope(qb, own, table);
  return qb.where((w) => {
    if (own.level !== 'none') w.where((inner) => applyScope(inner, own, table));
    for (const parent of parents) {
      w.orWhereExists(
        knex('record_links as l')
          .select(knex.raw('1'))
          .where('l.child_type', resource)
          .whereRaw('l.child_id = ??', [`${table}.id`])
          .where('l.parent_type', parent)
          .whereIn('l.parent_id', visibleIds(knex, actor, parent)),
      );
    }
  });
}

export const SYSTEM_ACTOR_BASE = {
  userId: null,
  roleKey: 'system',
  teamPaths: [],
  primaryTeamId: null,
  sessionId: null,
  name: 'system',
  userAgent: null,
  requestId: null,
} as const;
