// The API contract of the foundation, through app.inject: the one error shape and its status codes
// (bad JSON, unknown or mistyped fields, oversize bodies, unknown routes, wrong content types), the
// { data } / { data, next_cursor } envelopes, the list contract on /api/v1/users (filters, sorts, q,
// keyset pagination), versioned PATCH, failures that leave nothing behind, and the OpenAPI document.
import t, { type Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { apiClient, buildTestApp, call, createUser, manualClock, setupAdmin, type Response } from '../helper';
import { HOUR } from '../../src/lib/time';

type Api = ReturnType<typeof apiClient>;

/** Asserts the one error shape: { error: { code, message, requestId } } and nothing else at the top. */
function assertError(t: Test, res: Response, status: number, code: string): void {
  t.equal(res.status, status, `status ${status} (${code})`);
  t.match(String(res.headers['content-type']), /^application\/json/, 'the error is JSON');
  t.same(Object.keys(res.body ?? {}), ['error'], 'the body holds only "error"');
  t.equal(res.body?.error?.code, code, `error.code is ${code}`);
  t.type(res.body?.error?.message, 'string');
  t.ok(res.body?.error?.message.length > 0, 'error.message is not empty');
  t.equal(res.body?.error?.requestId, res.headers['x-request-id'], 'error.requestId is the request id of the response');
}

async function countRows(app: FastifyInstance, table: string): Promise<number> {
  const row = await app.core.db.knex(table).count({ n: '*' }).first();
  return Number(row?.n);
}

const jsonPost = (app: FastifyInstance, token: string, url: string, payload: string, contentType = 'application/json') =>
  call(app, { method: 'POST', url, payload, headers: { authorization: `Bearer ${token}`, 'content-type': contentType } });

t.test('malformed JSON gets 400 invalid_json in the error shape', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const users = await countRows(app, 'users');

  assertError(t, await jsonPost(app, token, '/api/v1/users', '{"email": "x@example.com", "name": '), 400, 'invalid_json');
  assertError(t, await jsonPost(app, token, '/api/v1/users', "{'email': 'single-quoted@example.com'}"), 400, 'invalid_json');
  const anonymous = await call(app, { method: 'POST', url: '/api/v1/auth/login', payload: '{"email":', headers: { 'content-type': 'application/json' } });
  assertError(t, anonymous, 400, 'invalid_json');
  t.equal(await countRows(app, 'users'), users, 'no user was created');
});

t.test('an unknown body field is refused and named in error.fields', async (t) => {
  const { app } = await buildTestApp(t);
  const { token, admin } = await setupAdmin(app);
  const api = apiClient(app, token);
  const users = await countRows(app, 'users');

  const created = await api.post('/api/v1/users', { email: 'nick@example.com', name: 'Nick', role: 'sales', nickname: 'nicky' });
  assertError(t, created, 400, 'validation_failed');
  t.ok(created.body.error.fields?.nickname, 'error.fields names "nickname"');
  t.equal(created.body.error.fields?.nickname?.keyword, 'additionalProperties');
  t.same(Object.keys(created.body.error.fields), ['nickname'], 'only the unknown field is reported');
  t.equal(await countRows(app, 'users'), users, 'no user was created');

  const patched = await api.patch(`/api/v1/users/${admin.id}`, { version: admin.version, is_superuser: true });
  assertError(t, patched, 400, 'validation_failed');
  t.ok(patched.body.error.fields?.is_superuser, 'error.fields names "is_superuser"');
});

t.test('a value of the wrong type gets 400 and is not coerced', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  const rep = await createUser(app, token, 'sales');

  const created = await api.post('/api/v1/users', { email: 'typed@example.com', name: 42, role: 'sales' });
  assertError(t, created, 400, 'validation_failed');
  t.ok(created.body.error.fields?.name, 'error.fields names "name"');
  t.equal(created.body.error.fields?.name?.keyword, 'type');

  const patched = await api.patch(`/api/v1/users/${rep.user.id}`, { active: 'false', version: rep.user.version });
  assertError(t, patched, 400, 'validation_failed');
  t.ok(patched.body.error.fields?.active, 'the string "false" is not taken for a boolean');
  const versionAsText = await api.patch(`/api/v1/users/${rep.user.id}`, { name: 'Text version', version: String(rep.user.version) });
  assertError(t, versionAsText, 400, 'validation_failed');
  t.ok(versionAsText.body.error.fields?.version, 'a version sent as text is refused');

  const after = await api.get(`/api/v1/users/${rep.user.id}`);
  t.equal(after.body.data.active, true, 'the user is still active');
  t.equal(after.body.data.version, rep.user.version, 'and unchanged');
});

