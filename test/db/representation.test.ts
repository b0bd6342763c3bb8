// One data representation on both databases: the row serializer gives byte-identical JSON for a
// sample row of every table on SQLite and on Postgres, names sort in pinyin order identically on
// both (Postgres created with a non-C default collation), and NULLs sort last on both.
import t, { type Test } from 'tap';
import type { Knex } from 'knex';
import { openDatabase, type Database } from '../../src/db/database';
import { migrateLatest, migrationStatus } from '../../src/db/migrate';
import { sortKey } from '../../src/lib/text';
import { applySortAndCursor, finishPage, type ListSpec } from '../../src/lib/listing';
import { createTestDatabase, type TestDatabase } from '../support/databases';
import { testConfig } from '../helper';

async function open(t: Test, dialect: 'sqlite' | 'postgres'): Promise<Database> {
  const tdb: TestDatabase = await createTestDatabase(dialect);
  const db = await openDatabase(testConfig(tdb));
  t.teardown(async () => {
    await db.close();
    await tdb.drop();
  });
  await migrateLatest(db.knex);
  await db.rows.refresh();
  return db;
}

type Column = { name: string; type: string; nullable: boolean; maxLength: number | null };

async function columnsOf(db: Database, table: string): Promise<Column[]> {
  const info = await db.knex(table).columnInfo();
  return Object.entries(info).map(([name, c]) => ({ name, type: String(c.type).toLowerCase(), nullable: c.nullable, maxLength: c.maxLength ? Number(c.maxLength) : null }));
}

/** A deterministic sample value for a column, from its name and type only. */
function sample(table: string, c: Column, i: number): unknown {
  if (c.type.includes('bool')) return i % 2 === 0;
  if (c.type === 'json' || c.type === 'jsonb') return JSON.stringify({ zeta: 1, alpha: [1, '二'], nested: { b: null, a: true } });
  if (c.type.includes('int') || c.type === 'bigint') return c.name === 'id' ? i + 1 : c.name.endsWith('_id') ? i + 1 : c.type === 'bigint' ? 1234567890123 + i : 1000 + i;
  if (c.name.endsWith('_at')) return `2026-0${(i % 9) + 1}-15T08:30:00.${String(i).padStart(3, '0')}Z`;
  if (c.name === 'key' || c.name === 'name' && table === 'secrets') return `${table}-key-${i}`;
  return `${i}·张三 Zhang ${table}.${c.name}`.slice(0, Math.min(20, c.maxLength ?? 20));
}

async function insertSamples(db: Database, tables: string[]): Promise<void> {
  const columns = new Map<string, Column[]>();
  for (const table of tables) columns.set(table, await columnsOf(db, table));
  // Samples reference nothing real: foreign keys off (SQLite: on the pool's one connection, outside
  // a transaction; Postgres: for this transaction only).
  if (db.dialect === 'sqlite') await db.knex.raw('pragma foreign_keys = off');
  await db.knex.transaction(async (trx) => {
    if (db.dialect === 'postgres') await trx.raw('set local session_replication_role = replica');
    for (const table of tables) {
      // Migrations may seed rows (the default pipeline): the samples are a table's only rows.
      await trx(table).delete();
      for (let i = 0; i < 2; i++) {
        await trx(table).insert(Object.fromEntries(columns.get(table)!.map((c) => [c.name, sample(table, c, i)])));
      }
    }
  });
  if (db.dialect === 'sqlite') await db.knex.raw('pragma foreign_keys = on');
}

t.test('every table serializes byte-identically on SQLite and Postgres', async (t) => {
  const sqlite = await open(t, 'sqlite');
  const pg = await open(t, 'postgres');
  t.same(sqlite.rows.tables(), pg.rows.tables(), 'same tables on both');
  const tables = sqlite.rows.tables();
  t.ok(tables.length >= 10, `found ${tables.length} tables`);

  for (const db of [sqlite, pg]) await insertSamples(db, tables);
  for (const table of tables) {
    const read = async (db: Database) => {
      const cols = (await columnsOf(db, table)).map((c) => c.name).sort();
      const rows = await db.knex(table).select(cols).orderBy(cols[0]).orderBy(cols[1] ?? cols[0]);
      return JSON.stringify(db.rows.many(table, rows));
    };
    const a = await read(sqlite);
    const b = await read(pg);
    t.equal(a, b, `${table}: identical JSON`);
  }
});

