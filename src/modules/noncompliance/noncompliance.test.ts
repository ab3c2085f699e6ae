import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq, like, sql } from 'drizzle-orm';
import { Agent, createTestApp, type TestApp } from '../../../test/app.ts';
import { type ConcernCast, concernCast, reportAs } from '../../../test/concerns.ts';
import { actingAs, makePerson, makeTrustWithCast } from '../../../test/factories.ts';
import { publishedPolicy, publishNextVersion, sampleContent } from '../../../test/policies.ts';
import { auditEvents } from '../../audit/schema.ts';
import { londonToday } from '../../ui/format.ts';
import { addDays } from '../acknowledgements/service.ts';
import { outbox } from '../notifications/schema.ts';
import type { PolicyContent } from '../policies/content.ts';
import { actionPlanItems, noncompliance, trainingNeeds } from './schema.ts';
import * as service from './service.ts';
import { sendNonComplianceReminders } from './sweep.ts';
import { nonComplianceTodos } from './todos.ts';

const today = londonToday();
const CLAUSE_TEXT = 'Staff must not send personal data to an external address without encrypting it.';
const content: PolicyContent = {
  ...sampleContent(),
  sections: [
    {
      id: 'email',
      number: '4',
      heading: 'Email',
      text: '',
      topics: ['email'],
      children: [{ id: 'email-external', number: '4.2', heading: null, text: CLAUSE_TEXT, topics: ['email', 'data protection'], children: [] }],
    },
  ],
};

let t: TestApp;
let cast: ConcernCast;
let other: Awaited<ReturnType<typeof makeTrustWithCast>>;
let headB: Awaited<ReturnType<typeof makePerson>>;
let clause: string;
let versionId: string;
const agents: Record<string, Agent> = {};

/** A service context acting as a person of the cast. */
const as = (person: { id: string; trustId: string }) => actingAs(t.app.db, person, { baseUrl: 'http://localhost:3000' });

const dateParts = (name: string, iso: string) => {
  const [y, m, d] = iso.split('-');
  return { [`${name}-day`]: String(Number(d)), [`${name}-month`]: String(Number(m)), [`${name}-year`]: y as string };
};

/** The new record form as a browser posts it; `omit` leaves fields out. */
function form(over: Record<string, string> = {}, omit: string[] = []) {
  const f: Record<string, string> = {
    school: cast.schoolA.id,
    person: 'Tess Teacher (teacher.a@alpha.example)',
    group: '',
    clause,
    severity: 'medium',
    summary: 'Sent the class list with dates of birth to a personal email address.',
    ...dateParts('reviewOn', addDays(today, 30)),
    actionText: '',
    actionOwner: '',
    'actionDueOn-day': '',
    'actionDueOn-month': '',
    'actionDueOn-year': '',
    ...over,
  };
  for (const k of omit) delete f[k];
  return f;
}

const idFrom = (location: unknown) => /\/non-compliance\/([0-9a-f-]{36})$/.exec(String(location))?.[1] as string;
const countRecords = async () => (await t.app.db.select({ n: sql<number>`count(*)::int` }).from(noncompliance))[0]?.n ?? 0;
const countOutbox = async () => (await t.app.db.select({ n: sql<number>`count(*)::int` }).from(outbox))[0]?.n ?? 0;
const emailsLike = (pattern: string) => t.app.db.select().from(outbox).where(like(outbox.dedupeKey, pattern));

async function recordById(id: string) {
  const [row] = await t.app.db.select().from(noncompliance).where(eq(noncompliance.id, id));
  assert.ok(row, 'the record exists');
  return row;
}

/** A record made through the service as a person, for tests that need one quickly. */
async function makeRecord(by: ConcernCast['dplA'], over: Record<string, string> = {}, on = today) {
  return service.createRecord(await as(by), { ...form(), reviewOn: addDays(on, 30), ...over }, on);
}

before(async () => {
  t = await createTestApp();
  cast = await concernCast(t.app.db, await makeTrustWithCast(t.app.db, 'alpha'));
  other = await makeTrustWithCast(t.app.db, 'beta');
  headB = await makePerson(t.app.db, cast.trust.id, {
    name: 'Hope Head-B',
    email: 'head.b@alpha.example',
    schoolIds: [cast.schoolB.id],
    roles: [['head_teacher', cast.schoolB.id]],
  });
  const { v1 } = await publishedPolicy(t.app.db, cast.trust.id, { title: 'Email and Data Policy', content });
  versionId = v1.id;
  clause = `${v1.id}:c:email-external`;
  for (const [key, email] of Object.entries({
    dpl: cast.dplA.email,
    head: cast.headA.email,
    headB: headB.email,
    teacher: cast.teacherA.email,
    hr: cast.hrLead.email,
    dpo: cast.dpo.email,
    admin: cast.admin.email,
    it: cast.itA.email,
    deputy: cast.deputyHeadA.email,
    otherAdmin: other.admin.email,
  }))
    agents[key] = await new Agent(t.app).signIn(email);
});
after(() => t.close());

