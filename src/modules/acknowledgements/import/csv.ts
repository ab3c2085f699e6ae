import { createHash } from 'node:crypto';
import { z } from 'zod';
import { headingKey, readTable, type Table, type TableRow } from '../../../csv.ts';
import { formatDate } from '../../../ui/format.ts';
import { parseCalendarDate } from '../../../validation.ts';

/**
 * Reading a file of past signatures (paper sign-off sheets, a spreadsheet kept by the school
 * office) and checking it against the trust: who signed which version of which policy, when.
 * The file's bytes are checked by `decodeCsv` (src/csv.ts) (UTF-8, not a workbook, not
 * empty); this module reads the rows and plans what would be recorded. Nothing here touches the
 * database, so the preview and the apply check a file in exactly the same way.
 */

/**
 * Most signatures one file may hold. Each is a chained record written one after another in one
 * transaction (about 15 to 25 ms each on PGlite), so a file at the limit takes a minute or two.
 */
export const MAX_ROWS = 5_000;

/** The columns, in template order; aliases are headings a school's own spreadsheet may use. */
export const COLUMNS = [
  {
    key: 'email',
    required: 'Yes',
    aliases: ['email address', 'work email'],
    format: 'An email address',
    meaning: 'The work email address of the person who signed.',
  },
  {
    key: 'policy',
    required: 'Yes',
    aliases: ['policy name', 'policy title'],
    format: 'Text',
    meaning: 'The policy’s short name (as in its web address, like staff-ict-aup) or its full title.',
  },
  {
    key: 'version',
    required: 'Yes',
    aliases: ['version label', 'policy version'],
    format: 'A version, like V1.0',
    meaning: 'The version they signed. It must have been published in Countersign (in force now or earlier).',
  },
  {
    key: 'signed_on',
    required: 'Yes',
    aliases: ['signed', 'date signed', 'signed date', 'date'],
    format: 'A date, like 2025-09-03 or 03/09/2025',
    meaning: 'The date on the signed form. Not in the future.',
  },
  {
    key: 'position',
    required: 'No',
    aliases: ['job title'],
    format: 'Text',
    meaning: 'Their position as written on the form. Blank means their position in Countersign.',
  },
  {
    key: 'note',
    required: 'No',
    aliases: ['notes', 'comment', 'comments'],
    format: 'Text',
    meaning: 'Where the signature is kept, like “Signed sheet in the staff file”. Kept with the record.',
  },
] as const;

export type ColumnKey = (typeof COLUMNS)[number]['key'];
const REQUIRED: ColumnKey[] = ['email', 'policy', 'version', 'signed_on'];

/** Headings match however they are written: "Signed On", "signed_on" and "SIGNED-ON" are one heading. */
const HEADINGS = new Map<string, ColumnKey>(COLUMNS.flatMap((c) => [c.key, ...c.aliases].map((h) => [headingKey(h), c.key] as const)));

export const TEMPLATE_CSV = `${[
  COLUMNS.map((c) => c.key).join(','),
  'jo.bloggs@oakfield.example,staff-ict-aup,V1.0,03/09/2025,Class teacher,Signed at the September INSET; sheet in the staff file',
].join('\r\n')}\r\n`;

export type ParsedRow = TableRow<ColumnKey>;
export type ParsedFile = Table<ColumnKey>;

/** Reads the header row and the signature rows. Whole-file problems are thrown; problems in a row are for the plan. */
export function parseSignaturesCsv(text: string): ParsedFile {
  return readTable(text, {
    headings: HEADINGS,
    missing: (columns) => REQUIRED.filter((k) => !columns.has(k)),
    missingHint: 'The columns must be email, policy, version and signed_on: download the template to see them.',
    noun: 'signatures',
    maxRows: MAX_ROWS,
  });
}

// ---------------------------------------------------------------------------------------------
// Planning: each row checked against the people, policies and signatures already in the trust.

