import type { Ctx } from '../../../context.ts';
import type { TodoItem } from '../../../modules/home/routes.tsx';
import { countdown, formatDateTime } from '../../../ui/format.ts';
import { can } from '../../auth/authorize.ts';
import { loanUrl, myLoans, overdueLoans } from './service.ts';

const devices = (n: number) => (n === 1 ? 'the device' : `the ${n} devices`);

/**
 * The home page's loan to-dos. For the person: loans to sign for, returns asked of them (with the
 * 72-hour clock) and returns to confirm. For IT services: returns that are overdue.
 */
export async function loanTodos(ctx: Ctx, now = new Date()): Promise<TodoItem[]> {
  if (ctx.actor.type !== 'person') return [];
  const todos: TodoItem[] = [];
  for (const { loan, items, returnRecorded } of await myLoans(ctx)) {
    if (loan.status === 'awaiting_signature')
      todos.push({
        href: loanUrl(loan.reference, '/sign'),
        title: `Sign for ${devices(items.length)} lent to you (${loan.reference})`,
        detail: items.map((i) => i.tag).join(', '),
        tag: { tone: 'orange', label: 'To sign' },
      });
    else if (returnRecorded)
      todos.push({
        href: loanUrl(loan.reference, '/return/confirm'),
        title: `Confirm the return of ${devices(items.length)} on ${loan.reference}`,
        detail: 'Confirm that school data was removed and everything was handed back',
      });
    else if (loan.status === 'return_requested' && loan.returnDueAt)
      todos.push({
        href: loanUrl(loan.reference),
        title: `Return ${devices(items.length)} on loan ${loan.reference} to IT`,
        detail: `Due back by ${formatDateTime(loan.returnDueAt)}`,
        tag: { tone: loan.returnDueAt <= now ? 'red' : 'orange', label: countdown(loan.returnDueAt, now) },
      });
  }
  if (can(ctx.actor, 'loans.manage', { trustId: ctx.actor.trustId }))
    for (const { loan, personName } of await overdueLoans(ctx, now))
      todos.push({
        href: loanUrl(loan.reference),
        title: `Chase the return of loan ${loan.reference} from ${personName}`,
        detail: `Due back by ${formatDateTime(loan.returnDueAt)}`,
        tag: { tone: 'red', label: countdown(loan.returnDueAt as Date, now) },
      });
  return todos;
}
