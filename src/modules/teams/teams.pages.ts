// Administration of the team tree.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { t } from '../../lib/i18n';
import { idParams } from '../../lib/api-schemas';
import { formSchema, handleForm, optionalInt } from '../../plugins/forms';

export default async function teamsPages(app: FastifyInstance): Promise<void> {
  const { teams } = app.services;

  async function data(reply: FastifyReply, extra: Record<string, unknown> = {}) {
    return { title: t(reply.request.locale, 'teams.title'), teams: await teams.list(reply.request.actor!), values: {}, errors: {}, ...extra };
  }

  app.get('/admin/teams', { config: { permission: 'teams.update' }, schema: { querystring: { type: 'object', properties: { notice: { type: 'string', enum: ['saved'] } } } } }, async (req, reply) =>
    reply.page('admin/teams', await data(reply, { notice: (req.query as { notice?: string }).notice })));

  app.post('/admin/teams', { config: { permission: 'teams.create' }, schema: { body: formSchema(['name', 'parent_id']) } }, async (req, reply) => {
    const body = req.body as { name?: string; parent_id?: string };
    await handleForm(reply, 'admin/teams', await data(reply, { values: body }), async () => {
      await teams.create(req.actor!, { name: body.name ?? '', parent_id: optionalInt(body.parent_id) });
      await reply.redirect('/admin/teams?notice=saved', 303);
    });
  });

  app.post<{ Params: { id: number } }>('/admin/teams/:id', { config: { permission: 'teams.update' }, schema: { params: idParams, body: formSchema(['name', 'parent_id', 'version']) } }, async (req, reply) => {
    const body = req.body as { name?: string; parent_id?: string; version?: string };
    await handleForm(reply, 'admin/teams', await data(reply), async () => {
      await teams.update(req.actor!, req.params.id, { name: body.name, parent_id: optionalInt(body.parent_id), version: Number(body.version) });
      await reply.redirect('/admin/teams?notice=saved', 303);
    });
  });
}
