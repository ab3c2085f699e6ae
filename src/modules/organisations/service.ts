import { and, eq, isNull } from 'drizzle-orm';
import { recordEvent } from '../../audit/audit.ts';
import type { Ctx } from '../../context.ts';
import { type Db, transaction } from '../../db/client.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import { londonToday } from '../../ui/format.ts';
import { isUuid, parseOrThrow } from '../../validation.ts';
import { type Actor, systemActor } from '../auth/actor.ts';
import { authorize, schoolsFor } from '../auth/authorize.ts';
import * as repo from './repository.ts';
import { ROLES } from './roles.ts';
import { people, personSchools, roleAssignments, schools, trusts } from './schema.ts';
import { endDateInput, type PersonInput, personInput, roleInput, schoolInput, trustInput } from './validation.ts';

export type PersonDetail = Awaited<ReturnType<typeof getPerson>>;

export const personSnapshot = (p: repo.PersonRow, schoolIds: string[]) => ({
  fullName: p.fullName,
  email: p.email,
  kind: p.kind,
  position: p.position,
  lineManagerId: p.lineManagerId,
  startDate: p.startDate,
  endDate: p.endDate,
  externalId: p.externalId,
  schoolIds: [...schoolIds].sort(),
});

/** A person's record, their schools, roles, line manager and team, if the actor may see it. */
export async function getPerson(ctx: Ctx, personId: string) {
  const trustId = ctx.actor.trustId;
  const person = isUuid(personId) ? await repo.findPerson(ctx.db, trustId, personId) : null;
  if (!person) throw new NotFoundError();
  const schoolIds = await repo.personSchoolIds(ctx.db, trustId, person.id);
  authorize(ctx.actor, 'people.view', { trustId, schoolIds, personId: person.id });
  const [{ schoolsByPerson, rolesByPerson }, reports, lineManager, allSchools] = await Promise.all([
    repo.schoolsAndRolesFor(ctx.db, trustId, [person.id]),
    repo.directReports(ctx.db, trustId, person.id),
    person.lineManagerId ? repo.findPerson(ctx.db, trustId, person.lineManagerId) : null,
    repo.listSchools(ctx.db, trustId),
  ]);
  const schoolNames = new Map(allSchools.map((s) => [s.id, s.name]));
  return {
    person,
    schools: schoolsByPerson.get(person.id) ?? [],
    roles: (rolesByPerson.get(person.id) ?? []).map((r) => ({ ...r, schoolName: r.schoolId ? (schoolNames.get(r.schoolId) ?? '') : null })),
    lineManager,
    reports,
    left: !!person.endDate && person.endDate < londonToday(),
  };
}

export async function searchPeople(ctx: Ctx, query: Omit<repo.PeopleQuery, 'visibleSchoolIds'>) {
  authorize(ctx.actor, 'people.list', { trustId: ctx.actor.trustId });
  const visibleSchoolIds = schoolsFor(ctx.actor, 'people.list');
  const result = await repo.searchPeople(ctx.db, ctx.actor.trustId, { ...query, visibleSchoolIds });
  const extras = await repo.schoolsAndRolesFor(
    ctx.db,
    ctx.actor.trustId,
    result.items.map((p) => p.id),
  );
  return { ...result, ...extras };
}

/**
 * One page of people in name order with their line manager, schools and roles (the API's list).
 * `next` is the last person on the page when there may be more, for the following request's `after`.
 */
export async function pagePeople(ctx: Ctx, query: Omit<repo.PeoplePageQuery, 'visibleSchoolIds'>) {
  authorize(ctx.actor, 'people.list', { trustId: ctx.actor.trustId });
  const visibleSchoolIds = schoolsFor(ctx.actor, 'people.list');
  // One row more than asked for says whether another page follows, without counting.
  const rows = await repo.pagePeople(ctx.db, ctx.actor.trustId, { ...query, limit: query.limit + 1, visibleSchoolIds });
  const page = rows.slice(0, query.limit);
  const { schoolsByPerson, rolesByPerson } = await repo.schoolsAndRolesFor(
    ctx.db,
    ctx.actor.trustId,
    page.map((r) => r.person.id),
  );
  const last = page.at(-1)?.person;
  return {
    items: page.map((r) => ({ ...r, schools: schoolsByPerson.get(r.person.id) ?? [], roles: rolesByPerson.get(r.person.id) ?? [] })),
    next: rows.length > query.limit && last ? { name: last.fullName, id: last.id } : null,
  };
}

