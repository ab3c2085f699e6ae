/*
 * Compliance: who has signed what. Every number on /compliance, in its CSV and PDF exports, on
 * /compliance/team and in GET /api/v1/compliance follows these definitions.
 *
 *   - For a policy, the assignments that count are the CURRENT ones (isCurrentAssignment: not
 *     replaced by a newer version or round, not withdrawn) on its version in force
 *     (policy_versions.status = 'published'), of CURRENT people (isCurrentPerson(today): no end
 *     date, or one today or later). Leavers drop out of every count.
 *   - Signed: acknowledgement_id is not null, including a signature carried over from the
 *     version before when a minor revision was published.
 *   - Outstanding: not signed. Overdue: outstanding and due_on < today.
 *   - "For everything": the same over every policy's version in force, counting assignments, not
 *     people (someone with three policies to sign counts three times).
 *   - Breakdowns: a person at two schools counts under both (so the school rows can add up to more
 *     than the total); people at no school are the "Central team". By role: each role a person
 *     holds (anywhere in the trust), and "No role" for people without one. By line manager: the 20
 *     managers whose direct reports have the most outstanding.
 *   - Trend: for the assignments counted now (the filtered set), the share signed at the end of
 *     each of the last 12 weeks (the last week ends today): an assignment counts in a week when it
 *     was assigned by the end of that week (end of the day in Europe/London), and is signed in it
 *     when it was also signed by then.
 *
 * Who sees what: people with 'compliance.view'. Trust roles see every person; school roles see
 * only the people of the schools where they hold the role (schoolsFor).
 *
 * Performance (the target: the page in under 50 ms for a trust of 50 schools, 10,000 people and
 * 200,000 signatures): everything is counted in SQL, never by loading rows into JavaScript.
 *   - complianceSummary: the headline and the breakdowns in ONE query with one pass over the
 *     current assignments, grouped by person first, so people, schools and roles are joined to a
 *     few thousand per-person rows, never to each assignment; and, at the same time (a second
 *     connection on PostgreSQL), complianceTrend: ONE query, one pass, grouped by the weeks each
 *     assignment was assigned and signed.
 *   - complianceList: one page of the list (LIMIT/OFFSET with a top-N sort), plus the schools of
 *     the people on that page; its total is the summary's count, not another COUNT(*).
 *   - complianceOptions: the filters' choices (schools, policies in force, line managers): small.
 * complianceQueries runs exactly these, as the page does: it is "the underlying SQL" for the
 * benchmark (the page = GET /compliance; the SQL alone = complianceQueries with the same filter).
 * The page keeps its answers in memory against a per-trust epoch that triggers move on with every
 * change (cachedComplianceQueries), so a repeat view while nothing has changed is one lookup.
 */
import { and, asc, eq, gt, gte, inArray, isNotNull, isNull, lt, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Ctx } from '../../../context.ts';
import { type Db, rows } from '../../../db/client.ts';
import { ForbiddenError } from '../../../errors.ts';
import { londonToday } from '../../../ui/format.ts';
import { authorize, can, schoolsFor } from '../../auth/authorize.ts';
import { people, personSchools, roleAssignments, schools } from '../../organisations/schema.ts';
import { policies, policyVersions } from '../../policies/schema.ts';
import { acknowledgements, assignments, complianceEpochs } from '../schema.ts';
import { isCurrentAssignment, isCurrentPerson } from '../service.ts';
import type { ComplianceQuery, ListStatus, SortKey } from './validation.ts';

export const TREND_WEEKS = 12;
export const PAGE_SIZE = 50;
export const TOP_MANAGERS = 20;

export type ComplianceFilter = {
  policyId?: string;
  schoolId?: string;
  role?: string;
  kind?: string;
  managerId?: string;
  /** 'all', or the only schools whose people count (a school leader sees their own schools' people). */
  visibleSchoolIds: 'all' | string[];
};

export type Counts = { people: number; assigned: number; signed: number; outstanding: number; overdue: number; percentSigned: number | null };
export type BreakdownRow = Counts & { key: string | null; label: string };
export type ComplianceSummary = {
  totals: Counts;
  bySchool: BreakdownRow[];
  byRole: BreakdownRow[];
  byKind: BreakdownRow[];
  byManager: BreakdownRow[];
  /** % signed at the end of each of the last TREND_WEEKS weeks, oldest first; the last week ends today. */
  trend: TrendPoint[];
};
export type TrendPoint = { weekEnd: string; assigned: number; signed: number; percentSigned: number | null };

/** A share as a percentage to one decimal place; null when there is nothing to share. */
export const percent = (part: number, whole: number) => (whole === 0 ? null : Math.round((part / whole) * 1000) / 10);

