import { and, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { trusts } from '../../organisations/schema.ts';
import { DEFAULT_SETTINGS, trustSettingsSchema } from '../../settings/trust-settings.ts';
import { monitoringAuditEvents } from '../schema.ts';

/** Rows deleted per statement, so a first sweep over years of events never holds one long lock. */
export const PRUNE_BATCH = 5_000;

/**
 * Deletes sign-in and file-deletion events older than each trust's retention period
 * (settings → monitoring → auditRetentionDays, by the event's own time). Idempotent, safe to run
 * on two instances at once; returns how many rows went.
 */
export async function pruneAuditEvents(db: Db, now = new Date()): Promise<{ deleted: number }> {
  // Each trust's settings are read through the one schema (missing or bad → the default); each
  // delete walks the (trust, occurred_at) index.
  const all = await db.select({ id: trusts.id, settings: trusts.settings }).from(trusts);
  let deleted = 0;
  for (const { id: trustId, settings } of all) {
    const parsed = trustSettingsSchema.safeParse(settings ?? {});
    const days = (parsed.success ? parsed.data : DEFAULT_SETTINGS).monitoring.auditRetentionDays;
    const cutoff = new Date(now.getTime() - days * 86_400_000);
    for (;;) {
      const batch = db
        .select({ id: monitoringAuditEvents.id })
        .from(monitoringAuditEvents)
        .where(and(eq(monitoringAuditEvents.trustId, trustId), lt(monitoringAuditEvents.occurredAt, cutoff)))
        .limit(PRUNE_BATCH);
      const gone = await db
        .delete(monitoringAuditEvents)
        .where(and(eq(monitoringAuditEvents.trustId, trustId), sql`${monitoringAuditEvents.id} in (${batch})`))
        .returning({ id: monitoringAuditEvents.id });
      deleted += gone.length;
      if (gone.length < PRUNE_BATCH) break;
    }
  }
  return { deleted };
}
