/**
 * The draft editor and the version compare: each change is a pure edit of the draft's content
 * (tree.ts) saved through the policies service's saveDraftContent, which authorises, validates,
 * re-hashes, audits and refuses anything that is no longer a draft.
 */
import { and, eq } from 'drizzle-orm';
import type { Ctx } from '../../../context.ts';
import { AppError, NotFoundError, ValidationError } from '../../../errors.ts';
import { isUuid } from '../../../validation.ts';
import { authorize } from '../../auth/authorize.ts';
import { type Clause, contentSchema, type PolicyContent } from '../content.ts';
import { policyVersions } from '../schema.ts';
import * as policies from '../service.ts';
import { compareContent } from './compare.ts';
import { appendChild, clauseName, descendants, findClause, insertAfter, moveClause, newClauseId, removeClause, replaceClause } from './tree.ts';
import { agreementInput, clauseInput, declarationInput, keyPointsInput, moveInput, parseForm } from './validation.ts';

/** The version asked for is no longer a draft: the editor shows why, and saves nothing. */
export class NotDraftError extends AppError {
  constructor(
    readonly policy: policies.PolicyRow,
    readonly version: policies.VersionRow,
  ) {
    super(`${version.label} is ${version.status}: only drafts can be changed`, 409);
  }
}

export type Draft = { policy: policies.PolicyRow; version: policies.VersionRow; content: PolicyContent };

/** A draft the actor may change: managers of the policy only, and only while it is a draft. */
export async function loadDraft(ctx: Ctx, policyId: string, versionId: string): Promise<Draft> {
  const { policy, version, content } = await policies.getVersion(ctx, policyId, versionId);
  authorize(ctx.actor, 'policies.manage', policies.policyResource(policy));
  if (version.status !== 'draft') throw new NotDraftError(policy, version);
  return { policy, version, content };
}

/** Saves new content; a draft approved (or discarded) since it was loaded becomes a NotDraftError. */
async function save(ctx: Ctx, draft: Draft, sections: Clause[] | null, summary: string, changes: Partial<PolicyContent> = {}) {
  const content: PolicyContent = { ...draft.content, ...changes, ...(sections ? { sections } : {}) };
  const checked = contentSchema.safeParse(content);
  if (!checked.success) throw new ValidationError({ form: 'The draft cannot hold this much: at most 500 sections, and 500 sub-clauses in each clause' });
  try {
    return await policies.saveDraftContent(ctx, draft.policy.id, draft.version.id, content, summary);
  } catch (error) {
    if (error instanceof ValidationError && error.fieldErrors.form) {
      const fresh = await policies.getVersion(ctx, draft.policy.id, draft.version.id).catch(() => null);
      if (!fresh) throw new NotFoundError();
      if (fresh.version.status !== 'draft') throw new NotDraftError(fresh.policy, fresh.version);
    }
    throw error;
  }
}

export function locate(draft: Draft, clauseId: string) {
  const found = findClause(draft.content.sections, clauseId);
  if (!found) throw new NotFoundError();
  return found;
}

export type Placement = { clauseId: string } | { after: string | null } | { parent: string };

/** Where a new clause goes, checked against the draft: after a section (or at the end), or as a sub-clause. */
export function placementFrom(draft: Draft, query: { after?: unknown; parent?: unknown }): Placement {
  const parent = typeof query.parent === 'string' && query.parent ? query.parent : null;
  const after = typeof query.after === 'string' && query.after ? query.after : null;
  if (parent) return locate(draft, parent) && { parent };
  if (after) return locate(draft, after) && { after };
  return { after: null };
}

/** Adds a clause where `placement` says, or changes the clause `placement.clauseId` (its id and sub-clauses are kept). */
export async function saveClause(ctx: Ctx, policyId: string, versionId: string, placement: Placement, raw: unknown) {
  const draft = await loadDraft(ctx, policyId, versionId);
  const input = parseForm(clauseInput, raw);
  const fields = { number: input.number ?? null, heading: input.heading ?? null, text: input.text, topics: input.topics };
  let clause: Clause;
  let sections: Clause[] | null;
  let summary: string;
  if ('clauseId' in placement) {
    const existing = locate(draft, placement.clauseId).clause;
    clause = { ...existing, ...fields };
    sections = replaceClause(draft.content.sections, clause);
    summary = `Changed ${clauseName(clause)}`;
  } else {
    clause = { id: newClauseId(draft.content), ...fields, children: [] };
    if ('parent' in placement) {
      const parent = locate(draft, placement.parent).clause;
      sections = appendChild(draft.content.sections, placement.parent, clause);
      summary = `Added ${clauseName(clause)} under ${clauseName(parent)}`;
    } else {
      sections = insertAfter(draft.content.sections, placement.after, clause);
      summary = `Added the section ${clauseName(clause)}`;
    }
  }
  if (!sections) throw new NotFoundError();
  await save(ctx, draft, sections, summary);
  return { clause, top: findClause(sections, clause.id)?.ancestors[0] ?? clause };
}

