import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse as parseCsv } from 'csv-parse/sync';
import { and, desc, eq } from 'drizzle-orm';
import { Agent, createTestApp, type TestApp } from '../../../../test/app.ts';
import { reportAs } from '../../../../test/concerns.ts';
import { actingAs, makePerson, makeTrustWithCast, systemCtx } from '../../../../test/factories.ts';
import { type MonitoringCast, makeAlert, monitoringCast } from '../../../../test/monitoring.ts';
import { publishedPolicy } from '../../../../test/policies.ts';
import { auditEvents } from '../../../audit/schema.ts';
import { formatDate, londonToday } from '../../../ui/format.ts';
import { assignments } from '../../acknowledgements/schema.ts';
import { addDays, createCampaign, signAssignment } from '../../acknowledgements/service.ts';
import { moveStatus } from '../../concerns/record/service.ts';
import { concerns } from '../../concerns/schema.ts';
import { alerts, enhancedMonitoring } from '../schema.ts';
import { acknowledgeAlert, closeAlert, recordOutcome } from './service.ts';

/*
 * The pages over HTTP: who sees which alerts (list, page, CSV, dashboard), the alert page with the
 * person's agreements and open concerns, the triage forms, the list's filters and CSV, the
 * dashboard's numbers and the home page's line.
 */
let t: TestApp;
let c: MonitoringCast;
let beta: MonitoringCast;
let dslBPerson: { id: string; email: string; trustId: string };
let dsl: Agent;
let dslB: Agent;
let head: Agent;
let teacher: Agent;
let hr: Agent;
let betaDsl: Agent;

before(async () => {
  t = await createTestApp();
  c = await monitoringCast(t.app.db, await makeTrustWithCast(t.app.db, 'alpha'));
  beta = await monitoringCast(t.app.db, await makeTrustWithCast(t.app.db, 'beta'));
  dslBPerson = await makePerson(t.app.db, c.trust.id, {
    name: 'Bea Dsl-B',
    email: 'dsl.b@alpha.example',
    schoolIds: [c.schoolB.id],
    roles: [['dsl', c.schoolB.id]],
  });
  dsl = await new Agent(t.app).signIn(c.dslA.email);
  dslB = await new Agent(t.app).signIn(dslBPerson.email);
  head = await new Agent(t.app).signIn(c.headA.email);
  teacher = await new Agent(t.app).signIn(c.teacherA.email);
  hr = await new Agent(t.app).signIn(c.hrLead.email);
  betaDsl = await new Agent(t.app).signIn(beta.dslA.email);
});
after(() => t.close());

const as = (p: { id: string; trustId: string }) => actingAs(t.app.db, p, { baseUrl: 'http://localhost' });
const listed = (body: string) => [...body.matchAll(/<a class="govuk-link" href="\/monitoring\/alerts\/(A-\d{4}-\d{4})">/g)].map((m) => m[1]);
const titleOf = (body: string) => /<title>([^<]*)<\/title>/.exec(body)?.[1] ?? '';