const PEOPLE = ['张伟', '王芳', 'alice', '李娜', 'Bob', '阿里', '赵敏', '林', '李明', 'Émile', '曾小贤', '１２３ Trading', 'zoe'];

async function sortedNames(db: Database): Promise<string[]> {
  const { knex } = db;
  await knex.schema.createTable('sort_probe', (tb) => {
    tb.increments('id');
    tb.string('name');
    if (db.dialect === 'postgres') tb.specificType('name_sort', 'varchar(255) collate "C"');
    else tb.string('name_sort');
    tb.string('seen_at').nullable();
  });
  await knex('sort_probe').insert(PEOPLE.map((name, i) => ({ name, name_sort: sortKey(name, { surname: true }), seen_at: i % 3 === 0 ? null : `2026-01-${String(10 + i).padStart(2, '0')}` })));
  return (await knex('sort_probe').orderBy('name_sort').orderBy('id').pluck('name')) as string[];
}

t.test('Chinese names sort in pinyin order, identically on both databases', async (t) => {
  const sqlite = await open(t, 'sqlite');
  const pg = await open(t, 'postgres');
  const collation = await pg.knex.raw('select datlocprovider, daticulocale from pg_database where datname = current_database()');
  t.equal(collation.rows[0].datlocprovider, 'i', 'the Postgres test database has an ICU (non-C) default collation');
  const a = await sortedNames(sqlite);
  const b = await sortedNames(pg);
  t.same(a, b, 'same order on both');
  t.same(a.slice(0, 3), ['１２３ Trading', '阿里', 'alice'], 'digits first, then 阿 (a) beside alice');
  t.ok(a.indexOf('李明') < a.indexOf('李娜') && a.indexOf('李娜') < a.indexOf('林'), 'word by word: li3 ming2 < li3 na4 < lin2');
  t.ok(a.indexOf('曾小贤') > a.indexOf('王芳'), '曾 as a surname reads zeng (after wang), not ceng');
  const byDbCollation = (await pg.knex.raw('select name from sort_probe order by name')).rows.map((r: { name: string }) => r.name);
  t.not(JSON.stringify(byDbCollation), JSON.stringify(b), 'the database collation alone would order differently, so the sort key matters');
});

t.test('NULLs sort last in both directions, with keyset pages identical on both', async (t) => {
  const spec: ListSpec = { table: 'sort_probe', defaultSort: 'seen_at', sorts: { seen_at: { column: 'sort_probe.seen_at', nullable: true } }, filters: {} };
  const pages = async (db: Database, sort: string) => {
    await sortedNames(db).catch(() => undefined);
    const out: string[] = [];
    let cursor: string | undefined;
    do {
      const qb = db.knex('sort_probe').select('id', 'name', 'seen_at');
      const { limit } = applySortAndCursor(qb, spec, { sort, limit: 4, cursor });
      const page = finishPage(await qb, limit, (r) => r.seen_at as string | null);
      out.push(...page.rows.map((r) => r.name as string));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return out;
  };
  const sqlite = await open(t, 'sqlite');
  const pg = await open(t, 'postgres');
  for (const sort of ['seen_at', '-seen_at']) {
    const a = await pages(sqlite, sort);
    const b = await pages(pg, sort);
    t.same(a, b, `${sort}: same order on both`);
    t.equal(new Set(a).size, PEOPLE.length, `${sort}: every row once across pages`);
    const nulls = PEOPLE.filter((_, i) => i % 3 === 0);
    t.same(new Set(a.slice(-nulls.length)), new Set(nulls), `${sort}: NULLs last`);
  }
});

t.test('migrations: status lists nothing pending after boot, and down/up round-trips', async (t) => {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    const db = await open(t, dialect);
    const status = await migrationStatus(db.knex);
    t.same(status.pending, [], `${dialect}: nothing pending`);
    t.ok(status.applied.every((n) => n.endsWith('.js')), `${dialect}: migrations are recorded with their .js names`);
    await db.knex.migrate.rollback({ directory: 'migrations', loadExtensions: ['.js'] }, true);
    t.equal((await migrationStatus(db.knex)).applied.length, 0, `${dialect}: all rolled back`);
    await migrateLatest(db.knex as Knex);
    t.same((await migrationStatus(db.knex)).pending, [], `${dialect}: up again`);
  }
});
