import { and, asc, eq, gte, lt, lte, sql } from 'drizzle-orm';
import { recordEvent } from '../../audit/audit.ts';
import { type Db, transaction } from '../../db/client.ts';
import { londonToday } from '../../ui/format.ts';
import { addDays } from '../acknowledgements/service.ts';
import { systemActor } from '../auth/actor.ts';
import { queueEmail } from '../notifications/service.ts';
import { people, roleAssignments } from '../organisations/schema.ts';
import { cloudReviewEmail, requestExpiredEmail, requestReminderEmail } from './emails.tsx';
import { cloudServices, requests } from './schema.ts';
import { approversFor, orgNameOf, requestUrl } from './service.ts';
import { isRequestType, requestType } from './types.ts';

/** Reminders to the people who decide, after a request has waited this many days. */
export const REMINDER_STEPS = [3, 7] as const;
/** The DPO is reminded of a cloud service's review this many days before its date. */
export const CLOUD_REVIEW_DAYS = 30;
/**
 * How far back the sweep looks: a reminder missed while the app was off is still sent within
 * this window; after it, the request or review stays on the home page of those who must act.
 */
export const LOOK_BACK_DAYS = 14;

const DAY = 86_400_000;

/** The latest reminder step a request pending since `createdAt` has reached at `now`, if any. */
export function reminderStep(createdAt: Date, now: Date): number | null {
  const waited = (now.getTime() - createdAt.getTime()) / DAY;
  let step: number | null = null;
  for (const s of REMINDER_STEPS) if (waited >= s) step = s;
  return step;
}

/**
 * The requests sweep (every 5 minutes, idempotent: each email's dedupe key names the request or
 * service, the step and the person):
 * - a request waiting 3 days, and again at 7, reminds the people who may decide it (a step missed
 *   while the app was off is sent late, only the latest one);
 * - an approved exception past its end date becomes expired, once, and the person who asked is told;
 * - a cloud service whose review date is within 30 days reminds the trust's DPO once per review date.
 */
export async function sendRequestReminders(db: Db, baseUrl: string, now = new Date()): Promise<{ reminders: number }> {
  const today = londonToday(now);
  let reminders = 0;

  const pending = await db
    .select({ request: requests, requester: people.fullName })
    .from(requests)
    .innerJoin(people, and(eq(people.trustId, requests.trustId), eq(people.id, requests.requesterId)))
    .where(
      and(
        eq(requests.status, 'pending'),
        lte(requests.createdAt, new Date(now.getTime() - REMINDER_STEPS[0] * DAY)),
        gte(requests.createdAt, new Date(now.getTime() - LOOK_BACK_DAYS * DAY)),
      ),
    )
    .orderBy(asc(requests.trustId), asc(requests.createdAt));
  for (const { request, requester } of pending) {
    const step = reminderStep(request.createdAt, now);
    if (!step || !isRequestType(request.type)) continue;
    const orgName = await orgNameOf(db, request.trustId, request.schoolId);
    for (const r of await approversFor(db, request.trustId, request.type, request.schoolId, request.requesterId, today)) {
      const added = await queueEmail(db, {
        trustId: request.trustId,
        to: r.email,
        template: 'request-reminder',
        dedupeKey: `request:${request.id}:remind:${step}d:${r.personId}`,
        ...requestReminderEmail({
          orgName,
          name: r.name,
          requester,
          verb: requestType(request.type).verb,
          reference: request.reference,
          days: step,
          url: requestUrl(baseUrl, request.reference),
        }),
      });
      if (added) reminders++;
    }
  }

  const lapsed = await db
    .select()
    .from(requests)
    .where(and(eq(requests.status, 'approved'), lt(requests.expiresOn, today)))
    .orderBy(asc(requests.trustId), asc(requests.expiresOn));
  for (const request of lapsed) {
    if (!isRequestType(request.type)) continue;
    const type = request.type;
    const told = await transaction(db, async (tx) => {
      const [expired] = await tx
        .update(requests)
        .set({ status: 'expired' })
        .where(and(eq(requests.trustId, request.trustId), eq(requests.id, request.id), eq(requests.status, 'approved')))
        .returning();
      if (!expired) return false;
      await recordEvent(
        tx,
        { actor: systemActor(request.trustId) },
        {
          action: 'request.expired',
          resourceType: 'request',
          resourceId: request.id,
          summary: `${request.reference} expired after ${request.expiresOn}`,
          before: { status: 'approved' },
          after: { status: 'expired' },
        },
      );
      const [requester] = await tx
        .select({ name: people.fullName, email: people.email })
        .from(people)
        .where(and(eq(people.trustId, request.trustId), eq(people.id, request.requesterId)));
      if (!requester) return false;
      return queueEmail(tx, {
        trustId: request.trustId,
        to: requester.email,
        template: 'request-expired',
        dedupeKey: `request:${request.id}:expired`,
        ...requestExpiredEmail({
          orgName: await orgNameOf(tx, request.trustId, request.schoolId),
          name: requester.name,
          verb: requestType(type).verb,
          reference: request.reference,
          expiresOn: request.expiresOn as string,
          url: requestUrl(baseUrl, request.reference),
        }),
      });
    });
    if (told) reminders++;
  }

  const reviews = await db
    .select({ service: cloudServices, personId: people.id, name: people.fullName, email: people.email })
    .from(cloudServices)
    .innerJoin(
      roleAssignments,
      and(
        eq(roleAssignments.trustId, cloudServices.trustId),
        eq(roleAssignments.role, 'dpo'),
        sql`${roleAssignments.schoolId} is null`,
        sql`${roleAssignments.revokedAt} is null`,
      ),
    )
    .innerJoin(people, and(eq(people.trustId, roleAssignments.trustId), eq(people.id, roleAssignments.personId)))
    .where(
      and(
        eq(cloudServices.status, 'approved'),
        lte(cloudServices.reviewOn, addDays(today, CLOUD_REVIEW_DAYS)),
        gte(cloudServices.reviewOn, addDays(today, -LOOK_BACK_DAYS)),
        sql`(${people.endDate} is null or ${people.endDate} >= ${today})`,
      ),
    )
    .orderBy(asc(cloudServices.trustId), asc(cloudServices.reviewOn));
  for (const { service, personId, name, email } of reviews) {
    const added = await queueEmail(db, {
      trustId: service.trustId,
      to: email,
      template: 'cloud-service-review',
      dedupeKey: `cloud_service:${service.id}:review:${service.reviewOn}:${personId}`,
      ...cloudReviewEmail({
        orgName: await orgNameOf(db, service.trustId, null),
        name,
        service: service.name,
        reviewOn: service.reviewOn,
        url: `${baseUrl}/cloud-services/${service.id}`,
      }),
    });
    if (added) reminders++;
  }
  return { reminders };
}
