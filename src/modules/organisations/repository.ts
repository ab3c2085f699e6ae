import { and, asc, desc, eq, ilike, inArray, isNull, or, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from '../../db/client.ts';
import { londonToday } from '../../ui/format.ts';
import type { RoleGrant } from '../auth/actor.ts';
import type { Role } from './roles.ts';
import { people, personSchools, roleAssignments, schools, trusts } from './schema.ts';

export type PersonRow = typeof people.$inferSelect;
export type SchoolRow = typeof schools.$inferSelect;

export async function findTrustBySlug(db: Db, slug: string) {
  const [trust] = await db.select().from(trusts).where(eq(trusts.slug, slug));
  return trust ?? null;
}

export async function findTrust(db: Db, trustId: string) {
  const [trust] = await db.select().from(trusts).where(eq(trusts.id, trustId));
  return trust ?? null;
}

export async function loadRoleGrants(db: Db, trustId: string, personId: string): Promise<RoleGrant[]> {
  const grants = await db
    .select({ role: roleAssignments.role, schoolId: roleAssignments.schoolId })
    .from(roleAssignments)
    .where(and(eq(roleAssignments.trustId, trustId), eq(roleAssignments.personId, personId), isNull(roleAssignments.revokedAt)));
  return grants.map((g) => ({ role: g.role as Role, schoolId: g.schoolId }));
}

export async function personSchoolIds(db: Db, trustId: string, personId: string): Promise<string[]> {
  const rows = await db
    .select({ schoolId: personSchools.schoolId })
    .from(personSchools)
    .where(and(eq(personSchools.trustId, trustId), eq(personSchools.personId, personId)));
  return rows.map((r) => r.schoolId);
}

export async function listSchools(db: Db, trustId: string): Promise<SchoolRow[]> {
  return db.select().from(schools).where(eq(schools.trustId, trustId)).orderBy(asc(schools.name));
}

export async function findPerson(db: Db, trustId: string, personId: string): Promise<PersonRow | null> {
  const [p] = await db
    .select()
    .from(people)
    .where(and(eq(people.trustId, trustId), eq(people.id, personId)));
  return p ?? null;
}

export async function findPersonByEmail(db: Db, trustId: string, email: string): Promise<PersonRow | null> {
  const [p] = await db
    .select()
    .from(people)
    .where(and(eq(people.trustId, trustId), eq(people.email, email)));
  return p ?? null;
}

export type PeopleQuery = {
  q?: string;
  schoolId?: string;
  kind?: string;
  role?: string;
  status: 'current' | 'left' | 'all';
  sort: 'name' | 'position' | 'kind' | 'start';
  dir: 'asc' | 'desc';
  limit: number;
  offset: number;
  /** Restrict to people at these schools ('all' for no restriction). */
  visibleSchoolIds: 'all' | string[];
};

export async function searchPeople(db: Db, trustId: string, query: PeopleQuery) {
  const today = londonToday();
  const where: SQL[] = [eq(people.trustId, trustId)];
  if (query.q) {
    const term = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(or(ilike(people.fullName, term), ilike(people.email, term), ilike(people.position, term)) as SQL);
  }
  if (query.kind) where.push(eq(people.kind, query.kind));
  if (query.status === 'current') where.push(sql`(${people.endDate} is null or ${people.endDate} >= ${today})`);
  if (query.status === 'left') where.push(sql`${people.endDate} < ${today}`);
  const schoolFilter = (ids: string[]) =>
    sql`exists (select 1 from ${personSchools} ps where ps.trust_id = ${people.trustId} and ps.person_id = ${people.id} and ps.school_id in (${sql.join(
      ids.map((id) => sql`${id}::uuid`),
      sql`, `,
    )}))`;
  if (query.visibleSchoolIds !== 'all') {
    if (query.visibleSchoolIds.length === 0) return { items: [], total: 0 };
    where.push(schoolFilter(query.visibleSchoolIds));
  }
  if (query.schoolId) where.push(schoolFilter([query.schoolId]));
  if (query.role)
    where.push(
      sql`exists (select 1 from ${roleAssignments} ra where ra.trust_id = ${people.trustId} and ra.person_id = ${people.id} and ra.role = ${query.role} and ra.revoked_at is null)`,
    );
  const order = { name: people.fullName, position: people.position, kind: people.kind, start: people.startDate }[query.sort];
  const direction = query.dir === 'desc' ? desc : asc;
  const condition = and(...where);
  const [items, [count]] = await Promise.all([
    db.select().from(people).where(condition).orderBy(direction(order), asc(people.fullName), asc(people.id)).limit(query.limit).offset(query.offset),
    db.select({ n: sql<number>`count(*)::int` }).from(people).where(condition),
  ]);
  return { items, total: count?.n ?? 0 };
}

export type PeoplePageQuery = {
  status: 'current' | 'left' | 'all';
  /** ISO timestamp: only people whose record or roles changed at or after it. */
  updatedSince?: string;
  /** The last person of the previous page, in (full name, id) order. */
  after?: { name: string; id: string };
  limit: number;
  visibleSchoolIds: 'all' | string[];
};

/**
 * People in (full name, id) order from just after `after`: keyset paging, so a page never repeats
 * or skips someone when people are added or removed between requests, however deep the page.
 */
export async function pagePeople(db: Db, trustId: string, query: PeoplePageQuery) {
  const today = londonToday();
  const where: SQL[] = [eq(people.trustId, trustId)];
  if (query.status === 'current') where.push(sql`(${people.endDate} is null or ${people.endDate} >= ${today})`);
  if (query.status === 'left') where.push(sql`${people.endDate} < ${today}`);
  if (query.visibleSchoolIds !== 'all') {
    if (query.visibleSchoolIds.length === 0) return [];
    where.push(
      sql`exists (select 1 from ${personSchools} ps where ps.trust_id = ${people.trustId} and ps.person_id = ${people.id} and ps.school_id in (${sql.join(
        query.visibleSchoolIds.map((id) => sql`${id}::uuid`),
        sql`, `,
      )}))`,
    );
  }
  if (query.updatedSince) {
    const since = sql`${query.updatedSince}::timestamptz`;
    where.push(
      sql`(${people.updatedAt} >= ${since} or exists (select 1 from ${roleAssignments} ra where ra.trust_id = ${people.trustId} and ra.person_id = ${people.id} and (ra.granted_at >= ${since} or ra.revoked_at >= ${since})))`,
    );
  }
  if (query.after) where.push(sql`(${people.fullName}, ${people.id}) > (${query.after.name}, ${query.after.id}::uuid)`);
  const manager = alias(people, 'line_manager');
  return db
    .select({ person: people, lineManager: { id: manager.id, fullName: manager.fullName } })
    .from(people)
    .leftJoin(manager, and(eq(manager.trustId, people.trustId), eq(manager.id, people.lineManagerId)))
    .where(and(...where))
    .orderBy(asc(people.fullName), asc(people.id))
    .limit(query.limit);
}

/** Schools and active roles for a set of people, for lists and the API. */
export async function schoolsAndRolesFor(db: Db, trustId: string, personIds: string[]) {
  const schoolsByPerson = new Map<string, { id: string; slug: string; name: string }[]>();
  const rolesByPerson = new Map<string, { id: string; role: string; schoolId: string | null }[]>();
  if (personIds.length === 0) return { schoolsByPerson, rolesByPerson };
  const [schoolRows, roleRows] = await Promise.all([
    db
      .select({ personId: personSchools.personId, id: schools.id, slug: schools.slug, name: schools.name })
      .from(personSchools)
      .innerJoin(schools, and(eq(schools.trustId, personSchools.trustId), eq(schools.id, personSchools.schoolId)))
      .where(and(eq(personSchools.trustId, trustId), inArray(personSchools.personId, personIds)))
      .orderBy(asc(schools.name)),
    db
      .select({ personId: roleAssignments.personId, id: roleAssignments.id, role: roleAssignments.role, schoolId: roleAssignments.schoolId })
      .from(roleAssignments)
      .where(and(eq(roleAssignments.trustId, trustId), inArray(roleAssignments.personId, personIds), isNull(roleAssignments.revokedAt)))
      .orderBy(asc(roleAssignments.grantedAt)),
  ]);
  for (const r of schoolRows) schoolsByPerson.set(r.personId, [...(schoolsByPerson.get(r.personId) ?? []), { id: r.id, slug: r.slug, name: r.name }]);
  for (const r of roleRows) rolesByPerson.set(r.personId, [...(rolesByPerson.get(r.personId) ?? []), { id: r.id, role: r.role, schoolId: r.schoolId }]);
  return { schoolsByPerson, rolesByPerson };
}

export async function directReports(db: Db, trustId: string, personId: string) {
  const today = londonToday();
  return db
    .select({ id: people.id, fullName: people.fullName, position: people.position })
    .from(people)
    .where(and(eq(people.trustId, trustId), eq(people.lineManagerId, personId), sql`(${people.endDate} is null or ${people.endDate} >= ${today})`))
    .orderBy(asc(people.fullName));
}

/** Everyone current in the trust, for pickers (line manager). */
export async function currentPeopleOptions(db: Db, trustId: string) {
  const today = londonToday();
  return db
    .select({ id: people.id, fullName: people.fullName, email: people.email })
    .from(people)
    .where(and(eq(people.trustId, trustId), sql`(${people.endDate} is null or ${people.endDate} >= ${today})`))
    .orderBy(asc(people.fullName));
}

/** How a person is offered in a directory picker and typed back: "Full Name (email)". */
export const personLabel = (p: { fullName: string; email: string }) => `${p.fullName} (${p.email})`;

/**
 * A person named on a form: "Full Name (email)" as the picker offers, an email, or a full name
 * that is unique in the trust. Another trust's people are never found.
 */
export async function findPersonByReference(db: Db, trustId: string, ref: string) {
  const email = /\(([^()\s]+@[^()\s]+)\)\s*$/.exec(ref)?.[1] ?? (ref.includes('@') ? ref : null);
  const found = await db
    .select({ id: people.id, fullName: people.fullName, email: people.email })
    .from(people)
    .where(
      and(eq(people.trustId, trustId), email ? eq(people.email, email.trim().toLowerCase()) : sql`lower(${people.fullName}) = ${ref.trim().toLowerCase()}`),
    )
    .limit(2);
  return found.length === 1 ? (found[0] ?? null) : null;
}
