import { and, asc, desc, eq, isNotNull, isNull, notInArray, sql } from 'drizzle-orm';
import type { Ctx } from '../../../context.ts';
import { ForbiddenError, NotFoundError } from '../../../errors.ts';
import { formatDate, londonToday } from '../../../ui/format.ts';
import { isUuid } from '../../../validation.ts';
import { authorize } from '../../auth/authorize.ts';
import { people, personSchools } from '../../organisations/schema.ts';
import { daysBetween, reviewCountdown } from '../../policies/reviews/service.ts';
import { policies, policyVersions } from '../../policies/schema.ts';
import { acknowledgements, assignments } from '../schema.ts';
import { isCurrentAssignment, isCurrentPerson, outstandingFor, signingState, signingView } from '../service.ts';

/** Due within this many days: the orange tag (the default reminders start a week before). */
export const DUE_SOON_DAYS = 7;

/** How far away a due date is, in plain words: "due today", "due in 5 days", "3 days overdue". */
export const dueCountdown = (dueOn: string, today: string) => reviewCountdown(dueOn, today);

/** The colour of a due date's tag: red overdue, orange due within a week, grey later. */
export function dueTone(dueOn: string, today: string): 'red' | 'orange' | 'grey' {
  const days = daysBetween(today, dueOn);
  return days < 0 ? 'red' : days <= DUE_SOON_DAYS ? 'orange' : 'grey';
}

const personActor = (ctx: Ctx) => {
  if (ctx.actor.type !== 'person') throw new ForbiddenError('Only a person can have agreements to sign');
  return ctx.actor;
};

/**
 * "My agreements": what the signed-in person must sign (soonest due first), what they have signed
 * that still counts (their own signature, or for a minor revision the signature of the version
 * before, carried over), their earlier signatures of versions since replaced, and whether they
 * manage anyone (a link to their team's agreements).
 */
export async function myAgreements(ctx: Ctx) {
  const actor = personActor(ctx);
  const { trustId, personId } = actor;
  authorize(actor, 'acknowledgements.view', { trustId, personId });
  const today = londonToday();
  const outstanding = await outstandingFor(ctx.db, trustId, personId);
  const signed = await ctx.db
    .select({
      assignmentId: assignments.id,
      source: assignments.source,
      policyTitle: policies.title,
      versionLabel: policyVersions.label,
      versionId: assignments.versionId,
      ackId: acknowledgements.id,
      ackVersionId: acknowledgements.versionId,
      ackVersionLabel: acknowledgements.versionLabel,
      signedAt: acknowledgements.signedAt,
      authMethod: acknowledgements.authMethod,
    })
    .from(assignments)
    .innerJoin(policies, and(eq(policies.trustId, assignments.trustId), eq(policies.id, assignments.policyId)))
    .innerJoin(policyVersions, and(eq(policyVersions.trustId, assignments.trustId), eq(policyVersions.id, assignments.versionId)))
    .innerJoin(acknowledgements, and(eq(acknowledgements.trustId, assignments.trustId), eq(acknowledgements.id, assignments.acknowledgementId)))
    .where(and(eq(assignments.trustId, trustId), eq(assignments.personId, personId), isCurrentAssignment, isNotNull(assignments.acknowledgementId)))
    .orderBy(asc(policies.title));
  const counted = signed.map((s) => s.ackId);
  const earlier = await ctx.db
    .select({
      ackId: acknowledgements.id,
      policyTitle: acknowledgements.policyTitle,
      versionLabel: acknowledgements.versionLabel,
      signedAt: acknowledgements.signedAt,
      authMethod: acknowledgements.authMethod,
    })
    .from(acknowledgements)
    .where(
      and(
        eq(acknowledgements.trustId, trustId),
        eq(acknowledgements.personId, personId),
        counted.length ? notInArray(acknowledgements.id, counted) : undefined,
      ),
    )
    .orderBy(desc(acknowledgements.signedAt));
  const [team] = await ctx.db
    .select({ n: sql<number>`count(*)::int` })
    .from(people)
    .where(and(eq(people.trustId, trustId), eq(people.lineManagerId, personId), isCurrentPerson(today)));
  return {
    outstanding,
    signed: signed.map((s) => ({ ...s, carried: s.ackVersionId !== s.versionId })),
    earlier,
    hasTeam: (team?.n ?? 0) > 0,
    today,
  };
}
export type MyAgreements = Awaited<ReturnType<typeof myAgreements>>;

