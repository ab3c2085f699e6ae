import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import { recordEvent } from '../../audit/audit.ts';
import type { Ctx } from '../../context.ts';
import { sha256 } from '../../crypto.ts';
import { type Db, transaction } from '../../db/client.ts';
import { AppError, ForbiddenError, NotFoundError, ValidationError } from '../../errors.ts';
import { formatDate, londonToday, plural } from '../../ui/format.ts';
import { sniffFile } from '../../uploads.ts';
import { isUuid, manyValues, parseOrThrow } from '../../validation.ts';
import { authorize } from '../auth/authorize.ts';
import { people, personSchools, roleAssignments, schools } from '../organisations/schema.ts';
import { contentHash, contentSchema, type PolicyContent } from '../policies/content.ts';
import { policies, policyVersions } from '../policies/schema.ts';
import { type AcknowledgementRow, appendToChain } from './chain.ts';
import { type AssignmentSource, type Audience, type AuthMethod, acknowledgementScans, assignments, campaigns } from './schema.ts';
import { campaignInput, normaliseName, paperInput, signInput } from './validation.ts';

export type CampaignRow = typeof campaigns.$inferSelect;
export type AssignmentRow = typeof assignments.$inferSelect;

/** "2027-03-03" plus n days (n may be negative). */
export function addDays(isoDate: string, days: number): string {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const actorPerson = (ctx: Ctx) => (ctx.actor.type === 'person' ? ctx.actor.personId : null);

/** A person counts while they have not left: no end date, or one today or later. Leavers drop out of every count. */
export const isCurrentPerson = (today: string) => sql`(${people.endDate} is null or ${people.endDate} >= ${today})`;

/** An assignment is current until a newer version or round replaces it, or it is withdrawn. */
export const isCurrentAssignment = sql`(${assignments.replacedAt} is null and ${assignments.withdrawnAt} is null)`;

/** The resource an audience touches, for `authorize`: the whole trust, or the schools it names. */
export const audienceResource = (trustId: string, audience: Audience, policySchoolId: string | null) => ({
  trustId,
  schoolIds: policySchoolId ? [policySchoolId] : audience.everyone ? [] : audience.schoolIds,
});

/**
 * The current people an audience covers. A school's policy only ever reaches that school's people.
 * Otherwise `everyone` is the whole trust; or a person matches when they are in every non-empty
 * list (one of the schools, one of the kinds, holding one of the roles), or is named.
 */
export async function audiencePeople(db: Db, trustId: string, audience: Audience, policySchoolId: string | null, today: string) {
  const inSchools = (ids: string[]) =>
    sql`exists (select 1 from ${personSchools} ps where ps.trust_id = ${people.trustId} and ps.person_id = ${people.id} and ps.school_id in ${ids})`;
  const filters = [];
  if (!audience.everyone) {
    const matchers = [];
    if (audience.schoolIds.length) matchers.push(inSchools(audience.schoolIds));
    if (audience.kinds.length) matchers.push(inArray(people.kind, audience.kinds));
    if (audience.roles.length)
      matchers.push(
        sql`exists (select 1 from ${roleAssignments} ra where ra.trust_id = ${people.trustId} and ra.person_id = ${people.id} and ra.revoked_at is null and ra.role in ${audience.roles})`,
      );
    const byLists = matchers.length ? and(...matchers) : undefined;
    const named = audience.personIds.length ? inArray(people.id, audience.personIds) : undefined;
    filters.push(byLists && named ? sql`(${byLists} or ${named})` : (byLists ?? named ?? sql`false`));
  }
  if (policySchoolId) filters.push(inSchools([policySchoolId]));
  return db
    .select({ id: people.id, startDate: people.startDate, createdAt: people.createdAt })
    .from(people)
    .where(and(eq(people.trustId, trustId), isCurrentPerson(today), ...filters))
    .orderBy(asc(people.id));
}

async function loadPolicyInForce(db: Db, trustId: string, policyId: string) {
  const [row] = isUuid(policyId)
    ? await db
        .select({ policy: policies, version: policyVersions })
        .from(policies)
        .leftJoin(
          policyVersions,
          and(eq(policyVersions.trustId, policies.trustId), eq(policyVersions.policyId, policies.id), eq(policyVersions.status, 'published')),
        )
        .where(and(eq(policies.trustId, trustId), eq(policies.id, policyId)))
    : [];
  if (!row) throw new NotFoundError();
  return row;
}

/** Inserts assignments in chunks (a campaign for a whole trust is thousands of rows). */
async function insertAssignments(tx: Db, rows: (typeof assignments.$inferInsert)[]) {
  for (let i = 0; i < rows.length; i += 1000) await tx.insert(assignments).values(rows.slice(i, i + 1000));
}

/**
 * Assigns the version in force of a policy to an audience: a campaign, and an assignment for
 * each current person in the audience who does not already have one for this policy. Returns the
 * campaign and how many were assigned and skipped. The emails go out from the notification sweep.
 */
export async function createCampaign(ctx: Ctx, policyId: string, raw: unknown, today = londonToday()) {
  const trustId = ctx.actor.trustId;
  const { policy, version } = await loadPolicyInForce(ctx.db, trustId, policyId);
  const input = parseOrThrow(campaignInput, raw);
  authorize(ctx.actor, 'agreements.assign', audienceResource(trustId, input.audience, policy.schoolId));
  if (!version) throw new ValidationError({ form: `${policy.title} has no version in force: publish it before asking people to sign it` });
  const errors: Record<string, string> = {};
  if (input.dueOn < today) errors.dueOn = 'The due date must be today or later';
  const known = await ctx.db.select({ id: schools.id }).from(schools).where(eq(schools.trustId, trustId));
  if (input.audience.schoolIds.some((id) => !known.some((s) => s.id === id))) errors.schoolIds = 'Choose schools from the list';
  if (policy.schoolId && input.audience.schoolIds.some((id) => id !== policy.schoolId))
    errors.schoolIds = 'A school’s own policy can only be assigned at that school';
  if (input.audience.personIds.length) {
    const found = await ctx.db
      .select({ id: people.id })
      .from(people)
      .where(and(eq(people.trustId, trustId), inArray(people.id, input.audience.personIds)));
    if (found.length !== new Set(input.audience.personIds).size) errors.personIds = 'Choose people from the list';
  }
  if (Object.keys(errors).length) throw new ValidationError(errors);
  return transaction(ctx.db, async (tx) => {
    const [campaign] = await tx
      .insert(campaigns)
      .values({ trustId, policyId: policy.id, versionId: version.id, createdBy: actorPerson(ctx), ...input })
      .returning();
    if (!campaign) throw new Error('insert returned nothing');
    const audience = await audiencePeople(tx, trustId, input.audience, policy.schoolId, today);
    const already = new Set(
      (
        await tx
          .select({ personId: assignments.personId })
          .from(assignments)
          .where(and(eq(assignments.trustId, trustId), eq(assignments.policyId, policy.id), isCurrentAssignment))
      ).map((a) => a.personId),
    );
    const fresh = audience.filter((p) => !already.has(p.id));
    await insertAssignments(
      tx,
      fresh.map((p) => ({
        trustId,
        campaignId: campaign.id,
        policyId: policy.id,
        versionId: version.id,
        personId: p.id,
        dueOn: input.dueOn,
        source: 'campaign' as const,
        assignedBy: actorPerson(ctx),
      })),
    );
    await recordEvent(tx, ctx, {
      action: 'campaign.created',
      resourceType: 'policy',
      resourceId: policy.id,
      summary: `Asked ${plural(fresh.length, 'person', 'people')} to sign ${version.label} of ${policy.title} by ${formatDate(input.dueOn)}${already.size ? ` (${plural(audience.length - fresh.length, 'person', 'people')} already had it to sign)` : ''}`,
      after: { campaignId: campaign.id, version: version.label, ...input, assigned: fresh.length },
    });
    return { campaign, assigned: fresh.length, skipped: audience.length - fresh.length };
  });
}

/**
 * Onboarding: people who fall into an open campaign's audience after it started (a new starter,
 * someone who moved school or took on a role) are assigned it, due `onboardingDays` after their
 * start date or after today, whichever is later. Idempotent: run by the background sweep and
 * after people change. Returns how many it assigned.
 */
export async function syncOnboarding(db: Db, today = londonToday(), trustId?: string): Promise<{ assigned: number }> {
  const open = await db
    .select({ campaign: campaigns, policySchoolId: policies.schoolId, versionStatus: policyVersions.status })
    .from(campaigns)
    .innerJoin(policies, and(eq(policies.trustId, campaigns.trustId), eq(policies.id, campaigns.policyId)))
    .innerJoin(policyVersions, and(eq(policyVersions.trustId, campaigns.trustId), eq(policyVersions.id, campaigns.versionId)))
    .where(and(trustId ? eq(campaigns.trustId, trustId) : undefined, isNull(campaigns.closedAt), isNotNull(campaigns.onboardingDays)));
  let assigned = 0;
  for (const { campaign, policySchoolId, versionStatus } of open) {
    if (versionStatus !== 'published') continue;
    assigned += await transaction(db, async (tx) => {
      const audience = await audiencePeople(tx, campaign.trustId, campaign.audience, policySchoolId, today);
      if (!audience.length) return 0;
      const current = new Set(
        (
          await tx
            .select({ personId: assignments.personId })
            .from(assignments)
            .where(and(eq(assignments.trustId, campaign.trustId), eq(assignments.policyId, campaign.policyId), isCurrentAssignment))
        ).map((a) => a.personId),
      );
      const fresh = audience.filter((p) => !current.has(p.id));
      if (!fresh.length) return 0;
      const rows = fresh.map((p) => {
        const from = p.startDate && p.startDate > today ? p.startDate : today;
        return {
          trustId: campaign.trustId,
          campaignId: campaign.id,
          policyId: campaign.policyId,
          versionId: campaign.versionId,
          personId: p.id,
          dueOn: addDays(from, campaign.onboardingDays ?? 0),
          source: 'onboarding' as const,
        };
      });
      // Another sweep may have just assigned the same people: the one-current-assignment index keeps
      // one, and only the rows this sweep inserted are counted.
      let inserted = 0;
      for (let i = 0; i < rows.length; i += 1000)
        inserted += (
          await tx
            .insert(assignments)
            .values(rows.slice(i, i + 1000))
            .onConflictDoNothing()
            .returning({ id: assignments.id })
        ).length;
      return inserted;
    });
  }
  return { assigned };
}

/**
 * Called inside the publishing transaction. The previous version's open campaigns continue on the
 * new version, and each current assignment of the previous version is replaced by one on the new:
 *   - material change: everyone who had it (signed or not) must sign the new version, due
 *     `resignDays` after today (28 without a campaign);
 *   - minor change: a signature of the previous version still counts (the new assignment points at
 *     it, source 'carried'), and anyone who had not signed keeps their due date.
 */
export async function onVersionPublished(
  tx: Db,
  ctx: Ctx,
  p: { policyId: string; policyTitle: string; previousVersionId: string | null; version: { id: string; label: string }; material: boolean },
  today = londonToday(),
): Promise<{ reassigned: number; carried: number }> {
  const trustId = ctx.actor.trustId;
  if (!p.previousVersionId) return { reassigned: 0, carried: 0 };
  const now = new Date();
  const oldCampaigns = await tx
    .update(campaigns)
    .set({ closedAt: now, closedReason: `Continued on ${p.version.label}` })
    .where(and(eq(campaigns.trustId, trustId), eq(campaigns.versionId, p.previousVersionId), isNull(campaigns.closedAt)))
    .returning();
  const campaignMap = new Map<string, CampaignRow>();
  for (const old of oldCampaigns) {
    const { id: _id, createdAt: _c, closedAt: _x, closedReason: _r, ...rest } = old;
    const [copy] = await tx
      .insert(campaigns)
      .values({
        ...rest,
        versionId: p.version.id,
        previousCampaignId: old.id,
        dueOn: p.material ? addDays(today, old.resignDays) : old.dueOn,
        createdBy: actorPerson(ctx),
      })
      .returning();
    if (copy) campaignMap.set(old.id, copy);
  }
  const replaced = await tx
    .update(assignments)
    .set({ replacedAt: now })
    .where(and(eq(assignments.trustId, trustId), eq(assignments.versionId, p.previousVersionId), isCurrentAssignment))
    .returning();
  const rows = replaced.map((old) => {
    const campaign = old.campaignId ? campaignMap.get(old.campaignId) : undefined;
    const carried = !p.material && old.acknowledgementId !== null;
    return {
      old,
      row: {
        trustId,
        id: randomUUID(),
        campaignId: campaign?.id ?? null,
        policyId: p.policyId,
        versionId: p.version.id,
        personId: old.personId,
        dueOn: p.material ? addDays(today, campaign?.resignDays ?? 28) : old.dueOn,
        source: (p.material ? 'resign' : 'carried') as AssignmentSource,
        assignedBy: actorPerson(ctx),
        acknowledgementId: carried ? old.acknowledgementId : null,
        signedAt: carried ? old.signedAt : null,
      },
    };
  });
  await insertAssignments(
    tx,
    rows.map((r) => r.row),
  );
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    const values = sql.join(
      chunk.map((r) => sql`(${r.old.id}::uuid, ${r.row.id}::uuid)`),
      sql`, `,
    );
    await tx.execute(
      sql`update ${assignments} a set replaced_by_id = v.new_id from (values ${values}) as v(old_id, new_id) where a.trust_id = ${trustId} and a.id = v.old_id`,
    );
  }
  const reassigned = p.material ? rows.length : rows.filter((r) => !r.row.acknowledgementId).length;
  const carried = rows.length - reassigned;
  if (rows.length)
    await recordEvent(tx, ctx, {
      action: 'assignments.carried',
      resourceType: 'policy',
      resourceId: p.policyId,
      summary: p.material
        ? `Asked ${plural(rows.length, 'person', 'people')} to sign ${p.version.label} of ${p.policyTitle} again (material change)`
        : `Carried ${plural(carried, 'signature')} to ${p.version.label} of ${p.policyTitle} (minor change); ${plural(reassigned, 'person', 'people')} still to sign`,
      after: { version: p.version.label, material: p.material, reassigned, carried, campaigns: campaignMap.size },
    });
  return { reassigned, carried };
}

