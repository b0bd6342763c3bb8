// Web-to-lead: the public form's submissions. A filled honeypot is thanked and dropped; each
// submission counts against its source address (per hour) and everyone (per minute) in database
// counters, so the limits hold across processes; over a limit it is held in quarantine for an
// admin to release or discard (or refused, as the lead settings say). Accepted submissions become
// leads through the leads service (routing, scoring, the owner's notification) with the consent given.
import type { Knex } from 'knex';
import type { Core } from '../../core';
import { requirePermission, type Actor } from '../../access/scope';
import { diff } from '../../audit/writer';
import { ConflictError, NotFoundError, TooManyRequestsError, ValidationError } from '../../lib/errors';
import { validate } from '../../lib/validate';
import type { LeadsService } from './leads.service';
import { webLeadSchema } from './leads.schemas';

export type WebLeadInput = Partial<Record<'name' | 'company_name' | 'phone' | 'email' | 'message' | 'region' | 'industry' | 'consent' | 'consent_text' | 'source' | 'website' | 'format' | '_csrf', string>>;
export type Outcome = { outcome: 'accepted'; lead_id: number } | { outcome: 'quarantined' } | { outcome: 'ignored' };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const HOUR = 3_600_000;
const MINUTE = 60_000;

export interface Submission { id: number; received_at: string; source_address: string; payload: WebLeadInput; status: string; reason: string; lead_id: number | null }

export function createWebLeadsService(core: Core, deps: { leads: LeadsService }) {
  const { knex } = core.db;

  /**
   * Adds one to each counter's current window and answers the windows' counts, in one statement
   * (one commit): as two statements they were two commits, on SQLite two fsyncs that stopped the
   * process; in one transaction the shared "all" row would stay locked on Postgres until the
   * process got round to sending COMMIT, which under load is a queue of every submission. One
   * statement locks the rows (always in this order) only inside the database, for an instant.
   */
  async function hit(db: Knex, counters: Array<{ counter: string; windowMs: number }>): Promise<number[]> {
    const nowMs = core.clock.now().getTime();
    const values = counters.flatMap((c) => [c.counter, new Date(Math.floor(nowMs / c.windowMs) * c.windowMs).toISOString()]);
    const result = await db.raw(
      `insert into lead_rate_counters (counter, window_start, hits) values ${counters.map(() => '(?, ?, 1)').join(', ')}
       on conflict (counter, window_start) do update set hits = lead_rate_counters.hits + 1 returning counter, hits`,
      values,
    );
    const rows = (Array.isArray(result) ? result : result.rows) as Array<{ counter: string; hits: number | string }>;
    const hits = new Map(rows.map((r) => [r.counter, Number(r.hits)]));
    return counters.map((c) => hits.get(c.counter) ?? 0);
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
    return out;
  }

  function check(input: WebLeadInput): void {
    const email = (input.email ?? '').trim();
    if (!(input.name ?? '').trim() && !email && !(input.phone ?? '').trim()) throw ValidationError.field('name', 'required', 'leave a name, an email or a phone number');
    if (email && !EMAIL.test(email)) throw ValidationError.field('email', 'format', 'is not an email address');
    if (!email && !(input.phone ?? '').trim()) throw ValidationError.field('email', 'required', 'leave an email or a phone number so we can answer');
  }

  async function accept(trx: Knex.Transaction, ip: string, input: WebLeadInput): Promise<number> {
    const lead = await deps.leads.intakeFromWeb(trx, ip, leadInput(input));
    if ((input.consent_text ?? '').trim() && lead.consent) await trx('leads').where({ id: lead.id }).update({ consent_text: input.consent_text!.trim().slice(0, 500) });
    return lead.id;
  }

  return {
    async submit(ip: string, input: WebLeadInput): Promise<Outcome> {
      validate(webLeadSchema, input);
      delete input._csrf;
      // The honeypot: people never see the field, so whatever fills it is a bot. It is thanked like anyone.
      if ((input.website ?? '').trim()) return { outcome: 'ignored' };
      check(input);
      const settings = await deps.leads.settings();
      // The counters are one statement of their own, outside the intake's transaction: the shared
      // "all" row is locked for an instant, not for the whole intake.
      const [mine, all] = await hit(knex, [{ counter: `ip:${ip}`, windowMs: HOUR }, { counter: 'all', windowMs: MINUTE }]);
      const over = mine > settings.per_address_per_hour ? 'address_limit' : all > settings.global_per_minute ? 'global_limit' : null;
      if (over && settings.over_limit === 'refuse') throw new TooManyRequestsError('too many submissions; try again later', over === 'address_limit' ? 3600 : 60);
      if (over) {
        await knex('lead_submissions').insert({ received_at: core.clock.now().toISOString(), source_address: ip, payload: JSON.stringify(input), status: 'quarantined', reason: over, lead_id: null });
        return { outcome: 'quarantined' };
      }
      return knex.transaction(async (trx) => ({ outcome: 'accepted' as const, lead_id: await accept(trx, ip, input) }));
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
