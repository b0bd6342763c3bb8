// Companies: the shared record life (records/record-service.ts) with a company's own fields,
// its duplicate rule (same normalised name or phone) and its contacts moving along on a merge.
import type { Core } from '../../core';
import { companyKey, reversedDigits, sortKey } from '../../lib/text';
import { createRecordService } from '../records/record-service';
import { COMPANY_AUDIT_FIELDS, COMPANY_COLUMNS, companiesListSpec, companyCreateSchema, companyUpdateSchema } from './companies.schemas';

export function createCompaniesService(core: Core) {
  return createRecordService(core, {
    type: 'companies',
    listSpec: companiesListSpec(() => core.clock.now()),
    columns: COMPANY_COLUMNS,
    createSchema: companyCreateSchema,
    updateSchema: companyUpdateSchema,
    auditFields: COMPANY_AUDIT_FIELDS,
    derive(input) {
      const out: Record<string, unknown> = {};
      if (typeof input.name === 'string') Object.assign(out, { name: input.name.trim(), name_sort: sortKey(input.name), name_key: companyKey(input.name) });
      if ('phone' in input) out.phone_rev = reversedDigits(input.phone as string | null);
      return out;
    },
    searchNames: (row) => [row.name as string, row.short_name as string | null],
    async findDuplicates(db, stored, exceptId) {
      const q = db('companies').whereNull('deleted_at').where((w) => {
        if (stored.name_key) w.orWhere('name_key', stored.name_key as string);
        if (stored.phone_rev && String(stored.phone_rev).length >= 7) w.orWhere('phone_rev', stored.phone_rev as string);
      });
      if (!stored.name_key && !stored.phone_rev) return [];
      if (exceptId) q.whereNot('id', exceptId);
      const rows = await q.limit(10).select('id', 'name', 'owner_id', 'name_key', 'phone_rev');
      return rows.map((r) => ({ id: r.id, name: r.name, owner_id: r.owner_id, matched: r.name_key === stored.name_key ? 'name' : 'phone' }));
    },
    async mergeChildren(db, fromId, toId) {
      await db('contacts').where({ company_id: fromId }).update({ company_id: toId });
      await db('deals').where({ company_id: fromId }).update({ company_id: toId });
    },
    async detachChildren(db, id) {
      await db('contacts').where({ company_id: id }).update({ company_id: null });
      await db('deals').where({ company_id: id }).update({ company_id: null });
      await db('leads').where({ converted_company_id: id }).update({ converted_company_id: null });
    },
  });
}
export type CompaniesService = ReturnType<typeof createCompaniesService>;
