import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { recordEvent } from '../../../audit/audit.ts';
import type { Ctx } from '../../../context.ts';
import { decodeCsv } from '../../../csv.ts';
import { type Db, transaction } from '../../../db/client.ts';
import { NotFoundError, ValidationError } from '../../../errors.ts';
import { londonToday, plural } from '../../../ui/format.ts';
import { isUuid } from '../../../validation.ts';
import { authorize } from '../../auth/authorize.ts';
import { importBatches, people } from '../../organisations/schema.ts';
import { policies, policyVersions } from '../../policies/schema.ts';
import type { AcknowledgementRow } from '../chain.ts';
import { type AssignmentSource, acknowledgements, assignments } from '../schema.ts';
import { isCurrentAssignment, SigningRefusedError, writeAcknowledgement } from '../service.ts';
import {
  looseLabel,
  type ParsedFile,
  type PlannedSignature,
  parseSignaturesCsv,
  planCounts,
  planDigest,
  planImport,
  type SignaturePlan,
  signedKey,
  type TrustState,
} from './csv.ts';

export type Upload = { fileName: string; content: Uint8Array };
export type ImportPreview = { fileName: string; plan: SignaturePlan; batchId: string | null };
export type ImportCounts = ReturnType<typeof planCounts>;
/** What an applied import did, kept on the batch and shown on its result page. */
export type ImportResult = ImportCounts & {
  /** Signatures written on an assignment the person already had to sign. */
  onExistingAssignments: number;
  /** Signatures of an earlier version that also satisfy the person's assignment of a minor revision of it. */
  carried: number;
  firstSeq: number;
  lastSeq: number;
};

const KIND = 'acknowledgements';
type PreviewSummary = ImportCounts & { planDigest: string };
type AppliedSummary = ImportResult & { planDigest: string };

/** Browsers may send a full path ("C:\fakepath\signatures.csv"); only the name itself is kept. */
const cleanFileName = (name: string) => path.posix.basename(name.replace(/\\/g, '/')).trim().slice(0, 200) || 'signatures.csv';

const importer = (ctx: Ctx) => authorize(ctx.actor, 'acknowledgements.import', { trustId: ctx.actor.trustId });

/** The people, the policies with every version, and the signatures already recorded for the versions the file names. */
async function loadState(db: Db, trustId: string, file: ParsedFile): Promise<TrustState> {
  const staff = await db
    .select({ id: people.id, email: people.email, fullName: people.fullName, position: people.position, endDate: people.endDate })
    .from(people)
    .where(eq(people.trustId, trustId));
  const versionRows = await db
    .select({
      policyId: policies.id,
      slug: policies.slug,
      title: policies.title,
      id: policyVersions.id,
      label: policyVersions.label,
      status: policyVersions.status,
    })
    .from(policies)
    .leftJoin(policyVersions, and(eq(policyVersions.trustId, policies.trustId), eq(policyVersions.policyId, policies.id)))
    .where(eq(policies.trustId, trustId))
    .orderBy(asc(policies.title), asc(policyVersions.createdAt));
  const byPolicy = new Map<string, TrustState['policies'][number]>();
  for (const r of versionRows) {
    const policy = byPolicy.get(r.policyId) ?? { id: r.policyId, slug: r.slug, title: r.title, versions: [] };
    byPolicy.set(r.policyId, policy);
    if (r.id && r.label && r.status) policy.versions.push({ id: r.id, label: r.label, status: r.status });
  }
  // Only the versions the file could mean: their signatures are what a row may already have.
  const labels = new Set(file.rows.map((r) => looseLabel(r.cells.version ?? '')));
  const versionIds = versionRows.flatMap((r) => (r.id && r.label && labels.has(looseLabel(r.label)) ? [r.id] : []));
  const signed = new Map<string, Date>();
  for (let i = 0; i < versionIds.length; i += 500) {
    const rows = await db
      .select({ personId: acknowledgements.personId, versionId: acknowledgements.versionId, signedAt: acknowledgements.signedAt })
      .from(acknowledgements)
      .where(and(eq(acknowledgements.trustId, trustId), inArray(acknowledgements.versionId, versionIds.slice(i, i + 500))));
    for (const r of rows) signed.set(signedKey(r.personId, r.versionId), r.signedAt);
  }
  return { people: staff, policies: [...byPolicy.values()], signed };
}

