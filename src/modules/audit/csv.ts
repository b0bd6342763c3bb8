// CSV for audit exports: RFC 4180 quoting, and cells that a spreadsheet would run as a formula
// (=, +, -, @ …) prefixed with an apostrophe, since entries carry text that users typed.
import type { PresentedChange } from './audit.schemas';

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: unknown[]): string {
  return values.map(cell).join(',') + '\r\n';
}

export function valueText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** "field: before → after", one line per changed field; erased values say so. */
export function changesText(changes: PresentedChange[]): string {
  return changes.map((c) => (c.erased ? `${c.field}: (erased)` : `${c.field}: ${valueText(c.before)} → ${valueText(c.after)}`)).join('\n');
}
