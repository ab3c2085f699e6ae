import { eq } from 'drizzle-orm';
import { recordEvent } from '../../audit/audit.ts';
import type { Ctx } from '../../context.ts';
import { transaction } from '../../db/client.ts';
import { parseOrThrow } from '../../validation.ts';
import { authorize } from '../auth/authorize.ts';
import { trusts } from '../organisations/schema.ts';
import { type TrustSettings, trustSettings } from '../settings/trust-settings.ts';
import { byodSettingsInput } from './validation.ts';

/** The trust's personal-device rules, for the settings form (trust administrators). */
export async function byodSettings(ctx: Ctx): Promise<TrustSettings['byod']> {
  authorize(ctx.actor, 'settings.manage', { trustId: ctx.actor.trustId });
  return (await trustSettings(ctx.db, ctx.actor.trustId)).byod;
}

/**
 * Changes the personal-device rules: the shortest passcode (4 to 16) and how many months an
 * approval lasts (1 to 36). New registrations and renewals follow them; attestations already made
 * keep the rules they were made against (their snapshot) and their expiry date.
 */
export async function updateByodSettings(ctx: Ctx, raw: unknown): Promise<TrustSettings['byod']> {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'settings.manage', { trustId });
  const input = parseOrThrow(byodSettingsInput, raw);
  return transaction(ctx.db, async (tx) => {
    const [row] = await tx.select({ settings: trusts.settings }).from(trusts).where(eq(trusts.id, trustId)).for('update');
    const before = (await trustSettings(tx, trustId)).byod;
    const byod = { minPasscodeLength: input.minPasscodeLength, attestationMonths: input.attestationMonths };
    const current = (row?.settings ?? {}) as Record<string, unknown>;
    await tx
      .update(trusts)
      .set({ settings: { ...current, byod }, updatedAt: new Date() })
      .where(eq(trusts.id, trustId));
    await recordEvent(tx, ctx, {
      action: 'settings.updated',
      resourceType: 'trust',
      resourceId: trustId,
      summary: `Personal device rules: passcode of at least ${byod.minPasscodeLength} characters, approval lasts ${byod.attestationMonths} months`,
      before: { byod: before },
      after: { byod },
    });
    return byod;
  });
}
