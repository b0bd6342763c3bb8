// `kehu restore FILE [--force]`: verifies the whole archive first, refuses a newer schema than this
// version knows, checks free space, and restores only into an empty database (no users) unless
// --force, which takes a safety backup of the current one first. The schema is rebuilt by running
// migrations up to the archive's last one; rows go in parents-first in one transaction (links that
// point forward, like users <-> teams, are filled in at the end), then every table's count and
// SHA-256 is checked against the manifest before the commit. Files are copied back, the audit
// head is recorded, and the remaining migrations run. Works across dialects: SQLite <-> Postgres.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import type Sqlite from 'better-sqlite3';
import type { Config } from '../config/schema';
import { openDatabase, type Database } from '../db/database';
import { migrateLatest } from '../db/migrate';
import { migrationsDir, packageJson } from '../lib/paths';
import { archiveDir } from '../audit/archive';
import { createAuditWriter, type AuditSource } from '../audit/writer';
import { systemClock } from '../lib/time';
import { readTarGz } from './tar';
import { verifyArchive } from './verify';
import { createBackup, fsyncDir, type BackupResult, type Manifest } from './create';
import { all, describeTables, quoteIdent as q, readRows, SKIPPED, type Conn, type TableInfo } from './tables';

export class RestoreRefused extends Error {}

export interface RestoreOptions {
  config: Config;
  file: string;
  force?: boolean;
  /** Where --force puts its safety backup. */
  backupDir: string;
  source: AuditSource;
  log?: (line: string) => void;
}

export interface RestoreResult {
  manifest: Manifest;
  rows: number;
  files: number;
  migrationsAfter: string[];
  safetyBackup: BackupResult | null;
  durationMs: number;
}

const MIGRATIONS = { directory: migrationsDir, loadExtensions: ['.js'], tableName: 'knex_migrations' };

export function knownMigrations(): string[] {
  return fs.readdirSync(migrationsDir).filter((f) => f.endsWith('.js')).sort();
}

/** Refuses an archive whose schema this version cannot rebuild (made by a newer Kehu). */
export function checkSchema(manifest: Manifest): void {
  const known = knownMigrations();
  const unknown = manifest.migrations.filter((m) => !known.includes(m));
  if (unknown.length) {
    throw new RestoreRefused(`the archive was made by Kehu ${manifest.version} with migration ${unknown.at(-1)}, which Kehu ${packageJson.version} does not know: its schema is newer. Restore it with Kehu ${manifest.version} or newer`);
  }
  if (manifest.migrations.some((m, i) => known[i] !== m)) {
    throw new RestoreRefused(`the archive's migrations (${manifest.migrations.join(', ')}) are not the ones this version applies in order: restore it with Kehu ${manifest.version}`);
  }
}

const MB = 1024 * 1024;

function checkFreeSpace(dir: string, need: number, what: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const s = fs.statfsSync(dir);
  const free = Number(s.bavail) * Number(s.bsize);
  if (free < need) throw new RestoreRefused(`not enough free disk space in ${dir} for ${what}: about ${Math.ceil(need / MB)} MB needed, ${Math.floor(free / MB)} MB free`);
}

async function userCount(knex: Knex): Promise<number> {
  if (!(await knex.schema.hasTable('users'))) return 0;
  const [{ n }] = await knex('users').count({ n: '*' });
  return Number(n);
}

async function dropEverything(db: Database): Promise<void> {
  const { knex } = db;
  if (db.dialect === 'sqlite') {
    const names: Array<{ name: string; type: string }> = await knex.raw("select name, type from sqlite_master where type in ('table', 'view') and name not like 'sqlite_%'");
    await knex.raw('pragma foreign_keys = off');
    try {
      for (const t of names) await knex.raw(`drop ${t.type} if exists ${q(t.name)}`);
    } finally {
      await knex.raw('pragma foreign_keys = on');
    }
    return;
  }
  const names: Array<{ table_name: string }> = (await knex.raw("select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'")).rows;
  await knex.transaction(async (trx) => {
    for (const t of names) await trx.raw(`drop table if exists ${q(t.table_name)} cascade`);
  });
}

/** A value as the target database takes it. */
function bindValue(info: TableInfo, column: string, v: unknown, dialect: 'sqlite' | 'postgres'): unknown {
  if (v === null || v === undefined) return null;
  const kind = info.kinds.get(column);
  if (kind === 'json') return JSON.stringify(v);
  if (kind === 'boolean') return dialect === 'sqlite' ? (v ? 1 : 0) : Boolean(v);
  if (typeof v === 'object') return JSON.stringify(v);
  return v;
}

interface Inserter {
  add(values: unknown[]): Promise<void>;
  flush(): Promise<void>;
}

