// What the customer pages (companies, contacts, activities, tasks, My day) share: labelled choices
// for the enum fields, lookups of people, teams, tags and record names through the services, and
// the way a form's text becomes a service input and back (including re-applying one's changes on
// top of a version someone else saved meanwhile).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../access/scope';
import { can } from '../../access/scope';
import { t, type Locale } from '../../lib/i18n';
import { utcToZoned, zonedToUtc } from '../../lib/time';
import { handleForm, listField } from '../../plugins/forms';
import { ACTIVITY_TYPES, GRADES, PRIORITIES, SIZE_BANDS, SOURCES } from './record-fields';
import type { Ref } from './links';

export interface Choice {
  value: string;
  label: string;
}

export const sourceChoices = (locale: Locale): Choice[] => SOURCES.map((v) => ({ value: v, label: t(locale, `customers.sources.${v}`) }));
export const sizeBandChoices = (locale: Locale): Choice[] => SIZE_BANDS.map((v) => ({ value: v, label: t(locale, `customers.size_bands.${v}`) }));
export const gradeChoices = (locale: Locale): Choice[] => GRADES.map((v) => ({ value: v, label: t(locale, 'customers.grade_label', { grade: v }) }));
export const activityTypeChoices = (locale: Locale): Choice[] => ACTIVITY_TYPES.map((v) => ({ value: v, label: t(locale, `activities.types.${v}`) }));
export const priorityChoices = (locale: Locale): Choice[] => PRIORITIES.map((v) => ({ value: v, label: t(locale, `tasks.priorities.${v}`) }));

export function labelOf(choices: Choice[], value: unknown): string {
  if (value === null || value === undefined || value === '') return '';
  return choices.find((c) => c.value === value)?.label ?? String(value);
}

/** A file size for people: 812 B, 45 KB, 3.2 MB. */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1048576) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

/** Choices with the current value marked, for a <select>. */
export function selectOptions(choices: Choice[], value: unknown): Array<Choice & { selected: boolean }> {
  const v = value === null || value === undefined ? '' : String(value);
  return choices.map((c) => ({ ...c, selected: c.value === v }));
}

