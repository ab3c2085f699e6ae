import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, asc, eq, like } from 'drizzle-orm';
import { Agent, createTestApp, type TestApp } from '../../../../test/app.ts';
import { actingAs, makePerson, makeTrustWithCast, systemCtx } from '../../../../test/factories.ts';
import { publishedPolicy, publishNextVersion } from '../../../../test/policies.ts';
import { auditEvents } from '../../../audit/schema.ts';
import { londonToday } from '../../../ui/format.ts';
import { magicLinks } from '../../auth/schema.ts';
import { outbox } from '../../notifications/schema.ts';
import { endDatePerson } from '../../organisations/service.ts';
import { addMonths } from '../../policies/service.ts';
import { assignments } from '../schema.ts';
import { addDays, createCampaign, signAssignment } from '../service.ts';
import { DEFAULT_CADENCE } from './emails.tsx';
import { campaignDetail, setResignCycle, startAnnualRound } from './service.ts';
import { escalationStep, reminderStep, sendAgreementNotifications } from './sweep.ts';

let t: TestApp;
const BASE = 'https://countersign.example';
/** The tests' clock: day 0 is today, and each sweep is told which day it is. */
const day0 = londonToday();
const day = (n: number) => addDays(day0, n);
const sweep = (today: string) => sendAgreementNotifications(t.app.db, BASE, today);

before(async () => {
  t = await createTestApp();
});
after(() => t.close());

type Cast = Awaited<ReturnType<typeof makeTrustWithCast>>;

/** A service context acting as a person of the cast. */
const as = (person: { id: string; trustId: string }) => actingAs(t.app.db, person, { baseUrl: BASE, ip: '203.0.113.9', userAgent: 'Test browser' });

/** A fresh trust with its cast and a published policy, so each test's people and emails are its own. */
async function world() {
  const cast = await makeTrustWithCast(t.app.db);
  const { policy, v1 } = await publishedPolicy(t.app.db, cast.trust.id);
  return { cast, policy, v1 };
}

const cadence = { reminderDaysBefore: '7, 1, 0', overdueEveryDays: '7', escalateManagerAfterDays: '7', escalateHeadAfterDays: '14' };

/** Asks the named people to sign, due on `dueOn`, as the trust's administrator. */
async function assign(cast: Cast, policyId: string, personIds: string[], dueOn: string, extra: Record<string, string> = {}, today = day0) {
  return createCampaign(await as(cast.admin), policyId, { audience: 'filtered', personIds, dueOn, ...cadence, ...extra }, today);
}

async function currentAssignment(trustId: string, personId: string, policyId: string) {
  const rows = await t.app.db
    .select()
    .from(assignments)
    .where(and(eq(assignments.trustId, trustId), eq(assignments.personId, personId), eq(assignments.policyId, policyId)));
  const current = rows.filter((a) => !a.replacedAt && !a.withdrawnAt);
  assert.equal(current.length, 1, 'one current assignment');
  return current[0] as (typeof rows)[number];
}

/** The emails queued about one assignment, oldest first. */
const emailsAbout = (assignmentId: string) =>
  t.app.db
    .select()
    .from(outbox)
    .where(like(outbox.dedupeKey, `agreement:${assignmentId}:%`))
    .orderBy(asc(outbox.createdAt), asc(outbox.id));

/** The steps queued about one assignment: "assigned", "before-7", "escalate-manager" … */
const stepsOf = async (assignmentId: string) => (await emailsAbout(assignmentId)).map((m) => m.dedupeKey.split(':').slice(2).join(':'));

/** The sign-in link's token in an email's text. */
const tokenIn = (text: string) => {
  const url = /https?:\/\/\S+\/sign-in\/link\?token=\S+/.exec(text)?.[0];
  assert.ok(url, 'the email carries a sign-in link');
  return new URL(url).searchParams.get('token') as string;
};

