// Access: the route permission-declaration guard (start-up refusal, request-time 401/403) and scope()/applyScope() over owner_id/team_id with the team tree, for every built-in role.
import t, { type Test } from 'tap';
import Fastify, { type FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import accessGuard from '../../src/plugins/access-guard';
import { applyScope, scope, type Actor } from '../../src/access/scope';
import type { Action, Resource } from '../../src/access/catalog';
import { actorFor, apiClient, buildTestApp, createUser, setupAdmin } from '../helper';

/** A bare Fastify with the guard's dependency satisfied by a stub 'kehu-auth' that sets request.actor. */
async function bareApp(t: Test, actor: Partial<Actor> | null = null): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  t.teardown(() => app.close());
  await app.register(
    fp(
      async (i) => {
        i.decorateRequest('actor', null);
        i.addHook('onRequest', async (req) => {
          req.actor = actor as Actor | null;
        });
      },
      { name: 'kehu-auth' },
    ),
  );
  await app.register(accessGuard);
  return app;
}

t.test('the guard refuses to start with a route that declares nothing', async (t) => {
  const app = await bareApp(t);
  await t.rejects(
    (async () => {
      await app.register(async (i) => {
        i.get('/undeclared', async () => 'hi');
      });
      await app.ready();
    })(),
    /GET \/undeclared declares neither a permission nor public: true/,
  );
});

t.test('the guard refuses an unknown permission, and both public and a permission', async (t) => {
  const unknown = await bareApp(t);
  await t.rejects(
    (async () => {
      await unknown.register(async (i) => {
        i.post('/fly', { config: { permission: 'contacts.fly' as never } }, async () => 'hi');
      });
      await unknown.ready();
    })(),
    /POST \/fly declares an unknown permission "contacts.fly"/,
  );

  const both = await bareApp(t);
  await t.rejects(
    (async () => {
      await both.register(async (i) => {
        i.get('/both', { config: { public: true, permission: 'users.read' } }, async () => 'hi');
      });
      await both.ready();
    })(),
    /GET \/both is declared both public and with a permission/,
  );
});

t.test('the guard accepts declared routes and checks them at request time', async (t) => {
  const salesLike: Partial<Actor> = { userId: 7, permissions: { resources: { users: { read: 'all' } }, flags: [] } };
  const app = await bareApp(t, salesLike);
  await app.register(async (i) => {
    i.get('/open', { config: { public: true } }, async () => 'open');
    i.get('/users', { config: { permission: 'users.read' } }, async () => 'list');
    i.post('/users', { config: { permission: 'users.create' } }, async () => 'created');
    i.get('/me', { config: { permission: 'signed-in' } }, async () => 'me');
  });
  await app.ready();
  t.equal((await app.inject({ method: 'GET', url: '/open' })).statusCode, 200, 'public route served');
  t.equal((await app.inject({ method: 'GET', url: '/users' })).statusCode, 200, 'held permission served');
  t.equal((await app.inject({ method: 'GET', url: '/me' })).statusCode, 200, 'signed-in served');
  t.equal((await app.inject({ method: 'POST', url: '/users' })).statusCode, 403, 'missing permission refused');

  const anon = await bareApp(t, null);
  await anon.register(async (i) => {
    i.get('/open', { config: { public: true } }, async () => 'open');
    i.get('/me', { config: { permission: 'signed-in' } }, async () => 'me');
  });
  t.equal((await anon.inject({ method: 'GET', url: '/open' })).statusCode, 200);
  t.equal((await anon.inject({ method: 'GET', url: '/me' })).statusCode, 401, 'no actor: 401');
});

t.test('in the app: a sales user gets 403 on POST /api/v1/users, nobody gets 401', async (t) => {
  const { app } = await buildTestApp(t);
  const { token: adminToken } = await setupAdmin(app);
  const rep = await createUser(app, adminToken, 'sales');
  const body = { email: 'new-user@example.com', name: 'New user', role: 'sales', password: 'Another-pass-2026!' };

  const forbidden = await apiClient(app, rep.token).post('/api/v1/users', body);
  t.equal(forbidden.status, 403);
  t.equal(forbidden.body.error.code, 'forbidden');
  const invalid = await apiClient(app, rep.token).post('/api/v1/users', { nonsense: true });
  t.equal(invalid.status, 403, 'refused before the body is validated');

  const anonymous = await apiClient(app).post('/api/v1/users', body);
  t.equal(anonymous.status, 401);
  t.equal(anonymous.body.error.code, 'unauthorized');
  t.equal(await app.core.db.knex('users').where({ email: body.email }).first('id'), undefined, 'no user was created');

  const allowed = await apiClient(app, adminToken).post('/api/v1/users', body);
  t.equal(allowed.status, 201, 'control: the admin may');
  t.equal((await apiClient(app, rep.token).get('/api/v1/users')).status, 200, 'the sales user may read users');
});

