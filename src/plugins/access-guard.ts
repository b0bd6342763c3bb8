// Every route must say who may call it: `config: { permission: 'users.update' }` (or 'signed-in'),
// or `config: { public: true }`. A route that says neither stops the app at start; at request
// time the declared permission is checked against request.actor before anything else.
// Every declaration is also kept in app.accessRoutes, so tests can enumerate the routes.
import fp from 'fastify-plugin';
import { isPermission, type Permission } from '../access/catalog';
import { can, hasFlag, type Actor } from '../access/scope';
import { ForbiddenError, UnauthorizedError } from '../lib/errors';

/** A registered route as the guard saw it: what it needs, or that it is public. */
export interface DeclaredRoute {
  readonly method: string;
  readonly url: string;
  readonly permission: string | null;
  readonly public: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every registered route with its declaration (read-only; HEAD routes Fastify adds included). */
    readonly accessRoutes: ReadonlyArray<DeclaredRoute>;
  }
}

export function allows(actor: Actor, permission: Permission): boolean {
  if (permission === 'signed-in') return true;
  if (!permission.includes('.') || permission === 'sensitive.read') return hasFlag(actor, permission as 'sensitive.read');
  const [resource, action] = permission.split('.') as [never, never];
  return can(actor, resource, action);
}

export default fp(async (app) => {
  const declared: DeclaredRoute[] = [];
  app.decorate('accessRoutes', { getter: () => Object.freeze([...declared]) });

  app.addHook('onRoute', (route) => {
    const config = (route.config ?? {}) as { public?: boolean; permission?: string };
    const url = `${route.method} ${route.url}`;
    if (config.public === true && config.permission) throw new Error(`route ${url} is declared both public and with a permission`);
    if (config.public !== true) {
      if (!config.permission) throw new Error(`route ${url} declares neither a permission nor public: true`);
      if (!isPermission(config.permission)) throw new Error(`route ${url} declares an unknown permission "${config.permission}"`);
    }
    for (const method of [route.method].flat()) {
      declared.push(Object.freeze({ method, url: route.url, permission: config.public === true ? null : config.permission!, public: config.public === true }));
    }
  });

  // onRequest, after the auth plugin's hook: refuse before the body is even parsed or validated.
  app.addHook('onRequest', async (req) => {
    const config = req.routeOptions.config;
    if (config.public === true || !config.permission) return; // unmatched routes (404) carry no config
    if (!req.actor) throw new UnauthorizedError();
    if (!allows(req.actor, config.permission)) throw new ForbiddenError();
  });
}, { name: 'kehu-access-guard', dependencies: ['kehu-auth'] });
