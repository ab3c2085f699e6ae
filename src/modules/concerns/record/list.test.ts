import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { Agent, createTestApp, type TestApp } from '../../../../test/app.ts';
import { type ConcernCast, concernCast, reportAs } from '../../../../test/concerns.ts';
import { actingAs, makePerson, makeTrustWithCast } from '../../../../test/factories.ts';
import { auditEvents } from '../../../audit/schema.ts';
import { londonToday } from '../../../ui/format.ts';
import { addDays } from '../../acknowledgements/service.ts';
import { concerns } from '../schema.ts';
import { addAction, assignConcern, moveStatus } from './service.ts';
import { concernTodos } from './todos.ts';

let t: TestApp;
let c: ConcernCast;
let dsl: Agent;
let it: Agent;
let teacher: Agent;
let admin: Agent;
const r: Record<string, { id: string; reference: string }> = {};

/** A service context acting as a person of the cast. */
const as = (person: { id: string; trustId: string }) => actingAs(t.app.db, person, { baseUrl: 'http://localhost', ip: '203.0.113.9' });

before(async () => {
  t = await createTestApp();
  c = await concernCast(t.app.db, await makeTrustWithCast(t.app.db, 'alpha'));
  const report = async (key: string, type: Parameters<typeof reportAs>[3], what: string, schoolB = false) => {
    r[key] = await reportAs(t.app.db, c.trust.id, schoolB ? c.teacherB.id : c.teacherA.id, type, { what });
  };
  await report('bullying', 'cyberbullying', 'Secret safeguarding detail one');
  await report('harmful', 'harmful_content', 'Secret safeguarding detail two');
  await report('breach', 'data_breach', 'Secret breach detail');
  await report('fault', 'damage_fault', 'Projector bulb gone');
  await report('lost', 'device_lost', 'Laptop left on the bus');
  await report('faultB', 'damage_fault', 'School B whiteboard', true);
  dsl = await new Agent(t.app).signIn(c.dslA.email);
  it = await new Agent(t.app).signIn(c.itA.email);
  teacher = await new Agent(t.app).signIn(c.teacherA.email);
  admin = await new Agent(t.app).signIn(c.admin.email);
});
after(() => t.close());

const listed = (body: string) => [...body.matchAll(/<a class="govuk-link" href="\/concerns\/(C-\d{4}-\d{4})">/g)].map((m) => m[1]);

