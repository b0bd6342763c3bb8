// Roles are rows with a permission set. The built-in five are written from the catalog at every
// start, so a new version's permissions reach them; custom roles (the access issue) are left alone.
import type { Knex } from 'knex';
import type { Core } from '../../core';
import type { Actor } from '../../access/scope';
import { requirePermission } from '../../access/scope';
import { BUILTIN_ROLES, BUILTIN_ROLE_KEYS, type PermissionSet } from '../../access/catalog';
import { ValidationError } from '../../lib/errors';

export interface Role {
  id: number;
  key: string;
  name: string;
  builtin: boolean;
  permissions: PermissionSet;
}

export function createRolesService(core: Core) {
  const { knex, rows } = core.db;

  async function ensureBuiltins(): Promise<void> {
    const now = core.clock.now().toISOString();
    for (const key of BUILTIN_ROLE_KEYS) {
      const { name, permissions } = BUILTIN_ROLES[key];
      await knex('roles')
        .insert({ key, name, builtin: true, permissions: JSON.stringify(permissions), created_at: now, updated_at: now, version: 1 })
        .onConflict('key')
        .merge({ permissions: JSON.stringify(permissions), builtin: true });
    }
  }

  async function list(actor: Actor): Promise<Role[]> {
    requirePermission(actor, 'roles', 'read');
    return rows.many<Role>('roles', await knex('roles').orderBy('id').select('id', 'key', 'name', 'builtin', 'permissions'));
  }

  /** Role id for a key, refusing unknown keys with a field error. */
  async function idForKey(key: string, db: Knex = knex, field = 'role'): Promise<number> {
    const row = await db('roles').where({ key }).first('id');
    if (!row) throw ValidationError.field(field, 'enum', `"${key}" is not a role`);
    return row.id;
  }

  async function keys(): Promise<string[]> {
    return (await knex('roles').orderBy('id').select('key')).map((r) => r.key);
  }

  return { ensureBuiltins, list, idForKey, keys };
}
export type RolesService = ReturnType<typeof createRolesService>;
