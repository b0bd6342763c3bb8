// Leads (issue 7, part 3): inquiries not yet qualified, scoped and audited like every record;
// web-to-lead submissions held in quarantine, per-address and global rate counters, ordered
// routing rules (the round-robin cursor lives on the rule row, claimed in a transaction), scoring
// rules, follow-up cadences by score band, and the lead settings (fallback owner, limits).
const { time, bytewise, stamps, record } = require('./lib/columns');

const SORTS = ['name_sort', 'updated_at', 'created_at'];

exports.up = async function up(knex) {
  await knex.schema.createTable('leads', (t) => {
    t.increments('id');
    // the person
    t.string('name', 200).notNullable();
    bytewise(t, knex, 'name_sort', 400).notNullable();
    t.string('company_name', 200).nullable();
    bytewise(t, knex, 'company_key', 200).nullable();
    t.string('phone', 50).nullable();
    bytewise(t, knex, 'phone_rev', 30).nullable();
    t.string('email', 254).nullable();
    bytewise(t, knex, 'email_key', 254).nullable();
    t.string('source', 20).notNullable();
    t.text('message').nullable();
    t.string('region', 100).nullable();
    t.string('industry', 100).nullable();
    t.string('size_band', 20).nullable();
    t.string('status', 20).notNullable().defaultTo('new');
    t.string('disqualified_reason', 500).nullable();
    t.integer('score').notNullable().defaultTo(0);
    t.json('score_reasons').nullable();
    t.boolean('consent').notNullable().defaultTo(false);
    time(t, knex, 'consent_at').nullable();
    t.string('consent_text', 500).nullable();
    // what it became
    time(t, knex, 'converted_at').nullable();
    t.integer('converted_company_id').nullable().references('id').inTable('companies');
    t.integer('converted_contact_id').nullable().references('id').inTable('contacts');
    t.integer('converted_deal_id').nullable().references('id').inTable('deals');
    t.integer('merged_into_id').nullable().references('id').inTable('leads');
    t.string('routed_by', 100).nullable();
    record(t, knex);
    t.index(['company_key']);
    t.index(['phone_rev']);
    t.index(['email_key']);
    t.index(['owner_id', 'status']);
  });
  for (const column of SORTS) {
    await knex.raw(`create index leads_live_${column} on leads (${column}, id, owner_id, team_id) where deleted_at is null`);
    await knex.raw(`create index leads_owner_${column} on leads (owner_id, ${column}, id, team_id) where deleted_at is null`);
  }

  await knex.schema.createTable('lead_settings', (t) => {
    t.integer('id').primary();
    t.integer('fallback_user_id').nullable().references('id').inTable('users');
    t.integer('per_address_per_hour').notNullable();
    t.integer('global_per_minute').notNullable();
    // over the limit: 'quarantine' (kept for an admin to release) or 'refuse'
    t.string('over_limit', 20).notNullable();
    t.string('thank_you_text', 500).nullable();
    stamps(t, knex);
  });

  await knex.schema.createTable('lead_submissions', (t) => {
    t.bigIncrements('id');
    time(t, knex, 'received_at').notNullable();
    t.string('source_address', 64).notNullable();
    t.json('payload').notNullable();
    // quarantined | released | discarded
    t.string('status', 20).notNullable();
    t.string('reason', 50).notNullable();
    t.integer('lead_id').nullable().references('id').inTable('leads');
    t.index(['status', 'received_at']);
  });

  await knex.schema.createTable('lead_rate_counters', (t) => {
    t.string('counter', 80).notNullable();
    time(t, knex, 'window_start').notNullable();
    t.integer('hits').notNullable();
    t.primary(['counter', 'window_start']);
  });

  await knex.schema.createTable('lead_routing_rules', (t) => {
    t.increments('id');
    t.integer('position').notNullable();
    t.string('name', 100).notNullable();
    // [{ field, op: eq|in|contains, value }] all of which must hold; [] matches every lead
    t.json('conditions').notNullable();
    // user | round_robin | least_loaded
    t.string('action', 20).notNullable();
    t.integer('user_id').nullable().references('id').inTable('users');
    t.integer('team_id').nullable().references('id').inTable('teams');
    // round-robin: the last user given a lead by this rule
    t.integer('rr_last_user_id').nullable();
    t.boolean('active').notNullable().defaultTo(true);
    stamps(t, knex);
  });

  await knex.schema.createTable('lead_scoring_rules', (t) => {
    t.increments('id');
    // field: points when a field matches; behaviour: points per activity logged on the lead, decaying
    t.string('kind', 20).notNullable();
    t.string('label', 100).notNullable();
    t.string('field', 50).nullable();
    t.string('op', 20).nullable();
    t.string('value', 200).nullable();
    t.string('activity_type', 20).nullable();
    t.integer('points').notNullable();
    // behaviour points halve every this many days (null: no decay)
    t.integer('half_life_days').nullable();
    t.boolean('active').notNullable().defaultTo(true);
    stamps(t, knex);
  });

  await knex.schema.createTable('lead_cadences', (t) => {
    t.increments('id');
    t.string('band', 20).notNullable().unique();
    t.integer('min_score').notNullable();
    // `touches` follow-up tasks every `per_days` days
    t.integer('touches').notNullable();
    t.integer('per_days').notNullable();
    stamps(t, knex);
  });

  const now = new Date().toISOString();
  const meta = { created_at: now, updated_at: now, version: 1 };
  await knex('lead_settings').insert({ id: 1, fallback_user_id: null, per_address_per_hour: 20, global_per_minute: 600, over_limit: 'quarantine', thank_you_text: null, ...meta });
  await knex('lead_cadences').insert([
    { band: 'hot', min_score: 60, touches: 2, per_days: 7, ...meta },
    { band: 'warm', min_score: 30, touches: 1, per_days: 30, ...meta },
  ]);
  await knex('lead_scoring_rules').insert([
    { kind: 'field', label: 'company email', field: 'email', op: 'company_email', value: null, points: 15, ...meta },
    { kind: 'field', label: 'has a phone', field: 'phone', op: 'present', value: null, points: 10, ...meta },
    { kind: 'behaviour', label: 'activity logged', activity_type: null, points: 10, half_life_days: 30, ...meta },
  ]);
};

exports.down = async function down(knex) {
  for (const table of ['lead_cadences', 'lead_scoring_rules', 'lead_routing_rules', 'lead_rate_counters', 'lead_submissions', 'lead_settings', 'leads']) await knex.schema.dropTable(table);
};
