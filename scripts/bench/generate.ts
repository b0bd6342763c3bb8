// Bench data generator: `npm run bench:data -- --db sqlite|postgres --users 200 --seed 42 [--out <dir or postgres url>]`.
// Opens a Kehu database through the product (config, migrations, built-in roles), runs the
// registered table generators in dependency order and bulk-loads their rows; reports rows/s per table.
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { loadConfig } from '../../src/config/load';
import { openCliContext } from '../../src/cli/context';
import { hashPassword } from '../../src/lib/passwords';
import { BUILTIN_ROLE_KEYS } from '../../src/access/catalog';
import type { Dialect } from '../../src/db/database';
import { GENERATORS, inDependencyOrder } from './data';
import { Rng } from './data/rng';
import type { BenchRefs, BenchSamples, BenchScale, GenContext, RoleKey } from './data/types';
import { finishLoad, loadRows } from './lib/load';
import { createPostgresDatabase, adminDatabaseUrl, withDatabase } from './lib/database';
import { ArgsError, parseArgs } from './lib/args';

/** Every generated user signs in with this password (its hash is computed once per data set). */
export const BENCH_PASSWORD = 'Bench-pass-2026!';

/** The reference "now" of generated data: fixed, so a seed always gives the same rows. */
export const DEFAULT_NOW = '2026-11-01T00:00:00.000Z';

export interface GenerateOptions {
  databaseUrl: string;
  dataDir: string;
  scale: BenchScale;
  seed: number;
  now?: Date;
  log?: (line: string) => void;
}

export interface TableStat {
  generator: string;
  table: string;
  rows: number;
  loadMs: number;
  rowsPerSecond: number;
}

export interface BenchAccount {
  id: number;
  email: string;
  name: string;
  locale: string | null;
}

export interface GenerateResult {
  dialect: Dialect;
  company: string;
  password: string;
  hashMs: number;
  generators: Array<{ name: string; generateMs: number }>;
  tables: TableStat[];
  totalMs: number;
  /** Active users with a password, per role (up to 100 each), for signing in. */
  accounts: Record<RoleKey, BenchAccount[]>;
  /** Ids and terms that exist in the data, for scenarios (see data/types.ts BenchSamples). */
  samples: BenchSamples;
}

export async function generateData(options: GenerateOptions): Promise<GenerateResult> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const { config } = loadConfig({ env: { KEHU_DATA_DIR: options.dataDir, KEHU_DATABASE_URL: options.databaseUrl, KEHU_LOG_LEVEL: 'warn' } });
  // The product's own path: open, migrate, read column types, create the built-in roles.
  const ctx = await openCliContext(config);
  try {
    const { core, services } = ctx;
    const { knex, dialect } = core.db;
    if ((await services.users.count()) > 0) throw new Error(`the database ${options.databaseUrl} already has users; bench data goes into an empty Kehu database`);
    const roleRows: Array<{ id: number; key: string }> = await knex('roles').select('id', 'key');
    const roleIds = Object.fromEntries(roleRows.map((r) => [r.key, Number(r.id)])) as Record<RoleKey, number>;

    const hashStart = performance.now();
    const passwordHash = await hashPassword(BENCH_PASSWORD); // once: argon2 is deliberately slow
    const hashMs = performance.now() - hashStart;

    const refs: BenchRefs = {};
    const now = options.now ?? new Date(DEFAULT_NOW);
    const generators: GenerateResult['generators'] = [];
    const tables: TableStat[] = [];
    for (const gen of inDependencyOrder(GENERATORS)) {
      const gctx: GenContext = {
        seed: options.seed, rng: Rng.derive(options.seed, gen.name), scale: options.scale, now, dialect, knex, roleIds,
        password: BENCH_PASSWORD, passwordHash, refs, core, services, log,
      };
      const t0 = performance.now();
      const produced = await gen.generate(gctx);
      const generateMs = performance.now() - t0;
      generators.push({ name: gen.name, generateMs });
      for (const { table, rows } of produced) {
        if (!gen.tables.includes(table)) throw new Error(`generator ${gen.name} produced rows for ${table}, which it does not declare`);
        const l0 = performance.now();
        await loadRows(core.db, table, rows);
        const loadMs = performance.now() - l0;
        const stat = { generator: gen.name, table, rows: rows.length, loadMs, rowsPerSecond: rows.length / Math.max(loadMs / 1000, 1e-6) };
        tables.push(stat);
        log(`  ${table.padEnd(14)} ${String(rows.length).padStart(9)} rows   load ${loadMs.toFixed(0).padStart(6)} ms   ${Math.round(stat.rowsPerSecond).toLocaleString('en-US').padStart(10)} rows/s`);
      }
      if (gen.afterLoad) await gen.afterLoad(gctx);
      log(`  ${`(${gen.name})`.padEnd(14)} generated in ${generateMs.toFixed(0)} ms`);
    }
    await finishLoad(core.db, tables.map((t) => t.table));

    const accounts = Object.fromEntries(BUILTIN_ROLE_KEYS.map((k) => [k, [] as BenchAccount[]])) as Record<RoleKey, BenchAccount[]>;
    for (const u of refs.users ?? []) {
      if (u.active && u.hasPassword && accounts[u.role].length < 100) accounts[u.role].push({ id: u.id, email: u.email, name: u.name, locale: u.locale });
    }
    return { dialect, company: refs.company?.name ?? '', password: BENCH_PASSWORD, hashMs, generators, tables, totalMs: performance.now() - started, accounts, samples: refs.samples ?? {} };
  } finally {
    await ctx.close();
  }
}

