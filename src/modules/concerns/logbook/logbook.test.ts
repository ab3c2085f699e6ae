import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { extractText } from 'unpdf';
import { Agent, createTestApp, type TestApp } from '../../../../test/app.ts';
import { type ConcernCast, concernCast, reportAs } from '../../../../test/concerns.ts';
import { makePerson, makeTrustWithCast } from '../../../../test/factories.ts';
import { auditEvents } from '../../../audit/schema.ts';
import { formatDate, londonToday } from '../../../ui/format.ts';
import { concerns, recordViews } from '../schema.ts';
import { monthsBetween, schoolYearStart } from './service.ts';

let t: TestApp;
let c: ConcernCast;
let other: ConcernCast;
let dsl: Agent;
let trustDsl: Agent;
const r: Record<string, { id: string; reference: string }> = {};

const at = (iso: string) => new Date(iso);
const listed = (body: string) => [...body.matchAll(/<a class="govuk-link" href="\/concerns\/(C-\d{4}-\d{4})">/g)].map((m) => m[1]);
const refs = (...keys: string[]) => keys.map((k) => r[k]?.reference);
const SECRET = 'SECRET-REPORT-TEXT';
const FORMULA_NAME = '=HYPERLINK("http://evil.example","Fee Formula")';

before(async () => {
  t = await createTestApp();
  c = await concernCast(t.app.db, await makeTrustWithCast(t.app.db, 'alpha'));
  other = await concernCast(t.app.db, await makeTrustWithCast(t.app.db, 'beta'));
  const formula = await makePerson(t.app.db, c.trust.id, { name: FORMULA_NAME, email: 'formula@alpha.example', schoolIds: [c.schoolA.id] });
  const report = async (key: string, reporterId: string, type: Parameters<typeof reportAs>[3], occurredAt: string, trustId = c.trust.id) => {
    r[key] = await reportAs(t.app.db, trustId, reporterId, type, { what: `${SECRET} ${key}`, occurredAt: at(occurredAt) });
  };
  // School A: three logbook types in three months, plus a breach and a fault that are not logbook types.
  await report('harmful', c.teacherA.id, 'harmful_content', '2025-10-15T09:30:00Z');
  await report('bullying', c.teacherA.id, 'cyberbullying', '2025-11-20T14:05:00Z');
  await report('failure', formula.id, 'safeguard_failure', '2026-01-05T11:00:00Z');
  await report('bullying2', c.teacherA.id, 'cyberbullying', '2026-01-10T08:00:00Z');
  await report('breach', c.teacherA.id, 'data_breach', '2025-11-01T10:00:00Z');
  await report('fault', c.teacherA.id, 'damage_fault', '2025-11-02T10:00:00Z');
  // School B, and another trust.
  await report('bullyingB', c.teacherB.id, 'cyberbullying', '2025-12-01T10:00:00Z');
  await report('otherTrust', other.teacherA.id, 'cyberbullying', '2025-12-02T10:00:00Z', other.trust.id);
  // The DSL has taken one on and closed it; another is assigned.
  await t.app.db
    .update(concerns)
    .set({ status: 'closed', outcome: 'resolved_in_school', assigneeId: c.dslA.id, closedAt: at('2025-11-25T10:00:00Z') })
    .where(eq(concerns.id, r.bullying?.id as string));
  await t.app.db
    .update(concerns)
    .set({ status: 'in_progress', assigneeId: c.deputyDslA.id })
    .where(eq(concerns.id, r.harmful?.id as string));
  dsl = await new Agent(t.app).signIn(c.dslA.email);
  trustDsl = await new Agent(t.app).signIn(c.trustDsl.email);
});
after(() => t.close());

