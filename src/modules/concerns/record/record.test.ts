import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, asc, eq, like, sql } from 'drizzle-orm';
import { Agent, createTestApp, type TestApp } from '../../../../test/app.ts';
import { type ConcernCast, concernCast, reportAs } from '../../../../test/concerns.ts';
import { actingAs, makePerson, makeTrustWithCast } from '../../../../test/factories.ts';
import { auditEvents } from '../../../audit/schema.ts';
import { ValidationError } from '../../../errors.ts';
import { londonToday } from '../../../ui/format.ts';
import { addDays } from '../../acknowledgements/service.ts';
import { outbox } from '../../notifications/schema.ts';
import { concernActions, concernAttachments, concernEntries, concernPeople, concerns, recordViews } from '../schema.ts';
import { moveStatus } from './service.ts';

let t: TestApp;
let c: ConcernCast;
let beta: ConcernCast;
let dsl: Agent;
let deputyDsl: Agent;
let teacher: Agent;
let it: Agent;
let betaDsl: Agent;

before(async () => {
  t = await createTestApp();
  c = await concernCast(t.app.db, await makeTrustWithCast(t.app.db, 'alpha'));
  beta = await concernCast(t.app.db, await makeTrustWithCast(t.app.db, 'beta'));
  dsl = await new Agent(t.app).signIn(c.dslA.email);
  deputyDsl = await new Agent(t.app).signIn(c.deputyDslA.email);
  teacher = await new Agent(t.app).signIn(c.teacherA.email);
  it = await new Agent(t.app).signIn(c.itA.email);
  betaDsl = await new Agent(t.app).signIn(beta.dslA.email);
});
after(() => t.close());

/** A service context acting as a person of the cast. */
const as = (person: { id: string; trustId: string }) => actingAs(t.app.db, person, { baseUrl: 'http://localhost', ip: '203.0.113.9' });

const report = (type: Parameters<typeof reportAs>[3] = 'cyberbullying', extra: Parameters<typeof reportAs>[4] = {}) =>
  reportAs(t.app.db, c.trust.id, c.teacherA.id, type, { what: `Messages sent to a pupil in year 8 (${type})`, ...extra });

const load = async (id: string) => {
  const [row] = await t.app.db
    .select()
    .from(concerns)
    .where(and(eq(concerns.trustId, c.trust.id), eq(concerns.id, id)));
  assert.ok(row);
  return row;
};
const entriesOf = (id: string) =>
  t.app.db
    .select()
    .from(concernEntries)
    .where(and(eq(concernEntries.trustId, c.trust.id), eq(concernEntries.concernId, id)))
    .orderBy(asc(concernEntries.seq));
const auditOf = (id: string) =>
  t.app.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.trustId, c.trust.id), eq(auditEvents.resourceId, id)));

