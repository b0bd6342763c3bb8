// First run: until a user exists, every page leads to setup. Setup writes the company settings and
// the first administrator in one transaction, exactly once even if two browsers submit together.
import type { Knex } from 'knex';
import type { Core } from '../../core';
import { ConflictError, ValidationError } from '../../lib/errors';
import { validate } from '../../lib/validate';
import { checkTimeZone, DEFAULT_COMPANY, type SettingsService } from '../settings';
import type { CompanySettings } from '../settings';
import type { RequestSource, OpenedSession, SessionsService } from '../sessions';
import type { UsersService, User } from '../users';
import { setupSchema, type SetupInput } from './setup.schemas';

export function createSetupService(core: Core, deps: { users: UsersService; settings: SettingsService; sessions: SessionsService }) {
  const { knex } = core.db;
  let done = false; // once true it stays true: no need to ask the database again

  async function markDone(trx: Knex, company: CompanySettings, userId: number | null, source: RequestSource): Promise<boolean> {
    const now = core.clock.now().toISOString();
    if (!(await deps.settings.repo.insertOnce(trx, 'setup', { completed_at: now }, now, userId))) return false;
    await deps.settings.repo.set(trx, 'company', company, now, userId);
    await core.audit.record(trx, { userId, ...source }, { action: 'setup', recordType: 'settings', recordId: 'company', changes: Object.fromEntries(Object.entries(company).map(([k, v]) => [k, [null, v]])) });
    return true;
  }

  return {
    async isDone(): Promise<boolean> {
      if (done) return true;
      done = (await deps.users.count()) > 0;
      return done;
    },

    async complete(input: SetupInput, source: RequestSource): Promise<{ user: User; session: OpenedSession }> {
      validate(setupSchema, input);
      checkTimeZone(input.timezone);
      const prepared = await deps.users.prepareUser({ email: input.admin_email, name: input.admin_name, role: 'admin', locale: input.locale, password: input.admin_password }).catch((err) => {
        // The form names its fields admin_*; say which one was wrong in its own terms.
        if (err instanceof ValidationError) throw new ValidationError(err.message, Object.fromEntries(Object.entries(err.fields).map(([k, v]) => [`admin_${k}`, v])));
        throw err;
      });
      const result = await knex.transaction(async (trx) => {
        if ((await deps.users.count(trx)) > 0) throw new ConflictError('Kehu is already set up');
        const company = { name: input.company_name.trim(), timezone: input.timezone, currency: input.currency, locale: input.locale } as CompanySettings;
        if (!(await markDone(trx, company, null, source))) throw new ConflictError('Kehu is already set up');
        const user = await deps.users.insertUser(trx, { userId: null, ...source }, prepared);
        const session = await deps.sessions.open(trx, user.id, 'page', source);
        return { user, session };
      });
      done = true;
      deps.settings.forgetCache();
      return result;
    },

    /** For `kehu user:create` on a fresh install: the shell's way through setup, with default company settings. */
    async completeWithDefaults(trx: Knex, userId: number, source: RequestSource): Promise<void> {
      await markDone(trx, { ...DEFAULT_COMPANY, ...(await deps.settings.repo.get<Partial<CompanySettings>>('company', trx)) }, userId, source);
    },
  };
}
export type SetupService = ReturnType<typeof createSetupService>;
