// The job runner: registerJob(name, { schedule, runAtStart }, fn) on node-cron. Each scheduled
// slot runs once across every process on the database (a unique (job, slot) row in job_runs);
// a job never overlaps itself; failures are retried and every run is recorded for the admin page.
import os from 'node:os';
import cron, { type ScheduledTask } from 'node-cron';
import type { Knex } from 'knex';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../lib/time';

export interface JobOptions {
  /** A cron expression (evaluated in the company's time zone), or null for run-on-demand only. */
  schedule: string | null;
  /** Also run once when the process starts (e.g. a backup missed while the server was down). */
  runAtStart?: boolean;
  /** Attempts after the first failure, with a growing pause between them. */
  retries?: number;
  /** A run whose heartbeat is older than this is considered dead and no longer blocks the next. */
  staleAfterMs?: number;
}

export type JobFn = (ctx: { slot: string; signal: AbortSignal }) => Promise<void>;

interface RegisteredJob {
  name: string;
  options: Required<JobOptions>;
  fn: JobFn;
  task?: ScheduledTask;
}

export interface JobRun {
  id: number;
  job: string;
  slot: string;
  status: 'running' | 'succeeded' | 'failed' | 'skipped';
  attempts: number;
  started_at: string;
  finished_at: string | null;
  host: string;
  error: string | null;
}

export interface JobRunner {
  register(name: string, options: JobOptions, fn: JobFn): void;
  start(timezone: string): void;
  stop(): Promise<void>;
  /** Runs a job now (admin button, tests); resolves with the run's record, or null if it was already running. */
  runNow(name: string): Promise<JobRun | null>;
  /** Runs a job for one named slot, as the schedule would; null if the slot was already taken or the job is running. */
  runSlot(name: string, slot: string): Promise<JobRun | null>;
  list(): Array<{ name: string; schedule: string | null }>;
  recentRuns(name?: string, limit?: number): Promise<JobRun[]>;
}

export function createJobRunner(deps: { knex: Knex; clock: Clock; log: FastifyBaseLogger; retryDelayMs?: number }): JobRunner {
  const { knex, clock, log } = deps;
  const jobs = new Map<string, RegisteredJob>();
  const host = `${os.hostname()}#${process.pid}`;
  const controller = new AbortController();
  const inFlight = new Set<Promise<unknown>>();
  let started = false;

  /** Claims a slot: inserts the run row unless the slot was taken or the job is running elsewhere. */
  async function claim(job: RegisteredJob, slot: string): Promise<number | null> {
    const now = clock.now().toISOString();
    const staleBefore = new Date(clock.now().getTime() - job.options.staleAfterMs).toISOString();
    return knex.transaction(async (trx) => {
      if (trx.client.config.client === 'pg') {
        await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`kehu.job.${job.name}`]);
      }
      const running = await trx('job_runs').where({ job: job.name, status: 'running' }).andWhere('heartbeat_at', '>', staleBefore).first('id');
      if (running) return null;
      const inserted = await trx('job_runs')
        .insert({ job: job.name, slot, status: 'running', attempts: 0, started_at: now, heartbeat_at: now, host })
        .onConflict(['job', 'slot'])
        .ignore()
        .returning('id');
      return inserted.length ? Number(inserted[0].id ?? inserted[0]) : null;
    });
  }

  async function execute(job: RegisteredJob, slot: string): Promise<JobRun | null> {
    // On SQLite a second process racing for the same slot meets the write lock: it lost the race.
    const runId = await claim(job, slot).catch((err: { code?: string }) => {
      if (err.code === 'SQLITE_BUSY') return null;
      throw err;
    });
    if (runId === null) return null;
    const heartbeat = setInterval(() => {
      knex('job_runs').where({ id: runId }).update({ heartbeat_at: clock.now().toISOString() }).catch(() => undefined);
    }, Math.max(1000, job.options.staleAfterMs / 3));
    heartbeat.unref();
    let attempts = 0;
    let lastError: Error | null = null;
    try {
      while (attempts <= job.options.retries && !controller.signal.aborted) {
        attempts++;
        try {
          await job.fn({ slot, signal: controller.signal });
          lastError = null;
          break;
        } catch (err) {
          lastError = err as Error;
          log.error({ job: job.name, slot, attempt: attempts, err }, 'job attempt failed');
          if (attempts <= job.options.retries) await new Promise((r) => setTimeout(r, (deps.retryDelayMs ?? 5000) * attempts));
        }
      }
    } finally {
      clearInterval(heartbeat);
    }
    await knex('job_runs')
      .where({ id: runId })
      .update({
        status: lastError ? 'failed' : 'succeeded',
        attempts,
        finished_at: clock.now().toISOString(),
        heartbeat_at: clock.now().toISOString(),
        error: lastError ? String(lastError.stack ?? lastError.message).slice(0, 4000) : null,
      });
    log.info({ job: job.name, slot, attempts, ok: !lastError }, 'job finished');
    return (await knex('job_runs').where({ id: runId }).first()) as JobRun;
  }

  function track<T>(p: Promise<T>): Promise<T> {
    inFlight.add(p);
    p.finally(() => inFlight.delete(p)).catch(() => undefined);
    return p;
  }

  function runSafely(job: RegisteredJob, slot: string): void {
    track(execute(job, slot)).catch((err) => log.error({ job: job.name, err }, 'job could not be recorded'));
  }

  return {
    register(name, options, fn) {
      if (jobs.has(name)) throw new Error(`job ${name} is registered twice`);
      if (options.schedule && !cron.validate(options.schedule)) throw new Error(`job ${name}: invalid cron expression "${options.schedule}"`);
      jobs.set(name, { name, fn, options: { runAtStart: false, retries: 2, staleAfterMs: 10 * 60_000, ...options } });
    },
    start(timezone) {
      if (started) return;
      started = true;
      for (const job of jobs.values()) {
        if (job.options.schedule) {
          job.task = cron.schedule(job.options.schedule, (ctx) => runSafely(job, `cron:${ctx.date.toISOString().slice(0, 16)}`), { timezone, name: job.name });
        }
        if (job.options.runAtStart) runSafely(job, `start:${clock.now().toISOString().slice(0, 16)}`);
      }
    },
    async stop() {
      controller.abort();
      for (const job of jobs.values()) await job.task?.destroy();
      await Promise.allSettled([...inFlight]);
    },
    async runNow(name) {
      const job = jobs.get(name);
      if (!job) throw new Error(`no job named ${name}`);
      return track(execute(job, `manual:${clock.now().toISOString()}:${Math.random().toString(36).slice(2, 8)}`));
    },
    async runSlot(name, slot) {
      const job = jobs.get(name);
      if (!job) throw new Error(`no job named ${name}`);
      return track(execute(job, slot));
    },
    list: () => [...jobs.values()].map((j) => ({ name: j.name, schedule: j.options.schedule })),
    async recentRuns(name, limit = 20) {
      const q = knex('job_runs').orderBy('id', 'desc').limit(limit);
      if (name) q.where({ job: name });
      return q;
    },
  };
}
