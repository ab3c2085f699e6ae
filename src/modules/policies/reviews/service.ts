import { and, asc, desc, eq, inArray, isNotNull, isNull, lte, sql } from 'drizzle-orm';
import { recordEvent } from '../../../audit/audit.ts';
import type { Ctx } from '../../../context.ts';
import { randomToken, sha256 } from '../../../crypto.ts';
import { type Db, transaction } from '../../../db/client.ts';
import { NotFoundError, ValidationError } from '../../../errors.ts';
import { formatDate, londonToday, plural } from '../../../ui/format.ts';
import { isUuid, toFieldErrors } from '../../../validation.ts';
import { authorize, schoolsFor } from '../../auth/authorize.ts';
import { queueEmail } from '../../notifications/service.ts';
import { findTrust, listSchools } from '../../organisations/repository.ts';
import { people, roleAssignments, trusts } from '../../organisations/schema.ts';
import { policies, policyReviews, policyVersions } from '../schema.ts';
import { addMonths, type PolicyRow, policyResource } from '../service.ts';
import { reviewReminderEmail } from './emails.tsx';
import { type AllDayEvent, buildCalendar } from './ical.ts';
import { calendarFeeds } from './schema.ts';
import { outcomeLabel, type ReviewInput, reviewInput } from './validation.ts';

