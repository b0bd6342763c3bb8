// Fixed write statements of the hot write paths, run on the transaction's own connection with no
// query builder in between: on SQLite through the connection's prepared-statement cache
// (db/database.ts), on Postgres as a named prepared statement per SQL text. Knex built the same
// SQL anew on every call, which cost as much CPU as running it. Access checks stay in the scoped
// reads before these run.
import type { Knex } from 'knex';

interface Client {
  config: { client?: unknown };
  acquireConnection(): Promise<unknown>;
  releaseConnection(conn: unknown): Promise<void> | void;
}
interface SqliteStatement {
  reader: boolean;
  all(params: unknown[]): Array<Record<string, unknown>>;
  run(params: unknown[]): { changes: number };
}
interface PgConnection {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: Array<Record<string, unknown>>; rowCount: number | null }>;
}

const pgNames = new Map<string, string>();

/** `?` placeholders as $1, $2 …, and one statement name per SQL text. */
function pgStatement(sql: string): { name: string; text: string } {
  let name = pgNames.get(sql);
  if (!name) {
    name = `kehu_write_${pgNames.size + 1}`;
    pgNames.set(sql, name);
  }
  let i = 0;
  return { name, text: sql.replace(/\?/g, () => `$${++i}`) };
}

/** Runs one statement (`?` placeholders) in `trx`; returns its rows (`returning …`) and changed-row count. */
export async function exec(trx: Knex, sql: string, params: unknown[]): Promise<{ rows: Array<Record<string, unknown>>; changes: number }> {
  const client = (trx as unknown as { client: Client }).client;
  const conn = await client.acquireConnection();
  try {
    if (client.config.client === 'better-sqlite3') {
      const statement = (conn as { prepare(sql: string): SqliteStatement }).prepare(sql);
      if (statement.reader) {
        const rows = statement.all(params);
        return { rows, changes: rows.length };
      }
      return { rows: [], changes: statement.run(params).changes };
    }
    const result = await (conn as PgConnection).query({ ...pgStatement(sql), values: params });
    return { rows: result.rows, changes: result.rowCount ?? 0 };
  } finally {
    await client.releaseConnection(conn);
  }
}

/** `(?, ?, …), (?, ?, …)` for `rows` rows of `columns` values. */
export function valueRows(rows: number, columns: number): string {
  const one = `(${new Array(columns).fill('?').join(', ')})`;
  return new Array(rows).fill(one).join(', ');
}
