// What Kehu adds to Fastify's request, reply and instance.
import type { Actor } from '../access/scope';
import type { Permission } from '../access/catalog';
import type { Core } from '../core';
import type { Services } from '../services';
import type { JobRunner } from '../jobs/runner';
import type { Locale } from '../lib/i18n';
import type { CompanySettings } from '../modules/settings';

export interface RouteAccess {
  /** The permission a route needs; every route declares this or `public: true`. */
  permission?: Permission;
  public?: boolean;
  /** A public form other websites post to (web-to-lead): no CSRF token, no session used. */
  crossSite?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig extends RouteAccess {}
  interface FastifyInstance {
    core: Core;
    services: Services;
    jobs: JobRunner;
  }
  interface FastifyRequest {
    actor: Actor | null;
    /** How the actor was authenticated: a Bearer token needs no CSRF token; a cookie does. */
    authVia: 'bearer' | 'cookie' | null;
    locale: Locale;
    company: CompanySettings;
  }
  interface FastifyReply {
    /** Renders a page in the layout with the request's locale, actor, company and CSRF token. */
    page(view: string, data?: Record<string, unknown>): Promise<void>;
    /** Renders a page for visitors from outside (no session, navigation, CSRF token or scripts). */
    publicPage(view: string, data?: Record<string, unknown>): Promise<void>;
  }
}
