// Bench generator for contacts: people at the generated companies (a skewed number per company) and
// some without a company; Chinese and English names (surnames by frequency), titles, mobiles in the
// formats people type, with a known near-duplicate rate (the same number written differently),
// e-mails, WeChat IDs, consent; derived columns as the product computes them.
import { emailKey, fold, reversedDigits } from '../../../src/lib/text';
import { SOURCES } from '../../../src/modules/records/record-fields';
import { landline, MOBILE_PREFIXES, personName, skewedSizes, type MobileFormat } from './common';
import { cachedSortKey, customerScale, DAY, formatMobile, ownerPicker } from './customers-common';
import { weightedPicker } from './rng';
import type { Row, TableGenerator } from './types';

/** Share of contacts whose mobile repeats an earlier contact's, written another way (duplicates to find). */
export const NEAR_DUPLICATE_RATE = 0.02;

const TITLES = ['总经理', '副总经理', '采购经理', '采购主管', '技术总监', '财务经理', '销售总监', '项目经理', '行政主管', '工程师', '董事长', 'IT经理', '运营经理', '市场经理', 'Purchasing Manager', 'CTO'];
const pickTitle = weightedPicker(TITLES.map((t, i) => [t, [6, 4, 14, 10, 6, 6, 4, 10, 5, 12, 2, 5, 4, 4, 1, 1][i]] as const));
const pickFormat = weightedPicker<MobileFormat>([['plain', 70], ['dashed', 12], ['spaced', 8], ['intl', 10]]);
const pickSource = weightedPicker(SOURCES.map((s, i) => [s, [18, 22, 14, 12, 8, 20, 2, 4][i]] as const));
const CONSENT_HOW = ['展会登记表', '官网表单', '电话口头同意', 'web form'];
const WX_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

