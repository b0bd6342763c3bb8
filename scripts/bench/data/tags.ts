// Bench generator for tags and taggings: ~40 tags (customer stage, priority, region, campaign) of
// very unequal popularity, on about a third of the companies and a quarter of the contacts.
import { fold } from '../../../src/lib/text';
import { cachedSortKey, customerScale } from './customers-common';
import { weightedPicker } from './rng';
import type { Row, TableGenerator } from './types';

const NAMES = ['重点客户', 'VIP', '老客户', '潜在客户', '待跟进', '已签约', '流失风险', '展会线索', '官网线索', '政府项目', '国企', '外资',
  '上市公司', '渠道伙伴', '供应商', '价格敏感', '需要演示', '试用中', '续约', '年度框架', '华东大区', '华南大区', '华北大区', '2025展会', '2026展会',
  '双十一活动', '老带新', '决策人', '技术联系人', '财务联系人', 'Key account', 'Partner', 'Do not call', '高潜力', '暂停合作', '回款慢', '大客户部', '中小企业', '海外', '样品已寄'];
const COLORS = ['#d64545', '#e8833a', '#e0b43a', '#3a9e5c', '#2f7ed8', '#7a4fd1', '#8a8f98'];

const tags: TableGenerator = {
  name: 'tags',
  summary: 'tags of unequal popularity on about a third of the companies and a quarter of the contacts',
  tables: ['tags', 'taggings'],
  dependsOn: ['users', 'companies', 'contacts'],
  scaleKeys: ['tags'],
  generate(ctx) {
    const { tags: n } = customerScale(ctx.scale);
    const { rng, now } = ctx;
    const admin = (ctx.refs.users ?? []).find((u) => u.role === 'admin');
    const tagRows: Row[] = [];
    for (let i = 0; i < Math.min(n, NAMES.length * 4); i++) {
      const name = i < NAMES.length ? NAMES[i] : `${NAMES[i % NAMES.length]}${Math.floor(i / NAMES.length) + 1}`;
      const at = rng.isoBetween(now.getTime() - 3 * 365 * 86_400_000, now.getTime() - 86_400_000);
      tagRows.push({ id: i + 1, name, name_key: fold(name), name_sort: cachedSortKey(name, false), color: COLORS[i % COLORS.length], created_at: at, created_by: admin?.id ?? null, updated_at: at, updated_by: admin?.id ?? null, version: 1 });
    }
    const taggings: Row[] = [];
    if (tagRows.length) {
      const pickTag = weightedPicker(tagRows.map((t, i) => [Number(t.id), 1 / (i + 1) ** 0.9] as const));
      const tag = (type: 'companies' | 'contacts', count: number, share: number, most: number) => {
        for (let id = 1; id <= count; id++) {
          if (!rng.chance(share)) continue;
          const chosen = new Set<number>();
          const m = rng.int(1, most);
          for (let j = 0; j < m; j++) chosen.add(pickTag(rng));
          for (const tagId of [...chosen].sort((a, b) => a - b)) taggings.push({ tag_id: tagId, record_type: type, record_id: id });
        }
      };
      tag('companies', ctx.refs.companies?.count ?? 0, 0.35, 3);
      tag('contacts', ctx.refs.contacts?.count ?? 0, 0.25, 2);
    }
    return [{ table: 'tags', rows: tagRows }, { table: 'taggings', rows: taggings }];
  },
};
export default tags;
