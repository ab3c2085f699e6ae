import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ConcernCast, concernCast } from '../../../test/concerns.ts';
import { freshDatabase } from '../../../test/db.ts';
import { makePerson, makeTrustWithCast } from '../../../test/factories.ts';
import type { Database, Db } from '../../db/client.ts';
import { londonToday } from '../../ui/format.ts';
import { addDays } from '../acknowledgements/service.ts';
import { type Recipient, routeConcern } from './routing.ts';
import { CONCERN_TYPE_CODES, type ConcernTypeCode } from './types.ts';

/**
 * The routing table (types.ts CONCERN_TYPES), one test per row, for a teacher at School A, and
 * the staff-conduct chain and fall-backs around it. Every test states exactly who is told and why.
 */

let database: Database;
let db: Db;
let c: ConcernCast;
type Person = Awaited<ReturnType<typeof makePerson>>;
/** A DSL at Schools A and B who left yesterday: still holds the roles, must never be told. */
let leftDsl: Person;

before(async () => {
  database = await freshDatabase();
  db = database.db;
  c = await concernCast(db, await makeTrustWithCast(db, 'alpha'));
  leftDsl = await makePerson(db, c.trust.id, {
    name: 'Lou Leaver',
    email: 'leaver@alpha.example',
    schoolIds: [c.schoolA.id],
    endDate: addDays(londonToday(), -1),
    roles: [
      ['dsl', c.schoolA.id],
      ['dsl', c.schoolB.id],
    ],
  });
});
after(() => database.close());

type Expected = [person: Person, reason: string][];

const route = (type: ConcernTypeCode, opts: { reporter?: Person; schoolId?: string; subjects?: Person[]; db?: Db; trustId?: string } = {}) =>
  routeConcern(opts.db ?? db, {
    trustId: opts.trustId ?? c.trust.id,
    type,
    schoolId: opts.schoolId ?? c.schoolA.id,
    reporterId: (opts.reporter ?? c.teacherA).id,
    subjectIds: (opts.subjects ?? []).map((s) => s.id),
  });

/** Exactly these people, for these reasons, in any order. */
function assertRecipients(actual: Recipient[], expected: Expected) {
  const shown = (list: { personId: string; reason: string }[]) => list.map((r) => `${r.personId} ${r.reason}`).sort();
  assert.deepEqual(shown(actual), shown(expected.map(([p, reason]) => ({ personId: p.id, reason }))));
  for (const r of actual) {
    const person = expected.find(([p]) => p.id === r.personId)?.[0];
    assert.equal(r.email, person?.email);
    assert.equal(r.fullName, person?.fullName);
  }
}

describe('the routing table, one row at a time (a teacher at School A reports)', () => {
  const DSL = 'Designated safeguarding lead (DSL) at School A';
  const DEPUTY_DSL = 'Deputy DSL at School A';
  const IT = 'IT services at School A';
  const dslTeam = (): Expected => [
    [c.dslA, DSL],
    [c.deputyDslA, DEPUTY_DSL],
  ];
  // Typed as a Record over every type code: a new row in the table does not compile until it has a test here.
  const rows: Record<ConcernTypeCode, () => Expected> = {
    harmful_content: dslTeam,
    illegal_content: dslTeam,
    pupil_contact: dslTeam,
    cyberbullying: dslTeam,
    home_learning: dslTeam,
    data_breach: () => [
      [c.dplA, 'Data protection lead (DPL) at School A'],
      [c.dpo, 'Data protection officer (DPO) for the trust'],
      [c.headA, 'Line manager of the reporter'],
    ],
    device_lost: () => [
      [c.itA, IT],
      [c.headA, 'Head teacher at School A'],
    ],
    cyber_security: () => [
      [c.itA, IT],
      [c.sltA, 'Senior leadership team at School A'],
    ],
    // About another member of staff: Tess's line manager (Hal Head) takes it.
    staff_conduct: () => [[c.headA, 'Line manager of the reporter']],
    safeguard_failure: () => [
      [c.itA, IT],
      [c.dslA, DSL],
    ],
    damage_fault: () => [[c.itA, IT]],
  };

  test('there is a test row for every type in the table, and no other', () => {
    assert.deepEqual(Object.keys(rows).sort(), [...CONCERN_TYPE_CODES].sort());
  });

  for (const type of CONCERN_TYPE_CODES) {
    test(`${type}`, async () => {
      const subjects = type === 'staff_conduct' ? [c.teacherB] : [];
      assertRecipients(await route(type, { subjects }), rows[type]());
    });
  }
});

