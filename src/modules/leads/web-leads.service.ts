// Web-to-lead: the public form's submissions. A filled honeypot is thanked and dropped; each
// submission counts against its source address (per hour) and everyone (per minute) in database
// counters, so the limits hold across processes; over a limit it is held in quarantine for an
// admin to release or discard (or refused, as the lead settings say). Accepted submissions become
// leads through the leads service (routing, scoring, the owner's notification) with the consent given.
import type { Knex } from 'knex';
import type { Core } from '../../core';
import { requirePermission, type Actor } from '../../access/scope';
import { diff } from '../../audit/writer';
import { ConflictError, NotFoundError, ServiceUnavailableError, TooManyRequestsError, ValidationError } from '../../lib/errors';
import { validate } from '../../lib/validate';
import type { LeadSettings, LeadsService } from './leads.service';
import { exec } from '../records/statements';
import { webLeadSchema } from './leads.schemas';

export type WebLeadInput = Partial<Record<'name' | 'company_name' | 'phone' | 'email' | 'message' | 'region' | 'industry' | 'consent' | 'consent_text' | 'source' | 'website' | 'format' | '_csrf', string>>;
export type Outcome = { outcome: 'accepted'; lead_id: number } | { outcome: 'quarantined' } | { outcome: 'ignored' };

/** The counters' upsert; the RETURNING clause reads each counter's previous window (see hit). */
const HIT = `insert into lead_rate_counters (counter, window_start, hits) values (?, ?, 1), (?, ?, 1)
  on conflict (counter, window_start) do update set hits = lead_rate_counters.hits + 1
  returning counter, hits, (select p.hits from lead_rate_counters p where p.counter = lead_rate_counters.counter
    and p.window_start = case when lead_rate_counters.counter = ? then ? else ? end) as previous`;
const HOLD = 'insert into lead_submissions (received_at, source_address, payload, status, reason, lead_id) values (?, ?, ?, ?, ?, null)';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const HOUR = 3_600_000;
const MINUTE = 60_000;

export interface Submission { id: number; received_at: string; source_address: string; payload: WebLeadInput; status: string; reason: string; lead_id: number | null }

