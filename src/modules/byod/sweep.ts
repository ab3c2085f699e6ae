import { and, eq, inArray } from 'drizzle-orm';
import { recordEvent } from '../../audit/audit.ts';
import { type Db, transaction } from '../../db/client.ts';
import { londonToday, plural } from '../../ui/format.ts';
import { systemActor } from '../auth/actor.ts';
import { queueEmail } from '../notifications/service.ts';
import { personSchoolIds } from '../organisations/repository.ts';
import { people } from '../organisations/schema.ts';
import { addDays, daysBetween } from '../policies/reviews/service.ts';
import { expiredEmail, renewReminderEmail } from './emails.tsx';
import { byodDevices } from './schema.ts';
import { deviceName, latestAttestations, orgNameFor, RENEW_WINDOW_DAYS } from './service.ts';

/** When the person is reminded to renew, in days before the approval's last day. */
export const RENEW_STEPS = [
  { key: '30-days', days: 30 },
  { key: '7-days', days: 7 },
  { key: 'due', days: 0 },
] as const;
export type RenewStep = (typeof RENEW_STEPS)[number]['key'];

/**
 * The latest step whose day has come, while the approval still holds (up to and including its
 * last day); null before the first step and after the end. A missed step is not sent late once a
 * later one is due, so nobody gets two reminders on the same day.
 */
export function renewStep(expiresOn: string, today: string): RenewStep | null {
  if (today > expiresOn) return null;
  let step: RenewStep | null = null;
  for (const s of RENEW_STEPS) if (addDays(expiresOn, -s.days) <= today) step = s.key;
  return step;
}

export const renewKey = (attestationId: string, step: RenewStep | 'expired') =>
  step === 'expired' ? `byod:${attestationId}:expired` : `byod:${attestationId}:renew:${step}`;

/**
 * The personal-device sweep (every few minutes, every instance): for approved devices whose latest
 * attestation ends within 30 days, a reminder to renew 30 and 7 days before and on the last day;
 * the day after, the device becomes "Renewal overdue" (once: only from approved) and the person is
 * told. Idempotent through the dedupe keys `byod:<attestation>:renew:<step>` and `byod:<attestation>:expired`.
 */
export async function sendByodReminders(db: Db, baseUrl: string, now = new Date()): Promise<{ reminders: number }> {
  const today = londonToday(now);
  const approved = await db
    .select({ device: byodDevices, ownerName: people.fullName, ownerEmail: people.email })
    .from(byodDevices)
    .innerJoin(people, and(eq(people.trustId, byodDevices.trustId), eq(people.id, byodDevices.personId)))
    .where(eq(byodDevices.status, 'approved'));
  if (approved.length === 0) return { reminders: 0 };
  const latest = await latestAttestations(
    db,
    null,
    approved.map((r) => r.device.id),
  );
  const horizon = addDays(today, RENEW_WINDOW_DAYS);
  let reminders = 0;
  for (const { device, ownerName, ownerEmail } of approved) {
    const attestation = latest.get(device.id);
    if (attestation?.decision !== 'approved' || attestation.expiresOn > horizon) continue;
    const url = `${baseUrl}/devices/${device.id}`;
    const orgName = await orgNameFor(db, device.trustId, await personSchoolIds(db, device.trustId, device.personId));
    if (today > attestation.expiresOn) {
      const sent = await transaction(db, async (tx) => {
        const changed = await tx
          .update(byodDevices)
          .set({ status: 'expired' })
          .where(and(eq(byodDevices.trustId, device.trustId), eq(byodDevices.id, device.id), inArray(byodDevices.status, ['approved'])))
          .returning({ id: byodDevices.id });
        if (changed.length === 0) return false;
        await recordEvent(
          tx,
          { actor: systemActor(device.trustId) },
          {
            action: 'byod.expired',
            resourceType: 'byod_device',
            resourceId: device.id,
            summary: `The approval of ${ownerName}'s personal device ${deviceName(device)} ended on ${attestation.expiresOn} without renewal`,
            before: { status: 'approved' },
            after: { status: 'expired', attestationId: attestation.id },
          },
        );
        return queueEmail(tx, {
          trustId: device.trustId,
          to: ownerEmail,
          template: 'byod-expired',
          dedupeKey: renewKey(attestation.id, 'expired'),
          ...expiredEmail({ name: ownerName, orgName, device: deviceName(device), expiresOn: attestation.expiresOn, url }),
        });
      });
      if (sent) reminders++;
      continue;
    }
    const step = renewStep(attestation.expiresOn, today);
    if (!step) continue;
    const days = daysBetween(today, attestation.expiresOn);
    const added = await queueEmail(db, {
      trustId: device.trustId,
      to: ownerEmail,
      template: 'byod-renew-reminder',
      dedupeKey: renewKey(attestation.id, step),
      ...renewReminderEmail({
        name: ownerName,
        orgName,
        device: deviceName(device),
        expiresOn: attestation.expiresOn,
        when: days === 0 ? 'today' : `in ${plural(days, 'day')}`,
        url,
      }),
    });
    if (added) reminders++;
  }
  return { reminders };
}
