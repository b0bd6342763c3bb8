// Sharing a record with a user or a team, read or edit, for hand-overs and collaboration. A share
// only widens an own/team scope (access/scope.ts reads record_shares); it never grants a record
// type the role cannot see at all, nor deleting or reassigning.
import type { Knex } from 'knex';
import type { Core } from '../../core';
import { applyScope, scope, type Actor } from '../../access/scope';
import { ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors';
import { validate } from '../../lib/validate';
import { findInScope } from '../records/scoped';
import type { NotificationsService } from '../notifications';

export const SHAREABLE_TYPES = ['companies', 'contacts', 'deals', 'leads'] as const;
export type ShareableType = (typeof SHAREABLE_TYPES)[number];

export interface Share {
  id: number;
  user_id: number | null;
  team_id: number | null;
  /** The user's or team's name. */
  name: string;
  access: 'read' | 'edit';
  created_at: string;
  created_by: number | null;
}

export const shareSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    user_id: { type: ['integer', 'null'] },
    team_id: { type: ['integer', 'null'] },
    name: { type: 'string' },
    access: { type: 'string', enum: ['read', 'edit'] },
    created_at: { type: 'string' },
    created_by: { type: ['integer', 'null'] },
  },
} as const;

export const shareParams = { type: 'object', required: ['id', 'shareId'], properties: { id: { type: 'integer', minimum: 1 }, shareId: { type: 'integer', minimum: 1 } } } as const;

export const shareCreateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['access'],
  properties: {
    user_id: { type: 'integer', minimum: 1, description: 'Share with this user …' },
    team_id: { type: 'integer', minimum: 1, description: '… or with this team and its sub-teams (exactly one of the two).' },
    access: { type: 'string', enum: ['read', 'edit'] },
  },
} as const;

export function createSharesService(core: Core, deps: { notifications: NotificationsService }) {
  const { knex } = core.db;

  /** Who may share: whoever may change the record through their own role (not through a share). */
  async function requireSharer(db: Knex, actor: Actor, type: ShareableType, id: number): Promise<{ name: string }> {
    const record = await findInScope<{ name: string }>(db, actor, type, id, [`${type}.name`]);
    const own = scope(actor, type, 'update');
    const direct = own.level === 'own' || own.level === 'team' ? { ...own, shares: null } : own;
    const row = await applyScope(db(type).where(`${type}.id`, id), direct, type).first(`${type}.id`);
    if (!row) throw new ForbiddenError('only someone who may change this record may share it');
    return record;
  }

  async function list(actor: Actor, type: ShareableType, id: number): Promise<Share[]> {
    await findInScope(knex, actor, type, id, [`${type}.id`]);
    return knex('record_shares as s')
      .leftJoin('users as u', 'u.id', 's.user_id')
      .leftJoin('teams as t', 't.id', 's.team_id')
      .where({ 's.record_type': type, 's.record_id': id })
      .orderBy('s.id')
      .select('s.id', 's.user_id', 's.team_id', knex.raw('coalesce(u.name, t.name) as name'), 's.access', 's.created_at', 's.created_by');
  }

  async function add(actor: Actor, type: ShareableType, id: number, input: { user_id?: number; team_id?: number; access: 'read' | 'edit' }): Promise<Share> {
    validate(shareCreateSchema, input);
    if ((input.user_id === undefined) === (input.team_id === undefined)) throw ValidationError.field('user_id', 'required', 'give either a user or a team');
    return knex.transaction(async (trx) => {
      const record = await requireSharer(trx, actor, type, id);
      const target = input.user_id !== undefined
        ? await trx('users').where({ id: input.user_id, active: true }).first('id', 'name')
        : await trx('teams').where({ id: input.team_id }).whereNull('deleted_at').first('id', 'name');
      if (!target) throw ValidationError.field(input.user_id !== undefined ? 'user_id' : 'team_id', 'exists', 'is not an active user or team');
      const who = { user_id: input.user_id ?? null, team_id: input.team_id ?? null };
      const existing = await trx('record_shares').where({ record_type: type, record_id: id, ...who }).first('id', 'access');
      const now = core.clock.now().toISOString();
      let shareId: number;
      if (existing) {
        shareId = existing.id;
        await trx('record_shares').where({ id: shareId }).update({ access: input.access });
      } else {
        const [row] = await trx('record_shares').insert({ record_type: type, record_id: id, ...who, access: input.access, created_at: now, created_by: actor.userId }).returning('id');
        shareId = Number(row.id ?? row);
      }
      const label = `${input.user_id !== undefined ? 'user' : 'team'}:${target.id}`;
      await core.audit.record(trx, actor, { action: 'share', recordType: type, recordId: id, changes: { [`shared_with.${label}`]: [existing?.access ?? null, input.access] } });
      if (input.user_id !== undefined && input.user_id !== actor.userId) {
        await deps.notifications.notify(trx, input.user_id, { kind: 'shared', title: `${actor.name}: ${record.name}`, recordType: type, recordId: id });
      }
      const share = await trx('record_shares').where({ id: shareId }).first('id', 'user_id', 'team_id', 'access', 'created_at', 'created_by');
      return { ...share, name: target.name };
    });
  }

  async function remove(actor: Actor, type: ShareableType, id: number, shareId: number): Promise<void> {
    await knex.transaction(async (trx) => {
      await requireSharer(trx, actor, type, id);
      const share = await trx('record_shares').where({ id: shareId, record_type: type, record_id: id }).first('user_id', 'team_id', 'access');
      if (!share) throw new NotFoundError('share');
      await trx('record_shares').where({ id: shareId }).delete();
      const label = share.user_id !== null ? `user:${share.user_id}` : `team:${share.team_id}`;
      await core.audit.record(trx, actor, { action: 'unshare', recordType: type, recordId: id, changes: { [`shared_with.${label}`]: [share.access, null] } });
    });
  }

  /** Whether the actor may share this (readable) record: the 360° page shows the form only then. */
  async function mayShare(actor: Actor, type: ShareableType, id: number): Promise<boolean> {
    return requireSharer(knex, actor, type, id).then(() => true, (err) => {
      if (err instanceof ForbiddenError) return false;
      throw err;
    });
  }

  return { list, add, remove, mayShare };
}
export type SharesService = ReturnType<typeof createSharesService>;
