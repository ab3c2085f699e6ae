import { and, eq, gte, inArray, isNull, lt, type SQL, sql } from 'drizzle-orm';
import type { Ctx } from '../../context.ts';
import { londonDateTime, londonToday } from '../../ui/format.ts';
import { addDays } from '../acknowledgements/service.ts';
import { authorize, schoolsFor } from '../auth/authorize.ts';
import { visibleConcernsWhere } from '../concerns/access.ts';
import { concerns } from '../concerns/schema.ts';
import { CONCERN_TYPE_CODES, typeLabel } from '../concerns/types.ts';
import { listSchools } from '../organisations/repository.ts';
import { kindLabel, ROLE_CODES, roleLabel } from '../organisations/roles.ts';
import { people, roleAssignments } from '../organisations/schema.ts';
import { policies } from '../policies/schema.ts';
import type { Bar } from './chart.tsx';
import { noncompliance, SEVERITIES } from './schema.ts';
import { SEVERITY_CODES, type TrendsQuery } from './validation.ts';

const monthLong = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', month: 'long', year: 'numeric' });
const monthShort = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', month: 'short' });
const monthDate = (month: string) => new Date(`${month}-15T12:00:00Z`);

/** "2026-03" plus n months. */
function addMonthsTo(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + n, 1));
  return d.toISOString().slice(0, 7);
}

/**
 * The period the page covers: a calendar year, or (by default) the 12 months up to today, the
 * current month included. Instants are London midnights, as people count months.
 */
export function periodOf(year: number | undefined, today: string) {
  if (year) {
    const months = Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, '0')}`);
    return { months, from: londonDateTime(`${year}-01-01`, '00:00'), to: londonDateTime(`${year + 1}-01-01`, '00:00'), label: String(year) };
  }
  const last = today.slice(0, 7);
  const months = Array.from({ length: 12 }, (_, i) => addMonthsTo(last, i - 11));
  return { months, from: londonDateTime(`${months[0]}-01`, '00:00'), to: londonDateTime(addDays(today, 1), '00:00'), label: 'the last 12 months' };
}

const monthBars = (months: string[], counts: Map<string, number>): Bar[] =>
  months.map((m) => ({ key: m, label: monthLong.format(monthDate(m)), axisLabel: monthShort.format(monthDate(m)), value: counts.get(m) ?? 0 }));

/** Counts by a key, largest first (then by label). */
function countBy<T>(items: T[], key: (item: T) => { key: string; label: string }): Bar[] {
  const out = new Map<string, Bar>();
  for (const item of items) {
    const k = key(item);
    const bar = out.get(k.key) ?? { key: k.key, label: k.label, value: 0 };
    bar.value += 1;
    out.set(k.key, bar);
  }
  return [...out.values()].sort((a, b) => b.value - a.value || a.label.localeCompare(b.label, 'en-GB'));
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1).trimEnd()}…`);

/**
 * The trends page (000 appendix 3: "identify trends, risks and potential breach hazards"):
 * non-compliance records by clause, school, role, severity and month, and concerns by type and
 * month. Records are the ones the reader may see (their schools', or all for trust roles);
 * concerns only the ones they may open (visibleConcernsWhere), so a restricted record never
 * shows up in a count for someone who cannot open it.
 */
