import { randomBytes } from 'node:crypto';
import type { Ctx } from '../src/context.ts';
import type { Db } from '../src/db/client.ts';
import { systemActor } from '../src/modules/auth/actor.ts';
import { adminCredentials } from '../src/modules/auth/schema.ts';
import { hashPassword, loadPersonActor } from '../src/modules/auth/service.ts';
import type { PersonKind, Role } from '../src/modules/organisations/roles.ts';
import { createPerson, createSchool, createTrust, grantRole } from '../src/modules/organisations/service.ts';

const unique = () => randomBytes(3).toString('hex');

export const systemCtx = (db: Db, trustId: string) => ({ db, actor: systemActor(trustId, 'Test set-up'), baseUrl: 'http://localhost' });

export async function makeTrust(db: Db, overrides: { slug?: string; name?: string } = {}) {
  const slug = overrides.slug ?? `trust-${unique()}`;
  return createTrust(db, { slug, name: overrides.name ?? `Trust ${slug}` }, 'Test set-up');
}

export async function makeSchool(db: Db, trustId: string, overrides: { slug?: string; name?: string } = {}) {
  const slug = overrides.slug ?? `school-${unique()}`;
  const school = await createSchool(systemCtx(db, trustId), { slug, name: overrides.name ?? `School ${slug}` });
  if (!school) throw new Error('school not created');
  return school;
}

export type PersonSpec = {
  name?: string;
  email?: string;
  kind?: PersonKind;
  position?: string;
  schoolIds?: string[];
  lineManagerId?: string;
  startDate?: string;
  endDate?: string;
  /** Roles to grant: [role, schoolId or 'trust']. */
  roles?: [Role, string][];
  password?: string;
};

export async function makePerson(db: Db, trustId: string, spec: PersonSpec = {}) {
  const id = unique();
  const person = await createPerson(systemCtx(db, trustId), {
    fullName: spec.name ?? `Person ${id}`,
    email: spec.email ?? `person.${id}@school.example`,
    kind: spec.kind ?? 'employee',
    position: spec.position ?? 'Teacher',
    schoolIds: spec.schoolIds ?? [],
    lineManagerId: spec.lineManagerId,
    startDate: spec.startDate,
    endDate: spec.endDate,
  });
  for (const [role, scope] of spec.roles ?? []) await grantRole(systemCtx(db, trustId), person.id, { role, scope });
  if (spec.password) await db.insert(adminCredentials).values({ trustId, personId: person.id, passwordHash: await hashPassword(spec.password) });
  return person;
}

/** A trust with two schools and one person in each of the main roles: the usual cast of a test. */
export async function makeTrustWithCast(db: Db, slug?: string) {
  const trust = await makeTrust(db, { slug });
  const schoolA = await makeSchool(db, trust.id, { slug: 'school-a', name: 'School A' });
  const schoolB = await makeSchool(db, trust.id, { slug: 'school-b', name: 'School B' });
  const admin = await makePerson(db, trust.id, {
    name: 'Ada Admin',
    email: `admin@${trust.slug}.example`,
    roles: [['trust_admin', 'trust']],
    password: 'correct horse battery staple',
  });
  const headA = await makePerson(db, trust.id, {
    name: 'Hal Head',
    email: `head.a@${trust.slug}.example`,
    schoolIds: [schoolA.id],
    roles: [['head_teacher', schoolA.id]],
  });
  const teacherA = await makePerson(db, trust.id, {
    name: 'Tess Teacher',
    email: `teacher.a@${trust.slug}.example`,
    schoolIds: [schoolA.id],
    lineManagerId: headA.id,
  });
  const teacherB = await makePerson(db, trust.id, { name: 'Bo Teacher', email: `teacher.b@${trust.slug}.example`, schoolIds: [schoolB.id] });
  return { trust, schoolA, schoolB, admin, headA, teacherA, teacherB };
}

/** A service context acting as a person, signed in by an email link: their roles and schools as they are now. */
export async function actingAs(db: Db, person: { id: string; trustId: string }, extra: Partial<Omit<Ctx, 'db' | 'actor'>> = {}): Promise<Ctx> {
  const actor = { ...(await loadPersonActor(db, person.trustId, person.id)), authMethod: 'magic_link' as const };
  return { db, actor, baseUrl: 'http://localhost', ip: '203.0.113.9', userAgent: 'Test browser', ...extra };
}
