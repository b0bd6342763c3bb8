// Who owns a record and which team it counts for: the owner's main team at the moment of
// assignment. Giving a record to someone else takes the "assign" permission.
import type { Knex } from 'knex';
import type { Resource } from '../../access/catalog';
import { can, type Actor } from '../../access/scope';
import { ForbiddenError, ValidationError } from '../../lib/errors';

export async function resolveOwner(db: Knex, actor: Actor, type: Resource, requested: number | null | undefined, currentOwner?: number): Promise<{ owner_id: number; team_id: number | null }> {
  const ownerId = requested ?? currentOwner ?? actor.userId;
  if (ownerId === null || ownerId === undefined) throw ValidationError.field('owner_id', 'required', 'is required for records created by the system');
  const changing = currentOwner === undefined ? ownerId !== actor.userId : ownerId !== currentOwner;
  if (changing && !can(actor, type, 'assign')) throw new ForbiddenError('you may not give records to someone else');
  // The caller themselves: their session was checked active this request and carries their team.
  if (ownerId === actor.userId && actor.primaryTeamId !== undefined) return { owner_id: ownerId, team_id: actor.primaryTeamId ?? null };
  const owner = await db('users').where({ id: ownerId }).first('id', 'active', 'primary_team_id');
  if (!owner || !(owner.active === true || owner.active === 1)) throw ValidationError.field('owner_id', 'exists', 'is not an active user');
  return { owner_id: owner.id, team_id: owner.primary_team_id ?? null };
}
