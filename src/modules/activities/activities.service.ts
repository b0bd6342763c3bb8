// The communication log. Logging an activity links it to its company and contacts, moves their
// "last contact", and turns a next step with a date into a follow-up task — one transaction.
import type { Core } from '../../core';
import { requirePermission, type Actor } from '../../access/scope';
import { diff } from '../../audit/writer';
import type { ListQuery } from '../../lib/listing';
import { ValidationError } from '../../lib/errors';
import { validate } from '../../lib/validate';
import { childReader, type ChildRow } from '../records/child-records';
import { linkedParents, moveOnTimeline, linkParents, setParents } from '../records/links';
import { resolveOwner } from '../records/ownership';
import { resolveParents, touchLastContact, type ParentInput } from '../records/parents';
import { toStoredTime } from '../records/record-fields';
import { checkVersion, requireAction, updateAtVersion } from '../records/scoped';
import { exec } from '../records/statements';
import type { TasksService } from '../tasks';
import { ACTIVITY_AUDIT_FIELDS, ACTIVITY_COLUMNS, activitiesListSpec, activityCreateSchema, activityUpdateSchema } from './activities.schemas';

export interface ActivityInput extends ParentInput {
  type: string;
  occurred_at?: string;
  subject: string;
  content?: string | null;
  outcome?: string | null;
  next_step?: string | null;
  next_step_at?: string | null;
  owner_id?: number;
}

const INSERTED_COLUMNS = ['type', 'occurred_at', 'subject', 'content', 'outcome', 'next_step', 'next_step_at', 'owner_id', 'team_id', 'created_at', 'created_by', 'updated_at', 'updated_by', 'version'] as const;
const INSERT_ACTIVITY = `insert into activities (${INSERTED_COLUMNS.join(', ')}) values (${INSERTED_COLUMNS.map(() => '?').join(', ')}) returning id`;

function audited(row: Record<string, unknown>) {
  return Object.fromEntries(ACTIVITY_AUDIT_FIELDS.map((f) => [f, row[f] ?? null]));
}