describe('the reminder schedule', () => {
  test('7 days, 1 day and on the day before; then every 7 days; a missed step is not sent once a later one is due', () => {
    const due = '2027-03-14';
    const at = (d: string) => reminderStep(due, d, DEFAULT_CADENCE)?.key ?? null;
    assert.equal(at('2027-03-06'), null, 'eight days before: nothing yet');
    assert.equal(at('2027-03-07'), 'before-7');
    assert.equal(at('2027-03-12'), 'before-7', 'still the latest step (already sent: the dedupe key keeps it once)');
    assert.equal(at('2027-03-13'), 'before-1');
    assert.equal(at('2027-03-14'), 'due');
    assert.equal(at('2027-03-15'), null, 'the day after: a before-due step is never sent once past due');
    assert.equal(at('2027-03-21'), 'overdue-7');
    assert.equal(at('2027-03-27'), 'overdue-7');
    assert.equal(at('2027-03-28'), 'overdue-14');
    assert.equal(reminderStep(due, '2027-03-20', { ...DEFAULT_CADENCE, overdueEveryDays: 3 })?.key, 'overdue-6');
    assert.equal(reminderStep(due, '2027-03-13', { ...DEFAULT_CADENCE, reminderDaysBefore: [] }), null, 'no reminders before, if none are set');
  });

  test('escalation: the line manager at 7 days overdue, the head teacher at 14; never when switched off', () => {
    const due = '2027-03-14';
    assert.equal(escalationStep(due, '2027-03-20', DEFAULT_CADENCE), null);
    assert.deepEqual(escalationStep(due, '2027-03-21', DEFAULT_CADENCE), { key: 'escalate-manager', on: '2027-03-21', level: 'manager' });
    assert.deepEqual(escalationStep(due, '2027-03-28', DEFAULT_CADENCE), { key: 'escalate-head', on: '2027-03-28', level: 'head' });
    assert.equal(escalationStep(due, '2027-04-28', { ...DEFAULT_CADENCE, escalateManagerAfterDays: null, escalateHeadAfterDays: null }), null);
    assert.equal(escalationStep(due, '2027-03-25', { ...DEFAULT_CADENCE, escalateManagerAfterDays: null })?.key ?? null, null);
  });
});

