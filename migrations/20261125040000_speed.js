// Indexes for the contact and company lists at 1,000,000 contacts (issue 5's speed figures).
//
// Every list reads live records in one sort order (name, updated, created, last contact) through
// the caller's scope (owner_id, team_id). Partial indexes over live rows
//   <table>_live_<sort>  (sort column, id, owner_id, team_id)   for managers and administrators
//   <table>_owner_<sort> (owner_id, sort column, id, team_id)   for a rep's own book, or one owner
// let a list walk the sort order and test the scope inside the index, stopping after 51 rows,
// without a table lookup per skipped row: a page is ~1-3 ms whatever the size of the team or book.
// They replace the plain (sort column, id) and (owner_id, sort column, id) indexes.
const SORTS = ['name_sort', 'updated_at', 'created_at', 'last_contact_at'];
const SUPERSEDED = {
  name_sort_id_index: ['name_sort', 'id'],
  updated_at_id_index: ['updated_at', 'id'],
  last_contact_at_index: ['last_contact_at'],
  owner_id_name_sort_id_index: ['owner_id', 'name_sort', 'id'],
  owner_id_updated_at_id_index: ['owner_id', 'updated_at', 'id'],
  owner_id_last_contact_at_id_index: ['owner_id', 'last_contact_at', 'id'],
};

exports.up = async function up(knex) {
  for (const table of ['contacts', 'companies']) {
    for (const column of SORTS) {
      await knex.raw(`create index ${table}_live_${column} on ${table} (${column}, id, owner_id, team_id) where deleted_at is null`);
      await knex.raw(`create index ${table}_owner_${column} on ${table} (owner_id, ${column}, id, team_id) where deleted_at is null`);
    }
    for (const name of Object.keys(SUPERSEDED)) await knex.raw(`drop index ${table}_${name}`);
    // Planner statistics for the new indexes (SQLite would otherwise guess, and guess badly).
    await knex.raw(`analyze ${table}`);
  }
};

exports.down = async function down(knex) {
  for (const table of ['contacts', 'companies']) {
    for (const [name, columns] of Object.entries(SUPERSEDED)) await knex.raw(`create index ${table}_${name} on ${table} (${columns.join(', ')})`);
    for (const column of SORTS) {
      await knex.raw(`drop index ${table}_owner_${column}`);
      await knex.raw(`drop index ${table}_live_${column}`);
    }
  }
};
