// /api/v1/auth: sign in for a Bearer token, sign out (here or everywhere), who am I, my profile
// and my password.
import type { FastifyInstance } from 'fastify';
import { dataOf, responses } from '../../lib/api-schemas';
import { requestSource, tokenFor } from '../../plugins/auth';
import { profileUpdateSchema, userSchema } from '../users/users.schemas';
import { loginSchema, logoutSchema, passwordChangeSchema, type LoginInput } from './auth.schemas';

const meSchema = {
  ...userSchema,
  properties: { ...userSchema.properties, permissions: { type: 'object', additionalProperties: true } },
} as const;

const tokenSchema = {
  type: 'object',
  properties: { token: { type: 'string' }, expires_at: { type: 'string' }, user: userSchema },
} as const;

export default async function authApi(app: FastifyInstance): Promise<void> {
  const { auth, users } = app.services;
  const tags = ['auth'];

  app.post('/auth/login', {
    config: { public: true },
    schema: { tags, summary: 'Sign in; returns a Bearer token', security: [], body: loginSchema, response: responses({ 200: dataOf(tokenSchema) }) },
  }, async (req) => {
    const session = await auth.login(req.body as LoginInput, 'api', requestSource(req));
    return { data: { token: tokenFor(app, session), expires_at: session.expiresAt, user: await users.load(session.userId) } };
  });

  app.post('/auth/logout', {
    config: { permission: 'signed-in' },
    schema: { tags, summary: 'End this sign-in, or every sign-in of this user', body: { ...logoutSchema, nullable: true }, response: responses({ 204: { type: 'null' } }) },
  }, async (req, reply) => {
    const body = (req.body ?? {}) as { everywhere?: boolean };
    await auth.logout(req.actor!, Boolean(body.everywhere));
    return reply.code(204).send();
  });

  app.get('/auth/me', {
    config: { permission: 'signed-in' },
    schema: { tags, summary: 'The signed-in user and their permissions', response: responses({ 200: dataOf(meSchema) }) },
  }, async (req) => ({ data: { ...(await users.load(req.actor!.userId!)), permissions: req.actor!.permissions } }));

  app.patch('/auth/me', {
    config: { permission: 'signed-in' },
    schema: { tags, summary: 'Change my name or language', body: profileUpdateSchema, response: responses({ 200: dataOf(userSchema) }) },
  }, async (req) => ({ data: await users.updateProfile(req.actor!, req.body as { name?: string; locale?: string | null }) }));

  app.post('/auth/password', {
    config: { permission: 'signed-in' },
    schema: { tags, summary: 'Change my password; ends every sign-in and returns a new token', body: passwordChangeSchema, response: responses({ 200: dataOf(tokenSchema) }) },
  }, async (req) => {
    const session = await auth.changePassword(req.actor!, req.body as { current_password: string; new_password: string }, 'api');
    return { data: { token: tokenFor(app, session), expires_at: session.expiresAt, user: await users.load(session.userId) } };
  });
}
