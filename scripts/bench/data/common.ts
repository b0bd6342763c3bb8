// Realistic vocabulary shared by every bench data generator: Chinese and English person names,
// regions and cities, industries, mobile numbers in the formats people type, company names,
// addresses and e-mail addresses. Later generators (companies, contacts, deals...) reuse these.
import { pinyin } from 'pinyin-pro';
import { weightedPicker, type Rng } from './rng';

// ---- Person names -------------------------------------------------------------------------------

/** Common surnames with rough relative frequencies (王 李 张 刘 陈 lead, as in the census). */
export const SURNAMES: ReadonlyArray<readonly [string, number]> = [
  ['王', 7.1], ['李', 7.0], ['张', 6.7], ['刘', 5.4], ['陈', 4.5], ['杨', 3.1], ['黄', 2.3], ['赵', 2.2], ['吴', 2.0], ['周', 1.9],
  ['徐', 1.5], ['孙', 1.5], ['马', 1.4], ['朱', 1.3], ['胡', 1.3], ['郭', 1.2], ['何', 1.2], ['林', 1.1], ['高', 1.1], ['罗', 1.0],
  ['郑', 0.9], ['梁', 0.9], ['谢', 0.8], ['宋', 0.8], ['唐', 0.8], ['许', 0.7], ['韩', 0.7], ['冯', 0.7], ['邓', 0.7], ['曹', 0.6],
  ['彭', 0.6], ['曾', 0.6], ['肖', 0.6], ['田', 0.5], ['董', 0.5], ['袁', 0.5], ['潘', 0.5], ['于', 0.5], ['蒋', 0.5], ['蔡', 0.5],
  ['余', 0.5], ['杜', 0.5], ['叶', 0.4], ['程', 0.4], ['苏', 0.4], ['魏', 0.4], ['吕', 0.4], ['丁', 0.4], ['任', 0.4], ['沈', 0.4],
  ['姚', 0.3], ['卢', 0.3], ['姜', 0.3], ['崔', 0.3], ['钟', 0.3], ['谭', 0.3], ['陆', 0.3], ['汪', 0.3], ['范', 0.3], ['金', 0.3],
  ['石', 0.3], ['廖', 0.3], ['贾', 0.3], ['夏', 0.3], ['韦', 0.3], ['方', 0.2], ['白', 0.2], ['邹', 0.2], ['孟', 0.2], ['熊', 0.2],
  ['秦', 0.2], ['邱', 0.2], ['江', 0.2], ['尹', 0.2], ['薛', 0.2], ['闫', 0.2], ['段', 0.2], ['雷', 0.2], ['侯', 0.2], ['龙', 0.2],
  ['史', 0.2], ['陶', 0.2], ['黎', 0.2], ['贺', 0.2], ['顾', 0.2], ['毛', 0.2], ['郝', 0.2], ['龚', 0.2], ['邵', 0.2], ['万', 0.2],
  ['钱', 0.2], ['严', 0.2], ['覃', 0.1], ['武', 0.1], ['戴', 0.1], ['莫', 0.1], ['孔', 0.1], ['向', 0.1], ['汤', 0.1], ['欧阳', 0.05],
  ['司马', 0.02], ['上官', 0.02], ['诸葛', 0.02],
];

/** Given names as people actually carry them: one character, or two. */
export const GIVEN_NAMES: readonly string[] = [
  '伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '霞', '平', '刚',
  '鹏', '飞', '斌', '辉', '波', '宁', '琳', '婷', '颖', '倩', '蕾', '亮', '凯', '昊', '晨', '博', '睿', '瑶', '璐', '悦',
  '秀英', '桂英', '建华', '建国', '志强', '志明', '俊杰', '子涵', '雨涵', '欣怡', '梓萱', '浩然', '宇轩', '思远', '嘉怡', '晓东',
  '晓燕', '海燕', '红梅', '丽娟', '文博', '天宇', '佳琪', '梦洁', '一鸣', '振华', '国强', '永刚', '春燕', '玉兰', '建军', '海涛',
  '小红', '晓明', '丽华', '秀兰', '文静', '雪梅', '海峰', '立新', '德华', '家豪', '子轩', '梓涵', '诗琪', '若曦', '思彤', '雅婷',
  '俊豪', '明轩', '浩宇', '宇航', '志伟', '建平', '卫东', '晓光', '少华', '晓丽', '慧敏', '静怡', '美玲', '晓峰', '云飞', '光明',
  '成龙', '国庆', '红军', '丹丹', '莉莉', '婷婷', '欢欢', '晶晶', '佳慧', '雨萱', '可欣', '紫怡', '宏伟', '新民', '文涛', '永强',
  '晓军', '晓华', '明亮', '志刚', '建新', '海龙', '金凤', '玉梅', '凤英', '淑珍', '淑华', '桂兰', '学军', '天明', '思琪', '静雯',
];

