// Scenario company-360: GET /api/v1/companies/:id/timeline (the 360° view's activity stream, 50 at a
// time) as an administrator (sees every company), mostly for the busiest companies (~2,000 activities each at full size),
// their second pages, and ordinary companies.
import { signInCustomerRole, timelineRequests } from './customer-requests';
import type { Scenario } from './types';

const company360: Scenario = {
  name: 'company-360',
  kind: 'api',
  summary: 'GET /api/v1/companies/:id/timeline: busiest companies (first and second page) and ordinary ones; admin (JSON)',
  role: 'admin',
  p95TargetMs: 80,
  async prepare(ctx) {
    const { headers } = await signInCustomerRole(ctx, 'admin');
    return { headers, requests: await timelineRequests(ctx, headers) };
  },
};
export default company360;
