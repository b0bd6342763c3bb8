// Key/value settings, values stored as JSON text.
import type { Knex } from 'knex';
import type { RowSerializer } from '../../db/rows';

export function createSettingsRepository(knex: Knex, rows: RowSerializer) {
  return {
    async get<T>(key: string, db: Knex = knex): Promise<T | undefined> {
      const row = await db('settings').where({ key }).first('value');
      return row ? rows.one<{ value: T }>('settings', row).value : undefined;
    },
    async set(db: Knex, key: string, value: unknown, at: string, by: number | null): Promise<void> {
      await db('settings')
        .insert({ key, value: JSON.stringify(value), updated_at: at, updated_by: by })
        .onConflict('key')
        .merge(['value', 'updated_at', 'updated_by']);
    },
    /** Inserts only if absent; true when this call created it. */
    async insertOnce(db: Knex, key: string, value: unknown, at: string, by: number | null): Promise<boolean> {
      const rows = await db('settings').insert({ key, value: JSON.stringify(value), updated_at: at, updated_by: by }).onConflict('key').ignore().returning('key');
      return rows.length === 1;
    },
  };
}
export type SettingsRepository = ReturnType<typeof createSettingsRepository>;
