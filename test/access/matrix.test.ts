// The access matrix: every registered API route and page × every built-in role × own / teammate's
// / other team's record answers as test/access/route-matrix.ts says (allowed, 403, 404), and
// every non-public route answers 401 to nobody. A registered route missing from the matrix, or a
// matrix entry whose route is gone, fails the test by name. One app per run; sessions are reused.
import t from 'tap';
import { Readable } from 'node:stream';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildTestApp, createUser, setupAdmin, testDialect, ADMIN_PASSWORD, USER_PASSWORD } from '../helper';
import { tokenFor } from '../../src/plugins/auth';
import type { Actor } from '../../src/access/scope';
import { CASES, MATRIX, ROLES, type Case, type CellCase, type Entry, type Fixture, type Outcome, type Owner, type RecType, type Req, type Response, type Role } from './route-matrix';

t.setTimeout(600_000);

const OWNERS: Owner[] = [...ROLES, 'teammate', 'other'];

interface Session {
  token: string;
  csrf: string;
  cookies: Record<string, string>;
}

async function pageSession(app: FastifyInstance, token: string): Promise<Session> {
  const res = await app.inject({ method: 'GET', url: '/', cookies: { kehu_session: token } });
  const m = /<meta name="csrf-token" content="([^"]+)"/.exec(res.body);
  const csrfCookie = (res.cookies as Array<{ name: string; value: string }>).find((c) => c.name === 'kehu_csrf');
  if (res.statusCode !== 200 || !m || !csrfCookie) throw new Error(`no page session: ${res.statusCode} ${res.body.slice(0, 200)}`);
  return { token, csrf: m[1], cookies: { kehu_session: token, kehu_csrf: csrfCookie.value } };
}

async function actorOf(app: FastifyInstance, token: string): Promise<Actor> {
  const { sid, uid } = app.jwt.decode<{ sid: number; uid: number }>(token)!;
  const actor = await app.services.sessions.resolve(sid, uid, { ip: null, userAgent: null, requestId: null }, 'zh-CN');
  if (!actor) throw new Error('no actor');
  return actor;
}

function formBody(body: Record<string, unknown>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(body)) for (const x of [v].flat()) p.append(k, String(x));
  return p.toString();
}