t.test('scope() and applyScope() for every built-in role over the team tree', async (t) => {
  const { app } = await buildTestApp(t);
  const { knex } = app.core.db;
  const { token: adminToken, admin } = await setupAdmin(app);
  const api = apiClient(app, adminToken);

  const team = async (name: string, parent_id?: number) => {
    const res = await api.post('/api/v1/teams', parent_id ? { name, parent_id } : { name });
    if (res.status !== 201) throw new Error(`team ${name}: ${res.status} ${res.text}`);
    return res.body.data as { id: number; path: string };
  };
  const R = await team('R');
  const C = await team('C', R.id);
  const G = await team('G', C.id);
  t.equal(G.path, `${R.path}${C.id}/${G.id}/`, 'a three-level tree');
  // The other team gets an id whose digits begin with R's (R=1 -> O=10), so a sloppy prefix match would leak.
  let O = await team('O');
  for (let i = 0; i < 50 && !(String(O.id).startsWith(String(R.id)) && O.id !== R.id); i++) O = await team(`O${i}`);
  t.ok(String(O.id).startsWith(String(R.id)) && O.id !== R.id, `team O (${O.path}) shares R's (${R.path}) leading digits`);

  const manager = await createUser(app, adminToken, 'manager', { team_ids: [R.id] });
  const managerC = await createUser(app, adminToken, 'manager', { team_ids: [C.id] });
  const managerCO = await createUser(app, adminToken, 'manager', { team_ids: [C.id, O.id] });
  const sales = await createUser(app, adminToken, 'sales', { team_ids: [R.id] });
  const support = await createUser(app, adminToken, 'support', { team_ids: [R.id] });
  const auditor = await createUser(app, adminToken, 'auditor', { team_ids: [R.id] });
  const teammate = await createUser(app, adminToken, 'sales', { team_ids: [R.id] });
  const childUser = await createUser(app, adminToken, 'sales', { team_ids: [C.id] });
  const grandUser = await createUser(app, adminToken, 'sales', { team_ids: [G.id] });
  const otherUser = await createUser(app, adminToken, 'sales', { team_ids: [O.id] });

  await knex.schema.createTable('scope_probe', (tb) => {
    tb.increments('id');
    tb.integer('owner_id').nullable();
    tb.integer('team_id').nullable();
  });
  const rows: Record<string, [number, number | null]> = {
    adminOwn: [admin.id, null],
    managerOwnInO: [manager.user.id, O.id],
    salesOwn: [sales.user.id, R.id],
    supportOwn: [support.user.id, R.id],
    auditorOwn: [auditor.user.id, R.id],
    teammate: [teammate.user.id, R.id],
    child: [childUser.user.id, C.id],
    grand: [grandUser.user.id, G.id],
    other: [otherUser.user.id, O.id],
    otherNoTeam: [otherUser.user.id, null],
    inROwnedByOutsider: [otherUser.user.id, R.id],
  };
  const id: Record<string, number> = {};
  for (const [name, [owner_id, team_id]] of Object.entries(rows)) {
    const [r] = await knex('scope_probe').insert({ owner_id, team_id }).returning('id');
    id[name] = Number(r.id ?? r);
  }
  const all = Object.keys(rows);

  const actorOf = (token: string) => actorFor(app, token);
  const visible = async (actor: Actor, resource: Resource = 'contacts', action: Action = 'read', base = knex('scope_probe')) => {
    const list = await applyScope(base, scope(actor, resource, action), 'scope_probe').orderBy('scope_probe.id').pluck('scope_probe.id');
    return list.map(Number);
  };
  const ids = (...names: string[]) => names.map((n) => id[n]).sort((a, b) => a - b);

  const adminActor = await actorOf(adminToken);
  t.same(scope(adminActor, 'contacts', 'read'), { level: 'all' });
  t.same(await visible(adminActor), ids(...all), 'admin: every row');

  const managerActor = await actorOf(manager.token);
  t.same(managerActor.teamPaths, [R.path]);
  t.equal(scope(managerActor, 'contacts', 'read').level, 'team');
  t.same(
    await visible(managerActor),
    ids('managerOwnInO', 'salesOwn', 'supportOwn', 'auditorOwn', 'teammate', 'child', 'grand', 'inROwnedByOutsider'),
    'manager in R: own rows plus R and everything under it, not O',
  );
  t.same(await visible(managerActor, 'deals', 'delete'), ids('managerOwnInO', 'salesOwn', 'supportOwn', 'auditorOwn', 'teammate', 'child', 'grand', 'inROwnedByOutsider'), 'the same for another record type and action');
  t.same(await visible(managerActor, 'contacts', 'read', knex('scope_probe').where('scope_probe.team_id', O.id)), ids('managerOwnInO'), 'the scope is one group: an extra condition still holds');
  t.same(await visible(managerActor, 'users', 'delete'), [], 'manager: no users.delete');

  t.same(await visible(await actorOf(managerC.token)), ids('child', 'grand'), 'manager in C: C and below, never up to R');
  t.same(await visible(await actorOf(managerCO.token)), ids('managerOwnInO', 'child', 'grand', 'other'), 'manager in C and O: both subtrees');

  const salesActor = await actorOf(sales.token);
  t.same(scope(salesActor, 'contacts', 'read'), { level: 'own', userId: sales.user.id, shares: null });
  t.same(await visible(salesActor), ids('salesOwn'), 'sales: own rows only');
  t.same(await visible(salesActor, 'contacts', 'export'), [], 'sales: no export');

  const supportActor = await actorOf(support.token);
  t.same(await visible(supportActor), ids(...all), 'support: every row for read');
  t.same(await visible(supportActor, 'contacts', 'update'), ids('supportOwn'), 'support: own rows for update');
  t.same(await visible(supportActor, 'deals', 'read'), [], 'support: no deals');

  const auditorActor = await actorOf(auditor.token);
  t.same(scope(auditorActor, 'contacts', 'read'), { level: 'none' });
  t.same(await visible(auditorActor), [], 'auditor: nothing');

  const system: Actor = { ...adminActor, userId: null, permissions: managerActor.permissions, teamPaths: [] };
  t.same(scope(system, 'contacts', 'read'), { level: 'none' }, 'a team scope without a user is none');
});
