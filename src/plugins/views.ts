// Server-rendered pages: Handlebars layouts and partials through @fastify/view, one `t` helper
// for every string, Intl helpers for dates, numbers and money in the company's time zone.
// reply.page() renders a view in the layout with what every page needs.
import fs from 'node:fs';
import path from 'node:path';
import fp from 'fastify-plugin';
import view from '@fastify/view';
import Handlebars from 'handlebars';
import { formatDateTime, formatMoney, formatNumber, t, LOCALES, type Locale } from '../lib/i18n';
import { packageJson, viewsDir } from '../lib/paths';
import { allows } from './access-guard';
import { csrfUserInfo } from './csrf';
import type { Permission } from '../access/catalog';

type HelperOptions = Handlebars.HelperOptions;

function root(options: HelperOptions): { locale: Locale; timezone: string; currency: string } {
  return options.data.root;
}

export function createHandlebars(): typeof Handlebars {
  const hbs = Handlebars.create();
  hbs.registerHelper('t', function (this: unknown, key: string, options: HelperOptions) {
    return t(root(options).locale, key, options.hash);
  });
  hbs.registerHelper('datetime', (iso: string, options: HelperOptions) => formatDateTime(root(options).locale, root(options).timezone, iso));
  hbs.registerHelper('date', (iso: string, options: HelperOptions) => formatDateTime(root(options).locale, root(options).timezone, iso, 'date'));
  hbs.registerHelper('number', (n: number, options: HelperOptions) => formatNumber(root(options).locale, n));
  hbs.registerHelper('money', (minor: number, currency: string | HelperOptions, options?: HelperOptions) => {
    const opts = (options ?? currency) as HelperOptions;
    return formatMoney(root(opts).locale, minor, typeof currency === 'string' ? currency : root(opts).currency);
  });
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).join(''));
  hbs.registerHelper('includes', (list: unknown, item: unknown) => Array.isArray(list) && list.includes(item));
  hbs.registerHelper('json', (value: unknown) => JSON.stringify(value));
  hbs.registerHelper('array', (...args: unknown[]) => args.slice(0, -1));
  return hbs;
}

function partialsIn(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const file of fs.readdirSync(dir)) if (file.endsWith('.hbs')) out[file.replace(/\.hbs$/, '')] = path.join('partials', file);
  return out;
}

/**
 * A rendered page as UTF-8 bytes: sent as a string, it would be encoded twice, once to measure
 * its Content-Length and again onto the socket (a 78 KB board in Chinese: 7 % of its CPU).
 */
function sendHtml(reply: import('fastify').FastifyReply, html: string) {
  return reply.type('text/html; charset=utf-8').send(Buffer.from(html));
}

export default fp(async (app) => {
  await app.register(view, {
    engine: { handlebars: createHandlebars() },
    root: viewsDir,
    // No global layout: @fastify/view takes one either globally or per render, and pages for
    // outside visitors have their own (publicPage).
    viewExt: 'hbs',
    production: process.env.NODE_ENV !== 'development',
    // preventIndent: a partial's lines are not re-indented, so text in <textarea> and <pre> stays as typed.
    options: { partials: partialsIn(path.join(viewsDir, 'partials')), compileOptions: { preventIndent: true } },
  });

  app.decorateReply('page', async function page(this: import('fastify').FastifyReply, template: string, data: Record<string, unknown> = {}) {
    const req = this.request;
    const actor = req.actor;
    const can = (p: Permission) => Boolean(actor && allows(actor, p));
    // The bell's count: one indexed count per page for a signed-in user, nothing otherwise.
    const unread = actor?.userId ? await this.server.services.notifications.unreadCount(actor) : 0;
    // License problems for those who can act on them (cached in the service: no cost per page).
    const licenseNotices = actor?.userId && can('settings.update') ? await this.server.services.license.notices() : [];
    // A failed backup is never silent: administrators see it on every page until one succeeds.
    const backupAlert = actor?.userId && can('settings.update') ? await this.server.services.backups.alert() : null;
    const context = {
      ...data,
      locale: req.locale,
      lang: req.locale === 'zh-CN' ? 'zh-CN' : 'en',
      locales: LOCALES,
      timezone: req.company?.timezone ?? 'UTC',
      currency: req.company?.currency ?? 'CNY',
      company: req.company,
      actor,
      version: packageJson.version,
      csrfToken: this.generateCsrf({ userInfo: csrfUserInfo(req) }),
      path: req.url.split('?')[0],
      unread,
      licenseNotices,
      backupAlert,
      nav: actor
        ? {
            companies: can('companies.read'),
            contacts: can('contacts.read'),
            activities: can('activities.read'),
            tasks: can('tasks.read'),
            deals: can('deals.read'),
            leads: can('leads.read'),
            pipelines: can('pipelines.update'),
            search: can('companies.read') || can('contacts.read'),
            users: can('users.read') && can('users.update'),
            teams: can('teams.update'),
            roles: can('roles.read'),
            jobs: can('jobs.read'),
            audit: can('audit.read'),
            settings: can('settings.update'),
            license: can('settings.read'),
            backups: can('settings.update'),
            admin: can('users.update') || can('teams.update') || can('jobs.read') || can('settings.update'),
          }
        : null,
    };
    return sendHtml(this, await this.viewAsync(template, context, { layout: 'layouts/main.hbs' }));
  });

  // A page for visitors from outside (the web form's thank-you page): the company's name and the
  // view, without the CRM's navigation, session, CSRF token or scripts.
  app.decorateReply('publicPage', async function publicPage(this: import('fastify').FastifyReply, template: string, data: Record<string, unknown> = {}) {
    const req = this.request;
    return sendHtml(this, await this.viewAsync(template, { ...data, locale: req.locale, lang: req.locale === 'zh-CN' ? 'zh-CN' : 'en', company: { name: req.company?.name }, version: packageJson.version }, { layout: 'layouts/public.hbs' }));
  });
}, { name: 'kehu-views', dependencies: ['kehu-csrf'] });
