// Bench generator for customer companies: Chinese names as on a business licence (city + trade name
// + industry word + 有限公司 / 股份有限公司 …) and some English ones, industry, size band, grade A/B/C,
// source, province/city/address, phones, owners skewed over the sales reps; derived columns computed
// exactly as the product does (sortKey, companyKey, reversedDigits).
import { companyKey, reversedDigits } from '../../../src/lib/text';
import { SIZE_BANDS, SOURCES } from '../../../src/modules/records/record-fields';
import { companyName, landline, REGIONS, streetAddress, ENGLISH_SURNAMES } from './common';
import { cachedSortKey, customerScale, DAY, ownerPicker, PROVINCE_OF } from './customers-common';
import { weightedPicker } from './rng';
import type { Row, TableGenerator } from './types';

const EN_WORDS = ['Pacific', 'Summit', 'Bluewave', 'Everbright', 'Northstar', 'Redwood', 'Silverline', 'Harbor', 'Orient', 'Crescent', 'Greenfield', 'Apex'];
const EN_KINDS = ['Technologies', 'Trading', 'Logistics', 'Industrial', 'Medical', 'Consulting', 'Electronics', 'Foods'];
const EN_SUFFIX = ['Co., Ltd.', 'Ltd.', 'Inc.', 'Limited', 'Corporation'];
const pickRegion = weightedPicker(REGIONS.map((r) => [r, r.weight] as const));
const pickSize = weightedPicker(SIZE_BANDS.map((s, i) => [s, [30, 38, 20, 9, 3][i]] as const));
const pickSource = weightedPicker(SOURCES.map((s, i) => [s, [22, 20, 12, 10, 10, 18, 3, 5][i]] as const));
const pickGrade = weightedPicker([['A', 12], ['B', 38], ['C', 50]] as const);
const NOTES = ['老客户，年底有预算', '需要先走供应商入围流程', '决策人是采购总监', '对价格敏感', '计划明年扩产', '竞品在跟进', null];

const companies: TableGenerator = {
  name: 'companies',
  summary: 'customer companies (Chinese and English names, industry, size, grade, source, city) owned by sales reps',
  tables: ['companies'],
  dependsOn: ['users'],
  scaleKeys: ['companies'],
  generate(ctx) {
    const { companies: n } = customerScale(ctx.scale);
    const { rng, now } = ctx;
    const users = ctx.refs.users ?? [];
    const pickOwner = ownerPicker(rng, users);
    const nowMs = now.getTime();
    const rows: Row[] = [];
    const owner = new Int32Array(n);
    const team = new Int32Array(n);
    const createdMs = new Float64Array(n);
    const deletedFlags = new Uint8Array(n);
    const names: string[] = [];
    const shortNames: Array<string | null> = [];
    for (let i = 0; i < n; i++) {
      const id = i + 1;
      const region = pickRegion(rng);
      let name: string;
      let shortName: string | null;
      let industry: string;
      let city: string | null;
      let website: string | null;
      if (rng.chance(0.05)) {
        const w = rng.pick(EN_WORDS);
        const kind = rng.pick(EN_KINDS);
        name = `${rng.chance(0.3) ? `${rng.pick(ENGLISH_SURNAMES)} ` : ''}${w} ${kind} ${rng.pick(EN_SUFFIX)}`;
        shortName = w;
        industry = kind === 'Technologies' || kind === 'Electronics' ? '软件和信息技术服务' : kind === 'Trading' ? '批发和零售' : kind === 'Logistics' ? '物流运输' : kind === 'Medical' ? '医疗器械' : kind === 'Foods' ? '食品饮料' : '制造业';
        city = rng.pick(['上海', '北京', '深圳', '广州', '苏州']);
        website = rng.chance(0.7) ? `https://www.${w.toLowerCase()}-${kind.toLowerCase()}.com` : null;
      } else {
        const c = companyName(rng, region);
        name = c.name;
        shortName = rng.chance(0.6) ? c.brand : null;
        industry = c.industry;
        city = c.city ?? rng.pick(region.cities);
        website = rng.chance(0.45) ? `https://www.${c.domain}` : null;
      }
      const o = pickOwner(rng);
      const created = nowMs - Math.floor(rng.next() ** 0.8 * 4 * 365 * DAY);
      const edited = rng.chance(0.4);
      const deleted = rng.chance(0.01);
      const phone = rng.chance(0.7) ? landline(rng) : null;
      const createdAt = new Date(created).toISOString();
      owner[i] = o.id;
      team[i] = o.primaryTeamId ?? 0;
      createdMs[i] = created;
      deletedFlags[i] = deleted ? 1 : 0;
      names.push(name);
      shortNames.push(shortName);
      rows.push({
        id,
        name,
        name_sort: cachedSortKey(name, false),
        name_key: companyKey(name),
        short_name: shortName,
        industry,
        size_band: rng.chance(0.85) ? pickSize(rng) : null,
        source: rng.chance(0.9) ? pickSource(rng) : null,
        province: city ? PROVINCE_OF[city] ?? null : null,
        city,
        address: city && rng.chance(0.75) ? streetAddress(rng, city) : null,
        website,
        phone,
        phone_rev: reversedDigits(phone),
        grade: rng.chance(0.8) ? pickGrade(rng) : null,
        notes: rng.chance(0.2) ? rng.pick(NOTES) : null,
        last_contact_at: null, // set by the activities generator once the log exists
        owner_id: o.id,
        team_id: o.primaryTeamId,
        created_at: createdAt,
        created_by: o.id,
        updated_at: edited ? rng.isoBetween(created, nowMs) : createdAt,
        updated_by: o.id,
        version: edited ? rng.int(2, 6) : 1,
        deleted_at: deleted ? rng.isoBetween(nowMs - 20 * DAY, nowMs) : null,
        deleted_by: deleted ? o.id : null,
      });
    }
    ctx.refs.companies = { count: n, owner, team, createdMs, deleted: deletedFlags, names, shortNames };
    return [{ table: 'companies', rows }];
  },
};
export default companies;
