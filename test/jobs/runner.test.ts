// The job runner: registration checks, recorded runs, retries, no overlap (in one process and across two), stale runs, and each slot running exactly once across runners on one database.
import t, { type Test } from 'tap';
import type { Knex } from 'knex';
import { buildTestApp, testConfig } from '../helper';
import { createJobRunner, type JobRunner } from '../../src/jobs/runner';
import { openDatabase, type Database } from '../../src/db/database';
import { systemClock } from '../../src/lib/time';
import type { FastifyBaseLogger } from 'fastify';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function setup(t: Test) {
  const built = await buildTestApp(t);
  const { knex } = built.app.core.db;
  const runners: JobRunner[] = [];
  const extra: Database[] = [];
  const log = built.app.log as FastifyBaseLogger;
  const runnerOn = (k: Knex) => {
    const r = createJobRunner({ knex: k, clock: systemClock, log, retryDelayMs: 10 });
    runners.push(r);
    return r;
  };
  /** Another connection to the same database, as a second process would have. */
  const otherConnection = async () => {
    const d = await openDatabase(testConfig(built.db, { database: { busyTimeoutMs: 2000, poolMax: 4 } }));
    extra.push(d);
    return d.knex;
  };
  // Called at the end of each test, before buildTestApp's teardown closes the database.
  const stopAll = async () => {
    for (const r of runners) await r.stop();
    for (const d of extra) await d.close();
  };
  return { ...built, knex, runnerOn, otherConnection, stopAll };
}

t.test('registration: no duplicates, valid cron only', async (t) => {
  const { knex, runnerOn, stopAll } = await setup(t);
  const runner = runnerOn(knex);
  runner.register('nightly', { schedule: '17 3 * * *' }, async () => undefined);
  t.throws(() => runner.register('nightly', { schedule: null }, async () => undefined), /job nightly is registered twice/);
  t.throws(() => runner.register('broken', { schedule: 'every tuesday' }, async () => undefined), /job broken: invalid cron expression "every tuesday"/);
  t.throws(() => runner.register('broken2', { schedule: '61 * * * *' }, async () => undefined), /invalid cron expression/);
  runner.register('manual', { schedule: null }, async () => undefined);
  t.same(runner.list(), [{ name: 'nightly', schedule: '17 3 * * *' }, { name: 'manual', schedule: null }], 'only the valid, distinct jobs are registered');
  await t.rejects(runner.runNow('nope'), /no job named nope/);
  await stopAll();
});

t.test('runs are recorded; failures are retried and recorded', async (t) => {
  const { knex, runnerOn, stopAll } = await setup(t);
  const runner = runnerOn(knex);

  const slots: string[] = [];
  runner.register('ok', { schedule: null }, async ({ slot }) => {
    slots.push(slot);
  });
  const run = await runner.runNow('ok');
  t.ok(run, 'a run is returned');
  t.equal(run!.status, 'succeeded');
  t.equal(run!.attempts, 1);
  t.equal(run!.error, null);
  t.ok(run!.finished_at, 'finished_at set');
  t.equal(slots.length, 1, 'the function ran once');
  t.equal(run!.slot, slots[0], 'the recorded slot is the one the function got');
  const stored = await knex('job_runs').where({ job: 'ok' }).select('*');
  t.equal(stored.length, 1, 'one row in job_runs');
  t.equal(stored[0].status, 'succeeded');

  let failingCalls = 0;
  runner.register('failing', { schedule: null, retries: 2 }, async () => {
    failingCalls++;
    throw new Error(`boom number ${failingCalls}`);
  });
  const failed = await runner.runNow('failing');
  t.equal(failingCalls, 3, 'tried once and retried twice');
  t.equal(failed!.status, 'failed');
  t.equal(failed!.attempts, 3, 'attempts = retries + 1');
  t.match(failed!.error, /boom number 3/, 'the last error is recorded');
  const failedRow = await knex('job_runs').where({ job: 'failing' }).first();
  t.equal(failedRow.status, 'failed');
  t.equal(failedRow.attempts, 3);
  t.match(failedRow.error, /boom number 3/);

  let flakyCalls = 0;
  runner.register('flaky', { schedule: null, retries: 3 }, async () => {
    flakyCalls++;
    if (flakyCalls === 1) throw new Error('first time unlucky');
  });
  const flaky = await runner.runNow('flaky');
  t.equal(flakyCalls, 2);
  t.equal(flaky!.status, 'succeeded', 'a retry that succeeds makes the run succeed');
  t.equal(flaky!.attempts, 2);
  t.equal(flaky!.error, null, 'no error left on a run that succeeded');

  let zeroCalls = 0;
  runner.register('no-retries', { schedule: null, retries: 0 }, async () => {
    zeroCalls++;
    throw new Error('once only');
  });
  const once = await runner.runNow('no-retries');
  t.equal(zeroCalls, 1);
  t.equal(once!.attempts, 1);
  t.equal(once!.status, 'failed');

  t.same((await runner.recentRuns()).map((r) => r.job).sort(), ['failing', 'flaky', 'no-retries', 'ok'], 'recentRuns lists every run');
  await stopAll();
});

