// Roles are rows with a permission set. The built-in five are written from the catalog at every
// start, so a new version's permissions reach them, and cannot be edited; custom roles are made
// and changed by admins on the roles page. A change applies at the next request of every member
// (the session lookup reads the role each time), and is audited field by field.
import type { Knex } from 'knex';
import type { Core } from '../../core';
import type { Actor } from '../../access/scope';
import { requirePermission } from '../../access/scope';
import { ACTIONS, ADMIN_RESOURCES, BUILTIN_ROLES, BUILTIN_ROLE_KEYS, FLAGS, RESOURCES, SCOPES, type PermissionSet } from '../../access/catalog';
import { diff } from '../../audit/writer';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors';
import { t, type Locale } from '../../lib/i18n';
import { validate } from '../../lib/validate';
import { updateAtVersion } from '../records/scoped';

export interface Role {
  id: number;
  key: string;
  name: string;
  description: string | null;
  builtin: boolean;
  permissions: PermissionSet;
  version: number;
  member_count?: number;
}

/** Record types take a scope per action; administrative resources are simply allowed or not. */
const permissionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['resources', 'flags'],
  properties: {
    resources: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(
        RESOURCES.map((r) => [r, {
          type: 'object',
          additionalProperties: false,
          properties: Object.fromEntries(ACTIONS.map((a) => [a, { type: 'string', enum: (ADMIN_RESOURCES as readonly string[]).includes(r) ? ['none', 'all'] : [...SCOPES] }])),
        }]),
      ),
    },
    flags: { type: 'array', uniqueItems: true, items: { type: 'string', enum: [...FLAGS] } },
  },
} as const;

export const roleSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    key: { type: 'string' },
    name: { type: 'string' },
    description: { type: ['string', 'null'] },
    builtin: { type: 'boolean' },
    permissions: permissionsSchema,
    version: { type: 'integer' },
    member_count: { type: 'integer' },
  },
} as const;

export const roleCreateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['key', 'name', 'permissions'],
  properties: {
    key: { type: 'string', pattern: '^[a-z][a-z0-9_]{1,49}$', description: 'Lower-case letters, digits and _; used when creating users.' },
    name: { type: 'string', minLength: 1, maxLength: 100 },
    description: { type: ['string', 'null'], maxLength: 300 },
    permissions: permissionsSchema,
  },
} as const;

export const roleUpdateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  properties: {
    name: roleCreateSchema.properties.name,
    description: roleCreateSchema.properties.description,
    permissions: permissionsSchema,
    version: { type: 'integer', minimum: 1 },
  },
} as const;

const isBuiltinKey = (key: string) => key === 'system' || (BUILTIN_ROLE_KEYS as readonly string[]).includes(key);

/** Built-in roles are named in the reader's language; custom roles by the name their admin gave. */
export function roleLabel(locale: Locale, role: { key: string; name: string; builtin: boolean }): string {
  return role.builtin ? t(locale, `roles.${role.key}`) : role.name;
}

/** A permission set with only the non-"none" entries, so stored sets and audit diffs stay small. */
function compact(p: PermissionSet): PermissionSet {
  const resources: PermissionSet['resources'] = {};
  for (const [resource, actions] of Object.entries(p.resources)) {
    const kept = Object.fromEntries(Object.entries(actions ?? {}).filter(([, level]) => level !== 'none'));
    if (Object.keys(kept).length) resources[resource as keyof PermissionSet['resources']] = kept;
  }
  return { resources, flags: [...p.flags].sort() };
}

/** One entry per resource.action for the audit diff: "contacts.read: own → team". */
function flatten(p: PermissionSet): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const r of RESOURCES) for (const a of ACTIONS) out[`${r}.${a}`] = p.resources[r]?.[a] ?? 'none';
  for (const f of FLAGS) out[f] = p.flags.includes(f);
  return out;
}

