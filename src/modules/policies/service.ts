import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { recordEvent } from '../../audit/audit.ts';
import type { Ctx } from '../../context.ts';
import { type Db, transaction } from '../../db/client.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import { londonToday } from '../../ui/format.ts';
import { isUuid, parseOrThrow } from '../../validation.ts';
import { onVersionPublished } from '../acknowledgements/service.ts';
import { authorize, can, type Resource, schoolsFor } from '../auth/authorize.ts';
import { people } from '../organisations/schema.ts';
import { currentPeopleOptions, findPerson, schoolsOfTrust as listSchools } from '../organisations/service.ts';
import { contentHash, contentSchema, emptyContent, type PolicyContent } from './content.ts';
import { policies, policyHistory, policyReviews, policyVersions } from './schema.ts';
import { approveInput, draftInput, type PolicyInput, policyInput, publishInput } from './validation.ts';

export type PolicyRow = typeof policies.$inferSelect;
export type VersionRow = typeof policyVersions.$inferSelect;
export type VersionStatus = 'draft' | 'approved' | 'published' | 'superseded';

/** A policy as a resource to change: a trust-wide policy belongs to no single school, so only trust roles change it. */
export const policyResource = (p: Pick<PolicyRow, 'trustId' | 'schoolId'>): Resource => ({ trustId: p.trustId, schoolIds: p.schoolId ? [p.schoolId] : [] });

/** A policy as a resource to oversee: a trust-wide policy applies in every school, so every school's leaders see it. */
export const policyOversight = (p: Pick<PolicyRow, 'trustId' | 'schoolId'>): Resource =>
  p.schoolId ? { trustId: p.trustId, schoolIds: [p.schoolId] } : { trustId: p.trustId };

const actorPerson = (ctx: Ctx) => (ctx.actor.type === 'person' ? ctx.actor.personId : null);

/** "2026-03-03" plus n months, clamped to the month's last day (31 January + 1 month = 28 February). */
export function addMonths(isoDate: string, months: number): string {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, last));
  return target.toISOString().slice(0, 10);
}

async function loadPolicy(db: Db, trustId: string, policyId: string): Promise<PolicyRow> {
  const [policy] = isUuid(policyId)
    ? await db
        .select()
        .from(policies)
        .where(and(eq(policies.trustId, trustId), eq(policies.id, policyId)))
    : [];
  if (!policy) throw new NotFoundError();
  return policy;
}

async function loadVersion(db: Db, trustId: string, policyId: string, versionId: string): Promise<VersionRow> {
  const [version] = isUuid(versionId)
    ? await db
        .select()
        .from(policyVersions)
        .where(and(eq(policyVersions.trustId, trustId), eq(policyVersions.policyId, policyId), eq(policyVersions.id, versionId)))
    : [];
  if (!version) throw new NotFoundError();
  return version;
}

/** Policies the actor may see in the list, each with the version in force and any draft. */
export async function listPolicies(ctx: Ctx) {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'policies.list', { trustId });
  const visible = schoolsFor(ctx.actor, 'policies.list');
  const rows = await ctx.db.select().from(policies).where(eq(policies.trustId, trustId)).orderBy(asc(policies.title));
  const shown = rows.filter((p) => visible === 'all' || p.schoolId === null || visible.includes(p.schoolId));
  const versions = shown.length
    ? await ctx.db
        .select({ policyId: policyVersions.policyId, id: policyVersions.id, label: policyVersions.label, status: policyVersions.status })
        .from(policyVersions)
        .where(and(eq(policyVersions.trustId, trustId), inArray(policyVersions.status, ['draft', 'approved', 'published'])))
    : [];
  const schools = new Map((await listSchools(ctx.db, trustId)).map((s) => [s.id, s.name]));
  return shown.map((p) => ({
    policy: p,
    schoolName: p.schoolId ? (schools.get(p.schoolId) ?? '') : null,
    inForce: versions.find((v) => v.policyId === p.id && v.status === 'published') ?? null,
    pending: versions.find((v) => v.policyId === p.id && v.status !== 'published') ?? null,
  }));
}

