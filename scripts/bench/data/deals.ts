// Bench generator for the sales pipeline (issue 7): the product's default pipeline (seeded by its
// migration) plus a small second one made through the product's own pipelines service, and deals
// with their whole stage history. Each deal is with one of the generated contacts (and that
// contact's company) — the product's link shape for deals is `deals.company_id` plus `deal_contacts`
// rows — so owners are skewed like the contacts'. Stages follow a funnel: most open deals sit early,
// older deals are more often closed, won deals passed through the open stages (a few skipped one,
// a few went back a stage), lost ones left at some stage with a lost reason. The history rows are
// the stage entries in time order and end at the deal's current stage (stage_entered_at).
import { BUILTIN_ROLES } from '../../../src/access/catalog';
import { SYSTEM_ACTOR_BASE, type Actor } from '../../../src/access/scope';
import { cachedSortKey, DAY } from './customers-common';
import { weightedPicker, type Rng } from './rng';
import type { GenContext, Row, TableGenerator, UserRef } from './types';

interface StageInfo { id: number; pipelineId: number; position: number; kind: 'open' | 'won' | 'lost'; probability: number; expectedDays: number | null; required: string[] }

const PRODUCTS = ['ERP 系统采购', '年度维保合同', 'MES 项目一期', '生产设备采购', 'SaaS 订阅（200 用户）', '数据中心扩容', '员工培训服务', '二期扩容项目', '渠道代理合作', '定制开发', '仓储系统升级', '安防监控改造', 'CRM 实施', '办公网络改造', '耗材年度框架协议', 'Annual license renewal'];
const RENEWALS = ['年度续约', '维保续签', '订阅续费', '框架协议续签'];
const NEXT_STEPS = ['发送报价单', '约技术交流', '安排现场演示', '提交方案', '等待客户内部审批', '商务谈判', '发送合同草稿', '确认付款条款'];
const LOST_NOTES = ['客户选择了竞品，价格低 15%', '预算被砍', '项目延期到明年', '决策人离职', '需求不匹配', null];
const pickCurrency = weightedPicker([['CNY', 95], ['USD', 4], ['EUR', 1]] as const);
/** How far open deals got: most sit in the first stages. */
const OPEN_FUNNEL = [34, 25, 18, 13, 10];
/** Where lost deals were lost. */
const LOST_FUNNEL = [28, 26, 20, 15, 11];
const LOST_REASON_WEIGHTS: Record<string, number> = { price: 30, competitor: 25, no_budget: 15, no_decision: 12, timing: 12, other: 6 };

/** A standard normal draw (Box-Muller). */
function normal(rng: Rng): number {
  const u = Math.max(1e-12, rng.next());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** Days spent in a stage: around its expected days, a long tail (some deals stall). */
function dwellDays(rng: Rng, expected: number | null): number {
  const e = expected ?? 14;
  return Math.max(0.05, e * Math.exp(0.7 * normal(rng) - 0.2));
}

/** A date (YYYY-MM-DD) in China time. */
const chinaDate = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 10);

export function dealScale(scale: Record<string, number>): { deals: number; leads: number } {
  return { deals: Math.max(0, Math.round(scale.deals ?? 0)), leads: Math.max(0, Math.round(scale.leads ?? 0)) };
}

/** The generator's actor for product calls: the first administrator. */
export function adminActor(ctx: GenContext): Actor {
  const admin = ctx.refs.users?.find((u) => u.role === 'admin');
  return { ...SYSTEM_ACTOR_BASE, userId: admin?.id ?? null, roleKey: 'admin', name: admin?.name ?? 'system', teamPaths: [], teamIds: [], sharedTypes: [], permissions: BUILTIN_ROLES.admin.permissions, locale: 'zh-CN', ip: '127.0.0.1', userAgent: 'kehu-bench' } as Actor;
}

async function pipelinesOf(ctx: GenContext): Promise<{ stages: StageInfo[]; defaultId: number; renewalsId: number | null }> {
  const { knex } = ctx;
  const defaultId = await ctx.services.pipelines.defaultId();
  let renewalsId: number | null = null;
  if ((await knex('pipelines').count({ n: '*' }).first())!.n == 1) {
    // A second, short pipeline as an admin would set it up on the settings page (product code, audited).
    const actor = adminActor(ctx);
    const p = await ctx.services.pipelines.create(actor, { name_zh: '续约', name_en: 'Renewals' });
    await ctx.services.pipelines.addStage(actor, p.id, { name_zh: '续约谈判', name_en: 'Renewal talks', probability: 60, expected_days: 21, required_fields: ['amount'] });
    renewalsId = p.id;
  }
  const rows = await knex('pipeline_stages').orderBy('pipeline_id').orderBy('position');
  const stages = ctx.core.db.rows.many<Record<string, unknown>>('pipeline_stages', rows).map((r) => ({
    id: Number(r.id), pipelineId: Number(r.pipeline_id), position: Number(r.position), kind: r.kind as StageInfo['kind'], probability: Number(r.probability),
    expectedDays: r.expected_days === null ? null : Number(r.expected_days), required: (r.required_fields as string[]) ?? [],
  }));
  return { stages, defaultId, renewalsId };
}

