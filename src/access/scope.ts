// The one place that decides which rows an actor may touch. Repositories call scope() and
// apply the result to every list query and every by-id read or write; a row outside the
// scope is "not found". Role levels (own/team/all) and record shares are both decided here.
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
  /** Ids of every team in those subtrees, resolved at sign-in so a team scope is one IN list. */
  teamIds: number[];
  /** Record types that have at least one share reaching this user (so the share branch is skipped otherwise). */
  sharedTypes: string[];
  primaryTeamId: number | null;
  sessionId: number | null;
  locale: string;
  name: string;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/** Records shared with the actor (directly, or with a team they belong to or one above it). */
export interface ShareReach {
  recordType: string;
  userId: number;
  /** The actor's teams and their ancestors: a team share reaches its sub-teams' members. */
  teamIds: number[];
  access: 'read' | 'edit';
}

export type Scope =
  | { level: 'none' }
  | { level: 'all' }
  | { level: 'own'; userId: number; shares: ShareReach | null }
  | { level: 'team'; userId: number; teamIds: number[]; shares: ShareReach | null };

/** Team ids on the actor's team paths: their own teams and every team above them. */
export function ancestorTeamIds(actor: Pick<Actor, 'teamPaths'>): number[] {
  return [...new Set(actor.teamPaths.flatMap((p) => p.split('/').filter(Boolean).map(Number)))];
}

/** Shares extend a role's own/team scope for reading (any share) and updating (edit shares); nothing else. */
function shareReach(actor: Actor, resource: Resource, action: Action): ShareReach | null {
  if (actor.userId === null || !actor.sharedTypes.includes(resource)) return null;
  if (action !== 'read' && action !== 'update') return null;
  return { recordType: resource, userId: actor.userId, teamIds: ancestorTeamIds(actor), access: action === 'read' ? 'read' : 'edit' };
}

export function scope(actor: Actor, resource: Resource, action: Action): Scope {
  const level: ScopeLevel = levelOf(actor.permissions, resource, action);
  if (level === 'all') return { level: 'all' };
  if (level === 'none' || actor.userId === null) return { level: 'none' };
  const shares = shareReach(actor, resource, action);
  if (level === 'own') return { level: 'own', userId: actor.userId, shares };
  return { level: 'team', userId: actor.userId, teamIds: actor.teamIds, shares };
}

export function can(actor: Actor, resource: Resource, action: Action): boolean {
  return levelOf(actor.permissions, resource, action) !== 'none';
}

/**
 * Whether owner and team alone decide which records of `resource` the actor reaches: no share
 * widens it and no parent record does. A summary kept per owner and team (deal_stage_totals) can
 * then answer for exactly the records the scope covers, through scopeQuery on its own columns.
 */
export function decidedByOwnerAndTeam(actor: Actor, resource: Resource, action: Action): boolean {
  if (action === 'read' && CHILD_PARENTS[resource]) return false;
  const s = scope(actor, resource, action);
  return (s.level !== 'own' && s.level !== 'team') || s.shares === null;
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
 * actor's team subtrees; either may be widened by records shared with the actor.
 */
export function applyScope(qb: Knex.QueryBuilder, s: Scope, table: string): Knex.QueryBuilder {
  switch (s.level) {
    case 'all':
      return qb;
    case 'none':
      return qb.whereRaw('1 = 0');
    case 'own':
      if (!s.shares) return qb.where(`${table}.owner_id`, s.userId);
      return qb.where((w) => {
        w.where(`${table}.owner_id`, s.userId);
        orShared(w, s.shares!, table);
      });
    case 'team':
      return qb.where((w) => {
        w.where(`${table}.owner_id`, s.userId);
        if (s.teamIds.length) w.orWhereIn(`${table}.team_id`, s.teamIds);
        if (s.shares) orShared(w, s.shares, table);
      });
  }
}

function orShared(w: Knex.QueryBuilder, reach: ShareReach, table: string): void {
  w.orWhereIn(`${table}.id`, function shared(this: Knex.QueryBuilder) {
    this.select('record_id').from('record_shares').where('record_type', reach.recordType);
    if (reach.access === 'edit') this.where('access', 'edit');
    this.where((who) => {
      who.where('user_id', reach.userId);
      if (reach.teamIds.length) who.orWhereIn('team_id', reach.teamIds);
    });
  });
}

/**
 * Child records (an activity, a task) follow their parents' visibility: readable when the actor's
 * own scope for the child type allows it, or when any record it is linked to (record_links) is
 * readable. Changing a child still takes the child type's own scope.
 */
export const CHILD_PARENTS: Partial<Record<Resource, Resource[]>> = {
  activities: ['companies', 'contacts', 'deals', 'leads'],
  tasks: ['companies', 'contacts', 'deals', 'leads'],
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
  teamIds: [],
  sharedTypes: [],
  primaryTeamId: null,
  sessionId: null,
  name: 'system',
  userAgent: null,
  requestId: null,
} as const;