describe('the online-safety logbook', () => {
  test("School A's DSL sees School A's safeguarding concerns only, newest first, with who reported and who has it", async () => {
    const res = await dsl.get('/logbook');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(listed(res.body), refs('bullying2', 'failure', 'bullying', 'harmful'), 'no breach, no fault, nothing from School B or the other trust');
    assert.match(res.body, /Showing 1 to 4 of 4 concerns/);
    assert.match(res.body, /20 November 2025 at 14:05/, 'when it happened, in UK time');
    assert.match(res.body, /Tess Teacher/, 'the reporter');
    assert.match(res.body, /Dee Dsl/, 'the assignee');
    assert.match(res.body, /Resolved in school/, 'the outcome');
    assert.match(res.body, /Not assigned/);
    assert.doesNotMatch(res.body, new RegExp(SECRET), 'the logbook carries no report text');
    assert.match(res.body, /href="\/logbook\.csv"/);
    assert.match(res.body, /action="\/logbook\/governors\.pdf"/);
    assert.match(res.body, /formAction="\/logbook\/governors\.csv"|formaction="\/logbook\/governors\.csv"/);
    assert.match(res.body, /no names, no references/);
  });

  test("the trust's DSL sees every school's, and can narrow to one", async () => {
    const all = await trustDsl.get('/logbook');
    assert.deepEqual(listed(all.body), refs('bullying2', 'failure', 'bullyingB', 'bullying', 'harmful'));
    assert.deepEqual(listed((await trustDsl.get(`/logbook?school=${c.schoolB.id}`)).body), refs('bullyingB'));
    // A school DSL asking for another school's logbook still gets their own.
    assert.deepEqual(listed((await dsl.get(`/logbook?school=${c.schoolB.id}`)).body), refs('bullying2', 'failure', 'bullying', 'harmful'));
    const otherDsl = await new Agent(t.app).signIn(other.dslA.email);
    assert.deepEqual(listed((await otherDsl.get('/logbook')).body), refs('otherTrust'), 'another trust sees only its own');
  });

  test('everyone outside the DSL team is refused, pages and downloads alike', async () => {
    for (const who of [c.teacherA, c.headA, c.itA, c.dpo, c.admin, c.dplA, c.hrLead]) {
      const agent = await new Agent(t.app).signIn(who.email);
      for (const url of ['/logbook', '/logbook.csv', '/logbook/governors.csv', '/logbook/governors.pdf']) {
        const res = await agent.get(url);
        assert.equal(res.statusCode, 403, `${who.fullName} ${url}`);
        assert.doesNotMatch(res.body, new RegExp(SECRET));
      }
    }
    const deputy = await new Agent(t.app).signIn(c.deputyDslA.email);
    assert.equal((await deputy.get('/logbook')).statusCode, 200, 'a deputy DSL keeps the logbook too');
  });

  test('filters: type, status, dates, order; nonsense falls back to the defaults', async () => {
    const list = async (query: string) => listed((await dsl.get(`/logbook?${query}`)).body);
    assert.deepEqual(await list('type=cyberbullying'), refs('bullying2', 'bullying'));
    assert.deepEqual(await list('status=closed'), refs('bullying'));
    assert.deepEqual(await list('status=open'), refs('bullying2', 'failure', 'harmful'));
    assert.deepEqual(await list('status=in_progress'), refs('harmful'));
    assert.deepEqual(await list('from=2025-11-01&to=2026-01-05'), refs('failure', 'bullying'), 'both ends inclusive, in UK days');
    assert.deepEqual(await list('from=2026-01-05&to=2025-11-01'), refs('failure', 'bullying'), 'a reversed range is put right');
    assert.deepEqual(await list('to=2025-10-31'), refs('harmful'));
    assert.deepEqual(await list('order=oldest'), refs('harmful', 'bullying', 'failure', 'bullying2'));
    assert.deepEqual(await list('type=data_breach'), refs('bullying2', 'failure', 'bullying', 'harmful'), 'a type outside the logbook is ignored');
    const odd = await dsl.get('/logbook?type=all&status=maybe&from=yesterday&to=2026-02-30&school=nowhere&order=up&page=-2');
    assert.equal(odd.statusCode, 200);
    assert.equal(listed(odd.body).length, 4);
    const filtered = await dsl.get('/logbook?type=cyberbullying&status=closed');
    assert.match(filtered.body, /href="\/logbook\.csv\?type=cyberbullying&amp;status=closed"/, 'the download carries the filters');
  });

  test('pages of 50, with the filters kept in the page links', async () => {
    const trust = await concernCast(t.app.db, await makeTrustWithCast(t.app.db, 'paged'));
    for (let i = 0; i < 52; i++)
      await reportAs(t.app.db, trust.trust.id, trust.teacherA.id, 'harmful_content', { occurredAt: new Date(Date.UTC(2025, 9, 1, 9, i)) });
    const agent = await new Agent(t.app).signIn(trust.dslA.email);
    const first = await agent.get('/logbook?type=harmful_content');
    assert.equal(listed(first.body).length, 50);
    assert.match(first.body, /Showing 1 to 50 of 52 concerns/);
    assert.match(first.body, /href="\/logbook\?type=harmful_content&amp;page=2"/);
    const second = await agent.get('/logbook?type=harmful_content&page=2');
    assert.equal(listed(second.body).length, 2);
    assert.equal(new Set([...listed(first.body), ...listed(second.body)]).size, 52, 'nobody twice');
  });
});

