import { and, asc, eq, gte, isNull, lt, lte, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { plural } from '../../ui/format.ts';
import { addDays } from '../acknowledgements/service.ts';
import { outbox } from '../notifications/schema.ts';
import { queueEmail } from '../notifications/service.ts';
import { people } from '../organisations/schema.ts';
import { daysBetween } from '../policies/reviews/service.ts';
import { actionOverdueEmail, reviewReminderEmail } from './emails.tsx';
import { actionPlanItems, noncompliance } from './schema.ts';
import { orgNameOf, type Recipient, recordLeads, recordUrl } from './service.ts';

/**
 * When the review reminders go, relative to the agreed review date: a week before, and on the
 * day. Each run sends the latest step whose date has come, once (the dedupe key holds the review
 * date and the step), so a moved review date gives new reminders. A step missed while the app
 * was off is sent late, up to a week after the review date; after that the record stays on the
 * home page of the people who manage it.
 */
export const REVIEW_STEPS = [
  { key: '1-week', daysBefore: 7 },
  { key: 'due', daysBefore: 0 },
] as const;
export type ReviewStep = (typeof REVIEW_STEPS)[number]['key'];

export function reviewStep(reviewOn: string, today: string): ReviewStep | null {
  let step: ReviewStep | null = null;
  for (const s of REVIEW_STEPS) if (addDays(reviewOn, -s.daysBefore) <= today) step = s.key;
  return step;
}

const current = (today: string) => sql`(${people.endDate} is null or ${people.endDate} >= ${today})`;

/**
 * The non-compliance sweep (every 5 minutes, idempotent): review reminders for open records to
 * the person who recorded it and the school's head teacher (the trust's HR lead for a trust-wide
 * record), and one reminder to the owner of each action past its due date and not done.
 */
export async function sendNonComplianceReminders(db: Db, baseUrl: string, today: string): Promise<{ reminders: number }> {
  let reminders = 0;
  const orgNames = new Map<string, string>();
  const orgName = async (trustId: string, schoolId: string | null) => {
    const key = `${trustId}:${schoolId ?? ''}`;
    if (!orgNames.has(key)) orgNames.set(key, await orgNameOf(db, trustId, schoolId));
    return orgNames.get(key) as string;
  };

  const due = await db
    .select()
    .from(noncompliance)
    .where(and(eq(noncompliance.status, 'open'), gte(noncompliance.reviewOn, addDays(today, -7)), lte(noncompliance.reviewOn, addDays(today, 7))))
    .orderBy(asc(noncompliance.trustId), asc(noncompliance.reviewOn));
  for (const record of due) {
    const step = reviewStep(record.reviewOn, today);
    if (!step) continue;
    const recipients = new Map<string, Recipient>();
    if (record.createdBy) {
      const [creator] = await db
        .select({ personId: people.id, name: people.fullName, email: people.email })
        .from(people)
        .where(and(eq(people.trustId, record.trustId), eq(people.id, record.createdBy), current(today)));
      if (creator) recipients.set(creator.personId, creator);
    }
    for (const lead of await recordLeads(db, record.trustId, record.schoolId, today)) recipients.set(lead.personId, lead);
    const days = daysBetween(today, record.reviewOn);
    const when = days === 0 ? 'today' : days > 0 ? `in ${plural(days, 'day')}` : `${plural(-days, 'day')} ago`;
    for (const r of recipients.values()) {
      const added = await queueEmail(db, {
        trustId: record.trustId,
        to: r.email,
        template: 'noncompliance-review',
        dedupeKey: `noncompliance:${record.id}:review:${record.reviewOn}:${step}:${r.personId}`,
        ...reviewReminderEmail({
          orgName: await orgName(record.trustId, record.schoolId),
          name: r.name,
          reference: record.reference,
          reviewOn: record.reviewOn,
          when,
          url: recordUrl(baseUrl, record.id),
        }),
      });
      if (added) reminders++;
    }
  }

  const overdue = await db
    .select({
      id: actionPlanItems.id,
      trustId: actionPlanItems.trustId,
      dueOn: actionPlanItems.dueOn,
      recordId: noncompliance.id,
      reference: noncompliance.reference,
      schoolId: noncompliance.schoolId,
      name: people.fullName,
      email: people.email,
    })
    .from(actionPlanItems)
    .innerJoin(noncompliance, and(eq(noncompliance.trustId, actionPlanItems.trustId), eq(noncompliance.id, actionPlanItems.noncomplianceId)))
    .innerJoin(people, and(eq(people.trustId, actionPlanItems.trustId), eq(people.id, actionPlanItems.ownerId)))
    .where(
      and(
        isNull(actionPlanItems.doneAt),
        lt(actionPlanItems.dueOn, today),
        current(today),
        // Told once: skip those already in the outbox rather than asking it again on every run.
        sql`not exists (select 1 from ${outbox} o where o.trust_id = ${actionPlanItems.trustId} and o.dedupe_key = 'ncaction:' || ${actionPlanItems.id} || ':overdue')`,
      ),
    )
    .orderBy(asc(actionPlanItems.trustId), asc(actionPlanItems.dueOn));
  for (const item of overdue) {
    const added = await queueEmail(db, {
      trustId: item.trustId,
      to: item.email,
      template: 'noncompliance-action-overdue',
      dedupeKey: `ncaction:${item.id}:overdue`,
      ...actionOverdueEmail({
        orgName: await orgName(item.trustId, item.schoolId),
        name: item.name,
        reference: item.reference,
        dueOn: item.dueOn,
        url: `${recordUrl(baseUrl, item.recordId)}#action-${item.id}`,
      }),
    });
    if (added) reminders++;
  }
  return { reminders };
}