const deals: TableGenerator = {
  name: 'deals',
  summary: 'pipelines (the default one and a renewals one), deals with company, contacts, amount, stage, won/lost, and every stage entry in deal_stage_history',
  tables: ['deals', 'deal_contacts', 'deal_stage_history'],
  dependsOn: ['users', 'companies', 'contacts'],
  scaleKeys: ['deals'],
  async generate(ctx) {
    const { deals: n } = dealScale(ctx.scale);
    if (!n) return [];
    const { rng, now } = ctx;
    const nowMs = now.getTime();
    const comp = ctx.refs.companies!;
    const cont = ctx.refs.contacts!;
    const users = new Map((ctx.refs.users ?? []).map((u) => [u.id, u]));
    const { stages, defaultId, renewalsId } = await pipelinesOf(ctx);
    const lostReasons = (await ctx.knex('lost_reasons').where({ active: true }).orderBy('position').select('id', 'name_key')) as Array<{ id: number; name_key: string | null }>;
    const pickLostReason = weightedPicker(lostReasons.map((r) => [Number(r.id), LOST_REASON_WEIGHTS[r.name_key ?? ''] ?? 5] as const));
    const pipelineStages = (pid: number) => {
      const s = stages.filter((x) => x.pipelineId === pid);
      return { open: s.filter((x) => x.kind === 'open'), won: s.find((x) => x.kind === 'won')!, lost: s.find((x) => x.kind === 'lost')! };
    };
    const main = pipelineStages(defaultId);
    const renewals = renewalsId ? pipelineStages(renewalsId) : null;
    const funnel = (weights: number[], len: number) => weightedPicker(weights.slice(0, len).map((w, i) => [i, w] as const));
    const pickOpenMain = funnel(OPEN_FUNNEL, main.open.length);
    const pickLostMain = funnel(LOST_FUNNEL, main.open.length);

    // Live contacts per company (CSR), for a deal's other contacts.
    const liveContact = (i: number) => !cont.deleted[i];
    const offsets = new Int32Array(comp.count + 2);
    for (let i = 0; i < cont.count; i++) if (liveContact(i) && cont.company[i]) offsets[cont.company[i] + 1]++;
    for (let c = 1; c < offsets.length; c++) offsets[c] += offsets[c - 1];
    const members = new Int32Array(offsets[offsets.length - 1]);
    const fill = offsets.slice();
    for (let i = 0; i < cont.count; i++) if (liveContact(i) && cont.company[i]) members[fill[cont.company[i]]++] = i + 1;
    const liveIds: number[] = [];
    for (let i = 0; i < cont.count; i++) if (liveContact(i)) liveIds.push(i + 1);
    if (!liveIds.length) throw new Error('deals need contacts: generate some (--contacts N)');

    interface Draft { created: number; entries: Array<{ stage: StageInfo; at: number }>; row: Row; contacts: number[]; ownerId: number }
    const drafts: Draft[] = [];
    for (let k = 0; k < n; k++) {
      const contactId = rng.pick(liveIds);
      const companyId = cont.company[contactId - 1] && !comp.deleted[cont.company[contactId - 1] - 1] ? cont.company[contactId - 1] : 0;
      const ownerId = rng.chance(0.9) ? cont.owner[contactId - 1] : companyId ? comp.owner[companyId - 1] : cont.owner[contactId - 1];
      const owner: UserRef | undefined = users.get(ownerId);
      const pipe = renewals && companyId && rng.chance(0.08) ? renewals : main;
      const isRenewal = pipe === renewals;
      const open = pipe.open;

      // Outcome: the older a deal, the likelier it is closed.
      const ageDays = 3 * 365 * rng.next() ** 1.25;
      const pClosed = Math.min(0.93, Math.max(0.04, ageDays / 150));
      const closed = rng.chance(pClosed);
      const won = closed && rng.chance(isRenewal ? 0.7 : 0.36);
      const reach = isRenewal ? rng.int(0, open.length - 1) : closed && !won ? pickLostMain(rng) : pickOpenMain(rng);
      // The stages entered, in order: a few start past the first stage or skip one; a few go back once.
      const path: StageInfo[] = [];
      const last = won ? open.length - 1 : reach;
      const start = !isRenewal && rng.chance(0.07) ? Math.min(last, rng.int(1, 2)) : 0;
      for (let j = start; j <= last; j++) if (j === start || j === last || !rng.chance(0.08)) path.push(open[j]);
      if (path.length >= 3 && rng.chance(0.05)) {
        const at = rng.int(2, path.length - 1);
        path.splice(at, 0, path[at - 2], path[at - 1]);
      }
      if (won) path.push(pipe.won);
      else if (closed) path.push(pipe.lost);
      // Times: closed deals run forward from their creation; open ones backwards from now (the
      // current stage's time so far included), so stale deals exist where a stage overran.
      const dwell = path.map((s) => dwellDays(rng, s.expectedDays) * DAY);
      const entries: Draft['entries'] = [];
      if (closed) {
        const created = nowMs - ageDays * DAY;
        let t = created;
        const times = path.map((_, i) => (i === 0 ? t : (t += dwell[i - 1])));
        const end = times[times.length - 1];
        const limit = nowMs - 3600_000;
        const f = end > limit ? (limit - created) / Math.max(1, end - created) : 1;
        path.forEach((s, i) => entries.push({ stage: s, at: created + (times[i] - created) * f }));
      } else {
        const sinceEntered = dwell[path.length - 1] * (rng.chance(0.25) ? 1.5 + rng.next() * 3 : rng.next());
        let t = nowMs - sinceEntered;
        const times: number[] = new Array(path.length);
        for (let i = path.length - 1; i >= 0; i--) {
          times[i] = t;
          if (i > 0) t -= dwell[i - 1];
        }
        path.forEach((s, i) => entries.push({ stage: s, at: Math.floor(times[i]) }));
      }
      const created = Math.floor(entries[0].at);
      const current = entries[entries.length - 1];
      const enteredAt = Math.floor(current.at);

      // Amount: needed from the proposal on; most deals have one earlier too. Log-normal around ¥80,000.
      const needsAmount = path.some((s) => s.required.includes('amount'));
      const currency = pickCurrency(rng);
      const yuan = Math.round(Math.exp(Math.log(isRenewal ? 30_000 : 80_000) + 1.1 * normal(rng)) / 100) * 100;
      const amount = needsAmount || rng.chance(0.8) ? Math.max(1000, currency === 'CNY' ? yuan : Math.round(yuan / 7.2 / 100) * 100) * 100 : null;
      const needsClose = path.some((s) => s.required.includes('expected_close_date'));
      const closeAt = closed ? enteredAt + rng.int(-10, 10) * DAY : nowMs + (open.length - path.length + 1) * 14 * DAY * (0.3 + rng.next()) - (rng.chance(0.15) ? 40 * DAY : 0);
      const expectedClose = needsClose || closed || rng.chance(0.7) ? chinaDate(closeAt) : null;
      const shortName = companyId ? (comp.shortNames[companyId - 1] ?? comp.names[companyId - 1].replace(/(股份|集团)?有限(责任)?公司$|\s*(Co\., Ltd\.|Ltd\.|Inc\.|Limited|Corporation)$/, '')) : cont.names[contactId - 1];
      const name = `${shortName} ${isRenewal ? rng.pick(RENEWALS) : rng.pick(PRODUCTS)}${rng.chance(0.2) ? ` ${new Date(created).getUTCFullYear()}` : ''}`;
      const edits = rng.chance(0.5) ? rng.int(1, 3) : 0;
      const updated = edits ? Math.max(enteredAt, Math.floor(enteredAt + rng.next() * (nowMs - enteredAt))) : enteredAt;
      const deleted = rng.chance(0.01);
      const others: number[] = [];
      if (companyId && rng.chance(0.35)) {
        const from = offsets[companyId];
        const size = offsets[companyId + 1] - from;
        for (let j = 0; j < (rng.chance(0.3) ? 2 : 1) && size > 1; j++) {
          const c = members[from + Math.floor(rng.next() * size)];
          if (c !== contactId && !others.includes(c)) others.push(c);
        }
      }
      const lost = current.stage.kind === 'lost';
      drafts.push({
        created,
        entries,
        contacts: [contactId, ...others],
        ownerId,
        row: {
          id: 0,
          name,
          name_sort: cachedSortKey(name, false),
          company_id: companyId || null,
          amount,
          currency,
          expected_close_date: expectedClose,
          probability: !closed && rng.chance(0.08) ? Math.min(95, Math.max(5, current.stage.probability + rng.int(-2, 2) * 5)) : null,
          pipeline_id: current.stage.pipelineId,
          stage_id: current.stage.id,
          stage_entered_at: new Date(enteredAt).toISOString(),
          next_step: !closed && rng.chance(0.55) ? rng.pick(NEXT_STEPS) : null,
          source_lead_id: null, // set by the leads generator for converted leads
          won_at: current.stage.kind === 'won' ? new Date(enteredAt).toISOString() : null,
          lost_at: lost ? new Date(enteredAt).toISOString() : null,
          lost_reason_id: lost ? pickLostReason(rng) : null,
          lost_note: lost ? rng.pick(LOST_NOTES) : null,
          notes: rng.chance(0.15) ? rng.pick(['客户年底有预算', '需要走招标流程', '对交付周期敏感', '老客户推荐']) : null,
          owner_id: ownerId,
          team_id: owner?.primaryTeamId ?? null,
          created_at: new Date(created).toISOString(),
          created_by: ownerId,
          updated_at: new Date(updated).toISOString(),
          updated_by: ownerId,
          version: entries.length + edits,
          deleted_at: deleted ? rng.isoBetween(Math.max(updated, nowMs - 20 * DAY), nowMs) : null,
          deleted_by: deleted ? ownerId : null,
        },
      });
    }
    // Ids follow creation, as they would have been entered.
    drafts.sort((a, b) => a.created - b.created);
    const dealRows: Row[] = [];
    const contactRows: Row[] = [];
    const hist: Array<{ deal: number; from: number | null; to: number; at: number; by: number }> = [];
    const ref = { count: n, owner: new Int32Array(n), team: new Int32Array(n), company: new Int32Array(n), contact: new Int32Array(n), createdMs: new Float64Array(n), deleted: new Uint8Array(n), open: new Uint8Array(n), pipeline: new Int32Array(n) };
    drafts.forEach((d, i) => {
      const id = i + 1;
      d.row.id = id;
      dealRows.push(d.row);
      d.contacts.forEach((c, j) => contactRows.push({ deal_id: id, contact_id: c, position: j + 1 }));
      d.entries.forEach((e, j) => hist.push({ deal: id, from: j ? d.entries[j - 1].stage.id : null, to: e.stage.id, at: Math.floor(e.at), by: d.ownerId }));
      ref.owner[i] = d.ownerId;
      ref.team[i] = Number(d.row.team_id ?? 0);
      ref.company[i] = Number(d.row.company_id ?? 0);
      ref.contact[i] = d.contacts[0];
      ref.createdMs[i] = d.created;
      ref.deleted[i] = d.row.deleted_at ? 1 : 0;
      ref.open[i] = d.row.won_at || d.row.lost_at ? 0 : 1;
      ref.pipeline[i] = Number(d.row.pipeline_id);
    });
    drafts.length = 0;
    hist.sort((a, b) => a.at - b.at || a.deal - b.deal);
    const historyRows: Row[] = hist.map((h, i) => ({ id: i + 1, deal_id: h.deal, from_stage_id: h.from, to_stage_id: h.to, at: new Date(h.at).toISOString(), by: h.by }));
    ctx.refs.deals = ref;

    // Samples for the board and move scenarios: who has the most deals, and each manager's sales
    // teams with their number of live deals in the default pipeline.
    const byOwner = new Map<number, number>();
    const byTeam = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      if (ref.deleted[i] || ref.pipeline[i] !== defaultId) continue;
      byOwner.set(ref.owner[i], (byOwner.get(ref.owner[i]) ?? 0) + 1);
      if (ref.team[i]) byTeam.set(ref.team[i], (byTeam.get(ref.team[i]) ?? 0) + 1);
    }
    const teams = ctx.refs.teams ?? [];
    const managerTeams = (ctx.refs.users ?? []).filter((u) => u.role === 'manager' && u.active && u.hasPassword).map((u) => {
      const paths = teams.filter((t) => u.teamIds.includes(t.id)).map((t) => t.path);
      const within = teams.filter((t) => t.kind === 'sales' && paths.some((p) => t.path.startsWith(p)));
      return { managerId: u.id, teams: within.map((t) => [t.id, byTeam.get(t.id) ?? 0] as [number, number]).sort((a, b) => b[1] - a[1]) };
    }).filter((m) => m.teams.length);
    ctx.refs.samples = {
      ...ctx.refs.samples,
      pipeline: {
        defaultPipelineId: defaultId,
        renewalsPipelineId: renewalsId,
        topDealOwners: [...byOwner.entries()].filter(([id]) => users.get(id)?.role === 'sales').sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 50),
        managerTeams,
      },
    };
    const open = ref.open.reduce((a, x) => a + x, 0);
    ctx.log(`  (deals)        ${n} deals (${open} open), ${historyRows.length} stage entries, ${contactRows.length} deal contacts`);
    return [{ table: 'deals', rows: dealRows }, { table: 'deal_contacts', rows: contactRows }, { table: 'deal_stage_history', rows: historyRows }];
  },
};
export default deals;
