import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { Agent, createTestApp, type TestApp } from '../../../../test/app.ts';
import { makePerson, makeTrustWithCast } from '../../../../test/factories.ts';
import { type MonitoringCast, monitoringCast } from '../../../../test/monitoring.ts';
import { auditEvents } from '../../../audit/schema.ts';
import { formatDate, londonToday } from '../../../ui/format.ts';
import { addDays } from '../../policies/reviews/service.ts';
import { addMonths } from '../../policies/service.ts';
import { enhancedMonitoring } from '../schema.ts';
import { enhancedNow, isUnderEnhancedMonitoring } from './service.ts';

let t: TestApp;
let cast: MonitoringCast;
let other: Awaited<ReturnType<typeof makeTrustWithCast>>;
let headB: Awaited<ReturnType<typeof makePerson>>;
let both: Awaited<ReturnType<typeof makePerson>>;
let headA: Agent;
let headBAgent: Agent;
let dslA: Agent;
let trustDsl: Agent;
let teacher: Agent;
let admin: Agent;
let otherHead: Agent;

const today = londonToday();
const label = (p: { fullName: string; email: string }) => `${p.fullName} (${p.email})`;

before(async () => {
  t = await createTestApp();
  cast = await monitoringCast(t.app.db, await makeTrustWithCast(t.app.db, 'alpha'));
  other = await makeTrustWithCast(t.app.db, 'beta');
  headB = await makePerson(t.app.db, cast.trust.id, {
    name: 'Hugo Head-B',
    email: 'head.b@alpha.example',
    schoolIds: [cast.schoolB.id],
    roles: [['head_teacher', cast.schoolB.id]],
  });
  both = await makePerson(t.app.db, cast.trust.id, { name: 'Pat Peripatetic', email: 'pat@alpha.example', schoolIds: [cast.schoolA.id, cast.schoolB.id] });
  const signIn = (email: string) => new Agent(t.app).signIn(email);
  headA = await signIn(cast.headA.email);
  headBAgent = await signIn(headB.email);
  dslA = await signIn(cast.dslA.email);
  trustDsl = await signIn(cast.trustDsl.email);
  teacher = await signIn(cast.teacherA.email);
  admin = await signIn(cast.admin.email);
  otherHead = await signIn(other.headA.email);
});
after(() => t.close());

const periodsOf = (personId: string) =>
  t.app.db
    .select()
    .from(enhancedMonitoring)
    .where(and(eq(enhancedMonitoring.trustId, cast.trust.id), eq(enhancedMonitoring.personId, personId)));
const auditsOf = (action: 'enhanced_monitoring.set' | 'enhanced_monitoring.ended', resourceId: string) =>
  t.app.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.action, action), eq(auditEvents.resourceId, resourceId)));

async function set(agent: Agent, form: Record<string, string>) {
  await agent.get('/monitoring/enhanced');
  return agent.post('/monitoring/enhanced/new', form);
}
const idFrom = (location: unknown) => /^\/monitoring\/enhanced\/([0-9a-f-]{36})$/.exec(String(location))?.[1] ?? '';

