import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { ValidationError } from '../../../errors.ts';
import { formatDate } from '../../../ui/format.ts';
import { optionalText, parseCalendarDate } from '../../../validation.ts';
import type { PersonRow } from '../repository.ts';
import { kindLabel, PERSON_KIND_CODES, PERSON_KINDS, type PersonKind } from '../roles.ts';

/** Most people one file may hold: a large trust's whole staff, well inside what one transaction handles. */
export const MAX_ROWS = 20_000;

/** The columns a file may have, in template order; aliases are the headings MIS and HR exports use. */
export const COLUMNS = [
  {
    key: 'email',
    required: 'Yes',
    aliases: ['email address', 'work email'],
    format: 'An email address',
    meaning: 'Their work email address. They sign in with it.',
  },
  {
    key: 'full_name',
    required: 'Yes, unless first_name and last_name are given',
    aliases: ['name', 'full name'],
    format: 'Text',
    meaning: 'Their name as on their contract.',
  },
  { key: 'first_name', required: 'No', aliases: ['forename'], format: 'Text', meaning: 'Used with last_name when there is no full_name.' },
  { key: 'last_name', required: 'No', aliases: ['surname'], format: 'Text', meaning: 'Used with first_name when there is no full_name.' },
  {
    key: 'kind',
    required: 'No',
    aliases: ['kind of person'],
    format: 'A kind, like Employee or Volunteer',
    meaning: 'Blank means Employee for someone new and no change for someone already here.',
  },
  { key: 'position', required: 'No', aliases: ['job title'], format: 'Text', meaning: 'Their position or job title.' },
  {
    key: 'line_manager_email',
    required: 'No',
    aliases: ['manager email'],
    format: 'An email address',
    meaning: 'Someone in the file or already in the trust.',
  },
  { key: 'start_date', required: 'No', aliases: [], format: 'A date, like 2026-09-01 or 01/09/2026', meaning: 'The day they start or started.' },
  {
    key: 'end_date',
    required: 'No',
    aliases: ['leaving date'],
    format: 'A date, like 2026-09-01 or 01/09/2026',
    meaning: 'Their last day, if they are leaving.',
  },
  {
    key: 'schools',
    required: 'No',
    aliases: ['school'],
    format: 'Short names or full names, separated by ;',
    meaning: 'Where they work. Blank means the trust’s central team.',
  },
  {
    key: 'external_id',
    required: 'No',
    aliases: ['staff id', 'employee number', 'payroll number', 'mis id'],
    format: 'Text',
    meaning: 'Their identifier in your MIS or HR system, so a re-import finds them even if their email changed.',
  },
] as const;

export type ColumnKey = (typeof COLUMNS)[number]['key'];

/** Headings match however they are written: "Work Email", "work_email" and "WORK-EMAIL" are one heading. */
const headingKey = (heading: string) => heading.toLowerCase().replace(/[\s_-]+/g, '');

const HEADINGS = new Map<string, ColumnKey>(COLUMNS.flatMap((c) => [c.key, ...c.aliases].map((h) => [headingKey(h), c.key] as const)));

export const TEMPLATE_CSV = `${[
  COLUMNS.map((c) => c.key).join(','),
  'jo.bloggs@oakfield.example,Jo Bloggs,,,Employee,Class teacher,sam.head@oakfield.example,01/09/2026,,oakfield-primary,E1042',
].join('\r\n')}\r\n`;

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

export type ParsedRow = { line: number; cells: Partial<Record<ColumnKey, string>>; extraCells: boolean };
export type ParsedFile = { columns: ReadonlySet<ColumnKey>; rows: ParsedRow[]; warnings: string[] };

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

