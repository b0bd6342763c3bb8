// Bulk loading of generated rows, by the fastest correct path for each database: on SQLite the raw
// better-sqlite3 connection with one prepared INSERT inside one transaction; on Postgres
// INSERT ... SELECT * FROM unnest($1::type[], ...) in chunks, inside one transaction per table.
import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';
import type { Database } from '../../../src/db/database';
import type { Row } from '../data/types';

const PG_CHUNK = 5000;

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function columnsOf(table: string, rows: Row[]): string[] {
  const cols = Object.keys(rows[0]);
  for (const r of rows) {
    if (Object.keys(r).length !== cols.length) throw new Error(`bench rows for ${table} do not all have the same columns`);
  }
  return cols;
}

/** Above this many rows, secondary indexes are dropped for the load and built again afterwards. */
const REBUILD_INDEXES_FROM = 50_000;

async function loadSqlite(db: Database, table: string, rows: Row[]): Promise<void> {
  const cols = columnsOf(table, rows);
  const conn: BetterSqlite3.Database = await db.knex.client.acquireConnection();
  // Building an index once from sorted keys is far cheaper than a million random inserts into
  // each of a table's B-trees: drop the table's own (non-constraint) indexes, load, and create them
  // again with the same SQL, so the schema ends up exactly as the migrations made it.
  const indexes = rows.length >= REBUILD_INDEXES_FROM
    ? (conn.prepare("select name, sql from sqlite_master where type = 'index' and tbl_name = ? and sql is not null").all(table) as Array<{ name: string; sql: string }>)
    : [];
  try {
    for (const ix of indexes) conn.exec(`drop index ${quote(ix.name)}`);
    // A large page cache for this connection only: index inserts into million-row tables stay in
    // memory instead of re-reading pages (the server's own setting is untouched).
    conn.pragma('cache_size = -1048576');
    const stmt = conn.prepare(`insert into ${quote(table)} (${cols.map(quote).join(', ')}) values (${cols.map(() => '?').join(', ')})`);
    const values: unknown[] = new Array(cols.length);
    const insertAll = conn.transaction((list: Row[]) => {
      for (const row of list) {
        for (let i = 0; i < cols.length; i++) {
          const v = row[cols[i]];
          values[i] = v === true ? 1 : v === false ? 0 : v;
        }
        stmt.run(values);
      }
    });
    insertAll(rows);
  } finally {
    for (const ix of indexes) conn.exec(ix.sql);
    db.knex.client.releaseConnection(conn);
  }
}

async function loadPostgres(db: Database, table: string, rows: Row[]): Promise<void> {
  const cols = columnsOf(table, rows);
  const conn: pg.Client = await db.knex.client.acquireConnection();
  try {
    const info = await conn.query<{ column_name: string; udt_name: string }>(
      'select column_name, udt_name from information_schema.columns where table_schema = current_schema() and table_name = $1',
      [table],
    );
    const types = new Map(info.rows.map((r) => [r.column_name, r.udt_name]));
    const casts = cols.map((c, i) => {
      const t = types.get(c);
      if (!t) throw new Error(`table ${table} has no column ${c}`);
      return `$${i + 1}::${t}[]`;
    });
    const sql = `insert into ${quote(table)} (${cols.map(quote).join(', ')}) select * from unnest(${casts.join(', ')})`;
    await conn.query('begin');
    try {
      // As on SQLite: a large table is loaded without its secondary indexes (not those behind a
      // primary key or unique constraint), which are built once afterwards from the same definitions.
      const indexes = rows.length >= REBUILD_INDEXES_FROM
        ? (await conn.query<{ indexname: string; indexdef: string }>(
            `select indexname, indexdef from pg_indexes where schemaname = current_schema() and tablename = $1
             and indexname not in (select conname from pg_constraint where conrelid = $2::regclass)`,
            [table, quote(table)],
          )).rows
        : [];
      for (const ix of indexes) await conn.query(`drop index ${quote(ix.indexname)}`);
      await conn.query('set local synchronous_commit = off');
      for (let start = 0; start < rows.length; start += PG_CHUNK) {
        const chunk = rows.slice(start, start + PG_CHUNK);
        await conn.query(sql, cols.map((c) => chunk.map((r) => r[c] ?? null)));
      }
      if (indexes.length) await conn.query("set local maintenance_work_mem = '512MB'");
      for (const ix of indexes) await conn.query(ix.indexdef);
      await conn.query('commit');
    } catch (err) {
      await conn.query('rollback');
      throw err;
    }
  } finally {
    db.knex.client.releaseConnection(conn);
  }
}

