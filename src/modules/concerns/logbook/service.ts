import { and, asc, count, desc, eq, inArray, isNotNull, lt, ne, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { recordEvent } from '../../../audit/audit.ts';
import type { Ctx } from '../../../context.ts';
import { transaction } from '../../../db/client.ts';
import { formatDate, londonToday } from '../../../ui/format.ts';
import { parseCalendarDate } from '../../../validation.ts';
import { actorLabel } from '../../auth/actor.ts';
import { authorize, schoolsFor } from '../../auth/authorize.ts';
import { people, schools } from '../../organisations/schema.ts';
import { visibleConcernsWhere } from '../access.ts';
import { concerns, recordViews } from '../schema.ts';
import { trustNameOf } from '../service.ts';
import { CONCERN_STATUSES, CONFIDENTIALITY, type ConcernStatus, type ConcernTypeCode, LOGBOOK_TYPES, OUTCOMES, type Outcome } from '../types.ts';

/*
 * The online-safety logbook (PRODUCT §5; 001: "report it … in the on-line safety logbook"): the
 * concerns with a safeguarding side, for the DSL team, in the order they happened. Every query
 * here is ANDed with visibleConcernsWhere, so the logbook never holds a row its reader could not
 * open, and with the reader's schools, so a school's DSL reads their school's logbook.
 *
 * The governors' summary is the same set of concerns reduced to counts: no names, no references,
 * no words from the reports.
 */

export const LOGBOOK_PAGE_SIZE = 50;
/** The CSV's ceiling: far beyond a trust's safeguarding concerns in a year. */
export const LOGBOOK_EXPORT_LIMIT = 20_000;

export const LOGBOOK_STATUS_FILTERS = {
  open: 'Open (not closed)',
  new: CONCERN_STATUSES.new.label,
  acknowledged: CONCERN_STATUSES.acknowledged.label,
  in_progress: CONCERN_STATUSES.in_progress.label,
  closed: CONCERN_STATUSES.closed.label,
} as const;
export type LogbookStatusFilter = keyof typeof LOGBOOK_STATUS_FILTERS;

/** A calendar date in the address (YYYY-MM-DD, as a date input sends it); anything else means "not given". */
const dateParam = z
  .string()
  .transform((v) => parseCalendarDate(v) ?? undefined)
  .optional()
  .catch(undefined);

/** Puts a reversed range the right way round rather than showing nothing. */
function ordered<T extends { from?: string; to?: string }>(q: T): T {
  return q.from && q.to && q.from > q.to ? { ...q, from: q.to, to: q.from } : q;
}

/**
 * The logbook's filters and page from the query string. As on every list, a value that makes no
 * sense (a type outside the logbook, a date that is not one, an unknown order) falls back to the
 * default, so a shared or bookmarked link always opens.
 */
export const logbookQuery = z
  .object({
    type: z
      .enum(LOGBOOK_TYPES as [ConcernTypeCode, ...ConcernTypeCode[]])
      .optional()
      .catch(undefined),
    status: z
      .enum(Object.keys(LOGBOOK_STATUS_FILTERS) as [LogbookStatusFilter, ...LogbookStatusFilter[]])
      .optional()
      .catch(undefined),
    from: dateParam,
    to: dateParam,
    school: z.uuid().optional().catch(undefined),
    order: z.enum(['newest', 'oldest']).catch('newest'),
    page: z.coerce.number().int().min(1).max(100_000).catch(1),
  })
  .transform(ordered);
export type LogbookQuery = z.output<typeof logbookQuery>;

/** The first day of the school year `today` falls in: 1 September. */
export function schoolYearStart(today: string): string {
  const [y, m] = today.split('-').map(Number) as [number, number];
  return `${m >= 9 ? y : y - 1}-09-01`;
}

/** The governors' summary: a period (by default this school year so far) and a school. */
export const governorsQuery = z
  .object({
    from: dateParam,
    to: dateParam,
    school: z.uuid().optional().catch(undefined),
  })
  .transform(ordered);
export type GovernorsQuery = z.output<typeof governorsQuery>;

export type SchoolOption = { id: string; name: string };

/**
 * The schools whose logbook the reader keeps: every school for the trust's DSL team, their own
 * for a school's. Also the only schools a filter may pick.
 */
async function logbookSchools(ctx: Ctx): Promise<{ all: boolean; schools: SchoolOption[] }> {
  authorize(ctx.actor, 'logbook.view', { trustId: ctx.actor.trustId });
  const held = schoolsFor(ctx.actor, 'logbook.view');
  const where = held === 'all' ? eq(schools.trustId, ctx.actor.trustId) : and(eq(schools.trustId, ctx.actor.trustId), inArray(schools.id, held));
  const rows =
    held !== 'all' && held.length === 0
      ? []
      : await ctx.db.select({ id: schools.id, name: schools.name }).from(schools).where(where).orderBy(asc(schools.name));
  return { all: held === 'all', schools: rows };
}

/** The chosen school if it is one of the reader's, else all of theirs. */
function schoolScope(options: { schools: SchoolOption[] }, chosen: string | undefined): string[] {
  const ids = options.schools.map((s) => s.id);
  return chosen && ids.includes(chosen) ? [chosen] : ids;
}

/** Calendar days in Europe/London, inclusive at both ends. */
function periodWhere(from: string | undefined, to: string | undefined): SQL[] {
  const out: SQL[] = [];
  if (from) out.push(sql`${concerns.occurredAt} >= (${from}::date)::timestamp at time zone 'Europe/London'`);
  if (to) out.push(lt(concerns.occurredAt, sql`(${to}::date + 1)::timestamp at time zone 'Europe/London'`));
  return out;
}

/** Always: what the reader may open, of the logbook's types, at the schools in scope. */
function logbookBase(ctx: Ctx, schoolIds: string[]): SQL[] {
  return [visibleConcernsWhere(ctx.actor), inArray(concerns.type, LOGBOOK_TYPES), schoolIds.length ? inArray(concerns.schoolId, schoolIds) : sql`false`];
}

function logbookWhere(ctx: Ctx, q: LogbookQuery, schoolIds: string[]): SQL {
  const conditions = [...logbookBase(ctx, schoolIds), ...periodWhere(q.from, q.to)];
  if (q.type) conditions.push(eq(concerns.type, q.type));
  if (q.status === 'open') conditions.push(ne(concerns.status, 'closed'));
  else if (q.status) conditions.push(eq(concerns.status, q.status));
  return and(...conditions) as SQL;
}

const reporter = alias(people, 'reporter');
const assignee = alias(people, 'assignee');

function logbookRows(ctx: Ctx, q: LogbookQuery, schoolIds: string[]) {
  const dir = q.order === 'oldest' ? asc : desc;
  return ctx.db
    .select({
      id: concerns.id,
      reference: concerns.reference,
      type: concerns.type,
      confidentiality: concerns.confidentiality,
      status: concerns.status,
      occurredAt: concerns.occurredAt,
      schoolName: schools.name,
      reporterName: reporter.fullName,
      assigneeName: assignee.fullName,
      outcome: concerns.outcome,
    })
    .from(concerns)
    .innerJoin(schools, and(eq(schools.trustId, concerns.trustId), eq(schools.id, concerns.schoolId)))
    .innerJoin(reporter, and(eq(reporter.trustId, concerns.trustId), eq(reporter.id, concerns.reporterId)))
    .leftJoin(assignee, and(eq(assignee.trustId, concerns.trustId), eq(assignee.id, concerns.assigneeId)))
    .where(logbookWhere(ctx, q, schoolIds))
    .orderBy(dir(concerns.occurredAt), dir(concerns.reference))
    .$dynamic();
}
export type LogbookRow = Awaited<ReturnType<typeof logbookRows>>[number];

/** One page of the logbook, with the schools the reader may filter by. */
export async function logbook(ctx: Ctx, q: LogbookQuery) {
  const options = await logbookSchools(ctx);
  const scope = schoolScope(options, q.school);
  const [[total], rows] = await Promise.all([
    ctx.db
      .select({ n: count() })
      .from(concerns)
      .where(logbookWhere(ctx, q, scope)),
    logbookRows(ctx, q, scope)
      .limit(LOGBOOK_PAGE_SIZE)
      .offset((q.page - 1) * LOGBOOK_PAGE_SIZE),
  ]);
  return { rows, total: total?.n ?? 0, pageSize: LOGBOOK_PAGE_SIZE, query: q, schools: options.schools, allSchools: options.all };
}
export type Logbook = Awaited<ReturnType<typeof logbook>>;

const filtersOf = (q: LogbookQuery) => ({
  type: q.type ?? null,
  status: q.status ?? null,
  from: q.from ?? null,
  to: q.to ?? null,
  school: q.school ?? null,
});

/**
 * Exactly the filtered logbook, with names, for the CSV. The export is an audit event (its filters
 * only: not even a count, which administrators reading the audit log may not know), and each
 * restricted record in it is logged as looked at, so "who has looked at this" shows the export.
 */
export async function exportLogbook(ctx: Ctx, q: LogbookQuery) {
  const options = await logbookSchools(ctx);
  const rows = await logbookRows(ctx, q, schoolScope(options, q.school)).limit(LOGBOOK_EXPORT_LIMIT);
  await transaction(ctx.db, async (tx) => {
    const restricted = rows.filter((r) => CONFIDENTIALITY[r.confidentiality].restricted);
    const personId = ctx.actor.type === 'person' ? ctx.actor.personId : null;
    for (let i = 0; i < restricted.length; i += 500)
      await tx.insert(recordViews).values(
        restricted.slice(i, i + 500).map((r) => ({
          trustId: ctx.actor.trustId,
          resourceType: 'concern',
          resourceId: r.id,
          personId,
          personName: actorLabel(ctx.actor),
          what: 'online-safety logbook export (CSV)',
          ip: ctx.ip ?? null,
        })),
      );
    await recordEvent(tx, ctx, {
      action: 'concerns.exported',
      resourceType: 'concern',
      summary: 'Online-safety logbook exported to CSV',
      after: { filters: filtersOf(q) },
    });
  });
  return rows;
}

// ---------------------------------------------------------------------------------------------
// The governors' summary: counts only.

export type Month = { key: string; label: string };

const monthFmt = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', month: 'long', year: 'numeric' });

/** Every month from `from`'s to `to`'s, as "2025-09" and "September 2025". */
export function monthsBetween(from: string, to: string): Month[] {
  const out: Month[] = [];
  let [y, m] = from.split('-').map(Number) as [number, number];
  const [ty, tm] = to.split('-').map(Number) as [number, number];
  while (y < ty || (y === ty && m <= tm)) {
    out.push({ key: `${y}-${String(m).padStart(2, '0')}`, label: monthFmt.format(new Date(Date.UTC(y, m - 1, 15))) });
    m += 1;
    if (m > 12) [y, m] = [y + 1, 1];
  }
  return out;
}

export type GovernorsSummary = {
  trustName: string;
  /** "School A", or "All schools" for the trust's DSL team. */
  schoolLabel: string;
  from: string;
  to: string;
  types: ConcernTypeCode[];
  months: (Month & { counts: Record<string, number>; total: number })[];
  byType: Record<string, number>;
  byStatus: { key: ConcernStatus; label: string; n: number }[];
  byOutcome: { key: Outcome | 'none'; label: string; n: number }[];
  total: number;
};

/** The period in words: "1 September 2025 to 14 March 2026". */
export const periodText = (s: Pick<GovernorsSummary, 'from' | 'to'>) => `${formatDate(s.from)} to ${formatDate(s.to)}`;

/** The summary's options on the logbook page: the reader's schools and the default period. */
export async function governorsOptions(ctx: Ctx, today = londonToday()) {
  const options = await logbookSchools(ctx);
  return { schools: options.schools, allSchools: options.all, from: schoolYearStart(today), to: today };
}

/**
 * Counts of the logbook's concerns that happened in the period, at the school (or all the
 * reader's schools): by type and month, by status, by outcome, and in all. Nothing else: no
 * names, references or text, so it can go to governors as it is.
 */
export async function governorsSummary(ctx: Ctx, q: GovernorsQuery, today = londonToday()): Promise<GovernorsSummary> {
  const options = await logbookSchools(ctx);
  // Defaults for what was left out (a start after today with no end becomes the end).
  const period = ordered({ from: q.from ?? schoolYearStart(today), to: q.to ?? today });
  const { from, to } = period;
  const scope = schoolScope(options, q.school);
  const chosen = options.schools.find((s) => s.id === q.school);
  const schoolLabel = chosen ? chosen.name : options.all ? 'All schools' : options.schools.map((s) => s.name).join(', ') || 'No school';
  const where = and(...logbookBase(ctx, scope), ...periodWhere(from, to));
  const month = sql<string>`to_char(${concerns.occurredAt} at time zone 'Europe/London', 'YYYY-MM')`;
  const [byTypeMonth, byStatus, byOutcome] = await Promise.all([
    ctx.db.select({ type: concerns.type, month, n: count() }).from(concerns).where(where).groupBy(concerns.type, month),
    ctx.db.select({ status: concerns.status, n: count() }).from(concerns).where(where).groupBy(concerns.status),
    ctx.db
      .select({ outcome: concerns.outcome, n: count() })
      .from(concerns)
      .where(and(where, isNotNull(concerns.outcome)))
      .groupBy(concerns.outcome),
  ]);
  const months = monthsBetween(from, to).map((m) => {
    const counts = Object.fromEntries(LOGBOOK_TYPES.map((t) => [t, byTypeMonth.find((r) => r.month === m.key && r.type === t)?.n ?? 0]));
    return { ...m, counts, total: Object.values(counts).reduce((a, b) => a + b, 0) };
  });
  const byType = Object.fromEntries(LOGBOOK_TYPES.map((t) => [t, months.reduce((sum, m) => sum + (m.counts[t] ?? 0), 0)]));
  const total = months.reduce((sum, m) => sum + m.total, 0);
  const closedWithOutcome = byOutcome.reduce((sum, r) => sum + r.n, 0);
  return {
    trustName: await trustNameOf(ctx.db, ctx.actor.trustId),
    schoolLabel,
    from,
    to,
    types: [...LOGBOOK_TYPES],
    months,
    byType,
    byStatus: (Object.keys(CONCERN_STATUSES) as ConcernStatus[]).map((key) => ({
      key,
      label: CONCERN_STATUSES[key].label,
      n: byStatus.find((r) => r.status === key)?.n ?? 0,
    })),
    byOutcome: [
      ...(Object.keys(OUTCOMES) as Outcome[])
        .map((key) => ({ key, label: OUTCOMES[key] as string, n: byOutcome.find((r) => r.outcome === key)?.n ?? 0 }))
        .filter((o) => o.n > 0),
      { key: 'none' as const, label: 'No outcome recorded yet', n: total - closedWithOutcome },
    ],
    total,
  };
}

/** The download is an audit event: which summary, for which period and school; no counts. */
export async function recordGovernorsExport(ctx: Ctx, summary: GovernorsSummary, q: GovernorsQuery, format: 'CSV' | 'PDF') {
  await recordEvent(ctx.db, ctx, {
    action: 'concerns.exported',
    resourceType: 'concern',
    summary: `Online-safety summary for governors downloaded (${format})`,
    after: { format: format.toLowerCase(), school: q.school ?? null, from: summary.from, to: summary.to },
  });
}
