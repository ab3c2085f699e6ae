import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../../../context.ts';
import { sha256 } from '../../../crypto.ts';
import { transaction } from '../../../db/client.ts';
import { NotFoundError, ValidationError } from '../../../errors.ts';
import { isUuid } from '../../../validation.ts';
import { authorize, schoolsFor } from '../../auth/authorize.ts';
import { importBatches } from '../../organisations/schema.ts';
import { type Clause, POLICY_TOPICS, type PolicyContent, type PolicyTopic } from '../content.ts';
import { importPolicyFile, PolicyImportError, type PolicyProposal, proposalSchema } from '../import/index.ts';
import { policyHistory } from '../schema.ts';
import { createPolicy } from '../service.ts';

/** Whether the actor may bring a policy in anywhere (the trust, or a school they lead). */
export function assertCanImport(ctx: Ctx) {
  const manageable = schoolsFor(ctx.actor, 'policies.manage');
  if (manageable !== 'all' && manageable.length === 0) authorize(ctx.actor, 'policies.manage', { trustId: ctx.actor.trustId, schoolIds: [] });
}

/** Reads the upload and keeps the proposal until the admin has checked it. Nothing else is saved. */
export async function proposeFromUpload(ctx: Ctx, file: { name: string; bytes: Uint8Array }) {
  assertCanImport(ctx);
  let proposal: PolicyProposal;
  try {
    proposal = await importPolicyFile(file);
  } catch (error) {
    if (error instanceof PolicyImportError) throw new ValidationError({ file: error.message });
    throw error;
  }
  const [batch] = await ctx.db
    .insert(importBatches)
    .values({
      trustId: ctx.actor.trustId,
      kind: 'policy',
      fileName: file.name,
      fileSha256: sha256(Buffer.from(file.bytes)),
      content: JSON.stringify(proposal),
      createdBy: ctx.actor.type === 'person' ? ctx.actor.personId : null,
    })
    .returning({ id: importBatches.id });
  return batch?.id as string;
}

export async function loadProposal(ctx: Ctx, batchId: string) {
  assertCanImport(ctx);
  const [batch] = isUuid(batchId)
    ? await ctx.db
        .select()
        .from(importBatches)
        .where(and(eq(importBatches.trustId, ctx.actor.trustId), eq(importBatches.id, batchId), eq(importBatches.kind, 'policy')))
    : [];
  if (!batch) throw new NotFoundError();
  return { batch, proposal: proposalSchema.parse(JSON.parse(batch.content)) as PolicyProposal };
}

type ProposedSection = PolicyProposal['sections'][number];

/** Every proposed section in document order, with a stable key for its form fields. */
export function flattenSections(sections: ProposedSection[], prefix = ''): { key: string; depth: number; section: ProposedSection }[] {
  return sections.flatMap((section, i) => {
    const key = `${prefix}${i}`;
    return [{ key, depth: prefix.split('.').length - 1, section }, ...flattenSections(section.children, `${key}.`)];
  });
}

const isTopic = (t: string): t is PolicyTopic => (POLICY_TOPICS as readonly string[]).includes(t);
const lines = (v: unknown) =>
  String(v ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** The proposal with the admin's corrections, as the content of a draft version. */
export function toContent(proposal: PolicyProposal, form: Record<string, unknown>): PolicyContent {
  const convert = (sections: ProposedSection[], prefix = ''): Clause[] =>
    sections.map((s, i) => {
      const key = `${prefix}${i}`;
      const heading = form[`heading-${key}`] === undefined ? s.heading : String(form[`heading-${key}`]).trim() || null;
      return {
        id: randomUUID().slice(0, 12),
        number: s.number,
        heading,
        text: s.text,
        topics: (s.topics ?? []).filter(isTopic),
        children: convert(s.children, `${key}.`),
      };
    });
  return {
    keyPoints: form.keyPoints === undefined ? proposal.keyPoints : lines(form.keyPoints),
    sections: convert(proposal.sections),
    agreementStatements: form.agreementStatements === undefined ? proposal.agreementStatements : lines(form.agreementStatements),
    declaration: {
      wording: proposal.agreementStatements.length ? 'I have read and understand the above and agree to follow it.' : '',
      fields: form.declarationFields === undefined ? proposal.declarationFields : lines(form.declarationFields),
    },
  };
}

const labelSchema = z.preprocess(
  (v) => (typeof v === 'string' ? v.trim() : v),
  z.string().min(1, 'Enter a version label, like V2.0').max(30, 'Version label must be 30 characters or fewer'),
);

/** Saves the corrected proposal as a new policy with a draft version, and its change history. All or nothing. */
export async function saveImportedDraft(ctx: Ctx, batchId: string, form: Record<string, unknown>) {
  const { batch, proposal } = await loadProposal(ctx, batchId);
  if (batch.status === 'applied') throw new ValidationError({ form: 'This import has already been saved as a draft' });
  const label = labelSchema.safeParse(form.label);
  const content = toContent(proposal, form);
  const errors: Record<string, string> = {};
  if (!label.success) errors.label = label.error.issues[0]?.message ?? 'Enter a version label';
  if (content.sections.length === 0) errors.form = 'The document has no sections to save';
  if (Object.keys(errors).length) throw new ValidationError(errors);
  return transaction(ctx.db, async (tx) => {
    const txCtx = { ...ctx, db: tx };
    const { policy, draft } = await createPolicy(txCtx, form, { label: label.data as string, content, origin: 'import' });
    if (proposal.versionHistory.length)
      await tx.insert(policyHistory).values(
        proposal.versionHistory.map((h, position) => ({
          trustId: policy.trustId,
          policyId: policy.id,
          versionLabel: h.version ?? '',
          dateText: h.date,
          change: h.change,
          origin: h.origin,
          position,
        })),
      );
    await tx
      .update(importBatches)
      .set({ status: 'applied', appliedAt: new Date(), summary: { policyId: policy.id, versionId: draft.id } })
      .where(and(eq(importBatches.trustId, batch.trustId), eq(importBatches.id, batch.id)));
    return { policy, draft };
  });
}
