import { and, asc, eq, lte } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { countdown, londonToday } from '../../../ui/format.ts';
import { queueEmail } from '../../notifications/service.ts';
import { people } from '../../organisations/schema.ts';
import { loans } from '../schema.ts';
import { returnDueSoonEmail, returnOverdueEmail } from './emails.tsx';
import { HOUR_MS, loanUrl, notYetHandedBack, orgNameOf } from './service.ts';

/** The first reminder goes this long before the deadline. */
export const DUE_SOON_HOURS = 24;
/** Once overdue, the person and their line manager are reminded again this often. */
export const OVERDUE_EVERY_DAYS = 3;

/**
 * Which reminder a loan's return is at, `now` against its deadline: none until 24 hours before,
 * then 'due-24h'; from the deadline 'overdue', and every 3 days after 'overdue:1', 'overdue:2' ….
 * Each step is sent once (its dedupe key names the loan and the step), so a sweep run twice, or
 * missed for a while, sends nothing twice and nothing stale: only the step that is current.
 */
export function reminderStep(dueAt: Date, now: Date): string | null {
  const ms = now.getTime() - dueAt.getTime();
  if (ms < -DUE_SOON_HOURS * HOUR_MS) return null;
  if (ms < 0) return 'due-24h';
  const n = Math.floor(ms / (OVERDUE_EVERY_DAYS * 24 * HOUR_MS));
  return n === 0 ? 'overdue' : `overdue:${n}`;
}

/**
 * The loan sweep (every 5 minutes, idempotent). For each return requested and not yet handed
 * back: 24 hours before the deadline a reminder to the person (`loan:<id>:due-24h`); once the
 * deadline has passed a reminder to the person (`loan:<id>:overdue`) and to their line manager
 * (`loan:<id>:overdue:manager`), then again every 3 days (`loan:<id>:overdue:<n>` and
 * `loan:<id>:overdue:<n>:manager`). Returns how many emails it queued.
 */
export async function sendLoanReminders(db: Db, baseUrl: string, now = new Date()): Promise<{ reminders: number }> {
  const due = await db
    .select({
      id: loans.id,
      trustId: loans.trustId,
      reference: loans.reference,
      schoolId: loans.schoolId,
      returnDueAt: loans.returnDueAt,
      name: people.fullName,
      email: people.email,
      lineManagerId: people.lineManagerId,
    })
    .from(loans)
    .innerJoin(people, and(eq(people.trustId, loans.trustId), eq(people.id, loans.personId)))
    .where(and(eq(loans.status, 'return_requested'), lte(loans.returnDueAt, new Date(now.getTime() + DUE_SOON_HOURS * HOUR_MS)), notYetHandedBack))
    .orderBy(asc(loans.trustId), asc(loans.returnDueAt));
  let reminders = 0;
  const today = londonToday(now);
  for (const loan of due) {
    const dueAt = loan.returnDueAt as Date;
    const step = reminderStep(dueAt, now);
    if (!step) continue;
    const orgName = await orgNameOf(db, loan.trustId, loan.schoolId);
    const url = `${baseUrl}${loanUrl(loan.reference)}`;
    const key = `loan:${loan.id}:${step}`;
    if (step === 'due-24h') {
      const added = await queueEmail(db, {
        trustId: loan.trustId,
        to: loan.email,
        template: 'loan-return-due',
        dedupeKey: key,
        ...returnDueSoonEmail({ name: loan.name, orgName, reference: loan.reference, dueAt, url }),
      });
      if (added) reminders++;
      continue;
    }
    const late = countdown(dueAt, now);
    if (
      await queueEmail(db, {
        trustId: loan.trustId,
        to: loan.email,
        template: 'loan-return-overdue',
        dedupeKey: key,
        ...returnOverdueEmail({ name: loan.name, orgName, reference: loan.reference, dueAt, late, url }),
      })
    )
      reminders++;
    if (!loan.lineManagerId) continue;
    const [manager] = await db
      .select({ name: people.fullName, email: people.email, endDate: people.endDate })
      .from(people)
      .where(and(eq(people.trustId, loan.trustId), eq(people.id, loan.lineManagerId)));
    if (!manager || (manager.endDate && manager.endDate < today)) continue;
    if (
      await queueEmail(db, {
        trustId: loan.trustId,
        to: manager.email,
        template: 'loan-return-overdue-manager',
        dedupeKey: `${key}:manager`,
        ...returnOverdueEmail({ name: manager.name, orgName, reference: loan.reference, dueAt, late, borrower: loan.name }),
      })
    )
      reminders++;
  }
  return { reminders };
}
