// The stage totals the database keeps for the board (deal_stage_totals, kept by triggers): after
// every kind of deal write (create, edit of amount, probability, currency and owner, moves, won
// and lost, trash, restore, bulk assign and delete, hand-over, purge) they equal the sums over the
// deals; a stage's probability change reweighs without touching them; and the board answers from
// them or, when a share decides what a rep sees, from the deals, with the same figures either way.
import type { Knex } from 'knex';
import t from 'tap';
import { actorFor, apiClient, buildTestApp, createUser, manualClock, setupAdmin } from '../../helper';

const DAY = 86_400_000;

/** Totals rows with any deal in them, keyed, as the triggers left them and as the deals sum up. */
async function kept(knex: Knex): Promise<Record<string, number[]>> {
  const rows = await knex('deal_stage_totals').where('deals', '<>', 0);
  return Object.fromEntries(rows.map((r) => [`${r.pipeline_id}/${r.owner_id}/${r.stage_id}/${r.team_id}/${r.currency}`, [r.deals, r.amount, r.at_stage_probability, r.weighted100].map(Number)]));
}
async function summed(knex: Knex): Promise<Record<string, number[]>> {
  const rows = await knex('deals').whereNull('deleted_at').groupBy('pipeline_id', 'owner_id', 'stage_id', 'team_id', 'currency')
    .select('pipeline_id', 'owner_id', 'stage_id', 'team_id', 'currency')
    .select(knex.raw('count(*) as n'), knex.raw('coalesce(sum(amount), 0) as amount'), knex.raw('coalesce(sum(case when probability is null then amount end), 0) as at_stage'), knex.raw('coalesce(sum(amount * probability), 0) as weighted'));
  return Object.fromEntries(rows.map((r) => [`${r.pipeline_id}/${r.owner_id}/${r.stage_id}/${r.team_id}/${r.currency}`, [r.n, r.amount, r.at_stage, r.weighted].map(Number)]));
}

