// Contacts: the shared record life with a person's fields; duplicates are the same mobile or
// email; a contact's company must be one the actor can see.
import type { Core } from '../../core';
import { visibleIds } from '../../access/scope';
import { ValidationError } from '../../lib/errors';
import { emailKey, fold, reversedDigits, sortKey } from '../../lib/text';
import { toStoredTime } from '../records/record-fields';
import { createRecordService } from '../records/record-service';
import { CONTACT_AUDIT_FIELDS, CONTACT_COLUMNS, contactCreateSchema, contactUpdateSchema, contactsListSpec } from './contacts.schemas';

export function createContactsService(core: Core) {
  return createRecordService(core, {
    type: 'contacts',
    listSpec: contactsListSpec(() => core.clock.now()),
    columns: CONTACT_COLUMNS,
    createSchema: contactCreateSchema,
    updateSchema: contactUpdateSchema,
    auditFields: CONTACT_AUDIT_FIELDS,
    derive(input) {
      const out: Record<string, unknown> = {};
      if (typeof input.name === 'string') Object.assign(out, { name: input.name.trim(), name_sort: sortKey(input.name, { surname: true }) });
      if ('mobile' in input) out.mobile_rev = reversedDigits(input.mobile as string | null);
      if ('phone' in input) out.phone_rev = reversedDigits(input.phone as string | null);
      if ('email' in input) out.email_key = emailKey(input.email as string | null);
      if ('wechat' in input) out.wechat_key = input.wechat ? fold(String(input.wechat)) : null;
      if ('consent_at' in input) out.consent_at = toStoredTime(input.consent_at as string | null);
      // Consent given without a time is consent given now.
      if (input.consent === true && !input.consent_at) out.consent_at = core.clock.now().toISOString();
      if (input.consent === false) Object.assign(out, { consent_at: null });
      return out;
    },
    // Confirming consent that was already given keeps the time it was given.
    adjustUpdate(changes, before, input) {
      if (input.consent === true && input.consent_at === undefined && before.consent === true) changes.consent_at = before.consent_at;
    },
    searchNames: (row) => [row.name as string],
    async check(db, actor, stored) {
      if (stored.company_id === undefined || stored.company_id === null) return;
      const visible = await visibleIds(db, actor, 'companies').where('companies.id', stored.company_id as number).first();
      if (!visible) throw ValidationError.field('company_id', 'exists', 'is not a company you can see');
    },
    async findDuplicates(db, stored, exceptId) {
      const mobile = stored.mobile_rev as string | null | undefined;
      const email = stored.email_key as string | null | undefined;
      if (!(mobile && mobile.length >= 7) && !email) return [];
      const q = db('contacts').whereNull('deleted_at').where((w) => {
        if (mobile && mobile.length >= 7) w.orWhere('mobile_rev', mobile);
        if (email) w.orWhere('email_key', email);
      });
      if (exceptId) q.whereNot('id', exceptId);
      const rows = await q.limit(10).select('id', 'name', 'owner_id', 'mobile_rev', 'email_key');
      return rows.map((r) => ({ id: r.id, name: r.name, owner_id: r.owner_id, matched: mobile && r.mobile_rev === mobile ? 'mobile' : 'email' }));
    },
    // A deal's people follow a merge (once per deal) and let go of a purged contact.
    async mergeChildren(db, fromId, toId) {
      const both = db('deal_contacts').where({ contact_id: toId }).select('deal_id');
      await db('deal_contacts').where({ contact_id: fromId }).whereIn('deal_id', both).delete();
      await db('deal_contacts').where({ contact_id: fromId }).update({ contact_id: toId });
    },
    async detachChildren(db, id) {
      await db('deal_contacts').where({ contact_id: id }).delete();
      await db('leads').where({ converted_contact_id: id }).update({ converted_contact_id: null });
    },
  });
}
export type ContactsService = ReturnType<typeof createContactsService>;
