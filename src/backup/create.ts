// `kehu backup`: one .tar.gz holding a consistent snapshot of every table (one JSON-lines part per
// ≤ 50,000 rows, in a form both databases read back the same), the attachments and audit archive
// files the snapshot refers to, the config file, and a manifest with counts and SHA-256s.
// SQLite: one read transaction on a read-only connection (WAL: writers carry on; the snapshot is
// exactly the database at its first read, with no full-size temporary copy); Postgres: one
// REPEATABLE READ, READ ONLY transaction. Written to a hidden temporary name, fsynced, renamed.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import type { Knex } from 'knex';
import type { Database } from '../db/database';
import { packageJson } from '../lib/paths';
import { archiveDir } from '../audit/archive';
import { GENESIS_HASH } from '../audit/chain';
import { currentHead } from '../audit/store';
import { TarGzWriter } from './tar';
import { all, describeTables, dependencyOrder, readRows, type Conn, type TableInfo } from './tables';

export const FORMAT = 1;
export const HEADER_FILE = 'kehu-backup.json';
export const MANIFEST_FILE = 'manifest.json';
export const PART_ROWS = 50_000;
export const PART_BYTES = 32 << 20;

export interface TableManifest {
  rows: number;
  sha256: string;
  bytes: number;
  columns: string[];
  parts: string[];
}

export interface FileManifest {
  size: number;
  sha256: string;
}

export interface BackupHeader {
  format: number;
  product: 'kehu';
  version: string;
  dialect: 'sqlite' | 'postgres';
  created_at: string;
  last_migration: string | null;
  migrations: string[];
}

export interface Manifest extends BackupHeader {
  audit_head: { seq: number; hash: string };
  table_order: string[];
  tables: Record<string, TableManifest>;
  files: Record<string, FileManifest>;
  warnings: string[];
}

export interface BackupResult {
  file: string;
  path: string;
  size: number;
  manifest: Manifest;
  durationMs: number;
}

export const ARCHIVE_NAME = /^kehu-backup-(\d{8}T\d{6}Z)-([0-9A-Za-z.+-]+?)(?:-(\d+))?\.tar\.gz$/;

export function archiveName(at: Date, n = 0): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `kehu-backup-${stamp}-${packageJson.version}${n ? `-${n}` : ''}.tar.gz`;
}

export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** A consistent read of the whole database, and how to end it. */
export interface Snapshot {
  conn: Conn;
  close(): Promise<void>;
}

export async function openSnapshot(db: Database): Promise<Snapshot> {
  if (db.dialect === 'sqlite') {
    const raw = new Sqlite(db.sqliteFile!, { readonly: true, fileMustExist: true });
    raw.pragma('busy_timeout = 10000');
    raw.exec('begin');
    // The snapshot starts at the first read, not at BEGIN.
    raw.prepare('select count(*) from sqlite_master').get();
    return {
      conn: { dialect: 'sqlite', db: raw },
      close: async () => {
        try {
          raw.exec('commit');
        } finally {
          raw.close();
        }
      },
    };
  }
  const trx = await db.knex.transaction();
  try {
    await trx.raw('set transaction isolation level repeatable read, read only');
  } catch (err) {
    await trx.rollback().catch(() => undefined);
    throw err;
  }
  return { conn: { dialect: 'postgres', trx }, close: async () => void (await trx.rollback().catch(() => undefined)) };
}

export async function appliedMigrations(conn: Conn): Promise<string[]> {
  const rows = await all(conn, 'select name from knex_migrations order by id');
  return rows.map((r) => r.name as string);
}

/** The chain's head as the snapshot sees it (currentHead in audit/store.ts, on a raw connection too). */
async function auditHead(conn: Conn): Promise<{ seq: number; hash: string }> {
  if (conn.dialect === 'postgres') {
    return currentHead(conn.trx as unknown as Knex);
  }
  const row = (await all(conn, 'select seq, hash from audit_log where seq is not null order by seq desc limit 1'))[0];
  if (row) return { seq: Number(row.seq), hash: row.hash };
  const cp = (await all(conn, 'select through_seq, head_hash from audit_checkpoints order by through_seq desc limit 1'))[0];
  return cp ? { seq: Number(cp.through_seq), hash: cp.head_hash } : { seq: 0, hash: GENESIS_HASH };
}

export interface CreateOptions {
  db: Database;
  dataDir: string;
  /** Where the archive goes (created 0700 if missing). */
  dir: string;
  now?: () => Date;
  /** The config file to include (KEHU_CONFIG), if any. */
  configFile?: string;
  gzipLevel?: number;
  /** Test hook: called after each table part is written. */
  onPart?: (table: string, part: string) => void | Promise<void>;
}

