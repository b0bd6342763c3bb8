// Indexes for the contact and company lists at 1,000,000 contacts (issue 5's speed figures).
//
// Every list reads live records in one sort order (name, updated, created, last contact) through
// the caller's scope (owner_id, team_id). A partial index over live rows of (sort column, id,
// owner_id, team_id) lets a list walk the sort order and test the scope inside the index, stopping
// after 51 rows, without a table lookup per skipped row: a manager's or an administrator's page is
// then ~1 ms whatever the size of the team. These replace the plain (sort column, id) indexes.
// "Newest first" for a rep's own book gets the owner-first index the other sorts already have.
const LIVE_SORTS = ['name_sort', 'updated_at', 'created_at', 'last_contact_at'];
const SUPERSEDED = {
  contacts: ['contacts_name_sort_id_index', 'contacts_updated_at_id_index', 'contacts_last_contact_at_index'],
  companies: ['companies_name_sort_id_index', 'companies_updated_at_id_index', 'companies_last_contact_at_index'],
};
const SUPERSEDED_COLUMNS = {
  contacts_name_sort_id_index: ['name_sort', 'id'],
  contacts_updated_at_id_index: ['updated_at', 'id'],
  contacts_last_contact_at_index: ['last_contact_at'],
  companies_name_sort_id_index: ['name_sort', 'id'],
  companies_updated_at_id_index: ['updated_at', 'id'],
  companies_last_contact_at_index: ['last_contact_at'],
};

exports.up = async function up(knex) {
  for (const table of ['contacts', 'companies']) {
    for (const column of LIVE_SORTS) {
      await knex.raw(`create index ${table}_live_${column} on ${table} (${column}, id, owner_id, team_id) where deleted_at is null`);
    }
    await knex.raw(`create index ${table}_owner_created on ${table} (owner_id, created_at, id)`);
    for (const name of SUPERSEDED[table]) await knex.raw(`drop index ${name}`);
    // Planner statistics for the new indexes (SQLite would otherwise guess, and guess badly).
    await knex.raw(`analyze ${table}`);
  }
};

exports.down = async function down(knex) {
  for (const table of ['contacts', 'companies']) {
    for (const name of SUPERSEDED[table]) await knex.raw(`create index ${name} on ${table} (${SUPERSEDED_COLUMNS[name].join(', ')})`);
    await knex.raw(`drop index ${table}_owner_created`);
    for (const column of LIVE_SORTS) await knex.raw(`drop index ${table}_live_${column}`);
  }
};
