/**
 * Test set-up shared by the evidence tests and the chain tests: a trust whose people have signed a
 * policy through the real signing service, so the chain is exactly what production writes.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import { makePerson, makeSchool, makeTrust, systemCtx } from '../../../../test/factories.ts';
import { publishedPolicy } from '../../../../test/policies.ts';
import type { Ctx } from '../../../context.ts';
import type { Db } from '../../../db/client.ts';
import type { PersonActor } from '../../auth/actor.ts';
import { loadRoleGrants } from '../../organisations/repository.ts';
import type { AcknowledgementRow } from '../chain.ts';
import { assignments } from '../schema.ts';
import { createCampaign, signAssignment } from '../service.ts';

type Person = { id: string; fullName: string; email: string; trustId: string };

/** A service context acting as a person signed in by an email link, from a fixed address and browser. */
export async function asPerson(db: Db, person: Person, meta: { ip?: string; userAgent?: string } = {}): Promise<Ctx> {
  const actor: PersonActor = {
    type: 'person',
    trustId: person.trustId,
    personId: person.id,
    name: person.fullName,
    email: person.email,
    roles: await loadRoleGrants(db, person.trustId, person.id),
    schoolIds: [],
    authMethod: 'magic_link',
  };
  return { db, actor, baseUrl: 'http://localhost', ip: meta.ip ?? '203.0.113.9', userAgent: meta.userAgent ?? 'Test browser' };
}

/** Assigns the policy's version in force to everyone in the trust, as the system. */
export async function assignToEveryone(db: Db, trustId: string, policyId: string) {
  await createCampaign(systemCtx(db, trustId), policyId, { audience: 'everyone', dueOn: '2099-01-31', reminderDaysBefore: '7, 1, 0', overdueEveryDays: '7' });
}

/** The person's current, unsigned assignment of the policy. */
export async function openAssignment(db: Db, trustId: string, personId: string, policyId: string): Promise<string> {
  const [row] = await db
    .select({ id: assignments.id })
    .from(assignments)
    .where(
      and(
        eq(assignments.trustId, trustId),
        eq(assignments.personId, personId),
        eq(assignments.policyId, policyId),
        sql`${assignments.replacedAt} is null and ${assignments.withdrawnAt} is null and ${assignments.acknowledgementId} is null`,
      ),
    )
    .orderBy(asc(assignments.assignedAt));
  if (!row) throw new Error('no open assignment');
  return row.id;
}

/** Signs the person's open assignment of the policy with their own name and both statements of the sample policy. */
export async function sign(db: Db, person: Person, policyId: string, meta?: { ip?: string; userAgent?: string }): Promise<AcknowledgementRow> {
  const assignmentId = await openAssignment(db, person.trustId, person.id, policyId);
  return signAssignment(await asPerson(db, person, meta), assignmentId, { typedName: person.fullName, position: 'Class teacher', statements: ['0', '1'] });
}

/**
 * A new trust with `signed + unsigned` people assigned a published policy, of whom the first
 * `signed` have signed, one after the other: records 1…signed of the trust's chain.
 */
export async function signedChain(db: Db, signed: number, unsigned = 0) {
  const trust = await makeTrust(db);
  const school = await makeSchool(db, trust.id, { name: 'Hill Primary' });
  const people: Person[] = [];
  for (let i = 1; i <= signed + unsigned; i++) people.push(await makePerson(db, trust.id, { name: `Signer ${i}`, schoolIds: [school.id] }));
  const { policy, v1 } = await publishedPolicy(db, trust.id);
  await assignToEveryone(db, trust.id, policy.id);
  const acks: AcknowledgementRow[] = [];
  for (const person of people.slice(0, signed)) acks.push(await sign(db, person, policy.id));
  return { trust, school, people, policy, version: v1, acks };
}
