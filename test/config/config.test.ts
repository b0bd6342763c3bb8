// Unit tests of src/config/load.ts: env names of every key, the KEHU_* variables, the DATABASE_URL
// alias, precedence (default.json < KEHU_CONFIG file < env), and the messages for bad input.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { ConfigError, configKeys, envNameFor, loadConfig } from '../../src/config/load';
import { configSchema } from '../../src/config/schema';

const ROOT = path.resolve(__dirname, '..', '..');
const defaults = JSON.parse(fs.readFileSync(path.join(ROOT, 'config', 'default.json'), 'utf8'));

/** Writes `content` to a temporary file, removed when the test ends. */
function tempFile(t: Test, name: string, content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kehu-config-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

/** Runs loadConfig and returns the ConfigError it throws (failing the test if it does not throw one). */
function configError(t: Test, env: NodeJS.ProcessEnv): string {
  try {
    loadConfig({ env });
  } catch (err) {
    t.type(err, ConfigError, 'a ConfigError, not some other failure');
    return (err as Error).message;
  }
  t.fail(`loadConfig accepted ${JSON.stringify(env)}`);
  return '';
}

t.test('envNameFor maps keys to KEHU_* names', async (t) => {
  t.equal(envNameFor('smtp.host'), 'KEHU_SMTP_HOST');
  t.equal(envNameFor('dataDir'), 'KEHU_DATA_DIR');
  t.equal(envNameFor('database.poolMax'), 'KEHU_DATABASE_POOL_MAX');
  t.equal(envNameFor('databaseUrl'), 'KEHU_DATABASE_URL');
  t.equal(envNameFor('baseUrl'), 'KEHU_BASE_URL');
  t.equal(envNameFor('logLevel'), 'KEHU_LOG_LEVEL');
  t.equal(envNameFor('bodyLimitBytes'), 'KEHU_BODY_LIMIT_BYTES');
  t.equal(envNameFor('tls.certFile'), 'KEHU_TLS_CERT_FILE');
  t.equal(envNameFor('audit.sealIntervalMs'), 'KEHU_AUDIT_SEAL_INTERVAL_MS');
});

t.test('every config key has its own environment variable', async (t) => {
  const keys = configKeys().map((k) => k.key);
  t.ok(keys.length >= 10, `the schema has leaf keys (${keys.length})`);
  // configKeys covers every leaf of the schema: walk the schema independently and compare.
  const leaves: string[] = [];
  const walk = (node: { properties?: Record<string, any> }, prefix: string) => {
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      const key = prefix ? `${prefix}.${name}` : name;
      if (child.type === 'object') walk(child, key);
      else leaves.push(key);
    }
  };
  walk(configSchema as any, '');
  t.same([...keys].sort(), [...leaves].sort(), 'configKeys() lists every leaf key of the schema');
  // every key of default.json is a config key, and the other way round
  const defaultLeaves: string[] = [];
  const walkValues = (obj: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (v && typeof v === 'object' && !Array.isArray(v)) walkValues(v as Record<string, unknown>, key);
      else defaultLeaves.push(key);
    }
  };
  walkValues(defaults, '');
  t.same([...defaultLeaves].sort(), [...keys].sort(), 'config/default.json has a default for exactly the schema keys');

  const names = new Map<string, string>();
  for (const key of keys) {
    const name = envNameFor(key);
    t.match(name, /^KEHU_[A-Z0-9_]+$/, `${key} -> ${name}`);
    t.notOk(names.has(name), `${name} is only used by ${key}${names.has(name) ? ` (also ${names.get(name)})` : ''}`);
    names.set(name, key);
  }
  t.equal(names.size, keys.length, 'the mapping is injective');
});

t.test('defaults come from config/default.json', async (t) => {
  const { config, warnings } = loadConfig({ env: {} });
  t.equal(config.host, defaults.host);
  t.equal(config.port, defaults.port);
  t.equal(config.logLevel, defaults.logLevel);
  t.equal(config.database.poolMax, defaults.database.poolMax);
  t.equal(config.jobs.enabled, defaults.jobs.enabled);
  t.equal(config.dataDir, path.resolve(defaults.dataDir), 'dataDir is made absolute');
  t.same(warnings, []);
});

