// Issue 6's audit figures at 10,000,000 entries, on SQLite or Postgres:
//   fill     a fresh Kehu database (300 generated users) gets N valid, sealed, hash-chained audit
//            entries over 12 months, built with the product's own entryHash/commitment
//            (src/audit/chain.ts) and bulk-loaded (secondary indexes built once afterwards);
//   verify   the product's verifyChain over all of them, in this process: entries/s;
//   filter   a real Kehu process (node dist/src/main.js serve) answers GET /api/v1/audit-log
//            filtered by one user and one month, as an auditor, at 10 and 50 connections: p50/p95/p99;
//   create   POST /api/v1/contacts as a sales rep through the same server (p95), then the audit
//            write's share of creating a contact, measured in this process on the same database:
//            interleaved blocks of contacts.create with the product's writer (A) and with the
//            writer replaced in this process only by one that writes nothing (B). The product has
//            no switch to turn auditing off; the replacement exists only inside this script.
// Usage: npx tsx scripts/bench/audit.ts --db sqlite|postgres [--entries 10000000] [--users 300]
//        [--connections 1,10,50] [--rate 100] [--duration 10] [--creates 3000] [--keep] [--only fill,verify,filter,create]
//        [--workers N (verify)] [--cpu-prof DIR (Kehu under node --cpu-prof)]
//        [--data DIR --database-url URL  (reuse a kept data set; the fill is skipped)]
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';
import { loadConfig } from '../../src/config/load';
import { openCliContext, type CliContext } from '../../src/cli/context';
import { commitment, entryHash, GENESIS_HASH, type ChainFields } from '../../src/audit/chain';
import { verifyChain } from '../../src/audit/verify';
import { sealAll } from '../../src/audit/sealer';
import { archiveDir } from '../../src/audit/archive';
import type { AuditWriter } from '../../src/audit/writer';
import type { Actor } from '../../src/access/scope';
import type { Database } from '../../src/db/database';
import { generateData, type GenerateResult } from './generate';
import { parseArgs } from './lib/args';
import { createBenchDatabase, type BenchDatabase } from './lib/database';
import { drive, type BenchRequest, type DriveResult } from './lib/drive';
import { loadAverage, machine, gitCommit } from './lib/machine';
import { REPO, cpuMs, startKehu, KEHU_MAIN } from './lib/process';
import { finishLoad } from './lib/load';
import { Rng } from './data/rng';
import { scenarioContext } from './run';

const args = parseArgs(process.argv.slice(2), ['keep']);
args.only(['db', 'entries', 'users', 'connections', 'rate', 'duration', 'creates', 'keep', 'only', 'data', 'database-url', 'seed', 'workers', 'cpu-prof']);
const dbArg = args.string('db');
if (dbArg !== 'sqlite' && dbArg !== 'postgres') throw new Error('--db sqlite|postgres');
const dialect: 'sqlite' | 'postgres' = dbArg;
const ENTRIES = args.number('entries', 10_000_000)!;
const USERS = args.number('users', 300)!;
const CONNECTIONS = (args.string('connections') ?? '1,10,50').split(',').map(Number);
/** verifyChain's worker threads (default: the product's, one per CPU up to 4). */
const WORKERS = args.number('workers');
/** Kehu runs under node --cpu-prof, profiles written here (summarise with scripts/bench/profile-summary.ts). */
const CPU_PROF = args.string('cpu-prof');
const DURATION = args.number('duration', 10)!;
/** Also an offered rate over 50 connections (auditors clicking, not a closed loop of back-to-back requests); 0: none. */
const RATE = args.number('rate', 100)!;
const CREATES = args.number('creates', 3000)!;
const SEED = args.number('seed', 42)!;
const only = new Set((args.string('only') ?? 'fill,verify,filter,create').split(','));
const DAY = 86_400_000;
/** Entries span the 12 months before the run; online retention above that, so nothing rotates meanwhile. */
const RETENTION_DAYS = '400';

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const ms = (x: number) => x.toFixed(1);
const figures = (r: DriveResult) => `${r.rps.toFixed(0)} req/s, p50 ${ms(r.p50)} / p95 ${ms(r.p95)} / p99 ${ms(r.p99)} ms, ${r.requests} requests, errors ${r.errors}, non-2xx ${r.non2xx}`;

