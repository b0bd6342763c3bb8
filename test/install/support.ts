// Shared by the install tests: the release archive (built once per commit and cached), real
// processes of an installed or unpacked Kehu, free ports, and signing in over HTTP like a browser.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'Install-test-2026!';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  output: string;
}

/** Runs a command to its end with a clean environment (PATH and HOME, plus env). */
export function run(file: string, args: string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(file, args, {
      cwd: options.cwd ?? os.tmpdir(),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let output = '';
    proc.stdout.on('data', (c) => ((stdout += c), (output += c)));
    proc.stderr.on('data', (c) => ((stderr += c), (output += c)));
    const timer = setTimeout(() => proc.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    proc.on('error', reject);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, output });
    });
  });
}

function sha256(data: string | Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

async function git(args: string[]): Promise<string> {
  const r = await run('git', ['-C', ROOT, ...args], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`git ${args.join(' ')}: ${r.output}`);
  return r.stdout.trim();
}

export interface ReleaseArchive {
  file: string;
  commit: string;
  /** How it was obtained, for the test log. */
  how: string;
}

const CACHE = path.join(os.tmpdir(), 'kehu-release-cache');

/**
 * The release archive of HEAD, built by scripts/release.sh --ref HEAD (what `npm run release`
 * does, from the committed code) once per HEAD + lockfile + release script + Node ABI and cached
 * under the temp directory; concurrent test files wait for one build. KEHU_TEST_RELEASE_ARCHIVE
 * names a ready archive instead. Uncommitted changes are not in it: commit before testing them.
 */
export async function releaseArchive(): Promise<ReleaseArchive> {
  const given = process.env.KEHU_TEST_RELEASE_ARCHIVE;
  if (given) {
    if (!fs.existsSync(given)) throw new Error(`KEHU_TEST_RELEASE_ARCHIVE=${given}: no such file`);
    return { file: path.resolve(given), commit: await git(['rev-parse', 'HEAD']).catch(() => 'unknown'), how: 'given by KEHU_TEST_RELEASE_ARCHIVE' };
  }
  const commit = await git(['rev-parse', 'HEAD']);

  const key = sha256(
    [commit, fs.readFileSync(path.join(ROOT, 'package-lock.json')), fs.readFileSync(path.join(ROOT, 'scripts/release.sh')), process.versions.modules, process.arch].join('\n'),
  ).slice(0, 20);
  const dir = path.join(CACHE, key);
  const lock = `${dir}.lock`;
  fs.mkdirSync(CACHE, { recursive: true });
  const find = () => (fs.existsSync(dir) ? fs.readdirSync(dir).find((f) => /^kehu-.*\.tar\.gz$/.test(f)) : undefined);

  const until = Date.now() + 15 * 60_000;
  for (;;) {
    const found = find();
    if (found) return { file: path.join(dir, found), commit, how: `cached build of ${commit.slice(0, 12)} (${dir})` };
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // Another test file is building it. A lock older than 10 minutes belongs to a dead build.
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > 10 * 60_000) fs.rmSync(lock, { recursive: true, force: true });
      } catch {
        // gone meanwhile
      }
      if (Date.now() > until) throw new Error(`waited 15 minutes for another build of the release archive (${lock})`);
      await sleep(1000);
    }
  }
  try {
    const found = find();
    if (found) return { file: path.join(dir, found), commit, how: `cached build of ${commit.slice(0, 12)}` };
    const started = Date.now();
    const out = `${dir}.building`;
    fs.rmSync(out, { recursive: true, force: true });
    const r = await run('bash', [path.join(ROOT, 'scripts/release.sh'), '--ref', commit, '--out', out], { cwd: ROOT, timeoutMs: 15 * 60_000 });
    if (r.code !== 0) throw new Error(`npm run release failed (${r.code}):\n${r.output}`);
    fs.renameSync(out, dir);
    // Older builds go; a few recent ones stay for test runs at other commits.
    const others = fs
      .readdirSync(CACHE)
      .filter((f) => /^[0-9a-f]{20}$/.test(f) && f !== key)
      .map((f) => ({ f, at: fs.statSync(path.join(CACHE, f)).mtimeMs }))
      .sort((a, b) => b.at - a.at);
    for (const { f } of others.slice(2)) fs.rmSync(path.join(CACHE, f), { recursive: true, force: true });
    return { file: path.join(dir, find()!), commit, how: `built from ${commit.slice(0, 12)} in ${Math.round((Date.now() - started) / 1000)} s` };
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface Running {
  proc: ChildProcess;
  url: string;
  output(): string;
  /** Sends the signal and waits for the exit: { code, signal }. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a long-running command (the installed `kehu serve`, the entrypoint) and waits for /readyz. */
export async function startServer(file: string, args: string[], options: { url: string; env?: Record<string, string>; cwd?: string; timeoutMs?: number }): Promise<Running> {
  const proc = spawn(file, args, {
    cwd: options.cwd ?? os.tmpdir(),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (c) => (out += c));
  proc.stderr!.on('data', (c) => (out += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const until = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`${file} ${args.join(' ')} exited (${proc.exitCode ?? proc.signalCode}) before it was ready:\n${out}`);
    const status = await fetch(`${options.url}/readyz`).then((r) => r.status, () => 0);
    if (status === 200) break;
    if (Date.now() > until) {
      proc.kill('SIGKILL');
      throw new Error(`${file} ${args.join(' ')} was not ready at ${options.url} within ${options.timeoutMs ?? 60_000} ms:\n${out}`);
    }
    await sleep(200);
  }
  return {
    proc,
    url: options.url,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** Cookie jar of one browser. */
class Browser {
  cookies = new Map<string, string>();
  constructor(readonly url: string) {}
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      this.cookies.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
    }
  }
  async get(p: string): Promise<{ status: number; text: string; location: string | null }> {
    const res = await fetch(this.url + p, { redirect: 'manual', headers: { accept: 'text/html', cookie: this.header() } });
    this.take(res);
    return { status: res.status, text: await res.text(), location: res.headers.get('location') };
  }
  async post(p: string, form: Record<string, string>): Promise<{ status: number; text: string; location: string | null }> {
    const res = await fetch(this.url + p, {
      method: 'POST',
      redirect: 'manual',
      headers: { accept: 'text/html', cookie: this.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    this.take(res);
    return { status: res.status, text: await res.text(), location: res.headers.get('location') };
  }
}

function csrfOf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html) ?? /name="csrf-token" content="([^"]+)"/.exec(html);
  if (!m) throw new Error(`no CSRF token on the page:\n${html.slice(0, 500)}`);
  return m[1];
}

/** Completes the first-run setup page like a browser; returns the signed-in browser. */
export async function completeSetup(url: string, email = ADMIN_EMAIL, password = ADMIN_PASSWORD): Promise<Browser> {
  const b = new Browser(url);
  const page = await b.get('/setup');
  if (page.status !== 200) throw new Error(`GET /setup answered ${page.status}`);
  const res = await b.post('/setup', {
    _csrf: csrfOf(page.text), company_name: '云帆科技', timezone: 'Asia/Shanghai', currency: 'CNY', locale: 'zh-CN',
    admin_name: '管理员', admin_email: email, admin_password: password,
  });
  if (res.status !== 303) throw new Error(`POST /setup answered ${res.status}:\n${res.text.slice(0, 800)}`);
  return b;
}

/** Signs in through the sign-in page like a browser; returns the browser (session cookie set) and the home page. */
export async function pageSignIn(url: string, email = ADMIN_EMAIL, password = ADMIN_PASSWORD): Promise<{ browser: Browser; home: { status: number; text: string } }> {
  const b = new Browser(url);
  const form = await b.get('/login');
  if (form.status !== 200) throw new Error(`GET /login answered ${form.status}`);
  const res = await b.post('/login', { _csrf: csrfOf(form.text), email, password });
  if (res.status !== 303) throw new Error(`sign-in answered ${res.status}:\n${res.text.slice(0, 800)}`);
  if (!b.cookies.has('kehu_session')) throw new Error('no session cookie after sign-in');
  const home = await b.get(res.location ?? '/');
  return { browser: b, home };
}

/** Signs in over the API; returns the bearer token. */
export async function apiSignIn(url: string, email = ADMIN_EMAIL, password = ADMIN_PASSWORD): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  const body = (await res.json()) as { data?: { token: string } };
  if (res.status !== 200 || !body.data) throw new Error(`API sign-in answered ${res.status}: ${JSON.stringify(body)}`);
  return body.data.token;
}

export async function api(url: string, token: string, method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/api/v1${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
