import type { Ctx } from '../../../context.ts';
import { formatDate, londonToday } from '../../../ui/format.ts';
import type { TodoItem } from '../../home/routes.tsx';
import { daysBetween } from '../../policies/reviews/service.ts';
import { periodsEndingSoon } from './service.ts';
import { periodUrl } from './views.tsx';

/**
 * The head teacher's home page items: enhanced monitoring at their schools that ends within 7
 * days, so a further period can be set in time if the investigation needs one.
 */
export async function enhancedTodos(ctx: Ctx, now = new Date()): Promise<TodoItem[]> {
  if (ctx.actor.type !== 'person') return [];
  const today = londonToday(now);
  return (await periodsEndingSoon(ctx, today)).map((r) => {
    const days = daysBetween(today, r.period.endsOn);
    return {
      href: periodUrl(r.period.id),
      title: `Enhanced monitoring of ${r.personName} ends ${days === 0 ? 'today' : `on ${formatDate(r.period.endsOn)}`}`,
      detail: 'Set a further period if the investigation needs it; otherwise it ends by itself.',
      tag: { tone: days <= 1 ? 'red' : 'orange', label: days === 0 ? 'Ends today' : days === 1 ? 'Ends tomorrow' : `Ends in ${days} days` },
    };
  });
}