export const ENGLISH_FIRST_NAMES: readonly string[] = [
  'James', 'Emily', 'Michael', 'Sarah', 'David', 'Jessica', 'Kevin', 'Linda', 'Tony', 'Grace', 'Jason', 'Amy', 'Eric', 'Cindy',
  'Frank', 'Helen', 'Jack', 'Lily', 'Peter', 'Sophia', 'Daniel', 'Vivian', 'Steven', 'Tina', 'Andy', 'Joyce', 'Alex', 'Iris',
  'Leo', 'Coco', 'Ryan', 'Wendy', 'Sam', 'Nancy', 'Vincent', 'Angela', 'William', 'Olivia', 'Henry', 'Chloe', 'Oliver', 'Emma',
];

export const ENGLISH_SURNAMES: readonly string[] = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Miller', 'Davis', 'Wilson', 'Taylor', 'Anderson', 'Thomas', 'Moore',
  'Martin', 'Jackson', 'White', 'Harris', 'Clark', 'Lewis', 'Walker', 'Hall', 'Young', 'King', 'Wright', 'Scott', 'Green',
  'Baker', 'Adams', 'Nelson', 'Hill', 'Campbell', 'Mitchell', 'Roberts', 'Carter', 'Turner', 'Müller', 'Schmidt', 'Tanaka', 'Kim',
];

const pickSurname = weightedPicker(SURNAMES);

export type NameStyle = 'zh' | 'en-zh' | 'en';

export interface PersonName {
  /** As shown: "王伟", "Kevin Zhang", "Emily Carter". */
  name: string;
  style: NameStyle;
  /** ASCII parts for an e-mail address: given and family name. */
  ascii: { given: string; family: string };
}

const pinyinCache = new Map<string, string>();