describe('recording non-compliance', () => {
  test('a record for a person: the clause is snapshotted, the first action stored, the DPO and head teacher emailed once', async () => {
    const page = await agents.dpl?.get('/non-compliance/new');
    assert.equal(page?.statusCode, 200);
    assert.match(page?.body ?? '', /<datalist id="directory">/);
    assert.ok(page?.body.includes(`value="${clause}"`), 'the clause of the version in force is offered');
    assert.match(page?.body ?? '', /Email and Data Policy — 4.2 Staff must not send personal data/);
    const before = await countOutbox();
    const res = await agents.dpl?.post(
      '/non-compliance/new',
      form({
        actionText: 'Complete the data protection refresher',
        actionOwner: 'Ivy It (it.a@alpha.example)',
        ...dateParts('actionDueOn', addDays(today, 14)),
      }),
    );
    assert.equal(res?.statusCode, 303, res?.body.slice(0, 500));
    const id = idFrom(res?.headers.location);
    const row = await recordById(id);
    assert.match(row.reference, new RegExp(`^NC-${today.slice(0, 4)}-\\d{4}$`));
    assert.equal(row.personId, cast.teacherA.id);
    assert.equal(row.groupDescription, null);
    assert.equal(row.schoolId, cast.schoolA.id);
    assert.equal(row.versionId, versionId);
    assert.equal(row.clauseNumber, '4.2');
    assert.equal(row.clauseText, CLAUSE_TEXT);
    assert.equal(row.severity, 'medium');
    assert.equal(row.reviewOn, addDays(today, 30));
    assert.equal(row.createdBy, cast.dplA.id);
    const actions = await t.app.db.select().from(actionPlanItems).where(eq(actionPlanItems.noncomplianceId, id));
    assert.deepEqual(
      actions.map((a) => [a.text, a.ownerId, a.dueOn]),
      [['Complete the data protection refresher', cast.itA.id, addDays(today, 14)]],
    );

    const emails = await emailsLike(`noncompliance:${id}:created:%`);
    assert.deepEqual(
      emails.map((e) => e.toAddress).sort(),
      [cast.dpo.email, cast.headA.email].sort(),
      'the DPO and the head teacher, not the DPL who recorded it',
    );
    assert.equal((await countOutbox()) - before, 2, 'nothing else was sent');
    for (const e of emails) {
      assert.ok(e.textBody.includes(row.reference) && e.textBody.includes(`/non-compliance/${id}`), 'the reference and the link');
      assert.ok(!e.textBody.includes('Tess') && !e.textBody.includes('class list') && !e.htmlBody.includes('class list'), 'no name, no details');
    }
    const [audit] = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.resourceId, id), eq(auditEvents.action, 'noncompliance.created')));
    assert.equal(audit?.summary, `Non-compliance ${row.reference} recorded`);
    assert.ok(!JSON.stringify(audit?.after).includes('class list') && !JSON.stringify(audit?.after).includes(cast.teacherA.id));

    const shown = await agents.dpl?.get(`/non-compliance/${id}`);
    assert.equal(shown?.statusCode, 200);
    assert.ok(shown?.body.includes(CLAUSE_TEXT));
    assert.ok(shown?.body.includes('Tess Teacher'));
    assert.ok(shown?.body.includes('Complete the data protection refresher'));
  });

  test('a record for a group: the creator (the head teacher) is not emailed, the DPO is', async () => {
    const res = await agents.head?.post('/non-compliance/new', form({ person: '', group: 'Year 6 team', severity: 'low' }));
    assert.equal(res?.statusCode, 303, res?.body.slice(0, 500));
    const id = idFrom(res?.headers.location);
    const row = await recordById(id);
    assert.equal(row.personId, null);
    assert.equal(row.groupDescription, 'Year 6 team');
    const emails = await emailsLike(`noncompliance:${id}:created:%`);
    assert.deepEqual(
      emails.map((e) => e.toAddress),
      [cast.dpo.email],
    );
    const page = await agents.head?.get(`/non-compliance/${id}`);
    assert.ok(page?.body.includes('Year 6 team (group)'));
  });

  test('bad input is refused with the error at the field, and nothing is stored or sent', async () => {
    const cases: [string, Record<string, string>, string[], RegExp][] = [
      ['no person and no group', { person: '' }, [], /Choose the person from the directory, or describe the group/],
      ['a person and a group', { group: 'Year 6 team' }, [], /Give either a person or a group, not both/],
      ['an unknown clause', { clause: `${versionId}:c:no-such-clause` }, [], /Choose the clause from the list/],
      ['a clause that is not a clause', { clause: 'nonsense' }, [], /Choose the clause from the list/],
      ['a review date in the past', dateParts('reviewOn', addDays(today, -1)), [], /The review date must be in the future/],
      ['a review date of today', dateParts('reviewOn', today), [], /The review date must be in the future/],
      ['a person from another trust', { person: `Tess Teacher (${other.teacherA.email})` }, [], /Choose a person from the directory/],
      ['no severity', {}, ['severity'], /Choose how serious it is/],
      ['no summary', { summary: '   ' }, [], /Describe what happened/],
      ['a school the head does not manage', { school: cast.schoolB.id }, [], /Choose one of the schools you manage/],
      ['half a first action', { actionText: 'Training' }, [], /Choose who will do the action/],
    ];
    const [records, emails] = [await countRecords(), await countOutbox()];
    for (const [name, over, omit, message] of cases) {
      const res = await agents.head?.post('/non-compliance/new', form({ summary: 'Kept after an error', ...over }, omit));
      assert.equal(res?.statusCode, 422, name);
      assert.match(res?.body ?? '', message, name);
      assert.match(res?.body ?? '', /<title>Error: Record non-compliance/, name);
      if (!('summary' in over)) assert.ok(res?.body.includes('Kept after an error'), `${name}: what was typed is kept`);
    }
    // The error summary follows the form from top to bottom.
    const empty = await agents.head?.post(
      '/non-compliance/new',
      form({ person: '', clause: '', summary: '', 'reviewOn-day': '', 'reviewOn-month': '', 'reviewOn-year': '' }, ['severity']),
    );
    const summary = /govuk-error-summary__list">([\s\S]*?)<\/ul>/.exec(empty?.body ?? '')?.[1] ?? '';
    assert.deepEqual(
      [...summary.matchAll(/href="#f-([A-Za-z]+)"/g)].map((m) => m[1]),
      ['person', 'clause', 'severity', 'summary', 'reviewOn'],
    );
    assert.equal(await countRecords(), records, 'no record stored');
    assert.equal(await countOutbox(), emails, 'no email queued');
  });

  test('the clause stays as it read when a new version of the policy is published', async () => {
    const { policy, v1 } = await publishedPolicy(t.app.db, cast.trust.id, { title: 'Passwords Policy', content });
    const res = await agents.dpl?.post('/non-compliance/new', form({ clause: `${v1.id}:c:email-external` }));
    assert.equal(res?.statusCode, 303);
    const id = idFrom(res?.headers.location);
    await publishNextVersion(t.app.db, cast.trust.id, policy.id, 'V2.0', true, undefined, 'Completely new words.');
    const row = await recordById(id);
    assert.equal(row.clauseText, CLAUSE_TEXT);
    assert.equal(row.versionId, v1.id);
    const page = await agents.dpl?.get(`/non-compliance/${id}`);
    assert.ok(page?.body.includes(CLAUSE_TEXT), 'the old words are shown');
    assert.ok(!page?.body.includes('Completely new words.'));
    assert.match(page?.body ?? '', /Passwords Policy \(V1.0, since replaced\)/);
    // The old version's clause is no longer offered, and posting it is refused.
    const again = await agents.dpl?.post('/non-compliance/new', form({ clause: `${v1.id}:c:email-external` }));
    assert.equal(again?.statusCode, 422);
    assert.match(again?.body ?? '', /Choose the clause from the list/);
  });

  test('a concern prefills the source only for someone who can open it in full', async () => {
    // Reported by a member of staff without a line manager, so the head teacher is not told of it.
    const { reference } = await reportAs(t.app.db, cast.trust.id, cast.sltA.id, 'data_breach');
    const forDpl = await agents.dpl?.get(`/non-compliance/new?concern=${reference}`);
    assert.ok(forDpl?.body.includes(`name="concern" value="${reference}"`));
    // The head teacher cannot open a data breach: no trace of it on the form.
    const forHead = await agents.head?.get(`/non-compliance/new?concern=${reference}`);
    assert.equal(forHead?.statusCode, 200);
    assert.ok(!forHead?.body.includes(reference));
    const res = await agents.dpl?.post('/non-compliance/new', form({ concern: reference }));
    const id = idFrom(res?.headers.location);
    assert.ok((await recordById(id)).sourceConcernId);
    assert.ok((await agents.dpl?.get(`/non-compliance/${id}`))?.body.includes(`href="/concerns/${reference}"`));
    const head = await agents.head?.get(`/non-compliance/${id}`);
    assert.ok(!head?.body.includes(reference));
    assert.match(head?.body ?? '', /A concern you cannot open/);
    // Forged by the head: the concern is ignored, not linked.
    const forged = await agents.head?.post('/non-compliance/new', form({ concern: reference }));
    assert.equal((await recordById(idFrom(forged?.headers.location))).sourceConcernId, null);
  });
});