const counts = (r: { people: number; assigned: number; signed: number; overdue: number }): Counts => ({
  people: r.people,
  assigned: r.assigned,
  signed: r.signed,
  outstanding: r.assigned - r.signed,
  overdue: r.overdue,
  percentSigned: percent(r.signed, r.assigned),
});

const EMPTY: Counts = counts({ people: 0, assigned: 0, signed: 0, overdue: 0 });

// ---------------------------------------------------------------------------------------------
// The shared WHERE clauses

/** The person (by id column) is at one of the schools. */
function atSchools(personId: SQLWrapper, trustId: SQLWrapper, schoolIds: string[]): SQL {
  if (schoolIds.length === 0) return sql`false`;
  return sql`exists (select 1 from ${personSchools} ps where ps.trust_id = ${trustId} and ps.person_id = ${personId} and ps.school_id in ${schoolIds})`;
}

/** The assignments that count, by what is on the assignment: current, on a version in force, of the filtered policy. */
function assignmentConditions(trustId: string, f: ComplianceFilter): SQL[] {
  return [
    eq(assignments.trustId, trustId),
    isCurrentAssignment,
    sql`${assignments.versionId} in (select v.id from ${policyVersions} v where v.trust_id = ${trustId} and v.status = 'published')`,
    ...(f.policyId ? [eq(assignments.policyId, f.policyId)] : []),
  ];
}

/** The people who count: current, seen by the viewer, and matching the filter's school, role, kind and line manager. */
function personConditions(f: ComplianceFilter, today: string): SQL[] {
  const c: SQL[] = [isCurrentPerson(today)];
  if (f.kind) c.push(eq(people.kind, f.kind));
  if (f.managerId) c.push(eq(people.lineManagerId, f.managerId));
  if (f.schoolId) c.push(atSchools(people.id, people.trustId, [f.schoolId]));
  if (f.visibleSchoolIds !== 'all') c.push(atSchools(people.id, people.trustId, f.visibleSchoolIds));
  if (f.role)
    c.push(
      sql`exists (select 1 from ${roleAssignments} ra where ra.trust_id = ${people.trustId} and ra.person_id = ${people.id} and ra.revoked_at is null and ra.role = ${f.role})`,
    );
  return c;
}

/** Whether the filter narrows by anything about the person beyond "has not left". */
const narrowsPeople = (f: ComplianceFilter) => !!(f.kind || f.managerId || f.schoolId || f.role || f.visibleSchoolIds !== 'all');

// ---------------------------------------------------------------------------------------------
// The numbers: headline and breakdowns

type SummaryDbRow = {
  dim: 'total' | 'school' | 'role' | 'kind' | 'manager';
  key: string | null;
  label: string | null;
  people: number;
  assigned: number;
  signed: number;
  overdue: number;
};

/**
 * The people who count, as a subquery on `people`, when the filter narrows them (by school, role,
 * kind, line manager or the viewer's schools). Then only their assignments are read, and for a few
 * people the planner can use the (trust_id, person_id) index instead of reading them all.
 */
const narrowedPeople = (trustId: string, filter: ComplianceFilter, today: string) =>
  sql`${assignments.personId} in (select ${people.id} from ${people} where ${people.trustId} = ${trustId} and ${and(...personConditions(filter, today))})`;

/**
 * Headline numbers and the breakdowns by school, role, kind of person and line manager, for the
 * filter. ONE query and one pass over the assignments:
 *   1. `pa`: the assignments that count, grouped by person (how many, signed, overdue). Only what
 *      is on the assignment is checked per row, so nothing is joined to each assignment.
 *   2. `pp`: those per-person counts for the people who count (current, seen, matching the
 *      filter), joined to the person once each.
 *   3. Every breakdown is a GROUP BY over `pp`, a few thousand rows, so joining schools and roles
 *      never multiplies the assignments.
 */
