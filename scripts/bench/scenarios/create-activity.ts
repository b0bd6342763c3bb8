// Scenarios create-activity (back to back) and create-activity-200 (offered 200/s): POST
// /api/v1/activities as a sales rep, a call / WeChat / visit … with one of 200 of their contacts,
// which links the contact's company, updates last_contact_at and writes the audit entry.
import { createActivityRequests, signInCustomerRole } from './customer-requests';
import type { Scenario } from './types';

export const createActivity: Scenario = {
  name: 'create-activity',
  kind: 'write',
  summary: 'POST /api/v1/activities with one of the rep\'s contacts (links + last_contact_at); sales rep, closed loop (JSON)',
  role: 'sales',
  async prepare(ctx) {
    const { headers, userId } = await signInCustomerRole(ctx, 'sales');
    return { headers, requests: createActivityRequests(ctx, userId, 'sales') };
  },
};

export const createActivity200: Scenario = {
  ...createActivity,
  name: 'create-activity-200',
  summary: 'POST /api/v1/activities as create-activity, offered 200 requests/s',
  rate: 200,
};