export function createRolesService(core: Core) {
  const { knex, rows } = core.db;
  const COLUMNS = ['roles.id', 'roles.key', 'roles.name', 'roles.description', 'roles.builtin', 'roles.permissions', 'roles.version'];

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

  async function load(db: Knex, id: number): Promise<Role> {
    const row = await db('roles').where({ id }).first(COLUMNS);
    if (!row) throw new NotFoundError('role');
    return rows.one<Role>('roles', row);
  }

  async function list(actor: Actor): Promise<Role[]> {
    requirePermission(actor, 'roles', 'read');
    const counts = knex('users').select('role_id').count({ n: '*' }).where('active', true).groupBy('role_id').as('c');
    const found = await knex('roles').leftJoin(counts, 'c.role_id', 'roles.id').orderBy('roles.builtin', 'desc').orderBy('roles.id').select(...COLUMNS, knex.raw('coalesce(c.n, 0) as member_count'));
    return rows.many<Role>('roles', found).map((r) => ({ ...r, member_count: Number(r.member_count) }));
  }

  async function get(actor: Actor, id: number): Promise<Role> {
    requirePermission(actor, 'roles', 'read');
    return load(knex, id);
  }

  async function create(actor: Actor, input: { key: string; name: string; description?: string | null; permissions: PermissionSet }): Promise<Role> {
    requirePermission(actor, 'roles', 'create');
    validate(roleCreateSchema, input);
    return knex.transaction(async (trx) => {
      if (await trx('roles').where({ key: input.key }).first('id')) throw ValidationError.field('key', 'unique', 'is taken by another role');
      const now = core.clock.now().toISOString();
      const permissions = compact(input.permissions);
      const [row] = await trx('roles')
        .insert({ key: input.key, name: input.name.trim(), description: input.description?.trim() || null, builtin: false, permissions: JSON.stringify(permissions), created_at: now, updated_at: now, version: 1 })
        .returning('id');
      const id = Number(row.id ?? row);
      await core.audit.record(trx, actor, { action: 'create', recordType: 'roles', recordId: id, changes: diff(null, { key: input.key, name: input.name.trim(), ...flatten(permissions) }) });
      return load(trx, id);
    });
  }

  async function update(actor: Actor, id: number, patch: { name?: string; description?: string | null; permissions?: PermissionSet; version: number }): Promise<Role> {
    requirePermission(actor, 'roles', 'update');
    validate(roleUpdateSchema, patch);
    return knex.transaction(async (trx) => {
      const before = await load(trx, id);
      if (before.builtin) throw new ForbiddenError('built-in roles cannot be changed; copy one into a custom role instead');
      if (before.version !== patch.version) throw new ConflictError('the role was changed by someone else', before);
      const changes: Record<string, unknown> = { updated_at: core.clock.now().toISOString() };
      if (patch.name !== undefined) changes.name = patch.name.trim();
      if (patch.description !== undefined) changes.description = patch.description?.trim() || null;
      if (patch.permissions) changes.permissions = JSON.stringify(compact(patch.permissions));
      await updateAtVersion(trx, 'roles', id, before.version, changes);
      const after = await load(trx, id);
      await core.audit.record(trx, actor, {
        action: 'update',
        recordType: 'roles',
        recordId: id,
        changes: diff({ name: before.name, description: before.description, ...flatten(before.permissions) }, { name: after.name, description: after.description, ...flatten(after.permissions) }),
      });
      return after;
    });
  }

  async function remove(actor: Actor, id: number): Promise<void> {
    requirePermission(actor, 'roles', 'delete');
    await knex.transaction(async (trx) => {
      const role = await load(trx, id);
      if (role.builtin) throw new ForbiddenError('built-in roles cannot be deleted');
      if (await trx('users').where({ role_id: id }).first('id')) throw new ConflictError('users still have this role; give them another one first');
      await trx('roles').where({ id }).delete();
      await core.audit.record(trx, actor, { action: 'delete', recordType: 'roles', recordId: id, changes: diff({ key: role.key, name: role.name }, { key: null, name: null }) });
    });
  }

  /** Role id for a key, refusing unknown keys with a field error. */
  async function idForKey(key: string, db: Knex = knex, field = 'role'): Promise<number> {
    const row = await db('roles').where({ key }).first('id');
    if (!row) throw ValidationError.field(field, 'enum', `"${key}" is not a role`);
    return row.id;
  }

  /** Every role as a choice for the user form, named in the reader's language. */
  async function choices(locale: Locale): Promise<Array<{ value: string; label: string }>> {
    const all = await knex('roles').orderBy('builtin', 'desc').orderBy('id').select('key', 'name', 'builtin');
    return all.map((r) => ({ value: r.key, label: roleLabel(locale, { key: r.key, name: r.name, builtin: Boolean(r.builtin) }) }));
  }

  /** One role's name for the reader; built-in roles need no query. */
  async function label(locale: Locale, key: string): Promise<string> {
    if (isBuiltinKey(key)) return t(locale, `roles.${key}`);
    const row = await knex('roles').where({ key }).first('name');
    return row?.name ?? key;
  }

  return { ensureBuiltins, list, get, create, update, remove, idForKey, choices, label };
}
export type RolesService = ReturnType<typeof createRolesService>;