export async function moveSection(ctx: Ctx, policyId: string, versionId: string, clauseId: string, raw: unknown) {
  const draft = await loadDraft(ctx, policyId, versionId);
  const input = parseForm(moveInput, raw);
  const { clause, ancestors } = locate(draft, clauseId);
  const result = moveClause(draft.content.sections, clauseId, input.direction);
  if (!result) throw new NotFoundError();
  if (result.moved) await save(ctx, draft, result.sections, `Moved ${clauseName(clause)} ${input.direction}`);
  return { clause, moved: result.moved, direction: input.direction, back: input.back, top: ancestors[0] ?? clause };
}

export async function removeSection(ctx: Ctx, policyId: string, versionId: string, clauseId: string) {
  const draft = await loadDraft(ctx, policyId, versionId);
  const result = removeClause(draft.content.sections, clauseId);
  if (!result) throw new NotFoundError();
  const below = descendants(result.removed).length;
  const what = `${clauseName(result.removed)}${below ? ` and its ${below === 1 ? 'sub-clause' : `${below} sub-clauses`}` : ''}`;
  await save(ctx, draft, result.sections, `Removed ${what}`);
  return { removed: result.removed, description: what };
}

export async function saveKeyPoints(ctx: Ctx, policyId: string, versionId: string, raw: unknown) {
  const draft = await loadDraft(ctx, policyId, versionId);
  const { keyPoints } = parseForm(keyPointsInput, raw);
  await save(ctx, draft, null, 'Changed the key points', { keyPoints });
  return keyPoints;
}

export async function saveAgreementStatements(ctx: Ctx, policyId: string, versionId: string, raw: unknown) {
  const draft = await loadDraft(ctx, policyId, versionId);
  const { agreementStatements } = parseForm(agreementInput, raw);
  await save(ctx, draft, null, 'Changed the agreement statements', { agreementStatements });
  return agreementStatements;
}

export async function saveDeclaration(ctx: Ctx, policyId: string, versionId: string, raw: unknown) {
  const draft = await loadDraft(ctx, policyId, versionId);
  const declaration = parseForm(declarationInput, raw);
  await save(ctx, draft, null, 'Changed the declaration', { declaration });
  return declaration;
}

/** The draft's label, change summary and reason: checked for permission and status here, saved by the policies service. */
export async function saveDetails(ctx: Ctx, policyId: string, versionId: string, raw: unknown) {
  await loadDraft(ctx, policyId, versionId);
  try {
    return await policies.updateDraftDetails(ctx, policyId, versionId, raw);
  } catch (error) {
    if (error instanceof ValidationError && error.fieldErrors.form) {
      const fresh = await policies.getVersion(ctx, policyId, versionId);
      if (fresh.version.status !== 'draft') throw new NotDraftError(fresh.policy, fresh.version);
    }
    throw error;
  }
}

/** The id of the version in force, for links (the caller has already checked the actor may see the policy). */
export async function versionInForceId(ctx: Ctx, policy: Pick<policies.PolicyRow, 'trustId' | 'id'>): Promise<string | null> {
  const [row] = await ctx.db
    .select({ id: policyVersions.id })
    .from(policyVersions)
    .where(and(eq(policyVersions.trustId, policy.trustId), eq(policyVersions.policyId, policy.id), eq(policyVersions.status, 'published')));
  return row?.id ?? null;
}

/**
 * Two versions of a policy side by side. Without choices: the version in force against the
 * draft (or the newest version). An id that is not one of the policy's versions is "not found".
 */
export async function compareVersions(ctx: Ctx, policyId: string, query: { from?: unknown; to?: unknown }) {
  const detail = await policies.getPolicy(ctx, policyId);
  const versions = detail.versions; // newest first
  const pick = (value: unknown) => {
    if (value === undefined || value === '') return undefined;
    const found = isUuid(value) ? versions.find((v) => v.id === value) : undefined;
    if (!found) throw new NotFoundError();
    return found;
  };
  const chosenFrom = pick(query.from);
  const chosenTo = pick(query.to);
  const to = chosenTo ?? detail.draft ?? detail.approved ?? versions[0];
  const from = chosenFrom ?? (detail.inForce && detail.inForce.id !== to?.id ? detail.inForce : to && versions.find((v) => v.createdAt < to.createdAt)) ?? to;
  if (!from || !to) throw new NotFoundError();
  const comparison = compareContent(contentSchema.parse(from.content), contentSchema.parse(to.content));
  return { ...detail, from, to, comparison };
}