function parseRecords(text: string): Parsed[] {
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

function nameColumnsMissing(columns: Set<ColumnKey>) {
  if (columns.has('full_name') || (columns.has('first_name') && columns.has('last_name'))) return null;
  if (columns.has('first_name')) return 'last_name (or full_name)';
  if (columns.has('last_name')) return 'first_name (or full_name)';
  return 'full_name (or first_name and last_name)';
}

/** Reads the header row and the rows of people. Whole-file problems are thrown; problems in a row are for the plan. */
export function parsePeopleCsv(text: string): ParsedFile {
  const records = parseRecords(text);
  const [header, ...body] = records;
  if (!header) throw fileError('The selected file is empty');
  const columns = new Map<ColumnKey, number>();
  const unknown: string[] = [];
  const unnamed: number[] = [];
  for (const [index, raw] of header.cells.entries()) {
    const heading = raw.trim();
    const key = HEADINGS.get(headingKey(heading));
    if (heading === '') unnamed.push(index);
    else if (!key) unknown.push(heading);
    else {
      const earlier = columns.get(key);
      if (earlier !== undefined)
        throw fileError(`The columns ‘${header.cells[earlier]?.trim()}’ and ‘${heading}’ both give ${key}. Remove one of them and upload the file again.`);
      columns.set(key, index);
    }
  }
  const missing = [columns.has('email') ? null : 'email', nameColumnsMissing(new Set(columns.keys()))].filter((m): m is string => m !== null);
  if (missing.length > 0) {
    const oneCell = header.cells.length === 1 && /[;\t]/.test(header.cells[0] ?? '');
    throw fileError(
      `The header row (line 1) is missing the ${missing.join(' and the ')} column${missing.length > 1 ? 's' : ''}. ` +
        (oneCell
          ? 'The file seems to use semicolons or tabs between cells: in Excel choose ‘CSV UTF-8 (Comma delimited)’ when saving.'
          : 'Download the template to see the column headings.'),
    );
  }

  const rows: ParsedRow[] = [];
  const unnamedUsed = new Set<number>();
  for (const record of body) {
    if (record.cells.every((c) => c.trim() === '')) continue;
    const cells: ParsedRow['cells'] = {};
    for (const [key, index] of columns) cells[key] = record.cells[index] ?? '';
    for (const index of unnamed) if (record.cells[index]?.trim()) unnamedUsed.add(index);
    rows.push({ line: record.line, cells, extraCells: record.cells.slice(header.cells.length).some((c) => c.trim() !== '') });
  }
  if (rows.length === 0) throw fileError('The file has a header row but no people in it. Add a row for each person under the header row.');
  if (rows.length > MAX_ROWS)
    throw fileError(
      `The file has ${rows.length.toLocaleString('en-GB')} people in it. Import at most ${MAX_ROWS.toLocaleString('en-GB')} at a time: split the file into smaller ones.`,
    );

  const warnings: string[] = [];
  if (unknown.length > 0)
    warnings.push(
      `${unknown.length === 1 ? 'This column is' : 'These columns are'} not used, so ${unknown.length === 1 ? 'it was' : 'they were'} ignored: ${unknown.join(', ')}.`,
    );
  for (const index of unnamedUsed) warnings.push(`Column ${index + 1} has no heading, so it was ignored.`);
  return { columns: new Set(columns.keys()), rows, warnings };
}

// ---------------------------------------------------------------------------------------------
// Planning: what the file would change, compared with the people already in the trust.

export type ExistingPerson = PersonRow & { schoolIds: string[] };
export type TrustState = { people: ExistingPerson[]; schools: { id: string; slug: string; name: string }[] };

export type PersonFields = {
  email: string;
  fullName: string;
  kind: PersonKind;
  position: string | null;
  startDate: string | null;
  endDate: string | null;
  externalId: string | null;
};

/** A line manager who is already in the trust, or who is added by the given line of the file. */
export type ManagerRef = { personId: string } | { line: number };

export type FieldChange = { field: string; before: string; after: string };
export type PlannedCreate = { line: number; fields: PersonFields; schoolIds: string[]; lineManager: ManagerRef | null; schoolNames: string[] };
export type PlannedUpdate = {
  line: number;
  personId: string;
  fullName: string;
  email: string;
  /** Only what changes; schools and line manager are absent when they stay as they are. */
  fields: Partial<PersonFields>;
  schoolIds?: string[];
  lineManager?: ManagerRef | null;
  changes: FieldChange[];
};
export type PlannedLeaver = { personId: string; fullName: string; email: string; endDate: string };
export type RowError = { line: number; message: string };

export type ImportPlan = {
  today: string;
  warnings: string[];
  rowErrors: RowError[];
  creates: PlannedCreate[];
  updates: PlannedUpdate[];
  unchanged: number;
  leavers: PlannedLeaver[];
};

export type PlanOptions = { endDateMissing: boolean; today: string; actorPersonId: string | null };

const dateCell = (label: string) =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined),
    z
      .string()
      .transform((v, ctx) => {
        const parsed = parseCalendarDate(v);
        if (!parsed) {
          ctx.addIssue({ code: 'custom', message: `‘${v}’ is not a real ${label}: write it like 2026-09-01 or 01/09/2026` });
          return z.NEVER;
        }
        return parsed;
      })
      .optional(),
  );

