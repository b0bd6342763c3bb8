// Leads: the shared record life (records/record-service.ts) plus intake and routing (a lead that
// matches an existing contact goes to its owner; otherwise the first matching rule: one user,
// round-robin in a team with the cursor on the rule row claimed in the same transaction, or the
// least-loaded rep; then the fallback owner), scoring (field rules and decaying behaviour
// points, the reasons kept with the score), grouping by normalised company name, merging, and
// conversion into a company, contact and deal in one transaction.
import type { Knex } from 'knex';
import type { Core } from '../../core';
import { BUILTIN_ROLES } from '../../access/catalog';
import { requirePermission, scopeQuery, SYSTEM_ACTOR_BASE, type Actor } from '../../access/scope';
import { diff } from '../../audit/writer';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors';
import { DAY } from '../../lib/time';
import { bigrams, companyKey, emailKey, reversedDigits, sortKey } from '../../lib/text';
import { validate } from '../../lib/validate';
import { shortCache } from '../../lib/short-cache';
import { exec, valueRows } from '../records/statements';
import { createRecordService, type RecordRow } from '../records/record-service';
import { checkVersion, findInScope, requireAction, updateAtVersion } from '../records/scoped';
import { repointParent } from '../records/links';
import type { CompaniesService } from '../companies';
import type { ContactsService } from '../contacts';
import type { DealsService } from '../deals';
import type { NotificationsService } from '../notifications';
import type { TasksService } from '../tasks';
import type { SettingsService } from '../settings';
import {
  cadencesSchema, convertSchema, LEAD_AUDIT_FIELDS, LEAD_COLUMNS, leadCreateSchema, leadSettingsSchema, leadsListSpec, leadUpdateSchema, mergeSchema, routingRuleSchema, routingRuleUpdateSchema, scoringRuleSchema,
} from './leads.schemas';

export interface Condition { field: string; op: string; value?: string | null }
export interface RoutingRule { id: number; position: number; name: string; conditions: Condition[]; action: 'user' | 'round_robin' | 'least_loaded'; user_id: number | null; team_id: number | null; rr_last_user_id: number | null; active: boolean; version: number }
export interface ScoringRule { id: number; kind: 'field' | 'behaviour'; label: string; field: string | null; op: string | null; value: string | null; activity_type: string | null; points: number; half_life_days: number | null; active: boolean; version: number }
export interface ScoreReason { rule_id: number; label: string; points: number }
export interface LeadSettings { fallback_user_id: number | null; per_address_per_hour: number; global_per_minute: number; over_limit: 'quarantine' | 'refuse'; thank_you_text: string | null; version: number }

/** Free mail providers: an address there is not a company email. */
const FREE_MAIL = new Set(['qq.com', '163.com', '126.com', 'sina.com', 'sohu.com', 'gmail.com', 'outlook.com', 'hotmail.com', 'yahoo.com', 'foxmail.com', 'aliyun.com', 'icloud.com', '139.com', 'yeah.net']);

const OPEN_STATUSES = ['new', 'contacted'];

/** How long the settings and active rules are kept between reads (cachedSettings). */
const RULES_TTL_MS = 2000;

interface Owner { owner_id: number; team_id: number | null }
const teamOf = (id: unknown): number | null => (id === null || id === undefined ? null : Number(id));

/** The live contact, with an active owner, whose phone or email a new lead gives (route). */
const CONTACT_OF_LEAD = `select contacts.id, contacts.owner_id, users.primary_team_id from contacts join users on users.id = contacts.owner_id
  where contacts.deleted_at is null and users.active = ? and (contacts.mobile_rev = ? or contacts.phone_rev = ? or contacts.email_key = ?)
  order by contacts.id limit 1`;

/** A web submission's lead: one fixed statement (intakeWeb). */
const INSERT_WEB_LEAD = `insert into leads (name, name_sort, company_name, company_key, phone, phone_rev, email, email_key, source, message, region, industry,
  consent, consent_at, consent_text, score, score_reasons, routed_by, owner_id, team_id, created_at, created_by, updated_at, updated_by, version)
  values (${new Array(25).fill('?').join(', ')}) returning id`;

/** Does a lead's field meet a condition? */
export function matches(lead: Record<string, unknown>, c: Condition): boolean {
  const raw = lead[c.field];
  const v = raw === null || raw === undefined ? '' : String(raw).trim();
  const want = (c.value ?? '').trim();
  switch (c.op) {
    case 'present': return v !== '';
    case 'company_email': {
      const domain = v.toLowerCase().split('@')[1];
      return Boolean(domain) && !FREE_MAIL.has(domain);
    }
    case 'in': return want.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean).includes(v.toLowerCase());
    case 'contains': return want !== '' && v.toLowerCase().includes(want.toLowerCase());
    default: return v.toLowerCase() === want.toLowerCase();
  }
}

