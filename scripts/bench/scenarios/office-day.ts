// Scenario office-day: a mixed working day at an offered 1,250 requests/s: 80 % reads (contact lists,
// search, company timelines, in the proportions of a sales office) and 20 % activity writes, i.e.
// ~1,000 reads/s with ~250 writes/s, all as an administrator's token (sees every record, so every
// sampled company and contact is readable and writable).
import type { BenchRequest } from '../lib/drive';
import { contactListRequests, createActivityRequests, searchRequests, signInCustomerRole, timelineRequests } from './customer-requests';
import type { Scenario } from './types';

/** Scales a group's weights so that the group takes `share` of all requests. */
function share(requests: BenchRequest[], part: number): BenchRequest[] {
  const total = requests.reduce((a, r) => a + (r.weight ?? 1), 0);
  return requests.map((r) => ({ ...r, weight: ((r.weight ?? 1) / total) * part * 1000 }));
}

const officeDay: Scenario = {
  name: 'office-day',
  kind: 'api',
  summary: 'mixed, offered 1,250/s: 80 % reads (contacts 40 %, search 25 %, timelines 15 %) + 20 % POST activities; admin (JSON)',
  role: 'admin',
  rate: 1250,
  async prepare(ctx) {
    const { headers, userId } = await signInCustomerRole(ctx, 'admin');
    const requests = [
      ...share(await contactListRequests(ctx, headers, userId, 'manager'), 0.4),
      ...share(searchRequests(ctx), 0.25),
      ...share(await timelineRequests(ctx, headers), 0.15),
      ...share(createActivityRequests(ctx, userId, 'admin'), 0.2),
    ];
    return { headers, requests };
  },
};
export default officeDay;
