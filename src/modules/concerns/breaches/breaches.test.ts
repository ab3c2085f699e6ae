import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, asc, eq, sql } from 'drizzle-orm';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { Agent, createTestApp, type TestApp } from '../../../../test/app.ts';
import { type ConcernCast, concernCast, reportAs } from '../../../../test/concerns.ts';
import { actingAs, makeTrustWithCast } from '../../../../test/factories.ts';
import { auditEvents } from '../../../audit/schema.ts';
import { formatDateTime, londonDateTime, londonTime, londonToday } from '../../../ui/format.ts';
import { addDays } from '../../acknowledgements/service.ts';
import { breaches, concernEntries, concerns, recordViews } from '../schema.ts';
import { concernRecord } from '../service.ts';
import { breachTodos } from './todos.ts';
import { BreachPanel, DeviceLossPanel } from './views.tsx';

let t: TestApp;
const H = 3_600_000;

before(async () => {
  t = await createTestApp();
});
after(() => t.close());

/** A service context acting as a person of the cast. */
const as = (person: { id: string; trustId: string }) => actingAs(t.app.db, person, { baseUrl: 'http://localhost:3000' });

/** Each person signs in once per file; their agent is reused. */
const agents = new Map<string, Promise<Agent>>();
const signIn = (email: string) => {
  if (!agents.has(email)) agents.set(email, new Agent(t.app).signIn(email));
  return agents.get(email) as Promise<Agent>;
};

/** A rejection by the named CHECK constraint (the driver wraps the database's error). */
const violates = (constraint: string) => (error: unknown) => {
  const cause = (error as { cause?: { message?: string } }).cause;
  assert.match(String(cause?.message ?? error), new RegExp(`violates check constraint "${constraint}"`));
  return true;
};

/** The day, month and year boxes of a date input. */
const dateParts = (name: string, iso: string) => {
  const [y, m, d] = iso.split('-');
  return { [`${name}-day`]: String(Number(d)), [`${name}-month`]: String(Number(m)), [`${name}-year`]: y ?? '' };
};

const breachOf = async (concernId: string) => {
  const [b] = await t.app.db.select().from(breaches).where(eq(breaches.concernId, concernId));
  assert.ok(b);
  return b;
};
const entriesOf = (concernId: string) => t.app.db.select().from(concernEntries).where(eq(concernEntries.concernId, concernId)).orderBy(asc(concernEntries.seq));
const auditOf = (concernId: string) => t.app.db.select().from(auditEvents).where(eq(auditEvents.resourceId, concernId));

/** A breach reported by Teacher A (School A unless said), found out 30 minutes ago, that happened three days ago. */
const newBreach = (cast: ConcernCast, extra: Parameters<typeof reportAs>[4] = {}) =>
  reportAs(t.app.db, cast.trust.id, cast.teacherA.id, 'data_breach', { occurredAt: new Date(Date.now() - 72 * H), ...extra });

