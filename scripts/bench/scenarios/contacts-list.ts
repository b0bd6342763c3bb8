// Scenarios contacts-list (a sales rep with one of the largest books) and contacts-list-manager (a
// sales manager, who sees the team's contacts): GET /api/v1/contacts, limit 50, with the filters and
// sorts people use (recently changed, not contacted for 30/90 days, one company, tags, source, new
// this month, a name search, page 2 by cursor).
import { contactListRequests, signInCustomerRole } from './customer-requests';
import type { Scenario } from './types';

export const contactsList: Scenario = {
  name: 'contacts-list',
  kind: 'api',
  summary: 'GET /api/v1/contacts?limit=50, ~15 weighted filter/sort variants and page 2; sales rep with a large book (JSON)',
  role: 'sales',
  p95TargetMs: 50,
  async prepare(ctx) {
    const { headers, userId } = await signInCustomerRole(ctx, 'sales');
    return { headers, requests: await contactListRequests(ctx, headers, userId, 'sales') };
  },
};

export const contactsListManager: Scenario = {
  name: 'contacts-list-manager',
  kind: 'api',
  summary: "GET /api/v1/contacts?limit=50, ~17 weighted variants incl. a rep's contacts; sales manager (JSON)",
  role: 'manager',
  p95TargetMs: 50,
  async prepare(ctx) {
    const { headers, userId } = await signInCustomerRole(ctx, 'manager');
    return { headers, requests: await contactListRequests(ctx, headers, userId, 'manager') };
  },
};
