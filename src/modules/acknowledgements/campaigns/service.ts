import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { z } from 'zod';
import { recordEvent } from '../../../audit/audit.ts';
import type { Ctx } from '../../../context.ts';
import { type Db, rows as rawRows, transaction } from '../../../db/client.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../../../errors.ts';
import { londonToday, plural } from '../../../ui/format.ts';
import { isUuid, toFieldErrors } from '../../../validation.ts';
import type { Actor } from '../../auth/actor.ts';
import { systemActor } from '../../auth/actor.ts';
import { authorize, can, schoolsFor } from '../../auth/authorize.ts';
import { listSchools, schoolsAndRolesFor } from '../../organisations/repository.ts';
import { kindLabel, PERSON_KIND_CODES, ROLE_CODES, roleLabel } from '../../organisations/roles.ts';
import { people, personSchools } from '../../organisations/schema.ts';
import { policies, policyVersions } from '../../policies/schema.ts';
import { policyResource } from '../../policies/service.ts';
import { type Audience, assignments, campaigns } from '../schema.ts';
import { addDays, audiencePeople, audienceResource, isCurrentAssignment, isCurrentPerson } from '../service.ts';
import { annualInput, type CampaignInput, campaignInput } from '../validation.ts';
import { type Cadence, DEFAULT_CADENCE } from './emails.tsx';

type PolicyRow = typeof policies.$inferSelect;
export type CampaignRow = typeof campaigns.$inferSelect;

/** Days people have to sign when the annual cycle asks them again and the assignment has no campaign. */
export const DEFAULT_RESIGN_DAYS = 28;

// ---------------------------------------------------------------------------------------------
// Who may assign

/**
 * Whether the actor may ask anyone to sign this policy: trust administrators any policy; a head
 * teacher a trust-wide policy or their own school's, for the people of their own school.
 */
export function mayAssign(actor: Actor | null | undefined, policy: Pick<PolicyRow, 'trustId' | 'schoolId'>): boolean {
  if (!actor || actor.trustId !== policy.trustId) return false;
  const held = schoolsFor(actor, 'agreements.assign');
  if (held === 'all') return true;
  return policy.schoolId ? held.includes(policy.schoolId) : held.length > 0;
}

/** The schools whose campaigns and people the actor may see on the assignment pages: 'all' or a list. */
function visibleSchools(actor: Actor): 'all' | string[] {
  const assign = schoolsFor(actor, 'agreements.assign');
  const oversee = schoolsFor(actor, 'compliance.view');
  if (assign === 'all' || oversee === 'all') return 'all';
  return [...new Set([...assign, ...oversee])];
}

/** The person (of the query's `people`) is at one of these schools; none: nobody. */
const inSchools = (ids: string[]) =>
  ids.length
    ? sql`exists (select 1 from ${personSchools} ps where ps.trust_id = ${people.trustId} and ps.person_id = ${people.id} and ps.school_id in ${ids})`
    : sql`false`;

async function loadPolicy(db: Db, trustId: string, policyId: string) {
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

// ---------------------------------------------------------------------------------------------
// The assign form

/** One message per form field: "reminderDaysBefore.1" (the list's second day) belongs to reminderDaysBefore. */
function byField(error: z.ZodError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) errors[String(issue.path[0] ?? 'form')] ??= issue.message;
  return errors;
}

export type AssignForm = Awaited<ReturnType<typeof assignForm>>;

/**
 * What the assign form offers: the policy and its version in force, the schools and people the
 * actor may choose (a head teacher: their own school's), and whether "everyone in the trust" is
 * theirs to choose.
 */
