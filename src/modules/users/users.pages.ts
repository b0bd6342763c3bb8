// Administration of users: list, create (with a password or an invitation link), edit role,
// teams and status, and hand out one-time password links.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { t, LOCALES } from '../../lib/i18n';
import { idParams } from '../../lib/api-schemas';
import { formSchema, handleForm, listField, optionalInt } from '../../plugins/forms';
import type { ListQuery } from '../../lib/listing';
import type { UserCreate } from './users.schemas';
import { ValidationError } from '../../lib/errors';
import { HANDOVER_TYPES, type HandoverType } from '../records/handover';

const USER_FIELDS = ['email', 'name', 'role', 'primary_team_id', 'locale', 'password', 'version', 'active'];
const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { q: { type: 'string', maxLength: 200 }, cursor: { type: 'string', maxLength: 500 }, show: { type: 'string', enum: ['active', 'inactive', 'all'] }, notice: { type: 'string', enum: ['created', 'saved'] } },
};

export default async function usersPages(app: FastifyInstance): Promise<void> {
  const { users, roles, teams } = app.services;

  async function formData(reply: FastifyReply, extra: Record<string, unknown>) {
    const actor = reply.request.actor!;
    const locale = reply.request.locale;
    const others = (await users.list(actor, { limit: 500, sort: 'name', filter: { active: 'true' } })).data.filter((u) => u.id !== (extra.user as { id?: number } | undefined)?.id);
    return {
      roleChoices: await roles.choices(locale),
      teams: await teams.list(actor),
      localeOptions: LOCALES,
      errors: {},
      handoverTargets: others.map((u) => ({ value: String(u.id), label: u.name })),
      handoverTypes: HANDOVER_TYPES.map((ty) => ({ value: ty, label: t(locale, `users.handover_types.${ty}`) })),
      ...extra,
    };
  }

  function input(body: Record<string, unknown>) {
    return {
      email: String(body.email ?? ''),
      name: String(body.name ?? ''),
      role: String(body.role ?? ''),
      team_ids: listField(body.team_ids).map(Number),
      primary_team_id: optionalInt(body.primary_team_id),
      locale: body.locale ? String(body.locale) : null,
    };
  }

  app.get('/admin/users', { config: { permission: 'users.read' }, schema: { querystring: listQuery } }, async (req, reply) => {
    const q = req.query as { q?: string; cursor?: string; show?: string; notice?: string };
    const show = q.show ?? 'active';
    const query: ListQuery = { q: q.q, cursor: q.cursor, limit: 50, sort: 'name', filter: show === 'all' ? {} : { active: show === 'active' ? 'true' : 'false' } };
    const page = await users.list(req.actor!, query);
    const roleNames = Object.fromEntries((await roles.choices(req.locale)).map((c) => [c.value, c.label]));
    const canReadAudit = app.services.auditLog.canRead(req.actor!);
    return reply.page('admin/users', { title: t(req.locale, 'users.title'), roleNames, users: page.data, next: page.next_cursor, q: q.q, show, notice: q.notice, canReadAudit });
  });

  app.get('/admin/users/new', { config: { permission: 'users.create' } }, async (req, reply) =>
    reply.page('admin/user-form', await formData(reply, { title: t(req.locale, 'users.new'), isNew: true, values: { role: 'sales', team_ids: [] } })));

  app.post('/admin/users', { config: { permission: 'users.create' }, schema: { body: formSchema(USER_FIELDS, ['team_ids']) } }, async (req, reply) => {
    const body = req.body as Record<string, unknown>;
    const values = input(body);
    await handleForm(reply, 'admin/user-form', await formData(reply, { title: t(req.locale, 'users.new'), isNew: true, values }), async () => {
      const create: UserCreate = { ...values, ...(body.password ? { password: String(body.password) } : {}) };
      const user = await users.create(req.actor!, create);
      if (!body.password) {
        const link = await users.createPasswordLink(req.actor!, user.id, { purpose: 'invite' });
        await reply.page('admin/user-link', { title: t(req.locale, 'users.invite_link'), user, link });
        return;
      }
      await reply.redirect('/admin/users?notice=created', 303);
    });
  });

  app.get<{ Params: { id: number } }>('/admin/users/:id', { config: { permission: 'users.update' }, schema: { params: idParams } }, async (req, reply) => {
    const user = await users.get(req.actor!, req.params.id);
    return reply.page('admin/user-form', await formData(reply, { title: user.name, user, values: user, canReadAudit: app.services.auditLog.canRead(req.actor!) }));
  });

  app.post<{ Params: { id: number } }>('/admin/users/:id', { config: { permission: 'users.update' }, schema: { params: idParams, body: formSchema(USER_FIELDS, ['team_ids']) } }, async (req, reply) => {
    const body = req.body as Record<string, unknown>;
    const user = await users.get(req.actor!, req.params.id);
    const values = { ...input(body), active: body.active === '1' };
    await handleForm(reply, 'admin/user-form', await formData(reply, { title: user.name, user, values }), async () => {
      await users.update(req.actor!, user.id, { ...values, version: Number(body.version) });
      await reply.redirect('/admin/users?notice=saved', 303);
    });
  });

  // Handing a (departing) user's customers and open tasks to someone else; the page shows the counts.
  app.post<{ Params: { id: number } }>('/admin/users/:id/handover', { config: { permission: 'users.update' }, schema: { params: idParams, body: formSchema(['to_user_id'], ['types']) } }, async (req, reply) => {
    const body = req.body as Record<string, unknown>;
    const user = await users.get(req.actor!, req.params.id);
    const types = listField(body.types) as HandoverType[];
    await handleForm(reply, 'admin/user-form', await formData(reply, { title: user.name, user, values: user }), async () => {
      const toUserId = optionalInt(body.to_user_id);
      if (!toUserId) throw ValidationError.field('to_user_id', 'required', 'choose who takes over');
      const done = await app.services.handover.reassignAll(req.actor!, user.id, { to_user_id: toUserId, ...(types.length ? { types } : {}) });
      await reply.page('admin/user-form', await formData(reply, { title: user.name, user, values: user, handedOver: done }));
    });
  });

  app.post<{ Params: { id: number } }>('/admin/users/:id/password-link', { config: { permission: 'users.update' }, schema: { params: idParams, body: formSchema(['purpose']) } }, async (req, reply) => {
    const purpose = (req.body as { purpose?: string }).purpose === 'invite' ? 'invite' : 'reset';
    const link = await users.createPasswordLink(req.actor!, req.params.id, { purpose });
    return reply.page('admin/user-link', { title: t(req.locale, purpose === 'invite' ? 'users.invite_link' : 'users.reset_link'), user: await users.get(req.actor!, req.params.id), link });
  });
}