function inserter(conn: Conn, info: TableInfo, columns: string[]): Inserter {
  const cols = columns.map(q).join(', ');
  if (conn.dialect === 'sqlite') {
    const stmt = conn.db.prepare(`insert into ${q(info.name)} (${cols}) values (${columns.map(() => '?').join(', ')})`);
    return {
      async add(values) {
        stmt.run(...values);
      },
      async flush() {},
    };
  }
  const per = Math.max(1, Math.floor(30000 / columns.length));
  let pending: unknown[][] = [];
  const flush = async () => {
    if (!pending.length) return;
    const rows = pending;
    pending = [];
    const placeholders = rows.map((r) => `(${r.map(() => '?').join(', ')})`).join(', ');
    await conn.trx.raw(`insert into ${q(info.name)} (${cols}) values ${placeholders}`, rows.flat() as Knex.RawBinding[]);
  };
  return {
    async add(values) {
      pending.push(values);
      if (pending.length >= per) await flush();
    },
    flush,
  };
}

async function run(conn: Conn, sql: string, params: unknown[] = []): Promise<void> {
  if (conn.dialect === 'sqlite') conn.db.prepare(sql).run(...params);
  else await conn.trx.raw(sql, params as Knex.RawBinding[]);
}

/** Writes a file from the archive into place: temporary name, fsync, rename (mode 0600). */
async function extract(entry: { each(fn: (b: Buffer) => void | Promise<void>): Promise<void> }, target: string): Promise<void> {
  fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.restore`);
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    await entry.each((b) => {
      fs.writeSync(fd, b);
    });
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, target);
}

function writeHead(dir: string, head: { seq: number; hash: string }, at: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'HEAD');
  if (head.seq === 0) {
    fs.rmSync(file, { force: true });
    return;
  }
  const tmp = path.join(dir, `.HEAD.${process.pid}.restore`);
  fs.writeFileSync(tmp, JSON.stringify({ seq: head.seq, hash: head.hash, at }) + '\n', { mode: 0o600 });
  const fd = fs.openSync(tmp, 'r');
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
  fsyncDir(dir);
}

export async function restoreArchive(options: RestoreOptions): Promise<RestoreResult> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const { config } = options;

  log(`verifying ${options.file} ...`);
  const verified = await verifyArchive(options.file);
  if (!verified.ok || !verified.manifest) {
    throw new RestoreRefused(`the archive is damaged; nothing was restored:\n  - ${verified.problems.join('\n  - ')}`);
  }
  const manifest = verified.manifest;
  checkSchema(manifest);

  const fileBytes = Object.values(manifest.files).reduce((s, f) => s + f.size, 0);
  const tableBytes = Object.values(manifest.tables).reduce((s, t) => s + t.bytes, 0);
  const db = await openDatabase(config);
  let safetyBackup: BackupResult | null = null;
  try {
    // Tables with their indexes take about twice their JSON size in SQLite; files take their size.
    const dbDir = db.dialect === 'sqlite' ? path.dirname(db.sqliteFile!) : null;
    if (dbDir && dbDir === config.dataDir) checkFreeSpace(config.dataDir, 2 * tableBytes + fileBytes + 16 * MB, 'the database and files');
    else {
      checkFreeSpace(config.dataDir, fileBytes + 16 * MB, 'the attachments and audit archives');
      if (dbDir) checkFreeSpace(dbDir, 2 * tableBytes + 16 * MB, 'the database');
    }

    const users = await userCount(db.knex);
    if (users > 0) {
      if (!options.force) {
        throw new RestoreRefused(`the database is not empty (${users} user${users === 1 ? '' : 's'}): restore only into an empty database, or pass --force to replace it (a safety backup of the current database is taken first)`);
      }
      log('taking a safety backup of the current database ...');
      safetyBackup = await createBackup({ db, dataDir: config.dataDir, dir: options.backupDir });
      log(`safety backup: ${safetyBackup.path}`);
    }

    log('rebuilding the schema ...');
    await dropEverything(db);
    for (const name of manifest.migrations) await db.knex.migrate.up({ ...MIGRATIONS, name });

    log('restoring rows ...');
    let rows = 0;
    let files = 0;
    if (db.dialect === 'sqlite') {
      const client = db.knex.client as { acquireConnection(): Promise<Sqlite.Database>; releaseConnection(c: Sqlite.Database): Promise<void> };
      const raw = await client.acquireConnection();
      try {
        raw.exec('begin immediate');
        try {
          ({ rows, files } = await loadRows({ dialect: 'sqlite', db: raw }, options.file, manifest, config.dataDir));
          const broken = raw.prepare('pragma foreign_key_check').all();
          if (broken.length) throw new Error(`foreign keys do not hold after the restore: ${JSON.stringify(broken.slice(0, 5))}`);
          raw.exec('commit');
        } catch (err) {
          if (raw.inTransaction) raw.exec('rollback');
          throw err;
        }
      } finally {
        await client.releaseConnection(raw);
      }
    } else {
      const trx = await db.knex.transaction();
      try {
        ({ rows, files } = await loadRows({ dialect: 'postgres', trx }, options.file, manifest, config.dataDir));
        await resetSequences(trx);
        await trx.commit();
      } catch (err) {
        await trx.rollback().catch(() => undefined);
        throw err;
      }
    }
    writeHead(archiveDir(config.dataDir), manifest.audit_head, manifest.created_at);

    log('applying the remaining migrations ...');
    const migrationsAfter = await migrateLatest(db.knex);
    await createAuditWriter(systemClock).record(db.knex, options.source, {
      action: 'restore',
      recordType: 'system',
      recordId: path.basename(options.file).slice(0, 64),
      changes: { backup: [null, { file: path.basename(options.file), created_at: manifest.created_at, version: manifest.version, dialect: manifest.dialect, rows, safety_backup: safetyBackup?.file ?? null }] },
    });
    return { manifest, rows, files, migrationsAfter, safetyBackup, durationMs: Date.now() - started };
  } finally {
    await db.close();
  }
}

async function resetSequences(trx: Knex.Transaction): Promise<void> {
  const seqs: Array<{ table_name: string; column_name: string; seq: string }> = (
    await trx.raw(`select table_name, column_name, pg_get_serial_sequence(quote_ident(table_name), column_name) as seq
      from information_schema.columns where table_schema = current_schema() and column_default like 'nextval(%'`)
  ).rows;
  for (const s of seqs) {
    if (!s.seq) continue;
    await trx.raw(`select setval(?, coalesce((select max(${q(s.column_name)}) from ${q(s.table_name)}), 0) + 1, false)`, [s.seq]);
  }
}

/**
 * Triggers keep summary rows in step with their table (deal_stage_totals with deals). The archive
 * holds those rows as they were, so the triggers are held off while rows go out and in: they would
 * count every deal a second time. Returns what puts them back.
 */
async function triggersOff(conn: Conn): Promise<() => Promise<void>> {
  if (conn.dialect === 'sqlite') {
    const triggers = (await all(conn, "select name, sql from sqlite_master where type = 'trigger' order by name")) as Array<{ name: string; sql: string }>;
    for (const t of triggers) await run(conn, `drop trigger ${q(t.name)}`);
    return async () => {
      for (const t of triggers) await run(conn, t.sql);
    };
  }
  const tables = (await all(conn, `select distinct c.relname as name from pg_trigger g join pg_class c on c.oid = g.tgrelid
    where not g.tgisinternal and c.relnamespace = current_schema()::regnamespace order by 1`)).map((r) => r.name as string);
  for (const t of tables) await run(conn, `alter table ${q(t)} disable trigger user`);
  return async () => {
    for (const t of tables) await run(conn, `alter table ${q(t)} enable trigger user`);
  };
}

/** The schema's indexes other than those behind a primary key or unique constraint, with the SQL that makes each. */
async function secondaryIndexes(conn: Conn): Promise<Array<{ name: string; sql: string }>> {
  if (conn.dialect === 'sqlite') {
    return (await all(conn, "select name, sql from sqlite_master where type = 'index' and sql is not null order by name")) as Array<{ name: string; sql: string }>;
  }
  return (await all(conn, `select indexname as name, indexdef as sql from pg_indexes where schemaname = current_schema()
    and indexname not in (select conname from pg_constraint where connamespace = current_schema()::regnamespace) order by indexname`)) as Array<{ name: string; sql: string }>;
}

/** The second pass over the archive: rows into the tables, files into place; then checks. */
async function loadRows(conn: Conn, file: string, manifest: Manifest, dataDir: string): Promise<{ rows: number; files: number }> {
  const infos = new Map((await describeTables(conn)).map((t) => [t.name, t]));
  const expected = Object.keys(manifest.tables).sort();
  const have = [...infos.keys()].filter((n) => !SKIPPED(n)).sort();
  if (expected.join() !== have.join()) {
    throw new Error(`the rebuilt schema's tables (${have.join(', ')}) differ from the archive's (${expected.join(', ')})`);
  }
  for (const name of expected) {
    const cols = infos.get(name)!.columns;
    if (cols.join() !== manifest.tables[name].columns.join()) throw new Error(`table ${name}: the rebuilt columns (${cols.join(', ')}) differ from the archive's (${manifest.tables[name].columns.join(', ')})`);
  }

  const triggersBack = await triggersOff(conn);
  // Migrations may seed rows (default values of a new table); the archive holds the full content.
  if (conn.dialect === 'postgres') await run(conn, `truncate table ${expected.map(q).join(', ')}`);
  else {
    conn.db.pragma('defer_foreign_keys = on');
    for (const name of [...manifest.table_order].reverse()) await run(conn, `delete from ${q(name)}`);
  }

  // Rows go in without the secondary indexes, which are built again afterwards from their own
  // definitions: one sorted build per index instead of millions of random inserts into each
  // (a 1 M-contact archive took 17 minutes into SQLite with them in place).
  const indexes = await secondaryIndexes(conn);
  for (const ix of indexes) await run(conn, `drop index ${q(ix.name)}`);

  const deferred = new Map<string, Array<{ key: unknown[]; set: Record<string, unknown> }>>();
  let current: { info: TableInfo; ins: Inserter; defer: string[]; deferIdx: number[]; pkIdx: number[] } | null = null;
  let rows = 0;
  let files = 0;
  const attachmentsRoot = path.join(dataDir, 'attachments');
  const auditDir = archiveDir(dataDir);

  const start = (name: string) => {
    const info = infos.get(name)!;
    const before = new Set(manifest.table_order.slice(0, manifest.table_order.indexOf(name)));
    const defer = [...info.fks.entries()].filter(([, ref]) => ref === name || !before.has(ref)).map(([col]) => col);
    for (const col of defer) if (!info.nullable.has(col)) throw new Error(`table ${name}: ${col} refers to a table restored later and cannot be left empty meanwhile`);
    const idx = (c: string) => info.columns.indexOf(c);
    return { info, ins: inserter(conn, info, info.columns), defer, deferIdx: defer.map(idx), pkIdx: info.pk.map(idx) };
  };
  const finishTable = async () => {
    if (current) await current.ins.flush();
    current = null;
  };

  await readTarGz(file, async (entry) => {
    const part = /^tables\/([a-z0-9_]+)\/\d{5}\.jsonl$/.exec(entry.name);
    if (part) {
      if (!current || current.info.name !== part[1]) {
        await finishTable();
        current = start(part[1]);
      }
      const c = current!;
      const text = (await entry.buffer()).toString('utf8');
      for (const line of text.split('\n')) {
        if (!line) continue;
        const values = JSON.parse(line) as unknown[];
        const bound = values.map((v, i) => bindValue(c.info, c.info.columns[i], v, conn.dialect));
        if (c.deferIdx.length) {
          const set: Record<string, unknown> = {};
          for (let k = 0; k < c.deferIdx.length; k++) {
            const i = c.deferIdx[k];
            if (bound[i] !== null) set[c.defer[k]] = bound[i];
            bound[i] = null;
          }
          if (Object.keys(set).length) {
            const list = deferred.get(c.info.name) ?? [];
            list.push({ key: c.pkIdx.map((i) => bound[i]), set });
            deferred.set(c.info.name, list);
          }
        }
        await c.ins.add(bound);
        rows++;
      }
      return;
    }
    await finishTable();
    if (/^attachments\/[0-9a-f]{2}\/[0-9a-f]{64}$/.test(entry.name)) {
      await extract(entry, path.join(attachmentsRoot, entry.name.slice('attachments/'.length)));
      files++;
    } else if (/^audit-archive\/[^/]+$/.test(entry.name)) {
      await extract(entry, path.join(auditDir, entry.name.slice('audit-archive/'.length)));
      files++;
    }
  });
  await finishTable();

  // Links that pointed at rows restored later (a user's team, a team's parent or creator).
  for (const [name, list] of deferred) {
    const info = infos.get(name)!;
    for (const { key, set } of list) {
      const cols = Object.keys(set);
      await run(conn, `update ${q(name)} set ${cols.map((c) => `${q(c)} = ?`).join(', ')} where ${info.pk.map((k) => `${q(k)} = ?`).join(' and ')}`, [...cols.map((c) => set[c]), ...key]);
    }
  }

  if (conn.dialect === 'postgres' && indexes.length) await run(conn, "set local maintenance_work_mem = '256MB'");
  for (const ix of indexes) await run(conn, ix.sql);
  await triggersBack();

  // Every table read back must match the manifest: the same rows in the same canonical form.
  for (const name of expected) {
    const info = infos.get(name)!;
    const hash = crypto.createHash('sha256');
    let n = 0;
    for await (const batch of readRows(conn, info)) {
      for (const row of batch) hash.update(JSON.stringify(row) + '\n');
      n += batch.length;
    }
    const want = manifest.tables[name];
    if (n !== want.rows) throw new Error(`table ${name}: ${n} rows after the restore, the manifest says ${want.rows}`);
    const sha = hash.digest('hex');
    if (sha !== want.sha256) throw new Error(`table ${name}: the restored rows' SHA-256 ${sha} differs from the manifest's ${want.sha256}`);
  }
  return { rows, files };
}