/** "2027-03-03" plus n days (n may be negative). */
export function addDays(isoDate: string, days: number): string {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Whole days from one calendar date to another: negative when `to` is earlier. */
export const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

/** How far away a review date is, in plain words: "due today", "due in 19 days", "3 days overdue". */
export function reviewCountdown(dueOn: string, today: string): string {
  const days = daysBetween(today, dueOn);
  if (days === 0) return 'due today';
  return days > 0 ? `due in ${plural(days, 'day')}` : `${plural(-days, 'day')} overdue`;
}

/** Soon means within this many days: the calendar's middle group and the orange tag. */
export const DUE_SOON_DAYS = 90;

const actorPerson = (ctx: Ctx) => (ctx.actor.type === 'person' ? ctx.actor.personId : null);
const currentPerson = (today: string) => sql`(${people.endDate} is null or ${people.endDate} >= ${today})`;
const hasVersionInForce = sql`exists (select 1 from ${policyVersions} v where v.trust_id = ${policies.trustId} and v.policy_id = ${policies.id} and v.status = 'published')`;

async function loadPolicy(db: Db, trustId: string, policyId: string): Promise<PolicyRow> {
  const [policy] = isUuid(policyId)
    ? await db
        .select()
        .from(policies)
        .where(and(eq(policies.trustId, trustId), eq(policies.id, policyId)))
    : [];
  if (!policy) throw new NotFoundError();
  return policy;
}

async function versionInForce(db: Db, policy: PolicyRow) {
  const [version] = await db
    .select({ id: policyVersions.id, label: policyVersions.label })
    .from(policyVersions)
    .where(and(eq(policyVersions.trustId, policy.trustId), eq(policyVersions.policyId, policy.id), eq(policyVersions.status, 'published')));
  return version ?? null;
}

// ---------------------------------------------------------------------------------------------
// Recording a review without changes

/** What the review form shows: the policy, its version in force and where it belongs. */
export async function reviewForm(ctx: Ctx, policyId: string) {
  const policy = await loadPolicy(ctx.db, ctx.actor.trustId, policyId);
  authorize(ctx.actor, 'policies.manage', policyResource(policy));
  const [inForce, schools] = await Promise.all([versionInForce(ctx.db, policy), listSchools(ctx.db, policy.trustId)]);
  return { policy, inForce, schoolName: policy.schoolId ? (schools.find((s) => s.id === policy.schoolId)?.name ?? '') : null };
}

/**
 * Records that the policy was reviewed (with or without changes to follow) and moves the next
 * review date on by the policy's cycle from the date of the review. The review row, the new dates
 * and the audit entry land in one transaction; the policy row is locked so two reviews recorded at
 * once are checked one after the other.
 */
export async function recordReview(ctx: Ctx, policyId: string, raw: unknown, today = londonToday()) {
  const existing = await loadPolicy(ctx.db, ctx.actor.trustId, policyId);
  authorize(ctx.actor, 'policies.manage', policyResource(existing));
  const parsed = reviewInput.safeParse(raw);
  const errors = parsed.success ? {} : toFieldErrors(parsed.error);
  const date = parsed.success ? parsed.data.reviewedOn : reviewInput.shape.reviewedOn.safeParse((raw as Record<string, unknown> | null)?.reviewedOn).data;
  return transaction(ctx.db, async (tx) => {
    const [policy] = await tx
      .select()
      .from(policies)
      .where(and(eq(policies.trustId, existing.trustId), eq(policies.id, existing.id)))
      .for('update');
    if (!policy) throw new NotFoundError();
    const inForce = await versionInForce(tx, policy);
    if (!inForce) throw new ValidationError({ form: `${policy.title} has no version in force yet: publish it before recording a review` });
    if (date && date > today) errors.reviewedOn ??= 'The date of the review must be today or in the past';
    if (date && policy.lastReviewedOn && date < policy.lastReviewedOn)
      errors.reviewedOn ??= `The date of the review must be on or after the last review, ${formatDate(policy.lastReviewedOn)}`;
    if (Object.keys(errors).length || !parsed.success) throw new ValidationError(errors);
    const input = parsed.data as ReviewInput;
    const nextReviewOn = addMonths(input.reviewedOn, policy.reviewCycleMonths);
    const [review] = await tx
      .insert(policyReviews)
      .values({
        trustId: policy.trustId,
        policyId: policy.id,
        versionId: inForce.id,
        reviewedOn: input.reviewedOn,
        reviewedBy: actorPerson(ctx),
        outcome: input.outcome,
        note: input.note ?? null,
      })
      .returning();
    await tx
      .update(policies)
      .set({ lastReviewedOn: input.reviewedOn, nextReviewOn, updatedAt: new Date() })
      .where(and(eq(policies.trustId, policy.trustId), eq(policies.id, policy.id)));
    await recordEvent(tx, ctx, {
      action: 'policy.reviewed',
      resourceType: 'policy',
      resourceId: policy.id,
      summary: `Reviewed ${policy.title} (${inForce.label}) on ${formatDate(input.reviewedOn)}: ${outcomeLabel(input.outcome)}. Next review due ${formatDate(nextReviewOn)}`,
      before: { lastReviewedOn: policy.lastReviewedOn, nextReviewOn: policy.nextReviewOn },
      after: { lastReviewedOn: input.reviewedOn, nextReviewOn, outcome: input.outcome, note: input.note ?? null, version: inForce.label },
    });
    return { review: review as typeof policyReviews.$inferSelect, nextReviewOn, policy };
  });
}

// ---------------------------------------------------------------------------------------------
// The review calendar

export type CalendarRow = { policy: PolicyRow; schoolName: string | null; ownerName: string | null; days: number | null };
export type CalendarGroups = { overdue: CalendarRow[]; soon: CalendarRow[]; later: CalendarRow[]; none: CalendarRow[] };

/**
 * Policies by when their review is due. School leaders see the trust's policies and their own
 * school's, as in the policy list. `school` narrows it: 'trust' for trust-wide policies, or a
 * school's id for that school's own policies (an unknown or unseen school is ignored).
 */
export async function reviewCalendar(ctx: Ctx, filter: { school?: string }, today = londonToday()) {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'policies.list', { trustId });
  const visible = schoolsFor(ctx.actor, 'policies.list');
  const allSchools = await listSchools(ctx.db, trustId);
  const schools = allSchools.filter((s) => visible === 'all' || visible.includes(s.id));
  const school = filter.school === 'trust' || schools.some((s) => s.id === filter.school) ? filter.school : undefined;
  const rows = await ctx.db
    .select({ policy: policies, ownerName: people.fullName })
    .from(policies)
    .leftJoin(people, and(eq(people.trustId, policies.trustId), eq(people.id, policies.ownerPersonId)))
    .where(eq(policies.trustId, trustId))
    .orderBy(sql`${policies.nextReviewOn} asc nulls last`, asc(policies.title));
  const names = new Map(allSchools.map((s) => [s.id, s.name]));
  const groups: CalendarGroups = { overdue: [], soon: [], later: [], none: [] };
  for (const { policy, ownerName } of rows) {
    if (!(visible === 'all' || policy.schoolId === null || visible.includes(policy.schoolId))) continue;
    if (school === 'trust' && policy.schoolId !== null) continue;
    if (school && school !== 'trust' && policy.schoolId !== school) continue;
    const days = policy.nextReviewOn ? daysBetween(today, policy.nextReviewOn) : null;
    const row = { policy, schoolName: policy.schoolId ? (names.get(policy.schoolId) ?? '') : null, ownerName, days };
    if (days === null) groups.none.push(row);
    else if (days < 0) groups.overdue.push(row);
    else if (days <= DUE_SOON_DAYS) groups.soon.push(row);
    else groups.later.push(row);
  }
  return { groups, schools, school: school ?? '' };
}

