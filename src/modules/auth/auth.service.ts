// Signing in and out. Throttle first, then one capped password verification; the answer for a
// wrong password and for an unknown email is the same. Every outcome is audited.
import type { Core } from '../../core';
import type { Actor } from '../../access/scope';
import { ServiceUnavailableError, TooManyRequestsError, UnauthorizedError, ValidationError } from '../../lib/errors';
import { verifyPassword } from '../../lib/passwords';
import { Semaphore } from '../../lib/semaphore';
import { validate } from '../../lib/validate';
import type { SessionsService, RequestSource, OpenedSession } from '../sessions';
import { normalizeEmail, type UsersService } from '../users';
import { loginSchema, passwordChangeSchema, type LoginInput } from './auth.schemas';
import { createThrottle } from './throttle';

export function createAuthService(core: Core, deps: { users: UsersService; sessions: SessionsService }) {
  const { knex } = core.db;
  const throttle = createThrottle(knex, core.clock, deps.sessions.knownAddress);
  const hashSlots = new Semaphore(core.config.auth.maxConcurrentHashes, core.config.auth.maxQueuedHashes);

  async function verifyCapped(hash: string | null, password: string): Promise<boolean> {
    const result = await hashSlots.run(() => verifyPassword(hash, password));
    if (!result) throw new ServiceUnavailableError('too many sign-ins at once; try again in a moment', 2);
    return result.value;
  }

  return {
    throttle,

    async login(input: LoginInput, kind: 'page' | 'api', source: RequestSource): Promise<OpenedSession> {
      validate(loginSchema, input);
      const account = normalizeEmail(input.email);
      const ip = source.ip ?? 'unknown';
      const user = await deps.users.repo.findForSignIn(account);
      const verdict = await throttle.check(account, ip, user?.id ?? null);
      if (!verdict.allowed) throw new TooManyRequestsError('too many failed sign-ins; wait before trying again', verdict.retryAfterSeconds);
      const ok = await verifyCapped(user?.password_hash ?? null, input.password);
      if (!ok || !user || !user.active) {
        await knex.transaction(async (trx) => {
          await throttle.recordFailure(trx, account, ip);
          await core.audit.record(trx, { userId: null, ...source }, { action: 'sign_in_failed', recordType: 'users', recordId: user?.id ?? null, changes: { email: [null, account] } });
        });
        throw new UnauthorizedError('the email or password is incorrect');
      }
      return knex.transaction(async (trx) => {
        await throttle.clearAddress(trx, account, ip);
        const session = await deps.sessions.open(trx, user.id, kind, source);
        await trx('users').where({ id: user.id }).update({ last_sign_in_at: core.clock.now().toISOString() });
        await core.audit.record(trx, { userId: user.id, ...source }, { action: 'sign_in', recordType: 'sessions', recordId: session.sessionId });
        return session;
      });
    },

    async logout(actor: Actor, everywhere: boolean): Promise<void> {
      if (actor.userId === null || actor.sessionId === null) return;
      const { userId, sessionId } = actor;
      await knex.transaction(async (trx) => {
        if (everywhere) await deps.sessions.revokeAllForUser(trx, userId, 'signed_out_everywhere');
        else await deps.sessions.revoke(trx, sessionId, 'signed_out');
        await core.audit.record(trx, actor, { action: everywhere ? 'sign_out_everywhere' : 'sign_out', recordType: 'sessions', recordId: sessionId });
      });
    },

    /** Changes the actor's own password: every session ends, and a new one is opened for this client. */
    async changePassword(actor: Actor, input: { current_password: string; new_password: string }, kind: 'page' | 'api'): Promise<OpenedSession> {
      validate(passwordChangeSchema, input);
      if (actor.userId === null) throw new UnauthorizedError();
      const user = await deps.users.load(actor.userId);
      const ip = actor.ip ?? 'unknown';
      const verdict = await throttle.check(user.email, ip, user.id);
      if (!verdict.allowed) throw new TooManyRequestsError('too many failed attempts; wait before trying again', verdict.retryAfterSeconds);
      if (!(await verifyCapped(await deps.users.repo.passwordHash(user.id), input.current_password))) {
        await throttle.recordFailure(knex, user.email, ip);
        throw ValidationError.field('current_password', 'incorrect', 'is not your current password');
      }
      const passwordHash = await deps.users.preparePassword(input.new_password, user.email, 'new_password');
      return knex.transaction(async (trx) => {
        await deps.users.setPasswordIn(trx, actor, await deps.users.load(user.id, trx), passwordHash, 'password_change');
        return deps.sessions.open(trx, user.id, kind, actor);
      });
    },
  };
}
export type AuthService = ReturnType<typeof createAuthService>;
