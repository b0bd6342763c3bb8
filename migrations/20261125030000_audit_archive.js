// Audit rotation and verification: a checkpoint row for every archive piece moved out of the
// table (the chain's head at that point and the file's SHA-256), and the result of each
// scheduled verification for the admin pages.
const { time, bytewise } = require('./lib/columns');

exports.up = async function up(knex) {
  await knex.schema.createTable('audit_checkpoints', (t) => {
    t.increments('id');
    time(t, knex, 'at').notNullable();
    t.bigInteger('from_seq').notNullable().unique();
    t.bigInteger('through_seq').notNullable().unique();
    // hash of the entry at through_seq: the next piece's (or the table's) first prev_hash
    bytewise(t, knex, 'head_hash', 64).notNullable();
    bytewise(t, knex, 'file', 200).notNullable().unique();
    bytewise(t, knex, 'file_sha256', 64).notNullable();
    t.integer('entries').notNullable();
    // what the piece holds, so readers open only the pieces a query can match
    t.bigInteger('min_id').notNullable();
    t.bigInteger('max_id').notNullable();
    time(t, knex, 'first_at').notNullable();
    time(t, knex, 'last_at').notNullable();
    // set when audit.deleteArchivesAfterDays removed the file; the row keeps the chain's link
    time(t, knex, 'file_deleted_at').nullable();
  });

  await knex.schema.createTable('audit_verifications', (t) => {
    t.increments('id');
    time(t, knex, 'at').notNullable();
    t.boolean('ok').notNullable();
    t.bigInteger('checked').notNullable();
    t.bigInteger('head_seq').notNullable();
    bytewise(t, knex, 'head_hash', 64).notNullable();
    t.bigInteger('problem_seq').nullable();
    t.bigInteger('problem_id').nullable();
    t.string('problem_file', 200).nullable();
    t.text('reason').nullable();
    t.integer('duration_ms').notNullable();
    t.index(['at']);
  });
};

exports.down = async function down(knex) {
  await knex.schema.dropTable('audit_verifications');
  await knex.schema.dropTable('audit_checkpoints');
};
