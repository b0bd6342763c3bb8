// Benchmark harness: `npm run bench -- <scenario|all> --db sqlite|postgres [--users N] [--connections 50]
// [--duration 10] [--rate R] [--sizes 10000,100000]`. Makes a fresh database, fills it with the
// generator, starts Kehu as a real process from dist/, signs in, drives each scenario with autocannon,
// measures the same requests against a bare Fastify ceiling, and writes its section of BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Dialect } from '../../src/db/database';
import { generateData, DEFAULT_NOW, type GenerateResult } from './generate';
import { Rng } from './data/rng';
import type { RoleKey } from './data/types';
import { ArgsError, parseArgs } from './lib/args';
import { createBenchDatabase, type BenchDatabase } from './lib/database';
import { combine, drive, type BenchRequest, type DriveResult } from './lib/drive';
import { gitCommit, loadAverage, machine } from './lib/machine';
import { CEILING_MAIN, KEHU_MAIN, REPO, cpuMs, sampleMemory, startCeiling, startKehu, type KehuTarget, type ServerProcess } from './lib/process';
import { p95Met, updateBenchmarks, type ColdStart, type CustomerGrowth, type DataLoad, type Growth, type GrowthRow, type Measured, type RunInfo, type ScenarioResult } from './lib/report';
import { CUSTOMER_GROWTH_SCENARIOS, GROWTH_SCENARIO, SCENARIOS, findScenario } from './scenarios';
import { createHash } from 'node:crypto';
import { loadConfig } from '../../src/config/load';
import { openCliContext } from '../../src/cli/context';
import { createPostgresDatabase, dropPostgresDatabase, adminDatabaseUrl, withDatabase } from './lib/database';
import { customerScale } from './data/customers-common';
import { dealScale } from './data/deals';
import { TARGETS, type Scenario, type ScenarioContext } from './scenarios/types';

interface Settings {
  db: Dialect;
  users: number;
  seed: number;
  connections: number;
  durationS: number;
  warmupS: number;
  rounds: number;
  rate: number | null;
  logLevel: string;
  coldStarts: number;
  sizes: number[];
  report: boolean;
  keep: boolean;
  /** Customer data sizes (--contacts, --companies, --activities); the generators' defaults when absent. */
  customers: Record<string, number>;
  /** --data-cache: keep generated data sets here and reuse them (same sizes, seed and generator sources). */
  dataCache: string | null;
  /** --contact-sizes: run the customer Growth scenarios at these contact counts. */
  contactSizes: number[];
  /** --cpu-prof DIR: Kehu runs with node --cpu-prof; each run's profiles (one per thread: the main one and the read threads) go into DIR/kehu-<scenario>-<time>/. */
  cpuProfDir: string | null;
}

const USAGE = `Usage: npm run bench -- <scenario|all> --db sqlite|postgres [options]
Scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}
  --users N          generated users (default 300)
  --seed N           data seed (default 42)
  --connections N    autocannon connections (default 50)
  --duration S       seconds measured per scenario (default 10)
  --warmup S         seconds of warm-up of Kehu and of the ceiling before measuring (default 3)
  --rounds N         Kehu and the ceiling take turns in N slices of duration/N seconds (default 2)
  --rate R           offer R requests/s in total instead of a closed loop
  --contacts N       customer data: contacts (default 20000; full size 1000000), with
  --companies N      companies (default contacts/5) and --activities N (default contacts*3)
  --deals N          sales pipeline: deals with their stage history (default 0; issue 7: 300000)
  --leads N          leads (default 0; issue 7: 500000)
  --sizes A,B        also run ${GROWTH_SCENARIO} at these user counts (Growth table)
  --contact-sizes A,B  also run ${CUSTOMER_GROWTH_SCENARIOS.join(', ')} at these contact counts
                     (companies = contacts / 5, activities = contacts × 3; customer Growth table)
  --cpu-prof DIR     run Kehu under node --cpu-prof; V8 profiles (a file per thread) go to
                     DIR/kehu-<scenario>-<time>/ (open in Chrome DevTools)
  --data-cache DIR   keep each generated data set (SQLite file / Postgres database + its samples)
                     under DIR and reuse it on later runs with the same sizes, seed and generator
                     sources (new migrations are applied to a reused set; writes of earlier runs stay)
  --cold-starts N    cold-start samples (default 5 with "all", else 0)
  --log-level L      Kehu's log level (default info, the production default)
  --no-report        do not touch BENCHMARKS.md
  --keep             keep the bench database(s) instead of dropping them
  --no-build         do not rebuild dist/ even when it is older than the sources`;