// ---- the fill ------------------------------------------------------------------------------------

const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.45',
  'Mozilla/5.0 (Linux; Android 14; V2309A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0 Mobile Safari/537.36',
  'kehu-sync/1.4 (api)',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0',
];
const TYPES = ['contacts', 'companies', 'activities', 'tasks'] as const;
const FIELDS: Record<string, string[]> = {
  contacts: ['name', 'title', 'mobile', 'email', 'wechat', 'company_id', 'owner_id', 'notes'],
  companies: ['name', 'grade', 'phone', 'city', 'owner_id', 'industry'],
  activities: ['subject', 'outcome', 'occurred_at'],
  tasks: ['title', 'due_at', 'done_at', 'owner_id'],
};

/** Rows as value arrays in ENTRY_COLS / VALUE_COLS order (no per-row objects to build twice). */
interface Generated {
  entries: unknown[][];
  values: unknown[][];
}

/** Entries 1..n in time order over [start, end): seq = id, chained from the genesis hash. */
function* generateEntries(n: number, userIds: number[], start: number, end: number, chunk: number): Generator<Generated> {
  const rng = Rng.derive(SEED, 'audit');
  const hex = (words: number) => {
    let s = '';
    for (let i = 0; i < words; i++) s += ((rng.next() * 0x100000000) >>> 0).toString(16).padStart(8, '0');
    return s;
  };
  const step = (end - start) / n;
  let prev = GENESIS_HASH;
  let valueId = 0;
  for (let from = 0; from < n; from += chunk) {
    const out: Generated = { entries: [], values: [] };
    for (let i = from; i < Math.min(n, from + chunk); i++) {
      const id = i + 1;
      // A skewed share per user (the busiest rep writes most), ~2% by the system (jobs, failed sign-ins).
      const r = rng.next();
      const user = userIds[Math.floor(userIds.length * Math.pow(rng.next(), 1.7))];
      const at = new Date(Math.floor(start + i * step + rng.next() * step * 0.9)).toISOString();
      let action: string;
      let recordType: string;
      let recordId: string | null;
      let actor: number | null = user;
      let changed: Array<[string, unknown, unknown]> = [];
      if (r < 0.08) { action = 'sign_in'; recordType = 'sessions'; recordId = String(rng.int(1, 5_000_000)); }
      else if (r < 0.12) { action = 'sign_out'; recordType = 'sessions'; recordId = String(rng.int(1, 5_000_000)); }
      else if (r < 0.13) { action = 'sign_in_failed'; recordType = 'users'; recordId = String(user); actor = null; changed = [['email', null, `user${user}@example.com`]]; }
      else if (r < 0.14) { action = 'export'; recordType = rng.pick(['contacts', 'companies']); recordId = null; changed = [['filter', null, { owner_id: user }]]; }
      else {
        recordType = rng.pick(TYPES);
        recordId = String(rng.int(1, 1_000_000));
        const fields = FIELDS[recordType];
        if (r < 0.40) { action = 'create'; changed = [[fields[0], null, `新建 ${id}`], ['owner_id', null, user]]; }
        else if (r < 0.93) {
          action = 'update';
          const k = rng.chance(0.3) ? 2 : 1;
          for (let j = 0; j < k; j++) {
            const f = fields[(j + rng.int(0, fields.length - 1)) % fields.length];
            if (!changed.some((c) => c[0] === f)) changed.push([f, `旧值 ${rng.int(1, 99999)}`, `新值 ${rng.int(1, 99999)}`]);
          }
        }
        else if (r < 0.96) { action = 'assign'; changed = [['owner_id', user, userIds[rng.int(0, userIds.length - 1)]]]; }
        else if (r < 0.985) { action = 'delete'; }
        else { action = 'restore'; }
      }
      const committed: Record<string, [string, string]> = {};
      for (const [field, before, after] of changed) {
        const salt = hex(4);
        committed[field] = [commitment(salt, `${field}:before`, before), commitment(salt, `${field}:after`, after)];
        out.values.push([++valueId, id, field, salt, JSON.stringify(before ?? null), JSON.stringify(after ?? null)]);
      }
      const e: ChainFields = {
        seq: id, id, at, actor_id: actor,
        ip: actor === null ? `203.0.113.${rng.int(1, 254)}` : `10.${user % 250}.${rng.int(0, 2)}.${(user * 7) % 250 + 1}`,
        user_agent: AGENTS[(user + (rng.chance(0.2) ? 1 : 0)) % AGENTS.length],
        request_id: `${hex(2)}-${hex(1).slice(0, 4)}-4${hex(1).slice(0, 3)}-${hex(1).slice(0, 4)}-${hex(3).slice(0, 12)}`,
        action, record_type: recordType, record_id: recordId,
        changes: changed.length ? JSON.stringify(committed) : null,
      };
      const hash = entryHash(prev, e);
      out.entries.push([e.id, e.seq, e.at, e.actor_id, e.ip, e.user_agent, e.request_id, e.action, e.record_type, e.record_id, e.changes, prev, hash]);
      prev = hash;
    }
    yield out;
  }
}