export async function complianceSummary(db: Db, trustId: string, filter: ComplianceFilter, today: string): Promise<ComplianceSummary> {
  const narrowed = narrowsPeople(filter) ? [narrowedPeople(trustId, filter, today)] : [];
  // The school rows are limited to the schools the viewer sees, and to the one filtered on.
  const schoolJoin: SQL[] = [sql`ps.trust_id = ${trustId}`, sql`ps.person_id = pp.person_id`];
  if (filter.visibleSchoolIds !== 'all') schoolJoin.push(filter.visibleSchoolIds.length ? sql`ps.school_id in ${filter.visibleSchoolIds}` : sql`false`);
  if (filter.schoolId) schoolJoin.push(sql`ps.school_id = ${filter.schoolId}`);
  const sums = sql`count(*)::int as people, sum(pp.assigned)::int as assigned, sum(pp.signed)::int as signed, sum(pp.overdue)::int as overdue`;
  const [result, trend] = await Promise.all([
    rows<SummaryDbRow>(
      db,
      sql`with pa as (
        select ${assignments.personId} as person_id, count(*) as assigned, count(${assignments.acknowledgementId}) as signed,
               count(*) filter (where ${assignments.acknowledgementId} is null and ${assignments.dueOn} < ${today}) as overdue
        from ${assignments}
        where ${and(...assignmentConditions(trustId, filter), ...narrowed)}
        group by 1
      ),
      pp as (
        select pa.*, ${people.kind} as kind, ${people.lineManagerId} as manager_id
        from pa join ${people} on ${people.trustId} = ${trustId} and ${people.id} = pa.person_id
        where ${and(...personConditions(filter, today))}
      )
      select 'total' as dim, null::text as key, null::text as label, ${sums} from pp
      union all
      select 'school', ps.school_id::text, min(s.name), ${sums}
        from pp left join ${personSchools} ps on ${and(...schoolJoin)}
        left join ${schools} s on s.trust_id = ps.trust_id and s.id = ps.school_id
        group by ps.school_id
      union all
      select 'kind', pp.kind, null, ${sums} from pp group by pp.kind
      union all
      select 'role', r.role, null, ${sums}
        from pp left join (select distinct person_id, role from ${roleAssignments} where trust_id = ${trustId} and revoked_at is null) r on r.person_id = pp.person_id
        group by r.role
      union all
      (select 'manager', pp.manager_id::text, min(m.full_name), ${sums}
        from pp join ${people} m on m.trust_id = ${trustId} and m.id = pp.manager_id
        group by pp.manager_id
        order by sum(pp.assigned) - sum(pp.signed) desc, min(m.full_name) asc
        limit ${TOP_MANAGERS})`,
    ),
    complianceTrend(db, trustId, filter, today),
  ]);
  const of = (dim: SummaryDbRow['dim']) => result.filter((r) => r.dim === dim);
  const row = (r: SummaryDbRow, label: string): BreakdownRow => ({ key: r.key, label, ...counts(r) });
  const total = of('total')[0];
  const byName = (a: BreakdownRow, b: BreakdownRow) => a.label.localeCompare(b.label, 'en-GB');
  const lastNull = (a: BreakdownRow, b: BreakdownRow) => (a.key === null ? 1 : b.key === null ? -1 : byName(a, b));
  return {
    totals: total && total.people > 0 ? counts(total) : EMPTY,
    bySchool: of('school')
      .map((r) => row(r, r.key ? (r.label ?? '') : 'Central team (no school)'))
      .sort(lastNull),
    byRole: of('role')
      .map((r) => row(r, r.key ?? 'No role'))
      .sort(lastNull),
    byKind: of('kind')
      .map((r) => row(r, r.key ?? ''))
      .sort(byName),
    byManager: of('manager')
      .map((r) => row(r, r.label ?? ''))
      .sort((a, b) => b.outstanding - a.outstanding || byName(a, b)),
    trend,
  };
}

// ---------------------------------------------------------------------------------------------
// The trend

/**
 * The share signed at the end of each of the last TREND_WEEKS weeks (oldest first; the last week
 * ends today), for the filtered set: ONE query and one pass. width_bucket puts each assignment in
 * the week it was assigned (0: before the first week ended) and the week it was signed (the later
 * of its assignment and its signature: a signature carried from the version before counts from
 * when this assignment exists); grouped by those two, a few dozen rows, and running totals over
 * generate_series give each week's numbers. No weeks × assignments cross join.
 */
export async function complianceTrend(db: Db, trustId: string, filter: ComplianceFilter, today: string): Promise<TrendPoint[]> {
  const weeks = TREND_WEEKS;
  const result = await rows<{ weekEnd: string; assigned: number; signed: number }>(
    db,
    sql`with ends as (
      select array_agg(((d::date + 1)::timestamp at time zone 'Europe/London') order by d) as at,
             array_agg(d::date::text order by d) as days
      from generate_series(${today}::date - ${(weeks - 1) * 7}::int, ${today}::date, interval '7 days') as d
    ),
    hist as (
      select width_bucket(${assignments.assignedAt}, ends.at) as assigned_week,
             case when ${assignments.acknowledgementId} is not null
                  then width_bucket(greatest(${assignments.assignedAt}, ${assignments.signedAt}), ends.at) end as signed_week,
             count(*) as n
      from ${assignments} cross join ends
      where ${and(...assignmentConditions(trustId, filter), narrowedPeople(trustId, filter, today))}
      group by 1, 2
    )
    select (select ends.days[w + 1] from ends) as "weekEnd",
           coalesce(sum(hist.n) filter (where hist.assigned_week <= w), 0)::int as assigned,
           coalesce(sum(hist.n) filter (where hist.signed_week <= w), 0)::int as signed
    from generate_series(0, ${weeks - 1}) as w left join hist on true
    group by w
    order by w`,
  );
  return result.map((r) => ({ weekEnd: r.weekEnd, assigned: r.assigned, signed: r.signed, percentSigned: percent(r.signed, r.assigned) }));
}

