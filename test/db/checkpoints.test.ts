// WAL checkpoints run on a worker thread, not inside a request's commit: the writer checkpoints
// itself only past its bound, and committed pages still reach the database file (SQLite only).
import fs from 'node:fs';
import t from 'tap';
import { openDatabase } from '../../src/db/database';
import { createTestDatabase } from '../support/databases';
import { testConfig } from '../helper';

t.test('a background checkpoint moves committed pages into the database file', { skip: (process.env.KEHU_TEST_DB ?? 'sqlite') !== 'sqlite' && 'SQLite only' }, async (t) => {
  const tdb = await createTestDatabase('sqlite');
  const db = await openDatabase(testConfig(tdb));
  t.teardown(async () => {
    await db.close();
    await tdb.drop();
  });
  const file = db.sqliteFile!;
  const [{ wal_autocheckpoint: bound }] = await db.knex.raw('pragma wal_autocheckpoint');
  t.equal(bound, 10_000, 'the writer checkpoints itself only past 10,000 pages');
  t.equal((await db.knex.raw('pragma synchronous'))[0].synchronous, 2, 'synchronous is still FULL');

  await db.knex.schema.createTable('filler', (table) => {
    table.increments('id');
    table.text('body');
  });
  await new Promise((r) => setTimeout(r, 500));
  const before = fs.statSync(file).size;
  // ~2 MB in one commit: about 500 pages, under SQLite's default bound of 1,000, so without the
  // worker nothing would copy them into the database file.
  await db.knex.transaction(async (trx) => {
    for (let i = 0; i < 20; i++) await trx('filler').insert(Array.from({ length: 10 }, () => ({ body: 'x'.repeat(10_000) })));
  });
  let after = before;
  for (let waited = 0; waited < 5000 && after <= before + 1_000_000; waited += 100) {
    await new Promise((r) => setTimeout(r, 100));
    after = fs.statSync(file).size;
  }
  t.ok(after > before + 1_000_000, `the database file grew from ${before} to ${after} bytes without a checkpoint in the commit`);
  t.equal((await db.knex('filler').count({ n: '*' }))[0].n, 200, 'every row is there');
});
