// Helpers for list pages: the page's querystring has the API's shape (filter[field][op]=value,
// sort, cursor, q) plus columns=; empty form fields are dropped before validation, dates typed in
// a filter mean days in the company's time zone, and sort links, the next-page link and saved
// views all use one canonical querystring.
import qs from 'qs';
import type { FastifyRequest } from 'fastify';
import { listQuerySchema, type ListQuery, type ListSpec, type Operator } from '../lib/listing';
import { nextDay, zonedToUtc } from '../lib/time';

export const PAGE_SIZE = 50;

export interface PageQuery extends ListQuery {
  columns?: string | string[];
  notice?: string;
}

function prune(value: unknown): unknown {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (Array.isArray(value)) {
    const kept = value.map(prune).filter((v) => v !== undefined);
    return kept.length ? kept : undefined;
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const kept = prune(v);
      if (kept !== undefined) out[k] = kept;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return value;
}

/** preValidation hook of a list page: a GET form sends every field, filled in or not. */
export async function pruneEmptyQuery(req: FastifyRequest): Promise<void> {
  req.query = (prune(req.query) ?? {}) as typeof req.query;
}

/** The querystring schema of a list page: the API's list contract plus columns (and `extra`: notices). */
export function pageQuerySchema(spec: ListSpec, extra: Record<string, object> = {}): object {
  return listQuerySchema(spec, {
    columns: { anyOf: [{ type: 'string', maxLength: 500 }, { type: 'array', items: { type: 'string', maxLength: 50 }, maxItems: 30 }] },
    ...extra,
  });
}

/**
 * The service query for a page query. A bare date in a time filter means that whole day in the
 * company's time zone: from 2026-11-01 to 2026-11-30 includes everything on the 30th.
 */
export function toListQuery(query: PageQuery, spec: ListSpec, timeZone: string): ListQuery {
  const filter: NonNullable<ListQuery['filter']> = {};
  for (const [name, cond] of Object.entries(query.filter ?? {})) {
    if (spec.filters[name]?.type !== 'time') {
      filter[name] = cond;
      continue;
    }
    const ops: Partial<Record<Operator, string>> = {};
    for (const [op, raw] of Object.entries(typeof cond === 'string' ? { eq: cond } : cond) as Array<[Operator, string]>) {
      const start = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? zonedToUtc(raw, timeZone) : null;
      const end = start ? zonedToUtc(nextDay(raw), timeZone) : null;
      if (!start || !end) {
        ops[op] = raw; // not a bare date (or not a real one): the service judges it
        continue;
      }
      if (op === 'eq') Object.assign(ops, { gte: start, lt: end });
      else if (op === 'gte') ops.gte = start;
      else if (op === 'gt') ops.gte = end;
      else if (op === 'lt') ops.lt = start;
      else if (op === 'lte') ops.lt = end;
      else ops[op] = raw;
    }
    filter[name] = ops;
  }
  return { q: query.q, cursor: query.cursor, sort: query.sort, limit: query.limit ?? PAGE_SIZE, filter };
}

/** The columns to show: the ones asked for (in the list's order), else the defaults. */
export function chosenColumns(query: PageQuery, available: readonly string[], defaults: readonly string[]): string[] {
  const asked = (Array.isArray(query.columns) ? query.columns : (query.columns ?? '').split(',')).map((c) => c.trim()).filter(Boolean);
  const picked = available.filter((c) => asked.includes(c));
  return picked.length ? picked : [...defaults];
}

/**
 * The canonical querystring of what a list shows (filters, search, sort, columns), without the
 * cursor and notice: what sort links, the next page and saved views are built from.
 */
export function canonicalQuery(query: PageQuery, spec: ListSpec, columns: string[], defaults: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (query.q) out.q = query.q;
  if (query.filter && Object.keys(query.filter).length) out.filter = query.filter;
  if (query.sort && query.sort !== spec.defaultSort) out.sort = query.sort;
  if (query.limit && query.limit !== PAGE_SIZE) out.limit = query.limit;
  if (columns.join(',') !== defaults.join(',')) out.columns = columns.join(',');
  return out;
}

/** A querystring people can read: filter[grade]=A&columns=name,phone (brackets and commas as is). */
export function toQuerystring(query: Record<string, unknown>): string {
  return qs.stringify(query, { encodeValuesOnly: true, encoder: (str: string) => encodeURIComponent(str).replace(/%2C/gi, ',') });
}

export interface SortHeader {
  href: string | null;
  /** 'ascending' | 'descending' when the list is sorted by this column. */
  direction: string | null;
}

/** A column header's link: sorts by the column, or reverses the order when it already does. */
export function sortHeader(path: string, canonical: Record<string, unknown>, spec: ListSpec, sortKey: string | undefined, current: string | undefined): SortHeader {
  if (!sortKey || !spec.sorts[sortKey]) return { href: null, direction: null };
  const now = current ?? spec.defaultSort;
  const active = now === sortKey || now === `-${sortKey}`;
  const next = now === sortKey ? `-${sortKey}` : sortKey;
  const query: Record<string, unknown> = { ...canonical, sort: next };
  if (next === spec.defaultSort) delete query.sort;
  return { href: `${path}?${toQuerystring(query)}`, direction: active ? (now.startsWith('-') ? 'descending' : 'ascending') : null };
}

/** The value a filter field shows: filter[name] or filter[name][op]. */
export function filterValue(query: PageQuery, name: string, op?: Operator): string {
  const cond = query.filter?.[name];
  if (cond === undefined) return '';
  if (typeof cond === 'string') return op === undefined || op === 'eq' ? cond : '';
  return (op ? cond[op] : cond.eq) ?? '';
}

/** A querystring (a saved view, the list to return to) reduced to text safe after "?". */
export function safeQuerystring(value: unknown): string {
  return typeof value === 'string' ? value.replace(/^\?/, '').replace(/[\r\n#]/g, '').slice(0, 2000) : '';
}

/** Where to go back to after a page action: a path on this site only. */
export function safeBack(value: unknown, fallback: string): string {
  return typeof value === 'string' && /^\/(?!\/)[^\s\\]*$/.test(value) ? value : fallback;
}
