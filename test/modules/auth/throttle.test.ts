// Sign-in throttling: per account+address (5 free, then a doubling wait, 429 + retry-after), the per-account hourly cap with known addresses exempt, and unknown emails throttled alike without revealing anything.
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { buildTestApp, call, manualClock, setupAdmin, ADMIN_PASSWORD } from '../../helper';

const ADDRESS_A = '203.0.113.10';
const ADDRESS_B = '198.51.100.20';

function login(app: FastifyInstance, ip: string, email: string, password: string) {
  return call(app, { method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, remoteAddress: ip });
}

/** The error body without what differs between any two requests. */
function errorOf(body: { error: Record<string, unknown> }) {
  const { requestId, ...rest } = body.error;
  return rest;
}

t.test('per account and address: 5 free failures, then a doubling wait; other addresses unaffected', async (t) => {
  const clock = manualClock();
  const { app } = await buildTestApp(t, { clock });
  await setupAdmin(app);
  const email = 'admin@example.com';

  for (let i = 1; i <= 5; i++) {
    const res = await login(app, ADDRESS_A, email, `wrong-${i}`);
    t.equal(res.status, 401, `failure ${i} from A is an ordinary refusal`);
  }
  const failures = await app.core.db.knex('auth_failures').where({ account: email, ip: ADDRESS_A }).count({ n: '*' }).first();
  t.equal(Number(failures?.n), 5, 'the failures were recorded against A');

  const blocked = await login(app, ADDRESS_A, email, ADMIN_PASSWORD);
  t.equal(blocked.status, 429, 'the 6th attempt from A is throttled, even with the right password');
  t.equal(blocked.body.error.code, 'too_many_requests');
  t.equal(blocked.headers['retry-after'], '1', 'first wait: 1 s');
  t.notOk(blocked.body.data, 'no token handed out');

  const fromB = await login(app, ADDRESS_B, email, ADMIN_PASSWORD);
  t.equal(fromB.status, 200, 'meanwhile the real user signs in from B');
  t.match(fromB.body.data.token, /^ey/);

  const stillBlocked = await login(app, ADDRESS_A, email, ADMIN_PASSWORD);
  t.equal(stillBlocked.status, 429, "B's success does not lift A's wait");

  clock.advance(1001);
  const sixth = await login(app, ADDRESS_A, email, 'wrong-6');
  t.equal(sixth.status, 401, 'after the wait A may try again (and fails once more)');
  const second = await login(app, ADDRESS_A, email, ADMIN_PASSWORD);
  t.equal(second.status, 429);
  t.equal(second.headers['retry-after'], '2', 'the wait doubles to 2 s');
  clock.advance(1001);
  const partly = await login(app, ADDRESS_A, email, ADMIN_PASSWORD);
  t.equal(partly.status, 429, 'half way through the 2 s wait: still throttled');
  t.equal(partly.headers['retry-after'], '1');
  clock.advance(1000);
  t.equal((await login(app, ADDRESS_A, email, 'wrong-7')).status, 401, 'after 2 s A may try again');
  const third = await login(app, ADDRESS_A, email, ADMIN_PASSWORD);
  t.equal(third.status, 429);
  t.equal(third.headers['retry-after'], '4', 'then 4 s');

  clock.advance(4001);
  const ok = await login(app, ADDRESS_A, email, ADMIN_PASSWORD);
  t.equal(ok.status, 200, 'after the wait the right password works from A');
  const left = await app.core.db.knex('auth_failures').where({ account: email, ip: ADDRESS_A }).count({ n: '*' }).first();
  t.equal(Number(left?.n), 0, "a success clears the address's failures");
  t.equal((await login(app, ADDRESS_A, email, 'wrong-again')).status, 401, 'and A starts again with free attempts');
});

