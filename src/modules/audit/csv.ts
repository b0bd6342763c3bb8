// How audit values read as text in the CSV export and on the pages (the CSV writer is lib/csv).
import type { PresentedChange } from './audit.schemas';

export function valueText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** "field: before → after", one line per changed field; erased values say so. */
export function changesText(changes: PresentedChange[]): string {
  return changes.map((c) => (c.erased ? `${c.field}: (erased)` : `${c.field}: ${valueText(c.before)} → ${valueText(c.after)}`)).join('\n');
}
