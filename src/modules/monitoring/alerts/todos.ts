import { and, ne, sql } from 'drizzle-orm';
import type { Ctx } from '../../../context.ts';
import type { TodoItem } from '../../home/routes.tsx';
import { alerts } from '../schema.ts';
import { mayReceiveAlerts, visibleAlertsWhere } from './audience.ts';

/**
 * The home page's line for the people alerts go to: how many alerts they may open are not closed
 * yet, and how many of those are high severity. A count and a link, never who or what.
 */
export async function alertTodos(ctx: Ctx): Promise<TodoItem[]> {
  const actor = ctx.actor;
  if (actor.type !== 'person' || !mayReceiveAlerts(actor)) return [];
  const [row] = await ctx.db
    .select({ n: sql<number>`count(*)::int`, high: sql<number>`(count(*) filter (where ${alerts.severity} = 'high'))::int` })
    .from(alerts)
    .where(and(visibleAlertsWhere(actor), ne(alerts.status, 'closed')));
  const n = row?.n ?? 0;
  const high = row?.high ?? 0;
  if (n === 0) return [];
  return [
    {
      href: '/monitoring/alerts',
      title: `${n.toLocaleString('en-GB')} monitoring ${n === 1 ? 'alert' : 'alerts'} to triage${high ? ` (${high.toLocaleString('en-GB')} high)` : ''}`,
      detail: 'Open or acknowledged, not yet closed',
      tag: high ? { tone: 'red', label: 'high severity' } : undefined,
    },
  ];
}
