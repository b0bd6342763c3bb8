// Saved views from the list pages: save the list's current querystring under a name (saving the
// same name again replaces it), and delete one. Each user sees only their own.
import type { FastifyInstance } from 'fastify';
import { idParams } from '../../lib/api-schemas';
import { formSchema } from '../../plugins/forms';
import { safeQuerystring } from '../../plugins/list-pages';

export default async function savedViewsPages(app: FastifyInstance): Promise<void> {
  const { savedViews } = app.services;

  app.post('/saved-views', { config: { permission: 'signed-in' }, schema: { body: formSchema(['record_type', 'name', 'query']) } }, async (req, reply) => {
    const body = req.body as { record_type?: string; name?: string; query?: string };
    const query = safeQuerystring(body.query);
    const view = await savedViews.create(req.actor!, { record_type: body.record_type ?? '', name: body.name ?? '', query });
    return reply.redirect(`/${view.record_type}?${query ? `${query}&` : ''}notice=view_saved`, 303);
  });

  app.post<{ Params: { id: number } }>('/saved-views/:id/delete', { config: { permission: 'signed-in' }, schema: { params: idParams, body: formSchema(['record_type']) } }, async (req, reply) => {
    const type = (req.body as { record_type?: string }).record_type ?? '';
    savedViews.assertType(type);
    await savedViews.remove(req.actor!, req.params.id);
    return reply.redirect(`/${type}?notice=view_deleted`, 303);
  });
}
