import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { and, eq, like } from 'drizzle-orm';
import type { Agent, TestApp, TwoTrusts } from '../../../../test/app.ts';
import { twoTrusts } from '../../../../test/app.ts';
import { systemCtx } from '../../../../test/factories.ts';
import { publishedPolicy } from '../../../../test/policies.ts';
import { auditEvents } from '../../../audit/schema.ts';
import { londonToday } from '../../../ui/format.ts';
import { outbox } from '../../notifications/schema.ts';
import { policies } from '../../policies/schema.ts';
import { createPolicy } from '../../policies/service.ts';
import { assignments } from '../schema.ts';
import { addDays } from '../service.ts';

let t: TestApp;
let cast: TwoTrusts['cast'];
let admin: Agent;
let head: Agent;
let teacher: Agent;
let otherAdmin: Agent;
const today = londonToday();

before(async () => {
  ({ t, cast, admin, head, teacher, otherAdmin } = await twoTrusts());
});
after(() => t.close());

const dateParts = (name: string, iso: string) => {
  const [y, m, d] = iso.split('-');
  return { [`${name}-day`]: String(Number(d)), [`${name}-month`]: String(Number(m)), [`${name}-year`]: y as string };
};

/** A filled-in assign form, due in three weeks, with the default reminders. */
const filled = (extra: Record<string, string | string[]> = {}) => ({
  audience: 'filtered',
  ...dateParts('dueOn', addDays(today, 21)),
  onboarding: 'yes',
  onboardingDays: '14',
  reminderDaysBefore: '7, 1, 0',
  overdueEveryDays: '7',
  escalateManagerAfterDays: '7',
  escalateHeadAfterDays: '14',
  resignDays: '28',
  ...extra,
});

/** The hidden fields of the check page, as its form would post them back. */
function hiddenFields(html: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g))
    if (name && name !== '_csrf') out[name] = [...(out[name] ?? []), value ?? ''];
  return out;
}

/** The value a text input of the form shows. */
const inputValue = (html: string, name: string) => new RegExp(`<input[^>]*name="${name}"[^>]*>`).exec(html)?.[0].match(/value="([^"]*)"/)?.[1];

/** Whether the form shows the box or radio with this value ticked (React writes `checked` before or after `value`). */
const checked = (html: string, value: string) => new RegExp(`<input[^>]*(value="${value}"[^>]*checked=""|checked=""[^>]*value="${value}")`).test(html);

