// The shared life of a customer record (company, contact): list through the scope, read, create
// with a duplicate check, update against a version, soft delete to the trash, restore, bulk
// actions and merge. Each record type supplies its fields; the rules live here once.
import type { Knex } from 'knex';
import type { Core } from '../../core';
import { retryingConflicts } from '../../db/conflicts';
import { requirePermission, scope, scopeQuery, type Actor } from '../../access/scope';
import { isMaskedEcho, maskRow, seesSensitive, sensitiveFieldsOf } from '../../access/sensitive';
import { diff } from '../../audit/writer';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors';
import { applyFilters, applySortAndCursor, decodeCursor, finishPage, type ListQuery, type ListSpec } from '../../lib/listing';
import { validate } from '../../lib/validate';
import { DAY } from '../../lib/time';
import { resolveOwner } from './ownership';
import { checkVersion, findInScope, markDeleted, requireAction, updateAtVersion } from './scoped';
import { addTags, mergeTags, removeTags, setTags, tagsOf, tagsOfPage, type TagRef } from './tagging';
import { bigrams } from '../../lib/text';
import { indexNames, rarestFirst, unindex } from './search-index';
import { repointParent, type ParentType } from './links';

export interface Duplicate {
  id: number;
  name: string;
  owner_id: number;
  /** Why it looks like the same customer: the field that matched. */
  matched: string;
  /** Whether the actor may open it. */
  visible: boolean;
}

export class DuplicateError extends ConflictError {
  constructor(readonly duplicates: Duplicate[]) {
    super('a record with the same details exists already; send allow_duplicate: true to create it anyway', { duplicates }, 'duplicate');
  }
}

export interface RecordTypeConfig {
  type: ParentType;
  listSpec: ListSpec;
  /** Columns returned to clients, in order. */
  columns: string[];
  createSchema: object;
  updateSchema: object;
  /** Fields an audit diff shows. */
  auditFields: string[];
  /** Stored columns for the given input fields (sort keys, normalised keys ...), only those given. */
  derive(input: Record<string, unknown>): Record<string, unknown>;
  /** Names that go into the gram search index. */
  searchNames(row: Record<string, unknown>): Array<string | null | undefined>;
  /** Adjusts an update's stored columns given the record as it was (e.g. keep a consent time). */
  adjustUpdate?(changes: Record<string, unknown>, before: Record<string, unknown>, input: Record<string, unknown>): void;
  /** Checks that need the database (a referenced company exists and is visible ...). */
  check?(db: Knex, actor: Actor, stored: Record<string, unknown>): Promise<void>;
  /** Existing live records that look like the same customer. */
  findDuplicates(db: Knex, stored: Record<string, unknown>, exceptId: number | null): Promise<Array<{ id: number; name: string; owner_id: number; matched: string }>>;
  /** Writes what belongs with a new record in the same transaction (a deal's first stage-history row). */
  afterInsert?(db: Knex, actor: Actor, id: number, stored: Record<string, unknown>): Promise<void>;
  /** Fields kept outside the record's own row (a deal's contact ids): taken out of the input, written in the same transaction, read onto every row. */
  extra?: {
    fields: string[];
    write(db: Knex, actor: Actor, id: number, values: Record<string, unknown>): Promise<void>;
    read(db: Knex, ids: number[]): Promise<Map<number, Record<string, unknown>>>;
  };
  /** Recomputes what derives from the stored record (a lead's score), after every create and update, in its transaction. */
  afterWrite?(db: Knex, id: number): Promise<void>;
  /** Moves what hangs off `fromId` onto `toId` (contacts of a company ...), inside a merge. */
  mergeChildren?(db: Knex, fromId: number, toId: number): Promise<void>;
  /** Lets go of what still points at a record about to be purged for good. */
  detachChildren?(db: Knex, id: number): Promise<void>;
}

export type RecordRow = Record<string, unknown> & { id: number; version: number; owner_id: number; tags: TagRef[] };

/**
 * Sort columns with live partial indexes `<type>_live_<column>` (column, id, owner_id, team_id) and
 * `<type>_owner_<column>` (owner_id, column, id, team_id) (migration 20261125040000_speed).
 */
const SORT_INDEXES = new Set(['name_sort', 'updated_at', 'last_contact_at', 'created_at']);

