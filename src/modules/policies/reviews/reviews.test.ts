import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq, like } from 'drizzle-orm';
import { Agent, type TestApp, type TwoTrusts, twoTrusts } from '../../../../test/app.ts';
import { makePerson, makeTrustWithCast, systemCtx } from '../../../../test/factories.ts';
import { auditEvents } from '../../../audit/schema.ts';
import { londonToday } from '../../../ui/format.ts';
import { outbox } from '../../notifications/schema.ts';
import { emptyContent } from '../content.ts';
import { policies, policyReviews } from '../schema.ts';
import { addMonths, approveVersion, createPolicy, publishVersion, saveDraftContent } from '../service.ts';
import { escapeText, foldLine } from './ical.ts';
import { addDays, recordReview, reminderStep, sendReviewReminders } from './service.ts';

let t: TestApp;
let cast: TwoTrusts['cast'];
let other: TwoTrusts['other'];
let admin: Agent;
let head: Agent;
let teacher: Agent;
let otherAdmin: Agent;
const today = londonToday();

before(async () => {
  ({ t, cast, other, admin, head, teacher, otherAdmin } = await twoTrusts());
});
after(() => t.close());

let slugs = 0;
type PolicySpec = { title?: string; scope?: string; ownerPersonId?: string; ownerRole?: string; reviewCycleMonths?: number; publish?: boolean };

/** A policy made the way the app makes one: created, given a section, approved and published. */
async function makePolicy(trustId: string, spec: PolicySpec = {}) {
  const ctx = systemCtx(t.app.db, trustId);
  slugs += 1;
  const { policy, draft } = await createPolicy(ctx, {
    title: spec.title ?? `Policy ${slugs}`,
    slug: `policy-${slugs}`,
    scope: spec.scope ?? 'trust',
    ownerPersonId: spec.ownerPersonId ?? '',
    ownerRole: spec.ownerRole ?? '',
    category: 'internal',
    reviewCycleMonths: String(spec.reviewCycleMonths ?? 12),
    relatedPolicies: '',
  });
  if (spec.publish === false) return policy;
  const content = {
    ...emptyContent(),
    sections: [{ id: 's1', number: '1', heading: 'Scope', text: 'This policy applies to all staff.', topics: [], children: [] }],
  };
  await saveDraftContent(ctx, policy.id, draft.id, content);
  await approveVersion(ctx, policy.id, draft.id, { approvalBody: 'Board of Trustees' });
  await publishVersion(ctx, policy.id, draft.id, { effectiveFrom: addDays(today, -60), change: 'material', materialReason: 'First version' });
  return policy;
}

const setNextReview = (trustId: string, policyId: string, nextReviewOn: string | null, lastReviewedOn?: string) =>
  t.app.db
    .update(policies)
    .set({ nextReviewOn, ...(lastReviewedOn ? { lastReviewedOn } : {}) })
    .where(and(eq(policies.trustId, trustId), eq(policies.id, policyId)));

const loadPolicy = async (trustId: string, policyId: string) =>
  (
    await t.app.db
      .select()
      .from(policies)
      .where(and(eq(policies.trustId, trustId), eq(policies.id, policyId)))
  )[0];

const dateParts = (name: string, iso: string) => {
  const [y, m, d] = iso.split('-');
  return { [`${name}-day`]: String(Number(d)), [`${name}-month`]: String(Number(m)), [`${name}-year`]: y as string };
};

const remindersFor = (policyId: string) =>
  t.app.db
    .select()
    .from(outbox)
    .where(like(outbox.dedupeKey, `policy-review:${policyId}:%`))
    .orderBy(outbox.createdAt);

/** The rows of one group on the reviews page, by its heading. */
const group = (body: string, heading: string) => {
  const start = body.indexOf(`>${heading} (`);
  assert.ok(start >= 0, `no group ${heading}`);
  const end = body.indexOf('<h2', start + 1);
  return body.slice(start, end === -1 ? undefined : end);
};