// ---- build ----------------------------------------------------------------------------------------

/** tsc's build-info file for `npm run build`: its time is when dist/ was last built. */
const BUILD_INFO = path.join(REPO, 'dist', '.tsbuildinfo-build');

/** Why dist/ needs a build (sources newer than the last build, or outputs missing), or null. */
function staleReason(): string | null {
  if (!fs.existsSync(KEHU_MAIN) || !fs.existsSync(CEILING_MAIN) || !fs.existsSync(BUILD_INFO)) return 'dist/ is incomplete';
  const built = fs.statSync(BUILD_INFO).mtimeMs;
  const newer: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && fs.statSync(full).mtimeMs > built) newer.push(path.relative(REPO, full));
    }
  };
  walk(path.join(REPO, 'src'));
  walk(path.join(REPO, 'scripts', 'bench'));
  return newer.length ? `${newer.length} source file(s) newer than the last build, e.g. ${newer.slice(0, 3).join(', ')}` : null;
}

function ensureBuilt(skip: boolean): void {
  const reason = staleReason();
  if (!reason) return;
  if (skip) {
    console.log(`warning: ${reason}; --no-build given, running dist/ as it is`);
    return;
  }
  console.log(`building (${reason}): npm run build`);
  const started = Date.now();
  const r = spawnSync('npm', ['run', 'build'], { cwd: REPO, stdio: 'inherit' });
  // tsc leaves unchanged outputs (and sometimes its build info) alone: mark the build time itself.
  if (fs.existsSync(BUILD_INFO)) fs.utimesSync(BUILD_INFO, new Date(started), new Date(started));
  if (r.status === 0) return;
  // tsc still writes its output when it reports type errors; run that, but say so.
  if (fs.existsSync(KEHU_MAIN) && fs.existsSync(CEILING_MAIN)) console.log('warning: npm run build reported type errors (above); tsc wrote dist/ anyway and that is what runs');
  else throw new Error('npm run build failed');
}

// ---- signing in -----------------------------------------------------------------------------------

function cookiesFrom(res: Response): string[] {
  return res.headers.getSetCookie().map((c) => c.split(';')[0]);
}

/** What a scenario gets: the server, the data's samples and accounts, and ways to sign in (also used by backup.ts). */
export function scenarioContext(url: string, data: GenerateResult, seed: number, name: string): ScenarioContext {
  const account = (role: RoleKey, index = 0) => {
    const list = data.accounts[role];
    if (!list.length) throw new Error(`the bench data has no active ${role} with a password`);
    // Prefer someone using the company's default language, the common case.
    const zh = list.filter((a) => a.locale === null);
    return (zh.length ? zh : list)[index % (zh.length || list.length)];
  };
  return {
    url,
    data,
    now: new Date(DEFAULT_NOW),
    rng: Rng.derive(seed, `scenario:${name}`),
    async signInApi(role, index) {
      const a = account(role, index);
      const res = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: a.email, password: data.password }) });
      if (res.status !== 200) throw new Error(`API sign-in as ${role} ${a.email} answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { data: { token: string } }).data.token;
    },
    async signInPage(role, index) {
      const a = account(role, index);
      const page = await fetch(`${url}/login`, { headers: { accept: 'text/html' } });
      const html = await page.text();
      const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
      if (page.status !== 200 || !token) throw new Error(`GET /login answered ${page.status} without a CSRF token`);
      const jar = cookiesFrom(page);
      const res = await fetch(`${url}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.join('; '), accept: 'text/html' },
        body: new URLSearchParams({ _csrf: token, email: a.email, password: data.password, next: '/' }).toString(),
      });
      const session = cookiesFrom(res).find((c) => c.startsWith('kehu_session='));
      if (res.status !== 303 || !session) throw new Error(`page sign-in as ${role} ${a.email} answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
      // What a browser sends afterwards: the session and the CSRF secret cookie.
      return [session, ...jar.filter((c) => !c.startsWith('kehu_session='))].join('; ');
    },
    async getJson(p, headers) {
      const res = await fetch(`${url}${p}`, { headers });
      if (res.status < 200 || res.status > 299) throw new Error(`GET ${p} answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
      return (await res.json()) as never;
    },
  };
}