const ENTRY_COLS = ['id', 'seq', 'at', 'actor_id', 'ip', 'user_agent', 'request_id', 'action', 'record_type', 'record_id', 'changes', 'prev_hash', 'hash'] as const;
const VALUE_COLS = ['id', 'entry_id', 'field', 'salt', 'before_value', 'after_value'] as const;

async function fillSqlite(db: Database, gen: Generator<Generated>): Promise<void> {
  const conn: BetterSqlite3.Database = await db.knex.client.acquireConnection();
  const indexes = conn.prepare("select name, sql from sqlite_master where type = 'index' and tbl_name in ('audit_log', 'audit_values') and sql is not null").all() as Array<{ name: string; sql: string }>;
  try {
    for (const ix of indexes) conn.exec(`drop index "${ix.name}"`);
    conn.pragma('cache_size = -1048576');
    const insE = conn.prepare(`insert into audit_log (${ENTRY_COLS.join(', ')}) values (${ENTRY_COLS.map(() => '?').join(', ')})`);
    const insV = conn.prepare(`insert into audit_values (${VALUE_COLS.join(', ')}) values (${VALUE_COLS.map(() => '?').join(', ')})`);
    const load = conn.transaction((g: Generated) => {
      for (const e of g.entries) insE.run(e);
      for (const v of g.values) insV.run(v);
    });
    let done = 0;
    for (const g of gen) {
      load(g);
      done += g.entries.length;
      if (done % 1_000_000 === 0) log(`  ${done.toLocaleString('en-US')} entries`);
    }
  } finally {
    log(`  building ${indexes.length} indexes`);
    for (const ix of indexes) conn.exec(ix.sql);
    conn.exec('analyze audit_log');
    db.knex.client.releaseConnection(conn);
  }
}

async function fillPostgres(db: Database, gen: Generator<Generated>): Promise<void> {
  const conn: pg.Client = await db.knex.client.acquireConnection();
  const types = async (table: string) => new Map((await conn.query<{ column_name: string; udt_name: string }>('select column_name, udt_name from information_schema.columns where table_schema = current_schema() and table_name = $1', [table])).rows.map((r) => [r.column_name, r.udt_name]));
  const sqlFor = async (table: string, cols: readonly string[]) => {
    const t = await types(table);
    return `insert into ${table} (${cols.join(', ')}) select * from unnest(${cols.map((c, i) => `$${i + 1}::${t.get(c)}[]`).join(', ')})`;
  };
  const insE = await sqlFor('audit_log', ENTRY_COLS);
  const insV = await sqlFor('audit_values', VALUE_COLS);
  const indexes = (await conn.query<{ indexname: string; indexdef: string }>(
    `select indexname, indexdef from pg_indexes where schemaname = current_schema() and tablename in ('audit_log', 'audit_values')
     and indexname not in (select conname from pg_constraint where conrelid in ('audit_log'::regclass, 'audit_values'::regclass))`,
  )).rows;
  try {
    await conn.query('begin');
    for (const ix of indexes) await conn.query(`drop index "${ix.indexname}"`);
    await conn.query('set local synchronous_commit = off');
    // The generated values all belong to generated entries: skip the per-row foreign-key trigger
    // for this load (superuser only; the constraint stays declared and applies to every later write).
    await conn.query('set local session_replication_role = replica');
    let done = 0;
    for (const g of gen) {
      await conn.query(insE, ENTRY_COLS.map((_, i) => g.entries.map((e) => e[i])));
      if (g.values.length) await conn.query(insV, VALUE_COLS.map((_, i) => g.values.map((v) => v[i])));
      done += g.entries.length;
      if (done % 1_000_000 === 0) log(`  ${done.toLocaleString('en-US')} entries`);
    }
    log(`  building ${indexes.length} indexes`);
    await conn.query("set local maintenance_work_mem = '1GB'");
    for (const ix of indexes) await conn.query(ix.indexdef);
    await conn.query('commit');
  } catch (err) {
    await conn.query('rollback');
    throw err;
  } finally {
    db.knex.client.releaseConnection(conn);
  }
}

