// Scenario api-users: GET /api/v1/users as a sales manager with varied, realistic parameters: the
// default page, other page sizes and sorts, searches (Chinese names, surnames, pinyin, English
// names, nothing found), role/active/date/e-mail filters, combinations, and second pages by cursor.
import type { BenchRequest } from '../lib/drive';
import type { Scenario } from './types';

const apiUsers: Scenario = {
  name: 'api-users',
  kind: 'api',
  summary: 'GET /api/v1/users with varied q / sort / filter / limit / cursor; sales manager (JSON)',
  role: 'manager',
  async prepare(ctx) {
    const token = await ctx.signInApi('manager');
    const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
    const list = (params: Record<string, string>, weight: number, label: string): BenchRequest => {
      const qs = new URLSearchParams(params).toString();
      return { method: 'GET', path: `/api/v1/users${qs ? `?${qs}` : ''}`, weight, label };
    };

    // Search terms people type: colleagues' full names and surnames, pinyin from their e-mail,
    // English names, and something nobody is called.
    const people = [...ctx.data.accounts.sales, ...ctx.data.accounts.manager, ...ctx.data.accounts.support];
    const pick = () => ctx.rng.pick(people);
    const han = people.filter((p) => /\p{Script=Han}/u.test(p.name));
    const latin = people.filter((p) => !/\p{Script=Han}/u.test(p.name));
    const terms = new Set<string>();
    for (let i = 0; i < 4 && han.length; i++) terms.add(ctx.rng.pick(han).name);
    for (let i = 0; i < 3 && han.length; i++) terms.add(ctx.rng.pick(han).name.slice(0, 1));
    for (let i = 0; i < 3; i++) terms.add(pick().email.split('@')[0].split('.')[1] ?? 'wang');
    if (latin.length) terms.add(ctx.rng.pick(latin).name.split(' ')[0].toLowerCase());
    terms.add('kevin');
    terms.add('诸葛亮');

    const yearAgo = new Date(ctx.now.getTime() - 365 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    const monthAgo = new Date(ctx.now.getTime() - 30 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    const requests: BenchRequest[] = [
      list({}, 12, 'default page'),
      list({ limit: '20' }, 4, 'limit 20'),
      list({ limit: '100' }, 2, 'limit 100'),
      list({ limit: '200' }, 1, 'limit 200'),
      list({ sort: '-created_at' }, 3, 'newest first'),
      list({ sort: 'email', limit: '25' }, 2, 'by e-mail'),
      list({ sort: '-last_sign_in_at', limit: '20' }, 2, 'recently signed in'),
      list({ sort: '-name' }, 1, 'name descending'),
      ...[...terms].map((q) => list({ q }, 1.5, `q=${q}`)),
      list({ q: pick().name, limit: '10' }, 2, 'q full name, limit 10'),
      list({ 'filter[role]': 'sales' }, 3, 'sales reps'),
      list({ 'filter[role][in]': 'manager,support' }, 2, 'managers and support'),
      list({ 'filter[active]': 'false' }, 1, 'deactivated'),
      list({ 'filter[active]': 'true', sort: '-last_sign_in_at' }, 2, 'active, recent'),
      list({ 'filter[created_at][gte]': yearAgo }, 1, 'joined this year'),
      list({ 'filter[created_at][gte]': monthAgo, sort: '-created_at', limit: '20' }, 1, 'joined this month'),
      list({ 'filter[email][contains]': ctx.data.accounts.sales[0]?.email.split('@')[1] ?? 'com' }, 1, 'e-mail domain'),
      list({ q: han.length ? ctx.rng.pick(han).name.slice(0, 1) : 'wang', 'filter[role]': 'sales', sort: '-created_at', limit: '20' }, 2, 'surname + sales + newest'),
      list({ q: 'li', 'filter[active]': 'true', limit: '50' }, 1, 'pinyin + active'),
    ];

    // Second pages: follow next_cursor of a few first pages, as a client paging through would.
    for (const [params, weight] of [[{}, 4], [{ sort: '-created_at' }, 2], [{ 'filter[role]': 'sales', limit: '20' }, 2]] as Array<[Record<string, string>, number]>) {
      const first = list(params, 0, '');
      const page = await ctx.getJson<{ next_cursor: string | null }>(first.path, headers);
      if (page.next_cursor) requests.push(list({ ...params, cursor: page.next_cursor }, weight, `page 2 of ${JSON.stringify(params)}`));
    }
    return { headers, requests };
  },
};
export default apiUsers;