/** Filters that keep a sizeable share of the rows: walking the sort order and testing them is cheap. */
const BROAD_FILTERS = new Set(['tag', 'source', 'consent', 'no_contact_days', 'team_id', 'grade', 'size_band', 'industry', 'province', 'city']);

export function createRecordService(core: Core, cfg: RecordTypeConfig) {
  const { knex } = core.db;
  const { type } = cfg;
  const select = cfg.columns.map((c) => `${type}.${c}`);

  async function decorate(db: Knex | null, rows: Array<Record<string, unknown>>): Promise<RecordRow[]> {
    const serialized = core.db.rows.many<Record<string, unknown>>(type, rows);
    const ids = serialized.map((r) => r.id as number);
    // Outside a transaction (lists), the page's tags come from one fixed statement.
    const tags = db ? await tagsOf(db, type, ids) : await tagsOfPage(core.db.read, type, ids);
    const extra = cfg.extra ? await cfg.extra.read(db ?? knex, ids) : null;
    return serialized.map((r) => {
      const out: Record<string, unknown> = {};
      for (const c of cfg.columns) out[c] = r[c] ?? null;
      if (extra) Object.assign(out, extra.get(r.id as number));
      out.tags = tags.get(r.id as number) ?? [];
      return out as RecordRow;
    });
  }

  async function load(db: Knex, actor: Actor, id: number, options: { withDeleted?: boolean } = {}): Promise<RecordRow> {
    const row = await findInScope(db, actor, type, id, select, options);
    return (await decorate(db, [row]))[0];
  }

  async function duplicatesFor(db: Knex, actor: Actor, stored: Record<string, unknown>, exceptId: number | null): Promise<Duplicate[]> {
    const found = await cfg.findDuplicates(db, stored, exceptId);
    if (!found.length) return [];
    const visible = new Set(
      (await scopeQuery(db, db(type).whereIn(`${type}.id`, found.map((f) => f.id)), actor, type, 'read').pluck(`${type}.id`)).map(Number),
    );
    return found.map((f) => ({ ...f, visible: visible.has(f.id) }));
  }

  function audited(row: Record<string, unknown>): Record<string, unknown> {
    const out = Object.fromEntries(cfg.auditFields.map((f) => [f, row[f] ?? null]));
    if ('tags' in row) out.tag_ids = (row.tags as TagRef[]).map((t) => t.id);
    return out;
  }

  /** Takes the `extra` fields out of an input (they are no columns of the record's table). */
  function takeExtra(fields: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of cfg.extra?.fields ?? []) {
      if (f in fields) {
        out[f] = fields[f];
        delete fields[f];
      }
    }
    return out;
  }

  /** What leaves the service: sensitive fields masked for roles that may not see them. */
  const present = (actor: Actor, row: RecordRow): RecordRow => maskRow(actor, type, row);

  /** A masked value sent back unchanged (a form or client echoing what it was shown) is no change. */
  function dropMaskedEchoes(actor: Actor, fields: Record<string, unknown>, before: RecordRow): void {
    if (seesSensitive(actor)) return;
    for (const f of sensitiveFieldsOf(type)) if (f in fields && isMaskedEcho(fields[f], before[f])) delete fields[f];
  }

  /**
   * SQLite only: the index a list should walk. SQLite's planner turns a team scope (owner_id = ? OR
   * team_id IN (...)) into a MULTI-INDEX OR that collects every row of the team and sorts them,
   * ~1 s for a team of 100,000 contacts, where walking the live partial index of the sort order
   * (sort column, id, owner_id, team_id) tests the scope inside the index and stops after a page:
   * ~1 ms. Used when no filter narrows the rows better than the sort order does; a filter on one
   * owner walks that owner's index in sort order instead. Null when the planner should choose.
   */
  function indexHint(actor: Actor, query: ListQuery & { deleted?: boolean }, sortColumn: string): string | null {
    if (core.db.dialect !== 'sqlite' || query.deleted || query.q) return null;
    const column = sortColumn.split('.').pop()!;
    if (!SORT_INDEXES.has(column)) return null;
    const filter = query.filter ?? {};
    if (!Object.keys(filter).every((f) => BROAD_FILTERS.has(f) || f === column || f === 'owner_id')) return null;
    const owner = filter.owner_id;
    const ownerEq = owner === undefined ? undefined : typeof owner === 'string' ? owner : Object.keys(owner).length === 1 ? owner.eq : null;
    if (ownerEq === null) return null;
    const s = scope(actor, type, 'read');
    // One owner's rows (a filter, or a rep's own scope without shares): that owner's index in sort order.
    if (ownerEq !== undefined || (s.level === 'own' && !s.shares)) return `${type}_owner_${column}`;
    return `${type}_live_${column}`;
  }

  const service = {
    type,

    async list(actor: Actor, query: ListQuery & { deleted?: boolean }): Promise<{ data: RecordRow[]; next_cursor: string | null }> {
      requirePermission(actor, type, 'read');
      const qb = knex(type).select(select);
      if (query.deleted) {
        requirePermission(actor, type, 'delete');
        qb.whereNotNull(`${type}.deleted_at`);
      } else {
        qb.whereNull(`${type}.deleted_at`);
      }
      scopeQuery(knex, qb, actor, type, 'read');
      const sortName = query.sort ?? cfg.listSpec.defaultSort;
      const desc = sortName.startsWith('-');
      const sortSpec = cfg.listSpec.sorts[desc ? sortName.slice(1) : sortName];
      // NULLs last is not the index order in one direction: ascending on SQLite (NULLs sort first
      // there), descending on Postgres (a backward scan gives NULLs first). Then the page is read in
      // two parts, each an index range: the non-NULL rows, then the NULL rows by id. Without this a
      // rep's "recently contacted" on Postgres sorted all of their 18,000 contacts (59 ms at 1 M).
      const splitNulls = Boolean(sortSpec?.nullable) && (core.db.dialect === 'sqlite' ? !desc : desc);
      // "No contact for N days" is "last contact is NULL or before N days ago"; read in two parts
      // (below) each part gets its own half of that OR, so each stays one index range.
      const noContact = splitNulls && sortSpec!.column === `${type}.last_contact_at` ? query.filter?.no_contact_days : undefined;
      const noContactDays = noContact === undefined ? null : Number(typeof noContact === 'string' ? noContact : (noContact.gte ?? noContact.eq));
      const { no_contact_days: _omitted, ...otherFilters } = query.filter ?? {};
      applyFilters(qb, cfg.listSpec, noContactDays === null || !Number.isFinite(noContactDays) ? query.filter : otherFilters);
      if (query.q) {
        const grams = bigrams(query.q);
        // Name search starts from the gram index: the record ids that have the rarest-looking gram
        // (an id range the planner drives the query from), the others must be there too.
        if (grams.length) qb.whereIn(`${type}.id`, knex('search_grams').select('record_id').where({ gram: (await rarestFirst(core.db.read, type, grams))[0], record_type: type }));
        cfg.listSpec.filters.q?.apply?.(qb, 'contains', query.q);
      }
      // Compiled here and run as fixed SQL (a read connection on SQLite, a named statement on Postgres).
      const run = (q: Knex.QueryBuilder, sortColumn: string) => {
        const hint = indexHint(actor, query, sortColumn);
        if (hint) q.from(knex.raw(`?? indexed by ??`, [type, hint]));
        return core.db.read.built(q);
      };
      let rows: Array<Record<string, unknown>>;
      let limit: number;
      let column: string;
      if (splitNulls) {
        // The non-NULL rows in index order, then (if the page is not full) the NULL rows by id:
        // the same rows in the same order as one "order by … nulls last, id" query.
        if (!sortSpec) throw new Error('unreachable');
        column = sortSpec.column.split('.').pop()!;
        const plain: ListSpec = { ...cfg.listSpec, sorts: { ...cfg.listSpec.sorts, [desc ? sortName.slice(1) : sortName]: { column: sortSpec.column } } };
        const cursor = query.cursor ? decodeCursor(query.cursor) : null;
        rows = [];
        limit = Math.min(query.limit ?? 50, cfg.listSpec.maxLimit ?? 200);
        if (!cursor || cursor[0] !== null) {
          const first = qb.clone().whereNotNull(sortSpec.column);
          if (noContactDays !== null && Number.isFinite(noContactDays)) first.where(sortSpec.column, '<', new Date(core.clock.now().getTime() - noContactDays * DAY).toISOString());
          applySortAndCursor(first, plain, query);
          if (!cfg.columns.includes(column)) first.select(sortSpec.column);
          rows = await run(first, sortSpec.column);
        }
        if (rows.length <= limit) {
          const nulls = qb.clone().whereNull(sortSpec.column);
          if (cursor && cursor[0] === null) nulls.where(`${type}.id`, desc ? '<' : '>', cursor[1]);
          nulls.orderBy(sortSpec.column, desc ? 'desc' : 'asc').orderBy(`${type}.id`, desc ? 'desc' : 'asc').limit(limit + 1 - rows.length);
          if (!cfg.columns.includes(column)) nulls.select(sortSpec.column);
          rows = rows.concat(await run(nulls, sortSpec.column));
        }
      } else {
        const applied = applySortAndCursor(qb, cfg.listSpec, query);
        limit = applied.limit;
        column = applied.sortColumn.split('.').pop()!;
        if (!cfg.columns.includes(column)) qb.select(applied.sortColumn);
        rows = await run(qb, applied.sortColumn);
      }
      const page = finishPage(rows, limit, (r) => r[column] as string | number | null);
      return { data: (await decorate(null, page.rows)).map((r) => present(actor, r)), next_cursor: page.next_cursor };
    },

    async get(actor: Actor, id: number): Promise<RecordRow> {
      requirePermission(actor, type, 'read');
      return present(actor, await load(knex, actor, id));
    },

    /** `within`: a caller's transaction to join (a lead's conversion creates several records in one). */
    async create(actor: Actor, input: Record<string, unknown>, within?: Knex.Transaction): Promise<RecordRow> {
      requirePermission(actor, type, 'create');
      validate(cfg.createSchema, input);
      const { tag_ids, owner_id, allow_duplicate, ...fields } = input as Record<string, unknown> & { tag_ids?: number[]; owner_id?: number; allow_duplicate?: boolean };
      const extra = takeExtra(fields);
      return (within ?? knex).transaction(async (trx) => {
        const owner = await resolveOwner(trx, actor, type, owner_id ?? null);
        const stored = { ...fields, ...cfg.derive(fields) };
        await cfg.check?.(trx, actor, stored);
        if (!allow_duplicate) {
          const dups = await duplicatesFor(trx, actor, stored, null);
          if (dups.length) throw new DuplicateError(dups);
        }
        const now = core.clock.now().toISOString();
        const [row] = await trx(type)
          .insert({ ...stored, ...owner, created_at: now, created_by: actor.userId, updated_at: now, updated_by: actor.userId, version: 1 })
          .returning('id');
        const id = Number(row.id ?? row);
        if (tag_ids) await setTags(trx, type, id, tag_ids);
        await indexNames(trx, type, id, cfg.searchNames(stored));
        if (cfg.extra) await cfg.extra.write(trx, actor, id, extra);
        await cfg.afterInsert?.(trx, actor, id, stored);
        await cfg.afterWrite?.(trx, id);
        const created = await load(trx, actor, id);
        await core.audit.record(trx, actor, { action: 'create', recordType: type, recordId: id, changes: diff(null, { ...audited(created), owner_id: created.owner_id }) });
        return present(actor, created);
      });
    },

    async update(actor: Actor, id: number, patch: Record<string, unknown> & { version: number }): Promise<RecordRow> {
      requirePermission(actor, type, 'update');
      validate(cfg.updateSchema, patch);
      const { tag_ids, owner_id, version, ...fields } = patch as Record<string, unknown> & { tag_ids?: number[]; owner_id?: number; version: number };
      const extra = takeExtra(fields);
      return knex.transaction(async (trx) => {
        const before = await load(trx, actor, id);
        await requireAction(trx, actor, type, 'update', id);
        checkVersion(before, version, present(actor, before));
        dropMaskedEchoes(actor, fields, before);
        const changes: Record<string, unknown> = { ...fields, ...cfg.derive(fields) };
        cfg.adjustUpdate?.(changes, before, fields);
        await cfg.check?.(trx, actor, changes);
        if (owner_id !== undefined && owner_id !== before.owner_id) Object.assign(changes, await resolveOwner(trx, actor, type, owner_id, before.owner_id));
        const now = core.clock.now().toISOString();
        await updateAtVersion(trx, type, id, before.version, { ...changes, updated_at: now, updated_by: actor.userId });
        if (tag_ids) await setTags(trx, type, id, tag_ids);
        if (cfg.extra && Object.keys(extra).length) await cfg.extra.write(trx, actor, id, extra);
        await cfg.afterWrite?.(trx, id);
        const after = await load(trx, actor, id).catch(async (err) => {
          // Handing a record to someone else can take it out of the actor's sight; read it unscoped.
          if (!(err instanceof NotFoundError)) throw err;
          return (await decorate(trx, [await trx(type).where({ id }).first(select)]))[0];
        });
        await indexNames(trx, type, id, cfg.searchNames(after));
        const auditedChanges = diff({ ...audited(before), owner_id: before.owner_id }, { ...audited(after), owner_id: after.owner_id });
        await core.audit.record(trx, actor, { action: owner_id !== undefined && owner_id !== before.owner_id ? 'assign' : 'update', recordType: type, recordId: id, changes: auditedChanges });
        return present(actor, after);
      });
    },

    async remove(actor: Actor, id: number): Promise<void> {
      requirePermission(actor, type, 'delete');
      await knex.transaction(async (trx) => {
        const before = await load(trx, actor, id);
        await requireAction(trx, actor, type, 'delete', id);
        await unindex(trx, type, id);
        await markDeleted(trx, core, actor, type, id, before.version);
      });
    },

    /** Brings a record back from the trash (within the retention period, before the purge job). */
    async restore(actor: Actor, id: number): Promise<RecordRow> {
      requirePermission(actor, type, 'delete');
      return knex.transaction(async (trx) => {
        const before = await load(trx, actor, id, { withDeleted: true });
        if (!before.deleted_at) throw new ConflictError('the record is not in the trash');
        await requireAction(trx, actor, type, 'delete', id);
        const now = core.clock.now().toISOString();
        await updateAtVersion(trx, type, id, before.version, { deleted_at: null, deleted_by: null, updated_at: now, updated_by: actor.userId });
        const after = await load(trx, actor, id);
        await indexNames(trx, type, id, cfg.searchNames(after));
        await core.audit.record(trx, actor, { action: 'restore', recordType: type, recordId: id });
        return present(actor, after);
      });
    },

    /** Removes for good what has been in the trash longer than `retentionDays` (the nightly job). */
    async purgeTrash(retentionDays: number): Promise<number> {
      const before = new Date(core.clock.now().getTime() - retentionDays * DAY).toISOString();
      const ids = (await knex(type).whereNotNull('deleted_at').andWhere('deleted_at', '<', before).pluck('id')).map(Number);
      for (const id of ids) {
        await knex.transaction(async (trx) => {
          await cfg.detachChildren?.(trx, id);
          await trx('record_links').where({ parent_type: type, parent_id: id }).delete();
          await trx('taggings').where({ record_type: type, record_id: id }).delete();
          await trx('record_shares').where({ record_type: type, record_id: id }).delete();
          await unindex(trx, type, id);
          await trx(type).where({ id }).delete();
          await core.audit.record(trx, { userId: null, ip: null, userAgent: 'job:trash.purge', requestId: null }, { action: 'purge', recordType: type, recordId: id });
        });
      }
      return ids.length;
    },

    /** Refuses (403) a record the actor may read but not change: forms are not shown for it. */
    async requireUpdatable(actor: Actor, id: number): Promise<void> {
      requirePermission(actor, type, 'update');
      await findInScope(knex, actor, type, id, [`${type}.id`]);
      await requireAction(knex, actor, type, 'update', id);
    },

    /** Names of the given records the actor may read (one query, whatever the number). */
    async names(actor: Actor, ids: number[]): Promise<Map<number, string>> {
      if (!ids.length) return new Map();
      const rows = await core.db.read.built<{ id: number; name: string }>(scopeQuery(knex, knex(type).whereIn(`${type}.id`, [...new Set(ids)]).whereNull(`${type}.deleted_at`), actor, type, 'read').select(`${type}.id`, `${type}.name`));
      return new Map(rows.map((r: { id: number; name: string }) => [r.id, r.name]));
    },

    duplicates: (actor: Actor, input: Record<string, unknown>, exceptId: number | null = null) => duplicatesFor(knex, actor, { ...input, ...cfg.derive(input) }, exceptId),

    /**
     * Merges `mergeId` into `keepId`: the kept record takes the chosen value of each field
     * (`pick[field] = 'merge'` takes the other record's), every link, tag and child moves over,
     * and the merged record goes to the trash. One transaction, one audit entry per record.
     */
    async merge(actor: Actor, keepId: number, mergeId: number, pick: Record<string, 'keep' | 'merge'>): Promise<RecordRow> {
      requirePermission(actor, type, 'update');
      if (keepId === mergeId) throw ValidationError.field('merge_id', 'different', 'must be another record');
      return knex.transaction(async (trx) => {
        const keep = await load(trx, actor, keepId);
        const other = await load(trx, actor, mergeId);
        await requireAction(trx, actor, type, 'update', keepId);
        await requireAction(trx, actor, type, 'delete', mergeId);
        const taken: Record<string, unknown> = {};
        for (const [field, side] of Object.entries(pick)) {
          if (!cfg.auditFields.includes(field)) throw ValidationError.field(`pick.${field}`, 'enum', 'is not a field of this record');
          if (side === 'merge') taken[field] = other[field] ?? null;
        }
        // Empty fields of the kept record are filled from the merged one: nothing is lost.
        for (const field of cfg.auditFields) if ((keep[field] === null || keep[field] === '') && other[field] !== null && !(field in pick)) taken[field] = other[field];
        const now = core.clock.now().toISOString();
        const lastContact = [keep.last_contact_at, other.last_contact_at].filter(Boolean).sort().pop() ?? null;
        await updateAtVersion(trx, type, keepId, keep.version, { ...taken, ...cfg.derive(taken), last_contact_at: lastContact, updated_at: now, updated_by: actor.userId });
        await repointParent(trx, type, mergeId, keepId);
        await mergeTags(trx, type, mergeId, keepId);
        // Whoever the merged record was shared with keeps access to the customer it became.
        await trx('record_shares').where({ record_type: type, record_id: mergeId }).update({ record_id: keepId });
        await cfg.mergeChildren?.(trx, mergeId, keepId);
        await updateAtVersion(trx, type, mergeId, other.version, { deleted_at: now, deleted_by: actor.userId, updated_at: now, updated_by: actor.userId });
        await unindex(trx, type, mergeId);
        const after = await load(trx, actor, keepId);
        await indexNames(trx, type, keepId, cfg.searchNames(after));
        await core.audit.record(trx, actor, { action: 'merge', recordType: type, recordId: keepId, changes: { ...diff(audited(keep), audited(after)), merged_from: [null, mergeId] } });
        await core.audit.record(trx, actor, { action: 'merged_into', recordType: type, recordId: mergeId, changes: { merged_into: [null, keepId] } });
        return present(actor, after);
      });
    },

    /** Bulk actions over a selection: each record is checked through the scope and audited. */
    async bulk(actor: Actor, input: { ids: number[]; action: 'assign' | 'add_tag' | 'remove_tag' | 'delete'; owner_id?: number; tag_id?: number }): Promise<{ done: number }> {
      const ids = [...new Set(input.ids)];
      let done = 0;
      await retryingConflicts(() => knex.transaction(async (trx) => {
        done = 0;
        for (const id of ids) {
          const before = await load(trx, actor, id);
          const action = input.action === 'assign' ? 'assign' : input.action === 'delete' ? 'delete' : 'update';
          await requireAction(trx, actor, type, action, id);
          const now = core.clock.now().toISOString();
          if (input.action === 'assign') {
            if (!input.owner_id) throw ValidationError.field('owner_id', 'required', 'is required to assign');
            const owner = await resolveOwner(trx, actor, type, input.owner_id, before.owner_id);
            await updateAtVersion(trx, type, id, before.version, { ...owner, updated_at: now, updated_by: actor.userId });
            await core.audit.record(trx, actor, { action: 'assign', recordType: type, recordId: id, changes: diff({ owner_id: before.owner_id }, { owner_id: owner.owner_id }) });
          } else if (input.action === 'delete') {
            await unindex(trx, type, id);
            await markDeleted(trx, core, actor, type, id, before.version);
          } else {
            if (!input.tag_id) throw ValidationError.field('tag_id', 'required', 'is required for tagging');
            if (input.action === 'add_tag') await addTags(trx, type, [id], input.tag_id);
            else await removeTags(trx, type, [id], input.tag_id);
            await updateAtVersion(trx, type, id, before.version, { updated_at: now, updated_by: actor.userId });
            const tagIds = before.tags.map((t) => t.id);
            const after = input.action === 'add_tag' ? [...new Set([...tagIds, input.tag_id])] : tagIds.filter((t) => t !== input.tag_id);
            await core.audit.record(trx, actor, { action: 'update', recordType: type, recordId: id, changes: diff({ tag_ids: tagIds }, { tag_ids: after }) });
          }
          done++;
        }
      }));
      return { done };
    },
  };
  return service;
}
export type RecordService = ReturnType<typeof createRecordService>;