async function readAndPlan(db: Db, trustId: string, text: string) {
  const file = parseSignaturesCsv(text);
  return planImport(file, await loadState(db, trustId, file), londonToday());
}

/**
 * What importing the file would record. When every row is good, the file is kept as an import
 * batch until the admin decides, so what they import is exactly what they checked.
 */
export async function previewImport(ctx: Ctx, upload: Upload): Promise<ImportPreview> {
  importer(ctx);
  const text = decodeCsv(upload.content);
  const plan = await readAndPlan(ctx.db, ctx.actor.trustId, text);
  const preview: ImportPreview = { fileName: cleanFileName(upload.fileName), plan, batchId: null };
  if (plan.rowErrors.length > 0 || plan.rows.length === 0) return preview;
  const summary: PreviewSummary = { ...planCounts(plan), planDigest: planDigest(plan) };
  const [batch] = await ctx.db
    .insert(importBatches)
    .values({
      trustId: ctx.actor.trustId,
      kind: KIND,
      fileName: preview.fileName,
      fileSha256: createHash('sha256').update(upload.content).digest('hex'),
      content: text,
      options: {},
      summary,
      createdBy: ctx.actor.type === 'person' ? ctx.actor.personId : null,
    })
    .returning({ id: importBatches.id });
  if (!batch) throw new Error('insert returned nothing');
  return { ...preview, batchId: batch.id };
}

async function loadBatch(db: Db, trustId: string, batchId: string, lock = false) {
  if (!isUuid(batchId)) throw new NotFoundError();
  const query = db
    .select()
    .from(importBatches)
    .where(and(eq(importBatches.trustId, trustId), eq(importBatches.id, batchId), eq(importBatches.kind, KIND)));
  const [batch] = lock ? await query.for('update') : await query;
  if (!batch) throw new NotFoundError();
  return batch;
}

export type BatchView =
  | { status: 'previewed'; preview: ImportPreview }
  | { status: 'applied'; fileName: string; appliedAt: Date | null; result: ImportResult; fileSha256: string };

/** A batch of this trust: its result once imported, or its preview (checked again now) while waiting. */
export async function batchView(ctx: Ctx, batchId: string): Promise<BatchView> {
  importer(ctx);
  const batch = await loadBatch(ctx.db, ctx.actor.trustId, batchId);
  if (batch.status === 'applied')
    return { status: 'applied', fileName: batch.fileName, appliedAt: batch.appliedAt, result: batch.summary as AppliedSummary, fileSha256: batch.fileSha256 };
  const plan = await readAndPlan(ctx.db, ctx.actor.trustId, batch.content);
  const unchanged = plan.rowErrors.length === 0 && planDigest(plan) === (batch.summary as PreviewSummary | null)?.planDigest;
  return { status: 'previewed', preview: { fileName: batch.fileName, plan, batchId: unchanged ? batch.id : null } };
}

const CHANGED =
  'Signatures, people or policies in Countersign have changed since this file was checked, so nothing was imported. Upload the file again to check what it will do now.';

/**
 * Records a previewed file's signatures, all or nothing, in the file's order (so the evidence
 * chain follows the file). Everything is checked again inside the transaction, against the trust
 * as it is now, and refused if the result is not what the admin saw.
 */
