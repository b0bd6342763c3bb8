// One set of migrations (plain .js files in migrations/) for both databases, run at boot and by
// `kehu migrate`. The same files everywhere, because Knex records each file name with its extension.
import type { Knex } from 'knex';
import { migrationsDir } from '../lib/paths';

const migrationConfig: Knex.MigratorConfig = {
  directory: migrationsDir,
  loadExtensions: ['.js'],
  tableName: 'knex_migrations',
};

export interface MigrationStatus {
  applied: string[];
  pending: string[];
}

export async function migrationStatus(knex: Knex): Promise<MigrationStatus> {
  const [completed, pending] = await knex.migrate.list(migrationConfig);
  return {
    applied: completed.map((m: { name: string }) => m.name),
    pending: pending.map((m: { file: string }) => m.file),
  };
}

/** Applies pending migrations; returns the names applied. Each runs in its own transaction. */
export async function migrateLatest(knex: Knex): Promise<string[]> {
  const [, applied] = await knex.migrate.latest(migrationConfig);
  return applied;
}
