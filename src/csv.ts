import { parse } from 'csv-parse/sync';
import { ValidationError } from './errors.ts';

/**
 * Reading CSV files people upload (the people import, past signatures): the bytes checked and
 * decoded, the records read with the line each starts on, and the header row matched to known
 * columns. Whole-file problems are thrown as a ValidationError on the `file` field, in words that
 * say what to do; problems in a row are left to the caller.
 */

const NOT_UTF8 = 'The file is not saved as UTF-8. In Excel choose ‘CSV UTF-8 (Comma delimited)’ when saving.';
const NOT_CSV = 'The selected file is not a CSV file. Open it in your spreadsheet program and save it as ‘CSV UTF-8 (Comma delimited)’, then upload that file.';
const NOT_CSV_WORKBOOK =
  'The selected file is an Excel workbook, not a CSV file. In Excel choose File, Save As, ‘CSV UTF-8 (Comma delimited)’, then upload that file.';

const fileError = (message: string) => new ValidationError({ file: message });

const startsWith = (bytes: Uint8Array, prefix: number[]) => prefix.every((b, i) => bytes[i] === b);

/** UTF-16 without a byte order mark: plain text has a zero byte beside nearly every character. */
function looksLikeUtf16(bytes: Uint8Array) {
  const sample = bytes.subarray(0, 2000);
  let even = 0;
  let odd = 0;
  for (let i = 0; i < sample.length; i++) if (sample[i] === 0) i % 2 === 0 ? even++ : odd++;
  return Math.max(even, odd) >= sample.length * 0.3;
}

/** Control characters never appear in a spreadsheet's CSV, but fill binary files (workbooks, PDFs, images). */
const looksBinary = (bytes: Uint8Array) => bytes.some((b) => b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c);

/** The file's text: UTF-8, without a byte order mark. Anything else is refused with what to do about it. */
export function decodeCsv(bytes: Uint8Array): string {
  if (bytes.length === 0) throw fileError('The selected file is empty');
  if (startsWith(bytes, [0xff, 0xfe]) || startsWith(bytes, [0xfe, 0xff])) throw fileError(NOT_UTF8);
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0xd0, 0xcf, 0x11, 0xe0])) throw fileError(NOT_CSV_WORKBOOK);
  if (bytes.includes(0) && looksLikeUtf16(bytes)) throw fileError(NOT_UTF8);
  if (looksBinary(bytes)) throw fileError(NOT_CSV);
  const body = startsWith(bytes, [0xef, 0xbb, 0xbf]) ? bytes.subarray(3) : bytes;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw fileError(NOT_UTF8);
  }
  if (text.trim() === '') throw fileError('The selected file is empty');
  return text;
}

type Parsed = { cells: string[]; line: number };

/**
 * The file's line number where a record starting at a byte offset begins, skipping blank lines.
 * Counted here because the parser's own count goes wrong for CRLF line ends inside quoted cells.
 */
function lineFinder(bytes: Buffer) {
  let pos = 0;
  let line = 1;
  const isBreak = (b: number | undefined) => b === 0x0a || b === 0x0d;
  const step = () => {
    const b = bytes[pos++];
    if (b === 0x0a || (b === 0x0d && bytes[pos] !== 0x0a)) line++;
  };
  return (offset: number) => {
    while (pos < offset) step();
    while (pos < bytes.length && isBreak(bytes[pos])) step();
    return line;
  };
}

export function parseRecords(text: string): Parsed[] {
  const bytes = Buffer.from(text);
  const lineAt = lineFinder(bytes);
  const lines: number[] = [];
  let end = 0;
  try {
    const records = parse(bytes, {
      relax_column_count: true,
      // A stray quote inside a cell (O"Brien) is read as text rather than refusing the whole file.
      relax_quotes: true,
      skip_empty_lines: true,
      on_record: (record, context) => {
        lines.push(lineAt(end));
        end = context.bytes;
        return record;
      },
    });
    return records.map((cells, i) => ({ cells, line: lines[i] ?? 0 }));
  } catch (error) {
    const line = lineAt(end);
    if ((error as { code?: string }).code !== 'CSV_QUOTE_NOT_CLOSED')
      throw fileError(`The file could not be read as CSV from line ${line}. Save it again as CSV and upload it.`);
    throw fileError(
      `Line ${line} has a quote mark (") that is never closed, so the file cannot be read. Check that line: a quote mark inside a cell must be written twice ("").`,
    );
  }
}