// ---------------------------------------------------------------------------------------------
// The list: who has not signed (or who has)

export type ListOptions = { status: ListStatus; sort: SortKey; dir: 'asc' | 'desc'; limit: number; offset: number };

/** What GET /compliance lists with no filters: the first page of who has not signed, soonest due first. */
export const DEFAULT_LIST: ListOptions = { status: 'outstanding', sort: 'due', dir: 'asc', limit: PAGE_SIZE, offset: 0 };

export type ListRow = {
  assignmentId: string;
  personId: string;
  name: string;
  email: string;
  position: string | null;
  kind: string;
  policyId: string;
  policyTitle: string;
  versionLabel: string;
  assignedAt: Date;
  dueOn: string;
  signedAt: Date | null;
  acknowledgementId: string | null;
  managerId: string | null;
  managerName: string | null;
  schools: { id: string; name: string }[];
};

const manager = alias(people, 'manager');

/** One page of the list, sorted on the server. The schools of the people on the page come from a second, small query. */
export async function complianceList(db: Db, trustId: string, filter: ComplianceFilter, today: string, o: ListOptions): Promise<ListRow[]> {
  const status =
    o.status === 'signed'
      ? isNotNull(assignments.acknowledgementId)
      : o.status === 'overdue'
        ? and(isNull(assignments.acknowledgementId), lt(assignments.dueOn, today))
        : isNull(assignments.acknowledgementId);
  // Sorting by school sorts by the first of a person's (visible) schools, by name.
  const firstSchool = db
    .select({ personId: personSchools.personId, name: sql<string>`min(${schools.name})`.as('first_school_name') })
    .from(personSchools)
    .innerJoin(schools, and(eq(schools.trustId, personSchools.trustId), eq(schools.id, personSchools.schoolId)))
    .where(
      and(
        eq(personSchools.trustId, trustId),
        filter.visibleSchoolIds === 'all' ? undefined : filter.visibleSchoolIds.length ? inArray(personSchools.schoolId, filter.visibleSchoolIds) : sql`false`,
      ),
    )
    .groupBy(personSchools.personId)
    .as('first_school');
  const direction = (column: SQLWrapper) => (o.dir === 'desc' ? sql`${column} desc nulls last` : sql`${column} asc nulls last`);
  const primary: Record<SortKey, SQL[]> = {
    name: [direction(people.fullName)],
    school: [direction(sql`${firstSchool.name}`)],
    policy: [direction(policies.title), direction(policyVersions.label)],
    due: [direction(assignments.dueOn)],
    manager: [direction(manager.fullName)],
    signed: [direction(assignments.signedAt)],
  };
  let query = db
    .select({
      assignmentId: assignments.id,
      personId: people.id,
      name: people.fullName,
      email: people.email,
      position: people.position,
      kind: people.kind,
      policyId: policies.id,
      policyTitle: policies.title,
      versionLabel: policyVersions.label,
      assignedAt: assignments.assignedAt,
      dueOn: assignments.dueOn,
      signedAt: assignments.signedAt,
      acknowledgementId: assignments.acknowledgementId,
      managerId: manager.id,
      managerName: manager.fullName,
    })
    .from(assignments)
    .innerJoin(
      policyVersions,
      and(eq(policyVersions.trustId, assignments.trustId), eq(policyVersions.id, assignments.versionId), eq(policyVersions.status, 'published')),
    )
    .innerJoin(people, and(eq(people.trustId, assignments.trustId), eq(people.id, assignments.personId)))
    .innerJoin(policies, and(eq(policies.trustId, assignments.trustId), eq(policies.id, assignments.policyId)))
    .leftJoin(manager, and(eq(manager.trustId, people.trustId), eq(manager.id, people.lineManagerId)))
    .$dynamic();
  if (o.sort === 'school') query = query.leftJoin(firstSchool, eq(firstSchool.personId, people.id));
  const page = await query
    .where(and(...assignmentConditions(trustId, filter), ...personConditions(filter, today), status))
    .orderBy(...primary[o.sort], asc(people.fullName), asc(policies.title), asc(assignments.id))
    .limit(o.limit)
    .offset(o.offset);
  const schoolsOf = await schoolsByPerson(db, trustId, [...new Set(page.map((r) => r.personId))]);
  return page.map((r) => ({ ...r, schools: schoolsOf.get(r.personId) ?? [] }));
}

