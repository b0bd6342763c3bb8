// Bench generator for the search index: search_grams rows for every live company (name and short
// name) and contact (name), exactly the grams the product's indexNames() writes (bigrams() of
// lib/text.ts), loaded in key order; also picks the samples scenarios search and read with.
import { bigrams } from '../../../src/lib/text';
import type { Row, TableGenerator } from './types';
import { REGIONS } from './common';

const CITY_PREFIX = new RegExp(`^(${REGIONS.flatMap((r) => r.cities).join('|')})市?`);

const searchIndex: TableGenerator = {
  name: 'search-index',
  summary: 'two-character search grams of company and contact names; scenario samples',
  tables: ['search_grams'],
  dependsOn: ['companies', 'contacts'],
  generate(ctx) {
    const { rng } = ctx;
    const comp = ctx.refs.companies!;
    const cont = ctx.refs.contacts!;
    const grams: Array<[string, string, number]> = [];
    for (let i = 0; i < comp.count; i++) {
      if (comp.deleted[i]) continue;
      const set = new Set(bigrams(comp.names[i]));
      if (comp.shortNames[i]) for (const g of bigrams(comp.shortNames[i]!)) set.add(g);
      for (const g of set) grams.push([g, 'companies', i + 1]);
    }
    for (let i = 0; i < cont.count; i++) {
      if (cont.deleted[i]) continue;
      for (const g of bigrams(cont.names[i])) grams.push([g, 'contacts', i + 1]);
    }
    // Primary-key order, so the B-tree is appended to rather than split at random (same rows).
    grams.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[2] - b[2]));
    const rows: Row[] = grams.map(([gram, record_type, record_id]) => ({ gram, record_type, record_id }));

    // Samples for scenarios: what people search for, and records to open.
    const terms = new Map<string, string>();
    const liveContact = () => {
      for (;;) {
        const i = Math.floor(rng.next() * cont.count);
        if (!cont.deleted[i]) return i;
      }
    };
    const liveCompany = () => {
      for (;;) {
        const i = Math.floor(rng.next() * comp.count);
        if (!comp.deleted[i]) return i;
      }
    };
    if (cont.count && comp.count) {
      for (let j = 0; j < 400 && terms.size < 120; j++) {
        const c = cont.names[liveContact()];
        const han = /^\p{Script=Han}+$/u.test(c);
        if (han && c.length === 2) terms.set(c, 'name-2');
        else if (han && c.length === 3) terms.set(c, 'name-3');
        else if (!han) terms.set(c.split(' ')[0].toLowerCase(), 'english');
        const co = comp.names[liveCompany()];
        if (/\p{Script=Han}/u.test(co)) {
          const bare = co.replace(CITY_PREFIX, '');
          terms.set(bare.slice(0, 2), 'two-char'); // the trade name: 华信, 云帆 ...
          const m = bare.match(/^(\p{Script=Han}{2})(科技|电子|贸易|物流|医疗|食品|新能|化工|机械|软件|供应)/u);
          if (m) terms.set(`${m[1]}${m[2].slice(0, 1)}`, 'three-char'); // 华信科, 云帆电 ...
        }
        const mob = cont.mobiles[liveContact()];
        if (mob) terms.set(mob.replace(/\D/g, '').slice(-4), 'phone-4');
      }
    }
    const contacts: Array<{ id: number; companyId: number | null; ownerId: number }> = [];
    for (let j = 0; j < 500 && cont.count; j++) {
      const i = liveContact();
      contacts.push({ id: i + 1, companyId: cont.company[i] || null, ownerId: cont.owner[i] });
    }
    const companies: number[] = [];
    for (let j = 0; j < 200 && comp.count; j++) companies.push(liveCompany() + 1);
    const byOwner = new Map<number, number>();
    for (let i = 0; i < cont.count; i++) byOwner.set(cont.owner[i], (byOwner.get(cont.owner[i]) ?? 0) + 1);
    const topOwners = [...byOwner.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map((e) => e[0]);
    // And for the owners with the largest books, a hundred of their own contacts each (a rep logs
    // activities with their own customers).
    const wanted = new Map(topOwners.slice(0, 20).map((o) => [o, 0]));
    for (let i = 0; i < cont.count; i++) {
      const o = cont.owner[i];
      const got = wanted.get(o);
      if (got === undefined || got >= 100 || cont.deleted[i]) continue;
      wanted.set(o, got + 1);
      contacts.push({ id: i + 1, companyId: cont.company[i] || null, ownerId: o });
    }
    ctx.refs.samples = { ...ctx.refs.samples, searchTerms: [...terms.entries()].map(([q, kind]) => ({ q, kind })), contacts, companies, topOwners };
    return [{ table: 'search_grams', rows }];
  },
};
export default searchIndex;