// ---------------------------------------------------------------------------------------------
// Reminders

/**
 * When the owner is reminded, relative to the review date. The sweep sends at most one reminder a
 * policy each time it runs: the latest step whose date has come. A step that was missed (the
 * policy was published three weeks before its review date, or the app was off) is not sent late
 * once a later step is due, so nobody gets "2 months to go" and "1 month to go" on the same day.
 * Each step is queued once (its dedupe key holds the review date), and recording a review moves
 * the date on, so the next cycle's keys are new and the reminders start again. Nothing is sent
 * after the due-date reminder: overdue reviews stay on the calendar and the owner's home page.
 */
export const REMINDER_STEPS = [
  { key: '2-months', on: (dueOn: string) => addMonths(dueOn, -2) },
  { key: '1-month', on: (dueOn: string) => addMonths(dueOn, -1) },
  { key: '1-week', on: (dueOn: string) => addDays(dueOn, -7) },
  { key: 'due', on: (dueOn: string) => dueOn },
] as const;
export type ReminderStep = (typeof REMINDER_STEPS)[number]['key'];

/** The latest reminder step whose date has come, or null when none has yet. */
export function reminderStep(dueOn: string, today: string): ReminderStep | null {
  let step: ReminderStep | null = null;
  for (const s of REMINDER_STEPS) if (s.on(dueOn) <= today) step = s.key;
  return step;
}

export type Recipient = { personId: string; name: string; email: string };

/**
 * Who is reminded about a policy's review (and sees it on their home page):
 *   1. its owner (owner_person_id), while they are current (no end date passed);
 *   2. otherwise the current holders of its owning role (owner_role): held for the whole trust,
 *      or at the policy's school (for a trust-wide policy, at any school);
 *   3. otherwise the trust's heads of governance;
 *   4. otherwise the trust's administrators.
 */
export async function reviewRecipients(db: Db, trustId: string, list: PolicyRow[], today: string): Promise<Map<string, Recipient[]>> {
  const result = new Map<string, Recipient[]>();
  if (list.length === 0) return result;
  const ownerIds = [...new Set(list.map((p) => p.ownerPersonId).filter((id): id is string => !!id))];
  const roles = [...new Set([...list.map((p) => p.ownerRole).filter((r): r is string => !!r), 'head_of_governance', 'trust_admin'])];
  const [owners, holders] = await Promise.all([
    ownerIds.length
      ? db
          .select({ personId: people.id, name: people.fullName, email: people.email })
          .from(people)
          .where(and(eq(people.trustId, trustId), inArray(people.id, ownerIds), currentPerson(today)))
      : [],
    db
      .select({ personId: people.id, name: people.fullName, email: people.email, role: roleAssignments.role, schoolId: roleAssignments.schoolId })
      .from(roleAssignments)
      .innerJoin(people, and(eq(people.trustId, roleAssignments.trustId), eq(people.id, roleAssignments.personId)))
      .where(and(eq(roleAssignments.trustId, trustId), isNull(roleAssignments.revokedAt), inArray(roleAssignments.role, roles), currentPerson(today)))
      .orderBy(asc(people.fullName)),
  ]);
  const unique = (rs: Recipient[]) => [...new Map(rs.map((r) => [r.personId, { personId: r.personId, name: r.name, email: r.email }])).values()];
  const trustWide = (role: string) => unique(holders.filter((h) => h.role === role && h.schoolId === null));
  for (const p of list) {
    const owner = owners.find((o) => o.personId === p.ownerPersonId);
    let recipients: Recipient[] = owner ? [owner] : [];
    if (!recipients.length && p.ownerRole)
      recipients = unique(holders.filter((h) => h.role === p.ownerRole && (h.schoolId === null || p.schoolId === null || h.schoolId === p.schoolId)));
    if (!recipients.length) recipients = trustWide('head_of_governance');
    if (!recipients.length) recipients = trustWide('trust_admin');
    result.set(p.id, recipients);
  }
  return result;
}

