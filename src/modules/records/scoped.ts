// Reading and checking single records through the access scope: a record outside the actor's read
// scope is "not found"; one they may read but not change answers 403.
import type { Knex } from 'knex';
import type { Core } from '../../core';
import type { Action, Resource } from '../../access/catalog';
import { scopeQuery, type Actor } from '../../access/scope';
import { ConflictError, ForbiddenError, NotFoundError } from '../../lib/errors';

export async function findInScope<T = Record<string, unknown>>(db: Knex, actor: Actor, type: Resource, id: number, columns: string[] | string = '*', options: { withDeleted?: boolean } = {}): Promise<T> {
  const qb = db(type).where(`${type}.id`, id);
  if (!options.withDeleted) qb.whereNull(`${type}.deleted_at`);
  const row = await scopeQuery(db, qb, actor, type, 'read').first(columns);
  if (!row) throw new NotFoundError(type.replace(/s$/, ''));
  return row as T;
}

export async function requireAction(db: Knex, actor: Actor, type: Resource, action: Action, id: number): Promise<void> {
  const row = await scopeQuery(db, db(type).where(`${type}.id`, id), actor, type, action).first(`${type}.id`);
  if (!row) throw new ForbiddenError(`you may not ${action} this record`);
}

/** Optimistic concurrency: the change must be based on the current version. */
export function checkVersion(current: { version: number }, version: number, currentForClient: unknown): void {
  if (current.version !== version) throw new ConflictError('someone else changed this record since you opened it', currentForClient);
}

/** Sends a record to the trash (soft delete) at the version it was read at, with its audit entry. */
export async function markDeleted(db: Knex, core: Core, actor: Actor, table: Resource, id: number, version: number): Promise<void> {
  const now = core.clock.now().toISOString();
  await updateAtVersion(db, table, id, version, { deleted_at: now, deleted_by: actor.userId, updated_at: now, updated_by: actor.userId });
  await core.audit.record(db, actor, { action: 'delete', recordType: table, recordId: id });
}

/**
 * Writes a change only if the row is still at the version it was read at, so two concurrent
 * writers based on the same version cannot both win (Postgres' READ COMMITTED would let them).
 */
export async function updateAtVersion(db: Knex, table: string, id: number, version: number, changes: Record<string, unknown>): Promise<void> {
  const updated = await db(table).where({ id, version }).update({ ...changes, version: version + 1 });
  if (updated !== 1) throw new ConflictError('someone else changed this record at the same moment; reload and try again', await db(table).where({ id }).first());
}
