import { type Block, blockText } from './blocks.ts';
import { monthsBetween, parseDocDate, parseReviewCycle } from './dates.ts';
import type { ProposalDates, VersionHistoryRow } from './schema.ts';

export type MetaField =
  | 'adopted'
  | 'lastReviewed'
  | 'interimReview'
  | 'nextReview'
  | 'reviewDate'
  | 'reviewCycle'
  | 'owner'
  | 'approver'
  | 'title'
  | 'organisation';

/**
 * The labels policies put on their document-control details. "Review date" is kept apart:
 * some schools mean the last review by it and some the next, so it is decided later from the
 * other labels present. One-word labels count only when followed by a colon or in a table cell.
 */
const LABELS: Record<MetaField, string[]> = {
  adopted: [
    'date adopted',
    'adopted on',
    'adoption date',
    'date of adoption',
    'date approved',
    'approval date',
    'date ratified',
    'ratified on',
    'effective date',
    'effective from',
    'date of issue',
    'issue date',
    'adopted',
  ],
  lastReviewed: [
    'date last reviewed',
    'last reviewed on',
    'last reviewed',
    'last review date',
    'date of last review',
    'last review',
    'reviewed on',
    'date reviewed',
    'reviewed',
  ],
  interimReview: ['interim review date', 'interim review'],
  nextReview: ['date of next review', 'next review date', 'next review due', 'next review', 'review due date', 'review due', 'due for review', 'renewal date'],
  reviewDate: ['review date', 'date of review'],
  reviewCycle: ['review cycle', 'review period', 'review frequency', 'frequency of review', 'review interval', 'reviewed every', 'frequency'],
  owner: ['author/owner', 'author / owner', 'policy owner', 'document owner', 'policy author', 'written by', 'prepared by', 'policy lead', 'owner', 'author'],
  approver: ['approved by', 'approving body', 'approval body', 'ratified by', 'responsible committee', 'approving committee', 'approver', 'committee'],
  title: ['policy title', 'policy name', 'document title', 'name of policy', 'title'],
  organisation: ['name of school', 'school name', 'trust name', 'organisation', 'organization'],
};

const asPattern = (s: string) =>
  s
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/\s*\/\s*/g, '\\s*/\\s*')
    .replace(/ /g, '\\s+');
const ALL_LABELS = Object.entries(LABELS)
  .flatMap(([field, phrases]) => phrases.map((phrase) => ({ field: field as MetaField, phrase })))
  .sort((a, b) => b.phrase.length - a.phrase.length);
const LABEL_PATTERN = new RegExp(`(?<![\\w/])(${ALL_LABELS.map((l) => asPattern(l.phrase)).join('|')})(?![\\w/])`, 'gi');
const fieldOf = (label: string) => {
  const normal = label
    .toLowerCase()
    .replace(/\s*\/\s*/g, '/')
    .replace(/\s+/g, ' ');
  return ALL_LABELS.find((l) => l.phrase.replace(/ \/ /g, '/') === normal)?.field;
};

export type Labelled = { field: MetaField; label: string; value: string; where: string; quote: string };

/**
 * Label–value pairs in one line of front matter, several to a line if need be:
 * "Adopted: May 2023 Last reviewed: June 2025", "Review date June 2025 Next review June 2026".
 * The first label must open the line, so sentences that merely mention a review are left alone.
 */
function labelsInLine(text: string, where: string): Labelled[] {
  const matches = [...text.matchAll(LABEL_PATTERN)].filter((m) => {
    const oneWord = !/\s|\//.test(m[1] ?? '');
    return !oneWord || /^\s*[:\-–]/.test(text.slice((m.index ?? 0) + (m[1] ?? '').length));
  });
  if (matches.length === 0 || /\w/.test(text.slice(0, matches[0]?.index ?? 0))) return [];
  return matches.flatMap((m, i) => {
    const start = m.index ?? 0;
    const end = matches[i + 1]?.index ?? text.length;
    const label = m[1] ?? '';
    const value = text
      .slice(start + label.length, end)
      .replace(/^\s*[:\-–]?\s*/, '')
      .replace(/[\s,;|]+$/, '');
    const field = fieldOf(label);
    return field && value ? [{ field, label, value, where, quote: text.slice(start, end).trim() }] : [];
  });
}

const LABEL_CELL = /^(.*?)\s*[:?]?$/;

/** Label–value pairs in a table row: "Owner | Business Manager | Approved by | Governors". */
function labelsInRow(cells: string[], where: string): Labelled[] {
  const found: Labelled[] = [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i] ?? '';
    const field = fieldOf(LABEL_CELL.exec(cell)?.[1] ?? '');
    const value = cells[i + 1]?.trim() ?? '';
    if (field && value && !fieldOf(LABEL_CELL.exec(value)?.[1] ?? '')) {
      found.push({ field, label: cell.replace(/[:?]$/, ''), value, where, quote: `${cell.replace(/:$/, '')}: ${value}` });
      i++;
    } else if (!field) found.push(...labelsInLine(cell, where));
  }
  return found;
}

export const labelsIn = (block: Block): Labelled[] =>
  block.kind === 'tableRow' ? labelsInRow(block.cells, block.where) : block.kind === 'listItem' ? [] : labelsInLine(block.text, block.where);

export type DocumentDetails = {
  dates: ProposalDates;
  reviewCycleMonths: number | null;
  owner: string | null;
  approver: string | null;
  title: string | null;
  organisation: string | null;
};

