// Tasks: follow-ups that are never forgotten. Assigned to their owner, optionally on records,
// with a reminder (the reminders job turns it into a notification).
import type { Knex } from 'knex';
import type { Core } from '../../core';
import { requirePermission, scopeQuery, type Actor } from '../../access/scope';
import { diff } from '../../audit/writer';
import type { ListQuery } from '../../lib/listing';
import { validate } from '../../lib/validate';
import { childReader } from '../records/child-records';
import { linkParents, setParents } from '../records/links';
import { resolveOwner } from '../records/ownership';
import { resolveParents, type ParentInput } from '../records/parents';
import { toStoredTime } from '../records/record-fields';
import { checkVersion, requireAction, updateAtVersion } from '../records/scoped';
import { TASK_AUDIT_FIELDS, TASK_COLUMNS, taskCreateSchema, taskUpdateSchema, tasksListSpec } from './tasks.schemas';

export interface TaskInput extends ParentInput {
  title: string;
  due_at?: string | null;
  priority?: 'low' | 'normal' | 'high';
  remind_at?: string | null;
  owner_id?: number;
  activity_id?: number;
}

function audited(row: Record<string, unknown>) {
  return Object.fromEntries(TASK_AUDIT_FIELDS.map((f) => [f, row[f] ?? null]));
}

export function createTasksService(core: Core) {
  const { knex } = core.db;
  const reader = childReader(core, 'tasks', TASK_COLUMNS, tasksListSpec);

  /** Inserts a task inside a caller's transaction (also used by activities for their next step). */
  async function insert(trx: Knex, actor: Actor, input: TaskInput): Promise<number> {
    const owner = await resolveOwner(trx, actor, 'tasks', input.owner_id ?? null);
    const parents = await resolveParents(trx, actor, input);
    const now = core.clock.now().toISOString();
    const dueAt = toStoredTime(input.due_at);
    const [row] = await trx('tasks')
      .insert({
        title: input.title.trim(),
        due_at: dueAt,
        priority: input.priority ?? 'normal',
        // Without an explicit reminder, the due time itself reminds.
        remind_at: input.remind_at !== undefined ? toStoredTime(input.remind_at) : dueAt,
        activity_id: input.activity_id ?? null,
        ...owner,
        created_at: now, created_by: actor.userId, updated_at: now, updated_by: actor.userId, version: 1,
      })
      .returning('id');
    const id = Number(row.id ?? row);
    await linkParents(trx, { type: 'tasks', id }, parents, dueAt ?? now);
    await core.audit.record(trx, actor, { action: 'create', recordType: 'tasks', recordId: id, changes: diff(null, { title: input.title.trim(), due_at: dueAt, priority: input.priority ?? 'normal', owner_id: owner.owner_id }) });
    return id;
  }

  return {
    insert,
    list(actor: Actor, query: ListQuery & { parent_type?: string; parent_id?: number }) {
      requirePermission(actor, 'tasks', 'read');
      return reader.list(actor, query);
    },
    get(actor: Actor, id: number) {
      requirePermission(actor, 'tasks', 'read');
      return reader.load(knex, actor, id);
    },
    async create(actor: Actor, input: TaskInput) {
      requirePermission(actor, 'tasks', 'create');
      validate(taskCreateSchema, input);
      return knex.transaction(async (trx) => reader.load(trx, actor, await insert(trx, actor, input)));
    },
    async update(actor: Actor, id: number, patch: Partial<TaskInput> & { done?: boolean; version: number }) {
      requirePermission(actor, 'tasks', 'update');
      validate(taskUpdateSchema, patch);
      return knex.transaction(async (trx) => {
        const before = await reader.load(trx, actor, id);
        await requireAction(trx, actor, 'tasks', 'update', id);
        checkVersion(before, patch.version, before);
        const now = core.clock.now().toISOString();
        const changes: Record<string, unknown> = { updated_at: now, updated_by: actor.userId };
        if (patch.title !== undefined) changes.title = patch.title.trim();
        if (patch.priority !== undefined) changes.priority = patch.priority;
        if (patch.due_at !== undefined) changes.due_at = toStoredTime(patch.due_at);
        if (patch.remind_at !== undefined) Object.assign(changes, { remind_at: toStoredTime(patch.remind_at), reminded_at: null });
        if (patch.done !== undefined) Object.assign(changes, patch.done ? { done_at: before.done_at ?? now, done_by: before.done_by ?? actor.userId } : { done_at: null, done_by: null });
        if (patch.owner_id !== undefined && patch.owner_id !== before.owner_id) Object.assign(changes, await resolveOwner(trx, actor, 'tasks', patch.owner_id, before.owner_id));
        await updateAtVersion(trx, 'tasks', id, before.version, changes);
        if (patch.company_id !== undefined || patch.contact_ids !== undefined || patch.deal_id !== undefined || patch.lead_id !== undefined) {
          await setParents(trx, { type: 'tasks', id }, await resolveParents(trx, actor, patch), (changes.due_at as string) ?? (before.due_at as string) ?? (before.created_at as string));
        }
        const after = (await reader.decorate(trx, [await trx('tasks').where({ id }).first(TASK_COLUMNS)]))[0];
        const action = patch.done === true && !before.done_at ? 'complete' : patch.done === false && before.done_at ? 'reopen' : 'update';
        await core.audit.record(trx, actor, { action, recordType: 'tasks', recordId: id, changes: diff(audited(before), audited(after)) });
        return after;
      });
    },
    remove: (actor: Actor, id: number) => reader.remove(actor, id),
    /** The actor's open tasks due before `until` (today's and overdue), soonest first. */
    async dueFor(actor: Actor, until: string, limit = 100) {
      const mine = knex('tasks').where({ 'tasks.owner_id': actor.userId }).whereNull('tasks.deleted_at').whereNull('tasks.done_at').whereNotNull('tasks.due_at').andWhere('tasks.due_at', '<', until);
      const rows = await scopeQuery(knex, mine, actor, 'tasks', 'read').orderBy('tasks.due_at').orderBy('tasks.id').limit(limit).select(TASK_COLUMNS.map((c) => `tasks.${c}`));
      return reader.decorate(knex, rows);
    },
    /** Tasks whose reminder time has come; marks them reminded and returns them (the reminders job). */
    async takeDueReminders(limit = 500): Promise<Array<{ id: number; title: string; owner_id: number; due_at: string | null }>> {
      const now = core.clock.now().toISOString();
      return knex.transaction(async (trx) => {
        const due = await trx('tasks').whereNull('deleted_at').whereNull('done_at').whereNull('reminded_at').whereNotNull('remind_at').andWhere('remind_at', '<=', now).orderBy('remind_at').limit(limit).select('id', 'title', 'owner_id', 'due_at');
        if (due.length) await trx('tasks').whereIn('id', due.map((d) => d.id)).whereNull('reminded_at').update({ reminded_at: now });
        return due;
      });
    },
  };
}
export type TasksService = ReturnType<typeof createTasksService>;