export async function createBackup(options: CreateOptions): Promise<BackupResult> {
  const started = Date.now();
  const now = options.now ?? (() => new Date());
  const createdAt = now();
  fs.mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  let n = 0;
  let file = archiveName(createdAt);
  while (fs.existsSync(path.join(options.dir, file))) file = archiveName(createdAt, ++n);
  const finalPath = path.join(options.dir, file);
  const tmpPath = path.join(options.dir, `.${file}.${process.pid}.partial`);
  const fd = fs.openSync(tmpPath, 'wx', 0o600);
  const writer = new TarGzWriter(fd, options.gzipLevel ?? 3);
  let snapshot: Snapshot | null = null;
  let done = false;
  try {
    snapshot = await openSnapshot(options.db);
    const conn = snapshot.conn;
    const migrations = await appliedMigrations(conn);
    const header: BackupHeader = {
      format: FORMAT,
      product: 'kehu',
      version: packageJson.version,
      dialect: options.db.dialect,
      created_at: createdAt.toISOString(),
      last_migration: migrations.at(-1) ?? null,
      migrations,
    };
    await writer.addBuffer(HEADER_FILE, Buffer.from(JSON.stringify(header, null, 2) + '\n'), createdAt);
    const infos = await describeTables(conn);
    const byName = new Map(infos.map((t) => [t.name, t]));
    const order = dependencyOrder(infos);
    const tables: Record<string, TableManifest> = {};
    for (const name of order) tables[name] = await dumpTable(writer, conn, byName.get(name)!, createdAt, options.onPart);
    const head = await auditHead(conn);

    // The files the snapshot refers to: attachments by content hash, audit archive pieces by checkpoint.
    const shas = (await all(conn, 'select distinct sha256 from attachments order by sha256')).map((r) => r.sha256 as string);
    const pieces = await all(conn, 'select file, file_sha256 from audit_checkpoints where file_deleted_at is null order by from_seq');
    await snapshot.close();
    snapshot = null;

    const files: Record<string, FileManifest> = {};
    const warnings: string[] = [];
    const addFile = async (name: string, source: string, expectSha?: string) => {
      if (!fs.existsSync(source)) {
        warnings.push(`${name} is referenced by the database but missing on disk: not in this backup`);
        return;
      }
      const hash = crypto.createHash('sha256');
      const size = await writer.addFile(name, source, (b) => hash.update(b));
      const sha256 = hash.digest('hex');
      if (expectSha && sha256 !== expectSha) warnings.push(`${name} on disk does not match its recorded SHA-256 (${expectSha}): backed up as found`);
      files[name] = { size, sha256 };
    };
    const attachmentsRoot = path.join(options.dataDir, 'attachments');
    for (const sha of shas) await addFile(`attachments/${sha.slice(0, 2)}/${sha}`, path.join(attachmentsRoot, sha.slice(0, 2), sha), sha);
    const audit = archiveDir(options.dataDir);
    for (const p of pieces) await addFile(`audit-archive/${p.file}`, path.join(audit, p.file), p.file_sha256);
    if (options.configFile && fs.existsSync(options.configFile)) await addFile(`config/${path.basename(options.configFile)}`, options.configFile);

    const manifest: Manifest = { ...header, audit_head: head, table_order: order, tables, files, warnings };
    await writer.addBuffer(MANIFEST_FILE, Buffer.from(JSON.stringify(manifest, null, 2) + '\n'), createdAt);
    await writer.finish();
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    done = true;
    fs.renameSync(tmpPath, finalPath);
    fsyncDir(options.dir);
    return { file, path: finalPath, size: fs.statSync(finalPath).size, manifest, durationMs: Date.now() - started };
  } catch (err) {
    writer.destroy();
    if (!done) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already closed */
      }
    }
    fs.rmSync(tmpPath, { force: true });
    throw err;
  } finally {
    if (snapshot) await snapshot.close().catch(() => undefined);
  }
}

async function dumpTable(writer: TarGzWriter, conn: Conn, info: TableInfo, mtime: Date, onPart?: CreateOptions['onPart']): Promise<TableManifest> {
  const hash = crypto.createHash('sha256');
  const parts: string[] = [];
  let rows = 0;
  let bytes = 0;
  let buf: string[] = [];
  let bufRows = 0;
  let bufBytes = 0;
  const flush = async () => {
    if (!bufRows) return;
    const name = `tables/${info.name}/${String(parts.length + 1).padStart(5, '0')}.jsonl`;
    const body = Buffer.from(buf.join(''), 'utf8');
    hash.update(body);
    bytes += body.length;
    await writer.addBuffer(name, body, mtime);
    parts.push(name);
    buf = [];
    bufRows = 0;
    bufBytes = 0;
    await onPart?.(info.name, name);
  };
  for await (const batch of readRows(conn, info)) {
    for (const row of batch) {
      const line = JSON.stringify(row) + '\n';
      buf.push(line);
      bufRows++;
      bufBytes += line.length;
      rows++;
      if (bufRows >= PART_ROWS || bufBytes >= PART_BYTES) await flush();
    }
  }
  await flush();
  return { rows, sha256: hash.digest('hex'), bytes, columns: info.columns, parts };
}
