// License rows (the newest installed one is in force), the daily checks, and the count of seats in use.
import type { Knex } from 'knex';
import type { RowSerializer } from '../../db/rows';

export interface LicenseRow {
  id: number;
  license_id: string;
  licensee: string;
  edition: string;
  seats: number;
  updates_until: string;
  file: string;
  installed_at: string;
  installed_by: number | null;
}

export interface LicenseCheckRow {
  id: number;
  at: string;
  ok: boolean;
  problems: Array<{ code: string; message: string }>;
}

export function createLicenseRepository(knex: Knex, rows: RowSerializer) {
  return {
    async current(db: Knex = knex): Promise<LicenseRow | null> {
      const row = await db('licenses').orderBy('id', 'desc').first();
      return row ? rows.one<LicenseRow>('licenses', row) : null;
    },
    async insert(db: Knex, row: Omit<LicenseRow, 'id'>): Promise<number> {
      const [inserted] = await db('licenses').insert(row).returning('id');
      return typeof inserted === 'object' ? inserted.id : inserted;
    },
    async installerName(id: number | null, db: Knex = knex): Promise<string | null> {
      if (id === null) return null;
      return (await db('users').where({ id }).first('name'))?.name ?? null;
    },
    /** Seats in use: active users. */
    async activeUsers(db: Knex = knex): Promise<number> {
      const row = await db('users').where({ active: true }).count({ n: '*' }).first();
      return Number(row?.n ?? 0);
    },
    async activeAdmins(db: Knex = knex): Promise<Array<{ id: number; locale: string | null }>> {
      return db('users').join('roles', 'roles.id', 'users.role_id').where({ 'roles.key': 'admin', 'users.active': true }).select('users.id', 'users.locale');
    },
    async lastCheck(db: Knex = knex): Promise<LicenseCheckRow | null> {
      const row = await db('license_checks').orderBy('id', 'desc').first();
      return row ? rows.one<LicenseCheckRow>('license_checks', row) : null;
    },
    async insertCheck(db: Knex, row: Omit<LicenseCheckRow, 'id' | 'problems'> & { problems: string }): Promise<void> {
      await db('license_checks').insert(row);
    },
  };
}
export type LicenseRepository = ReturnType<typeof createLicenseRepository>;
