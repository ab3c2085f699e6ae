import { and, asc, eq, gt, inArray, isNull, or } from 'drizzle-orm';
import type { Ctx } from '../../../context.ts';
import { londonToday } from '../../../ui/format.ts';
import { authorize } from '../../auth/authorize.ts';
import { currentPeopleOptions } from '../../organisations/repository.ts';
import { type Role, roleLabel } from '../../organisations/roles.ts';
import { people, personSchools, roleAssignments, schools } from '../../organisations/schema.ts';
import { concernRecipients, concerns } from '../schema.ts';
import { openConcern } from '../service.ts';
import { CONCERN_TYPE_CODES, CONCERN_TYPES, CONFIDENTIALITY, type ConcernTypeCode, type RouteRule } from '../types.ts';

/**
 * What the report form needs: the directory for the people picker, and the trust's schools when
 * the reporter does not belong to exactly one (then they say where it happened).
 */
export async function reportForm(ctx: Ctx) {
  const actor = ctx.actor;
  authorize(actor, 'concerns.report', { trustId: actor.trustId });
  const [directory, mine] = await Promise.all([
    currentPeopleOptions(ctx.db, actor.trustId),
    actor.type === 'person'
      ? ctx.db
          .select({ id: personSchools.schoolId })
          .from(personSchools)
          .where(and(eq(personSchools.trustId, actor.trustId), eq(personSchools.personId, actor.personId)))
      : Promise.resolve([]),
  ]);
  const schoolChoices =
    mine.length === 1
      ? null
      : await ctx.db.select({ id: schools.id, name: schools.name }).from(schools).where(eq(schools.trustId, actor.trustId)).orderBy(asc(schools.name));
  return { directory, schools: schoolChoices };
}
export type ReportForm = Awaited<ReturnType<typeof reportForm>>;

/**
 * The confirmation after reporting: the reference, where it went (by name only for the types
 * that are not restricted) and the breach opened alongside a lost device that held personal data.
 * Only the reporter, or someone who may open it, gets this far (openConcern answers 404 otherwise).
 */
export async function receivedReport(ctx: Ctx, reference: string) {
  const { concern, access } = await openConcern(ctx, reference, 'reporter', { log: false });
  const trustId = ctx.actor.trustId;
  const spec = CONCERN_TYPES[concern.type];
  const restricted = CONFIDENTIALITY[spec.confidentiality].restricted;
  const [school] = await ctx.db
    .select({ name: schools.name })
    .from(schools)
    .where(and(eq(schools.trustId, trustId), eq(schools.id, concern.schoolId)));
  const names = restricted
    ? []
    : await ctx.db
        .select({ fullName: people.fullName })
        .from(concernRecipients)
        .innerJoin(people, and(eq(people.trustId, concernRecipients.trustId), eq(people.id, concernRecipients.personId)))
        .where(and(eq(concernRecipients.trustId, trustId), eq(concernRecipients.concernId, concern.id)))
        .orderBy(asc(people.fullName));
  // A breach opened from this report (the device held personal data): same reporter, so they may see its reference.
  const opened = await ctx.db
    .select({ reference: concerns.reference, type: concerns.type })
    .from(concerns)
    .where(and(eq(concerns.trustId, trustId), eq(concerns.linkedConcernId, concern.id), eq(concerns.reporterId, concern.reporterId)))
    .orderBy(asc(concerns.createdAt));
  return {
    reference: concern.reference,
    type: concern.type,
    urgent: concern.urgent,
    status: concern.status,
    createdAt: concern.createdAt,
    schoolName: school?.name ?? '',
    isReporter: ctx.actor.type === 'person' && ctx.actor.personId === concern.reporterId,
    access,
    recipientNames: names.map((n) => n.fullName),
    linked: opened,
  };
}
export type ReceivedReport = Awaited<ReturnType<typeof receivedReport>>;