describe('the agreement sweep', () => {
  test('the assigned email goes once, with a personal link that signs the person in and opens the signing page', async () => {
    const { cast, policy } = await world();
    await assign(cast, policy.id, [cast.teacherA.id], day(20));
    const mine = await currentAssignment(cast.trust.id, cast.teacherA.id, policy.id);
    await sweep(day0);
    await sweep(day0);
    const [email, ...more] = await emailsAbout(mine.id);
    assert.ok(email);
    assert.equal(more.length, 0, 'the same day again: nothing more');
    assert.equal(email.toAddress, cast.teacherA.email);
    assert.equal(email.template, 'agreement-assigned');
    assert.equal(email.sensitive, true, 'the body is blanked once sent: it carries a sign-in link');
    assert.match(email.subject, /^School A: please sign the Staff Acceptable Use of ICT Policy by \d{1,2} \w+( \d{4})?$/);
    assert.match(email.textBody, /Hello Tess Teacher/);
    assert.match(email.htmlBody, /Read and sign the Staff Acceptable Use of ICT Policy/);
    const links = await t.app.db
      .select()
      .from(magicLinks)
      .where(and(eq(magicLinks.trustId, cast.trust.id), eq(magicLinks.personId, cast.teacherA.id)));
    assert.equal(links.length, 1, 'one sign-in link, for the one email: none left behind by the second sweep');
    assert.equal(links[0]?.nextPath, `/agreements/${mine.id}/sign`);
    assert.ok((links[0]?.expiresAt.getTime() ?? 0) > Date.now() + 6.9 * 86_400_000, 'the link lasts 7 days');

    const browser = new Agent(t.app);
    const used = await browser.post('/sign-in/link', { token: tokenIn(email.textBody) });
    assert.equal(used.statusCode, 303);
    assert.equal(used.headers.location, `/agreements/${mine.id}/sign`);
    assert.ok(browser.cookies.has('cs_session'), 'signed in');
  });

  test('reminders 7 days before, 1 day before, on the day, then weekly; escalations at 7 and 14 days overdue; nothing twice the same day', async () => {
    const { cast, policy } = await world();
    const manager = await makePerson(t.app.db, cast.trust.id, { name: 'Mo Manager', schoolIds: [cast.schoolA.id] });
    const person = await makePerson(t.app.db, cast.trust.id, { name: 'Pat Person', schoolIds: [cast.schoolA.id], lineManagerId: manager.id });
    const due = day(20);
    await assign(cast, policy.id, [person.id], due);
    const mine = await currentAssignment(cast.trust.id, person.id, policy.id);
    const expected: [number, string[]][] = [
      [0, ['assigned']],
      [12, []],
      [13, ['before-7']],
      [13, []],
      [14, []],
      [19, ['before-1']],
      [20, ['due']],
      [21, []],
      [26, []],
      [27, ['overdue-7', `escalate-manager`]],
      [27, []],
      [33, []],
      [34, ['overdue-14', `escalate-head:${cast.headA.id}`]],
      [40, []],
      [41, ['overdue-21']],
    ];
    let seen: string[] = [];
    for (const [n, fresh] of expected) {
      await sweep(day(n));
      const now = await stepsOf(mine.id);
      assert.deepEqual(now.slice(seen.length), fresh, `day ${n}`);
      seen = now;
    }
    const emails = await emailsAbout(mine.id);
    const byStep = (s: string) => emails.find((e) => e.dedupeKey === `agreement:${mine.id}:${s}`);
    assert.equal(byStep('due')?.subject, 'School A: please sign the Staff Acceptable Use of ICT Policy today');
    assert.match(byStep('overdue-7')?.subject ?? '', /was due on .*: please sign it now/);
    assert.equal(byStep('before-7')?.toAddress, person.email);
    for (const personal of ['assigned', 'before-7', 'before-1', 'due', 'overdue-7', 'overdue-14', 'overdue-21'])
      assert.match(byStep(personal)?.textBody ?? '', /\/sign-in\/link\?token=/, `${personal} carries the person's own link`);

    const toManager = byStep('escalate-manager');
    assert.equal(toManager?.toAddress, manager.email);
    assert.equal(toManager?.subject, 'School A: Pat Person has not signed the Staff Acceptable Use of ICT Policy (7 days overdue)');
    assert.match(toManager?.textBody ?? '', /as their line manager/);
    assert.match(toManager?.textBody ?? '', /https:\/\/countersign\.example\/compliance\/team/);
    const toHead = byStep(`escalate-head:${cast.headA.id}`);
    assert.equal(toHead?.toAddress, cast.headA.email);
    assert.match(toHead?.textBody ?? '', /as their head teacher/);
    assert.match(toHead?.textBody ?? '', new RegExp(`/compliance\\?policy=${policy.id}`));
    for (const e of [toManager, toHead]) {
      assert.doesNotMatch(e?.textBody ?? '', /token=/, 'never someone else’s sign-in link');
      assert.equal(e?.sensitive, false);
    }
    const links = await t.app.db
      .select()
      .from(magicLinks)
      .where(and(eq(magicLinks.trustId, cast.trust.id), eq(magicLinks.personId, person.id)));
    assert.equal(links.length, 7, 'one sign-in link per email to the person, none for the escalations');
  });

  test('two workers at once: each message is in the outbox exactly once, with no stray sign-in links', async () => {
    const { cast, policy } = await world();
    const due = day(8);
    await assign(cast, policy.id, [cast.teacherA.id, cast.teacherB.id, cast.headA.id], due);
    for (const n of [0, 0, 1, 7, 7, 8, 15, 22, 22]) await Promise.all([sweep(day(n)), sweep(day(n))]);
    const rows = await t.app.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.trustId, cast.trust.id), like(outbox.dedupeKey, 'agreement:%')));
    const keys = rows.map((r) => r.dedupeKey);
    assert.equal(new Set(keys).size, keys.length, 'no key twice');
    for (const person of [cast.teacherA, cast.teacherB, cast.headA]) {
      const mine = await currentAssignment(cast.trust.id, person.id, policy.id);
      const steps = await stepsOf(mine.id);
      const own = steps.filter((s) => !s.startsWith('escalate'));
      assert.deepEqual(own, ['assigned', 'before-7', 'before-1', 'due', 'overdue-7', 'overdue-14'], person.fullName);
      const links = await t.app.db
        .select()
        .from(magicLinks)
        .where(and(eq(magicLinks.trustId, cast.trust.id), eq(magicLinks.personId, person.id), like(magicLinks.nextPath, '/agreements/%')));
      assert.equal(links.length, own.length, `${person.fullName}: one link per email`);
    }
  });

  test('no line manager: the head teacher is told at the manager step, once; no head teacher: the trust administrators', async () => {
    const { cast, policy } = await world();
    const alone = await makePerson(t.app.db, cast.trust.id, { name: 'Al Alone', schoolIds: [cast.schoolA.id] });
    const due = day(1);
    await assign(cast, policy.id, [alone.id, cast.teacherB.id], due);
    for (const n of [0, 8, 15, 22]) await sweep(day(n));
    const a = await currentAssignment(cast.trust.id, alone.id, policy.id);
    const aSteps = (await stepsOf(a.id)).filter((s) => s.startsWith('escalate'));
    assert.deepEqual(aSteps, [`escalate-head:${cast.headA.id}`], 'told at 7 days overdue, and not again at 14');
    const [toHead] = (await emailsAbout(a.id)).filter((e) => e.dedupeKey.includes('escalate'));
    assert.equal(toHead?.toAddress, cast.headA.email);
    assert.match(toHead?.subject ?? '', /Al Alone has not signed .*\(7 days overdue\)/);
    // Bo is at School B, which has no head teacher in the cast.
    const b = await currentAssignment(cast.trust.id, cast.teacherB.id, policy.id);
    const bEscalations = (await emailsAbout(b.id)).filter((e) => e.dedupeKey.includes('escalate'));
    assert.deepEqual(
      bEscalations.map((e) => e.toAddress),
      [cast.admin.email],
    );
    assert.match(bEscalations[0]?.textBody ?? '', /trust administrator/);
  });

  test('signing stops the reminders at once; a leaver gets nothing more', async () => {
    const { cast, policy } = await world();
    const leaver = await makePerson(t.app.db, cast.trust.id, { name: 'Lee Leaver', schoolIds: [cast.schoolA.id] });
    const due = day(10);
    await assign(cast, policy.id, [cast.teacherA.id, leaver.id], due);
    await sweep(day(3));
    const tess = await currentAssignment(cast.trust.id, cast.teacherA.id, policy.id);
    const lee = await currentAssignment(cast.trust.id, leaver.id, policy.id);
    assert.deepEqual(await stepsOf(tess.id), ['assigned']);
    assert.deepEqual(await stepsOf(lee.id), ['assigned']);
    await signAssignment(await as(cast.teacherA), tess.id, { typedName: 'Tess Teacher', position: 'Class teacher', statements: ['0', '1'] });
    await endDatePerson(systemCtx(t.app.db, cast.trust.id), leaver.id, { endDate: day(5) });
    for (const n of [6, 9, 10, 17, 24, 31]) await sweep(day(n));
    assert.deepEqual(await stepsOf(tess.id), ['assigned'], 'signed: no reminder, no escalation');
    assert.deepEqual(await stepsOf(lee.id), ['assigned'], 'left on day 5: nothing after');
    const aboutLee = await t.app.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.trustId, cast.trust.id), like(outbox.subject, '%Lee Leaver%')));
    assert.equal(aboutLee.length, 0, 'nobody is told about a leaver');
  });

  test('a late first sweep still sends the assigned email once, and no reminder on the same day', async () => {
    const { cast, policy } = await world();
    // Assigned 17 days ago, due in 3 days, with the notification sweep not run since.
    await assign(cast, policy.id, [cast.teacherA.id], day(3), {}, day(-17));
    const early = await currentAssignment(cast.trust.id, cast.teacherA.id, policy.id);
    await t.app.db
      .update(assignments)
      .set({ assignedAt: new Date(Date.now() - 17 * 86_400_000) })
      .where(and(eq(assignments.trustId, cast.trust.id), eq(assignments.id, early.id)));
    // Overdue by 10 days before anyone was told.
    await assign(cast, policy.id, [cast.teacherB.id], day(-10), {}, day(-30));
    const late = await currentAssignment(cast.trust.id, cast.teacherB.id, policy.id);
    await sweep(day0);
    await sweep(day0);
    assert.deepEqual(await stepsOf(early.id), ['assigned'], 'the 7-day reminder is not sent after the first email');
    assert.deepEqual(await stepsOf(late.id), ['assigned'], 'no overdue reminder or escalation on the same day as the first email');
    const [first] = await emailsAbout(late.id);
    assert.match(first?.textBody ?? '', /by \d{1,2} \w+ \d{4}/, 'the first email gives the due date');
    await sweep(day(2));
    assert.deepEqual(await stepsOf(early.id), ['assigned', 'before-1']);
    await sweep(day(3));
    assert.deepEqual(await stepsOf(early.id), ['assigned', 'before-1', 'due']);
    await sweep(day(4));
    assert.deepEqual(await stepsOf(late.id), ['assigned', 'overdue-14', `escalate-head:${cast.admin.id}`], 'Bo has no line manager and no head teacher');
  });

  test('onboarding: a new person in the audience is assigned and emailed by the next sweep', async () => {
    const { cast, policy } = await world();
    await createCampaign(
      await as(cast.admin),
      policy.id,
      { audience: 'filtered', schoolIds: cast.schoolA.id, dueOn: day(14), onboarding: 'yes', onboardingDays: '10', ...cadence },
      day0,
    );
    await sweep(day0);
    const starter = await makePerson(t.app.db, cast.trust.id, { name: 'Nia Newstart', schoolIds: [cast.schoolA.id], startDate: day(2) });
    const result = await sweep(day(1));
    assert.ok(result.onboarded >= 1);
    const mine = await currentAssignment(cast.trust.id, starter.id, policy.id);
    assert.equal(mine.source, 'onboarding');
    assert.equal(mine.dueOn, day(12), 'ten days after the start date');
    const [email] = await emailsAbout(mine.id);
    assert.equal(email?.toAddress, starter.email);
    assert.match(email?.subject ?? '', /^School A: please sign/);
    assert.match(email?.textBody ?? '', /Everyone who joins is asked to sign it/);
  });
});