const contacts: TableGenerator = {
  name: 'contacts',
  summary: 'contacts at the companies (and some without one): names, titles, mobiles with near-duplicates, e-mails, WeChat',
  tables: ['contacts'],
  dependsOn: ['users', 'companies'],
  scaleKeys: ['contacts'],
  generate(ctx) {
    const { contacts: n } = customerScale(ctx.scale);
    const { rng, now } = ctx;
    const nowMs = now.getTime();
    const comp = ctx.refs.companies!;
    const pickOwner = ownerPicker(rng, ctx.refs.users ?? []);
    const users = new Map((ctx.refs.users ?? []).map((u) => [u.id, u]));
    // 88 % work at a generated company: a few companies have hundreds of contacts, most a handful.
    const withCompany = comp.count ? Math.round(n * 0.88) : 0;
    const perCompany = comp.count ? skewedSizes(rng, comp.count, withCompany, { s: 0.55, min: 1 }) : [];
    const companyOf = new Int32Array(n);
    let k = 0;
    for (let c = 0; c < perCompany.length; c++) for (let j = 0; j < perCompany[c] && k < n; j++) companyOf[k++] = c + 1;
    // Contacts were entered over time in no company order: shuffle which id goes to which company.
    for (let i = k - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      const t = companyOf[i];
      companyOf[i] = companyOf[j];
      companyOf[j] = t;
    }
    const digitsSeen: string[] = [];
    const digitsSeenOwner = new Map<string, number>();
    const domains = new Map<number, string>();
    const emailsTaken = new Map<string, number>();
    const rows: Row[] = [];
    const owner = new Int32Array(n);
    const team = new Int32Array(n);
    const createdMs = new Float64Array(n);
    const deletedFlags = new Uint8Array(n);
    const names: string[] = [];
    const mobiles: Array<string | null> = [];
    for (let i = 0; i < n; i++) {
      const id = i + 1;
      const companyId = companyOf[i] || null;
      let person = personName(rng, { en: 0.03, enZh: 0.07 });
      // Owner: usually whoever owns the company; otherwise anyone (a colleague working the account).
      const o = companyId && rng.chance(0.9) ? users.get(comp.owner[companyId - 1])! : pickOwner(rng);
      let created = companyId ? comp.createdMs[companyId - 1] + Math.floor(rng.next() ** 2 * (nowMs - comp.createdMs[companyId - 1])) : nowMs - Math.floor(rng.next() ** 0.8 * 4 * 365 * DAY);
      if (created > nowMs - 60_000) created = nowMs - 60_000;
      let mobile: string | null = null;
      if (rng.chance(0.9)) {
        let digits: string;
        if (digitsSeen.length > 100 && rng.chance(NEAR_DUPLICATE_RATE)) {
          digits = digitsSeen[Math.floor(rng.next() * digitsSeen.length)];
          if (rng.chance(0.6)) person = { ...person, name: names[digitsSeenOwner.get(digits) ?? 0] ?? person.name };
          mobile = formatMobile(digits, rng.pick<MobileFormat>(['plain', 'dashed', 'spaced', 'intl']));
        } else {
          digits = `${rng.pick(MOBILE_PREFIXES)}${String(rng.int(0, 99_999_999)).padStart(8, '0')}`;
          mobile = formatMobile(digits, pickFormat(rng));
          if (digitsSeen.length < 200_000 || rng.chance(0.01)) {
            digitsSeen.push(digits);
            digitsSeenOwner.set(digits, i);
          }
        }
      }
      const phone = companyId && rng.chance(0.25) ? landline(rng) : null;
      let email: string | null = null;
      const r = rng.next();
      if (r < 0.55 && companyId) {
        const domain = domainOf(domains, comp.names[companyId - 1], companyId);
        const base = `${person.ascii.given}.${person.ascii.family}@${domain}`;
        const c = (emailsTaken.get(base) ?? 0) + 1;
        emailsTaken.set(base, c);
        email = c === 1 ? base : base.replace('@', `${c}@`);
      } else if (r < 0.75) {
        email = rng.chance(0.5) ? `${rng.int(10_000_000, 2_999_999_999)}@qq.com` : `${person.ascii.given}${person.ascii.family}${rng.int(1, 9999)}@${rng.pick(['163.com', '126.com', 'gmail.com', 'outlook.com', 'sina.com'])}`;
      }
      let wechat: string | null = null;
      const w = rng.next();
      if (w < 0.3) {
        let s = 'wxid_';
        for (let j = 0; j < 14; j++) s += WX_CHARS[Math.floor(rng.next() * WX_CHARS.length)];
        wechat = s;
      } else if (w < 0.5) wechat = `${person.ascii.family}${person.ascii.given}${rng.int(1, 999)}`;
      else if (w < 0.58 && mobile) wechat = mobile.replace(/\D/g, '').slice(-11);
      const consent = rng.chance(0.3);
      const edited = rng.chance(0.35);
      const deleted = rng.chance(0.01);
      const createdAt = new Date(created).toISOString();
      owner[i] = o.id;
      team[i] = o.primaryTeamId ?? 0;
      createdMs[i] = created;
      deletedFlags[i] = deleted ? 1 : 0;
      names.push(person.name);
      mobiles.push(mobile);
      rows.push({
        id,
        name: person.name,
        name_sort: cachedSortKey(person.name, true),
        company_id: companyId,
        title: companyId && rng.chance(0.8) ? pickTitle(rng) : null,
        mobile,
        mobile_rev: reversedDigits(mobile),
        phone,
        phone_rev: reversedDigits(phone),
        email,
        email_key: emailKey(email),
        wechat,
        wechat_key: wechat ? fold(wechat) : null,
        birthday: rng.chance(0.15) ? `${rng.int(1965, 2000)}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}` : null,
        source: rng.chance(0.85) ? pickSource(rng) : null,
        notes: rng.chance(0.1) ? rng.pick(['喜欢电话沟通', '只回微信', '周五下午方便', '英文沟通', '关键决策人']) : null,
        consent,
        consent_at: consent ? rng.isoBetween(created, nowMs) : null,
        consent_how: consent ? rng.pick(CONSENT_HOW) : null,
        last_contact_at: null, // set by the activities generator
        owner_id: o.id,
        team_id: o.primaryTeamId,
        created_at: createdAt,
        created_by: o.id,
        updated_at: edited ? rng.isoBetween(created, nowMs) : createdAt,
        updated_by: o.id,
        version: edited ? rng.int(2, 5) : 1,
        deleted_at: deleted ? rng.isoBetween(nowMs - 20 * DAY, nowMs) : null,
        deleted_by: deleted ? o.id : null,
      });
    }
    ctx.refs.contacts = { count: n, company: companyOf, owner, team, createdMs, deleted: deletedFlags, names, mobiles };
    return [{ table: 'contacts', rows }];
  },
};
export default contacts;

/** A company's mail domain, from its name: ASCII letters of an English name, else "c<id>-<pinyin-free tag>.com.cn". */
function domainOf(domains: Map<number, string>, name: string, id: number): string {
  let d = domains.get(id);
  if (!d) {
    const ascii = name.toLowerCase().replace(/co\.,? ltd\.?|ltd\.?|inc\.?|limited|corporation/g, '').replace(/[^a-z]+/g, '');
    d = ascii ? `${ascii.slice(0, 20)}.com` : `corp${id.toString(36)}.com.cn`;
    domains.set(id, d);
  }
  return d;
}