describe('the concerns list', () => {
  test('shows only what the reader may open, with its filters in the address', async () => {
    const dslList = await dsl.get('/concerns');
    assert.equal(dslList.statusCode, 200);
    assert.deepEqual(listed(dslList.body), [r.harmful?.reference, r.bullying?.reference], 'newest first, safeguarding only');
    assert.match(dslList.body, /Showing 1 to 2 of 2 concerns/);
    assert.doesNotMatch(dslList.body, /Secret safeguarding detail/, 'the list carries no report text');
    assert.match(dslList.body, /href="\/concerns\/routing"/, 'the DSL can see the routing table');
    assert.doesNotMatch((await it.get('/concerns')).body, /href="\/concerns\/routing"/, 'IT services cannot');

    // Trust-wide IT sees both schools; school A's IT only school A's general concerns.
    assert.deepEqual(listed((await it.get('/concerns')).body), [r.lost?.reference, r.fault?.reference]);
    const trustIt = await new Agent(t.app).signIn(c.trustIt.email);
    assert.deepEqual(listed((await trustIt.get('/concerns')).body), [r.faultB?.reference, r.lost?.reference, r.fault?.reference]);
    assert.deepEqual(listed((await trustIt.get(`/concerns?school=${c.schoolB.id}`)).body), [r.faultB?.reference]);
    assert.deepEqual(listed((await trustIt.get('/concerns?type=device_lost')).body), [r.lost?.reference]);
    assert.deepEqual(listed((await trustIt.get('/concerns?sort=reference&dir=asc')).body), [r.fault?.reference, r.lost?.reference, r.faultB?.reference]);
    // Nonsense in the address falls back to the defaults rather than an error.
    const odd = await trustIt.get('/concerns?type=everything&status=maybe&school=nowhere&assigned=them&sort=colour&dir=up&page=-3');
    assert.equal(odd.statusCode, 200);
    assert.equal(listed(odd.body).length, 3);
    // A type the reader cannot open lists nothing, not even a count.
    const asked = await it.get('/concerns?type=cyberbullying');
    assert.deepEqual(listed(asked.body), []);
    assert.match(asked.body, /No concerns match these filters/);

    // Status and assignment filters.
    await moveStatus(await as(c.itA), r.fault?.reference as string, { to: 'acknowledged' });
    assert.deepEqual(listed((await it.get('/concerns?status=new')).body), [r.lost?.reference]);
    assert.deepEqual(listed((await it.get('/concerns?status=acknowledged')).body), [r.fault?.reference]);
    assert.deepEqual(listed((await it.get('/concerns?status=open')).body), [r.lost?.reference, r.fault?.reference]);
    await assignConcern(await as(c.itA), r.lost?.reference as string, { assignee: c.itA.id });
    assert.deepEqual(listed((await it.get('/concerns?assigned=me')).body), [r.lost?.reference]);
    assert.deepEqual(listed((await it.get('/concerns?assigned=unassigned')).body), [r.fault?.reference]);
    assert.match((await it.get('/concerns?assigned=me')).body, /Ivy It/);
  });

  test('people without the list permission get a refusal; the reporter still opens their own report', async () => {
    assert.equal((await teacher.get('/concerns')).statusCode, 403);
    assert.equal((await teacher.get('/concerns.csv')).statusCode, 403);
    const own = await teacher.get(`/concerns/${r.bullying?.reference}`);
    assert.equal(own.statusCode, 200);
    assert.doesNotMatch(own.body, /Secret safeguarding detail/);
  });

  test('pages of 50, with the count', async () => {
    const gamma = await concernCast(t.app.db, await makeTrustWithCast(t.app.db, 'gamma'));
    for (let i = 0; i < 52; i++) await reportAs(t.app.db, gamma.trust.id, gamma.teacherA.id, 'damage_fault', { what: `Fault ${i}` });
    const agent = await new Agent(t.app).signIn(gamma.itA.email);
    const first = await agent.get('/concerns');
    assert.match(first.body, /Showing 1 to 50 of 52 concerns/);
    assert.equal(listed(first.body).length, 50);
    assert.match(first.body, /href="\/concerns\?page=2"/);
    const second = await agent.get('/concerns?page=2');
    assert.match(second.body, /Showing 51 to 52 of 52 concerns/);
    const year = listed(first.body)[0]?.slice(2, 6);
    assert.deepEqual(listed(second.body), [`C-${year}-0002`, `C-${year}-0001`], 'the oldest two, newest first');
  });
});

describe('the CSV export', () => {
  test('exports exactly the visible, filtered list, formula-safe, without report text, and is audited', async () => {
    // An assignee whose name would be a formula in a spreadsheet.
    const odd = await makePerson(t.app.db, c.trust.id, { name: '=HYPERLINK("http://x")', email: 'odd@alpha.example', roles: [['dsl', c.schoolA.id]] });
    await assignConcern(await as(c.dslA), r.harmful?.reference as string, { assignee: odd.id });

    const res = await dsl.get('/concerns.csv');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/csv/);
    assert.match(String(res.headers['content-disposition']), /^attachment; filename="concerns-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = res.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    assert.equal(
      lines[0],
      '"Reference","Type","School","Status","Urgent","Happened at (UK time)","Reported at (UK time)","Last updated (UK time)","Closed at (UK time)","Assigned to"',
    );
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(',')[0]),
      [`"${r.harmful?.reference}"`, `"${r.bullying?.reference}"`],
    );
    assert.match(lines[1] ?? '', /"Inappropriate or harmful material found","School A","New","Yes"/);
    assert.match(lines[1] ?? '', /"'=HYPERLINK\(""http:\/\/x""\)"$/);
    assert.doesNotMatch(res.body, /Secret|breach|Projector/);

    const filtered = await dsl.get('/concerns.csv?type=cyberbullying');
    assert.deepEqual(
      filtered.body
        .trim()
        .split('\r\n')
        .slice(1)
        .map((l) => l.split(',')[0]),
      [`"${r.bullying?.reference}"`],
    );
    const adminCsv = await admin.get('/concerns.csv');
    assert.doesNotMatch(adminCsv.body, new RegExp(`${r.bullying?.reference}|${r.harmful?.reference}|${r.breach?.reference}`));

    const events = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.trustId, c.trust.id), eq(auditEvents.action, 'concerns.exported')));
    const dslEvents = events.filter((e) => e.actorId === c.dslA.id);
    assert.equal(dslEvents.length, 2);
    for (const e of dslEvents) assert.equal(e.summary, 'Concerns list exported to CSV');
    assert.deepEqual(dslEvents.map((e) => (e.after as { filters: { type: string | null } }).filters.type).sort(), ['cyberbullying', null].sort());
  });
});

