// "My day": today's and overdue tasks, customers not contacted for longer than their grade allows,
// and what the user looked at recently (kept in a cookie by the pages, not in the database).
import type { Core } from '../../core';
import type { Actor } from '../../access/scope';
import { scopeQuery, visibleIds } from '../../access/scope';
import type { SettingsService } from '../settings';
import type { TasksService } from '../tasks';

/** The UTC instant at which the calendar day containing `now` ends in `timeZone`. */
const partFormats = new Map<string, Intl.DateTimeFormat>();

export function endOfDay(now: Date, timeZone: string): Date {
  // Building an Intl formatter costs ~0.2 ms; one per time zone is kept.
  let format = partFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    partFormats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(now).map((p) => [p.type, p.value]));
  const localAsUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  const offset = localAsUtc - Math.floor(now.getTime() / 1000) * 1000;
  return new Date(Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day) + 1) - offset);
}

export interface RecentRef {
  type: 'companies' | 'contacts';
  id: number;
}

export function createMyDayService(core: Core, deps: { tasks: TasksService; settings: SettingsService }) {
  const { knex } = core.db;
  return {
    async overview(actor: Actor, recent: RecentRef[] = []) {
      const now = core.clock.now();
      const company = await deps.settings.company();
      const grades = await deps.settings.grades();
      const until = endOfDay(now, company.timezone).toISOString();
      const tasks = await deps.tasks.dueFor(actor, until);
      const today = tasks.filter((t) => (t.due_at as string) >= new Date(Date.parse(until) - 86_400_000).toISOString());
      const overdue = tasks.filter((t) => !today.includes(t));
      // The user's own customers, still through the scope: a role that may not read companies gets none.
      const neglected: Array<{ id: number; name: string; grade: string; last_contact_at: string | null }> = await scopeQuery(knex, knex('companies'), actor, 'companies', 'read')
        .where({ 'companies.owner_id': actor.userId })
        .whereNull('companies.deleted_at')
        .where((w) => {
          for (const [grade, rule] of Object.entries(grades)) {
            const since = new Date(now.getTime() - rule.days * 86_400_000).toISOString();
            w.orWhere((g) => g.where('grade', grade).andWhere((l) => l.whereNull('last_contact_at').orWhere('last_contact_at', '<', since)));
          }
        })
        .orderByRaw('companies.last_contact_at asc nulls first')
        .orderBy('companies.id')
        .limit(50)
        .select('companies.id', 'companies.name', 'companies.grade', 'companies.last_contact_at');
      const recentRows: Array<RecentRef & { name: string }> = [];
      for (const type of ['companies', 'contacts'] as const) {
        const ids = recent.filter((r) => r.type === type).map((r) => r.id);
        if (!ids.length) continue;
        const rows = await visibleIds(knex, actor, type).whereIn(`${type}.id`, ids).clearSelect().select(`${type}.id`, `${type}.name`);
        for (const r of rows) recentRows.push({ type, id: r.id, name: r.name });
      }
      const order = (r: RecentRef) => recent.findIndex((x) => x.type === r.type && x.id === r.id);
      return { today, overdue, neglected, grades, recent: recentRows.sort((a, b) => order(a) - order(b)) };
    },
  };
}
export type MyDayService = ReturnType<typeof createMyDayService>;
