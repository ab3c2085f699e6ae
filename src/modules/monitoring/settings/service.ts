import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { recordEvent } from '../../../audit/audit.ts';
import type { Ctx } from '../../../context.ts';
import { transaction } from '../../../db/client.ts';
import { plural } from '../../../ui/format.ts';
import { parseOrThrow } from '../../../validation.ts';
import { authorize } from '../../auth/authorize.ts';
import { trusts } from '../../organisations/schema.ts';
import { type TrustSettings, trustSettings } from '../../settings/trust-settings.ts';

export type MonitoringSettings = TrustSettings['monitoring'];

/** A whole number typed into a box, within a range; anything else gets the one message. */
const wholeNumber = (min: number, max: number, message: string) =>
  z.preprocess(
    (v) => (Array.isArray(v) ? v[0] : v),
    z
      .string({ error: message })
      .trim()
      .regex(/^\d{1,6}$/, message)
      .transform(Number)
      .pipe(z.number().min(min, message).max(max, message)),
  );

export const monitoringSettingsInput = z.object({
  throttleMinutes: wholeNumber(1, 1440, 'Enter the minutes as a whole number from 1 to 1,440 (24 hours)'),
  staffAlertsToHead: z.preprocess(
    (v) => (Array.isArray(v) ? v[0] : v),
    z.enum(['yes', 'no'], { error: 'Choose who alerts about members of staff go to' }).transform((v) => v === 'yes'),
  ),
  auditRetentionDays: wholeNumber(30, 3650, 'Enter the days as a whole number from 30 to 3,650 (10 years)'),
});

/** The trust's monitoring settings, for the settings form (trust administrators). */
export async function monitoringSettings(ctx: Ctx): Promise<MonitoringSettings> {
  authorize(ctx.actor, 'settings.manage', { trustId: ctx.actor.trustId });
  return (await trustSettings(ctx.db, ctx.actor.trustId)).monitoring;
}

const inWords = (s: MonitoringSettings) =>
  `repeats within ${plural(s.throttleMinutes, 'minute')} extend an alert; alerts about staff go to ${
    s.staffAlertsToHead ? 'the head teacher' : 'the DSL team'
  }; sign-in and file events kept ${plural(s.auditRetentionDays, 'day')}`;

/**
 * Changes the monitoring settings: the throttle window (1 minute to 24 hours), whether alerts about
 * members of staff go to the head teacher instead of the DSL team, and how long sign-in and
 * file-deletion events are kept (30 days to 10 years). Alerts already raised keep their audience;
 * the retention applies at the next sweep (within the hour).
 */
export async function updateMonitoringSettings(ctx: Ctx, raw: unknown): Promise<MonitoringSettings> {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'settings.manage', { trustId });
  const input = parseOrThrow(monitoringSettingsInput, raw);
  return transaction(ctx.db, async (tx) => {
    const [row] = await tx.select({ settings: trusts.settings }).from(trusts).where(eq(trusts.id, trustId)).for('update');
    const before = (await trustSettings(tx, trustId)).monitoring;
    const monitoring: MonitoringSettings = {
      throttleMinutes: input.throttleMinutes,
      staffAlertsToHead: input.staffAlertsToHead,
      auditRetentionDays: input.auditRetentionDays,
    };
    const current = (row?.settings ?? {}) as Record<string, unknown>;
    await tx
      .update(trusts)
      .set({ settings: { ...current, monitoring }, updatedAt: new Date() })
      .where(eq(trusts.id, trustId));
    await recordEvent(tx, ctx, {
      action: 'settings.updated',
      resourceType: 'trust',
      resourceId: trustId,
      summary: `Monitoring settings: ${inWords(monitoring)}`,
      before: { monitoring: before },
      after: { monitoring },
    });
    return monitoring;
  });
}