describe('signing again', () => {
  test('end to end: assign V1, sign; a minor V1.1 keeps the signature with no email; a material V2 asks again, is emailed and signed; then the annual round', async () => {
    const { cast, policy } = await world();
    const tess = await as(cast.teacherA);
    const sign = (assignmentId: string) => signAssignment(tess, assignmentId, { typedName: 'Tess Teacher', position: 'Class teacher', statements: ['0', '1'] });
    const { campaign } = await assign(cast, policy.id, [cast.teacherA.id, cast.teacherB.id], day(14), { resignDays: '21' });
    await sweep(day0);
    const v1 = await currentAssignment(cast.trust.id, cast.teacherA.id, policy.id);
    assert.deepEqual(await stepsOf(v1.id), ['assigned']);
    await sign(v1.id);

    // Minor: Tess's signature carries over and she hears nothing.
    await publishNextVersion(t.app.db, cast.trust.id, policy.id, 'V1.1', false);
    const carried = await currentAssignment(cast.trust.id, cast.teacherA.id, policy.id);
    assert.equal(carried.source, 'carried');
    assert.ok(carried.acknowledgementId, 'still signed');
    await sweep(day0);
    await sweep(day(7));
    assert.deepEqual(await stepsOf(carried.id), [], 'no email about a minor change to someone who signed');

    // Material: everyone signs V2 within the campaign's 21 days, starting with an email.
    const v2 = await publishNextVersion(t.app.db, cast.trust.id, policy.id, 'V2.0', true);
    const again = await currentAssignment(cast.trust.id, cast.teacherA.id, policy.id);
    assert.equal(again.versionId, v2.id);
    assert.equal(again.source, 'resign');
    assert.equal(again.acknowledgementId, null);
    assert.equal(again.dueOn, addDays(londonToday(), 21));
    await sweep(day0);
    const [email] = await emailsAbout(again.id);
    assert.equal(email?.template, 'agreement-assigned');
    assert.match(email?.textBody ?? '', /A new version has been published with changes everyone must agree to/);
    assert.match(email?.textBody ?? '', /\(V2\.0\)/);
    const used = await new Agent(t.app).post('/sign-in/link', { token: tokenIn(email?.textBody ?? '') });
    assert.equal(used.headers.location, `/agreements/${again.id}/sign`);
    await sign(again.id);
    await sweep(addDays(again.dueOn, 7));
    assert.deepEqual(await stepsOf(again.id), ['assigned'], 'signed V2: no reminders');

    // The campaign carried on with V2, and counts Tess as signed again (Bo still to sign).
    const detail = await campaignDetail(await as(cast.admin), (await currentAssignment(cast.trust.id, cast.teacherA.id, policy.id)).campaignId as string);
    assert.notEqual(detail.campaign.id, campaign.id);
    assert.equal(detail.versionLabel, 'V2.0');
    assert.deepEqual(detail.counts, { assigned: 2, signed: 1, outstanding: 1, overdue: 0 });
    assert.deepEqual(
      detail.outstanding.map((o) => o.name),
      ['Bo Teacher'],
    );

    // Annual: every 12 months, Tess signs V2 again a year after she signed it.
    await setResignCycle(await as(cast.admin), policy.id, { resignEveryMonths: '12', note: 'Board decision' });
    const yearOn = addMonths(londonToday(), 12);
    await sweep(addDays(yearOn, -1));
    assert.equal((await currentAssignment(cast.trust.id, cast.teacherA.id, policy.id)).id, again.id, 'not before the 12 months');
    const result = await sweep(yearOn);
    assert.ok(result.annual >= 1);
    const annual = await currentAssignment(cast.trust.id, cast.teacherA.id, policy.id);
    assert.equal(annual.source, 'annual');
    assert.equal(annual.round, 2);
    assert.equal(annual.versionId, v2.id);
    assert.equal(annual.dueOn, addDays(yearOn, 21), 'the campaign’s days to sign again');
    const [old] = await t.app.db
      .select()
      .from(assignments)
      .where(and(eq(assignments.trustId, cast.trust.id), eq(assignments.id, again.id)));
    assert.equal(old?.replacedById, annual.id);
    assert.ok(old?.acknowledgementId, 'the earlier signature stays');
    const [annualEmail] = await emailsAbout(annual.id);
    assert.match(annualEmail?.textBody ?? '', /Everyone signs this policy again every 12 months/);
    const audits = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.trustId, cast.trust.id), eq(auditEvents.action, 'assignments.annual')));
    assert.equal(audits.length, 1);
    assert.match(audits[0]?.summary ?? '', /Asked 1 person to sign V2\.0 .* again/);
    assert.equal((await startAnnualRound(t.app.db, yearOn)).assigned, 0, 'the new round is not signed yet: nothing to start again');
    await sign(annual.id);
    assert.equal((await currentAssignment(cast.trust.id, cast.teacherA.id, policy.id)).round, 2);
  });

  test('the annual round with two workers at once starts one new round per person', async () => {
    const { cast, policy } = await world();
    const people = [cast.teacherA, cast.teacherB, cast.headA];
    await assign(
      cast,
      policy.id,
      people.map((p) => p.id),
      day(14),
    );
    for (const p of people) {
      const a = await currentAssignment(cast.trust.id, p.id, policy.id);
      await signAssignment(await as(p), a.id, { typedName: p.fullName, position: 'Teacher', statements: ['0', '1'] });
    }
    await setResignCycle(await as(cast.admin), policy.id, { resignEveryMonths: '6' });
    const when = addMonths(londonToday(), 6);
    const [first, second] = await Promise.all([startAnnualRound(t.app.db, when), startAnnualRound(t.app.db, when)]);
    const all = await t.app.db
      .select()
      .from(assignments)
      .where(and(eq(assignments.trustId, cast.trust.id), eq(assignments.policyId, policy.id)));
    const secondRounds = all.filter((a) => a.round === 2);
    assert.equal(secondRounds.length, 3, 'one new round each');
    assert.ok(first && second);
    assert.equal(first.assigned + second.assigned, 3, 'between them the two workers started three rounds, not six');
    for (const p of people) {
      const current = await currentAssignment(cast.trust.id, p.id, policy.id);
      assert.equal(current.round, 2);
      assert.equal(current.dueOn, addDays(when, 28), 'the campaign’s 28 days to sign again');
    }
    assert.equal((await startAnnualRound(t.app.db, when)).assigned, 0, 'idempotent');
  });
});
