import { and, asc, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
import type { Ctx } from '../../context.ts';
import type { Tone } from '../../ui/components.tsx';
import { formatDate } from '../../ui/format.ts';
import { addDays } from '../acknowledgements/service.ts';
import { schoolsFor } from '../auth/authorize.ts';
import type { TodoItem } from '../home/routes.tsx';
import { daysBetween, reviewCountdown } from '../policies/reviews/service.ts';
import { actionPlanItems, noncompliance } from './schema.ts';
import { shorten } from './service.ts';

/** Reviews show on the home page from a week before their date (when the first reminder goes). */
export const REVIEW_TODO_DAYS = 7;

const tone = (days: number): Tone => (days < 0 ? 'red' : days <= REVIEW_TODO_DAYS ? 'orange' : 'grey');

/**
 * Non-compliance reviews due within a week or overdue, for records the person may manage, and
 * the action plan items they own that are not done; most urgent first.
 */
export async function nonComplianceTodos(ctx: Ctx, today: string): Promise<TodoItem[]> {
  const actor = ctx.actor;
  if (actor.type !== 'person') return [];
  const managed = schoolsFor(actor, 'noncompliance.manage');
  const [reviews, actions] = await Promise.all([
    managed === 'all' || managed.length
      ? ctx.db
          .select({ id: noncompliance.id, reference: noncompliance.reference, reviewOn: noncompliance.reviewOn })
          .from(noncompliance)
          .where(
            and(
              eq(noncompliance.trustId, actor.trustId),
              eq(noncompliance.status, 'open'),
              lte(noncompliance.reviewOn, addDays(today, REVIEW_TODO_DAYS)),
              managed === 'all' ? undefined : inArray(noncompliance.schoolId, managed),
            ),
          )
          .orderBy(asc(noncompliance.reviewOn))
      : Promise.resolve([]),
    ctx.db
      .select({
        id: actionPlanItems.id,
        text: actionPlanItems.text,
        dueOn: actionPlanItems.dueOn,
        recordId: noncompliance.id,
        reference: noncompliance.reference,
      })
      .from(actionPlanItems)
      .innerJoin(noncompliance, and(eq(noncompliance.trustId, actionPlanItems.trustId), eq(noncompliance.id, actionPlanItems.noncomplianceId)))
      .where(and(eq(actionPlanItems.trustId, actor.trustId), eq(actionPlanItems.ownerId, actor.personId), isNull(actionPlanItems.doneAt)))
      .orderBy(asc(actionPlanItems.dueOn), sql`${actionPlanItems.createdAt} asc`),
  ]);
  const items: (TodoItem & { on: string })[] = [
    ...reviews.map((r) => {
      const days = daysBetween(today, r.reviewOn);
      return {
        on: r.reviewOn,
        href: `/non-compliance/${r.id}`,
        title: `Review non-compliance record ${r.reference}`,
        detail: `Agreed review date ${formatDate(r.reviewOn)}`,
        tag: { tone: tone(days), label: reviewCountdown(r.reviewOn, today) },
      };
    }),
    ...actions.map((a) => {
      const days = daysBetween(today, a.dueOn);
      return {
        on: a.dueOn,
        href: `/non-compliance/${a.recordId}#action-${a.id}`,
        title: `Action for ${a.reference}: ${shorten(a.text, 80)}`,
        detail: `Due ${formatDate(a.dueOn)}`,
        tag: { tone: tone(days), label: reviewCountdown(a.dueOn, today) },
      };
    }),
  ];
  return items.sort((a, b) => a.on.localeCompare(b.on)).map(({ on: _on, ...item }) => item);
}