/** The home page's to-dos: "Sign <policy>" for each agreement still to sign, soonest due first. */
export async function agreementTodos(ctx: Ctx, today = londonToday()) {
  if (ctx.actor.type !== 'person') return [];
  const rows = await outstandingFor(ctx.db, ctx.actor.trustId, ctx.actor.personId);
  return rows.map((a) => ({
    href: `/agreements/${a.id}/sign`,
    title: `Sign ${a.policyTitle}`,
    detail: `${a.versionLabel}, due ${formatDate(a.dueOn)}`,
    tag: { tone: dueTone(a.dueOn, today), label: dueCountdown(a.dueOn, today) },
  }));
}

export type SigningPageView = Awaited<ReturnType<typeof signingView>>;

/**
 * When an assignment has been replaced by a newer version, the person's current assignment of the
 * same policy, if it is still to sign: the refusal page links straight to it.
 */
export async function currentToSign(ctx: Ctx, view: Pick<SigningPageView, 'assignment'>): Promise<string | null> {
  const [row] = await ctx.db
    .select({ id: assignments.id })
    .from(assignments)
    .innerJoin(
      policyVersions,
      and(eq(policyVersions.trustId, assignments.trustId), eq(policyVersions.id, assignments.versionId), eq(policyVersions.status, 'published')),
    )
    .where(
      and(
        eq(assignments.trustId, view.assignment.trustId),
        eq(assignments.personId, view.assignment.personId),
        eq(assignments.policyId, view.assignment.policyId),
        isCurrentAssignment,
        isNull(assignments.acknowledgementId),
      ),
    );
  return row?.id ?? null;
}

/** The confirmation page: the assignment (the person's own, checked by signingView) and the signature that satisfies it. */
export async function signedConfirmation(ctx: Ctx, assignmentId: string) {
  const view = await signingView(ctx, assignmentId);
  const ackId = view.assignment.acknowledgementId;
  if (!ackId) return { view, ack: null };
  const [ack] = await ctx.db
    .select()
    .from(acknowledgements)
    .where(and(eq(acknowledgements.trustId, view.assignment.trustId), eq(acknowledgements.id, ackId)));
  if (!ack) throw new NotFoundError();
  return { view, ack };
}

/**
 * The paper-signature page: whose agreement, which version, and that the actor may record it (the
 * head teacher of one of the person's schools, or a trust administrator), and whether it can
 * still be signed. Another trust's assignment is not found.
 */
export async function paperView(ctx: Ctx, assignmentId: string) {
  const trustId = ctx.actor.trustId;
  const [row] = isUuid(assignmentId)
    ? await ctx.db
        .select({
          assignment: assignments,
          policy: { id: policies.id, title: policies.title },
          version: { id: policyVersions.id, label: policyVersions.label, status: policyVersions.status },
          person: { id: people.id, fullName: people.fullName, position: people.position, email: people.email },
        })
        .from(assignments)
        .innerJoin(policies, and(eq(policies.trustId, assignments.trustId), eq(policies.id, assignments.policyId)))
        .innerJoin(policyVersions, and(eq(policyVersions.trustId, assignments.trustId), eq(policyVersions.id, assignments.versionId)))
        .innerJoin(people, and(eq(people.trustId, assignments.trustId), eq(people.id, assignments.personId)))
        .where(and(eq(assignments.trustId, trustId), eq(assignments.id, assignmentId)))
    : [];
  if (!row) throw new NotFoundError();
  const schoolIds = (
    await ctx.db
      .select({ id: personSchools.schoolId })
      .from(personSchools)
      .where(and(eq(personSchools.trustId, trustId), eq(personSchools.personId, row.person.id)))
  ).map((s) => s.id);
  authorize(ctx.actor, 'acknowledgements.recordPaper', { trustId, schoolIds });
  return { ...row, state: signingState(row.assignment, row.version.status) };
}
export type PaperView = Awaited<ReturnType<typeof paperView>>;
