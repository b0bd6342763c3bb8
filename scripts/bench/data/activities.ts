// Bench generator for the communication log: activities over three years with seasonal patterns
// (quiet weekends and Spring Festival / National Day, busy quarter ends and December), types weighted
// (calls most), each with a contact and that contact's company linked in record_links (at =
// occurred_at), a few busy companies with ~2,000 activities for the 360° timeline; afterwards
// last_contact_at on contacts and companies, as touchLastContact() would have left it.
import { ACTIVITY_TYPES } from '../../../src/modules/records/record-fields';
import { updateColumn } from '../lib/load';
import { customerScale, DAY, ownerPicker, workTimeMs } from './customers-common';
import { weightedPicker } from './rng';
import type { Row, TableGenerator } from './types';

const pickType = weightedPicker(ACTIVITY_TYPES.map((t) => [t, { call: 45, visit: 10, meeting: 8, email: 12, wechat: 20, note: 5 }[t]] as const));
const SUBJECTS: Record<string, readonly string[]> = {
  call: ['电话沟通报价', '跟进采购需求', '确认交付时间', '回访使用情况', '电话约拜访时间', '催款电话', 'Follow-up call'],
  visit: ['上门拜访', '现场演示产品', '拜访采购部', '陪同技术人员上门', '年度拜访'],
  meeting: ['方案评审会', '商务谈判', '季度业务回顾', '线上会议演示', '合同条款沟通'],
  email: ['发送报价单', '发送产品资料', '合同草稿已发', '发送会议纪要', 'Quotation sent'],
  wechat: ['微信沟通需求', '微信发送资料', '微信确认订单', '微信跟进反馈'],
  note: ['客户背景备注', '内部备注：预算情况', '竞品信息'],
};
const OUTCOMES = ['客户有兴趣，待报价', '需要内部讨论', '已确认下单', '暂无需求', '约定下周再联系', '价格偏高', null, null];
const NEXT_STEPS = ['发送报价', '安排拜访', '提供样品', '跟进合同', '再次电话确认'];
const QUARTER_END_MONTHS = new Set([2, 5, 8, 11]);
/** Spring Festival (正月初一) in the years the data spans. */
const SPRING_FESTIVALS = ['2022-02-01', '2023-01-22', '2024-02-10', '2025-01-29', '2026-02-17', '2027-02-06'].map((d) => Date.parse(`${d}T00:00:00Z`));

/** How busy a calendar day is for sales work (1 = an ordinary weekday). */
export function dayWeight(dayMs: number, fromMs: number, toMs: number): number {
  const d = new Date(dayMs);
  const dow = d.getUTCDay();
  let w = dow === 0 ? 0.06 : dow === 6 ? 0.12 : 1;
  for (const sf of SPRING_FESTIVALS) {
    const off = Math.round((dayMs - sf) / DAY);
    if (off >= -7 && off <= 7) w *= 0.12;
    else if (off >= -14 && off <= 15) w *= 0.6;
  }
  const month = d.getUTCMonth();
  const date = d.getUTCDate();
  if (month === 9 && date <= 7) w *= 0.2; // National Day week
  if (QUARTER_END_MONTHS.has(month) && date >= 16) w *= month === 11 ? 1.7 : 1.5;
  return w * (0.7 + (0.3 * (dayMs - fromMs)) / Math.max(1, toMs - fromMs)); // the business grows
}

