// /api/v1/users: administrators manage users; anyone allowed to read users can list them.
import type { FastifyInstance } from 'fastify';
import { dataOf, idParams, listOf, responses } from '../../lib/api-schemas';
import { listQuerySchema, type ListQuery } from '../../lib/listing';
import { passwordLinkSchema, userCreateSchema, userSchema, userUpdateSchema, usersListSpec, type UserCreate, type UserUpdate } from './users.schemas';
import { versionFrom } from '../../plugins/versioning';
import { HANDOVER_TYPES, handoverSchema, type HandoverType } from '../records/handover';

const resetSchema = { type: 'object', additionalProperties: false, required: ['password'], properties: { password: { type: 'string', maxLength: 256 } } } as const;
const linkSchema = { type: 'object', properties: { url: { type: 'string' }, expires_at: { type: 'string' } } } as const;

export default async function usersApi(app: FastifyInstance): Promise<void> {
  const { users } = app.services;
  const tags = ['users'];
  type IdReq = { Params: { id: number } };

  app.get('/users', {
    config: { permission: 'users.read' },
    schema: { tags, summary: 'List users', querystring: listQuerySchema(usersListSpec), response: responses({ 200: listOf(userSchema) }) },
  }, async (req) => users.list(req.actor!, req.query as ListQuery));

  app.get<IdReq>('/users/:id', {
    config: { permission: 'users.read' },
    schema: { tags, summary: 'One user', params: idParams, response: responses({ 200: dataOf(userSchema) }) },
  }, async (req) => ({ data: await users.get(req.actor!, req.params.id) }));

  app.post('/users', {
    config: { permission: 'users.create' },
    schema: { tags, summary: 'Create a user (with a password, or invite them with a link afterwards)', body: userCreateSchema, response: responses({ 201: dataOf(userSchema) }) },
  }, async (req, reply) => reply.code(201).send({ data: await users.create(req.actor!, req.body as UserCreate) }));

  app.patch<IdReq>('/users/:id', {
    config: { permission: 'users.update' },
    schema: { tags, summary: 'Change a user (role, teams, active...); send the version you based the change on', params: idParams, body: { ...userUpdateSchema, required: [], minProperties: 1 }, response: responses({ 200: dataOf(userSchema) }) },
  }, async (req) => ({ data: await users.update(req.actor!, req.params.id, versionFrom<UserUpdate>(req)) }));

  app.post<IdReq>('/users/:id/password', {
    config: { permission: 'users.update' },
    schema: { tags, summary: 'Set a user\'s password; ends all their sign-ins', params: idParams, body: resetSchema, response: responses({ 204: { type: 'null' } }) },
  }, async (req, reply) => {
    await users.resetPassword(req.actor!, req.params.id, (req.body as { password: string }).password);
    return reply.code(204).send();
  });

  app.post<IdReq>('/users/:id/password-link', {
    config: { permission: 'users.update' },
    schema: { tags, summary: 'A one-time invitation or password-reset link to hand to the user', params: idParams, body: passwordLinkSchema, response: responses({ 201: dataOf(linkSchema) }) },
  }, async (req, reply) => reply.code(201).send({ data: await users.createPasswordLink(req.actor!, req.params.id, req.body as { purpose: 'invite' | 'reset' }) }));

  app.post<IdReq>('/users/:id/handover', {
    config: { permission: 'users.update' },
    schema: {
      tags,
      summary: 'Hand every company and contact, open task, open deal and lead still being worked of this user over to another (someone leaving); one transaction, each record audited',
      params: idParams,
      body: handoverSchema,
      response: responses({ 200: dataOf({ type: 'object', properties: Object.fromEntries(HANDOVER_TYPES.map((type) => [type, { type: 'integer' }])) }) }),
    },
  }, async (req) => ({ data: await app.services.handover.reassignAll(req.actor!, req.params.id, req.body as { to_user_id: number; types?: HandoverType[] }) }));
}