/** Checks that refer to other rows: schools and line manager belong to this trust, no reporting loops. */
async function checkReferences(db: Db, trustId: string, input: PersonInput, personId?: string) {
  const errors: Record<string, string> = {};
  const trustSchools = new Set((await repo.listSchools(db, trustId)).map((s) => s.id));
  if (input.schoolIds.some((id) => !trustSchools.has(id))) errors.schoolIds = 'Choose schools from the list';
  if (input.lineManagerId) {
    if (input.lineManagerId === personId) errors.lineManagerId = 'A person cannot be their own line manager';
    else {
      let cursor: string | null = input.lineManagerId;
      const seen = new Set<string>();
      while (cursor && !seen.has(cursor)) {
        seen.add(cursor);
        const manager = await repo.findPerson(db, trustId, cursor);
        if (!manager) {
          errors.lineManagerId = 'Choose a line manager from the list';
          break;
        }
        if (personId && manager.lineManagerId === personId) {
          errors.lineManagerId = `${manager.fullName} reports to this person, so cannot also be their line manager`;
          break;
        }
        cursor = manager.lineManagerId;
      }
    }
  }
  const clash = await repo.findPersonByEmail(db, trustId, input.email);
  if (clash && clash.id !== personId) errors.email = `${clash.fullName} already uses this email address`;
  if (input.externalId) {
    const [other] = await db
      .select({ id: people.id, fullName: people.fullName })
      .from(people)
      .where(and(eq(people.trustId, trustId), eq(people.externalId, input.externalId)));
    if (other && other.id !== personId) errors.externalId = `${other.fullName} already has this MIS or HR reference`;
  }
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
}

export async function setSchools(tx: Db, trustId: string, personId: string, schoolIds: string[]) {
  await tx.delete(personSchools).where(and(eq(personSchools.trustId, trustId), eq(personSchools.personId, personId)));
  if (schoolIds.length > 0) await tx.insert(personSchools).values([...new Set(schoolIds)].map((schoolId) => ({ trustId, personId, schoolId })));
}

export async function createPerson(ctx: Ctx, raw: unknown) {
  const input = parseOrThrow(personInput, raw);
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'people.manage', { trustId, schoolIds: input.schoolIds });
  return transaction(ctx.db, async (tx) => {
    await checkReferences(tx, trustId, input);
    const { schoolIds, ...fields } = input;
    const [person] = await tx
      .insert(people)
      .values({
        trustId,
        ...fields,
        position: fields.position ?? null,
        lineManagerId: fields.lineManagerId ?? null,
        startDate: fields.startDate ?? null,
        endDate: fields.endDate ?? null,
        externalId: fields.externalId ?? null,
      })
      .returning();
    if (!person) throw new Error('insert returned nothing');
    await setSchools(tx, trustId, person.id, schoolIds);
    await recordEvent(tx, ctx, {
      action: 'person.created',
      resourceType: 'person',
      resourceId: person.id,
      summary: `Added ${person.fullName}`,
      after: personSnapshot(person, schoolIds),
    });
    return person;
  });
}

export async function updatePerson(ctx: Ctx, personId: string, raw: unknown) {
  const input = parseOrThrow(personInput, raw);
  const trustId = ctx.actor.trustId;
  const existing = isUuid(personId) ? await repo.findPerson(ctx.db, trustId, personId) : null;
  if (!existing) throw new NotFoundError();
  const currentSchools = await repo.personSchoolIds(ctx.db, trustId, personId);
  // The actor must be allowed to manage the person where they are now and where they are going.
  authorize(ctx.actor, 'people.manage', { trustId, schoolIds: currentSchools.length ? currentSchools : input.schoolIds });
  authorize(ctx.actor, 'people.manage', { trustId, schoolIds: input.schoolIds.length ? input.schoolIds : currentSchools });
  return transaction(ctx.db, async (tx) => {
    await checkReferences(tx, trustId, input, personId);
    const { schoolIds, ...fields } = input;
    const [person] = await tx
      .update(people)
      .set({
        ...fields,
        position: fields.position ?? null,
        lineManagerId: fields.lineManagerId ?? null,
        startDate: fields.startDate ?? null,
        endDate: fields.endDate ?? null,
        externalId: fields.externalId ?? null,
        updatedAt: new Date(),
      })
      .where(and(eq(people.trustId, trustId), eq(people.id, personId)))
      .returning();
    if (!person) throw new NotFoundError();
    await setSchools(tx, trustId, personId, schoolIds);
    await recordEvent(tx, ctx, {
      action: 'person.updated',
      resourceType: 'person',
      resourceId: personId,
      summary: `Changed ${person.fullName}`,
      before: personSnapshot(existing, currentSchools),
      after: personSnapshot(person, schoolIds),
    });
    return person;
  });
}

