// The `kehu` command line as a real child process (node --import tsx src/main.ts): --help, migrate
// and migrate --status, user:create (the first admin completes setup), user:reset-password, and the
// one-line failures for bad input, unknown commands and options, and bad configuration values.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { buildApp } from '../../src/app';
import { configSchema } from '../../src/config/schema';
import { call, testConfig } from '../helper';
import { createTestDatabase } from '../support/databases';

const ROOT = path.resolve(__dirname, '..', '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function kehu(args: string[], env: Record<string, string>, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`kehu ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    proc.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    proc.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A failure message: exactly one non-empty line on stderr, no stack trace. */
function oneLine(t: Test, run: Run, what: string): string {
  const lines = run.stderr.split('\n').filter((l) => l.trim() !== '');
  t.equal(lines.length, 1, `${what}: one line on stderr (got ${JSON.stringify(run.stderr)})`);
  t.notMatch(run.stderr, /^\s+at /m, `${what}: no stack trace`);
  return lines[0] ?? '';
}

const migrationFiles = fs.readdirSync(path.join(ROOT, 'migrations')).filter((f) => f.endsWith('.js')).sort();

// Each run starts node and compiles the sources with tsx: allow for a slow, busy machine.
t.setTimeout(300_000);

t.test('the kehu command line', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', KEHU_DATA_DIR: db.dataDir, KEHU_DATABASE_URL: db.databaseUrl };
  const config = testConfig(db);

  /** Builds the web app on the same database, runs `fn`, and closes it (SQLite must not stay open while the CLI writes). */
  async function withApp<T>(fn: (app: Awaited<ReturnType<typeof buildApp>>) => Promise<T>): Promise<T> {
    const app = await buildApp({ config, logger: false });
    try {
      return await fn(app);
    } finally {
      await app.close();
    }
  }
  const login = (email: string, password: string) =>
    withApp(async (app) => (await call(app, { method: 'POST', url: '/api/v1/auth/login', payload: { email, password } })).status);

  await t.test('--help lists the commands', async (t) => {
    const run = await kehu(['--help'], env);
    t.equal(run.code, 0);
    for (const name of ['serve', 'migrate', 'user:create', 'user:reset-password']) t.match(run.stdout, new RegExp(`^\\s+${name}\\s`, 'm'), `lists ${name}`);
    t.equal(run.stderr, '');

    const sub = await kehu(['user:create', '--help'], env);
    t.equal(sub.code, 0, 'a command has --help too');
    t.match(sub.stdout, /--email/);
    t.match(sub.stdout, /--password/);
  });

  await t.test('migrate --status on a fresh database lists the pending migrations', async (t) => {
    t.equal(migrationFiles[0], '20261125000000_core.js', 'the first migration is the core one');
    const run = await kehu(['migrate', '--status'], env);
    t.equal(run.code, 0, run.stderr);
    const pending = [...run.stdout.matchAll(/^pending: (.+)$/gm)].map((m) => m[1].trim());
    t.same(pending, migrationFiles, 'every migration file is pending, in order');
    t.equal(pending[0], '20261125000000_core.js');
    t.match(run.stdout, /^applied: 0$/m);
    t.notMatch(run.stdout, /up to date/);
    t.equal(await migrationsApplied(), 0, 'and --status changed nothing');
  });

  async function migrationsApplied(): Promise<number> {
    const knex = (await import('knex')).default;
    const conn = db.dialect === 'sqlite'
      ? knex({ client: 'better-sqlite3', connection: { filename: db.databaseUrl.replace(/^sqlite:/, '') }, useNullAsDefault: true })
      : knex({ client: 'pg', connection: db.databaseUrl });
    try {
      if (!(await conn.schema.hasTable('knex_migrations'))) return 0;
      const [{ n }] = await conn('knex_migrations').count({ n: '*' });
      return Number(n);
    } finally {
      await conn.destroy();
    }
  }

  await t.test('migrate applies them; then --status says up to date', async (t) => {
    const run = await kehu(['migrate'], env);
    t.equal(run.code, 0, run.stderr);
    for (const f of migrationFiles) t.ok(run.stdout.includes(f), `applied ${f}`);
    t.equal(await migrationsApplied(), migrationFiles.length, 'recorded in knex_migrations');

    const status = await kehu(['migrate', '--status'], env);
    t.equal(status.code, 0);
    t.match(status.stdout, /up to date/);
    t.match(status.stdout, new RegExp(`^applied: ${migrationFiles.length}$`, 'm'));
    t.notMatch(status.stdout, /pending:/);

    const again = await kehu(['migrate'], env);
    t.equal(again.code, 0);
    t.match(again.stdout, /up to date/, 'a second migrate has nothing to do');
  });

  const email = 'chief@example.com';
  const password = 'Chief-pass-2026!';
  const newPassword = 'Rescued-pass-2027!';

  await t.test('user:create refuses a bad password in one line', async (t) => {
    const run = await kehu(['user:create', '--email', email, '--password', 'short', '--name', '王经理', '--role', 'admin'], env);
    t.equal(run.code, 1);
    const line = oneLine(t, run, 'too short password');
    t.match(line, /password/, 'names the password');
    t.equal(await withApp((app) => app.services.setup.isDone()), false, 'nobody was created, setup is still open');

    const missing = await kehu(['user:create', '--email', email, '--name', '王经理'], env);
    t.equal(missing.code, 1);
    t.match(oneLine(t, missing, 'missing password'), /--password/);
  });

  await t.test('user:create makes the first admin, and setup is done', async (t) => {
    const run = await kehu(['user:create', '--email', email, '--password', password, '--name', '王经理', '--role', 'admin'], env);
    t.equal(run.code, 0, run.stderr);
    t.match(run.stdout, /chief@example\.com/);
    await withApp(async (app) => {
      t.equal(await app.services.setup.isDone(), true, 'the web app considers setup done');
      const setupPage = await call(app, { method: 'GET', url: '/setup' });
      t.equal(setupPage.status, 303, 'the setup page is gone');
      t.equal(setupPage.headers.location, '/login');
      const user = await app.core.db.knex('users').where({ email }).first();
      t.ok(user, 'the user exists');
      t.equal(user.name, '王经理');
    });
    t.equal(await login(email, password), 200, 'the admin signs in with the password given');
  });

  await t.test('user:reset-password', async (t) => {
    const unknown = await kehu(['user:reset-password', '--email', 'nobody@example.com', '--password', newPassword], env);
    t.equal(unknown.code, 1);
    t.match(oneLine(t, unknown, 'unknown email'), /nobody@example\.com/);

    const weak = await kehu(['user:reset-password', '--email', email, '--password', 'password1'], env);
    t.equal(weak.code, 1, 'a common password is refused');
    t.match(oneLine(t, weak, 'common password'), /password/);
    t.equal(await login(email, password), 200, 'the old password still works after a refused reset');

    const run = await kehu(['user:reset-password', '--email', email.toUpperCase(), '--password', newPassword], env);
    t.equal(run.code, 0, run.stderr);
    t.equal(await login(email, newPassword), 200, 'the new password signs in');
    t.equal(await login(email, password), 401, 'the old one no longer does');
  });

  // The failures below change nothing, so they run side by side.
  const failures = {
    command: kehu(['frobnicate'], env),
    option: kehu(['migrate', '--bogus'], env),
    port: kehu(['migrate', '--status'], { ...env, KEHU_PORT: 'abc' }),
    level: kehu(['migrate', '--status'], { ...env, KEHU_LOG_LEVEL: 'loud' }),
  };
  await Promise.allSettled(Object.values(failures));

  await t.test('an unknown command fails in one line', async (t) => {
    const run = await failures.command;
    t.not(run.code, 0);
    t.match(oneLine(t, run, 'unknown command'), /frobnicate/);
    t.equal(run.stdout, '');
  });

  await t.test('an unknown option fails in one line', async (t) => {
    const run = await failures.option;
    t.not(run.code, 0);
    t.match(oneLine(t, run, 'unknown option'), /--bogus/);
    t.equal(run.stdout, '');
    t.equal(await migrationsApplied(), migrationFiles.length, 'nothing ran');
  });

  await t.test('a bad config value names the key and its variable', async (t) => {
    const port = await failures.port;
    t.equal(port.code, 1);
    t.match(port.stderr, /\bport\b/);
    t.match(port.stderr, /KEHU_PORT/);
    t.notMatch(port.stderr, /^\s+at /m, 'no stack trace');
    t.equal(port.stdout, '', 'nothing ran');

    const level = await failures.level;
    t.equal(level.code, 1);
    t.match(level.stderr, /logLevel/);
    t.match(level.stderr, /KEHU_LOG_LEVEL/);
    for (const allowed of configSchema.properties.logLevel.enum) t.ok(level.stderr.includes(allowed), `names the allowed value ${allowed}`);
  });
});
