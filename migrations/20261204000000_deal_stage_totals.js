// The board's per-stage count, total and weighted total, kept by the database as deals change.
// Summed from the deals themselves, a board reads every deal in its scope: an owner's whole
// pipeline (276,000 open and closed deals in the benchmark set) took ~90 ms of SQLite for its
// figures alone, a rep's ~1.3 ms. Here they are one row per pipeline, owner, stage, team and
// currency (a few thousand rows in all), so any scope decided by owner and team sums a handful of
// them. Triggers keep the rows, so no write path (form, API, bulk, merge, hand-over, purge,
// import) can forget them; the board falls back to the deals when a share or a close-date filter
// decides which deals count (deals.service.ts, boardFigures).
//
// The weighted total is split so that a stage's probability can change without touching these
// rows: deals with their own probability add amount × probability (`weighted100`), the others add
// their amount to `at_stage_probability`, which the board multiplies by the stage's probability.
// `team_key` is team_id with 0 for "no team", since a primary key cannot hold NULL; `team_id`
// itself stays nullable so that scope and filters compare it exactly as they compare deals.team_id.
// Backups carry the table like any other; a restore holds the triggers off while it loads rows.
const { isPg } = require('./lib/columns');

const KEY = 'pipeline_id, owner_id, stage_id, team_key, currency';
const COLUMNS = `${KEY}, team_id, deals, amount, at_stage_probability, weighted100`;
const ADD = 'deals = deal_stage_totals.deals + excluded.deals, amount = deal_stage_totals.amount + excluded.amount, '
  + 'at_stage_probability = deal_stage_totals.at_stage_probability + excluded.at_stage_probability, '
  + 'weighted100 = deal_stage_totals.weighted100 + excluded.weighted100';

/** The values one deal row (`r`: new or old) adds to its totals row, times `sign`. */
const values = (r, sign) => `${r}.pipeline_id, ${r}.owner_id, ${r}.stage_id, coalesce(${r}.team_id, 0), ${r}.currency, ${r}.team_id, ${sign}, `
  + `${sign} * coalesce(${r}.amount, 0), ${sign} * (case when ${r}.probability is null then coalesce(${r}.amount, 0) else 0 end), `
  + `${sign} * coalesce(${r}.amount * ${r}.probability, 0)`;

const upsert = (r, sign, where) => `insert into deal_stage_totals (${COLUMNS}) select ${values(r, sign)} where ${where} on conflict (${KEY}) do update set ${ADD};`;

/** The totals of the deals already there. */
const FILL = `insert into deal_stage_totals (${COLUMNS})
  select pipeline_id, owner_id, stage_id, coalesce(team_id, 0), currency, team_id, count(*), coalesce(sum(amount), 0),
    coalesce(sum(case when probability is null then amount end), 0), coalesce(sum(amount * probability), 0)
  from deals where deleted_at is null group by pipeline_id, owner_id, stage_id, team_id, currency`;

// Columns whose change moves a deal's amount between totals rows.
const WATCHED = 'pipeline_id, stage_id, owner_id, team_id, currency, amount, probability, deleted_at';

exports.up = async function up(knex) {
  await knex.schema.createTable('deal_stage_totals', (t) => {
    t.integer('pipeline_id').notNullable();
    t.integer('owner_id').notNullable();
    t.integer('stage_id').notNullable();
    t.integer('team_key').notNullable();
    t.string('currency', 3).notNullable();
    t.integer('team_id').nullable();
    t.integer('deals').notNullable();
    t.bigInteger('amount').notNullable();
    t.bigInteger('at_stage_probability').notNullable();
    t.bigInteger('weighted100').notNullable();
    t.primary(['pipeline_id', 'owner_id', 'stage_id', 'team_key', 'currency']);
  });
  // A manager's board filtered to one team.
  await knex.raw('create index deal_stage_totals_team on deal_stage_totals (team_id, pipeline_id)');
  await knex.raw(FILL);

  if (isPg(knex)) {
    // "or replace": a restore empties the schema by dropping its tables, which leaves functions.
    // Two totals rows change when a deal moves; taking them in key order means two moves in
    // opposite directions cannot deadlock on them.
    await knex.raw(`create or replace function deal_stage_totals_apply() returns trigger language plpgsql as $$
      declare
        old_live boolean := tg_op <> 'INSERT' and old.deleted_at is null;
        new_live boolean := tg_op <> 'DELETE' and new.deleted_at is null;
        old_first boolean := true;
      begin
        if old_live and new_live then
          old_first := (old.pipeline_id, old.owner_id, old.stage_id, coalesce(old.team_id, 0), old.currency)
            <= (new.pipeline_id, new.owner_id, new.stage_id, coalesce(new.team_id, 0), new.currency);
        end if;
        if old_live and old_first then ${upsert('old', -1, 'true')} end if;
        if new_live then ${upsert('new', 1, 'true')} end if;
        if old_live and not old_first then ${upsert('old', -1, 'true')} end if;
        return null;
      end $$`);
    await knex.raw(`create trigger deal_stage_totals after insert or delete or update of ${WATCHED} on deals for each row execute function deal_stage_totals_apply()`);
  } else {
    await knex.raw(`create trigger deal_stage_totals_insert after insert on deals begin ${upsert('new', 1, 'new.deleted_at is null')} end`);
    await knex.raw(`create trigger deal_stage_totals_delete after delete on deals begin ${upsert('old', -1, 'old.deleted_at is null')} end`);
    await knex.raw(`create trigger deal_stage_totals_update after update of ${WATCHED} on deals begin
      ${upsert('old', -1, 'old.deleted_at is null')}
      ${upsert('new', 1, 'new.deleted_at is null')}
    end`);
  }
};

exports.down = async function down(knex) {
  if (isPg(knex)) {
    await knex.raw('drop trigger deal_stage_totals on deals');
    await knex.raw('drop function deal_stage_totals_apply()');
  } else {
    for (const t of ['insert', 'delete', 'update']) await knex.raw(`drop trigger deal_stage_totals_${t}`);
  }
  await knex.schema.dropTable('deal_stage_totals');
};