async function schoolsByPerson(db: Db, trustId: string, personIds: string[]) {
  const map = new Map<string, { id: string; name: string }[]>();
  if (personIds.length === 0) return map;
  const found = await db
    .select({ personId: personSchools.personId, id: schools.id, name: schools.name })
    .from(personSchools)
    .innerJoin(schools, and(eq(schools.trustId, personSchools.trustId), eq(schools.id, personSchools.schoolId)))
    .where(and(eq(personSchools.trustId, trustId), inArray(personSchools.personId, personIds)))
    .orderBy(asc(schools.name));
  for (const r of found) map.set(r.personId, [...(map.get(r.personId) ?? []), { id: r.id, name: r.name }]);
  return map;
}

// ---------------------------------------------------------------------------------------------
// The filters' choices

export type ComplianceOptions = {
  schools: { id: string; name: string }[];
  policies: { id: string; title: string; versionLabel: string }[];
  managers: { id: string; name: string }[];
};

/** The schools the viewer sees, the policies with a version in force, and the line managers of the people they see. */
export async function complianceOptions(db: Db, trustId: string, visibleSchoolIds: 'all' | string[], today: string): Promise<ComplianceOptions> {
  const report = alias(people, 'report');
  const [schoolRows, policyRows, managerRows] = await Promise.all([
    db
      .select({ id: schools.id, name: schools.name })
      .from(schools)
      .where(
        and(
          eq(schools.trustId, trustId),
          visibleSchoolIds === 'all' ? undefined : visibleSchoolIds.length ? inArray(schools.id, visibleSchoolIds) : sql`false`,
        ),
      )
      .orderBy(asc(schools.name)),
    db
      .select({ id: policies.id, title: policies.title, versionLabel: policyVersions.label, schoolId: policies.schoolId })
      .from(policies)
      .innerJoin(
        policyVersions,
        and(eq(policyVersions.trustId, policies.trustId), eq(policyVersions.policyId, policies.id), eq(policyVersions.status, 'published')),
      )
      .where(eq(policies.trustId, trustId))
      .orderBy(asc(policies.title)),
    db
      .selectDistinct({ id: people.id, name: people.fullName })
      .from(report)
      .innerJoin(people, and(eq(people.trustId, report.trustId), eq(people.id, report.lineManagerId)))
      .where(
        and(
          eq(report.trustId, trustId),
          sql`(${report.endDate} is null or ${report.endDate} >= ${today})`,
          visibleSchoolIds === 'all' ? undefined : atSchools(report.id, report.trustId, visibleSchoolIds),
        ),
      )
      .orderBy(asc(people.fullName), asc(people.id)),
  ]);
  return {
    schools: schoolRows,
    // A school's own policy is listed only to those who see that school.
    policies: policyRows
      .filter((p) => visibleSchoolIds === 'all' || p.schoolId === null || visibleSchoolIds.includes(p.schoolId))
      .map(({ schoolId: _, ...p }) => p),
    managers: managerRows,
  };
}

// ---------------------------------------------------------------------------------------------
// The page

/**
 * Exactly the SQL the dashboard page runs, for a filter already resolved: "the underlying SQL"
 * the benchmark measures alone. The list's total is the summary's count for the list's status.
 */
export async function complianceQueries(db: Db, trustId: string, filter: ComplianceFilter, today: string, list: ListOptions) {
  const [summary, rowsOnPage, options] = await Promise.all([
    complianceSummary(db, trustId, filter, today),
    complianceList(db, trustId, filter, today, list),
    complianceOptions(db, trustId, filter.visibleSchoolIds, today),
  ]);
  return { summary, rows: rowsOnPage, options };
}

export const listTotal = (summary: ComplianceSummary, status: ListStatus) =>
  status === 'signed' ? summary.totals.signed : status === 'overdue' ? summary.totals.overdue : summary.totals.outstanding;