describe('the assign form', () => {
  test('prefilled from who the policy says must sign it; a head teacher is offered their own school only', async () => {
    const { policy } = await publishedPolicy(t.app.db, cast.trust.id, { title: 'Prefilled Policy' });
    await t.app.db
      .update(policies)
      .set({ audiences: { kinds: ['employee', 'volunteer'], roles: ['dsl'], schoolIds: [] } })
      .where(and(eq(policies.trustId, cast.trust.id), eq(policies.id, policy.id)));
    const res = await admin.get(`/policies/${policy.id}/assign`);
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Ask people to sign/);
    assert.match(res.body, /Everyone in the trust/);
    assert.ok(checked(res.body, 'filtered'), 'the policy names kinds, so only the people chosen');
    assert.ok(checked(res.body, 'employee') && checked(res.body, 'volunteer') && checked(res.body, 'dsl'));
    assert.ok(!checked(res.body, 'governor'));
    assert.equal(inputValue(res.body, 'reminderDaysBefore'), '7, 1, 0');
    assert.equal(inputValue(res.body, 'escalateHeadAfterDays'), '14');
    assert.equal(inputValue(res.body, 'dueOn-year'), addDays(today, 28).slice(0, 4), 'due in four weeks');
    assert.match(res.body, /Tess Teacher \(teacher\.a@alpha\.example\)/, 'people are picked from the directory');

    const asHead = await head.get(`/policies/${policy.id}/assign`);
    assert.equal(asHead.statusCode, 200);
    assert.doesNotMatch(asHead.body, /Everyone in the trust/);
    assert.match(asHead.body, /School A/);
    assert.doesNotMatch(asHead.body, /School B/);
    assert.ok(checked(asHead.body, cast.schoolA.id), 'their school is chosen for them');
    assert.doesNotMatch(asHead.body, /Bo Teacher/, 'only their school’s people to name');

    assert.equal((await teacher.get(`/policies/${policy.id}/assign`)).statusCode, 403);
    assert.equal((await otherAdmin.get(`/policies/${policy.id}/assign`)).statusCode, 404);
    assert.equal((await admin.get(`/policies/${randomUUID()}/assign`)).statusCode, 404);
  });

  test('errors are shown next to their fields, with everything typed kept', async () => {
    const { policy } = await publishedPolicy(t.app.db, cast.trust.id);
    const res = await admin.post(
      `/policies/${policy.id}/assign`,
      filled({
        'dueOn-day': '31',
        'dueOn-month': '2',
        'dueOn-year': '2030',
        reminderDaysBefore: '7, soon',
        overdueEveryDays: '0',
        escalateManagerAfterDays: '14',
        escalateHeadAfterDays: '7',
      }),
    );
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /There is a problem/);
    assert.match(res.body, /The due date must be a real date/);
    assert.match(res.body, /List days before the due date as numbers, like 7, 1, 0/);
    assert.match(res.body, /The days between reminders once overdue must be at least 1 day/);
    assert.match(res.body, /href="#f-reminderDaysBefore"/, 'the summary links to the field');
    assert.match(res.body, /id="f-reminderDaysBefore-error"/, 'the message is at the field');
    assert.equal(inputValue(res.body, 'reminderDaysBefore'), '7, soon');
    assert.equal(inputValue(res.body, 'dueOn-day'), '31');

    // Checks across fields, once each field is right on its own.
    const across = await admin.post(
      `/policies/${policy.id}/assign`,
      filled({ escalateManagerAfterDays: '14', escalateHeadAfterDays: '7', onboardingDays: '' }),
    );
    assert.equal(across.statusCode, 422);
    assert.match(across.body, /Choose at least one school, kind of person, role or person, or choose everyone/);
    assert.match(across.body, /The head teacher is told after the line manager: enter more days/);
    assert.match(across.body, /Enter how many days a new starter has to sign/);
    assert.match(across.body, /id="f-escalateHeadAfterDays-error"/);
    assert.equal(inputValue(across.body, 'escalateManagerAfterDays'), '14');

    const past = await admin.post(`/policies/${policy.id}/assign`, filled({ audience: 'everyone', ...dateParts('dueOn', addDays(today, -1)) }));
    assert.equal(past.statusCode, 422);
    assert.match(past.body, /The due date must be today or later/);
    const rows = await t.app.db
      .select()
      .from(assignments)
      .where(and(eq(assignments.trustId, cast.trust.id), eq(assignments.policyId, policy.id)));
    assert.equal(rows.length, 0, 'nothing assigned');
  });

  test('a policy with no version in force cannot be assigned yet', async () => {
    const { policy } = await createPolicy(systemCtx(t.app.db, cast.trust.id), {
      title: 'Draft Only Policy',
      slug: 'draft-only',
      scope: 'trust',
      category: 'internal',
      reviewCycleMonths: '12',
    });
    const page = await admin.get(`/policies/${policy.id}/assign`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /has no version in force yet/);
    assert.doesNotMatch(page.body, /name="dueOn-day"/);
    const post = await admin.post(`/policies/${policy.id}/assign`, filled({ audience: 'everyone' }));
    assert.equal(post.statusCode, 422);
    assert.match(post.body, /publish it before asking people to sign it/);
    const policyPage = await admin.get(`/policies/${policy.id}`);
    assert.doesNotMatch(policyPage.body, /Ask people to sign/);
  });

  test('check, then assign: it says how many people it reaches, emails them at once and opens the request', async () => {
    const { policy } = await publishedPolicy(t.app.db, cast.trust.id, { title: 'School A Checked Policy' });
    const check = await admin.post(`/policies/${policy.id}/assign`, filled({ schoolIds: [cast.schoolA.id] }));
    assert.equal(check.statusCode, 200);
    assert.match(check.body, /Check before you ask/);
    assert.match(check.body, /This will ask 2 people to sign V1\.0/);
    assert.match(check.body, /People at School A/);
    assert.match(check.body, /7 days before, 1 day before and on the due date, then every 7 days after it until they sign/);
    assert.match(check.body, /Their line manager is told at 7 days overdue/);
    const hidden = hiddenFields(check.body);
    assert.deepEqual(hidden.schoolIds, [cast.schoolA.id]);
    assert.deepEqual(hidden.dueOn, [addDays(today, 21)]);

    const change = await admin.post(`/policies/${policy.id}/assign`, { ...hidden, step: 'change' });
    assert.equal(change.statusCode, 200);
    assert.ok(checked(change.body, cast.schoolA.id), 'back to the form with the choices kept');
    assert.equal(inputValue(change.body, 'dueOn-day'), String(Number(addDays(today, 21).slice(8))));

    const done = await admin.post(`/policies/${policy.id}/assign`, { ...hidden, step: 'confirm' });
    assert.equal(done.statusCode, 303);
    const location = done.headers.location as string;
    assert.match(location, /^\/assignments\/[0-9a-f-]{36}$/);
    const mine = await t.app.db
      .select()
      .from(assignments)
      .where(and(eq(assignments.trustId, cast.trust.id), eq(assignments.policyId, policy.id), eq(assignments.personId, cast.teacherA.id)));
    assert.equal(mine.length, 1);
    assert.equal(mine[0]?.assignedBy, cast.admin.id);
    const emailed = await t.app.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.trustId, cast.trust.id), like(outbox.dedupeKey, `agreement:${mine[0]?.id}:%`)));
    assert.deepEqual(
      emailed.map((e) => e.dedupeKey),
      [`agreement:${mine[0]?.id}:assigned`],
      'emailed straight away, without waiting for the sweep',
    );

    const page = await admin.get(location);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /2 people have been asked to sign School A Checked Policy/);
    assert.match(page.body, /Tess Teacher/);
    assert.match(page.body, /Hal Head/);
    assert.match(page.body, /Asked by<\/dt><dd class="govuk-summary-list__value">Ada Admin/);
    assert.match(page.body, /Assigned by Ada Admin/);

    const again = await admin.post(`/policies/${policy.id}/assign`, filled({ schoolIds: [cast.schoolA.id] }));
    assert.match(again.body, /This will not ask anyone new to sign/);
    assert.match(again.body, /2 people in this audience already have this policy to sign/);
  });

  test('a head teacher may ask their own school only; a teacher may not ask anyone', async () => {
    const { policy } = await publishedPolicy(t.app.db, cast.trust.id, { title: 'Head Assigned Policy' });
    assert.equal((await head.post(`/policies/${policy.id}/assign`, filled({ audience: 'everyone' }))).statusCode, 403);
    assert.equal((await head.post(`/policies/${policy.id}/assign`, filled({ schoolIds: [cast.schoolB.id] }))).statusCode, 403);
    assert.equal((await head.post(`/policies/${policy.id}/assign`, filled({ kinds: ['employee'] }))).statusCode, 403, 'a kind across the trust');
    const named = await head.post(`/policies/${policy.id}/assign`, filled({ schoolIds: [cast.schoolA.id], personIds: [cast.teacherB.id] }));
    assert.equal(named.statusCode, 422);
    assert.match(named.body, /Choose people at your school from the list/);
    const check = await head.post(`/policies/${policy.id}/assign`, filled({ schoolIds: [cast.schoolA.id] }));
    assert.equal(check.statusCode, 200);
    assert.match(check.body, /This will ask 2 people/);
    const done = await head.post(`/policies/${policy.id}/assign`, { ...hiddenFields(check.body), step: 'confirm' });
    assert.equal(done.statusCode, 303);
    assert.equal((await teacher.post(`/policies/${policy.id}/assign`, filled({ schoolIds: [cast.schoolA.id] }))).statusCode, 403);
    assert.equal((await otherAdmin.post(`/policies/${policy.id}/assign`, filled({ audience: 'everyone' }))).statusCode, 404);
    const rows = await t.app.db
      .select()
      .from(assignments)
      .where(and(eq(assignments.trustId, cast.trust.id), eq(assignments.policyId, policy.id)));
    assert.deepEqual(rows.map((r) => r.personId).sort(), [cast.headA.id, cast.teacherA.id].sort(), 'only the head teacher’s school');

    // Their school's own policy: "everyone" is everyone at the school, theirs to choose.
    const { policy: own } = await publishedPolicy(t.app.db, cast.trust.id, { title: 'School A Own Policy', schoolId: cast.schoolA.id });
    const form = await head.get(`/policies/${own.id}/assign`);
    assert.match(form.body, /Everyone at School A/);
    const ownCheck = await head.post(`/policies/${own.id}/assign`, filled({ audience: 'everyone' }));
    assert.equal(ownCheck.statusCode, 200);
    assert.match(ownCheck.body, /This will ask 2 people/);
    const { policy: theirs } = await publishedPolicy(t.app.db, cast.trust.id, { title: 'School B Own Policy', schoolId: cast.schoolB.id });
    assert.equal((await head.get(`/policies/${theirs.id}/assign`)).statusCode, 403, 'another school’s policy');
  });
});