/** Inserts rows into one table; they must carry their own ids where the table has them. */
export async function loadRows(db: Database, table: string, rows: Row[]): Promise<void> {
  if (!rows.length) return;
  if (db.dialect === 'sqlite') await loadSqlite(db, table, rows);
  else await loadPostgres(db, table, rows);
}

/**
 * After explicit ids were inserted: move Postgres sequences past them (SQLite's AUTOINCREMENT
 * follows explicit ids by itself), refresh planner statistics on Postgres (autovacuum would on a
 * real server), and checkpoint SQLite's WAL so the server starts from a clean file.
 */
export async function finishLoad(db: Database, tables: string[]): Promise<void> {
  const { knex } = db;
  if (db.dialect === 'postgres') {
    for (const table of tables) {
      const seq = await knex.raw<{ rows: Array<{ seq: string | null }> }>('select pg_get_serial_sequence(?, ?) as seq', [quote(table), 'id']).catch(() => ({ rows: [{ seq: null }] }));
      const name = seq.rows[0]?.seq;
      if (name) await knex.raw(`select setval(?, greatest((select max(id) from ${quote(table)}), 1))`, [name]);
    }
    // VACUUM too, not only ANALYZE: it sets the visibility map, without which every index-only scan
    // of freshly loaded rows visits the heap (a manager's tagged list: 105 ms instead of ~2 ms).
    await knex.raw('vacuum analyze');
  } else {
    await knex.raw('pragma wal_checkpoint(TRUNCATE)');
  }
}

/**
 * Sets one column of many rows by id (derived values known only after other tables were generated,
 * such as last_contact_at): a prepared UPDATE in one transaction on SQLite, UPDATE … FROM unnest in
 * chunks on Postgres.
 */
export async function updateColumn(db: Database, table: string, column: string, ids: number[], values: Array<string | number | null>): Promise<void> {
  if (!ids.length) return;
  if (db.dialect === 'sqlite') {
    const conn: BetterSqlite3.Database = await db.knex.client.acquireConnection();
    try {
      const stmt = conn.prepare(`update ${quote(table)} set ${quote(column)} = ? where id = ?`);
      conn.transaction(() => {
        for (let i = 0; i < ids.length; i++) stmt.run(values[i], ids[i]);
      })();
    } finally {
      db.knex.client.releaseConnection(conn);
    }
    return;
  }
  const conn: pg.Client = await db.knex.client.acquireConnection();
  try {
    const info = await conn.query<{ udt_name: string }>('select udt_name from information_schema.columns where table_schema = current_schema() and table_name = $1 and column_name = $2', [table, column]);
    const type = info.rows[0]?.udt_name;
    if (!type) throw new Error(`table ${table} has no column ${column}`);
    await conn.query('begin');
    try {
      // A million updated rows would each write a new entry into every index of the table (no HOT
      // update once an indexed column changes): drop the secondary indexes, update, build them again.
      const indexes = ids.length >= REBUILD_INDEXES_FROM
        ? (await conn.query<{ indexname: string; indexdef: string }>(
            `select indexname, indexdef from pg_indexes where schemaname = current_schema() and tablename = $1
             and indexname not in (select conname from pg_constraint where conrelid = $2::regclass)`,
            [table, quote(table)],
          )).rows
        : [];
      for (const ix of indexes) await conn.query(`drop index ${quote(ix.indexname)}`);
      await conn.query('set local synchronous_commit = off');
      for (let start = 0; start < ids.length; start += PG_CHUNK * 4) {
        await conn.query(
          `update ${quote(table)} t set ${quote(column)} = v.val from unnest($1::int4[], $2::${type}[]) as v(id, val) where t.id = v.id`,
          [ids.slice(start, start + PG_CHUNK * 4), values.slice(start, start + PG_CHUNK * 4)],
        );
      }
      if (indexes.length) await conn.query("set local maintenance_work_mem = '512MB'");
      for (const ix of indexes) await conn.query(ix.indexdef);
      await conn.query('commit');
    } catch (err) {
      await conn.query('rollback');
      throw err;
    }
  } finally {
    db.knex.client.releaseConnection(conn);
  }
}
