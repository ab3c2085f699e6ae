import { and, desc, eq, gte, ne, sql } from 'drizzle-orm';
import type { Ctx } from '../../../context.ts';
import { londonDateTime, londonToday } from '../../../ui/format.ts';
import { addDays } from '../../acknowledgements/service.ts';
import type { Bar } from '../../noncompliance/chart.tsx';
import { people, schools } from '../../organisations/schema.ts';
import { categoryLabel } from '../events.ts';
import { mayChangeRules, mayReadRules } from '../rules/service.ts';
import { ALERT_SEVERITY_CODES, type AlertSeverity, alerts, monitoringRules } from '../schema.ts';
import { visibleAlertsWhere } from './audience.ts';
import { authorizeAlertLists } from './list.ts';

/*
 * The DSL dashboard (/monitoring): what is open by severity, the high alerts nobody has picked up,
 * the trend by category and week, the rules that cry wolf, and the people alerts keep coming back
 * to. Every count is over the alerts the reader may open (visibleAlertsWhere), so an alert about
 * someone the reader may not see never shows up, not even as a number.
 */

export const TREND_WEEKS = 12;
/** "Needs triage": the newest open high-severity alerts, at most this many. */
export const TRIAGE_LIMIT = 10;
export const NOISY_LIMIT = 10;
/** People with at least this many alerts in the last REPEAT_DAYS days. */
export const REPEAT_THRESHOLD = 3;
export const REPEAT_DAYS = 30;
export const REPEAT_LIMIT = 20;

const weekLong = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' });
const weekShort = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short' });
const noon = (day: string) => new Date(`${day}T12:00:00Z`);

/** The Mondays starting the last `n` weeks (London dates), oldest first, the current week last. */
export function lastWeeks(today: string, n = TREND_WEEKS): string[] {
  const dow = noon(today).getUTCDay();
  const monday = addDays(today, -((dow + 6) % 7));
  return Array.from({ length: n }, (_, i) => addDays(monday, (i - (n - 1)) * 7));
}

export const weekLabel = (monday: string) => `Week of ${weekLong.format(noon(monday))}`;
export const weekAxis = (monday: string) => weekShort.format(noon(monday));

export type TrendRow = { category: string; label: string; counts: number[]; total: number };

