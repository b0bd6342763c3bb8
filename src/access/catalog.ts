// What can be permitted: every resource and action, and the built-in roles' fixed matrices.
// A role's permission set is data (roles.permissions); this file only defines the vocabulary
// and what the five built-in roles hold. Custom roles (the access issue) use the same shape.

export const ACTIONS = ['read', 'create', 'update', 'delete', 'export', 'import', 'assign'] as const;
export type Action = (typeof ACTIONS)[number];

export const SCOPES = ['none', 'own', 'team', 'all'] as const;
export type ScopeLevel = (typeof SCOPES)[number];

/** Records owned by a user and a team: scoped by owner_id / team_id. */
export const RECORD_TYPES = ['companies', 'contacts', 'activities', 'tasks', 'leads', 'deals'] as const;
/** Administrative resources: a scope other than none means allowed. */
/** `pipelines`: configuring pipelines, stages and lost reasons (reading them takes deals.read). */
export const ADMIN_RESOURCES = ['users', 'teams', 'roles', 'settings', 'audit', 'jobs', 'pipelines'] as const;
export const RESOURCES = [...RECORD_TYPES, ...ADMIN_RESOURCES] as const;
export type Resource = (typeof RESOURCES)[number];

/** Permissions that are not about a resource's rows. */
export const FLAGS = ['sensitive.read'] as const;
export type Flag = (typeof FLAGS)[number];

export interface PermissionSet {
  resources: Partial<Record<Resource, Partial<Record<Action, ScopeLevel>>>>;
  flags: Flag[];
}

export const BUILTIN_ROLE_KEYS = ['admin', 'manager', 'sales', 'support', 'auditor'] as const;
export type BuiltinRoleKey = (typeof BUILTIN_ROLE_KEYS)[number];

function records(levels: Partial<Record<Action, ScopeLevel>>): PermissionSet['resources'] {
  return Object.fromEntries(RECORD_TYPES.map((r) => [r, { ...levels }]));
}

const everything = Object.fromEntries(ACTIONS.map((a) => [a, 'all'])) as Record<Action, ScopeLevel>;

export const BUILTIN_ROLES: Record<BuiltinRoleKey, { name: string; permissions: PermissionSet }> = {
  admin: {
    name: 'Administrator',
    permissions: { resources: Object.fromEntries(RESOURCES.map((r) => [r, { ...everything }])), flags: ['sensitive.read'] },
  },
  manager: {
    name: 'Sales manager',
    permissions: {
      resources: {
        ...records({ read: 'team', create: 'team', update: 'team', delete: 'team', export: 'team', import: 'team', assign: 'team' }),
        users: { read: 'all' },
        teams: { read: 'all' },
      },
      flags: ['sensitive.read'],
    },
  },
  sales: {
    name: 'Sales rep',
    permissions: {
      resources: {
        ...records({ read: 'own', create: 'own', update: 'own', delete: 'own' }),
        users: { read: 'all' },
        teams: { read: 'all' },
      },
      flags: ['sensitive.read'],
    },
  },
  support: {
    name: 'Support',
    permissions: {
      resources: {
        ...records({ read: 'all', create: 'own', update: 'own' }),
        leads: { read: 'none' },
        deals: { read: 'none' },
        users: { read: 'all' },
        teams: { read: 'all' },
      },
      flags: [],
    },
  },
  auditor: {
    name: 'Auditor',
    permissions: { resources: { audit: { read: 'all', export: 'all' }, users: { read: 'all' } }, flags: [] },
  },
};

export function levelOf(permissions: PermissionSet, resource: Resource, action: Action): ScopeLevel {
  return permissions.resources[resource]?.[action] ?? 'none';
}

/** A route's permission string: "contacts.read", "users.update", a flag, or "signed-in". */
export type Permission = `${Resource}.${Action}` | Flag | 'signed-in';

export function isPermission(value: string): value is Permission {
  if (value === 'signed-in' || (FLAGS as readonly string[]).includes(value)) return true;
  const [resource, action] = value.split('.');
  return (RESOURCES as readonly string[]).includes(resource) && (ACTIONS as readonly string[]).includes(action);
}
