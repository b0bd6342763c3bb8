// Upgrades: pending migrations run behind an automatic backup when the database holds data; a
// failing migration leaves the database exactly as it was (each runs in a transaction on both
// databases), and the previous version still starts on it.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { buildApp } from '../../src/app';
import { buildTestApp } from '../helper';
import { migrationsDir } from '../../src/lib/paths';
import { openDatabase } from '../../src/db/database';
import { migrateWithBackup } from '../../src/backup/upgrade';
import { verifyArchive } from '../../src/backup/verify';
import { dumpTables, fill } from './support';

const NEXT = '20991231000000_next_version.js';

/** The shipped migrations plus one from a "next version". */
function nextVersion(dir: string, body: string): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(migrationsDir)) if (f.endsWith('.js')) fs.copyFileSync(path.join(migrationsDir, f), path.join(dir, f));
  fs.cpSync(path.join(migrationsDir, 'lib'), path.join(dir, 'lib'), { recursive: true });
  fs.writeFileSync(path.join(dir, NEXT), body);
  return dir;
}

t.test('a failing migration leaves the database as it was, after a pre-migration backup', async (t) => {
  const { app, config } = await buildTestApp(t);
  await fill(app);
  await app.close();
  const db = await openDatabase(config);
  t.teardown(() => db.close());
  const before = await dumpTables(db.knex, db.rows, db.dialect);
  const applied = await db.knex('knex_migrations').count({ n: '*' });

  const dir = nextVersion(path.join(config.dataDir, 'next-migrations'), `
exports.up = async function (knex) {
  await knex.schema.createTable('next_things', (t) => { t.increments('id'); t.string('name'); });
  await knex.schema.alterTable('companies', (t) => { t.string('next_column', 20); });
  await knex('companies').update({ name: 'renamed by a broken migration' });
  throw new Error('this migration is broken');
};
exports.down = async function () {};
`);
  await t.rejects(migrateWithBackup(db, config, { directory: dir }), /this migration is broken/);
  const backups = fs.readdirSync(path.join(config.dataDir, 'backups')).filter((f) => f.endsWith('.tar.gz'));
  t.equal(backups.length, 1, 'a backup was taken before migrating');
  t.equal((await verifyArchive(path.join(config.dataDir, 'backups', backups[0]))).ok, true, 'and it is intact');

  t.notOk(await db.knex.schema.hasTable('next_things'), 'the new table is gone');
  t.notOk(await db.knex.schema.hasColumn('companies', 'next_column'), 'the new column is gone');
  t.same(await db.knex('knex_migrations').count({ n: '*' }), applied, 'no migration recorded');
  t.same(await dumpTables(db.knex, db.rows, db.dialect), before, 'every row as it was');
  const lock = await db.knex('knex_migrations_lock').first();
  t.equal(Number(lock.is_locked), 0, 'the migration lock is released');
  await db.close();

  // The previous version (this code, without the broken migration) still starts and serves.
  const again = await buildApp({ config, logger: false });
  t.teardown(() => again.close());
  const login = await again.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'admin@example.com', password: 'Admin-pass-2026!' } });
  t.equal(login.statusCode, 200);
  t.equal((await again.inject({ method: 'GET', url: '/readyz' })).statusCode, 200, 'ready: no migration pending for this version');
});

t.test('a working migration runs after the backup; nothing pending means no backup', async (t) => {
  const { app, config } = await buildTestApp(t);
  await fill(app);
  await app.close();
  const db = await openDatabase(config);
  t.teardown(() => db.close());
  t.same(await migrateWithBackup(db, config), { applied: [], backup: null }, 'up to date: no backup');
  const dir = nextVersion(path.join(config.dataDir, 'next-migrations'), `
exports.up = async function (knex) { await knex.schema.createTable('next_things', (t) => { t.increments('id'); }); };
exports.down = async function (knex) { await knex.schema.dropTable('next_things'); };
`);
  const result = await migrateWithBackup(db, config, { directory: dir });
  t.same(result.applied, [NEXT]);
  t.ok(result.backup, 'a pre-migration backup');
  t.equal(result.backup!.manifest.last_migration, fs.readdirSync(migrationsDir).filter((f) => f.endsWith('.js')).sort().at(-1), 'taken at the previous schema');
  t.ok(await db.knex.schema.hasTable('next_things'));
});
