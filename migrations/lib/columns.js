// Column helpers shared by migrations (Knex does not load files in this sub-folder as migrations).
// They fix the data representation documented in docs/ARCHITECTURE.md once, for both databases.

const isPg = (knex) => knex.client.config.client === 'pg';

/** A UTC ISO-8601 time ("2026-11-25T14:47:17.123Z"), compared byte-wise on both databases. */
function time(t, knex, name) {
  return isPg(knex) ? t.specificType(name, 'varchar(24) collate "C"') : t.string(name, 24);
}

/** A calendar date ("2026-11-25"). */
function date(t, knex, name) {
  return isPg(knex) ? t.specificType(name, 'varchar(10) collate "C"') : t.string(name, 10);
}

/** Text compared byte-wise on both databases: sort keys, normalised keys, hashes, paths. */
function bytewise(t, knex, name, length = 255) {
  return isPg(knex) ? t.specificType(name, `varchar(${length}) collate "C"`) : t.string(name, length);
}

/** created_at/updated_at and who did it. */
function stamps(t, knex) {
  time(t, knex, 'created_at').notNullable();
  t.integer('created_by').nullable().references('id').inTable('users');
  time(t, knex, 'updated_at').notNullable();
  t.integer('updated_by').nullable().references('id').inTable('users');
  t.integer('version').notNullable().defaultTo(1);
}

/** What every business record carries: owner and team, who/when, a version, soft deletion. */
function record(t, knex) {
  t.integer('owner_id').notNullable().references('id').inTable('users');
  t.integer('team_id').nullable().references('id').inTable('teams');
  stamps(t, knex);
  time(t, knex, 'deleted_at').nullable();
  t.integer('deleted_by').nullable().references('id').inTable('users');
}

module.exports = { isPg, time, date, bytewise, stamps, record };