// ---- measuring ------------------------------------------------------------------------------------

interface Sample {
  status: number;
  contentType: string;
  body: string;
}

/**
 * Waits until the server has worked off what an earlier run left behind (requests whose client has
 * gone still run: queued password hashes, for one), by sending one request and awaiting its answer.
 */
async function settle(url: string, headers: Record<string, string>, r: BenchRequest): Promise<void> {
  await fetch(`${url}${r.path}`, { method: r.method, headers: { ...headers, ...r.headers }, body: r.body, redirect: 'manual' }).then((res) => res.arrayBuffer());
  await new Promise((resolve) => setTimeout(resolve, 250));
}

/** Fetches each distinct request once: checks it succeeds and keeps its response for the ceiling. */
async function sampleResponses(url: string, headers: Record<string, string>, requests: BenchRequest[], max: number): Promise<Sample[]> {
  const minWeight = Math.min(...requests.map((r) => r.weight ?? 1).filter((w) => w > 0));
  const samples: Sample[] = [];
  for (const r of requests.slice(0, max)) {
    const res = await fetch(`${url}${r.path}`, { method: r.method, headers: { ...headers, ...r.headers }, body: r.body, redirect: 'manual' });
    const body = await res.text();
    if (res.status < 200 || res.status > 299) throw new Error(`${r.method} ${r.path} answered ${res.status} before the run: ${body.slice(0, 500)}`);
    const sample = { status: res.status, contentType: res.headers.get('content-type') ?? 'application/octet-stream', body };
    // Repeat samples by weight, so the ceiling's mix of body sizes follows the scenario's.
    const times = Math.min(20, Math.max(1, Math.round((r.weight ?? 1) / minWeight)));
    for (let i = 0; i < times; i++) samples.push(sample);
  }
  return samples;
}

/**
 * The verdict: closed loop, Kehu's throughput is at least the target share of the ceiling's; at a
 * fixed offered rate (where both just follow the rate), Kehu kept up with 95 % of it. Either way
 * with at most 0.1 % errors and non-2xx answers.
 */
function measured(kehu: DriveResult, ceiling: DriveResult, peakRssMb: number, kind: Scenario['kind'], rate: number | null, extra: Pick<Measured, 'loadAverage' | 'bodyBytes' | 'serverErrors' | 'cpuMsPerRequest' | 'ceilingCpuMsPerRequest' | 'p95TargetMs' | 'background'>): Measured {
  const target = TARGETS[kind];
  const ratio = ceiling.rps > 0 ? kehu.rps / ceiling.rps : 0;
  const failed = kehu.errors + kehu.non2xx > Math.max(1, kehu.requests * 0.001);
  const met = rate ? kehu.rps >= 0.95 * rate : ratio >= target;
  return {
    rps: kehu.rps, p50: kehu.p50, p95: kehu.p95, p99: kehu.p99, requests: kehu.requests, errors: kehu.errors, non2xx: kehu.non2xx,
    peakRssMb, ceilingRps: ceiling.rps, ceilingP99: ceiling.p99, ratio, target, verdict: met && !failed ? 'PASS' : 'MISS', ...extra,
  };
}

function countErrorLines(log: string): number {
  return log.split('\n').filter((l) => /"level":(50|60)/.test(l)).length;
}

