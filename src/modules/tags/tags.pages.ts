// Tag management: everyone who may see customers sees the tags with how often each is used and may
// create one (if they may edit customers); administrators rename, recolour and delete them.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { can } from '../../access/scope';
import { idParams } from '../../lib/api-schemas';
import { t } from '../../lib/i18n';
import { formSchema, handleForm } from '../../plugins/forms';

export default async function tagsPages(app: FastifyInstance): Promise<void> {
  const { tags } = app.services;
  type IdReq = { Params: { id: number } };

  async function data(reply: FastifyReply, extra: Record<string, unknown> = {}) {
    const actor = reply.request.actor!;
    return {
      title: t(reply.request.locale, 'tags.title'),
      tags: await tags.list(actor),
      canCreate: can(actor, 'companies', 'update') || can(actor, 'contacts', 'update'),
      canManage: can(actor, 'settings', 'update'),
      canCompanies: can(actor, 'companies', 'read'),
      canContacts: can(actor, 'contacts', 'read'),
      values: {},
      errors: {},
      ...extra,
    };
  }

  app.get('/tags', {
    config: { permission: 'signed-in' },
    schema: { querystring: { type: 'object', additionalProperties: false, properties: { notice: { type: 'string', enum: ['created', 'saved', 'deleted'] } } } },
  }, async (req, reply) => reply.page('tags/index', await data(reply, { notice: (req.query as { notice?: string }).notice })));

  app.post('/tags', { config: { permission: 'signed-in' }, schema: { body: formSchema(['name', 'color']) } }, async (req, reply) => {
    const body = req.body as { name?: string; color?: string };
    await handleForm(reply, 'tags/index', await data(reply, { values: body }), async () => {
      await tags.create(req.actor!, { name: body.name ?? '', ...(body.color ? { color: body.color } : {}) });
      await reply.redirect('/tags?notice=created', 303);
    });
  });

  app.post<IdReq>('/tags/:id', { config: { permission: 'settings.update' }, schema: { params: idParams, body: formSchema(['name', 'color', 'version']) } }, async (req, reply) => {
    const body = req.body as { name?: string; color?: string; version?: string };
    await handleForm(reply, 'tags/index', await data(reply, { editing: req.params.id, editValues: body }), async () => {
      await tags.update(req.actor!, req.params.id, { name: body.name ?? '', ...(body.color ? { color: body.color } : {}), version: Number(body.version) });
      await reply.redirect('/tags?notice=saved', 303);
    });
  });

  app.post<IdReq>('/tags/:id/delete', { config: { permission: 'settings.update' }, schema: { params: idParams, body: formSchema([]) } }, async (req, reply) => {
    await tags.remove(req.actor!, req.params.id);
    return reply.redirect('/tags?notice=deleted', 303);
  });
}