export async function assignForm(ctx: Ctx, policyId: string) {
  const trustId = ctx.actor.trustId;
  const { policy, version } = await loadPolicy(ctx.db, trustId, policyId);
  if (!mayAssign(ctx.actor, policy)) throw new ForbiddenError();
  const held = schoolsFor(ctx.actor, 'agreements.assign');
  const allSchools = await listSchools(ctx.db, trustId);
  const schoolOptions = allSchools.filter((s) => (held === 'all' || held.includes(s.id)) && (!policy.schoolId || s.id === policy.schoolId));
  const today = londonToday();
  const peopleOptions = await ctx.db
    .select({ id: people.id, fullName: people.fullName, email: people.email })
    .from(people)
    .where(and(eq(people.trustId, trustId), isCurrentPerson(today), held === 'all' ? undefined : inSchools(held)))
    .orderBy(asc(people.fullName));
  return {
    policy,
    version,
    schoolName: policy.schoolId ? (allSchools.find((s) => s.id === policy.schoolId)?.name ?? '') : null,
    schools: schoolOptions.map((s) => ({ id: s.id, name: s.name })),
    people: peopleOptions,
    /** "Everyone": the whole trust for a trust administrator; a school's own policy reaches only that school, so its head teacher may choose it too. */
    canChooseEveryone: held === 'all' || policy.schoolId !== null,
  };
}

/** The form's first values: the policy's own audiences, the default cadence, due in four weeks. */
export function assignDefaults(form: AssignForm, today: string): Record<string, string | string[]> {
  const audiences = (form.policy.audiences ?? {}) as { kinds?: string[]; roles?: string[]; schoolIds?: string[] };
  const allowed = new Set(form.schools.map((s) => s.id));
  let schoolIds = (audiences.schoolIds ?? []).filter((id) => allowed.has(id));
  if (!form.canChooseEveryone && schoolIds.length === 0) schoolIds = form.schools.map((s) => s.id);
  const kinds = (audiences.kinds ?? []).filter((k) => (PERSON_KIND_CODES as string[]).includes(k));
  const roles = (audiences.roles ?? []).filter((r) => (ROLE_CODES as string[]).includes(r));
  const filtered = !form.canChooseEveryone || schoolIds.length > 0 || kinds.length > 0 || roles.length > 0;
  return {
    audience: filtered ? 'filtered' : 'everyone',
    schoolIds,
    kinds,
    roles,
    dueOn: addDays(today, 28),
    onboarding: 'yes',
    onboardingDays: '14',
    reminderDaysBefore: DEFAULT_CADENCE.reminderDaysBefore.join(', '),
    overdueEveryDays: String(DEFAULT_CADENCE.overdueEveryDays),
    escalateManagerAfterDays: String(DEFAULT_CADENCE.escalateManagerAfterDays),
    escalateHeadAfterDays: String(DEFAULT_CADENCE.escalateHeadAfterDays),
    resignDays: String(DEFAULT_RESIGN_DAYS),
  };
}

/**
 * Checks the form as createCampaign will, and says how many people it will reach: the current
 * people in the audience, less those who already have this policy to sign or signed. Throws
 * ValidationError (with the fields' messages) or ForbiddenError (a head teacher choosing beyond
 * their school).
 */
export async function previewCampaign(ctx: Ctx, policyId: string, raw: unknown, today = londonToday()) {
  const form = await assignForm(ctx, policyId);
  const { policy, version } = form;
  const parsed = campaignInput.safeParse(raw);
  if (!parsed.success) throw new ValidationError(byField(parsed.error));
  const input = parsed.data;
  authorize(ctx.actor, 'agreements.assign', audienceResource(policy.trustId, input.audience, policy.schoolId));
  if (!version) throw new ValidationError({ form: `${policy.title} has no version in force: publish it before asking people to sign it` });
  const errors: Record<string, string> = {};
  if (input.dueOn < today) errors.dueOn = 'The due date must be today or later';
  if (input.audience.schoolIds.some((id) => !form.schools.some((s) => s.id === id)))
    errors.schoolIds = policy.schoolId ? 'A school’s own policy can only be assigned at that school' : 'Choose schools from the list';
  if (input.audience.personIds.some((id) => !form.people.some((p) => p.id === id)))
    errors.personIds = form.canChooseEveryone ? 'Choose people from the list' : 'Choose people at your school from the list';
  if (Object.keys(errors).length) throw new ValidationError(errors);
  const audience = await audiencePeople(ctx.db, policy.trustId, input.audience, policy.schoolId, today);
  const [holding] = audience.length
    ? await ctx.db
        .select({ n: sql<number>`count(*)::int` })
        .from(assignments)
        .where(
          and(
            eq(assignments.trustId, policy.trustId),
            eq(assignments.policyId, policy.id),
            isCurrentAssignment,
            inArray(
              assignments.personId,
              audience.map((p) => p.id),
            ),
          ),
        )
    : [{ n: 0 }];
  const already = holding?.n ?? 0;
  const words = await audienceInWords(ctx.db, policy.trustId, input.audience, form.schoolName);
  return { form, input, version, reach: audience.length - already, already, words };
}

