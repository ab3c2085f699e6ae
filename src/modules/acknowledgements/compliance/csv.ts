/**
 * CSV for spreadsheets. Every cell is quoted (quotes doubled), lines end with CRLF (RFC 4180), and
 * the file starts with a byte order mark so Excel reads it as UTF-8.
 *
 * Spreadsheet-formula injection: a cell that starts with = + - @ (or a tab or carriage return, which
 * some spreadsheets skip before reading a formula) is a formula to Excel and LibreOffice, so a
 * person named "=HYPERLINK(…)" could run something on the reader's machine. Such text cells get a
 * single quote in front, which shows the text as typed. Numbers are written as numbers.
 */
export const BOM = '\uFEFF';

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '""';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '""';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return `"${text.replace(/"/g, '""')}"`;
}

export const csvLine = (cells: (string | number | null | undefined)[]) => `${cells.map(csvCell).join(',')}\r\n`;
