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
});
export type TrustSettings = z.output<typeof trustSettingsSchema>;

export const DEFAULT_SETTINGS: TrustSettings = trustSettingsSchema.parse({ byod: {} });

export async function trustSettings(db: Db, trustId: string): Promise<TrustSettings> {
  const [row] = await db.select({ settings: trusts.settings }).from(trusts).where(eq(trusts.id, trustId));
  const parsed = trustSettingsSchema.safeParse(row?.settings ?? {});
  return parsed.success ? parsed.data : DEFAULT_SETTINGS;
}