// ---------------------------------------------------------------------------------------------
// Signing

/** An assignment with what the signing page and the signing transaction need. */
async function loadAssignment(db: Db, trustId: string, assignmentId: string) {
  const [row] = isUuid(assignmentId)
    ? await db
        .select({ assignment: assignments, policy: policies, version: policyVersions, person: people })
        .from(assignments)
        .innerJoin(policies, and(eq(policies.trustId, assignments.trustId), eq(policies.id, assignments.policyId)))
        .innerJoin(policyVersions, and(eq(policyVersions.trustId, assignments.trustId), eq(policyVersions.id, assignments.versionId)))
        .innerJoin(people, and(eq(people.trustId, assignments.trustId), eq(people.id, assignments.personId)))
        .where(and(eq(assignments.trustId, trustId), eq(assignments.id, assignmentId)))
    : [];
  if (!row) throw new NotFoundError();
  return row;
}

export type SigningState = 'open' | 'signed' | 'replaced' | 'withdrawn' | 'not_in_force';

export function signingState(a: Pick<AssignmentRow, 'acknowledgementId' | 'replacedAt' | 'withdrawnAt'>, versionStatus: string): SigningState {
  if (a.acknowledgementId) return 'signed';
  if (a.replacedAt) return 'replaced';
  if (a.withdrawnAt) return 'withdrawn';
  if (versionStatus !== 'published') return 'not_in_force';
  return 'open';
}