const quoted = (s: string) => `"${s.length > 90 ? `${s.slice(0, 87)}…` : s}"`;

/**
 * Turns the labels found into the proposal's details. The first value for each label wins;
 * every guess (an ambiguous "Review date", a cycle worked out from two dates) is a warning.
 */
export function detailsFrom(found: Labelled[], warnings: string[]): DocumentDetails {
  const first = (field: MetaField) => found.find((f) => f.field === field);
  const date = (field: MetaField) => {
    const f = first(field);
    if (!f) return null;
    const iso = parseDocDate(f.value);
    if (!iso) warnings.push(`${f.where}: ${quoted(f.quote)} does not give a date Countersign can read; enter it by hand.`);
    return iso;
  };
  const dates: ProposalDates = {
    adopted: date('adopted'),
    lastReviewed: date('lastReviewed'),
    interimReview: date('interimReview'),
    nextReview: date('nextReview'),
  };

  const reviewDate = first('reviewDate');
  const reviewIso = reviewDate ? parseDocDate(reviewDate.value) : null;
  if (reviewDate && reviewIso) {
    const where = `${reviewDate.where}: ${quoted(reviewDate.quote)}`;
    if (first('nextReview') && !first('lastReviewed')) {
      dates.lastReviewed = reviewIso;
      warnings.push(`${where} read as the last review date, because the next review date is given separately.`);
    } else if (first('lastReviewed') && !first('nextReview')) {
      dates.nextReview = reviewIso;
      warnings.push(`${where} read as the next review date, because the last review date is given separately.`);
    } else if (!first('lastReviewed') && !first('nextReview')) {
      dates.nextReview = reviewIso;
      warnings.push(`${where} read as the next review date; if it is when the policy was last reviewed, move it.`);
    } else warnings.push(`${where} not used: the last and next review dates are both given separately.`);
  } else if (reviewDate) warnings.push(`${reviewDate.where}: ${quoted(reviewDate.quote)} does not give a date Countersign can read; enter it by hand.`);

  const cycle = first('reviewCycle');
  let reviewCycleMonths = cycle ? parseReviewCycle(cycle.value) : null;
  if (cycle && reviewCycleMonths === null)
    warnings.push(`${cycle.where}: ${quoted(cycle.quote)} does not give a review period Countersign can read; enter it by hand.`);
  if (dates.lastReviewed && dates.nextReview) {
    const gap = monthsBetween(dates.lastReviewed, dates.nextReview);
    if (reviewCycleMonths === null && gap > 0) {
      reviewCycleMonths = gap;
      warnings.push(`The review cycle (${gap} months) was worked out from the last review and next review dates; the document does not state it.`);
    } else if (reviewCycleMonths !== null && gap > 0 && gap !== reviewCycleMonths)
      warnings.push(`The review cycle is ${reviewCycleMonths} months but the next review is ${gap} months after the last one; check which is right.`);
  }
  const text = (field: MetaField) => first(field)?.value ?? null;
  return { dates, reviewCycleMonths, owner: text('owner'), approver: text('approver'), title: text('title'), organisation: text('organisation') };
}

const HEADER: [keyof VersionHistoryRow, RegExp][] = [
  ['origin', /origin|reason|source|requested by/i],
  ['version', /^(version|issue|v|ver\.?|version no\.?|version number)\b/i],
  ['date', /date/i],
  ['change', /change|description|amendment|summary|details|comments?|revision/i],
];

export type VersionTable = { rows: VersionHistoryRow[]; start: number; end: number };

/**
 * The version-history table: a header row naming at least a version and a date column, and the
 * rows under it. Columns are matched by their header ("Origin of change" before "Change");
 * in a PDF, by where each cell starts across the page, because empty cells leave no trace there.
 */
export function findVersionHistory(blocks: Block[], warnings: string[]): VersionTable | null {
  for (const [start, block] of blocks.entries()) {
    if (block.kind !== 'tableRow') continue;
    const columns: (keyof VersionHistoryRow | null)[] = block.cells.map((cell) => HEADER.find(([, re]) => re.test(cell))?.[0] ?? null);
    if (!columns.includes('version') || !columns.includes('date')) continue;
    const rows: VersionHistoryRow[] = [];
    let end = start + 1;
    for (; end < blocks.length; end++) {
      const row = blocks[end];
      if (row?.kind !== 'tableRow') break;
      const entry: VersionHistoryRow = { version: null, date: null, change: null, origin: null };
      row.cells.forEach((cell, i) => {
        const column = block.columns && row.columns ? nearestColumn(block.columns, row.columns[i] ?? 0) : i;
        const field = columns[column];
        if (!field || !cell.trim()) return;
        if (field === 'date') {
          entry.date = parseDocDate(cell);
          if (!entry.date) warnings.push(`${row.where}: version history date ${quoted(cell)} is not a date Countersign can read.`);
        } else entry[field] = cell.trim();
      });
      if (entry.version || entry.date || entry.change) rows.push(entry);
    }
    return { rows, start, end };
  }
  return null;
}

const nearestColumn = (header: number[], x: number) => header.reduce((best, hx, i) => (Math.abs(hx - x) < Math.abs((header[best] ?? 0) - x) ? i : best), 0);

export const isDocumentControlCaption = (block: Block) =>
  /^(document|version) (control|information|history|details)$|^policy (details|information)$/i.test(blockText(block).trim());