describe('who may see and change records', () => {
  let idA: string;
  let trustWide: string;
  before(async () => {
    idA = (await makeRecord(cast.dplA, { summary: 'School A record for permissions' })).id;
    trustWide = (
      await service.createRecord(await as(cast.dpo), { ...form({ school: 'trust', person: cast.hrLead.email }), reviewOn: addDays(today, 30) }, today)
    ).id;
  });

  test('a teacher may not open the register, the form or a record (403)', async () => {
    for (const url of ['/non-compliance', '/non-compliance/new', `/non-compliance/${idA}`, '/trends'])
      assert.equal((await agents.teacher?.get(url))?.statusCode, 403, url);
    assert.equal((await agents.teacher?.post('/non-compliance/new', form()))?.statusCode, 403);
  });

  test('the DPL of School A sees its records; the head of School B does not; another trust gets 404', async () => {
    const list = await agents.dpl?.get('/non-compliance');
    assert.equal(list?.statusCode, 200);
    assert.ok(list?.body.includes(`/non-compliance/${idA}`));
    assert.ok(!list?.body.includes(`/non-compliance/${trustWide}`), 'a trust-wide record is for trust roles');
    assert.equal((await agents.dpl?.get(`/non-compliance/${trustWide}`))?.statusCode, 403);

    const listB = await agents.headB?.get('/non-compliance');
    assert.equal(listB?.statusCode, 200);
    assert.ok(!listB?.body.includes(`/non-compliance/${idA}`));
    assert.equal((await agents.headB?.get(`/non-compliance/${idA}`))?.statusCode, 403);
    assert.equal((await agents.headB?.post(`/non-compliance/${idA}/training`, { need: 'Anything' }))?.statusCode, 403);

    assert.equal((await agents.otherAdmin?.get(`/non-compliance/${idA}`))?.statusCode, 404);
    assert.equal((await agents.otherAdmin?.post(`/non-compliance/${idA}/training`, { need: 'Anything' }))?.statusCode, 404);
    assert.ok(!(await agents.otherAdmin?.get('/non-compliance'))?.body.includes(idA));

    const admin = await agents.admin?.get('/non-compliance');
    assert.ok(admin?.body.includes(`/non-compliance/${idA}`) && admin.body.includes(`/non-compliance/${trustWide}`), 'trust roles see every record');
    // The deputy head may read School A's records but not change them.
    assert.equal((await agents.deputy?.get(`/non-compliance/${idA}`))?.statusCode, 200);
    assert.equal((await agents.deputy?.post(`/non-compliance/${idA}/training`, { need: 'Anything' }))?.statusCode, 403);
  });

  test('the register filters by status, severity and school, kept in the URL', async () => {
    const high = await makeRecord(cast.dplA, { severity: 'high', summary: 'High one' });
    const res = await agents.admin?.get(`/non-compliance?severity=high&school=${cast.schoolA.id}`);
    assert.ok(res?.body.includes(`/non-compliance/${high.id}`));
    assert.ok(!res?.body.includes(`/non-compliance/${idA}`));
    const central = await agents.admin?.get('/non-compliance?school=trust');
    assert.ok(central?.body.includes(trustWide) && !central.body.includes(idA));
    const closed = await agents.admin?.get('/non-compliance?status=closed&severity=nonsense');
    assert.equal(closed?.statusCode, 200, 'a bad filter shows the default');
    assert.ok(!closed?.body.includes(`/non-compliance/${high.id}`));
  });
});

