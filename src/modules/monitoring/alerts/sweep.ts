import type { Db } from '../../../db/client.ts';

/** The daily digest of alerts that were not emailed at once (everything below high severity). */
export async function sendAlertDigests(_db: Db, _baseUrl: string, _now = new Date()): Promise<{ digests: number }> {
  return { digests: 0 };
}