export async function endDatePerson(ctx: Ctx, personId: string, raw: unknown) {
  const { endDate } = parseOrThrow(endDateInput, raw);
  const trustId = ctx.actor.trustId;
  const existing = isUuid(personId) ? await repo.findPerson(ctx.db, trustId, personId) : null;
  if (!existing) throw new NotFoundError();
  const schoolIds = await repo.personSchoolIds(ctx.db, trustId, personId);
  authorize(ctx.actor, 'people.manage', { trustId, schoolIds });
  if (existing.startDate && endDate && endDate < existing.startDate)
    throw new ValidationError({ endDate: 'End date must be the same as or after their start date' });
  return transaction(ctx.db, async (tx) => {
    const [person] = await tx
      .update(people)
      .set({ endDate: endDate ?? null, updatedAt: new Date() })
      .where(and(eq(people.trustId, trustId), eq(people.id, personId)))
      .returning();
    if (!person) throw new NotFoundError();
    await recordEvent(tx, ctx, {
      action: 'person.end_dated',
      resourceType: 'person',
      resourceId: personId,
      summary: `End-dated ${person.fullName} from ${endDate}`,
      before: { endDate: existing.endDate },
      after: { endDate: person.endDate },
    });
    return person;
  });
}

export async function grantRole(ctx: Ctx, personId: string, raw: unknown) {
  const input = parseOrThrow(roleInput, raw);
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'roles.manage', { trustId });
  const person = isUuid(personId) ? await repo.findPerson(ctx.db, trustId, personId) : null;
  if (!person) throw new NotFoundError();
  const role = ROLES[input.role];
  const schoolId = input.scope === 'trust' ? null : input.scope;
  if (schoolId === null && !(role.scopes as readonly string[]).includes('trust'))
    throw new ValidationError({ scope: `${role.label} is held at one school: choose the school` });
  if (schoolId !== null) {
    if (!(role.scopes as readonly string[]).includes('school'))
      throw new ValidationError({ scope: `${role.label} covers the whole trust: choose “Whole trust”` });
    const trustSchools = await repo.listSchools(ctx.db, trustId);
    if (!isUuid(schoolId) || !trustSchools.some((s) => s.id === schoolId)) throw new ValidationError({ scope: 'Choose where the role applies' });
  }
  return transaction(ctx.db, async (tx) => {
    const [existing] = await tx
      .select()
      .from(roleAssignments)
      .where(
        and(
          eq(roleAssignments.trustId, trustId),
          eq(roleAssignments.personId, personId),
          eq(roleAssignments.role, input.role),
          schoolId ? eq(roleAssignments.schoolId, schoolId) : isNull(roleAssignments.schoolId),
          isNull(roleAssignments.revokedAt),
        ),
      );
    if (existing) throw new ValidationError({ role: `${person.fullName} already holds this role there` });
    const [grant] = await tx
      .insert(roleAssignments)
      .values({ trustId, personId, role: input.role, schoolId, grantedBy: ctx.actor.type === 'person' ? ctx.actor.personId : null })
      .returning();
    await recordEvent(tx, ctx, {
      action: 'role.granted',
      resourceType: 'person',
      resourceId: personId,
      summary: `Gave ${person.fullName} the role ${role.label}`,
      after: { role: input.role, schoolId },
    });
    return grant;
  });
}

export async function revokeRole(ctx: Ctx, personId: string, assignmentId: string) {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'roles.manage', { trustId });
  if (!isUuid(personId) || !isUuid(assignmentId)) throw new NotFoundError();
  return transaction(ctx.db, async (tx) => {
    const [grant] = await tx
      .update(roleAssignments)
      .set({ revokedAt: new Date(), revokedBy: ctx.actor.type === 'person' ? ctx.actor.personId : null })
      .where(
        and(
          eq(roleAssignments.trustId, trustId),
          eq(roleAssignments.personId, personId),
          eq(roleAssignments.id, assignmentId),
          isNull(roleAssignments.revokedAt),
        ),
      )
      .returning();
    if (!grant) throw new NotFoundError();
    if (grant.role === 'trust_admin' && ctx.actor.type === 'person' && grant.personId === ctx.actor.personId) {
      const others = await tx
        .select({ id: roleAssignments.id })
        .from(roleAssignments)
        .where(and(eq(roleAssignments.trustId, trustId), eq(roleAssignments.role, 'trust_admin'), isNull(roleAssignments.revokedAt)));
      if (others.length === 0) throw new ValidationError({ form: 'You are the only trust administrator. Give the role to someone else first.' });
    }
    const person = await repo.findPerson(tx, trustId, personId);
    await recordEvent(tx, ctx, {
      action: 'role.revoked',
      resourceType: 'person',
      resourceId: personId,
      summary: `Removed the role ${ROLES[grant.role as keyof typeof ROLES]?.label ?? grant.role} from ${person?.fullName ?? 'a person'}`,
      before: { role: grant.role, schoolId: grant.schoolId },
    });
    return grant;
  });
}

