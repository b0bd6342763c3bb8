// The API's list contract in one place: ?limit=&cursor=&sort=-field&q=&filter[field][op]=value,
// validated by a JSON schema generated from a resource's list spec, applied to a Knex query with
// keyset pagination (never OFFSET). NULLs sort last in either direction, on both databases.
import type { Knex } from 'knex';
import { ValidationError } from './errors';

export const OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'contains'] as const;
export type Operator = (typeof OPERATORS)[number];

export type FilterType = 'integer' | 'string' | 'time' | 'date' | 'boolean' | 'enum';

export interface FilterSpec {
  column: string;
  type: FilterType;
  values?: readonly string[];
  ops?: readonly Operator[];
  /** A filter that is not a plain column comparison (a tag, "no contact for N days"). */
  apply?: (qb: Knex.QueryBuilder, op: Operator, value: string) => void;
}

export interface SortSpec {
  /** The column ordered by (a sort key column for names). */
  column: string;
  nullable?: boolean;
}

export interface ListSpec {
  /** Table (or alias) that holds `id`. */
  table: string;
  sorts: Record<string, SortSpec>;
  defaultSort: string;
  filters: Record<string, FilterSpec>;
  maxLimit?: number;
}

export interface ListQuery {
  limit?: number;
  cursor?: string;
  sort?: string;
  q?: string;
  filter?: Record<string, string | Partial<Record<Operator, string>>>;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

const VALUE_PATTERNS: Record<Exclude<FilterType, 'enum'>, string> = {
  integer: '-?[0-9]{1,15}',
  string: '[^,]{0,200}',
  time: '[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,3})?)?Z?)?',
  date: '[0-9]{4}-[0-9]{2}-[0-9]{2}',
  boolean: 'true|false',
};

const DEFAULT_OPS: Record<FilterType, readonly Operator[]> = {
  integer: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in'],
  string: ['eq', 'ne', 'in', 'contains'],
  time: ['eq', 'gt', 'gte', 'lt', 'lte'],
  date: ['eq', 'gt', 'gte', 'lt', 'lte'],
  boolean: ['eq', 'ne'],
  enum: ['eq', 'ne', 'in'],
};

function valueSchema(f: FilterSpec, op: Operator): object {
  const one = f.type === 'enum' ? `(${(f.values ?? []).map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})` : `(${VALUE_PATTERNS[f.type]})`;
  if (op === 'contains') return { type: 'string', minLength: 1, maxLength: 200 };
  return { type: 'string', pattern: op === 'in' ? `^${one}(,${one}){0,99}$` : `^${one}$` };
}

/** The querystring JSON schema of a list route. */
export function listQuerySchema(spec: ListSpec, extra: Record<string, object> = {}): object {
  const sortNames = Object.keys(spec.sorts).flatMap((s) => [s, `-${s}`]);
  const filterProps: Record<string, object> = {};
  for (const [name, f] of Object.entries(spec.filters)) {
    const ops = f.ops ?? DEFAULT_OPS[f.type];
    filterProps[name] = {
      anyOf: [
        valueSchema(f, 'eq'),
        { type: 'object', additionalProperties: false, minProperties: 1, properties: Object.fromEntries(ops.map((op) => [op, valueSchema(f, op)])) },
      ],
    };
  }
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      limit: { type: 'integer', minimum: 1, maximum: spec.maxLimit ?? 200, default: 50 },
      cursor: { type: 'string', maxLength: 500 },
      sort: { type: 'string', enum: sortNames, default: spec.defaultSort },
      q: { type: 'string', maxLength: 200 },
      filter: { type: 'object', additionalProperties: false, properties: filterProps },
      ...extra,
    },
  };
}

/** Times are stored as 24-character UTC ISO strings compared byte-wise, so a filter value takes that
 * form first: "2026-11-25T10:00Z" -> "2026-11-25T10:00:00.000Z", "2026-11-25" -> its midnight UTC
 * (a time without a zone is UTC). */
function normalizeTime(raw: string, field: string): string {
  const date = new Date(raw.length === 10 ? `${raw}T00:00:00Z` : raw.endsWith('Z') ? raw : `${raw}Z`);
  // Date takes 2026-02-30 for 2026-03-02: a value whose calendar date moved was not a real one.
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== raw.slice(0, 10)) throw ValidationError.field(field, 'format', 'is not a valid date or time');
  return date.toISOString();
}