// ---------------------------------------------------------------------------------------------
// Saying who and how, in words

/** "People at School A who are employees or volunteers, and Tess Teacher". */
export function describeAudience(audience: Audience, names: { schools: Map<string, string>; people: Map<string, string> }, policySchool: string | null) {
  const within = policySchool ? ` (only people at ${policySchool}: it is the school’s own policy)` : '';
  if (audience.everyone) return policySchool ? `Everyone at ${policySchool}` : 'Everyone in the trust';
  const or = (items: string[]) => (items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`);
  const and = (items: string[]) => (items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`);
  const parts: string[] = [];
  if (audience.schoolIds.length) parts.push(`at ${or(audience.schoolIds.map((id) => names.schools.get(id) ?? 'a school no longer listed'))}`);
  if (audience.kinds.length) parts.push(`who are ${or(audience.kinds.map((k) => `${kindLabel(k).toLocaleLowerCase('en-GB')}s`))}`);
  if (audience.roles.length) parts.push(`with the role ${or(audience.roles.map((r) => roleLabel(r)))}`);
  const named = audience.personIds.map((id) => names.people.get(id) ?? 'someone no longer listed');
  if (!parts.length) return `${and(named)}${within}`;
  const lists = `People ${parts.join(' ')}`;
  return `${named.length ? `${lists}, and ${and(named)}` : lists}${within}`;
}

async function audienceInWords(db: Db, trustId: string, audience: Audience, policySchool: string | null) {
  const [schoolRows, named] = await Promise.all([
    listSchools(db, trustId),
    audience.personIds.length
      ? db
          .select({ id: people.id, fullName: people.fullName })
          .from(people)
          .where(and(eq(people.trustId, trustId), inArray(people.id, audience.personIds)))
      : [],
  ]);
  return describeAudience(
    audience,
    { schools: new Map(schoolRows.map((s) => [s.id, s.name])), people: new Map(named.map((p) => [p.id, p.fullName])) },
    policySchool,
  );
}

export const cadenceOf = (
  c: Pick<CampaignRow, 'reminderDaysBefore' | 'overdueEveryDays' | 'escalateManagerAfterDays' | 'escalateHeadAfterDays'> | null,
): Cadence =>
  c
    ? {
        reminderDaysBefore: c.reminderDaysBefore,
        overdueEveryDays: c.overdueEveryDays,
        escalateManagerAfterDays: c.escalateManagerAfterDays,
        escalateHeadAfterDays: c.escalateHeadAfterDays,
      }
    : DEFAULT_CADENCE;

