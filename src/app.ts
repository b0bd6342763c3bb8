// buildApp(config): the whole application as a Fastify instance, without listening. The server
// and the tests build it the same way. Migrations run first, so the schema is always current.
import crypto, { type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import qs from 'qs';
import type { Config } from './config/schema';
import { openDatabase, type Database } from './db/database';
import { migrateWithBackup, type UpgradeResult } from './backup/upgrade';
import { createAuditWriter } from './audit/writer';
import { startSealer } from './audit/background';
import { createJobRunner } from './jobs/runner';
import { registerCoreJobs } from './jobs/core-jobs';
import { registerLeadJobs } from './jobs/lead-jobs';
import { systemClock, type Clock } from './lib/time';
import { ajvOptions } from './lib/validate';
import { AppError } from './lib/errors';
import { createServices } from './services';
import type { Core } from './core';
import durableAnswers from './plugins/durable-answers';
import errorsPlugin from './plugins/errors';
import securityPlugin from './plugins/security';
import authPlugin from './plugins/auth';
import accessGuard from './plugins/access-guard';
import csrfPlugin from './plugins/csrf';
import viewsPlugin from './plugins/views';
import assetsPlugin from './plugins/assets';
import openapiPlugin from './plugins/openapi';
import { loggerOptions, OneLinePerRequest } from './logger';
import systemRoutes from './modules/system/system.routes';
import authApi from './modules/auth/auth.api';
import authPages from './modules/auth/auth.pages';
import usersApi from './modules/users/users.api';
import usersPages from './modules/users/users.pages';
import profilePages from './modules/users/profile.pages';
import teamsApi from './modules/teams/teams.api';
import teamsPages from './modules/teams/teams.pages';
import rolesApi from './modules/roles/roles.api';
import rolesPages from './modules/roles/roles.pages';
import whyApi from './modules/access/why.api';
import whyPages from './modules/access/why.pages';
import settingsApi from './modules/settings/settings.api';
import settingsPages from './modules/settings/settings.pages';
import jobsApi from './modules/jobs/jobs.api';
import jobsPages from './modules/jobs/jobs.pages';
import companiesApi from './modules/companies/companies.api';
import pipelinesApi from './modules/pipelines/pipelines.api';
import dealsApi from './modules/deals/deals.api';
import leadsApi, { webLeadForm } from './modules/leads/leads.api';
import leadsPages from './modules/leads/leads.pages';
import contactsApi from './modules/contacts/contacts.api';
import activitiesApi from './modules/activities/activities.api';
import timelineApi from './modules/timeline/timeline.api';
import tagsApi from './modules/tags/tags.api';
import attachmentsApi from './modules/attachments/attachments.api';
import savedViewsApi from './modules/saved-views/saved-views.api';
import setupPages from './modules/setup/setup.pages';
import homePages from './modules/home/home.pages';
import companiesPages from './modules/companies/companies.pages';
import contactsPages from './modules/contacts/contacts.pages';
import activitiesPages from './modules/activities/activities.pages';
import tasksPages from './modules/tasks/tasks.pages';
import dealsPages from './modules/deals/deals.pages';
import searchPages from './modules/search/search.pages';
import notificationsPages from './modules/notifications/notifications.pages';
import tagsPages from './modules/tags/tags.pages';
import attachmentsPages from './modules/attachments/attachments.pages';
import savedViewsPages from './modules/saved-views/saved-views.pages';
import sharesApi from './modules/shares/shares.api';
import sharesPages from './modules/shares/shares.pages';
import auditApi from './modules/audit/audit.api';
import auditPages from './modules/audit/audit.pages';
import backupsApi from './backup/backups.api';
import backupsPages from './backup/backups.pages';
import licenseApi from './modules/license/license.api';
import licensePages from './modules/license/license.pages';
import type { LicenseFile } from './license/license-file';

export interface AppOptions {
  config: Config;
  clock?: Clock;
  /** Run the audit sealer and scheduled jobs in this process (the server does; most tests don't). */
  background?: boolean;
  logger?: FastifyServerOptions['logger'] | false;
  /** An already opened database (the CLI reuses its own); closed with the app either way. */
  db?: Database;
  /**
   * The public key licenses are verified with. Only code can pass one (tests, with a throwaway
   * key pair); there is no config key or environment variable for it. Default: the vendor's key
   * built into src/license/vendor-key.ts.
   */
  licensePublicKey?: KeyObject | string;
  /** A license in force while none is installed in the database (tests); verified with the key above. */
  license?: LicenseFile | string | null;
  /** This version's release day, YYYY-MM-DD (tests of the updates notice); default package.json's releaseDate. */
  releaseDate?: string;
}

/** Fastify's validators: strict for bodies (no coercion, unknown fields refused), coercing for
 * querystrings and params, which arrive as text. */
function validatorCompiler() {
  const body = addFormats(new Ajv(ajvOptions));
  const text = addFormats(new Ajv({ ...ajvOptions, coerceTypes: 'array' }));
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) => (httpPart === 'body' ? body : text).compile(schema);
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  // The serving process answers writes only once they are on disk (plugins/durable-answers.ts).
  const db = options.db ?? (await openDatabase(config, { groupCommit: true }));
  let upgrade: UpgradeResult;
  try {
    // Pending migrations run behind an automatic backup when the database holds data.
    upgrade = await migrateWithBackup(db, config);
    await db.rows.refresh();
  } catch (err) {
    await db.close();
    throw err;
  }

  const https = config.tls.certFile ? { key: fs.readFileSync(config.tls.keyFile), cert: fs.readFileSync(config.tls.certFile) } : null;
  const app = Fastify({
    logger: options.logger === undefined ? loggerOptions(config) : options.logger,
    ...(https ? { https } : {}),
    trustProxy: config.trustProxy,
    bodyLimit: config.bodyLimitBytes,
    genReqId: () => crypto.randomUUID(),
    routerOptions: {
      ignoreTrailingSlash: true,
      maxParamLength: 200,
      // filter[created_at][gte]=... arrives as nested objects
      querystringParser: (str: string) => qs.parse(str, { depth: 3, arrayLimit: 100, parameterLimit: 200 }),
    },
    return503OnClosing: true,
    logController: new OneLinePerRequest(),
    forceCloseConnections: 'idle',
  });
  app.setValidatorCompiler(validatorCompiler());
  if (upgrade.applied.length) app.log.info({ applied: upgrade.applied, backup: upgrade.backup?.path ?? null }, 'migrations applied');

  const core: Core = { config, db, clock, audit: createAuditWriter(clock), log: app.log };
  const services = createServices(core, { license: { publicKey: options.licensePublicKey, bundledLicense: options.license, releaseDate: options.releaseDate } });
  await services.roles.ensureBuiltins();
  const jobs = createJobRunner({ knex: db.knex, clock, log: app.log });
  registerCoreJobs(jobs, core, services);
  registerLeadJobs(jobs, core, services);
  app.decorate('core', core);
  app.decorate('services', services);
  app.decorate('jobs', jobs);

  await app.register(errorsPlugin);
  await app.register(durableAnswers);
  await app.register(openapiPlugin);
  await app.register(securityPlugin);
  await app.register(formbody);
  await app.register(multipart, { limits: { fileSize: config.attachments.maxBytes, files: 1, fields: 10 } });
  await app.register(authPlugin);
  await app.register(accessGuard); // its onRequest hook must run after the auth plugin's
  await app.register(csrfPlugin);
  await app.register(viewsPlugin);
  await app.register(assetsPlugin);

  await app.register(systemRoutes);
  await app.register(setupPages);
  await app.register(authPages);
  await app.register(homePages);
  await app.register(profilePages);
  await app.register(usersPages);
  await app.register(teamsPages);
  await app.register(rolesPages);
  await app.register(whyPages);
  await app.register(settingsPages);
  await app.register(jobsPages);
  await app.register(companiesPages);
  await app.register(contactsPages);
  await app.register(activitiesPages);
  await app.register(tasksPages);
  await app.register(dealsPages);
  await app.register(webLeadForm);
  await app.register(leadsPages);
  await app.register(searchPages);
  await app.register(notificationsPages);
  await app.register(tagsPages);
  await app.register(attachmentsPages);
  await app.register(savedViewsPages);
  await app.register(sharesPages);
  await app.register(auditPages);
  await app.register(backupsPages);
  await app.register(licensePages);
  await app.register(async (api) => {
    // The API speaks JSON: a form or text body is refused with 415 rather than half-understood
    // (file uploads, multipart, are the one exception).
    api.addHook('onRequest', async (req) => {
      const type = req.headers['content-type'];
      if (!type || type.startsWith('application/json')) return;
      if (type.startsWith('multipart/form-data') && req.url.split('?')[0].endsWith('/attachments')) return;
      throw new AppError(415, 'unsupported_media_type', 'send the body as application/json');
    });
    await api.register(authApi);
    await api.register(usersApi);
    await api.register(teamsApi);
    await api.register(rolesApi);
    await api.register(whyApi);
    await api.register(settingsApi);
    await api.register(jobsApi);
    await api.register(companiesApi);
    await api.register(contactsApi);
    await api.register(pipelinesApi);
    await api.register(dealsApi);
    await api.register(leadsApi);
    await api.register(activitiesApi);
    await api.register(timelineApi);
    await api.register(tagsApi);
    await api.register(attachmentsApi);
    await api.register(savedViewsApi);
    await api.register(sharesApi);
    await api.register(auditApi);
    await api.register(backupsApi);
    await api.register(licenseApi);
  }, { prefix: '/api/v1' });

  let stopSealer: (() => Promise<void>) | undefined;
  if (options.background) {
    app.addHook('onReady', async () => {
      stopSealer = startSealer(core);
      if (config.jobs.enabled) jobs.start((await services.settings.company()).timezone);
    });
  }
  app.addHook('onClose', async () => {
    await stopSealer?.();
    await jobs.stop();
    await db.close();
  });
  return app;
}
