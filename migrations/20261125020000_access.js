// Access control: records shared with a user or a team (read or edit), and a description on roles
// so custom roles can say what they are for.
const { time } = require('./lib/columns');

exports.up = async function up(knex) {
  await knex.schema.createTable('record_shares', (t) => {
    t.increments('id');
    t.string('record_type', 30).notNullable();
    t.integer('record_id').notNullable();
    // Exactly one of user_id / team_id; a team share reaches the team's members and its sub-teams.
    t.integer('user_id').nullable().references('id').inTable('users');
    t.integer('team_id').nullable().references('id').inTable('teams');
    t.string('access', 8).notNullable();
    time(t, knex, 'created_at').notNullable();
    t.integer('created_by').nullable().references('id').inTable('users');
    t.index(['record_type', 'record_id']);
    t.index(['user_id', 'record_type', 'record_id']);
    t.index(['team_id', 'record_type', 'record_id']);
  });
  await knex.schema.alterTable('roles', (t) => {
    t.string('description', 300).nullable();
  });
};

exports.down = async function down(knex) {
  await knex.schema.alterTable('roles', (t) => {
    t.dropColumn('description');
  });
  await knex.schema.dropTable('record_shares');
};