/** The input as a summary of the choices, for the check page: each value back in its form field's words. */
export const inputAsValues = (input: CampaignInput): Record<string, string | string[]> => ({
  audience: input.audience.everyone ? 'everyone' : 'filtered',
  schoolIds: input.audience.schoolIds,
  kinds: input.audience.kinds,
  roles: input.audience.roles,
  personIds: input.audience.personIds,
  dueOn: input.dueOn,
  onboarding: input.onboardingDays === null ? '' : 'yes',
  onboardingDays: input.onboardingDays === null ? '' : String(input.onboardingDays),
  reminderDaysBefore: input.reminderDaysBefore.join(', '),
  overdueEveryDays: String(input.overdueEveryDays),
  escalateManagerAfterDays: input.escalateManagerAfterDays === null ? '' : String(input.escalateManagerAfterDays),
  escalateHeadAfterDays: input.escalateHeadAfterDays === null ? '' : String(input.escalateHeadAfterDays),
  resignDays: String(input.resignDays),
});

// ---------------------------------------------------------------------------------------------
// The campaigns list and one campaign

const PAGE_SIZE = 50;

function mayOversee(actor: Actor) {
  const trustId = actor.trustId;
  if (!can(actor, 'agreements.assign', { trustId }) && !can(actor, 'compliance.view', { trustId })) authorize(actor, 'compliance.view', { trustId });
}

/** Counts per campaign over its current people (leavers drop out); for a closed campaign, over everyone it ever reached. */
async function campaignCounts(db: Db, trustId: string, campaignIds: string[], visible: 'all' | string[], today: string) {
  const result = new Map<string, { current: number; signed: number; outstanding: number; overdue: number; ever: number; everSigned: number }>();
  if (!campaignIds.length) return result;
  const current = sql`(${assignments.replacedAt} is null and ${assignments.withdrawnAt} is null)`;
  const counted = await db
    .select({
      campaignId: assignments.campaignId,
      current: sql<number>`count(*) filter (where ${current})::int`,
      signed: sql<number>`count(*) filter (where ${current} and ${assignments.acknowledgementId} is not null)::int`,
      outstanding: sql<number>`count(*) filter (where ${current} and ${assignments.acknowledgementId} is null)::int`,
      overdue: sql<number>`count(*) filter (where ${current} and ${assignments.acknowledgementId} is null and ${assignments.dueOn} < ${today})::int`,
      ever: sql<number>`count(distinct ${assignments.personId})::int`,
      everSigned: sql<number>`count(distinct ${assignments.personId}) filter (where ${assignments.acknowledgementId} is not null)::int`,
    })
    .from(assignments)
    .innerJoin(people, and(eq(people.trustId, assignments.trustId), eq(people.id, assignments.personId)))
    .where(
      and(
        eq(assignments.trustId, trustId),
        inArray(assignments.campaignId, campaignIds),
        isNull(assignments.withdrawnAt),
        isCurrentPerson(today),
        visible === 'all' ? undefined : inSchools(visible),
      ),
    )
    .groupBy(assignments.campaignId);
  for (const c of counted) if (c.campaignId) result.set(c.campaignId, c);
  return result;
}

export type CampaignSummary = {
  campaign: CampaignRow;
  policyTitle: string;
  policySchoolId: string | null;
  versionLabel: string;
  versionStatus: string;
  createdByName: string | null;
  audienceWords: string;
  counts: { assigned: number; signed: number; outstanding: number; overdue: number };
};