/** One policy with its versions and history, for the people who manage or oversee it. */
export async function getPolicy(ctx: Ctx, policyId: string) {
  const policy = await loadPolicy(ctx.db, ctx.actor.trustId, policyId);
  authorize(ctx.actor, 'policies.list', policyOversight(policy));
  const [versions, history, owner, approver, schools, reviews] = await Promise.all([
    ctx.db
      .select()
      .from(policyVersions)
      .where(and(eq(policyVersions.trustId, policy.trustId), eq(policyVersions.policyId, policy.id)))
      .orderBy(desc(policyVersions.createdAt)),
    ctx.db
      .select()
      .from(policyHistory)
      .where(and(eq(policyHistory.trustId, policy.trustId), eq(policyHistory.policyId, policy.id)))
      .orderBy(asc(policyHistory.position)),
    policy.ownerPersonId ? findPerson(ctx.db, policy.trustId, policy.ownerPersonId) : null,
    policy.approverPersonId ? findPerson(ctx.db, policy.trustId, policy.approverPersonId) : null,
    listSchools(ctx.db, policy.trustId),
    // Reviews recorded without a new version (reviews/), newest first.
    ctx.db
      .select({ review: policyReviews, reviewerName: people.fullName })
      .from(policyReviews)
      .leftJoin(people, and(eq(people.trustId, policyReviews.trustId), eq(people.id, policyReviews.reviewedBy)))
      .where(and(eq(policyReviews.trustId, policy.trustId), eq(policyReviews.policyId, policy.id)))
      .orderBy(desc(policyReviews.reviewedOn), desc(policyReviews.createdAt)),
  ]);
  return {
    policy,
    versions,
    history,
    reviews,
    owner,
    approver,
    schoolName: policy.schoolId ? (schools.find((s) => s.id === policy.schoolId)?.name ?? '') : null,
    inForce: versions.find((v) => v.status === 'published') ?? null,
    draft: versions.find((v) => v.status === 'draft') ?? null,
    approved: versions.find((v) => v.status === 'approved') ?? null,
    canManage: can(ctx.actor, 'policies.manage', policyResource(policy)),
    canApprove: can(ctx.actor, 'policies.approve', policyResource(policy)),
  };
}

/** A version to read. Anyone in the trust reads the version in force; drafts and history need oversight. */
export async function getVersion(ctx: Ctx, policyId: string, versionId: string) {
  const policy = await loadPolicy(ctx.db, ctx.actor.trustId, policyId);
  const version = await loadVersion(ctx.db, policy.trustId, policy.id, versionId);
  authorize(ctx.actor, version.status === 'published' ? 'policies.read' : 'policies.list', policyOversight(policy));
  return { policy, version, content: contentSchema.parse(version.content) };
}

async function checkPolicyReferences(db: Db, trustId: string, input: PolicyInput, policyId?: string) {
  const errors: Record<string, string> = {};
  const schools = await listSchools(db, trustId);
  const schoolIds = new Set(schools.map((s) => s.id));
  if (input.scope !== 'trust' && !schoolIds.has(input.scope)) errors.scope = 'Choose who the policy belongs to';
  if (input.audienceSchoolIds.some((id) => !schoolIds.has(id))) errors.audienceSchoolIds = 'Choose schools from the list';
  for (const field of ['ownerPersonId', 'approverPersonId'] as const) {
    const id = input[field];
    if (id && !(await findPerson(db, trustId, id))) errors[field] = 'Choose a person from the list';
  }
  const [clash] = await db
    .select({ id: policies.id })
    .from(policies)
    .where(and(eq(policies.trustId, trustId), eq(policies.slug, input.slug)));
  if (clash && clash.id !== policyId) errors.slug = 'Another policy already uses this short name';
  if (Object.keys(errors).length) throw new ValidationError(errors);
}

const policyValues = (input: PolicyInput) => ({
  title: input.title,
  slug: input.slug,
  schoolId: input.scope === 'trust' ? null : input.scope,
  ownerPersonId: input.ownerPersonId ?? null,
  ownerRole: input.ownerRole ?? null,
  approverBody: input.approverBody ?? null,
  approverPersonId: input.approverPersonId ?? null,
  category: input.category,
  statutory: input.statutory,
  publishOnWebsite: input.publishOnWebsite,
  reviewCycleMonths: input.reviewCycleMonths,
  relatedPolicies: input.relatedPolicies,
  audiences: { kinds: input.audienceKinds, roles: input.audienceRoles, schoolIds: input.audienceSchoolIds },
});

