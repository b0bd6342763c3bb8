// Scenarios of the sales pipeline (issue 7; data: --deals N --leads N):
//   board-rep           GET /deals/board for the default pipeline as the sales rep with the most
//                       deals (a rep sees their own): counts, totals and weighted totals per stage
//                       and the first 20 cards of each column, rendered as HTML;
//   board-manager-team  the same page as a sales manager (team scope) filtered to one of the sales
//                       teams under them (team_id=), rotating over their teams;
//   deal-move-200       POST /api/v1/deals/:id/move offered 200/s: sales reps move their own open
//                       deals to the next stage (back one when the next needs a field the deal lacks;
//                       some to won, some to lost with a reason), each deal once at the version read
//                       just before the run, so no move is refused for a stale version.
import type { BenchRequest } from '../lib/drive';
import type { RoleKey } from '../data/types';
import type { Scenario, ScenarioContext } from './types';

function pipelineSamples(ctx: ScenarioContext) {
  const p = ctx.data.samples.pipeline;
  if (!p || !p.topDealOwners.length) throw new Error('no deals in the bench data: generate them with --deals N (issue 7: --deals 300000 --leads 500000)');
  return p;
}

/** The accounts signInApi/signInPage pick from for a role (users in the company's language first), and the index of a user there. */
function accountIndex(ctx: ScenarioContext, role: RoleKey, userId: number): number {
  const list = ctx.data.accounts[role];
  const zh = list.filter((a) => a.locale === null);
  return (zh.length ? zh : list).findIndex((a) => a.id === userId);
}

/** Users of a role who can sign in, in the order given (ids), with their sign-in index. */
function signable(ctx: ScenarioContext, role: RoleKey, ids: number[]): Array<{ id: number; index: number }> {
  return ids.map((id) => ({ id, index: accountIndex(ctx, role, id) })).filter((x) => x.index >= 0);
}

const day = (ctx: ScenarioContext, n: number) => new Date(ctx.now.getTime() + n * 86_400_000).toISOString().slice(0, 10);

export const boardRep: Scenario = {
  name: 'board-rep',
  kind: 'page',
  summary: 'GET /deals/board (default pipeline: per-stage count/total/weighted, 20 cards a column) as the sales rep with the most deals; 1 in 5 with a close-date filter (HTML)',
  role: 'sales',
  p95TargetMs: 80,
  async prepare(ctx) {
    const p = pipelineSamples(ctx);
    const rep = signable(ctx, 'sales', p.topDealOwners.map((o) => o[0]))[0];
    if (!rep) throw new Error('none of the reps with the most deals can sign in');
    const cookie = await ctx.signInPage('sales', rep.index);
    const base = `/deals/board?pipeline_id=${p.defaultPipelineId}`;
    const requests: BenchRequest[] = [
      { method: 'GET', path: base, weight: 8, label: `board of rep ${rep.id}` },
      { method: 'GET', path: `${base}&close_from=${day(ctx, 0)}&close_to=${day(ctx, 90)}`, weight: 2, label: 'closing in the next 90 days' },
    ];
    return { headers: { cookie, accept: 'text/html' }, requests };
  },
};

export const boardManagerTeam: Scenario = {
  name: 'board-manager-team',
  kind: 'page',
  summary: 'GET /deals/board?team_id= (default pipeline) as a region\'s sales manager, filtered to one of their sales teams (rotating over the teams with deals) (HTML)',
  role: 'manager',
  p95TargetMs: 80,
  async prepare(ctx) {
    const p = pipelineSamples(ctx);
    // The manager over the most sales teams (a region head), among those who can sign in.
    const candidates = [...p.managerTeams].sort((a, b) => b.teams.length - a.teams.length || b.teams.reduce((x, t) => x + t[1], 0) - a.teams.reduce((x, t) => x + t[1], 0));
    const manager = candidates.map((m) => ({ m, index: accountIndex(ctx, 'manager', m.managerId) })).find((x) => x.index >= 0);
    if (!manager) throw new Error('no manager with sales teams can sign in');
    const cookie = await ctx.signInPage('manager', manager.index);
    const teams = manager.m.teams.filter((t) => t[1] > 0).slice(0, 8);
    const requests: BenchRequest[] = teams.map(([team, n]) => ({ method: 'GET', path: `/deals/board?pipeline_id=${p.defaultPipelineId}&team_id=${team}`, weight: 1, label: `team ${team} (${n} deals)` }));
    return { headers: { cookie, accept: 'text/html' }, requests };
  },
};