async function summaries(db: Db, trustId: string, where: SQL | undefined, visible: 'all' | string[], today: string): Promise<CampaignSummary[]> {
  const creator = alias(people, 'creator');
  const list = await db
    .select({
      campaign: campaigns,
      policyTitle: policies.title,
      policySchoolId: policies.schoolId,
      versionLabel: policyVersions.label,
      versionStatus: policyVersions.status,
      createdByName: creator.fullName,
    })
    .from(campaigns)
    .innerJoin(policies, and(eq(policies.trustId, campaigns.trustId), eq(policies.id, campaigns.policyId)))
    .innerJoin(policyVersions, and(eq(policyVersions.trustId, campaigns.trustId), eq(policyVersions.id, campaigns.versionId)))
    .leftJoin(creator, and(eq(creator.trustId, campaigns.trustId), eq(creator.id, campaigns.createdBy)))
    .where(
      and(
        eq(campaigns.trustId, trustId),
        where,
        visible === 'all' ? undefined : visible.length ? sql`(${policies.schoolId} is null or ${policies.schoolId} in ${visible})` : isNull(policies.schoolId),
      ),
    )
    .orderBy(sql`${campaigns.closedAt} is not null`, desc(campaigns.createdAt));
  const [schoolRows, named, counts] = await Promise.all([
    listSchools(db, trustId),
    (async () => {
      const ids = [...new Set(list.flatMap((c) => c.campaign.audience.personIds))];
      return ids.length
        ? db
            .select({ id: people.id, fullName: people.fullName })
            .from(people)
            .where(and(eq(people.trustId, trustId), inArray(people.id, ids)))
        : [];
    })(),
    campaignCounts(
      db,
      trustId,
      list.map((c) => c.campaign.id),
      visible,
      today,
    ),
  ]);
  const names = { schools: new Map(schoolRows.map((s) => [s.id, s.name])), people: new Map(named.map((p) => [p.id, p.fullName])) };
  return list.map((row) => {
    const c = counts.get(row.campaign.id);
    const open = !row.campaign.closedAt;
    return {
      ...row,
      audienceWords: describeAudience(row.campaign.audience, names, row.policySchoolId ? (names.schools.get(row.policySchoolId) ?? null) : null),
      counts: open
        ? { assigned: c?.current ?? 0, signed: c?.signed ?? 0, outstanding: c?.outstanding ?? 0, overdue: c?.overdue ?? 0 }
        : { assigned: c?.ever ?? 0, signed: c?.everSigned ?? 0, outstanding: c?.outstanding ?? 0, overdue: c?.overdue ?? 0 },
    };
  });
}

/** Every campaign of the trust the actor may oversee, open ones first, newest first. */
export async function listCampaigns(ctx: Ctx, today = londonToday()): Promise<CampaignSummary[]> {
  mayOversee(ctx.actor);
  return summaries(ctx.db, ctx.actor.trustId, undefined, visibleSchools(ctx.actor), today);
}

/**
 * One campaign: its settings and counts, and the people who have still to sign it (paged, soonest
 * due first). School leaders see their own schools' people only.
 */