/** Creates a policy and its first draft, blank or with content (from an import). */
export async function createPolicy(ctx: Ctx, raw: unknown, firstDraft: { label?: string; content?: PolicyContent; origin?: 'blank' | 'import' } = {}) {
  const input = parseOrThrow(policyInput, raw);
  const trustId = ctx.actor.trustId;
  const values = policyValues(input);
  authorize(ctx.actor, 'policies.manage', { trustId, schoolIds: values.schoolId ? [values.schoolId] : [] });
  const content = contentSchema.parse(firstDraft.content ?? emptyContent());
  return transaction(ctx.db, async (tx) => {
    await checkPolicyReferences(tx, trustId, input);
    const [policy] = await tx
      .insert(policies)
      .values({ trustId, ...values })
      .returning();
    if (!policy) throw new Error('insert returned nothing');
    const [draft] = await tx
      .insert(policyVersions)
      .values({
        trustId,
        policyId: policy.id,
        label: firstDraft.label ?? 'V1.0',
        content,
        contentSha256: contentHash(content),
        origin: firstDraft.origin ?? 'blank',
        createdBy: actorPerson(ctx),
      })
      .returning();
    await recordEvent(tx, ctx, {
      action: 'policy.created',
      resourceType: 'policy',
      resourceId: policy.id,
      summary: `Created the policy ${policy.title}`,
      after: values,
    });
    return { policy, draft: draft as VersionRow };
  });
}

export async function updatePolicy(ctx: Ctx, policyId: string, raw: unknown) {
  const input = parseOrThrow(policyInput, raw);
  const existing = await loadPolicy(ctx.db, ctx.actor.trustId, policyId);
  const values = policyValues(input);
  authorize(ctx.actor, 'policies.manage', policyResource(existing));
  authorize(ctx.actor, 'policies.manage', { trustId: existing.trustId, schoolIds: values.schoolId ? [values.schoolId] : [] });
  return transaction(ctx.db, async (tx) => {
    await checkPolicyReferences(tx, existing.trustId, input, existing.id);
    // A new cycle length moves the next review date with it.
    const nextReviewOn = existing.lastReviewedOn ? addMonths(existing.lastReviewedOn, values.reviewCycleMonths) : existing.nextReviewOn;
    const [policy] = await tx
      .update(policies)
      .set({ ...values, nextReviewOn, updatedAt: new Date() })
      .where(and(eq(policies.trustId, existing.trustId), eq(policies.id, existing.id)))
      .returning();
    const { createdAt: _c, updatedAt: _u, trustId: _t, id: _i, ...before } = existing;
    await recordEvent(tx, ctx, {
      action: 'policy.updated',
      resourceType: 'policy',
      resourceId: existing.id,
      summary: `Changed the details of ${values.title}`,
      before,
      after: values,
    });
    return policy as PolicyRow;
  });
}

/** Starts the next version: a copy of the version in force (or blank when there is none). */
export async function startDraft(ctx: Ctx, policyId: string, raw: unknown) {
  const input = parseOrThrow(draftInput, raw);
  const policy = await loadPolicy(ctx.db, ctx.actor.trustId, policyId);
  authorize(ctx.actor, 'policies.manage', policyResource(policy));
  return transaction(ctx.db, async (tx) => {
    const existing = await tx
      .select({ label: policyVersions.label, status: policyVersions.status, content: policyVersions.content })
      .from(policyVersions)
      .where(and(eq(policyVersions.trustId, policy.trustId), eq(policyVersions.policyId, policy.id)));
    if (existing.some((v) => v.status === 'draft' || v.status === 'approved'))
      throw new ValidationError({ label: 'This policy already has a version waiting: finish or discard it first' });
    if (existing.some((v) => v.label.toLowerCase() === input.label.toLowerCase()))
      throw new ValidationError({ label: `There is already a version ${input.label}` });
    const inForce = existing.find((v) => v.status === 'published');
    const content = inForce ? contentSchema.parse(inForce.content) : emptyContent();
    const [draft] = await tx
      .insert(policyVersions)
      .values({
        trustId: policy.trustId,
        policyId: policy.id,
        label: input.label,
        content,
        contentSha256: contentHash(content),
        changeSummary: input.changeSummary ?? null,
        changeOrigin: input.changeOrigin ?? null,
        origin: inForce ? 'copy' : 'blank',
        createdBy: actorPerson(ctx),
      })
      .returning();
    await recordEvent(tx, ctx, {
      action: 'policy_version.drafted',
      resourceType: 'policy',
      resourceId: policy.id,
      summary: `Started ${input.label} of ${policy.title}`,
      after: { label: input.label, changeSummary: input.changeSummary, changeOrigin: input.changeOrigin },
    });
    return draft as VersionRow;
  });
}

