import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { trusts } from '../organisations/schema.ts';

/**
 * A trust's own rules, kept in `trusts.settings` and always read through this schema, so a missing
 * or old value falls back to the default. Each module reads its part; the settings page edits them.
 */
export const trustSettingsSchema = z.object({
  byod: z
    .object({
      /** The shortest passcode a personal device may have (000, 003: at least 6). */
      minPasscodeLength: z.number().int().min(4).max(16).catch(6),
      /** Months an attestation lasts before it must be renewed. */
      attestationMonths: z.number().int().min(1).max(36).catch(12),
    })
    .catch({ minPasscodeLength: 6, attestationMonths: 12 }),
  monitoring: z
    .object({
      /** Minutes within which repeats (same person, category and rule) extend an alert rather than raise another. */
      throttleMinutes: z.number().int().min(1).max(1440).catch(10),
      /** Alerts about members of staff go to the head teacher of their school, not the DSL team. */
      staffAlertsToHead: z.boolean().catch(false),
      /** Days sign-in and file-deletion events are kept (003 §4.3). */
      auditRetentionDays: z.number().int().min(30).max(3650).catch(365),
    })
    .catch({ throttleMinutes: 10, staffAlertsToHead: false, auditRetentionDays: 365 }),
});
export type TrustSettings = z.output<typeof trustSettingsSchema>;

export const DEFAULT_SETTINGS: TrustSettings = trustSettingsSchema.parse({ byod: {}, monitoring: {} });

export async function trustSettings(db: Db, trustId: string): Promise<TrustSettings> {
  const [row] = await db.select({ settings: trusts.settings }).from(trusts).where(eq(trusts.id, trustId));
  const parsed = trustSettingsSchema.safeParse(row?.settings ?? {});
  return parsed.success ? parsed.data : DEFAULT_SETTINGS;
}