describe('status moves', () => {
  test('one step at a time: a skip is refused with a clear message and nothing is written', async () => {
    const { id, reference } = await report();
    const [entriesBefore, auditBefore] = [(await entriesOf(id)).length, (await auditOf(id)).length];
    const forms: Record<string, string>[] = [
      { to: 'closed', outcome: 'no_further_action', rationale: 'Nothing to it', confirm: 'yes' },
      { to: 'in_progress' },
      { to: 'new' },
    ];
    for (const form of forms) {
      const res = await dsl.post(`/concerns/${reference}/status`, form);
      assert.equal(res.statusCode, 422, form.to);
      assert.match(res.body, /one step at a time|already new/);
    }
    const refused = await dsl.post(`/concerns/${reference}/status`, { to: 'closed', outcome: 'no_further_action', rationale: 'x', confirm: 'yes' });
    assert.match(refused.body, new RegExp(`${reference} is new, so it cannot be moved to closed: it can only move to acknowledged next`));
    assert.equal((await load(id)).status, 'new');
    assert.equal((await entriesOf(id)).length, entriesBefore);
    assert.equal((await auditOf(id)).length, auditBefore);
    await assert.rejects(moveStatus(await as(c.dslA), reference, { to: 'closed', outcome: 'fixed', rationale: 'x' }), ValidationError);
    assert.equal((await load(id)).status, 'new');
  });

  test('acknowledge, in progress, close with an outcome and reasons after a confirmation, reopen with a reason', async () => {
    const { id, reference } = await report();
    const ack = await dsl.post(`/concerns/${reference}/status`, { to: 'acknowledged' });
    assert.equal(ack.statusCode, 303);
    assert.equal(ack.headers.location, `/concerns/${reference}`);
    assert.match((await dsl.get(`/concerns/${reference}`)).body, new RegExp(`${reference} is now acknowledged`));
    assert.equal((await dsl.post(`/concerns/${reference}/status`, { to: 'in_progress' })).statusCode, 303);
    assert.equal((await load(id)).status, 'in_progress');

    // Closing needs an outcome and the reasons.
    const empty = await dsl.post(`/concerns/${reference}/status`, { to: 'closed' });
    assert.equal(empty.statusCode, 422);
    assert.match(empty.body, /Choose the outcome/);
    assert.match(empty.body, /Give the reasons for the decision, including a decision not to refer/);
    assert.equal((await load(id)).status, 'in_progress');

    // The confirmation page says what will happen, and nothing has happened yet.
    const rationale = 'Spoke to both pupils and parents; threshold for a referral to social care not met. Monitoring for 4 weeks.';
    const check = await dsl.post(`/concerns/${reference}/status`, { to: 'closed', outcome: 'resolved_in_school', rationale });
    assert.equal(check.statusCode, 200);
    assert.match(check.body, /Check before you close it/);
    assert.match(check.body, new RegExp(`Closing ${reference} will:`));
    assert.match(check.body, /Resolved in school/);
    assert.equal((await load(id)).status, 'in_progress');
    // "Change the answers" goes back to the form with what was typed.
    const change = await dsl.post(`/concerns/${reference}/status`, { to: 'closed', outcome: 'resolved_in_school', rationale, confirm: 'change' });
    assert.match(change.body, /Spoke to both pupils and parents/);
    assert.equal((await load(id)).status, 'in_progress');

    const closed = await dsl.post(`/concerns/${reference}/status`, { to: 'closed', outcome: 'resolved_in_school', rationale, confirm: 'yes' });
    assert.equal(closed.statusCode, 303);
    const row = await load(id);
    assert.equal(row.status, 'closed');
    assert.equal(row.outcome, 'resolved_in_school');
    assert.equal(row.rationale, rationale);
    assert.equal(row.closedBy, c.dslA.id);
    assert.ok(row.closedAt);
    const entries = await entriesOf(id);
    assert.deepEqual(
      entries.map((e) => e.kind),
      ['reported', 'status', 'status', 'outcome'],
    );
    assert.match(entries.at(-1)?.text ?? '', /Outcome: Resolved in school/);
    assert.match(entries.at(-1)?.text ?? '', /threshold for a referral/);
    const page = await dsl.get(`/concerns/${reference}`);
    assert.match(page.body, /Reasons for the decision/);
    assert.match(page.body, /Reopen/);

    // Reopening needs a reason.
    assert.equal((await dsl.get(`/concerns/${reference}/reopen`)).statusCode, 200);
    const noReason = await dsl.post(`/concerns/${reference}/status`, { to: 'in_progress' });
    assert.equal(noReason.statusCode, 422);
    assert.match(noReason.body, /Say why the concern is being reopened/);
    assert.equal((await load(id)).status, 'closed');
    assert.equal((await dsl.post(`/concerns/${reference}/status`, { to: 'in_progress', reason: 'A second pupil has come forward' })).statusCode, 303);
    const reopened = await load(id);
    assert.equal(reopened.status, 'in_progress');
    assert.equal(reopened.outcome, null);
    assert.equal(reopened.closedAt, null);
    const last = (await entriesOf(id)).at(-1);
    assert.equal(last?.kind, 'reopened');
    assert.match(last?.text ?? '', /A second pupil has come forward/);
    assert.equal((last?.data as { previousOutcome?: string })?.previousOutcome, 'resolved_in_school');

    // The audit trail names the reference and the statuses, never the details.
    const audit = await auditOf(id);
    assert.deepEqual(
      audit.map((a) => a.action).sort(),
      ['concern.closed', 'concern.reported', 'concern.status_changed', 'concern.status_changed', 'concern.status_changed'].sort(),
    );
    for (const a of audit) {
      const all = JSON.stringify(a);
      assert.doesNotMatch(all, /pupil|threshold|social care|Resolved in school|resolved_in_school/i, a.summary);
    }
  });

  test('the reporter, and people who cannot open it, cannot change it', async () => {
    const { id, reference } = await report();
    assert.equal((await teacher.post(`/concerns/${reference}/status`, { to: 'acknowledged' })).statusCode, 404);
    assert.equal((await it.post(`/concerns/${reference}/status`, { to: 'acknowledged' })).statusCode, 404);
    assert.equal((await teacher.post(`/concerns/${reference}/notes`, { note: 'Let me in' })).statusCode, 404);
    assert.equal((await load(id)).status, 'new');
    assert.equal((await entriesOf(id)).length, 1);
  });
});

