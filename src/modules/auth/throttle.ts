// Sign-in throttling, checked before any password is hashed.
// - Per account and source address: 5 free failures, then a doubling wait (1 s, 2 s, 4 s ... 15 min).
//   One address alone cannot get near the account's cap.
// - Per account: at most 100 failures an hour from all addresses together. Past that, only an
//   address that signed in to this account successfully in the last 30 days may still try, so an
//   attacker spread over many addresses cannot lock the real user out of their usual machine.
import type { Knex } from 'knex';
import type { Clock } from '../../lib/time';
import { DAY, HOUR } from '../../lib/time';

export const FREE_FAILURES_PER_ADDRESS = 5;
export const MAX_DELAY_MS = 15 * 60_000;
export const ACCOUNT_FAILURES_PER_HOUR = 100;
const KNOWN_ADDRESS_WINDOW = 30 * DAY;

export interface ThrottleVerdict {
  allowed: boolean;
  retryAfterSeconds: number;
}

export function createThrottle(knex: Knex, clock: Clock, knownAddress: (userId: number, ip: string, since: string) => Promise<boolean>) {
  return {
    async check(account: string, ip: string, userId: number | null): Promise<ThrottleVerdict> {
      const now = clock.now().getTime();
      const hourAgo = new Date(now - HOUR).toISOString();
      const pair = await knex('auth_failures').where({ account, ip }).andWhere('at', '>', hourAgo).count({ n: '*' }).max({ last: 'at' }).first();
      const pairCount = Number(pair?.n ?? 0);
      if (pairCount >= FREE_FAILURES_PER_ADDRESS && pair?.last) {
        const delay = Math.min(1000 * 2 ** (pairCount - FREE_FAILURES_PER_ADDRESS), MAX_DELAY_MS);
        const waitUntil = Date.parse(pair.last as string) + delay;
        if (waitUntil > now) return { allowed: false, retryAfterSeconds: Math.ceil((waitUntil - now) / 1000) };
      }
      const total = await knex('auth_failures').where({ account }).andWhere('at', '>', hourAgo).count({ n: '*' }).min({ first: 'at' }).first();
      if (Number(total?.n ?? 0) >= ACCOUNT_FAILURES_PER_HOUR) {
        const known = userId !== null && (await knownAddress(userId, ip, new Date(now - KNOWN_ADDRESS_WINDOW).toISOString()));
        if (!known) {
          const retry = total?.first ? Math.ceil((Date.parse(total.first as string) + HOUR - now) / 1000) : 60;
          return { allowed: false, retryAfterSeconds: Math.max(1, retry) };
        }
      }
      return { allowed: true, retryAfterSeconds: 0 };
    },

    async recordFailure(db: Knex, account: string, ip: string): Promise<void> {
      await db('auth_failures').insert({ account, ip, at: clock.now().toISOString() });
    },

    /** A success clears this address's failures for the account (not the account-wide count). */
    async clearAddress(db: Knex, account: string, ip: string): Promise<void> {
      await db('auth_failures').where({ account, ip }).delete();
    },

    async purge(): Promise<number> {
      return knex('auth_failures').where('at', '<', new Date(clock.now().getTime() - DAY).toISOString()).delete();
    },
  };
}
export type Throttle = ReturnType<typeof createThrottle>;