/** Checks the viewer may see compliance and turns the URL's filters into a filter on what they may see. */
export function resolveFilter(ctx: Ctx, query: Pick<ComplianceQuery, 'policy' | 'school' | 'role' | 'kind' | 'manager'>): ComplianceFilter {
  authorize(ctx.actor, 'compliance.view', { trustId: ctx.actor.trustId });
  const visibleSchoolIds = schoolsFor(ctx.actor, 'compliance.view');
  // A school the viewer does not see is ignored, as any other value that makes no sense in the URL.
  const schoolId = query.school && (visibleSchoolIds === 'all' || visibleSchoolIds.includes(query.school)) ? query.school : undefined;
  return { policyId: query.policy, schoolId, role: query.role, kind: query.kind, managerId: query.manager, visibleSchoolIds };
}

// ---------------------------------------------------------------------------------------------
// The answers kept in memory

/**
 * Dashboard answers kept in memory, keyed by everything that decides them: the trust, the
 * resolved filter (which includes the schools the viewer may see), the day (overdue and leavers
 * depend on it) and the page of the list, and tagged with the trust's compliance epoch at the
 * time. Triggers move the epoch on with every change to what is counted (migration 0009), so an
 * answer is used only while nothing it depends on has changed, on this instance or any other. The
 * epoch is read before the queries run: a change committed meanwhile makes the answer newer than
 * its tag, never older, and the next view recomputes it.
 */
const CACHE_ENTRIES = 500;
const answers = new Map<string, { epoch: number; value: Awaited<ReturnType<typeof complianceQueries>> }>();
export const complianceCacheStats = { hits: 0, misses: 0 };

async function complianceEpoch(db: Db, trustId: string): Promise<number> {
  const [row] = await db.select({ n: complianceEpochs.n }).from(complianceEpochs).where(eq(complianceEpochs.trustId, trustId));
  return row?.n ?? 0;
}

/** complianceQueries, answered from memory when nothing it counts has changed since. */
export async function cachedComplianceQueries(db: Db, trustId: string, filter: ComplianceFilter, today: string, list: ListOptions) {
  const key = JSON.stringify([trustId, filter, today, list]);
  const epoch = await complianceEpoch(db, trustId);
  const kept = answers.get(key);
  if (kept && kept.epoch === epoch) {
    complianceCacheStats.hits++;
    // Most recently used last, so the oldest is dropped first.
    answers.delete(key);
    answers.set(key, kept);
    return kept.value;
  }
  complianceCacheStats.misses++;
  const value = await complianceQueries(db, trustId, filter, today, list);
  answers.delete(key);
  answers.set(key, { epoch, value });
  if (answers.size > CACHE_ENTRIES) answers.delete(answers.keys().next().value as string);
  return value;
}

/** What /compliance shows: the numbers, the trend, one page of the list and the filters' choices. */
export async function complianceDashboard(ctx: Ctx, query: ComplianceQuery, today = londonToday()) {
  const filter = resolveFilter(ctx, query);
  const sort: SortKey = query.sort === 'signed' && query.status !== 'signed' ? 'due' : query.sort;
  const list: ListOptions = { status: query.status, sort, dir: query.dir, limit: PAGE_SIZE, offset: (query.page - 1) * PAGE_SIZE };
  const result = await cachedComplianceQueries(ctx.db, ctx.actor.trustId, filter, today, list);
  return {
    ...result,
    query: { ...query, school: filter.schoolId, sort },
    total: listTotal(result.summary, query.status),
    pageSize: PAGE_SIZE,
    rows: result.rows.map((r) => ({ ...r, canRecordPaper: canRecordPaper(ctx, r) })),
  };
}
export type ComplianceDashboard = Awaited<ReturnType<typeof complianceDashboard>>;
export type DashboardRow = ComplianceDashboard['rows'][number];

const canRecordPaper = (ctx: Ctx, r: ListRow) =>
  r.acknowledgementId === null && can(ctx.actor, 'acknowledgements.recordPaper', { trustId: ctx.actor.trustId, schoolIds: r.schools.map((s) => s.id) });

/**
 * Every row of the list for the filter (the CSV export), a batch at a time so a trust's whole
 * signed list never sits in memory at once, in the page's order. The permission check happens on
 * the call, before anything is sent; the rows are read as the generator is consumed.
 */
export function complianceExportRows(ctx: Ctx, query: ComplianceQuery, today = londonToday(), batch = 5000): AsyncGenerator<ListRow[]> {
  const filter = resolveFilter(ctx, query);
  const sort: SortKey = query.sort === 'signed' && query.status !== 'signed' ? 'due' : query.sort;
  return (async function* () {
    for (let offset = 0; ; offset += batch) {
      const page = await complianceList(ctx.db, ctx.actor.trustId, filter, today, { status: query.status, sort, dir: query.dir, limit: batch, offset });
      if (page.length) yield page;
      if (page.length < batch) return;
    }
  })();
}