describe('the chronology', () => {
  test('the database refuses to edit or delete an entry, or to delete a concern', async () => {
    const { id } = await report();
    const [entry] = await entriesOf(id);
    assert.ok(entry);
    const because = (reason: RegExp) => (error: Error & { cause?: Error }) => {
      assert.match(String(error.cause?.message ?? error.message), reason);
      return true;
    };
    await assert.rejects(t.app.db.execute(sql`update concern_entries set text = 'Nothing happened' where id = ${entry.id}`), because(/append-only/));
    await assert.rejects(t.app.db.execute(sql`delete from concern_entries where id = ${entry.id}`), because(/append-only/));
    await assert.rejects(t.app.db.execute(sql`delete from concerns where id = ${id}`), because(/never deleted/));
    assert.equal((await entriesOf(id))[0]?.text, entry.text);
  });

  test('notes are added; a correction is a new entry naming the one it corrects, and the original stays', async () => {
    const { id, reference } = await report();
    const empty = await dsl.post(`/concerns/${reference}/notes`, { note: '   ' });
    assert.equal(empty.statusCode, 422);
    assert.match(empty.body, /Write the note/);
    const noted = await dsl.post(`/concerns/${reference}/notes`, { note: 'Spoke to Jo Bloggs (year 8) at 10:15.' });
    assert.equal(noted.statusCode, 303);
    assert.equal(noted.headers.location, `/concerns/${reference}#entry-2`);

    const form = await dsl.get(`/concerns/${reference}/corrections?seq=2`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /Correct entry 2/);
    const looked = await t.app.db.select().from(recordViews).where(eq(recordViews.resourceId, id));
    assert.ok(
      looked.some((v) => v.what === 'correction page for entry 2' && v.personId === c.dslA.id),
      'the page shows the entry, so it is logged',
    );
    assert.match(form.body, /Spoke to Jo Bloggs \(year 8\) at 10:15\./);
    const missing = await dsl.post(`/concerns/${reference}/corrections`, { seq: '99', text: 'Wrong one' });
    assert.equal(missing.statusCode, 422);
    assert.match(missing.body, new RegExp(`There is no entry 99 in the chronology of ${reference}`));
    const corrected = await dsl.post(`/concerns/${reference}/corrections`, { seq: '2', text: 'It was 11:15, not 10:15 (timetable checked).' });
    assert.equal(corrected.statusCode, 303);

    const entries = await entriesOf(id);
    assert.equal(entries.length, 3);
    assert.equal(entries[1]?.text, 'Spoke to Jo Bloggs (year 8) at 10:15.');
    assert.equal(entries[2]?.kind, 'correction');
    assert.equal(entries[2]?.correctsSeq, 2);
    assert.equal(entries[2]?.authorId, c.dslA.id);
    const page = await dsl.get(`/concerns/${reference}`);
    assert.match(page.body, /Corrects <a href="#entry-2">entry 2<\/a>/);
    assert.match(page.body, /Corrected<\/strong> See/);
    assert.match(page.body, /Spoke to Jo Bloggs \(year 8\) at 10:15\./);
  });
});