export function createActivitiesService(core: Core, deps: { tasks: TasksService }) {
  const { knex } = core.db;
  const reader = childReader(core, 'activities', ACTIVITY_COLUMNS, activitiesListSpec);

  /** An activity as get() returns it, from its stored columns. */
  function answer(stored: Record<string, unknown>, parents: ChildRow['parents'], followUpId: number | null): ChildRow {
    const row = core.db.rows.one<Record<string, unknown>>('activities', stored);
    return { ...Object.fromEntries(ACTIVITY_COLUMNS.map((c) => [c, row[c] ?? null])), parents, follow_up_task_id: followUpId } as unknown as ChildRow;
  }

  async function withFollowUp(rows: ChildRow[]): Promise<ChildRow[]> {
    if (!rows.length) return rows;
    const tasks = await knex('tasks').whereIn('activity_id', rows.map((r) => r.id)).whereNull('deleted_at').select('id', 'activity_id');
    return rows.map((r) => ({ ...r, follow_up_task_id: tasks.find((t) => t.activity_id === r.id)?.id ?? null }));
  }

  return {
    async list(actor: Actor, query: ListQuery & { parent_type?: string; parent_id?: number }) {
      requirePermission(actor, 'activities', 'read');
      const page = await reader.list(actor, query);
      return { ...page, data: await withFollowUp(page.data) };
    },
    async get(actor: Actor, id: number) {
      requirePermission(actor, 'activities', 'read');
      return (await withFollowUp([await reader.load(knex, actor, id)]))[0];
    },
    async create(actor: Actor, input: ActivityInput) {
      requirePermission(actor, 'activities', 'create');
      validate(activityCreateSchema, input);
      if (!input.company_id && !input.contact_ids?.length && !input.deal_id && !input.lead_id) throw ValidationError.field('company_id', 'required', 'an activity is about a company, a contact, a deal or a lead');
      if (input.next_step_at && !input.next_step && !input.subject) throw ValidationError.field('next_step', 'required', 'say what the next step is');
      const created = await knex.transaction(async (trx): Promise<ChildRow> => {
        const owner = await resolveOwner(trx, actor, 'activities', input.owner_id ?? null);
        const parents = await resolveParents(trx, actor, input);
        const now = core.clock.now().toISOString();
        const occurredAt = toStoredTime(input.occurred_at) ?? now;
        const row = {
          type: input.type, occurred_at: occurredAt, subject: input.subject.trim(), content: input.content ?? null, outcome: input.outcome ?? null,
          next_step: input.next_step ?? null, next_step_at: toStoredTime(input.next_step_at),
        };
        const stored = { ...row, ...owner, created_at: now, created_by: actor.userId, updated_at: now, updated_by: actor.userId, version: 1 };
        const { rows: [inserted] } = await exec(trx, INSERT_ACTIVITY, INSERTED_COLUMNS.map((c) => stored[c]));
        const activityId = Number(inserted.id);
        await linkParents(trx, { type: 'activities', id: activityId }, parents, occurredAt);
        if (input.type !== 'note') await touchLastContact(trx, parents, occurredAt);
        await core.audit.record(trx, actor, { action: 'create', recordType: 'activities', recordId: activityId, changes: diff(null, row) });
        let followUpId: number | null = null;
        if (row.next_step_at) {
          followUpId = await deps.tasks.insert(trx, actor, {
            title: row.next_step ?? row.subject,
            due_at: row.next_step_at,
            owner_id: owner.owner_id,
            activity_id: activityId,
            company_id: parents.find((p) => p.type === 'companies')?.id ?? null,
            contact_ids: parents.filter((p) => p.type === 'contacts').map((p) => p.id),
            deal_id: parents.find((p) => p.type === 'deals')?.id ?? null,
            lead_id: parents.find((p) => p.type === 'leads')?.id ?? null,
          });
        }
        // The answer is what was just written, not a re-read: the creator can always read it,
        // because every parent they named was checked readable above (resolveParents) and a child
        // is readable through any readable parent (access/scope.ts CHILD_PARENTS).
        return answer({ ...stored, id: activityId, deleted_at: null }, linkedParents(parents), followUpId);
      });
      requirePermission(actor, 'activities', 'read');
      return created;
    },
    async update(actor: Actor, id: number, patch: Partial<ActivityInput> & { version: number }) {
      requirePermission(actor, 'activities', 'update');
      validate(activityUpdateSchema, patch);
      await knex.transaction(async (trx) => {
        const before = await reader.load(trx, actor, id);
        await requireAction(trx, actor, 'activities', 'update', id);
        checkVersion(before, patch.version, before);
        const now = core.clock.now().toISOString();
        const changes: Record<string, unknown> = { updated_at: now, updated_by: actor.userId };
        for (const f of ['type', 'subject', 'content', 'outcome', 'next_step'] as const) if (patch[f] !== undefined) changes[f] = patch[f];
        if (patch.occurred_at !== undefined) changes.occurred_at = toStoredTime(patch.occurred_at);
        if (patch.next_step_at !== undefined) changes.next_step_at = toStoredTime(patch.next_step_at);
        if (patch.owner_id !== undefined && patch.owner_id !== before.owner_id) Object.assign(changes, await resolveOwner(trx, actor, 'activities', patch.owner_id, before.owner_id));
        await updateAtVersion(trx, 'activities', id, before.version, changes);
        const at = (changes.occurred_at as string) ?? (before.occurred_at as string);
        if (patch.company_id !== undefined || patch.contact_ids !== undefined || patch.deal_id !== undefined || patch.lead_id !== undefined) {
          const parents = await resolveParents(trx, actor, patch);
          await setParents(trx, { type: 'activities', id }, parents, at);
          await touchLastContact(trx, parents, at);
        } else if (changes.occurred_at) {
          await moveOnTimeline(trx, { type: 'activities', id }, at);
        }
        const after = await trx('activities').where({ id }).first(ACTIVITY_COLUMNS);
        await core.audit.record(trx, actor, { action: 'update', recordType: 'activities', recordId: id, changes: diff(audited(before), audited(after)) });
      });
      return this.get(actor, id);
    },
    remove: (actor: Actor, id: number) => reader.remove(actor, id),
  };
}
export type ActivitiesService = ReturnType<typeof createActivitiesService>;
