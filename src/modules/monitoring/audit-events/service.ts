import { and, asc, desc, eq, gte, ilike, lt, or, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordEvent } from '../../../audit/audit.ts';
import type { Ctx } from '../../../context.ts';
import type { Db } from '../../../db/client.ts';
import { londonToday } from '../../../ui/format.ts';
import { blankToUndefined, parseCalendarDate } from '../../../validation.ts';
import type { Actor } from '../../auth/actor.ts';
import { authorize, schoolsFor } from '../../auth/authorize.ts';
import { findPersonByReference, personLabel } from '../../organisations/repository.ts';
import { people, personSchools } from '../../organisations/schema.ts';
import { addDays } from '../../policies/reviews/service.ts';
import { trustSettings } from '../../settings/trust-settings.ts';
import { AUDIT_EVENT_KINDS, type AuditEventKind, monitoringAuditEvents, monitoringSources } from '../schema.ts';

/*
 * Sign-ins and file deletions (003 §4.3), searched by IT services. Trust IT sees the whole trust;
 * a school's IT sees the events of people of their schools and everything from the sources that
 * cover their schools. Every search with filters, and every export, is an audited event: looking
 * someone up is itself something the trust may need to account for.
 */

export const PAGE_SIZE = 50;
/** The most rows one CSV export holds. */
export const EXPORT_LIMIT = 50_000;
/** The landing view: the last 7 days (today and the 6 before). */
export const DEFAULT_DAYS = 7;

const KIND_CODES = Object.keys(AUDIT_EVENT_KINDS) as [AuditEventKind, ...AuditEventKind[]];
const text = (max: number) => z.preprocess(blankToUndefined, z.string().max(max).optional()).catch(undefined);
const date = z.preprocess(
  blankToUndefined,
  z
    .string()
    .optional()
    .transform((v) => (v ? (parseCalendarDate(v) ?? undefined) : undefined))
    .catch(undefined),
);