describe('linking people', () => {
  test('a person from the directory is linked with their part and a chronology entry; unknown, other-trust and repeated people are refused', async () => {
    const { id, reference } = await report();
    const form = await dsl.get(`/concerns/${reference}/people/new`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, new RegExp(`<option value="${c.teacherB.fullName} \\(${c.teacherB.email}\\)"`));
    const before = await t.app.db.select().from(concernPeople).where(eq(concernPeople.concernId, id));
    for (const [fields, field, message] of [
      [{ person: '', part: 'witness' }, 'person', /Choose a person from the directory/],
      [{ person: 'Nobody Known', part: 'witness' }, 'person', /could not find &quot;Nobody Known&quot;/],
      [{ person: beta.teacherB.email, part: 'witness' }, 'person', /could not find/],
      [{ person: c.teacherB.email, part: 'bystander' }, 'part', /Choose their part/],
    ] as const) {
      const res = await dsl.post(`/concerns/${reference}/people`, fields);
      assert.equal(res.statusCode, 422, JSON.stringify(fields));
      assert.match(res.body, new RegExp(`href="#f-${field}"`));
      assert.match(res.body, message);
    }
    assert.deepEqual(await t.app.db.select().from(concernPeople).where(eq(concernPeople.concernId, id)), before, 'nothing stored');
    const linked = await dsl.post(`/concerns/${reference}/people`, { person: `${c.teacherB.fullName} (${c.teacherB.email})`, part: 'witness' });
    assert.equal(linked.statusCode, 303);
    const rows = await t.app.db
      .select()
      .from(concernPeople)
      .where(and(eq(concernPeople.concernId, id), eq(concernPeople.personId, c.teacherB.id)));
    assert.equal(rows[0]?.part, 'witness');
    const entries = await entriesOf(id);
    assert.equal(entries.at(-1)?.kind, 'person_linked');
    assert.match(entries.at(-1)?.text ?? '', new RegExp(`${c.teacherB.fullName} linked: Saw or heard it`));
    const again = await dsl.post(`/concerns/${reference}/people`, { person: c.teacherB.email, part: 'affected' });
    assert.equal(again.statusCode, 422);
    assert.match(again.body, /is already linked/);
    assert.equal((await teacher.post(`/concerns/${reference}/people`, { person: c.sltA.email, part: 'witness' })).statusCode, 404, 'the reporter cannot');
    assert.equal((await betaDsl.get(`/concerns/${reference}/people/new`)).statusCode, 404, 'another trust');
  });
});

