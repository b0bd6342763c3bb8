// Bench generator for leads (issue 7): inquiries from every channel over three years (website
// forms most, trade shows, campaigns, phone-ins, referrals, imports, the API), statuses by age (new
// ones recent, old ones worked: contacted, qualified or disqualified with a reason), owners skewed
// over the sales reps like the customers, consent on web leads, scores and reasons from the
// product's seeded scoring rules (its own `matches`), and some converted: a converted lead is the
// origin of one of the generated deals (its company, main contact and deal; the deal's
// source_lead_id). Afterwards a few routing rules are set up through the product's leads service,
// as an admin would, so web-to-lead intake routes as it would in a real install.
import { companyKey, emailKey, reversedDigits } from '../../../src/lib/text';
import { SIZE_BANDS } from '../../../src/modules/records/record-fields';
import { LEAD_SOURCES } from '../../../src/modules/leads/leads.schemas';
import { updateColumn } from '../lib/load';
import { companyName, mobileNumber, personName, REGIONS } from './common';
import { cachedSortKey, DAY, ownerPicker } from './customers-common';
import { adminActor, dealScale } from './deals';
import { weightedPicker } from './rng';
import type { Row, TableGenerator } from './types';

const pickSource = weightedPicker(LEAD_SOURCES.map((s) => [s, { website: 34, trade_show: 15, referral: 9, phone_in: 12, campaign: 16, import: 11, api: 3 }[s]] as const));
const pickRegion = weightedPicker(REGIONS.map((r) => [r, r.weight] as const));
const pickSize = weightedPicker(SIZE_BANDS.map((s, i) => [s, [34, 36, 18, 9, 3][i]] as const));
const MESSAGES = ['想了解一下产品报价', '请联系我，需要演示', '我们有 200 人规模，想试用', '展会上聊过，请发资料', '需要一份方案和报价单', '有代理合作的可能吗？', 'Please send a quotation.', '想咨询交付周期', null, null];
const DISQUALIFY = ['预算不足', '不是决策人', '需求不匹配', '联系不上', '竞争对手询价', '重复咨询'];
const FREE = ['qq.com', '163.com', '126.com', 'gmail.com', 'outlook.com', 'sina.com'];
const CONSENT_TEXT = '我同意贵公司通过电话和邮件向我发送产品信息';

/** Handed from generate() to afterLoad(): deals that came from a lead (deal id -> lead id). */
let sourceLeads: { dealIds: number[]; leadIds: number[] } | null = null;