/** The filters from the query string: a value that makes no sense is dropped rather than failing the page. */
export const auditQuery = z.object({
  kind: z.preprocess(blankToUndefined, z.enum(KIND_CODES).optional()).catch(undefined),
  person: text(320),
  username: text(200),
  outcome: z.preprocess(blankToUndefined, z.enum(['success', 'failure']).optional()).catch(undefined),
  from: date,
  to: date,
  source: z.preprocess(blankToUndefined, z.uuid().optional()).catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
export type AuditQuery = z.output<typeof auditQuery>;

/** Whether the reader chose anything: the landing view (no filters, or only a page) is not audited. */
export const hasFilters = (q: AuditQuery) => [q.kind, q.person, q.username, q.outcome, q.from, q.to, q.source].some((v) => v !== undefined && v !== '');

/** The date range searched: the last 7 days when neither end is given; the ends swapped when back to front. */
export function dateRange(q: AuditQuery, today = londonToday()): { from?: string; to?: string } {
  if (!q.from && !q.to) return { from: addDays(today, -(DEFAULT_DAYS - 1)), to: today };
  if (q.from && q.to && q.from > q.to) return { from: q.to, to: q.from };
  return { from: q.from, to: q.to };
}

const uuidList = (ids: string[]) =>
  sql.join(
    ids.map((id) => sql`${id}::uuid`),
    sql`, `,
  );

/** The SQL condition for the events this actor may see. */
export function visibleAuditEventsWhere(actor: Actor): SQL {
  const seen = schoolsFor(actor, 'monitoring.auditEvents');
  if (seen === 'all') return eq(monitoringAuditEvents.trustId, actor.trustId);
  if (seen.length === 0) return sql`false`;
  return and(
    eq(monitoringAuditEvents.trustId, actor.trustId),
    or(
      sql`exists (select 1 from ${personSchools} ps where ps.trust_id = ${monitoringAuditEvents.trustId} and ps.person_id = ${monitoringAuditEvents.personId} and ps.school_id in (${uuidList(seen)}))`,
      sql`exists (select 1 from ${monitoringSources} s where s.trust_id = ${monitoringAuditEvents.trustId} and s.id = ${monitoringAuditEvents.sourceId} and s.school_ids && array[${uuidList(seen)}])`,
    ),
  ) as SQL;
}

/** The sources the actor may filter by: all the trust's, or those covering their schools (and the trust-wide ones). */
async function sourceChoices(ctx: Ctx) {
  const seen = schoolsFor(ctx.actor, 'monitoring.auditEvents');
  const rows = await ctx.db
    .select({ id: monitoringSources.id, name: monitoringSources.name, schoolIds: monitoringSources.schoolIds })
    .from(monitoringSources)
    .where(eq(monitoringSources.trustId, ctx.actor.trustId))
    .orderBy(asc(monitoringSources.name));
  return rows
    .filter((s) => seen === 'all' || s.schoolIds.length === 0 || s.schoolIds.some((id) => seen.includes(id)))
    .map((s) => ({ value: s.id, label: s.name }));
}

/** The people the picker offers: everyone current in the trust, or the people of the actor's schools. */
async function directory(ctx: Ctx) {
  const seen = schoolsFor(ctx.actor, 'monitoring.auditEvents');
  const today = londonToday();
  const where: SQL[] = [eq(people.trustId, ctx.actor.trustId), sql`(${people.endDate} is null or ${people.endDate} >= ${today})`];
  if (seen !== 'all') {
    if (seen.length === 0) return [];
    where.push(
      sql`exists (select 1 from ${personSchools} ps where ps.trust_id = ${people.trustId} and ps.person_id = ${people.id} and ps.school_id in (${uuidList(seen)}))`,
    );
  }
  return ctx.db
    .select({ fullName: people.fullName, email: people.email })
    .from(people)
    .where(and(...where))
    .orderBy(asc(people.fullName));
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

type Resolved = {
  where: SQL;
  person: { id: string; fullName: string; email: string } | null;
  personError: string | null;
  range: { from?: string; to?: string };
};

/** The query as SQL; a person named on the form who is not in the directory finds nothing (not everything). */
async function resolve(ctx: Ctx, q: AuditQuery, today: string): Promise<Resolved> {
  const range = dateRange(q, today);
  const person = q.person ? await findPersonByReference(ctx.db, ctx.actor.trustId, q.person) : null;
  const personError = q.person && !person ? `No one in the directory matches “${q.person}”. Choose the person from the list.` : null;
  const e = monitoringAuditEvents;
  const where = and(
    visibleAuditEventsWhere(ctx.actor),
    q.kind ? eq(e.kind, q.kind) : undefined,
    person ? eq(e.personId, person.id) : personError ? sql`false` : undefined,
    q.username ? ilike(e.username, `%${escapeLike(q.username)}%`) : undefined,
    q.outcome ? eq(e.outcome, q.outcome) : undefined,
    q.source ? eq(e.sourceId, q.source) : undefined,
    // Dates are calendar days in Europe/London, inclusive at both ends.
    range.from ? gte(e.occurredAt, sql`(${range.from}::date)::timestamp at time zone 'Europe/London'`) : undefined,
    range.to ? lt(e.occurredAt, sql`(${range.to}::date + 1)::timestamp at time zone 'Europe/London'`) : undefined,
  ) as SQL;
  return { where, person, personError, range };
}

function rowsQuery(db: Db, where: SQL) {
  const e = monitoringAuditEvents;
  return db
    .select({
      event: e,
      personName: people.fullName,
      personEmail: people.email,
      sourceName: monitoringSources.name,
    })
    .from(e)
    .leftJoin(people, and(eq(people.trustId, e.trustId), eq(people.id, e.personId)))
    .leftJoin(monitoringSources, and(eq(monitoringSources.trustId, e.trustId), eq(monitoringSources.id, e.sourceId)))
    .where(where)
    .orderBy(desc(e.occurredAt), desc(e.id))
    .$dynamic();
}
export type AuditEventRow = Awaited<ReturnType<typeof rowsQuery>>[number];

/** The filters as recorded in the audit trail: what was asked, with the person resolved. */
function filtersRecord(q: AuditQuery, r: Resolved) {
  return {
    kind: q.kind ?? null,
    person: r.person ? { id: r.person.id, name: r.person.fullName } : (q.person ?? null),
    username: q.username ?? null,
    outcome: q.outcome ?? null,
    source: q.source ?? null,
    from: r.range.from ?? null,
    to: r.range.to ?? null,
  };
}

const whose = (r: Resolved, q: AuditQuery) => (r.person ? ` for ${r.person.fullName}` : q.username ? ` for usernames like “${q.username}”` : '');

/** One page of the search. A search with filters is recorded in the audit trail; the landing view is not. */
export async function searchAuditEvents(ctx: Ctx, q: AuditQuery, today = londonToday()) {
  authorize(ctx.actor, 'monitoring.auditEvents', { trustId: ctx.actor.trustId });
  const resolved = await resolve(ctx, q, today);
  const [rows, [count], sources, people, settings] = await Promise.all([
    rowsQuery(ctx.db, resolved.where)
      .limit(PAGE_SIZE)
      .offset((q.page - 1) * PAGE_SIZE),
    ctx.db.select({ n: sql<number>`count(*)::int` }).from(monitoringAuditEvents).where(resolved.where),
    sourceChoices(ctx),
    directory(ctx),
    trustSettings(ctx.db, ctx.actor.trustId),
  ]);
  const total = count?.n ?? 0;
  if (hasFilters(q))
    await recordEvent(ctx.db, ctx, {
      action: 'monitoring_audit.searched',
      resourceType: 'monitoring_audit_event',
      summary: `Sign-in and file events searched${whose(resolved, q)} (${total} found)`,
      after: { filters: filtersRecord(q, resolved), found: total },
    });
  return {
    rows,
    total,
    query: q,
    range: resolved.range,
    personError: resolved.personError,
    sources,
    directory: people,
    retentionDays: settings.monitoring.auditRetentionDays,
  };
}
export type AuditSearch = Awaited<ReturnType<typeof searchAuditEvents>>;

/** Exactly the filtered list (every page, up to EXPORT_LIMIT rows), for the CSV. The export is audited. */
export async function exportAuditEvents(ctx: Ctx, q: AuditQuery, today = londonToday()) {
  authorize(ctx.actor, 'monitoring.auditEvents', { trustId: ctx.actor.trustId });
  const resolved = await resolve(ctx, q, today);
  const rows = await rowsQuery(ctx.db, resolved.where).limit(EXPORT_LIMIT);
  await recordEvent(ctx.db, ctx, {
    action: 'monitoring_audit.exported',
    resourceType: 'monitoring_audit_event',
    summary: `Sign-in and file events exported to CSV${whose(resolved, q)} (${rows.length} ${rows.length === 1 ? 'event' : 'events'})`,
    after: { filters: filtersRecord(q, resolved), rows: rows.length },
  });
  return { rows, range: resolved.range };
}

export const personCell = (r: Pick<AuditEventRow, 'personName' | 'personEmail'>) =>
  r.personName && r.personEmail ? personLabel({ fullName: r.personName, email: r.personEmail }) : null;
