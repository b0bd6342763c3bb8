// The board: per-stage count, total and weighted total computed by the database through the
// scope (checked against a manual sum over the deals), the first cards of each column and more on
// demand (keyset per column), filters by owner, team and expected close date, and the stale flag
// for deals that sat in a stage longer than its expected days (with a manual clock).
import t from 'tap';
import { actorFor, apiClient, buildTestApp, createUser, manualClock, setupAdmin } from '../../helper';
import { browser } from '../../support/page-client';

const DAY = 86_400_000;

t.test('board aggregates, paging per column, filters and the stale flag', async (t) => {
  const clock = manualClock();
  const { app } = await buildTestApp(t, { clock });
  const { token } = await setupAdmin(app);
  const admin = apiClient(app, token);
  const teamA = (await admin.post('/api/v1/teams', { name: 'A 组' })).body.data;
  const teamB = (await admin.post('/api/v1/teams', { name: 'B 组' })).body.data;
  const repA = await createUser(app, token, 'sales', { team_ids: [teamA.id] });
  const repB = await createUser(app, token, 'sales', { team_ids: [teamB.id] });
  const manager = await createUser(app, token, 'manager', { team_ids: [teamA.id] });
  const pipeline = (await admin.get('/api/v1/pipelines')).body.data[0];
  const stage = (key: string) => pipeline.stages.find((s: { name_key: string }) => s.name_key === key);

  // 30 deals over three stages, two owners, two currencies, some with their own probability.
  const made: Array<{ id: number; owner: number; stage: number; amount: number; currency: string; probability: number | null; close: string }> = [];
  const keys = ['lead', 'qualification', 'proposal'];
  for (let i = 0; i < 30; i++) {
    const owner = i % 3 === 0 ? repB : repA;
    const key = keys[i % 3];
    const amount = 1000 * (i + 1) + 7;
    const currency = i % 5 === 0 ? 'USD' : 'CNY';
    const probability = i % 4 === 0 ? 33 : null;
    const close = `2027-0${1 + (i % 3)}-15`;
    const res = await admin.post('/api/v1/deals', { name: `deal ${i}`, amount, currency, probability, expected_close_date: close, owner_id: owner.user.id, stage_id: stage(key).id });
    t.equal(res.status, 201, res.text);
    made.push({ id: res.body.data.id, owner: owner.user.id, stage: stage(key).id, amount, currency, probability, close });
    clock.advance(1000);
  }

  function expected(filter: (d: (typeof made)[number]) => boolean) {
    return pipeline.stages.map((s: { id: number; probability: number }) => {
      const inStage = made.filter((d) => d.stage === s.id && filter(d));
      const currencies = [...new Set(inStage.map((d) => d.currency))].sort();
      return {
        count: inStage.length,
        totals: currencies.map((c) => {
          const ds = inStage.filter((d) => d.currency === c);
          return { currency: c, amount: ds.reduce((n, d) => n + d.amount, 0), weighted: Math.round(ds.reduce((n, d) => n + d.amount * (d.probability ?? s.probability), 0) / 100) };
        }),
      };
    });
  }
  const summary = (board: { columns: Array<{ count: number; totals: unknown[] }> }) => board.columns.map((c) => ({ count: c.count, totals: c.totals }));

  const all = await admin.get(`/api/v1/pipelines/${pipeline.id}/board?limit=4`);
  t.equal(all.status, 200, all.text);
  t.same(summary(all.body.data), expected(() => true), 'count, total and weighted total per stage and currency match a manual sum');
  const lead = all.body.data.columns.find((c: { stage: { id: number } }) => c.stage.id === stage('lead').id);
  t.equal(lead.cards.length, 4, 'the first N cards');
  t.ok(lead.next_cursor, 'and a cursor for more');

  // "more" walks one column to its end, oldest in the stage first, each card once.
  let cursor = lead.next_cursor;
  const seen = lead.cards.map((c: { id: number }) => c.id);
  while (cursor) {
    const more = await admin.get(`/api/v1/pipelines/${pipeline.id}/board/${stage('lead').id}?limit=4&cursor=${encodeURIComponent(cursor)}`);
    t.equal(more.status, 200, more.text);
    seen.push(...more.body.data.map((c: { id: number }) => c.id));
    cursor = more.body.next_cursor;
  }
  t.same(seen, made.filter((d) => d.stage === stage('lead').id).map((d) => d.id), 'every lead card once, in stage-entry order');

  // Through the scope: a rep's board is their own deals; the manager's is team A.
  const repBoard = await apiClient(app, repA.token).get(`/api/v1/pipelines/${pipeline.id}/board`);
  t.same(summary(repBoard.body.data), expected((d) => d.owner === repA.user.id), 'a rep\'s aggregates count only their own deals');
  const mgrBoard = await apiClient(app, manager.token).get(`/api/v1/pipelines/${pipeline.id}/board?filter[team_id]=${teamA.id}`);
  t.same(summary(mgrBoard.body.data), expected((d) => d.owner === repA.user.id), 'the manager filtered to one team');
  const byOwner = await admin.get(`/api/v1/pipelines/${pipeline.id}/board?filter[owner_id]=${repB.user.id}`);
  t.same(summary(byOwner.body.data), expected((d) => d.owner === repB.user.id), 'filtered by owner');
  const byClose = await admin.get(`/api/v1/pipelines/${pipeline.id}/board?filter[expected_close_date][gte]=2027-02-01&filter[expected_close_date][lte]=2027-02-28`);
  t.same(summary(byClose.body.data), expected((d) => d.close.startsWith('2027-02')), 'filtered by expected close date');
  t.equal((await apiClient(app, repB.token).get(`/api/v1/pipelines/${pipeline.id}/board/999999`)).status, 404, 'an unknown column');

  // Stale: the lead stage expects 7 days; the proposal stage 21.
  // Sessions time out over days: the service, as the admin, from here on.
  const adminActor = await actorFor(app, token);
  const staleOf = async () => {
    const b = await app.services.deals.board(adminActor, pipeline.id, { limit: 100 });
    return Object.fromEntries(b.columns.map((c) => [c.stage.name_key, c.cards.filter((x) => x.stale).length]));
  };
  t.same(await staleOf(), { lead: 0, qualification: 0, needs_analysis: 0, proposal: 0, negotiation: 0, contract: 0, lost: 0 }, 'nothing is stale at first');
  clock.advance(8 * DAY);
  t.same(await staleOf(), { lead: 10, qualification: 0, needs_analysis: 0, proposal: 0, negotiation: 0, contract: 0, lost: 0 }, 'after 8 days the leads (7 days expected) are flagged');
  const first = made.find((d) => d.stage === stage('lead').id)!;
  const moved = await app.services.deals.move(adminActor, first.id, { stage_id: stage('needs_analysis').id, version: 1 });
  t.equal(moved.stage_id, stage('needs_analysis').id);
  t.same(await staleOf(), { lead: 9, qualification: 0, needs_analysis: 0, proposal: 0, negotiation: 0, contract: 0, lost: 0 }, 'a moved deal starts its new stage fresh');
  // 14 days and an hour: the moved deal is past needs analysis' 14 days, the rest at 22 days.
  clock.advance(14 * DAY + 3_600_000);
  t.same(await staleOf(), { lead: 9, qualification: 10, needs_analysis: 1, proposal: 10, negotiation: 0, contract: 0, lost: 0 }, 'after 22 days all but the won and lost');
  const board = await app.services.deals.board(adminActor, pipeline.id, { limit: 1 });
  t.equal(board.columns.find((c) => c.stage.name_key === 'lead')!.cards[0].days_in_stage, 22);
});

