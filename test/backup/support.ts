// Shared by the backup tests: an app filled with a realistic spread of data (teams in a tree
// where a team was moved under a newer one, users in teams, companies with Chinese names,
// contacts, activities, tasks, tags, attachments, sealed and archived audit entries), and an
// independent dump of every table (Knex + the row serializer) to compare databases with.
import type { FastifyInstance } from 'fastify';
import type { Knex } from 'knex';
import { apiClient, call, createUser, setupAdmin, type manualClock } from '../helper';
import { sealAll } from '../../src/audit/sealer';
import { DAY } from '../../src/lib/time';

export function multipart(fileName: string, content: Buffer, mime = 'application/octet-stream') {
  const boundary = '----kehu' + Math.random().toString(16).slice(2);
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: ${mime}\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { payload: Buffer.concat([head, content, tail]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

function must<T = any>(res: { status: number; text: string; body: any }, what: string): T {
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${res.text}`);
  return res.body?.data as T;
}

/** Fills the app; returns the admin token. With a clock, some audit entries are old and rotated into archives. */
export async function fill(app: FastifyInstance, clock?: ReturnType<typeof manualClock>): Promise<{ token: string }> {
  if (clock) clock.set(new Date('2026-01-10T08:00:00.000Z'));
  const { token } = await setupAdmin(app);
  const admin = apiClient(app, token);
  const south = must(await admin.post('/api/v1/teams', { name: '华南' }), 'team');
  const shenzhen = must(await admin.post('/api/v1/teams', { name: '深圳', parent_id: south.id }), 'team');
  const north = must(await admin.post('/api/v1/teams', { name: '华北' }), 'team');
  // An older team moved under a newer one: a self-reference pointing forward.
  const regions = must(await admin.post('/api/v1/teams', { name: '大区' }), 'team');
  must(await admin.patch(`/api/v1/teams/${north.id}`, { parent_id: regions.id, version: 1 }), 'move team');
  const rep = await createUser(app, token, 'sales', { team_ids: [shenzhen.id], primary_team_id: shenzhen.id });
  const rep2 = await createUser(app, token, 'sales', { team_ids: [north.id], primary_team_id: north.id });
  await createUser(app, token, 'manager', { team_ids: [south.id], primary_team_id: south.id });
  await createUser(app, token, 'auditor');
  const api = apiClient(app, rep.token);
  const tag = must(await admin.post('/api/v1/tags', { name: '重点客户' }), 'tag');
  const names = ['深圳市腾云科技有限公司', '上海浦东发展银行股份有限公司', '北京字节跳动网络技术有限公司', 'Acme Trading Co., Ltd.', '广州曾氏贸易'];
  const companies: any[] = [];
  for (const name of names) companies.push(must(await api.post('/api/v1/companies', { name, allow_duplicate: true }), 'company'));
  const contacts: any[] = [];
  const people = ['张三', '李四', '王小明', 'Emily Chen', '曾国藩', '欧阳娜娜'];
  for (const [i, name] of people.entries()) {
    contacts.push(must(await api.post('/api/v1/contacts', { name, company_id: companies[i % companies.length].id, mobile: `1380013${String(i).padStart(4, '0')}`, email: `p${i}@example.cn` }), 'contact'));
  }
  must(await apiClient(app, rep2.token).post('/api/v1/companies', { name: '天津港集团' }), 'company');
  for (const c of contacts.slice(0, 4)) {
    must(await api.post('/api/v1/activities', { type: 'call', subject: `电话 ${c.name}`, contact_ids: [c.id], outcome: '有兴趣', next_step: '发报价单', next_step_at: '2026-11-26T02:00:00Z' }), 'activity');
  }
  must(await api.post('/api/v1/tasks', { title: '寄送样品', due_at: '2026-11-27T09:00:00Z' }), 'task');
  // Deals: the stage totals that triggers keep must travel with them, not be counted again.
  const stages = (await admin.get('/api/v1/pipelines')).body.data[0].stages;
  for (const [i, amount] of [120000, 88000, null].entries()) must(await api.post('/api/v1/deals', { name: `报价 ${i}`, company_id: companies[i].id, amount, currency: 'CNY', stage_id: stages[i].id }), 'deal');
  must(await admin.post('/api/v1/companies/bulk', { ids: companies.slice(0, 3).map((c) => c.id), action: 'add_tag', tag_id: tag.id }), 'tagging');
  for (const [i, content] of ['名片正面', 'quote v1', '名片正面'].entries()) {
    const body = multipart(`附件${i}.txt`, Buffer.from(content), 'text/plain');
    const up = await call(app, { method: 'POST', url: `/api/v1/contacts/${contacts[i].id}/attachments`, payload: body.payload, headers: { ...body.headers, authorization: `Bearer ${rep.token}` } });
    if (up.status !== 201) throw new Error(`upload: ${up.status} ${up.text}`);
  }
  must(await api.delete(`/api/v1/contacts/${contacts[5].id}`).then((r) => ({ ...r, body: { data: null } })), 'trash');
  await sealAll(app.core.db.knex);
  if (clock) {
    // Half a year later the first entries are rotated into archive files.
    clock.advance(200 * DAY);
    await app.core.audit.record(app.core.db.knex, { userId: null, ip: null, userAgent: 'test', requestId: null }, { action: 'probe', recordType: 'system', recordId: 'late' });
    await sealAll(app.core.db.knex);
    const rotated = await app.services.auditLog.rotate();
    if (!rotated.pieces.length) throw new Error('nothing was rotated');
  }
  return { token };
}

/** Every table (but Knex's own), rows as the row serializer gives them, sorted. */
export async function dumpTables(knex: Knex, rows: { one(table: string, row: Record<string, unknown>): unknown; refresh(): Promise<void> }, dialect: 'sqlite' | 'postgres'): Promise<Record<string, string[]>> {
  await rows.refresh();
  const names: string[] = dialect === 'sqlite'
    ? (await knex.raw("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")).map((r: any) => r.name)
    : (await knex.raw("select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'")).rows.map((r: any) => r.name);
  const out: Record<string, string[]> = {};
  for (const name of names.filter((n) => !n.startsWith('knex_')).sort()) {
    const list = (await knex(name).select('*')).map((r: Record<string, unknown>) => {
      const row = rows.one(name, r) as Record<string, unknown>;
      return JSON.stringify(Object.fromEntries(Object.keys(row).sort().map((k) => [k, typeof row[k] === 'bigint' ? Number(row[k]) : row[k]])));
    });
    out[name] = list.sort();
  }
  return out;
}