describe('what needs me today', () => {
  test('new reports to acknowledge, actions I own and concerns assigned to me, without details', async () => {
    const now = new Date();
    const today = londonToday(now);
    const dslCtx = await as(c.dslA);
    const fresh = await reportAs(t.app.db, c.trust.id, c.teacherA.id, 'pupil_contact', { what: 'Private message detail' });
    let todos = await concernTodos(dslCtx, now);
    const mine = todos.find((x) => x.href === `/concerns/${fresh.reference}`);
    assert.deepEqual(mine, {
      href: `/concerns/${fresh.reference}`,
      title: `${fresh.reference}: new report to acknowledge`,
      detail: `Reported ${new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'long', year: 'numeric' }).format(now)}`,
      tag: { tone: 'red', label: 'urgent' },
    });
    assert.doesNotMatch(JSON.stringify(todos), /Private message|Inappropriate contact|Cyberbullying|Secret/);
    // Nothing from concerns the DSL cannot open.
    assert.ok(!todos.some((x) => x.href.includes(r.fault?.reference as string)));

    // Acknowledged: off the list. Assigned and an action: back on it, as those.
    await moveStatus(dslCtx, fresh.reference, { to: 'acknowledged' });
    todos = await concernTodos(dslCtx, now);
    assert.ok(!todos.some((x) => x.href === `/concerns/${fresh.reference}`));
    await assignConcern(dslCtx, fresh.reference, { assignee: c.dslA.id });
    const { action } = await addAction(
      dslCtx,
      fresh.reference,
      { text: 'Talk to the family', owner: c.dslA.id, dueOn: addDays(today, -1) },
      new Date(now.getTime() - 2 * 86_400_000),
    );
    todos = await concernTodos(dslCtx, now);
    assert.deepEqual(
      todos.filter((x) => x.href.includes(fresh.reference)),
      [
        {
          href: `/concerns/${fresh.reference}#action-${action.id}`,
          title: `${fresh.reference}: action due ${new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${addDays(today, -1)}T12:00:00Z`))}`,
          detail: undefined,
          tag: { tone: 'red', label: '1 day overdue' },
        },
        {
          href: `/concerns/${fresh.reference}`,
          title: `${fresh.reference}: assigned to you`,
          detail: mine?.detail,
          tag: { tone: 'blue', label: 'Acknowledged' },
        },
      ],
    );
    assert.doesNotMatch(JSON.stringify(todos), /Talk to the family/);

    // An unrestricted type is named; it reaches IT at school A, and the home page shows it.
    const itTodos = await concernTodos(await as(c.itA), now);
    const lost = itTodos.find((x) => x.href === `/concerns/${r.lost?.reference}`);
    assert.equal(lost?.title, `${r.lost?.reference}: new report to acknowledge`, 'still new, so once, as a report to acknowledge');
    assert.equal(itTodos.filter((x) => x.href === `/concerns/${r.lost?.reference}`).length, 1);
    assert.match(lost?.detail ?? '', /^Device lost or stolen · Reported /);
    const fault = await reportAs(t.app.db, c.trust.id, c.teacherA.id, 'damage_fault', { what: 'Broken keyboard' });
    const home = await it.get('/');
    assert.match(home.body, new RegExp(`${fault.reference}: new report to acknowledge`));
    assert.match(home.body, /Damage or a fault with equipment/);
    assert.doesNotMatch(home.body, /Broken keyboard/);
    // Not urgent: no red tag for it.
    const faultTodo = (await concernTodos(await as(c.itA), now)).find((x) => x.href === `/concerns/${fault.reference}`);
    assert.equal(faultTodo?.tag, undefined);

    // Closing takes the assigned concern off the list.
    await moveStatus(dslCtx, fresh.reference, { to: 'in_progress' });
    await moveStatus(dslCtx, fresh.reference, { to: 'closed', outcome: 'no_further_action', rationale: 'Checked; no concern.' });
    const afterClose = await concernTodos(dslCtx, now);
    assert.ok(!afterClose.some((x) => x.href === `/concerns/${fresh.reference}`));
    const [row] = await t.app.db.select().from(concerns).where(eq(concerns.id, fresh.id));
    assert.equal(row?.status, 'closed');
  });
});