/** Lookups a page needs, each loaded at most once per request, always through the services. */
export function pageLookups(app: FastifyInstance, req: FastifyRequest) {
  const actor = req.actor as Actor;
  const { users, teams, tags, companies, contacts } = app.services;
  const memo = new Map<string, Promise<unknown>>();
  const pendingNames = new Map<string, { ids: number[]; result: Promise<Map<number, string>> }>();
  const once = <T>(key: string, load: () => Promise<T>): Promise<T> => {
    if (!memo.has(key)) memo.set(key, load());
    return memo.get(key) as Promise<T>;
  };

  const api = {
    /** Everyone who can own records (active users first in name order), up to 1000. */
    users: () => once('users', async () => {
      if (!can(actor, 'users', 'read')) return [{ id: actor.userId as number, name: actor.name, active: true }];
      return users.choices(actor, 1000);
    }),
    /** Active users to give records to, plus `include` (a record's current owner, even if deactivated). */
    userChoices: async (include?: unknown): Promise<Choice[]> => (await api.users()).filter((u) => u.active || String(u.id) === String(include ?? '')).map((u) => ({ value: String(u.id), label: u.name })),
    userName: async (id: unknown): Promise<string> => {
      if (id === null || id === undefined || id === '') return '';
      return (await api.users()).find((u) => u.id === Number(id))?.name ?? `#${id}`;
    },
    teams: () => once('teams', async () => (can(actor, 'teams', 'read') ? teams.list(actor) : [])),
    teamChoices: async (): Promise<Choice[]> => (await api.teams()).map((tm) => ({ value: String(tm.id), label: `${'　'.repeat(tm.depth)}${tm.name}` })),
    tags: () => once('tags', () => tags.list(actor)),
    tagChoices: async (): Promise<Choice[]> => (await api.tags()).map((tg) => ({ value: String(tg.id), label: tg.name })),
    /** The first 200 companies the actor sees, by name (a form's company choice). */
    companies: () => once('companies', async () => (can(actor, 'companies', 'read') ? (await companies.list(actor, { limit: 200, sort: 'name' })).data : [])),
    contacts: () => once('contacts', async () => (can(actor, 'contacts', 'read') ? (await contacts.list(actor, { limit: 200, sort: 'name' })).data : [])),
    /** Company choices, always including `selected` even past the first 200. */
    companyChoices: async (selected?: unknown): Promise<Choice[]> => {
      const list = (await api.companies()).map((c) => ({ value: String(c.id), label: String(c.name) }));
      const id = Number(selected);
      if (Number.isInteger(id) && id > 0 && !list.some((c) => c.value === String(id))) {
        const name = await api.recordName({ type: 'companies', id });
        if (name) list.unshift({ value: String(id), label: name });
      }
      return list;
    },
    contactChoices: async (selected?: unknown): Promise<Choice[]> => {
      const list = (await api.contacts()).map((c) => ({ value: String(c.id), label: String(c.name) }));
      const id = Number(selected);
      if (Number.isInteger(id) && id > 0 && !list.some((c) => c.value === String(id))) {
        const name = await api.recordName({ type: 'contacts', id });
        if (name) list.unshift({ value: String(id), label: name });
      }
      return list;
    },
    /**
     * A company's or contact's name, or null when the actor may not see it. Lookups asked for in
     * the same tick (a list's rows rendering at once) are answered by one query per type.
     */
    recordName: (ref: Ref) => once(`name:${ref.type}:${ref.id}`, async () => {
      const service = ref.type === 'companies' ? companies : ref.type === 'contacts' ? contacts : null;
      if (!service || !can(actor, ref.type as 'companies', 'read')) return null;
      let batch = pendingNames.get(service.type);
      if (!batch) {
        const ids: number[] = [];
        const result = Promise.resolve().then(() => service.names(actor, ids));
        batch = { ids, result };
        pendingNames.set(service.type, batch);
        void result.finally(() => pendingNames.delete(service.type));
      }
      batch.ids.push(ref.id);
      return (await batch.result).get(ref.id) ?? null;
    }),
    /** Links to the records an activity or task is about (the ones the actor may open). */
    parentLinks: async (refs: Ref[]): Promise<Array<{ href: string; text: string; type: string }>> => {
      const names = await Promise.all(refs.map((ref) => api.recordName(ref)));
      return refs.flatMap((ref, i) => (names[i] ? [{ href: `/${ref.type}/${ref.id}`, text: names[i]!, type: ref.type }] : []));
    },
  };
  return api;
}
export type PageLookups = ReturnType<typeof pageLookups>;

// ---- forms ------------------------------------------------------------------------------------

export type FieldKind = 'text' | 'long' | 'enum' | 'int' | 'bool' | 'ints' | 'datetime' | 'date';

export interface FieldDef {
  key: string;
  kind: FieldKind;
  /** Sent even when empty, so the service names it as missing. */
  required?: boolean;
  /** Left out when empty instead of cleared (an owner, a time that cannot be null). */
  omitEmpty?: boolean;
}

/** What a form shows: text per field, a list of texts for multi-choices. */
export type FormValues = Record<string, string | string[]>;

/** The user's input as form values; a text field the form did not send stays absent. */
export function valuesFromBody(fields: FieldDef[], body: Record<string, unknown>): FormValues {
  const out: FormValues = {};
  for (const f of fields) {
    if (f.kind === 'ints') out[f.key] = listField(body[f.key]);
    else if (f.kind === 'bool') out[f.key] = body[f.key] === '1' ? '1' : '';
    else if (f.key in body) out[f.key] = String(body[f.key] ?? '');
  }
  return out;
}