t.test('the kept stage totals follow every deal write, and the board reads them', async (t) => {
  const clock = manualClock();
  const { app } = await buildTestApp(t, { clock });
  const knex = app.core.db.knex;
  const { token } = await setupAdmin(app);
  const admin = apiClient(app, token);
  const teamA = (await admin.post('/api/v1/teams', { name: 'A 组' })).body.data;
  const teamB = (await admin.post('/api/v1/teams', { name: 'B 组' })).body.data;
  const repA = await createUser(app, token, 'sales', { team_ids: [teamA.id] });
  const repB = await createUser(app, token, 'sales', { team_ids: [teamB.id] });
  const manager = await createUser(app, token, 'manager', { team_ids: [teamA.id] });
  const pipeline = (await admin.get('/api/v1/pipelines')).body.data[0];
  const stage = (key: string) => pipeline.stages.find((s: { name_key: string }) => s.name_key === key);
  const reasons = (await admin.get('/api/v1/lost-reasons')).body.data;

  const check = async (what: string) => t.same(await kept(knex), await summed(knex), `after ${what}: the kept totals equal the sums over the deals`);

  const ids: number[] = [];
  for (let i = 0; i < 12; i++) {
    const owner = i % 3 === 0 ? repB : repA;
    const res = await admin.post('/api/v1/deals', {
      name: `deal ${i}`, amount: i % 4 === 3 && i % 3 !== 2 ? null : 10_000 * (i + 1) + 3, currency: i % 5 === 0 ? 'USD' : 'CNY',
      probability: i % 4 === 0 ? 35 : null, owner_id: owner.user.id, stage_id: stage(['lead', 'qualification', 'proposal'][i % 3]).id,
    });
    t.equal(res.status, 201, res.text);
    ids.push(res.body.data.id);
  }
  t.ok(Object.keys(await kept(knex)).length >= 4, 'several owners, stages and currencies');
  await check('creating deals (amounts missing, own probabilities)');

  const version = async (id: number) => (await admin.get(`/api/v1/deals/${id}`)).body.data.version as number;
  const patch = async (id: number, body: Record<string, unknown>) => {
    const res = await admin.patch(`/api/v1/deals/${id}`, { ...body, version: await version(id) });
    t.equal(res.status, 200, res.text);
  };
  await patch(ids[1], { amount: 777_777 });
  await patch(ids[3], { amount: 5_000 });
  await patch(ids[4], { probability: null });
  await patch(ids[2], { probability: 90 });
  await patch(ids[5], { currency: 'EUR' });
  await check('edits of amount, probability and currency');
  await patch(ids[6], { owner_id: repB.user.id });
  t.equal((await admin.get(`/api/v1/deals/${ids[6]}`)).body.data.team_id, teamB.id, 'the new owner brings their team');
  await patch(ids[7], { name: 'renamed only' });
  await check('a change of owner (and team) and a rename');

  const move = async (id: number, key: string, extra: Record<string, unknown> = {}) => {
    const res = await admin.post(`/api/v1/deals/${id}/move`, { stage_id: stage(key).id, version: await version(id), ...extra });
    t.equal(res.status, 200, res.text);
  };
  await move(ids[0], 'needs_analysis');
  await move(ids[8], 'lead');
  await move(ids[9], 'contract');
  await move(ids[10], 'lost', { lost_reason_id: reasons[0].id });
  await check('moves forward and back, won (contract) and lost');

  t.equal((await admin.delete(`/api/v1/deals/${ids[11]}`)).status, 204);
  t.equal((await admin.delete(`/api/v1/deals/${ids[1]}`)).status, 204);
  await check('deals moved to the trash');
  t.equal((await admin.post(`/api/v1/deals/${ids[1]}/restore`)).status, 200);
  await check('a restore from the trash');
  t.equal((await admin.post('/api/v1/deals/bulk', { ids: [ids[2], ids[3]], action: 'assign', owner_id: repB.user.id })).status, 200);
  t.equal((await admin.post('/api/v1/deals/bulk', { ids: [ids[4]], action: 'delete' })).status, 200);
  await check('bulk assign and bulk delete');
  t.equal((await admin.post(`/api/v1/users/${repB.user.id}/handover`, { to_user_id: repA.user.id, types: ['deals'] })).status, 200);
  await check('a departing rep\'s deals handed over');

  // Figures: the board against the deals, for the admin (all), a rep (own) and the manager
  // filtered to team A, all answered from the kept totals.
  const expected = async (where: (q: Knex.QueryBuilder) => void) => {
    const q = knex('deals').join('pipeline_stages as s', 's.id', 'deals.stage_id').whereNull('deals.deleted_at').where('deals.pipeline_id', pipeline.id)
      .groupBy('deals.stage_id', 'deals.currency').select('deals.stage_id', 'deals.currency')
      .select(knex.raw('count(*) as n'), knex.raw('coalesce(sum(deals.amount), 0) as amount'), knex.raw('coalesce(sum(deals.amount * coalesce(deals.probability, s.probability)), 0) as w'));
    where(q);
    const rows = await q;
    return pipeline.stages.map((s: { id: number }) => {
      const mine = rows.filter((r) => Number(r.stage_id) === s.id).sort((a, b) => (a.currency < b.currency ? -1 : 1));
      return { count: mine.reduce((n, r) => n + Number(r.n), 0), totals: mine.map((r) => ({ currency: r.currency, amount: Number(r.amount), weighted: Math.round(Number(r.w) / 100) })) };
    });
  };
  const figures = (board: { columns: Array<{ count: number; totals: unknown[] }> }) => board.columns.map((c) => ({ count: c.count, totals: c.totals }));
  const boardOf = async (tok: string, query = '') => {
    const res = await apiClient(app, tok).get(`/api/v1/pipelines/${pipeline.id}/board${query}`);
    t.equal(res.status, 200, res.text);
    return figures(res.body.data);
  };
  t.same(await boardOf(token), await expected(() => {}), 'the admin\'s board');
  t.same(await boardOf(repA.token), await expected((q) => q.where('deals.owner_id', repA.user.id)), 'a rep\'s board: their own deals');
  t.same(await boardOf(manager.token, `?filter[team_id]=${teamA.id}`), await expected((q) => q.where('deals.team_id', teamA.id)), 'the manager\'s board filtered to a team');
  t.same(await boardOf(token, `?filter[owner_id][ne]=${repA.user.id}`), await expected((q) => q.whereNot('deals.owner_id', repA.user.id)), 'all but one owner');

  // A stage's probability changes: its deals without their own probability weigh the new one.
  const before = await kept(knex);
  const leadStage = stage('lead');
  const changed = await admin.patch(`/api/v1/pipelines/${pipeline.id}/stages/${leadStage.id}`, { probability: 60, version: leadStage.version });
  t.equal(changed.status, 200, changed.text);
  t.same(await kept(knex), before, 'the kept totals do not change with a stage\'s probability');
  t.same(await boardOf(token), await expected(() => {}), 'and the weighted totals follow the new probability');

  // A share decides what this rep sees: the figures come from the deals, the shared one counted.
  const outsider = await createUser(app, token, 'sales', { team_ids: [teamB.id] });
  const sharedDeal = (await admin.post('/api/v1/deals', { name: 'for the outsider', amount: 9_900, currency: 'CNY', owner_id: repA.user.id, stage_id: stage('qualification').id })).body.data;
  t.equal((await admin.post(`/api/v1/deals/${sharedDeal.id}/shares`, { user_id: outsider.user.id, access: 'read' })).status, 201);
  const outsiderActor = await actorFor(app, outsider.token);
  t.ok(outsiderActor.sharedTypes.includes('deals'), 'a deal is shared with the outsider');
  t.same(await boardOf(outsider.token), await expected((q) => q.where('deals.id', sharedDeal.id)), 'a shared deal counts on the board of the one it is shared with');
  await check('the last writes');

  clock.advance(400 * DAY);
  t.ok((await app.services.deals.purgeTrash(30)) >= 2, 'the trash purged');
  await check('the purge of the trash');
});
