// The audit writer: services call record() inside the transaction of the change it describes,
// so a change and its entry commit or roll back together. Nothing else writes audit tables.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../lib/time';
import { commitmentOfText } from './chain';

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

interface WriterClient {
  config: { client?: unknown };
  acquireConnection(): Promise<unknown>;
  releaseConnection(conn: unknown): Promise<void> | void;
}

interface PgConnection {
  query(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: Array<{ id: number | string }> }>;
}

/** `?` placeholders as $1, $2 … after `offset`. */
function numbered(sql: string, offset: number): string {
  let i = offset;
  return sql.replace(/\?/g, () => `$${++i}`);
}

interface SqliteConnection {
  prepare(sql: string): { get(params: unknown[]): unknown; run(params: unknown[]): unknown };
}

const ENTRY_INSERT = 'insert into audit_log (at, actor_id, ip, user_agent, request_id, action, record_type, record_id, changes) values (?, ?, ?, ?, ?, ?, ?, ?, ?)';
const VALUE_COLUMNS = 'audit_values (entry_id, field, salt, before_value, after_value)';

export function createAuditWriter(clock: Clock): AuditWriter {
  return {
    async record(trx, source, event) {
      const fields = Object.entries(event.changes ?? {});
      const committed: Record<string, [string, string]> = {};
      // Each value's JSON is written once: committed to, and stored as that same text.
      const values: Array<[field: string, salt: string, before: string, after: string]> = [];
      if (fields.length) {
        const salts = crypto.randomBytes(16 * fields.length).toString('hex');
        fields.forEach(([field, [before, after]], i) => {
          const salt = salts.slice(32 * i, 32 * i + 32);
          const b = JSON.stringify(before ?? null);
          const a = JSON.stringify(after ?? null);
          committed[field] = [commitmentOfText(salt, `${field}:before`, b), commitmentOfText(salt, `${field}:after`, a)];
          values.push([field, salt, b, a]);
        });
      }
      const entry = [
        clock.now().toISOString(), source.userId ?? null, source.ip ?? null, source.userAgent?.slice(0, 300) ?? null, source.requestId ?? null, event.action, event.recordType,
        event.recordId === undefined || event.recordId === null ? null : String(event.recordId), values.length ? JSON.stringify(committed) : null,
      ];
      const client = (trx as unknown as { client: WriterClient }).client;
      if (client.config.client === 'better-sqlite3') {
        // Straight on the transaction's connection (Knex hands a transaction's own connection
        // back), with statements prepared once: no query runner between the change and its entry.
        const conn = (await client.acquireConnection()) as SqliteConnection;
        try {
          const id = Number((conn.prepare(`${ENTRY_INSERT} returning id`).get(entry) as { id: number }).id);
          if (values.length) conn.prepare(`insert into ${VALUE_COLUMNS} values ${values.map(() => '(?, ?, ?, ?, ?)').join(', ')}`).run(values.flatMap((v) => [id, ...v]));
          return id;
        } finally {
          await client.releaseConnection(conn);
        }
      }
      if (client.config.client === 'pg') {
        // The entry and its values in one statement, prepared once per connection and shape (a
        // name per number of values), on the transaction's own connection.
        const n = values.length;
        const text = n
          ? `with e as (${numbered(ENTRY_INSERT, 0)} returning id) insert into ${VALUE_COLUMNS} select e.id, v.field, v.salt, v.b, v.a from e, (values ${values.map((_, i) => `($${10 + 4 * i}, $${11 + 4 * i}, $${12 + 4 * i}, $${13 + 4 * i})`).join(', ')}) as v (field, salt, b, a) returning entry_id as id`
          : `${numbered(ENTRY_INSERT, 0)} returning id`;
        const conn = (await client.acquireConnection()) as PgConnection;
        try {
          const result = await conn.query({ name: n <= 40 ? `kehu_audit_${n}` : undefined, text, values: n ? [...entry, ...values.flat()] : entry });
          return Number(result.rows[0].id);
        } finally {
          await client.releaseConnection(conn);
        }
      }
      const inserted = await trx.raw(`${ENTRY_INSERT} returning id`, entry);
      const id = Number(inserted[0].id);
      if (values.length) {
        await trx.raw(`insert into ${VALUE_COLUMNS} values ${values.map(() => '(?, ?, ?, ?, ?)').join(', ')}`, values.flatMap((v) => [id, ...v]));
      }
      return id;
    },
  };
}