/** Who holds which role, for the roles overview page. */
export async function roleHolders(ctx: Ctx) {
  authorize(ctx.actor, 'people.list', { trustId: ctx.actor.trustId });
  const trustId = ctx.actor.trustId;
  const today = londonToday();
  const rows = await ctx.db
    .select({
      id: roleAssignments.id,
      role: roleAssignments.role,
      schoolId: roleAssignments.schoolId,
      personId: people.id,
      fullName: people.fullName,
      endDate: people.endDate,
    })
    .from(roleAssignments)
    .innerJoin(people, and(eq(people.trustId, roleAssignments.trustId), eq(people.id, roleAssignments.personId)))
    .where(and(eq(roleAssignments.trustId, trustId), isNull(roleAssignments.revokedAt)));
  const visible = schoolsFor(ctx.actor, 'people.list');
  return rows.filter((r) => (!r.endDate || r.endDate >= today) && (visible === 'all' || r.schoolId === null || visible.includes(r.schoolId)));
}

export async function listSchools(ctx: Ctx) {
  return repo.listSchools(ctx.db, ctx.actor.trustId);
}

export async function createSchool(ctx: Ctx, raw: unknown) {
  const input = parseOrThrow(schoolInput, raw);
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'schools.manage', { trustId });
  return transaction(ctx.db, async (tx) => {
    const [clash] = await tx
      .select({ id: schools.id })
      .from(schools)
      .where(and(eq(schools.trustId, trustId), eq(schools.slug, input.slug)));
    if (clash) throw new ValidationError({ slug: 'Another school already uses this short name' });
    const [school] = await tx
      .insert(schools)
      .values({ trustId, ...input, urn: input.urn ?? null, phase: input.phase ?? null })
      .returning();
    await recordEvent(tx, ctx, { action: 'school.created', resourceType: 'school', resourceId: school?.id, summary: `Added ${input.name}`, after: input });
    return school;
  });
}

export async function updateSchool(ctx: Ctx, schoolId: string, raw: unknown) {
  const input = parseOrThrow(schoolInput, raw);
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'schools.manage', { trustId });
  if (!isUuid(schoolId)) throw new NotFoundError();
  return transaction(ctx.db, async (tx) => {
    const [existing] = await tx
      .select()
      .from(schools)
      .where(and(eq(schools.trustId, trustId), eq(schools.id, schoolId)));
    if (!existing) throw new NotFoundError();
    const [clash] = await tx
      .select({ id: schools.id })
      .from(schools)
      .where(and(eq(schools.trustId, trustId), eq(schools.slug, input.slug)));
    if (clash && clash.id !== schoolId) throw new ValidationError({ slug: 'Another school already uses this short name' });
    const [school] = await tx
      .update(schools)
      .set({ ...input, urn: input.urn ?? null, phase: input.phase ?? null, updatedAt: new Date() })
      .where(and(eq(schools.trustId, trustId), eq(schools.id, schoolId)))
      .returning();
    await recordEvent(tx, ctx, {
      action: 'school.updated',
      resourceType: 'school',
      resourceId: schoolId,
      summary: `Changed ${input.name}`,
      before: { name: existing.name, slug: existing.slug, urn: existing.urn, phase: existing.phase },
      after: input,
    });
    return school;
  });
}

/** Creates a trust (installation set-up: the command line and the demo seed). */
export async function createTrust(db: Db, raw: unknown, label = 'Countersign command line') {
  const input = parseOrThrow(trustInput, raw);
  return transaction(db, async (tx) => {
    const [clash] = await tx.select({ id: trusts.id }).from(trusts).where(eq(trusts.slug, input.slug));
    if (clash) throw new ValidationError({ slug: `A trust with the short name "${input.slug}" already exists` });
    const [trust] = await tx.insert(trusts).values(input).returning();
    if (!trust) throw new Error('insert returned nothing');
    await recordEvent(
      tx,
      { actor: systemActor(trust.id, label) },
      { action: 'trust.created', resourceType: 'trust', resourceId: trust.id, summary: `Created ${trust.name}`, after: input },
    );
    return trust;
  });
}

// The organisations module's public surface for other modules: lookups they need by trust.
export { currentPeopleOptions, findPerson, findTrust, findTrustBySlug, listSchools as schoolsOfTrust } from './repository.ts';
export type { Actor };