describe('the outcome and sanction (HR-level access)', () => {
  let id: string;
  before(async () => {
    id = (await makeRecord(cast.dplA, { summary: 'Record for an outcome' })).id;
  });

  test('only the head teacher or the HR lead may record it; it is confirmed, closes the record and is shown only to them', async () => {
    assert.equal((await agents.dpl?.get(`/non-compliance/${id}/outcome`))?.statusCode, 403);
    const outcome = { outcome: 'Agreed further training', sanction: 'written_warning', sanctionNote: 'HR case 2026-17' };
    for (const who of ['dpl', 'dpo', 'admin', 'deputy'])
      assert.equal((await agents[who]?.post(`/non-compliance/${id}/outcome`, { ...outcome, confirm: 'yes' }))?.statusCode, 403, who);
    assert.equal((await recordById(id)).status, 'open');

    const missing = await agents.head?.post(`/non-compliance/${id}/outcome`, { outcome: 'Something' });
    assert.equal(missing?.statusCode, 422);
    assert.match(missing?.body ?? '', /Choose the sanction/);

    const confirm = await agents.head?.post(`/non-compliance/${id}/outcome`, outcome);
    assert.equal(confirm?.statusCode, 200);
    assert.match(confirm?.body ?? '', /Record this outcome and close the record\?/);
    assert.equal((await recordById(id)).status, 'open', 'nothing saved before the confirmation');

    const done = await agents.head?.post(`/non-compliance/${id}/outcome`, { ...outcome, confirm: 'yes' });
    assert.equal(done?.statusCode, 303);
    const row = await recordById(id);
    assert.equal(row.status, 'closed');
    assert.equal(row.sanction, 'written_warning');
    assert.equal(row.sanctionNote, 'HR case 2026-17');
    assert.equal(row.outcomeBy, cast.headA.id);
    assert.ok(row.closedAt);

    for (const who of ['head', 'hr']) {
      const page = await agents[who]?.get(`/non-compliance/${id}`);
      assert.ok(page?.body.includes('Written warning') && page.body.includes('HR case 2026-17') && page.body.includes('Agreed further training'), who);
    }
    for (const who of ['dpl', 'dpo', 'admin', 'deputy']) {
      const page = await agents[who]?.get(`/non-compliance/${id}`);
      assert.equal(page?.statusCode, 200, who);
      assert.match(page?.body ?? '', /Outcome recorded \(restricted\)/, who);
      assert.ok(!page?.body.includes('Written warning') && !page?.body.includes('HR case 2026-17') && !page?.body.includes('Agreed further training'), who);
    }
    // Left out by the service itself, not only by the page.
    const forDpl = await service.recordDetail(await as(cast.dplA), id);
    assert.ok(!forDpl.limited);
    assert.deepEqual([forDpl.record.outcome, forDpl.record.sanction, forDpl.record.sanctionNote, forDpl.outcomeBy], [null, null, null, null]);
    const forHr = await service.recordDetail(await as(cast.hrLead), id);
    assert.ok(!forHr.limited);
    assert.equal(forHr.record.sanction, 'written_warning');
    const audit = await t.app.db.select().from(auditEvents).where(eq(auditEvents.resourceId, id));
    assert.ok(audit.some((a) => a.action === 'noncompliance.outcome'));
    assert.ok(!JSON.stringify(audit).includes('written_warning') && !JSON.stringify(audit).includes('HR case'), 'the audit log never names the sanction');

    const again = await agents.head?.post(`/non-compliance/${id}/outcome`, { ...outcome, sanction: 'none', confirm: 'yes' });
    assert.equal(again?.statusCode, 422);
    assert.equal((await recordById(id)).sanction, 'written_warning');
  });

  test('a trust-wide record’s outcome is for the HR lead, not a head teacher', async () => {
    const row = await service.createRecord(
      await as(cast.dpo),
      { ...form({ school: 'trust', group: 'Central finance team', person: '' }), reviewOn: addDays(today, 9) },
      today,
    );
    assert.equal((await agents.head?.get(`/non-compliance/${row.id}/outcome`))?.statusCode, 403);
    assert.equal((await agents.hr?.get(`/non-compliance/${row.id}/outcome`))?.statusCode, 200);
  });
});