describe('recording a review', () => {
  test('a manager records a review: the dates move on, the review is listed and audited', async () => {
    const policy = await makePolicy(cast.trust.id, { title: 'Staff ICT Acceptable Use Policy', reviewCycleMonths: 24 });
    const before = await loadPolicy(cast.trust.id, policy.id);
    assert.equal(before?.lastReviewedOn, addDays(today, -60));
    const page = await admin.get(`/policies/${policy.id}`);
    assert.match(page.body, new RegExp(`href="/policies/${policy.id}/review"[^>]*>\\s*Record a review`));
    const form = await admin.get(`/policies/${policy.id}/review`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /No changes needed/);
    assert.match(form.body, /Minor changes to follow/);
    assert.match(form.body, /Major revision needed/);

    const reviewedOn = addDays(today, -10);
    const res = await admin.post(`/policies/${policy.id}/review`, { ...dateParts('reviewedOn', reviewedOn), outcome: 'no_changes', note: 'FGB, item 7' });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, `/policies/${policy.id}`);
    const after = await loadPolicy(cast.trust.id, policy.id);
    assert.equal(after?.lastReviewedOn, reviewedOn);
    assert.equal(after?.nextReviewOn, addMonths(reviewedOn, 24));

    const [review] = await t.app.db.select().from(policyReviews).where(eq(policyReviews.policyId, policy.id));
    assert.equal(review?.outcome, 'no_changes');
    assert.equal(review?.reviewedBy, cast.admin.id);
    assert.equal(review?.note, 'FGB, item 7');
    assert.ok(review?.versionId);

    const [event] = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.resourceId, policy.id), eq(auditEvents.action, 'policy.reviewed')));
    assert.equal(event?.actorLabel, 'Ada Admin');
    assert.deepEqual(event?.before, { lastReviewedOn: before?.lastReviewedOn, nextReviewOn: before?.nextReviewOn });
    assert.equal((event?.after as { nextReviewOn?: string } | undefined)?.nextReviewOn, addMonths(reviewedOn, 24));

    const shown = await admin.get(`/policies/${policy.id}`);
    assert.match(shown.body, /The review has been recorded/);
    assert.match(shown.body, /<h2 class="govuk-heading-m">Reviews<\/h2>/);
    assert.match(shown.body, /FGB, item 7/);
  });

  test('errors: a date in the future, before the last review, missing outcome; what was typed is kept', async () => {
    const policy = await makePolicy(cast.trust.id);
    const future = await admin.post(`/policies/${policy.id}/review`, { ...dateParts('reviewedOn', addDays(today, 1)), outcome: 'minor_changes' });
    assert.equal(future.statusCode, 422);
    assert.match(future.body, /<title>Error: Record a review/);
    assert.match(future.body, /href="#f-reviewedOn">The date of the review must be today or in the past/);

    const early = await admin.post(`/policies/${policy.id}/review`, { ...dateParts('reviewedOn', addDays(today, -61)), outcome: 'minor_changes' });
    assert.equal(early.statusCode, 422);
    assert.match(early.body, /The date of the review must be on or after the last review/);

    const missing = await admin.post(`/policies/${policy.id}/review`, { ...dateParts('reviewedOn', addDays(today, -1)), note: 'Keeps this' });
    assert.equal(missing.statusCode, 422);
    assert.match(missing.body, /href="#f-outcome">Choose the outcome of the review/);
    assert.match(missing.body, /Keeps this/);
    assert.match(missing.body, new RegExp(`name="reviewedOn-day"[^>]*value="${Number(addDays(today, -1).slice(8))}"`));

    const noDate = await admin.post(`/policies/${policy.id}/review`, { outcome: 'no_changes' });
    assert.match(noDate.body, /Enter the date of the review/);
    const notReal = await admin.post(`/policies/${policy.id}/review`, {
      'reviewedOn-day': '31',
      'reviewedOn-month': '2',
      'reviewedOn-year': '2026',
      outcome: 'no_changes',
    });
    assert.match(notReal.body, /Date of the review must be a real date/);

    assert.equal((await t.app.db.select().from(policyReviews).where(eq(policyReviews.policyId, policy.id))).length, 0, 'nothing saved');
  });

  test('a policy with no version in force cannot be reviewed yet', async () => {
    const draftOnly = await makePolicy(cast.trust.id, { publish: false });
    const form = await admin.get(`/policies/${draftOnly.id}/review`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /no version in force yet/);
    const res = await admin.post(`/policies/${draftOnly.id}/review`, { ...dateParts('reviewedOn', today), outcome: 'no_changes' });
    assert.equal(res.statusCode, 422);
    assert.doesNotMatch((await admin.get(`/policies/${draftOnly.id}`)).body, /Record a review/);
  });

  test('permissions: a teacher is refused, a head only for their school’s policy, another trust gets not found', async () => {
    const trustPolicy = await makePolicy(cast.trust.id);
    const schoolPolicy = await makePolicy(cast.trust.id, { scope: cast.schoolA.id });
    const form = { ...dateParts('reviewedOn', today), outcome: 'no_changes' };
    assert.equal((await teacher.get(`/policies/${trustPolicy.id}/review`)).statusCode, 403);
    assert.equal((await teacher.post(`/policies/${trustPolicy.id}/review`, form)).statusCode, 403);
    assert.equal((await head.get(`/policies/${trustPolicy.id}/review`)).statusCode, 403);
    assert.equal((await head.post(`/policies/${trustPolicy.id}/review`, form)).statusCode, 403);
    assert.doesNotMatch((await head.get(`/policies/${trustPolicy.id}`)).body, /Record a review/);
    assert.equal((await head.get(`/policies/${schoolPolicy.id}/review`)).statusCode, 200);
    assert.equal((await head.post(`/policies/${schoolPolicy.id}/review`, form)).statusCode, 303);
    assert.equal((await otherAdmin.get(`/policies/${trustPolicy.id}/review`)).statusCode, 404);
    assert.equal((await otherAdmin.post(`/policies/${trustPolicy.id}/review`, form)).statusCode, 404);
    assert.equal((await admin.get('/policies/not-a-uuid/review')).statusCode, 404);
    assert.equal((await t.app.db.select().from(policyReviews).where(eq(policyReviews.policyId, trustPolicy.id))).length, 0);
  });
});

