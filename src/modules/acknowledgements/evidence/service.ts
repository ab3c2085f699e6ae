import { and, desc, eq } from 'drizzle-orm';
import { recordEvent } from '../../../audit/audit.ts';
import { auditEvents } from '../../../audit/schema.ts';
import type { Ctx } from '../../../context.ts';
import { type Db, transaction } from '../../../db/client.ts';
import { NotFoundError } from '../../../errors.ts';
import { plural } from '../../../ui/format.ts';
import { isUuid } from '../../../validation.ts';
import { actorLabel } from '../../auth/actor.ts';
import { authorize } from '../../auth/authorize.ts';
import { findPerson, findTrust, personSchoolIds } from '../../organisations/repository.ts';
import { policies } from '../../policies/schema.ts';
import { type AcknowledgementRow, type ChainProblem, type ChainReport, verifyChain, verifyRecord } from '../chain.ts';
import { acknowledgementScans, acknowledgements } from '../schema.ts';

/** Whether one record still matches its own hash and links to the record before it. */
export type RecordCheck = { intact: boolean; reason: string | null };

/** What the public verification page says when an id names no record (or is not an id at all). */
export const UNKNOWN_RECORD = 'No signature record has this number';

/** The public address that confirms a record: printed on its certificate. */
export const verifyUrl = (baseUrl: string, id: string) => `${baseUrl}/verify/${id}`;

/**
 * Loads a record of the actor's trust with its chain check, if the actor may see it: the person
 * themself, their line manager, a head teacher of one of their schools, a trust administrator, or
 * an API key that reads compliance. Another trust's record is not found; a record of the same trust
 * the actor may not see is forbidden.
 */
async function viewableRecord(ctx: Ctx, id: string) {
  const trustId = ctx.actor.trustId;
  const checked = isUuid(id) ? await verifyRecord(ctx.db, trustId, id) : null;
  if (!checked) throw new NotFoundError();
  const { row } = checked;
  const person = await findPerson(ctx.db, trustId, row.personId);
  const isLineManager = ctx.actor.type === 'person' && !!person?.lineManagerId && person.lineManagerId === ctx.actor.personId;
  if (!isLineManager)
    authorize(ctx.actor, 'acknowledgements.view', { trustId, schoolIds: await personSchoolIds(ctx.db, trustId, row.personId), personId: row.personId });
  return { ack: row, check: { intact: checked.intact, reason: checked.reason } satisfies RecordCheck };
}

async function policySlug(db: Db, trustId: string, policyId: string): Promise<string | null> {
  const [row] = await db
    .select({ slug: policies.slug })
    .from(policies)
    .where(and(eq(policies.trustId, trustId), eq(policies.id, policyId)));
  return row?.slug ?? null;
}

export type ScanInfo = { id: string; fileName: string; contentType: string; size: number; sha256: string };

/** One signature record as its page shows it: every evidence field, its chain check, and the scan's details for a paper form. */
export async function getAcknowledgement(ctx: Ctx, id: string) {
  const { ack, check } = await viewableRecord(ctx, id);
  let scan: ScanInfo | null = null;
  if (ack.scanId) {
    const [row] = await ctx.db
      .select({
        id: acknowledgementScans.id,
        fileName: acknowledgementScans.fileName,
        contentType: acknowledgementScans.contentType,
        size: acknowledgementScans.size,
        sha256: acknowledgementScans.sha256,
      })
      .from(acknowledgementScans)
      .where(and(eq(acknowledgementScans.trustId, ack.trustId), eq(acknowledgementScans.id, ack.scanId)));
    scan = row ?? null;
  }
  return { ack, check, scan, certificateHref: certificateHref(ack) };
}
export type AcknowledgementView = Awaited<ReturnType<typeof getAcknowledgement>>;

export const certificateHref = (ack: Pick<AcknowledgementRow, 'id'>) => `/certificates/${ack.id}.pdf`;

/** The stored scan of a paper form, for the same people as the record. */
export async function acknowledgementScan(ctx: Ctx, id: string) {
  const { ack } = await viewableRecord(ctx, id);
  if (!ack.scanId) throw new NotFoundError('This signature was not recorded from a paper form, so it has no scan');
  const [scan] = await ctx.db
    .select()
    .from(acknowledgementScans)
    .where(and(eq(acknowledgementScans.trustId, ack.trustId), eq(acknowledgementScans.id, ack.scanId)));
  if (!scan) throw new NotFoundError();
  return scan;
}