t.test('the won and lost ends show what closed last first (open stages: what entered first, above)', async (t) => {
  const clock = manualClock();
  const { app } = await buildTestApp(t, { clock });
  const { token } = await setupAdmin(app);
  const admin = apiClient(app, token);
  const pipeline = (await admin.get('/api/v1/pipelines')).body.data[0];
  const stage = (key: string) => pipeline.stages.find((s: { name_key: string }) => s.name_key === key);
  const reason = (await admin.get('/api/v1/lost-reasons')).body.data[0];
  const ids: number[] = [];
  for (let i = 0; i < 10; i++) {
    const res = await admin.post('/api/v1/deals', { name: `closing ${i}`, amount: 5_000 + i, stage_id: stage('lead').id });
    t.equal(res.status, 201, res.text);
    ids.push(res.body.data.id);
    clock.advance(1000);
  }
  // Closed in the order 3, 0, 4, 1, 2 (won) and 8, 5, 9, 6, 7 (lost), a minute apart.
  const closeOrder = [3, 0, 4, 1, 2, 8, 5, 9, 6, 7];
  for (const i of closeOrder) {
    const body = i < 5 ? { stage_id: stage('contract').id } : { stage_id: stage('lost').id, lost_reason_id: reason.id };
    const res = await admin.post(`/api/v1/deals/${ids[i]}/move`, { ...body, version: 1 });
    t.equal(res.status, 200, res.text);
    clock.advance(60_000);
  }
  const walk = async (key: string) => {
    const first = await admin.get(`/api/v1/pipelines/${pipeline.id}/board?limit=2`);
    const column = first.body.data.columns.find((c: { stage: { id: number } }) => c.stage.id === stage(key).id);
    const seen = column.cards.map((c: { id: number }) => c.id);
    let cursor = column.next_cursor;
    while (cursor) {
      const more = await admin.get(`/api/v1/pipelines/${pipeline.id}/board/${stage(key).id}?limit=2&cursor=${encodeURIComponent(cursor)}`);
      t.equal(more.status, 200, more.text);
      seen.push(...more.body.data.map((c: { id: number }) => c.id));
      cursor = more.body.next_cursor;
    }
    return seen;
  };
  t.same(await walk('contract'), [2, 1, 4, 0, 3].map((i) => ids[i]), 'won: the last won first, page after page, each once');
  t.same(await walk('lost'), [7, 6, 9, 5, 8].map((i) => ids[i]), 'lost: the last lost first');
  // The board page shows both ends in the same order.
  const page = await browser(app, token).get(`/deals/board?pipeline_id=${pipeline.id}`);
  t.equal(page.status, 200);
  const cardsOf = (key: string) => [...(new RegExp(`data-testid="column-${stage(key).id}"[\\s\\S]*?</section>`).exec(page.text)?.[0] ?? '').matchAll(/data-deal="(\d+)"/g)].map((m) => Number(m[1]));
  t.same(cardsOf('contract'), [2, 1, 4, 0, 3].map((i) => ids[i]), 'the page\'s won column: the last won first');
  t.same(cardsOf('lost'), [7, 6, 9, 5, 8].map((i) => ids[i]), 'the page\'s lost column: the last lost first');
});