async function measureScenario(scenario: Scenario, target: KehuTarget, data: GenerateResult, s: Settings, work: string): Promise<Measured> {
  const logFile = path.join(work, `kehu-${scenario.name}-${Date.now()}.log`);
  const kehu = await startKehu(target, { logFile, logLevel: s.logLevel, nodeArgs: s.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(s.cpuProfDir, `kehu-${scenario.name}-${Date.now()}`)}`] : undefined });
  let ceiling: ServerProcess | undefined;
  const kehuRuns: DriveResult[] = [];
  const ceilingRuns: DriveResult[] = [];
  const backgroundRuns: DriveResult[] = [];
  let backgroundInfo: { label: string; offered: number } | null = null;
  let peakRssMb = 0;
  const cpu = { kehu: 0, ceiling: 0 };
  let measuredLog = '';
  let samples: Sample[];
  let loadAvg: number;
  try {
    const prepared = await scenario.prepare(scenarioContext(kehu.url, data, s.seed, scenario.name));
    const sampled = scenario.kind === 'write' ? 4 : 100;
    samples = await sampleResponses(kehu.url, prepared.headers, prepared.requests, sampled);
    // Sequential variants: Kehu gets each once, after those the sampling sent.
    const kehuSequence = prepared.sequential ? { next: Math.min(sampled, prepared.requests.length) } : undefined;
    const samplesFile = path.join(work, `ceiling-${scenario.name}.json`);
    fs.writeFileSync(samplesFile, JSON.stringify(samples));
    ceiling = await startCeiling(samplesFile, path.join(work, `ceiling-${scenario.name}.log`));

    const servers = { kehu, ceiling };
    const connections = scenario.connections ?? s.connections;
    const bg = prepared.background;
    const run = async (which: 'kehu' | 'ceiling', durationS: number, record = false) => {
      const server = servers[which];
      await settle(server.url, prepared.headers, prepared.requests[0]);
      const cpu0 = cpuMs(server.pid);
      // Background load (readers while writes are measured) runs for the same time, at its own rate.
      const background = bg ? drive({ url: server.url, connections: bg.connections, rate: bg.rate, headers: bg.headers, requests: bg.requests, seed: s.seed + 1, durationS }) : null;
      const result = await drive({ url: server.url, connections, rate: s.rate ?? undefined, headers: prepared.headers, requests: prepared.requests, seed: s.seed, durationS, sequence: which === 'kehu' ? kehuSequence : undefined });
      const bgResult = background ? await background : null;
      cpu[which] += cpuMs(server.pid) - cpu0;
      if (record && which === 'kehu' && bgResult) backgroundRuns.push(bgResult);
      return result;
    };
    if (s.warmupS > 0) {
      await run('kehu', s.warmupS);
      await run('ceiling', s.warmupS);
    }
    // Kehu and the ceiling take turns (K C, C K, K C ...), so a change in the machine's other load
    // during the measurement touches both alike; each gets --duration seconds in total.
    loadAvg = loadAverage();
    const memory = sampleMemory(kehu.pid);
    const slice = s.durationS / s.rounds;
    for (let round = 0; round < s.rounds; round++) {
      const order: Array<'kehu' | 'ceiling'> = round % 2 === 0 ? ['kehu', 'ceiling'] : ['ceiling', 'kehu'];
      for (const which of order) (which === 'kehu' ? kehuRuns : ceilingRuns).push(await run(which, slice, true));
    }
    peakRssMb = memory.stop().peakRssMb;
    if (bg) backgroundInfo = { label: bg.label, offered: bg.rate };
    // Errors logged while measuring (at shutdown, requests whose clients autocannon already dropped
    // may still fail when the pool closes; those are not the scenario's).
    measuredLog = kehu.output();
  } finally {
    await kehu.stop();
    await ceiling?.stop();
  }
  const kehuResult = combine(kehuRuns);
  const ceilingResult = combine(ceilingRuns);
  const log = measuredLog || kehu.output();
  const serverErrors = countErrorLines(log);
  if (kehuResult.non2xx || kehuResult.errors) {
    console.log(`  ! ${kehuResult.errors} errors, ${kehuResult.non2xx} non-2xx (${JSON.stringify(kehuResult.statusCounts)}); log: ${logFile}`);
    const lines = log.split('\n').filter((l) => /"level":(40|50|60)/.test(l)).slice(0, 3);
    for (const l of lines) console.log(`    ${l.slice(0, 400)}`);
  }
  const bodyBytes = samples.reduce((a, x) => a + Buffer.byteLength(x.body), 0) / samples.length;
  const b = backgroundInfo && backgroundRuns.length ? combine(backgroundRuns) : null;
  return measured(kehuResult, ceilingResult, peakRssMb, scenario.kind, s.rate, {
    p95TargetMs: scenario.p95TargetMs,
    background: b && backgroundInfo ? { ...backgroundInfo, rps: b.rps, p50: b.p50, p95: b.p95, p99: b.p99, errors: b.errors, non2xx: b.non2xx } : undefined,
    loadAverage: loadAvg, bodyBytes, serverErrors,
    cpuMsPerRequest: kehuResult.requests ? cpu.kehu / kehuResult.requests : 0,
    ceilingCpuMsPerRequest: ceilingResult.requests ? cpu.ceiling / ceilingResult.requests : 0,
  });
}

function printResult(name: string, m: Measured): void {
  const r = (n: number) => Math.round(n).toLocaleString('en-US');
  if (m.background) console.log(`  alongside ${m.background.label}: offered ${m.background.offered}/s, ${r(m.background.rps)} rps, p50 ${m.background.p50.toFixed(1)} / p95 ${m.background.p95.toFixed(1)} / p99 ${m.background.p99.toFixed(1)} ms, errors ${m.background.errors}, non-2xx ${m.background.non2xx}`);
  console.log(
    `  ${name}: ${m.p95TargetMs ? `[p95 target < ${m.p95TargetMs} ms: ${p95Met(m) ? 'PASS' : 'MISS'}] ` : ''}${r(m.rps)} rps, p50 ${m.p50.toFixed(1)} / p95 ${m.p95.toFixed(1)} / p99 ${m.p99.toFixed(1)} ms, errors ${m.errors}, non-2xx ${m.non2xx}, peak RSS ${r(m.peakRssMb)} MB` +
      ` | ceiling ${r(m.ceilingRps)} rps -> ${(m.ratio * 100).toFixed(1)}% (target ${(m.target * 100).toFixed(0)}%) ${m.verdict}` +
      ` | CPU/request ${m.cpuMsPerRequest.toFixed(3)} ms vs ceiling ${m.ceilingCpuMsPerRequest.toFixed(3)} ms`,
  );
}

async function coldStart(target: KehuTarget, runs: number): Promise<{ runsMs: number[]; startupMs: number[] }> {
  const runsMs: number[] = [];
  const startupMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const kehu = await startKehu(target, {}); // piped output: the ready line is seen the moment it is written
    runsMs.push(Math.round(kehu.readyMs));
    if (kehu.startupMs !== null) startupMs.push(kehu.startupMs);
    await kehu.stop();
  }
  return { runsMs, startupMs };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** A key for a data set: what was asked for and the generator's own sources (a changed generator makes new data). */
function dataKey(s: Settings, users: number, customers: Record<string, number>): string {
  const hash = createHash('sha256');
  const dir = path.join(REPO, 'scripts', 'bench', 'data');
  for (const f of fs.readdirSync(dir).sort()) if (f.endsWith('.ts')) hash.update(f).update(fs.readFileSync(path.join(dir, f)));
  const c = customerScale(customers);
  const d = dealScale(customers);
  const pipeline = d.deals || d.leads ? `_d${d.deals}_l${d.leads}` : '';
  return `${s.db}_u${users}_s${s.seed}_c${c.contacts}_co${c.companies}_a${c.activities}${pipeline}_${hash.digest('hex').slice(0, 8)}`;
}

/** A kept data set under --data-cache: reused when its result file exists, else generated and kept. */
async function withCachedData<T>(s: Settings, users: number, customers: Record<string, number>, fn: (target: BenchDatabase, data: GenerateResult, reused: boolean) => Promise<T>): Promise<T> {
  const key = dataKey(s, users, customers);
  const dir = path.join(path.resolve(s.dataCache!), key);
  const resultFile = path.join(dir, 'generate-result.json');
  fs.mkdirSync(dir, { recursive: true });
  const databaseUrl = s.db === 'sqlite' ? `sqlite:${path.join(dir, 'kehu.db')}` : withDatabase(adminDatabaseUrl, `kehu_bench_${createHash('sha256').update(key).digest('hex').slice(0, 12)}`);
  const target: BenchDatabase = { dialect: s.db, databaseUrl, dataDir: dir, drop: async () => {} };
  if (fs.existsSync(resultFile)) {
    console.log(`data: reusing ${key} (${s.db === 'sqlite' ? databaseUrl : databaseUrl.replace(/^.*\//, 'postgres database ')}); applying any new migrations`);
    const t0 = performance.now();
    const { config } = loadConfig({ env: { KEHU_DATA_DIR: dir, KEHU_DATABASE_URL: databaseUrl, KEHU_LOG_LEVEL: 'warn' } });
    const ctx = await openCliContext(config);
    await ctx.close();
    console.log(`  migrations checked in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return fn(target, JSON.parse(fs.readFileSync(resultFile, 'utf8')) as GenerateResult, true);
  }
  if (s.db === 'sqlite') fs.rmSync(path.join(dir, 'kehu.db'), { force: true });
  else await createPostgresDatabase(databaseUrl, { recreate: true });
  console.log(`data: ${users} users, seed ${s.seed}, generating ${key} (kept for reuse)`);
  let data: GenerateResult;
  try {
    data = await generateData({ databaseUrl, dataDir: dir, scale: { users, ...customers }, seed: s.seed, log: (l) => console.log(l) });
  } catch (err) {
    if (s.db === 'postgres') await dropPostgresDatabase(databaseUrl);
    throw err;
  }
  console.log(`  generated and loaded in ${(data.totalMs / 1000).toFixed(1)} s`);
  fs.writeFileSync(resultFile, JSON.stringify(data));
  return fn(target, data, false);
}

async function withData<T>(s: Settings, users: number, label: string, customers: Record<string, number>, fn: (target: BenchDatabase, data: GenerateResult) => Promise<T>): Promise<T> {
  if (s.dataCache) return withCachedData(s, users, customers, (target, data) => fn(target, data));
  const db = await createBenchDatabase(s.db, label);
  try {
    console.log(`data: ${users} users, seed ${s.seed}, into ${s.db === 'sqlite' ? db.databaseUrl : db.databaseUrl.replace(/^.*\//, 'postgres database ')}`);
    const data = await generateData({ databaseUrl: db.databaseUrl, dataDir: db.dataDir, scale: { users, ...customers }, seed: s.seed, log: (l) => console.log(l) });
    console.log(`  generated and loaded in ${(data.totalMs / 1000).toFixed(1)} s`);
    return await fn(db, data);
  } finally {
    if (s.keep) console.log(`kept: ${db.databaseUrl}`);
    else await db.drop();
  }
}

// ---- main -----------------------------------------------------------------------------------------

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['no-report', 'keep', 'no-build', 'help']);
  if (args.flag('help')) {
    console.log(USAGE);
    return 0;
  }
  args.only(['db', 'users', 'seed', 'connections', 'duration', 'warmup', 'rounds', 'rate', 'sizes', 'contact-sizes', 'data-cache', 'cpu-prof', 'cold-starts', 'log-level', 'no-report', 'keep', 'no-build', 'help', 'contacts', 'companies', 'activities', 'deals', 'leads']);
  const which = args.positionals[0] ?? (args.list('contact-sizes') || args.list('sizes') ? 'none' : undefined);
  if (!which) throw new ArgsError('name a scenario or "all"');
  const scenarios = which === 'all' ? [...SCENARIOS] : which === 'none' ? [] : which.split(',').map((n) => findScenario(n) ?? (() => { throw new ArgsError(`unknown scenario ${n}`); })());
  const db = args.string('db');
  if (db !== 'sqlite' && db !== 'postgres') throw new ArgsError('--db must be sqlite or postgres');
  const s: Settings = {
    db,
    users: args.number('users', 300)!,
    seed: args.number('seed', 42)!,
    connections: args.number('connections', 50)!,
    durationS: args.number('duration', 10)!,
    warmupS: args.number('warmup', 3)!,
    rounds: Math.max(1, Math.round(args.number('rounds', 2)!)),
    rate: args.number('rate') ?? null,
    logLevel: args.string('log-level', 'info')!,
    coldStarts: args.number('cold-starts', which === 'all' ? 5 : 0)!,
    sizes: args.list('sizes') ?? [],
    report: !args.flag('no-report'),
    keep: args.flag('keep'),
    customers: Object.fromEntries((['contacts', 'companies', 'activities', 'deals', 'leads'] as const).flatMap((k) => (args.number(k) === undefined ? [] : [[k, args.number(k)!]]))),
    dataCache: args.string('data-cache') ?? null,
    contactSizes: args.list('contact-sizes') ?? [],
    cpuProfDir: args.string('cpu-prof') ?? null,
  };
  if (s.logLevel === 'silent' || s.logLevel === 'fatal' || s.logLevel === 'error' || s.logLevel === 'warn') throw new ArgsError('--log-level must be info or more verbose: the harness waits for the info-level ready line');

  ensureBuilt(args.flag('no-build'));
  const m = machine();
  const commit = gitCommit();
  console.log(`bench on ${db}: ${scenarios.map((x) => x.name).join(', ')} | ${m.summary} | commit ${commit} | load average ${loadAverage()}`);
  const runInfo = (users: number, contacts?: number): RunInfo => ({
    date: new Date().toISOString(), commit, machine: m.summary, connections: s.connections, durationS: s.durationS, warmupS: s.warmupS, rounds: s.rounds, rate: s.rate, users, logLevel: s.logLevel, contacts,
  });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kehu-bench-work-'));

  const results: ScenarioResult[] = [];
  let cold: ColdStart | undefined;
  let dataLoad: DataLoad | undefined;
  if (scenarios.length) await withData(s, s.users, 'main', s.customers, async (target, data) => {
    dataLoad = { users: s.users, seed: s.seed, tables: data.tables.map((t) => ({ table: t.table, rows: t.rows, rowsPerSecond: t.rowsPerSecond })) };
    if (s.coldStarts > 0) {
      const c = await coldStart(target, s.coldStarts);
      cold = { date: new Date().toISOString(), commit, machine: m.summary, users: s.users, runsMs: c.runsMs, medianMs: median(c.runsMs), startupMs: c.startupMs };
      console.log(`cold start: median ${cold.medianMs} ms (${c.runsMs.join(', ')} ms; startupMs ${c.startupMs.join(', ')})`);
    }
    for (const scenario of scenarios) {
      console.log(`scenario ${scenario.name}: ${scenario.summary}`);
      // A scenario may fix its own offered rate (create-activity-200, office-day) unless --rate is given.
      const rate = s.rate ?? scenario.rate ?? null;
      const run = { ...runInfo(s.users, customerScale(s.customers).contacts), rate, connections: scenario.connections ?? s.connections };
      const result = await measureScenario(scenario, target, data, { ...s, rate }, work);
      printResult(scenario.name, result);
      results.push({ ...result, scenario: scenario.name, summary: scenario.summary, kind: scenario.kind, run });
    }
  });

  let growth: Growth | undefined;
  if (s.sizes.length) {
    const scenario = findScenario(GROWTH_SCENARIO)!;
    const rows: GrowthRow[] = [];
    const run = runInfo(s.users);
    for (const users of s.sizes) {
      console.log(`growth: ${scenario.name} at ${users} users`);
      const started = performance.now();
      await withData(s, users, `growth-${users}`, { contacts: 0, companies: 0, activities: 0 }, async (target, data) => {
        const dataLoadMs = performance.now() - started;
        const result = await measureScenario(scenario, target, data, s, work);
        printResult(`${scenario.name} @ ${users}`, result);
        rows.push({ ...result, users, dataLoadMs });
      });
    }
    growth = { run, scenario: scenario.name, rows };
  }

  let customerGrowth: CustomerGrowth | undefined;
  if (s.contactSizes.length) {
    customerGrowth = { run: runInfo(s.users), rows: [] };
    for (const contacts of s.contactSizes) {
      const sizes = { contacts, companies: Math.ceil(contacts / 5), activities: contacts * 3 };
      const started = performance.now();
      const go = async (target: BenchDatabase, data: GenerateResult, reused: boolean) => {
        const dataLoadMs = reused ? null : performance.now() - started;
        for (const name of CUSTOMER_GROWTH_SCENARIOS) {
          const scenario = findScenario(name)!;
          console.log(`growth: ${name} at ${contacts} contacts`);
          const result = await measureScenario(scenario, target, data, { ...s, rate: s.rate ?? scenario.rate ?? null }, work);
          printResult(`${name} @ ${contacts}`, result);
          customerGrowth!.rows.push({ ...result, scenario: name, contacts, dataLoadMs });
        }
      };
      if (s.dataCache) await withCachedData(s, s.users, sizes, go);
      else await withData(s, s.users, `growth-c${contacts}`, sizes, (target, data) => go(target, data, false));
    }
  }

  if (s.report) {
    updateBenchmarks(db, { scenarios: results, order: SCENARIOS.map((x) => x.name), coldStart: cold, growth, customerGrowth, dataLoad });
    console.log(`BENCHMARKS.md: ${db} section updated`);
  }
  fs.rmSync(work, { recursive: true, force: true });
  const misses = [...results.map((r) => [r.scenario, r] as const), ...(growth?.rows ?? []).map((r) => [`${GROWTH_SCENARIO}@${r.users}`, r] as const), ...(customerGrowth?.rows ?? []).map((r) => [`${r.scenario}@${r.contacts}`, r] as const)].filter(([, r]) => r.verdict === 'MISS');
  console.log(misses.length ? `MISS: ${misses.map(([n]) => n).join(', ')}` : 'all targets met');
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof ArgsError ? `bench: ${err.message}\n\n${USAGE}` : err);
      process.exit(1);
    },
  );
}
