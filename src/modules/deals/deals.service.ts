// Deals: the shared record life (records/record-service.ts: list through the scope, versions,
// trash, bulk, audit) plus what is a deal's own: the stage it sits in, moving between stages
// (required fields, won/lost, the stage history, one transaction, audited), and the board with
// its per-stage aggregates computed by the database.
import type { Knex } from 'knex';
import type { Core } from '../../core';
import { decidedByOwnerAndTeam, requirePermission, scopeQuery, visibleIds, type Actor } from '../../access/scope';
import { diff } from '../../audit/writer';
import { NotFoundError, ValidationError } from '../../lib/errors';
import { applyFilters, decodeCursor, encodeCursor, type ListQuery } from '../../lib/listing';
import { DAY } from '../../lib/time';
import { sortKey } from '../../lib/text';
import { validate } from '../../lib/validate';
import { createRecordService, type RecordRow } from '../records/record-service';
import { checkVersion, findInScope, requireAction, updateAtVersion } from '../records/scoped';
import type { Pipeline, PipelinesService, Stage } from '../pipelines';
import type { CompaniesService } from '../companies';
import type { SettingsService } from '../settings';
import { boardListSpec, DEAL_AUDIT_FIELDS, DEAL_COLUMNS, dealCreateSchema, dealMoveSchema, dealsListSpec, dealUpdateSchema, stageTotalsListSpec } from './deals.schemas';

export interface MoveInput {
  stage_id: number;
  version: number;
  lost_reason_id?: number;
  lost_note?: string | null;
}

export interface Card {
  id: number;
  name: string;
  company_id: number | null;
  company_name: string | null;
  amount: number | null;
  currency: string;
  probability: number;
  expected_close_date: string | null;
  stage_id: number;
  stage_entered_at: string;
  days_in_stage: number;
  stale: boolean;
  owner_id: number;
  version: number;
}

export interface Total {
  currency: string;
  amount: number;
  weighted: number;
}

export interface BoardColumn {
  stage: Stage;
  count: number;
  totals: Total[];
  cards: Card[];
  next_cursor: string | null;
}

export interface HistoryRow {
  id: number;
  from_stage_id: number | null;
  to_stage_id: number;
  at: string;
  by: number | null;
  exited_at: string | null;
  ms_in_stage: number | null;
}

const CARD_COLUMNS = ['id', 'name', 'company_id', 'amount', 'currency', 'probability', 'expected_close_date', 'stage_id', 'stage_entered_at', 'owner_id', 'version'].map((c) => `deals.${c}`);

/** Is a deal's field empty for a stage's required-fields rule? */
const empty = (v: unknown) => v === null || v === undefined || (typeof v === 'string' && v.trim() === '');

/**
 * A board column's order, as a deal list sort: an open stage oldest in the stage first (what is
 * stuck comes first); the won and lost ends newest first (what was just won or lost, not what
 * closed years ago).
 */
export function columnOrder(stage: Pick<Stage, 'kind'>): 'stage_entered_at' | '-stage_entered_at' {
  return stage.kind === 'open' ? 'stage_entered_at' : '-stage_entered_at';
}
const newestFirst = (stage: Stage) => columnOrder(stage) === '-stage_entered_at';