t.test('the KEHU_* variables work as named', async (t) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kehu-config-data-'));
  t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const { config, warnings } = loadConfig({
    env: {
      KEHU_HOST: '127.0.0.2',
      KEHU_PORT: '4321',
      KEHU_DATA_DIR: dataDir,
      KEHU_BASE_URL: 'https://crm.example.local/',
      KEHU_LOG_LEVEL: 'debug',
      KEHU_DATABASE_URL: 'postgres://kehu@db.example.local:5432/kehu',
      KEHU_DATABASE_POOL_MAX: '7',
      KEHU_SESSION_TTL_HOURS: '24',
    },
  });
  t.equal(config.host, '127.0.0.2');
  t.equal(config.port, 4321);
  t.equal(typeof config.port, 'number', 'numbers are parsed');
  t.equal(config.dataDir, dataDir);
  t.equal(config.baseUrl, 'https://crm.example.local', 'trailing slash dropped');
  t.equal(config.logLevel, 'debug');
  t.equal(config.databaseUrl, 'postgres://kehu@db.example.local:5432/kehu');
  t.equal(config.database.poolMax, 7);
  t.equal(config.session.ttlHours, 24);
  t.same(warnings, []);

  const relative = loadConfig({ env: { KEHU_DATA_DIR: 'some/relative/dir' } }).config;
  t.equal(relative.dataDir, path.resolve('some/relative/dir'), 'a relative data dir is resolved');
});

t.test('DATABASE_URL is an alias; KEHU_DATABASE_URL wins', async (t) => {
  t.equal(loadConfig({ env: { DATABASE_URL: 'postgres://a@h/alias' } }).config.databaseUrl, 'postgres://a@h/alias');
  t.equal(loadConfig({ env: { DATABASE_URL: 'postgres://a@h/alias', KEHU_DATABASE_URL: 'sqlite:/tmp/kehu-own.db' } }).config.databaseUrl, 'sqlite:/tmp/kehu-own.db');
  t.equal(loadConfig({ env: { KEHU_DATABASE_URL: 'sqlite:/tmp/kehu-own.db' } }).config.databaseUrl, 'sqlite:/tmp/kehu-own.db');
  t.equal(loadConfig({ env: {} }).config.databaseUrl, defaults.databaseUrl, 'neither set: the default');
  t.same(loadConfig({ env: { DATABASE_URL: 'postgres://a@h/alias' } }).warnings, [], 'the alias is not warned about');
});

t.test('precedence: default.json < KEHU_CONFIG file < environment', async (t) => {
  t.not(defaults.port, 4000, 'the file value differs from the default');
  const file = tempFile(t, 'kehu.json', JSON.stringify({ port: 4000, logLevel: 'warn', database: { poolMax: 3 } }));
  const fromFile = loadConfig({ env: { KEHU_CONFIG: file } }).config;
  t.equal(fromFile.port, 4000, 'the file overrides default.json');
  t.equal(fromFile.logLevel, 'warn');
  t.equal(fromFile.database.poolMax, 3);
  t.equal(fromFile.database.busyTimeoutMs, defaults.database.busyTimeoutMs, 'nested objects are merged, not replaced');
  t.equal(fromFile.host, defaults.host, 'keys the file does not set keep their default');

  const both = loadConfig({ env: { KEHU_CONFIG: file, KEHU_PORT: '5000', KEHU_DATABASE_POOL_MAX: '9' } }).config;
  t.equal(both.port, 5000, 'the environment overrides the file');
  t.equal(both.database.poolMax, 9);
  t.equal(both.logLevel, 'warn', 'file values the environment does not set stay');

  const overridden = loadConfig({ env: { KEHU_CONFIG: file, KEHU_PORT: '5000' }, overrides: { port: 6000 } }).config;
  t.equal(overridden.port, 6000, 'overrides in code win over everything');

  const relative = path.relative(process.cwd(), file);
  t.equal(loadConfig({ env: { KEHU_CONFIG: relative } }).config.port, 4000, 'a relative KEHU_CONFIG path works');
});

t.test('a bad value names the key and what is allowed', async (t) => {
  const port = configError(t, { KEHU_PORT: 'abc' });
  t.match(port, /"port"/);
  t.match(port, /KEHU_PORT/);
  t.match(port, /integer/);

  const range = configError(t, { KEHU_PORT: '70000' });
  t.match(range, /"port"/);
  t.match(range, /65535/);

  const level = configError(t, { KEHU_LOG_LEVEL: 'loud' });
  t.match(level, /"logLevel"/);
  t.match(level, /KEHU_LOG_LEVEL/);
  for (const allowed of configSchema.properties.logLevel.enum) t.ok(level.includes(allowed), `names the allowed value ${allowed}`);

  const url = configError(t, { KEHU_DATABASE_URL: 'mysql://x@h/db' });
  t.match(url, /"databaseUrl"/);
  t.match(url, /sqlite/);
  t.match(url, /postgres/);

  const nested = configError(t, { KEHU_DATABASE_POOL_MAX: '0' });
  t.match(nested, /"database\.poolMax"/);
  t.match(nested, /KEHU_DATABASE_POOL_MAX/);
  t.match(nested, />= 1/);

  const bool = configError(t, { KEHU_JOBS_ENABLED: 'yes' });
  t.match(bool, /"jobs\.enabled"/);
  t.match(bool, /boolean/);

  const file = tempFile(t, 'bad.json', JSON.stringify({ session: { ttlHours: 9999 } }));
  const fromFile = configError(t, { KEHU_CONFIG: file });
  t.match(fromFile, /"session\.ttlHours"/);
  t.match(fromFile, /720/);

  const tls = tempFile(t, 'tls.json', JSON.stringify({ tls: { certFile: '/etc/kehu/cert.pem', keyFile: '' } }));
  const half = configError(t, { KEHU_CONFIG: tls });
  t.match(half, /tls\.certFile/);
  t.match(half, /tls\.keyFile/);
});

