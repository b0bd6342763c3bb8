// The audit writer: services call record() inside the transaction of the change it describes,
// so a change and its entry commit or roll back together. Nothing else writes audit tables.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../lib/time';
import { commitment } from './chain';

/** Who did it and from where: the actor of a request, or the system (jobs, CLI). */
export interface AuditSource {
  userId: number | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export type Changes = Record<string, [before: unknown, after: unknown]>;

export interface AuditEvent {
  action: string;
  recordType: string;
  recordId?: string | number | null;
  /** Changed fields with their full values; stored beside the chain, masked on output. */
  changes?: Changes;
}

/** The fields of `after` whose values differ from `before` (only keys present in `after`). */
export function diff(before: object | null, after: object, fields?: string[]): Changes {
  const out: Changes = {};
  const b0 = (before ?? {}) as Record<string, unknown>;
  const a0 = after as Record<string, unknown>;
  for (const key of fields ?? Object.keys(a0)) {
    if (!(key in a0)) continue;
    const b = b0[key] ?? null;
    const a = a0[key] ?? null;
    if (JSON.stringify(b) !== JSON.stringify(a)) out[key] = [b, a];
  }
  return out;
}

export interface AuditWriter {
  record(trx: Knex.Transaction | Knex, source: AuditSource, event: AuditEvent): Promise<number>;
}

export function createAuditWriter(clock: Clock): AuditWriter {
  return {
    async record(trx, source, event) {
      const fields = Object.entries(event.changes ?? {});
      const values = fields.map(([field, [before, after]]) => {
        const salt = crypto.randomBytes(16).toString('hex');
        return { field, salt, before, after };
      });
      const committed = Object.fromEntries(values.map((v) => [v.field, [commitment(v.salt, `${v.field}:before`, v.before), commitment(v.salt, `${v.field}:after`, v.after)]]));
      const [row] = await trx('audit_log')
        .insert({
          at: clock.now().toISOString(),
          actor_id: source.userId,
          ip: source.ip,
          user_agent: source.userAgent?.slice(0, 300) ?? null,
          request_id: source.requestId,
          action: event.action,
          record_type: event.recordType,
          record_id: event.recordId === undefined || event.recordId === null ? null : String(event.recordId),
          changes: values.length ? JSON.stringify(committed) : null,
        })
        .returning('id');
      const id = Number(typeof row === 'object' ? row.id : row);
      if (values.length) {
        await trx('audit_values').insert(
          values.map((v) => ({
            entry_id: id,
            field: v.field,
            salt: v.salt,
            before_value: JSON.stringify(v.before ?? null),
            after_value: JSON.stringify(v.after ?? null),
          })),
        );
      }
      return id;
    },
  };
}
