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