export async function trends(ctx: Ctx, q: TrendsQuery, today = londonToday()) {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'noncompliance.view', { trustId });
  const seen = schoolsFor(ctx.actor, 'noncompliance.view');
  const allSchools = await listSchools(ctx.db, trustId);
  const schoolOptions = [
    ...allSchools.filter((s) => seen === 'all' || seen.includes(s.id)).map((s) => ({ value: s.id, label: s.name })),
    ...(seen === 'all' ? [{ value: 'trust', label: 'Whole trust (central team)' }] : []),
  ];
  const school = schoolOptions.some((s) => s.value === q.school) ? q.school : undefined;
  const currentYear = Number(today.slice(0, 4));
  const years = Array.from({ length: 5 }, (_, i) => currentYear - i);
  const period = periodOf(q.year, today);
  const schoolNames = new Map(allSchools.map((s) => [s.id, s.name]));

  const recordsSeen: SQL =
    seen === 'all'
      ? eq(noncompliance.trustId, trustId)
      : (and(eq(noncompliance.trustId, trustId), seen.length ? inArray(noncompliance.schoolId, seen) : sql`false`) as SQL);
  const records = await ctx.db
    .select({
      id: noncompliance.id,
      schoolId: noncompliance.schoolId,
      personId: noncompliance.personId,
      policyId: noncompliance.policyId,
      policyTitle: policies.title,
      clauseNumber: noncompliance.clauseNumber,
      clauseText: noncompliance.clauseText,
      severity: noncompliance.severity,
      createdAt: noncompliance.createdAt,
    })
    .from(noncompliance)
    .leftJoin(policies, and(eq(policies.trustId, noncompliance.trustId), eq(policies.id, noncompliance.policyId)))
    .where(
      and(
        recordsSeen,
        gte(noncompliance.createdAt, period.from),
        lt(noncompliance.createdAt, period.to),
        school === 'trust' ? isNull(noncompliance.schoolId) : school ? eq(noncompliance.schoolId, school) : undefined,
      ),
    );

  // Role: the person's role in Countersign (the first in the roles list when they hold several),
  // or their position when they hold none. A group counts as "Group".
  const personIds = [...new Set(records.map((r) => r.personId).filter((id): id is string => !!id))];
  const [grants, positions] = personIds.length
    ? await Promise.all([
        ctx.db
          .select({ personId: roleAssignments.personId, role: roleAssignments.role })
          .from(roleAssignments)
          .where(and(eq(roleAssignments.trustId, trustId), inArray(roleAssignments.personId, personIds), isNull(roleAssignments.revokedAt))),
        ctx.db
          .select({ id: people.id, position: people.position, kind: people.kind })
          .from(people)
          .where(and(eq(people.trustId, trustId), inArray(people.id, personIds))),
      ])
    : [[], []];
  const roleOf = new Map<string, { key: string; label: string }>();
  for (const p of positions) {
    const held = grants
      .filter((g) => g.personId === p.id)
      .map((g) => g.role)
      .sort((a, b) => ROLE_CODES.indexOf(a as never) - ROLE_CODES.indexOf(b as never));
    const position = p.position?.trim();
    roleOf.set(
      p.id,
      held[0]
        ? { key: `role:${held[0]}`, label: roleLabel(held[0]) }
        : position
          ? { key: `position:${position.toLowerCase()}`, label: position }
          : { key: `kind:${p.kind}`, label: kindLabel(p.kind) },
    );
  }

  const byMonth = new Map<string, number>();
  for (const r of records) {
    const m = londonToday(r.createdAt).slice(0, 7);
    byMonth.set(m, (byMonth.get(m) ?? 0) + 1);
  }

  // Concerns: counted in SQL, only those the reader may open.
  const month = sql<string>`to_char(${concerns.createdAt} at time zone 'Europe/London', 'YYYY-MM')`;
  const concernCounts = await ctx.db
    .select({ type: concerns.type, month, n: sql<number>`count(*)::int` })
    .from(concerns)
    .where(
      and(
        visibleConcernsWhere(ctx.actor),
        gte(concerns.createdAt, period.from),
        lt(concerns.createdAt, period.to),
        school === 'trust' ? sql`false` : school ? eq(concerns.schoolId, school) : undefined,
      ),
    )
    .groupBy(concerns.type, month);
  const concernsByMonth = new Map<string, number>();
  const concernsByType = new Map<string, number>();
  for (const c of concernCounts) {
    concernsByMonth.set(c.month, (concernsByMonth.get(c.month) ?? 0) + c.n);
    concernsByType.set(c.type, (concernsByType.get(c.type) ?? 0) + c.n);
  }

  return {
    query: { school, year: q.year },
    schools: schoolOptions,
    years,
    periodLabel: period.label,
    total: records.length,
    byClause: countBy(records, (r) =>
      r.clauseNumber || r.clauseText
        ? {
            key: `${r.policyId}|${r.clauseNumber ?? oneLine(r.clauseText ?? '')}`,
            label: `${r.clauseNumber ?? clip(oneLine(r.clauseText ?? ''), 60)} — ${r.policyTitle ?? 'a policy'}`,
          }
        : { key: 'none', label: 'No clause recorded' },
    ),
    bySchool: countBy(records, (r) =>
      r.schoolId ? { key: r.schoolId, label: schoolNames.get(r.schoolId) ?? 'School' } : { key: 'trust', label: 'Whole trust (central team)' },
    ),
    byRole: countBy(records, (r) => (r.personId ? (roleOf.get(r.personId) ?? { key: 'unknown', label: 'Not recorded' }) : { key: 'group', label: 'Group' })),
    bySeverity: SEVERITY_CODES.map((s) => ({ key: s, label: SEVERITIES[s].label, value: records.filter((r) => r.severity === s).length })),
    byMonth: monthBars(period.months, byMonth),
    concernsTotal: [...concernsByType.values()].reduce((a, b) => a + b, 0),
    concernsByType: CONCERN_TYPE_CODES.filter((t) => concernsByType.has(t))
      .map((t) => ({ key: t, label: typeLabel(t), value: concernsByType.get(t) ?? 0 }))
      .sort((a, b) => b.value - a.value || a.label.localeCompare(b.label, 'en-GB')),
    concernsByMonth: monthBars(period.months, concernsByMonth),
  };
}
export type Trends = Awaited<ReturnType<typeof trends>>;
