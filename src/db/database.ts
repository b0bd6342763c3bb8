// Opens the database through Knex: SQLite (better-sqlite3) with the durability settings the
// product promises, or Postgres (pg) with a pool. Both return the same representation of values.
import fs from 'node:fs';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import type { Config } from '../config/schema';
import { createRowSerializer, type RowSerializer } from './rows';
import { createReader, type Reader } from './reader';
import { walDurability, type Durability } from './durability';
import { startCheckpointer } from './checkpointer';

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  knex: Knex;
  dialect: Dialect;
  /** Where the SQLite file lives (undefined on Postgres). */
  sqliteFile?: string;
  rows: RowSerializer;
  /** Fixed SQL for hot reads outside transactions (src/db/reader.ts). */
  read: Reader;
  /** SQLite opened for group commit: what an answer to a write waits for (src/db/durability.ts); else null. */
  durability: Durability | null;
  /** Queries waiting for a connection from the pool (all of them share SQLite's one connection). */
  waiting(): number;
  close(): Promise<void>;
}

const INT8_OID = 20;
// pg returns int8 (bigint ids, count(*)) as strings; Kehu's ids and counts fit in a double, and a value
// that does not is an error rather than a silently rounded number.
pg.types.setTypeParser(INT8_OID, (text: string) => {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`64-bit integer ${text} is outside the safe range`);
  return n;
});

export function resolveDatabaseUrl(config: Config): { dialect: Dialect; target: string } {
  const url = config.databaseUrl;
  if (!url) return { dialect: 'sqlite', target: path.join(config.dataDir, 'kehu.db') };
  if (url.startsWith('sqlite:')) return { dialect: 'sqlite', target: path.resolve(url.slice('sqlite:'.length)) };
  return { dialect: 'postgres', target: url };
}

/** Redacts the password of a postgres:// URL for logs and messages. */
export function describeDatabase(config: Config): string {
  const { dialect, target } = resolveDatabaseUrl(config);
  return dialect === 'sqlite' ? `sqlite:${target}` : target.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/**
 * Knex prepares every query's statement anew; on the hot paths that costs as much as running it.
 * Knex builds identical SQL text for identical query shapes, so a statement cache keyed by the
 * text lets better-sqlite3 reuse them (statements are run synchronously, never shared mid-use).
 */
function cachePreparedStatements(conn: { prepare(sql: string): unknown }): void {
  const prepare = conn.prepare.bind(conn);
  const cache = new Map<string, unknown>();
  conn.prepare = (sql: string) => {
    let statement = cache.get(sql);
    if (!statement) {
      statement = prepare(sql);
      if (cache.size >= 2000) cache.clear();
      cache.set(sql, statement);
    }
    return statement;
  };
}

/**
 * Checkpoints run on a worker thread (db/checkpointer.ts) every CHECKPOINT_INTERVAL_MS; the writer
 * checkpoints itself only once the WAL holds WAL_BOUND_PAGES (40 MB of 4 KB pages), if the worker
 * falls behind. After a checkpoint resets the WAL, its file is cut back to WAL_FILE_LIMIT bytes.
 */
const CHECKPOINT_INTERVAL_MS = 200;
const WAL_BOUND_PAGES = 10_000;
const WAL_FILE_LIMIT = 64 * 1024 * 1024;

export function knexConfigFor(config: Config, options: OpenOptions = {}): { dialect: Dialect; knexConfig: Knex.Config; sqliteFile?: string } {
  const { dialect, target } = resolveDatabaseUrl(config);
  if (dialect === 'sqlite') {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const busy = config.database.busyTimeoutMs;
    return {
      dialect,
      sqliteFile: target,
      knexConfig: {
        client: 'better-sqlite3',
        connection: { filename: target },
        useNullAsDefault: true,
        acquireConnectionTimeout: config.database.acquireTimeoutMs ?? 10_000,
        pool: {
          min: 1,
          max: 1,
          afterCreate(conn: { pragma(sql: string): unknown; prepare(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
            try {
              cachePreparedStatements(conn);
              conn.pragma('journal_mode = WAL');
              // An acknowledged write must survive a power cut: each commit flushes the WAL (FULL), or,
              // with group commit, the answer waits for a shared flush (src/db/durability.ts).
              conn.pragma(options.groupCommit ? 'synchronous = NORMAL' : 'synchronous = FULL');
              conn.pragma('foreign_keys = ON');
              conn.pragma(`busy_timeout = ${busy}`);
              conn.pragma(`wal_autocheckpoint = ${WAL_BOUND_PAGES}`);
              conn.pragma(`journal_size_limit = ${WAL_FILE_LIMIT}`);
              done(null, conn);
            } catch (err) {
              done(err as Error, conn);
            }
          },
        },
      },
    };
  }
  return {
    dialect,
    knexConfig: {
      client: 'pg',
      connection: { connectionString: target, application_name: 'kehu' },
      pool: { min: 0, max: config.database.poolMax },
      acquireConnectionTimeout: config.database.acquireTimeoutMs ?? 10_000,
    },
  };
}

export interface OpenOptions {
  /**
   * SQLite: commit without flushing and let answers to writes wait for `durability.flush()` (the
   * serving process, which awaits it before every answer to a write). Processes that do not
   * (the CLI, backup workers, restores) keep synchronous=FULL.
   */
  groupCommit?: boolean;
}

export async function openDatabase(config: Config, options: OpenOptions = {}): Promise<Database> {
  const { dialect, knexConfig, sqliteFile } = knexConfigFor(config, options);
  const knex = knexFactory(knexConfig);
  try {
    await knex.raw('select 1');
  } catch (err) {
    await knex.destroy();
    throw new Error(`cannot open the database ${describeDatabase(config)}: ${(err as Error).message}`);
  }
  const read = createReader(knex, dialect, { sqliteFile, busyTimeoutMs: config.database.busyTimeoutMs });
  // Worker threads that open the database for one job (backups) leave checkpoints to the server's.
  const checkpointer = sqliteFile && isMainThread
    ? startCheckpointer(sqliteFile, { intervalMs: CHECKPOINT_INTERVAL_MS, onWarning: (message) => process.emitWarning(`WAL checkpoints are failing: ${message}`, 'KehuCheckpointWarning') })
    : null;
  return {
    knex,
    dialect,
    sqliteFile,
    rows: createRowSerializer(knex, dialect),
    read,
    durability: sqliteFile && options.groupCommit ? walDurability(`${sqliteFile}-wal`) : null,
    waiting: () => (knex.client as { pool?: { numPendingAcquires(): number } }).pool?.numPendingAcquires() ?? 0,
    close: async () => {
      await checkpointer?.stop();
      await read.close();
      await knex.destroy();
    },
  };
}
