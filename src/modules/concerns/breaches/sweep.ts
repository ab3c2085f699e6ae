import { and, asc, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
import { type Db, transaction } from '../../../db/client.ts';
import { formatDateTime, londonTime, londonToday } from '../../../ui/format.ts';
import { systemActor } from '../../auth/actor.ts';
import { queueEmail } from '../../notifications/service.ts';
import { people, roleAssignments } from '../../organisations/schema.ts';
import { breachEscalationEmail, concernDigestEmail } from '../emails.tsx';
import { breaches, concernEntries, concernRecipients, concerns } from '../schema.ts';
import { appendEntry, trustNameOf } from '../service.ts';

/** The daily digest of non-urgent reports goes from this London time. */
export const DIGEST_TIME = '08:00';
/** Hours after discovery at which a breach with no ICO decision is escalated to the DPO. */
export const ESCALATION_HOURS = [24, 48] as const;
const HOUR = 3_600_000;

export const digestKey = (personId: string, day: string) => `concern-digest:${personId}:${day}`;
/** One key per breach, step and person told (a trust may have more than one DPO). */
export const escalationKey = (concernId: string, hours: number, personId: string) => `breach:${concernId}:${hours}h:${personId}`;

/**
 * The concerns sweep, run by every app instance every few minutes (ADR 0005): idempotent, keyed by
 * dedupe keys, so a second run, or two instances at once, queue each message once.
 * (a) The daily digest of non-urgent reports, from 08:00 London time.
 * (b) Breach escalations at 24 and 48 hours after discovery without an ICO decision.
 */
export async function sendConcernNotifications(db: Db, baseUrl: string, now = new Date()): Promise<{ digests: number; escalations: number }> {
  const digests = await sendDigests(db, baseUrl, now);
  const escalations = await escalateBreaches(db, baseUrl, now);
  return { digests, escalations };
}

/**
 * One email a London day to each person with reports routed to them and not yet notified, listing
 * the references. The reports it lists are marked notified in the same transaction, and only if the
 * email was newly queued: a report routed after that day's digest waits for the next day's.
 */
async function sendDigests(db: Db, baseUrl: string, now: Date): Promise<number> {
  if (londonTime(now) < DIGEST_TIME) return 0;
  const day = londonToday(now);
  const waiting = await db
    .selectDistinct({ trustId: concernRecipients.trustId, personId: concernRecipients.personId })
    .from(concernRecipients)
    .innerJoin(people, and(eq(people.trustId, concernRecipients.trustId), eq(people.id, concernRecipients.personId)))
    .where(and(isNull(concernRecipients.notifiedAt), lte(concernRecipients.createdAt, now), sql`(${people.endDate} is null or ${people.endDate} >= ${day})`));
  const trustNames = new Map<string, string>();
  let sent = 0;
  for (const w of waiting) {
    if (!trustNames.has(w.trustId)) trustNames.set(w.trustId, await trustNameOf(db, w.trustId));
    const queued = await transaction(db, async (tx) => {
      // Locks this person's waiting rows: a second sweep waits here, then finds them notified.
      const rows = await tx
        .select({ concernId: concernRecipients.concernId })
        .from(concernRecipients)
        .where(
          and(
            eq(concernRecipients.trustId, w.trustId),
            eq(concernRecipients.personId, w.personId),
            isNull(concernRecipients.notifiedAt),
            lte(concernRecipients.createdAt, now),
          ),
        )
        .for('update');
      if (rows.length === 0) return false;
      const ids = rows.map((r) => r.concernId);
      const [person, refs] = await Promise.all([
        tx
          .select({ fullName: people.fullName, email: people.email })
          .from(people)
          .where(and(eq(people.trustId, w.trustId), eq(people.id, w.personId))),
        tx
          .select({ reference: concerns.reference })
          .from(concerns)
          .where(and(eq(concerns.trustId, w.trustId), inArray(concerns.id, ids)))
          .orderBy(asc(concerns.reference)),
      ]);
      const to = person[0];
      if (!to) return false;
      const message = concernDigestEmail({
        trustName: trustNames.get(w.trustId) ?? 'Countersign',
        name: to.fullName,
        references: refs.map((r) => r.reference),
        url: `${baseUrl}/concerns`,
      });
      const added = await queueEmail(tx, { trustId: w.trustId, to: to.email, template: 'concern-digest', dedupeKey: digestKey(w.personId, day), ...message });
      if (!added) return false;
      await tx
        .update(concernRecipients)
        .set({ notifiedAt: now })
        .where(and(eq(concernRecipients.trustId, w.trustId), eq(concernRecipients.personId, w.personId), inArray(concernRecipients.concernId, ids)));
      return true;
    });
    if (queued) sent++;
  }
  return sent;
}

/** The step due now for a breach found out at `discoveredAt`: the latest one whose time has come (a breach reported late gets one email, not two). */
export function escalationStep(discoveredAt: Date, now: Date): number | null {
  const hours = (now.getTime() - discoveredAt.getTime()) / HOUR;
  const due = ESCALATION_HOURS.filter((h) => hours >= h);
  return due.length ? (due[due.length - 1] as number) : null;
}

/**
 * Breaches still without a decision 24 and 48 hours after discovery: the trust's DPOs are emailed
 * (its administrators when it has no DPO) and the chronology says so, once for each step. The
 * concern's row is locked while a step is done, so two sweeps cannot both write the entry.
 */
async function escalateBreaches(db: Db, baseUrl: string, now: Date): Promise<number> {
  const candidates = await db
    .select({ trustId: breaches.trustId, concernId: breaches.concernId, discoveredAt: breaches.discoveredAt })
    .from(breaches)
    .innerJoin(concerns, and(eq(concerns.trustId, breaches.trustId), eq(concerns.id, breaches.concernId)))
    .where(
      and(isNull(breaches.decision), sql`${concerns.status} <> 'closed'`, lte(breaches.discoveredAt, new Date(now.getTime() - ESCALATION_HOURS[0] * HOUR))),
    );
  if (candidates.length === 0) return 0;
  const done = await escalatedSteps(
    db,
    candidates.map((c) => c.concernId),
  );
  let queued = 0;
  for (const c of candidates) {
    const step = escalationStep(c.discoveredAt, now);
    if (step === null || done.has(`${c.concernId}:${step}`)) continue;
    queued += await escalate(db, baseUrl, c.trustId, c.concernId, now);
  }
  return queued;
}

async function escalatedSteps(db: Db, concernIds: string[]): Promise<Set<string>> {
  const rows = await db
    .select({ concernId: concernEntries.concernId, step: sql<string>`${concernEntries.data}->>'hours'` })
    .from(concernEntries)
    .where(and(eq(concernEntries.kind, 'escalated'), inArray(concernEntries.concernId, concernIds)));
  return new Set(rows.map((r) => `${r.concernId}:${r.step}`));
}

/** Who is told when a breach has no decision: the trust's DPOs, else its administrators. */
async function escalationRecipients(db: Db, trustId: string, today: string) {
  const holders = (role: 'dpo' | 'trust_admin') =>
    db
      .selectDistinct({ personId: people.id, fullName: people.fullName, email: people.email })
      .from(roleAssignments)
      .innerJoin(people, and(eq(people.trustId, roleAssignments.trustId), eq(people.id, roleAssignments.personId)))
      .where(
        and(
          eq(roleAssignments.trustId, trustId),
          eq(roleAssignments.role, role),
          isNull(roleAssignments.schoolId),
          isNull(roleAssignments.revokedAt),
          sql`(${people.endDate} is null or ${people.endDate} >= ${today})`,
        ),
      )
      .orderBy(asc(people.fullName));
  const dpos = await holders('dpo');
  return dpos.length ? { as: 'DPO', to: dpos } : { as: 'trust administrator', to: await holders('trust_admin') };
}

/** One escalation step of one breach, in one transaction under the concern's row lock. Returns the number of emails queued. */
async function escalate(db: Db, baseUrl: string, trustId: string, concernId: string, now: Date): Promise<number> {
  return transaction(db, async (tx) => {
    const [concern] = await tx
      .select()
      .from(concerns)
      .where(and(eq(concerns.trustId, trustId), eq(concerns.id, concernId)))
      .for('update');
    const [breach] = await tx
      .select()
      .from(breaches)
      .where(and(eq(breaches.trustId, trustId), eq(breaches.concernId, concernId)));
    // Looked at again under the lock: a decision, a corrected discovery time or another sweep may have come first.
    if (!concern || !breach || breach.decision || concern.status === 'closed') return 0;
    const step = escalationStep(breach.discoveredAt, now);
    if (step === null || (await escalatedSteps(tx, [concernId])).has(`${concernId}:${step}`)) return 0;
    const recipients = await escalationRecipients(tx, trustId, londonToday(now));
    const trustName = await trustNameOf(tx, trustId);
    const deadline = formatDateTime(breach.icoDueAt);
    let queued = 0;
    for (const r of recipients.to) {
      const message = breachEscalationEmail({
        trustName,
        name: r.fullName,
        reference: concern.reference,
        hours: step,
        deadline,
        url: `${baseUrl}/concerns/${concern.reference}/breach/decision`,
      });
      if (await queueEmail(tx, { trustId, to: r.email, template: 'breach-escalation', dedupeKey: escalationKey(concernId, step, r.personId), ...message }))
        queued++;
    }
    if (queued === 0) return 0;
    const told = recipients.to.map((r) => r.fullName).join(', ');
    await appendEntry(
      tx,
      { actor: systemActor(trustId) },
      concernId,
      'escalated',
      `No ICO decision ${step} hours after the breach was found out: ${told} (${recipients.as}) told by email. The deadline is ${deadline}.`,
      { hours: step, to: recipients.to.map((r) => ({ personId: r.personId, name: r.fullName })), as: recipients.as },
      undefined,
      now,
    );
    return queued;
  });
}