async function loadDraftForChange(ctx: Ctx, policyId: string, versionId: string) {
  const policy = await loadPolicy(ctx.db, ctx.actor.trustId, policyId);
  authorize(ctx.actor, 'policies.manage', policyResource(policy));
  const version = await loadVersion(ctx.db, policy.trustId, policy.id, versionId);
  if (version.status !== 'draft') throw new ValidationError({ form: `${version.label} is ${version.status}: only drafts can be changed` });
  return { policy, version };
}

/** Replaces a draft's content (the editor and the importer both come through here). */
export async function saveDraftContent(ctx: Ctx, policyId: string, versionId: string, rawContent: unknown, summary = 'Edited the draft') {
  const content = parseOrThrow(contentSchema, rawContent);
  const { policy, version } = await loadDraftForChange(ctx, policyId, versionId);
  return transaction(ctx.db, async (tx) => {
    const [saved] = await tx
      .update(policyVersions)
      .set({ content, contentSha256: contentHash(content), updatedAt: new Date() })
      .where(and(eq(policyVersions.trustId, policy.trustId), eq(policyVersions.id, version.id), eq(policyVersions.status, 'draft')))
      .returning();
    if (!saved) throw new ValidationError({ form: 'This draft has just been approved or discarded: reload the page' });
    await recordEvent(tx, ctx, {
      action: 'policy_version.edited',
      resourceType: 'policy',
      resourceId: policy.id,
      summary: `${summary}: ${version.label} of ${policy.title}`,
      before: { contentSha256: version.contentSha256 },
      after: { contentSha256: saved.contentSha256 },
    });
    return saved;
  });
}

export async function updateDraftDetails(ctx: Ctx, policyId: string, versionId: string, raw: unknown) {
  const input = parseOrThrow(draftInput, raw);
  const { policy, version } = await loadDraftForChange(ctx, policyId, versionId);
  return transaction(ctx.db, async (tx) => {
    const [clash] = await tx
      .select({ id: policyVersions.id })
      .from(policyVersions)
      .where(
        and(eq(policyVersions.trustId, policy.trustId), eq(policyVersions.policyId, policy.id), sql`lower(${policyVersions.label}) = lower(${input.label})`),
      );
    if (clash && clash.id !== version.id) throw new ValidationError({ label: `There is already a version ${input.label}` });
    const [saved] = await tx
      .update(policyVersions)
      .set({ label: input.label, changeSummary: input.changeSummary ?? null, changeOrigin: input.changeOrigin ?? null, updatedAt: new Date() })
      .where(and(eq(policyVersions.trustId, policy.trustId), eq(policyVersions.id, version.id)))
      .returning();
    await recordEvent(tx, ctx, {
      action: 'policy_version.edited',
      resourceType: 'policy',
      resourceId: policy.id,
      summary: `Changed the details of ${input.label} of ${policy.title}`,
      before: { label: version.label, changeSummary: version.changeSummary, changeOrigin: version.changeOrigin },
      after: input,
    });
    return saved as VersionRow;
  });
}

export async function discardDraft(ctx: Ctx, policyId: string, versionId: string) {
  const { policy, version } = await loadDraftForChange(ctx, policyId, versionId);
  const others = await ctx.db
    .select({ id: policyVersions.id })
    .from(policyVersions)
    .where(and(eq(policyVersions.trustId, policy.trustId), eq(policyVersions.policyId, policy.id)));
  if (others.length === 1) throw new ValidationError({ form: 'This is the policy’s only version: change it rather than discard it' });
  await transaction(ctx.db, async (tx) => {
    await tx.delete(policyVersions).where(and(eq(policyVersions.trustId, policy.trustId), eq(policyVersions.id, version.id)));
    await recordEvent(tx, ctx, {
      action: 'policy_version.discarded',
      resourceType: 'policy',
      resourceId: policy.id,
      summary: `Discarded the draft ${version.label} of ${policy.title}`,
      before: { label: version.label, contentSha256: version.contentSha256 },
    });
  });
}