describe('who sees which alerts', () => {
  test('the DSL of the alert’s school and the trust DSL; not another school’s DSL, the person it is about, a teacher or another trust', async () => {
    const atA = await makeAlert(t.app.db, c);
    const atB = await makeAlert(t.app.db, c, { personId: c.teacherB.id, schoolId: c.schoolB.id, username: 'teacher.b@alpha.example' });

    const mine = await dsl.get('/monitoring/alerts');
    assert.equal(mine.statusCode, 200);
    assert.ok(listed(mine.body).includes(atA.reference));
    assert.ok(!listed(mine.body).includes(atB.reference), 'School B’s alert is not on School A’s DSL’s list');
    assert.equal((await dsl.get(`/monitoring/alerts/${atA.reference}`)).statusCode, 200);
    assert.equal((await dsl.get(`/monitoring/alerts/${atB.reference}`)).statusCode, 404);

    const theirs = await dslB.get('/monitoring/alerts');
    assert.ok(listed(theirs.body).includes(atB.reference));
    assert.ok(!listed(theirs.body).includes(atA.reference));
    assert.equal((await dslB.get(`/monitoring/alerts/${atA.reference}`)).statusCode, 404, 'not 403: nobody learns it exists');
    assert.equal((await dslB.get(`/monitoring/alerts/${atB.reference}`)).statusCode, 200);

    // The person it is about: no list (not their role), and the alert is "not found".
    assert.equal((await teacher.get('/monitoring/alerts')).statusCode, 403);
    assert.equal((await teacher.get('/monitoring')).statusCode, 403);
    assert.equal((await teacher.get('/monitoring/alerts.csv')).statusCode, 403);
    assert.equal((await teacher.get(`/monitoring/alerts/${atA.reference}`)).statusCode, 404);
    assert.equal((await teacher.post(`/monitoring/alerts/${atA.reference}/acknowledge`)).statusCode, 404);

    // The head teacher has the list page but sees DSL alerts nowhere.
    assert.ok(!listed((await head.get('/monitoring/alerts')).body).includes(atA.reference));
    assert.equal((await head.get(`/monitoring/alerts/${atA.reference}`)).statusCode, 404);

    // Another trust.
    assert.equal((await betaDsl.get(`/monitoring/alerts/${atA.reference}`)).statusCode, 404);
    assert.ok(!listed((await betaDsl.get('/monitoring/alerts?status=all')).body).includes(atA.reference));
  });

  test('a staff alert sent to the head teacher: the head and the HR lead see it, the DSL team does not', async () => {
    const staff = await makeAlert(t.app.db, c, { audience: 'head_teacher' });
    assert.ok(listed((await head.get('/monitoring/alerts')).body).includes(staff.reference));
    assert.equal((await head.get(`/monitoring/alerts/${staff.reference}`)).statusCode, 200);
    assert.ok(listed((await hr.get('/monitoring/alerts')).body).includes(staff.reference), 'the HR lead has the list too');
    assert.equal((await hr.get(`/monitoring/alerts/${staff.reference}`)).statusCode, 200);
    assert.ok(!listed((await dsl.get('/monitoring/alerts')).body).includes(staff.reference));
    assert.equal((await dsl.get(`/monitoring/alerts/${staff.reference}`)).statusCode, 404);
  });

  test('an alert about the DSL is hidden from them and open to their deputy', async () => {
    const aboutDsl = await makeAlert(t.app.db, c, { personId: c.dslA.id, username: c.dslA.email });
    assert.ok(!listed((await dsl.get('/monitoring/alerts')).body).includes(aboutDsl.reference));
    assert.equal((await dsl.get(`/monitoring/alerts/${aboutDsl.reference}`)).statusCode, 404);
    const deputy = await new Agent(t.app).signIn(c.deputyDslA.email);
    assert.equal((await deputy.get(`/monitoring/alerts/${aboutDsl.reference}`)).statusCode, 200);
  });
});

