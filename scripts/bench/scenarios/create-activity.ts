// Scenarios create-activity (back to back) and create-activity-200 (offered 200/s): POST
// /api/v1/activities as a sales rep, a call / WeChat / visit … with one of 200 of their contacts,
// which links the contact's company, updates last_contact_at and writes the audit entry.
import { createActivityRequests, readerMix, signInCustomerRole } from './customer-requests';
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
    const readers = await readerMix(ctx);
    return {
      headers,
      requests: createActivityRequests(ctx, userId, 'sales'),
      background: { ...readers, rate: 1000, connections: 50 },
    };
  },
};