export async function campaignDetail(ctx: Ctx, campaignId: string, page = 1, today = londonToday()) {
  mayOversee(ctx.actor);
  const trustId = ctx.actor.trustId;
  if (!isUuid(campaignId)) throw new NotFoundError();
  const visible = visibleSchools(ctx.actor);
  const [found] = await summaries(ctx.db, trustId, eq(campaigns.id, campaignId), 'all', today);
  if (!found) throw new NotFoundError();
  if (visible !== 'all' && found.policySchoolId && !visible.includes(found.policySchoolId)) throw new ForbiddenError();
  const summary = visible === 'all' ? found : ((await summaries(ctx.db, trustId, eq(campaigns.id, campaignId), visible, today))[0] ?? found);
  const assigner = alias(people, 'assigner');
  const where = and(
    eq(assignments.trustId, trustId),
    eq(assignments.campaignId, campaignId),
    isCurrentAssignment,
    isNull(assignments.acknowledgementId),
    isCurrentPerson(today),
    visible === 'all' ? undefined : inSchools(visible),
  );
  const [outstanding, [total]] = await Promise.all([
    ctx.db
      .select({
        id: assignments.id,
        personId: people.id,
        name: people.fullName,
        position: people.position,
        dueOn: assignments.dueOn,
        source: assignments.source,
        assignedAt: assignments.assignedAt,
        assignedByName: assigner.fullName,
      })
      .from(assignments)
      .innerJoin(people, and(eq(people.trustId, assignments.trustId), eq(people.id, assignments.personId)))
      .leftJoin(assigner, and(eq(assigner.trustId, assignments.trustId), eq(assigner.id, assignments.assignedBy)))
      .where(where)
      .orderBy(asc(assignments.dueOn), asc(people.fullName), asc(people.id))
      .limit(PAGE_SIZE)
      .offset((page - 1) * PAGE_SIZE),
    ctx.db
      .select({ n: sql<number>`count(*)::int` })
      .from(assignments)
      .innerJoin(people, and(eq(people.trustId, assignments.trustId), eq(people.id, assignments.personId)))
      .where(where),
  ]);
  const { schoolsByPerson } = await schoolsAndRolesFor(
    ctx.db,
    trustId,
    outstanding.map((o) => o.personId),
  );
  const [previous] = summary.campaign.previousCampaignId
    ? await ctx.db
        .select({ id: campaigns.id, versionLabel: policyVersions.label })
        .from(campaigns)
        .innerJoin(policyVersions, and(eq(policyVersions.trustId, campaigns.trustId), eq(policyVersions.id, campaigns.versionId)))
        .where(and(eq(campaigns.trustId, trustId), eq(campaigns.id, summary.campaign.previousCampaignId)))
    : [];
  const [next] = await ctx.db
    .select({ id: campaigns.id, versionLabel: policyVersions.label })
    .from(campaigns)
    .innerJoin(policyVersions, and(eq(policyVersions.trustId, campaigns.trustId), eq(policyVersions.id, campaigns.versionId)))
    .where(and(eq(campaigns.trustId, trustId), eq(campaigns.previousCampaignId, campaignId)));
  return {
    ...summary,
    cadence: cadenceOf(summary.campaign),
    previous: previous ?? null,
    next: next ?? null,
    outstanding: outstanding.map((o) => ({ ...o, schools: (schoolsByPerson.get(o.personId) ?? []).map((s) => s.name) })),
    total: total?.n ?? 0,
    page,
    pageSize: PAGE_SIZE,
    canSeePeople: can(ctx.actor, 'people.list', { trustId }),
  };
}
export type CampaignDetail = Awaited<ReturnType<typeof campaignDetail>>;

// ---------------------------------------------------------------------------------------------
// Annual re-signing

/** The policy and its setting, for the form (the policy page shows it too). */
export async function resignCycleForm(ctx: Ctx, policyId: string) {
  const { policy, version } = await loadPolicy(ctx.db, ctx.actor.trustId, policyId);
  authorize(ctx.actor, 'policies.manage', policyResource(policy));
  return { policy, version };
}

/**
 * Sets (or, blank, clears) how many months after their last signature everyone signs the policy
 * again. The sweep starts each person's new round when their signature reaches that age.
 */
export async function setResignCycle(ctx: Ctx, policyId: string, raw: unknown) {
  const { policy } = await resignCycleForm(ctx, policyId);
  const parsed = annualInput.safeParse(raw);
  if (!parsed.success) throw new ValidationError(toFieldErrors(parsed.error));
  const months = parsed.data.resignEveryMonths ?? null;
  return transaction(ctx.db, async (tx) => {
    const [updated] = await tx
      .update(policies)
      .set({ resignEveryMonths: months, updatedAt: new Date() })
      .where(and(eq(policies.trustId, policy.trustId), eq(policies.id, policy.id)))
      .returning();
    await recordEvent(tx, ctx, {
      action: 'policy.resign_cycle_set',
      resourceType: 'policy',
      resourceId: policy.id,
      summary: months
        ? `Everyone signs ${policy.title} again every ${plural(months, 'month')}`
        : `${policy.title} is signed again only when a material version is published`,
      before: { resignEveryMonths: policy.resignEveryMonths },
      after: { resignEveryMonths: months, note: parsed.data.note ?? null },
    });
    return updated as PolicyRow;
  });
}

type Replaced = { id: string; campaign_id: string | null; person_id: string; round: number };

