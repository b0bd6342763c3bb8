// Scenarios create-activity (back to back) and create-activity-200 (offered 200/s): POST
// /api/v1/activities as a sales rep, a call / WeChat / visit … with one of 200 of their contacts,
// which links the contact's company, updates last_contact_at and writes the audit entry.
import { contactListRequests, createActivityRequests, searchRequests, signInCustomerRole, timelineRequests } from './customer-requests';
import type { BenchRequest } from '../lib/drive';
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
  p95TargetMs: 20,
};

/** Scales a group's weights so that the group takes `part` of all requests. */
function share(requests: BenchRequest[], part: number): BenchRequest[] {
  const total = requests.reduce((a, r) => a + (r.weight ?? 1), 0);
  return requests.map((r) => ({ ...r, weight: ((r.weight ?? 1) / total) * part * 1000 }));
}

/**
 * Issue 5's write target: activities created at an offered 200/s (a sales rep, 10 connections; the
 * measured requests) while readers are offered 1,000 requests/s alongside (50 connections of a sales
 * manager: contact lists 50 %, search 30 %, company timelines 20 %; reported as "alongside").
 */
export const writesUnderReads: Scenario = {
  ...createActivity,
  name: 'writes-under-reads',
  summary: 'POST /api/v1/activities offered 200/s (rep, 10 connections) while readers are offered 1,000/s (manager: lists, search, timelines; 50 connections)',
  rate: 200,
  connections: 10,
  p95TargetMs: 20,
  async prepare(ctx) {
    const { headers, userId } = await signInCustomerRole(ctx, 'sales');
    const reader = await signInCustomerRole(ctx, 'manager');
    const admin = await signInCustomerRole(ctx, 'admin');
    const readers = [
      ...share(await contactListRequests(ctx, reader.headers, reader.userId, 'manager'), 0.5),
      ...share(ctx.data.samples.searchTerms ? searchRequests(ctx) : [], 0.3),
      // Timelines of companies a manager may not see would answer 404: read them with the admin's
      // token in the request's own headers.
      ...share((await timelineRequests(ctx, admin.headers)).map((r) => ({ ...r, headers: { authorization: admin.headers.authorization } })), 0.2),
    ];
    return {
      headers,
      requests: createActivityRequests(ctx, userId, 'sales'),
      background: { headers: reader.headers, requests: readers, rate: 1000, connections: 50, label: 'readers (lists 50 %, search 30 %, timelines 20 %)' },
    };
  },
};