describe('the alert page', () => {
  test('shows the person with their agreements, open concerns they can see, enhanced monitoring, earlier alerts, events and history', async () => {
    const db = t.app.db;
    const today = londonToday();
    // Two agreements: one signed, one overdue.
    const aup = await publishedPolicy(db, c.trust.id, { title: 'Staff acceptable use agreement' });
    const dp = await publishedPolicy(db, c.trust.id, { title: 'Data protection agreement' });
    await createCampaign(
      systemCtx(db, c.trust.id),
      aup.policy.id,
      { audience: 'filtered', personIds: [c.teacherA.id], dueOn: '2020-02-01', reminderDaysBefore: '7', overdueEveryDays: '7' },
      '2020-01-01',
    );
    await createCampaign(
      systemCtx(db, c.trust.id),
      dp.policy.id,
      { audience: 'filtered', personIds: [c.teacherA.id], dueOn: addDays(today, 30), reminderDaysBefore: '7', overdueEveryDays: '7' },
      today,
    );
    const [toSign] = await db
      .select()
      .from(assignments)
      .where(and(eq(assignments.personId, c.teacherA.id), eq(assignments.policyId, dp.policy.id)));
    assert.ok(toSign);
    await signAssignment(await as(c.teacherA), toSign.id, { typedName: c.teacherA.fullName, position: 'Teacher', statements: ['0', '1'] });

    // Concerns about Teacher A: an open one the DSL can open, a staff one they cannot, a closed one.
    const linked = { people: [{ ref: c.teacherA.email, part: 'affected' as const, field: 'person1' }] };
    const open = await reportAs(db, c.trust.id, c.deputyHeadA.id, 'cyberbullying', linked);
    const staff = await reportAs(db, c.trust.id, c.deputyHeadA.id, 'staff_conduct', {
      people: [{ ref: c.teacherA.email, part: 'subject', field: 'person1' }],
    });
    const closed = await reportAs(db, c.trust.id, c.deputyHeadA.id, 'harmful_content', linked);
    const dslCtx = await as(c.dslA);
    await moveStatus(dslCtx, closed.reference, { to: 'acknowledged' });
    await moveStatus(dslCtx, closed.reference, { to: 'in_progress' });
    await moveStatus(dslCtx, closed.reference, { to: 'closed', outcome: 'no_further_action', rationale: 'Nothing to it' });

    await db.insert(enhancedMonitoring).values({
      trustId: c.trust.id,
      personId: c.teacherA.id,
      startsOn: addDays(today, -3),
      endsOn: addDays(today, 10),
      reason: 'An investigation',
      setBy: c.headA.id,
    });
    const earlier = await makeAlert(t.app.db, c, {
      category: 'gambling',
      ruleId: c.gamblingRule.id,
      severity: 'medium',
      at: new Date(Date.now() - 20 * 86_400_000),
    });
    const alert = await makeAlert(t.app.db, c, { url: 'https://search.example/?q=how+to+hurt+myself' });

    const res = await dsl.get(`/monitoring/alerts/${alert.reference}`);
    assert.equal(res.statusCode, 200);
    const page = res.body;
    assert.equal(titleOf(page), `Alert ${alert.reference} – Countersign`);
    assert.match(page, /Tess Teacher/);
    assert.match(page, new RegExp(c.teacherA.email.replace('.', '\\.')));
    assert.match(page, /School A/);
    assert.match(page, new RegExp(`Signed Data protection agreement V1\\.0 on ${formatDate(new Date())}`));
    assert.match(
      page,
      /Not signed: Staff acceptable use agreement V1\.0, due 1 February 2020 \(overdue\) <strong class="govuk-tag govuk-tag--red">[\d,]+ days overdue</,
    );
    assert.match(page, new RegExp(`href="/concerns/${open.reference}"`));
    assert.doesNotMatch(page, new RegExp(staff.reference), 'a staff concern the DSL cannot open is not shown');
    assert.doesNotMatch(page, new RegExp(closed.reference), 'closed concerns are not open ones');
    assert.match(page, /Under enhanced monitoring<\/dt><dd class="govuk-summary-list__value"><strong class="govuk-tag govuk-tag--purple">Yes/);
    assert.doesNotMatch(page, /An investigation/, 'the reason stays on the enhanced-monitoring page');
    assert.match(page, new RegExp(`href="/monitoring/alerts/${earlier.reference}"`), 'an earlier alert about them');
    assert.match(page, /https:\/\/search\.example\/\?q=how\+to\+hurt\+myself/);
    assert.match(page, /Showing 1 to 1 of 1 stored event, newest first\./);
    assert.match(page, /Self-harm and suicide/);
    assert.match(page, /Web filter/);
    assert.match(page, /Raised by the rule Self-harm/, 'the history');
    // The school DSL cannot change rules, so the rule is not a link for them.
    assert.doesNotMatch(page, /href="\/monitoring\/rules\//);
    const trustDsl = await new Agent(t.app).signIn(c.trustDsl.email);
    assert.match((await trustDsl.get(`/monitoring/alerts/${alert.reference}`)).body, new RegExp(`href="/monitoring/rules/${c.selfHarmRule.id}"`));
  });

  test('an alert about an unmatched username shows the username', async () => {
    const alert = await makeAlert(t.app.db, c, { personId: null, username: 'pupil.nine' });
    const page = (await dsl.get(`/monitoring/alerts/${alert.reference}`)).body;
    assert.match(page, /pupil\.nine/);
    assert.match(page, /not matched to anyone in the staff directory/);
  });

  test('many events are paged, newest first', async () => {
    const alert = await makeAlert(t.app.db, c);
    const { alertEvents } = await import('../schema.ts');
    const base = alert.firstEventAt.getTime();
    await t.app.db.insert(alertEvents).values(
      Array.from({ length: 59 }, (_, i) => ({
        trustId: c.trust.id,
        alertId: alert.id,
        occurredAt: new Date(base + (i + 1) * 1000),
        url: `https://search.example/page-${i + 1}`,
        matched: 'category self_harm',
      })),
    );
    const first = (await dsl.get(`/monitoring/alerts/${alert.reference}`)).body;
    assert.match(first, /Showing 1 to 50 of 60 stored events/);
    assert.match(first, /page-59/);
    assert.doesNotMatch(first, /page-5</);
    const second = (await dsl.get(`/monitoring/alerts/${alert.reference}?events=2`)).body;
    assert.match(second, /Showing 51 to 60 of 60 stored events/);
    assert.match(second, /page-5</);
    assert.match((await dsl.get(`/monitoring/alerts/${alert.reference}?events=nonsense`)).body, /Showing 1 to 50/);
  });
});

describe('triage forms', () => {
  test('acknowledge, outcome with errors next to the field, close; only the valid actions are offered', async () => {
    const alert = await makeAlert(t.app.db, c);
    const url = `/monitoring/alerts/${alert.reference}`;
    let page = (await dsl.get(url)).body;
    assert.match(page, /<button[^>]*>Acknowledge<\/button>/);
    assert.match(page, />Escalate to a concern</);
    assert.doesNotMatch(page, /Close the alert/, 'no closing before an outcome');

    const ack = await dsl.post(`${url}/acknowledge`);
    assert.equal(ack.statusCode, 303);
    assert.equal(ack.headers.location, url);
    page = (await dsl.get(url)).body;
    assert.match(page, new RegExp(`${alert.reference} is acknowledged`));
    assert.doesNotMatch(page, /<button[^>]*>Acknowledge<\/button>/);
    const twice = await dsl.post(`${url}/acknowledge`);
    assert.equal(twice.statusCode, 422);
    assert.equal(titleOf(twice.body), `Error: Alert ${alert.reference} – Countersign`);
    assert.match(twice.body, /There is a problem/);
    assert.match(twice.body, new RegExp(`id="f-status"><span class="govuk-visually-hidden">Error:</span> ${alert.reference} is already acknowledged`));

    const noNote = await dsl.post(`${url}/outcome`, { outcome: 'false_positive', note: '' });
    assert.equal(noNote.statusCode, 422);
    assert.match(titleOf(noNote.body), /^Error: /);
    assert.match(noNote.body, /<a href="#f-note">Say why it is a false positive/);
    assert.match(noNote.body, /id="f-note-error"><span class="govuk-visually-hidden">Error:<\/span> Say why it is a false positive/);
    assert.match(noNote.body, /checked="" value="false_positive"/, 'the choice is kept');

    const fp = await dsl.post(`${url}/outcome`, { outcome: 'false_positive', note: 'A PSHE lesson on mental health' });
    assert.equal(fp.statusCode, 303);
    page = (await dsl.get(url)).body;
    assert.match(page, new RegExp(`${alert.reference} is recorded as a false positive`));
    assert.doesNotMatch(page, />Escalate to a concern</, 'a false positive cannot be escalated');
    assert.match(page, /Close the alert/);
    assert.equal((await dsl.get(`${url}/escalate`)).statusCode, 303, 'the escalation page sends them back');
    const refusedEscalation = await dsl.post(`${url}/escalate`, { type: 'harmful_content', what: 'x' });
    assert.equal(refusedEscalation.statusCode, 422);
    assert.match(refusedEscalation.body, /is recorded as a false positive, so it cannot be escalated/);

    const close = await dsl.post(`${url}/close`, { closeNote: 'Lesson plan checked' });
    assert.equal(close.statusCode, 303);
    page = (await dsl.get(url)).body;
    assert.match(page, new RegExp(`${alert.reference} is closed`));
    assert.doesNotMatch(page, /Record the outcome|Close the alert|Escalate to a concern/, 'a closed alert offers nothing');
    assert.match(page, /Lesson plan checked/);
    const late = await dsl.post(`${url}/outcome`, { outcome: 'true_positive' });
    assert.equal(late.statusCode, 422);
    assert.match(late.body, /is closed\. A closed alert cannot be changed/);
  });

  test('closing without an outcome is refused next to the outcome', async () => {
    const alert = await makeAlert(t.app.db, c);
    const res = await dsl.post(`/monitoring/alerts/${alert.reference}/close`, {});
    assert.equal(res.statusCode, 422);
    assert.match(res.body, new RegExp(`<a href="#f-outcome">Record whether ${alert.reference} is a true or false positive before closing it`));
  });

  test('escalate: the form is prefilled, errors are shown on it, and the concern’s reference comes back on the alert', async () => {
    const alert = await makeAlert(t.app.db, c, { url: 'https://forum.example/thread/42' });
    const url = `/monitoring/alerts/${alert.reference}`;
    const form = await dsl.get(`${url}/escalate`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /Escalate to a concern/);
    assert.match(form.body, /checked="" value="harmful_content"/, 'harmful content by default');
    assert.match(form.body, /Cyberbullying/);
    assert.match(form.body, new RegExp(`Raised from monitoring alert ${alert.reference}`));
    assert.match(form.body, /https:\/\/forum\.example\/thread\/42/);

    const bad = await dsl.post(`${url}/escalate`, { type: 'cyberbullying', what: '' });
    assert.equal(bad.statusCode, 422);
    assert.equal(titleOf(bad.body), `Error: Escalate ${alert.reference} to a concern – Countersign`);
    assert.match(bad.body, /<a href="#f-what">Say what happened<\/a>/);
    assert.match(bad.body, /checked="" value="cyberbullying"/);

    const done = await dsl.post(`${url}/escalate`, { type: 'cyberbullying', what: 'Seen on the forum; spoke to them' });
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, url);
    const [row] = await t.app.db.select().from(alerts).where(eq(alerts.id, alert.id));
    assert.ok(row?.concernId);
    const [concern] = await t.app.db.select().from(concerns).where(eq(concerns.id, row.concernId));
    assert.ok(concern);
    const page = (await dsl.get(url)).body;
    assert.match(page, new RegExp(`Concern ${concern.reference} has been created from ${alert.reference}`));
    assert.match(page, new RegExp(`Escalated to concern <a class="govuk-link" href="/concerns/${concern.reference}">${concern.reference}</a>`));
    assert.equal((await dsl.get(`/concerns/${concern.reference}`)).statusCode, 200, 'the DSL can open the concern');
  });
});

