// Backup -> restore round trips with every table's content compared: SQLite -> SQLite,
// SQLite -> Postgres, Postgres -> SQLite (the source is KEHU_TEST_DB's database; each target
// dialect is always exercised, so both runs of the suite cover the cross-dialect paths).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import t from 'tap';
import { buildApp } from '../../src/app';
import { buildTestApp, manualClock, testConfig, testDialect } from '../helper';
import { createTestDatabase, type TestDialect } from '../support/databases';
import { openDatabase } from '../../src/db/database';
import { sealAll } from '../../src/audit/sealer';
import { restoreArchive } from '../../src/backup/restore';
import { verifyArchive } from '../../src/backup/verify';
import { commands } from '../../src/cli/commands';
import { dumpTables, fill } from './support';

const source = { userId: null, ip: 'test', userAgent: 'test', requestId: null };

async function indexDefinitions(knex: Knex, dialect: TestDialect): Promise<string[]> {
  const rows = dialect === 'sqlite'
    ? await knex.raw("select name || ': ' || coalesce(sql, 'auto') as d from sqlite_master where type = 'index' order by name")
    : (await knex.raw("select indexname || ': ' || indexdef as d from pg_indexes where schemaname = current_schema() order by indexname")).rows;
  return (rows as Array<{ d: string }>).map((r) => r.d);
}

t.test(`a ${testDialect} backup restores into SQLite and into Postgres with every table intact`, async (t) => {
  const clock = manualClock();
  const { app, config } = await buildTestApp(t, { clock });
  const { token } = await fill(app, clock);
  await sealAll(app.core.db.knex);
  const before = await dumpTables(app.core.db.knex, app.core.db.rows, app.core.db.dialect);
  t.ok(before.companies.length >= 6 && before.contacts.length === 6 && before.attachments.length === 3 && before.audit_checkpoints.length >= 1, 'a realistic spread of data, archived audit months included');
  t.ok(before.companies.some((r) => r.includes('深圳市腾云科技有限公司')), 'Chinese names');

  const { result } = await app.services.backups.run('manual', source);
  t.match(result.file, /^kehu-backup-\d{8}T\d{6}Z-[\d.]+\.tar\.gz$/, 'named by UTC time and version');
  t.equal(fs.statSync(result.path).mode & 0o777, 0o600, 'owner-only');
  t.same(fs.readdirSync(path.dirname(result.path)).filter((f) => f.startsWith('.')), [], 'no temporary file left');
  const m = result.manifest;
  t.equal(m.dialect, testDialect);
  t.equal(m.last_migration, m.migrations.at(-1));
  t.equal(m.tables.contacts.rows, 6);
  t.match(m.tables.contacts.sha256, /^[0-9a-f]{64}$/);
  t.equal(Object.keys(m.files).filter((f) => f.startsWith('attachments/')).length, 2, 'attachments stored once per content');
  t.ok(Object.keys(m.files).some((f) => f.startsWith('audit-archive/')), 'audit archives included');
  t.notOk('knex_migrations' in m.tables, 'knex bookkeeping is not a table of the backup');
  const head = await app.core.db.knex('audit_log').whereNotNull('seq').orderBy('seq', 'desc').first('seq', 'hash');
  t.same(m.audit_head, { seq: Number(head.seq), hash: head.hash }, 'the audit head of the snapshot');
  const verified = await verifyArchive(result.path);
  t.equal(verified.ok, true, verified.problems.join('; '));
  void token;

  for (const target of ['sqlite', 'postgres'] as TestDialect[]) {
    await t.test(`${testDialect} -> ${target}`, async (t) => {
      const db = await createTestDatabase(target);
      t.teardown(() => db.drop());
      const cfg = testConfig(db);
      const restored = await restoreArchive({ config: cfg, file: result.path, backupDir: path.join(db.dataDir, 'backups'), source });
      t.equal(restored.safetyBackup, null, 'an empty database needs no safety backup');
      t.equal(restored.rows, Object.values(m.tables).reduce((s, x) => s + x.rows, 0));
      const opened = await openDatabase(cfg);
      const after = await dumpTables(opened.knex, opened.rows, opened.dialect);
      // The restore loads rows without the secondary indexes and builds them again afterwards.
      if (target === testDialect) t.same(await indexDefinitions(opened.knex, target), await indexDefinitions(app.core.db.knex, target), 'every index is back, as the migrations made it');
      await opened.close();
      for (const table of Object.keys(before)) {
        if (table === 'audit_log' || table === 'audit_values' || table === 'backups') continue;
        t.same(after[table], before[table], `table ${table} is the same`);
      }
      const maxId = Math.max(...before.audit_log.map((r) => JSON.parse(r).id));
      t.same(after.audit_log.filter((r) => JSON.parse(r).id <= maxId), before.audit_log, 'audit_log is the same (plus the restore entry)');
      t.ok(after.audit_log.some((r) => JSON.parse(r).action === 'restore'), 'the restore is audited');
      t.same(after.audit_values.filter((r) => JSON.parse(r).entry_id <= maxId), before.audit_values, 'audit_values are the same');
      for (const f of Object.keys(m.files)) {
        if (f.startsWith('config/')) continue;
        t.ok(fs.existsSync(path.join(db.dataDir, f)), `${f} is back`);
      }

      // The restored Kehu starts, verifies its audit chain (kehu audit:verify), serves the data, and writes new rows.
      const lines: string[] = [];
      const log = console.log;
      console.log = (...a: unknown[]) => void lines.push(a.join(' '));
      try {
        await commands['audit:verify'].run(cfg, {}, []);
      } finally {
        console.log = log;
      }
      t.match(lines.join('\n'), /audit chain intact/, 'kehu audit:verify passes');
      const app2 = await buildApp({ config: cfg, logger: false });
      t.teardown(() => app2.close());
      const login = await app2.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'admin@example.com', password: 'Admin-pass-2026!' } });
      t.equal(login.statusCode, 200, 'the admin signs in with the restored password');
      const tok = login.json().data.token;
      const list = await app2.inject({ method: 'GET', url: '/api/v1/companies?limit=50', headers: { authorization: `Bearer ${tok}` } });
      t.ok(list.json().data.some((c: { name: string }) => c.name === '深圳市腾云科技有限公司'), 'companies are served');
      const created = await app2.inject({ method: 'POST', url: '/api/v1/companies', headers: { authorization: `Bearer ${tok}` }, payload: { name: '新公司' } });
      t.equal(created.statusCode, 201, 'new rows get fresh ids (sequences were reset)');
      for (const a of before.attachments.map((r) => JSON.parse(r))) {
        const content = await app2.inject({ method: 'GET', url: `/api/v1/attachments/${a.id}/content`, headers: { authorization: `Bearer ${tok}` } });
        t.equal(content.statusCode, 200, `attachment ${a.file_name} is served`);
        t.equal(crypto.createHash('sha256').update(content.rawPayload).digest('hex'), a.sha256, 'with its content');
      }
    });
  }
});
