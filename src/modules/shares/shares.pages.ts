// The sharing form on a company's, contact's, deal's or lead's page (the section itself is rendered there).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor } from '../../access/scope';
import { idParams } from '../../lib/api-schemas';
import { ValidationError } from '../../lib/errors';
import { formSchema } from '../../plugins/forms';
import { pageLookups } from '../records/page-support';
import { SHAREABLE_TYPES, shareParams, type ShareableType } from './shares.service';


/** What the 360° page's sharing section shows. */
export async function sharingSection(app: FastifyInstance, req: FastifyRequest, type: ShareableType, id: number) {
  const actor: Actor = req.actor!;
  const { shares } = app.services;
  const canShare = await shares.mayShare(actor, type, id);
  const lookups = pageLookups(app, req);
  return {
    shares: await shares.list(actor, type, id),
    canShare,
    users: canShare ? (await lookups.userChoices()).filter((u) => u.value !== String(actor.userId)) : [],
    teams: canShare ? await lookups.teamChoices() : [],
  };
}

export default async function sharesPages(app: FastifyInstance): Promise<void> {
  const { shares } = app.services;
  for (const type of SHAREABLE_TYPES) {
    app.post<{ Params: { id: number } }>(`/${type}/:id/shares`, {
      config: { permission: `${type}.update` },
      schema: { params: idParams, body: formSchema(['target', 'access']) },
    }, async (req, reply) => {
      const id = req.params.id;
      const body = req.body as { target?: string; access?: string };
      const [kind, target] = (body.target ?? '').split(':');
      const access = body.access === 'edit' ? 'edit' : 'read';
      const input = kind === 'team' ? { team_id: Number(target), access } as const : { user_id: Number(target), access } as const;
      try {
        if (!/^[1-9][0-9]*$/.test(target ?? '') || (kind !== 'user' && kind !== 'team')) throw ValidationError.field('target', 'required', 'choose a user or a team');
        await shares.add(req.actor!, type, id, input);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return reply.redirect(`/${type}/${id}?notice=share_invalid#sharing`, 303);
      }
      return reply.redirect(`/${type}/${id}?notice=shared#sharing`, 303);
    });

    app.post<{ Params: { id: number; shareId: number } }>(`/${type}/:id/shares/:shareId/delete`, {
      config: { permission: `${type}.update` },
      schema: { params: shareParams, body: formSchema([]) },
    }, async (req, reply) => {
      await shares.remove(req.actor!, type, req.params.id, req.params.shareId);
      return reply.redirect(`/${type}/${req.params.id}?notice=unshared#sharing`, 303);
    });
  }
}