/** Why an assignment cannot be signed, in plain words for the refusal page. */
export const REFUSALS: Record<Exclude<SigningState, 'open'>, string> = {
  signed: 'You have already signed this. Your signature is recorded and cannot be given twice.',
  replaced: 'A newer version of this policy has replaced the one you were asked to sign. Sign the current version instead.',
  withdrawn: 'You no longer need to sign this: the request was withdrawn.',
  not_in_force: 'This version of the policy is no longer in force, so it cannot be signed.',
};

/** The refusal the web layer shows as a page (409): nothing was recorded. */
export class SigningRefusedError extends AppError {
  constructor(
    readonly state: Exclude<SigningState, 'open'>,
    readonly assignmentId: string,
  ) {
    super(REFUSALS[state], 409);
  }
}

const ownAssignment = (ctx: Ctx, personId: string) => {
  if (ctx.actor.type !== 'person' || ctx.actor.personId !== personId)
    throw new ForbiddenError('This agreement is for someone else: you can only sign your own.');
};

/** What the signing page shows: the version as it will be recorded, and whether it can be signed. */
export async function signingView(ctx: Ctx, assignmentId: string) {
  const row = await loadAssignment(ctx.db, ctx.actor.trustId, assignmentId);
  ownAssignment(ctx, row.assignment.personId);
  const content = contentSchema.parse(row.version.content);
  return { ...row, content, state: signingState(row.assignment, row.version.status) };
}