/** Policies in force whose review is within the reminder window (or past), across trusts or in one. */
async function policiesNearReview(db: Db, today: string, trustId?: string) {
  // A few days' slack: the 2-month step of 30 April is 28 February, and 28 February + 2 months is 28 April.
  const horizon = addDays(addMonths(today, 2), 4);
  return db
    .select()
    .from(policies)
    .where(and(trustId ? eq(policies.trustId, trustId) : undefined, isNotNull(policies.nextReviewOn), lte(policies.nextReviewOn, horizon), hasVersionInForce))
    .orderBy(asc(policies.trustId), asc(policies.nextReviewOn), asc(policies.title));
}

/**
 * The reminder sweep (the background loop runs it hourly and at start-up). Idempotent: each
 * reminder has a dedupe key `policy-review:<policy>:<review date>:<step>:<person>`, so running it
 * twice, or on two app instances at once, queues each reminder once. Returns how many it queued.
 */
export async function sendReviewReminders(db: Db, baseUrl: string, today = londonToday()): Promise<{ queued: number }> {
  const candidates = await policiesNearReview(db, today);
  const byTrust = new Map<string, PolicyRow[]>();
  for (const p of candidates) {
    if (!p.nextReviewOn || !reminderStep(p.nextReviewOn, today)) continue;
    byTrust.set(p.trustId, [...(byTrust.get(p.trustId) ?? []), p]);
  }
  let queued = 0;
  for (const [trustId, list] of byTrust) {
    const [trust, schools, recipients] = await Promise.all([findTrust(db, trustId), listSchools(db, trustId), reviewRecipients(db, trustId, list, today)]);
    if (!trust) continue;
    for (const p of list) {
      const dueOn = p.nextReviewOn as string;
      const step = reminderStep(dueOn, today) as ReminderStep;
      const days = daysBetween(today, dueOn);
      const orgName = p.schoolId ? (schools.find((s) => s.id === p.schoolId)?.name ?? trust.name) : trust.name;
      for (const r of recipients.get(p.id) ?? []) {
        const message = reviewReminderEmail({
          name: r.name,
          orgName,
          title: p.title,
          dueOn,
          when: days === 0 ? 'today' : days > 0 ? `in ${plural(days, 'day')}` : `${plural(-days, 'day')} ago`,
          overdue: days < 0,
          url: `${baseUrl}/policies/${p.id}`,
        });
        const added = await queueEmail(db, {
          trustId,
          to: r.email,
          template: 'policy-review-reminder',
          dedupeKey: `policy-review:${p.id}:${dueOn}:${step}:${r.personId}`,
          ...message,
        });
        if (added) queued++;
      }
    }
  }
  return { queued };
}

/** The person's own reviews due within two months or overdue, most urgent first, for the home page. */
export async function reviewTodos(ctx: Ctx, today = londonToday()): Promise<{ href: string; title: string; detail?: string }[]> {
  if (ctx.actor.type !== 'person') return [];
  const personId = ctx.actor.personId;
  const list = (await policiesNearReview(ctx.db, today, ctx.actor.trustId)).filter((p) => p.nextReviewOn && p.nextReviewOn <= addMonths(today, 2));
  const recipients = await reviewRecipients(ctx.db, ctx.actor.trustId, list, today);
  return list
    .filter((p) => recipients.get(p.id)?.some((r) => r.personId === personId))
    .map((p) => ({
      href: `/policies/${p.id}`,
      title: `Review ${p.title}`,
      detail: `Review due ${formatDate(p.nextReviewOn)}: ${reviewCountdown(p.nextReviewOn as string, today)}`,
    }));
}

// ---------------------------------------------------------------------------------------------
// The calendar feed (iCalendar on a secret address)

// Managing the secret address is for trust administrators, the same people who manage API keys
// (another secret that lets something outside read the trust's data without signing in).
const FEED_ACTION = 'calendarFeeds.manage' as const;

export const feedUrl = (baseUrl: string, token: string) => `${baseUrl}/calendar/${token}.ics`;

/** The trust's working calendar address (its record: the address itself is not kept), or null. */
export async function calendarFeedStatus(ctx: Ctx) {
  authorize(ctx.actor, FEED_ACTION, { trustId: ctx.actor.trustId });
  const [feed] = await ctx.db
    .select({ feed: calendarFeeds, createdByName: people.fullName })
    .from(calendarFeeds)
    .leftJoin(people, and(eq(people.trustId, calendarFeeds.trustId), eq(people.id, calendarFeeds.createdBy)))
    .where(and(eq(calendarFeeds.trustId, ctx.actor.trustId), isNull(calendarFeeds.revokedAt)))
    .orderBy(desc(calendarFeeds.createdAt));
  return feed ?? null;
}