/** Everything the certificate PDF prints, for the same people as the record. */
export async function certificateFor(ctx: Ctx, id: string) {
  const { ack, check } = await viewableRecord(ctx, id);
  const trust = await findTrust(ctx.db, ack.trustId);
  return {
    ack,
    check,
    trustName: trust?.name ?? '',
    policySlug: (await policySlug(ctx.db, ack.trustId, ack.policyId)) ?? 'policy',
    verifyUrl: verifyUrl(ctx.baseUrl, ack.id),
  };
}
export type CertificateInput = Awaited<ReturnType<typeof certificateFor>>;

/**
 * The public verification page's answer: whoever holds a certificate (a panel, an auditor) can
 * confirm the record exists and still matches, without signing in. Ids are random UUIDs, unique
 * across the installation, so the record is found by its id alone; the answer names the person,
 * the policy and the date, never the email address, IP address, user agent or scan.
 */
export async function publicVerification(db: Db, id: string) {
  const found = isUuid(id) ? await db.select({ trustId: acknowledgements.trustId }).from(acknowledgements).where(eq(acknowledgements.id, id)).limit(2) : [];
  // Two trusts' records with one id would be a forgery (ids are random): it identifies nothing.
  const [only] = found.length === 1 ? found : [];
  const checked = only ? await verifyRecord(db, only.trustId, id) : null;
  if (!checked) throw new NotFoundError(UNKNOWN_RECORD);
  const { row } = checked;
  const trust = await findTrust(db, row.trustId);
  return {
    trustName: trust?.name ?? '',
    id: row.id,
    seq: row.seq,
    personName: row.personName,
    policyTitle: row.policyTitle,
    versionLabel: row.versionLabel,
    contentSha256: row.contentSha256,
    signedAt: row.signedAt,
    authMethod: row.authMethod,
    imported: row.imported,
    onPaper: !!row.recordedById || row.authMethod === 'paper',
    hash: row.hash,
    check: { intact: checked.intact, reason: checked.reason } satisfies RecordCheck,
  };
}
export type PublicVerification = Awaited<ReturnType<typeof publicVerification>>;

/** A check of a trust's whole chain, as the audit log keeps it (and the page and the command line show it). */
export type EvidenceCheck = Pick<ChainReport, 'checked' | 'lastSeq' | 'lastHash' | 'problem'>;

export const checkSummary = (report: EvidenceCheck) =>
  report.problem
    ? `Checked the signature records: record ${report.problem.seq} does not check out: ${report.problem.reason}`
    : `Checked ${plural(report.checked, 'signature record')}: the chain is intact`;

/**
 * Recomputes the trust's whole chain (trust administrators; the command line as the system) and
 * writes the result to the audit log, which keeps the last hash outside the chain: a later rewrite
 * of the whole chain would no longer end where an earlier check saw it end.
 */
export async function checkEvidence(ctx: Ctx): Promise<EvidenceCheck & { at: Date; by: string }> {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'evidence.verify', { trustId });
  // Read outside a transaction: on the embedded database a transaction holds the only connection,
  // and a long check must not stop people signing meanwhile.
  const report = await verifyChain(ctx.db, trustId);
  const result: EvidenceCheck = { checked: report.checked, lastSeq: report.lastSeq, lastHash: report.lastHash, problem: report.problem };
  await transaction(ctx.db, (tx) =>
    recordEvent(tx, ctx, { action: 'evidence.verified', resourceType: 'trust', resourceId: trustId, summary: checkSummary(result), after: result }),
  );
  return { ...result, at: new Date(), by: actorLabel(ctx.actor) };
}

/** The latest check of the trust's chain from the audit log, with who ran it: null when it has never been checked. */
export async function lastEvidenceCheck(ctx: Ctx): Promise<(EvidenceCheck & { at: Date; by: string }) | null> {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'evidence.verify', { trustId });
  const [event] = await ctx.db
    .select({ at: auditEvents.at, by: auditEvents.actorLabel, after: auditEvents.after })
    .from(auditEvents)
    .where(and(eq(auditEvents.trustId, trustId), eq(auditEvents.action, 'evidence.verified')))
    .orderBy(desc(auditEvents.at), desc(auditEvents.id))
    .limit(1);
  if (!event) return null;
  const after = (event.after ?? {}) as Partial<EvidenceCheck>;
  return {
    at: event.at,
    by: event.by,
    checked: after.checked ?? 0,
    lastSeq: after.lastSeq ?? 0,
    lastHash: after.lastHash ?? '',
    problem: (after.problem as ChainProblem | null | undefined) ?? null,
  };
}
