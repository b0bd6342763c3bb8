// The tables of a database as a backup sees them, on either dialect: columns (sorted, so a row has
// one dialect-neutral shape), primary key, foreign keys, which columns are booleans or JSON, and a
// reader that yields every row in primary-key order (byte-wise for text on both databases) as a
// canonical JSON array: booleans true/false, JSON values parsed, times as stored text.
import type { Knex } from 'knex';
import type Sqlite from 'better-sqlite3';
import type { Dialect } from '../db/database';

export interface TableInfo {
  name: string;
  /** Sorted by name: the order of values in a row line. */
  columns: string[];
  pk: string[];
  nullable: Set<string>;
  kinds: Map<string, 'boolean' | 'json'>;
  /** Text columns (ordered with collate "C" on Postgres so both databases agree). */
  text: Set<string>;
  /** column -> referenced table */
  fks: Map<string, string>;
}

/** A connection the backup reads from (and a restore writes to): a raw SQLite handle or a Postgres transaction. */
export type Conn = { dialect: 'sqlite'; db: Sqlite.Database } | { dialect: 'postgres'; trx: Knex.Transaction };

/** Knex's own bookkeeping: not data. knex_migrations' names go into the manifest instead. */
export const SKIPPED = (name: string) => name.startsWith('knex_') || name.startsWith('sqlite_');

const q = (id: string) => `"${id.replace(/"/g, '""')}"`;

function kindOf(type: string): 'boolean' | 'json' | undefined {
  const t = type.toLowerCase();
  if (t === 'boolean') return 'boolean';
  if (t === 'json' || t === 'jsonb') return 'json';
  return undefined;
}

export async function all(conn: Conn, sql: string, params: unknown[] = []): Promise<Array<Record<string, any>>> {
  if (conn.dialect === 'sqlite') return conn.db.prepare(sql).all(...(params as unknown[])) as Array<Record<string, any>>;
  return (await conn.trx.raw(sql, params as Knex.RawBinding[])).rows;
}

export async function describeTables(conn: Conn): Promise<TableInfo[]> {
  const out: TableInfo[] = [];
  if (conn.dialect === 'sqlite') {
    const names = (await all(conn, "select name from sqlite_master where type = 'table' order by name")).map((r) => r.name as string).filter((n) => !SKIPPED(n));
    for (const name of names) {
      const cols = await all(conn, `select name, type, "notnull" as nn, pk from pragma_table_info(?)`, [name]);
      const fks = await all(conn, 'select "table" as ref, "from" as col from pragma_foreign_key_list(?)', [name]);
      out.push({
        name,
        columns: cols.map((c) => c.name as string).sort(),
        pk: cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name),
        nullable: new Set(cols.filter((c) => !c.nn && !c.pk).map((c) => c.name)),
        kinds: new Map(cols.flatMap((c) => (kindOf(c.type) ? [[c.name, kindOf(c.type)!] as const] : []))),
        text: new Set(cols.filter((c) => /char|text|clob/i.test(c.type)).map((c) => c.name)),
        fks: new Map(fks.map((f) => [f.col as string, f.ref as string])),
      });
    }
    return out;
  }
  const cols = await all(conn, `select table_name, column_name, data_type, is_nullable from information_schema.columns
    where table_schema = current_schema() order by table_name, ordinal_position`);
  const tables = new Set((await all(conn, `select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`)).map((r) => r.table_name as string));
  const pks = await all(conn, `select tc.table_name, kcu.column_name from information_schema.table_constraints tc
    join information_schema.key_column_usage kcu on kcu.constraint_name = tc.constraint_name and kcu.table_schema = tc.table_schema and kcu.table_name = tc.table_name
    where tc.constraint_type = 'PRIMARY KEY' and tc.table_schema = current_schema() order by tc.table_name, kcu.ordinal_position`);
  const fks = await all(conn, `select cl.relname as table_name, a.attname as col, rf.relname as ref from pg_constraint c
    join pg_class cl on cl.oid = c.conrelid join pg_class rf on rf.oid = c.confrelid
    join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
    where c.contype = 'f' and cl.relnamespace = current_schema()::regnamespace`);
  for (const name of [...tables].filter((n) => !SKIPPED(n)).sort()) {
    const mine = cols.filter((c) => c.table_name === name);
    out.push({
      name,
      columns: mine.map((c) => c.column_name as string).sort(),
      pk: pks.filter((p) => p.table_name === name).map((p) => p.column_name),
      nullable: new Set(mine.filter((c) => c.is_nullable === 'YES').map((c) => c.column_name)),
      kinds: new Map(mine.flatMap((c) => (kindOf(c.data_type) ? [[c.column_name, kindOf(c.data_type)!] as const] : []))),
      text: new Set(mine.filter((c) => /char|text/i.test(c.data_type)).map((c) => c.column_name)),
      fks: new Map(fks.filter((f) => f.table_name === name).map((f) => [f.col as string, f.ref as string])),
    });
  }
  return out;
}

