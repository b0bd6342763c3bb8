// The roles page: every role's permission matrix (record type × action → none/own/team/all),
// custom roles created, edited and deleted by admins; built-in roles shown read-only.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ACTIONS, ADMIN_RESOURCES, FLAGS, RESOURCES, SCOPES, type PermissionSet, type ScopeLevel } from '../../access/catalog';
import { idParams } from '../../lib/api-schemas';
import { t, type Locale } from '../../lib/i18n';
import { formSchema, handleForm } from '../../plugins/forms';
import { roleLabel, type Role } from './roles.service';

const cellName = (resource: string, action: string) => `p.${resource}.${action}`;
const flagName = (flag: string) => `flag.${flag}`;
const MATRIX_FIELDS = [...RESOURCES.flatMap((r) => ACTIONS.map((a) => cellName(r, a))), ...FLAGS.map(flagName)];

/** The matrix as rows of cells with their choices, for the form (or read-only for built-ins). */
function matrix(locale: Locale, p: PermissionSet) {
  return RESOURCES.map((resource) => {
    const levels: readonly ScopeLevel[] = (ADMIN_RESOURCES as readonly string[]).includes(resource) ? ['none', 'all'] : SCOPES;
    return {
      resource,
      label: t(locale, `roles.resources.${resource}`),
      cells: ACTIONS.map((action) => {
        const current = p.resources[resource]?.[action] ?? 'none';
        return {
          name: cellName(resource, action),
          action: t(locale, `roles.actions.${action}`),
          current,
          currentLabel: t(locale, `roles.scopes.${current}`),
          options: levels.map((level) => ({ value: level, label: t(locale, `roles.scopes.${level}`), selected: level === current })),
        };
      }),
    };
  });
}

function fromForm(body: Record<string, string | undefined>): PermissionSet {
  const resources: PermissionSet['resources'] = {};
  for (const r of RESOURCES) {
    for (const a of ACTIONS) {
      const level = body[cellName(r, a)];
      if (level && level !== 'none') (resources[r] ??= {})[a] = level as ScopeLevel;
    }
  }
  return { resources, flags: FLAGS.filter((f) => body[flagName(f)] === 'on') };
}

const EMPTY: PermissionSet = { resources: {}, flags: [] };

export default async function rolesPages(app: FastifyInstance): Promise<void> {
  const { roles } = app.services;
  type IdReq = { Params: { id: number } };

  function formData(reply: FastifyReply, role: Partial<Role> & { permissions: PermissionSet }, extra: Record<string, unknown> = {}) {
    const locale = reply.request.locale;
    return {
      title: role.id ? roleLabel(locale, role as Role) : t(locale, 'roles.new'),
      role,
      values: { key: role.key ?? '', name: role.name ?? '', description: role.description ?? '' },
      errors: {},
      actions: ACTIONS.map((a) => t(locale, `roles.actions.${a}`)),
      matrix: matrix(locale, role.permissions),
      flags: FLAGS.map((f) => ({ name: flagName(f), label: t(locale, `roles.flags.${f.replace('.', '_')}`), checked: role.permissions.flags.includes(f) })),
      readOnly: Boolean(role.builtin),
      ...extra,
    };
  }

  app.get('/admin/roles', {
    config: { permission: 'roles.read' },
    schema: { querystring: { type: 'object', additionalProperties: false, properties: { notice: { type: 'string', enum: ['saved', 'deleted_role'] } } } },
  }, async (req, reply) => reply.page('admin/roles', { title: t(req.locale, 'roles.title'), roles: (await roles.list(req.actor!)).map((r) => ({ ...r, name: roleLabel(req.locale, r) })), notice: (req.query as { notice?: string }).notice }));

  app.get('/admin/roles/new', {
    config: { permission: 'roles.create' },
    schema: { querystring: { type: 'object', additionalProperties: false, properties: { copy: { type: 'integer', minimum: 1, description: 'Start from this role\'s matrix.' } } } },
  }, async (req, reply) => {
    const copyOf = (req.query as { copy?: number }).copy;
    const source = copyOf ? await roles.get(req.actor!, copyOf) : null;
    return reply.page('admin/role-form', formData(reply, { permissions: source?.permissions ?? EMPTY }));
  });

  app.post('/admin/roles', { config: { permission: 'roles.create' }, schema: { body: formSchema(['key', 'name', 'description', ...MATRIX_FIELDS]) } }, async (req, reply) => {
    const body = req.body as Record<string, string | undefined>;
    const permissions = fromForm(body);
    await handleForm(reply, 'admin/role-form', formData(reply, { permissions }, { values: body }), async () => {
      await roles.create(req.actor!, { key: body.key ?? '', name: body.name ?? '', description: body.description || null, permissions });
      await reply.redirect('/admin/roles?notice=saved', 303);
    });
  });

  app.get<IdReq>('/admin/roles/:id', { config: { permission: 'roles.read' }, schema: { params: idParams } }, async (req, reply) =>
    reply.page('admin/role-form', formData(reply, await roles.get(req.actor!, req.params.id))));

  app.post<IdReq>('/admin/roles/:id', { config: { permission: 'roles.update' }, schema: { params: idParams, body: formSchema(['name', 'description', 'version', ...MATRIX_FIELDS]) } }, async (req, reply) => {
    const body = req.body as Record<string, string | undefined>;
    const role = await roles.get(req.actor!, req.params.id);
    const permissions = fromForm(body);
    await handleForm(reply, 'admin/role-form', formData(reply, { ...role, permissions }, { values: { ...body, key: role.key } }), async () => {
      await roles.update(req.actor!, role.id, { name: body.name ?? '', description: body.description || null, permissions, version: Number(body.version) });
      await reply.redirect('/admin/roles?notice=saved', 303);
    });
  });

  app.post<IdReq>('/admin/roles/:id/delete', { config: { permission: 'roles.delete' }, schema: { params: idParams, body: formSchema([]) } }, async (req, reply) => {
    const role = await roles.get(req.actor!, req.params.id);
    await handleForm(reply, 'admin/role-form', formData(reply, role), async () => {
      await roles.remove(req.actor!, role.id);
      await reply.redirect('/admin/roles?notice=deleted_role', 303);
    });
  });
}