t.test('a job never overlaps itself, in one process or across two', async (t) => {
  const { knex, runnerOn, otherConnection, stopAll } = await setup(t);
  const runner = runnerOn(knex);
  const elsewhere = runnerOn(await otherConnection());
  let calls = 0;
  let gate = deferred();
  const slow = async () => {
    calls++;
    await gate.promise;
  };
  runner.register('slow', { schedule: null }, slow);
  elsewhere.register('slow', { schedule: null }, slow);

  const first = runner.runNow('slow');
  await until(() => calls === 1);
  t.equal(await runner.runNow('slow'), null, 'runNow while it runs returns null');
  t.equal(await elsewhere.runNow('slow'), null, 'so does another runner on the same database');
  t.equal(await runner.runSlot('slow', 'cron:2026-11-25T03:17'), null, 'and a scheduled slot');
  t.equal(calls, 1, 'the function was not called again');
  gate.resolve();
  const done = await first;
  t.equal(done!.status, 'succeeded');

  gate = deferred();
  gate.resolve();
  const after = await runner.runNow('slow');
  t.ok(after, 'once finished it can run again');
  t.equal(after!.status, 'succeeded');
  t.equal(calls, 2);

  // A run whose heartbeat is stale (its process died) no longer blocks; a fresh one does.
  const now = Date.now();
  const row = (heartbeat: number, slot: string) => ({ job: 'slow', slot, status: 'running', attempts: 1, started_at: new Date(heartbeat).toISOString(), heartbeat_at: new Date(heartbeat).toISOString(), host: 'dead#1' });
  await knex('job_runs').insert(row(now - 60 * 60_000, 'dead-run'));
  const overStale = await runner.runNow('slow');
  t.ok(overStale, 'a run with a heartbeat older than staleAfterMs does not block');
  t.equal(calls, 3);
  await knex('job_runs').insert(row(now, 'live-run'));
  t.equal(await runner.runNow('slow'), null, 'a run with a fresh heartbeat does');
  t.equal(calls, 3);
  await stopAll();
});

t.test('each slot runs exactly once across runners on one database', async (t) => {
  const { knex, runnerOn, otherConnection, stopAll } = await setup(t);
  const a = runnerOn(await otherConnection());
  const b = runnerOn(await otherConnection());
  const calls: string[] = [];
  const fn = async ({ slot }: { slot: string }) => {
    calls.push(slot);
    await new Promise((r) => setTimeout(r, 30));
  };
  a.register('report', { schedule: '0 * * * *' }, fn);
  b.register('report', { schedule: '0 * * * *' }, fn);

  for (let i = 0; i < 5; i++) {
    const slot = `cron:2026-11-25T0${i}:00`;
    const results = await Promise.allSettled([a.runSlot('report', slot), b.runSlot('report', slot)]);
    const runs = results.filter((r) => r.status === 'fulfilled' && r.value).map((r) => (r as PromiseFulfilledResult<{ status: string; slot: string }>).value);
    t.equal(runs.length, 1, `${slot}: exactly one runner ran it`);
    t.equal(runs[0]?.status, 'succeeded');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    // The loser stands aside with null on both databases (on SQLite it meets the write lock).
    t.equal(refused.length, 0, `${slot}: the other runner stands aside (${refused.map((r) => r.reason?.message).join(', ')})`);
    t.equal(calls.filter((s) => s === slot).length, 1, `${slot}: the function was called once`);
    const rows = await knex('job_runs').where({ job: 'report', slot }).count({ n: '*' }).first();
    t.equal(Number(rows?.n), 1, `${slot}: one row in job_runs`);

    // Later attempts at the same slot, on either runner, do nothing.
    t.equal(await a.runSlot('report', slot), null, `${slot}: taken for runner a`);
    t.equal(await b.runSlot('report', slot), null, `${slot}: taken for runner b`);
    t.equal(calls.filter((s) => s === slot).length, 1, `${slot}: still called once`);
  }
  t.equal(calls.length, 5);
  await stopAll();
});