/** A stored record as form values (times as wall clock in the company's time zone). */
export function valuesFromRecord(fields: FieldDef[], row: Record<string, unknown>, timeZone: string): FormValues {
  const out: FormValues = {};
  for (const f of fields) {
    const v = row[f.key];
    if (f.kind === 'ints') out[f.key] = f.key === 'tag_ids' ? ((row.tags as Array<{ id: number }> | undefined) ?? []).map((tg) => String(tg.id)) : ((v as number[] | null) ?? []).map(String);
    else if (f.kind === 'bool') out[f.key] = v ? '1' : '';
    else if (f.kind === 'datetime') out[f.key] = utcToZoned(v as string | null, timeZone);
    else out[f.key] = v === null || v === undefined ? '' : String(v);
  }
  return out;
}

function number(text: string): number | string {
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? n : text; // not a number: the service says so
}

/** Form values as a service input: empty text clears a field (or is left out on create). */
export function inputFromValues(fields: FieldDef[], values: FormValues, timeZone: string, mode: 'create' | 'update'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if (!(f.key in values)) continue;
    const v = values[f.key];
    if (f.kind === 'ints') {
      out[f.key] = (v as string[]).map(number);
      continue;
    }
    if (f.kind === 'bool') {
      out[f.key] = v === '1';
      continue;
    }
    const text = String(v);
    if (text.trim() === '' && !f.required) {
      if (mode === 'update' && !f.omitEmpty) out[f.key] = null;
      continue;
    }
    if (f.kind === 'int') out[f.key] = number(text);
    else if (f.kind === 'datetime') out[f.key] = zonedToUtc(text, timeZone) ?? text;
    else out[f.key] = text;
  }
  return out;
}

/** The hidden copy of what the form showed when it was opened (see reapply). */
export function parseBase(raw: unknown): FormValues | null {
  if (typeof raw !== 'string' || !raw) return null;
  try {
    const v = JSON.parse(raw) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
    const out: FormValues = {};
    for (const [k, x] of Object.entries(v)) {
      if (typeof x === 'string') out[k] = x;
      else if (Array.isArray(x) && x.every((i) => typeof i === 'string')) out[k] = x;
    }
    return out;
  } catch {
    return null;
  }
}

function same(a: string | string[] | undefined, b: string | string[] | undefined): boolean {
  const norm = (x: string | string[] | undefined) => (Array.isArray(x) ? [...x].sort().join(',') : (x ?? '').replace(/\r\n/g, '\n').trim());
  return norm(a) === norm(b);
}

/** The fields the user changed since the form was opened (all of them without the opened copy). */
export function changedSince(fields: FieldDef[], typed: FormValues, base: FormValues | null): FormValues {
  if (!base) return typed;
  return Object.fromEntries(fields.filter((f) => f.key in typed && !same(typed[f.key], base[f.key])).map((f) => [f.key, typed[f.key]]));
}

export interface ConflictRow {
  key: string;
  label: string;
  mine: string;
  current: string;
  /** The two versions differ here. */
  differs: boolean;
  /** Both you and the other person changed this field: your value is kept, check it. */
  clash: boolean;
}

/**
 * Someone saved the record after you opened it. Your changes (what you typed that differs from what
 * the form showed when opened) are re-applied on top of the current version; fields you did not
 * touch take the current values. Without the opened copy, everything you typed counts as a change.
 */
export function reapply(fields: FieldDef[], typed: FormValues, base: FormValues | null, current: FormValues): { values: FormValues; changed: string[] } {
  const values: FormValues = { ...current };
  const changed: string[] = [];
  for (const f of fields) {
    if (!(f.key in typed)) continue;
    const mine = typed[f.key];
    if (base && same(mine, base[f.key])) continue;
    values[f.key] = mine;
    if (!same(mine, current[f.key])) changed.push(f.key);
  }
  return { values, changed };
}