describe('the assignments pages', () => {
  test('the list: each request with its counts; one request: its settings and who is still to sign', async () => {
    const { policy } = await publishedPolicy(t.app.db, cast.trust.id, { title: 'Listed Policy' });
    const check = await admin.post(`/policies/${policy.id}/assign`, filled({ audience: 'everyone', escalateManagerAfterDays: '' }));
    const done = await admin.post(`/policies/${policy.id}/assign`, { ...hiddenFields(check.body), step: 'confirm' });
    const campaignPath = done.headers.location as string;
    // A school B policy's request, which School A's head teacher does not see.
    const { policy: bPolicy } = await publishedPolicy(t.app.db, cast.trust.id, { title: 'School B Only Policy', schoolId: cast.schoolB.id });
    const bCheck = await admin.post(`/policies/${bPolicy.id}/assign`, filled({ audience: 'everyone' }));
    assert.match(bCheck.body, /Everyone at School B/);
    const bDone = await admin.post(`/policies/${bPolicy.id}/assign`, { ...hiddenFields(bCheck.body), step: 'confirm' });
    const bPath = bDone.headers.location as string;

    const list = await admin.get('/assignments');
    assert.equal(list.statusCode, 200);
    const row = list.body.split('<tr class="govuk-table__row">').find((r) => r.includes('Listed Policy')) ?? '';
    assert.match(row, new RegExp(`href="${campaignPath}"`));
    assert.match(row, /Everyone in the trust/);
    assert.match(row, /V1\.0/);
    const numbers = [...row.matchAll(/govuk-table__cell--numeric">([^<]*)</g)].map((m) => m[1]);
    assert.deepEqual(numbers.slice(0, 3), ['4', '0', '4'], 'assigned, signed, outstanding');
    assert.match(row, /Open/);
    assert.match(list.body, /School B Only Policy/);

    const detail = await admin.get(campaignPath);
    assert.equal(detail.statusCode, 200);
    assert.match(detail.body, /Everyone in the trust/);
    assert.match(detail.body, /Nobody else is told|The head teacher is told at 14 days overdue/);
    assert.match(detail.body, /Bo Teacher/);
    assert.match(detail.body, /due in 21 days/);
    assert.match(detail.body, /Showing 1 to 4 of 4 people/);

    const headList = await head.get('/assignments');
    assert.equal(headList.statusCode, 200);
    assert.match(headList.body, /Listed Policy/);
    assert.doesNotMatch(headList.body, /School B Only Policy/);
    const headDetail = await head.get(campaignPath);
    assert.equal(headDetail.statusCode, 200);
    assert.match(headDetail.body, /Tess Teacher/);
    assert.doesNotMatch(headDetail.body, /Bo Teacher/, 'a head teacher sees their own school’s people');
    assert.equal((await head.get(bPath)).statusCode, 403);

    assert.equal((await teacher.get('/assignments')).statusCode, 403);
    assert.equal((await teacher.get(campaignPath)).statusCode, 403);
    assert.equal((await otherAdmin.get(campaignPath)).statusCode, 404);
    assert.equal((await admin.get(`/assignments/${randomUUID()}`)).statusCode, 404);
    assert.equal((await admin.get('/assignments/not-an-id')).statusCode, 404);
  });
});

describe('signing again every year', () => {
  test('the policy page offers the setting; saving it is audited; bad input is kept with its error', async () => {
    const { policy } = await publishedPolicy(t.app.db, cast.trust.id, { title: 'Annual Policy' });
    const before = await admin.get(`/policies/${policy.id}`);
    assert.match(before.body, new RegExp(`href="/policies/${policy.id}/assign"`));
    assert.match(before.body, /only when a version with material changes is published/);
    assert.match(before.body, new RegExp(`action="/policies/${policy.id}/resign-cycle"`));
    const headView = await head.get(`/policies/${policy.id}`);
    assert.match(headView.body, /Ask people to sign/, 'a head teacher can ask their school');
    assert.doesNotMatch(headView.body, /action="[^"]*\/resign-cycle"/, 'but the trust’s policy setting is not theirs');

    const bad = await admin.post(`/policies/${policy.id}/resign-cycle`, { resignEveryMonths: 'yearly', note: 'Board' });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /Enter a number of months, like 12/);
    assert.equal(inputValue(bad.body, 'resignEveryMonths'), 'yearly');
    assert.equal(inputValue(bad.body, 'note'), 'Board');

    const saved = await admin.post(`/policies/${policy.id}/resign-cycle`, { resignEveryMonths: '12', note: 'Agreed by the board' });
    assert.equal(saved.statusCode, 303);
    assert.equal(saved.headers.location, `/policies/${policy.id}`);
    const after = await admin.get(`/policies/${policy.id}`);
    assert.match(after.body, /every 12 months after each person last signed/);
    const [audit] = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.trustId, cast.trust.id), eq(auditEvents.action, 'policy.resign_cycle_set'), eq(auditEvents.resourceId, policy.id)));
    assert.match(audit?.summary ?? '', /Everyone signs Annual Policy again every 12 months/);
    assert.deepEqual(audit?.after, { resignEveryMonths: 12, note: 'Agreed by the board' });

    await admin.post(`/policies/${policy.id}/resign-cycle`, { resignEveryMonths: '' });
    const [cleared] = await t.app.db
      .select()
      .from(policies)
      .where(and(eq(policies.trustId, cast.trust.id), eq(policies.id, policy.id)));
    assert.equal(cleared?.resignEveryMonths, null, 'blank clears it');

    assert.equal((await head.post(`/policies/${policy.id}/resign-cycle`, { resignEveryMonths: '12' })).statusCode, 403);
    assert.equal((await teacher.post(`/policies/${policy.id}/resign-cycle`, { resignEveryMonths: '12' })).statusCode, 403);
    assert.equal((await otherAdmin.post(`/policies/${policy.id}/resign-cycle`, { resignEveryMonths: '12' })).statusCode, 404);
    assert.equal((await admin.get(`/policies/${policy.id}/resign-cycle`)).statusCode, 200);
  });
});
