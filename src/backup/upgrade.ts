// Upgrades: pending migrations run behind an automatic backup when the database holds data, into
// backup.dir. Each migration runs in its own transaction (Knex's default on both databases), so a
// failing one leaves the database as the previous version left it, and that version still starts.
import type { Knex } from 'knex';
import pg from 'pg';
import type { Config } from '../config/schema';
import type { Database } from '../db/database';
import { migrationsDir } from '../lib/paths';
import { createBackup, type BackupResult } from './create';
import { backupDirOf } from './service';

export interface UpgradeResult {
  applied: string[];
  backup: BackupResult | null;
}

/** Any fixed key: Kehu's own advisory lock for migrating a Postgres database. */
const MIGRATION_LOCK = 0x6b656875;

/**
 * Postgres: one process at a time checks and migrates. Processes started together on an empty
 * database would otherwise both create Knex's own bookkeeping tables (Knex's migration lock only
 * exists once they do); a process that waited finds nothing pending. The lock is held on a
 * connection of its own, outside the pool the migrations use.
 */
async function oneAtATime<T>(db: Database, fn: () => Promise<T>): Promise<T> {
  if (db.dialect !== 'postgres') return fn();
  const client = new pg.Client((db.knex.client as { config: Knex.Config }).config.connection as pg.ClientConfig);
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    return await fn();
  } finally {
    await client.end();
  }
}

export function migrateWithBackup(db: Database, config: Config, options: { directory?: string; log?: (msg: string) => void } = {}): Promise<UpgradeResult> {
  return oneAtATime(db, () => migrateBehindBackup(db, config, options));
}

async function migrateBehindBackup(db: Database, config: Config, options: { directory?: string; log?: (msg: string) => void }): Promise<UpgradeResult> {
  const migrationConfig: Knex.MigratorConfig = { directory: options.directory ?? migrationsDir, loadExtensions: ['.js'], tableName: 'knex_migrations' };
  const [completed, pending] = await db.knex.migrate.list(migrationConfig);
  if (!pending.length) return { applied: [], backup: null };
  let backup: BackupResult | null = null;
  const hasData = completed.length > 0 && (await db.knex.schema.hasTable('users')) && Number((await db.knex('users').count({ n: '*' }))[0].n) > 0;
  if (hasData) {
    options.log?.(`${pending.length} migration(s) pending: taking a backup first`);
    try {
      backup = await createBackup({ db, dataDir: config.dataDir, dir: backupDirOf(config) });
    } catch (err) {
      throw new Error(`the backup before migrating failed, so no migration was applied: ${(err as Error).message}`);
    }
    options.log?.(`pre-migration backup: ${backup.path}`);
  }
  const [, applied] = await db.knex.migrate.latest(migrationConfig);
  return { applied, backup };
}