t.test('an unknown key in the KEHU_CONFIG file is refused, naming it', async (t) => {
  const top = tempFile(t, 'top.json', JSON.stringify({ colour: 'red', port: 4000 }));
  const topMessage = configError(t, { KEHU_CONFIG: top });
  t.match(topMessage, /"colour"/);

  const nested = tempFile(t, 'nested.json', JSON.stringify({ database: { poolMax: 5, poolMin: 1 } }));
  const nestedMessage = configError(t, { KEHU_CONFIG: nested });
  t.match(nestedMessage, /database\.poolMin/, 'a nested unknown key is named with its full path');
});

t.test('a config file that is not JSON, or missing, gives a clear message', async (t) => {
  const broken = tempFile(t, 'broken.json', '{ "port": 4000, ');
  const message = configError(t, { KEHU_CONFIG: broken });
  t.ok(message.includes(broken), 'names the file');
  t.match(message, /not valid JSON/);

  const list = tempFile(t, 'list.json', '[1, 2]');
  const listMessage = configError(t, { KEHU_CONFIG: list });
  t.ok(listMessage.includes(list), 'names the file');
  t.match(listMessage, /object/, 'says the top level must be an object');

  const missing = path.join(os.tmpdir(), `kehu-no-such-config-${process.pid}.json`);
  const missingMessage = configError(t, { KEHU_CONFIG: missing });
  t.ok(missingMessage.includes(missing), 'names the missing file');
  t.match(missingMessage, /cannot read/);
});

t.test('booleans from the environment are parsed', async (t) => {
  t.equal(loadConfig({ env: { KEHU_JOBS_ENABLED: 'false' } }).config.jobs.enabled, false);
  t.equal(loadConfig({ env: { KEHU_JOBS_ENABLED: 'true' } }).config.jobs.enabled, true);
  t.equal(loadConfig({ env: { KEHU_JOBS_ENABLED: 'FALSE' } }).config.jobs.enabled, false, 'case does not matter');
  t.equal(loadConfig({ env: { KEHU_TRUST_PROXY: 'true' } }).config.trustProxy, true);
  t.equal(loadConfig({ env: { KEHU_TRUST_PROXY: 'false' } }).config.trustProxy, false);
  t.equal(loadConfig({ env: { KEHU_TRUST_PROXY: '10.0.0.1,10.0.0.2' } }).config.trustProxy, '10.0.0.1,10.0.0.2', 'a string where a string is allowed');
});

t.test('an unknown KEHU_* variable is a warning, not an error', async (t) => {
  const { config, warnings } = loadConfig({ env: { KEHU_PORTT: '4000', KEHU_PORT: '4001', OTHER_THING: 'x' } });
  t.equal(config.port, 4001);
  t.equal(warnings.length, 1, 'one warning');
  t.match(warnings[0], /KEHU_PORTT/);
  t.notOk(warnings.some((w) => w.includes('OTHER_THING')), 'variables without the KEHU_ prefix are not ours');
  t.same(loadConfig({ env: { KEHU_CONFIG: '', KEHU_TEST_DB: 'sqlite' } }).warnings, [], 'KEHU_CONFIG and the test variables are not warned about');
});

t.test('an empty baseUrl derives http://localhost:<port>', async (t) => {
  t.equal(defaults.baseUrl, '', 'the default is empty');
  t.equal(loadConfig({ env: { KEHU_PORT: '8123' } }).config.baseUrl, 'http://localhost:8123');
  t.equal(loadConfig({ env: { KEHU_PORT: '8123', KEHU_BASE_URL: '' } }).config.baseUrl, 'http://localhost:8123');
  t.equal(loadConfig({ env: {} }).config.baseUrl, `http://localhost:${defaults.port}`);
  t.equal(loadConfig({ env: { KEHU_PORT: '8123', KEHU_BASE_URL: 'http://crm.local:9000' } }).config.baseUrl, 'http://crm.local:9000', 'a set baseUrl is kept');
  const bad = configError(t, { KEHU_BASE_URL: 'crm.local' });
  t.match(bad, /"baseUrl"/);
  t.match(bad, /KEHU_BASE_URL/);
});
