import { and, asc, count, desc, eq, gte, isNull, lt, ne, or, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordEvent } from '../../../audit/audit.ts';
import type { Ctx } from '../../../context.ts';
import { londonDateTime } from '../../../ui/format.ts';
import { parseCalendarDate } from '../../../validation.ts';
import { addDays } from '../../acknowledgements/service.ts';
import type { Actor } from '../../auth/actor.ts';
import { authorize } from '../../auth/authorize.ts';
import { concerns } from '../../concerns/schema.ts';
import { people, schools } from '../../organisations/schema.ts';
import { CATEGORIES, categoryLabel } from '../events.ts';
import { ALERT_SEVERITY_CODES, type AlertSeverity, alerts, monitoringRules } from '../schema.ts';
import { mayReceiveAlerts, visibleAlertsWhere } from './audience.ts';

/*
 * The alerts list (/monitoring/alerts) and its CSV: only the alerts the reader may open
 * (visibleAlertsWhere), with filters, sort and page in the query string.
 */

export const PAGE_SIZE = 50;
/** The export's ceiling: far beyond a trust's alerts in a year. */
export const EXPORT_LIMIT = 20_000;

/**
 * The list pages and counts: the roles of `monitoring.alerts`, and anyone an alert can go to
 * (the trust's HR lead receives staff alerts when the trust sends those to head teachers).
 */
export function authorizeAlertLists(actor: Actor) {
  if (actor.type === 'person' && mayReceiveAlerts(actor)) return;
  authorize(actor, 'monitoring.alerts', { trustId: actor.trustId });
}

export const STATUS_FILTERS = {
  active: 'Open or acknowledged (not closed)',
  open: 'Open',
  acknowledged: 'Acknowledged',
  closed: 'Closed',
  all: 'Any status',
} as const;
export type StatusFilter = keyof typeof STATUS_FILTERS;