export async function applyImport(ctx: Ctx, batchId: string): Promise<ImportResult> {
  const trustId = ctx.actor.trustId;
  importer(ctx);
  const actor = ctx.actor;
  try {
    return await transaction(ctx.db, async (tx) => {
      // The row lock makes a second, simultaneous apply of the same batch wait here and then see it applied.
      const batch = await loadBatch(tx, trustId, batchId, true);
      if (batch.status !== 'previewed') throw new ValidationError({ file: 'This file has already been imported. To import it again, upload it again.' });
      const plan = await readAndPlan(tx, trustId, batch.content);
      const digest = planDigest(plan);
      if (plan.rowErrors.length > 0 || plan.rows.length === 0 || digest !== (batch.summary as PreviewSummary | null)?.planDigest)
        throw new ValidationError({ file: CHANGED });
      // The versions first, as writeAcknowledgement locks them (version, assignment, chain head): a
      // publish of one of these policies waits for the import rather than deadlocking with it, and
      // cannot turn a version in force into an earlier one half-way through.
      const versionIds = [...new Set(plan.rows.map((r) => r.versionId))].sort();
      const locked = await tx
        .select({ id: policyVersions.id, status: policyVersions.status })
        .from(policyVersions)
        .where(and(eq(policyVersions.trustId, trustId), inArray(policyVersions.id, versionIds)))
        .orderBy(asc(policyVersions.id))
        .for('share');
      const status = new Map(locked.map((v) => [v.id, v.status]));
      if (plan.rows.some((r) => status.get(r.versionId) !== r.versionStatus)) throw new ValidationError({ file: CHANGED });

      const now = new Date();
      const recordedBy = { id: actor.type === 'person' ? actor.personId : null, name: actor.type === 'person' ? actor.name : null };
      let onExistingAssignments = 0;
      let carried = 0;
      const written: AcknowledgementRow[] = [];
      for (const row of plan.rows) {
        const done = await importSignature(tx, trustId, row, { fileName: batch.fileName, recordedBy, now });
        written.push(done.ack);
        if (done.existing) onExistingAssignments++;
        if (done.carried) carried++;
      }
      const result: ImportResult = {
        ...planCounts(plan),
        onExistingAssignments,
        carried,
        firstSeq: written[0]?.seq ?? 0,
        lastSeq: written.at(-1)?.seq ?? 0,
      };
      const summary: AppliedSummary = { ...result, planDigest: digest };
      await tx
        .update(importBatches)
        .set({ status: 'applied', appliedAt: now, summary })
        .where(and(eq(importBatches.trustId, trustId), eq(importBatches.id, batch.id)));
      await recordEvent(tx, ctx, {
        action: 'acknowledgements.imported',
        resourceType: 'import_batch',
        resourceId: batch.id,
        summary: `Imported ${plural(result.signatures, 'past signature')} from ${batch.fileName}${result.earlierVersions ? ` (${result.earlierVersions} of versions no longer in force)` : ''}`,
        after: { ...result, fileName: batch.fileName, sha256: batch.fileSha256 },
      });
      return result;
    });
  } catch (error) {
    // Someone signed, or another import recorded, one of these signatures while this one ran.
    if (error instanceof SigningRefusedError) throw new ValidationError({ file: CHANGED });
    throw error;
  }
}

type ImportContext = { fileName: string; recordedBy: { id: string | null; name: string | null }; now: Date };

const assignmentById = (trustId: string, id: string) => and(eq(assignments.trustId, trustId), eq(assignments.id, id));