describe('setting enhanced monitoring', () => {
  let periodId = '';

  test('the head teacher picks a person of their school, sets dates and a reason; it is audited without the reason', async () => {
    const form = await headA.get('/monitoring/enhanced/new');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, new RegExp(`<option value="${label(cast.teacherA).replace(/[().]/g, '\\$&')}">`));
    assert.doesNotMatch(form.body, new RegExp(cast.teacherB.email.replace(/\./g, '\\.')), 'not the other school’s people');
    assert.doesNotMatch(form.body, /<option value="Hal Head/, 'not themselves');
    // The start date defaults to today.
    const [y, m, d] = today.split('-');
    assert.match(form.body, new RegExp(`name="startsOn-day" value="${Number(d)}"`));
    assert.match(form.body, new RegExp(`name="startsOn-month" value="${Number(m)}"`));
    assert.match(form.body, new RegExp(`name="startsOn-year" value="${y}"`));

    const endsOn = addDays(today, 30);
    const [ey, em, ed] = endsOn.split('-') as [string, string, string];
    const res = await set(headA, {
      person: label(cast.teacherA),
      'startsOn-day': String(Number(d)),
      'startsOn-month': String(Number(m)),
      'startsOn-year': y as string,
      'endsOn-day': ed,
      'endsOn-month': em,
      'endsOn-year': ey,
      reason: 'Investigation INV-12: concerns raised about searches made in class',
    });
    assert.equal(res.statusCode, 303, res.body.slice(0, 400));
    periodId = idFrom(res.headers.location);
    assert.ok(periodId);
    const [row] = await periodsOf(cast.teacherA.id);
    assert.equal(row?.startsOn, today);
    assert.equal(row?.endsOn, endsOn);
    assert.equal(row?.setBy, cast.headA.id);
    assert.match(row?.reason ?? '', /INV-12/);
    const [audit] = await auditsOf('enhanced_monitoring.set', periodId);
    assert.equal(audit?.summary, `Enhanced monitoring set for Tess Teacher from ${formatDate(today)} to ${formatDate(endsOn)}`);
    assert.doesNotMatch(JSON.stringify(audit), /INV-12/);
    assert.deepEqual(audit?.after, { personId: cast.teacherA.id, startsOn: today, endsOn });

    const page = await headA.get(`/monitoring/enhanced/${periodId}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Tess Teacher is under enhanced monitoring from/);
    assert.match(page.body, /Investigation INV-12/);
    assert.match(page.body, /In force/);
    assert.ok(await isUnderEnhancedMonitoring(t.app.db, cast.trust.id, cast.teacherA.id, today));
    // "Set a further period" opens the form with the person and the day after this one ends.
    const further = /href="(\/monitoring\/enhanced\/new\?[^"]+)"[^>]*>Set a further period/.exec(page.body)?.[1];
    assert.ok(further);
    const prefilled = await headA.get(further.replace(/&amp;/g, '&'));
    assert.match(prefilled.body, new RegExp(`name="person" value="Tess Teacher \\(${cast.teacherA.email.replace(/\./g, '\\.')}\\)"`));
    assert.match(prefilled.body, new RegExp(`name="startsOn-day" value="${Number(addDays(endsOn, 1).slice(8))}"`));
  });

  test('the DSL teams of the person’s school and trust and the head teacher see it with its reason; others do not', async () => {
    for (const agent of [headA, dslA, trustDsl]) {
      const list = await agent.get('/monitoring/enhanced');
      assert.equal(list.statusCode, 200);
      assert.match(list.body, /Tess Teacher/);
      assert.match(list.body, /Investigation INV-12/);
      assert.equal((await agent.get(`/monitoring/enhanced/${periodId}`)).statusCode, 200);
    }
    // Only the head teacher may end it or set another.
    assert.match((await headA.get('/monitoring/enhanced')).body, /Set enhanced monitoring/);
    assert.doesNotMatch((await dslA.get('/monitoring/enhanced')).body, /Set enhanced monitoring|End early/);
    // School B's head teacher leads another school: the list is empty, the period not found.
    assert.doesNotMatch((await headBAgent.get('/monitoring/enhanced')).body, /Tess Teacher/);
    assert.equal((await headBAgent.get(`/monitoring/enhanced/${periodId}`)).statusCode, 404);
    for (const agent of [teacher, admin]) {
      assert.equal((await agent.get('/monitoring/enhanced')).statusCode, 403);
      assert.equal((await agent.get(`/monitoring/enhanced/${periodId}`)).statusCode, 403);
    }
    // Another trust: not found.
    assert.equal((await otherHead.get(`/monitoring/enhanced/${periodId}`)).statusCode, 404);
    assert.equal((await otherHead.get(`/monitoring/enhanced/${periodId}/end`)).statusCode, 404);
  });

  test('only the head teacher of one of the person’s schools may set it', async () => {
    const form = { person: label(cast.teacherA), startsOn: addDays(today, 60), endsOn: addDays(today, 70), reason: 'A reason' };
    assert.equal((await set(headBAgent, form)).statusCode, 403);
    for (const agent of [dslA, trustDsl, admin, teacher]) {
      assert.equal((await agent.get('/monitoring/enhanced/new')).statusCode, 403);
      assert.equal((await set(agent, form)).statusCode, 403);
    }
    // Someone at both schools: either head teacher may.
    const res = await set(headBAgent, { ...form, person: label(both) });
    assert.equal(res.statusCode, 303);
    assert.equal((await periodsOf(both.id)).length, 1);
    assert.equal((await periodsOf(cast.teacherA.id)).length, 1);
  });

  test('a head teacher may never set it on themselves', async () => {
    const res = await set(headA, { person: label(cast.headA), startsOn: today, endsOn: addDays(today, 7), reason: 'Testing' });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /You cannot put yourself under enhanced monitoring/);
    assert.equal((await periodsOf(cast.headA.id)).length, 0);
  });

  test('every field is checked, all problems at once; nothing is written', async () => {
    const cases: [Record<string, string>, Record<string, RegExp>][] = [
      [
        {},
        {
          person: /Choose the person from the directory/,
          startsOn: /Enter the date enhanced monitoring starts/,
          endsOn: /Enter the date enhanced monitoring ends/,
          reason: /Give the reason/,
        },
      ],
      [{ person: 'Nobody Atall', startsOn: today, endsOn: addDays(today, 5), reason: 'x' }, { person: /no one matches/ }],
      [{ person: label(cast.dslA), startsOn: addDays(today, -1), endsOn: addDays(today, 5), reason: 'x' }, { startsOn: /today or in the future/ }],
      [{ person: label(cast.dslA), startsOn: addDays(today, 5), endsOn: addDays(today, 4), reason: 'x' }, { endsOn: /same as or after the start date/ }],
      [
        { person: label(cast.dslA), startsOn: today, endsOn: addDays(addMonths(today, 6), 1), reason: 'x' },
        { endsOn: /no more than 6 months after the start date/ },
      ],
      [
        { person: label(cast.dslA), startsOn: '31/02/2027', endsOn: 'soon', reason: 'x' },
        { startsOn: /must be a real date/, endsOn: /must be a real date/ },
      ],
      [{ person: label(cast.dslA), startsOn: today, endsOn: addDays(today, 5), reason: 'r'.repeat(2001) }, { reason: /2,000 characters or fewer/ }],
    ];
    for (const [form, expected] of cases) {
      const res = await set(headA, form);
      assert.equal(res.statusCode, 422, JSON.stringify(form).slice(0, 200));
      assert.match(res.body, /<title>Error: Set enhanced monitoring/);
      for (const [field, message] of Object.entries(expected)) {
        assert.match(res.body, new RegExp(`href="#f-${field}"`), field);
        assert.match(res.body, message, field);
      }
    }
    // Exactly six months is allowed.
    const res = await set(headA, { person: label(cast.dslA), startsOn: today, endsOn: addMonths(today, 6), reason: 'Six months' });
    assert.equal(res.statusCode, 303);
    assert.equal((await periodsOf(cast.dslA.id)).length, 1);
  });

  test('nobody sees a period about themselves, even with the right to see others', async () => {
    const list = await dslA.get('/monitoring/enhanced');
    assert.match(list.body, />Tess Teacher<\/a>/);
    assert.doesNotMatch(list.body, />Dee Dsl<\/a>/);
    const [own] = await periodsOf(cast.dslA.id);
    assert.equal((await dslA.get(`/monitoring/enhanced/${own?.id}`)).statusCode, 404);
    assert.match((await trustDsl.get('/monitoring/enhanced')).body, />Dee Dsl<\/a>/);
  });

  test('an overlapping period is refused; one starting the day after is allowed', async () => {
    const [current] = await periodsOf(cast.teacherA.id);
    assert.ok(current);
    const overlapping = await set(headA, {
      person: label(cast.teacherA),
      startsOn: addDays(current.endsOn, -2),
      endsOn: addDays(current.endsOn, 10),
      reason: 'More',
    });
    assert.equal(overlapping.statusCode, 422);
    assert.match(overlapping.body, /Tess Teacher is already under enhanced monitoring from/);
    assert.equal((await periodsOf(cast.teacherA.id)).length, 1);
    const after = await set(headA, {
      person: label(cast.teacherA),
      startsOn: addDays(current.endsOn, 1),
      endsOn: addDays(current.endsOn, 20),
      reason: 'Further period',
    });
    assert.equal(after.statusCode, 303);
    assert.equal((await periodsOf(cast.teacherA.id)).length, 2);
    const list = await headA.get('/monitoring/enhanced');
    assert.match(list.body, /Starting later \(2\)/);
  });
});

describe('ending enhanced monitoring early', () => {
  test('the head teacher ends it with a reason; it is audited; it no longer applies; a new period may then be set', async () => {
    const [current] = (await periodsOf(cast.dslA.id)).filter((p) => !p.endedAt);
    assert.ok(current);
    const page = await headA.get(`/monitoring/enhanced/${current.id}/end`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /End the enhanced monitoring of Dee Dsl early/);

    // Others may not.
    for (const agent of [dslA, trustDsl, headBAgent]) {
      await agent.get('/monitoring/enhanced');
      assert.notEqual((await agent.post(`/monitoring/enhanced/${current.id}/end`, { reason: 'x' })).statusCode, 303);
    }
    await trustDsl.get('/monitoring/enhanced');
    assert.equal((await trustDsl.post(`/monitoring/enhanced/${current.id}/end`, { reason: 'x' })).statusCode, 403);
    await otherHead.get('/');
    assert.equal((await otherHead.post(`/monitoring/enhanced/${current.id}/end`, { reason: 'x' })).statusCode, 404);

    const missing = await headA.post(`/monitoring/enhanced/${current.id}/end`, { reason: ' ' });
    assert.equal(missing.statusCode, 422);
    assert.match(missing.body, /Give the reason for ending enhanced monitoring early/);
    assert.equal((await periodsOf(cast.dslA.id)).filter((p) => p.endedAt).length, 0);

    const res = await headA.post(`/monitoring/enhanced/${current.id}/end`, { reason: 'Investigation closed: no case to answer' });
    assert.equal(res.statusCode, 303);
    const [row] = (await periodsOf(cast.dslA.id)).filter((p) => p.id === current.id);
    assert.ok(row?.endedAt);
    assert.equal(row?.endedBy, cast.headA.id);
    assert.equal(row?.endReason, 'Investigation closed: no case to answer');
    const [audit] = await auditsOf('enhanced_monitoring.ended', current.id);
    assert.match(audit?.summary ?? '', /^Enhanced monitoring of Dee Dsl ended early/);
    assert.doesNotMatch(JSON.stringify(audit), /no case to answer/);
    assert.equal(await isUnderEnhancedMonitoring(t.app.db, cast.trust.id, cast.dslA.id, today), false);

    const list = await headA.get('/monitoring/enhanced');
    assert.match(list.body, /Ended early on/);
    assert.match(list.body, /no case to answer/);
    // Again: already ended.
    const again = await headA.post(`/monitoring/enhanced/${current.id}/end`, { reason: 'Again' });
    assert.equal(again.statusCode, 303);
    assert.match((await headA.get(String(again.headers.location))).body, /This period had already ended/);
    // The period no longer blocks a new one.
    const res2 = await set(headA, { person: label(cast.dslA), startsOn: addDays(today, 1), endsOn: addDays(today, 10), reason: 'New concern' });
    assert.equal(res2.statusCode, 303);
  });
});

describe('who is under enhanced monitoring (for the rules engine and the alert page)', () => {
  test('within the dates and not ended early on or before the day', async () => {
    const p = await makePerson(t.app.db, cast.trust.id, { name: 'Quinn Query', schoolIds: [cast.schoolA.id] });
    const q = await makePerson(t.app.db, cast.trust.id, { name: 'Rae Ended', schoolIds: [cast.schoolA.id] });
    await t.app.db.insert(enhancedMonitoring).values([
      { trustId: cast.trust.id, personId: p.id, startsOn: addDays(today, -2), endsOn: addDays(today, 2), reason: 'r', setBy: cast.headA.id },
      {
        trustId: cast.trust.id,
        personId: q.id,
        startsOn: addDays(today, -5),
        endsOn: addDays(today, 5),
        reason: 'r',
        setBy: cast.headA.id,
        endedAt: new Date(`${addDays(today, -1)}T12:00:00Z`),
        endedBy: cast.headA.id,
        endReason: 'done',
      },
    ]);
    const under = (id: string, day: string) => isUnderEnhancedMonitoring(t.app.db, cast.trust.id, id, day);
    assert.equal(await under(p.id, addDays(today, -3)), false);
    assert.equal(await under(p.id, addDays(today, -2)), true);
    assert.equal(await under(p.id, today), true);
    assert.equal(await under(p.id, addDays(today, 2)), true);
    assert.equal(await under(p.id, addDays(today, 3)), false);
    assert.equal(await under(q.id, addDays(today, -2)), true);
    assert.equal(await under(q.id, addDays(today, -1)), false, 'ended that day');
    assert.equal(await under(q.id, today), false);
    // Another trust never.
    assert.equal(await isUnderEnhancedMonitoring(t.app.db, other.trust.id, p.id, today), false);

    const now = await enhancedNow(t.app.db, cast.trust.id, [p.id, q.id, cast.teacherA.id, cast.teacherB.id, 'not-a-uuid']);
    assert.deepEqual([...now.keys()].sort(), [p.id, cast.teacherA.id].sort());
    assert.equal(now.get(p.id)?.endsOn, addDays(today, 2));
    assert.equal((await enhancedNow(t.app.db, cast.trust.id, [])).size, 0);
  });
});

describe('the head teacher’s home page', () => {
  test('lists periods at their schools ending in the next 7 days, not later ones, and not to others', async () => {
    const soon = await makePerson(t.app.db, cast.trust.id, { name: 'Sol Soon', schoolIds: [cast.schoolA.id] });
    const later = await makePerson(t.app.db, cast.trust.id, { name: 'Lee Later', schoolIds: [cast.schoolA.id] });
    const [row] = await t.app.db
      .insert(enhancedMonitoring)
      .values([
        { trustId: cast.trust.id, personId: soon.id, startsOn: today, endsOn: addDays(today, 3), reason: 'r', setBy: cast.headA.id },
        { trustId: cast.trust.id, personId: later.id, startsOn: today, endsOn: addDays(today, 30), reason: 'r', setBy: cast.headA.id },
      ])
      .returning();
    const home = await headA.get('/');
    assert.match(home.body, new RegExp(`href="/monitoring/enhanced/${row?.id}"[^>]*>Enhanced monitoring of Sol Soon ends on ${formatDate(addDays(today, 3))}`));
    assert.match(home.body, /Ends in 3 days/);
    assert.doesNotMatch(home.body, /Lee Later/);
    assert.doesNotMatch((await headBAgent.get('/')).body, /Sol Soon/);
    assert.doesNotMatch((await dslA.get('/')).body, /Sol Soon/);
    assert.doesNotMatch((await teacher.get('/')).body, /Enhanced monitoring/);
  });
});
