// The deal pages without JavaScript: the board with its counts and cards, the plain move form
// (stage rules refused with the missing fields named, then moved), the list, the deal form, the
// deal page with its progress bar and a timeline of stage changes and activities logged on it,
// the pipeline settings page; user text is escaped everywhere.
import t from 'tap';
import { apiClient, buildTestApp, createUser, setupAdmin } from '../../helper';
import { browser, decode, hidden } from '../../support/page-client';

t.test('board, move form, list, form, deal page, settings', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  const page = browser(app, token);
  const pipeline = (await api.get('/api/v1/pipelines')).body.data[0];
  const stage = (key: string) => pipeline.stages.find((s: { name_key: string }) => s.name_key === key);
  const company = (await api.post('/api/v1/companies', { name: '苏州<b>精工</b>' })).body.data;

  // The form creates a deal (amount in yuan → fen).
  const created = await page.post('/deals', { name: '精工<script>x</script>', company_id: String(company.id), amount: '12,000.50', currency: 'CNY', expected_close_date: '', probability: '', next_step: '', notes: '', pipeline_id: String(pipeline.id) });
  t.equal(created.status, 303, created.text.slice(0, 300));
  const id = Number(/\/deals\/(\d+)/.exec(created.location)![1]);
  const deal = (await api.get(`/api/v1/deals/${id}`)).body.data;
  t.equal(deal.amount, 1_200_050, 'the amount in minor units');
  const bad = await page.post('/deals', { name: '', currency: 'CNY' });
  t.equal(bad.status, 400, 'a form refused re-renders with the error');

  const board = await page.get(`/deals/board?pipeline_id=${pipeline.id}`);
  t.equal(board.status, 200, board.text.slice(0, 300));
  t.match(board.text, `data-testid="card-${id}"`, 'the card is on the board');
  t.notMatch(board.text, '<script>x</script>', 'user text is escaped');
  t.match(board.text, /board\.js/, 'the drag-and-drop script is served locally');
  t.match(decode(board.text), '1 个商机', 'the column count');
  t.match(board.text, `href="/deals/${id}#move" data-testid="move-${id}"`, 'the card links to its deal\'s move form');
  t.match(board.text, 'id="b-owner"', 'an admin filters by owner');
  const lost = pipeline.stages.find((s: { kind: string }) => s.kind === 'lost');
  const toLost = await page.get(`/deals/${id}?move_to=${lost.id}`);
  const stageSelect = (html: string) => /<select id="d-stage"[^>]*>(.*?)<\/select>/s.exec(html)![1];
  t.match(stageSelect(toLost.text), `<option value="${lost.id}" selected>`, 'a card dropped on the lost end opens the move form with that stage chosen');
  t.notMatch(stageSelect((await page.get(`/deals/${id}`)).text), 'selected', 'and without it nothing is chosen');

  // Proposal needs an amount (there is one); negotiation needs a close date too.
  const refused = await page.post(`/deals/${id}/move`, { stage_id: String(stage('negotiation').id), version: '1', back: `/deals/board?pipeline_id=${pipeline.id}` });
  t.equal(refused.status, 303);
  t.match(decodeURIComponent(refused.location), /notice=move_refused/, 'refused, back to the board');
  const shown = await page.get(refused.location);
  t.match(decode(shown.text), '预计成交日期', 'the missing field is named in the reader\'s language');
  const moved = await page.post(`/deals/${id}/move`, { stage_id: String(stage('proposal').id), version: '1', back: `/deals/${id}` });
  t.equal(moved.status, 303);
  t.equal(moved.location, `/deals/${id}?notice=moved`);
  t.equal((await api.get(`/api/v1/deals/${id}`)).body.data.stage_id, stage('proposal').id, 'moved without JavaScript');

  const logged = await page.post(`/deals/${id}/log`, { type: 'call', subject: '电话确认方案' });
  t.equal(logged.status, 303, logged.text.slice(0, 300));
  const show = await page.get(`/deals/${id}`);
  t.equal(show.status, 200);
  const text = decode(show.text);
  t.match(text, 'data-testid="stage-progress"');
  t.match(text, /aria-current="step">方案报价/, 'the progress bar marks the current stage');
  t.match(text, '线索 → 方案报价', 'the stage change is on the timeline');
  t.match(text, '电话确认方案', 'the activity logged on the deal is on the timeline');
  const activity = (await api.get('/api/v1/activities')).body.data[0];
  t.same(activity.parents.map((p: { type: string }) => p.type).sort(), ['companies', 'deals'], 'logged on the deal and its company');

  const edit = await page.get(`/deals/${id}/edit`);
  t.equal(edit.status, 200);
  t.match(decode(edit.text), 'value="12000.50"', 'the amount shown in yuan');
  const saved = await page.post(`/deals/${id}`, { name: '精工年度订单', company_id: String(company.id), amount: '13000', currency: 'CNY', expected_close_date: '2027-03-31', probability: '70', next_step: '', notes: '', version: hidden(edit.text, 'version') });
  t.equal(saved.status, 303, saved.text.slice(0, 500));
  t.equal((await api.get(`/api/v1/deals/${id}`)).body.data.probability, 70);

  const list = await page.get('/deals?status=open');
  t.equal(list.status, 200);
  t.match(decode(list.text), '精工年度订单');

  // Settings: admins only.
  const settings = await page.get('/admin/pipelines');
  t.equal(settings.status, 200);
  t.match(decode(settings.text), '方案报价');
  const rule = await page.post(`/admin/pipelines/${pipeline.id}/stages/${stage('qualification').id}`, { name_zh: '资格确认', name_en: 'Qualifying', probability: '25', expected_days: '10', required_fields: ['next_step'], version: '1' });
  t.equal(rule.status, 303, rule.text.slice(0, 300));
  const q = (await api.get(`/api/v1/pipelines/${pipeline.id}`)).body.data.stages.find((s: { id: number }) => s.id === stage('qualification').id);
  t.same([q.name_en, q.probability, q.expected_days, q.required_fields], ['Qualifying', 25, 10, ['next_step']]);
  const added = await page.post(`/admin/pipelines/${pipeline.id}/stages`, { name_zh: '试用', probability: '50' });
  t.equal(added.status, 303);
  t.equal((await page.post('/admin/pipelines', { name_zh: '', name_en: '' })).status, 400, 'a pipeline needs a name');
  // Order, delete, lost reasons switched off.
  const before = (await api.get(`/api/v1/pipelines/${pipeline.id}`)).body.data.stages.map((s: { id: number }) => s.id);
  const trial = before[before.length - 3];
  t.equal((await page.post(`/admin/pipelines/${pipeline.id}/stages/${trial}/move`, { direction: 'up' })).status, 303);
  const after = (await api.get(`/api/v1/pipelines/${pipeline.id}`)).body.data.stages.map((s: { id: number }) => s.id);
  t.equal(after.indexOf(trial), before.indexOf(trial) - 1, 'the new stage moved up one');
  const end = before[before.length - 1];
  t.equal((await page.post(`/admin/pipelines/${pipeline.id}/stages/${end}/move`, { direction: 'up' })).status, 303, 'the ends do not move');
  t.same((await api.get(`/api/v1/pipelines/${pipeline.id}`)).body.data.stages.map((s: { id: number }) => s.id).slice(-2), before.slice(-2));
  const busy = await page.post(`/admin/pipelines/${pipeline.id}/stages/${stage('proposal').id}/delete`, {});
  t.equal(busy.status, 409, 'a stage with deals in it stays');
  t.match(decode(busy.text), 'move them first', 'and the page says why');
  t.equal((await page.post(`/admin/pipelines/${pipeline.id}/stages/${trial}/delete`, {})).status, 303, 'an unused stage goes');
  const reason = (await api.get('/api/v1/lost-reasons')).body.data[0];
  t.equal((await page.post(`/admin/lost-reasons/${reason.id}`, { active: 'no', version: String(reason.version) })).status, 303);
  t.notOk((await api.get('/api/v1/lost-reasons')).body.data.some((r: { id: number }) => r.id === reason.id), 'switched off');
  const rep = await createUser(app, token, 'sales');
  t.equal((await browser(app, rep.token).get('/admin/pipelines')).status, 403, 'reps do not configure pipelines');
  t.equal((await browser(app, rep.token).get(`/deals/${id}`)).status, 404, 'nor see others\' deals');
  const repBoard = await browser(app, rep.token).get(`/deals/board?pipeline_id=${pipeline.id}`);
  t.equal(repBoard.status, 200);
  t.notMatch(repBoard.text, 'id="b-owner"', 'a rep who sees only their own deals has no owner filter');
  t.notMatch(repBoard.text, `card-${id}"`, 'nor the others\' cards');
});

