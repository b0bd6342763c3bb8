// The fixed-SQL reader (db/reader.ts): on SQLite a worker thread with its own read-only connection,
// on Postgres named prepared statements. Both give rows as objects, see every commit at once and
// read past a write transaction that is still open; errors arrive with their message and code.
import t, { type Test } from 'tap';
import { openDatabase, type Database } from '../../src/db/database';
import { createTestDatabase } from '../support/databases';
import { testConfig, testDialect } from '../helper';

async function open(t: Test): Promise<Database> {
  const tdb = await createTestDatabase(testDialect);
  const db = await openDatabase(testConfig(tdb));
  t.teardown(async () => {
    await db.close();
    await tdb.drop();
  });
  await db.knex.schema.createTable('things', (table) => {
    table.increments('id');
    table.text('name');
    table.boolean('done');
    table.binary('data');
  });
  return db;
}

t.test('rows come back as objects of their columns, with parameters bound as Knex binds them', async (t) => {
  const db = await open(t);
  await db.knex('things').insert([{ name: '张三', done: true, data: Buffer.from([1, 2, 3]) }, { name: 'Li', done: false, data: null }]);
  const rows = await db.read.all<{ id: number; name: string; data: Buffer | null }>('select id, name, data from things where done = ? order by id', [true]);
  t.same(rows.map((r) => ({ id: r.id, name: r.name })), [{ id: 1, name: '张三' }]);
  t.ok(Buffer.isBuffer(rows[0].data), 'a blob is a Buffer');
  t.same([...rows[0].data!], [1, 2, 3]);
  t.same(await db.read.built(db.knex('things').select('name').where('id', '>', 1)), [{ name: 'Li' }], 'a Knex-built read');
  // The same statement again: its prepared form and row shape are reused.
  t.same((await db.read.all<{ name: string }>('select id, name, data from things where done = ? order by id', [false])).map((r) => r.name), ['Li']);
  // Values JSON would not carry as they are (the SQLite reader sends plain rows as JSON).
  const odd = await db.read.all<{ big: number; neg: number; s: string }>(testDialect === 'sqlite' ? "select 9e999 as big, -9e999 as neg, '\"引号\"\n' as s" : "select 'Infinity'::float8 as big, '-Infinity'::float8 as neg, '\"引号\"\n' as s", []);
  t.same(odd, [{ big: Infinity, neg: -Infinity, s: '"引号"\n' }], 'infinities and quoted text come back as they are');
  const many = await Promise.all(Array.from({ length: 50 }, (_, i) => db.read.all<{ n: number }>('select count(*) + ? as n from things', [i])));
  t.same(many.map((r) => Number(r[0].n)), Array.from({ length: 50 }, (_, i) => i + 2), 'concurrent reads each get their own answer');
});

t.test('a read sees every commit, and reads past a write transaction still open', async (t) => {
  const db = await open(t);
  const count = async () => Number((await db.read.all<{ n: number }>('select count(*) as n from things', []))[0].n);
  t.equal(await count(), 0);
  await db.knex('things').insert({ name: 'a' });
  t.equal(await count(), 1, 'a read right after a commit sees it');
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let inserted!: () => void;
  const insertedNow = new Promise<void>((r) => (inserted = r));
  const trx = db.knex.transaction(async (trx) => {
    await trx('things').insert({ name: 'b' });
    inserted();
    await held;
  });
  await insertedNow;
  t.equal(await count(), 1, 'the open transaction is neither waited for nor seen');
  release();
  await trx;
  t.equal(await count(), 2, 'seen once committed');
});

t.test('a bad statement fails with the database\'s message and code, and the reader goes on', async (t) => {
  const db = await open(t);
  await t.rejects(db.read.all('select nope from things', []), /nope/);
  if (db.dialect === 'sqlite') {
    const err = await db.read.all('select nope from things', []).catch((e: Error & { code?: string }) => e);
    t.equal((err as { code?: string }).code, 'SQLITE_ERROR');
    await t.rejects(db.read.all('delete from things returning id', []), /readonly|read-only|query_only|attempt to write/i, 'the read connection never writes');
  }
  t.same(await db.read.all('select 1 as one', []), [{ one: 1 }], 'later reads still work');
});

t.test('closing waits for reads already sent', async (t) => {
  const tdb = await createTestDatabase(testDialect);
  t.teardown(() => tdb.drop());
  const db = await openDatabase(testConfig(tdb));
  const reads = Promise.all(Array.from({ length: 20 }, () => db.read.all<{ one: number }>('select 1 as one', [])));
  await db.close();
  t.same((await reads).map((r) => r[0].one), Array(20).fill(1));
});

t.test('a slow read does not hold up a short one sent after it', async (t) => {
  const db = await open(t);
  // Counting to a few million in a recursive query takes SQLite and Postgres a good part of a second.
  const slow = db.read.all<{ n: number }>('with recursive c(n) as (select 1 union all select n + 1 from c where n < ?) select count(*) as n from c', [3_000_000]);
  const order: string[] = [];
  void slow.then(() => order.push('slow'));
  const short = await db.read.all<{ one: number }>('select 1 as one', []);
  order.push('short');
  t.same(short, [{ one: 1 }]);
  t.equal(Number((await slow)[0].n), 3_000_000);
  t.same(order, ['short', 'slow'], 'the short read answered while the slow one still ran');
});