const emailCell = (label: string) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .max(254, `The ${label} must be 254 characters or fewer`)
    .pipe(z.email({ error: (issue) => `‘${issue.input}’ is not a valid ${label}` }));

/** Each cell's rules; a message names the value so the admin can find it in the spreadsheet. */
const CELLS = {
  email: z.string().trim().min(1, 'The email address is missing').pipe(emailCell('email address')),
  fullName: z.string().trim().min(1, 'The name is missing').max(200, 'The name must be 200 characters or fewer'),
  position: optionalText(200, 'The position'),
  externalId: optionalText(100, 'The external ID'),
  startDate: dateCell('start date'),
  endDate: dateCell('end date'),
  lineManagerEmail: z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? v : undefined), emailCell('line manager email address').optional()),
};
type Cells = { [K in keyof typeof CELLS]: z.output<(typeof CELLS)[K]> };

const kindKey = (v: string) => v.toLowerCase().replace(/[\s_-]+/g, '');
const KINDS = new Map<string, PersonKind>(PERSON_KIND_CODES.flatMap((code) => [[kindKey(code), code] as const, [kindKey(PERSON_KINDS[code]), code] as const]));

/** One row, checked and resolved: undefined means the column is not in the file, null means blank. */
type CheckedRow = {
  line: number;
  email?: string;
  externalId?: string | null;
  fields: Partial<PersonFields>;
  schoolIds?: string[];
  managerEmail?: string | null;
  match?: ExistingPerson;
  ok: boolean;
};

const none = 'none';
const show = (v: string | null | undefined) => (v ? v : none);

/**
 * Works out what importing the file would do: who is added, who changes and how, who is unchanged
 * and, for a full list, who is recorded as having left. Every problem is reported with its line.
 */