/** One routing rule in plain words, as the admin page shows it (the page says once that a school's missing role falls to the trust's holder). */
export function describeRule(rule: RouteRule): string {
  if (rule.to === 'line_manager') return "The reporter's line manager";
  if (rule.to === 'staff_conduct')
    return "The reporter's line manager. If they have none, have left or are named in the report: the deputy head, then the head teacher, then the trust's HR lead";
  const role = roleLabel(rule.role);
  if (rule.trustOnly) return `${role} for the trust`;
  return `${role} at the school${rule.fallback ? `, or else the ${roleLabel(rule.fallback).toLowerCase()}` : ''}`;
}

/** The roles routing looks for at a school, in the order the table uses them. */
const SCHOOL_ROLES: Role[] = [
  ...new Set<Role>([
    ...CONCERN_TYPE_CODES.flatMap((t) => CONCERN_TYPES[t].routes.flatMap((r) => (r.to === 'role' && !r.trustOnly ? [r.role] : []))),
    'deputy_head',
    'head_teacher',
  ]),
];
/** Roles routing only looks for across the trust. */
const TRUST_ROLES: Role[] = [
  ...new Set<Role>([...CONCERN_TYPE_CODES.flatMap((t) => CONCERN_TYPES[t].routes.flatMap((r) => (r.to === 'role' && r.trustOnly ? [r.role] : []))), 'hr_lead']),
];

export type Coverage = { role: Role; here: string[]; trust: string[] };

/**
 * The routing table (one row per type) and, for each school, who holds the roles it routes to
 * today, so an administrator can see where a report would land and spot a role nobody holds.
 */
export async function routingOverview(ctx: Ctx) {
  const actor = ctx.actor;
  authorize(actor, 'concerns.routing', { trustId: actor.trustId });
  const today = londonToday();
  const roles: Role[] = [...new Set<Role>([...SCHOOL_ROLES, ...TRUST_ROLES, 'trust_admin'])];
  const [holders, schoolRows] = await Promise.all([
    ctx.db
      .select({ fullName: people.fullName, role: roleAssignments.role, schoolId: roleAssignments.schoolId })
      .from(roleAssignments)
      .innerJoin(people, and(eq(people.trustId, roleAssignments.trustId), eq(people.id, roleAssignments.personId)))
      .where(
        and(
          eq(roleAssignments.trustId, actor.trustId),
          isNull(roleAssignments.revokedAt),
          inArray(roleAssignments.role, roles),
          // The same test routing uses: a person whose end date has come is not told.
          or(isNull(people.endDate), gt(people.endDate, today)),
        ),
      )
      .orderBy(asc(people.fullName)),
    ctx.db.select({ id: schools.id, name: schools.name }).from(schools).where(eq(schools.trustId, actor.trustId)).orderBy(asc(schools.name)),
  ]);
  const named = (role: Role, schoolId: string | null) => [...new Set(holders.filter((h) => h.role === role && h.schoolId === schoolId).map((h) => h.fullName))];
  const has = (role: Role, schoolId: string | null) => named(role, schoolId).length > 0;
  // Whether a report of this type at this school reaches anyone, before counting the reporter's line manager.
  const reaches = (code: ConcernTypeCode, schoolId: string) =>
    CONCERN_TYPES[code].routes.some((r) => {
      if (r.to === 'line_manager') return false;
      if (r.to === 'staff_conduct') return has('deputy_head', schoolId) || has('head_teacher', schoolId) || has('hr_lead', null) || has('trust_admin', null);
      if (r.trustOnly) return has(r.role, null);
      return has(r.role, schoolId) || has(r.role, null) || (!!r.fallback && has(r.fallback, schoolId));
    });
  return {
    types: CONCERN_TYPE_CODES.map((code) => ({ code, ...CONCERN_TYPES[code], rules: CONCERN_TYPES[code].routes.map(describeRule) })),
    schools: schoolRows.map((s) => ({
      ...s,
      coverage: SCHOOL_ROLES.map((role): Coverage => ({ role, here: named(role, s.id), trust: named(role, null) })),
      unreached: CONCERN_TYPE_CODES.filter((code) => !reaches(code, s.id)),
    })),
    trustRoles: TRUST_ROLES.map((role) => ({ role, holders: named(role, null) })),
    trustAdmins: named('trust_admin', null),
  };
}
export type RoutingOverview = Awaited<ReturnType<typeof routingOverview>>;
