import { asc } from 'drizzle-orm';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { checkEvidence } from '../modules/acknowledgements/evidence/service.ts';
import { systemActor } from '../modules/auth/actor.ts';
import { findTrustBySlug } from '../modules/organisations/repository.ts';
import { trusts } from '../modules/organisations/schema.ts';
import { plural } from '../ui/format.ts';
import type { Output } from './context.ts';

export type VerifyEvidenceOptions = { trust?: string };

/** Exit codes: every chain intact, a chain with a problem, no such trust. */
export const EXIT = { intact: 0, failed: 1, unknownTrust: 2 } as const;

/**
 * `countersign verify-evidence [--trust <slug>]`: recomputes the signature records' hash chain of
 * one trust, or of every trust, prints one line per trust and returns the exit code. Each check is
 * written to the trust's audit log, as a check from the app is.
 */
export async function verifyEvidence(database: Database, config: Config, options: VerifyEvidenceOptions, out: Output, err: Output): Promise<number> {
  const db = database.db;
  let list: { id: string; name: string; slug: string }[];
  if (options.trust) {
    const trust = await findTrustBySlug(db, options.trust);
    if (!trust) {
      err(`There is no trust with the short name "${options.trust}". Leave out --trust to check every trust.\n`);
      return EXIT.unknownTrust;
    }
    list = [trust];
  } else {
    list = await db.select({ id: trusts.id, name: trusts.name, slug: trusts.slug }).from(trusts).orderBy(asc(trusts.name));
  }
  if (list.length === 0) {
    out('There are no trusts yet: nothing to check.\n');
    return EXIT.intact;
  }
  let failed = 0;
  for (const trust of list) {
    const report = await checkEvidence({ db, actor: systemActor(trust.id, 'Countersign command line'), baseUrl: config.baseUrl });
    const label = `${trust.name} (${trust.slug})`;
    if (report.problem) {
      failed++;
      const { seq, id, reason } = report.problem;
      out(`${label}: ${plural(report.checked, 'record')} checked, FAILED at record ${seq}${id ? ` (${id})` : ''}: ${reason}\n`);
    } else {
      out(`${label}: ${plural(report.checked, 'record')} checked, chain intact${report.checked ? ` (last hash ${report.lastHash})` : ' (no records yet)'}\n`);
    }
  }
  if (failed) {
    err(`${plural(failed, 'trust')} of ${list.length} failed the check. The first bad record of each is named above.\n`);
    return EXIT.failed;
  }
  return EXIT.intact;
}