/**
 * The annual round: for each policy with a re-sign cycle and a version in force, every current,
 * signed assignment whose signature (its London date) is at least the cycle's months old is
 * replaced by a new one on the same version, round + 1, due `resignDays` of its campaign after
 * today (28 without one). Leavers are not asked.
 *
 * Safe to run on two workers at once: the UPDATE marks the old assignments replaced only while
 * they are still current (`replaced_at is null`), so a second worker waiting on the same rows
 * re-checks them after the first commits and finds nothing to do; the new rows and the audit entry
 * land in the same transaction. Replacing first is also what the one-current-assignment index needs.
 */
export async function startAnnualRound(db: Db, today = londonToday()): Promise<{ assigned: number }> {
  const due = await db
    .select({ policy: policies, versionId: policyVersions.id, versionLabel: policyVersions.label })
    .from(policies)
    .innerJoin(
      policyVersions,
      and(eq(policyVersions.trustId, policies.trustId), eq(policyVersions.policyId, policies.id), eq(policyVersions.status, 'published')),
    )
    .where(sql`${policies.resignEveryMonths} is not null`);
  let assigned = 0;
  for (const { policy, versionId, versionLabel } of due) {
    const months = policy.resignEveryMonths as number;
    assigned += await transaction(db, async (tx) => {
      const old = await rawRows<Replaced>(
        tx,
        sql`update assignments a set replaced_at = now()
            where a.trust_id = ${policy.trustId} and a.policy_id = ${policy.id} and a.version_id = ${versionId}
              and a.acknowledgement_id is not null and a.replaced_at is null and a.withdrawn_at is null
              and exists (select 1 from acknowledgements k where k.trust_id = a.trust_id and k.id = a.acknowledgement_id
                and ((k.signed_at at time zone 'Europe/London')::date + make_interval(months => ${months}::int))::date <= ${today}::date)
              and exists (select 1 from people p where p.trust_id = a.trust_id and p.id = a.person_id
                and (p.end_date is null or p.end_date >= ${today}::date))
            returning a.id, a.campaign_id, a.person_id, a.round`,
      );
      if (!old.length) return 0;
      const campaignIds = [...new Set(old.map((o) => o.campaign_id).filter((id): id is string => !!id))];
      const days = new Map(
        (campaignIds.length
          ? await tx
              .select({ id: campaigns.id, resignDays: campaigns.resignDays })
              .from(campaigns)
              .where(and(eq(campaigns.trustId, policy.trustId), inArray(campaigns.id, campaignIds)))
          : []
        ).map((c) => [c.id, c.resignDays]),
      );
      const fresh = old.map((o) => ({
        old: o,
        row: {
          trustId: policy.trustId,
          id: randomUUID(),
          campaignId: o.campaign_id,
          policyId: policy.id,
          versionId,
          personId: o.person_id,
          dueOn: addDays(today, (o.campaign_id && days.get(o.campaign_id)) || DEFAULT_RESIGN_DAYS),
          source: 'annual' as const,
          round: o.round + 1,
        },
      }));
      for (let i = 0; i < fresh.length; i += 1000) {
        const chunk = fresh.slice(i, i + 1000);
        await tx.insert(assignments).values(chunk.map((f) => f.row));
        const pairs = sql.join(
          chunk.map((f) => sql`(${f.old.id}::uuid, ${f.row.id}::uuid)`),
          sql`, `,
        );
        await tx.execute(
          sql`update assignments a set replaced_by_id = v.new_id from (values ${pairs}) as v(old_id, new_id) where a.trust_id = ${policy.trustId} and a.id = v.old_id`,
        );
      }
      await recordEvent(
        tx,
        { actor: systemActor(policy.trustId, 'Countersign annual re-signing') },
        {
          action: 'assignments.annual',
          resourceType: 'policy',
          resourceId: policy.id,
          summary: `Asked ${plural(old.length, 'person', 'people')} to sign ${versionLabel} of ${policy.title} again: their signature is ${plural(months, 'month')} old`,
          after: { version: versionLabel, months, assigned: old.length, today },
        },
      );
      return old.length;
    });
  }
  return { assigned };
}
