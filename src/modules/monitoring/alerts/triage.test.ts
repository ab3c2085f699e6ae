import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, asc, eq } from 'drizzle-orm';
import { freshDatabase } from '../../../../test/db.ts';
import { actingAs, makeTrustWithCast } from '../../../../test/factories.ts';
import { type MonitoringCast, makeAlert, monitoringCast } from '../../../../test/monitoring.ts';
import { auditEvents } from '../../../audit/schema.ts';
import type { Database } from '../../../db/client.ts';
import { NotFoundError, ValidationError } from '../../../errors.ts';
import { concernPeople, concernRecipients, concerns } from '../../concerns/schema.ts';
import { alertEntries, alerts } from '../schema.ts';
import { acknowledgeAlert, allowedActions, closeAlert, escalateAlert, escalateForm, openAlert, recordOutcome } from './service.ts';

/** Triage as a state machine: every allowed step and every refused one, with its history entry and audit event. */
let database: Database;
let cast: MonitoringCast;
before(async () => {
  database = await freshDatabase();
  cast = await monitoringCast(database.db, await makeTrustWithCast(database.db));
});
after(() => database.close());

const as = (p: { id: string; trustId: string }) => actingAs(database.db, p, { baseUrl: 'https://countersign.example' });
const load = async (id: string) => {
  const [row] = await database.db.select().from(alerts).where(eq(alerts.id, id));
  assert.ok(row);
  return row;
};
const entries = (id: string) => database.db.select().from(alertEntries).where(eq(alertEntries.alertId, id)).orderBy(asc(alertEntries.at), asc(alertEntries.id));
const audits = (id: string) => database.db.select().from(auditEvents).where(eq(auditEvents.resourceId, id)).orderBy(asc(auditEvents.id));

/** Runs fn and returns the field errors it was refused with. */
async function refused(fn: () => Promise<unknown>): Promise<Record<string, string>> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.fieldErrors;
    throw error;
  }
  assert.fail('expected a ValidationError');
}

describe('opening an alert', () => {
  test('its audience opens it; anyone else, the person it is about and another trust get "not found"', async () => {
    const alert = await makeAlert(database.db, cast);
    assert.equal((await openAlert(await as(cast.dslA), alert.reference)).id, alert.id);
    assert.equal((await openAlert(await as(cast.dslA), alert.reference.toLowerCase())).id, alert.id, 'the reference is not case-sensitive');
    for (const who of [cast.teacherA, cast.headA, cast.admin, cast.itA])
      await assert.rejects(openAlert(await as(who), alert.reference), NotFoundError, who.fullName);
    await assert.rejects(openAlert(await as(cast.dslA), 'A-2099-9999'), NotFoundError);
    await assert.rejects(openAlert(await as(cast.dslA), 'not a reference'), NotFoundError);
    const other = await monitoringCast(database.db, await makeTrustWithCast(database.db, 'beta'));
    await assert.rejects(openAlert(await as(other.dslA), alert.reference), NotFoundError, 'another trust’s DSL');
    // Triage is refused the same way: nothing is written.
    await assert.rejects(acknowledgeAlert(await as(cast.teacherA), alert.reference), NotFoundError);
    await assert.rejects(recordOutcome(await as(cast.headA), alert.reference, { outcome: 'true_positive' }), NotFoundError);
    assert.equal((await load(alert.id)).status, 'open');
    assert.equal((await entries(alert.id)).length, 1);
  });
});

