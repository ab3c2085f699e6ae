import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { type Agent, type TestApp, type TwoTrusts, twoTrusts } from '../../../../test/app.ts';
import { makePerson, systemCtx } from '../../../../test/factories.ts';
import { publishedPolicy } from '../../../../test/policies.ts';
import type { Ctx } from '../../../context.ts';
import { londonToday } from '../../../ui/format.ts';
import type { PersonActor } from '../../auth/actor.ts';
import { endDatePerson, grantRole } from '../../organisations/service.ts';
import { assignments } from '../schema.ts';
import { createCampaign, signAssignment } from '../service.ts';
import { cachedComplianceQueries, complianceCacheStats, DEFAULT_LIST } from './service.ts';

let t: TestApp;
let cast: TwoTrusts['cast'];
let other: TwoTrusts['other'];
let admin: Agent;
let head: Agent;

const person = (p: { id: string; fullName: string; email: string; trustId: string }): Ctx => ({
  db: t.app.db,
  actor: {
    type: 'person',
    trustId: p.trustId,
    personId: p.id,
    name: p.fullName,
    email: p.email,
    roles: [],
    schoolIds: [],
    authMethod: 'magic_link',
  } as PersonActor,
  baseUrl: 'http://localhost',
});

async function sign(p: { id: string; fullName: string; email: string; trustId: string }) {
  const [mine] = await t.app.db
    .select()
    .from(assignments)
    .where(and(eq(assignments.trustId, p.trustId), eq(assignments.personId, p.id)));
  await signAssignment(person(p), mine?.id as string, { typedName: p.fullName, position: 'Staff', statements: ['0', '1'] });
}

/** The dashboard's figures, and whether this view was answered from memory. */
async function view() {
  const before = { ...complianceCacheStats };
  const res = await admin.get('/compliance');
  assert.equal(res.statusCode, 200);
  const figure = (id: string) => Number(new RegExp(`data-figure="${id}">[\\s\\S]*?<p[^>]*>[^<]*</p><p[^>]*>([0-9,]+)`).exec(res.body)?.[1]?.replace(/,/g, ''));
  return { assigned: figure('assigned'), signed: figure('signed'), fromMemory: complianceCacheStats.hits === before.hits + 1 };
}

before(async () => {
  ({ t, cast, other, admin, head } = await twoTrusts());
  for (const trust of [cast.trust.id, other.trust.id]) {
    const { policy } = await publishedPolicy(t.app.db, trust);
    await createCampaign(systemCtx(t.app.db, trust), policy.id, { audience: 'everyone', dueOn: '2099-01-31', reminderDaysBefore: '7', overdueEveryDays: '7' });
  }
});
after(() => t.close());

describe('the dashboard’s answers kept in memory', () => {
  test('a repeat view is answered from memory until something it counts changes', async () => {
    const first = await view();
    assert.equal(first.fromMemory, false);
    assert.deepEqual([first.assigned, first.signed], [4, 0]);
    assert.deepEqual(await view(), { ...first, fromMemory: true });

    await sign(cast.teacherA);
    assert.deepEqual(await view(), { assigned: 4, signed: 1, fromMemory: false }, 'a signature is seen at once');
    assert.equal((await view()).fromMemory, true);

    await sign(other.teacherA);
    assert.equal((await view()).fromMemory, true, 'another trust’s signature changes nothing here');

    await endDatePerson(systemCtx(t.app.db, cast.trust.id), cast.teacherB.id, { endDate: '2020-01-01' });
    assert.deepEqual(await view(), { assigned: 3, signed: 1, fromMemory: false }, 'a leaver drops out at once');

    await grantRole(systemCtx(t.app.db, cast.trust.id), cast.teacherA.id, { role: 'slt', scope: 'trust' });
    assert.equal((await view()).fromMemory, false, 'a new role changes the breakdown by role');

    const late = await makePerson(t.app.db, cast.trust.id, { name: 'Late Starter' });
    assert.ok(late);
    assert.equal((await view()).fromMemory, false, 'a new person (and their schools) moves it on');
  });

  test('the day is part of the answer: overdue and leavers depend on it', async () => {
    const filter = { visibleSchoolIds: 'all' as const };
    const today = londonToday();
    await cachedComplianceQueries(t.app.db, cast.trust.id, filter, today, DEFAULT_LIST);
    const hits = complianceCacheStats.hits;
    await cachedComplianceQueries(t.app.db, cast.trust.id, filter, today, DEFAULT_LIST);
    assert.equal(complianceCacheStats.hits, hits + 1);
    await cachedComplianceQueries(t.app.db, cast.trust.id, filter, '2099-02-01', DEFAULT_LIST);
    assert.equal(complianceCacheStats.hits, hits + 1, 'another day is computed afresh');
  });

  test('trust administrators find the evidence tools on the dashboard; head teachers do not', async () => {
    const mine = (await admin.get('/compliance')).body;
    assert.match(mine, /href="\/acknowledgements\/import"/);
    assert.match(mine, /href="\/evidence"/);
    const theirs = (await head.get('/compliance')).body;
    assert.doesNotMatch(theirs, /href="\/acknowledgements\/import"|href="\/evidence"/);
  });
});
