import { and, asc, eq, lte } from 'drizzle-orm';
import type { Ctx } from '../../context.ts';
import type { Tone } from '../../ui/components.tsx';
import { formatDate, londonToday, plural } from '../../ui/format.ts';
import { addDays } from '../acknowledgements/service.ts';
import { can } from '../auth/authorize.ts';
import type { TodoItem } from '../home/routes.tsx';
import { daysBetween, reviewCountdown } from '../policies/reviews/service.ts';
import { cloudServices, requests } from './schema.ts';
import { mayDecide, requestTitle } from './service.ts';
import { CLOUD_REVIEW_DAYS, REMINDER_STEPS } from './sweep.ts';
import { type Answers, isRequestType, requestType } from './types.ts';

const DAY = 86_400_000;

/** How long a request has waited: grey at first, orange from the first reminder, red from the second. */
export function waitingTag(createdAt: Date, now: Date): { tone: Tone; label: string } {
  const days = Math.floor((now.getTime() - createdAt.getTime()) / DAY);
  const tone: Tone = days >= REMINDER_STEPS[1] ? 'red' : days >= REMINDER_STEPS[0] ? 'orange' : 'grey';
  return { tone, label: days < 1 ? 'asked today' : `waiting ${plural(days, 'day')}` };
}

/**
 * Requests waiting for this person's decision (oldest first), and, for those who manage the cloud
 * services register, services whose review date is within 30 days.
 */
export async function requestTodos(ctx: Ctx, now = new Date()): Promise<TodoItem[]> {
  const actor = ctx.actor;
  if (actor.type !== 'person') return [];
  const today = londonToday(now);
  const pending = await ctx.db
    .select({
      reference: requests.reference,
      type: requests.type,
      schoolId: requests.schoolId,
      requesterId: requests.requesterId,
      answers: requests.answers,
      createdAt: requests.createdAt,
    })
    .from(requests)
    .where(and(eq(requests.trustId, actor.trustId), eq(requests.status, 'pending')))
    .orderBy(asc(requests.createdAt));
  const items: TodoItem[] = [];
  for (const r of pending) {
    if (r.requesterId === actor.personId || !isRequestType(r.type) || !mayDecide(actor, r.type, r.schoolId)) continue;
    const title = requestTitle(r.type, r.answers as Answers);
    items.push({
      href: `/requests/${r.reference}`,
      title: `Decide request ${r.reference}: ${requestType(r.type).label.toLowerCase()}${title ? ` (${title})` : ''}`,
      detail: `Asked on ${formatDate(r.createdAt)}`,
      tag: waitingTag(r.createdAt, now),
    });
  }
  if (can(actor, 'cloudServices.manage', { trustId: actor.trustId })) {
    const due = await ctx.db
      .select({ id: cloudServices.id, name: cloudServices.name, reviewOn: cloudServices.reviewOn })
      .from(cloudServices)
      .where(
        and(eq(cloudServices.trustId, actor.trustId), eq(cloudServices.status, 'approved'), lte(cloudServices.reviewOn, addDays(today, CLOUD_REVIEW_DAYS))),
      )
      .orderBy(asc(cloudServices.reviewOn));
    for (const s of due)
      items.push({
        href: `/cloud-services/${s.id}`,
        title: `Review cloud service ${s.name}`,
        detail: `Review date ${formatDate(s.reviewOn)}`,
        tag: { tone: daysBetween(today, s.reviewOn) < 0 ? 'red' : 'orange', label: reviewCountdown(s.reviewOn, today) },
      });
  }
  return items;
}
