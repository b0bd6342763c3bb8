// Scenario sign-in: POST /api/v1/auth/login as many different sales reps (throttle check, argon2id
// verification through the hash semaphore, a session row, last_sign_in_at and an audit entry).
// A write; argon2 is deliberately expensive, so this one shows the cost of secure passwords.
import type { Scenario } from './types';

const signIn: Scenario = {
  name: 'sign-in',
  kind: 'write',
  summary: 'POST /api/v1/auth/login, rotating over sales reps (JSON; argon2id verify + session + audit)',
  role: 'sales',
  async prepare(ctx) {
    const accounts = ctx.data.accounts.sales;
    if (!accounts.length) throw new Error('no sales accounts to sign in as');
    return {
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      requests: accounts.map((a) => ({ method: 'POST' as const, path: '/api/v1/auth/login', body: JSON.stringify({ email: a.email, password: ctx.data.password }) })),
    };
  },
};
export default signIn;