describe('the breach forms', () => {
  let cast: ConcernCast;
  let other: ConcernCast;
  let dpo: Agent;
  let teacher: Agent;
  let otherDpo: Agent;
  let itA: Agent;

  before(async () => {
    cast = await concernCast(t.app.db, await makeTrustWithCast(t.app.db, 'alpha'));
    other = await concernCast(t.app.db, await makeTrustWithCast(t.app.db, 'beta'));
    dpo = await signIn(cast.dpo.email);
    teacher = await signIn(cast.teacherA.email);
    otherDpo = await signIn(other.dpo.email);
    itA = await signIn(cast.itA.email);
  });

  test('the decision: reasons required, recorded once, in the chronology, and the audit trail names only the reference', async () => {
    const { id, reference } = await newBreach(cast);
    const page = await dpo.get(`/concerns/${reference}/breach/decision`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Record the ICO decision/);
    assert.match(page.body, /cannot be changed once it is recorded/);
    assert.match(page.body, /including for a decision not to report/);
    const before = (await entriesOf(id)).length;

    let res = await dpo.post(`/concerns/${reference}/breach/decision`, { decision: 'not_reportable', reasons: '  ' });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /<title>Error: /);
    assert.match(res.body, /Give the reasons for the decision/);
    assert.match(res.body, /checked="" value="not_reportable"/, 'the choice is kept');
    res = await dpo.post(`/concerns/${reference}/breach/decision`, { reasons: 'Only a name' });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /Choose whether the breach must be reported to the ICO/);
    assert.match(res.body, /Only a name/, 'the reasons are kept');
    assert.equal((await breachOf(id)).decision, null, 'nothing recorded');
    assert.equal((await entriesOf(id)).length, before, 'no entry');

    res = await dpo.post(`/concerns/${reference}/breach/decision`, { decision: 'reportable', reasons: 'Medical details of 30 pupils sent outside the school' });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, `/concerns/${reference}`);
    const b = await breachOf(id);
    assert.equal(b.decision, 'reportable');
    assert.equal(b.decisionReasons, 'Medical details of 30 pupils sent outside the school');
    assert.equal(b.decidedBy, cast.dpo.id);
    assert.ok(b.decidedAt);
    const entry = (await entriesOf(id)).at(-1);
    assert.equal(entry?.kind, 'decision');
    assert.equal(entry?.authorName, 'Dora Dpo');
    assert.deepEqual(entry?.data, { decision: 'reportable', reasons: 'Medical details of 30 pupils sent outside the school' });
    const audit = (await auditOf(id)).filter((a) => a.action === 'breach.decided');
    assert.equal(audit.length, 1);
    assert.equal(audit[0]?.summary, `ICO decision recorded on breach ${reference}`);
    assert.ok(!JSON.stringify(audit[0]).includes('Medical'), 'no details in the audit trail');

    res = await dpo.post(`/concerns/${reference}/breach/decision`, { decision: 'not_reportable', reasons: 'Changed my mind' });
    assert.equal(res.statusCode, 422, 'a second decision is refused');
    assert.match(res.body, /cannot be changed.*add a correction to the chronology/);
    assert.equal((await breachOf(id)).decision, 'reportable', 'the first decision stands');
    assert.match((await dpo.get(`/concerns/${reference}/breach/decision`)).body, /A decision cannot be changed once it is recorded/);
  });

  test('the ICO report: only after a reportable decision, not in the future, not before discovery', async () => {
    const { id, reference } = await newBreach(cast);
    const today = londonToday();
    const now = new Date();
    const good = { icoReference: 'DPI-123456', ...dateParts('reportedOn', today), reportedTime: londonTime(now) };

    let res = await dpo.post(`/concerns/${reference}/breach/ico`, good);
    assert.equal(res.statusCode, 422, 'no decision yet');
    assert.match(res.body, /Record the decision that this breach must be reported to the ICO first/);
    assert.equal((await breachOf(id)).icoReference, null);
    assert.match((await dpo.get(`/concerns/${reference}/breach/ico`)).body, /Record the decision that this breach must be reported first/);

    const notReportable = await newBreach(cast);
    await dpo.post(`/concerns/${notReportable.reference}/breach/decision`, { decision: 'not_reportable', reasons: 'Encrypted laptop' });
    res = await dpo.post(`/concerns/${notReportable.reference}/breach/ico`, good);
    assert.equal(res.statusCode, 422, 'not after a not-reportable decision either');
    assert.equal((await breachOf(notReportable.id)).icoReference, null);

    await dpo.post(`/concerns/${reference}/breach/decision`, { decision: 'reportable', reasons: 'Risk of harm' });
    const before = (await entriesOf(id)).length;
    res = await dpo.post(`/concerns/${reference}/breach/ico`, { ...good, ...dateParts('reportedOn', addDays(today, 1)) });
    assert.equal(res.statusCode, 422, 'tomorrow is refused');
    assert.match(res.body, /must be today or in the past/);
    assert.match(res.body, /DPI-123456/, 'the reference is kept');
    res = await dpo.post(`/concerns/${reference}/breach/ico`, { ...good, ...dateParts('reportedOn', addDays(today, -2)) });
    assert.equal(res.statusCode, 422, 'before the breach was found out');
    assert.match(res.body, /cannot have been reported before the breach was found out/);
    res = await dpo.post(`/concerns/${reference}/breach/ico`, { ...good, icoReference: '', reportedTime: '25:99' });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /Enter the reference the ICO gave you/);
    assert.match(res.body, /24-hour clock/);
    assert.equal((await breachOf(id)).icoReference, null, 'nothing recorded');
    assert.equal((await entriesOf(id)).length, before);

    res = await dpo.post(`/concerns/${reference}/breach/ico`, good);
    assert.equal(res.statusCode, 303);
    const b = await breachOf(id);
    assert.equal(b.icoReference, 'DPI-123456');
    assert.equal(b.icoNotifiedAt?.getTime(), londonDateTime(today, londonTime(now)).getTime());
    const entry = (await entriesOf(id)).at(-1);
    assert.equal(entry?.kind, 'ico_notified');
    assert.match(entry?.text ?? '', /ICO reference DPI-123456/);
    assert.ok((await auditOf(id)).some((a) => a.action === 'breach.ico_notified' && a.summary === `Breach ${reference} recorded as reported to the ICO`));
    res = await dpo.post(`/concerns/${reference}/breach/ico`, { ...good, icoReference: 'OTHER' });
    assert.equal(res.statusCode, 422, 'recorded once');
    assert.equal((await breachOf(id)).icoReference, 'DPI-123456');
  });

  test('a report after the 72 hours needs the reasons for the delay', async () => {
    const found = new Date(Date.now() - 80 * H);
    const { id, reference } = await newBreach(cast, { occurredAt: new Date(found.getTime() - H), breach: { discoveredAt: found, dataInvolved: 'Names' } });
    await dpo.post(`/concerns/${reference}/breach/decision`, { decision: 'reportable', reasons: 'Risk of harm' });
    const form = { icoReference: 'DPI-9', ...dateParts('reportedOn', londonToday()), reportedTime: londonTime(new Date()) };
    const res = await dpo.post(`/concerns/${reference}/breach/ico`, form);
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /give the reasons for the delay/);
    assert.equal((await dpo.post(`/concerns/${reference}/breach/ico`, { ...form, delayReasons: 'Found over half term' })).statusCode, 303);
    assert.match((await entriesOf(id)).at(-1)?.text ?? '', /after the 72-hour deadline.*Found over half term/s);
  });

  test('whether the people were told: yes with a date, or no with reasons', async () => {
    const { id, reference } = await newBreach(cast);
    let res = await dpo.post(`/concerns/${reference}/breach/individuals`, {});
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /Say whether the people whose data it was have been told/);
    res = await dpo.post(`/concerns/${reference}/breach/individuals`, { told: 'no', note: '' });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /Say why they have not been told/);
    res = await dpo.post(`/concerns/${reference}/breach/individuals`, { told: 'yes' });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /Enter the date they were told/);
    res = await dpo.post(`/concerns/${reference}/breach/individuals`, { told: 'yes', ...dateParts('toldOn', addDays(londonToday(), 1)) });
    assert.equal(res.statusCode, 422);
    assert.equal((await breachOf(id)).individualsTold, null, 'nothing recorded');

    res = await dpo.post(`/concerns/${reference}/breach/individuals`, { told: 'no', note: 'The laptop was encrypted' });
    assert.equal(res.statusCode, 303);
    let b = await breachOf(id);
    assert.equal(b.individualsTold, 'no');
    assert.equal(b.individualsToldNote, 'The laptop was encrypted');
    res = await dpo.post(`/concerns/${reference}/breach/individuals`, { told: 'yes', ...dateParts('toldOn', londonToday()), note: 'Letter home' });
    assert.equal(res.statusCode, 303, 'a "no" can become a "yes"');
    b = await breachOf(id);
    assert.equal(b.individualsTold, 'yes');
    assert.equal(londonToday(b.individualsToldAt ?? new Date(0)), londonToday());
    const told = (await entriesOf(id)).filter((e) => e.kind === 'individuals_told');
    assert.equal(told.length, 2, 'both are in the chronology');
    assert.equal((await dpo.post(`/concerns/${reference}/breach/individuals`, { told: 'no', note: 'x' })).statusCode, 422, 'a "yes" stays');
  });

  test('correcting the discovery time moves the deadline and keeps the old time in the chronology', async () => {
    const { id, reference } = await newBreach(cast);
    const old = await breachOf(id);
    const newAt = new Date(Math.floor((Date.now() - 50 * H) / 60_000) * 60_000);
    const good = { ...dateParts('discoveredOn', londonToday(newAt)), discoveredTime: londonTime(newAt), reason: 'The office saw the email on Monday' };
    const before = (await entriesOf(id)).length;

    let res = await dpo.post(`/concerns/${reference}/breach/discovered`, { ...good, reason: '' });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /Say why the time it was found out is being corrected/);
    res = await dpo.post(`/concerns/${reference}/breach/discovered`, { ...good, ...dateParts('discoveredOn', addDays(londonToday(), 1)) });
    assert.equal(res.statusCode, 422, 'not in the future');
    assert.match(res.body, /must be today or in the past/);
    res = await dpo.post(`/concerns/${reference}/breach/discovered`, { ...good, ...dateParts('discoveredOn', addDays(londonToday(), -10)) });
    assert.equal(res.statusCode, 422, 'not before it happened');
    assert.match(res.body, /cannot have been found out before it happened/);
    res = await dpo.post(`/concerns/${reference}/breach/discovered`, { ...good, discoveredTime: '' });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /Enter the time it was found out/);
    const unchanged = await breachOf(id);
    assert.equal(unchanged.discoveredAt.getTime(), old.discoveredAt.getTime(), 'nothing changed');
    assert.equal(unchanged.icoDueAt.getTime(), old.icoDueAt.getTime());
    assert.equal((await entriesOf(id)).length, before);

    res = await dpo.post(`/concerns/${reference}/breach/discovered`, good);
    assert.equal(res.statusCode, 303);
    const b = await breachOf(id);
    assert.equal(b.discoveredAt.getTime(), newAt.getTime());
    assert.equal(b.icoDueAt.getTime(), newAt.getTime() + 72 * H, 'the deadline moved');
    const entry = (await entriesOf(id)).at(-1);
    assert.equal(entry?.kind, 'discovered_at');
    assert.deepEqual(entry?.data, {
      from: old.discoveredAt.toISOString(),
      to: newAt.toISOString(),
      icoDueFrom: old.icoDueAt.toISOString(),
      icoDueTo: b.icoDueAt.toISOString(),
      reason: 'The office saw the email on Monday',
    });
    assert.ok(entry?.text.includes(formatDateTime(old.discoveredAt)), 'the old time stays in the chronology');
    const audit = (await auditOf(id)).find((a) => a.action === 'breach.discovery_corrected');
    assert.equal(audit?.summary, `Discovery time of breach ${reference} corrected`);
    assert.ok(!JSON.stringify(audit).includes('Monday'), 'not the reason');
  });

  test('the database refuses a deadline that is not discovery + 72 hours', async () => {
    const { id } = await newBreach(cast);
    await assert.rejects(
      t.app.db.execute(sql`update breaches set discovered_at = discovered_at - interval '1 day' where concern_id = ${id}`),
      violates('breaches_ico_due_72h'),
    );
    await assert.rejects(
      t.app.db.execute(sql`update breaches set decision = 'not_reportable' where concern_id = ${id}`),
      violates('breaches_decision_reasons'),
      'nor a decision without reasons',
    );
  });

  test('only people with full access may use the forms: 404 for the reporter, IT, another trust; not for other concerns', async () => {
    const { id, reference } = await newBreach(cast);
    for (const path of ['decision', 'ico', 'individuals', 'discovered']) {
      for (const agent of [teacher, itA, otherDpo]) {
        assert.equal((await agent.get(`/concerns/${reference}/breach/${path}`)).statusCode, 404, `${path} GET`);
        assert.equal((await agent.post(`/concerns/${reference}/breach/${path}`, { decision: 'reportable', reasons: 'x' })).statusCode, 404, `${path} POST`);
      }
    }
    assert.equal((await breachOf(id)).decision, null);
    const fault = await reportAs(t.app.db, cast.trust.id, cast.teacherA.id, 'damage_fault');
    assert.equal((await itA.get(`/concerns/${fault.reference}/breach/decision`)).statusCode, 404, 'not a breach');
    const dplA = await signIn(cast.dplA.email);
    assert.equal((await dplA.get(`/concerns/${reference}/breach/decision`)).statusCode, 200, 'the school’s DPL may');
    const schoolB = await newBreach(cast, { schoolId: cast.schoolB.id });
    assert.equal((await dplA.get(`/concerns/${schoolB.reference}/breach/decision`)).statusCode, 404, 'not another school’s breach');
  });
});

