// Handing over every customer record and open task of one user (someone leaving, or changing
// jobs) to another in one transaction, one audit entry per record, the new owner notified.
import type { Core } from '../../core';
import { retryingConflicts } from '../../db/conflicts';
import { requirePermission, scopeQuery, type Actor } from '../../access/scope';
import { NotFoundError, ValidationError } from '../../lib/errors';
import { validate } from '../../lib/validate';
import type { NotificationsService } from '../notifications';
import { resolveOwner } from './ownership';

export const HANDOVER_TYPES = ['companies', 'contacts', 'tasks', 'deals', 'leads'] as const;
export type HandoverType = (typeof HANDOVER_TYPES)[number];

export const handoverSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['to_user_id'],
  properties: {
    to_user_id: { type: 'integer', minimum: 1, description: 'The new owner (an active user).' },
    types: { type: 'array', uniqueItems: true, minItems: 1, items: { type: 'string', enum: [...HANDOVER_TYPES] }, description: 'What to hand over; all of them by default. Tasks and deals: the open ones; leads: those still new or contacted.' },
  },
} as const;

export type HandoverResult = Record<HandoverType, number>;

const CHUNK = 500;

export function createHandoverService(core: Core, deps: { notifications: NotificationsService }) {
  const { knex } = core.db;
  return {
    async reassignAll(actor: Actor, fromUserId: number, input: { to_user_id: number; types?: HandoverType[] }): Promise<HandoverResult> {
      validate(handoverSchema, input);
      const types = input.types ?? [...HANDOVER_TYPES];
      for (const type of types) requirePermission(actor, type, 'assign');
      if (input.to_user_id === fromUserId) throw ValidationError.field('to_user_id', 'different', 'must be someone else');
      return retryingConflicts(() => knex.transaction(async (trx) => {
        const from = await trx('users').where({ id: fromUserId }).first('id', 'name');
        if (!from) throw new NotFoundError('user');
        const done = Object.fromEntries(HANDOVER_TYPES.map((type) => [type, 0])) as HandoverResult;
        const now = core.clock.now().toISOString();
        for (const type of types) {
          const qb = trx(type).where(`${type}.owner_id`, fromUserId);
          // What is still work moves; what is history (done tasks, won and lost deals, converted
          // or disqualified leads) stays with whoever did it.
          if (type === 'tasks') qb.whereNull('tasks.done_at');
          if (type === 'deals') qb.whereNull('deals.won_at').whereNull('deals.lost_at');
          if (type === 'leads') qb.whereIn('leads.status', ['new', 'contacted']);
          const ids = (await scopeQuery(trx, qb, actor, type, 'assign').orderBy(`${type}.id`).pluck(`${type}.id`)).map(Number);
          if (!ids.length) continue;
          const owner = await resolveOwner(trx, actor, type, input.to_user_id, fromUserId);
          for (let i = 0; i < ids.length; i += CHUNK) {
            await trx(type).whereIn('id', ids.slice(i, i + CHUNK)).update({ ...owner, updated_at: now, updated_by: actor.userId, version: trx.raw('version + 1') });
          }
          for (const id of ids) await core.audit.record(trx, actor, { action: 'assign', recordType: type, recordId: id, changes: { owner_id: [fromUserId, owner.owner_id] } });
          done[type] = ids.length;
        }
        const total = Object.values(done).reduce((n, k) => n + k, 0);
        if (total) await deps.notifications.notify(trx, input.to_user_id, { kind: 'handover', title: `${from.name} → ${total}`, recordType: 'users', recordId: fromUserId });
        return done;
      }));
    },
  };
}
export type HandoverService = ReturnType<typeof createHandoverService>;