describe('assigning and actions', () => {
  test('assign only to someone who can open it; they are emailed a link without details', async () => {
    const { id, reference } = await report();
    const form = await dsl.get(`/concerns/${reference}/assign`);
    assert.equal(form.statusCode, 200);
    for (const name of ['Dee Dsl', 'Dev Deputy-Dsl', 'Tara Trust-Dsl']) assert.match(form.body, new RegExp(name));
    for (const name of ['Hal Head', 'Ada Admin', 'Ivy It', 'Tess Teacher']) assert.doesNotMatch(form.body, new RegExp(`>${name}`));

    const refused = await dsl.post(`/concerns/${reference}/assign`, { assignee: c.itA.id });
    assert.equal(refused.statusCode, 422);
    assert.match(refused.body, /That person cannot open this concern, so it cannot be assigned to them/);
    assert.equal((await load(id)).assigneeId, null);
    assert.equal((await entriesOf(id)).length, 1);

    const done = await dsl.post(`/concerns/${reference}/assign`, { assignee: c.deputyDslA.id });
    assert.equal(done.statusCode, 303);
    assert.equal((await load(id)).assigneeId, c.deputyDslA.id);
    assert.match((await entriesOf(id)).at(-1)?.text ?? '', /Assigned to Dev Deputy-Dsl/);
    const [email] = await t.app.db
      .select()
      .from(outbox)
      .where(like(outbox.dedupeKey, `concern:${id}:assigned:%`));
    assert.equal(email?.toAddress, c.deputyDslA.email);
    assert.match(email?.textBody ?? '', new RegExp(`/concerns/${reference}`));
    assert.doesNotMatch(`${email?.subject} ${email?.textBody}`, /pupil|Cyberbullying/i);
    const [audit] = (await auditOf(id)).filter((a) => a.action === 'concern.assigned');
    assert.equal(audit?.summary, `Concern ${reference} assigned`);

    const unassigned = await dsl.post(`/concerns/${reference}/assign`, { assignee: 'none' });
    assert.equal(unassigned.statusCode, 303);
    assert.equal((await load(id)).assigneeId, null);
  });

  test('a report about staff is never assigned to the person it is about, whatever their role', async () => {
    const subject = await makePerson(t.app.db, c.trust.id, { name: 'Hugo Hr-Subject', email: 'hr2@alpha.example', roles: [['hr_lead', 'trust']] });
    const { reference } = await report('staff_conduct', { people: [{ ref: subject.email, part: 'subject', field: 'person1' }] });
    const head = await new Agent(t.app).signIn(c.headA.email);
    const form = await head.get(`/concerns/${reference}/assign`);
    assert.match(form.body, /Hana Hr/);
    assert.doesNotMatch(form.body, /Hugo Hr-Subject/);
    const refused = await head.post(`/concerns/${reference}/assign`, { assignee: subject.id });
    assert.equal(refused.statusCode, 422);
    assert.equal((await (await new Agent(t.app).signIn(subject.email)).get(`/concerns/${reference}`)).statusCode, 404);
  });

  test('actions have an owner who can open the concern and a due date; done is recorded once', async () => {
    const { id, reference } = await report();
    const form = await dsl.get(`/concerns/${reference}/actions/new`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /Dev Deputy-Dsl/);
    const due = addDays(londonToday(), 3);
    const [y, m, d] = due.split('-');
    const dueParts = { 'dueOn-day': d as string, 'dueOn-month': m as string, 'dueOn-year': y as string };

    const bad = await dsl.post(`/concerns/${reference}/actions`, { text: '', owner: c.itA.id, 'dueOn-day': '1', 'dueOn-month': '1', 'dueOn-year': '2020' });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /Say what needs to be done/);
    assert.match(bad.body, /That person cannot open this concern/);
    assert.match(bad.body, /The due date must be today or in the future/);
    assert.equal((await t.app.db.select().from(concernActions).where(eq(concernActions.concernId, id))).length, 0);

    const added = await dsl.post(`/concerns/${reference}/actions`, { text: 'Speak to the parents', owner: c.deputyDslA.id, ...dueParts });
    assert.equal(added.statusCode, 303);
    const [action] = await t.app.db.select().from(concernActions).where(eq(concernActions.concernId, id));
    assert.equal(action?.ownerId, c.deputyDslA.id);
    assert.equal(action?.dueOn, due);
    assert.equal((await entriesOf(id)).at(-1)?.kind, 'action_added');
    const [email] = await t.app.db
      .select()
      .from(outbox)
      .where(eq(outbox.dedupeKey, `concern-action:${action?.id}`));
    assert.equal(email?.toAddress, c.deputyDslA.email);
    assert.doesNotMatch(email?.textBody ?? '', /parents/);
    const page = await deputyDsl.get(`/concerns/${reference}`);
    assert.match(page.body, /Speak to the parents/);
    assert.match(page.body, /due in 3 days/);

    assert.equal((await deputyDsl.post(`/concerns/${reference}/actions/${action?.id}/done`)).statusCode, 303);
    const [doneAction] = await t.app.db.select().from(concernActions).where(eq(concernActions.concernId, id));
    assert.ok(doneAction?.doneAt);
    assert.equal(doneAction?.doneBy, c.deputyDslA.id);
    assert.equal((await entriesOf(id)).at(-1)?.kind, 'action_done');
    const again = await deputyDsl.post(`/concerns/${reference}/actions/${action?.id}/done`);
    assert.equal(again.statusCode, 422);
    assert.match(again.body, /That action is already done/);
    assert.equal((await entriesOf(id)).filter((e) => e.kind === 'action_done').length, 1);
  });
});