t.test('per account: 100 failures an hour, past that only known addresses may try', async (t) => {
  const clock = manualClock();
  const { app } = await buildTestApp(t, { clock });
  await setupAdmin(app);
  const email = 'admin@example.com';
  const { knex } = app.core.db;
  const KNOWN = '192.0.2.77';

  t.equal((await login(app, KNOWN, email, ADMIN_PASSWORD)).status, 200, 'the user signs in from their usual address');
  const sessionRow = await knex('sessions').where({ ip: KNOWN }).first('id');
  t.ok(sessionRow, 'a sessions row remembers the address');
  clock.advance(10 * 60_000);

  // 99 failures spread over many addresses in the last half hour: not yet at the cap.
  const now = clock.now().getTime();
  const rows = Array.from({ length: 99 }, (_, i) => ({ account: email, ip: `10.1.${Math.floor(i / 50)}.${i % 50}`, at: new Date(now - 30 * 60_000 + i * 1000).toISOString() }));
  await knex.batchInsert('auth_failures', rows, 50);
  t.equal((await login(app, '10.9.9.1', email, 'wrong')).status, 401, 'the 100th failure is still an ordinary refusal');

  const fresh = await login(app, '10.9.9.2', email, ADMIN_PASSWORD);
  t.equal(fresh.status, 429, 'past 100 failures a new address is refused, even with the right password');
  t.equal(fresh.body.error.code, 'too_many_requests');
  t.equal(fresh.headers['retry-after'], String(30 * 60), 'retry when the oldest failure leaves the hour');

  const known = await login(app, KNOWN, email, ADMIN_PASSWORD);
  t.equal(known.status, 200, 'the address that signed in before still gets in');

  const knownWrong = await login(app, KNOWN, email, 'wrong');
  t.equal(knownWrong.status, 401, 'a known address is told the password is wrong, not throttled');

  clock.advance(30 * 60_000 + 1000);
  t.equal((await login(app, '10.9.9.2', email, ADMIN_PASSWORD)).status, 200, 'once the failures age out of the hour, new addresses may sign in again');
});

t.test('unknown emails are throttled the same way and reveal nothing', async (t) => {
  const clock = manualClock();
  const { app } = await buildTestApp(t, { clock });
  await setupAdmin(app);
  const known = 'admin@example.com';
  const unknown = 'nobody@example.com';

  for (let i = 1; i <= 5; i++) {
    const a = await login(app, ADDRESS_A, known, `wrong-${i}`);
    const b = await login(app, ADDRESS_A, unknown, `wrong-${i}`);
    t.equal(a.status, 401);
    t.equal(b.status, 401);
    t.same(errorOf(b.body), errorOf(a.body), `failure ${i}: the same answer for an unknown email`);
  }
  const a = await login(app, ADDRESS_A, known, 'whatever');
  const b = await login(app, ADDRESS_A, unknown, 'whatever');
  t.equal(a.status, 429, 'existing account throttled');
  t.equal(b.status, 429, 'unknown email throttled after the same number of failures');
  t.same(errorOf(b.body), errorOf(a.body), 'identical 429 bodies');
  t.equal(b.headers['retry-after'], a.headers['retry-after'], 'identical waits');

  // The account-wide cap for an email that does not exist: no address is known, every one is refused.
  const now = clock.now().getTime();
  await app.core.db.knex.batchInsert('auth_failures', Array.from({ length: 100 }, (_, i) => ({ account: unknown, ip: `10.2.0.${i}`, at: new Date(now - 1000 * (i + 1)).toISOString() })), 50);
  const capped = await login(app, ADDRESS_B, unknown, 'whatever');
  t.equal(capped.status, 429, 'an unknown email hits the account cap like a real one');
  t.same(Object.keys(capped.body.error).sort(), Object.keys(a.body.error).sort());
  t.equal(capped.body.error.message, a.body.error.message, 'with the same message');
  t.equal((await login(app, ADDRESS_B, known, ADMIN_PASSWORD)).status, 200, "another account's cap does not affect the real user");
});
