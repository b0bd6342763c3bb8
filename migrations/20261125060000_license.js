// Licenses: every license installed (the newest is the one in force; older rows are the history),
// and the result of each daily license check for the admin pages.
const { time, date, bytewise } = require('./lib/columns');

exports.up = async function up(knex) {
  await knex.schema.createTable('licenses', (t) => {
    t.increments('id');
    bytewise(t, knex, 'license_id', 200).notNullable();
    t.string('licensee', 500).notNullable();
    t.string('edition', 100).notNullable();
    t.integer('seats').notNullable();
    date(t, knex, 'updates_until').notNullable();
    // the license file as installed; verified again against the built-in key whenever it is read
    t.text('file').notNullable();
    time(t, knex, 'installed_at').notNullable();
    t.integer('installed_by').nullable().references('id').inTable('users');
  });

  await knex.schema.createTable('license_checks', (t) => {
    t.increments('id');
    time(t, knex, 'at').notNullable();
    t.boolean('ok').notNullable();
    // [{ "code": "over_seats", … }]: what admins are told
    t.json('problems').notNullable();
    t.index(['at']);
  });
};

exports.down = async function down(knex) {
  await knex.schema.dropTable('license_checks');
  await knex.schema.dropTable('licenses');
};