async function personSchoolNames(db: Db, trustId: string, personId: string) {
  const rows = await db
    .select({ name: schools.name })
    .from(personSchools)
    .innerJoin(schools, and(eq(schools.trustId, personSchools.trustId), eq(schools.id, personSchools.schoolId)))
    .where(and(eq(personSchools.trustId, trustId), eq(personSchools.personId, personId)))
    .orderBy(asc(schools.name));
  return rows.map((r) => r.name).join(', ');
}

type EvidenceSource = {
  authMethod: AuthMethod;
  typedName: string;
  position: string;
  signedAt: Date;
  ip: string | null;
  userAgent: string | null;
  recordedById?: string | null;
  recordedByName?: string | null;
  proxyNote?: string | null;
  scan?: { id: string; sha256: string } | null;
  imported?: boolean;
};

/**
 * The one way an acknowledgement is written: re-checks everything inside the transaction, in a
 * fixed lock order (the version, then the assignment, then the chain head) so concurrent signing
 * and publishing queue rather than deadlock:
 *   - the version is still in force (a share lock holds off a publish until this commits);
 *   - the assignment is still current and not signed;
 *   - the content still hashes to the version's recorded hash (what was shown is what is proved).
 * Then appends the record to the chain and marks the assignment signed.
 */
export async function writeAcknowledgement(tx: Db, trustId: string, assignmentId: string, source: EvidenceSource): Promise<AcknowledgementRow> {
  const pre = await loadAssignment(tx, trustId, assignmentId);
  const [version] = await tx
    .select()
    .from(policyVersions)
    .where(and(eq(policyVersions.trustId, trustId), eq(policyVersions.id, pre.version.id)))
    .for('share');
  const [assignment] = await tx
    .select()
    .from(assignments)
    .where(and(eq(assignments.trustId, trustId), eq(assignments.id, assignmentId)))
    .for('update');
  if (!version || !assignment) throw new NotFoundError();
  // An imported signature is history: it may be of a version no longer in force, on an assignment
  // made for the record and already replaced. It still may not sign anything twice.
  const state = signingState(assignment, source.imported ? 'published' : version.status);
  if (state !== 'open' && !(source.imported && state === 'replaced')) throw new SigningRefusedError(state, assignmentId);
  const content: PolicyContent = contentSchema.parse(version.content);
  if (contentHash(content) !== version.contentSha256) throw new Error(`policy version ${version.id} no longer matches its recorded hash`);
  const ack = await appendToChain(tx, trustId, {
    assignmentId,
    personId: pre.person.id,
    personName: pre.person.fullName,
    personEmail: pre.person.email,
    schoolNames: await personSchoolNames(tx, trustId, pre.person.id),
    policyId: pre.policy.id,
    versionId: version.id,
    policyTitle: pre.policy.title,
    versionLabel: version.label,
    contentSha256: version.contentSha256,
    declarationText: content.declaration.wording,
    statements: content.agreementStatements,
    typedName: source.typedName,
    position: source.position,
    signedAt: source.signedAt,
    authMethod: source.authMethod,
    ip: source.ip,
    userAgent: source.userAgent,
    recordedById: source.recordedById ?? null,
    recordedByName: source.recordedByName ?? null,
    proxyNote: source.proxyNote ?? null,
    scanId: source.scan?.id ?? null,
    scanSha256: source.scan?.sha256 ?? null,
    imported: source.imported ?? false,
  });
  await tx
    .update(assignments)
    .set({ acknowledgementId: ack.id, signedAt: ack.signedAt })
    .where(and(eq(assignments.trustId, trustId), eq(assignments.id, assignmentId)));
  return ack;
}