t.test('a body larger than bodyLimitBytes gets 413', async (t) => {
  const { app, config } = await buildTestApp(t, { overrides: { bodyLimitBytes: 2048 } });
  t.equal(config.bodyLimitBytes, 2048);
  const { token } = await setupAdmin(app);
  const users = await countRows(app, 'users');

  const body = (padding: number) => JSON.stringify({ email: 'big@example.com', name: 'Big', role: 'sales', padding: 'x'.repeat(padding) });
  const over = body(3000);
  t.ok(Buffer.byteLength(over) > 2048);
  assertError(t, await jsonPost(app, token, '/api/v1/users', over), 413, 'body_too_large');

  // Just under the limit the body is read and judged on its content instead.
  const under = body(1800);
  t.ok(Buffer.byteLength(under) < 2048);
  const judged = await jsonPost(app, token, '/api/v1/users', under);
  assertError(t, judged, 400, 'validation_failed');
  t.ok(judged.body.error.fields?.padding, 'the body under the limit was parsed');
  t.equal(await countRows(app, 'users'), users);
});

t.test('an unknown route is a 404 in the error shape', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  for (const url of ['/api/v1/nothing-here', '/api/v1/users/1/nothing', '/api/v2/users']) {
    assertError(t, await apiClient(app, token).get(url), 404, 'not_found');
    assertError(t, await apiClient(app).get(url), 404, 'not_found');
  }
  const html = await apiClient(app, token).get('/api/v1/nothing-here', { accept: 'text/html' });
  assertError(t, html, 404, 'not_found');
  t.match(html.body.error.message, '/api/v1/nothing-here', 'the message names the path');
  assertError(t, await apiClient(app, token).delete('/api/v1/users/1'), 404, 'not_found');
});

t.test('a body that is not JSON gets 415', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const users = await countRows(app, 'users');
  assertError(t, await jsonPost(app, token, '/api/v1/users', '<user><email>x@example.com</email></user>', 'application/xml'), 415, 'unsupported_media_type');
  assertError(t, await jsonPost(app, token, '/api/v1/users', 'email: x@example.com', 'application/yaml'), 415, 'unsupported_media_type');
  t.equal(await countRows(app, 'users'), users);
});

t.test('success bodies are envelopes: { data } and { data, next_cursor }', async (t) => {
  const { app } = await buildTestApp(t);
  const { token, admin } = await setupAdmin(app);
  const api = apiClient(app, token);

  const created = await api.post('/api/v1/users', { email: 'env@example.com', name: 'Envelope', role: 'sales' });
  t.equal(created.status, 201);
  t.same(Object.keys(created.body), ['data']);
  t.equal(created.body.data.email, 'env@example.com');
  const row = await app.core.db.knex('users').where({ id: created.body.data.id }).first('email', 'name');
  t.same(row, { email: 'env@example.com', name: 'Envelope' }, 'the row is in the database');

  const one = await api.get(`/api/v1/users/${created.body.data.id}`);
  t.equal(one.status, 200);
  t.same(Object.keys(one.body), ['data']);
  t.same(one.body.data, created.body.data);

  const patched = await api.patch(`/api/v1/users/${admin.id}`, { name: '管理员二', version: admin.version });
  t.equal(patched.status, 200);
  t.same(Object.keys(patched.body), ['data']);

  const list = await api.get('/api/v1/users');
  t.equal(list.status, 200);
  t.same(Object.keys(list.body).sort(), ['data', 'next_cursor']);
  t.ok(Array.isArray(list.body.data));
  t.equal(list.body.data.length, 2);
  t.equal(list.body.next_cursor, null, 'one page: no next cursor');

  const me = await api.get('/api/v1/auth/me');
  t.same(Object.keys(me.body), ['data']);
  assertError(t, await api.get('/api/v1/users/999999'), 404, 'not_found');
});

