// Issue 7's web-to-lead figure: POST /forms/lead at an offered rate from many source addresses,
// while one address keeps sending above its limit. autocannon cannot choose a connection's local
// address, so this is a small Node client: every submission is a new connection (a website's
// visitors are different browsers) bound with `localAddress` to one of 65,536 addresses
// 127.A.x.y (Linux routes all of 127.0.0.0/8 to lo; A is picked per run so the per-address
// counters of earlier runs in the same hour do not carry over), timed from the moment it was due
// (an open loop: a slow answer does not delay the next submission).
//
// Kehu runs as in the harness (`node dist/src/main.js serve`, lib/process.ts) on a data set kept
// by --data-cache (or on a fresh one with users only). The form's limits are lead settings that an
// admin sets on /admin/leads (PATCH /api/v1/lead-settings, audited): per address 20 an hour and
// 600 a minute overall by default, and "quarantine" over a limit. 600 a minute is 10 a second, so
// the default overall limit, not Kehu, would cap the figure: the run raises it as an admin would
// (--global-per-minute, default 60,000 = 1,000/s) and puts the settings back at the end. With
// --over-limit refuse (the default here) an address over its limit is answered 429; with
// quarantine it is thanked like anyone and its submission held for review, which the report
// checks in the quarantine instead.
//
// Usage: tsx scripts/bench/web-to-lead.ts [--data DIR [--database-url URL]] [--rates 250,500,750]
//        [--duration 10] [--format html|json] [--over-limit refuse|quarantine]
//        [--global-per-minute 60000] [--flood-rate 5] [--max-inflight 2000] [--cpu-prof DIR]
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { generateData, type GenerateResult } from './generate';
import { companyName, mobileNumber, personName } from './data/common';
import { Rng } from './data/rng';
import { parseArgs } from './lib/args';
import { createBenchDatabase, type BenchDatabase } from './lib/database';
import { gitCommit, loadAverage, machine } from './lib/machine';
import { cpuMs, startKehu } from './lib/process';

const args = parseArgs(process.argv.slice(2));
args.only(['data', 'database-url', 'db', 'rates', 'duration', 'format', 'over-limit', 'global-per-minute', 'flood-rate', 'max-inflight', 'users', 'seed', 'cpu-prof']);
const rates = args.list('rates') ?? [250, 500, 750];
const durationS = args.number('duration', 10)!;
const format = args.string('format', 'html')!;
const overLimit = args.string('over-limit', 'refuse')!;
const globalPerMinute = args.number('global-per-minute', 60_000)!;
const floodRate = args.number('flood-rate', 5)!;
const maxInflight = args.number('max-inflight', 2000)!;
const seed = args.number('seed', 42)!;
if (!['html', 'json'].includes(format)) throw new Error('--format must be html or json');
if (!['refuse', 'quarantine'].includes(overLimit)) throw new Error('--over-limit must be refuse or quarantine');

interface Result { status: number; ms: number; error?: string }

/** One submission on a new connection from `localAddress`; the time counts from `due`. */
function submit(url: URL, localAddress: string, body: string, due: number): Promise<Result> {
  return new Promise((resolve) => {
    const req = http.request({
      host: url.hostname, port: url.port, path: '/forms/lead', method: 'POST', localAddress, agent: false,
      headers: {
        'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body),
        accept: format === 'json' ? 'application/json' : 'text/html,application/xhtml+xml', 'accept-language': 'zh-CN,zh;q=0.9',
        'user-agent': 'Mozilla/5.0 (web-to-lead bench)', origin: 'https://www.example-customer-site.cn', referer: 'https://www.example-customer-site.cn/contact',
      },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - due }));
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ status: 0, ms: performance.now() - due, error: err.message }));
    req.end(body);
  });
}