/**
 * A person signs their own assignment: every agreement statement ticked, their full name typed
 * as it is on record (case and extra spaces aside) and their position. Refused, with nothing
 * recorded, when any check fails.
 */
export async function signAssignment(ctx: Ctx, assignmentId: string, raw: unknown): Promise<AcknowledgementRow> {
  const view = await signingView(ctx, assignmentId);
  if (view.state !== 'open') throw new SigningRefusedError(view.state, assignmentId);
  const parsed = signInput.safeParse(raw);
  const errors: Record<string, string> = {};
  if (!parsed.success) for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message;
  // Read the ticks on their own: a blank name must not make ticked statements look unticked.
  const ticked = new Set(manyValues.parse((raw as Record<string, unknown> | null)?.statements));
  view.content.agreementStatements.forEach((_, i) => {
    if (!ticked.has(String(i))) errors[`statement-${i}`] ??= 'Tick each statement to agree to it';
  });
  if (parsed.success && normaliseName(parsed.data.typedName) !== normaliseName(view.person.fullName))
    errors.typedName = `Type your full name as it is on record: ${view.person.fullName}`;
  if (Object.keys(errors).length || !parsed.success) throw new ValidationError(errors);
  const input = parsed.data;
  const actor = ctx.actor as Extract<Ctx['actor'], { type: 'person' }>;
  return transaction(ctx.db, async (tx) => {
    const ack = await writeAcknowledgement(tx, actor.trustId, assignmentId, {
      authMethod: actor.authMethod ?? 'magic_link',
      typedName: input.typedName,
      position: input.position,
      signedAt: new Date(),
      ip: ctx.ip ?? null,
      userAgent: ctx.userAgent ?? null,
    });
    await recordEvent(tx, ctx, {
      action: 'acknowledgement.signed',
      resourceType: 'acknowledgement',
      resourceId: ack.id,
      summary: `Signed ${ack.versionLabel} of ${ack.policyTitle}`,
      after: { seq: ack.seq, hash: ack.hash, contentSha256: ack.contentSha256 },
    });
    return ack;
  });
}