/** Fixture for the list tests: 11 users across roles, creation times, sign-ins and one duplicate name. */
async function usersFixture(t: Test) {
  const clock = manualClock();
  const { app } = await buildTestApp(t, { clock });
  const { token, admin } = await setupAdmin(app);
  const api = apiClient(app, token);
  const create = async (name: string, role: string, signIn: boolean) => {
    if (signIn) return (await createUser(app, token, role, { name })).user;
    const res = await api.post('/api/v1/users', { email: `${name.replace(/\s+/g, '.').toLowerCase()}.${role}@example.com`, name, role });
    if (res.status !== 201) throw new Error(`creating ${name}: ${res.text}`);
    return res.body.data;
  };
  const times: string[] = [clock.now().toISOString()];
  clock.advance(HOUR);
  times.push(clock.now().toISOString());
  const batch1 = [await create('Anna Li', 'sales', true), await create('bob wu', 'sales', false), await create('Chen Yu', 'manager', true)];
  clock.advance(HOUR);
  times.push(clock.now().toISOString());
  const batch2 = [await create('Dana Xu', 'manager', false), await create('Same Name', 'sales', false), await create('Same Name', 'support', true), await create('Fiona Ma', 'auditor', false)];
  clock.advance(HOUR);
  times.push(clock.now().toISOString());
  const batch3 = [await create('Hugo Zhao', 'sales', true), await create('Ivy Qian', 'support', false), await create('张伟', 'sales', true)];
  clock.advance(HOUR / 12);
  const hugo = batch3[0];
  const off = await api.patch(`/api/v1/users/${hugo.id}`, { active: false, version: hugo.version });
  if (off.status !== 200) throw new Error(`deactivating: ${off.text}`);
  const all = (await api.get('/api/v1/users?limit=200')).body.data as any[];
  return { app, api, admin, all, times, total: 1 + batch1.length + batch2.length + batch3.length };
}

async function listIds(t: Test, api: Api, query: string): Promise<number[]> {
  const res = await api.get(`/api/v1/users?limit=200&${query}`);
  t.equal(res.status, 200, `GET ?${query}`);
  t.equal(res.body.next_cursor, null, 'everything fits in one page');
  return res.body.data.map((u: any) => u.id);
}