describe('triage', () => {
  test('acknowledge: open → acknowledged, once; the history and the audit name the reference only', async () => {
    const alert = await makeAlert(database.db, cast, { url: 'https://secret.example/very-private-search' });
    assert.deepEqual(allowedActions(alert), { acknowledge: true, outcome: true, escalate: true, close: false });
    const done = await acknowledgeAlert(await as(cast.dslA), alert.reference);
    assert.equal(done.status, 'acknowledged');
    assert.equal(done.acknowledgedBy, cast.dslA.id);
    assert.ok(done.acknowledgedAt);
    assert.deepEqual(allowedActions(done), { acknowledge: false, outcome: true, escalate: true, close: false });
    const errors = await refused(async () => acknowledgeAlert(await as(cast.deputyDslA), alert.reference));
    assert.equal(errors.status, `${alert.reference} is already acknowledged`);
    const history = await entries(alert.id);
    assert.deepEqual(
      history.map((e) => [e.kind, e.by]),
      [
        ['raised', null],
        ['acknowledged', cast.dslA.id],
      ],
    );
    const [audit] = await audits(alert.id);
    assert.equal(audit?.action, 'alert.acknowledged');
    assert.equal(audit?.summary, `Alert ${alert.reference} acknowledged`);
    assert.doesNotMatch(JSON.stringify(await audits(alert.id)), /secret\.example/);
  });

  test('outcome: a choice is needed, a false positive needs a note, notes are limited; it may change until closed', async () => {
    const alert = await makeAlert(database.db, cast);
    const dsl = await as(cast.dslA);
    assert.deepEqual(await refused(() => recordOutcome(dsl, alert.reference, {})), {
      outcome: 'Choose whether it is a true positive or a false positive',
    });
    assert.deepEqual(await refused(() => recordOutcome(dsl, alert.reference, { outcome: 'maybe' })), {
      outcome: 'Choose whether it is a true positive or a false positive',
    });
    assert.deepEqual(await refused(() => recordOutcome(dsl, alert.reference, { outcome: 'false_positive', note: '   ' })), {
      note: 'Say why it is a false positive, so whoever looks after the rule can make it quieter',
    });
    assert.deepEqual(await refused(() => recordOutcome(dsl, alert.reference, { outcome: 'true_positive', note: 'x'.repeat(2001) })), {
      note: 'The note must be 2,000 characters or fewer',
    });
    assert.equal((await load(alert.id)).outcome, null, 'nothing was written');
    assert.equal((await entries(alert.id)).length, 1);

    // A true positive needs no note; the alert stays open (recording an outcome is not acknowledging it).
    const first = await recordOutcome(dsl, alert.reference, { outcome: 'true_positive' });
    assert.equal(first.outcome, 'true_positive');
    assert.equal(first.outcomeNote, null);
    assert.equal(first.status, 'open');
    assert.equal(first.outcomeBy, cast.dslA.id);
    assert.deepEqual(allowedActions(first), { acknowledge: true, outcome: true, escalate: true, close: true });
    // The same again is refused; a change is recorded.
    const again = await refused(() => recordOutcome(dsl, alert.reference, { outcome: 'true_positive' }));
    assert.match(again.outcome ?? '', /already recorded as a true positive/);
    const changed = await recordOutcome(await as(cast.deputyDslA), alert.reference, {
      outcome: 'false_positive',
      note: 'A biology lesson on the circulatory system',
    });
    assert.equal(changed.outcome, 'false_positive');
    assert.equal(changed.outcomeNote, 'A biology lesson on the circulatory system');
    assert.equal(changed.outcomeBy, cast.deputyDslA.id);
    assert.deepEqual(allowedActions(changed), { acknowledge: true, outcome: true, escalate: false, close: true });
    const history = await entries(alert.id);
    assert.deepEqual(
      history.map((e) => e.kind),
      ['raised', 'outcome', 'outcome'],
    );
    assert.equal(
      history[2]?.text,
      'Outcome changed from True positive: a real concern to False positive: nothing of concern.\nNote: A biology lesson on the circulatory system',
    );
    const audit = await audits(alert.id);
    assert.deepEqual(
      audit.map((a) => [a.action, a.summary]),
      [
        ['alert.outcome', `Outcome recorded for alert ${alert.reference}: a true positive`],
        ['alert.outcome', `Outcome recorded for alert ${alert.reference}: a false positive`],
      ],
    );
    assert.doesNotMatch(JSON.stringify(audit), /biology/, 'the note stays out of the audit log');
  });

  test('close: needs an outcome first (from open or acknowledged), takes an optional note, and closed is final', async () => {
    const alert = await makeAlert(database.db, cast);
    const dsl = await as(cast.dslA);
    assert.deepEqual(await refused(() => closeAlert(dsl, alert.reference, {})), {
      outcome: `Record whether ${alert.reference} is a true or false positive before closing it`,
    });
    await recordOutcome(dsl, alert.reference, { outcome: 'false_positive', note: 'Shared classroom computer, a lesson on safety' });
    assert.deepEqual(await refused(() => closeAlert(dsl, alert.reference, { closeNote: 'y'.repeat(2001) })), {
      closeNote: 'The closing note must be 2,000 characters or fewer',
    });
    assert.equal((await load(alert.id)).status, 'open');
    const closed = await closeAlert(dsl, alert.reference, { closeNote: 'Rule to be narrowed' });
    assert.equal(closed.status, 'closed');
    assert.equal(closed.closedBy, cast.dslA.id);
    assert.deepEqual(allowedActions(closed), { acknowledge: false, outcome: false, escalate: false, close: false });
    const last = (await entries(alert.id)).at(-1);
    assert.equal(last?.kind, 'closed');
    assert.equal(last?.text, 'Closed.\nNote: Rule to be narrowed');

    const entryCount = (await entries(alert.id)).length;
    const message = `${alert.reference} is closed. A closed alert cannot be changed`;
    assert.deepEqual(await refused(() => acknowledgeAlert(dsl, alert.reference)), { status: message });
    assert.deepEqual(await refused(() => recordOutcome(dsl, alert.reference, { outcome: 'true_positive' })), { status: message });
    assert.deepEqual(await refused(() => closeAlert(dsl, alert.reference, {})), { status: message });
    assert.deepEqual(await refused(() => escalateAlert(dsl, alert.reference, { type: 'harmful_content', what: 'x' })), { status: message });
    const after = await load(alert.id);
    assert.equal(after.outcome, 'false_positive');
    assert.equal((await entries(alert.id)).length, entryCount, 'nothing more was written');
  });

  test('acknowledged, then outcome, then closed: the usual path', async () => {
    const alert = await makeAlert(database.db, cast, { severity: 'medium' });
    const dsl = await as(cast.trustDsl);
    await acknowledgeAlert(dsl, alert.reference);
    await recordOutcome(dsl, alert.reference, { outcome: 'true_positive', note: 'Spoke to them' });
    const closed = await closeAlert(dsl, alert.reference, {});
    assert.equal(closed.status, 'closed');
    assert.deepEqual(
      (await entries(alert.id)).map((e) => e.kind),
      ['raised', 'acknowledged', 'outcome', 'closed'],
    );
    assert.deepEqual(
      (await audits(alert.id)).map((a) => a.action),
      ['alert.acknowledged', 'alert.outcome', 'alert.closed'],
    );
  });

  test('two triagers acknowledging at once: one succeeds, the other is told it is already acknowledged, one history entry', async () => {
    const alert = await makeAlert(database.db, cast);
    const results = await Promise.allSettled([
      acknowledgeAlert(await as(cast.dslA), alert.reference),
      acknowledgeAlert(await as(cast.deputyDslA), alert.reference),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const rejected = results.find((r) => r.status === 'rejected');
    assert.ok(rejected && rejected.status === 'rejected' && rejected.reason instanceof ValidationError);
    assert.equal(rejected.reason.fieldErrors.status, `${alert.reference} is already acknowledged`);
    assert.equal((await entries(alert.id)).filter((e) => e.kind === 'acknowledged').length, 1);
    assert.equal((await audits(alert.id)).length, 1);
  });
});

describe('escalation', () => {
  test('creates a concern of the chosen type, reported by the triager, with the person linked; the alert closes as a true positive', async () => {
    const alert = await makeAlert(database.db, cast, { url: 'https://search.example/?q=ways+to+self+harm' });
    const form = await escalateForm(await as(cast.dslA), alert.reference);
    assert.equal(form.allowed, true);
    assert.equal(form.needsSchool, false);
    assert.ok(form.types.includes('harmful_content') && form.types.includes('cyberbullying') && form.types.includes('staff_conduct'));
    assert.match(form.what, new RegExp(`Raised from monitoring alert ${alert.reference} \\(Web filter\\) about Tess Teacher`));
    assert.match(form.what, /Category: Self-harm and suicide\. Rule: Self-harm\. Severity: High\./);
    assert.match(form.what, /https:\/\/search\.example\/\?q=ways\+to\+self\+harm/);

    const { alert: closed, concern } = await escalateAlert(await as(cast.dslA), alert.reference, {
      type: 'cyberbullying',
      what: `${form.what}\nSpoke to the head.`,
    });
    assert.equal(closed.status, 'closed');
    assert.equal(closed.outcome, 'true_positive');
    assert.equal(closed.concernId, concern.id);
    assert.equal(closed.closedBy, cast.dslA.id);
    const [row] = await database.db.select().from(concerns).where(eq(concerns.id, concern.id));
    assert.ok(row);
    assert.equal(row.type, 'cyberbullying');
    assert.equal(row.reporterId, cast.dslA.id);
    assert.equal(row.schoolId, cast.schoolA.id);
    assert.equal(row.occurredAt.getTime(), alert.firstEventAt.getTime());
    assert.match(row.what, /Spoke to the head\./);
    const linked = await database.db.select().from(concernPeople).where(eq(concernPeople.concernId, concern.id));
    assert.deepEqual(
      linked.map((l) => [l.personId, l.part]),
      [[cast.teacherA.id, 'affected']],
    );
    const routed = await database.db.select().from(concernRecipients).where(eq(concernRecipients.concernId, concern.id));
    assert.ok(
      routed.some((r) => r.personId === cast.deputyDslA.id),
      'routed to the DSL team like any report',
    );
    const last = (await entries(alert.id)).at(-1);
    assert.equal(last?.kind, 'escalated');
    assert.match(last?.text ?? '', new RegExp(`Escalated to concern ${concern.reference} \\(Cyberbullying\\)`));
    const audit = (await audits(alert.id)).at(-1);
    assert.equal(audit?.action, 'alert.escalated');
    assert.equal(audit?.summary, `Alert ${alert.reference} escalated to concern ${concern.reference}`);
    // Closed: no second escalation.
    const again = await refused(async () => escalateAlert(await as(cast.dslA), alert.reference, { type: 'harmful_content', what: 'again' }));
    assert.match(again.status ?? '', /is closed/);
    assert.equal((await escalateForm(await as(cast.dslA), alert.reference)).allowed, false);
  });

  test('a staff-conduct concern links the person as its subject', async () => {
    const alert = await makeAlert(database.db, cast, { audience: 'head_teacher' });
    const { concern } = await escalateAlert(await as(cast.headA), alert.reference, { type: 'staff_conduct', what: 'Searches on a school laptop' });
    const linked = await database.db.select().from(concernPeople).where(eq(concernPeople.concernId, concern.id));
    assert.deepEqual(
      linked.map((l) => [l.personId, l.part]),
      [[cast.teacherA.id, 'subject']],
    );
    const [row] = await database.db.select().from(concerns).where(eq(concerns.id, concern.id));
    assert.equal(row?.type, 'staff_conduct');
  });

  test('refused for a false positive, for a missing type or text, and for staff conduct with nobody from the directory', async () => {
    const dsl = await as(cast.dslA);
    const fp = await makeAlert(database.db, cast);
    await recordOutcome(dsl, fp.reference, { outcome: 'false_positive', note: 'Lesson material' });
    const errors = await refused(() => escalateAlert(dsl, fp.reference, { type: 'harmful_content', what: 'x' }));
    assert.match(errors.status ?? '', new RegExp(`${fp.reference} is recorded as a false positive, so it cannot be escalated`));
    assert.equal((await escalateForm(dsl, fp.reference)).allowed, false);

    const pupil = await makeAlert(database.db, cast, { personId: null, username: 'pupil.seven' });
    assert.deepEqual(await refused(() => escalateAlert(dsl, pupil.reference, { what: '  ' })), {
      type: 'Choose the type of concern',
      what: 'Say what happened',
    });
    assert.deepEqual(await refused(() => escalateAlert(dsl, pupil.reference, { type: 'damage_fault', what: 'x' })), { type: 'Choose the type of concern' });
    const staff = await refused(() => escalateAlert(dsl, pupil.reference, { type: 'staff_conduct', what: 'x' }));
    assert.match(staff.type ?? '', /needs the member of staff from the directory/);
    assert.ok(!(await escalateForm(dsl, pupil.reference)).types.includes('staff_conduct'), 'not offered without a person');
    assert.equal((await load(pupil.id)).status, 'open');
    const before = await database.db.select().from(concerns).where(eq(concerns.trustId, cast.trust.id));

    // An unmatched username is still escalated: nobody linked, the username in the text.
    const { concern } = await escalateAlert(dsl, pupil.reference, { type: 'harmful_content', what: (await escalateForm(dsl, pupil.reference)).what });
    const [row] = await database.db.select().from(concerns).where(eq(concerns.id, concern.id));
    assert.match(row?.what ?? '', /about the username pupil\.seven/);
    assert.equal((await database.db.select().from(concernPeople).where(eq(concernPeople.concernId, concern.id))).length, 0);
    assert.equal((await database.db.select().from(concerns).where(eq(concerns.trustId, cast.trust.id))).length, before.length + 1);
  });

  test('a trust-wide alert takes the person’s only school, else asks which school', async () => {
    const dsl = await as(cast.trustDsl);
    const withPerson = await makeAlert(database.db, cast, { schoolId: null });
    assert.equal((await escalateForm(dsl, withPerson.reference)).needsSchool, false);
    const { concern } = await escalateAlert(dsl, withPerson.reference, { type: 'harmful_content', what: 'Found by the trust filter' });
    const [row] = await database.db.select().from(concerns).where(eq(concerns.id, concern.id));
    assert.equal(row?.schoolId, cast.schoolA.id);

    const nobody = await makeAlert(database.db, cast, { schoolId: null, personId: null, username: 'guest.wifi' });
    const form = await escalateForm(dsl, nobody.reference);
    assert.equal(form.needsSchool, true);
    assert.deepEqual(
      form.schools.map((s) => s.name),
      ['School A', 'School B'],
    );
    assert.deepEqual(await refused(() => escalateAlert(dsl, nobody.reference, { type: 'harmful_content', what: 'x' })), {
      schoolId: 'Choose the school the concern is for',
    });
    const other = await makeTrustWithCast(database.db);
    assert.deepEqual(await refused(() => escalateAlert(dsl, nobody.reference, { type: 'harmful_content', what: 'x', schoolId: other.schoolA.id })), {
      schoolId: 'Choose the school the concern is for',
    });
    const done = await escalateAlert(dsl, nobody.reference, { type: 'harmful_content', what: 'Guest network', schoolId: cast.schoolB.id });
    const [second] = await database.db
      .select()
      .from(concerns)
      .where(and(eq(concerns.trustId, cast.trust.id), eq(concerns.id, done.concern.id)));
    assert.equal(second?.schoolId, cast.schoolB.id);
  });
});