describe('the logbook CSV', () => {
  test('the filtered rows with names, formula-safe, audited without details, and logged on each record', async () => {
    const res = await dsl.get('/logbook.csv?order=oldest');
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^text\/csv/);
    assert.match(res.headers['content-disposition'] as string, /attachment; filename="online-safety-logbook-\d{4}-\d{2}-\d{2}\.csv"/);
    const lines = res.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    assert.equal(lines[0], '"Happened at (UK time)","Reference","Type","School","Status","Reported by","Assigned to","Outcome"');
    assert.equal(lines.length, 5, 'a header and four rows');
    assert.equal(
      lines[1],
      `"2025-10-15 10:30","${r.harmful?.reference}","Inappropriate or harmful material found","School A","In progress","Tess Teacher","Dev Deputy-Dsl",""`,
    );
    assert.equal(lines[2], `"2025-11-20 14:05","${r.bullying?.reference}","Cyberbullying","School A","Closed","Tess Teacher","Dee Dsl","Resolved in school"`);
    const formulaRow = lines.find((l) => l.includes(r.failure?.reference as string)) as string;
    assert.ok(formulaRow.includes(`"'=HYPERLINK(""http://evil.example"",""Fee Formula"")"`), `a name that is a formula is defused: ${formulaRow}`);
    assert.doesNotMatch(res.body, new RegExp(SECRET));
    assert.ok(!res.body.includes(r.bullyingB?.reference as string), "School B's concern is not in School A's export");

    const filtered = await dsl.get('/logbook.csv?type=cyberbullying&status=closed');
    assert.equal(filtered.body.trim().split('\r\n').length, 2, 'exactly the filtered rows');

    const [event] = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.trustId, c.trust.id), eq(auditEvents.action, 'concerns.exported'), eq(auditEvents.actorLabel, 'Dee Dsl')))
      .orderBy(auditEvents.at)
      .limit(1);
    assert.ok(event, 'the export is audited');
    assert.equal(event.summary, 'Online-safety logbook exported to CSV');
    const logged = JSON.stringify(event);
    for (const secret of [SECRET, 'Tess Teacher', r.harmful?.reference as string])
      assert.ok(!logged.includes(secret), `the audit event does not carry ${secret}`);

    const views = await t.app.db
      .select()
      .from(recordViews)
      .where(and(eq(recordViews.trustId, c.trust.id), eq(recordViews.resourceId, r.harmful?.id as string), eq(recordViews.personId, c.dslA.id)));
    assert.ok(
      views.some((v) => v.what === 'online-safety logbook export (CSV)'),
      'the export shows in "who has looked at this"',
    );
  });
});

