// Scenario search: GET /api/v1/search?q= as a sales rep with two- and three-character Chinese terms
// (trade names, 华信科 …), people's names, phone last-4 digits, English names and a miss.
import { searchRequests, signInCustomerRole } from './customer-requests';
import type { Scenario } from './types';

const search: Scenario = {
  name: 'search',
  kind: 'api',
  summary: 'GET /api/v1/search?q= with 2/3-character Chinese, names, phone last 4 digits, English; sales rep (JSON)',
  role: 'sales',
  p95TargetMs: 50,
  async prepare(ctx) {
    const { headers } = await signInCustomerRole(ctx, 'sales');
    return { headers, requests: searchRequests(ctx) };
  },
};
export default search;