export function planImport(file: ParsedFile, state: TrustState, options: PlanOptions): ImportPlan {
  const { columns } = file;
  const has = (key: ColumnKey) => columns.has(key);
  const errors: RowError[] = [];
  const warnings = [...file.warnings];
  const fail = (row: { line: number; ok: boolean }, message: string) => {
    row.ok = false;
    errors.push({ line: row.line, message });
  };

  const schoolsByName = new Map<string, { id: string; name: string }>();
  for (const s of state.schools) {
    schoolsByName.set(s.name.trim().toLowerCase(), s);
    schoolsByName.set(s.slug.toLowerCase(), s);
  }
  const schoolName = new Map(state.schools.map((s) => [s.id, s.name]));
  const byEmail = new Map(state.people.map((p) => [p.email, p]));
  const byExternalId = new Map(state.people.filter((p) => p.externalId).map((p) => [p.externalId as string, p]));
  const byId = new Map(state.people.map((p) => [p.id, p]));

  const rows: CheckedRow[] = file.rows.map(({ line, cells, extraCells }) => {
    const row: CheckedRow = { line, fields: {}, ok: true };
    if (extraCells) fail(row, 'The line has more cells than the header row: check for a comma that should be inside quotes');
    // Every cell is checked, so one row reports all its problems at once.
    const cell = <K extends keyof Cells>(key: K, value: unknown): Cells[K] | undefined => {
      const result = CELLS[key].safeParse(value);
      if (result.success) return result.data as Cells[K];
      fail(row, result.error.issues[0]?.message ?? 'This line could not be read');
      return undefined;
    };
    row.email = cell('email', cells.email ?? '');
    const fullName = cell('fullName', cells.full_name?.trim() || [cells.first_name?.trim(), cells.last_name?.trim()].filter(Boolean).join(' '));
    if (row.email) row.fields.email = row.email;
    if (fullName) row.fields.fullName = fullName;
    if (has('position')) row.fields.position = cell('position', cells.position) ?? null;
    if (has('start_date')) row.fields.startDate = cell('startDate', cells.start_date) ?? null;
    if (has('end_date')) row.fields.endDate = cell('endDate', cells.end_date) ?? null;
    if (has('external_id')) row.externalId = row.fields.externalId = cell('externalId', cells.external_id) ?? null;
    if (has('line_manager_email')) row.managerEmail = cell('lineManagerEmail', cells.line_manager_email) ?? null;
    const kindCell = cells.kind?.trim();
    if (kindCell) {
      const kind = KINDS.get(kindKey(kindCell));
      if (kind) row.fields.kind = kind;
      else fail(row, `‘${kindCell}’ is not a kind of person: use one of ${PERSON_KIND_CODES.map((k) => PERSON_KINDS[k]).join(', ')}`);
    }
    if (has('schools')) {
      const ids: string[] = [];
      for (const entry of (cells.schools ?? '').split(';')) {
        const wanted = entry.trim();
        if (!wanted) continue;
        const school = schoolsByName.get(wanted.toLowerCase());
        if (school) ids.push(school.id);
        else fail(row, `There is no school called ‘${wanted}’ in the trust: use a school’s short name or its full name`);
      }
      row.schoolIds = [...new Set(ids)].sort();
    }
    return row;
  });

  // The same person twice in one file: report the later line and point at the earlier one.
  const firstLine = (key: (r: CheckedRow) => string | null | undefined, message: (value: string, line: number) => string) => {
    const seen = new Map<string, number>();
    for (const row of rows) {
      const value = key(row);
      if (!value) continue;
      const earlier = seen.get(value);
      if (earlier === undefined) seen.set(value, row.line);
      else fail(row, message(value, earlier));
    }
  };
  firstLine(
    (r) => r.email,
    (email, line) => `The email address ${email} is also on line ${line}`,
  );
  firstLine(
    (r) => r.externalId,
    (id, line) => `The external ID ${id} is also on line ${line}`,
  );

  // Match by external ID first, so someone whose email changed is still found; then by email.
  const claimed = new Map<string, CheckedRow>();
  for (const row of rows) {
    const byExt = row.externalId ? byExternalId.get(row.externalId) : undefined;
    const match = byExt ?? (row.email ? byEmail.get(row.email) : undefined);
    if (!match) continue;
    const earlier = claimed.get(match.id);
    if (earlier) {
      fail(row, `This is the same person as line ${earlier.line} (${match.fullName}), matched by ${byExt ? 'external ID' : 'email address'}`);
      continue;
    }
    claimed.set(match.id, row);
    row.match = match;
  }
  // Rows have distinct addresses, so the only clash left is with someone the file does not mention.
  for (const row of rows) {
    const holder = row.email ? byEmail.get(row.email) : undefined;
    if (row.match && holder && holder.id !== row.match.id && !claimed.has(holder.id))
      fail(row, `The email address ${row.email} belongs to ${holder.fullName}, but the external ID ${row.externalId} belongs to ${row.match.fullName}`);
  }

  // Line managers: anyone in the file (by their new address) or already in the trust.
  const rowByEmail = new Map(rows.filter((r) => r.email).map((r) => [r.email as string, r]));
  const managerOf = new Map<CheckedRow, ManagerRef | null>();
  const refOf = (row: CheckedRow): ManagerRef => (row.match ? { personId: row.match.id } : { line: row.line });
  for (const row of rows) {
    if (row.managerEmail === undefined) continue;
    if (row.managerEmail === null) {
      managerOf.set(row, null);
      continue;
    }
    const inFile = rowByEmail.get(row.managerEmail);
    const ref = inFile ? refOf(inFile) : byEmail.has(row.managerEmail) ? { personId: (byEmail.get(row.managerEmail) as ExistingPerson).id } : undefined;
    if (!ref) fail(row, `The line manager ${row.managerEmail} is not in the file or in the trust`);
    else if (inFile === row || ('personId' in ref && ref.personId === row.match?.id)) fail(row, 'A person cannot be their own line manager');
    else managerOf.set(row, ref);
  }

  // No reporting loops: follow each changed manager upwards through the result of the import.
  const nodeKey = (ref: ManagerRef) => ('personId' in ref ? ref.personId : `line:${ref.line}`);
  const rowByMatch = new Map(rows.filter((r) => r.match).map((r) => [r.match?.id as string, r]));
  const rowByLine = new Map(rows.map((r) => [r.line, r]));
  const managerAfter = (key: string): string | null => {
    const row = key.startsWith('line:') ? rowByLine.get(Number(key.slice(5))) : rowByMatch.get(key);
    if (row && managerOf.has(row)) {
      const ref = managerOf.get(row);
      return ref ? nodeKey(ref) : null;
    }
    return byId.get(key)?.lineManagerId ?? null;
  };
  // Each person is walked once: a chain already found to end cleanly is not followed again.
  const settled = new Set<string>();
  for (const [row, ref] of managerOf) {
    if (!ref) continue;
    const path: string[] = [];
    const onPath = new Set<string>();
    let cursor: string | null = nodeKey(refOf(row));
    while (cursor && !settled.has(cursor) && !onPath.has(cursor)) {
      path.push(cursor);
      onPath.add(cursor);
      cursor = managerAfter(cursor);
    }
    if (cursor && onPath.has(cursor))
      for (const key of path.slice(path.indexOf(cursor))) {
        const inLoop = key.startsWith('line:') ? rowByLine.get(Number(key.slice(5))) : rowByMatch.get(key);
        if (inLoop && managerOf.get(inLoop)) fail(inLoop, `The line manager ${inLoop.managerEmail} reports, directly or through others, to this person`);
      }
    for (const key of path) settled.add(key);
  }

  const managerLabel = (ref: ManagerRef | null | undefined) => {
    if (!ref) return none;
    const person = 'personId' in ref ? byId.get(ref.personId) : undefined;
    const row = 'line' in ref ? rowByLine.get(ref.line) : undefined;
    return person ? `${person.fullName} (${person.email})` : `${row?.fields.fullName} (${row?.email})`;
  };
  const namesOf = (ids: string[]) => ids.map((id) => schoolName.get(id) ?? id).sort((a, b) => a.localeCompare(b, 'en-GB'));
  const schoolsLabel = (ids: string[]) => namesOf(ids).join(', ') || 'Central team';

  const creates: PlannedCreate[] = [];
  const updates: PlannedUpdate[] = [];
  let unchanged = 0;
  for (const row of rows) {
    if (!row.ok || !row.email || !row.fields.fullName) continue;
    const startDate = row.fields.startDate !== undefined ? row.fields.startDate : (row.match?.startDate ?? null);
    const endDate = row.fields.endDate !== undefined ? row.fields.endDate : (row.match?.endDate ?? null);
    if (startDate && endDate && endDate < startDate) {
      fail(row, `The end date (${formatDate(endDate)}) is before the start date (${formatDate(startDate)})`);
      continue;
    }
    const existing = row.match;
    if (!existing) {
      const schoolIds = row.schoolIds ?? [];
      creates.push({
        line: row.line,
        fields: {
          email: row.email,
          fullName: row.fields.fullName,
          kind: row.fields.kind ?? 'employee',
          position: row.fields.position ?? null,
          startDate: row.fields.startDate ?? null,
          endDate: row.fields.endDate ?? null,
          externalId: row.externalId ?? null,
        },
        schoolIds,
        schoolNames: namesOf(schoolIds),
        lineManager: managerOf.get(row) ?? null,
      });
      continue;
    }
    if (existing.endDate && existing.endDate < options.today && !has('end_date'))
      warnings.push(
        `Line ${row.line}: ${existing.fullName} is recorded as having left on ${formatDate(existing.endDate)}. The file has no end_date column, so that stays as it is.`,
      );
    const fields: Partial<PersonFields> = {};
    const changes: FieldChange[] = [];
    const compare = <K extends keyof PersonFields>(key: K, label: string, display: (v: PersonFields[K] | null) => string = (v) => show(v)) => {
      const after = row.fields[key];
      if (after === undefined || after === existing[key]) return;
      fields[key] = after;
      changes.push({ field: label, before: display(existing[key] as PersonFields[K]), after: display(after) });
    };
    compare('fullName', 'Name');
    compare('email', 'Email');
    compare('kind', 'Kind', (k) => (k ? kindLabel(k) : none));
    compare('position', 'Position');
    compare('startDate', 'Start date', (d) => show(formatDate(d)));
    compare('endDate', 'End date', (d) => show(formatDate(d)));
    compare('externalId', 'External ID');
    const update: PlannedUpdate = { line: row.line, personId: existing.id, fullName: row.fields.fullName, email: row.email, fields, changes };
    if (row.schoolIds && row.schoolIds.join() !== [...existing.schoolIds].sort().join()) {
      update.schoolIds = row.schoolIds;
      changes.push({ field: 'Schools', before: schoolsLabel(existing.schoolIds), after: schoolsLabel(row.schoolIds) });
    }
    if (managerOf.has(row)) {
      const ref = managerOf.get(row) ?? null;
      const same = ref === null ? existing.lineManagerId === null : 'personId' in ref && ref.personId === existing.lineManagerId;
      if (!same) {
        update.lineManager = ref;
        changes.push({
          field: 'Line manager',
          before: managerLabel(existing.lineManagerId ? { personId: existing.lineManagerId } : null),
          after: managerLabel(ref),
        });
      }
    }
    if (changes.length > 0) updates.push(update);
    else unchanged++;
  }

  // A full list: everyone who works here now but is not in it has left. Never the person importing.
  const leavers: PlannedLeaver[] = [];
  if (options.endDateMissing) {
    const inFile = new Set(rows.flatMap((r) => (r.match ? [r.match.id] : [])));
    const notStarted: string[] = [];
    for (const p of state.people) {
      if (inFile.has(p.id) || (p.endDate && p.endDate <= options.today)) continue;
      if (p.id === options.actorPersonId) {
        warnings.push(`You (${p.fullName}) are not in the file. You will not be recorded as having left.`);
        continue;
      }
      // Someone who has not started yet cannot leave before their start date; an admin decides about them.
      if (p.startDate && p.startDate > options.today) notStarted.push(`${p.fullName} (starts ${formatDate(p.startDate)})`);
      else leavers.push({ personId: p.id, fullName: p.fullName, email: p.email, endDate: options.today });
    }
    if (notStarted.length > 0) warnings.push(`Not in the file but not started yet, so left as they are: ${notStarted.join(', ')}.`);
    leavers.sort((a, b) => a.fullName.localeCompare(b.fullName, 'en-GB'));
  }

  errors.sort((a, b) => a.line - b.line);
  return { today: options.today, warnings, rowErrors: errors, creates, updates, unchanged, leavers };
}

export const planCounts = (plan: ImportPlan) => ({
  added: plan.creates.length,
  updated: plan.updates.length,
  unchanged: plan.unchanged,
  endDated: plan.leavers.length,
});

export const changeCount = (plan: ImportPlan) => plan.creates.length + plan.updates.length + plan.leavers.length;

/** What the plan would write, as one hash: apply refuses when the data changed since the preview. */
export function planDigest(plan: ImportPlan): string {
  const writes = {
    creates: plan.creates.map((c) => [c.line, c.fields, c.schoolIds, c.lineManager]),
    updates: plan.updates.map((u) => [u.personId, u.fields, u.schoolIds ?? null, u.lineManager === undefined ? 'same' : u.lineManager]),
    leavers: plan.leavers.map((l) => [l.personId, l.endDate]),
  };
  return createHash('sha256').update(JSON.stringify(writes)).digest('hex');
}
