// What a CLI command works with: the same config, database, services and audit writer as the
// server, with a system actor instead of a signed-in user.
import os from 'node:os';
import type { KeyObject } from 'node:crypto';
import pino from 'pino';
import type { Config } from '../config/schema';
import { openDatabase } from '../db/database';
import { migrateWithBackup } from '../backup/upgrade';
import { createAuditWriter } from '../audit/writer';
import { systemClock } from '../lib/time';
import { createServices, type Services } from '../services';
import type { Core } from '../core';
import { BUILTIN_ROLES } from '../access/catalog';
import { SYSTEM_ACTOR_BASE, type Actor } from '../access/scope';

export interface CliContext {
  core: Core;
  services: Services;
  actor: Actor;
  close(): Promise<void>;
}

/** What only code can pass to a command (a test's license key); never read from config or the environment. */
export interface CliRuntime {
  licensePublicKey?: KeyObject | string;
}

export async function openCliContext(config: Config, runtime: CliRuntime = {}): Promise<CliContext> {
  const db = await openDatabase(config);
  await migrateWithBackup(db, config);
  await db.rows.refresh();
  const log = pino({ level: config.logLevel === 'info' ? 'warn' : config.logLevel }, pino.destination(2));
  const core: Core = { config, db, clock: systemClock, audit: createAuditWriter(systemClock), log };
  const services = createServices(core, { license: { publicKey: runtime.licensePublicKey } });
  await services.roles.ensureBuiltins();
  const actor: Actor = { ...SYSTEM_ACTOR_BASE, teamPaths: [], teamIds: [], sharedTypes: [], permissions: BUILTIN_ROLES.admin.permissions, locale: 'en', ip: `cli@${os.hostname()}`, userAgent: `kehu-cli (${os.userInfo().username})` };
  return { core, services, actor, close: () => db.close() };
}
