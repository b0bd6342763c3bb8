// Pipelines and their stages (administered by whoever holds pipelines.update; read by whoever may
// read deals), and the configurable lost reasons. Each has a name in both languages (name_zh,
// name_en, either falling back to the other); seeded rows carry a name key and show in the
// reader's language until named. Every change is audited in its own transaction.
import type { Knex } from 'knex';
import type { Core } from '../../core';
import { requirePermission, type Actor } from '../../access/scope';
import { diff } from '../../audit/writer';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors';
import { isLocale, t, type Locale } from '../../lib/i18n';
import { validate } from '../../lib/validate';
import { checkVersion, updateAtVersion } from '../records/scoped';
import {
  lostReasonCreateSchema, lostReasonUpdateSchema, pipelineCreateSchema, pipelineUpdateSchema, reorderSchema, stageCreateSchema, stageUpdateSchema,
} from './pipelines.schemas';

export interface Stage {
  id: number;
  pipeline_id: number;
  /** In the reader's language. */
  name: string;
  name_zh: string;
  name_en: string;
  name_key: string | null;
  position: number;
  probability: number;
  expected_days: number | null;
  kind: 'open' | 'won' | 'lost';
  required_fields: string[];
  version: number;
}

export interface Pipeline {
  id: number;
  /** In the reader's language. */
  name: string;
  name_zh: string;
  name_en: string;
  name_key: string | null;
  position: number;
  is_default: boolean;
  version: number;
  stages: Stage[];
}

export interface LostReason {
  id: number;
  /** In the reader's language. */
  name: string;
  name_zh: string;
  name_en: string;
  name_key: string | null;
  position: number;
  active: boolean;
  version: number;
}

const localeOf = (actor: Pick<Actor, 'locale'>): Locale => (isLocale(actor.locale) ? actor.locale : 'zh-CN');

type Named = { name_zh?: string | null; name_en?: string | null; name_key: string | null };
const OTHER: Record<Locale, Locale> = { 'zh-CN': 'en', en: 'zh-CN' };
const own = (locale: Locale, row: Named) => (locale === 'en' ? row.name_en : row.name_zh) ?? null;
/** The name in `locale`: its own, else the seeded key's translation, else the other language's. */
function named(seeded: (locale: Locale, key: string) => string) {
  return (locale: Locale, row: Named) => own(locale, row) ?? (row.name_key ? seeded(locale, row.name_key) : null) ?? own(OTHER[locale], row) ?? '';
}
export const stageName = named((l, key) => t(l, `pipelines.stages.${key}`));
export const pipelineName = named((l, key) => t(l, `pipelines.names.${key}`));
export const lostReasonName = named((l, key) => t(l, `deals.lost_reasons.${key}`));
/** The name fields of an API answer: the reader's and both languages'. */
const names = (fn: (l: Locale, r: Named) => string, locale: Locale, r: Named) => ({ name: fn(locale, r), name_zh: fn('zh-CN', r), name_en: fn('en', r), name_key: r.name_key ?? null });
/** Stored name columns from an input with name_zh / name_en (a plain `name` sets the reader's language). */
function nameColumns(locale: Locale, input: { name?: string; name_zh?: string | null; name_en?: string | null }): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  if (input.name !== undefined) out[locale === 'en' ? 'name_en' : 'name_zh'] = input.name.trim();
  if (input.name_zh !== undefined) out.name_zh = input.name_zh?.trim() || null;
  if (input.name_en !== undefined) out.name_en = input.name_en?.trim() || null;
  return out;
}
type NameInput = { name?: string; name_zh?: string | null; name_en?: string | null };