/** Follows next_cursor from the first page to the last; returns the ids in the order received. */
async function walk(t: Test, api: Api, query: string, limit: number): Promise<{ ids: number[]; pages: number }> {
  const ids: number[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: Response = await api.get(`/api/v1/users?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (res.status !== 200) throw new Error(`page ${pages + 1} of ?${query}: ${res.status} ${res.text}`);
    pages += 1;
    if (pages > 100) throw new Error('next_cursor never became null');
    ids.push(...res.body.data.map((u: any) => u.id));
    cursor = res.body.next_cursor;
    if (cursor !== null) t.equal(res.body.data.length, limit, `page ${pages} is full when another follows`);
  } while (cursor !== null);
  return { ids, pages };
}

/** True when `rows` are ordered by `field` in `dir`, NULLs last, ties broken by id in the same direction. */
function inOrder(rows: any[], field: string, dir: 'asc' | 'desc'): boolean {
  const sign = dir === 'asc' ? 1 : -1;
  for (let i = 1; i < rows.length; i++) {
    const [a, b] = [rows[i - 1], rows[i]];
    const [va, vb] = [a[field], b[field]];
    if (va === null && vb !== null) return false;
    if (va !== null && vb === null) continue;
    const cmp = va === vb ? 0 : va < vb ? -1 : 1;
    if (cmp * sign > 0) return false;
    if (cmp === 0 && (a.id - b.id) * sign > 0) return false;
  }
  return true;
}

t.test('the users list', async (t) => {
  const { api, admin, all, times, total } = await usersFixture(t);
  t.equal(all.length, total, 'the admin sees every user');
  const idsWhere = (pred: (u: any) => boolean) => all.filter(pred).map((u) => u.id).sort((a, b) => a - b);
  const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);

  t.test('filter[active]=true', async (t) => {
    const ids = await listIds(t, api, 'filter[active]=true');
    t.equal(ids.length, total - 1, 'everyone but the deactivated user');
    t.same(sorted(ids), idsWhere((u) => u.active === true));
    t.same(await listIds(t, api, 'filter[active]=false'), idsWhere((u) => u.active === false));
  });

  t.test('filter[role]=sales and filter[role][in]=sales,manager', async (t) => {
    const sales = await listIds(t, api, 'filter[role]=sales');
    t.equal(sales.length, 5);
    t.same(sorted(sales), idsWhere((u) => u.role === 'sales'));
    t.same(sorted(await listIds(t, api, 'filter[role][eq]=sales')), sorted(sales), '[eq] is the default operator');
    const either = await listIds(t, api, 'filter[role][in]=sales,manager');
    t.equal(either.length, 7);
    t.same(sorted(either), idsWhere((u) => u.role === 'sales' || u.role === 'manager'));
    t.same(await listIds(t, api, 'filter[role]=sales&filter[active]=false'), idsWhere((u) => u.role === 'sales' && !u.active), 'filters combine');
  });

  t.test('filter[created_at][gte] and friends', async (t) => {
    const since = times[2];
    const ids = await listIds(t, api, `filter[created_at][gte]=${encodeURIComponent(since)}`);
    t.equal(ids.length, 7, 'the second and third batch');
    t.same(sorted(ids), idsWhere((u) => u.created_at >= since));
    t.same(sorted(await listIds(t, api, `filter[created_at][lt]=${encodeURIComponent(since)}`)), idsWhere((u) => u.created_at < since));
    t.same(sorted(await listIds(t, api, `filter[created_at][gt]=${encodeURIComponent(since)}`)), idsWhere((u) => u.created_at > since));
    // The same instant written without milliseconds (or without seconds) means the same thing.
    const noMillis = since.replace('.000Z', 'Z');
    t.not(noMillis, since);
    t.same(sorted(await listIds(t, api, `filter[created_at][gte]=${encodeURIComponent(noMillis)}`)), sorted(ids), 'gte without milliseconds');
    t.same(sorted(await listIds(t, api, `filter[created_at][eq]=${encodeURIComponent(noMillis)}`)), idsWhere((u) => u.created_at === since), 'eq without milliseconds');
    t.same(sorted(await listIds(t, api, `filter[created_at][gte]=${encodeURIComponent(since.slice(0, 16))}`)), sorted(ids), 'gte to the minute');
    t.same(sorted(await listIds(t, api, `filter[created_at][gte]=${since.slice(0, 10)}`)), idsWhere((u) => u.created_at >= `${since.slice(0, 10)}T00:00:00.000Z`), 'gte a date');
    assertError(t, await api.get('/api/v1/users?filter[created_at][gte]=2026-13-45'), 400, 'validation_failed');
  });

  t.test('q= matches names and emails, case-insensitively', async (t) => {
    t.same(sorted(await listIds(t, api, 'q=same')), idsWhere((u) => u.name === 'Same Name'));
    t.same(sorted(await listIds(t, api, 'q=BOB')), idsWhere((u) => u.name === 'bob wu'));
    t.same(sorted(await listIds(t, api, 'q=auditor%40')), idsWhere((u) => u.email.includes('auditor@')), 'an email fragment');
    t.same(sorted(await listIds(t, api, `q=${encodeURIComponent('张')}`)), idsWhere((u) => u.name === '张伟'));
    t.same(await listIds(t, api, 'q=%25'), [], '% is a literal character, not a wildcard');
    t.same(await listIds(t, api, 'q=_'), [], '_ is a literal character, not a wildcard');
  });

  t.test('sort=name and sort=-name', async (t) => {
    const byName = await api.get('/api/v1/users?sort=name&limit=200');
    const names = byName.body.data.map((u: any) => u.name);
    t.same(names, ['Anna Li', 'bob wu', 'Chen Yu', 'Dana Xu', 'Fiona Ma', admin.name, 'Hugo Zhao', 'Ivy Qian', 'Same Name', 'Same Name', '张伟'], 'case-insensitive, Chinese names by pinyin');
    const same = byName.body.data.filter((u: any) => u.name === 'Same Name').map((u: any) => u.id);
    t.ok(same[0] < same[1], 'equal names are ordered by id');
    const desc = await api.get('/api/v1/users?sort=-name&limit=200');
    t.same(desc.body.data.map((u: any) => u.id), byName.body.data.map((u: any) => u.id).reverse(), '-name is the exact reverse');
    t.same((await api.get('/api/v1/users?limit=200')).body.data.map((u: any) => u.id), byName.body.data.map((u: any) => u.id), 'name is the default sort');
  });

  t.test('limit=2 pages through every user exactly once, in order, for every sort', async (t) => {
    for (const sort of ['name', '-name', 'email', '-email', 'created_at', '-created_at', 'last_sign_in_at', '-last_sign_in_at']) {
      const big = await api.get(`/api/v1/users?sort=${sort}&limit=200`);
      t.equal(big.body.data.length, total);
      const field = sort.replace(/^-/, '');
      if (field !== 'name') t.ok(inOrder(big.body.data, field, sort.startsWith('-') ? 'desc' : 'asc'), `one big page is ordered by ${sort}, NULLs last`);
      const { ids, pages } = await walk(t, api, `sort=${sort}`, 2);
      t.equal(pages, Math.ceil(total / 2), `${sort}: ${pages} pages`);
      t.equal(new Set(ids).size, ids.length, `${sort}: no duplicates`);
      t.same(ids, big.body.data.map((u: any) => u.id), `${sort}: no gaps, same order as one big page`);
    }
    const nulls = all.filter((u) => u.last_sign_in_at === null).length;
    t.ok(nulls > 1 && nulls < total - 1, 'the sign-in sort crosses NULLs and ties');
  });

  t.test('pagination keeps the filters', async (t) => {
    const query = 'filter[role][in]=sales,support&sort=-last_sign_in_at';
    const { ids } = await walk(t, api, query, 1);
    t.same(ids, await listIds(t, api, query));
    t.same(sorted(ids), idsWhere((u) => u.role === 'sales' || u.role === 'support'));
  });

  t.test('bad cursors, filters, sorts and limits get 400', async (t) => {
    const first = await api.get('/api/v1/users?limit=2');
    t.type(first.body.next_cursor, 'string');
    const garbage = Buffer.from('{"not":"a cursor"}').toString('base64url');
    for (const cursor of ['not-a-cursor', garbage, Buffer.from('["a","b"]').toString('base64url')]) {
      const res = await api.get(`/api/v1/users?limit=2&cursor=${encodeURIComponent(cursor)}`);
      assertError(t, res, 400, 'validation_failed');
      t.ok(res.body.error.fields?.cursor, 'error.fields names the cursor');
    }
    const unknownFilter = await api.get('/api/v1/users?filter[password_hash]=x');
    assertError(t, unknownFilter, 400, 'validation_failed');
    t.ok(unknownFilter.body.error.fields?.['filter.password_hash'], 'error.fields names the filter');
    assertError(t, await api.get('/api/v1/users?filter[role][gt]=sales'), 400, 'validation_failed');
    assertError(t, await api.get('/api/v1/users?filter[active]=yes'), 400, 'validation_failed');
    for (const sort of ['password_hash', '-password_hash', 'name;drop table users']) {
      const res = await api.get(`/api/v1/users?sort=${encodeURIComponent(sort)}`);
      assertError(t, res, 400, 'validation_failed');
      t.ok(res.body.error.fields?.sort, 'error.fields names the sort');
    }
    assertError(t, await api.get('/api/v1/users?limit=0'), 400, 'validation_failed');
    assertError(t, await api.get('/api/v1/users?limit=201'), 400, 'validation_failed');
    assertError(t, await api.get('/api/v1/users?limit=ten'), 400, 'validation_failed');
    assertError(t, await api.get('/api/v1/users?page=2'), 400, 'validation_failed');
  });
});

t.test('PATCH carries the version it is based on', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  const { user } = await createUser(app, token, 'sales', { name: 'Versioned' });
  const url = `/api/v1/users/${user.id}`;
  const current = async () => (await api.get(url)).body.data;

  assertError(t, await api.patch(url, { name: 'No version' }), 428, 'version_required');
  t.equal((await current()).name, 'Versioned', 'nothing changed without a version');

  const first = await api.patch(url, { name: 'First', version: user.version });
  t.equal(first.status, 200);
  t.equal(first.body.data.version, user.version + 1);

  const stale = await api.patch(url, { name: 'Stale', version: user.version });
  assertError(t, stale, 409, 'conflict');
  t.same(stale.body.error.current, await current(), 'error.current is the current record');
  t.equal(stale.body.error.current.name, 'First');
  t.equal((await current()).name, 'First', 'the stale change was not applied');

  const viaHeader = await api.patch(url, { name: 'Via If-Match' }, { 'if-match': `"${first.body.data.version}"` });
  t.equal(viaHeader.status, 200);
  t.equal(viaHeader.body.data.name, 'Via If-Match');
  t.equal(viaHeader.body.data.version, first.body.data.version + 1);
  const weak = await api.patch(url, { name: 'Weak tag' }, { 'if-match': `W/"${viaHeader.body.data.version}"` });
  t.equal(weak.status, 200, 'a weak tag works too');
  const staleHeader = await api.patch(url, { name: 'Stale header' }, { 'if-match': `"${first.body.data.version}"` });
  assertError(t, staleHeader, 409, 'conflict');
  t.same(staleHeader.body.error.current, await current());
  assertError(t, await api.patch(url, { name: 'Bad header' }, { 'if-match': 'abc' }), 400, 'validation_failed');
  t.equal((await current()).name, 'Weak tag');
});

t.test('of concurrent changes based on one version, exactly one wins', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  const { user } = await createUser(app, token, 'sales', { name: 'Contested' });
  const url = `/api/v1/users/${user.id}`;

  const results = await Promise.all([1, 2, 3, 4].map((i) => api.patch(url, { name: `Writer ${i}`, version: user.version })));
  const won = results.filter((r) => r.status === 200);
  t.equal(won.length, 1, 'one change is applied');
  t.same(results.filter((r) => r.status !== 200).map((r) => r.status), [409, 409, 409], 'the others get 409');
  const now = (await api.get(url)).body.data;
  t.equal(now.version, user.version + 1);
  t.equal(now.name, won[0].body.data.name, 'the winner\'s change is the one stored');
  const updates = await app.core.db.knex('audit_log').where({ record_type: 'users', record_id: String(user.id), action: 'update' }).count({ n: '*' }).first();
  t.equal(Number(updates?.n), 1, 'one audit entry for one change');
});

t.test('a failed request leaves nothing half-written', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  const rep = await createUser(app, token, 'sales');

  t.test('a duplicate email', async (t) => {
    const [users, audit] = [await countRows(app, 'users'), await countRows(app, 'audit_log')];
    const dup = await api.post('/api/v1/users', { email: ` ${rep.email.toUpperCase()} `, name: 'Duplicate', role: 'manager', password: 'Another-pass-2026!' });
    assertError(t, dup, 400, 'validation_failed');
    t.ok(dup.body.error.fields?.email, 'error.fields names the email');
    t.equal(await countRows(app, 'users'), users, 'no user was added');
    t.equal(await countRows(app, 'audit_log'), audit, 'no audit entry was written');
  });

  t.test('the same new email sent four times at once', async (t) => {
    const [users, audit] = [await countRows(app, 'users'), await countRows(app, 'audit_log')];
    const results = await Promise.all([1, 2, 3, 4].map((i) => api.post('/api/v1/users', { email: 'twice@example.com', name: `Racer ${i}`, role: 'sales' })));
    t.equal(results.filter((r) => r.status === 201).length, 1, 'one is created');
    for (const r of results.filter((r) => r.status !== 201)) {
      assertError(t, r, 400, 'validation_failed');
      t.ok(r.body.error.fields?.email, 'the others are told the email is taken, not a server error');
    }
    t.equal(await countRows(app, 'users'), users + 1);
    t.equal(await countRows(app, 'audit_log'), audit + 1, 'one audit entry, for the one user created');
  });

  t.test('a change that fails half-way', async (t) => {
    // Deactivation revokes the user's sessions before the unknown team is noticed; both must roll back.
    const before = (await api.get(`/api/v1/users/${rep.user.id}`)).body.data;
    const audit = await countRows(app, 'audit_log');
    const res = await api.patch(`/api/v1/users/${rep.user.id}`, { active: false, team_ids: [999999], version: before.version });
    assertError(t, res, 400, 'validation_failed');
    t.ok(res.body.error.fields?.team_ids, 'error.fields names team_ids');
    t.same((await api.get(`/api/v1/users/${rep.user.id}`)).body.data, before, 'the user is unchanged');
    t.equal((await apiClient(app, rep.token).get('/api/v1/auth/me')).status, 200, 'their session was not revoked');
    t.equal(await countRows(app, 'audit_log'), audit, 'no audit entry was written');
  });
});

/** Every route of the app, read from Fastify's route tree (there is no list API): [method, url]. */
function registeredRoutes(app: FastifyInstance): Array<[string, string]> {
  const routes: Array<[string, string]> = [];
  const stack: string[] = [];
  for (const line of app.printRoutes().split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 4;
    stack.length = depth;
    stack.push(m[2]);
    if (m[3]) for (const method of m[3].split(', ')) routes.push([method, stack.join('')]);
  }
  return routes;
}

t.test('every /api/v1 route is in the OpenAPI document', async (t) => {
  const { app } = await buildTestApp(t);
  const routes = registeredRoutes(app);
  for (const [method, url] of routes) t.ok(app.hasRoute({ method: method as 'GET', url }), `${method} ${url} is a route`);
  t.ok(routes.some(([m, u]) => m === 'POST' && u === '/api/v1/users/:id/password-link'), 'the route list reaches nested routes');
  t.ok(routes.some(([m, u]) => m === 'GET' && u === '/assets/*'), 'and wildcard routes');

  const res = await apiClient(app).get('/api/v1/openapi.json');
  t.equal(res.status, 200, 'the document is public');
  const doc = res.body as { openapi: string; paths: Record<string, Record<string, { summary?: string; responses?: Record<string, unknown> }>> };
  t.match(doc.openapi, /^3\./);
  // The document itself is the one /api/v1 route deliberately left out of it; HEAD mirrors GET.
  // Public form targets (/forms/*: web-to-lead, posted to from other websites) are documented too.
  const api = routes.filter(([m, u]) => (u.startsWith('/api/v1/') || u.startsWith('/forms/')) && m !== 'HEAD' && u !== '/api/v1/openapi.json');
  t.ok(api.length >= 20, `${api.length} API routes found`);
  for (const [method, url] of api) {
    const path = url.replace(/:(\w+)/g, '{$1}');
    const op = doc.paths[path]?.[method.toLowerCase()];
    t.ok(op, `${method} ${path} is documented`);
    t.ok(op?.summary, `${method} ${path} has a summary`);
    t.ok(Object.keys(op?.responses ?? {}).some((code) => /^2/.test(code)), `${method} ${path} documents its success response`);
  }
  const documented = Object.entries(doc.paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`));
  t.equal(documented.length, api.length, 'and the document lists nothing else');
});

t.test('GET /api/docs renders the document as HTML', async (t) => {
  const { app } = await buildTestApp(t);
  const res = await apiClient(app).get('/api/docs', { accept: 'text/html' });
  t.equal(res.status, 200);
  t.match(String(res.headers['content-type']), /^text\/html/);
  t.match(res.text, /<html[\s>]/);
  const doc = (await apiClient(app).get('/api/v1/openapi.json')).body as { paths: Record<string, object> };
  for (const path of Object.keys(doc.paths)) t.ok(res.text.includes(`<code>${path}</code>`), `${path} is on the page`);
  t.ok(res.text.includes('href="/api/v1/openapi.json"'), 'the page links the document');
});