export function createLeadsService(core: Core, deps: { companies: CompaniesService; contacts: ContactsService; deals: DealsService; notifications: NotificationsService; tasks: TasksService; settings: SettingsService }) {
  const { knex } = core.db;
  const now = () => core.clock.now().toISOString();
  const stamps = (actor: Actor) => ({ created_at: now(), created_by: actor.userId, updated_at: now(), updated_by: actor.userId, version: 1 });

  /** The stored columns that follow from a lead's fields (search keys, consent time). */
  function derive(input: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (typeof input.name === 'string') Object.assign(out, { name: input.name.trim(), name_sort: sortKey(input.name, { surname: true }) });
    if ('company_name' in input) out.company_key = input.company_name ? companyKey(String(input.company_name)) || null : null;
    if ('phone' in input) out.phone_rev = reversedDigits(input.phone as string | null);
    if ('email' in input) out.email_key = emailKey(input.email as string | null);
    if (input.consent === true) out.consent_at = now();
    if (input.consent === false) out.consent_at = null;
    if (input.status && input.status !== 'disqualified') out.disqualified_reason = null;
    return out;
  }

  const records = createRecordService(core, {
    type: 'leads',
    listSpec: leadsListSpec,
    columns: LEAD_COLUMNS,
    createSchema: leadCreateSchema,
    updateSchema: leadUpdateSchema,
    auditFields: LEAD_AUDIT_FIELDS,
    derive,
    adjustUpdate(changes, before, input) {
      if (input.consent === true && before.consent === true) changes.consent_at = before.consent_at;
      if (input.status === 'disqualified' && !input.disqualified_reason && !before.disqualified_reason) throw ValidationError.field('disqualified_reason', 'required', 'say why the lead is disqualified');
    },
    searchNames: (row) => [row.name as string, row.company_name as string | null],
    async findDuplicates() {
      return [];
    },
    afterWrite: (db, id) => rescoreIn(db, id),
    async detachChildren(db, id) {
      await db('leads').where({ merged_into_id: id }).update({ merged_into_id: null });
      await db('lead_submissions').where({ lead_id: id }).update({ lead_id: null });
    },
  });

  // ---- settings and rules ----

  async function settings(db: Knex = knex): Promise<LeadSettings> {
    const row = await db('lead_settings').where({ id: 1 }).first();
    return { fallback_user_id: row.fallback_user_id ?? null, per_address_per_hour: Number(row.per_address_per_hour), global_per_minute: Number(row.global_per_minute), over_limit: row.over_limit, thank_you_text: row.thank_you_text ?? null, version: Number(row.version) };
  }

  const ruleOut = (r: Record<string, unknown>): RoutingRule => {
    const x = core.db.rows.one<Record<string, unknown>>('lead_routing_rules', r);
    return { id: x.id as number, position: x.position as number, name: x.name as string, conditions: (x.conditions as Condition[]) ?? [], action: x.action as RoutingRule['action'], user_id: (x.user_id as number) ?? null, team_id: (x.team_id as number) ?? null, rr_last_user_id: (x.rr_last_user_id as number) ?? null, active: Boolean(x.active), version: x.version as number };
  };
  const scoringOut = (r: Record<string, unknown>): ScoringRule => {
    const x = core.db.rows.one<Record<string, unknown>>('lead_scoring_rules', r);
    return { id: x.id as number, kind: x.kind as ScoringRule['kind'], label: x.label as string, field: (x.field as string) ?? null, op: (x.op as string) ?? null, value: (x.value as string) ?? null, activity_type: (x.activity_type as string) ?? null, points: x.points as number, half_life_days: (x.half_life_days as number) ?? null, active: Boolean(x.active), version: x.version as number };
  };

  // Every intake reads the settings and the active rules; they change a few times a year. Kept for
  // RULES_TTL_MS, cleared by this process's own changes (after their commit), so another process
  // sees an admin's change within two seconds. Loaded with the caller's connection (a transaction's
  // own on Postgres, never a second one from the pool while holding the first). The round-robin
  // cursor is not part of it: nextInTurn reads it from the locked row.
  const cachedSettings = shortCache(RULES_TTL_MS, (db: Knex) => settings(db));
  const activeRouting = shortCache(RULES_TTL_MS, async (db: Knex) => (await db('lead_routing_rules').where({ active: true }).orderBy('position').orderBy('id')).map(ruleOut));
  const activeScoring = shortCache(RULES_TTL_MS, async (db: Knex) => (await db('lead_scoring_rules').where({ active: true }).orderBy('id')).map(scoringOut));
  const changed = () => {
    cachedSettings.clear();
    activeRouting.clear();
    activeScoring.clear();
  };
  /** An admin's change in a transaction, the caches cleared once it committed (or failed). */
  async function changing<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    try {
      return await knex.transaction(work);
    } finally {
      changed();
    }
  }

  async function activeUser(db: Knex, id: number | null | undefined): Promise<number | null> {
    return (await activeOwner(db, id))?.owner_id ?? null;
  }

  /** An active user as a record's owner, with the team the record counts for (their main team). */
  async function activeOwner(db: Knex, id: number | null | undefined): Promise<Owner | null> {
    if (!id) return null;
    const [u] = (await exec(db, 'select id, active, primary_team_id from users where id = ?', [id])).rows;
    return u && (u.active === true || u.active === 1) ? { owner_id: Number(u.id), team_id: teamOf(u.primary_team_id) } : null;
  }

  /** Active members of a team (and its sub-teams), by id. */
  async function members(db: Knex, teamId: number): Promise<number[]> {
    const team = await db('teams').where({ id: teamId }).first('path');
    if (!team) return [];
    const ids = await db('user_teams').join('teams', 'teams.id', 'user_teams.team_id').join('users', 'users.id', 'user_teams.user_id')
      .where('teams.path', 'like', `${team.path}%`).where('users.active', true).distinct('users.id').orderBy('users.id');
    return ids.map((r: { id: number }) => Number(r.id));
  }

  /**
   * Round-robin: the rule row is written first (a row lock on Postgres, the write lock on SQLite),
   * so two processes claiming at once take turns and each sees the other's cursor.
   */
  async function nextInTurn(trx: Knex.Transaction, rule: RoutingRule): Promise<number | null> {
    await trx('lead_routing_rules').where({ id: rule.id }).update({ rr_last_user_id: trx.raw('rr_last_user_id') });
    const fresh = await trx('lead_routing_rules').where({ id: rule.id }).first('rr_last_user_id');
    const team = rule.team_id ? await members(trx, rule.team_id) : [];
    if (!team.length) return null;
    const last = fresh?.rr_last_user_id ?? 0;
    const next = team.find((id) => id > last) ?? team[0];
    await trx('lead_routing_rules').where({ id: rule.id }).update({ rr_last_user_id: next });
    return next;
  }

  /** The rep with the fewest open leads (ties: the lowest id). */
  async function leastLoaded(db: Knex, rule: RoutingRule): Promise<number | null> {
    let candidates = rule.team_id ? await members(db, rule.team_id) : [];
    if (!rule.team_id) {
      candidates = (await db('users').join('roles', 'roles.id', 'users.role_id').where('roles.key', 'sales').where('users.active', true).orderBy('users.id').pluck('users.id')).map(Number);
    }
    if (!candidates.length) return null;
    const loads = new Map<number, number>(candidates.map((id) => [id, 0]));
    const rows = await db('leads').whereIn('owner_id', candidates).whereIn('status', OPEN_STATUSES).whereNull('deleted_at').groupBy('owner_id').select('owner_id').count({ n: '*' });
    for (const r of rows as Array<{ owner_id: number; n: number | string }>) loads.set(Number(r.owner_id), Number(r.n));
    return [...loads.entries()].sort((a, b) => a[1] - b[1] || a[0] - b[0])[0][0];
  }

  /** Who a new lead goes to, and why (with the owner's main team, which the lead counts for). */
  async function route(trx: Knex.Transaction, lead: Record<string, unknown>): Promise<Owner & { routed_by: string }> {
    const phone = reversedDigits(lead.phone as string | null);
    const email = emailKey(lead.email as string | null);
    const byPhone = phone && phone.length >= 7 ? phone : null;
    if (byPhone || email) {
      // A fixed statement (every intake runs it): an absent key is null, which matches nothing.
      const [contact] = (await exec(trx, CONTACT_OF_LEAD, [core.db.dialect === 'sqlite' ? 1 : true, byPhone, byPhone, email])).rows;
      if (contact) return { owner_id: Number(contact.owner_id), team_id: teamOf(contact.primary_team_id), routed_by: `contact:${contact.id}` };
    }
    for (const rule of await activeRouting.get(trx)) {
      if (!rule.conditions.every((c) => matches(lead, c))) continue;
      const owner = rule.action === 'user' ? await activeOwner(trx, rule.user_id) : await activeOwner(trx, rule.action === 'round_robin' ? await nextInTurn(trx, rule) : await leastLoaded(trx, rule));
      if (owner) return { ...owner, routed_by: `rule:${rule.id}` };
    }
    const fallback = await activeOwner(trx, (await cachedSettings.get(trx)).fallback_user_id);
    if (fallback) return { ...fallback, routed_by: 'fallback' };
    const admin = await trx('users').join('roles', 'roles.id', 'users.role_id').where('roles.key', 'admin').where('users.active', true).orderBy('users.id').first('users.id', 'users.primary_team_id');
    if (!admin) throw new ConflictError('no one can take the lead: set a fallback owner', null, 'no_owner');
    return { owner_id: Number(admin.id), team_id: teamOf(admin.primary_team_id), routed_by: 'fallback' };
  }

  // ---- scoring ----

  async function computeScore(db: Knex, lead: Record<string, unknown>): Promise<{ score: number; reasons: ScoreReason[] }> {
    const rules = await activeScoring.get(db);
    const reasons: ScoreReason[] = [];
    const behaviour = rules.filter((r) => r.kind === 'behaviour');
    const acts = behaviour.length && lead.id
      ? await db('record_links').join('activities', 'activities.id', 'record_links.child_id')
        .where({ 'record_links.parent_type': 'leads', 'record_links.parent_id': lead.id, 'record_links.child_type': 'activities' }).whereNull('activities.deleted_at')
        .select('activities.type', 'activities.occurred_at')
      : [];
    const nowMs = core.clock.now().getTime();
    for (const rule of rules) {
      if (rule.kind === 'field') {
        if (rule.field && matches(lead, { field: rule.field, op: rule.op ?? 'eq', value: rule.value })) reasons.push({ rule_id: rule.id, label: rule.label, points: rule.points });
        continue;
      }
      let points = 0;
      for (const a of acts as Array<{ type: string; occurred_at: string }>) {
        if (rule.activity_type && a.type !== rule.activity_type) continue;
        const ageDays = Math.max(0, (nowMs - new Date(a.occurred_at).getTime()) / DAY);
        points += rule.half_life_days ? rule.points * 0.5 ** (ageDays / rule.half_life_days) : rule.points;
      }
      if (acts.length && points !== 0) reasons.push({ rule_id: rule.id, label: rule.label, points: Math.round(points) });
    }
    return { score: reasons.reduce((n, r) => n + r.points, 0), reasons };
  }

  async function rescoreIn(db: Knex, id: number): Promise<void> {
    const row = await db('leads').where({ id }).first();
    if (!row) return;
    const { score, reasons } = await computeScore(db, row);
    await db('leads').where({ id }).update({ score, score_reasons: JSON.stringify(reasons) });
  }

  /** The actor routing acts as: the rules decide the owner, so no assign permission is needed from the submitter. */
  const routingActor = (actor: Actor): Actor => ({
    ...actor,
    permissions: { ...actor.permissions, resources: { ...actor.permissions.resources, leads: { ...(actor.permissions.resources.leads ?? {}), create: 'all', read: 'all', assign: 'all' } } },
  });

  /** A new lead, routed (unless an owner is given), scored and its owner notified; one transaction. */
  async function intake(actor: Actor, input: Record<string, unknown>, within?: Knex.Transaction): Promise<RecordRow> {
    const { route: doRoute, ...fields } = input as Record<string, unknown> & { route?: boolean };
    const run = async (trx: Knex.Transaction) => {
      // SQLite: write first, so this transaction holds the write lock before it reads (a deferred
      // transaction that reads and then writes fails at once when another process wrote meanwhile).
      if (core.db.dialect === 'sqlite') await trx('lead_settings').where({ id: 1 }).update({ id: 1 });
      let routedBy: string | null = null;
      let creator = actor;
      if (fields.owner_id === undefined && doRoute !== false) {
        const routed = await route(trx, fields);
        fields.owner_id = routed.owner_id;
        routedBy = routed.routed_by;
        creator = routingActor(actor);
      }
      const lead = await records.create(creator, { source: 'api', ...fields }, trx);
      if (routedBy) await trx('leads').where({ id: lead.id }).update({ routed_by: routedBy });
      if (lead.owner_id !== actor.userId) await deps.notifications.notify(trx, lead.owner_id, { kind: 'lead_assigned', title: String(lead.name), recordType: 'leads', recordId: lead.id });
      return lead.id;
    };
    const id = within ? await run(within) : await knex.transaction(run);
    const row = await (within ?? knex)('leads').where({ id }).first(LEAD_COLUMNS);
    return core.db.rows.one<RecordRow>('leads', row);
  }

  /**
   * A web-to-lead submission as a lead, in the caller's transaction: what intake() does for it
   * (routing, score and reasons, search grams, the audit entry, the owner's notification) with the
   * lead written by one fixed statement that carries the owner's team, `routed_by`, the consent
   * wording and the score. Through intake() the same lead took three updates after its insert, a
   * read-back for the audit entry and another after the commit, an owner lookup and the rules read
   * on every submission: ~22 statements, now ~8. The input is validated by the caller
   * (validateWebIntake) before its transaction. A new lead has no activities, so only field rules
   * can score it, on the row as the database would give it back (see rescoreIn).
   */
  async function intakeWeb(trx: Knex.Transaction, ip: string, input: Record<string, unknown>, consentText: string | null): Promise<number> {
    const routed = await route(trx, input);
    const stored = { ...input, ...derive(input) } as Record<string, unknown> & { name: string };
    const sqlite = core.db.dialect === 'sqlite';
    const consent = stored.consent === true;
    const at = now();
    const asRead = { ...stored, status: 'new', score: 0, consent: sqlite ? Number(consent) : consent, owner_id: routed.owner_id, team_id: routed.team_id, created_at: at, updated_at: at, version: 1 };
    const { score, reasons } = await computeScore(trx, asRead);
    const values = [
      stored.name, stored.name_sort, stored.company_name ?? null, stored.company_key ?? null, stored.phone ?? null, stored.phone_rev ?? null, stored.email ?? null, stored.email_key ?? null,
      stored.source, stored.message ?? null, stored.region ?? null, stored.industry ?? null, sqlite ? Number(consent) : consent, stored.consent_at ?? null, consent && consentText ? consentText : null,
      score, JSON.stringify(reasons), routed.routed_by, routed.owner_id, routed.team_id, at, null, at, null, 1,
    ];
    const { rows } = await exec(trx, INSERT_WEB_LEAD, values);
    const id = Number(rows[0].id);
    const grams = new Set<string>();
    for (const name of [stored.name, stored.company_name as string | null]) if (name) for (const g of bigrams(name)) grams.add(g);
    if (grams.size) await exec(trx, `insert into search_grams (gram, record_type, record_id) values ${valueRows(grams.size, 3)}`, [...grams].flatMap((g) => [g, 'leads', id]));
    const system = webActor(ip);
    // The entry intake() wrote: the audited fields as read back (nulls drop out of the diff), no tags.
    const created: Record<string, unknown> = { ...Object.fromEntries(LEAD_AUDIT_FIELDS.map((f) => [f, stored[f] ?? null])), status: 'new', consent, tag_ids: [], owner_id: routed.owner_id };
    await core.audit.record(trx, system, { action: 'create', recordType: 'leads', recordId: id, changes: diff(null, created) });
    await deps.notifications.notify(trx, routed.owner_id, { kind: 'lead_assigned', title: stored.name, recordType: 'leads', recordId: id });
    return id;
  }

  const webActor = (ip: string): Actor => ({ ...SYSTEM_ACTOR_BASE, teamPaths: [], teamIds: [], sharedTypes: [], permissions: BUILTIN_ROLES.admin.permissions, locale: 'zh-CN', ip, userAgent: 'web-to-lead' } as Actor);

  return {
    type: 'leads' as const,
    list: records.list,
    get: records.get,
    remove: records.remove,
    restore: records.restore,
    bulk: records.bulk,
    purgeTrash: records.purgeTrash,
    names: records.names,
    requireUpdatable: records.requireUpdatable,
    settings: () => settings(),
    /** The settings as the public form uses them: kept for up to two seconds (see cachedSettings). */
    formSettings: () => cachedSettings.get(knex),
    matches,

    async create(actor: Actor, input: Record<string, unknown>): Promise<RecordRow> {
      requirePermission(actor, 'leads', 'create');
      validate(leadCreateSchema, input);
      return intake(actor, input);
    },

    /** A web submission's lead fields, checked as a created lead's are (before any transaction). */
    validateWebIntake(input: Record<string, unknown>): void {
      validate(leadCreateSchema, input);
    },

    /** Web-to-lead (a submission, or a held one released): the system actor with the submitter's address. */
    intakeFromWeb: intakeWeb,

    update: records.update,

    async rescore(actor: Actor, id: number): Promise<RecordRow> {
      requirePermission(actor, 'leads', 'read');
      await findInScope(knex, actor, 'leads', id, ['leads.id']);
      await rescoreIn(knex, id);
      return records.get(actor, id);
    },

    /** Every live lead rescored (behaviour points decay with time): the nightly job. */
    async rescoreAll(): Promise<number> {
      let n = 0;
      let after = 0;
      for (;;) {
        const ids = (await knex('leads').whereNull('deleted_at').whereNull('converted_at').where('id', '>', after).orderBy('id').limit(500).pluck('id')).map(Number);
        if (!ids.length) return n;
        for (const id of ids) await rescoreIn(knex, id);
        n += ids.length;
        after = ids[ids.length - 1];
      }
    },

    /** Leads of one normalised company name, two or more, that the actor may see. */
    async groups(actor: Actor): Promise<Array<{ company_key: string; company_name: string; count: number; lead_ids: number[] }>> {
      requirePermission(actor, 'leads', 'read');
      const qb = knex('leads').whereNull('leads.deleted_at').whereNull('leads.merged_into_id').whereNull('leads.converted_at').whereNotNull('leads.company_key');
      scopeQuery(knex, qb, actor, 'leads', 'read');
      const rows = await qb.select('leads.id', 'leads.company_key', 'leads.company_name').orderBy('leads.company_key').orderBy('leads.id').limit(5000);
      const out = new Map<string, { company_key: string; company_name: string; count: number; lead_ids: number[] }>();
      for (const r of rows as Array<{ id: number; company_key: string; company_name: string }>) {
        const g = out.get(r.company_key) ?? { company_key: r.company_key, company_name: r.company_name, count: 0, lead_ids: [] };
        g.count += 1;
        g.lead_ids.push(Number(r.id));
        out.set(r.company_key, g);
      }
      return [...out.values()].filter((g) => g.count > 1);
    },

    /** Other live, open leads the actor sees with the same normalised company name as this one. */
    async sameCompany(actor: Actor, id: number): Promise<number[]> {
      requirePermission(actor, 'leads', 'read');
      const lead = await findInScope(knex, actor, 'leads', id, ['leads.company_key', 'leads.converted_at']);
      if (!lead.company_key || lead.converted_at) return [];
      const qb = knex('leads').where('leads.company_key', lead.company_key).whereNot('leads.id', id).whereNull('leads.deleted_at').whereNull('leads.converted_at');
      scopeQuery(knex, qb, actor, 'leads', 'read');
      return (await qb.orderBy('leads.id').limit(20).pluck('leads.id')).map(Number);
    },

    /** Merges `mergeId` into `keepId`: empty fields filled, messages joined, activities moved; the other lead goes to the trash pointing at the kept one. */
    async merge(actor: Actor, keepId: number, input: { merge_id: number }): Promise<RecordRow> {
      requirePermission(actor, 'leads', 'update');
      validate(mergeSchema, input);
      if (keepId === input.merge_id) throw ValidationError.field('merge_id', 'enum', 'is the same lead');
      await knex.transaction(async (trx) => {
        const keep = await findInScope(trx, actor, 'leads', keepId, LEAD_COLUMNS.map((c) => `leads.${c}`));
        const other = await findInScope(trx, actor, 'leads', input.merge_id, LEAD_COLUMNS.map((c) => `leads.${c}`));
        await requireAction(trx, actor, 'leads', 'update', keepId);
        await requireAction(trx, actor, 'leads', 'delete', input.merge_id);
        const fill: Record<string, unknown> = {};
        for (const f of ['company_name', 'phone', 'email', 'region', 'industry', 'size_band']) if (!keep[f] && other[f]) fill[f] = other[f];
        if (other.message) fill.message = keep.message ? `${keep.message}\n\n---\n${other.message}` : other.message;
        if (fill.company_name) fill.company_key = companyKey(String(fill.company_name));
        if (fill.phone) fill.phone_rev = reversedDigits(String(fill.phone));
        if (fill.email) fill.email_key = emailKey(String(fill.email));
        const at = now();
        await updateAtVersion(trx, 'leads', keepId, Number(keep.version), { ...fill, updated_at: at, updated_by: actor.userId });
        await repointParent(trx, 'leads', input.merge_id, keepId);
        await trx('search_grams').where({ record_type: 'leads', record_id: input.merge_id }).delete();
        await updateAtVersion(trx, 'leads', input.merge_id, Number(other.version), { merged_into_id: keepId, deleted_at: at, deleted_by: actor.userId, updated_at: at, updated_by: actor.userId });
        await rescoreIn(trx, keepId);
        await core.audit.record(trx, actor, { action: 'merge', recordType: 'leads', recordId: keepId, changes: diff(Object.fromEntries(Object.keys(fill).map((k) => [k, keep[k] ?? null])), fill) });
        await core.audit.record(trx, actor, { action: 'merged_into', recordType: 'leads', recordId: input.merge_id, changes: diff({ merged_into_id: null }, { merged_into_id: keepId }) });
      });
      return records.get(actor, keepId);
    },

    /**
     * Qualifies a lead: a company (an existing one, or new with the duplicate check), a contact at
     * it and (unless told not to) a deal, all in one transaction with the lead marked qualified and
     * linked to what it became. Any refusal leaves nothing behind.
     */
    async convert(actor: Actor, id: number, input: { company_id?: number; allow_duplicate?: boolean; create_deal?: boolean; deal?: Record<string, unknown> }, hooks: { beforeDeal?: () => Promise<void> } = {}): Promise<RecordRow> {
      requirePermission(actor, 'leads', 'update');
      validate(convertSchema, input);
      const pipelineDefault = input.create_deal === false ? null : await knex('pipelines').orderBy('is_default', 'desc').orderBy('position').first('id');
      const currency = (await deps.settings.company()).currency ?? 'CNY';
      await knex.transaction(async (trx) => {
        const lead = await findInScope(trx, actor, 'leads', id, LEAD_COLUMNS.map((c) => `leads.${c}`));
        await requireAction(trx, actor, 'leads', 'update', id);
        if (lead.converted_at) throw new ConflictError('the lead is converted already', { company_id: lead.converted_company_id, contact_id: lead.converted_contact_id, deal_id: lead.converted_deal_id }, 'converted');
        let companyId = input.company_id ?? null;
        if (!companyId) {
          const company = await deps.companies.create(actor, { name: String(lead.company_name || lead.name), phone: lead.phone ?? null, owner_id: lead.owner_id, ...(input.allow_duplicate ? { allow_duplicate: true } : {}) }, trx);
          companyId = company.id;
        }
        const contact = await deps.contacts.create(actor, { name: String(lead.name), company_id: companyId, mobile: lead.phone ?? null, email: lead.email ?? null, owner_id: lead.owner_id, allow_duplicate: true, ...(lead.consent ? { consent: true } : {}) }, trx);
        await hooks.beforeDeal?.();
        let dealId: number | null = null;
        if (input.create_deal !== false) {
          const deal = await deps.deals.createWithin(trx, actor, {
            name: String(input.deal?.name ?? `${lead.company_name || lead.name}`),
            company_id: companyId,
            contact_ids: [contact.id],
            source_lead_id: id,
            owner_id: lead.owner_id,
            pipeline_id: (input.deal?.pipeline_id as number | undefined) ?? Number(pipelineDefault?.id),
            currency,
            ...(input.deal?.amount !== undefined ? { amount: input.deal.amount } : {}),
            ...(input.deal?.stage_id ? { stage_id: input.deal.stage_id } : {}),
            ...(input.deal?.expected_close_date !== undefined ? { expected_close_date: input.deal.expected_close_date } : {}),
          });
          dealId = deal.id;
        }
        const at = now();
        const changes = { status: 'qualified', converted_at: at, converted_company_id: companyId, converted_contact_id: contact.id, converted_deal_id: dealId };
        await updateAtVersion(trx, 'leads', id, Number(lead.version), { ...changes, updated_at: at, updated_by: actor.userId });
        await core.audit.record(trx, actor, { action: 'convert', recordType: 'leads', recordId: id, changes: diff({ status: lead.status, converted_company_id: null, converted_contact_id: null, converted_deal_id: null }, { status: 'qualified', converted_company_id: companyId, converted_contact_id: contact.id, converted_deal_id: dealId }) });
      });
      return records.get(actor, id);
    },

    // ---- follow-up cadence ----

    /**
     * Follow-up tasks by score band: a live, open lead in a band gets a task when it has fewer
     * open-or-recent follow-ups than the band's touches within its period. The job's body.
     */
    async runCadence(): Promise<number> {
      const bands = (await knex('lead_cadences').orderBy('min_score', 'desc')).map((b) => ({ band: String(b.band), min: Number(b.min_score), touches: Number(b.touches), days: Number(b.per_days) }));
      if (!bands.length) return 0;
      const system: Actor = { ...SYSTEM_ACTOR_BASE, teamPaths: [], teamIds: [], sharedTypes: [], permissions: BUILTIN_ROLES.admin.permissions, locale: 'zh-CN', ip: null, userAgent: 'job:leads.cadence' } as Actor;
      const nowMs = core.clock.now().getTime();
      let made = 0;
      let after = 0;
      for (;;) {
        const leads = await knex('leads').whereNull('deleted_at').whereNull('converted_at').whereIn('status', OPEN_STATUSES).where('score', '>=', bands[bands.length - 1].min).where('id', '>', after).orderBy('id').limit(500).select('id', 'name', 'score', 'owner_id');
        if (!leads.length) return made;
        for (const lead of leads) {
          after = Number(lead.id);
          const band = bands.find((b) => Number(lead.score) >= b.min)!;
          const since = new Date(nowMs - band.days * DAY).toISOString();
          const recent = await knex('record_links').join('tasks', 'tasks.id', 'record_links.child_id')
            .where({ 'record_links.parent_type': 'leads', 'record_links.parent_id': lead.id, 'record_links.child_type': 'tasks' }).whereNull('tasks.deleted_at')
            .where('tasks.created_at', '>=', since).count({ n: '*' }).first();
          const have = Number(recent?.n ?? 0);
          if (have >= band.touches) continue;
          const gap = Math.floor((band.days * DAY) / band.touches);
          await deps.tasks.create(system, { title: `跟进线索 / Follow up: ${lead.name}`, due_at: new Date(nowMs + (have === 0 ? 0 : gap)).toISOString(), owner_id: Number(lead.owner_id), lead_id: Number(lead.id), priority: band.band === 'hot' ? 'high' : 'normal' } as Parameters<TasksService['create']>[1]);
          made += 1;
        }
      }
    },

    // ---- rules and settings (admins) ----

    async routingRules(actor: Actor): Promise<RoutingRule[]> {
      requirePermission(actor, 'pipelines', 'update');
      return (await knex('lead_routing_rules').orderBy('position').orderBy('id')).map(ruleOut);
    },

    async createRoutingRule(actor: Actor, input: Record<string, unknown>): Promise<RoutingRule> {
      requirePermission(actor, 'pipelines', 'update');
      validate(routingRuleSchema, input);
      if (input.action === 'user' && !input.user_id) throw ValidationError.field('user_id', 'required', 'name the user the leads go to');
      if (input.action === 'round_robin' && !input.team_id) throw ValidationError.field('team_id', 'required', 'name the team that takes turns');
      return changing(async (trx) => {
        const max = await trx('lead_routing_rules').max({ p: 'position' }).first();
        const [row] = await trx('lead_routing_rules').insert({
          name: input.name, conditions: JSON.stringify(input.conditions ?? []), action: input.action, user_id: input.user_id ?? null, team_id: input.team_id ?? null,
          position: input.position ?? Number(max?.p ?? 0) + 1, active: input.active ?? true, ...stamps(actor),
        }).returning('id');
        const id = Number(row.id ?? row);
        await core.audit.record(trx, actor, { action: 'create', recordType: 'lead_routing_rules', recordId: id, changes: diff(null, { name: input.name, action: input.action, conditions: input.conditions ?? [], user_id: input.user_id ?? null, team_id: input.team_id ?? null }) });
        return ruleOut(await trx('lead_routing_rules').where({ id }).first());
      });
    },

    /** Renames, reorders (position), switches off or changes a rule; send the version. */
    async updateRoutingRule(actor: Actor, id: number, patch: Record<string, unknown> & { version: number }): Promise<RoutingRule> {
      requirePermission(actor, 'pipelines', 'update');
      validate(routingRuleUpdateSchema, patch);
      return changing(async (trx) => {
        const row = await trx('lead_routing_rules').where({ id }).first();
        if (!row) throw new NotFoundError('routing rule');
        const before = ruleOut(row);
        checkVersion(before, patch.version, before);
        const { version: _v, conditions, ...rest } = patch;
        const after = { ...before, ...rest, ...(conditions !== undefined ? { conditions: conditions as Condition[] } : {}) };
        if (after.action === 'user' && !after.user_id) throw ValidationError.field('user_id', 'required', 'name the user the leads go to');
        if (after.action === 'round_robin' && !after.team_id) throw ValidationError.field('team_id', 'required', 'name the team that takes turns');
        await updateAtVersion(trx, 'lead_routing_rules', id, before.version, { ...rest, ...(conditions !== undefined ? { conditions: JSON.stringify(conditions) } : {}), updated_at: now(), updated_by: actor.userId });
        const fields = ['name', 'conditions', 'action', 'user_id', 'team_id', 'position', 'active'];
        await core.audit.record(trx, actor, { action: 'update', recordType: 'lead_routing_rules', recordId: id, changes: diff(before as never, after as never, fields) });
        return ruleOut(await trx('lead_routing_rules').where({ id }).first());
      });
    },

    async removeRoutingRule(actor: Actor, id: number): Promise<void> {
      requirePermission(actor, 'pipelines', 'update');
      await changing(async (trx) => {
        const before = await trx('lead_routing_rules').where({ id }).first();
        if (!before) throw new NotFoundError('routing rule');
        await trx('lead_routing_rules').where({ id }).delete();
        await core.audit.record(trx, actor, { action: 'delete', recordType: 'lead_routing_rules', recordId: id, changes: diff({ name: before.name }, { name: null }) });
      });
    },

    async scoringRules(actor: Actor): Promise<ScoringRule[]> {
      requirePermission(actor, 'pipelines', 'update');
      return (await knex('lead_scoring_rules').orderBy('id')).map(scoringOut);
    },

    async createScoringRule(actor: Actor, input: Record<string, unknown>): Promise<ScoringRule> {
      requirePermission(actor, 'pipelines', 'update');
      validate(scoringRuleSchema, input);
      if (input.kind === 'field' && !input.field) throw ValidationError.field('field', 'required', 'a field rule tests a field');
      return changing(async (trx) => {
        const [row] = await trx('lead_scoring_rules').insert({
          kind: input.kind, label: input.label, field: input.field ?? null, op: input.op ?? (input.kind === 'field' ? 'eq' : null), value: input.value ?? null,
          activity_type: input.activity_type ?? null, points: input.points, half_life_days: input.half_life_days ?? null, active: input.active ?? true, ...stamps(actor),
        }).returning('id');
        const id = Number(row.id ?? row);
        await core.audit.record(trx, actor, { action: 'create', recordType: 'lead_scoring_rules', recordId: id, changes: diff(null, { label: input.label, points: input.points }) });
        return scoringOut(await trx('lead_scoring_rules').where({ id }).first());
      });
    },

    async removeScoringRule(actor: Actor, id: number): Promise<void> {
      requirePermission(actor, 'pipelines', 'update');
      await changing(async (trx) => {
        const before = await trx('lead_scoring_rules').where({ id }).first();
        if (!before) throw new NotFoundError('scoring rule');
        await trx('lead_scoring_rules').where({ id }).delete();
        await core.audit.record(trx, actor, { action: 'delete', recordType: 'lead_scoring_rules', recordId: id, changes: diff({ label: before.label }, { label: null }) });
      });
    },

    async cadences(actor: Actor): Promise<Array<{ band: string; min_score: number; touches: number; per_days: number }>> {
      requirePermission(actor, 'pipelines', 'update');
      return (await knex('lead_cadences').orderBy('min_score', 'desc')).map((b) => ({ band: String(b.band), min_score: Number(b.min_score), touches: Number(b.touches), per_days: Number(b.per_days) }));
    },

    /** Replaces the score bands and their follow-up rhythm (hot: 2 touches in 7 days ...). */
    async setCadences(actor: Actor, input: { bands: Array<{ band: string; min_score: number; touches: number; per_days: number }> }) {
      requirePermission(actor, 'pipelines', 'update');
      validate(cadencesSchema, input);
      if (new Set(input.bands.map((b) => b.band)).size !== input.bands.length) throw ValidationError.field('bands', 'enum', 'each band once');
      await knex.transaction(async (trx) => {
        const before = await trx('lead_cadences').orderBy('min_score', 'desc').select('band', 'min_score', 'touches', 'per_days');
        await trx('lead_cadences').delete();
        if (input.bands.length) await trx('lead_cadences').insert(input.bands.map((b) => ({ ...b, ...stamps(actor) })));
        await core.audit.record(trx, actor, { action: 'update', recordType: 'lead_cadences', recordId: 1, changes: diff({ bands: before }, { bands: input.bands }) });
      });
      return this.cadences(actor);
    },

    async updateSettings(actor: Actor, patch: Partial<LeadSettings>): Promise<LeadSettings> {
      requirePermission(actor, 'pipelines', 'update');
      validate(leadSettingsSchema, patch);
      return changing(async (trx) => {
        const before = await settings(trx);
        if (patch.fallback_user_id && !(await activeUser(trx, patch.fallback_user_id))) throw ValidationError.field('fallback_user_id', 'exists', 'is not an active user');
        await trx('lead_settings').where({ id: 1 }).update({ ...patch, updated_at: now(), updated_by: actor.userId, version: before.version + 1 });
        const after = await settings(trx);
        await core.audit.record(trx, actor, { action: 'update', recordType: 'lead_settings', recordId: 1, changes: diff(before as never, after as never, ['fallback_user_id', 'per_address_per_hour', 'global_per_minute', 'over_limit', 'thank_you_text']) });
        return after;
      });
    },
  };
}
export type LeadsService = ReturnType<typeof createLeadsService>;