describe('the list and its CSV', () => {
  test('filters in the address, bad values fall back, sorted and counted', async () => {
    const before = listed((await dsl.get('/monitoring/alerts?status=all')).body);
    const medium = await makeAlert(t.app.db, c, {
      severity: 'medium',
      category: 'gambling',
      ruleId: c.gamblingRule.id,
      personId: null,
      username: 'gambler.kid',
    });
    const oldOne = await makeAlert(t.app.db, c, { severity: 'low', category: 'weapons', ruleId: c.weaponsRule.id, at: new Date('2025-06-15T10:00:00Z') });
    const trustWide = await makeAlert(t.app.db, c, { schoolId: null, severity: 'low' });
    const ctx = await as(c.dslA);
    await recordOutcome(ctx, oldOne.reference, { outcome: 'true_positive' });
    await closeAlert(ctx, oldOne.reference, {});

    const bySeverity = listed((await dsl.get('/monitoring/alerts?severity=medium')).body);
    assert.deepEqual(bySeverity.filter((r) => r === medium.reference).length, 1);
    assert.ok(!bySeverity.includes(trustWide.reference));
    assert.deepEqual(listed((await dsl.get('/monitoring/alerts?q=GAMBLER')).body), [medium.reference], 'by username, any case');
    assert.deepEqual(listed((await dsl.get('/monitoring/alerts?category=gambling&q=gambler')).body), [medium.reference]);
    assert.ok(!listed((await dsl.get('/monitoring/alerts')).body).includes(oldOne.reference), 'closed alerts are not listed by default');
    assert.deepEqual(listed((await dsl.get('/monitoring/alerts?status=closed&from=2025-06-01&to=2025-06-30')).body), [oldOne.reference]);
    assert.deepEqual(listed((await dsl.get('/monitoring/alerts?status=all&from=2025-06-16&to=2025-06-30')).body), [], 'events before the period');
    const trust = await new Agent(t.app).signIn(c.trustDsl.email);
    assert.deepEqual(listed((await trust.get('/monitoring/alerts?school=trust')).body), [trustWide.reference]);
    // Nonsense falls back to the defaults rather than failing.
    const odd = await dsl.get('/monitoring/alerts?severity=extreme&status=whatever&from=2025-02-30&sort=nope&page=-3');
    assert.equal(odd.statusCode, 200);
    assert.deepEqual(listed(odd.body), listed((await dsl.get('/monitoring/alerts')).body));
    // Sorted by severity, highest first.
    const sorted = listed((await dsl.get('/monitoring/alerts?status=all&sort=severity&dir=desc')).body);
    assert.ok(sorted.indexOf(medium.reference) < sorted.indexOf(oldOne.reference));
    const all = listed((await dsl.get('/monitoring/alerts?status=all')).body);
    assert.equal(all.length, before.length + 2, 'the trust-wide alert is not School A’s DSL’s');
  });

  test('the CSV: the same filters, formula-safe, no addresses visited, and the export audited with its count', async () => {
    await makeAlert(t.app.db, c, {
      severity: 'medium',
      category: 'gambling',
      ruleId: c.gamblingRule.id,
      personId: null,
      username: '=HYPERLINK("x")',
      url: 'https://bet-example.com/secret-page',
    });
    const res = await dsl.get('/monitoring/alerts.csv?severity=medium&category=gambling');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/csv/);
    assert.match(String(res.headers['content-disposition']), /attachment; filename="monitoring-alerts-\d{4}-\d{2}-\d{2}\.csv"/);
    assert.doesNotMatch(res.body, /bet-example\.com|https?:/, 'no addresses');
    const rows = parseCsv(res.body.replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
    assert.deepEqual(Object.keys(rows[0] ?? {}), [
      'Reference',
      'Raised (UK time)',
      'First event (UK time)',
      'Last event (UK time)',
      'School',
      'Person or username',
      'Category',
      'Severity',
      'Rule',
      'Events',
      'Status',
      'Outcome',
      'Concern',
    ]);
    assert.ok(rows.every((r) => r.Severity === 'Medium' && r.Category === 'Gambling'));
    const formula = rows.find((r) => r['Person or username']?.includes('HYPERLINK'));
    assert.equal(formula?.['Person or username'], `'=HYPERLINK("x")`);
    assert.equal(formula?.Rule, 'Gambling sites');
    assert.equal(formula?.School, 'School A');
    assert.equal(formula?.Status, 'Open');
    const [audit] = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.trustId, c.trust.id), eq(auditEvents.action, 'alerts.exported')))
      .orderBy(desc(auditEvents.id))
      .limit(1);
    assert.ok(audit);
    assert.equal(audit.actorId, c.dslA.id);
    assert.equal(audit.summary, `Monitoring alerts exported to CSV (${rows.length === 1 ? '1 alert' : `${rows.length} alerts`})`);
    assert.deepEqual((audit.after as { count: number }).count, rows.length);
    assert.deepEqual((audit.after as { filters: { severity: string; category: string } }).filters.severity, 'medium');
  });
});

