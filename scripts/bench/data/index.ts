// The registry of bench table generators and their dependency order. A feature issue adds its
// generator module (companies.ts, contacts.ts ...) to GENERATORS; the order is worked out here.
import type { TableGenerator } from './types';
import teams from './teams';
import users from './users';
import setup from './setup';
import companies from './companies';
import contacts from './contacts';
import activities from './activities';
import tags from './tags';
import searchIndex from './search-index';
import deals from './deals';
import leads from './leads';

export const GENERATORS: readonly TableGenerator[] = [teams, users, setup, companies, contacts, activities, tags, searchIndex, deals, leads];

/** Generators in an order where each comes after everything it depends on (stable otherwise). */
export function inDependencyOrder(generators: readonly TableGenerator[] = GENERATORS): TableGenerator[] {
  const byName = new Map(generators.map((g) => [g.name, g]));
  if (byName.size !== generators.length) throw new Error('two bench generators share a name');
  const ordered: TableGenerator[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (g: TableGenerator, chain: string[]) => {
    const s = state.get(g.name);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`bench generators depend on each other in a cycle: ${[...chain, g.name].join(' -> ')}`);
    state.set(g.name, 'visiting');
    for (const dep of g.dependsOn) {
      const d = byName.get(dep);
      if (!d) throw new Error(`bench generator ${g.name} depends on unknown generator ${dep}`);
      visit(d, [...chain, g.name]);
    }
    state.set(g.name, 'done');
    ordered.push(g);
  };
  for (const g of generators) visit(g, []);
  const tables = new Map<string, string>();
  for (const g of ordered) {
    for (const t of g.tables) {
      if (tables.has(t)) throw new Error(`table ${t} is filled by both ${tables.get(t)} and ${g.name}`);
      tables.set(t, g.name);
    }
  }
  return ordered;
}
