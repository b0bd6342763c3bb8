// Backups: one row per backup run (scheduled, manual, before a migration, before a forced
// restore), with its outcome and the verification of the archive, for the admin pages and the
// "last backup failed" banner. The archives themselves live in backup.dir.
const { time } = require('./lib/columns');

exports.up = async function up(knex) {
  await knex.schema.createTable('backups', (t) => {
    t.increments('id');
    t.string('file', 200).nullable();
    t.string('dir', 1000).notNullable();
    t.string('kind', 20).notNullable();
    t.string('status', 20).notNullable();
    time(t, knex, 'started_at').notNullable();
    time(t, knex, 'finished_at').nullable();
    t.bigInteger('size').nullable();
    t.bigInteger('rows').nullable();
    t.integer('duration_ms').nullable();
    time(t, knex, 'verified_at').nullable();
    t.boolean('verified_ok').nullable();
    t.text('problems').nullable();
    t.text('error').nullable();
    t.integer('created_by').nullable();
    t.index(['started_at']);
    t.index(['file']);
  });
};

exports.down = async function down(knex) {
  await knex.schema.dropTable('backups');
};