describe('attachments', () => {
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n');

  test('a file added later is hashed, listed, downloaded as an attachment, and the download is logged', async () => {
    const { id, reference } = await report();
    const none = await dsl.upload(`/concerns/${reference}/attachments`, []);
    assert.equal(none.statusCode, 422);
    assert.match(none.body, /Choose a file to attach/);
    const exe = await dsl.upload(`/concerns/${reference}/attachments`, { field: 'attachments', name: 'photo.pdf', content: Buffer.from('MZ\x90\x00rest') });
    assert.equal(exe.statusCode, 422);
    assert.match(exe.body, /photo\.pdf is a program/);

    const res = await dsl.upload(`/concerns/${reference}/attachments`, {
      field: 'attachments',
      name: 'screenshot notes.pdf',
      content: pdf,
      type: 'application/pdf',
    });
    assert.equal(res.statusCode, 303);
    const [file] = await t.app.db.select().from(concernAttachments).where(eq(concernAttachments.concernId, id));
    assert.ok(file);
    const sha = (await import('node:crypto')).createHash('sha256').update(pdf).digest('hex');
    assert.equal(file.sha256, sha);
    assert.equal(file.contentType, 'application/pdf');
    await assert.rejects(t.app.db.execute(sql`delete from concern_attachments where id = ${file.id}`), (error: Error & { cause?: Error }) =>
      /append-only/.test(String(error.cause?.message ?? error.message)),
    );
    const entry = (await entriesOf(id)).at(-1);
    assert.equal(entry?.kind, 'attachment');
    assert.match(entry?.text ?? '', new RegExp(sha));
    const page = await dsl.get(`/concerns/${reference}`);
    assert.match(page.body, new RegExp(sha));
    assert.match(page.body, new RegExp(`/concerns/${reference}/attachments/${file.id}`));

    const viewsBefore = await t.app.db.select().from(recordViews).where(eq(recordViews.resourceId, id));
    const download = await deputyDsl.get(`/concerns/${reference}/attachments/${file.id}`);
    assert.equal(download.statusCode, 200);
    assert.equal(download.headers['content-type'], 'application/pdf');
    assert.equal(download.headers['x-content-type-options'], 'nosniff');
    assert.match(String(download.headers['content-disposition']), /^attachment; filename="screenshot notes\.pdf"/);
    assert.deepEqual(download.rawPayload, pdf);
    const viewsAfter = await t.app.db.select().from(recordViews).where(eq(recordViews.resourceId, id));
    assert.equal(viewsAfter.length, viewsBefore.length + 1);
    assert.equal(viewsAfter.find((v) => v.what.startsWith('attachment'))?.what, 'attachment: screenshot notes.pdf');
    assert.equal(viewsAfter.find((v) => v.what.startsWith('attachment'))?.personId, c.deputyDslA.id);

    // Someone who cannot open the concern cannot download its files; the reporter neither.
    assert.equal((await it.get(`/concerns/${reference}/attachments/${file.id}`)).statusCode, 404);
    assert.equal((await teacher.get(`/concerns/${reference}/attachments/${file.id}`)).statusCode, 404);
  });

  test('suspected illegal content takes no attachments', async () => {
    const { id, reference } = await report('illegal_content');
    assert.match((await dsl.get(`/concerns/${reference}/attachments/new`)).body, /Do not attach copies of suspected illegal content/);
    const res = await dsl.upload(`/concerns/${reference}/attachments`, { field: 'attachments', name: 'evidence.pdf', content: pdf });
    assert.equal(res.statusCode, 422);
    assert.equal((await t.app.db.select().from(concernAttachments).where(eq(concernAttachments.concernId, id))).length, 0);
  });
});

describe('forged and foreign requests', () => {
  test('a post without the CSRF token is refused and writes nothing', async () => {
    const { id, reference } = await report();
    const res = await dsl.post(`/concerns/${reference}/notes`, { note: 'Forged' }, { csrf: false });
    assert.equal(res.statusCode, 403);
    const status = await dsl.post(`/concerns/${reference}/status`, { to: 'acknowledged' }, { csrf: 'not-the-token' });
    assert.equal(status.statusCode, 403);
    assert.equal((await entriesOf(id)).length, 1);
    assert.equal((await load(id)).status, 'new');
  });

  test("another trust's concern is not found, even where a reference of the same number exists there", async () => {
    const { reference: betaRef } = await reportAs(t.app.db, beta.trust.id, beta.teacherA.id, 'cyberbullying', { what: 'Beta trust report' });
    const { id, reference } = await report('cyberbullying', { what: 'Alpha only report' });
    assert.notEqual(reference, betaRef, 'alpha has more concerns than beta by now');
    const page = await betaDsl.get(`/concerns/${reference}`);
    assert.equal(page.statusCode, 404);
    assert.doesNotMatch(page.body, /Alpha only report/);
    assert.equal((await betaDsl.post(`/concerns/${reference}/status`, { to: 'acknowledged' })).statusCode, 404);
    assert.equal((await betaDsl.post(`/concerns/${reference}/notes`, { note: 'x' })).statusCode, 404);
    assert.equal((await load(id)).status, 'new');
    // Beta's own concern with a number alpha also uses opens their record, not alpha's.
    const own = await betaDsl.get(`/concerns/${betaRef}`);
    assert.equal(own.statusCode, 200);
    assert.match(own.body, /Beta trust report/);
    assert.doesNotMatch(own.body, /Messages sent to a pupil/);
  });
});
