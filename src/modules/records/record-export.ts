// CSV export of a filtered customer list: the rows the actor may *export* (the export scope, which
// may be narrower than reading), sensitive fields masked as on screen, names instead of ids, every
// page of the list streamed in keyset order. Each export is audited with the filter used.
import { Readable } from 'node:stream';
import type { Core } from '../../core';
import { requirePermission, scopeQuery, type Actor } from '../../access/scope';
import { CSV_BOM, csvRow } from '../../lib/csv';
import { hasKey, t, type Locale } from '../../lib/i18n';
import type { ListQuery } from '../../lib/listing';
import type { RecordRow, RecordService } from './record-service';

const PAGE = 500;
/** Bookkeeping columns that mean nothing in a spreadsheet. */
const SKIPPED = new Set(['version', 'deleted_at', 'team_id', 'created_by', 'updated_by']);

export interface ExportOptions {
  columns: readonly string[];
  /** Columns holding another record's id, shown by that record's name ("company_id" → the company). */
  references?: Record<string, RecordService>;
}

export function createRecordExport(core: Core, service: RecordService, options: ExportOptions) {
  const { knex } = core.db;
  const type = service.type;
  const columns = options.columns.filter((c) => !SKIPPED.has(c));

  return {
    async csv(actor: Actor, query: ListQuery, locale: Locale): Promise<Readable> {
      requirePermission(actor, type, 'export');
      const filter = { ...query, cursor: undefined, limit: undefined };
      await core.audit.record(knex, actor, { action: 'export', recordType: type, changes: { filter: [null, filter] } });
      const owners = new Map<number, string>((await knex('users').select('id', 'name')).map((u) => [u.id, u.name]));

      async function* lines(): AsyncGenerator<string> {
        yield CSV_BOM + csvRow([...columns.map((c) => columnLabel(locale, type, c)), t(locale, 'lists.tags')]);
        let cursor: string | undefined;
        do {
          const page = await service.list(actor, { ...query, cursor, limit: PAGE });
          const ids = page.data.map((r) => r.id);
          const exportable = new Set(ids.length ? (await scopeQuery(knex, knex(type).whereIn(`${type}.id`, ids), actor, type, 'export').pluck(`${type}.id`)).map(Number) : []);
          const rows = page.data.filter((r) => exportable.has(r.id));
          const names = new Map<string, Map<number, string>>();
          for (const [column, other] of Object.entries(options.references ?? {})) {
            names.set(column, await other.names(actor, rows.map((r) => r[column]).filter((v): v is number => typeof v === 'number')));
          }
          for (const row of rows) yield csvRow([...columns.map((c) => shown(row, c, owners, names)), row.tags.map((tag) => tag.name).join(', ')]);
          cursor = page.next_cursor ?? undefined;
        } while (cursor);
      }
      return Readable.from(lines());
    },
  };
}

/** A column's heading in the reader's language (the form's label), or its name when it has none. */
function columnLabel(locale: Locale, type: string, column: string): string {
  const key = type === 'companies' ? `companies.fields.${column}` : `contacts.fields.${column}`;
  return hasKey(key) ? t(locale, key) : column;
}

function shown(row: RecordRow, column: string, owners: Map<number, string>, names: Map<string, Map<number, string>>): unknown {
  const value = row[column];
  if (column === 'owner_id') return owners.get(value as number) ?? value;
  const lookup = names.get(column);
  if (lookup && typeof value === 'number') return lookup.get(value) ?? value;
  return value;
}

export type RecordExport = ReturnType<typeof createRecordExport>;
