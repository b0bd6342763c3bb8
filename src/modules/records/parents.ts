// Parents given by a client (company_id, contact_ids) checked against what the actor may see, and
// completed: an activity with a contact of a company also lands on that company's timeline.
import type { Knex } from 'knex';
import { visibleIds, type Actor } from '../../access/scope';
import { ValidationError } from '../../lib/errors';
import type { ParentType, Ref } from './links';
import { exec } from './statements';

export interface ParentInput {
  company_id?: number | null;
  contact_ids?: number[];
  /** A deal: the child lands on the deal's timeline (and its company's). */
  deal_id?: number | null;
  /** A lead: activities logged on it count for its score. */
  lead_id?: number | null;
}

export async function resolveParents(db: Knex, actor: Actor, input: ParentInput): Promise<Array<Ref<ParentType>>> {
  const parents: Array<Ref<ParentType>> = [];
  if (input.company_id) {
    if (!(await visibleIds(db, actor, 'companies').where('companies.id', input.company_id).first())) throw ValidationError.field('company_id', 'exists', 'is not a company you can see');
    parents.push({ type: 'companies', id: input.company_id });
  }
  if (input.deal_id) {
    const deal = await visibleIds(db, actor, 'deals').where('deals.id', input.deal_id).first('deals.company_id');
    if (!deal) throw ValidationError.field('deal_id', 'exists', 'is not a deal you can see');
    parents.push({ type: 'deals', id: input.deal_id });
    if (deal.company_id && !parents.some((p) => p.type === 'companies' && p.id === deal.company_id)) parents.push({ type: 'companies', id: deal.company_id });
  }
  if (input.lead_id) {
    if (!(await visibleIds(db, actor, 'leads').where('leads.id', input.lead_id).first())) throw ValidationError.field('lead_id', 'exists', 'is not a lead you can see');
    parents.push({ type: 'leads', id: input.lead_id });
  }
  const contactIds = [...new Set(input.contact_ids ?? [])];
  if (contactIds.length) {
    const found = await visibleIds(db, actor, 'contacts').whereIn('contacts.id', contactIds).select('contacts.company_id');
    if (found.length !== contactIds.length) throw ValidationError.field('contact_ids', 'exists', 'has a contact you cannot see');
    for (const id of contactIds) parents.push({ type: 'contacts', id });
    for (const c of found) if (c.company_id && !parents.some((p) => p.type === 'companies' && p.id === c.company_id)) parents.push({ type: 'companies', id: c.company_id });
  }
  return parents;
}

/** Records the latest contact time on each parent (for "not contacted for N days"). */
export async function touchLastContact(db: Knex, parents: Array<Ref<ParentType>>, at: string): Promise<void> {
  for (const type of ['companies', 'contacts'] as const) {
    const ids = parents.filter((p) => p.type === type).map((p) => p.id);
    if (ids.length) await exec(db, `update ${type} set last_contact_at = ? where id in (${ids.map(() => '?').join(', ')}) and (last_contact_at is null or last_contact_at < ?)`, [at, ...ids, at]);
  }
}

export const parentSchemaProperties = {
  company_id: { type: ['integer', 'null'], minimum: 1, description: 'The company this is about.' },
  contact_ids: { type: 'array', items: { type: 'integer', minimum: 1 }, maxItems: 20, uniqueItems: true, description: 'The people this is with or about.' },
  deal_id: { type: ['integer', 'null'], minimum: 1, description: 'The deal this is about (it also lands on the deal\'s company).' },
  lead_id: { type: ['integer', 'null'], minimum: 1, description: 'The lead this is about (it counts for the lead\'s score).' },
} as const;