interface ApiDeal { id: number; stage_id: number; version: number; amount: number | null; expected_close_date: string | null }
interface ApiStage { id: number; kind: 'open' | 'won' | 'lost'; required_fields: string[] }

/** How many moves a run needs at most: 200/s for warm-up + duration, with room to spare. */
const MOVES_WANTED = 6000;

export const dealMove200: Scenario = {
  name: 'deal-move-200',
  kind: 'write',
  summary: 'POST /api/v1/deals/:id/move offered 200/s: reps move their own open deals a stage on (or back; some won, some lost with a reason), each once at its current version (JSON)',
  role: 'sales',
  rate: 200,
  p95TargetMs: 20,
  async prepare(ctx) {
    const p = pipelineSamples(ctx);
    const reps = signable(ctx, 'sales', p.topDealOwners.map((o) => o[0])).slice(0, 40);
    const firstToken = await ctx.signInApi('sales', reps[0].index);
    const auth = { authorization: `Bearer ${firstToken}`, accept: 'application/json' };
    const pipeline = (await ctx.getJson<{ data: { stages: ApiStage[] } }>(`/api/v1/pipelines/${p.defaultPipelineId}`, auth)).data;
    const open = pipeline.stages.filter((s) => s.kind === 'open');
    const won = pipeline.stages.find((s) => s.kind === 'won')!;
    const lost = pipeline.stages.find((s) => s.kind === 'lost')!;
    const reasons = (await ctx.getJson<{ data: Array<{ id: number }> }>('/api/v1/lost-reasons', auth)).data;
    const fits = (s: ApiStage, d: ApiDeal) => s.required_fields.every((f) => d[f as keyof ApiDeal] !== null && d[f as keyof ApiDeal] !== undefined);

    // Each rep's open deals as they are now (earlier runs on a kept data set moved some).
    const perRep: BenchRequest[][] = [];
    let total = 0;
    for (const rep of reps) {
      if (total >= MOVES_WANTED) break;
      const token = rep === reps[0] ? firstToken : await ctx.signInApi('sales', rep.index);
      const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
      const mine: BenchRequest[] = [];
      let cursor: string | null = null;
      do {
        const qs = new URLSearchParams({ limit: '200', sort: 'updated_at', 'filter[owner_id]': String(rep.id), 'filter[pipeline_id]': String(p.defaultPipelineId), 'filter[status]': 'open' });
        if (cursor) qs.set('cursor', cursor);
        const page: { data: ApiDeal[]; next_cursor: string | null } = await ctx.getJson(`/api/v1/deals?${qs}`, headers);
        for (const d of page.data) {
          const i = open.findIndex((s) => s.id === d.stage_id);
          if (i < 0) continue;
          const r = ctx.rng.next();
          let to: ApiStage | null = null;
          let extra: Record<string, unknown> = {};
          if (r < 0.06) {
            to = lost;
            extra = { lost_reason_id: reasons[Math.floor(ctx.rng.next() * reasons.length)].id, lost_note: '客户选择了其他方案' };
          } else if (r < 0.1 && i === open.length - 1 && fits(won, d)) to = won;
          else if (i + 1 < open.length && fits(open[i + 1], d)) to = open[i + 1];
          else if (i > 0) to = open[i - 1];
          if (!to) continue;
          mine.push({
            method: 'POST', path: `/api/v1/deals/${d.id}/move`, headers: { ...headers, 'content-type': 'application/json' },
            body: JSON.stringify({ stage_id: to.id, version: d.version, ...extra }), label: `deal ${d.id} -> stage ${to.id}`,
          });
        }
        cursor = page.next_cursor;
      } while (cursor && total + mine.length < MOVES_WANTED);
      perRep.push(ctx.rng.shuffle(mine));
      total += mine.length;
    }
    // Interleave the reps (a sales floor, not one person), in a fixed random order per rep.
    const requests: BenchRequest[] = [];
    for (let i = 0; requests.length < total; i++) for (const list of perRep) if (i < list.length) requests.push(list[i]);
    if (requests.length < 3000) console.log(`  ! only ${requests.length} movable deals: a run longer than ~${Math.floor(requests.length / 200)} s at 200/s repeats moves (409)`);
    return { headers: { accept: 'application/json' }, requests, sequential: true };
  },
};