function castValue(f: FilterSpec, raw: string, field: string): string | number | boolean {
  if (f.type === 'integer') return Number(raw);
  if (f.type === 'boolean') return raw === 'true';
  if (f.type === 'time') return normalizeTime(raw, field);
  return raw;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A case-insensitive substring match that behaves the same on both databases. */
export function whereContains(qb: Knex.QueryBuilder, column: string, text: string, or = false): Knex.QueryBuilder {
  const args = [`lower(??) like ? escape '\\'`, [column, `%${escapeLike(text.toLowerCase())}%`]] as const;
  return or ? qb.orWhereRaw(...args) : qb.whereRaw(...args);
}

export function applyFilters(qb: Knex.QueryBuilder, spec: ListSpec, filter: ListQuery['filter']): void {
  for (const [name, cond] of Object.entries(filter ?? {})) {
    const f = spec.filters[name];
    if (!f) throw ValidationError.field(`filter.${name}`, 'unknown', 'is not a filter of this list');
    const ops = typeof cond === 'string' ? { eq: cond } : cond;
    for (const [op, raw] of Object.entries(ops) as Array<[Operator, string]>) {
      const cast = (v: string) => castValue(f, v, `filter.${name}`);
      // A filter that is not a plain column comparison (a tag, "no contact for N days") applies itself.
      if (f.apply) {
        f.apply(qb, op, raw);
        continue;
      }
      switch (op) {
        case 'eq': qb.where(f.column, cast(raw)); break;
        case 'ne': qb.where((w) => w.whereNot(f.column, cast(raw)).orWhereNull(f.column)); break;
        case 'gt': qb.where(f.column, '>', cast(raw)); break;
        case 'gte': qb.where(f.column, '>=', cast(raw)); break;
        case 'lt': qb.where(f.column, '<', cast(raw)); break;
        case 'lte': qb.where(f.column, '<=', cast(raw)); break;
        case 'in': qb.whereIn(f.column, raw.split(',').map(cast)); break;
        case 'contains': whereContains(qb, f.column, raw); break;
      }
    }
  }
}

type CursorValue = string | number | null;

export function encodeCursor(value: CursorValue, id: number): string {
  return Buffer.from(JSON.stringify([value, id])).toString('base64url');
}

export function decodeCursor(cursor: string): [CursorValue, number] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && Number.isInteger(v[1]) && (v[0] === null || ['string', 'number'].includes(typeof v[0]))) return v as [CursorValue, number];
  } catch {
    // fall through to the validation error
  }
  throw ValidationError.field('cursor', 'cursor', 'is not a cursor this list returned');
}

/**
 * Orders by the requested sort (NULLs last either way, id as tie-breaker), continues after the
 * cursor, and fetches one row more than the page to know whether another page exists.
 */
export function applySortAndCursor(qb: Knex.QueryBuilder, spec: ListSpec, query: ListQuery): { limit: number; sortColumn: string; sortKey: string } {
  const sortName = query.sort ?? spec.defaultSort;
  const desc = sortName.startsWith('-');
  const sortKey = desc ? sortName.slice(1) : sortName;
  const sort = spec.sorts[sortKey];
  if (!sort) throw ValidationError.field('sort', 'enum', 'is not a sort of this list');
  const dir = desc ? 'desc' : 'asc';
  const cmp = desc ? '<' : '>';
  const id = `${spec.table}.id`;
  if (query.cursor) {
    const [value, lastId] = decodeCursor(query.cursor);
    if (sort.column === id) {
      qb.where(id, cmp, lastId);
    } else if (value === null) {
      qb.whereNull(sort.column).andWhere(id, cmp, lastId);
    } else {
      qb.where((w) => {
        w.where(sort.column, cmp, value)
          .orWhere((w2) => w2.where(sort.column, value).andWhere(id, cmp, lastId));
        if (sort.nullable) w.orWhereNull(sort.column);
      });
    }
  }
  // "nulls last" only where NULLs can occur: on a NOT NULL column it would stop both databases
  // from reading the order straight off an index.
  if (sort.column !== id) {
    if (sort.nullable) qb.orderByRaw(`?? ${dir} nulls last`, [sort.column]);
    else qb.orderBy(sort.column, dir);
  }
  qb.orderBy(id, dir);
  const limit = Math.min(query.limit ?? 50, spec.maxLimit ?? 200);
  qb.limit(limit + 1);
  return { limit, sortColumn: sort.column, sortKey };
}

/** Cuts the extra row and builds the next cursor from the last row's sort value and id. */
export function finishPage<R extends Record<string, unknown>>(rows: R[], limit: number, sortValue: (row: R) => CursorValue): { rows: R[]; next_cursor: string | null } {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  return { rows: page, next_cursor: more && last ? encodeCursor(sortValue(last), Number(last.id)) : null };
}
