import type { Ctx } from '../../../context.ts';
import { countdown, formatDateTime } from '../../../ui/format.ts';
import type { TodoItem } from '../../home/routes.tsx';
import { breachClocks, clockTone } from './service.ts';

/**
 * Breaches with a running ICO clock the person can act on (DPO, DPL), most urgent first: deciding
 * whether to report, then reporting a reportable one. The tag is the countdown to the 72-hour
 * deadline: red under 24 hours or overdue, orange otherwise.
 */
export async function breachTodos(ctx: Ctx, now = new Date()): Promise<TodoItem[]> {
  const clocks = await breachClocks(ctx);
  return clocks.map((b) => {
    const tag = { tone: clockTone(b.icoDueAt, now), label: countdown(b.icoDueAt, now) };
    const deadline = `${b.schoolName}. The 72-hour ICO deadline is ${formatDateTime(b.icoDueAt)}.`;
    return b.decision === null
      ? { href: `/concerns/${b.reference}/breach/decision`, title: `Decide whether to report ${b.reference} to the ICO`, detail: deadline, tag }
      : { href: `/concerns/${b.reference}/breach/ico`, title: `Report ${b.reference} to the ICO`, detail: `${deadline} Then record the ICO’s reference.`, tag };
  });
}