/** Scans of paper forms: PDF, JPEG or PNG, recognised by their first bytes, not their names. */
export function scanType(bytes: Buffer): string | null {
  const sniffed = sniffFile(bytes);
  return sniffed.kind === 'accepted' && ['application/pdf', 'image/jpeg', 'image/png'].includes(sniffed.contentType) ? sniffed.contentType : null;
}

/**
 * A head teacher or administrator records a signature given on paper, on the person's behalf:
 * the name, position and date as written, why it was on paper, and the scan (required, stored
 * with its SHA-256, which the chained record includes). The record says who entered it.
 */
export async function recordPaperSignature(
  ctx: Ctx,
  assignmentId: string,
  raw: unknown,
  scan: { fileName: string; bytes: Buffer } | null,
  today = londonToday(),
) {
  const row = await loadAssignment(ctx.db, ctx.actor.trustId, assignmentId);
  const schoolIds = (
    await ctx.db
      .select({ id: personSchools.schoolId })
      .from(personSchools)
      .where(and(eq(personSchools.trustId, row.person.trustId), eq(personSchools.personId, row.person.id)))
  ).map((s) => s.id);
  authorize(ctx.actor, 'acknowledgements.recordPaper', { trustId: row.person.trustId, schoolIds });
  const state = signingState(row.assignment, row.version.status);
  if (state !== 'open') throw new SigningRefusedError(state, assignmentId);
  const parsed = paperInput.safeParse(raw);
  const errors: Record<string, string> = {};
  if (!parsed.success) for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message;
  if (parsed.success && (parsed.data.signedOn ?? '') > today) errors.signedOn = 'The date on the form must be today or in the past';
  const type = scan?.bytes.length ? scanType(scan.bytes) : null;
  if (!scan || scan.bytes.length === 0) errors.scan = 'Attach a scan or photo of the signed form';
  else if (!type) errors.scan = 'The scan must be a PDF, JPEG or PNG file';
  if (Object.keys(errors).length || !parsed.success || !scan || !type) throw new ValidationError(errors);
  const input = parsed.data;
  const actor = ctx.actor;
  return transaction(ctx.db, async (tx) => {
    const digest = sha256(scan.bytes);
    const [stored] = await tx
      .insert(acknowledgementScans)
      .values({
        trustId: actor.trustId,
        fileName: scan.fileName.slice(0, 200),
        contentType: type,
        size: scan.bytes.length,
        sha256: digest,
        bytes: scan.bytes,
        uploadedBy: actorPerson(ctx),
      })
      .returning({ id: acknowledgementScans.id });
    const ack = await writeAcknowledgement(tx, actor.trustId, assignmentId, {
      authMethod: 'paper',
      typedName: input.typedName,
      position: input.position,
      // The date on the form, at midday in London, so it is the same calendar day everywhere.
      signedAt: new Date(`${input.signedOn as string}T12:00:00Z`),
      ip: ctx.ip ?? null,
      userAgent: ctx.userAgent ?? null,
      recordedById: actorPerson(ctx),
      recordedByName: actor.type === 'person' ? actor.name : null,
      proxyNote: input.proxyNote,
      scan: { id: stored?.id as string, sha256: digest },
    });
    await recordEvent(tx, ctx, {
      action: 'acknowledgement.recorded_on_paper',
      resourceType: 'acknowledgement',
      resourceId: ack.id,
      summary: `Recorded ${row.person.fullName}’s paper signature of ${ack.versionLabel} of ${ack.policyTitle}, dated ${formatDate(input.signedOn as string)}`,
      after: { seq: ack.seq, hash: ack.hash, scanSha256: digest, reason: input.proxyNote },
    });
    return ack;
  });
}

/** The person's own current agreements still to sign, soonest due first (home page, /start). */
export async function outstandingFor(db: Db, trustId: string, personId: string) {
  return db
    .select({ id: assignments.id, dueOn: assignments.dueOn, policyTitle: policies.title, versionLabel: policyVersions.label })
    .from(assignments)
    .innerJoin(policies, and(eq(policies.trustId, assignments.trustId), eq(policies.id, assignments.policyId)))
    .innerJoin(
      policyVersions,
      and(eq(policyVersions.trustId, assignments.trustId), eq(policyVersions.id, assignments.versionId), eq(policyVersions.status, 'published')),
    )
    .where(and(eq(assignments.trustId, trustId), eq(assignments.personId, personId), isCurrentAssignment, isNull(assignments.acknowledgementId)))
    .orderBy(asc(assignments.dueOn), asc(policies.title));
}