describe('the review calendar', () => {
  test('groups: overdue, due in the next 90 days, later, no review date; with countdowns', async () => {
    const overdue = await makePolicy(cast.trust.id, { title: 'Calendar overdue policy' });
    const soon = await makePolicy(cast.trust.id, { title: 'Calendar soon policy', scope: cast.schoolA.id, ownerPersonId: cast.headA.id });
    const later = await makePolicy(cast.trust.id, { title: 'Calendar later policy', ownerRole: 'head_of_governance' });
    await makePolicy(cast.trust.id, { title: 'Calendar unpublished policy', publish: false });
    await setNextReview(cast.trust.id, overdue.id, addDays(today, -3));
    await setNextReview(cast.trust.id, soon.id, addDays(today, 19));
    await setNextReview(cast.trust.id, later.id, addDays(today, 200));

    const res = await admin.get('/reviews');
    assert.equal(res.statusCode, 200);
    assert.match(group(res.body, 'Overdue'), /Calendar overdue policy[\s\S]*Whole trust[\s\S]*govuk-tag--red">3 days overdue/);
    assert.match(group(res.body, 'Due in the next 90 days'), /Calendar soon policy[\s\S]*School A[\s\S]*Hal Head[\s\S]*govuk-tag--orange">due in 19 days/);
    assert.match(group(res.body, 'Later'), /Calendar later policy[\s\S]*Head of governance[\s\S]*govuk-tag--grey">due in 200 days/);
    assert.match(group(res.body, 'No review date'), /Calendar unpublished policy/);
    assert.doesNotMatch(group(res.body, 'Overdue'), /Calendar soon policy/);
    assert.match(res.body, /href="\/reviews"[^>]*>(<strong[^>]*>)?Reviews</, 'Reviews is in the header');
  });

  test('the school filter is in the address; school leaders see the trust’s policies and their own school’s', async () => {
    const a = await makePolicy(cast.trust.id, { title: 'Filter School A policy', scope: cast.schoolA.id });
    const b = await makePolicy(cast.trust.id, { title: 'Filter School B policy', scope: cast.schoolB.id });
    const trustWide = await makePolicy(cast.trust.id, { title: 'Filter trust policy' });
    for (const p of [a, b, trustWide]) await setNextReview(cast.trust.id, p.id, addDays(today, 30));

    const onlyA = await admin.get(`/reviews?school=${cast.schoolA.id}`);
    assert.match(onlyA.body, /Filter School A policy/);
    assert.doesNotMatch(onlyA.body, /Filter School B policy|Filter trust policy/);
    assert.match(onlyA.body, new RegExp(`<option value="${cast.schoolA.id}" selected="">School A`));
    const onlyTrust = await admin.get('/reviews?school=trust');
    assert.match(onlyTrust.body, /Filter trust policy/);
    assert.doesNotMatch(onlyTrust.body, /Filter School A policy|Filter School B policy/);
    const nonsense = await admin.get('/reviews?school=drop-table');
    assert.equal(nonsense.statusCode, 200);
    assert.match(nonsense.body, /Filter School B policy/);

    const headView = await head.get('/reviews');
    assert.equal(headView.statusCode, 200);
    assert.match(headView.body, /Filter School A policy/);
    assert.match(headView.body, /Filter trust policy/);
    assert.doesNotMatch(headView.body, /Filter School B policy/);
    assert.doesNotMatch((await head.get(`/reviews?school=${cast.schoolB.id}`)).body, /Filter School B policy/, 'another school’s filter is ignored');
    assert.doesNotMatch(headView.body, /Subscribe in Outlook/, 'only trust administrators manage the calendar address');

    assert.equal((await teacher.get('/reviews')).statusCode, 403);
    assert.doesNotMatch((await teacher.get('/')).body, /href="\/reviews"/);
    const otherView = await otherAdmin.get(`/reviews?school=${cast.schoolA.id}`);
    assert.equal(otherView.statusCode, 200);
    assert.doesNotMatch(otherView.body, /Filter School A policy|Filter trust policy/, 'another trust’s policies never appear');
  });
});

describe('review reminders', () => {
  test('one reminder at 2 months, 1 month, 1 week and on the day, to the owner, each queued once', async () => {
    const owner = await makePerson(t.app.db, cast.trust.id, { name: 'Olive Owner', email: 'olive.owner@alpha.example' });
    const policy = await makePolicy(cast.trust.id, { title: 'Staff ICT Acceptable Use Policy', ownerPersonId: owner.id });
    const due = '2031-03-15';
    await setNextReview(cast.trust.id, policy.id, due);
    const sweep = async (day: string) => sendReviewReminders(t.app.db, 'https://countersign.example', day);

    const expected: [string, string | null][] = [
      ['2031-01-14', null],
      ['2031-01-15', '2-months'],
      ['2031-01-16', null],
      ['2031-02-14', null],
      ['2031-02-15', '1-month'],
      ['2031-03-07', null],
      ['2031-03-08', '1-week'],
      ['2031-03-14', null],
      ['2031-03-15', 'due'],
      ['2031-04-20', null],
    ];
    let count = 0;
    for (const [day, step] of expected) {
      await Promise.all([sweep(day), sweep(day)]); // two instances at once
      await sweep(day); // and again later the same day: nothing more
      const messages = await remindersFor(policy.id);
      if (step) count++;
      assert.equal(messages.length, count, `after ${day}`);
      if (step) {
        const latest = messages.find((m) => m.dedupeKey === `policy-review:${policy.id}:${due}:${step}:${owner.id}`);
        assert.ok(latest, `the ${step} reminder on ${day}`);
        assert.equal(latest.toAddress, 'olive.owner@alpha.example');
        assert.equal(latest.template, 'policy-review-reminder');
      }
    }
    const [first] = await remindersFor(policy.id);
    assert.equal(first?.subject, `Trust alpha: Staff ICT Acceptable Use Policy is due for review on 15 March 2031`);
    assert.match(first?.textBody ?? '', /Hello Olive Owner/);
    assert.match(first?.textBody ?? '', new RegExp(`https://countersign\\.example/policies/${policy.id}`));
    assert.match(first?.htmlBody ?? '', new RegExp(`<a href="https://countersign.example/policies/${policy.id}">`));
    assert.equal((first?.htmlBody.match(/<a /g) ?? []).length, 1, 'one link');

    // Recording a review moves the date on: the next cycle reminds again.
    const ctx = systemCtx(t.app.db, cast.trust.id);
    const { nextReviewOn } = await recordReview(ctx, policy.id, { reviewedOn: '2031-03-20', outcome: 'no_changes' }, '2031-03-21');
    assert.equal(nextReviewOn, '2032-03-20');
    await sweep('2031-03-22');
    assert.equal((await remindersFor(policy.id)).length, count, 'nothing for the new date yet');
    await sweep('2032-01-20');
    const afterReview = await remindersFor(policy.id);
    assert.equal(afterReview.length, count + 1);
    assert.ok(afterReview.some((m) => m.dedupeKey === `policy-review:${policy.id}:2032-03-20:2-months:${owner.id}`));
  });

  test('a late start sends only the latest step that is due, and a school’s name is in the subject', async () => {
    const policy = await makePolicy(cast.trust.id, { title: 'Late policy', scope: cast.schoolA.id, ownerPersonId: cast.headA.id });
    await setNextReview(cast.trust.id, policy.id, '2031-06-30');
    await sendReviewReminders(t.app.db, 'https://countersign.example', '2031-06-09'); // three weeks before
    const messages = await remindersFor(policy.id);
    assert.deepEqual(
      messages.map((m) => m.dedupeKey),
      [`policy-review:${policy.id}:2031-06-30:1-month:${cast.headA.id}`],
    );
    assert.equal(messages[0]?.subject, 'School A: Late policy is due for review on 30 June 2031');
    assert.equal(reminderStep('2031-04-30', '2031-02-28'), '2-months', 'the 2-month step of 30 April is 28 February');
    assert.equal(reminderStep('2031-04-30', '2031-02-27'), null);
  });

  test('without an owner: the owning role’s holders, else heads of governance, else trust administrators', async () => {
    const gamma = await makeTrustWithCast(t.app.db, 'gamma');
    const dsl = await makePerson(t.app.db, gamma.trust.id, { name: 'Dee Dsl', roles: [['dsl', gamma.schoolA.id]], schoolIds: [gamma.schoolA.id] });
    const leaver = await makePerson(t.app.db, gamma.trust.id, { name: 'Lee Leaver', endDate: '2026-01-31' });
    const byRole = await makePolicy(gamma.trust.id, { title: 'By role', scope: gamma.schoolA.id, ownerRole: 'dsl' });
    const byRoleElsewhere = await makePolicy(gamma.trust.id, { title: 'By role, school B', scope: gamma.schoolB.id, ownerRole: 'dsl' });
    const nobody = await makePolicy(gamma.trust.id, { title: 'Nobody', ownerPersonId: leaver.id });
    for (const p of [byRole, byRoleElsewhere, nobody]) await setNextReview(gamma.trust.id, p.id, '2031-09-01');
    const sweep = (day: string) => sendReviewReminders(t.app.db, 'https://countersign.example', day);
    await sweep('2031-07-01');
    const to = async (id: string) => (await remindersFor(id)).map((m) => m.toAddress);
    assert.deepEqual(await to(byRole.id), [dsl.email]);
    assert.deepEqual(await to(byRoleElsewhere.id), [gamma.admin.email], 'no DSL at school B, no head of governance: the trust administrator');
    assert.deepEqual(await to(nobody.id), [gamma.admin.email], 'an owner who has left is not reminded');

    const hog = await makePerson(t.app.db, gamma.trust.id, { name: 'Gil Governance', roles: [['head_of_governance', 'trust']] });
    await sweep('2031-08-01');
    assert.deepEqual((await remindersFor(nobody.id)).map((m) => m.toAddress).sort(), [gamma.admin.email, hog.email].sort());
    assert.equal((await remindersFor(nobody.id)).filter((m) => m.dedupeKey.includes(':1-month:')).length, 1);
  });

  test('the owner sees their reviews due within two months on the home page', async () => {
    const policy = await makePolicy(cast.trust.id, { title: 'Home page policy', ownerPersonId: cast.teacherA.id });
    await setNextReview(cast.trust.id, policy.id, addDays(today, 12));
    const home = await teacher.get('/');
    assert.match(home.body, new RegExp(`href="/policies/${policy.id}"[^>]*>Review Home page policy`));
    assert.match(home.body, /due in 12 days/);
    assert.doesNotMatch((await head.get('/')).body, /Review Home page policy/);
  });
});

describe('the calendar feed', () => {
  const feedPath = (body: string) => {
    const url = /(https?:\/\/[^<\s]+\/calendar\/[A-Za-z0-9_-]{43}\.ics)/.exec(body)?.[1];
    assert.ok(url, 'the address is shown');
    return new URL(url).pathname;
  };

  test('RFC 5545 text: escaping and folding at 75 octets without splitting a character', () => {
    assert.equal(escapeText('a,b;c\\d\ne'), 'a\\,b\\;c\\\\d\\ne');
    const folded = foldLine(`SUMMARY:${'é'.repeat(60)}`);
    for (const line of folded.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75);
    assert.equal(folded.replace(/\r\n /g, ''), `SUMMARY:${'é'.repeat(60)}`);
  });

  test('a trust administrator creates the address; it serves the trust’s review dates as iCalendar', async () => {
    const long = 'Online Safety, Social Media; and Acceptable Use of Technology Policy for Staff, Governors and Volunteers';
    const policy = await makePolicy(cast.trust.id, { title: long });
    await setNextReview(cast.trust.id, policy.id, '2027-03-03');
    const page = await admin.get('/reviews');
    assert.match(page.body, /Subscribe in Outlook or Google Calendar/);
    assert.match(page.body, /Create a calendar address/);
    const created = await admin.post('/reviews/calendar-address');
    assert.equal(created.statusCode, 200);
    const path = feedPath(created.body);
    assert.doesNotMatch((await admin.get('/reviews')).body, new RegExp(path.slice(10, 40)), 'shown once');

    const anonymous = new Agent(t.app);
    const res = await anonymous.get(path);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/calendar; charset=utf-8');
    const ics = res.body;
    assert.ok(ics.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:'));
    assert.ok(ics.endsWith('END:VCALENDAR\r\n'));
    assert.doesNotMatch(ics.replace(/\r\n/g, ''), /[\r\n]/, 'every line ends with CRLF');
    for (const line of ics.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75, `too long: ${line}`);
    const unfolded = ics.replace(/\r\n[ \t]/g, '');
    assert.match(unfolded, new RegExp(`UID:${policy.id}-review@countersign\r\n`));
    assert.match(unfolded, /DTSTART;VALUE=DATE:20270303\r\n/);
    assert.match(unfolded, /DTSTAMP:\d{8}T\d{6}Z\r\n/);
    assert.ok(unfolded.includes(`SUMMARY:Review due: ${long.replace(/,/g, '\\,').replace(/;/g, '\\;')}\r\n`));
    assert.ok(ics.includes('\r\n '), 'the long title is folded');
    assert.match(unfolded, new RegExp(`URL:http://localhost:3000/policies/${policy.id}\r\n`));
    assert.equal((unfolded.match(/BEGIN:VEVENT/g) ?? []).length, (unfolded.match(/END:VEVENT/g) ?? []).length);
  });

  test('replacing the address stops the old one; turning it off stops it; bad addresses are not found', async () => {
    const first = feedPath((await admin.post('/reviews/calendar-address', { replace: 'yes' })).body);
    assert.equal((await admin.post('/reviews/calendar-address')).statusCode, 422, 'one address at a time: replace it instead');
    assert.match((await admin.get('/reviews/calendar-address/replace')).body, /Replace the calendar address\?/);
    const second = feedPath((await admin.post('/reviews/calendar-address', { replace: 'yes' })).body);
    const anonymous = new Agent(t.app);
    assert.equal((await anonymous.get(first)).statusCode, 404);
    assert.equal((await anonymous.get(second)).statusCode, 200);
    assert.equal((await anonymous.get(second.replace(/\.ics$/, '.txt'))).statusCode, 404);
    assert.equal((await anonymous.get(`/calendar/${'A'.repeat(43)}.ics`)).statusCode, 404);
    assert.equal((await anonymous.get('/calendar/nonsense.ics')).statusCode, 404);

    assert.equal((await head.get('/reviews/calendar-address/replace')).statusCode, 403);
    assert.equal((await head.post('/reviews/calendar-address', { replace: 'yes' })).statusCode, 403);
    assert.equal((await head.post('/reviews/calendar-address/turn-off')).statusCode, 403);

    const off = await admin.post('/reviews/calendar-address/turn-off');
    assert.equal(off.statusCode, 303);
    assert.equal((await anonymous.get(second)).statusCode, 404);
    const events = await t.app.db
      .select({ action: auditEvents.action })
      .from(auditEvents)
      .where(and(eq(auditEvents.trustId, cast.trust.id), eq(auditEvents.resourceType, 'calendar_feed')));
    assert.ok(events.some((e) => e.action === 'calendar_feed.created'));
    assert.ok(events.some((e) => e.action === 'calendar_feed.revoked'));
  });

  test('another trust’s address shows only its own policies', async () => {
    const ours = await makePolicy(cast.trust.id, { title: 'Alpha only policy' });
    const theirs = await makePolicy(other.trust.id, { title: 'Beta only policy' });
    await setNextReview(cast.trust.id, ours.id, '2027-05-01');
    await setNextReview(other.trust.id, theirs.id, '2027-05-02');
    const path = feedPath((await otherAdmin.post('/reviews/calendar-address')).body);
    const ics = (await new Agent(t.app).get(path)).body;
    assert.match(ics, /Beta only policy/);
    assert.doesNotMatch(ics, /Alpha only policy/);
    assert.match(ics, /X-WR-CALNAME:Trust beta: policy reviews/);
  });
});