describe('the action plan, training needs and the review date', () => {
  let id: string;
  before(async () => {
    id = (await makeRecord(cast.dplA, { summary: 'Record for the plan' })).id;
  });

  test('actions: added with an owner and a due date, marked done by a manager or by their owner (who sees only their actions)', async () => {
    const bad = await agents.dpl?.post(`/non-compliance/${id}/actions`, {
      actionText: '',
      actionOwner: 'Nobody (nobody@nowhere.example)',
      ...dateParts('actionDueOn', addDays(today, -2)),
    });
    assert.equal(bad?.statusCode, 422);
    assert.match(bad?.body ?? '', /Describe the action/);
    assert.match(bad?.body ?? '', /Choose who will do it from the directory/);
    assert.match(bad?.body ?? '', /The due date must be today or in the future/);
    const res = await agents.dpl?.post(`/non-compliance/${id}/actions`, {
      actionText: 'Turn on encryption for the office PCs',
      actionOwner: 'Ivy It (it.a@alpha.example)',
      ...dateParts('actionDueOn', addDays(today, 10)),
    });
    assert.equal(res?.statusCode, 303);
    const [item] = await t.app.db.select().from(actionPlanItems).where(eq(actionPlanItems.noncomplianceId, id));
    assert.ok(item);
    assert.equal(item.ownerId, cast.itA.id);

    // IT services may not see non-compliance records, but sees its own actions and marks them done.
    const owner = await agents.it?.get(`/non-compliance/${id}`);
    assert.equal(owner?.statusCode, 200);
    assert.ok(owner?.body.includes('Turn on encryption for the office PCs'));
    assert.ok(!owner?.body.includes('Record for the plan'), 'not the rest of the record');
    assert.equal((await agents.teacher?.post(`/non-compliance/${id}/actions/${item.id}/done`))?.statusCode, 403);
    const done = await agents.it?.post(`/non-compliance/${id}/actions/${item.id}/done`);
    assert.equal(done?.statusCode, 303);
    const [after] = await t.app.db.select().from(actionPlanItems).where(eq(actionPlanItems.id, item.id));
    assert.equal(after?.doneBy, cast.itA.id);
    assert.ok(after?.doneAt);
    const page = await agents.dpl?.get(`/non-compliance/${id}`);
    assert.match(page?.body ?? '', /Done<\/strong> <span class="govuk-body-s">[^<]+ by Ivy It/);
  });

  test('training needs: identified for whom, then recorded as met on a date (not in the future)', async () => {
    assert.equal((await agents.dpl?.post(`/non-compliance/${id}/training`, { need: ' ' }))?.statusCode, 422);
    const res = await agents.dpl?.post(`/non-compliance/${id}/training`, { need: 'Data protection refresher', forWhom: 'All Year 6 staff' });
    assert.equal(res?.statusCode, 303);
    const [need] = await t.app.db.select().from(trainingNeeds).where(eq(trainingNeeds.noncomplianceId, id));
    assert.ok(need);
    assert.equal(need.forWhom, 'All Year 6 staff');
    const future = await agents.dpl?.post(`/non-compliance/${id}/training/${need.id}/met`, dateParts('metOn', addDays(today, 1)));
    assert.equal(future?.statusCode, 422);
    assert.match(future?.body ?? '', /must be today or in the past/);
    const met = await agents.dpl?.post(`/non-compliance/${id}/training/${need.id}/met`, dateParts('metOn', addDays(today, -1)));
    assert.equal(met?.statusCode, 303);
    const [after] = await t.app.db.select().from(trainingNeeds).where(eq(trainingNeeds.id, need.id));
    assert.equal(after?.metOn, addDays(today, -1));
    const page = await agents.head?.get(`/non-compliance/${id}`);
    assert.ok(page?.body.includes('Data protection refresher') && page.body.includes('All Year 6 staff'));
  });

  test('the review date moves only with a reason, to a future date; the reason is in the history', async () => {
    const noReason = await agents.dpl?.post(`/non-compliance/${id}/review-date`, dateParts('reviewOn', addDays(today, 40)));
    assert.equal(noReason?.statusCode, 422);
    assert.match(noReason?.body ?? '', /Say why the review date is changing/);
    const past = await agents.dpl?.post(`/non-compliance/${id}/review-date`, { ...dateParts('reviewOn', addDays(today, -3)), reason: 'Because' });
    assert.equal(past?.statusCode, 422);
    assert.equal((await recordById(id)).reviewOn, addDays(today, 30));
    const ok = await agents.dpl?.post(`/non-compliance/${id}/review-date`, {
      ...dateParts('reviewOn', addDays(today, 40)),
      reason: 'Waiting for the HR meeting',
    });
    assert.equal(ok?.statusCode, 303);
    assert.equal((await recordById(id)).reviewOn, addDays(today, 40));
    const page = await agents.dpl?.get(`/non-compliance/${id}`);
    assert.ok(page?.body.includes('Reason: Waiting for the HR meeting'));
    assert.equal(
      (await agents.deputy?.post(`/non-compliance/${id}/review-date`, { ...dateParts('reviewOn', addDays(today, 50)), reason: 'x' }))?.statusCode,
      403,
    );
  });
});