export type StatePerson = { id: string; email: string; fullName: string; position: string | null; endDate: string | null };
export type StateVersion = { id: string; label: string; status: string };
export type StatePolicy = { id: string; slug: string; title: string; versions: StateVersion[] };
/** A signature already recorded, keyed `${personId}:${versionId}`, with when it was made. */
export type TrustState = { people: StatePerson[]; policies: StatePolicy[]; signed: Map<string, Date> };

export type PlannedSignature = {
  line: number;
  personId: string;
  personName: string;
  email: string;
  /** The day they left, when they have: a leaver's signature may be imported, and is flagged. */
  leftOn: string | null;
  policyId: string;
  policyTitle: string;
  versionId: string;
  versionLabel: string;
  /** 'published' (in force now) or 'superseded' (in force earlier). */
  versionStatus: string;
  signedOn: string;
  position: string;
  note: string | null;
};
export type RowError = { line: number; message: string };
export type SignaturePlan = { today: string; warnings: string[]; rowErrors: RowError[]; rows: PlannedSignature[] };

export const signedKey = (personId: string, versionId: string) => `${personId}:${versionId}`;

const STATUS_WORDS: Record<string, string> = { draft: 'a draft', approved: 'approved but not yet published' };

/** "V1.0", "v1.0", "1.0" and "V 1.0" are the same version when a policy has only one of them. */
export const looseLabel = (label: string) =>
  label
    .toLowerCase()
    .replace(/\s+/g, '')
    .replace(/^v(?=\d)/, '');

const CELLS = {
  email: z
    .string()
    .trim()
    .toLowerCase()
    .min(1, 'The email address is missing')
    .max(254, 'The email address must be 254 characters or fewer')
    .pipe(z.email({ error: (issue) => `‘${issue.input}’ is not a valid email address` })),
  position: z.string().trim().max(200, 'The position must be 200 characters or fewer'),
  note: z.string().trim().max(500, 'The note must be 500 characters or fewer'),
};

/**
 * Works out what importing the file would record, row by row, in the file's order. Every problem
 * is reported with its line, and the file can only be imported when there are none.
 */