/** "a", "a and the b", "a, the b and the c". */
const theList = (items: string[]) => (items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', the ')} and the ${items.at(-1)}`);

export type TableSpec<K extends string> = {
  /** Normalised heading (lower case, no spaces, underscores or hyphens) → column key. */
  headings: ReadonlyMap<string, K>;
  /** The columns missing from a header, named as the message should name them. */
  missing(columns: ReadonlySet<K>): string[];
  /** What to do when columns are missing ("Download the template to see the column headings."). */
  missingHint: string;
  /** What a row is, plural: "people", "signatures". */
  noun: string;
  maxRows: number;
};

export type TableRow<K extends string> = { line: number; cells: Partial<Record<K, string>>; extraCells: boolean };
export type Table<K extends string> = { columns: ReadonlySet<K>; rows: TableRow<K>[]; warnings: string[] };

export const headingKey = (heading: string) => heading.toLowerCase().replace(/[\s_-]+/g, '');

/** Reads the header row and the rows under it. Blank rows are skipped; unknown and unnamed columns become warnings. */
export function readTable<K extends string>(text: string, spec: TableSpec<K>): Table<K> {
  const [header, ...body] = parseRecords(text);
  if (!header) throw fileError('The selected file is empty');
  const columns = new Map<K, number>();
  const unknown: string[] = [];
  const unnamed: number[] = [];
  for (const [index, raw] of header.cells.entries()) {
    const heading = raw.trim();
    const key = spec.headings.get(headingKey(heading));
    if (heading === '') unnamed.push(index);
    else if (!key) unknown.push(heading);
    else {
      const earlier = columns.get(key);
      if (earlier !== undefined)
        throw fileError(`The columns ‘${header.cells[earlier]?.trim()}’ and ‘${heading}’ both give ${key}. Remove one of them and upload the file again.`);
      columns.set(key, index);
    }
  }
  const missing = spec.missing(new Set(columns.keys()));
  if (missing.length > 0) {
    const oneCell = header.cells.length === 1 && /[;\t]/.test(header.cells[0] ?? '');
    throw fileError(
      `The header row (line ${header.line}) is missing the ${theList(missing)} column${missing.length > 1 ? 's' : ''}. ` +
        (oneCell ? 'The file seems to use semicolons or tabs between cells: in Excel choose ‘CSV UTF-8 (Comma delimited)’ when saving.' : spec.missingHint),
    );
  }
  const rows: TableRow<K>[] = [];
  const unnamedUsed = new Set<number>();
  for (const record of body) {
    if (record.cells.every((c) => c.trim() === '')) continue;
    const cells: Partial<Record<K, string>> = {};
    for (const [key, index] of columns) cells[key] = record.cells[index] ?? '';
    for (const index of unnamed) if (record.cells[index]?.trim()) unnamedUsed.add(index);
    rows.push({ line: record.line, cells, extraCells: record.cells.slice(header.cells.length).some((c) => c.trim() !== '') });
  }
  if (rows.length === 0) throw fileError(`The file has a header row but no ${spec.noun} in it. Add a row for each under the header row.`);
  if (rows.length > spec.maxRows)
    throw fileError(
      `The file has ${rows.length.toLocaleString('en-GB')} ${spec.noun} in it. Import at most ${spec.maxRows.toLocaleString('en-GB')} at a time: split the file into smaller ones.`,
    );
  const warnings: string[] = [];
  if (unknown.length > 0)
    warnings.push(
      `${unknown.length === 1 ? 'This column is' : 'These columns are'} not used, so ${unknown.length === 1 ? 'it was' : 'they were'} ignored: ${unknown.join(', ')}.`,
    );
  for (const index of unnamedUsed) warnings.push(`Column ${index + 1} has no heading, so it was ignored.`);
  return { columns: new Set(columns.keys()), rows, warnings };
}
