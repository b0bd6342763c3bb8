// Request builders shared by the customer scenarios (contacts-list, search, company-360,
// create-activity, office-day): who signs in (a sales rep with a real book of customers, or a
// manager) and the weighted request variants of each kind, from the generator's samples.
import type { BenchRequest } from '../lib/drive';
import type { RoleKey } from '../data/types';
import type { ScenarioContext } from './types';

/** Signs in as a sales rep with one of the largest books (or a manager); Bearer headers. */
export async function signInCustomerRole(ctx: ScenarioContext, role: RoleKey): Promise<{ headers: Record<string, string>; userId: number }> {
  const accounts = ctx.data.accounts[role];
  let index = 0;
  if (role === 'sales') {
    const top = ctx.data.samples.topOwners ?? [];
    const rank = (id: number) => (top.indexOf(id) < 0 ? Infinity : top.indexOf(id));
    index = accounts.map((a, i) => [i, rank(a.id)] as const).sort((a, b) => a[1] - b[1])[0]?.[0] ?? 0;
  }
  const token = await ctx.signInApi(role, index);
  return { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, userId: accounts[index]?.id ?? 0 };
}

function get(path: string, params: Record<string, string>, weight: number, label: string): BenchRequest {
  const qs = new URLSearchParams(params).toString();
  return { method: 'GET', path: `${path}${qs ? `?${qs}` : ''}`, weight, label };
}

/** GET /api/v1/contacts, limit 50: default order, recent changes, not contacted lately, by company, tags, sources, page 2. */
export async function contactListRequests(ctx: ScenarioContext, headers: Record<string, string>, userId: number, role: RoleKey): Promise<BenchRequest[]> {
  const s = ctx.data.samples;
  const day = (n: number) => new Date(ctx.now.getTime() - n * 86_400_000).toISOString().slice(0, 10);
  const someCompany = (s.contacts ?? []).find((c) => c.companyId && c.ownerId === userId)?.companyId ?? s.contacts?.find((c) => c.companyId)?.companyId ?? 1;
  const term = (s.searchTerms ?? []).find((t) => t.kind === 'name-2')?.q ?? '王';
  const l = (p: Record<string, string>, w: number, label: string) => get('/api/v1/contacts', { limit: '50', ...p }, w, label);
  const requests: BenchRequest[] = [
    l({}, 10, 'default (name)'),
    l({ sort: '-updated_at' }, 6, 'recently changed'),
    l({ sort: '-last_contact_at' }, 4, 'recently contacted'),
    l({ 'filter[no_contact_days][gte]': '30', sort: 'last_contact_at' }, 4, 'not contacted 30+ days'),
    l({ 'filter[no_contact_days][gte]': '90' }, 2, 'not contacted 90+ days'),
    l({ 'filter[company_id]': String(someCompany) }, 4, 'one company'),
    l({ 'filter[tag]': '1' }, 2, 'tag 重点客户'),
    l({ 'filter[tag][in]': '2,3' }, 1, 'tags VIP/老客户'),
    l({ 'filter[source]': 'trade_show', sort: '-created_at' }, 2, 'from trade shows, newest'),
    l({ 'filter[created_at][gte]': day(30), sort: '-created_at' }, 3, 'new this month'),
    l({ 'filter[consent]': 'true' }, 1, 'with consent'),
    l({ q: term }, 3, `q=${term}`),
    l({ 'filter[owner_id]': String(userId) }, role === 'manager' ? 1 : 3, 'my own'),
  ];
  if (role === 'manager') {
    // One of the manager's own reps (the owner of a contact the manager sees), not just any rep:
    // a rep outside the team would give an empty page.
    const visible = await ctx.getJson<{ data: Array<{ owner_id: number }> }>('/api/v1/contacts?limit=50&sort=-updated_at', headers);
    const rep = visible.data.map((c) => c.owner_id).find((o) => o !== userId) ?? s.topOwners?.[0];
    if (rep) requests.push(l({ 'filter[owner_id]': String(rep) }, 4, "a rep's contacts"));
    requests.push(l({ sort: '-updated_at', 'filter[updated_at][gte]': day(7) }, 3, 'team changes this week'));
  }
  for (const [params, weight] of [[{}, 4], [{ sort: '-updated_at' }, 2]] as Array<[Record<string, string>, number]>) {
    const first = l(params, 0, '');
    const page = await ctx.getJson<{ next_cursor: string | null }>(first.path, headers);
    if (page.next_cursor) requests.push(l({ ...params, cursor: page.next_cursor }, weight, `page 2 of ${JSON.stringify(params)}`));
  }
  return requests;
}