export function conflictRows(fields: FieldDef[], typed: FormValues, base: FormValues | null, current: FormValues, label: (key: string) => string, show: (key: string, value: string | string[] | undefined) => Promise<string>): Promise<ConflictRow[]> {
  return Promise.all(
    fields
      .filter((f) => f.key in typed || f.key in current)
      .map(async (f) => ({
        key: f.key,
        label: label(f.key),
        mine: await show(f.key, typed[f.key]),
        current: await show(f.key, current[f.key]),
        differs: !same(typed[f.key], current[f.key]),
        clash: Boolean(base && !same(typed[f.key], base[f.key]) && !same(current[f.key], base[f.key]) && !same(typed[f.key], current[f.key])),
      })),
  );
}

/** A field's value as a person reads it: labels for choices, names for people, tags and companies. */
export function valueShower(locale: Locale, lookups: PageLookups, fields: FieldDef[], choices: Record<string, Choice[]>) {
  return async (key: string, value: string | string[] | undefined): Promise<string> => {
    const f = fields.find((x) => x.key === key);
    if (value === undefined) return '';
    if (Array.isArray(value)) {
      if (key === 'tag_ids') {
        const tags = await lookups.tags();
        return value.map((id) => tags.find((tg) => String(tg.id) === id)?.name ?? `#${id}`).join(', ');
      }
      return value.join(', ');
    }
    if (value === '') return '';
    if (f?.kind === 'bool') return t(locale, value === '1' ? 'lists.yes' : 'lists.no');
    if (choices[key]) return labelOf(choices[key], value);
    if (key === 'owner_id') return lookups.userName(value);
    if (key === 'company_id') return (await lookups.recordName({ type: 'companies', id: Number(value) })) ?? `#${value}`;
    if (f?.kind === 'datetime') return value.replace('T', ' ');
    return value;
  };
}

export interface EditFormOptions {
  view: string;
  fields: FieldDef[];
  choices: Record<string, Choice[]>;
  label(key: string): string;
  lookups: PageLookups;
  /** The form's data for these values; `extra` carries the version, the opened copy and, on a conflict, the current record. */
  formData(values: FormValues, extra: Record<string, unknown>): Promise<Record<string, unknown>>;
  update(input: Record<string, unknown>, version: number): Promise<unknown>;
  /** Where to go once saved. */
  done: string;
}

/**
 * Saves an edit form: only the fields the user changed are sent, with the version the form was
 * opened at. When someone saved in between (409), the page shows both versions side by side and
 * the form again, with the user's changes re-applied on top of the current version and that
 * version's number: saving it then is a deliberate choice, never a silent overwrite.
 */
export async function saveEditForm(req: FastifyRequest, reply: FastifyReply, o: EditFormOptions): Promise<void> {
  const body = req.body as Record<string, unknown>;
  const tz = req.company.timezone;
  const typed = valuesFromBody(o.fields, body);
  const base = parseBase(body._base);
  const data = await o.formData(typed, { recordVersion: body.version, base: String(body._base ?? '') });
  await handleForm(reply, o.view, data, async () => {
    const changes = changedSince(o.fields, typed, base);
    if (Object.keys(changes).length) await o.update(inputFromValues(o.fields, changes, tz, 'update'), Number(body.version));
    await reply.redirect(o.done, 303);
  }, async (err) => {
    if (!err.current || typeof err.current !== 'object' || !('version' in err.current)) throw err;
    const current = err.current as Record<string, unknown> & { version: number; updated_by?: number | null; updated_at?: string };
    const currentValues = valuesFromRecord(o.fields, current, tz);
    const merged = reapply(o.fields, typed, base, currentValues);
    const show = valueShower(req.locale, o.lookups, o.fields, o.choices);
    await reply.code(409).page(o.view, {
      ...(await o.formData(merged.values, { record: current, recordVersion: current.version, base: JSON.stringify(currentValues) })),
      conflict: {
        rows: await conflictRows(o.fields, typed, base, currentValues, o.label, show),
        changed: merged.changed.map(o.label),
        updatedBy: await o.lookups.userName(current.updated_by),
        updatedAt: current.updated_at,
      },
    });
  });
}
