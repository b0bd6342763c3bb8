// Test helpers: build Kehu on a fresh database (SQLite or Postgres, per KEHU_TEST_DB), sign in as
// any role, and call the API through app.inject with the status and body at hand.
import type { Test } from 'tap';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { loadConfig } from '../src/config/load';
import type { Config } from '../src/config/schema';
import { buildApp, type AppOptions } from '../src/app';
import type { Clock } from '../src/lib/time';
import { tokenFor } from '../src/plugins/auth';
import type { User } from '../src/modules/users';
import type { Actor } from '../src/access/scope';
import { createTestDatabase, testDialect, type TestDatabase } from './support/databases';
import { GENEROUS_TEST_LICENSE, testLicenseKeys } from './support/license';

export { testDialect };

export const ADMIN_PASSWORD = 'Admin-pass-2026!';
export const USER_PASSWORD = 'User-pass-2026!';

/** A clock tests can move forward. */
export function manualClock(start = new Date('2026-11-25T08:00:00.000Z')): Clock & { advance(ms: number): void; set(d: Date): void } {
  let now = start.getTime();
  return { now: () => new Date(now), advance: (ms) => (now += ms), set: (d) => (now = d.getTime()) };
}

export function testConfig(db: TestDatabase, overrides: Record<string, unknown> = {}): Config {
  return loadConfig({
    env: {},
    overrides: { dataDir: db.dataDir, databaseUrl: db.databaseUrl, logLevel: 'silent', port: 0, host: '127.0.0.1', audit: { sealIntervalMs: 100 }, ...overrides },
  }).config;
}

export interface TestApp {
  app: FastifyInstance;
  db: TestDatabase;
  config: Config;
}

/**
 * Builds the app on a fresh database; closes it and drops the database when the test ends. Every
 * test app verifies licenses with the test key pair and runs under a generous test license unless
 * the test passes its own `license` (null: none, the free edition) or `licensePublicKey`.
 */
export async function buildTestApp(t: Test, options: Partial<AppOptions> & { overrides?: Record<string, unknown>; database?: TestDatabase } = {}): Promise<TestApp> {
  const db = options.database ?? (await createTestDatabase());
  const config = options.config ?? testConfig(db, options.overrides);
  const app = await buildApp({ logger: false, licensePublicKey: testLicenseKeys.publicKey, license: GENEROUS_TEST_LICENSE, ...options, config });
  t.teardown(async () => {
    await app.close();
    if (!options.database) await db.drop();
  });
  return { app, db, config };
}

export interface Response<T = any> {
  status: number;
  body: T;
  headers: Record<string, unknown>;
  text: string;
}

export async function call<T = any>(app: FastifyInstance, options: InjectOptions): Promise<Response<T>> {
  const res = await app.inject(options);
  let body: any = res.body;
  if (String(res.headers['content-type'] ?? '').includes('application/json') && res.body) body = JSON.parse(res.body);
  return { status: res.statusCode, body, headers: res.headers, text: res.body };
}

/** An API client bound to a Bearer token. */
export function apiClient(app: FastifyInstance, token?: string) {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const req = <T = any>(method: InjectOptions['method'], url: string, payload?: unknown, extra: Record<string, string> = {}) =>
    call<T>(app, { method, url, payload: payload as InjectOptions['payload'], headers: { ...headers, ...extra } });
  return {
    get: <T = any>(url: string, extra?: Record<string, string>) => req<T>('GET', url, undefined, extra),
    post: <T = any>(url: string, body?: unknown, extra?: Record<string, string>) => req<T>('POST', url, body ?? {}, extra),
    patch: <T = any>(url: string, body?: unknown, extra?: Record<string, string>) => req<T>('PATCH', url, body ?? {}, extra),
    put: <T = any>(url: string, body?: unknown, extra?: Record<string, string>) => req<T>('PUT', url, body ?? {}, extra),
    delete: <T = any>(url: string, extra?: Record<string, string>) => req<T>('DELETE', url, undefined, extra),
  };
}

/** The actor a token's requests run as (as the auth plugin resolves it), for calling services directly. */
export async function actorFor(app: FastifyInstance, token: string): Promise<Actor> {
  const { sid, uid } = app.jwt.decode<{ sid: number; uid: number }>(token)!;
  const actor = await app.services.sessions.resolve(sid, uid, { ip: null, userAgent: null, requestId: null }, 'zh-CN');
  if (!actor) throw new Error('the token names no live session');
  return actor;
}

/** Completes first-run setup; returns the admin and a Bearer token for them. */
export async function setupAdmin(app: FastifyInstance): Promise<{ admin: User; token: string }> {
  const { user, session } = await app.services.setup.complete(
    { company_name: '云帆科技', timezone: 'Asia/Shanghai', currency: 'CNY', locale: 'zh-CN', admin_name: '管理员', admin_email: 'admin@example.com', admin_password: ADMIN_PASSWORD },
    { ip: '127.0.0.1', userAgent: 'test', requestId: null },
  );
  return { admin: user, token: tokenFor(app, session) };
}

let userSeq = 0;

/** Creates a user with a role (and teams) through the API as the admin, and signs them in. */
export async function createUser(app: FastifyInstance, adminToken: string, role: string, extra: Record<string, unknown> = {}): Promise<{ user: User; token: string; email: string }> {
  userSeq += 1;
  const email = `${role}${userSeq}-${process.pid}@example.com`;
  const created = await apiClient(app, adminToken).post('/api/v1/users', { email, name: `${role} ${userSeq}`, role, password: USER_PASSWORD, ...extra });
  if (created.status !== 201) throw new Error(`creating ${role} failed: ${created.status} ${created.text}`);
  const login = await apiClient(app).post('/api/v1/auth/login', { email, password: USER_PASSWORD });
  if (login.status !== 200) throw new Error(`signing in ${role} failed: ${login.status} ${login.text}`);
  return { user: created.body.data, token: login.body.data.token, email };
}