/** A visitor's form, as the snippet of /admin/leads sends it (honeypot `website` left empty). */
function formBody(rng: Rng, i: number): string {
  const person = personName(rng, { en: 0.03, enZh: 0.05 });
  const company = rng.chance(0.85) ? companyName(rng) : null;
  const email = rng.chance(0.7) ? `${person.ascii.given}.${person.ascii.family}${i}@${company && rng.chance(0.6) ? company.domain : rng.pick(['qq.com', '163.com', 'gmail.com'])}` : '';
  const phone = !email || rng.chance(0.7) ? mobileNumber(rng) : '';
  const consent = rng.chance(0.6);
  const fields: Record<string, string> = {
    name: person.name, company_name: company?.name ?? '', phone, email,
    message: rng.pick(['想了解一下产品报价', '请联系我，需要演示', '我们有 200 人规模，想试用', '需要一份方案和报价单', 'Please send a quotation.']),
    consent_text: '我同意贵公司通过电话和邮件向我发送产品信息', website: '',
  };
  if (consent) fields.consent = 'yes';
  if (format === 'json') fields.format = 'json';
  return new URLSearchParams(fields).toString();
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Offers `rate` submissions a second for durationS from the address pool, and the flood address alongside. */
async function step(url: URL, rate: number, pool: (i: number) => string, flood: string, rng: Rng, counter: { i: number }, pid: number, durationS: number) {
  const results: Result[] = [];
  const floodResults: Result[] = [];
  const pending: Array<Promise<void>> = [];
  let inflight = 0;
  let skipped = 0;
  const t0 = performance.now();
  const cpu0 = cpuMs(pid);
  const total = Math.round(rate * durationS);
  const floodTotal = Math.round(floodRate * durationS);
  const schedule: Array<{ at: number; flood: boolean }> = [];
  for (let k = 0; k < total; k++) schedule.push({ at: (k * 1000) / rate, flood: false });
  for (let k = 0; k < floodTotal; k++) schedule.push({ at: (k * 1000) / floodRate + 0.5, flood: true });
  schedule.sort((a, b) => a.at - b.at);
  for (const s of schedule) {
    const wait = t0 + s.at - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    if (inflight >= maxInflight) {
      skipped++;
      continue;
    }
    const i = counter.i++;
    const body = formBody(rng, i);
    const due = t0 + s.at;
    inflight++;
    pending.push(submit(url, s.flood ? flood : pool(i), body, due).then((r) => {
      inflight--;
      (s.flood ? floodResults : results).push(r);
    }));
  }
  await Promise.all(pending);
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuMs(pid) - cpu0;
  const ok = results.filter((r) => r.status >= 200 && r.status < 300);
  const lat = results.map((r) => r.ms).sort((a, b) => a - b);
  const statuses: Record<string, number> = {};
  for (const r of results) statuses[r.error ? `error:${r.error}` : String(r.status)] = (statuses[r.error ? `error:${r.error}` : String(r.status)] ?? 0) + 1;
  const floodStatuses: Record<string, number> = {};
  for (const r of floodResults) floodStatuses[r.error ? 'error' : String(r.status)] = (floodStatuses[r.error ? 'error' : String(r.status)] ?? 0) + 1;
  // Accepted per second over the whole step, until its last answer: when Kehu falls behind, the
  // answers keep coming after the offering stopped, and counting them over durationS would overstate it.
  return { rate, sent: results.length, skipped, accepted: ok.length, acceptedPerS: ok.length / Math.max(wall, durationS), wallS: wall, p50: percentile(lat, 50), p95: percentile(lat, 95), p99: percentile(lat, 99), statuses, floodSent: floodResults.length, floodStatuses, cpuMsPerSubmission: cpu / Math.max(1, results.length + floodResults.length) };
}

async function api(base: string, token: string, method: string, p: string, body?: unknown) {
  const res = await fetch(`${base}${p}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (res.status < 200 || res.status > 299) throw new Error(`${method} ${p} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

async function main() {
  let target: BenchDatabase;
  let data: GenerateResult;
  let fresh = false;
  if (args.string('data')) {
    const dir = path.resolve(args.string('data')!);
    target = { dialect: args.string('database-url') ? 'postgres' : 'sqlite', databaseUrl: args.string('database-url') ?? `sqlite:${path.join(dir, 'kehu.db')}`, dataDir: dir, drop: async () => {} };
    data = JSON.parse(fs.readFileSync(path.join(dir, 'generate-result.json'), 'utf8')) as GenerateResult;
  } else {
    const db = args.string('db', 'sqlite') as 'sqlite' | 'postgres';
    target = await createBenchDatabase(db, 'web-to-lead');
    fresh = true;
    data = await generateData({ databaseUrl: target.databaseUrl, dataDir: target.dataDir, scale: { users: args.number('users', 300)!, contacts: 0, companies: 0, activities: 0 }, seed });
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kehu-web-to-lead-'));
  const prof = args.string('cpu-prof');
  const kehu = await startKehu(target, { logFile: path.join(work, 'kehu.log'), extraEnv: { KEHU_BACKUP_SCHEDULE: '' }, nodeArgs: prof ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(prof)}`, `--cpu-prof-name=kehu-web-to-lead-${Date.now()}.cpuprofile`] : undefined });
  const url = new URL(kehu.url);
  const admin = data.accounts.admin[0];
  let restore: Record<string, unknown> | null = null;
  let token = '';
  try {
    const login = await fetch(`${kehu.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: admin.email, password: data.password }) });
    token = ((await login.json()) as { data: { token: string } }).data.token;
    const before = (await api(kehu.url, token, 'GET', '/api/v1/lead-settings')).data as { per_address_per_hour: number; global_per_minute: number; over_limit: string };
    restore = { per_address_per_hour: before.per_address_per_hour, global_per_minute: before.global_per_minute, over_limit: before.over_limit };
    const settings = (await api(kehu.url, token, 'PATCH', '/api/v1/lead-settings', { global_per_minute: globalPerMinute, over_limit: overLimit })).data as typeof before;
    const m = machine();
    console.log(`web-to-lead on ${target.dialect} (${fresh ? 'fresh data set, users only' : target.dataDir}) | ${m.summary} | commit ${gitCommit()} | load average ${loadAverage()}`);
    console.log(`lead settings as found: per address ${before.per_address_per_hour}/hour, overall ${before.global_per_minute}/minute (${(before.global_per_minute / 60).toFixed(0)}/s), over the limit: ${before.over_limit}`);
    console.log(`for the run (PATCH /api/v1/lead-settings as an admin): per address ${settings.per_address_per_hour}/hour, overall ${settings.global_per_minute}/minute (${(settings.global_per_minute / 60).toFixed(0)}/s), over the limit: ${settings.over_limit}; form answered as ${format}`);
    const rng = new Rng(Date.now() >>> 0);
    // A /16 of loopback per run: 65,536 source addresses; the flood address is outside it.
    const a = 1 + (Math.floor(Date.now() / 1000) % 250);
    const pool = (i: number) => `127.${a}.${(i >> 8) & 255}.${(i & 255) || 1}`;
    const flood = `127.${(a + 1) % 250 + 1}.255.254`;
    const counter = { i: 0 };
    // Warm-up: 3 s at the first rate (not reported).
    await step(url, rates[0], pool, `127.${(a + 2) % 250 + 1}.255.253`, rng, counter, kehu.pid, 3).catch(() => null);
    const rows = [];
    for (const rate of rates) {
      const load = loadAverage();
      const r = await step(url, rate, pool, flood, rng, counter, kehu.pid, durationS);
      rows.push({ ...r, load });
      console.log(`offered ${rate}/s for ${durationS} s: accepted ${r.accepted} in ${r.wallS.toFixed(1)} s until the last answer (${r.acceptedPerS.toFixed(0)}/s), p50 ${r.p50.toFixed(1)} / p95 ${r.p95.toFixed(1)} / p99 ${r.p99.toFixed(1)} ms, statuses ${JSON.stringify(r.statuses)}${r.skipped ? `, ${r.skipped} not sent (over ${maxInflight} in flight)` : ''}, Kehu CPU ${r.cpuMsPerSubmission.toFixed(2)} ms/submission, load average ${load}`);
      console.log(`  one address (${flood}) at ${floodRate}/s alongside: ${r.floodSent} sent, answers ${JSON.stringify(r.floodStatuses)}`);
    }
    // What happened to the flood address overall: accepted leads vs refused or held.
    const held = ((await api(kehu.url, token, 'GET', '/api/v1/lead-submissions')).data as Array<{ source_address: string }>).filter((s) => s.source_address === flood).length;
    const floodOk = rows.reduce((n, r) => n + (r.floodStatuses['200'] ?? 0), 0);
    const flood429 = rows.reduce((n, r) => n + (r.floodStatuses['429'] ?? 0), 0);
    console.log(`flood address ${flood}: ${rows.reduce((n, r) => n + r.floodSent, 0)} sent over the run, ${floodOk} answered 200, ${flood429} answered 429, ${held} held in quarantine; limit ${settings.per_address_per_hour}/hour`);
    console.log('\n| offered /s | accepted /s (until the last answer) | p50 ms | p95 ms | p99 ms | non-2xx | Kehu CPU ms/submission | load avg |');
    console.log('|--:|--:|--:|--:|--:|---|--:|--:|');
    for (const r of rows) {
      const non2xx = Object.entries(r.statuses).filter(([k]) => !k.startsWith('2')).map(([k, v]) => `${v} × ${k}`).join(', ') || '0';
      console.log(`| ${r.rate} | ${r.acceptedPerS.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${non2xx} | ${r.cpuMsPerSubmission.toFixed(2)} | ${r.load} |`);
    }
  } finally {
    if (restore && token) await api(kehu.url, token, 'PATCH', '/api/v1/lead-settings', restore).catch((err) => console.error(`could not put the lead settings back: ${err}`));
    await kehu.stop();
    if (fresh) await target.drop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