/** GET /api/v1/search?q=: two- and three-character Chinese, people's names, phone last-4 digits, English names. */
export function searchRequests(ctx: ScenarioContext): BenchRequest[] {
  const terms = ctx.data.samples.searchTerms ?? [];
  const weightOf: Record<string, number> = { 'two-char': 3, 'three-char': 3, 'name-2': 2, 'name-3': 3, 'phone-4': 3, english: 1 };
  const byKind = new Map<string, number>();
  const out: BenchRequest[] = [];
  for (const t of terms) {
    const n = byKind.get(t.kind) ?? 0;
    if (n >= 8) continue;
    byKind.set(t.kind, n + 1);
    out.push(get('/api/v1/search', { q: t.q }, weightOf[t.kind] ?? 1, `${t.kind} ${t.q}`));
  }
  out.push(get('/api/v1/search', { q: '诸葛亮' }, 1, 'no match'));
  return out;
}

/** GET /api/v1/companies/:id/timeline: the busiest companies (~2,000 activities) and ordinary ones; first and second pages. */
export async function timelineRequests(ctx: ScenarioContext, headers: Record<string, string>): Promise<BenchRequest[]> {
  const busy = ctx.data.samples.busyCompanies ?? [];
  const others = (ctx.data.samples.companies ?? []).slice(0, 20);
  const out: BenchRequest[] = [];
  for (const id of busy) {
    out.push(get(`/api/v1/companies/${id}/timeline`, {}, 4, `busy company ${id}`));
    const page = await ctx.getJson<{ next_cursor?: string | null }>(`/api/v1/companies/${id}/timeline`, headers);
    if (page.next_cursor) out.push(get(`/api/v1/companies/${id}/timeline`, { cursor: page.next_cursor }, 1, `busy company ${id}, page 2`));
  }
  for (const id of others) out.push(get(`/api/v1/companies/${id}/timeline`, {}, 1, `company ${id}`));
  return out;
}

/** POST /api/v1/activities: a call, WeChat, visit … with one of the rep's contacts (the company is linked by the product). */
export function createActivityRequests(ctx: ScenarioContext, userId: number, role: RoleKey): BenchRequest[] {
  const mine = (ctx.data.samples.contacts ?? []).filter((c) => role !== 'sales' || c.ownerId === userId);
  const contacts = mine.length >= 20 ? mine : (ctx.data.samples.contacts ?? []);
  const types = ['call', 'call', 'call', 'wechat', 'wechat', 'email', 'visit', 'meeting', 'note'];
  const subjects = ['电话跟进报价', '微信确认需求', '发送产品资料', '上门拜访', '线上演示', '备注'];
  const out: BenchRequest[] = [];
  for (let i = 0; i < 200; i++) {
    const c = contacts[i % contacts.length];
    const type = types[i % types.length];
    const body: Record<string, unknown> = { type, subject: subjects[i % subjects.length], contact_ids: [c.id], occurred_at: new Date(ctx.now.getTime() - (i % 48) * 3_600_000).toISOString() };
    if (i % 3 === 0) body.outcome = '客户有兴趣，待报价';
    if (i % 5 === 0) body.content = '客户询问交期和价格，已记录需求。';
    out.push({ method: 'POST', path: '/api/v1/activities', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), weight: 1, label: `${type} with contact ${c.id}` });
  }
  return out;
}

/** Scales a group's weights so that the group takes `part` of all requests. */
function share(requests: BenchRequest[], part: number): BenchRequest[] {
  const total = requests.reduce((a, r) => a + (r.weight ?? 1), 0);
  return requests.map((r) => ({ ...r, weight: ((r.weight ?? 1) / total) * part * 1000 }));
}

/**
 * An office's readers: a sales manager's contact lists 50 %, search 30 %, company timelines 20 %
 * (the background of writes-under-reads, and the readers beside a backup in backup.ts).
 */
export async function readerMix(ctx: ScenarioContext): Promise<{ headers: Record<string, string>; requests: BenchRequest[]; label: string }> {
  const reader = await signInCustomerRole(ctx, 'manager');
  const admin = await signInCustomerRole(ctx, 'admin');
  const requests = [
    ...share(await contactListRequests(ctx, reader.headers, reader.userId, 'manager'), 0.5),
    ...share(ctx.data.samples.searchTerms ? searchRequests(ctx) : [], 0.3),
    // Timelines of companies a manager may not see would answer 404: read them with the admin's
    // token in the request's own headers.
    ...share((await timelineRequests(ctx, admin.headers)).map((r) => ({ ...r, headers: { authorization: admin.headers.authorization } })), 0.2),
  ];
  return { headers: reader.headers, requests, label: 'readers (lists 50 %, search 30 %, timelines 20 %)' };
}
