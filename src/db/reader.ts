// Fixed SQL for the hottest reads (contact lists, search, timelines, tags of a page of rows),
// without Knex's per-call query building. Statements are written once with `?` placeholders:
// - SQLite: run on a second, read-only connection to the same file, on a worker thread
//   (db/read-thread.ts), each statement prepared once and reused. WAL mode lets it read the last
//   committed state while the writer connection holds a transaction open, so reads no longer queue
//   behind writes (nor see their uncommitted rows), and the event loop goes on with other requests
//   while SQLite walks its indexes.
// - Postgres: a connection from Knex's pool, and a named prepared statement per SQL text, so the
//   server parses and plans it once per connection.
// Only for reads outside a transaction: a service inside a transaction keeps using its `trx`.
import type { Knex } from 'knex';
import type { Dialect } from './database';
import { createThreadReader } from './read-thread';

export interface Reader {
  /** Runs a read-only statement (`?` placeholders) and returns every row. */
  all<T = Record<string, unknown>>(sql: string, params: readonly unknown[]): Promise<T[]>;
  /** Runs a read built with Knex (its compiled SQL, cached as any other statement). */
  built<T = Record<string, unknown>>(qb: Knex.QueryBuilder): Promise<T[]>;
  close(): Promise<void>;
}

interface PgClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

interface KnexClient {
  acquireConnection(): Promise<PgClient>;
  releaseConnection(conn: PgClient): Promise<void>;
}

export function createReader(knex: Knex, dialect: Dialect, options: { sqliteFile?: string; busyTimeoutMs: number }): Reader {
  const reader = createStatementReader(knex, dialect, options);
  return {
    ...reader,
    built<T>(qb: Knex.QueryBuilder) {
      const { sql, bindings } = qb.toSQL();
      return reader.all<T>(sql, bindings);
    },
  };
}

function createStatementReader(knex: Knex, dialect: Dialect, options: { sqliteFile?: string; busyTimeoutMs: number }): Omit<Reader, 'built'> {
  if (dialect === 'sqlite') return createThreadReader(options.sqliteFile!, options.busyTimeoutMs);

  const client = (knex as unknown as { client: KnexClient }).client;
  const prepared = new Map<string, { name: string; text: string }>();
  // Reads under way: closing waits for them before the pool goes (it would abort them).
  const running = new Set<Promise<unknown>>();
  async function run<T>(sql: string, params: readonly unknown[]): Promise<T[]> {
    let p = prepared.get(sql);
    if (!p) {
      let n = 0;
      p = { name: `kehu_r${prepared.size + 1}`, text: sql.replace(/\?/g, () => `$${++n}`) };
      if (prepared.size < 2000) prepared.set(sql, p);
      else p = { ...p, name: '' };
    }
    const conn = await client.acquireConnection();
    try {
      const result = p.name ? await conn.query({ name: p.name, text: p.text, values: params as unknown[] }) : await conn.query({ name: undefined as never, text: p.text, values: params as unknown[] });
      return result.rows as T[];
    } finally {
      await client.releaseConnection(conn);
    }
  }
  return {
    all<T>(sql: string, params: readonly unknown[]): Promise<T[]> {
      const read = run<T>(sql, params);
      running.add(read);
      const done = () => running.delete(read);
      read.then(done, done);
      return read;
    },
    async close() {
      await Promise.allSettled([...running]);
      prepared.clear();
    },
  };
}
