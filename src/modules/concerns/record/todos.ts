import { and, asc, desc, eq, exists, isNull, ne, sql } from 'drizzle-orm';
import type { Ctx } from '../../../context.ts';
import { formatDate, londonToday } from '../../../ui/format.ts';
import { dueCountdown, dueTone } from '../../acknowledgements/signing/service.ts';
import type { TodoItem } from '../../home/routes.tsx';
import { visibleConcernsWhere } from '../access.ts';
import { concernActions, concernRecipients, concerns } from '../schema.ts';
import { CONCERN_STATUSES, CONFIDENTIALITY, type ConcernTypeCode, type Confidentiality, typeLabel } from '../types.ts';

/** The type of a concern may be named on the home page only when it is not restricted ("Device lost or stolen" yes, "Cyberbullying" no). */
const typeWord = (type: ConcernTypeCode, confidentiality: Confidentiality) => (CONFIDENTIALITY[confidentiality].restricted ? null : typeLabel(type));
const join = (...parts: (string | null)[]) => parts.filter(Boolean).join(' · ');

/**
 * Concerns waiting for the person: new ones routed to them and not yet acknowledged (urgent
 * first), the actions they own that are not done (soonest due first), and the open concerns
 * assigned to them. Only concerns they may open (visibleConcernsWhere), and never any detail:
 * the reference, the type for unrestricted types, dates and status.
 */
export async function concernTodos(ctx: Ctx, now = new Date()): Promise<TodoItem[]> {
  const actor = ctx.actor;
  if (actor.type !== 'person') return [];
  const me = actor.personId;
  const visible = visibleConcernsWhere(actor);
  const today = londonToday(now);
  const routedToMe = exists(
    sql`(select 1 from ${concernRecipients} where ${concernRecipients.trustId} = ${concerns.trustId} and ${concernRecipients.concernId} = ${concerns.id} and ${concernRecipients.personId} = ${me})`,
  );
  const fields = {
    id: concerns.id,
    reference: concerns.reference,
    type: concerns.type,
    confidentiality: concerns.confidentiality,
    urgent: concerns.urgent,
    status: concerns.status,
    createdAt: concerns.createdAt,
  };
  const [routed, actions, assigned] = await Promise.all([
    ctx.db
      .select(fields)
      .from(concerns)
      .where(and(visible, eq(concerns.status, 'new'), routedToMe))
      .orderBy(desc(concerns.urgent), asc(concerns.createdAt)),
    ctx.db
      .select({ ...fields, actionId: concernActions.id, dueOn: concernActions.dueOn })
      .from(concernActions)
      .innerJoin(concerns, and(eq(concerns.trustId, concernActions.trustId), eq(concerns.id, concernActions.concernId)))
      .where(and(visible, eq(concernActions.ownerId, me), isNull(concernActions.doneAt)))
      .orderBy(asc(concernActions.dueOn), asc(concerns.reference)),
    ctx.db
      .select(fields)
      .from(concerns)
      .where(and(visible, eq(concerns.assigneeId, me), ne(concerns.status, 'closed')))
      .orderBy(asc(concerns.createdAt)),
  ]);
  const toAcknowledge = new Set(routed.map((c) => c.id));
  return [
    ...routed.map(
      (c): TodoItem => ({
        href: `/concerns/${c.reference}`,
        title: `${c.reference}: new report to acknowledge`,
        detail: join(typeWord(c.type, c.confidentiality), `Reported ${formatDate(c.createdAt)}`),
        tag: c.urgent ? { tone: 'red', label: 'urgent' } : undefined,
      }),
    ),
    ...actions.map(
      (a): TodoItem => ({
        href: `/concerns/${a.reference}#action-${a.actionId}`,
        title: `${a.reference}: action due ${formatDate(a.dueOn)}`,
        detail: typeWord(a.type, a.confidentiality) ?? undefined,
        tag: { tone: dueTone(a.dueOn, today), label: dueCountdown(a.dueOn, today) },
      }),
    ),
    ...assigned
      .filter((c) => !toAcknowledge.has(c.id))
      .map(
        (c): TodoItem => ({
          href: `/concerns/${c.reference}`,
          title: `${c.reference}: assigned to you`,
          detail: join(typeWord(c.type, c.confidentiality), `Reported ${formatDate(c.createdAt)}`),
          tag: { tone: CONCERN_STATUSES[c.status].tone, label: CONCERN_STATUSES[c.status].label },
        }),
      ),
  ];
}
