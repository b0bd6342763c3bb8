// Bench databases: a SQLite file in a temporary directory, or a new Postgres database created the
// way the tests do (ICU collation, so the default collation is not C) and dropped afterwards.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Dialect } from '../../../src/db/database';

/** The server and database used to create and drop bench databases on Postgres. */
export const adminDatabaseUrl = process.env.KEHU_BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchDatabase {
  dialect: Dialect;
  /** KEHU_DATABASE_URL for the product. */
  databaseUrl: string;
  /** KEHU_DATA_DIR for the product (the SQLite file lives here). */
  dataDir: string;
  drop(): Promise<void>;
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`bench database name "${name}" must be a plain lower-case identifier`);
  return name;
}

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: adminDatabaseUrl });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(`Postgres did not answer at ${adminDatabaseUrl} (set KEHU_BENCH_ADMIN_URL): ${(err as Error).message}`);
  }
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

/** Creates the Postgres database named in `url` (dropping it first when `recreate`), on the admin server. */
export async function createPostgresDatabase(url: string, options: { recreate?: boolean } = {}): Promise<boolean> {
  const name = databaseName(url);
  return withAdmin(async (admin) => {
    if (options.recreate) await admin.query(`drop database if exists ${name} with (force)`);
    const exists = (await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount;
    if (exists) return false;
    await admin.query(`create database ${name} template template0 encoding 'UTF8' locale_provider icu icu_locale 'zh-Hans-CN' locale 'C.UTF-8'`);
    return true;
  });
}

export async function dropPostgresDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await withAdmin(async (admin) => {
    await admin.query(`drop database if exists ${name} with (force)`);
  });
}

/** A fresh, empty database for one bench run; drop() removes it (and its data directory). */
export async function createBenchDatabase(dialect: Dialect, label = 'run'): Promise<BenchDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `kehu-bench-${label}-`));
  const removeDir = () => fs.rmSync(dataDir, { recursive: true, force: true });
  if (dialect === 'sqlite') {
    return { dialect, databaseUrl: `sqlite:${path.join(dataDir, 'kehu.db')}`, dataDir, drop: async () => removeDir() };
  }
  const url = withDatabase(adminDatabaseUrl, `kehu_bench_${process.pid}_${crypto.randomBytes(3).toString('hex')}`);
  await createPostgresDatabase(url);
  return {
    dialect,
    databaseUrl: url,
    dataDir,
    async drop() {
      removeDir();
      await dropPostgresDatabase(url);
    },
  };
}