export function createPipelinesService(core: Core) {
  const { knex } = core.db;
  const now = () => core.clock.now().toISOString();
  const stamps = (actor: Actor) => ({ created_at: now(), created_by: actor.userId, updated_at: now(), updated_by: actor.userId, version: 1 });

  function stageOut(locale: Locale, row: Record<string, unknown>): Stage {
    const r = core.db.rows.one<Record<string, unknown>>('pipeline_stages', row);
    return {
      id: r.id as number, pipeline_id: r.pipeline_id as number, ...names(stageName, locale, r as Named),
      position: r.position as number, probability: r.probability as number, expected_days: (r.expected_days as number) ?? null,
      kind: r.kind as Stage['kind'], required_fields: (r.required_fields as string[]) ?? [], version: r.version as number,
    };
  }

  /** Stage rows (in order) as each pipeline's stages. */
  function byPipeline(locale: Locale, rows: Array<Record<string, unknown>>): Map<number, Stage[]> {
    const out = new Map<number, Stage[]>();
    for (const row of rows) {
      const s = stageOut(locale, row);
      out.set(s.pipeline_id, [...(out.get(s.pipeline_id) ?? []), s]);
    }
    return out;
  }

  async function stagesOf(db: Knex, locale: Locale, pipelineIds: number[]): Promise<Map<number, Stage[]>> {
    if (!pipelineIds.length) return new Map();
    return byPipeline(locale, await db('pipeline_stages').whereIn('pipeline_id', pipelineIds).orderBy('position').orderBy('id'));
  }

  async function loadPipeline(db: Knex, locale: Locale, id: number): Promise<Pipeline> {
    const row = await db('pipelines').where({ id }).first();
    if (!row) throw new NotFoundError('pipeline');
    const r = core.db.rows.one<Record<string, unknown>>('pipelines', row);
    return {
      id: r.id as number, ...names(pipelineName, locale, r as Named), position: r.position as number,
      is_default: Boolean(r.is_default), version: r.version as number, stages: (await stagesOf(db, locale, [id])).get(id) ?? [],
    };
  }

  async function loadStage(db: Knex, locale: Locale, pipelineId: number, stageId: number): Promise<Stage> {
    const row = await db('pipeline_stages').where({ id: stageId, pipeline_id: pipelineId }).first();
    if (!row) throw new NotFoundError('stage');
    return stageOut(locale, row);
  }

  /** Renumbers positions 1..n in the given order. */
  async function renumber(db: Knex, table: 'pipeline_stages', ids: number[]): Promise<void> {
    for (const [i, id] of ids.entries()) await db(table).where({ id }).update({ position: i + 1 });
  }

  const LIST_PIPELINES = knex('pipelines').select('*').orderBy('position').orderBy('id').toSQL();
  const LIST_STAGES = knex('pipeline_stages').select('*').orderBy('pipeline_id').orderBy('position').orderBy('id').toSQL();

  const auditStage = (s: Partial<Stage>) => ({ name_zh: s.name_zh ?? null, name_en: s.name_en ?? null, probability: s.probability ?? null, expected_days: s.expected_days ?? null, required_fields: s.required_fields ?? [], position: s.position ?? null });

  return {
    localeOf,

    /** Every pipeline with its stages: read by every board and deal page, so on the read path with fixed SQL. */
    async list(actor: Actor): Promise<Pipeline[]> {
      requirePermission(actor, 'deals', 'read');
      const locale = localeOf(actor);
      const [rows, stageRows] = await Promise.all([core.db.read.all<Record<string, unknown>>(LIST_PIPELINES.sql, LIST_PIPELINES.bindings), core.db.read.all<Record<string, unknown>>(LIST_STAGES.sql, LIST_STAGES.bindings)]);
      const stages = byPipeline(locale, stageRows);
      return core.db.rows.many<Record<string, unknown>>('pipelines', rows).map((r) => ({
        id: r.id as number, ...names(pipelineName, locale, r as Named), position: r.position as number,
        is_default: Boolean(r.is_default), version: r.version as number, stages: stages.get(r.id as number) ?? [],
      }));
    },

    async get(actor: Actor, id: number): Promise<Pipeline> {
      requirePermission(actor, 'deals', 'read');
      return loadPipeline(knex, localeOf(actor), id);
    },

    /** The default pipeline (the first one when none is marked). */
    async defaultId(db: Knex = knex): Promise<number> {
      const row = (await db('pipelines').where({ is_default: true }).first('id')) ?? (await db('pipelines').orderBy('position').orderBy('id').first('id'));
      if (!row) throw new NotFoundError('pipeline');
      return Number(row.id);
    },

    /** A stage of any pipeline, unscoped (stages are configuration, not records). */
    async stage(db: Knex, stageId: number): Promise<Stage | null> {
      const row = await db('pipeline_stages').where({ id: stageId }).first();
      return row ? stageOut('en', row) : null;
    },

    loadStage: (db: Knex, pipelineId: number, stageId: number) => loadStage(db, 'en', pipelineId, stageId),

    /** A new pipeline starts with one open stage and the won and lost ends. */
    async create(actor: Actor, input: NameInput & { is_default?: boolean }): Promise<Pipeline> {
      requirePermission(actor, 'pipelines', 'update');
      validate(pipelineCreateSchema, input);
      return knex.transaction(async (trx) => {
        const max = await trx('pipelines').max({ p: 'position' }).first();
        if (input.is_default) await trx('pipelines').update({ is_default: false });
        const [row] = await trx('pipelines').insert({ ...nameColumns(localeOf(actor), input), position: Number(max?.p ?? 0) + 1, is_default: input.is_default ?? false, ...stamps(actor) }).returning('id');
        const id = Number(row.id ?? row);
        await trx('pipeline_stages').insert([
          { pipeline_id: id, name_key: 'lead', position: 1, probability: 10, expected_days: 14, kind: 'open', required_fields: JSON.stringify([]), ...stamps(actor) },
          { pipeline_id: id, name_key: 'won', position: 2, probability: 100, expected_days: null, kind: 'won', required_fields: JSON.stringify([]), ...stamps(actor) },
          { pipeline_id: id, name_key: 'lost', position: 3, probability: 0, expected_days: null, kind: 'lost', required_fields: JSON.stringify([]), ...stamps(actor) },
        ]);
        await core.audit.record(trx, actor, { action: 'create', recordType: 'pipelines', recordId: id, changes: diff(null, { ...nameColumns(localeOf(actor), input), is_default: input.is_default ?? false }) });
        return loadPipeline(trx, localeOf(actor), id);
      });
    },

    async update(actor: Actor, id: number, patch: NameInput & { is_default?: true; position?: number; version: number }): Promise<Pipeline> {
      requirePermission(actor, 'pipelines', 'update');
      validate(pipelineUpdateSchema, patch);
      return knex.transaction(async (trx) => {
        const before = await loadPipeline(trx, localeOf(actor), id);
        checkVersion(before, patch.version, before);
        const changes: Record<string, unknown> = { updated_at: now(), updated_by: actor.userId };
        Object.assign(changes, nameColumns(localeOf(actor), patch));
        if (patch.position !== undefined) changes.position = patch.position;
        if (patch.is_default) {
          await trx('pipelines').whereNot({ id }).update({ is_default: false });
          changes.is_default = true;
        }
        await updateAtVersion(trx, 'pipelines', id, before.version, changes);
        const after = await loadPipeline(trx, localeOf(actor), id);
        await core.audit.record(trx, actor, { action: 'update', recordType: 'pipelines', recordId: id, changes: diff({ name_zh: before.name_zh, name_en: before.name_en, is_default: before.is_default, position: before.position }, { name_zh: after.name_zh, name_en: after.name_en, is_default: after.is_default, position: after.position }) });
        return after;
      });
    },

    /** Refused (409) for the default pipeline and for one that has deals, in the trash too. */
    async remove(actor: Actor, id: number): Promise<void> {
      requirePermission(actor, 'pipelines', 'update');
      await knex.transaction(async (trx) => {
        const before = await loadPipeline(trx, localeOf(actor), id);
        if (before.is_default) throw new ConflictError('the default pipeline cannot be deleted; make another one the default first', null, 'in_use');
        if (await trx('deals').where({ pipeline_id: id }).first('id')) throw new ConflictError('the pipeline has deals; move them to another pipeline first', null, 'in_use');
        await trx('pipeline_stages').where({ pipeline_id: id }).delete();
        await trx('pipelines').where({ id }).delete();
        await core.audit.record(trx, actor, { action: 'delete', recordType: 'pipelines', recordId: id, changes: diff({ name_zh: before.name_zh, name_en: before.name_en }, { name_zh: null, name_en: null }) });
      });
    },

    async stages(actor: Actor, pipelineId: number): Promise<Stage[]> {
      return (await this.get(actor, pipelineId)).stages;
    },

    /** A new open stage goes before the won and lost ends (or at `position` among the open stages). */
    async addStage(actor: Actor, pipelineId: number, input: NameInput & { probability: number; expected_days?: number | null; required_fields?: string[]; kind?: 'open' }): Promise<Stage> {
      requirePermission(actor, 'pipelines', 'update');
      validate(stageCreateSchema, input);
      return knex.transaction(async (trx) => {
        const pipeline = await loadPipeline(trx, localeOf(actor), pipelineId);
        const [row] = await trx('pipeline_stages').insert({
          pipeline_id: pipelineId, ...nameColumns(localeOf(actor), input), position: 0, probability: input.probability, expected_days: input.expected_days ?? null,
          kind: 'open', required_fields: JSON.stringify(input.required_fields ?? []), ...stamps(actor),
        }).returning('id');
        const id = Number(row.id ?? row);
        const open = pipeline.stages.filter((s) => s.kind === 'open').map((s) => s.id);
        const ends = pipeline.stages.filter((s) => s.kind !== 'open').map((s) => s.id);
        await renumber(trx, 'pipeline_stages', [...open, id, ...ends]);
        const stage = await loadStage(trx, localeOf(actor), pipelineId, id);
        await core.audit.record(trx, actor, { action: 'create', recordType: 'pipeline_stages', recordId: id, changes: diff(null, auditStage(stage)) });
        return stage;
      });
    },

    async updateStage(actor: Actor, pipelineId: number, stageId: number, patch: NameInput & { probability?: number; expected_days?: number | null; required_fields?: string[]; version: number }): Promise<Stage> {
      requirePermission(actor, 'pipelines', 'update');
      validate(stageUpdateSchema, patch);
      return knex.transaction(async (trx) => {
        const before = await loadStage(trx, localeOf(actor), pipelineId, stageId);
        checkVersion(before, patch.version, before);
        const changes: Record<string, unknown> = { updated_at: now(), updated_by: actor.userId };
        Object.assign(changes, nameColumns(localeOf(actor), patch));
        if (patch.probability !== undefined) changes.probability = patch.probability;
        if (patch.expected_days !== undefined) changes.expected_days = patch.expected_days;
        if (patch.required_fields !== undefined) changes.required_fields = JSON.stringify(patch.required_fields);
        await updateAtVersion(trx, 'pipeline_stages', stageId, before.version, changes);
        const after = await loadStage(trx, localeOf(actor), pipelineId, stageId);
        await core.audit.record(trx, actor, { action: 'update', recordType: 'pipeline_stages', recordId: stageId, changes: diff(auditStage(before), auditStage(after)) });
        return after;
      });
    },

    /** Refused (409) while deals are in the stage or its history names it, and for a pipeline's won/lost end. */
    async removeStage(actor: Actor, pipelineId: number, stageId: number): Promise<void> {
      requirePermission(actor, 'pipelines', 'update');
      await knex.transaction(async (trx) => {
        const stage = await loadStage(trx, localeOf(actor), pipelineId, stageId);
        if (stage.kind !== 'open') throw new ConflictError('a pipeline keeps its won and lost ends', null, 'in_use');
        const open = await trx('pipeline_stages').where({ pipeline_id: pipelineId, kind: 'open' }).count({ n: '*' }).first();
        if (Number(open?.n) <= 1) throw new ConflictError('a pipeline keeps at least one open stage', null, 'in_use');
        const deals = await trx('deals').where({ stage_id: stageId }).count({ n: '*' }).first();
        if (Number(deals?.n) > 0) throw new ConflictError(`${deals?.n} deal(s) are in this stage; move them first`, { deals: Number(deals?.n) }, 'in_use');
        if (await trx('deal_stage_history').where({ to_stage_id: stageId }).orWhere({ from_stage_id: stageId }).first('id')) {
          throw new ConflictError('deals have passed through this stage; its history keeps it (rename it instead)', null, 'in_use');
        }
        await trx('pipeline_stages').where({ id: stageId }).delete();
        const rest = await trx('pipeline_stages').where({ pipeline_id: pipelineId }).orderBy('position').orderBy('id').pluck('id');
        await renumber(trx, 'pipeline_stages', rest.map(Number));
        await core.audit.record(trx, actor, { action: 'delete', recordType: 'pipeline_stages', recordId: stageId, changes: diff(auditStage(stage), { name_zh: null, name_en: null, probability: null, expected_days: null, required_fields: null, position: null }) });
      });
    },

    /** Puts every stage of the pipeline in the given order; the won and lost ends stay after the open stages. */
    async reorderStages(actor: Actor, pipelineId: number, input: { stage_ids: number[] }): Promise<Stage[]> {
      requirePermission(actor, 'pipelines', 'update');
      validate(reorderSchema, input);
      return knex.transaction(async (trx) => {
        const pipeline = await loadPipeline(trx, localeOf(actor), pipelineId);
        const known = new Set(pipeline.stages.map((s) => s.id));
        if (input.stage_ids.length !== known.size || input.stage_ids.some((id) => !known.has(id))) {
          throw ValidationError.field('stage_ids', 'enum', 'must list every stage of this pipeline exactly once');
        }
        const kinds = input.stage_ids.map((id) => pipeline.stages.find((s) => s.id === id)!.kind);
        const firstEnd = kinds.findIndex((k) => k !== 'open');
        if (firstEnd >= 0 && kinds.slice(firstEnd).some((k) => k === 'open')) throw ValidationError.field('stage_ids', 'enum', 'the won and lost ends come after every open stage');
        await renumber(trx, 'pipeline_stages', input.stage_ids);
        await trx('pipelines').where({ id: pipelineId }).update({ updated_at: now(), updated_by: actor.userId, version: pipeline.version + 1 });
        await core.audit.record(trx, actor, { action: 'reorder', recordType: 'pipelines', recordId: pipelineId, changes: diff({ stage_ids: pipeline.stages.map((s) => s.id) }, { stage_ids: input.stage_ids }) });
        return (await loadPipeline(trx, localeOf(actor), pipelineId)).stages;
      });
    },

    // ---- lost reasons ----

    async lostReasons(actor: Actor, options: { all?: boolean } = {}): Promise<LostReason[]> {
      requirePermission(actor, 'deals', 'read');
      const qb = knex('lost_reasons').orderBy('position').orderBy('id');
      if (!options.all) qb.where({ active: true });
      const locale = localeOf(actor);
      return core.db.rows.many<Record<string, unknown>>('lost_reasons', await qb).map((r) => ({
        id: r.id as number, ...names(lostReasonName, locale, r as Named), position: r.position as number, active: Boolean(r.active), version: r.version as number,
      }));
    },

    async createLostReason(actor: Actor, input: NameInput & { active?: boolean }): Promise<LostReason> {
      requirePermission(actor, 'pipelines', 'update');
      validate(lostReasonCreateSchema, input);
      return knex.transaction(async (trx) => {
        const max = await trx('lost_reasons').max({ p: 'position' }).first();
        const [row] = await trx('lost_reasons').insert({ ...nameColumns(localeOf(actor), input), position: Number(max?.p ?? 0) + 1, active: input.active ?? true, ...stamps(actor) }).returning('id');
        const id = Number(row.id ?? row);
        await core.audit.record(trx, actor, { action: 'create', recordType: 'lost_reasons', recordId: id, changes: diff(null, { ...nameColumns(localeOf(actor), input), active: input.active ?? true }) });
        return (await this.lostReasonsIn(trx, actor, [id]))[0];
      });
    },

    async updateLostReason(actor: Actor, id: number, patch: NameInput & { active?: boolean; position?: number; version: number }): Promise<LostReason> {
      requirePermission(actor, 'pipelines', 'update');
      validate(lostReasonUpdateSchema, patch);
      return knex.transaction(async (trx) => {
        const [before] = await this.lostReasonsIn(trx, actor, [id]);
        if (!before) throw new NotFoundError('lost reason');
        checkVersion(before, patch.version, before);
        const changes: Record<string, unknown> = { updated_at: now(), updated_by: actor.userId };
        Object.assign(changes, nameColumns(localeOf(actor), patch));
        if (patch.active !== undefined) changes.active = patch.active;
        if (patch.position !== undefined) changes.position = patch.position;
        await updateAtVersion(trx, 'lost_reasons', id, before.version, changes);
        const [after] = await this.lostReasonsIn(trx, actor, [id]);
        await core.audit.record(trx, actor, { action: 'update', recordType: 'lost_reasons', recordId: id, changes: diff({ name_zh: before.name_zh, name_en: before.name_en, active: before.active, position: before.position }, { name_zh: after.name_zh, name_en: after.name_en, active: after.active, position: after.position }) });
        return after;
      });
    },

    /** A reason a deal was lost for stays (deactivate it instead): 409. */
    async removeLostReason(actor: Actor, id: number): Promise<void> {
      requirePermission(actor, 'pipelines', 'update');
      await knex.transaction(async (trx) => {
        const [before] = await this.lostReasonsIn(trx, actor, [id]);
        if (!before) throw new NotFoundError('lost reason');
        if (await trx('deals').where({ lost_reason_id: id }).first('id')) throw new ConflictError('deals were lost for this reason; deactivate it instead', null, 'in_use');
        await trx('lost_reasons').where({ id }).delete();
        await core.audit.record(trx, actor, { action: 'delete', recordType: 'lost_reasons', recordId: id, changes: diff({ name_zh: before.name_zh, name_en: before.name_en }, { name_zh: null, name_en: null }) });
      });
    },

    async lostReasonsIn(db: Knex, actor: Pick<Actor, 'locale'>, ids: number[]): Promise<LostReason[]> {
      const locale = localeOf(actor);
      const rows = await db('lost_reasons').whereIn('id', ids);
      return core.db.rows.many<Record<string, unknown>>('lost_reasons', rows).map((r) => ({
        id: r.id as number, ...names(lostReasonName, locale, r as Named), position: r.position as number, active: Boolean(r.active), version: r.version as number,
      }));
    },
  };
}
export type PipelinesService = ReturnType<typeof createPipelinesService>;
