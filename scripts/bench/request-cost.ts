// CPU time per request of each request variant, in one process with no HTTP or queueing in between:
// builds the app on an existing data set (a bench --data-cache entry or a kept bench database) and
// runs each variant N times through Fastify's inject, timing process CPU. The figure that decides
// how many requests a second one core can serve, without the noise of other work on the machine.
// Usage: npx tsx scripts/bench/request-cost.ts <generate-result.json> [--database-url URL] [--data-dir DIR] [--n 200] [--only contacts,search,timeline,write,board,web-to-lead]
import fs from 'node:fs';
import inspector from 'node:inspector/promises';
import { buildApp } from '../../src/app';
import { loadConfig } from '../../src/config/load';
import type { GenerateResult } from './generate';

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const resultFile = args[0];
if (!resultFile) throw new Error('usage: request-cost.ts <generate-result.json> [--database-url URL] [--data-dir DIR] [--n 200]');
const data = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as GenerateResult;
const n = Number(opt('n') ?? 200);
const only = opt('only')?.split(',');

async function main(): Promise<void> {
  const env: NodeJS.ProcessEnv = { KEHU_DATA_DIR: opt('data-dir') ?? require('node:path').dirname(resultFile), KEHU_LOG_LEVEL: 'warn', KEHU_JOBS_ENABLED: 'false', KEHU_BACKUP_SCHEDULE: '' };
  if (opt('database-url')) env.KEHU_DATABASE_URL = opt('database-url');
  const { config } = loadConfig({ env });
  const app = await buildApp({ config, logger: false });
  // --synchronous NORMAL|OFF (SQLite, diagnosis only): what the product's FULL costs the writes.
  if (opt('synchronous')) await app.core.db.knex.raw(`pragma synchronous = ${opt('synchronous') === 'OFF' ? 'OFF' : 'NORMAL'}`);
  // --sql: the time of each fixed-SQL read (core.db.read) a variant runs, to tell the database's
  // share from the rest.
  const sqlTimes = new Map<string, { ms: number; calls: number; rows: number }>();
  const lastParams = new Map<string, readonly unknown[]>();
  if (args.includes('--sql')) {
    const read = app.core.db.read;
    const all = read.all.bind(read);
    read.all = async <T>(sql: string, params: readonly unknown[]): Promise<T[]> => {
      const t = process.hrtime.bigint();
      const rows = await all<T>(sql, params);
      const key = sql.replace(/\s+/g, ' ');
      lastParams.set(key, params);
      const e = sqlTimes.get(key) ?? { ms: 0, calls: 0, rows: 0 };
      e.ms += Number(process.hrtime.bigint() - t) / 1e6;
      e.calls += 1;
      e.rows += rows.length;
      sqlTimes.set(key, e);
      return rows;
    };
    // Reads built with Knex go through the timed `all` too.
    read.built = <T>(qb: import('knex').Knex.QueryBuilder): Promise<T[]> => {
      const { sql, bindings } = qb.toSQL();
      return read.all<T>(sql, bindings);
    };
    // Knex's queries (writes, transactions) too, timed from its query events.
    const started = new Map<string, bigint>();
    app.core.db.knex.on('query', (q: { __knexQueryUid: string }) => started.set(q.__knexQueryUid, process.hrtime.bigint()));
    app.core.db.knex.on('query-response', (response: unknown, q: { __knexQueryUid: string; sql: string; bindings?: unknown[] }) => {
      const t = started.get(q.__knexQueryUid);
      if (t === undefined) return;
      started.delete(q.__knexQueryUid);
      const key = `[knex] ${q.sql.replace(/\s+/g, ' ')}`;
      lastParams.set(key, q.bindings ?? []);
      const e = sqlTimes.get(key) ?? { ms: 0, calls: 0, rows: 0 };
      e.ms += Number(process.hrtime.bigint() - t) / 1e6;
      e.calls += 1;
      e.rows += Array.isArray(response) ? response.length : 1;
      sqlTimes.set(key, e);
    });
  }
  const login = async (role: 'sales' | 'manager' | 'admin', pick: (ids: number[]) => number) => {
    const accounts = data.accounts[role];
    const a = accounts[pick(accounts.map((x) => x.id))] ?? accounts[0];
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: 'Bench-pass-2026!' } });
    const body = res.json() as { data: { token: string } };
    return { headers: { authorization: `Bearer ${body.data.token}`, accept: 'application/json' } as Record<string, string>, id: a.id };
  };
  // A page session (the board is a page): the sign-in form's cookie, as board-rep sends it.
  const pageLogin = async (role: 'sales' | 'manager' | 'admin', userId: number) => {
    const a = data.accounts[role].find((x) => x.id === userId) ?? data.accounts[role][0];
    const form = await app.inject({ method: 'GET', url: '/login' });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
    const jar = [form.headers['set-cookie']].flat().filter(Boolean).map((c) => String(c).split(';')[0]).join('; ');
    const res = await app.inject({ method: 'POST', url: '/login', headers: { cookie: jar, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: csrf, email: a.email, password: 'Bench-pass-2026!' }).toString() });
    const cookie = [res.headers['set-cookie']].flat().filter(Boolean).map((c) => String(c).split(';')[0]).join('; ');
    return { headers: { cookie, accept: 'text/html' } as Record<string, string>, id: a.id };
  };
  const top = data.samples.topOwners ?? [];
  const rep = await login('sales', (ids) => ids.map((id, i) => [i, top.indexOf(id) < 0 ? 1e9 : top.indexOf(id)]).sort((x, y) => x[1] - y[1])[0][0]);
  const mgr = await login('manager', () => 0);
  const adm = await login('admin', () => 0);
  const busy = data.samples.busyCompanies?.[0] ?? 1;
  const groups: Record<string, Array<[typeof rep, string]>> = {
    base: [[rep, '/api/v1/auth/me'], [rep, '/healthz']],
    contacts: [
      [rep, '/api/v1/contacts?limit=50'],
      [rep, '/api/v1/contacts?limit=50&sort=-updated_at'],
      [rep, '/api/v1/contacts?limit=50&filter[no_contact_days][gte]=30&sort=last_contact_at'],
      [rep, '/api/v1/contacts?limit=50&filter[tag]=1'],
      [rep, '/api/v1/contacts?limit=50&filter[source]=trade_show&sort=-created_at'],
      // The list's name search as contacts-list sends it (a two-character name), and one character.
      [rep, `/api/v1/contacts?limit=50&q=${encodeURIComponent(data.samples.searchTerms?.find((t) => t.kind === 'name-2')?.q ?? '王')}`],
      [rep, `/api/v1/contacts?limit=50&q=${encodeURIComponent('王')}`],
      [rep, `/api/v1/contacts?limit=50&filter[no_contact_days][gte]=90`],
      [rep, '/api/v1/contacts?limit=50&sort=-last_contact_at'],
      [rep, `/api/v1/contacts?limit=50&filter[created_at][gte]=${new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10)}&sort=-created_at`],
      [mgr, '/api/v1/contacts?limit=50'],
      [mgr, '/api/v1/contacts?limit=50&filter[tag]=1'],
      [mgr, '/api/v1/contacts?limit=50&filter[no_contact_days][gte]=30&sort=last_contact_at'],
    ],
    // One term of each kind the search scenario sends.
    search: [...new Map((data.samples.searchTerms ?? []).map((t) => [t.kind, t.q])).values()].map((q) => [rep, `/api/v1/search?q=${encodeURIComponent(q)}`] as [typeof rep, string]),
    timeline: [[adm, `/api/v1/companies/${busy}/timeline`]],
    write: [[rep, 'POST /api/v1/activities']],
  };
  // --only board: the deal board as board-rep and board-manager-team request it, and an admin's
  // whole pipeline (needs --deals).
  const pl = data.samples.pipeline;
  if (pl && pl.topDealOwners.length && (!only || only.includes('board'))) {
    const boardRep = await pageLogin('sales', pl.topDealOwners.map((o) => o[0]).find((id) => data.accounts.sales.some((a) => a.id === id))!);
    const head = [...pl.managerTeams].filter((m) => data.accounts.manager.some((a) => a.id === m.managerId)).sort((a, b) => b.teams.length - a.teams.length)[0];
    const boardMgr = await pageLogin('manager', head.managerId);
    const base = `/deals/board?pipeline_id=${pl.defaultPipelineId}`;
    groups.board = [[boardRep, base], [boardRep, `${base}&close_from=${new Date().toISOString().slice(0, 10)}&close_to=${new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10)}`], [boardMgr, `${base}&team_id=${head.teams[0][0]}`], [await pageLogin('admin', data.accounts.admin[0].id), base]];
  }
  // The write variant: a call logged with one of the rep's contacts, as create-activity sends it.
  const repContact = (data.samples.contacts ?? []).find((c) => c.ownerId === rep.id)?.id ?? data.samples.contacts?.[0]?.id ?? 1;
  // --only web-to-lead: one public form submission as web-to-lead.ts sends it (a new address each
  // time, so no address reaches its limit; the overall limit raised for the run and put back after).
  let formSeq = 0;
  let leadSettingsBefore: Record<string, unknown> | null = null;
  if (!only || only.includes('web-to-lead')) {
    const found = (await app.inject({ method: 'GET', url: '/api/v1/lead-settings', headers: adm.headers })).json() as { data: Record<string, unknown> };
    leadSettingsBefore = { global_per_minute: found.data.global_per_minute, over_limit: found.data.over_limit };
    await app.inject({ method: 'PATCH', url: '/api/v1/lead-settings', headers: { ...adm.headers, 'content-type': 'application/json' }, payload: { global_per_minute: 1_000_000, over_limit: 'refuse' } });
    groups['web-to-lead'] = [[adm, 'FORM /forms/lead']];
  }
  const request = (who: typeof rep, url: string) => {
    if (url.startsWith('FORM ')) {
      const i = ++formSeq;
      const body = new URLSearchParams({ name: `王${i % 97}明`, company_name: `深圳市远方${i % 1000}科技有限公司`, phone: `139${String(10_000_000 + i).slice(-8)}`, email: `wang${i}@yuanfang${i % 1000}.cn`, message: '想了解一下产品报价', consent: 'yes', consent_text: '我同意贵公司通过电话和邮件向我发送产品信息', website: '' }).toString();
      return app.inject({ method: 'POST', url: url.slice(5), remoteAddress: `127.${(Date.now() >> 20) % 200 + 20}.${(i >> 8) & 255}.${i & 255}`, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: body });
    }
    if (!url.startsWith('POST ')) return app.inject({ method: 'GET', url, headers: who.headers });
    const payload = { type: 'call', subject: '电话跟进报价', contact_ids: [repContact], occurred_at: new Date().toISOString(), outcome: '客户有兴趣，待报价' };
    return app.inject({ method: 'POST', url: url.slice(5), headers: { ...who.headers, 'content-type': 'application/json' }, payload });
  };
  // --cpu-prof FILE: a V8 profile of the measured loops only (not of start-up or warm-up).
  const profileFile = opt('cpu-prof');
  const session = profileFile ? new inspector.Session() : null;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
  }
  for (const [group, variants] of Object.entries(groups)) {
    if (only && group !== 'base' && !only.includes(group)) continue;
    for (const [who, url] of variants) {
      const first = await request(who, url);
      if (first.statusCode >= 300) throw new Error(`${url}: ${first.statusCode} ${first.body.slice(0, 300)}`);
      for (let i = 0; i < 20; i++) await request(who, url);
      sqlTimes.clear();
      if (session) await session.post('Profiler.start');
      const cpu = process.cpuUsage();
      const t = process.hrtime.bigint();
      for (let i = 0; i < n; i++) await request(who, url);
      const used = process.cpuUsage(cpu);
      if (session) await session.post('Profiler.stop').then(({ profile }) => profiles.push(profile as Profile));
      const wall = Number(process.hrtime.bigint() - t) / 1e6 / n;
      console.log(`${(((used.user + used.system) / 1000) / n).toFixed(3).padStart(7)} ms CPU ${wall.toFixed(3).padStart(7)} ms wall ${String(first.body.length).padStart(6)} B  ${who === rep ? 'rep' : who === mgr ? 'mgr' : who === adm ? 'adm' : who.headers.cookie ? 'page' : '?'} ${decodeURIComponent(url)}`);
      for (const [sql, e] of sqlTimes) console.log(`          ${(e.ms / n).toFixed(3)} ms × ${(e.calls / n).toFixed(1)}, ${Math.round(e.rows / e.calls)} rows  ${sql}  ${JSON.stringify(lastParams.get(sql))}`);
    }
  }
  if (session && profileFile) fs.writeFileSync(profileFile, JSON.stringify(mergeProfiles(profiles)));
  if (leadSettingsBefore) await app.inject({ method: 'PATCH', url: '/api/v1/lead-settings', headers: { ...adm.headers, 'content-type': 'application/json' }, payload: leadSettingsBefore });
  await app.close();
}

type Profile = { nodes: Array<{ id: number; children?: number[] }>; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };
const profiles: Profile[] = [];

/** One profile from several (ids renumbered), so one summary covers every variant. */
function mergeProfiles(list: Profile[]): Profile {
  const out: Profile = { nodes: [], samples: [], timeDeltas: [], startTime: list[0]?.startTime ?? 0, endTime: list[list.length - 1]?.endTime ?? 0 };
  let offset = 0;
  for (const p of list) {
    const max = Math.max(...p.nodes.map((n) => n.id));
    out.nodes.push(...p.nodes.map((n) => ({ ...n, id: n.id + offset, children: n.children?.map((c) => c + offset) })));
    out.samples.push(...p.samples.map((s) => s + offset));
    out.timeDeltas.push(...p.timeDeltas);
    offset += max;
  }
  return out;
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
