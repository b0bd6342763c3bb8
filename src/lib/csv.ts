// CSV for exports that people open in Excel: RFC 4180 quoting, a UTF-8 BOM so Chinese text opens
// correctly, and cells a spreadsheet would run as a formula (=, +, -, @ …) prefixed with an
// apostrophe, since exports carry text that users typed.

/** Starts a CSV file: the byte-order mark Excel needs to read UTF-8. */
export const CSV_BOM = '\uFEFF';

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: unknown[]): string {
  return values.map(cell).join(',') + '\r\n';
}
