// The one row serializer: whatever the database, a row leaves the data layer with the same values
// (booleans as true/false, JSON columns parsed, integers as numbers, times as ISO strings), so the
// API's output is byte-identical on SQLite and Postgres. Column kinds come from the schema itself.
import type { Knex } from 'knex';
import type { Dialect } from './database';

type Kind = 'boolean' | 'json';
type TableKinds = Map<string, Map<string, Kind>>;

export interface RowSerializer {
  /** Reads column types from the database; call again after migrations. */
  refresh(): Promise<void>;
  /** Converts one row of `table` (any subset of its columns, in any order). */
  one<T = Record<string, unknown>>(table: string, row: Record<string, unknown>): T;
  many<T = Record<string, unknown>>(table: string, rows: Array<Record<string, unknown>>): T[];
  tables(): string[];
}

function kindOf(type: string): Kind | undefined {
  const t = type.toLowerCase();
  if (t === 'boolean') return 'boolean';
  if (t === 'json' || t === 'jsonb') return 'json';
  return undefined;
}

export function createRowSerializer(knex: Knex, dialect: Dialect): RowSerializer {
  let kinds: TableKinds = new Map();
  let tableNames: string[] = [];

  async function refresh(): Promise<void> {
    const rows: Array<{ table_name: string; column_name: string; data_type: string }> =
      dialect === 'postgres'
        ? (
            await knex.raw(
              `select table_name, column_name, data_type from information_schema.columns
               where table_schema = current_schema() order by table_name, ordinal_position`,
            )
          ).rows
        : await knex.raw(
            `select m.name as table_name, p.name as column_name, p.type as data_type
             from sqlite_master m join pragma_table_info(m.name) p
             where m.type = 'table' and m.name not like 'sqlite_%' order by m.name, p.cid`,
          );
    const next: TableKinds = new Map();
    for (const r of rows) {
      if (!next.has(r.table_name)) next.set(r.table_name, new Map());
      const kind = kindOf(r.data_type);
      if (kind) next.get(r.table_name)!.set(r.column_name, kind);
    }
    kinds = next;
    tableNames = [...next.keys()].filter((t) => !t.startsWith('knex_') && !t.includes('_fts')).sort();
  }

  function one<T>(table: string, row: Record<string, unknown>): T {
    const tableKinds = kinds.get(table);
    if (!tableKinds) throw new Error(`row serializer: unknown table ${table}`);
    if (tableKinds.size === 0) return row as T;
    // A copy (the caller's row is left alone), then only the few typed columns converted: this runs
    // for every row of every list page, so no per-column map lookups.
    const out: Record<string, unknown> = { ...row };
    for (const key in out) if (out[key] === undefined) out[key] = null;
    for (const [key, kind] of tableKinds) {
      const value = out[key];
      if (value === null || value === undefined) continue;
      if (kind === 'boolean') out[key] = value === true || value === 1;
      // SQLite hands JSON back as text; pg has parsed it already (and a JSON string value is a
      // string there, which must not be parsed twice).
      else out[key] = dialect === 'sqlite' && typeof value === 'string' ? JSON.parse(value) : value;
    }
    return out as T;
  }

  return {
    refresh,
    one,
    many: <T>(table: string, rows: Array<Record<string, unknown>>) => rows.map((r) => one<T>(table, r)),
    tables: () => tableNames,
  };
}