const leads: TableGenerator = {
  name: 'leads',
  summary: 'leads from every channel with statuses, scores, consent and owners; some converted into the generated deals; routing rules',
  tables: ['leads'],
  dependsOn: ['users', 'companies', 'contacts', 'deals'],
  scaleKeys: ['leads'],
  async generate(ctx) {
    const { leads: n } = dealScale(ctx.scale);
    if (!n) return [];
    const { rng, now } = ctx;
    const nowMs = now.getTime();
    const comp = ctx.refs.companies!;
    const cont = ctx.refs.contacts!;
    const deals = ctx.refs.deals;
    const users = new Map((ctx.refs.users ?? []).map((u) => [u.id, u]));
    const pickOwner = ownerPicker(rng, ctx.refs.users ?? []);
    const rules = (await ctx.knex('lead_scoring_rules').where({ active: true, kind: 'field' }).orderBy('id')) as Array<{ id: number; label: string; field: string; op: string; value: string | null; points: number }>;
    const matches = ctx.services.leads.matches;

    // Converted leads: the origin of ~10 % of the deals (live ones with a contact), at most 6 % of the leads.
    const converted = new Map<number, number>(); // lead draft index -> deal id
    const convertCount = deals ? Math.min(Math.round(deals.count * 0.1), Math.round(n * 0.06)) : 0;
    const dealPicks = new Set<number>();
    while (deals && dealPicks.size < convertCount) {
      const d = rng.int(1, deals.count);
      if (!deals.deleted[d - 1] && deals.contact[d - 1]) dealPicks.add(d);
    }

    interface Draft { created: number; row: Row }
    const drafts: Draft[] = [];
    const dealList = [...dealPicks];
    for (let k = 0; k < n; k++) {
      const dealId = k < dealList.length ? dealList[k] : 0;
      let name: string;
      let companyName_: string | null;
      let phone: string | null;
      let email: string | null;
      let ownerId: number;
      let created: number;
      let status: string;
      let industry: string | null = null;
      const region = pickRegion(rng);
      const source = dealId && rng.chance(0.5) ? 'website' : pickSource(rng);
      if (dealId) {
        const c = deals!.contact[dealId - 1];
        const co = deals!.company[dealId - 1];
        name = cont.names[c - 1];
        companyName_ = co ? comp.names[co - 1] : null;
        phone = cont.mobiles[c - 1];
        email = null;
        ownerId = deals!.owner[dealId - 1];
        created = deals!.createdMs[dealId - 1] - rng.int(1, 30) * DAY * rng.next();
        status = 'qualified';
      } else {
        const person = personName(rng, { en: 0.03, enZh: 0.05 });
        name = person.name;
        const c = rng.chance(0.85) ? companyName(rng, region) : null;
        companyName_ = c?.name ?? null;
        industry = c && rng.chance(0.6) ? c.industry : null;
        phone = rng.chance(0.8) ? mobileNumber(rng) : null;
        email = rng.chance(0.65) || !phone ? (c && rng.chance(0.55) ? `${person.ascii.given}.${person.ascii.family}@${c.domain}` : `${person.ascii.given}${person.ascii.family}${rng.int(1, 9999)}@${rng.pick(FREE)}`) : null;
        const o = pickOwner(rng);
        ownerId = o.id;
        created = nowMs - Math.floor(3 * 365 * DAY * rng.next() ** 1.6) - rng.int(0, 3600_000);
        const ageDays = (nowMs - created) / DAY;
        const r = rng.next();
        status = ageDays < 7 ? (r < 0.65 ? 'new' : r < 0.92 ? 'contacted' : r < 0.96 ? 'qualified' : 'disqualified')
          : ageDays < 60 ? (r < 0.2 ? 'new' : r < 0.6 ? 'contacted' : r < 0.7 ? 'qualified' : 'disqualified')
            : (r < 0.06 ? 'new' : r < 0.36 ? 'contacted' : r < 0.44 ? 'qualified' : 'disqualified');
      }
      const owner = users.get(ownerId);
      const consent = (source === 'website' || source === 'campaign') && rng.chance(0.6);
      const fields = { name, company_name: companyName_, phone, email, source, region: rng.chance(0.7) ? region.name : null, industry, size_band: rng.chance(0.5) ? pickSize(rng) : null };
      const reasons = rules.filter((r) => matches(fields, { field: r.field as never, op: r.op as never, value: r.value })).map((r) => ({ rule_id: Number(r.id), label: r.label, points: Number(r.points) }));
      const touched = status !== 'new';
      const updated = touched ? Math.min(nowMs - 60_000, created + Math.floor(rng.next() * Math.min(60 * DAY, nowMs - created))) : created;
      const deleted = !dealId && rng.chance(0.008);
      const createdAt = new Date(created).toISOString();
      const web = source === 'website' || source === 'api';
      drafts.push({
        created,
        row: {
          id: 0,
          name,
          name_sort: cachedSortKey(name, true),
          company_name: companyName_,
          company_key: companyName_ ? companyKey(companyName_) || null : null,
          phone,
          phone_rev: reversedDigits(phone),
          email,
          email_key: emailKey(email),
          source,
          message: web || rng.chance(0.3) ? rng.pick(MESSAGES) : null,
          region: fields.region,
          industry,
          size_band: fields.size_band,
          status,
          disqualified_reason: status === 'disqualified' ? rng.pick(DISQUALIFY) : null,
          score: reasons.reduce((a, r) => a + r.points, 0),
          score_reasons: JSON.stringify(reasons),
          consent,
          consent_at: consent ? createdAt : null,
          consent_text: consent ? CONSENT_TEXT : null,
          converted_at: dealId ? new Date(deals!.createdMs[dealId - 1]).toISOString() : null,
          converted_company_id: dealId ? deals!.company[dealId - 1] || null : null,
          converted_contact_id: dealId ? deals!.contact[dealId - 1] : null,
          converted_deal_id: dealId || null,
          merged_into_id: null,
          routed_by: web ? 'fallback' : null,
          owner_id: ownerId,
          team_id: owner?.primaryTeamId ?? null,
          created_at: createdAt,
          created_by: web ? null : ownerId,
          updated_at: dealId ? new Date(deals!.createdMs[dealId - 1]).toISOString() : new Date(updated).toISOString(),
          updated_by: web && !touched ? null : ownerId,
          version: dealId ? 2 : touched ? rng.int(2, 4) : 1,
          deleted_at: deleted ? rng.isoBetween(Math.max(updated, nowMs - 20 * DAY), nowMs) : null,
          deleted_by: deleted ? ownerId : null,
        },
      });
      if (dealId) converted.set(k, dealId);
    }
    // Ids follow arrival; remember which lead each converted deal came from.
    const order = drafts.map((d, i) => i).sort((a, b) => drafts[a].created - drafts[b].created || a - b);
    const rows: Row[] = [];
    const dealIds: number[] = [];
    const leadIds: number[] = [];
    order.forEach((i, j) => {
      const row = drafts[i].row;
      row.id = j + 1;
      rows.push(row);
      const d = converted.get(i);
      if (d) dealIds.push(d), leadIds.push(j + 1);
    });
    const pairs = dealIds.map((d, i) => [d, leadIds[i]] as const).sort((a, b) => a[0] - b[0]);
    sourceLeads = { dealIds: pairs.map((p) => p[0]), leadIds: pairs.map((p) => p[1]) };
    ctx.log(`  (leads)        ${n} leads, ${dealIds.length} converted into deals`);
    return [{ table: 'leads', rows }];
  },
  async afterLoad(ctx) {
    if (sourceLeads) {
      await updateColumn(ctx.core.db, 'deals', 'source_lead_id', sourceLeads.dealIds, sourceLeads.leadIds);
      sourceLeads = null;
    }
    if (!dealScale(ctx.scale).leads) return;
    // Routing as an admin would set it up: each region's web inquiries take turns in that region's
    // largest sales team; trade-show leads go to the least-loaded rep; the rest to the fallback.
    const actor = adminActor(ctx);
    const teams = ctx.refs.teams ?? [];
    const users = ctx.refs.users ?? [];
    const size = (id: number) => users.filter((u) => u.active && u.teamIds.includes(id)).length;
    for (const region of teams.filter((t) => t.kind === 'region')) {
      const team = teams.filter((t) => t.kind === 'sales' && t.parentId === region.id).sort((a, b) => size(b.id) - size(a.id))[0];
      if (!team) continue;
      await ctx.services.leads.createRoutingRule(actor, { name: `${region.region ?? region.name} 官网询盘轮流分配`, conditions: [{ field: 'region', op: 'eq', value: region.region ?? region.name }], action: 'round_robin', team_id: team.id });
    }
    await ctx.services.leads.createRoutingRule(actor, { name: '展会线索给最空闲的销售', conditions: [{ field: 'source', op: 'eq', value: 'trade_show' }], action: 'least_loaded' });
    const fallback = users.find((u) => u.role === 'manager' && u.active);
    if (fallback) await ctx.services.leads.updateSettings(actor, { fallback_user_id: fallback.id });
  },
};
export default leads;
