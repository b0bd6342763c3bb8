// Identity and the cross-cutting core: settings, secrets, roles, teams, users, sessions,
// sign-in throttling, one-time links, the audit log, job runs and leases.
const { time, bytewise, stamps } = require('./lib/columns');

exports.up = async function up(knex) {
  await knex.schema.createTable('settings', (t) => {
    t.string('key', 100).primary();
    t.json('value').notNullable();
    time(t, knex, 'updated_at').notNullable();
    t.integer('updated_by').nullable();
  });

  // Generated at first start and shared by every process on this database; never leaves it.
  await knex.schema.createTable('secrets', (t) => {
    t.string('name', 100).primary();
    t.string('value', 200).notNullable();
    time(t, knex, 'created_at').notNullable();
  });

  await knex.schema.createTable('roles', (t) => {
    t.increments('id');
    t.string('key', 50).notNullable().unique();
    t.string('name', 100).notNullable();
    t.boolean('builtin').notNullable().defaultTo(false);
    t.json('permissions').notNullable();
    time(t, knex, 'created_at').notNullable();
    time(t, knex, 'updated_at').notNullable();
    t.integer('version').notNullable().defaultTo(1);
  });

  await knex.schema.createTable('users', (t) => {
    t.increments('id');
    bytewise(t, knex, 'email', 254).notNullable().unique();
    t.string('name', 100).notNullable();
    bytewise(t, knex, 'name_sort').notNullable();
    t.string('password_hash', 200).nullable();
    t.string('locale', 10).nullable();
    t.integer('role_id').notNullable().references('id').inTable('roles');
    t.integer('primary_team_id').nullable();
    t.boolean('active').notNullable().defaultTo(true);
    time(t, knex, 'last_sign_in_at').nullable();
    time(t, knex, 'password_changed_at').nullable();
    time(t, knex, 'created_at').notNullable();
    t.integer('created_by').nullable();
    time(t, knex, 'updated_at').notNullable();
    t.integer('updated_by').nullable();
    t.integer('version').notNullable().defaultTo(1);
    t.index(['name_sort', 'id']);
  });

  // A tree: `path` is the chain of ids from the root ("/1/4/9/"), so a subtree is one prefix match.
  await knex.schema.createTable('teams', (t) => {
    t.increments('id');
    t.string('name', 100).notNullable();
    bytewise(t, knex, 'name_sort').notNullable();
    t.integer('parent_id').nullable().references('id').inTable('teams');
    bytewise(t, knex, 'path', 500).notNullable();
    stamps(t, knex);
    time(t, knex, 'deleted_at').nullable();
    t.index(['path']);
  });

  await knex.schema.alterTable('users', (t) => {
    t.foreign('primary_team_id').references('id').inTable('teams');
  });

  await knex.schema.createTable('user_teams', (t) => {
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.integer('team_id').notNullable().references('id').inTable('teams');
    t.primary(['user_id', 'team_id']);
    t.index(['team_id']);
  });

  await knex.schema.createTable('sessions', (t) => {
    t.increments('id');
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('kind', 10).notNullable();
    time(t, knex, 'created_at').notNullable();
    time(t, knex, 'expires_at').notNullable();
    time(t, knex, 'last_seen_at').notNullable();
    time(t, knex, 'revoked_at').nullable();
    t.string('revoked_reason', 50).nullable();
    t.string('ip', 64).nullable();
    t.string('user_agent', 300).nullable();
    t.index(['user_id', 'revoked_at']);
    t.index(['expires_at']);
  });

  await knex.schema.createTable('auth_failures', (t) => {
    t.increments('id');
    bytewise(t, knex, 'account', 254).notNullable();
    t.string('ip', 64).notNullable();
    time(t, knex, 'at').notNullable();
    t.index(['account', 'at']);
    t.index(['account', 'ip', 'at']);
  });

  // One-time links for invitations and password resets; only a hash of the token is kept.
  await knex.schema.createTable('password_links', (t) => {
    t.increments('id');
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('purpose', 10).notNullable();
    bytewise(t, knex, 'token_hash', 64).notNullable().unique();
    time(t, knex, 'created_at').notNullable();
    t.integer('created_by').nullable();
    time(t, knex, 'expires_at').notNullable();
    time(t, knex, 'used_at').nullable();
  });

  // Entries are written inside the transaction of the change they record (seq, prev_hash and hash
  // null), then sealed into the hash chain in seq order by a single sealer.
  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id');
    time(t, knex, 'at').notNullable();
    t.integer('actor_id').nullable();
    t.string('ip', 64).nullable();
    t.string('user_agent', 300).nullable();
    t.string('request_id', 64).nullable();
    t.string('action', 50).notNullable();
    t.string('record_type', 50).notNullable();
    t.string('record_id', 64).nullable();
    t.text('changes').nullable();
    t.bigInteger('seq').nullable().unique();
    bytewise(t, knex, 'prev_hash', 64).nullable();
    bytewise(t, knex, 'hash', 64).nullable();
    t.index(['actor_id', 'at']);
    t.index(['record_type', 'record_id']);
    t.index(['at']);
  });
  await knex.raw('create index audit_log_unsealed on audit_log (id) where seq is null');

  // The values behind each changed field, outside the chain: the chain holds a salted commitment,
  // so erasing a value (privacy request) deletes this row and verification still passes.
  await knex.schema.createTable('audit_values', (t) => {
    t.bigIncrements('id');
    t.bigInteger('entry_id').notNullable().references('id').inTable('audit_log');
    t.string('field', 100).notNullable();
    bytewise(t, knex, 'salt', 32).notNullable();
    t.text('before_value').nullable();
    t.text('after_value').nullable();
    t.unique(['entry_id', 'field']);
  });

  await knex.schema.createTable('job_runs', (t) => {
    t.increments('id');
    t.string('job', 100).notNullable();
    t.string('slot', 64).notNullable();
    t.string('status', 20).notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    time(t, knex, 'started_at').notNullable();
    time(t, knex, 'heartbeat_at').notNullable();
    time(t, knex, 'finished_at').nullable();
    t.string('host', 200).notNullable();
    t.text('error').nullable();
    t.unique(['job', 'slot']);
    t.index(['job', 'started_at']);
  });

  await knex.schema.createTable('leases', (t) => {
    t.string('name', 100).primary();
    t.string('holder', 200).notNullable();
    time(t, knex, 'expires_at').notNullable();
  });
};

exports.down = async function down(knex) {
  for (const table of ['leases', 'job_runs', 'audit_values', 'audit_log', 'password_links', 'auth_failures', 'sessions', 'user_teams']) {
    await knex.schema.dropTable(table);
  }
  await knex.schema.alterTable('users', (t) => t.dropForeign('primary_team_id'));
  for (const table of ['teams', 'users', 'roles', 'secrets', 'settings']) await knex.schema.dropTable(table);
};
