// Bench generator for the team tree: the company at the top, head office, customer success and
// finance beside the sales regions (华东/华南/华北/西南 ...), and city sales teams under each region.
// The number of regions and sales teams grows with the user count.
import { sortKey } from '../../../src/lib/text';
import { companyName, REGIONS } from './common';
import type { GenContext, Row, TableGenerator, TeamRef } from './types';

const YEAR = 365 * 24 * 3600 * 1000;

const SALES_SUFFIXES = ['销售一部', '销售二部', '大客户部', '渠道部', '电销组', '行业客户部', '销售三部', '政企客户部'];

/** Regions used for a company of this many users (small companies cover fewer regions). */
export function regionCount(users: number): number {
  if (users < 100) return 2;
  if (users < 2000) return 4;
  if (users < 10000) return 5;
  return 7;
}

/** Sales teams for this many users: roughly one per 14 people, at least one per region. */
export function salesTeamCount(users: number): number {
  return Math.max(regionCount(users), Math.min(400, Math.round(users / 14)));
}

function generate(ctx: GenContext) {
  const { rng, now } = ctx;
  const users = ctx.scale.users;
  const company = companyName(rng);
  // What people call it: trade name + industry word, shortened (华信科技, 恒达信息技术, 世纪供应链).
  const short = company.brand + (company.word.length <= 4 ? company.word : company.word.slice(0, 3));
  ctx.refs.company = { ...company, short };

  const start = now.getTime() - 3 * YEAR;
  const refs: TeamRef[] = [];
  const rows: Row[] = [];
  const add = (name: string, parent: TeamRef | null, kind: TeamRef['kind'], region: string | null, city: string | null, createdAt: string) => {
    const id = refs.length + 1;
    const path = `${parent ? parent.path : '/'}${id}/`;
    const ref: TeamRef = { id, name, path, parentId: parent?.id ?? null, kind, region, city };
    refs.push(ref);
    rows.push({
      id, name, name_sort: sortKey(name), parent_id: ref.parentId, path,
      created_at: createdAt, created_by: null, updated_at: createdAt, updated_by: null, version: 1, deleted_at: null,
    });
    return ref;
  };

  const founded = new Date(start).toISOString();
  const root = add(short, null, 'company', null, null, founded);
  add('总经办', root, 'office', null, null, founded);
  add('客户成功部', root, 'support', null, null, rng.isoBetween(start, start + 0.2 * YEAR));
  add('财务与内审部', root, 'finance', null, null, rng.isoBetween(start, start + 0.2 * YEAR));

  const regions = REGIONS.slice(0, regionCount(users));
  const regionRefs = regions.map((r) => add(`${r.name}大区`, root, 'region', r.name, null, rng.isoBetween(start, start + 0.5 * YEAR)));

  // Sales teams per region in proportion to the region's weight, at least one each.
  const total = salesTeamCount(users);
  const weightSum = regions.reduce((a, r) => a + r.weight, 0);
  const counts = regions.map((r) => Math.max(1, Math.floor((total * r.weight) / weightSum)));
  for (let i = 0, left = total - counts.reduce((a, b) => a + b, 0); left > 0; i = (i + 1) % counts.length, left--) counts[i]++;

  regions.forEach((region, i) => {
    const used = new Set<string>();
    for (let k = 0; k < counts[i]; k++) {
      const city = region.cities[k % region.cities.length];
      let name = '';
      for (let attempt = 0; attempt < 12 && (!name || used.has(name)); attempt++) name = `${city}${rng.pick(SALES_SUFFIXES)}`;
      if (used.has(name)) name = `${city}销售${k + 1}组`;
      used.add(name);
      add(name, regionRefs[i], 'sales', region.name, city, rng.isoBetween(start + 0.3 * YEAR, now.getTime() - 0.05 * YEAR));
    }
  });

  ctx.refs.teams = refs;
  return [{ table: 'teams', rows }];
}

const teams: TableGenerator = {
  name: 'teams',
  summary: 'the team tree: company, head office, support, finance, regions and city sales teams',
  tables: ['teams'],
  dependsOn: [],
  generate,
};
export default teams;