/** Records the approval (who, when, which body, minutes): from here the text is frozen. */
export async function approveVersion(ctx: Ctx, policyId: string, versionId: string, raw: unknown) {
  const input = parseOrThrow(approveInput, raw);
  const policy = await loadPolicy(ctx.db, ctx.actor.trustId, policyId);
  authorize(ctx.actor, 'policies.approve', policyResource(policy));
  const version = await loadVersion(ctx.db, policy.trustId, policy.id, versionId);
  if (version.status !== 'draft') throw new ValidationError({ form: `${version.label} is already ${version.status}` });
  const content = contentSchema.parse(version.content);
  if (content.sections.length === 0) throw new ValidationError({ form: `${version.label} has no sections yet: add the policy’s text before approving it` });
  return transaction(ctx.db, async (tx) => {
    const [approved] = await tx
      .update(policyVersions)
      .set({
        status: 'approved',
        approvedBy: actorPerson(ctx),
        approvedAt: new Date(),
        approvalBody: input.approvalBody,
        approvalMinutesRef: input.approvalMinutesRef ?? null,
        updatedAt: new Date(),
      })
      .where(and(eq(policyVersions.trustId, policy.trustId), eq(policyVersions.id, version.id), eq(policyVersions.status, 'draft')))
      .returning();
    if (!approved) throw new ValidationError({ form: `${version.label} has just changed: reload the page` });
    await recordEvent(tx, ctx, {
      action: 'policy_version.approved',
      resourceType: 'policy',
      resourceId: policy.id,
      summary: `Approved ${version.label} of ${policy.title} (${input.approvalBody})`,
      after: { label: version.label, contentSha256: version.contentSha256, ...input },
    });
    return approved;
  });
}

/**
 * Puts an approved version in force: the previous one is superseded in the same transaction, so
 * exactly one version is in force at every moment. Material changes mean everyone signs again.
 */
export async function publishVersion(ctx: Ctx, policyId: string, versionId: string, raw: unknown) {
  const input = parseOrThrow(publishInput, raw);
  const policy = await loadPolicy(ctx.db, ctx.actor.trustId, policyId);
  authorize(ctx.actor, 'policies.approve', policyResource(policy));
  const version = await loadVersion(ctx.db, policy.trustId, policy.id, versionId);
  if (version.status !== 'approved') throw new ValidationError({ form: `${version.label} must be approved before it is published` });
  return transaction(ctx.db, async (tx) => {
    const superseded = await tx
      .update(policyVersions)
      .set({ status: 'superseded', supersededAt: new Date(), updatedAt: new Date() })
      .where(and(eq(policyVersions.trustId, policy.trustId), eq(policyVersions.policyId, policy.id), eq(policyVersions.status, 'published')))
      .returning({ id: policyVersions.id, label: policyVersions.label });
    // The first version of a policy is always material: nobody has signed anything yet.
    const material = superseded.length === 0 ? true : input.material;
    const [published] = await tx
      .update(policyVersions)
      .set({
        status: 'published',
        publishedBy: actorPerson(ctx),
        publishedAt: new Date(),
        effectiveFrom: input.effectiveFrom,
        material,
        materialReason: input.materialReason,
        updatedAt: new Date(),
      })
      .where(and(eq(policyVersions.trustId, policy.trustId), eq(policyVersions.id, version.id), eq(policyVersions.status, 'approved')))
      .returning();
    if (!published) throw new ValidationError({ form: `${version.label} has just changed: reload the page` });
    // Publishing counts as a review on the day it takes effect, or today if that is earlier.
    const reviewedOn = [input.effectiveFrom, londonToday()].sort()[0] as string;
    await tx
      .update(policies)
      .set({ lastReviewedOn: reviewedOn, nextReviewOn: addMonths(reviewedOn, policy.reviewCycleMonths), updatedAt: new Date() })
      .where(and(eq(policies.trustId, policy.trustId), eq(policies.id, policy.id)));
    // Signing follows the policy: the new version takes over the previous one's campaigns and assignments.
    const signing = await onVersionPublished(tx, ctx, {
      policyId: policy.id,
      policyTitle: policy.title,
      previousVersionId: superseded[0]?.id ?? null,
      version: { id: published.id, label: published.label },
      material,
    });
    await recordEvent(tx, ctx, {
      action: 'policy_version.published',
      resourceType: 'policy',
      resourceId: policy.id,
      summary: `Published ${version.label} of ${policy.title} as a ${material ? 'material' : 'minor'} change${superseded[0] ? `, replacing ${superseded[0].label}` : ''}`,
      after: {
        label: version.label,
        contentSha256: version.contentSha256,
        effectiveFrom: input.effectiveFrom,
        material,
        reason: input.materialReason,
        signing,
      },
    });
    return published;
  });
}

/** The schools and people a policy form offers. */
export async function policyFormOptions(ctx: Ctx) {
  return { schools: await listSchools(ctx.db, ctx.actor.trustId), people: await currentPeopleOptions(ctx.db, ctx.actor.trustId) };
}
