// The sales pipeline (issue 7, part 1): pipelines with ordered stages, configurable lost reasons,
// deals (a business record like a company) and every deal's stage history. Seeds the default
// pipeline (lead → qualification → needs analysis → proposal → negotiation → contract, and lost)
// and a few lost reasons; their names are locale keys (`name_key`) so they show in both languages
// until an admin names them (`name_zh`, `name_en`: a name in each language, either falling back
// to the other). A deal's contacts are rows of `deal_contacts`.
const { time, date, bytewise, stamps, record } = require('./lib/columns');

const DEFAULT_STAGES = [
  { key: 'lead', probability: 10, expected_days: 7, kind: 'open', required: [] },
  { key: 'qualification', probability: 20, expected_days: 14, kind: 'open', required: [] },
  { key: 'needs_analysis', probability: 40, expected_days: 14, kind: 'open', required: [] },
  { key: 'proposal', probability: 60, expected_days: 21, kind: 'open', required: ['amount'] },
  { key: 'negotiation', probability: 80, expected_days: 14, kind: 'open', required: ['amount', 'expected_close_date'] },
  { key: 'contract', probability: 100, expected_days: null, kind: 'won', required: ['amount'] },
  { key: 'lost', probability: 0, expected_days: null, kind: 'lost', required: [] },
];
const LOST_REASONS = ['price', 'competitor', 'no_budget', 'no_decision', 'timing', 'other'];
/** Record-service list sorts with live partial indexes (see 20261125040000_speed.js). */
const SORTS = ['name_sort', 'updated_at', 'created_at'];

exports.up = async function up(knex) {
  await knex.schema.createTable('pipelines', (t) => {
    t.increments('id');
    t.string('name_zh', 100).nullable();
    t.string('name_en', 100).nullable();
    t.string('name_key', 50).nullable();
    t.integer('position').notNullable();
    t.boolean('is_default').notNullable().defaultTo(false);
    stamps(t, knex);
  });

  await knex.schema.createTable('pipeline_stages', (t) => {
    t.increments('id');
    t.integer('pipeline_id').notNullable().references('id').inTable('pipelines');
    t.string('name_zh', 100).nullable();
    t.string('name_en', 100).nullable();
    t.string('name_key', 50).nullable();
    t.integer('position').notNullable();
    t.integer('probability').notNullable();
    t.integer('expected_days').nullable();
    t.string('kind', 10).notNullable();
    t.json('required_fields').notNullable();
    stamps(t, knex);
    t.index(['pipeline_id', 'position']);
  });

  await knex.schema.createTable('lost_reasons', (t) => {
    t.increments('id');
    t.string('name_zh', 100).nullable();
    t.string('name_en', 100).nullable();
    t.string('name_key', 50).nullable();
    t.integer('position').notNullable();
    t.boolean('active').notNullable().defaultTo(true);
    stamps(t, knex);
  });

  await knex.schema.createTable('deals', (t) => {
    t.increments('id');
    t.string('name', 200).notNullable();
    bytewise(t, knex, 'name_sort', 400).notNullable();
    t.integer('company_id').nullable().references('id').inTable('companies');
    // integer minor units (fen, cents) of `currency`
    t.bigInteger('amount').nullable();
    t.string('currency', 3).notNullable();
    date(t, knex, 'expected_close_date').nullable();
    // null: the stage's probability
    t.integer('probability').nullable();
    t.integer('pipeline_id').notNullable().references('id').inTable('pipelines');
    t.integer('stage_id').notNullable().references('id').inTable('pipeline_stages');
    time(t, knex, 'stage_entered_at').notNullable();
    t.string('next_step', 200).nullable();
    // the lead it was converted from (leads arrive in part 2 of issue 7)
    t.integer('source_lead_id').nullable();
    time(t, knex, 'won_at').nullable();
    time(t, knex, 'lost_at').nullable();
    t.integer('lost_reason_id').nullable().references('id').inTable('lost_reasons');
    t.string('lost_note', 1000).nullable();
    t.text('notes').nullable();
    record(t, knex);
    t.index(['company_id']);
    t.index(['source_lead_id']);
  });

  await knex.schema.createTable('deal_contacts', (t) => {
    t.integer('deal_id').notNullable().references('id').inTable('deals');
    t.integer('contact_id').notNullable().references('id').inTable('contacts');
    t.integer('position').notNullable();
    t.primary(['deal_id', 'contact_id']);
    t.index(['contact_id']);
  });
  // The board: one column is one index range, oldest in the stage first; the scope is tested inside the index.
  await knex.raw('create index deals_board on deals (pipeline_id, stage_id, stage_entered_at, id, owner_id, team_id) where deleted_at is null');
  await knex.raw('create index deals_owner_board on deals (owner_id, pipeline_id, stage_id, stage_entered_at, id) where deleted_at is null');
  for (const column of SORTS) {
    await knex.raw(`create index deals_live_${column} on deals (${column}, id, owner_id, team_id) where deleted_at is null`);
    await knex.raw(`create index deals_owner_${column} on deals (owner_id, ${column}, id, team_id) where deleted_at is null`);
  }

  await knex.schema.createTable('deal_stage_history', (t) => {
    t.bigIncrements('id');
    t.integer('deal_id').notNullable().references('id').inTable('deals');
    // null for the entry at creation
    t.integer('from_stage_id').nullable().references('id').inTable('pipeline_stages');
    t.integer('to_stage_id').notNullable().references('id').inTable('pipeline_stages');
    time(t, knex, 'at').notNullable();
    t.integer('by').nullable().references('id').inTable('users');
    t.index(['deal_id', 'at', 'id']);
    t.index(['to_stage_id', 'at']);
  });

  // ---- seed: the default pipeline and lost reasons ----
  const now = new Date().toISOString();
  const meta = { created_at: now, updated_at: now, version: 1 };
  const [p] = await knex('pipelines').insert({ name_key: 'default', position: 1, is_default: true, ...meta }).returning('id');
  const pipelineId = Number(p.id ?? p);
  await knex('pipeline_stages').insert(DEFAULT_STAGES.map((s, i) => ({
    pipeline_id: pipelineId, name_key: s.key, position: i + 1, probability: s.probability, expected_days: s.expected_days, kind: s.kind, required_fields: JSON.stringify(s.required), ...meta,
  })));
  await knex('lost_reasons').insert(LOST_REASONS.map((key, i) => ({ name_key: key, position: i + 1, active: true, ...meta })));
};

exports.down = async function down(knex) {
  for (const table of ['deal_stage_history', 'deal_contacts', 'deals', 'lost_reasons', 'pipeline_stages', 'pipelines']) await knex.schema.dropTable(table);
};
