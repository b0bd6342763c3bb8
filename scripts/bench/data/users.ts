// Bench generator for users and their team memberships: 1-2 administrators in head office, a few
// auditors in finance, support staff in customer success, a manager heading each region and each
// sales team, and sales reps spread over the sales teams with a realistic skew (a few big teams,
// many small). Everyone shares the bench password, hashed once by the framework.
import { sortKey } from '../../../src/lib/text';
import { personName, skewedSizes, workEmail, type PersonName } from './common';
import type { GenContext, RoleKey, Row, TableGenerator, TeamRef, UserRef } from './types';

const DAY = 24 * 3600 * 1000;
const YEAR = 365 * DAY;

interface Draft {
  person: PersonName;
  role: RoleKey;
  teamIds: number[];
  active: boolean;
  hasPassword: boolean;
  createdAt: number;
}

export function roleCounts(users: number, salesTeams: number, regions: number): Record<RoleKey, number> {
  const admin = users < 50 ? 1 : 2;
  const auditor = Math.max(1, Math.round(users * 0.01));
  const support = Math.max(1, Math.round(users * 0.06));
  const manager = Math.min(regions + salesTeams, Math.max(1, Math.floor(users * 0.2)));
  const sales = users - admin - auditor - support - manager;
  if (sales < salesTeams) throw new Error(`--users ${users} is too few for the team tree (need at least ${admin + auditor + support + manager + salesTeams})`);
  return { admin, manager, sales, support, auditor };
}

function generate(ctx: GenContext) {
  const { rng, now } = ctx;
  const total = ctx.scale.users;
  const teams = ctx.refs.teams;
  const company = ctx.refs.company;
  if (!teams || !company) throw new Error('the users generator needs the teams generator first');
  const byKind = (kind: TeamRef['kind']) => teams.filter((t) => t.kind === kind);
  const office = byKind('office')[0];
  const support = byKind('support')[0];
  const finance = byKind('finance')[0];
  const regions = byKind('region');
  const sales = byKind('sales');
  const counts = roleCounts(total, sales.length, regions.length);

  const founded = now.getTime() - 3 * YEAR;
  const hired = () => rng.next() * (now.getTime() - 7 * DAY - founded - DAY) + founded + DAY;
  const drafts: Draft[] = [];
  const add = (role: RoleKey, teamIds: number[], options: Partial<Draft> = {}) =>
    drafts.push({ person: personName(rng), role, teamIds, active: true, hasPassword: true, createdAt: hired(), ...options });

  // The administrator who set Kehu up is the first user; a second one joins later.
  for (let i = 0; i < counts.admin; i++) add('admin', [office.id], i === 0 ? { createdAt: founded } : {});
  for (let i = 0; i < counts.auditor; i++) add('auditor', [finance.id]);
  for (let i = 0; i < counts.support; i++) add('support', [support.id], { hasPassword: !rng.chance(0.03) });

  // Managers: region heads first, then a lead for each sales team (as many as the count allows).
  const managed = [...regions, ...sales].slice(0, counts.manager);
  for (const team of managed) add('manager', [team.id]);
  for (let i = managed.length; i < counts.manager; i++) add('manager', [rng.pick(sales).id]);

  // Sales reps: skewed team sizes; some also belong to a second team in the same region.
  const sizes = skewedSizes(rng, sales.length, counts.sales, { s: 0.9, min: 1 });
  sales.forEach((team, i) => {
    const neighbours = sales.filter((t) => t.region === team.region && t.id !== team.id);
    for (let k = 0; k < sizes[i]; k++) {
      const teamIds = neighbours.length && rng.chance(0.05) ? [team.id, rng.pick(neighbours).id] : [team.id];
      const hasPassword = !rng.chance(0.03); // invited, has not chosen a password yet
      add('sales', teamIds, { active: !rng.chance(0.04), hasPassword });
    }
  });

  // Ids follow the order people joined, as they would in a real install.
  const order = drafts.map((d, i) => ({ d, i })).sort((a, b) => a.d.createdAt - b.d.createdAt || a.i - b.i).map((x) => x.d);
  const taken = new Map<string, number>();
  const sortKeys = new Map<string, string>();
  const userRows: Row[] = [];
  const memberRows: Row[] = [];
  const refs: UserRef[] = [];
  const nowMs = now.getTime();
  order.forEach((d, index) => {
    const id = index + 1;
    const email = workEmail(d.person, company.domain, taken);
    const createdAt = new Date(d.createdAt).toISOString();
    let nameSort = sortKeys.get(d.person.name);
    if (nameSort === undefined) {
      nameSort = sortKey(d.person.name, { surname: true });
      sortKeys.set(d.person.name, nameSort);
    }
    let lastSignIn: string | null = null;
    if (d.hasPassword) {
      const r = rng.next();
      const span = r < 0.8 ? 3 * DAY : r < 0.92 ? 30 * DAY : r < 0.98 ? 180 * DAY : 0;
      if (span) lastSignIn = rng.isoBetween(Math.max(d.createdAt, nowMs - span), nowMs);
    }
    const locale = d.person.style === 'en' ? (rng.chance(0.7) ? 'en' : null) : d.person.style === 'en-zh' ? (rng.chance(0.2) ? 'en' : null) : rng.chance(0.02) ? 'en' : null;
    const edited = rng.chance(0.3);
    const updatedAt = !d.active ? rng.isoBetween(d.createdAt, nowMs) : edited ? rng.isoBetween(d.createdAt, nowMs) : createdAt;
    const by = id === 1 ? null : 1;
    userRows.push({
      id,
      email,
      name: d.person.name,
      name_sort: nameSort,
      password_hash: d.hasPassword ? ctx.passwordHash : null,
      locale,
      role_id: ctx.roleIds[d.role],
      primary_team_id: d.teamIds[0] ?? null,
      active: d.active,
      last_sign_in_at: lastSignIn,
      password_changed_at: d.hasPassword ? createdAt : null,
      created_at: createdAt,
      created_by: by,
      updated_at: updatedAt,
      updated_by: by,
      version: 1 + (edited ? rng.int(1, 4) : 0) + (d.active ? 0 : 1),
    });
    for (const teamId of d.teamIds) memberRows.push({ user_id: id, team_id: teamId });
    refs.push({ id, email, name: d.person.name, role: d.role, teamIds: d.teamIds, primaryTeamId: d.teamIds[0] ?? null, active: d.active, hasPassword: d.hasPassword, locale, createdAt });
  });

  ctx.refs.users = refs;
  return [
    { table: 'users', rows: userRows },
    { table: 'user_teams', rows: memberRows },
  ];
}

const users: TableGenerator = {
  name: 'users',
  summary: 'users with roles (admin, manager, sales, support, auditor) and their team memberships',
  tables: ['users', 'user_teams'],
  dependsOn: ['teams'],
  generate,
};
export default users;