/** The numbers and the first `limit` rows of the list, for the PDF. */
export async function compliancePdfData(ctx: Ctx, query: ComplianceQuery, today: string, limit: number) {
  const filter = resolveFilter(ctx, query);
  const sort: SortKey = query.sort === 'signed' && query.status !== 'signed' ? 'due' : query.sort;
  const [summary, list, options] = await Promise.all([
    complianceSummary(ctx.db, ctx.actor.trustId, filter, today),
    complianceList(ctx.db, ctx.actor.trustId, filter, today, { status: query.status, sort, dir: query.dir, limit, offset: 0 }),
    complianceOptions(ctx.db, ctx.actor.trustId, filter.visibleSchoolIds, today),
  ]);
  return { summary, rows: list, options, total: listTotal(summary, query.status), query: { ...query, school: filter.schoolId, sort } };
}

// ---------------------------------------------------------------------------------------------
// A line manager's team

export type TeamAgreement = {
  assignmentId: string;
  policyTitle: string;
  versionLabel: string;
  dueOn: string;
  signedAt: Date | null;
  acknowledgementId: string | null;
};
export type TeamMember = { id: string; name: string; position: string | null; agreements: TeamAgreement[] };

/**
 * The agreements of the signed-in person's direct reports (people whose line manager they are,
 * who have not left): nobody else's. Anyone signed in may ask; someone with no reports gets an
 * empty list.
 */
/** Whether anyone who has not left has the signed-in person as their line manager. */
export async function hasDirectReports(ctx: Ctx, today = londonToday()): Promise<boolean> {
  if (ctx.actor.type !== 'person') return false;
  const [found] = await ctx.db
    .select({ id: people.id })
    .from(people)
    .where(and(eq(people.trustId, ctx.actor.trustId), eq(people.lineManagerId, ctx.actor.personId), isCurrentPerson(today)))
    .limit(1);
  return !!found;
}

/**
 * The current agreements of some people (the version in force of each policy they must sign, as
 * the compliance pages count them), with whether and when each was signed, by policy title.
 */
export async function currentAgreements(db: Db, trustId: string, personIds: string[]) {
  if (personIds.length === 0) return [];
  return db
    .select({
      personId: assignments.personId,
      assignmentId: assignments.id,
      policyTitle: policies.title,
      versionLabel: policyVersions.label,
      dueOn: assignments.dueOn,
      signedAt: assignments.signedAt,
      acknowledgementId: assignments.acknowledgementId,
    })
    .from(assignments)
    .innerJoin(
      policyVersions,
      and(eq(policyVersions.trustId, assignments.trustId), eq(policyVersions.id, assignments.versionId), eq(policyVersions.status, 'published')),
    )
    .innerJoin(policies, and(eq(policies.trustId, assignments.trustId), eq(policies.id, assignments.policyId)))
    .where(and(eq(assignments.trustId, trustId), inArray(assignments.personId, personIds), isCurrentAssignment))
    .orderBy(asc(policies.title));
}

export async function teamAgreements(ctx: Ctx, today = londonToday()): Promise<TeamMember[]> {
  if (ctx.actor.type !== 'person') throw new ForbiddenError('Only a person can have a team');
  const { trustId, personId } = ctx.actor;
  const reports = await ctx.db
    .select({ id: people.id, name: people.fullName, position: people.position })
    .from(people)
    .where(and(eq(people.trustId, trustId), eq(people.lineManagerId, personId), isCurrentPerson(today)))
    .orderBy(asc(people.fullName), asc(people.id));
  if (reports.length === 0) return [];
  const agreements = await currentAgreements(
    ctx.db,
    trustId,
    reports.map((r) => r.id),
  );
  return reports.map((r) => ({ ...r, agreements: agreements.filter((a) => a.personId === r.id).map(({ personId: _, ...a }) => a) }));
}

// ---------------------------------------------------------------------------------------------
// The API

export type VersionCounts = {
  policy: { id: string; title: string };
  version: { id: string; label: string };
  counts: Counts;
  schools: { school: { id: string; name: string }; counts: Counts }[];
};

/**
 * GET /api/v1/compliance: for each policy's version in force, the counts, and the same by school
 * (schools with at least one assignment counted). One query for the counts.
 */
