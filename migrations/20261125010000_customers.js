// Customers: companies, contacts, the communication log (activities), follow-up tasks, tags,
// attachments, the one link shape between records, the search index, notifications, saved views.
const { time, date, bytewise, stamps, record } = require('./lib/columns');

exports.up = async function up(knex) {
  await knex.schema.createTable('tags', (t) => {
    t.increments('id');
    t.string('name', 50).notNullable();
    bytewise(t, knex, 'name_key', 50).notNullable().unique();
    bytewise(t, knex, 'name_sort').notNullable();
    t.string('color', 7).notNullable();
    stamps(t, knex);
  });

  await knex.schema.createTable('companies', (t) => {
    t.increments('id');
    t.string('name', 200).notNullable();
    bytewise(t, knex, 'name_sort').notNullable();
    // Normalised name for duplicate detection: width, case, spaces and legal suffixes folded away.
    bytewise(t, knex, 'name_key', 200).notNullable();
    t.string('short_name', 100).nullable();
    t.string('industry', 50).nullable();
    t.string('size_band', 20).nullable();
    t.string('source', 30).nullable();
    t.string('province', 30).nullable();
    t.string('city', 30).nullable();
    t.string('address', 300).nullable();
    t.string('website', 200).nullable();
    t.string('phone', 50).nullable();
    // Digits reversed, so "ends with 5678" is an index prefix match.
    bytewise(t, knex, 'phone_rev', 30).nullable();
    t.string('grade', 1).nullable();
    t.text('notes').nullable();
    time(t, knex, 'last_contact_at').nullable();
    record(t, knex);
    t.index(['name_sort', 'id']);
    t.index(['owner_id', 'name_sort', 'id']);
    t.index(['team_id', 'name_sort', 'id']);
    t.index(['name_key']);
    t.index(['phone_rev']);
    t.index(['updated_at', 'id']);
    t.index(['last_contact_at']);
    t.index(['owner_id', 'updated_at', 'id']);
    t.index(['owner_id', 'last_contact_at', 'id']);
  });

  await knex.schema.createTable('contacts', (t) => {
    t.increments('id');
    t.string('name', 100).notNullable();
    bytewise(t, knex, 'name_sort').notNullable();
    t.integer('company_id').nullable().references('id').inTable('companies');
    t.string('title', 100).nullable();
    t.string('mobile', 50).nullable();
    bytewise(t, knex, 'mobile_rev', 30).nullable();
    t.string('phone', 50).nullable();
    bytewise(t, knex, 'phone_rev', 30).nullable();
    t.string('email', 254).nullable();
    bytewise(t, knex, 'email_key', 254).nullable();
    t.string('wechat', 100).nullable();
    bytewise(t, knex, 'wechat_key', 100).nullable();
    date(t, knex, 'birthday').nullable();
    t.string('source', 30).nullable();
    t.text('notes').nullable();
    t.boolean('consent').notNullable().defaultTo(false);
    time(t, knex, 'consent_at').nullable();
    t.string('consent_how', 100).nullable();
    time(t, knex, 'last_contact_at').nullable();
    record(t, knex);
    t.index(['name_sort', 'id']);
    t.index(['owner_id', 'name_sort', 'id']);
    t.index(['team_id', 'name_sort', 'id']);
    t.index(['company_id']);
    t.index(['mobile_rev']);
    t.index(['phone_rev']);
    t.index(['email_key']);
    t.index(['wechat_key']);
    t.index(['updated_at', 'id']);
    t.index(['last_contact_at']);
    t.index(['owner_id', 'updated_at', 'id']);
    t.index(['owner_id', 'last_contact_at', 'id']);
  });

  // The trash: deleted records only. A plain index on deleted_at would match almost every live row
  // for "deleted_at is null", and planners pick it over the sort indexes, turning lists into scans.
  for (const table of ['companies', 'contacts']) {
    await knex.raw(`create index ${table}_trash on ${table} (deleted_at) where deleted_at is not null`);
  }

  await knex.schema.createTable('activities', (t) => {
    t.increments('id');
    t.string('type', 20).notNullable();
    time(t, knex, 'occurred_at').notNullable();
    t.string('subject', 200).notNullable();
    t.text('content').nullable();
    t.string('outcome', 200).nullable();
    t.string('next_step', 200).nullable();
    time(t, knex, 'next_step_at').nullable();
    record(t, knex);
    t.index(['owner_id', 'occurred_at', 'id']);
    t.index(['occurred_at', 'id']);
  });

  await knex.schema.createTable('tasks', (t) => {
    t.increments('id');
    t.string('title', 200).notNullable();
    time(t, knex, 'due_at').nullable();
    t.string('priority', 10).notNullable().defaultTo('normal');
    time(t, knex, 'done_at').nullable();
    t.integer('done_by').nullable().references('id').inTable('users');
    time(t, knex, 'remind_at').nullable();
    time(t, knex, 'reminded_at').nullable();
    t.integer('activity_id').nullable().references('id').inTable('activities');
    record(t, knex);
    t.index(['owner_id', 'done_at', 'due_at']);
    t.index(['due_at', 'id']);
    t.index(['remind_at']);
  });

  await knex.schema.createTable('attachments', (t) => {
    t.increments('id');
    t.string('file_name', 255).notNullable();
    t.string('mime', 100).notNullable();
    t.bigInteger('size').notNullable();
    bytewise(t, knex, 'sha256', 64).notNullable();
    record(t, knex);
  });

  // The one shape for "this record belongs to / is about that record": an activity about a
  // company and three contacts, a task on any record, an attachment on a contact. `at` is the
  // child's place on the parent's timeline, so a timeline is one index range.
  await knex.schema.createTable('record_links', (t) => {
    t.bigIncrements('id');
    t.string('child_type', 20).notNullable();
    t.integer('child_id').notNullable();
    t.string('parent_type', 20).notNullable();
    t.integer('parent_id').notNullable();
    time(t, knex, 'at').notNullable();
    t.unique(['child_type', 'child_id', 'parent_type', 'parent_id']);
    t.index(['parent_type', 'parent_id', 'at', 'id']);
    t.index(['parent_type', 'parent_id', 'child_type', 'at']);
  });

  await knex.schema.createTable('taggings', (t) => {
    t.integer('tag_id').notNullable().references('id').inTable('tags').onDelete('CASCADE');
    t.string('record_type', 20).notNullable();
    t.integer('record_id').notNullable();
    t.primary(['record_type', 'record_id', 'tag_id']);
    t.index(['tag_id', 'record_type', 'record_id']);
  });

  // Two-character grams of searchable names: Chinese words are often two characters, which
  // trigram indexes (FTS5 trigram, pg_trgm) cannot serve.
  await knex.schema.createTable('search_grams', (t) => {
    bytewise(t, knex, 'gram', 8).notNullable();
    t.string('record_type', 20).notNullable();
    t.integer('record_id').notNullable();
    t.primary(['gram', 'record_type', 'record_id']);
    t.index(['record_type', 'record_id']);
  });

  await knex.schema.createTable('notifications', (t) => {
    t.bigIncrements('id');
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('kind', 30).notNullable();
    t.string('record_type', 20).nullable();
    t.integer('record_id').nullable();
    t.string('title', 300).notNullable();
    time(t, knex, 'created_at').notNullable();
    time(t, knex, 'read_at').nullable();
    t.index(['user_id', 'read_at', 'id']);
  });

  await knex.schema.createTable('saved_views', (t) => {
    t.increments('id');
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('record_type', 20).notNullable();
    t.string('name', 100).notNullable();
    t.json('query').notNullable();
    time(t, knex, 'created_at').notNullable();
    t.unique(['user_id', 'record_type', 'name']);
  });
};

exports.down = async function down(knex) {
  for (const table of ['saved_views', 'notifications', 'search_grams', 'taggings', 'record_links', 'attachments', 'tasks', 'activities', 'contacts', 'companies', 'tags']) {
    await knex.schema.dropTable(table);
  }
};