describe('the panels on the record page', () => {
  test('the breach panel shows the clock, the decision and the forms', async () => {
    const cast = await concernCast(t.app.db, await makeTrustWithCast(t.app.db));
    const found = new Date(Date.now() - 53 * H);
    const { reference } = await newBreach(cast, { breach: { discoveredAt: found, dataInvolved: 'Names and addresses', peopleAffected: 30 } });
    const ctx = await as(cast.dpo);
    const record = await concernRecord(ctx, reference);
    assert.equal(record.limited, false);
    if (record.limited) return;
    let html = renderToStaticMarkup(createElement(BreachPanel, { record: record }));
    assert.ok(html.includes(formatDateTime(found)), 'when it was found out');
    assert.ok(html.includes(formatDateTime(new Date(found.getTime() + 72 * H))), 'the deadline');
    assert.match(html, /govuk-tag--red">due in 19 hours/, 'a red countdown under 24 hours');
    assert.match(html, /Names and addresses/);
    assert.match(html, /About 30/);
    assert.match(html, /Not decided yet/);
    assert.ok(html.includes(`/concerns/${reference}/breach/decision`));
    assert.ok(html.includes(`/concerns/${reference}/breach/discovered`));
    assert.ok(!html.includes(`/concerns/${reference}/breach/ico`), 'no ICO form before a reportable decision');

    const fresh = await newBreach(cast);
    const freshRecord = await concernRecord(ctx, fresh.reference);
    if (freshRecord.limited) return assert.fail('full record');
    assert.match(
      renderToStaticMarkup(createElement(BreachPanel, { record: freshRecord })),
      /govuk-tag--orange">due in 3 days/,
      'orange with more than 24 hours left',
    );

    const dpo = await signIn(cast.dpo.email);
    await dpo.post(`/concerns/${reference}/breach/decision`, { decision: 'reportable', reasons: 'High risk' });
    const decided = await concernRecord(ctx, reference);
    if (decided.limited) return assert.fail('full record');
    html = renderToStaticMarkup(createElement(BreachPanel, { record: decided }));
    assert.match(html, /govuk-tag--green">Decided/);
    assert.match(html, /Reportable to the ICO/);
    assert.match(html, /High risk/);
    assert.match(html, /Dora Dpo on /);
    assert.ok(html.includes(`/concerns/${reference}/breach/ico`), 'now the ICO form');
    assert.match(html, /Not yet <strong class="govuk-tag govuk-tag--red">/);
    assert.ok(!html.includes(`/concerns/${reference}/breach/decision`), 'no second decision');
  });

  test('the lost device panel links the breach it opened', async () => {
    const cast = await concernCast(t.app.db, await makeTrustWithCast(t.app.db));
    const device = await reportAs(t.app.db, cast.trust.id, cast.teacherA.id, 'device_lost', {
      device: { kind: 'stolen', crimeReference: 'CR/123/26', assetReference: 'LAP-0042', deviceDescription: 'Grey Dell laptop', heldPersonalData: 'yes' },
    });
    assert.ok(device.breach);
    const record = await concernRecord(await as(cast.headA), device.reference);
    if (record.limited) return assert.fail('the head teacher opens it in full');
    const html = renderToStaticMarkup(createElement(DeviceLossPanel, { record: record }));
    for (const text of ['Stolen', 'CR/123/26', 'LAP-0042', 'Grey Dell laptop', 'Held personal data']) assert.ok(html.includes(text), `shows ${text}`);
    assert.ok(html.includes(`href="/concerns/${device.breach.reference}"`), 'links the breach');
    const breachRecord = await concernRecord(await as(cast.dpo), device.breach.reference);
    if (breachRecord.limited) return assert.fail('full record');
    assert.ok(
      renderToStaticMarkup(createElement(BreachPanel, { record: breachRecord })).includes(`href="/concerns/${device.reference}"`),
      'and the breach links back',
    );
    assert.equal(renderToStaticMarkup(createElement(BreachPanel, { record: record })), '', 'no breach panel on a device report');
  });
});

describe('the breach register', () => {
  let cast: ConcernCast;
  let refs: Record<'undecided' | 'reported' | 'notReportable' | 'closed', { id: string; reference: string }>;

  before(async () => {
    cast = await concernCast(t.app.db, await makeTrustWithCast(t.app.db, 'gamma'));
    const dpo = await signIn(cast.dpo.email);
    const undecided = await newBreach(cast);
    const reported = await newBreach(cast, { breach: { discoveredAt: new Date(Date.now() - 2 * H), dataInvolved: '=HYPERLINK("http://evil.example","x")' } });
    const notReportable = await newBreach(cast, { schoolId: cast.schoolB.id });
    const closed = await newBreach(cast);
    await dpo.post(`/concerns/${reported.reference}/breach/decision`, { decision: 'reportable', reasons: 'High risk' });
    await dpo.post(`/concerns/${reported.reference}/breach/ico`, {
      icoReference: 'ICO-777',
      ...dateParts('reportedOn', londonToday()),
      reportedTime: londonTime(new Date()),
    });
    await dpo.post(`/concerns/${notReportable.reference}/breach/decision`, { decision: 'not_reportable', reasons: 'Encrypted' });
    await dpo.post(`/concerns/${closed.reference}/breach/decision`, { decision: 'not_reportable', reasons: 'Recalled unread' });
    await t.app.db.update(concerns).set({ status: 'closed', closedAt: new Date() }).where(eq(concerns.id, closed.id));
    refs = { undecided, reported, notReportable, closed };
  });

  test('the DPO sees every breach, reported or not, open or closed', async () => {
    const dpo = await signIn(cast.dpo.email);
    const res = await dpo.get('/breaches');
    assert.equal(res.statusCode, 200);
    for (const r of Object.values(refs)) assert.ok(res.body.includes(r.reference), `${r.reference} listed`);
    assert.match(res.body, /Showing 1 to 4 of 4 breaches/);
    assert.match(res.body, /ICO-777/);
    assert.match(res.body, /govuk-tag--orange">due in 3 days/, 'the undecided one’s clock');
    assert.match(res.body, /Closed/);
    assert.ok(res.body.indexOf(refs.undecided.reference) < res.body.indexOf(refs.reported.reference), 'undecided first');
  });

  test('filters in the address', async () => {
    const dpo = await signIn(cast.dpo.email);
    const only = async (query: string, expected: (keyof typeof refs)[]) => {
      const body = (await dpo.get(`/breaches?${query}`)).body;
      for (const [k, r] of Object.entries(refs)) assert.equal(body.includes(r.reference), expected.includes(k as keyof typeof refs), `${query}: ${k}`);
    };
    await only('decision=undecided', ['undecided']);
    await only('decision=reportable', ['reported']);
    await only('decision=not_reportable', ['notReportable', 'closed']);
    await only(`school=${cast.schoolB.id}`, ['notReportable']);
    await only(`year=${new Date().getFullYear() - 3}`, []);
    await only('decision=nonsense&year=abc&school=x&page=-1', ['undecided', 'reported', 'notReportable', 'closed']);
  });

  test('a school’s DPL sees their school’s breaches only; a teacher is refused; another trust sees none', async () => {
    const dplA = await signIn(cast.dplA.email);
    const body = (await dplA.get('/breaches')).body;
    for (const k of ['undecided', 'reported', 'closed'] as const) assert.ok(body.includes(refs[k].reference), k);
    assert.ok(!body.includes(refs.notReportable.reference), 'not School B’s');
    assert.equal((await (await signIn(cast.teacherA.email)).get('/breaches')).statusCode, 403);
    assert.equal((await (await signIn(cast.teacherA.email)).get('/breaches.csv')).statusCode, 403);
    const other = await concernCast(t.app.db, await makeTrustWithCast(t.app.db, 'delta'));
    const otherDpo = await signIn(other.dpo.email);
    const theirs = await otherDpo.get('/breaches');
    assert.equal(theirs.statusCode, 200);
    assert.match(theirs.body, /No data breaches have been recorded/);
    for (const r of Object.values(refs)) assert.ok(!theirs.body.includes(r.reference));
    assert.equal((await otherDpo.get(`/concerns/${refs.undecided.reference}/breach/decision`)).statusCode, 404);
  });

  test('the CSV: the filtered register with its facts, formulas defused, the export audited and logged', async () => {
    const dpo = await signIn(cast.dpo.email);
    const res = await dpo.get('/breaches.csv?decision=reportable');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/csv/);
    assert.match(String(res.headers['content-disposition']), /breach-register-\d{4}-\d{2}-\d{2}\.csv/);
    const lines = res.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    assert.equal(lines.length, 2, 'a header and the one reportable breach');
    assert.match(lines[0] ?? '', /^"Reference","School","Status"/);
    assert.ok(lines[1]?.includes(`"${refs.reported.reference}"`));
    assert.ok(lines[1]?.includes('"ICO-777"'));
    assert.ok(lines[1]?.includes('"\'=HYPERLINK(""http://evil.example"",""x"")"'), 'a formula becomes text');
    const [audit] = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.trustId, cast.trust.id), eq(auditEvents.action, 'concerns.exported')));
    assert.equal(audit?.summary, 'Breach register exported (1 breach)');
    const views = await t.app.db
      .select()
      .from(recordViews)
      .where(and(eq(recordViews.resourceId, refs.reported.id), eq(recordViews.what, 'breach register export')));
    assert.equal(views.length, 1, 'the export counts as looking at the record');
  });
});