/** Parents before children; a cycle (users <-> teams) is broken at a table whose links can wait (nullable). */
export function dependencyOrder(tables: TableInfo[]): string[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const left = new Set(tables.map((t) => t.name));
  const order: string[] = [];
  const blockers = (t: TableInfo) => [...t.fks.entries()].filter(([, ref]) => ref !== t.name && left.has(ref) && byName.has(ref));
  while (left.size) {
    const ready = [...left].sort().find((n) => blockers(byName.get(n)!).length === 0)
      ?? [...left].sort().find((n) => blockers(byName.get(n)!).every(([col]) => byName.get(n)!.nullable.has(col)));
    if (!ready) throw new Error(`tables ${[...left].join(', ')} reference each other through required columns`);
    order.push(ready);
    left.delete(ready);
  }
  return order;
}

/** A row in its canonical, dialect-neutral form: values in `columns` order. */
export function canonical(info: TableInfo, dialect: Dialect, row: Record<string, unknown>): unknown[] {
  const out = new Array(info.columns.length);
  for (let i = 0; i < info.columns.length; i++) {
    const c = info.columns[i];
    let v = row[c];
    if (v === undefined || v === null) v = null;
    else {
      const kind = info.kinds.get(c);
      if (kind === 'boolean') v = v === true || v === 1 || v === '1';
      else if (kind === 'json') v = dialect === 'sqlite' && typeof v === 'string' ? JSON.parse(v) : v;
      else if (typeof v === 'bigint') v = Number(v);
      else if (Buffer.isBuffer(v)) throw new Error(`table ${info.name}: binary column ${c} is not supported by backups`);
      else if (v instanceof Date) v = v.toISOString();
    }
    out[i] = v;
  }
  return out;
}

function orderBy(info: TableInfo, dialect: Dialect): string {
  const keys = info.pk.length ? info.pk : info.columns;
  return keys.map((k) => (dialect === 'postgres' && info.text.has(k) ? `${q(k)} collate "C"` : q(k))).join(', ');
}

/** Yields a table's rows in canonical form, in batches, yielding to the event loop between them. */
export async function* readRows(conn: Conn, info: TableInfo, batch = 2000): AsyncGenerator<unknown[][]> {
  const sql = `select ${info.columns.map(q).join(', ')} from ${q(info.name)} order by ${orderBy(info, conn.dialect)}`;
  if (conn.dialect === 'sqlite') {
    const it = conn.db.prepare(sql).iterate() as IterableIterator<Record<string, unknown>>;
    try {
      for (;;) {
        const rows: unknown[][] = [];
        let r = it.next();
        while (!r.done) {
          rows.push(canonical(info, 'sqlite', r.value));
          if (rows.length >= batch) break;
          r = it.next();
        }
        if (rows.length) yield rows;
        if (r.done) return;
        // Let the server answer requests between batches: better-sqlite3 is synchronous.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      it.return?.();
    }
  }
  if (conn.dialect !== 'postgres') return;
  const cursor = `kehu_backup_${info.name}`;
  await conn.trx.raw(`declare ${q(cursor)} no scroll cursor for ${sql}`);
  try {
    for (;;) {
      const rows = (await conn.trx.raw(`fetch forward ${batch * 2} from ${q(cursor)}`)).rows as Array<Record<string, unknown>>;
      if (!rows.length) return;
      yield rows.map((r) => canonical(info, 'postgres', r));
    }
  } finally {
    await conn.trx.raw(`close ${q(cursor)}`).catch(() => undefined);
  }
}

export const quoteIdent = q;