describe('the summary for governors', () => {
  const forbidden = () => [
    SECRET,
    'Tess Teacher',
    'Bo Teacher',
    'Dee Dsl',
    'Dev Deputy-Dsl',
    'Fee Formula',
    ...Object.values(r).map((x) => x.reference),
    c.teacherA.email,
  ];

  test('the CSV: counts by type and month, by status and outcome, and no names, references or text', async () => {
    const res = await dsl.get('/logbook/governors.csv?from=2025-09-01&to=2026-01-31');
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^text\/csv/);
    assert.match(res.headers['content-disposition'] as string, /filename="online-safety-governors-2025-09-01-to-2026-01-31\.csv"/);
    const lines = res.body.replace(/^\uFEFF/, '').split('\r\n');
    assert.equal(lines[0], '"Online safety: summary for governors"');
    assert.ok(lines.includes('"School","School A"'));
    assert.ok(lines.includes('"Period","1 September 2025 to 31 January 2026"'));
    assert.ok(lines.some((l) => /no names, no references/.test(l)));
    const header = lines.find((l) => l.startsWith('"Month"')) as string;
    assert.equal(
      header,
      '"Month","Inappropriate or harmful material found","Suspected illegal content","Inappropriate contact with or by a pupil","Cyberbullying","Remote or home learning compromised","Filtering or another safeguard failed","Total"',
    );
    assert.ok(lines.includes('"September 2025",0,0,0,0,0,0,0'), 'an empty month shows as zeros');
    assert.ok(lines.includes('"October 2025",1,0,0,0,0,0,1'));
    assert.ok(lines.includes('"November 2025",0,0,0,1,0,0,1'));
    assert.ok(lines.includes('"December 2025",0,0,0,0,0,0,0'), "School B's December concern is not School A's");
    assert.ok(lines.includes('"January 2026",0,0,0,1,0,1,2'));
    assert.ok(lines.includes('"Total",1,0,0,2,0,1,4'));
    assert.ok(lines.includes('"New",2'));
    assert.ok(lines.includes('"In progress",1'));
    assert.ok(lines.includes('"Closed",1'));
    assert.ok(lines.includes('"Resolved in school",1'));
    assert.ok(lines.includes('"No outcome recorded yet",3'));
    assert.ok(lines.includes('"Total concerns",4'));
    for (const secret of forbidden()) assert.ok(!res.body.includes(secret), `the summary does not carry ${secret}`);
  });

  test('the PDF: titled, with the school and period, the counts, and nothing that names anyone', async () => {
    const res = await trustDsl.get(`/logbook/governors.pdf?from=2025-09-01&to=2026-01-31&school=${c.schoolB.id}`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/pdf');
    assert.equal(res.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
    const text = (await extractText(new Uint8Array(res.rawPayload), { mergePages: true })).text.replace(/\s+/g, ' ');
    assert.match(text, /Online safety: summary for governors/);
    assert.match(text, /School B: 1 September 2025 to 31 January 2026/);
    assert.match(text, /no names, no references/);
    assert.match(text, /In all: 1 concern\b/);
    assert.match(text, /December 2025 0 0 0 1 0 0 1/);
    assert.match(text, /Total 0 0 0 1 0 0 1/);
    assert.match(text, /New 1/);
    for (const secret of forbidden()) assert.ok(!text.includes(secret), `the PDF does not carry ${secret}`);

    const all = await trustDsl.get('/logbook/governors.pdf?from=2025-09-01&to=2026-01-31');
    const allText = (await extractText(new Uint8Array(all.rawPayload), { mergePages: true })).text.replace(/\s+/g, ' ');
    assert.match(allText, /All schools: 1 September 2025/);
    assert.match(allText, /In all: 5 concerns/, "the trust DSL's summary counts both schools");
  });

  test('by default the school year so far; a school DSL only ever gets their school; both downloads are audited', async () => {
    const today = londonToday();
    const res = await dsl.get(`/logbook/governors.csv?school=${c.schoolB.id}`);
    assert.equal(res.statusCode, 200);
    const lines = res.body.replace(/^\uFEFF/, '').split('\r\n');
    assert.ok(lines.includes(`"Period","${formatDate(schoolYearStart(today))} to ${formatDate(today)}"`), 'from 1 September to today');
    assert.ok(lines.includes('"School","School A"'), 'not School B, which this DSL does not keep');
    assert.equal(lines.filter((l) => /^"[A-Z][a-z]+ \d{4}",/.test(l)).length, monthsBetween(schoolYearStart(today), today).length, 'a line per month');

    const events = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.trustId, c.trust.id), eq(auditEvents.action, 'concerns.exported')));
    const summaries = events.map((e) => e.summary);
    assert.ok(summaries.includes('Online-safety summary for governors downloaded (CSV)'));
    assert.ok(summaries.includes('Online-safety summary for governors downloaded (PDF)'));
    // The events name who downloaded (the actor), and nothing of the concerns counted.
    const details = [SECRET, 'Tess Teacher', 'Fee Formula', ...Object.values(r).map((x) => x.reference)];
    for (const e of events) for (const secret of details) assert.ok(!JSON.stringify(e).includes(secret), `${e.summary} carries ${secret}`);
  });

  test('the months between two dates', () => {
    assert.deepEqual(
      monthsBetween('2025-11-20', '2026-02-01').map((m) => m.label),
      ['November 2025', 'December 2025', 'January 2026', 'February 2026'],
    );
    assert.equal(schoolYearStart('2026-03-14'), '2025-09-01');
    assert.equal(schoolYearStart('2025-09-01'), '2025-09-01');
    assert.equal(schoolYearStart('2025-08-31'), '2024-09-01');
  });
});