describe('staff conduct: the line manager, unless absent or named', () => {
  const AWAY = '(the line manager is away or named in the report)';

  test('the line manager is the person it is about: the deputy head, never the line manager', async () => {
    assertRecipients(await route('staff_conduct', { subjects: [c.headA] }), [[c.deputyHeadA, `Deputy head at School A ${AWAY}`]]);
  });

  test('the reporter has no line manager: the deputy head', async () => {
    const newcomer = await makePerson(db, c.trust.id, { name: 'Nia Newcomer', email: 'nia@alpha.example', schoolIds: [c.schoolA.id] });
    assertRecipients(await route('staff_conduct', { reporter: newcomer, subjects: [c.teacherA] }), [[c.deputyHeadA, `Deputy head at School A ${AWAY}`]]);
  });

  test('the line manager has left (end-dated): treated as absent, the deputy head', async () => {
    const oldBoss = await makePerson(db, c.trust.id, {
      name: 'Olive Oldboss',
      email: 'olive@alpha.example',
      schoolIds: [c.schoolA.id],
      endDate: addDays(londonToday(), -10),
    });
    const reporter = await makePerson(db, c.trust.id, {
      name: 'Rey Reporter',
      email: 'rey@alpha.example',
      schoolIds: [c.schoolA.id],
      lineManagerId: oldBoss.id,
    });
    assertRecipients(await route('staff_conduct', { reporter, subjects: [c.teacherA] }), [[c.deputyHeadA, `Deputy head at School A ${AWAY}`]]);
  });

  describe('at a school with no deputy head (School B)', () => {
    let headB: Person;
    let reporterB: Person;
    before(async () => {
      headB = await makePerson(db, c.trust.id, {
        name: 'Hugh Head-B',
        email: 'head.b@alpha.example',
        schoolIds: [c.schoolB.id],
        roles: [['head_teacher', c.schoolB.id]],
      });
      reporterB = await makePerson(db, c.trust.id, { name: 'Ray Reporter-B', email: 'ray.b@alpha.example', schoolIds: [c.schoolB.id] });
    });

    test('no line manager and no deputy: the head teacher', async () => {
      assertRecipients(await route('staff_conduct', { reporter: reporterB, schoolId: c.schoolB.id, subjects: [c.teacherB] }), [
        [headB, `Head teacher at School B ${AWAY}`],
      ]);
    });

    test('the head teacher is the person it is about and there is no deputy: the trust HR lead', async () => {
      assertRecipients(await route('staff_conduct', { reporter: reporterB, schoolId: c.schoolB.id, subjects: [headB] }), [
        [c.hrLead, 'For the trust (no one at the school can take it)'],
      ]);
    });
  });

  test('a trust with no HR lead either: the trust administrator', async () => {
    const beta = await makeTrustWithCast(db, 'beta');
    // Bo Teacher at Beta's School B: no line manager, no deputy head, no head teacher, no HR lead.
    const recipients = await routeConcern(db, {
      trustId: beta.trust.id,
      type: 'staff_conduct',
      schoolId: beta.schoolB.id,
      reporterId: beta.teacherB.id,
      subjectIds: [beta.teacherA.id],
    });
    assertRecipients(recipients, [[beta.admin, 'For the trust (no one at the school can take it)']]);
  });
});

describe('fall-backs and exclusions', () => {
  test('a role missing at the school goes to the trust-wide holder: IT services at School B is the trust IT team', async () => {
    assertRecipients(await route('damage_fault', { reporter: c.teacherB, schoolId: c.schoolB.id }), [[c.trustIt, 'IT services for the trust']]);
  });

  test('no senior leadership team at the school or the trust: the head teacher is told instead', async () => {
    const beta = await makeTrustWithCast(db, 'gamma');
    const recipients = await routeConcern(db, {
      trustId: beta.trust.id,
      type: 'cyber_security',
      schoolId: beta.schoolA.id,
      reporterId: beta.teacherA.id,
      subjectIds: [],
    });
    assertRecipients(recipients, [[beta.headA, 'Head teacher at School A (no Senior leadership team)']]);
  });

  test('an end-dated person is never routed to, even though they still hold the role', async () => {
    // At School B the leaver is the only DSL: the report goes to the trust DSL instead of to her.
    assertRecipients(await route('harmful_content', { reporter: c.teacherB, schoolId: c.schoolB.id }), [
      [c.trustDsl, 'Designated safeguarding lead (DSL) for the trust'],
    ]);
    // At School A she sits beside the current DSL and is left out (the rows above check the exact list too).
    assert.ok(!(await route('harmful_content')).some((r) => r.personId === leftDsl.id));
  });

  test('the reporter is never a recipient: the school DSL reporting goes to the deputy DSL and the trust DSL', async () => {
    assertRecipients(await route('cyberbullying', { reporter: c.dslA }), [
      [c.trustDsl, 'Designated safeguarding lead (DSL) for the trust'],
      [c.deputyDslA, 'Deputy DSL at School A'],
    ]);
  });

  test('the reporter is never a recipient: the DPL reporting a breach, IT reporting a fault', async () => {
    assertRecipients(await route('data_breach', { reporter: c.dplA }), [[c.dpo, 'Data protection officer (DPO) for the trust']]);
    assertRecipients(await route('damage_fault', { reporter: c.itA }), [[c.trustIt, 'IT services for the trust']]);
  });

  test('someone a report is about is never a recipient, whatever their role', async () => {
    const recipients = await route('cyber_security', { subjects: [c.itA] });
    assertRecipients(recipients, [
      [c.trustIt, 'IT services for the trust'],
      [c.sltA, 'Senior leadership team at School A'],
    ]);
  });
});
