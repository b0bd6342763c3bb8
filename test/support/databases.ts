// Fresh databases for tests: a SQLite file in a temporary directory, or a new Postgres database
// created for this test (ICU collation, so the default collation is *not* C, as on many servers)
// and dropped afterwards. A missing Postgres fails the test loudly; it is never skipped.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export type TestDialect = 'sqlite' | 'postgres';

export const testDialect: TestDialect = process.env.KEHU_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

export const adminDatabaseUrl = process.env.KEHU_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  dialect: TestDialect;
  databaseUrl: string;
  dataDir: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function createTestDatabase(dialect: TestDialect = testDialect): Promise<TestDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kehu-test-'));
  const removeDir = () => fs.rmSync(dataDir, { recursive: true, force: true });
  if (dialect === 'sqlite') {
    return { dialect, databaseUrl: `sqlite:${path.join(dataDir, 'kehu.db')}`, dataDir, drop: async () => removeDir() };
  }
  const name = `kehu_test_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminDatabaseUrl });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(`Postgres is required for KEHU_TEST_DB=postgres and did not answer at ${adminDatabaseUrl}: ${(err as Error).message}`);
  }
  try {
    await admin.query(`create database ${name} template template0 encoding 'UTF8' locale_provider icu icu_locale 'zh-Hans-CN' locale 'C.UTF-8'`);
  } finally {
    await admin.end();
  }
  return {
    dialect,
    databaseUrl: withDatabase(adminDatabaseUrl, name),
    dataDir,
    async drop() {
      removeDir();
      const c = new pg.Client({ connectionString: adminDatabaseUrl });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
