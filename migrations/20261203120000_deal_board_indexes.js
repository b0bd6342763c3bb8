// The board at 300,000 deals (issue 7's speed part). Its per-stage count, total and weighted total
// read every deal of the board's scope: the largest rep's ~4,900, a team's ~7,900. Through the
// first indexes each of those was a row lookup for currency, amount and probability (the largest
// rep's aggregate on SQLite: 110-170 ms while the rows were not cached, ~12 ms once they were), and a
// manager's board filtered to one team had no index that starts with the team at all (it walked the
// whole pipeline's index: ~300 ms). The board indexes now carry what the aggregate and the
// close-date filter read, so both are index-only ranges (~8 ms and ~7-15 ms, on the shared 2-core
// machine at load 8-10), and a team filter has its own index; a column's cards are still one range
// of each in (stage_entered_at, id).
// deleted_at too: SQLite counts a partial index as covering only when it holds every column the
// query names, the one of its own WHERE clause included.
const CARRIED = 'currency, amount, probability, expected_close_date, deleted_at';

exports.up = async function up(knex) {
  await knex.raw('drop index deals_board');
  await knex.raw('drop index deals_owner_board');
  await knex.raw(`create index deals_board on deals (pipeline_id, stage_id, stage_entered_at, id, owner_id, team_id, ${CARRIED}) where deleted_at is null`);
  await knex.raw(`create index deals_owner_board on deals (owner_id, pipeline_id, stage_id, stage_entered_at, id, team_id, ${CARRIED}) where deleted_at is null`);
  await knex.raw(`create index deals_team_board on deals (team_id, pipeline_id, stage_id, stage_entered_at, id, owner_id, ${CARRIED}) where deleted_at is null`);
};

exports.down = async function down(knex) {
  await knex.raw('drop index deals_team_board');
  await knex.raw('drop index deals_owner_board');
  await knex.raw('drop index deals_board');
  await knex.raw('create index deals_board on deals (pipeline_id, stage_id, stage_entered_at, id, owner_id, team_id) where deleted_at is null');
  await knex.raw('create index deals_owner_board on deals (owner_id, pipeline_id, stage_id, stage_entered_at, id) where deleted_at is null');
};
