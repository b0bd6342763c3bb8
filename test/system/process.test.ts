// The real server process: it answers over HTTP and reports its startup time, finishes a request
// that is in flight when SIGTERM arrives and then exits 0, and refuses to start on a bad setting.
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import t, { type Test } from 'tap';
import { createTestDatabase, testDialect, type TestDatabase } from '../support/databases';
import { startKehu, type KehuProcess } from '../support/launcher';

const ROOT = path.resolve(__dirname, '..', '..');

// Each test starts real processes (through tsx, with migrations): slow on a busy machine.
t.setTimeout(300_000);
const START_TIMEOUT = 60_000;

/** A fresh database and a Kehu process on it, both gone when the test ends. */
async function kehuOnFreshDatabase(t: Test, extraEnv: Record<string, string> = {}): Promise<{ kehu: KehuProcess; db: TestDatabase }> {
  const db = await createTestDatabase();
  let kehu: KehuProcess;
  try {
    kehu = await startKehu({ KEHU_DATA_DIR: db.dataDir, KEHU_DATABASE_URL: db.databaseUrl, ...extraEnv }, { timeoutMs: START_TIMEOUT });
  } catch (err) {
    await db.drop();
    throw err;
  }
  t.teardown(async () => {
    await kehu.stop();
    await db.drop();
  });
  return { kehu, db };
}

function startupLine(kehu: KehuProcess): { port: number; startupMs: number } {
  const lines = kehu
    .output()
    .split('\n')
    .filter((l) => l.includes('"startupMs"'))
    .map((l) => JSON.parse(l));
  if (lines.length !== 1) throw new Error(`expected one startup line, got ${lines.length}:\n${kehu.output()}`);
  return lines[0];
}

t.test('the server answers over HTTP and logs its startup time', async (t) => {
  const db = await createTestDatabase();
  let kehu: KehuProcess | undefined;
  t.teardown(async () => {
    await kehu?.stop();
    await db.drop();
  });
  const env = { KEHU_DATA_DIR: db.dataDir, KEHU_DATABASE_URL: db.databaseUrl };

  // The first start also creates the schema; the figure that matters is a restart. A restart is
  // tried a second time if the first one was slow: the figure is wall time, and a busy machine
  // (test suites running side by side) can double it.
  const first = await startKehu(env, { timeoutMs: START_TIMEOUT });
  const firstStartup = startupLine(first);
  t.equal(await first.stop(), 0, 'the first process stopped cleanly');
  kehu = await startKehu(env, { timeoutMs: START_TIMEOUT });
  const restarts = [startupLine(kehu).startupMs];
  if (restarts[0] >= 5000) {
    t.equal(await kehu.stop(), 0);
    kehu = await startKehu(env, { timeoutMs: START_TIMEOUT });
    restarts.push(startupLine(kehu).startupMs);
  }

  const health = await fetch(`${kehu.url}/healthz`);
  t.equal(health.status, 200);
  t.same(await health.json(), { status: 'ok' });
  t.match(String(health.headers.get('x-request-id')), /^[0-9a-f-]{36}$/);
  const ready = await fetch(`${kehu.url}/readyz`);
  t.equal(ready.status, 200);
  t.same(await ready.json(), { status: 'ready', database: testDialect });

  const startup = startupLine(kehu);
  t.equal(startup.port, kehu.port, 'the startup line names the port');
  t.type(startup.startupMs, 'number');
  t.ok(firstStartup.startupMs > 0 && firstStartup.startupMs < 10_000, `first start (with migrations) in ${firstStartup.startupMs} ms`);
  t.ok(startup.startupMs > 0 && startup.startupMs < 5000, `restart in ${startup.startupMs} ms`);
  t.comment(`startup on ${testDialect}: ${firstStartup.startupMs} ms on a new database, ${restarts.join(' ms, then ')} ms on a restart (from source through tsx; the target is < 2000 ms once built)`);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

t.test('SIGTERM lets an in-flight request finish, then the process exits 0', async (t) => {
  // At debug level the server also logs each request as it arrives: the signal that it is in flight.
  const { kehu } = await kehuOnFreshDatabase(t, { KEHU_LOG_LEVEL: 'debug' });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => kehu.proc.once('exit', (code, signal) => resolve({ code, signal })));
  const body = JSON.stringify({ email: 'nobody@example.com', password: 'Not-the-password-1' });
  const half = Math.floor(body.length / 2);

  let req!: http.ClientRequest;
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req = http.request(
      { host: '127.0.0.1', port: kehu.port, path: '/api/v1/auth/login', method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
  });
  req.write(body.slice(0, half));
  // The signal comes once the server has logged the request: it is in flight, its body half sent.
  await waitFor('the request to reach the server', () => /"url":"\/api\/v1\/auth\/login".*"msg":"incoming request"/.test(kehu.output()));
  kehu.proc.kill('SIGTERM');
  await waitFor('the shutdown to begin', () => kehu.output().includes('shutting down'));

  const late = await fetch(`${kehu.url}/healthz`).then((r) => r.status, () => 'refused');
  t.ok(late === 'refused' || late === 503, `a new request during shutdown is turned away (${late})`);
  await sleep(300);
  t.equal(kehu.proc.exitCode, null, 'the process waits for the request');
  req.end(body.slice(half));

  const res = await response;
  t.equal(res.status, 401, 'the in-flight request was processed, not cut');
  t.equal(JSON.parse(res.body).error.code, 'unauthorized');
  const { code, signal } = await exited;
  t.equal(signal, null, 'it was not killed by the signal');
  t.equal(code, 0, 'it exited 0');
  t.match(kehu.output(), /"signal":"SIGTERM".*shutting down/);
});

/** Runs `kehu serve` directly (the launcher waits for readiness, which never comes here). */
function serveWith(env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main.ts'), 'serve'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', KEHU_HOST: '127.0.0.1', KEHU_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout.on('data', (c) => (output += c));
  proc.stderr.on('data', (c) => (output += c));
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: Date.now() - started });
    });
  });
}

t.test('a wrong setting stops the process with a message naming it', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const base = { KEHU_DATA_DIR: db.dataDir, KEHU_DATABASE_URL: db.databaseUrl };

  const [port, level] = await Promise.all([serveWith({ ...base, KEHU_PORT: 'abc' }), serveWith({ ...base, KEHU_PORT: '0', KEHU_LOG_LEVEL: 'loud' })]);
  t.not(port.code, 0, `exit code ${port.code}`);
  // Killed after 60 s otherwise: the figure itself is mostly Node and tsx starting, and load-dependent.
  t.not(port.code, null, `it exited by itself, after ${port.ms} ms`);
  t.comment(`a bad KEHU_PORT stopped the process after ${port.ms} ms`);
  t.match(port.output, /"port"/, 'the message names the key');
  t.match(port.output, /KEHU_PORT/, 'and the environment variable');
  t.notMatch(port.output, /Kehu is ready/);

  t.not(level.code, 0);
  t.not(level.code, null);
  t.match(level.output, /KEHU_LOG_LEVEL/);
  t.match(level.output, /one of .*info/, 'it lists the allowed values');
});