// ---- measuring -------------------------------------------------------------------------------------

function ensureBuilt(): void {
  // dist/ must be the code of this tree; a quick incremental tsc when anything is newer.
  log('building dist/ (npm run build)');
  const r = spawnSync('npm', ['run', 'build'], { cwd: REPO, stdio: 'inherit' });
  if (r.status !== 0 && !fs.existsSync(KEHU_MAIN)) throw new Error('npm run build failed');
}

const sortNumbers = (x: number[]) => [...x].sort((a, b) => a - b);

function p(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((q / 100) * sorted.length) - 1))];
}

async function main(): Promise<void> {
  const m = machine();
  log(`machine: ${m.summary}; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; commit ${gitCommit()}; ${dialect}, ${ENTRIES.toLocaleString('en-US')} entries`);
  const reuse = args.string('data');
  let bench: BenchDatabase;
  if (reuse) bench = { dialect, dataDir: path.resolve(reuse), databaseUrl: args.string('database-url') ?? `sqlite:${path.join(path.resolve(reuse), 'kehu.db')}`, drop: async () => {} };
  else bench = await createBenchDatabase(dialect, 'audit');
  const resultFile = path.join(bench.dataDir, 'generate-result.json');
  const config = loadConfig({ env: {}, overrides: { dataDir: bench.dataDir, databaseUrl: bench.databaseUrl, logLevel: 'warn', audit: { retentionDays: Number(RETENTION_DAYS) } } }).config;
  const report: string[] = [];
  try {
    let data: GenerateResult;
    if (!reuse) {
      const t0 = performance.now();
      data = await generateData({ databaseUrl: bench.databaseUrl, dataDir: bench.dataDir, scale: { users: USERS, contacts: 0, companies: 0, activities: 0 }, seed: SEED });
      fs.writeFileSync(resultFile, JSON.stringify(data));
      log(`users: ${USERS} generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } else data = JSON.parse(fs.readFileSync(resultFile, 'utf8'));

    let ctx: CliContext = await openCliContext(config);
    try {
      const { knex } = ctx.core.db;
      if (only.has('fill') && !reuse) {
        // The users' own setup entries are replaced by the generated chain (seq 1..N).
        await knex('audit_values').del();
        await knex('audit_log').del();
        const userIds = (await knex('users').select('id').orderBy('id')).map((r) => Number(r.id));
        const end = Date.now() - 3_600_000;
        const start = end - 365 * DAY;
        const t0 = performance.now();
        const gen = generateEntries(ENTRIES, userIds, start, end, dialect === 'sqlite' ? 100_000 : 10_000);
        if (dialect === 'sqlite') await fillSqlite(ctx.core.db, gen);
        else await fillPostgres(ctx.core.db, gen);
        await finishLoad(ctx.core.db, ['audit_log', 'audit_values']);
        const s = (performance.now() - t0) / 1000;
        const values = Number((await knex('audit_values').count({ n: '*' }).first())?.n);
        const line = `fill: ${ENTRIES.toLocaleString('en-US')} entries (+ ${values.toLocaleString('en-US')} audit_values rows) over ${userIds.length} users and 12 months in ${s.toFixed(0)} s (${Math.round(ENTRIES / s).toLocaleString('en-US')} entries/s, hashing and index builds included)`;
        log(line);
        report.push(line);
      }
      if (only.has('verify')) {
        const load = loadAverage();
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        const v = await verifyChain(knex, { archiveDir: archiveDir(bench.dataDir), ...(WORKERS === undefined ? {} : { workers: WORKERS }) });
        const s = (performance.now() - t0) / 1000;
        const cpu = process.cpuUsage(cpu0);
        const cpuUs = cpu.user + cpu.system;
        const line = `verify (workers: ${WORKERS ?? `default, ${Math.min(4, os.availableParallelism())}`}, load ${load}): ok=${v.ok} ${v.problem ? JSON.stringify(v.problem) : ''}, ${v.checked.toLocaleString('en-US')} entries in ${s.toFixed(1)} s = ${Math.round(v.checked / s).toLocaleString('en-US')} entries/s; this process's CPU (all threads; Postgres's own work not included) ${(cpuUs / v.checked).toFixed(1)} µs/entry`;
        log(line);
        report.push(line);
        if (!v.ok) throw new Error('the generated chain does not verify');
      }
    } finally {
      await ctx.close();
    }

    const accounts = data.accounts;
    if (only.has('filter') || only.has('create')) {
      ensureBuilt();
      const kehu = await startKehu(bench, { logFile: path.join(bench.dataDir, 'kehu.log'), extraEnv: { KEHU_AUDIT_RETENTION_DAYS: RETENTION_DAYS, KEHU_BACKUP_SCHEDULE: '' }, ...(CPU_PROF ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${path.resolve(CPU_PROF)}`] } : {}) });
      try {
        const sctx = scenarioContext(kehu.url, data, SEED, 'audit');
        /** A measured run, with Kehu's own CPU time per request (independent of the scheduler). */
        const measured = async (o: Parameters<typeof drive>[0]) => {
          const c0 = cpuMs(kehu.pid);
          const r = await drive(o);
          return { r, cpu: `Kehu CPU ${((cpuMs(kehu.pid) - c0) / Math.max(1, r.requests)).toFixed(2)} ms/request` };
        };
        if (only.has('filter')) {
          const token = await sctx.signInApi('auditor');
          const rng = Rng.derive(SEED, 'audit-filter');
          const userIds = [...new Set(Object.values(accounts).flat().map((a) => a.id))];
          const requests: BenchRequest[] = [];
          const now = new Date();
          for (let i = 0; i < 200; i++) {
            const back = rng.int(0, 11);
            const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
            const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0));
            const d = (x: Date) => x.toISOString().slice(0, 10);
            requests.push({ method: 'GET', path: `/api/v1/audit-log?filter[actor_id]=${rng.pick(userIds)}&filter[at][gte]=${d(first)}&filter[at][lte]=${d(last)}`, label: 'user+month' });
          }
          const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
          // Every variant answers 2xx with entries (sampled), before anything is timed.
          let rows = 0;
          for (const r of requests.slice(0, 20)) rows += ((await sctx.getJson(r.path, headers)) as { data: unknown[] }).data.length;
          log(`filter: 20 sample answers carry ${rows} entries (a page is at most 50)`);
          await drive({ url: kehu.url, connections: 10, durationS: 3, headers, requests, seed: SEED });
          for (const c of CONNECTIONS) {
            const load = loadAverage();
            const { r, cpu } = await measured({ url: kehu.url, connections: c, durationS: DURATION, headers, requests, seed: SEED });
            const line = `filter by user and month (GET /api/v1/audit-log, auditor, 200 user×month variants), ${c} connections, ${DURATION} s, load ${load}: ${figures(r)}; ${cpu}`;
            log(line);
            report.push(line);
          }
          if (RATE) {
            const load = loadAverage();
            const { r, cpu } = await measured({ url: kehu.url, connections: 50, durationS: DURATION, rate: RATE, headers, requests, seed: SEED });
            const line = `filter by user and month, offered ${RATE} req/s over 50 connections, ${DURATION} s, load ${load}: ${figures(r)}; ${cpu}`;
            log(line);
            report.push(line);
          }
        }
        if (only.has('create')) {
          const token = await sctx.signInApi('sales');
          const rng = Rng.derive(SEED, 'audit-create');
          const requests: BenchRequest[] = [];
          for (let i = 0; i < 500; i++) requests.push({ method: 'POST', path: '/api/v1/contacts', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `基准联系人 ${i}`, title: rng.pick(['采购经理', '总经理', '工程师', '财务']), notes: rng.pick(['展会认识', '老客户介绍', '官网咨询']) }) });
          const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
          await drive({ url: kehu.url, connections: 10, durationS: 3, headers, requests, seed: SEED });
          const load = loadAverage();
          const { r, cpu } = await measured({ url: kehu.url, connections: 10, durationS: DURATION, headers, requests, seed: SEED });
          const line = `create a contact (POST /api/v1/contacts, sales rep), 10 connections, ${DURATION} s, load ${load}: ${figures(r)}; ${cpu}`;
          log(line);
          report.push(line);
        }
      } finally {
        await kehu.stop();
      }
    }

    if (only.has('create')) {
      // The audit write's share, in this process, on the same database (the server is stopped).
      ctx = await openCliContext(config);
      try {
        const { services, core } = ctx;
        const rep = accounts.sales[1] ?? accounts.sales[0];
        const session = await services.auth.login({ email: rep.email, password: data.password }, 'api', { ip: '127.0.0.1', userAgent: 'bench', requestId: null });
        const actor = (await services.sessions.resolve(session.sessionId, rep.id, { ip: '127.0.0.1', userAgent: 'bench', requestId: crypto.randomUUID() }, 'zh-CN')) as Actor;
        const writer: AuditWriter = core.audit;
        const real = writer.record.bind(writer);
        let inWriter = 0;
        const timed: AuditWriter['record'] = async (trx, source, event) => {
          const t0 = performance.now();
          try {
            return await real(trx, source, event);
          } finally {
            inWriter += performance.now() - t0;
          }
        };
        const nothing: AuditWriter['record'] = async () => 0;
        const withAudit: number[] = [];
        const withoutAudit: number[] = [];
        const writerMs: number[] = [];
        /** SQLite: the creates just before a WAL restart (A and B alike). */
        const checkpointed = { A: new Set<number>(), B: new Set<number>() };
        // The WAL header's checkpoint sequence number goes up when the writer after a complete
        // checkpoint starts the log again. When the writer checkpoints itself (its automatic
        // checkpoint, since ccb749f only past its 10,000-page bound) that checkpoint ran in the commit
        // of the create before; checkpoints of the checkpointer thread are charged there too, though
        // that create did not pay for them.
        const walFile = core.db.sqliteFile ? `${core.db.sqliteFile}-wal` : null;
        const walSeq = () => {
          if (!walFile || !fs.existsSync(walFile)) return 0;
          const fd = fs.openSync(walFile, 'r');
          try {
            const b = Buffer.alloc(4);
            return fs.readSync(fd, b, 0, 4, 12) === 4 ? b.readUInt32BE(0) : 0;
          } finally {
            fs.closeSync(fd);
          }
        };
        const block = 50;
        let n = 0;
        let previous: { mode: 'A' | 'B'; index: number } | null = null;
        const one = async () => {
          const s0 = walSeq();
          const t0 = performance.now();
          await services.contacts.create(actor, { name: `对照联系人 ${n++}`, title: '采购经理', notes: '展会认识' });
          const d = performance.now() - t0;
          if (previous && walSeq() !== s0) checkpointed[previous.mode].add(previous.index);
          return d;
        };
        // Warm-up with the real writer, then A/B blocks in alternating order (A B, B A, ...), in
        // ROUNDS rounds, so the figure is the median of several A/B comparisons, not one.
        writer.record = real;
        for (let i = 0; i < 200; i++) await one();
        previous = null;
        const ROUNDS = 5;
        const perRound = Math.max(block, Math.floor(CREATES / ROUNDS / block) * block);
        const rounds: Array<{ a: number; b: number; load: number }> = [];
        for (let round = 0; round < ROUNDS; round++) {
          const load = loadAverage();
          const a0 = withAudit.length;
          const b0 = withoutAudit.length;
          for (let b = 0; b < perRound / block; b++) {
            for (const mode of (b % 2 === 0 ? ['A', 'B'] : ['B', 'A']) as Array<'A' | 'B'>) {
              writer.record = mode === 'A' ? timed : nothing;
              for (let i = 0; i < block / 2; i++) {
                inWriter = 0;
                const d = await one();
                if (mode === 'A') { withAudit.push(d); writerMs.push(inWriter); }
                else withoutAudit.push(d);
                previous = { mode, index: (mode === 'A' ? withAudit : withoutAudit).length - 1 };
              }
            }
          }
          rounds.push({ a: p(sortNumbers(withAudit.slice(a0)), 95), b: p(sortNumbers(withoutAudit.slice(b0)), 95), load });
        }
        writer.record = real;
        const a = sortNumbers(withAudit);
        const b = sortNumbers(withoutAudit);
        const w = sortNumbers(writerMs);
        const added = (p(a, 95) - p(b, 95)) / p(b, 95);
        const ratios = rounds.map((r) => r.a / r.b - 1);
        const median = sortNumbers(ratios)[Math.floor(ratios.length / 2)];
        // Paired, from the same calls: each create with the writer's own time taken out.
        const net = sortNumbers(withAudit.map((d, i) => d - writerMs[i]));
        const paired = (p(a, 95) - p(net, 95)) / p(net, 95);
        const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;
        const lines = [
          `audit share of contacts.create (in process, same database, ${a.length} with the writer / ${b.length} with a no-op writer in alternating blocks of ${block / 2}, ${ROUNDS} rounds): p95 A vs B per round ${rounds.map((r) => `${ms(r.a)}/${ms(r.b)} ${pct(r.a / r.b - 1)} (load ${r.load})`).join('; ')} -> median ${pct(median)}`,
          `  all rounds together: p50 ${ms(p(a, 50))} vs ${ms(p(b, 50))} ms, p95 ${ms(p(a, 95))} vs ${ms(p(b, 95))} ms (${pct(added)}), p99 ${ms(p(a, 99))} vs ${ms(p(b, 99))} ms; time inside audit.record: p50 ${ms(p(w, 50))} / p95 ${ms(p(w, 95))} ms, mean ${ms(w.reduce((x, y) => x + y, 0) / w.length)} ms; paired (the same calls less their writer time): p95 ${ms(p(a, 95))} vs ${ms(p(net, 95))} ms, ${pct(paired)}`,
        ];
        if (walFile) {
          const without = (xs: number[], skip: Set<number>) => sortNumbers(xs.filter((_, i) => !skip.has(i)));
          const mean = (xs: number[], skip: Set<number>) => [...skip].reduce((t, i) => t + xs[i], 0) / Math.max(1, skip.size);
          const a2 = without(withAudit, checkpointed.A);
          const b2 = without(withoutAudit, checkpointed.B);
          lines.push(`  creates just before a WAL restart (their commit ran the checkpoint if the writer did): A ${checkpointed.A.size} (${(100 * checkpointed.A.size / a.length).toFixed(1)} %, mean ${ms(mean(withAudit, checkpointed.A))} ms), B ${checkpointed.B.size} (${(100 * checkpointed.B.size / b.length).toFixed(1)} %, mean ${ms(mean(withoutAudit, checkpointed.B))} ms); p95 without those commits ${ms(p(a2, 95))} vs ${ms(p(b2, 95))} ms (${pct(p(a2, 95) / p(b2, 95) - 1)})`);
        }
        for (const line of lines) {
          log(line);
          report.push(line);
        }
        // The contacts written here are bench rows; their unsealed entries are sealed like any others.
        await sealAll(core.db.knex);
      } finally {
        await ctx.close();
      }
    }
    console.log(`\nsummary (${dialect}, ${m.summary}):\n${report.map((l) => `  ${l}`).join('\n')}`);
  } finally {
    if (args.flag('keep') || reuse) log(`kept: --data ${bench.dataDir} --database-url ${bench.databaseUrl}`);
    else await bench.drop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