function multipart(file: NonNullable<Req['file']>): { boundary: string; payload: string } {
  const boundary = `----kehu-matrix-${Math.random().toString(16).slice(2)}`;
  const payload = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n${file.content}\r\n--${boundary}--\r\n`;
  return { boundary, payload };
}

function fillUrl(pattern: string, params: Record<string, string | number> = {}): string {
  return pattern.replace(/:([a-z_]+)|\*/gi, (whole, name: string | undefined) => {
    const key = name ?? '*';
    if (!(key in params)) throw new Error(`no value for ${whole} in ${pattern}`);
    return encodeURIComponent(String(params[key])).replace(/%2F/g, '/');
  });
}

/** "ok 404 404" → the outcome for a case; "ok" → the same for every case. */
function expected(spec: string, c: Case | null): Outcome {
  const parts = spec.trim().split(/\s+/);
  if (parts.length === 1) return parts[0] as Outcome;
  if (parts.length !== 3 || c === null) throw new Error(`bad expectation "${spec}"`);
  return parts[CASES.indexOf(c)] as Outcome;
}

t.test(`access matrix on ${testDialect}`, async (t) => {
  const { app } = await buildTestApp(t);
  const { knex } = app.core.db;
  const { token: adminToken } = await setupAdmin(app);
  const admin = await actorOf(app, adminToken);
  const source = { ip: '127.0.0.1', userAgent: 'matrix', requestId: null };
  let seq = 0;
  const unique = (prefix: string) => `${prefix}-${++seq}`;

  // ---- teams: P with its sub-team C, and O apart ----
  const P = await app.services.teams.create(admin, { name: 'mx-P' });
  const C = await app.services.teams.create(admin, { name: 'mx-C', parent_id: P.id });
  const O = await app.services.teams.create(admin, { name: 'mx-O' });

  // ---- users: one of each role in P, a sales teammate in C, a sales rep in O ----
  const userId = {} as Record<Owner, number>;
  const email = {} as Record<Owner, string>;
  const token = {} as Record<Role, string>;
  userId.admin = admin.userId!;
  email.admin = 'admin@example.com';
  token.admin = adminToken;
  for (const role of ROLES.filter((r) => r !== 'admin')) {
    const u = await createUser(app, adminToken, role, { team_ids: [P.id] });
    userId[role] = u.user.id;
    email[role] = u.email;
    token[role] = u.token;
  }
  for (const [owner, team] of [['teammate', C.id], ['other', O.id]] as const) {
    const u = await createUser(app, adminToken, 'sales', { team_ids: [team] });
    userId[owner] = u.user.id;
    email[owner] = u.email;
  }
  const teamOf: Record<Case, number> = { own: P.id, teammate: C.id, other: O.id };
  const sessions = {} as Record<Role, Session>;
  for (const role of ROLES) sessions[role] = await pageSession(app, token[role]);

  // ---- records, made by the admin for each owner ----
  const tag = await app.services.tags.create(admin, { name: 'mx-tag' });
  const dueAt = new Date(app.core.clock.now().getTime() - 3_600_000).toISOString();

  async function attach(ownerId: number, type: 'companies' | 'activities', parentId: number): Promise<number> {
    const a = await app.services.attachments.upload(admin, { type, id: parentId }, { filename: 'mx.txt', mimetype: 'text/plain', stream: Readable.from([Buffer.from(`file ${++seq}`)]) });
    // Uploads belong to who uploaded them; hand this one to the owner it stands for.
    const owner = await knex('users').where({ id: ownerId }).first('primary_team_id');
    await knex('attachments').where({ id: a.id }).update({ owner_id: ownerId, team_id: owner.primary_team_id });
    return a.id;
  }

  const shared = {} as Record<Owner, Record<RecType, number>>;
  for (const owner of OWNERS) {
    const owner_id = userId[owner];
    const company = await app.services.companies.create(admin, { name: `mxshared-${owner}`, owner_id, allow_duplicate: true });
    const idle = await app.services.companies.create(admin, { name: `mxidle-${owner}`, grade: 'A', owner_id, allow_duplicate: true });
    const contact = await app.services.contacts.create(admin, { name: `mxshared-person-${owner}`, company_id: company.id, owner_id, allow_duplicate: true });
    const activity = await app.services.activities.create(admin, { type: 'note', subject: `mxnote-${owner}`, company_id: company.id, owner_id });
    const task = await app.services.tasks.create(admin, { title: `mxtask-${owner}`, due_at: dueAt, company_id: company.id, owner_id });
    const view = await app.services.savedViews.create({ userId: owner_id } as Actor, { record_type: 'companies', name: `mx-view-${owner}`, query: 'sort=name' });
    const deal = await app.services.deals.create(admin, { name: `mxdeal-${owner}`, company_id: company.id, owner_id });
    const lead = await app.services.leads.create(admin, { name: `mxlead-${owner}`, owner_id });
    shared[owner] = {
      companies: company.id, idle: idle.id, contacts: contact.id, deals: deal.id, leads: lead.id, activities: Number(activity.id), tasks: Number(task.id),
      attachments: await attach(owner_id, 'companies', company.id), activityAttachments: await attach(owner_id, 'activities', Number(activity.id)),
      savedViews: view.id, users: owner_id, teams: 0,
    };
  }
  const bystander = (await app.services.users.create(admin, { email: 'mx-bystander@example.com', name: 'mx bystander', role: 'sales', team_ids: [O.id] })).id;
  // A child owned by the other team's rep, linked to each caller's own company.
  const linked = {} as Record<Role, { activities: number; tasks: number }>;
  const linkedChild = async (role: Role, type: 'activities' | 'tasks', name: string) => Number(type === 'activities'
    ? (await app.services.activities.create(admin, { type: 'note', subject: name, company_id: shared[role].companies, owner_id: userId.other })).id
    : (await app.services.tasks.create(admin, { title: name, company_id: shared[role].companies, owner_id: userId.other })).id);
  for (const role of ROLES) linked[role] = { activities: await linkedChild(role, 'activities', `mxlinked-${role}`), tasks: await linkedChild(role, 'tasks', `mxlinked-${role}`) };
  const defaultPipeline = await app.services.pipelines.defaultId();
  const company = await app.services.settings.company();
  const grades = await app.services.settings.grades();

  function fixture(role: Role, c: CellCase | null): Fixture {
    const owner: Owner = c === null || c === 'own' ? role : c === 'linked' ? 'other' : c;
    const ownerOf = (o?: Owner) => o ?? owner;
    return {
      role,
      case: c,
      owner,
      rec(type, o) {
        if (c === 'linked' && !o && (type === 'activities' || type === 'tasks')) return linked[role][type];
        if (type === 'teams') return teamOf[c === null || c === 'linked' ? 'own' : c];
        return shared[ownerOf(o)][type];
      },
      async fresh(type, options = {}) {
        const o = ownerOf(options.owner);
        const owner_id = userId[o];
        const name = unique(`mxfresh-${o}`);
        let id: number;
        switch (type) {
          case 'companies': id = (await app.services.companies.create(admin, { name, owner_id, allow_duplicate: true })).id; break;
          case 'contacts': id = (await app.services.contacts.create(admin, { name, owner_id, allow_duplicate: true })).id; break;
          case 'deals': id = (await app.services.deals.create(admin, { name, owner_id })).id; break;
          case 'leads': id = (await app.services.leads.create(admin, { name, company_name: name, owner_id })).id; break;
          case 'routingRules': return (await app.services.leads.createRoutingRule(admin, { name, conditions: [{ field: 'source', op: 'eq', value: 'import' }], action: 'least_loaded' })).id;
          case 'scoringRules': return (await app.services.leads.createScoringRule(admin, { kind: 'field', label: name, field: 'region', op: 'eq', value: name, points: 1 })).id;
          case 'submissions': {
            const [row] = await knex('lead_submissions').insert({ received_at: app.core.clock.now().toISOString(), source_address: '10.9.9.9', payload: JSON.stringify({ name, email: `${name}@matrix.example` }), status: 'quarantined', reason: 'address_limit' }).returning('id');
            return Number(row.id ?? row);
          }
          case 'pipelines': return (await app.services.pipelines.create(admin, { name })).id;
          case 'lostReasons': return (await app.services.pipelines.createLostReason(admin, { name })).id;
          case 'activities':
          case 'tasks':
            id = c === 'linked' && !options.owner ? await linkedChild(role, type, name) : Number(type === 'activities'
              ? (await app.services.activities.create(admin, { type: 'note', subject: name, company_id: shared[o].companies, owner_id })).id
              : (await app.services.tasks.create(admin, { title: name, company_id: shared[o].companies, owner_id })).id);
            break;
          case 'attachments': return attach(owner_id, 'companies', shared[o].companies);
          case 'savedViews': return (await app.services.savedViews.create({ userId: owner_id } as Actor, { record_type: 'companies', name, query: 'sort=name' })).id;
          case 'users': return (await app.services.users.create(admin, { email: `${name}@example.com`, name, role: 'sales', team_ids: [O.id] })).id;
          case 'teams': return (await app.services.teams.create(admin, { name })).id;
          case 'tags': return (await app.services.tags.create(admin, { name })).id;
          case 'roles': return (await app.services.roles.create(admin, { key: name.replace(/-/g, '_'), name, permissions: { resources: {}, flags: [] } })).id;
        }
        if (options.deleted) await app.services[type].remove(admin, id);
        return id;
      },
      async version(table, id) {
        return Number((await knex(table).where({ id }).first('version')).version);
      },
      tag: tag.id,
      unique,
      async passwordToken() {
        const id = await this.fresh('users');
        const link = await app.services.users.createPasswordLink(admin, id, { purpose: 'invite' });
        return link.url.split('/').pop()!;
      },
      email: (o) => email[o],
      bystander,
      async freshShare(type) {
        return (await app.services.shares.add(admin, type, shared[owner][type], { user_id: bystander, access: 'read' })).id;
      },
      async roleId(key) {
        return Number((await knex('roles').where({ key }).first('id')).id);
      },
      defaultPipeline,
      async stage(pipelineId, kind = 'open') {
        return Number((await knex('pipeline_stages').where({ pipeline_id: pipelineId, kind }).orderBy('position').first('id')).id);
      },
      async stages(pipelineId) {
        return (await knex('pipeline_stages').where({ pipeline_id: pipelineId }).orderBy('position').pluck('id')).map(Number);
      },
      async nextStage(dealId) {
        const deal = await knex('deals').join('pipeline_stages as s', 's.id', 'deals.stage_id').where('deals.id', dealId).first('deals.pipeline_id', 's.position');
        return Number((await knex('pipeline_stages').where({ pipeline_id: deal.pipeline_id }).where('position', '>', deal.position).orderBy('position').first('id')).id);
      },
      async auditEntry() {
        return Number((await app.services.auditLog.list(admin, { limit: 1 })).data[0].id);
      },
      password: role === 'admin' ? ADMIN_PASSWORD : USER_PASSWORD,
      company: { name: company.name, timezone: company.timezone, currency: company.currency, locale: company.locale },
      grades: grades as unknown as Record<string, { days: number; rule: string }>,
    };
  }

  async function send(route: string, req: Req, session: Session | null): Promise<Response> {
    const [method, pattern] = route.split(' ');
    const isApi = pattern.startsWith('/api/');
    const query = { ...(req.query ?? {}) };
    const headers: Record<string, string> = {};
    const options: InjectOptions = { method: method as InjectOptions['method'], url: fillUrl(pattern, req.params) };
    if (session && isApi) headers.authorization = `Bearer ${session.token}`;
    if (session && !isApi) options.cookies = session.cookies;
    const unsafe = !['GET', 'HEAD'].includes(method);
    if (req.file) {
      const { boundary, payload } = multipart(req.file);
      headers['content-type'] = `multipart/form-data; boundary=${boundary}`;
      options.payload = payload;
      if (!isApi && session) query._csrf = session.csrf;
    } else if (unsafe && isApi) {
      if (req.body !== undefined) {
        headers['content-type'] = 'application/json';
        options.payload = JSON.stringify(req.body);
      }
    } else if (unsafe) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      options.payload = formBody({ ...(req.body ?? {}), ...(session ? { _csrf: session.csrf } : {}) });
    }
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
    if (qs) options.url += `?${qs}`;
    options.headers = headers;
    const res = await app.inject(options);
    let json: any = null;
    if (String(res.headers['content-type'] ?? '').includes('application/json') && res.body) {
      try {
        json = JSON.parse(res.body);
      } catch {
        json = null;
      }
    }
    return { status: res.statusCode, text: res.body, json, headers: res.headers };
  }

  function outcomeOf(entry: Entry, res: Response): string {
    const classified = entry.classify?.(res);
    if (classified) return classified;
    if (res.status === 404 && String(res.json?.error?.message ?? '').startsWith('no route')) return 'no route (the request did not reach the route)';
    if (res.status < 400 || entry.allow?.includes(res.status)) return 'ok';
    return String(res.status);
  }

  const describe = (res: Response) => `${res.status}${res.json?.error?.code ? ` ${res.json.error.code}` : ''}${res.status >= 300 && res.status < 400 ? ` → ${res.headers.location}` : ''}`;

  // ---- every registered route is in the matrix, and nothing else ----
  const registered = app.accessRoutes.filter((r) => !(r.method === 'HEAD' && app.accessRoutes.some((g) => g.method === 'GET' && g.url === r.url)));
  const isPublic = new Map(registered.map((r) => [`${r.method} ${r.url}`, r.public]));
  const inMatrix = new Set<string>();
  for (const entry of MATRIX) {
    if (inMatrix.has(entry.route)) t.fail(`${entry.route}: listed twice in the access matrix`);
    inMatrix.add(entry.route);
  }
  t.test('every registered route is in the matrix', async (t) => {
    const missing = [...isPublic.keys()].filter((k) => !inMatrix.has(k));
    for (const k of missing) t.fail(`${k}: registered but missing from the access matrix (test/access/route-matrix.ts)`);
    const gone = [...inMatrix].filter((k) => !isPublic.has(k));
    for (const k of gone) t.fail(`${k}: in the access matrix but no longer registered`);
    if (!missing.length && !gone.length) t.pass(`${isPublic.size} routes, all in the matrix`);
  });

  for (const entry of MATRIX) {
    if (!isPublic.has(entry.route)) continue;
    await t.test(entry.route, async (t) => {
      if (!isPublic.get(entry.route)) {
        const res = await send(entry.route, (await entry.req?.(fixture('admin', entry.per === 'case' ? 'own' : null))) ?? {}, null);
        t.equal(res.status, 401, `${entry.route} without signing in: expected 401, got ${describe(res)}`);
      }
      for (const role of ROLES) {
        for (const c of entry.per === 'case' ? [...CASES, ...(entry.linked ? ['linked' as const] : [])] : [null]) {
          const f = fixture(role, c);
          const req = (await entry.req?.(f)) ?? {};
          const session = req.throwaway ? await pageSession(app, tokenFor(app, await app.services.sessions.open(knex, userId[role], 'page', source))) : sessions[role];
          const res = await send(entry.route, req, session);
          const want = c === 'linked' ? entry.linked![role] : expected(entry.expect[role], c);
          const got = outcomeOf(entry, res);
          const bug = entry.bugs?.find((b) => b.roles.includes(role) && (!b.cases || (c !== null && b.cases.includes(c))));
          const whose = { own: 'their own record', teammate: "a teammate's record", other: "another team's record", linked: "another team's child of their own company" };
          const who = `${entry.route} as ${role}${c ? ` on ${whose[c]}` : ''}`;
          t.equal(got, want, `${who}: expected ${want}, got ${describe(res)}`, bug ? { todo: bug.note } : {});
          if (entry.sees && c === null && got === 'ok' && want === 'ok') {
            const flags = entry.sees.expect[role];
            for (const [i, seen] of CASES.entries()) {
              const owner: Owner = seen === 'own' ? role : seen;
              const should = flags[i] === 'y';
              const sees = entry.sees.present(res, f, owner);
              t.equal(sees, should, `${entry.route} as ${role}: ${should ? 'lists' : 'does not list'} the ${seen === 'own' ? 'own' : seen === 'teammate' ? "teammate's" : "other team's"} record`, bug ? { todo: bug.note } : {});
            }
          }
        }
      }
    });
  }
});
