import type { Db } from '../src/db/client.ts';
import type { Actor } from '../src/modules/auth/actor.ts';
import { emptyContent, type PolicyContent } from '../src/modules/policies/content.ts';
import * as policyService from '../src/modules/policies/service.ts';
import { systemCtx } from './factories.ts';

/** A short policy with one key point, one numbered section, two agreement statements and a declaration. */
export const sampleContent = (text = 'Staff must lock their screen when they leave it.'): PolicyContent => ({
  ...emptyContent(),
  keyPoints: ['Lock your screen when you leave it'],
  sections: [{ id: 'intro', number: '1.0', heading: 'Introduction', text, topics: ['passwords'], children: [] }],
  agreementStatements: ['I will lock my screen when I leave it.', 'I will report anything that worries me to the DSL.'],
});

/** A trust-wide (or school) policy with V1.0 approved and published, made through the services as the system. */
export async function publishedPolicy(db: Db, trustId: string, options: { schoolId?: string; title?: string; content?: PolicyContent } = {}) {
  const ctx = systemCtx(db, trustId);
  const { policy, draft } = await policyService.createPolicy(ctx, {
    title: options.title ?? 'Staff Acceptable Use of ICT Policy',
    slug: `staff-aup-${Math.random().toString(36).slice(2, 8)}`,
    scope: options.schoolId ?? 'trust',
    category: 'internal',
    reviewCycleMonths: '12',
    approverBody: 'Board of Trustees',
  });
  await policyService.saveDraftContent(ctx, policy.id, draft.id, options.content ?? sampleContent());
  await policyService.approveVersion(ctx, policy.id, draft.id, { approvalBody: 'Board of Trustees' });
  const v1 = await policyService.publishVersion(ctx, policy.id, draft.id, { effectiveFrom: '2026-09-01', change: 'material', materialReason: 'First version' });
  return { policy, v1 };
}

/** Drafts, approves and publishes the next version (material or minor) as the given actor (default: the system). */
export async function publishNextVersion(db: Db, trustId: string, policyId: string, label: string, material: boolean, actor?: Actor, text?: string) {
  const ctx = actor ? { ...systemCtx(db, trustId), actor } : systemCtx(db, trustId);
  const draft = await policyService.startDraft(ctx, policyId, { label });
  await policyService.saveDraftContent(ctx, policyId, draft.id, sampleContent(text ?? `Changed for ${label}.`));
  await policyService.approveVersion(ctx, policyId, draft.id, { approvalBody: 'Board of Trustees' });
  return policyService.publishVersion(ctx, policyId, draft.id, {
    effectiveFrom: '2026-09-01',
    change: material ? 'material' : 'minor',
    materialReason: material ? 'New rules everyone must agree to' : 'Typing corrections',
  });
}
