// `kehu license:install FILE` and `kehu license:status` as real child processes (the test CLI
// entry, which alone takes the test key from KEHU_TEST_LICENSE_PUBLIC_KEY_FILE), with every network
// connection and DNS lookup refused except the test's own Postgres; the real src/main.ts ignores
// that variable and refuses a test-signed license; and in-process, the license code paths (verify,
// install, status, pages, the daily check) make no outbound connection attempt at all.
import { spawn } from 'node:child_process';
import dns from 'node:dns';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import t from 'tap';
import { apiClient, buildTestApp, setupAdmin } from '../helper';
import { createTestDatabase } from '../support/databases';
import { browser } from '../support/page-client';
import { testLicense, testLicenseFiles } from '../support/license';
import { sealAll } from '../../src/audit/sealer';
import { buildApp } from '../../src/app';
import { testConfig } from '../helper';

const ROOT = path.resolve(__dirname, '..', '..');
t.setTimeout(300_000);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function node(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--require', path.join(ROOT, 'test/support/no-network.cjs'), '--import', 'tsx', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} did not finish\n${stdout}\n${stderr}`));
    }, 120_000);
    proc.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function dbAddress(url: string): string {
  if (url.startsWith('sqlite:')) return '';
  const u = new URL(url);
  return `${u.hostname}:${u.port || 5432}`;
}

t.test('the no-network preload itself refuses connections and lookups', async (t) => {
  const run = await node(['-e', "require('node:http').get('http://203.0.113.7/').on('error', () => {}); require('node:dns').lookup('license.example.com', () => {});"], { PATH: process.env.PATH ?? '' });
  t.match(run.stderr, /NETWORK ATTEMPT connect 203\.0\.113\.7:80/);
  t.match(run.stderr, /NETWORK ATTEMPT dns lookup license\.example\.com/);
});

t.test('kehu license:install and license:status, offline', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const files = testLicenseFiles();
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    KEHU_DATA_DIR: db.dataDir,
    KEHU_DATABASE_URL: db.databaseUrl,
    KEHU_TEST_LICENSE_PUBLIC_KEY_FILE: files.publicKey,
    KEHU_TEST_ALLOW_CONNECT: dbAddress(db.databaseUrl),
  };
  const cli = (...args: string[]) => node(['test/support/kehu-cli.ts', ...args], env);
  const write = (name: string, value: unknown) => {
    const file = path.join(db.dataDir, name);
    fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
    return file;
  };
  const good = testLicense({ license_id: 'K-CLI-1', licensee: '命令行公司', edition: 'standard', seats: 12, updates_until: '2028-06-30' });

  const before = await cli('license:status');
  t.equal(before.code, 0, before.stderr);
  t.match(before.stdout, /free edition \(no license installed\): up to 3 active users/);

  const checked = await cli('license:install', write('good.json', good), '--check');
  t.equal(checked.code, 0, checked.stderr);
  t.match(checked.stdout, /valid license K-CLI-1 .* \(not installed\)/);

  const tampered = await cli('license:install', write('tampered.json', { ...good, payload: { ...good.payload, seats: 120 } }));
  t.equal(tampered.code, 1);
  t.match(tampered.stderr, /^kehu license:install: the license signature does not match its contents/);
  t.equal(tampered.stderr.trim().split('\n').filter((l) => !l.startsWith('NETWORK')).length, 1, 'one line');
  const wrong = await cli('license:install', write('wrong.json', testLicense({ product: 'other' })));
  t.equal(wrong.code, 1);
  t.match(wrong.stderr, /not for Kehu/);
  const expired = await cli('license:install', write('expired.json', testLicense({ updates_until: '2026-02-01' })));
  t.equal(expired.code, 1);
  t.match(expired.stderr, /updates ended on 2026-02-01/);
  const missing = await cli('license:install', path.join(db.dataDir, 'nope.json'));
  t.equal(missing.code, 1);
  t.match(missing.stderr, /cannot read .*nope\.json: no such file/);
  const none = await cli('license:install');
  t.equal(none.code, 1);
  t.match(none.stderr, /name the license file/);

  const installed = await cli('license:install', write('license.json', good));
  t.equal(installed.code, 0, installed.stderr);
  t.match(installed.stdout, /installed license K-CLI-1 for 命令行公司: standard, 0\/12 seats in use, updates until 2028-06-30/);
  const status = await cli('license:status', '--json');
  t.equal(status.code, 0, status.stderr);
  t.match(JSON.parse(status.stdout), { source: 'installed', license_id: 'K-CLI-1', seats: { used: 0, allowed: 12 } });

  for (const run of [before, checked, tampered, wrong, expired, missing, installed, status]) t.notMatch(run.stderr, /NETWORK ATTEMPT/, 'no network attempt');

  // The product's own entry knows nothing of the test key: the same file is refused there.
  const real = await node(['src/main.ts', 'license:install', path.join(db.dataDir, 'license.json')], env);
  t.equal(real.code, 1, 'src/main.ts verifies with the built-in vendor key only');
  t.match(real.stderr, /signature does not match/);

  // Stored and audited as the CLI (a system actor).
  const app = await buildApp({ config: testConfig(db), logger: false });
  t.teardown(() => app.close());
  const knex = app.core.db.knex;
  t.equal((await knex('licenses')).length, 1, 'one license stored (the refused ones were not)');
  await sealAll(knex);
  const entry = await knex('audit_log').where({ action: 'license' }).first();
  t.match(entry, { record_type: 'system', actor_id: null, ip: /^cli@/ });
});

