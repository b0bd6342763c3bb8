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

  /** Adds one to a counter's current window and answers the window's count. */
  async function hit(db: Knex, counter: string, windowMs: number): Promise<number> {
    const start = new Date(Math.floor(core.clock.now().getTime() / windowMs) * windowMs).toISOString();
    const rows = await db('lead_rate_counters').insert({ counter, window_start: start, hits: 1 }).onConflict(['counter', 'window_start']).merge({ hits: db.raw('lead_rate_counters.hits + 1') }).returning('hits');
    const r = rows[0] as { hits: number } | number;
    return Number(typeof r === 'object' ? r.hits : r);
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
      // The counters are a short transaction of their own (two upserts, always in this order): the
      // shared "all" row is locked for an instant, not for the whole intake. One transaction, not
      // two statements: on SQLite each statement on its own was a commit of its own, an fsync that
      // stops the process (~5 ms each, twice per submission); a transaction joins the group commit.
      const [mine, all] = await knex.transaction(async (trx) => [await hit(trx, `ip:${ip}`, HOUR), await hit(trx, 'all', MINUTE)]);
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
