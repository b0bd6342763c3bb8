// Two managers reassigning deals at the same moment: each bulk action is one transaction that
// takes the board's totals rows (one per owner, stage, team and currency) in the order of its
// selection, so on Postgres two selections in opposite stage orders wait on each other and the
// database ends one of them (a deadlock). The loser is run again: both reassignments land whole,
// every deal has exactly one of the new owners, and the kept totals still equal the deals' sums.
import t from 'tap';
import { apiClient, buildTestApp, createUser, setupAdmin } from '../../helper';

t.test('two bulk reassignments that cross on the totals rows both land', async (t) => {
  const { app } = await buildTestApp(t);
  const knex = app.core.db.knex;
  const { token } = await setupAdmin(app);
  const admin = apiClient(app, token);
  const [from, toA, toB] = [await createUser(app, token, 'sales'), await createUser(app, token, 'sales'), await createUser(app, token, 'sales')];
  const stages = (await admin.get('/api/v1/pipelines')).body.data[0].stages.filter((s: { kind: string }) => s.kind === 'open');

  // 40 deals of one rep over the five open stages: each stage is its own totals row.
  const deals: Array<{ id: number; stage: number }> = [];
  for (let i = 0; i < 40; i++) {
    const stage = i % stages.length;
    const res = await admin.post('/api/v1/deals', { name: `交叉 ${i}`, amount: 1_000 + i, expected_close_date: '2027-03-31', owner_id: from.user.id, stage_id: stages[stage].id });
    if (res.status !== 201) t.fail(res.text);
    deals.push({ id: res.body.data.id, stage });
  }
  // One selection walks the stages forwards, the other backwards, again and again.
  const first = deals.filter((_, i) => i % 2 === 0).sort((a, b) => a.stage - b.stage || a.id - b.id).map((d) => d.id);
  const second = deals.filter((_, i) => i % 2 === 1).sort((a, b) => b.stage - a.stage || a.id - b.id).map((d) => d.id);

  const [a, b] = await Promise.all([
    admin.post('/api/v1/deals/bulk', { ids: first, action: 'assign', owner_id: toA.user.id }),
    admin.post('/api/v1/deals/bulk', { ids: second, action: 'assign', owner_id: toB.user.id }),
  ]);
  t.equal(a.status, 200, a.text);
  t.equal(b.status, 200, b.text);
  t.same([a.body.data?.done, b.body.data?.done], [20, 20], 'each reassigned its whole selection');

  const owners = new Map((await knex('deals').select('id', 'owner_id')).map((r) => [Number(r.id), Number(r.owner_id)]));
  t.ok(first.every((id) => owners.get(id) === toA.user.id), 'the first selection went to the first new owner');
  t.ok(second.every((id) => owners.get(id) === toB.user.id), 'the second selection went to the second');
  const kept = await knex('deal_stage_totals').where('owner_id', from.user.id).sum({ n: 'deals' }).first();
  t.equal(Number(kept?.n ?? 0), 0, 'nothing is left counted under the old owner');
  for (const [who, ids] of [[toA, first], [toB, second]] as const) {
    const row = await knex('deal_stage_totals').where('owner_id', who.user.id).sum({ n: 'deals', amount: 'amount' }).first();
    const amount = deals.filter((d) => ids.includes(d.id)).reduce((s, d) => s + 1_000 + deals.indexOf(d), 0);
    t.same([Number(row?.n), Number(row?.amount)], [20, amount], 'the new owner\'s totals count their deals and amounts');
  }
  const entries = await knex('audit_log').where({ action: 'assign', record_type: 'deals' }).count({ n: '*' }).first();
  t.equal(Number(entries?.n), 40, 'one audit entry per reassigned deal, none from a rolled-back try');
});