export function planImport(file: ParsedFile, state: TrustState, today: string): SignaturePlan {
  const errors: RowError[] = [];
  const warnings = [...file.warnings];
  const byEmail = new Map(state.people.map((p) => [p.email.toLowerCase(), p]));
  const bySlug = new Map(state.policies.map((p) => [p.slug.toLowerCase(), p]));
  const byTitle = new Map<string, StatePolicy[]>();
  for (const p of state.policies) {
    const key = p.title.trim().replace(/\s+/g, ' ').toLowerCase();
    byTitle.set(key, [...(byTitle.get(key) ?? []), p]);
  }
  const seen = new Map<string, number>();
  const rows: PlannedSignature[] = [];

  for (const { line, cells, extraCells } of file.rows) {
    let ok = true;
    const fail = (message: string) => {
      ok = false;
      errors.push({ line, message });
    };
    if (extraCells) fail('The line has more cells than the header row: check for a comma that should be inside quotes');

    // Every cell is checked, so one row reports all its problems at once.
    let person: StatePerson | undefined;
    const email = CELLS.email.safeParse(cells.email ?? '');
    if (!email.success) fail(email.error.issues[0]?.message ?? 'The email address could not be read');
    else {
      person = byEmail.get(email.data);
      if (!person) fail(`Nobody in the trust has the email address ${email.data}`);
    }

    let policy: StatePolicy | undefined;
    const policyCell = (cells.policy ?? '').trim().replace(/\s+/g, ' ');
    if (!policyCell) fail('The policy is missing');
    else {
      const titled = byTitle.get(policyCell.toLowerCase()) ?? [];
      policy = bySlug.get(policyCell.toLowerCase()) ?? (titled.length === 1 ? titled[0] : undefined);
      if (!policy && titled.length > 1)
        fail(`More than one policy is called ‘${policyCell}’: use its short name instead (${titled.map((p) => p.slug).join(' or ')})`);
      else if (!policy)
        fail(`There is no policy called ‘${policyCell}’: use the policy’s short name, like ${state.policies[0]?.slug ?? 'staff-aup'}, or its full title`);
    }

    let version: StateVersion | undefined;
    const versionCell = (cells.version ?? '').trim();
    if (!versionCell) fail('The version is missing');
    else if (policy) {
      const exact = policy.versions.filter((v) => v.label.toLowerCase() === versionCell.toLowerCase());
      const loose = policy.versions.filter((v) => looseLabel(v.label) === looseLabel(versionCell));
      version = exact.length === 1 ? exact[0] : loose.length === 1 ? loose[0] : undefined;
      if (!version)
        fail(
          `${policy.title} has no version ‘${versionCell}’${policy.versions.length ? `: its versions are ${policy.versions.map((v) => v.label).join(', ')}` : ''}`,
        );
      else if (version.status !== 'published' && version.status !== 'superseded') {
        fail(
          `${version.label} of ${policy.title} is ${STATUS_WORDS[version.status] ?? version.status}: only a version that has been published can have signatures`,
        );
        version = undefined;
      }
    }

    let signedOn: string | undefined;
    const dateCell = (cells.signed_on ?? '').trim();
    if (!dateCell) fail('The date signed is missing');
    else {
      const parsed = parseCalendarDate(dateCell);
      if (!parsed) fail(`‘${dateCell}’ is not a real date: write it like 2025-09-03 or 03/09/2025`);
      else if (parsed > today) fail(`The date signed (${formatDate(parsed)}) is in the future`);
      else signedOn = parsed;
    }

    const position = CELLS.position.safeParse(cells.position ?? '');
    if (!position.success) fail(position.error.issues[0]?.message ?? 'The position could not be read');
    const note = CELLS.note.safeParse(cells.note ?? '');
    if (!note.success) fail(note.error.issues[0]?.message ?? 'The note could not be read');

    if (person && policy && version) {
      const key = signedKey(person.id, version.id);
      const earlier = seen.get(key);
      const already = state.signed.get(key);
      if (earlier !== undefined) fail(`This is the same signature as line ${earlier}: ${person.fullName}, ${version.label} of ${policy.title}`);
      else seen.set(key, line);
      if (already) fail(`${person.fullName} already has a signature for ${version.label} of ${policy.title}, made on ${formatDate(already)}`);
    }
    if (!ok || !person || !policy || !version || !signedOn || !position.success || !note.success) continue;
    rows.push({
      line,
      personId: person.id,
      personName: person.fullName,
      email: person.email,
      leftOn: person.endDate && person.endDate < today ? person.endDate : null,
      policyId: policy.id,
      policyTitle: policy.title,
      versionId: version.id,
      versionLabel: version.label,
      versionStatus: version.status,
      signedOn,
      position: position.data || person.position || '',
      note: note.data || null,
    });
  }
  const leavers = rows.filter((r) => r.leftOn).length;
  if (leavers > 0)
    warnings.push(
      `${leavers === 1 ? '1 signature is' : `${leavers} signatures are`} from people who have left. They are imported as part of the record, and leavers are not counted on the compliance dashboard.`,
    );
  errors.sort((a, b) => a.line - b.line);
  return { today, warnings, rowErrors: errors, rows };
}

export const planCounts = (plan: SignaturePlan) => ({
  signatures: plan.rows.length,
  inForce: plan.rows.filter((r) => r.versionStatus === 'published').length,
  earlierVersions: plan.rows.filter((r) => r.versionStatus !== 'published').length,
  leavers: plan.rows.filter((r) => r.leftOn).length,
});

/** What the plan would record, as one hash: the apply refuses when the result is not what was previewed. */
export function planDigest(plan: SignaturePlan): string {
  const writes = plan.rows.map((r) => [r.line, r.personId, r.personName, r.versionId, r.versionStatus, r.signedOn, r.position, r.note]);
  return createHash('sha256').update(JSON.stringify(writes)).digest('hex');
}