export const SORT_KEYS = ['raised', 'last', 'reference', 'severity', 'category', 'school', 'events', 'status'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

const calendarDate = z
  .string()
  .refine((v) => parseCalendarDate(v) !== null)
  .transform((v) => parseCalendarDate(v) as string)
  .optional()
  .catch(undefined);

/**
 * The list's filters from the query string. As on every list, a value that makes no sense falls
 * back to the default rather than an error, so a shared or bookmarked link always opens.
 */
export const alertListQuery = z.object({
  status: z.enum(Object.keys(STATUS_FILTERS) as [StatusFilter, ...StatusFilter[]]).catch('active'),
  severity: z
    .enum(ALERT_SEVERITY_CODES as [AlertSeverity, ...AlertSeverity[]])
    .optional()
    .catch(undefined),
  category: z
    .string()
    .regex(/^[a-z0-9_]{1,60}$/)
    .optional()
    .catch(undefined),
  /** A school's id, or "trust" for alerts with no school. */
  school: z
    .union([z.uuid(), z.literal('trust')])
    .optional()
    .catch(undefined),
  /** Part of a name, email address, username or computer address. */
  q: z
    .string()
    .trim()
    .max(200)
    .transform((v) => v || undefined)
    .optional()
    .catch(undefined),
  /** One subject exactly (the dashboard's "people with repeated alerts"). */
  subject: z.string().trim().min(1).max(300).optional().catch(undefined),
  from: calendarDate,
  to: calendarDate,
  sort: z.enum(SORT_KEYS).catch('raised'),
  dir: z.enum(['asc', 'desc']).catch('desc'),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
export type AlertListQuery = z.output<typeof alertListQuery>;

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function listWhere(actor: Actor, q: AlertListQuery): SQL {
  const conditions: SQL[] = [visibleAlertsWhere(actor)];
  if (q.status === 'active') conditions.push(ne(alerts.status, 'closed'));
  else if (q.status !== 'all') conditions.push(eq(alerts.status, q.status));
  if (q.severity) conditions.push(eq(alerts.severity, q.severity));
  if (q.category) conditions.push(eq(alerts.category, q.category));
  if (q.school === 'trust') conditions.push(isNull(alerts.schoolId));
  else if (q.school) conditions.push(eq(alerts.schoolId, q.school));
  if (q.subject) conditions.push(eq(alerts.subjectKey, q.subject));
  if (q.q) {
    const pattern = `%${likeEscape(q.q)}%`;
    conditions.push(
      or(
        sql`${alerts.username} ilike ${pattern}`,
        sql`${alerts.ip} ilike ${pattern}`,
        sql`${people.fullName} ilike ${pattern}`,
        sql`${people.email} ilike ${pattern}`,
      ) as SQL,
    );
  }
  // Alerts whose events fall in the period, at least in part (London days, both ends included).
  if (q.from) conditions.push(gte(alerts.lastEventAt, londonDateTime(q.from, '00:00')));
  if (q.to) conditions.push(lt(alerts.firstEventAt, londonDateTime(addDays(q.to, 1), '00:00')));
  return and(...conditions) as SQL;
}

const SEVERITY_ORDER = sql`case ${alerts.severity} when 'high' then 3 when 'medium' then 2 else 1 end`;
const STATUS_ORDER = sql`case ${alerts.status} when 'open' then 1 when 'acknowledged' then 2 else 3 end`;

function listOrder(q: AlertListQuery): SQL[] {
  const column: Record<SortKey, SQL> = {
    raised: sql`${alerts.firstEventAt}`,
    last: sql`${alerts.lastEventAt}`,
    reference: sql`${alerts.reference}`,
    severity: SEVERITY_ORDER,
    category: sql`${alerts.category}`,
    school: sql`${schools.name}`,
    events: sql`${alerts.eventCount}`,
    status: STATUS_ORDER,
  };
  const dir = q.dir === 'asc' ? sql`asc nulls last` : sql`desc nulls last`;
  return [sql`${column[q.sort]} ${dir}`, desc(alerts.firstEventAt), desc(alerts.reference)];
}

function listRows(actor: Actor, db: Ctx['db'], q: AlertListQuery) {
  return db
    .select({
      id: alerts.id,
      reference: alerts.reference,
      severity: alerts.severity,
      category: alerts.category,
      status: alerts.status,
      outcome: alerts.outcome,
      enhanced: alerts.enhanced,
      firstEventAt: alerts.firstEventAt,
      lastEventAt: alerts.lastEventAt,
      createdAt: alerts.createdAt,
      eventCount: alerts.eventCount,
      username: alerts.username,
      ip: alerts.ip,
      personName: people.fullName,
      schoolName: schools.name,
      ruleName: sql<string>`coalesce(${monitoringRules.name}, ${alerts.ruleName})`,
      concernReference: concerns.reference,
    })
    .from(alerts)
    .leftJoin(people, and(eq(people.trustId, alerts.trustId), eq(people.id, alerts.personId)))
    .leftJoin(schools, and(eq(schools.trustId, alerts.trustId), eq(schools.id, alerts.schoolId)))
    .leftJoin(monitoringRules, and(eq(monitoringRules.trustId, alerts.trustId), eq(monitoringRules.id, alerts.ruleId)))
    .leftJoin(concerns, and(eq(concerns.trustId, alerts.trustId), eq(concerns.id, alerts.concernId)))
    .where(listWhere(actor, q))
    .orderBy(...listOrder(q))
    .$dynamic();
}
export type AlertListRow = Awaited<ReturnType<typeof listRows>>[number];

/** The categories offered in the filter: the known ones and any other the reader's alerts have. */
async function categoryOptions(ctx: Ctx) {
  const seen = await ctx.db.selectDistinct({ category: alerts.category }).from(alerts).where(visibleAlertsWhere(ctx.actor));
  const codes = new Set<string>([...Object.keys(CATEGORIES), ...seen.map((s) => s.category)]);
  return [...codes].map((value) => ({ value, label: categoryLabel(value) })).sort((a, b) => a.label.localeCompare(b.label, 'en-GB'));
}

/** One page of the alerts the reader may open, newest first unless sorted otherwise. */
export async function listAlerts(ctx: Ctx, q: AlertListQuery) {
  authorizeAlertLists(ctx.actor);
  const [[total], rows, schoolRows, categories] = await Promise.all([
    ctx.db
      .select({ n: count() })
      .from(alerts)
      .leftJoin(people, and(eq(people.trustId, alerts.trustId), eq(people.id, alerts.personId)))
      .where(listWhere(ctx.actor, q)),
    listRows(ctx.actor, ctx.db, q)
      .limit(PAGE_SIZE)
      .offset((q.page - 1) * PAGE_SIZE),
    ctx.db.select({ id: schools.id, name: schools.name }).from(schools).where(eq(schools.trustId, ctx.actor.trustId)).orderBy(asc(schools.name)),
    categoryOptions(ctx),
  ]);
  const schoolOptions = [...schoolRows.map((s) => ({ value: s.id, label: s.name })), { value: 'trust', label: 'No school (trust-wide)' }];
  return { rows, total: total?.n ?? 0, pageSize: PAGE_SIZE, query: q, schools: schoolOptions, categories };
}
export type AlertList = Awaited<ReturnType<typeof listAlerts>>;

/** Exactly the filtered list, for the CSV (no paging). The export is audited with its filters and count. */
export async function exportAlerts(ctx: Ctx, q: AlertListQuery) {
  authorizeAlertLists(ctx.actor);
  const rows = await listRows(ctx.actor, ctx.db, q).limit(EXPORT_LIMIT);
  await recordEvent(ctx.db, ctx, {
    action: 'alerts.exported',
    resourceType: 'alert',
    summary: `Monitoring alerts exported to CSV (${rows.length === 1 ? '1 alert' : `${rows.length.toLocaleString('en-GB')} alerts`})`,
    after: {
      count: rows.length,
      filters: {
        status: q.status,
        severity: q.severity ?? null,
        category: q.category ?? null,
        school: q.school ?? null,
        // Whether a person was searched for, not who: the audit log's readers need not know.
        person: q.q || q.subject ? 'given' : null,
        from: q.from ?? null,
        to: q.to ?? null,
      },
    },
  });
  return rows;
}