/**
 * Records one past signature. A signature is always written on an assignment (the record of what
 * the person was asked to sign), and writeAcknowledgement signs only a *current* one, of which a
 * person has at most one per policy (the one-current index). So:
 *
 * 1. The person's current assignment of the policy is for this very version and not signed: the
 *    signature satisfies it (they were asked to sign the version in force and did, on paper).
 * 2. Otherwise a new assignment is made for the record: source 'import', due on the day signed,
 *    the next round for this person and version (the first, unless an earlier, unsigned
 *    assignment of the same version was replaced). It is the person's current assignment only
 *    when the version is in force and they have no current assignment of the policy: then it is
 *    their assignment of the policy, and signed. Otherwise it is made already replaced (history):
 *      - the version is no longer in force: the signature is history, and the person's assignment
 *        of the version in force (if any) is still theirs to sign;
 *      - they already have a current one (a signed one, or one carried from an earlier version):
 *        that stays as it is.
 *    writeAcknowledgement accepts a replaced assignment for an imported signature only.
 * 3. A signature of an earlier version also counts for a minor revision of it (as publishing a
 *    minor revision carries signatures): when the person's current assignment is unsigned and was
 *    carried, through minor revisions only, from their assignment of this version, it is satisfied
 *    by this signature too.
 */
async function importSignature(tx: Db, trustId: string, row: PlannedSignature, ic: ImportContext) {
  const [current] = await tx
    .select()
    .from(assignments)
    .where(and(eq(assignments.trustId, trustId), eq(assignments.policyId, row.policyId), eq(assignments.personId, row.personId), isCurrentAssignment))
    .for('update');
  const evidence = {
    authMethod: 'imported' as const,
    imported: true,
    typedName: row.personName,
    position: row.position,
    // The date on the form, at midday UTC, so it is the same calendar day in London and everywhere else.
    signedAt: new Date(`${row.signedOn}T12:00:00Z`),
    ip: null,
    userAgent: null,
    recordedById: ic.recordedBy.id,
    recordedByName: ic.recordedBy.name,
    proxyNote: `Imported from ${ic.fileName}, line ${row.line}${row.note ? `: ${row.note}` : ''}`,
  };

  if (current && current.versionId === row.versionId && current.acknowledgementId === null) {
    const ack = await writeAcknowledgement(tx, trustId, current.id, evidence);
    return { ack, existing: true, carried: false };
  }

  const [next] = await tx
    .select({ round: sql<number>`coalesce(max(${assignments.round}), 0)::int + 1` })
    .from(assignments)
    .where(and(eq(assignments.trustId, trustId), eq(assignments.versionId, row.versionId), eq(assignments.personId, row.personId)));
  // The new assignment is the person's current one only when the version is in force and they have
  // none; otherwise it is made already replaced (writeAcknowledgement accepts that for imports), so
  // the one-current index holds at every step and their current assignment is left as it is.
  const staysCurrent = row.versionStatus === 'published' && !current;
  const id = randomUUID();
  await tx.insert(assignments).values({
    trustId,
    id,
    policyId: row.policyId,
    versionId: row.versionId,
    personId: row.personId,
    dueOn: row.signedOn,
    source: 'import' satisfies AssignmentSource,
    round: next?.round ?? 1,
    assignedBy: ic.recordedBy.id,
    replacedAt: staysCurrent ? null : ic.now,
    replacedById: staysCurrent ? null : (current?.id ?? null),
  });
  const ack = await writeAcknowledgement(tx, trustId, id, evidence);

  const carried = current && current.acknowledgementId === null && (await carriedFrom(tx, trustId, current, row.versionId));
  if (carried)
    await tx
      .update(assignments)
      .set({ acknowledgementId: ack.id, signedAt: ack.signedAt })
      .where(assignmentById(trustId, (current as { id: string }).id));
  return { ack, existing: false, carried: !!carried };
}

/** Whether an assignment was carried, through minor revisions only, from the person's assignment of a version. */
async function carriedFrom(tx: Db, trustId: string, assignment: typeof assignments.$inferSelect, versionId: string): Promise<boolean> {
  let node = assignment;
  while (node.source === 'carried') {
    const [before] = await tx
      .select()
      .from(assignments)
      .where(and(eq(assignments.trustId, trustId), eq(assignments.personId, node.personId), eq(assignments.replacedById, node.id)));
    if (!before) return false;
    if (before.versionId === versionId) return true;
    node = before;
  }
  return false;
}