describe('reminders and the home page', () => {
  test('review reminders go once a week before and once on the day, to the creator and the head teacher, and again after the date moves', async () => {
    const start = '2030-01-01';
    const reviewOn = '2030-01-31';
    const record = await service.createRecord(await as(cast.dplA), { ...form(), reviewOn }, start);
    const sent = async () =>
      (await emailsLike(`noncompliance:${record.id}:review:%`)).map((e) => `${e.dedupeKey.split(':').slice(3, 5).join(':')}>${e.toAddress}`).sort();
    const run = (day: string) => sendNonComplianceReminders(t.app.db, 'http://localhost:3000', day);

    await run(addDays(reviewOn, -8));
    assert.deepEqual(await sent(), []);
    await run(addDays(reviewOn, -7));
    const week = [`${reviewOn}:1-week>${cast.dplA.email}`, `${reviewOn}:1-week>${cast.headA.email}`].sort();
    assert.deepEqual(await sent(), week);
    await run(addDays(reviewOn, -7));
    await run(addDays(reviewOn, -6));
    assert.deepEqual(await sent(), week, 'not again');
    await run(reviewOn);
    const onTheDay = [...week, `${reviewOn}:due>${cast.dplA.email}`, `${reviewOn}:due>${cast.headA.email}`].sort();
    assert.deepEqual(await sent(), onTheDay);
    await run(addDays(reviewOn, 1));
    assert.deepEqual(await sent(), onTheDay);

    const moved = '2030-03-01';
    await service.changeReviewDate(await as(cast.headA), record.id, { reviewOn: moved, reason: 'More time to train' }, reviewOn);
    await run(addDays(moved, -7));
    assert.deepEqual(
      (await sent()).filter((k) => k.startsWith(moved)),
      [`${moved}:1-week>${cast.dplA.email}`, `${moved}:1-week>${cast.headA.email}`].sort(),
    );
    const [email] = await emailsLike(`noncompliance:${record.id}:review:${moved}:1-week:${cast.headA.id}`);
    assert.ok(email?.textBody.includes(record.reference) && !email.textBody.includes('class list'));
  });

  test('an overdue action reminds its owner once', async () => {
    const record = await service.createRecord(await as(cast.dplA), { ...form(), reviewOn: '2031-06-30' }, '2031-01-01');
    const { item } = await service.addAction(
      await as(cast.dplA),
      record.id,
      { actionText: 'Update the privacy notice', actionOwner: cast.sltA.email, actionDueOn: '2031-02-01' },
      '2031-01-01',
    );
    const keys = async () => (await emailsLike(`ncaction:${item.id}:%`)).map((e) => e.toAddress);
    await sendNonComplianceReminders(t.app.db, 'http://localhost:3000', '2031-02-01');
    assert.deepEqual(await keys(), [], 'due today is not overdue');
    const first = await sendNonComplianceReminders(t.app.db, 'http://localhost:3000', '2031-02-02');
    assert.ok(first.reminders >= 1);
    assert.deepEqual(await keys(), [cast.sltA.email]);
    await sendNonComplianceReminders(t.app.db, 'http://localhost:3000', '2031-02-09');
    assert.deepEqual(await keys(), [cast.sltA.email]);
    // Done actions are not chased.
    const { item: second } = await service.addAction(
      await as(cast.dplA),
      record.id,
      { actionText: 'Another', actionOwner: cast.sltA.email, actionDueOn: '2031-02-03' },
      '2031-01-01',
    );
    await service.markActionDone(await as(cast.sltA), record.id, second.id);
    await sendNonComplianceReminders(t.app.db, 'http://localhost:3000', '2031-03-01');
    assert.deepEqual(await emailsLike(`ncaction:${second.id}:%`), []);
  });

  test('to-dos: reviews due within a week for records the person manages, and actions they own', async () => {
    const soon = await makeRecord(cast.dplA, { summary: 'Soon' });
    await service.changeReviewDate(await as(cast.dplA), soon.id, { reviewOn: addDays(today, 3), reason: 'Sooner' });
    await service.addAction(await as(cast.dplA), soon.id, {
      actionText: 'Check the shared drive permissions',
      actionOwner: cast.deputyHeadA.email,
      actionDueOn: addDays(today, 2),
    });
    const head = await nonComplianceTodos(await as(cast.headA), today);
    const review = head.find((i) => i.href === `/non-compliance/${soon.id}`);
    assert.equal(review?.title, `Review non-compliance record ${soon.reference}`);
    assert.deepEqual(review?.tag, { tone: 'orange', label: 'due in 3 days' });
    assert.ok(!(await nonComplianceTodos(await as(headB), today)).some((i) => i.href.includes(soon.id)), 'not for School B’s head');
    const deputy = await nonComplianceTodos(await as(cast.deputyHeadA), today);
    assert.deepEqual(
      deputy.map((i) => [i.title, i.tag?.label]),
      [[`Action for ${soon.reference}: Check the shared drive permissions`, 'due in 2 days']],
      'the deputy head owns the action but does not manage records',
    );
    const home = await agents.deputy?.get('/');
    assert.ok(home?.body.includes(`Action for ${soon.reference}`));
  });
});

