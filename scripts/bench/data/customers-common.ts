// Shared pieces of the customer generators (companies, contacts, activities, tags, search grams):
// owner picking with a realistic skew, provinces of cities, phone formatting, cached derived keys,
// and the samples that scenarios use to build requests (busy companies, search terms).
import { sortKey } from '../../../src/lib/text';
import { weightedPicker, type Rng } from './rng';
import type { UserRef } from './types';
import type { MobileFormat } from './common';

export const DAY = 24 * 3600 * 1000;

/** Province of each city in data/common.ts REGIONS (municipalities are their own province). */
export const PROVINCE_OF: Record<string, string> = {
  上海: '上海', 杭州: '浙江', 南京: '江苏', 苏州: '江苏', 宁波: '浙江', 合肥: '安徽', 无锡: '江苏', 济南: '山东', 青岛: '山东',
  深圳: '广东', 广州: '广东', 厦门: '福建', 福州: '福建', 东莞: '广东', 佛山: '广东', 南宁: '广西', 海口: '海南',
  北京: '北京', 天津: '天津', 石家庄: '河北', 太原: '山西', 呼和浩特: '内蒙古', 唐山: '河北',
  成都: '四川', 重庆: '重庆', 昆明: '云南', 贵阳: '贵州', 绵阳: '四川',
  武汉: '湖北', 长沙: '湖南', 郑州: '河南', 南昌: '江西', 宜昌: '湖北',
  西安: '陕西', 兰州: '甘肃', 银川: '宁夏', 乌鲁木齐: '新疆',
  沈阳: '辽宁', 大连: '辽宁', 哈尔滨: '黑龙江', 长春: '吉林',
};

/**
 * Who owns customer records: sales reps (the best carry a few times the median book: a gentle Zipf,
 * exponent 0.4, over a shuffled list), plus a small share held by managers. Deactivated reps keep
 * their old records. With ~250 reps and 1,000,000 contacts the largest book is ~20,000 contacts and
 * the median ~3,000 (an exponent of 0.7 gave the top rep ~55,000: no one works that many customers).
 */
/** Zipf exponent of book sizes over the sales reps. */
export const OWNER_SKEW = 0.4;

export function ownerPicker(rng: Rng, users: readonly UserRef[]): (rng: Rng) => UserRef {
  const reps = rng.shuffle(users.filter((u) => u.role === 'sales'));
  const managers = users.filter((u) => u.role === 'manager');
  const entries: Array<readonly [UserRef, number]> = reps.map((u, i) => [u, (u.active ? 1 : 0.3) / (i + 1) ** OWNER_SKEW] as const);
  const repTotal = entries.reduce((a, e) => a + e[1], 0);
  for (const m of managers) entries.push([m, (repTotal * 0.05) / Math.max(1, managers.length)] as const);
  if (!entries.length) throw new Error('customer records need sales reps or managers to own them');
  return weightedPicker(entries);
}

/** Formats 11 mobile digits the way people type them. */
export function formatMobile(digits: string, f: MobileFormat): string {
  const p = digits.slice(0, 3);
  const a = digits.slice(3, 7);
  const b = digits.slice(7);
  switch (f) {
    case 'plain': return digits;
    case 'dashed': return `${p}-${a}-${b}`;
    case 'spaced': return `${p} ${a} ${b}`;
    case 'intl': return `+86 ${p} ${a} ${b}`;
  }
}

const sortKeys = new Map<string, string>();

/** The product's sortKey (pinyin with tones), cached: names repeat a lot and pinyin is not cheap. */
export function cachedSortKey(name: string, surname: boolean): string {
  const k = `${surname ? 's' : 'n'}${name}`;
  let v = sortKeys.get(k);
  if (v === undefined) {
    v = sortKey(name, { surname });
    sortKeys.set(k, v);
  }
  return v;
}

/** Times of day people work (China, UTC+8): mostly 09:00-18:30 local, some evenings. */
export function workTimeMs(rng: Rng, dayStartUtcMs: number): number {
  const localHour = rng.chance(0.92) ? 9 + rng.next() * 9.5 : 18.5 + rng.next() * 3.5;
  return dayStartUtcMs + (localHour - 8) * 3600 * 1000;
}

/**
 * Customer data sizes: `--contacts`, `--companies`, `--activities` (full size: 1,000,000 / 200,000 /
 * 3,000,000). Without flags: 20,000 contacts, a company per 5 contacts, 3 activities per contact.
 * They do not grow with --users (the Growth table varies users only).
 */
export function customerScale(scale: Record<string, number>): { contacts: number; companies: number; activities: number; tags: number } {
  const contacts = Math.max(0, Math.round(scale.contacts ?? 20_000));
  const companies = Math.max(0, Math.round(scale.companies ?? Math.ceil(contacts / 5)));
  const activities = Math.max(0, Math.round(scale.activities ?? contacts * 3));
  const tags = Math.max(0, Math.round(scale.tags ?? 40));
  return { contacts, companies, activities, tags };
}