/** Tone-less pinyin, letters only ("欧阳" -> "ouyang"); surnames read as surnames (曾 -> zeng). */
export function pinyinOf(text: string, surname = false): string {
  const key = `${surname ? 's' : 'g'}${text}`;
  let out = pinyinCache.get(key);
  if (out === undefined) {
    out = pinyin(text, { toneType: 'none', type: 'array', surname: surname ? 'all' : 'off', v: true }).join('').toLowerCase().replace(/[^a-z]/g, '');
    pinyinCache.set(key, out);
  }
  return out;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * A person's name: mostly Chinese (surname by frequency, one- or two-character given name), some
 * Chinese with an English given name ("Kevin Zhang", common in sales teams), a few foreign names.
 */
export function personName(rng: Rng, mix: { en?: number; enZh?: number } = {}): PersonName {
  const r = rng.next();
  const en = mix.en ?? 0.04;
  const enZh = mix.enZh ?? 0.08;
  if (r < en) {
    const given = rng.pick(ENGLISH_FIRST_NAMES);
    const family = rng.pick(ENGLISH_SURNAMES);
    return { name: `${given} ${family}`, style: 'en', ascii: { given: given.toLowerCase(), family: family.toLowerCase().normalize('NFD').replace(/[^a-z]/g, '') } };
  }
  const surname = pickSurname(rng);
  const family = pinyinOf(surname, true);
  if (r < en + enZh) {
    const given = rng.pick(ENGLISH_FIRST_NAMES);
    return { name: `${given} ${capitalise(family)}`, style: 'en-zh', ascii: { given: given.toLowerCase(), family } };
  }
  const given = rng.pick(GIVEN_NAMES);
  return { name: `${surname}${given}`, style: 'zh', ascii: { given: pinyinOf(given), family } };
}

/**
 * A unique work e-mail address for a name: "wei.wang@domain", then "wei.wang2@domain" ...
 * `taken` counts each local part already handed out.
 */
export function workEmail(person: PersonName, domain: string, taken: Map<string, number>): string {
  const base = `${person.ascii.given}.${person.ascii.family}`;
  const n = (taken.get(base) ?? 0) + 1;
  taken.set(base, n);
  return `${n === 1 ? base : `${base}${n}`}@${domain}`;
}

// ---- Places ----------------------------------------------------------------------------------------

export interface Region {
  /** 华东, 华南 ... */
  name: string;
  /** Share of the business done there (for sizing teams and customers). */
  weight: number;
  cities: readonly string[];
}

export const REGIONS: readonly Region[] = [
  { name: '华东', weight: 34, cities: ['上海', '杭州', '南京', '苏州', '宁波', '合肥', '无锡', '济南', '青岛'] },
  { name: '华南', weight: 24, cities: ['深圳', '广州', '厦门', '福州', '东莞', '佛山', '南宁', '海口'] },
  { name: '华北', weight: 20, cities: ['北京', '天津', '石家庄', '太原', '呼和浩特', '唐山'] },
  { name: '西南', weight: 12, cities: ['成都', '重庆', '昆明', '贵阳', '绵阳'] },
  { name: '华中', weight: 10, cities: ['武汉', '长沙', '郑州', '南昌', '宜昌'] },
  { name: '西北', weight: 5, cities: ['西安', '兰州', '银川', '乌鲁木齐'] },
  { name: '东北', weight: 5, cities: ['沈阳', '大连', '哈尔滨', '长春'] },
];

/** Districts and roads for plausible street addresses. */
const DISTRICTS = ['高新区', '经济开发区', '工业园区', '滨江区', '浦东新区', '南山区', '天河区', '海淀区', '朝阳区', '武侯区', '江北区', '鼓楼区'];
const ROADS = ['人民路', '建设路', '解放路', '中山路', '科技路', '创业大道', '长江路', '黄河路', '新华路', '和平路', '文化路', '学府路', '世纪大道', '金融街'];

export function streetAddress(rng: Rng, city: string): string {
  const building = rng.chance(0.4) ? `${rng.pick(['A', 'B', 'C', '1', '2', '3'])}座${rng.int(2, 28)}层` : `${rng.int(1, 30)}楼`;
  return `${city}市${rng.pick(DISTRICTS)}${rng.pick(ROADS)}${rng.int(1, 999)}号${building}`;
}

// ---- Industries and companies ----------------------------------------------------------------------

/** Industries with what a company in them calls itself ("…科技有限公司"). */
export const INDUSTRIES: ReadonlyArray<{ name: string; weight: number; words: readonly string[] }> = [
  { name: '软件和信息技术服务', weight: 14, words: ['科技', '信息技术', '网络科技', '软件', '数据科技'] },
  { name: '制造业', weight: 16, words: ['机械制造', '精密机械', '电子', '自动化设备', '模具'] },
  { name: '批发和零售', weight: 12, words: ['贸易', '商贸', '供应链管理', '进出口'] },
  { name: '医疗器械', weight: 6, words: ['医疗器械', '生物科技', '医疗科技'] },
  { name: '教育培训', weight: 5, words: ['教育科技', '培训', '文化发展'] },
  { name: '物流运输', weight: 7, words: ['物流', '供应链', '货运代理'] },
  { name: '建筑工程', weight: 7, words: ['建设工程', '建筑装饰', '工程技术'] },
  { name: '餐饮连锁', weight: 4, words: ['餐饮管理', '食品'] },
  { name: '新能源', weight: 6, words: ['新能源', '光伏科技', '电力设备'] },
  { name: '金融服务', weight: 4, words: ['投资管理', '融资租赁', '资产管理'] },
  { name: '电子商务', weight: 6, words: ['电子商务', '网络科技'] },
  { name: '化工', weight: 4, words: ['化工', '新材料'] },
  { name: '汽车零部件', weight: 5, words: ['汽车配件', '汽车零部件', '机电'] },
  { name: '食品饮料', weight: 4, words: ['食品', '饮料', '农业科技'] },
];

const pickIndustry = weightedPicker(INDUSTRIES.map((i) => [i, i.weight] as const));

/** Two-character trade names, the heart of most Chinese company names. */
export const BRANDS: readonly string[] = [
  '华信', '恒达', '鑫源', '瑞丰', '中科', '天元', '博远', '凯盛', '宏图', '金诚', '东方', '汇通', '新锐', '联创', '嘉禾', '永泰',
  '立信', '安泰', '德力', '海纳', '云帆', '星河', '启明', '润泽', '鼎盛', '华夏', '长城', '远航', '蓝海', '优品', '智远', '晨光',
  '正泰', '万达', '明阳', '盛世', '天成', '领航', '众合', '创维', '百川', '国泰', '和信', '中泰', '兴业', '通达', '卓越', '世纪',
];

/** Foreign brands that trade in China as "…(中国)有限公司". */
const FOREIGN_BRANDS = ['博世', '西门子', '施耐德', '霍尼韦尔', '巴斯夫', '飞利浦', '松下', '三星', '欧莱雅', '雀巢'];

export interface CompanyName {
  /** 上海华信电子科技有限公司 */
  name: string;
  /** 华信: what people say */
  brand: string;
  city: string | null;
  industry: string;
  /** The industry word in the name (科技, 信息技术 ...). */
  word: string;
  /** An ASCII domain derived from the brand: "huaxin-dz.com". */
  domain: string;
}

/**
 * A company name as it appears on a business licence: [city(市)] + trade name + industry word +
 * 有限公司 (most), 股份有限公司, 集团有限公司, 有限责任公司; a few "(中国)有限公司".
 */
export function companyName(rng: Rng, region?: Region): CompanyName {
  const industry = pickIndustry(rng);
  if (rng.chance(0.03)) {
    const brand = rng.pick(FOREIGN_BRANDS);
    const word = rng.pick(industry.words);
    return { name: `${brand}${word}(中国)有限公司`, brand, city: null, industry: industry.name, word, domain: `${pinyinOf(brand)}.com.cn` };
  }
  const brand = rng.pick(BRANDS);
  const word = rng.pick(industry.words);
  const city = rng.chance(0.85) ? rng.pick((region ?? rng.pick(REGIONS)).cities) : null;
  const prefix = city ? (rng.chance(0.3) ? `${city}市` : city) : '';
  const suffix = rng.weighted(['有限公司', '股份有限公司', '集团有限公司', '有限责任公司'], [75, 14, 5, 6]);
  const tag = pinyinOf(word.slice(0, 2));
  return { name: `${prefix}${brand}${word}${suffix}`, brand, city, industry: industry.name, word, domain: `${pinyinOf(brand)}-${tag}.com` };
}

// ---- Phone numbers ----------------------------------------------------------------------------------

/** Mainland mobile prefixes in use (China Mobile, Unicom, Telecom, Broadnet). */
export const MOBILE_PREFIXES: readonly string[] = [
  '130', '131', '132', '133', '134', '135', '136', '137', '138', '139', '145', '147', '150', '151', '152', '153', '155', '156',
  '157', '158', '159', '166', '170', '173', '175', '176', '177', '178', '180', '181', '182', '183', '184', '185', '186', '187',
  '188', '189', '191', '193', '195', '196', '197', '198', '199',
];

export type MobileFormat = 'plain' | 'dashed' | 'spaced' | 'intl';

/**
 * An 11-digit mainland mobile number, written the ways people type it: "13800138000",
 * "138-0013-8000", "138 0013 8000" or "+86 138 0013 8000".
 */
export function mobileNumber(rng: Rng, format?: MobileFormat): string {
  const prefix = rng.pick(MOBILE_PREFIXES);
  const rest = String(rng.int(0, 99_999_999)).padStart(8, '0');
  const f = format ?? rng.weighted<MobileFormat>(['plain', 'dashed', 'spaced', 'intl'], [70, 12, 8, 10]);
  const a = rest.slice(0, 4);
  const b = rest.slice(4);
  switch (f) {
    case 'plain': return `${prefix}${rest}`;
    case 'dashed': return `${prefix}-${a}-${b}`;
    case 'spaced': return `${prefix} ${a} ${b}`;
    case 'intl': return `+86 ${prefix} ${a} ${b}`;
  }
}

/** A landline with area code: "021-6288 1234". */
export function landline(rng: Rng): string {
  const area = rng.pick(['010', '021', '022', '023', '020', '0755', '0571', '025', '028', '027', '029', '0512']);
  const digits = area.length === 3 ? 8 : 7;
  const n = String(rng.int(2 * 10 ** (digits - 1), 10 ** digits - 1));
  return `${area}-${n.slice(0, digits - 4)} ${n.slice(digits - 4)}`;
}

// ---- Numbers --------------------------------------------------------------------------------------

/**
 * n sizes that sum to `total` with a realistic skew: a few big, many small (Zipf with exponent s),
 * each at least `min`, in random order.
 */
export function skewedSizes(rng: Rng, n: number, total: number, options: { s?: number; min?: number } = {}): number[] {
  const s = options.s ?? 1;
  const min = options.min ?? 0;
  if (n <= 0) return [];
  const base = Math.min(min, Math.floor(total / n));
  const rest = total - base * n;
  const weights = Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s);
  const sum = weights.reduce((a, b) => a + b, 0);
  const sizes = weights.map((w) => base + Math.floor((rest * w) / sum));
  let left = total - sizes.reduce((a, b) => a + b, 0);
  for (let i = 0; left > 0; i = (i + 1) % n, left--) sizes[i]++;
  return rng.shuffle(sizes);
}
