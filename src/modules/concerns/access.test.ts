import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq, inArray } from 'drizzle-orm';
import { Agent, createTestApp, type TestApp } from '../../../test/app.ts';
import { type ConcernCast, concernCast, reportAs } from '../../../test/concerns.ts';
import { makePerson, makeTrustWithCast } from '../../../test/factories.ts';
import type { PersonActor } from '../auth/actor.ts';
import { loadPersonActor } from '../auth/service.ts';
import { type Access, accessTo, visibleConcernsWhere } from './access.ts';
import { concerns, recordViews } from './schema.ts';
import { concernFacts } from './service.ts';
import { CONCERN_TYPE_CODES, type ConcernTypeCode } from './types.ts';

/**
 * The visibility matrix (ADR 0009): one report of every type at School A by Teacher A (the staff
 * conduct one about another teacher at School A), and every person of the cast, checked three
 * ways: accessTo, the record page over HTTP, and the concerns list (visibleConcernsWhere).
 */

type Person = { id: string; trustId: string; fullName: string; email: string };
const SAFEGUARDING: ConcernTypeCode[] = ['harmful_content', 'illegal_content', 'pupil_contact', 'cyberbullying', 'home_learning'];
const GENERAL: ConcernTypeCode[] = ['device_lost', 'cyber_security', 'safeguard_failure', 'damage_fault'];

/** Who opens what in full; everyone else gets nothing, except the reporter, who gets the limited view of all of them. */
const FULL: Record<string, ConcernTypeCode[]> = {
  teacherA: [],
  teacherB: [],
  // The head teacher: the general types (the level), staff conduct (the level and its route, as
  // Teacher A's line manager), and the data breach (routed to the reporter's line manager).
  headA: [...GENERAL, 'staff_conduct', 'data_breach'],
  // A filtering failure is routed to the DSL (not the deputy).
  dslA: [...SAFEGUARDING, 'safeguard_failure'],
  deputyDslA: [...SAFEGUARDING],
  dplA: ['data_breach'],
  itA: [...GENERAL],
  deputyHeadA: [...GENERAL],
  sltA: [...GENERAL],
  // A trust administrator does not open safeguarding, staff or breach records by holding the admin role.
  admin: [...GENERAL],
  trustDsl: [...SAFEGUARDING, 'safeguard_failure'],
  dpo: ['data_breach'],
  trustIt: [...GENERAL],
  hrLead: ['staff_conduct'],
  subject: [],
  otherAdmin: [],
};
/** Who may open the list page at all (the 'concerns.list' permission). */
const MAY_LIST = new Set(Object.keys(FULL).filter((who) => !['teacherA', 'teacherB', 'subject'].includes(who)));

let t: TestApp;
let c: ConcernCast;
let cast: Record<string, Person>;
const reports = new Map<ConcernTypeCode, { id: string; reference: string; what: string }>();
const agents = new Map<string, Agent>();

const actorOf = async (p: Person): Promise<PersonActor> => ({ ...(await loadPersonActor(t.app.db, p.trustId, p.id)), schoolIds: [] });

before(async () => {
  t = await createTestApp();
  c = await concernCast(t.app.db, await makeTrustWithCast(t.app.db, 'alpha'));
  const other = await makeTrustWithCast(t.app.db, 'beta');
  const subject = await makePerson(t.app.db, c.trust.id, {
    name: 'Sid Subject',
    email: 'subject.a@alpha.example',
    schoolIds: [c.schoolA.id],
    lineManagerId: c.headA.id,
  });
  cast = {
    teacherA: c.teacherA,
    teacherB: c.teacherB,
    headA: c.headA,
    dslA: c.dslA,
    deputyDslA: c.deputyDslA,
    dplA: c.dplA,
    itA: c.itA,
    deputyHeadA: c.deputyHeadA,
    sltA: c.sltA,
    admin: c.admin,
    trustDsl: c.trustDsl,
    dpo: c.dpo,
    trustIt: c.trustIt,
    hrLead: c.hrLead,
    subject,
    otherAdmin: other.admin,
  };
  for (const type of CONCERN_TYPE_CODES) {
    const what = `Matrix report of ${type}, seen in room 12`;
    const people = type === 'staff_conduct' ? [{ ref: subject.email, part: 'subject' as const, field: 'person1' }] : [];
    const { id, reference } = await reportAs(t.app.db, c.trust.id, c.teacherA.id, type, { what, people });
    reports.set(type, { id, reference, what });
  }
  for (const [who, person] of Object.entries(cast)) agents.set(who, await new Agent(t.app).signIn(person.email));
});
after(() => t.close());