export async function complianceByVersion(ctx: Ctx, today = londonToday()): Promise<VersionCounts[]> {
  const filter = resolveFilter(ctx, {});
  const trustId = ctx.actor.trustId;
  const schoolVisible =
    filter.visibleSchoolIds === 'all' ? sql`true` : filter.visibleSchoolIds.length ? sql`ps.school_id in ${filter.visibleSchoolIds}` : sql`false`;
  const sums = sql`count(distinct a.person_id)::int as people, count(*)::int as assigned, (count(*) filter (where a.signed))::int as signed, (count(*) filter (where a.overdue))::int as overdue`;
  const [versions, allSchools, result] = await Promise.all([
    ctx.db
      .select({ policyId: policies.id, title: policies.title, versionId: policyVersions.id, label: policyVersions.label, schoolId: policies.schoolId })
      .from(policies)
      .innerJoin(
        policyVersions,
        and(eq(policyVersions.trustId, policies.trustId), eq(policyVersions.policyId, policies.id), eq(policyVersions.status, 'published')),
      )
      .where(eq(policies.trustId, trustId))
      .orderBy(asc(policies.title), asc(policies.id)),
    ctx.db.select({ id: schools.id, name: schools.name }).from(schools).where(eq(schools.trustId, trustId)).orderBy(asc(schools.name)),
    rows<{ versionId: string; schoolId: string | null; people: number; assigned: number; signed: number; overdue: number }>(
      ctx.db,
      sql`with a as (
        select ${assignments.versionId} as version_id, ${assignments.personId} as person_id,
               ${assignments.acknowledgementId} is not null as signed,
               ${assignments.acknowledgementId} is null and ${assignments.dueOn} < ${today} as overdue
        from ${assignments} join ${people} on ${people.trustId} = ${assignments.trustId} and ${people.id} = ${assignments.personId}
        where ${and(...assignmentConditions(trustId, filter), ...personConditions(filter, today))}
      )
      select a.version_id::text as "versionId", null::text as "schoolId", ${sums} from a group by a.version_id
      union all
      select a.version_id::text, ps.school_id::text, ${sums}
        from a join ${personSchools} ps on ps.trust_id = ${trustId} and ps.person_id = a.person_id and ${schoolVisible}
        group by a.version_id, ps.school_id`,
    ),
  ]);
  const names = new Map(allSchools.map((s, i) => [s.id, { name: s.name, order: i }]));
  return versions
    .filter((v) => filter.visibleSchoolIds === 'all' || v.schoolId === null || filter.visibleSchoolIds.includes(v.schoolId))
    .map((v) => {
      const mine = result.filter((r) => r.versionId === v.versionId);
      const total = mine.find((r) => r.schoolId === null);
      return {
        policy: { id: v.policyId, title: v.title },
        version: { id: v.versionId, label: v.label },
        counts: total ? counts(total) : EMPTY,
        schools: mine
          .filter((r) => r.schoolId !== null && names.has(r.schoolId))
          .sort((a, b) => (names.get(a.schoolId as string)?.order ?? 0) - (names.get(b.schoolId as string)?.order ?? 0))
          .map((r) => ({ school: { id: r.schoolId as string, name: names.get(r.schoolId as string)?.name ?? '' }, counts: counts(r) })),
      };
    });
}

export type AcknowledgementQuery = { policyId?: string; schoolId?: string; personId?: string; since?: Date; afterSeq?: number; limit: number };

/**
 * GET /api/v1/acknowledgements: the signature records in the order they were written (seq), a
 * page at a time. `afterSeq` is the last record of the previous page. Records are evidence: those
 * of people who have since left, and of versions since replaced, are all included.
 */
export async function pageAcknowledgements(ctx: Ctx, q: AcknowledgementQuery) {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'acknowledgements.view', { trustId });
  const visible = schoolsFor(ctx.actor, 'acknowledgements.view');
  const found = await ctx.db
    .select()
    .from(acknowledgements)
    .where(
      and(
        eq(acknowledgements.trustId, trustId),
        q.afterSeq === undefined ? undefined : gt(acknowledgements.seq, q.afterSeq),
        q.policyId ? eq(acknowledgements.policyId, q.policyId) : undefined,
        q.personId ? eq(acknowledgements.personId, q.personId) : undefined,
        q.since ? gte(acknowledgements.signedAt, q.since) : undefined,
        q.schoolId ? atSchools(sql`${acknowledgements.personId}`, sql`${acknowledgements.trustId}`, [q.schoolId]) : undefined,
        visible === 'all' ? undefined : atSchools(sql`${acknowledgements.personId}`, sql`${acknowledgements.trustId}`, visible),
      ),
    )
    .orderBy(asc(acknowledgements.seq))
    .limit(q.limit + 1);
  const items = found.slice(0, q.limit);
  return { items, nextSeq: found.length > q.limit ? (items.at(-1)?.seq ?? null) : null };
}
