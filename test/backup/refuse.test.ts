// What restore and verify refuse, and say: a flipped byte, a missing table file, an edited
// manifest, a truncated archive, a newer schema; a non-empty database without --force; and
// --force taking a safety backup first.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { buildTestApp, testConfig } from '../helper';
import { createTestDatabase } from '../support/databases';
import { readTarGz, TarGzWriter } from '../../src/backup/tar';
import { verifyArchive } from '../../src/backup/verify';
import { restoreArchive } from '../../src/backup/restore';
import { commands } from '../../src/cli/commands';
import { openDatabase } from '../../src/db/database';
import { fill } from './support';

const source = { userId: null, ip: 'test', userAgent: 'test', requestId: null };

async function entries(file: string): Promise<Array<{ name: string; body: Buffer }>> {
  const out: Array<{ name: string; body: Buffer }> = [];
  await readTarGz(file, async (e) => void out.push({ name: e.name, body: await e.buffer() }));
  return out;
}

async function repack(list: Array<{ name: string; body: Buffer }>, file: string): Promise<string> {
  const fd = fs.openSync(file, 'w', 0o600);
  const w = new TarGzWriter(fd);
  for (const e of list) await w.addBuffer(e.name, e.body);
  await w.finish();
  fs.closeSync(fd);
  return file;
}

t.test('damaged and newer archives are refused with a clear message', async (t) => {
  const { app, config } = await buildTestApp(t);
  await fill(app);
  const { result } = await app.services.backups.run('manual', source);
  const good = await entries(result.path);
  const dir = path.join(config.dataDir, 'bad');
  fs.mkdirSync(dir);

  // A flipped byte in the compressed file.
  const flipped = path.join(dir, 'flipped.tar.gz');
  const bytes = fs.readFileSync(result.path);
  bytes[Math.floor(bytes.length / 2)] ^= 0xff;
  fs.writeFileSync(flipped, bytes);
  const v1 = await verifyArchive(flipped);
  t.equal(v1.ok, false);
  t.match(v1.problems.join('\n'), /damaged|altered|does not match|truncated/, v1.problems.join('; '));

  // A flipped byte inside a table's data, re-compressed cleanly: only the hash can tell.
  const tampered = good.map((e) => (e.name === 'tables/companies/00001.jsonl' ? { ...e, body: Buffer.from(e.body.toString().replace('深圳市腾云科技有限公司', '深圳市腾云科技有限公同')) } : e));
  const v2 = await verifyArchive(await repack(tampered, path.join(dir, 'tampered.tar.gz')));
  t.same(v2.problems.length, 1);
  t.match(v2.problems[0], /^table companies: SHA-256 [0-9a-f]{64} does not match the manifest's [0-9a-f]{64}: the table's data was altered$/);

  // A missing table file.
  const v3 = await verifyArchive(await repack(good.filter((e) => e.name !== 'tables/contacts/00001.jsonl'), path.join(dir, 'missing.tar.gz')));
  t.match(v3.problems.join('\n'), /table contacts: its file is missing \(tables\/contacts\/00001\.jsonl\)/);

  // An edited manifest (a row count changed).
  const edited = good.map((e) => {
    if (e.name !== 'manifest.json') return e;
    const m = JSON.parse(e.body.toString());
    m.tables.contacts.rows += 1;
    return { ...e, body: Buffer.from(JSON.stringify(m)) };
  });
  const v4 = await verifyArchive(await repack(edited, path.join(dir, 'edited.tar.gz')));
  t.same(v4.problems, ['table contacts: 6 rows in the archive, the manifest says 7']);

  // No manifest at all (a cut-off archive with a clean end), and a truncated gzip stream.
  const v5 = await verifyArchive(await repack(good.filter((e) => e.name !== 'manifest.json'), path.join(dir, 'nomanifest.tar.gz')));
  t.match(v5.problems.join('\n'), /manifest\.json is missing: the archive is incomplete/);
  const cut = path.join(dir, 'cut.tar.gz');
  fs.writeFileSync(cut, fs.readFileSync(result.path).subarray(0, 2000));
  t.match((await verifyArchive(cut)).problems.join('\n'), /truncated/);
  const attachment = good.find((e) => e.name.startsWith('attachments/'))!;
  const v6 = await verifyArchive(await repack(good.map((e) => (e === attachment ? { ...e, body: Buffer.from('swapped') } : e)), path.join(dir, 'att.tar.gz')));
  t.match(v6.problems.join('\n'), /attachments\/[0-9a-f]{2}\/[0-9a-f]{64}: its content does not match its name/);

  // The CLI says the same and fails.
  await t.rejects(commands['backup:verify'].run(config, { _0: path.join(dir, 'edited.tar.gz') }, []), /is damaged:\n  - table contacts: 6 rows in the archive, the manifest says 7/);

  // Restore refuses each, and touches nothing.
  const target = await createTestDatabase();
  t.teardown(() => target.drop());
  const cfg = testConfig(target);
  for (const name of ['flipped', 'tampered', 'missing', 'edited', 'cut']) {
    await t.rejects(restoreArchive({ config: cfg, file: path.join(dir, `${name}.tar.gz`), backupDir: path.join(target.dataDir, 'backups'), source }), /the archive is damaged; nothing was restored/, `${name} is refused`);
  }
  const db = await openDatabase(cfg);
  t.notOk(await db.knex.schema.hasTable('companies'), 'nothing was created');
  await db.close();

  // A newer schema: a migration this version does not know.
  const newer = good.map((e) => {
    if (e.name !== 'manifest.json' && e.name !== 'kehu-backup.json') return e;
    const m = JSON.parse(e.body.toString());
    m.migrations.push('20991231000000_from_the_future.js');
    m.last_migration = '20991231000000_from_the_future.js';
    m.version = '9.0.0';
    return { ...e, body: Buffer.from(JSON.stringify(m)) };
  });
  const newerFile = await repack(newer, path.join(dir, 'newer.tar.gz'));
  t.equal((await verifyArchive(newerFile)).ok, true, 'the newer archive itself is intact');
  await t.rejects(restoreArchive({ config: cfg, file: newerFile, backupDir: path.join(target.dataDir, 'backups'), source }), /made by Kehu 9\.0\.0 with migration 20991231000000_from_the_future\.js, which Kehu [\d.]+ does not know: its schema is newer/);
});