/**
 * Creates the trust's calendar address and returns it: the only time it is shown. With
 * `replace`, the working address is revoked in the same transaction (a leaked address stops working).
 */
export async function createCalendarFeed(ctx: Ctx, options: { replace: boolean }): Promise<{ url: string; replaced: boolean }> {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, FEED_ACTION, { trustId });
  return transaction(ctx.db, async (tx) => {
    const active = await tx
      .select()
      .from(calendarFeeds)
      .where(and(eq(calendarFeeds.trustId, trustId), isNull(calendarFeeds.revokedAt)))
      .for('update');
    if (active.length && !options.replace) throw new ValidationError({ form: 'There is already a calendar address: replace it if it has been lost or shared' });
    if (active.length)
      await tx
        .update(calendarFeeds)
        .set({ revokedAt: new Date(), revokedBy: actorPerson(ctx) })
        .where(and(eq(calendarFeeds.trustId, trustId), isNull(calendarFeeds.revokedAt)));
    const token = randomToken(32);
    const [feed] = await tx
      .insert(calendarFeeds)
      .values({ trustId, tokenHash: sha256(token), createdBy: actorPerson(ctx) })
      .returning();
    await recordEvent(tx, ctx, {
      action: 'calendar_feed.created',
      resourceType: 'calendar_feed',
      resourceId: feed?.id,
      summary: active.length ? 'Replaced the review calendar address: the old address no longer works' : 'Created the review calendar address',
      before: active.length ? { feedIds: active.map((f) => f.id) } : undefined,
      after: { feedId: feed?.id },
    });
    return { url: feedUrl(ctx.baseUrl, token), replaced: active.length > 0 };
  });
}

/** Turns the calendar address off without a new one. */
export async function revokeCalendarFeed(ctx: Ctx): Promise<boolean> {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, FEED_ACTION, { trustId });
  return transaction(ctx.db, async (tx) => {
    const revoked = await tx
      .update(calendarFeeds)
      .set({ revokedAt: new Date(), revokedBy: actorPerson(ctx) })
      .where(and(eq(calendarFeeds.trustId, trustId), isNull(calendarFeeds.revokedAt)))
      .returning({ id: calendarFeeds.id });
    if (revoked.length === 0) return false;
    await recordEvent(tx, ctx, {
      action: 'calendar_feed.revoked',
      resourceType: 'calendar_feed',
      resourceId: revoked[0]?.id,
      summary: 'Turned off the review calendar address',
      before: { feedIds: revoked.map((f) => f.id) },
    });
    return true;
  });
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The iCalendar file behind a secret address: one all-day event per policy with a review date, of
 * the address's trust only. Null for an unknown or revoked address.
 */
export async function calendarFeedFor(db: Db, baseUrl: string, token: string): Promise<string | null> {
  if (!TOKEN.test(token)) return null;
  const [feed] = await db
    .select({ trustId: calendarFeeds.trustId, trustName: trusts.name })
    .from(calendarFeeds)
    .innerJoin(trusts, eq(trusts.id, calendarFeeds.trustId))
    .where(and(eq(calendarFeeds.tokenHash, sha256(token)), isNull(calendarFeeds.revokedAt)));
  if (!feed) return null;
  const [list, schools] = await Promise.all([
    db
      .select()
      .from(policies)
      .where(and(eq(policies.trustId, feed.trustId), isNotNull(policies.nextReviewOn)))
      .orderBy(asc(policies.nextReviewOn), asc(policies.title)),
    listSchools(db, feed.trustId),
  ]);
  const events: AllDayEvent[] = list.map((p) => ({
    uid: `${p.id}-review@countersign`,
    date: p.nextReviewOn as string,
    summary: `Review due: ${p.title}`,
    description: `${p.title} (${p.schoolId ? (schools.find((s) => s.id === p.schoolId)?.name ?? feed.trustName) : `${feed.trustName}, whole trust`}) is due for review.`,
    url: `${baseUrl}/policies/${p.id}`,
    stamp: p.updatedAt,
  }));
  return buildCalendar({ name: `${feed.trustName}: policy reviews`, events });
}