export function createDealsService(core: Core, deps: { pipelines: PipelinesService; companies: CompaniesService; settings: SettingsService }) {
  const { knex } = core.db;
  const now = () => core.clock.now().toISOString();

  function missingFor(stage: Stage, deal: Record<string, unknown>): string[] {
    return stage.required_fields.filter((f) => empty(deal[f]));
  }

  function requireFields(stage: Stage, deal: Record<string, unknown>, stageLabel: string): void {
    const missing = missingFor(stage, deal);
    if (!missing.length) return;
    const fields = Object.fromEntries(missing.map((f) => [f, { keyword: 'required', message: `is required before a deal enters the stage "${stageLabel}"`, params: { stage_id: stage.id } }]));
    throw new ValidationError(`the stage "${stageLabel}" needs ${missing.join(', ')} first`, fields);
  }

  const records = createRecordService(core, {
    type: 'deals',
    listSpec: dealsListSpec,
    columns: DEAL_COLUMNS,
    createSchema: dealCreateSchema,
    updateSchema: dealUpdateSchema,
    auditFields: DEAL_AUDIT_FIELDS,
    derive(input) {
      const out: Record<string, unknown> = {};
      if (typeof input.name === 'string') Object.assign(out, { name: input.name.trim(), name_sort: sortKey(input.name) });
      return out;
    },
    searchNames: (row) => [row.name as string],
    extra: {
      fields: ['contact_ids'],
      async write(db, actor, id, values) {
        if (values.contact_ids === undefined) return;
        const ids = [...new Set(values.contact_ids as number[])];
        if (ids.length) {
          const seen = new Set((await visibleIds(db, actor, 'contacts').whereIn('contacts.id', ids).pluck('contacts.id')).map(Number));
          const missing = ids.find((c) => !seen.has(c));
          if (missing) throw ValidationError.field('contact_ids', 'exists', `${missing} is not a contact you can see`);
        }
        await db('deal_contacts').where({ deal_id: id }).delete();
      await db('leads').where({ converted_deal_id: id }).update({ converted_deal_id: null });
        if (ids.length) await db('deal_contacts').insert(ids.map((contact_id, i) => ({ deal_id: id, contact_id, position: i + 1 })));
      },
      async read(db, ids) {
        const out = new Map<number, Record<string, unknown>>(ids.map((id) => [id, { contact_ids: [] as number[] }]));
        if (!ids.length) return out;
        for (const r of await db('deal_contacts').whereIn('deal_id', ids).orderBy('deal_id').orderBy('position').select('deal_id', 'contact_id')) {
          (out.get(Number(r.deal_id))!.contact_ids as number[]).push(Number(r.contact_id));
        }
        return out;
      },
    },
    async check(db, actor, stored) {
      if (stored.company_id && !(await visibleIds(db, actor, 'companies').where('companies.id', stored.company_id).first())) {
        throw ValidationError.field('company_id', 'exists', 'is not a company you can see');
      }
      // Creating (only a new deal's fields name a pipeline): place it in its first stage or the one asked for.
      if (stored.pipeline_id === undefined) return;
      const pipelineId = stored.pipeline_id as number;
      if (!(await db('pipelines').where({ id: pipelineId }).first('id'))) throw ValidationError.field('pipeline_id', 'exists', 'is not a pipeline');
      const stage = stored.stage_id
        ? await db('pipeline_stages').where({ id: stored.stage_id as number, pipeline_id: pipelineId }).first('id')
        : await db('pipeline_stages').where({ pipeline_id: pipelineId, kind: 'open' }).orderBy('position').orderBy('id').first('id');
      if (!stage) throw ValidationError.field('stage_id', 'exists', 'is not a stage of this pipeline');
      const s = (await deps.pipelines.stage(db, Number(stage.id)))!;
      if (s.kind === 'lost') throw ValidationError.field('stage_id', 'enum', 'a new deal cannot start lost');
      requireFields(s, stored, s.name);
      const at = now();
      Object.assign(stored, { stage_id: s.id, stage_entered_at: at, won_at: s.kind === 'won' ? at : null });
    },
    async afterInsert(db, actor, id, stored) {
      await db('deal_stage_history').insert({ deal_id: id, from_stage_id: null, to_stage_id: stored.stage_id, at: stored.stage_entered_at, by: actor.userId });
    },
    async findDuplicates() {
      return [];
    },
    async detachChildren(db, id) {
      await db('deal_stage_history').where({ deal_id: id }).delete();
      await db('deal_contacts').where({ deal_id: id }).delete();
      await db('leads').where({ converted_deal_id: id }).update({ converted_deal_id: null });
    },
  });

  function boardFilter(qb: Knex.QueryBuilder, actor: Actor, pipelineId: number, filter: ListQuery['filter']): Knex.QueryBuilder {
    qb.where('deals.pipeline_id', pipelineId).whereNull('deals.deleted_at');
    scopeQuery(knex, qb, actor, 'deals', 'read');
    applyFilters(qb, boardListSpec, filter);
    return qb;
  }

  /**
   * Per stage and currency of a board: how many deals, their total and their weighted total
   * (× 100). Read from the totals the database keeps (migrations/20261204000000_deal_stage_totals.js)
   * when owner and team decide which deals count, a few rows whatever the scope; summed from the
   * deals themselves when a share or a close-date filter does.
   */
  async function boardFigures(actor: Actor, pipelineId: number, filter: ListQuery['filter']): Promise<Array<{ stage_id: number; currency: string; n: number | string; total: number | string; weighted100: number | string }>> {
    if (decidedByOwnerAndTeam(actor, 'deals', 'read') && Object.keys(filter ?? {}).every((name) => name in stageTotalsListSpec.filters)) {
      const qb = knex('deal_stage_totals')
        .join('pipeline_stages as s', 's.id', 'deal_stage_totals.stage_id')
        .select('deal_stage_totals.stage_id', 'deal_stage_totals.currency')
        .select(knex.raw('sum(deal_stage_totals.deals) as n'))
        .select(knex.raw('cast(sum(deal_stage_totals.amount) as bigint) as total'))
        .select(knex.raw('cast(sum(deal_stage_totals.weighted100 + deal_stage_totals.at_stage_probability * s.probability) as bigint) as weighted100'))
        .where('deal_stage_totals.pipeline_id', pipelineId);
      scopeQuery(knex, qb, actor, 'deals', 'read', 'deal_stage_totals');
      applyFilters(qb, stageTotalsListSpec, filter);
      return core.db.read.built(qb.groupBy('deal_stage_totals.stage_id', 'deal_stage_totals.currency').havingRaw('sum(deal_stage_totals.deals) > 0')
        .orderBy('deal_stage_totals.stage_id').orderBy('deal_stage_totals.currency'));
    }
    return core.db.read.built(boardFilter(
      knex('deals')
        .join('pipeline_stages as s', 's.id', 'deals.stage_id')
        .select('deals.stage_id', 'deals.currency')
        .select(knex.raw('count(*) as n'))
        .select(knex.raw('cast(coalesce(sum(deals.amount), 0) as bigint) as total'))
        .select(knex.raw('cast(coalesce(sum(deals.amount * coalesce(deals.probability, s.probability)), 0) as bigint) as weighted100'))
        .groupBy('deals.stage_id', 'deals.currency')
        .orderBy('deals.stage_id')
        .orderBy('deals.currency'),
      actor, pipelineId, filter,
    ));
  }

  /** Cards from deal rows (company names from one lookup for the whole board). */
  function cardsOf(stage: Stage, rows: Array<Record<string, unknown>>, names: Map<number, string>): Card[] {
    const serialized = core.db.rows.many<Record<string, unknown>>('deals', rows);
    const nowMs = core.clock.now().getTime();
    return serialized.map((r) => {
      const inStage = nowMs - new Date(r.stage_entered_at as string).getTime();
      return {
        id: r.id as number, name: r.name as string, company_id: (r.company_id as number) ?? null, company_name: r.company_id ? (names.get(r.company_id as number) ?? null) : null,
        amount: (r.amount as number) ?? null, currency: r.currency as string, probability: (r.probability as number) ?? stage.probability,
        expected_close_date: (r.expected_close_date as string) ?? null, stage_id: r.stage_id as number, stage_entered_at: r.stage_entered_at as string,
        days_in_stage: Math.floor(inStage / DAY), stale: stage.kind === 'open' && stage.expected_days !== null && inStage > stage.expected_days * DAY,
        owner_id: r.owner_id as number, version: r.version as number,
      };
    });
  }

  /** One column's card query in its order, keyset-paged on (stage_entered_at, id); limit + 1 rows. */
  function columnQuery(actor: Actor, pipelineId: number, stage: Stage, limit: number, query: { cursor?: string; filter?: ListQuery['filter'] }): Knex.QueryBuilder {
    const qb = boardFilter(knex('deals').select(CARD_COLUMNS), actor, pipelineId, query.filter);
    qb.where('deals.stage_id', stage.id);
    const [past, direction] = newestFirst(stage) ? (['<', 'desc'] as const) : (['>', 'asc'] as const);
    if (query.cursor) {
      const [at, id] = decodeCursor(query.cursor);
      qb.where((w: Knex.QueryBuilder) => w.where('deals.stage_entered_at', past, at as string).orWhere((x: Knex.QueryBuilder) => x.where('deals.stage_entered_at', at as string).where('deals.id', past, id)));
    }
    return qb.orderBy('deals.stage_entered_at', direction).orderBy('deals.id', direction).limit(limit + 1);
  }

  /**
   * The first page of cards of several columns: each column is its own index range (LIMIT per
   * stage), sent as one statement (UNION ALL) with one company-name lookup for all of them, instead
   * of a round trip and a name query per column.
   */
  async function columnsCards(actor: Actor, pipelineId: number, stages: Stage[], query: { cursor?: string; limit?: number; filter?: ListQuery['filter'] }): Promise<Map<number, { cards: Card[]; next_cursor: string | null }>> {
    const limit = Math.min(query.limit ?? 20, 100);
    const out = new Map<number, { cards: Card[]; next_cursor: string | null }>();
    if (!stages.length) return out;
    const parts = stages.map((stage, i) => knex.select('*').from(columnQuery(actor, pipelineId, stage, limit, query).as(`col${i}`)));
    const [first, ...rest] = parts;
    const rows = await core.db.read.built(rest.length ? first.unionAll(rest) : first);
    const byStage = new Map<number, Array<Record<string, unknown>>>(stages.map((s) => [s.id, []]));
    for (const r of rows) byStage.get(Number(r.stage_id))?.push(r);
    const pages = new Map<number, { page: Array<Record<string, unknown>>; more: boolean }>();
    const companyIds = new Set<number>();
    for (const stage of stages) {
      // UNION ALL keeps no order between or within its parts: sort each column again.
      const sign = newestFirst(stage) ? -1 : 1;
      const list = byStage.get(stage.id)!.sort((a, b) => sign * ((a.stage_entered_at as string) < (b.stage_entered_at as string) ? -1 : (a.stage_entered_at as string) > (b.stage_entered_at as string) ? 1 : Number(a.id) - Number(b.id)));
      const page = list.slice(0, limit);
      pages.set(stage.id, { page, more: list.length > limit });
      for (const r of page) if (r.company_id) companyIds.add(Number(r.company_id));
    }
    const names = await deps.companies.names(actor, [...companyIds]);
    for (const stage of stages) {
      const { page, more } = pages.get(stage.id)!;
      const last = page[page.length - 1];
      out.set(stage.id, { cards: cardsOf(stage, page, names), next_cursor: more && last ? encodeCursor(last.stage_entered_at as string, Number(last.id)) : null });
    }
    return out;
  }

  async function loadRaw(db: Knex, actor: Actor, id: number): Promise<Record<string, unknown>> {
    return core.db.rows.one<Record<string, unknown>>('deals', await findInScope(db, actor, 'deals', id, DEAL_COLUMNS.map((c) => `deals.${c}`)));
  }

  return {
    type: 'deals' as const,
    list: records.list,
    get: records.get,
    update: records.update,
    remove: records.remove,
    restore: records.restore,
    bulk: records.bulk,
    purgeTrash: records.purgeTrash,
    requireUpdatable: records.requireUpdatable,
    names: records.names,

    async create(actor: Actor, input: Record<string, unknown>): Promise<RecordRow> {
      requirePermission(actor, 'deals', 'create');
      validate(dealCreateSchema, input);
      // Read before the transaction: on SQLite a second connection would wait for it.
      const pipelineId = input.pipeline_id ?? (await deps.pipelines.defaultId());
      const currency = input.currency ?? (await deps.settings.company()).currency ?? 'CNY';
      return records.create(actor, { ...input, pipeline_id: pipelineId, currency });
    },

    /** Creates a deal inside a caller's transaction (a lead's conversion); pipeline and currency given. */
    async createWithin(trx: Knex.Transaction, actor: Actor, input: Record<string, unknown> & { pipeline_id: number; currency: string }): Promise<RecordRow> {
      requirePermission(actor, 'deals', 'create');
      return records.create(actor, input, trx);
    },

    /**
     * Moves a deal to another stage of its pipeline: the stage's required fields must be filled,
     * the lost end needs a reason; the stage history gets the entry (the previous one's exit), the
     * probability goes back to the stage's, won/lost times are set or cleared. One transaction, audited.
     */
    async move(actor: Actor, id: number, input: MoveInput): Promise<RecordRow> {
      requirePermission(actor, 'deals', 'update');
      validate(dealMoveSchema, input);
      await knex.transaction(async (trx) => {
        const before = await loadRaw(trx, actor, id);
        await requireAction(trx, actor, 'deals', 'update', id);
        checkVersion(before as { version: number }, input.version, before);
        const stage = await deps.pipelines.stage(trx, input.stage_id);
        if (!stage || stage.pipeline_id !== before.pipeline_id) throw ValidationError.field('stage_id', 'exists', 'is not a stage of this deal\'s pipeline');
        if (stage.id === before.stage_id) return;
        requireFields(stage, before, stage.name);
        const at = now();
        const changes: Record<string, unknown> = { stage_id: stage.id, stage_entered_at: at, probability: null, won_at: null, lost_at: null, lost_reason_id: null, lost_note: null, updated_at: at, updated_by: actor.userId };
        if (stage.kind === 'won') changes.won_at = at;
        if (stage.kind === 'lost') {
          if (!input.lost_reason_id) throw ValidationError.field('lost_reason_id', 'required', 'say why the deal was lost');
          if (!(await trx('lost_reasons').where({ id: input.lost_reason_id, active: true }).first('id'))) throw ValidationError.field('lost_reason_id', 'exists', 'is not an active lost reason');
          Object.assign(changes, { lost_at: at, lost_reason_id: input.lost_reason_id, lost_note: input.lost_note ?? null });
        }
        await updateAtVersion(trx, 'deals', id, before.version as number, changes);
        await trx('deal_stage_history').insert({ deal_id: id, from_stage_id: before.stage_id, to_stage_id: stage.id, at, by: actor.userId });
        const auditFields = ['stage_id', 'probability', 'won_at', 'lost_at', 'lost_reason_id', 'lost_note'];
        await core.audit.record(trx, actor, { action: 'move', recordType: 'deals', recordId: id, changes: diff(before, { ...before, ...changes }, auditFields) });
      });
      return records.get(actor, id);
    },

    /** Every entry into a stage, oldest first; a stage is left when the next one is entered. */
    async history(actor: Actor, id: number): Promise<HistoryRow[]> {
      requirePermission(actor, 'deals', 'read');
      await findInScope(knex, actor, 'deals', id, ['deals.id']);
      const rows = core.db.rows.many<Record<string, unknown>>('deal_stage_history', await knex('deal_stage_history').where({ deal_id: id }).orderBy('at').orderBy('id'));
      return rows.map((r, i) => {
        const next = rows[i + 1];
        const exited = (next?.at as string) ?? null;
        return {
          id: r.id as number, from_stage_id: (r.from_stage_id as number) ?? null, to_stage_id: r.to_stage_id as number, at: r.at as string, by: (r.by as number) ?? null,
          exited_at: exited, ms_in_stage: exited ? new Date(exited).getTime() - new Date(r.at as string).getTime() : null,
        };
      });
    },

    /**
     * The board of a pipeline: per stage the count, total and probability-weighted total of the
     * deals the actor may see (boardFigures), and the first cards of each column, read side by side.
     */
    async board(actor: Actor, pipelineId: number, query: { filter?: ListQuery['filter']; limit?: number } = {}, known?: Pipeline): Promise<{ pipeline: Pipeline; columns: BoardColumn[] }> {
      requirePermission(actor, 'deals', 'read');
      // A caller that has just read the pipeline (the board page) passes it along.
      const pipeline = known && known.id === pipelineId ? known : await deps.pipelines.get(actor, pipelineId);
      const [agg, cardsByStage] = await Promise.all([
        boardFigures(actor, pipelineId, query.filter),
        columnsCards(actor, pipelineId, pipeline.stages, { limit: query.limit, filter: query.filter }),
      ]);
      const columns: BoardColumn[] = [];
      for (const stage of pipeline.stages) {
        const rows = agg.filter((r) => Number(r.stage_id) === stage.id);
        const { cards, next_cursor } = cardsByStage.get(stage.id)!;
        columns.push({
          stage,
          count: rows.reduce((n, r) => n + Number(r.n), 0),
          totals: rows.map((r) => ({ currency: r.currency, amount: Number(r.total), weighted: Math.round(Number(r.weighted100) / 100) })),
          cards,
          next_cursor,
        });
      }
      return { pipeline, columns };
    },

    /** More cards of one column ("more" on the board). */
    async column(actor: Actor, pipelineId: number, stageId: number, query: { cursor?: string; limit?: number; filter?: ListQuery['filter'] }): Promise<{ data: Card[]; next_cursor: string | null }> {
      requirePermission(actor, 'deals', 'read');
      const pipeline = await deps.pipelines.get(actor, pipelineId);
      const stage = pipeline.stages.find((s) => s.id === stageId);
      if (!stage) throw new NotFoundError('stage');
      const page = (await columnsCards(actor, pipelineId, [stage], query)).get(stage.id)!;
      return { data: page.cards, next_cursor: page.next_cursor };
    },
  };
}
export type DealsService = ReturnType<typeof createDealsService>;