describe('the dashboard and the home page', () => {
  test('open by severity, needs triage, the trend, noisy rules and repeated alerts, counted over what the reader may open', async () => {
    const db = t.app.db;
    const g = await monitoringCast(db, await makeTrustWithCast(db, 'gamma'));
    const hour = 3_600_000;
    const day = 24 * hour;
    const now = Date.now();
    const gamble = { category: 'gambling', ruleId: g.gamblingRule.id, severity: 'medium' as const };
    const a1 = await makeAlert(db, g, { at: new Date(now - hour) });
    const a2 = await makeAlert(db, g, { at: new Date(now - 2 * hour) });
    const a3 = await makeAlert(db, g, { ...gamble, at: new Date(now - 3 * hour) });
    const a4 = await makeAlert(db, g, { ...gamble, personId: null, username: 'pupil.x', at: new Date(now - 8 * day) });
    const a5 = await makeAlert(db, g, { ...gamble, personId: null, username: 'pupil.x', at: new Date(now - 9 * day) });
    const a6 = await makeAlert(db, g, {
      category: 'weapons',
      ruleId: g.weaponsRule.id,
      severity: 'low',
      personId: g.teacherB.id,
      schoolId: g.schoolB.id,
      username: g.teacherB.email,
      at: new Date(now - 10 * day),
    });
    await makeAlert(db, g, {
      category: 'weapons',
      ruleId: g.weaponsRule.id,
      severity: 'low',
      personId: null,
      username: 'pupil.y',
      at: new Date(now - 100 * day),
    });
    const trustDsl = await as(g.trustDsl);
    await acknowledgeAlert(trustDsl, a2.reference);
    await recordOutcome(trustDsl, a3.reference, { outcome: 'false_positive', note: 'Maths lesson on probability' });
    await closeAlert(trustDsl, a3.reference, {});
    await recordOutcome(trustDsl, a4.reference, { outcome: 'false_positive', note: 'Advert on a news site' });
    await recordOutcome(trustDsl, a5.reference, { outcome: 'true_positive' });
    await recordOutcome(trustDsl, a6.reference, { outcome: 'false_positive', note: 'Cookery: chef’s knife' });
    await closeAlert(trustDsl, a6.reference, {});

    const agent = await new Agent(t.app).signIn(g.trustDsl.email);
    const res = await agent.get('/monitoring');
    assert.equal(res.statusCode, 200);
    const page = res.body;
    const figure = (s: string) => new RegExp(`data-figure="${s}">[\\s\\S]*?font-size-48[^>]*>(\\d+)<`).exec(page)?.[1];
    assert.deepEqual([figure('high'), figure('medium'), figure('low')], ['2', '2', '1']);
    assert.match(page, /Open alerts: 5/);
    assert.match(page, /href="\/monitoring\/alerts\?severity=high"/);

    const triage = /data-section="triage"[\s\S]*?<\/section>/.exec(page)?.[0] ?? '';
    assert.deepEqual(listed(triage), [a1.reference], 'only open (not acknowledged) high alerts');

    // The trend: the six alerts of the last 12 weeks, by category.
    const trend = /data-table="by-category-week"[\s\S]*?<\/table>/.exec(page)?.[0] ?? '';
    const totalOf = (label: string) => new RegExp(`>${label}</a></th>(?:<td[^>]*>\\d+</td>)*?<td[^>]*>(\\d+)</td></tr>`).exec(trend)?.[1];
    assert.equal(totalOf('Self-harm and suicide'), '2');
    assert.equal(totalOf('Gambling'), '3');
    assert.equal(totalOf('Weapons'), '1');
    assert.match(trend, /All categories<\/th>(?:<td[^>]*>\d+<\/td>)*<td[^>]*>6<\/td><\/tr>/);
    assert.match(page, /data-chart="columns"/, 'the chart');

    // Noisy rules: gambling 2 of 3 (67%), weapons 1 of 1 (100%); self-harm has no false positives.
    const noisy = /data-section="noisy"[\s\S]*?<\/section>/.exec(page)?.[0] ?? '';
    const noisyRows = [...noisy.matchAll(/<tr class="govuk-table__row">([\s\S]*?)<\/tr>/g)].slice(1).map((m) => (m[1] ?? '').replace(/<[^>]+>/g, '|'));
    assert.equal(noisyRows.length, 2);
    assert.match(noisyRows[0] ?? '', /Gambling sites\|+3\|+2\|+67%/);
    assert.match(noisyRows[1] ?? '', /Weapon words\|+1\|+1\|+100%/);
    assert.match(noisy, new RegExp(`href="/monitoring/rules/${g.gamblingRule.id}"`));
    assert.doesNotMatch(noisy, /Self-harm/);

    // Repeated: Teacher A has three in 30 days; pupil.x two.
    const repeated = /data-section="repeated"[\s\S]*?<\/section>/.exec(page)?.[0] ?? '';
    assert.match(repeated, /Tess Teacher<\/td><td class="govuk-table__cell govuk-table__cell--numeric">3</);
    assert.match(repeated, new RegExp(`href="/monitoring/alerts\\?status=all&amp;subject=${g.teacherA.id}"`));
    assert.doesNotMatch(repeated, /pupil\.x/);
    assert.deepEqual(
      listed((await agent.get(`/monitoring/alerts?status=all&subject=${g.teacherA.id}`)).body).sort(),
      [a1, a2, a3].map((a) => a.reference).sort(),
    );

    // School A's DSL: School B's alert (the weapons false positive) is in none of the counts.
    const schoolDsl = await new Agent(t.app).signIn(g.dslA.email);
    const theirs = (await schoolDsl.get('/monitoring')).body;
    const theirNoisy = /data-section="noisy"[\s\S]*?<\/section>/.exec(theirs)?.[0] ?? '';
    assert.match(theirNoisy, /Gambling sites/);
    assert.doesNotMatch(theirNoisy, /Weapon words/);
    // A school DSL reads the rules (the trust's DSL changes them): the noisy rule links to its page.
    const ruleLink = /href="(\/monitoring\/rules\/[0-9a-f-]+)"/.exec(theirNoisy)?.[1];
    assert.ok(ruleLink, 'the noisy rule links to its page');
    assert.match(theirNoisy, /The trust’s DSL can change the rules/);
    assert.equal((await schoolDsl.get(ruleLink)).statusCode, 200);

    // The home page line.
    const home = (await agent.get('/')).body;
    assert.match(home, /<a class="govuk-link govuk-!-font-weight-bold" href="\/monitoring\/alerts">5 monitoring alerts to triage \(2 high\)<\/a>/);
    assert.doesNotMatch((await teacher.get('/')).body, /monitoring alert/);
  });
});
