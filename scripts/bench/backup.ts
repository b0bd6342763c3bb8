// Backup and restore timings on a generated database (npm run bench:data): kehu backup of the
// SQLite file, backup:verify, restore into a fresh SQLite file and a fresh Postgres database.
// Usage: tsx scripts/bench/backup.ts <kehu.db> [--pg postgres://postgres@127.0.0.1:5432/postgres] [--work DIR]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../src/config/load';
import { openDatabase } from '../../src/db/database';
import { createBackup } from '../../src/backup/create';
import { verifyArchive } from '../../src/backup/verify';
import { restoreArchive } from '../../src/backup/restore';

const args = process.argv.slice(2);
const file = path.resolve(args[0]);
const pgAdmin = args.includes('--pg') ? args[args.indexOf('--pg') + 1] : 'postgres://postgres@127.0.0.1:5432/postgres';
const work = args.includes('--work') ? path.resolve(args[args.indexOf('--work') + 1]) : fs.mkdtempSync(path.join(os.tmpdir(), 'kehu-backup-bench-'));
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : ['backup', 'verify', 'sqlite', 'postgres'];
const source = { userId: null, ip: 'bench', userAgent: 'bench', requestId: null };
const cfg = (dataDir: string, databaseUrl: string) => loadConfig({ env: {}, overrides: { dataDir, databaseUrl, logLevel: 'silent' } }).config;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main() {
  fs.mkdirSync(work, { recursive: true });
  let archive = fs.readdirSync(work).find((f) => f.endsWith('.tar.gz')) ? path.join(work, fs.readdirSync(work).find((f) => f.endsWith('.tar.gz'))!) : '';
  if (only.includes('backup')) {
    const db = await openDatabase(cfg(path.dirname(file), `sqlite:${file}`));
    const t0 = Date.now();
    const r = await createBackup({ db, dataDir: path.dirname(file), dir: work });
    await db.close();
    archive = r.path;
    const rows = Object.values(r.manifest.tables).reduce((s, t) => s + t.rows, 0);
    console.log(`backup: ${secs(Date.now() - t0)}, ${rows} rows, archive ${(r.size / 1048576).toFixed(0)} MB, db ${(fs.statSync(file).size / 1048576).toFixed(0)} MB`);
  }
  if (only.includes('verify')) {
    const t0 = Date.now();
    const v = await verifyArchive(archive);
    console.log(`verify: ${secs(Date.now() - t0)}, ok=${v.ok} ${v.problems.join('; ')}`);
  }
  if (only.includes('sqlite')) {
    const dir = path.join(work, 'restore-sqlite');
    fs.rmSync(dir, { recursive: true, force: true });
    const t0 = Date.now();
    const r = await restoreArchive({ config: cfg(dir, ''), file: archive, backupDir: path.join(dir, 'backups'), source });
    console.log(`restore into SQLite: ${secs(Date.now() - t0)} (${r.rows} rows; includes its own verify pass and the read-back check)`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (only.includes('postgres')) {
    const name = `kehu_bench_restore_${process.pid}`;
    const admin = new pg.Client({ connectionString: pgAdmin });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(pgAdmin);
    url.pathname = `/${name}`;
    const dir = path.join(work, 'restore-pg');
    try {
      const t0 = Date.now();
      const r = await restoreArchive({ config: cfg(dir, url.toString()), file: archive, backupDir: path.join(dir, 'backups'), source });
      console.log(`restore into Postgres: ${secs(Date.now() - t0)} (${r.rows} rows)`);
    } finally {
      const c = new pg.Client({ connectionString: pgAdmin });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
