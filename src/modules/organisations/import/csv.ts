import { createHash } from 'node:crypto';
import { z } from 'zod';
import { decodeCsv, headingKey, readTable, type Table, type TableRow } from '../../../csv.ts';
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

const HEADINGS = new Map<string, ColumnKey>(COLUMNS.flatMap((c) => [c.key, ...c.aliases].map((h) => [headingKey(h), c.key] as const)));

export const TEMPLATE_CSV = `${[
  COLUMNS.map((c) => c.key).join(','),
  'jo.bloggs@oakfield.example,Jo Bloggs,,,Employee,Class teacher,sam.head@oakfield.example,01/09/2026,,oakfield-primary,E1042',
].join('\r\n')}\r\n`;

export type ParsedRow = TableRow<ColumnKey>;
export type ParsedFile = Table<ColumnKey>;
export { decodeCsv };

function nameColumnsMissing(columns: ReadonlySet<ColumnKey>) {
  if (columns.has('full_name') || (columns.has('first_name') && columns.has('last_name'))) return null;
  if (columns.has('first_name')) return 'last_name (or full_name)';
  if (columns.has('last_name')) return 'first_name (or full_name)';
  return 'full_name (or first_name and last_name)';
}

/** Reads the header row and the rows of people. Whole-file problems are thrown; problems in a row are for the plan. */
export function parsePeopleCsv(text: string): ParsedFile {
  return readTable(text, {
    headings: HEADINGS,
    missing: (columns) => [columns.has('email') ? null : 'email', nameColumnsMissing(new Set(columns))].filter((m): m is string => m !== null),
    missingHint: 'Download the template to see the column headings.',
    noun: 'people',
    maxRows: MAX_ROWS,
  });
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