export async function alertDashboard(ctx: Ctx, now = new Date()) {
  authorizeAlertLists(ctx.actor);
  const visible = visibleAlertsWhere(ctx.actor);
  const today = londonToday(now);
  const weeks = lastWeeks(today);
  const trendFrom = londonDateTime(weeks[0] as string, '00:00');
  const repeatFrom = new Date(now.getTime() - REPEAT_DAYS * 86_400_000);
  const week = sql<string>`to_char(date_trunc('week', ${alerts.firstEventAt} at time zone 'Europe/London'), 'YYYY-MM-DD')`;
  const falsePositives = sql<number>`(count(*) filter (where ${alerts.outcome} = 'false_positive'))::int`;
  const decided = sql<number>`(count(*) filter (where ${alerts.outcome} is not null))::int`;

  const [bySeverity, needsTriage, trend, noisy, repeated] = await Promise.all([
    ctx.db
      .select({ severity: alerts.severity, n: sql<number>`count(*)::int` })
      .from(alerts)
      .where(and(visible, ne(alerts.status, 'closed')))
      .groupBy(alerts.severity),
    ctx.db
      .select({
        id: alerts.id,
        reference: alerts.reference,
        category: alerts.category,
        firstEventAt: alerts.firstEventAt,
        lastEventAt: alerts.lastEventAt,
        eventCount: alerts.eventCount,
        enhanced: alerts.enhanced,
        username: alerts.username,
        ip: alerts.ip,
        personName: people.fullName,
        schoolName: schools.name,
      })
      .from(alerts)
      .leftJoin(people, and(eq(people.trustId, alerts.trustId), eq(people.id, alerts.personId)))
      .leftJoin(schools, and(eq(schools.trustId, alerts.trustId), eq(schools.id, alerts.schoolId)))
      .where(and(visible, eq(alerts.status, 'open'), eq(alerts.severity, 'high')))
      .orderBy(desc(alerts.firstEventAt), desc(alerts.reference))
      .limit(TRIAGE_LIMIT),
    ctx.db
      .select({ category: alerts.category, week, n: sql<number>`count(*)::int` })
      .from(alerts)
      .where(and(visible, gte(alerts.firstEventAt, trendFrom)))
      .groupBy(alerts.category, week),
    ctx.db
      .select({
        ruleId: alerts.ruleId,
        name: sql<string>`coalesce(${monitoringRules.name}, min(${alerts.ruleName}))`,
        enabled: monitoringRules.enabled,
        decided,
        falsePositives,
      })
      .from(alerts)
      .leftJoin(monitoringRules, and(eq(monitoringRules.trustId, alerts.trustId), eq(monitoringRules.id, alerts.ruleId)))
      .where(visible)
      .groupBy(alerts.ruleId, monitoringRules.name, monitoringRules.enabled)
      .having(sql`count(*) filter (where ${alerts.outcome} = 'false_positive') > 0`)
      .orderBy(desc(falsePositives), desc(sql`${falsePositives}::float / nullif(${decided}, 0)`), monitoringRules.name)
      .limit(NOISY_LIMIT),
    ctx.db
      .select({
        subject: alerts.subjectKey,
        personId: alerts.personId,
        personName: people.fullName,
        username: sql<string | null>`min(${alerts.username})`,
        ip: sql<string | null>`min(${alerts.ip})`,
        n: sql<number>`count(*)::int`,
        latest: sql<Date>`max(${alerts.firstEventAt})`.mapWith(alerts.firstEventAt),
      })
      .from(alerts)
      .leftJoin(people, and(eq(people.trustId, alerts.trustId), eq(people.id, alerts.personId)))
      .where(and(visible, gte(alerts.firstEventAt, repeatFrom)))
      .groupBy(alerts.subjectKey, alerts.personId, people.fullName)
      .having(sql`count(*) >= ${REPEAT_THRESHOLD}`)
      .orderBy(desc(sql`count(*)`), desc(sql`max(${alerts.firstEventAt})`))
      .limit(REPEAT_LIMIT),
  ]);

  const open = Object.fromEntries(ALERT_SEVERITY_CODES.map((s) => [s, 0])) as Record<AlertSeverity, number>;
  for (const row of bySeverity) open[row.severity] = row.n;

  const weekIndex = new Map(weeks.map((w, i) => [w, i]));
  const byCategory = new Map<string, TrendRow>();
  const perWeek = weeks.map(() => 0);
  for (const row of trend) {
    const i = weekIndex.get(row.week);
    if (i === undefined) continue;
    const line = byCategory.get(row.category) ?? { category: row.category, label: categoryLabel(row.category), counts: weeks.map(() => 0), total: 0 };
    line.counts[i] = (line.counts[i] ?? 0) + row.n;
    line.total += row.n;
    perWeek[i] = (perWeek[i] ?? 0) + row.n;
    byCategory.set(row.category, line);
  }
  const weekBars: Bar[] = weeks.map((w, i) => ({ key: w, label: weekLabel(w), axisLabel: weekAxis(w), value: perWeek[i] ?? 0 }));

  return {
    today,
    open,
    openTotal: Object.values(open).reduce((a, b) => a + b, 0),
    needsTriage,
    weeks,
    weekBars,
    trend: [...byCategory.values()].sort((a, b) => b.total - a.total || a.label.localeCompare(b.label, 'en-GB')),
    noisy: noisy.map((r) => ({ ...r, rate: r.decided ? Math.round((r.falsePositives / r.decided) * 100) : 0 })),
    repeated,
    canSeeRules: mayReadRules(ctx.actor),
    canChangeRules: mayChangeRules(ctx.actor),
  };
}
export type AlertDashboard = Awaited<ReturnType<typeof alertDashboard>>;
