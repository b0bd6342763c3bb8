// The dependencies every service is built from: one validated config, the database, the clock,
// the audit writer and the logger. Passed in, never imported globally.
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config/schema';
import type { Database } from './db/database';
import type { Clock } from './lib/time';
import type { AuditWriter } from './audit/writer';

export interface Core {
  config: Config;
  db: Database;
  clock: Clock;
  audit: AuditWriter;
  log: FastifyBaseLogger;
}