describe('trends', () => {
  let g: ConcernCast;
  let gamma: Record<string, Agent>;
  /** The numbers of one chart's table: label → count. */
  const table = (html: string, id: string) => {
    const part = new RegExp(`data-table="${id}">([\\s\\S]*?)</table>`).exec(html)?.[1] ?? '';
    return Object.fromEntries(
      [...part.matchAll(/<th scope="row" class="govuk-table__header">([^<]*)<\/th><td[^>]*>([\d,]+)<\/td>/g)].map((m) => [m[1], Number(m[2])]),
    );
  };

  before(async () => {
    const db = t.app.db;
    g = await concernCast(db, await makeTrustWithCast(db, 'gamma'));
    const { v1 } = await publishedPolicy(db, g.trust.id, { title: 'Email and Data Policy', content });
    const dpl = await as(g.dplA);
    const base = { clause: `${v1.id}:c:email-external`, summary: 'x', reviewOn: addDays(today, 30), severity: 'high' };
    await service.createRecord(dpl, { ...base, school: g.schoolA.id, person: g.teacherA.email }, today);
    await service.createRecord(dpl, { ...base, school: g.schoolA.id, person: g.teacherA.email, severity: 'low' }, today);
    await service.createRecord(dpl, { ...base, school: g.schoolA.id, person: g.headA.email, clause: `${v1.id}:a:1` }, today);
    await service.createRecord(await as(g.dpo), { ...base, school: g.schoolB.id, group: 'Reception team' }, today);
    await reportAs(db, g.trust.id, g.teacherA.id, 'harmful_content');
    // By someone without a line manager: the head teacher is not routed these.
    await reportAs(db, g.trust.id, g.sltA.id, 'data_breach');
    await reportAs(db, g.trust.id, g.sltA.id, 'data_breach');
    await reportAs(db, g.trust.id, g.teacherA.id, 'damage_fault');
    gamma = {
      dpo: await new Agent(t.app).signIn(g.dpo.email),
      head: await new Agent(t.app).signIn(g.headA.email),
      admin: await new Agent(t.app).signIn(g.admin.email),
    };
  });

  test('non-compliance counts by clause, school, role, severity and month, as charts with their tables', async () => {
    const res = await gamma.dpo?.get('/trends');
    assert.equal(res?.statusCode, 200);
    const html = res?.body ?? '';
    assert.match(html, /Non-compliance: 4 records/);
    assert.deepEqual(table(html, 'by-clause'), { '4.2 — Email and Data Policy': 3, 'Agreement statement 1 — Email and Data Policy': 1, Total: 4 });
    assert.deepEqual(table(html, 'by-school'), { 'School A': 3, 'School B': 1, Total: 4 });
    assert.deepEqual(table(html, 'by-role'), { Teacher: 2, 'Head teacher': 1, Group: 1, Total: 4 });
    assert.deepEqual(table(html, 'by-severity'), { Low: 1, Medium: 0, High: 3, Total: 4 });
    const months = table(html, 'by-month');
    assert.equal(Object.keys(months).length, 13, '12 months and the total');
    const thisMonth = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', month: 'long', year: 'numeric' }).format(
      new Date(`${today.slice(0, 7)}-15T12:00:00Z`),
    );
    assert.equal(months[thisMonth], 4);
    assert.equal((html.match(/<svg[^>]*role="img"/g) ?? []).length, 7, 'a chart for each of the five breakdowns and the two concern ones');
    assert.match(html, /aria-label="Bar chart. Non-compliance records by school: School A 3, School B 1."/);

    const head = await gamma.head?.get('/trends');
    assert.deepEqual(table(head?.body ?? '', 'by-school'), { 'School A': 3, Total: 3 }, 'a head teacher counts their school only');
    const filtered = await gamma.dpo?.get(`/trends?school=${g.schoolB.id}`);
    assert.deepEqual(table(filtered?.body ?? '', 'by-role'), { Group: 1, Total: 1 });
    const lastYear = await gamma.dpo?.get(`/trends?year=${Number(today.slice(0, 4)) - 1}`);
    assert.match(lastYear?.body ?? '', /Non-compliance: 0 records/);
  });

  test('concerns are counted only when the reader may open them', async () => {
    const dpo = await gamma.dpo?.get('/trends');
    assert.deepEqual(table(dpo?.body ?? '', 'concerns-by-type'), { 'Personal data breach': 2, Total: 2 }, 'the DPO counts breaches only');
    assert.match(dpo?.body ?? '', /Concerns reported: 2/);
    const head = await gamma.head?.get('/trends');
    const headCounts = table(head?.body ?? '', 'concerns-by-type');
    assert.equal(headCounts.Total, 1, 'the head teacher: the damage report, not the safeguarding or breach ones');
    assert.ok(!Object.keys(headCounts).some((k) => /harmful|breach/i.test(k)));
    const admin = await gamma.admin?.get('/trends');
    assert.match(admin?.body ?? '', /Concerns reported: 1/);
    assert.ok(!/harmful|Personal data breach/i.test(admin?.body ?? ''));
  });
});

test('records, actions and training needs cannot be deleted, even from SQL', async () => {
  const row = await makeRecord(cast.dplA, { summary: 'Never deleted' });
  await assert.rejects(t.app.db.execute(sql`delete from noncompliance where id = ${row.id}`));
  await assert.rejects(t.app.db.execute(sql`delete from action_plan_items where trust_id = ${cast.trust.id}`));
  await assert.rejects(t.app.db.execute(sql`delete from training_needs where trust_id = ${cast.trust.id}`));
  assert.equal((await recordById(row.id)).summary, 'Never deleted');
});