export function createWebLeadsService(core: Core, deps: { leads: LeadsService }) {
  const { knex } = core.db;
  const maxWaiting = core.config.database.maxWaitingForms ?? 64;

  /**
   * Adds one to the address's counter (this hour) and everyone's (this minute) and answers each
   * one's estimate of the last full window: this window's hits plus the previous window's, weighted
   * by the share of it still inside the last hour (or minute). A fixed clock-hour window let an
   * address send its limit just before the hour and again just after it (26 accepted across a
   * 16:00 rollover for a limit of 20); the estimate holds it to about its limit over any hour.
   * One statement (one lock on each row, always in this order, only inside the database): the
   * previous windows are read by the RETURNING clause of the same upsert.
   */
  async function hit(db: Knex, ip: string): Promise<{ mine: number; all: number }> {
    const nowMs = core.clock.now().getTime();
    const start = (windowMs: number, back = 0) => new Date((Math.floor(nowMs / windowMs) - back) * windowMs).toISOString();
    const ipCounter = `ip:${ip}`;
    const { rows } = await exec(db, HIT, [ipCounter, start(HOUR), 'all', start(MINUTE), ipCounter, start(HOUR, 1), start(MINUTE, 1)]);
    const estimate = (counter: string, windowMs: number) => {
      const row = rows.find((r) => r.counter === counter)!;
      const left = 1 - (nowMs % windowMs) / windowMs;
      return Number(row.hits) + Number(row.previous ?? 0) * left;
    };
    return { mine: estimate(ipCounter, HOUR), all: estimate('all', MINUTE) };
  }

  /** The lead fields of a submission (the form sends strings; empty ones are absent). */
  function leadInput(input: WebLeadInput): Record<string, unknown> {
    const v = (k: keyof WebLeadInput) => (input[k] ?? '').trim() || null;
    const email = v('email');
    const out: Record<string, unknown> = {
      name: v('name') ?? email ?? v('phone') ?? '',
      company_name: v('company_name'),
      phone: v('phone'),
      email,
      message: v('message'),
      region: v('region'),
      industry: v('industry'),
      source: input.source ?? 'website',
      consent: ['yes', 'on', 'true', '1'].includes((input.consent ?? '').toLowerCase()),
    };
    deps.leads.validateWebIntake(out);
    return out;
  }

  function check(input: WebLeadInput): void {
    const email = (input.email ?? '').trim();
    if (!(input.name ?? '').trim() && !email && !(input.phone ?? '').trim()) throw ValidationError.field('name', 'required', 'leave a name, an email or a phone number');
    if (email && !EMAIL.test(email)) throw ValidationError.field('email', 'format', 'is not an email address');
    if (!email && !(input.phone ?? '').trim()) throw ValidationError.field('email', 'required', 'leave an email or a phone number so we can answer');
  }

  /** A submission as a lead (the consent wording is kept when consent was given). */
  async function accept(trx: Knex.Transaction, ip: string, input: WebLeadInput, fields = leadInput(input)): Promise<number> {
    return deps.leads.intakeFromWeb(trx, ip, fields, (input.consent_text ?? '').trim().slice(0, 500) || null);
  }

  /** Which limit a submission is over, if any. */
  function overLimit(counts: { mine: number; all: number }, settings: LeadSettings): 'address_limit' | 'global_limit' | null {
    return counts.mine > settings.per_address_per_hour ? 'address_limit' : counts.all > settings.global_per_minute ? 'global_limit' : null;
  }

  async function hold(db: Knex, ip: string, input: WebLeadInput, reason: string): Promise<void> {
    await exec(db, HOLD, [core.clock.now().toISOString(), ip, JSON.stringify(input), 'quarantined', reason]);
  }

  return {
    async submit(ip: string, input: WebLeadInput): Promise<Outcome> {
      validate(webLeadSchema, input);
      delete input._csrf;
      // The honeypot: people never see the field, so whatever fills it is a bot. It is thanked like anyone.
      if ((input.website ?? '').trim()) return { outcome: 'ignored' };
      check(input);
      // Shed an overload at the door: with more queries already waiting for a connection than
      // database.maxWaitingForms, this one would wait behind them (Postgres' pool, SQLite's one
      // connection) until it timed out; answering 503 now tells the website's visitor to retry.
      if (core.db.waiting() > maxWaiting) throw new ServiceUnavailableError('too many submissions at once; try again in a moment', 1);
      const fields = leadInput(input);
      const settings = await deps.leads.formSettings();
      const refuse = (over: string) => new TooManyRequestsError('too many submissions; try again later', over === 'address_limit' ? 3600 : 60);
      if (core.db.dialect === 'sqlite') {
        // One transaction, one commit: SQLite has one writer at a time anyway, so the counters'
        // rows are held no longer than the write lock; counting first takes that lock before
        // anything is read (as intake's first write did). A refused hit still counts.
        const result = await knex.transaction(async (trx): Promise<Outcome | { refused: string }> => {
          const over = overLimit(await hit(trx, ip), settings);
          if (over && settings.over_limit === 'refuse') return { refused: over };
          if (over) {
            await hold(trx, ip, input, over);
            return { outcome: 'quarantined' };
          }
          return { outcome: 'accepted', lead_id: await accept(trx, ip, input, fields) };
        });
        if ('refused' in result) throw refuse(result.refused);
        return result;
      }
      // Postgres: the counters are one statement of their own, outside the intake's transaction:
      // the shared "all" row is locked for an instant, not for the whole intake.
      const over = overLimit(await hit(knex, ip), settings);
      if (over && settings.over_limit === 'refuse') throw refuse(over);
      if (over) {
        await hold(knex, ip, input, over);
        return { outcome: 'quarantined' };
      }
      return knex.transaction(async (trx) => ({ outcome: 'accepted' as const, lead_id: await accept(trx, ip, input, fields) }));
    },

    async quarantine(actor: Actor, options: { limit?: number } = {}): Promise<Submission[]> {
      requirePermission(actor, 'pipelines', 'update');
      const rows = await knex('lead_submissions').where({ status: 'quarantined' }).orderBy('received_at', 'desc').orderBy('id', 'desc').limit(Math.min(options.limit ?? 100, 500));
      return core.db.rows.many<Submission>('lead_submissions', rows);
    },

    /** Releases a held submission into a lead (routed like any), or discards it. */
    async decide(actor: Actor, id: number, decision: 'release' | 'discard'): Promise<Submission> {
      requirePermission(actor, 'pipelines', 'update');
      await knex.transaction(async (trx) => {
        const row = core.db.rows.one<Submission>('lead_submissions', await trx('lead_submissions').where({ id }).first());
        if (!row) throw new NotFoundError('submission');
        if (row.status !== 'quarantined') throw new ConflictError(`the submission was ${row.status} already`, null, 'decided');
        const leadId = decision === 'release' ? await accept(trx, row.source_address, row.payload) : null;
        await trx('lead_submissions').where({ id }).update({ status: decision === 'release' ? 'released' : 'discarded', lead_id: leadId });
        await core.audit.record(trx, actor, { action: decision, recordType: 'lead_submissions', recordId: id, changes: diff({ status: 'quarantined' }, { status: decision === 'release' ? 'released' : 'discarded' }) });
      });
      return core.db.rows.one<Submission>('lead_submissions', await knex('lead_submissions').where({ id }).first());
    },

    /** Counter windows older than a day are of no more use (the nightly job). */
    async pruneCounters(): Promise<number> {
      return knex('lead_rate_counters').where('window_start', '<', new Date(core.clock.now().getTime() - 24 * HOUR).toISOString()).delete();
    },
  };
}
export type WebLeadsService = ReturnType<typeof createWebLeadsService>;
