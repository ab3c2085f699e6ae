import { and, eq } from 'drizzle-orm';
import type { Ctx } from '../../../context.ts';
import type { Db } from '../../../db/client.ts';
import { NotFoundError } from '../../../errors.ts';
import { findTrust, findTrustBySlug, schoolsOfTrust } from '../../organisations/service.ts';
import { contentSchema } from '../content.ts';
import { policies, policyVersions } from '../schema.ts';
import { getVersion, type PolicyRow } from '../service.ts';

/** Slugs are lower-case words and hyphens; anything else cannot name a trust or a policy. */
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

async function schoolName(db: Db, policy: Pick<PolicyRow, 'trustId' | 'schoolId'>) {
  if (!policy.schoolId) return null;
  return (await schoolsOfTrust(db, policy.trustId)).find((s) => s.id === policy.schoolId)?.name ?? null;
}

/**
 * One version with what its printed copy names: the trust and, for a school's policy, the
 * school. The same permission as reading the version on screen (getVersion decides it).
 */
export async function versionForPrint(ctx: Ctx, policyId: string, versionId: string) {
  const { policy, version, content } = await getVersion(ctx, policyId, versionId);
  const trust = await findTrust(ctx.db, policy.trustId);
  return { trustName: trust?.name ?? '', schoolName: await schoolName(ctx.db, policy), policy, version, content };
}

/** The web address of a policy's public page, or null when the policy is not for the website. */
export const publicPath = (trustSlug: string, policy: Pick<PolicyRow, 'slug' | 'category' | 'publishOnWebsite'>) =>
  policy.category === 'public' && policy.publishOnWebsite ? `/p/${trustSlug}/${policy.slug}` : null;

/**
 * The version in force of a public policy, for anyone, signed in or not: only when the policy
 * is in the 'public' category, is marked for the website and has a version in force. Every other
 * case (no such trust, no such policy, an internal policy, not for the website, nothing in force)
 * is the same "not found", so the page never tells which.
 */
export async function publicPolicy(db: Db, trustSlug: string, policySlug: string) {
  if (!SLUG.test(trustSlug) || !SLUG.test(policySlug) || trustSlug.length > 100 || policySlug.length > 100) throw new NotFoundError();
  const trust = await findTrustBySlug(db, trustSlug);
  if (!trust) throw new NotFoundError();
  const [row] = await db
    .select({ policy: policies, version: policyVersions })
    .from(policies)
    .innerJoin(
      policyVersions,
      and(eq(policyVersions.trustId, policies.trustId), eq(policyVersions.policyId, policies.id), eq(policyVersions.status, 'published')),
    )
    .where(and(eq(policies.trustId, trust.id), eq(policies.slug, policySlug), eq(policies.category, 'public'), eq(policies.publishOnWebsite, true)));
  if (!row) throw new NotFoundError();
  return {
    trust: { name: trust.name, slug: trust.slug },
    trustName: trust.name,
    schoolName: await schoolName(db, row.policy),
    policy: row.policy,
    version: row.version,
    content: contentSchema.parse(row.version.content),
  };
}