t.test('the license code paths open no network connection (in process)', async (t) => {
  const { app, db } = await buildTestApp(t, { license: null });
  const { token } = await setupAdmin(app);
  const allowedTarget = dbAddress(db.databaseUrl);
  const attempts: string[] = [];
  const connect = net.Socket.prototype.connect;
  const lookup = dns.lookup;
  // Record (and refuse) everything but the test's own database.
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const a = (Array.isArray(args[0]) ? args[0][0] : args[0]) as { host?: string; port?: number; path?: string } | number | string;
    const target = typeof a === 'object' ? (a.path ? null : `${a.host ?? 'localhost'}:${a.port}`) : typeof a === 'number' || /^\d+$/.test(String(a)) ? `${typeof args[1] === 'string' ? args[1] : 'localhost'}:${a}` : null;
    if (target && target !== allowedTarget) {
      attempts.push(`connect ${target}`);
      throw new Error('network refused by the test');
    }
    return (connect as (...x: unknown[]) => net.Socket).apply(this, args);
  } as typeof connect;
  (dns as { lookup: unknown }).lookup = (host: string, ...rest: unknown[]) => {
    attempts.push(`dns ${host}`);
    const cb = rest.find((r) => typeof r === 'function') as ((e: Error) => void) | undefined;
    cb?.(new Error('dns refused by the test'));
  };
  t.teardown(() => {
    net.Socket.prototype.connect = connect;
    (dns as { lookup: unknown }).lookup = lookup;
  });

  const api = apiClient(app, token);
  const license = testLicense({ license_id: 'K-OFFLINE', seats: 5 });
  t.throws(() => app.services.license.verify({ ...license, signature: license.signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) }));
  t.equal((await api.put('/api/v1/license', { license })).status, 200);
  t.equal((await api.get('/api/v1/license')).status, 200);
  t.equal((await browser(app, token).get('/admin/license')).status, 200);
  t.equal((await app.jobs.runNow('license.check'))?.status, 'succeeded');
  t.equal((await api.post('/api/v1/users', { email: 'offline@example.com', name: 'Offline', role: 'sales', password: 'User-pass-2026!' })).status, 201, 'the seat check');
  t.same(attempts, [], 'no connection or lookup was attempted');
});