t.test('the list beside the board filters by team and close date, and a column\'s "more" opens it with the board\'s filters in the column\'s order', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await setupAdmin(app);
  const api = apiClient(app, token);
  const page = browser(app, token);
  const team = (await api.post('/api/v1/teams', { name: '华东组' })).body.data;
  const rep = await createUser(app, token, 'sales', { team_ids: [team.id] });
  const other = await createUser(app, token, 'sales');
  const pipeline = (await api.get('/api/v1/pipelines')).body.data[0];
  const lead = pipeline.stages.find((s: { name_key: string }) => s.name_key === 'lead');
  const won = pipeline.stages.find((s: { kind: string }) => s.kind === 'won');
  const make = async (name: string, owner: number, close: string, stageId = lead.id) => {
    const res = await api.post('/api/v1/deals', { name, amount: 1_000, owner_id: owner, expected_close_date: close, stage_id: stageId });
    t.equal(res.status, 201, res.text);
    return res.body.data.id as number;
  };
  const inTeamMarch = await make('华东-三月', rep.user.id, '2027-03-10');
  await make('华东-六月', rep.user.id, '2027-06-10');
  await make('别组-三月', other.user.id, '2027-03-12');
  const listed = async (qs: string) => [...(await page.get(`/deals?${qs}`)).text.matchAll(/<td><a href="\/deals\/\d+">([^<]+)<\/a><\/td>/g)].map((m) => m[1]).sort();
  t.same(await listed(`team_id=${team.id}`), ['华东-三月', '华东-六月'], 'the list filters by team');
  t.same(await listed(`team_id=${team.id}&close_from=2027-03-01&close_to=2027-03-31`), ['华东-三月'], 'and by expected close date');
  t.same(await listed('close_from=2027-03-01&close_to=2027-03-31'), ['别组-三月', '华东-三月'], 'dates alone');
  t.equal((await page.get('/deals?close_from=not-a-date')).status, 400, 'a bad date is refused');

  // 21 more deals of the team in the lead stage, and 21 won: both columns have more than a board shows.
  for (let i = 0; i < 21; i++) await make(`华东-线索 ${i}`, rep.user.id, '2027-03-20');
  for (let i = 0; i < 21; i++) await make(`华东-成交 ${i}`, rep.user.id, '2027-03-20', won.id);
  const board = await page.get(`/deals/board?pipeline_id=${pipeline.id}&team_id=${team.id}&close_from=2027-03-01&close_to=2027-03-31`);
  t.equal(board.status, 200);
  const moreOf = (stageId: number) => decode(new RegExp(`href="([^"]+)" data-more-cursor="[^"]*" data-testid="more-${stageId}"`).exec(board.text)?.[1] ?? '');
  const leadMore = new URLSearchParams(moreOf(lead.id).split('?')[1]);
  t.same(Object.fromEntries(leadMore), { pipeline_id: String(pipeline.id), stage_id: String(lead.id), team_id: String(team.id), close_from: '2027-03-01', close_to: '2027-03-31', sort: 'stage_entered_at' }, 'an open column\'s "more": its filters, oldest in the stage first');
  t.equal(new URLSearchParams(moreOf(won.id).split('?')[1]).get('sort'), '-stage_entered_at', 'the won column\'s: newest first');
  const more = await page.get(moreOf(lead.id));
  t.equal(more.status, 200);
  t.match(more.text, `href="/deals/${inTeamMarch}"`, 'the list it opens starts with the column\'s oldest deal');
  t.ok(more.text.indexOf(`href="/deals/${inTeamMarch}"`) < more.text.indexOf('华东-线索 0'), 'before the ones that came after it');
});
