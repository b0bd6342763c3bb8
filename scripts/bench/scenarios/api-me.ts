// Scenario api-me: GET /api/v1/auth/me with a Bearer token; sales rep (session lookup + user load).
import type { Scenario } from './types';

const apiMe: Scenario = {
  name: 'api-me',
  kind: 'api',
  summary: 'GET /api/v1/auth/me with Bearer; sales rep (JSON)',
  role: 'sales',
  async prepare(ctx) {
    const token = await ctx.signInApi('sales');
    return { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, requests: [{ method: 'GET', path: '/api/v1/auth/me' }] };
  },
};
export default apiMe;