describe('to-dos on the home page', () => {
  test('undecided breaches by deadline, then reportable ones not yet reported; for the DPO and DPL only', async () => {
    const cast = await concernCast(t.app.db, await makeTrustWithCast(t.app.db));
    const now = new Date();
    const soon = await newBreach(cast, { breach: { discoveredAt: new Date(now.getTime() - 60 * H), dataInvolved: 'Names' } });
    const later = await newBreach(cast);
    const dpoCtx = await as(cast.dpo);
    let todos = await breachTodos(dpoCtx, now);
    assert.deepEqual(
      todos.map((x) => [x.title, x.tag?.tone, x.tag?.label, x.href]),
      [
        [`Decide whether to report ${soon.reference} to the ICO`, 'red', 'due in 12 hours', `/concerns/${soon.reference}/breach/decision`],
        [`Decide whether to report ${later.reference} to the ICO`, 'orange', 'due in 3 days', `/concerns/${later.reference}/breach/decision`],
      ],
    );
    assert.equal((await breachTodos(dpoCtx, new Date(now.getTime() + 20 * H)))[0]?.tag?.label, '8 hours overdue');
    assert.equal((await breachTodos(await as(cast.dplA), now)).length, 2, 'the school’s DPL too');
    assert.deepEqual(await breachTodos(await as(cast.teacherA), now), [], 'not the reporter');
    assert.deepEqual(await breachTodos(await as(cast.headA), now), [], 'not the line manager who was told');
    assert.deepEqual(await breachTodos(await as(cast.itA), now), []);

    const dpo = await signIn(cast.dpo.email);
    const home = await dpo.get('/');
    assert.ok(home.body.includes(`Decide whether to report ${soon.reference} to the ICO`), 'on the home page');

    await dpo.post(`/concerns/${soon.reference}/breach/decision`, { decision: 'reportable', reasons: 'High risk' });
    await dpo.post(`/concerns/${later.reference}/breach/decision`, { decision: 'not_reportable', reasons: 'Low risk' });
    todos = await breachTodos(dpoCtx, now);
    assert.deepEqual(
      todos.map((x) => [x.title, x.href]),
      [[`Report ${soon.reference} to the ICO`, `/concerns/${soon.reference}/breach/ico`]],
    );
    await dpo.post(`/concerns/${soon.reference}/breach/ico`, {
      icoReference: 'X1',
      ...dateParts('reportedOn', londonToday()),
      reportedTime: londonTime(new Date()),
    });
    assert.deepEqual(await breachTodos(dpoCtx, now), [], 'nothing left');
  });
});