t.test('restore refuses a database with users unless --force, which takes a safety backup first', async (t) => {
  const { app } = await buildTestApp(t);
  await fill(app);
  const { result } = await app.services.backups.run('manual', source);
  const other = await buildTestApp(t);
  await fill(other.app);
  await other.app.core.db.knex('companies').update({ name: '另一家公司' }).where('id', 1);
  await other.app.close();
  const backupDir = path.join(other.config.dataDir, 'backups');
  await t.rejects(
    restoreArchive({ config: other.config, file: result.path, backupDir, source }),
    /the database is not empty \(5 users\): restore only into an empty database, or pass --force/,
  );
  const restored = await restoreArchive({ config: other.config, file: result.path, backupDir, source, force: true });
  t.ok(restored.safetyBackup, 'a safety backup was taken');
  t.equal((await verifyArchive(restored.safetyBackup!.path)).ok, true, 'and it is intact');
  t.equal(restored.safetyBackup!.manifest.tables.companies.rows, 6);
  const db = await openDatabase(other.config);
  t.equal((await db.knex('companies').where('id', 1).first()).name, '深圳市腾云科技有限公司', 'the archive replaced the database');
  await db.close();
  // And the safety backup brings the replaced database back.
  const back = await restoreArchive({ config: other.config, file: restored.safetyBackup!.path, backupDir, source, force: true });
  const db2 = await openDatabase(other.config);
  t.equal((await db2.knex('companies').where('id', 1).first()).name, '另一家公司', 'the safety backup restores the previous database');
  await db2.close();
  t.ok(back.safetyBackup);
});
