// One list page for companies, contacts, activities and tasks (views/lists/index.hbs): a filter
// form that writes the API's filter[...] querystring, sortable column headers, a choice of columns,
// keyset paging, the user's saved views and (for companies and contacts) bulk actions.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ListQuery, ListSpec, Operator } from '../../lib/listing';
import { canonicalQuery, chosenColumns, filterValue, sortHeader, toListQuery, toQuerystring, type PageQuery } from '../../plugins/list-pages';
import { selectOptions, type Choice } from './page-support';

export interface ListColumn {
  key: string;
  /** The list's sort name, when the column can order the list. */
  sort?: string;
}

/** A table cell; dates are formatted by the template's helpers. */
export interface Cell {
  kind: 'text' | 'link' | 'datetime' | 'date' | 'tags' | 'links';
  value?: unknown;
  href?: string;
}

export type FilterField =
  | { kind: 'select'; name: string; label: string; options: Array<Choice & { selected: boolean }> }
  | { kind: 'input'; type: 'text' | 'number'; name: string; label: string; value: string }
  | { kind: 'range'; label: string; from: { name: string; value: string }; to: { name: string; value: string } };

const nameOf = (field: string, op?: Operator) => (op ? `filter[${field}][${op}]` : `filter[${field}]`);

export const filters = {
  select: (query: PageQuery, field: string, label: string, choices: Choice[]): FilterField => ({ kind: 'select', name: nameOf(field), label, options: selectOptions(choices, filterValue(query, field)) }),
  text: (query: PageQuery, field: string, label: string): FilterField => ({ kind: 'input', type: 'text', name: nameOf(field), label, value: filterValue(query, field) }),
  number: (query: PageQuery, field: string, label: string): FilterField => ({ kind: 'input', type: 'number', name: nameOf(field), label, value: filterValue(query, field) }),
  /** From … to (both days included, in the company's time zone). */
  dates: (query: PageQuery, field: string, label: string): FilterField => ({
    kind: 'range',
    label,
    from: { name: nameOf(field, 'gte'), value: filterValue(query, field, 'gte') },
    to: { name: nameOf(field, 'lte'), value: filterValue(query, field, 'lte') },
  }),
};

export interface ListPageDef<R> {
  type: 'companies' | 'contacts' | 'activities' | 'tasks';
  spec: ListSpec;
  columns: ListColumn[];
  defaultColumns: string[];
  label(key: string): string;
  load(query: ListQuery): Promise<{ data: R[]; next_cursor: string | null }>;
  cell(row: R, key: string): Promise<Cell>;
  filters(query: PageQuery): Promise<FilterField[]>;
  /** Extra per-row data for the template (a task's "done" button). */
  row?(row: R): Record<string, unknown>;
}

/** Everything views/lists/index.hbs needs for one page of a list. */
export async function listPageData<R extends { id: number }>(app: FastifyInstance, req: FastifyRequest, def: ListPageDef<R>): Promise<Record<string, unknown>> {
  const query = req.query as PageQuery;
  const path = `/${def.type}`;
  const available = def.columns.map((c) => c.key);
  const columns = chosenColumns(query, available, def.defaultColumns);
  const canonical = canonicalQuery(query, def.spec, columns, def.defaultColumns);
  const page = await def.load(toListQuery(query, def.spec, req.company.timezone));
  const rows = await Promise.all(page.data.map(async (r) => ({ id: r.id, cells: await Promise.all(columns.map((c) => def.cell(r, c))), ...(def.row?.(r) ?? {}) })));
  const filterFields = await def.filters(query);
  const current = toQuerystring(canonical);
  return {
    listType: def.type,
    listPath: path,
    q: query.q ?? '',
    searchable: Boolean(def.spec.filters.q),
    sort: query.sort && query.sort !== def.spec.defaultSort ? query.sort : '',
    filterFields,
    filtersActive: Boolean(query.filter && Object.keys(query.filter).length),
    columnChoices: def.columns.map((c) => ({ key: c.key, label: def.label(c.key), checked: columns.includes(c.key) })),
    headers: columns.map((key) => ({ label: def.label(key), ...sortHeader(path, canonical, def.spec, def.columns.find((c) => c.key === key)?.sort, query.sort) })),
    rows,
    colspan: columns.length + 2,
    currentQuery: current,
    next: page.next_cursor ? `${path}?${toQuerystring({ ...canonical, cursor: page.next_cursor })}` : null,
    firstPage: query.cursor ? `${path}${current ? `?${current}` : ''}` : null,
    savedViews: (await app.services.savedViews.list(req.actor!, def.type)).map((v) => ({ id: v.id, name: v.name, href: `${path}${v.query ? `?${v.query}` : ''}`, active: v.query === current })),
    notice: query.notice,
  };
}