const activities: TableGenerator = {
  name: 'activities',
  summary: 'three years of calls, visits, meetings, e-mails, WeChat and notes, linked to a contact and its company',
  tables: ['activities', 'record_links'],
  dependsOn: ['users', 'companies', 'contacts'],
  scaleKeys: ['activities'],
  generate(ctx) {
    const { activities: n } = customerScale(ctx.scale);
    const { rng, now } = ctx;
    const comp = ctx.refs.companies!;
    const cont = ctx.refs.contacts!;
    if (!cont.count || !n) {
      ctx.refs.samples = { ...ctx.refs.samples, busyCompanies: [] };
      return [{ table: 'activities', rows: [] }, { table: 'record_links', rows: [] }];
    }
    const nowMs = now.getTime();
    const fromMs = Math.floor((nowMs - 3 * 365 * DAY) / DAY) * DAY;
    const days: Array<readonly [number, number]> = [];
    for (let d = fromMs; d < nowMs - DAY; d += DAY) days.push([d, dayWeight(d, fromMs, nowMs)] as const);
    const pickDay = weightedPicker(days);
    const pickOwner = ownerPicker(rng, ctx.refs.users ?? []);

    // Who each activity is with. A few busy companies (the largest accounts) get ~2,000 each.
    const live = (i: number) => !cont.deleted[i];
    const perCompany = new Int32Array(comp.count + 1);
    for (let i = 0; i < cont.count; i++) if (live(i) && cont.company[i] && !comp.deleted[cont.company[i] - 1]) perCompany[cont.company[i]]++;
    const busy = [...perCompany.keys()].filter((c) => c > 0 && perCompany[c] > 0).sort((a, b) => perCompany[b] - perCompany[a] || a - b).slice(0, 5);
    const busyEach = Math.min(2000, Math.floor((n * 0.02) / Math.max(1, busy.length)));
    const contactOf = new Int32Array(n);
    let k = 0;
    const busySet = new Set(busy);
    const busyContacts = new Map<number, number[]>(busy.map((c) => [c, []]));
    for (let i = 0; i < cont.count; i++) if (live(i) && busySet.has(cont.company[i])) busyContacts.get(cont.company[i])!.push(i + 1);
    for (const c of busy) {
      const list = busyContacts.get(c)!;
      for (let j = 0; j < busyEach && k < n; j++) contactOf[k++] = list[Math.floor(rng.next() * list.length)];
    }
    // The rest: a skewed number per contact (key contacts get dozens, many get one or none).
    const liveIds: number[] = [];
    for (let i = 0; i < cont.count; i++) if (live(i)) liveIds.push(i + 1);
    const rest = n - k;
    let weights = new Float64Array(liveIds.length);
    let sum = 0;
    for (let i = 0; i < liveIds.length; i++) sum += weights[i] = 1 / (i + 1) ** 0.35;
    const order = rng.shuffle(liveIds);
    let assigned = 0;
    for (let i = 0; i < order.length && k < n; i++) {
      const want = Math.floor((rest * weights[i]) / sum + rng.next());
      for (let j = 0; j < want && k < n; j++) contactOf[k++] = order[i];
      assigned += want;
    }
    while (k < n) contactOf[k++] = order[Math.floor(rng.next() * order.length)];
    weights = new Float64Array(0);

    // When: a seasonal day after the contact was created, at a working hour.
    const at = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const created = cont.createdMs[contactOf[i] - 1];
      let t = 0;
      for (let tries = 0; tries < 4; tries++) {
        t = workTimeMs(rng, pickDay(rng));
        if (t >= created) break;
      }
      if (t < created) t = created + Math.floor(rng.next() * Math.max(1, nowMs - created));
      if (t > nowMs - 60_000) t = nowMs - 60_000 - Math.floor(rng.next() * DAY);
      at[i] = t;
    }
    // Ids follow time, as they would have been logged (mostly).
    const idx = new Uint32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    idx.sort((a, b) => at[a] - at[b] || a - b);

    const activityRows: Row[] = [];
    const linkRows: Row[] = [];
    const lastContact = new Float64Array(cont.count + 1);
    const lastCompany = new Float64Array(comp.count + 1);
    const users = new Map((ctx.refs.users ?? []).map((u) => [u.id, u]));
    let linkId = 0;
    for (let j = 0; j < n; j++) {
      const i = idx[j];
      const id = j + 1;
      const contactId = contactOf[i];
      const companyId = cont.company[contactId - 1] || 0;
      const t = at[i];
      const when = new Date(t).toISOString();
      const type = pickType(rng);
      const o = rng.chance(0.85) ? users.get(cont.owner[contactId - 1])! : pickOwner(rng);
      const hasNext = type !== 'note' && rng.chance(0.2);
      const loggedLate = rng.chance(0.2);
      const createdAt = loggedLate ? new Date(Math.min(nowMs, t + rng.int(1, 48) * 3600 * 1000)).toISOString() : when;
      activityRows.push({
        id,
        type,
        occurred_at: when,
        subject: rng.pick(SUBJECTS[type]),
        content: rng.chance(0.35) ? rng.pick(['客户询问交期和价格，已记录需求。', '对方希望下个月安排演示。', '已发送资料，等待反馈。', '采购流程需要三家比价。', 'Discussed renewal terms.']) : null,
        outcome: type === 'note' ? null : rng.pick(OUTCOMES),
        next_step: hasNext ? rng.pick(NEXT_STEPS) : null,
        next_step_at: hasNext ? new Date(t + rng.int(1, 14) * DAY).toISOString() : null,
        owner_id: o.id,
        team_id: o.primaryTeamId,
        created_at: createdAt,
        created_by: o.id,
        updated_at: createdAt,
        updated_by: o.id,
        version: 1,
        deleted_at: null,
        deleted_by: null,
      });
      linkRows.push({ id: ++linkId, child_type: 'activities', child_id: id, parent_type: 'contacts', parent_id: contactId, at: when });
      if (companyId) linkRows.push({ id: ++linkId, child_type: 'activities', child_id: id, parent_type: 'companies', parent_id: companyId, at: when });
      if (type !== 'note') {
        if (t > lastContact[contactId]) lastContact[contactId] = t;
        if (companyId && t > lastCompany[companyId]) lastCompany[companyId] = t;
      }
    }
    ctx.refs.samples = { ...ctx.refs.samples, busyCompanies: busy };
    lastContactAt = { contacts: lastContact, companies: lastCompany };
    ctx.log(`  (activities)   ${busy.length} busy companies with ${busyEach} activities each; ${assigned} spread over ${liveIds.length} contacts`);
    return [{ table: 'activities', rows: activityRows }, { table: 'record_links', rows: linkRows }];
  },
  async afterLoad(ctx) {
    if (!lastContactAt) return;
    const t0 = performance.now();
    for (const table of ['contacts', 'companies'] as const) {
      const last = lastContactAt[table];
      const ids: number[] = [];
      const values: string[] = [];
      for (let id = 1; id < last.length; id++) if (last[id]) ids.push(id), values.push(new Date(last[id]).toISOString());
      await updateColumn(ctx.core.db, table, 'last_contact_at', ids, values);
    }
    lastContactAt = null;
    ctx.log(`  last_contact_at set on contacts and companies in ${(performance.now() - t0).toFixed(0)} ms`);
  },
};
export default activities;

/** Handed from generate() to afterLoad() (the rows must exist before they can be updated). */
let lastContactAt: { contacts: Float64Array; companies: Float64Array } | null = null;