// ---- command line ---------------------------------------------------------------------------------

const USAGE = `Usage: npm run bench:data -- --db sqlite|postgres [--users 200] [--seed 42] [--out <dir or postgres url>] [--now <iso time>]
  --out   SQLite: the data directory (kehu.db is created in it); default: a directory under ${os.tmpdir()}, replaced.
          Postgres: the database URL; default: ${withDatabase(adminDatabaseUrl, 'kehu_bench')}, dropped and recreated.
          An explicit --out must be empty (no users yet); it is created and migrated if needed.
  Other sizes: ${GENERATORS.flatMap((g) => g.scaleKeys ?? []).map((k) => `--${k} N`).join(' ') || '(none yet)'}`;

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.flag('help')) {
    console.log(USAGE);
    return 0;
  }
  const scaleKeys = GENERATORS.flatMap((g) => g.scaleKeys ?? []);
  args.only(['db', 'users', 'seed', 'out', 'now', 'help', ...scaleKeys]);
  const db = args.string('db');
  if (db !== 'sqlite' && db !== 'postgres') throw new ArgsError('--db must be sqlite or postgres');
  const users = args.number('users', 200)!;
  if (!Number.isInteger(users) || users < 20) throw new ArgsError('--users must be an integer of at least 20');
  const seed = args.number('seed', 42)!;
  const scale: BenchScale = { users };
  for (const k of scaleKeys) {
    const v = args.number(k);
    if (v !== undefined) scale[k] = v;
  }
  const nowText = args.string('now');
  const now = nowText ? new Date(nowText) : undefined;
  if (now && Number.isNaN(now.getTime())) throw new ArgsError('--now must be an ISO time');

  const out = args.string('out');
  let dataDir: string;
  let databaseUrl: string;
  if (db === 'sqlite') {
    dataDir = path.resolve(out ?? path.join(os.tmpdir(), `kehu-bench-data-${seed}-${users}`));
    if (!out) fs.rmSync(dataDir, { recursive: true, force: true });
    fs.mkdirSync(dataDir, { recursive: true });
    databaseUrl = `sqlite:${path.join(dataDir, 'kehu.db')}`;
  } else {
    databaseUrl = out ?? withDatabase(adminDatabaseUrl, 'kehu_bench');
    if (!/^postgres(ql)?:\/\//.test(databaseUrl)) throw new ArgsError('--out must be a postgres:// URL with --db postgres');
    const created = await createPostgresDatabase(databaseUrl, { recreate: !out });
    if (created) console.log(`created database ${new URL(databaseUrl).pathname.slice(1)}`);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kehu-bench-pgdata-'));
  }

  console.log(`bench data: ${db}, ${users} users, seed ${seed} -> ${databaseUrl.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')}`);
  // On Postgres the data directory is only a formality of the config (nothing is written to it).
  const result = await generateData({ databaseUrl, dataDir, scale, seed, now, log: (l) => console.log(l) }).finally(() => {
    if (db === 'postgres') fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const rows = result.tables.reduce((a, t) => a + t.rows, 0);
  console.log(`done in ${(result.totalMs / 1000).toFixed(1)} s (${rows} rows; password hashed once in ${result.hashMs.toFixed(0)} ms)`);
  console.log(`company: ${result.company}`);
  console.log(`sign in with password ${result.password} as, for example:`);
  for (const [role, list] of Object.entries(result.accounts)) if (list.length) console.log(`  ${role.padEnd(8)} ${list[0].email}  (${list[0].name}; ${list.length} such accounts)`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof ArgsError ? `bench:data: ${err.message}\n\n${USAGE}` : err);
      process.exit(1);
    },
  );
}