const expected = (who: string, type: ConcernTypeCode): Access => (FULL[who]?.includes(type) ? 'full' : who === 'teacherA' ? 'reporter' : 'none');

describe('who can open which concern (every role × every type)', () => {
  test('the matrix holds through accessTo, the record page and the list', async () => {
    assert.equal(Object.keys(FULL).length, 16, 'every person of the cast has a row');
    const mismatches: string[] = [];
    for (const [who, person] of Object.entries(cast)) {
      const actor = await actorOf(person);
      const agent = agents.get(who) as Agent;
      const visibleIds = new Set((await t.app.db.select({ id: concerns.id }).from(concerns).where(visibleConcernsWhere(actor))).map((r) => r.id));
      const list = await agent.get('/concerns');
      if (list.statusCode !== (MAY_LIST.has(who) ? 200 : 403)) mismatches.push(`${who}: GET /concerns answered ${list.statusCode}`);
      for (const type of CONCERN_TYPE_CODES) {
        const want = expected(who, type);
        const report = reports.get(type);
        assert.ok(report);
        const [row] = await t.app.db
          .select()
          .from(concerns)
          .where(and(eq(concerns.trustId, c.trust.id), eq(concerns.id, report.id)));
        assert.ok(row);
        const got = accessTo(actor, await concernFacts(t.app.db, row));
        if (got !== want) mismatches.push(`${who} × ${type}: accessTo ${got}, expected ${want}`);

        const page = await agent.get(`/concerns/${report.reference}`);
        const shown =
          page.statusCode === 404
            ? 'none'
            : page.statusCode === 200 && page.body.includes(report.what)
              ? 'full'
              : page.statusCode === 200 && page.body.includes('The team handling your report can see the details')
                ? 'reporter'
                : `status ${page.statusCode}`;
        if (shown !== want) mismatches.push(`${who} × ${type}: the record page showed ${shown}, expected ${want}`);
        if (want !== 'full' && page.body.includes(report.what)) mismatches.push(`${who} × ${type}: the page carried the report's text`);

        if (visibleIds.has(report.id) !== (want === 'full')) mismatches.push(`${who} × ${type}: visibleConcernsWhere ${visibleIds.has(report.id)}`);
        const listed = list.statusCode === 200 && list.body.includes(`href="/concerns/${report.reference}"`);
        if (listed !== (want === 'full' && MAY_LIST.has(who))) mismatches.push(`${who} × ${type}: listed ${listed}`);
      }
      if (list.statusCode === 200) {
        const n = FULL[who]?.length ?? 0;
        const count = n === 0 ? 'No concerns match these filters.' : `of ${n} ${n === 1 ? 'concern' : 'concerns'}`;
        if (!list.body.includes(count)) mismatches.push(`${who}: the list's count is not "${count}"`);
      }
    }
    assert.deepEqual(mismatches, []);
  });

  test('someone routed a concern without any role reaches it by link, though not the list page', async () => {
    // Teacher A's line manager for a data breach is the head here; give a teacher with no role a report routed to them.
    const manager = await makePerson(t.app.db, c.trust.id, { name: 'Max Manager', email: 'manager.b@alpha.example', schoolIds: [c.schoolB.id] });
    const reporter = await makePerson(t.app.db, c.trust.id, {
      name: 'Rae Reporter',
      email: 'reporter.b@alpha.example',
      schoolIds: [c.schoolB.id],
      lineManagerId: manager.id,
    });
    const { reference } = await reportAs(t.app.db, c.trust.id, reporter.id, 'staff_conduct', {
      what: 'Routed to a line manager with no role',
      people: [{ ref: c.teacherB.email, part: 'subject', field: 'person1' }],
    });
    const agent = await new Agent(t.app).signIn(manager.email);
    const page = await agent.get(`/concerns/${reference}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Routed to a line manager with no role/);
    assert.equal((await agent.get('/concerns')).statusCode, 403);
    // The subject of the report never opens it.
    assert.equal((await (await new Agent(t.app).signIn(c.teacherB.email)).get(`/concerns/${reference}`)).statusCode, 404);
  });
});

describe('who has looked at a restricted record', () => {
  const viewsOf = (concernId: string) =>
    t.app.db
      .select()
      .from(recordViews)
      .where(and(eq(recordViews.trustId, c.trust.id), eq(recordViews.resourceType, 'concern'), eq(recordViews.resourceId, concernId)));

  test('opening a restricted record in full is logged; a general one and the reporter’s view are not', async () => {
    const safeguarding = reports.get('cyberbullying');
    const general = reports.get('damage_fault');
    assert.ok(safeguarding && general);
    const before = (await viewsOf(safeguarding.id)).length;
    const dsl = agents.get('dslA') as Agent;
    assert.equal((await dsl.get(`/concerns/${safeguarding.reference}`)).statusCode, 200);
    const after = await viewsOf(safeguarding.id);
    assert.equal(after.length, before + 1);
    const mine = after.filter((v) => v.personId === c.dslA.id);
    assert.ok(mine.length >= 1);
    assert.equal(mine.at(-1)?.what, 'record');
    assert.equal(mine.at(-1)?.ip, dsl.ip);

    // The reporter's limited view, a refused look and an unrestricted record leave no trace.
    const reporterBefore = (await viewsOf(safeguarding.id)).length;
    await (agents.get('teacherA') as Agent).get(`/concerns/${safeguarding.reference}`);
    await (agents.get('admin') as Agent).get(`/concerns/${safeguarding.reference}`);
    assert.equal((await viewsOf(safeguarding.id)).length, reporterBefore);
    await (agents.get('itA') as Agent).get(`/concerns/${general.reference}`);
    assert.equal((await viewsOf(general.id)).length, 0);
  });

  test('the DSL and the DPO see who looked; others who can open the record do not', async () => {
    const safeguarding = reports.get('harmful_content');
    const breach = reports.get('data_breach');
    assert.ok(safeguarding && breach);
    await (agents.get('trustDsl') as Agent).get(`/concerns/${safeguarding.reference}`);
    const dslPage = await (agents.get('dslA') as Agent).get(`/concerns/${safeguarding.reference}`);
    assert.match(dslPage.body, /Who has looked at this/);
    assert.match(dslPage.body, /Tara Trust-Dsl/);

    await (agents.get('headA') as Agent).get(`/concerns/${breach.reference}`);
    const dpoPage = await (agents.get('dpo') as Agent).get(`/concerns/${breach.reference}`);
    assert.match(dpoPage.body, /Who has looked at this/);
    assert.match(dpoPage.body, /Hal Head/);
    // The head teacher opens the breach as the reporter's line manager, but the log is for the DPL and DPO.
    const headPage = await (agents.get('headA') as Agent).get(`/concerns/${breach.reference}`);
    assert.equal(headPage.statusCode, 200);
    assert.doesNotMatch(headPage.body, /Who has looked at this/);
    const logged = await t.app.db
      .select({ personId: recordViews.personId })
      .from(recordViews)
      .where(and(eq(recordViews.trustId, c.trust.id), inArray(recordViews.resourceId, [breach.id])));
    assert.ok(logged.some((v) => v.personId === c.headA.id));
  });
});
