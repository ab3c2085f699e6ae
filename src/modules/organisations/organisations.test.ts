import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq, isNull } from 'drizzle-orm';
import { Agent, type TestApp, type TwoTrusts, twoTrusts } from '../../../test/app.ts';
import { makePerson, makeTrustWithCast } from '../../../test/factories.ts';
import { auditEvents } from '../../audit/schema.ts';
import { people, personSchools, roleAssignments } from './schema.ts';

let t: TestApp;
let cast: TwoTrusts['cast'];
let other: TwoTrusts['other'];
let admin: Agent;
let head: Agent;
let teacher: Agent;
let otherAdmin: Agent;

before(async () => {
  ({ t, cast, other, admin, head, teacher, otherAdmin } = await twoTrusts());
});
after(() => t.close());

const newPerson = (overrides: Record<string, string | string[]> = {}) => ({
  fullName: 'Nia Newcomer',
  email: `nia.${Math.random().toString(36).slice(2, 8)}@alpha.example`,
  kind: 'employee',
  position: 'Teaching Assistant',
  lineManagerId: cast.headA.id,
  schoolIds: [cast.schoolA.id],
  startDate: '2026-09-01',
  endDate: '',
  externalId: '',
  ...overrides,
});

const auditFor = async (resourceId: string) =>
  t.app.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.trustId, cast.trust.id), eq(auditEvents.resourceId, resourceId)));

describe('people list and search', () => {
  test('a trust admin sees everyone current, can search, filter and page', async () => {
    const res = await admin.get('/people');
    assert.equal(res.statusCode, 200);
    for (const name of ['Ada Admin', 'Hal Head', 'Tess Teacher', 'Bo Teacher']) assert.match(res.body, new RegExp(name));
    assert.doesNotMatch(res.body, /beta\.example/, 'another trust’s people never appear');
    const search = await admin.get('/people?q=tess');
    assert.match(search.body, /Tess Teacher/);
    assert.doesNotMatch(search.body, /Bo Teacher/);
    const bySchool = await admin.get(`/people?school=${cast.schoolB.id}`);
    assert.match(bySchool.body, /Bo Teacher/);
    assert.doesNotMatch(bySchool.body, /Tess Teacher/);
    const byRole = await admin.get('/people?role=head_teacher');
    assert.match(byRole.body, /Hal Head/);
    assert.doesNotMatch(byRole.body, /Tess Teacher/);
  });

  test('pages of 25 with the filters kept in the links', async () => {
    for (let i = 0; i < 30; i++)
      await makePerson(t.app.db, cast.trust.id, { name: `Paged Person ${String(i).padStart(2, '0')}`, schoolIds: [cast.schoolB.id] });
    const first = await admin.get('/people?q=paged');
    assert.match(first.body, /Showing 1 to 25 of 30 people/);
    assert.match(first.body, /href="\/people\?q=paged&amp;status=current&amp;sort=name&amp;dir=asc&amp;page=2"/);
    const second = await admin.get('/people?q=paged&page=2');
    assert.match(second.body, /Showing 26 to 30 of 30 people/);
    const desc = await admin.get('/people?q=paged&sort=name&dir=desc');
    assert.ok(desc.body.indexOf('Paged Person 29') < desc.body.indexOf('Paged Person 05'));
  });

  test('nonsense filters are ignored rather than failing', async () => {
    const res = await admin.get('/people?school=not-a-uuid&kind=wizard&page=-3&sort=drop');
    assert.equal(res.statusCode, 200);
  });

  test('a head teacher sees only their school’s people; a teacher may not list people', async () => {
    const res = await head.get('/people');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Tess Teacher/);
    assert.doesNotMatch(res.body, /Bo Teacher/);
    assert.equal((await teacher.get('/people')).statusCode, 403);
    assert.doesNotMatch((await teacher.get('/')).body, /href="\/people"/, 'no People link in the teacher’s menu');
  });
});

describe('adding and changing people', () => {
  test('an admin adds a person; it is audited with what was recorded', async () => {
    const form = newPerson();
    const res = await admin.post('/people/new', form);
    assert.equal(res.statusCode, 303);
    const id = res.headers.location?.toString().split('/').pop() as string;
    const page = await admin.get(`/people/${id}`);
    assert.match(page.body, /Nia Newcomer has been added/);
    assert.match(page.body, /Teaching Assistant/);
    assert.match(page.body, /School A/);
    assert.match(page.body, /Hal Head/);
    const [event] = await auditFor(id);
    assert.equal(event?.action, 'person.created');
    assert.equal(event?.actorLabel, 'Ada Admin');
    assert.equal((event?.after as { email: string } | undefined)?.email, form.email);
  });

  test('errors are shown at each field and everything typed is kept', async () => {
    const res = await admin.post(
      '/people/new',
      newPerson({
        fullName: '',
        email: 'not-an-email',
        kind: '',
        startDate: '',
        'startDate-day': '30',
        'startDate-month': '2',
        'startDate-year': '2026',
        position: 'Keeps this',
      }),
    );
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /<title>Error: Add a person/);
    assert.match(res.body, /href="#f-fullName">Enter the person’s full name/);
    assert.match(res.body, /Enter an email address in the correct format/);
    assert.match(res.body, /Choose what kind of person they are/);
    assert.match(res.body, /Start date must be a real date/);
    assert.match(res.body, /value="Keeps this"/);
    assert.match(res.body, /value="not-an-email"/);
    assert.match(res.body, /name="startDate-day"[^>]*value="30"/);
  });

  test('dates come from day, month and year boxes', async () => {
    const form = newPerson({
      startDate: '',
      'startDate-day': '1',
      'startDate-month': '9',
      'startDate-year': '2026',
      'endDate-day': '',
      'endDate-month': '',
      'endDate-year': '',
    });
    const res = await admin.post('/people/new', form);
    assert.equal(res.statusCode, 303);
    const [stored] = await t.app.db
      .select()
      .from(people)
      .where(eq(people.email, form.email as string));
    assert.equal(stored?.startDate, '2026-09-01');
    assert.equal(stored?.endDate, null);
    const partial = await admin.post('/people/new', newPerson({ startDate: '', 'startDate-day': '1', 'startDate-month': '', 'startDate-year': '2026' }));
    assert.equal(partial.statusCode, 422);
    assert.match(partial.body, /Start date must be a real date/);
  });

  test('an email already used in the trust is refused, but the same email in another trust is fine', async () => {
    const clash = await admin.post('/people/new', newPerson({ email: cast.teacherA.email }));
    assert.equal(clash.statusCode, 422);
    assert.match(clash.body, /Tess Teacher already uses this email address/);
    const elsewhere = await otherAdmin.post('/people/new', newPerson({ email: cast.teacherA.email, lineManagerId: '', schoolIds: [other.schoolA.id] }));
    assert.equal(elsewhere.statusCode, 303);
  });

  test('end before start, a school of another trust, and a reporting loop are refused', async () => {
    const dates = await admin.post('/people/new', newPerson({ startDate: '2026-09-01', endDate: '2026-08-01' }));
    assert.match(dates.body, /End date must be the same as or after the start date/);
    const foreignSchool = await admin.post('/people/new', newPerson({ schoolIds: [other.schoolA.id] }));
    assert.equal(foreignSchool.statusCode, 422);
    assert.match(foreignSchool.body, /Choose schools from the list/);
    const foreignManager = await admin.post('/people/new', newPerson({ lineManagerId: other.headA.id }));
    assert.match(foreignManager.body, /Choose a line manager from the list/);
    const loop = await admin.post(
      `/people/${cast.headA.id}/edit`,
      newPerson({ fullName: 'Hal Head', email: cast.headA.email, lineManagerId: cast.teacherA.id }),
    );
    assert.equal(loop.statusCode, 422);
    assert.match(loop.body, /Tess Teacher reports to this person/);
  });

  test('an admin changes a person; the audit trail keeps before and after', async () => {
    const person = await makePerson(t.app.db, cast.trust.id, { name: 'Cai Change', schoolIds: [cast.schoolA.id] });
    const edit = await admin.get(`/people/${person.id}/edit`);
    assert.match(edit.body, /value="Cai Change"/);
    const res = await admin.post(
      `/people/${person.id}/edit`,
      newPerson({ fullName: 'Cai Changed', email: person.email, position: 'Head of Computing', schoolIds: [cast.schoolA.id, cast.schoolB.id] }),
    );
    assert.equal(res.statusCode, 303);
    const [stored] = await t.app.db.select().from(people).where(eq(people.id, person.id));
    assert.equal(stored?.fullName, 'Cai Changed');
    assert.equal((await t.app.db.select().from(personSchools).where(eq(personSchools.personId, person.id))).length, 2);
    const event = (await auditFor(person.id)).find((e) => e.action === 'person.updated');
    assert.equal((event?.before as { fullName: string } | undefined)?.fullName, 'Cai Change');
    assert.equal((event?.after as { position: string } | undefined)?.position, 'Head of Computing');
  });

  test('a head teacher adds people at their own school only', async () => {
    assert.equal((await head.post('/people/new', newPerson())).statusCode, 303);
    assert.equal((await head.post('/people/new', newPerson({ schoolIds: [cast.schoolB.id] }))).statusCode, 403);
    assert.equal((await head.get(`/people/${cast.teacherB.id}/edit`)).statusCode, 403);
    assert.equal(
      (await head.post(`/people/${cast.teacherB.id}/edit`, newPerson({ email: cast.teacherB.email, schoolIds: [cast.schoolA.id] }))).statusCode,
      403,
    );
  });

  test('a teacher cannot add or change anyone, but sees their own page', async () => {
    assert.equal((await teacher.get('/people/new')).statusCode, 403);
    assert.equal((await teacher.post('/people/new', newPerson())).statusCode, 403);
    assert.equal((await teacher.post(`/people/${cast.teacherA.id}/edit`, newPerson({ email: cast.teacherA.email }))).statusCode, 403);
    assert.equal((await teacher.get(`/people/${cast.teacherA.id}`)).statusCode, 200);
    assert.equal((await teacher.get(`/people/${cast.teacherB.id}`)).statusCode, 403);
  });

  test('recording a leaving date; the person can no longer sign in afterwards', async () => {
    const leaver = await makePerson(t.app.db, cast.trust.id, { name: 'Lee Leaver', schoolIds: [cast.schoolA.id] });
    const agent = await new Agent(t.app).signIn(leaver.email);
    assert.equal((await admin.get(`/people/${leaver.id}/end-date`)).statusCode, 200);
    const bad = await admin.post(`/people/${leaver.id}/end-date`, { 'endDate-day': '31', 'endDate-month': '2', 'endDate-year': '2026' });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /End date must be a real date/);
    const res = await admin.post(`/people/${leaver.id}/end-date`, { endDate: '2026-01-31' });
    assert.equal(res.statusCode, 303);
    assert.equal((await agent.get('/')).statusCode, 303, 'their session stops working');
    assert.match((await admin.get('/people?status=left')).body, /Lee Leaver/);
    assert.doesNotMatch((await admin.get('/people')).body, /Lee Leaver/);
    assert.ok((await auditFor(leaver.id)).some((e) => e.action === 'person.end_dated'));
  });
});

describe('roles', () => {
  test('an admin grants and removes a role; both are audited', async () => {
    const person = await makePerson(t.app.db, cast.trust.id, { name: 'Rowan Role', schoolIds: [cast.schoolA.id] });
    const grant = await admin.post(`/people/${person.id}/roles`, { role: 'dsl', scope: cast.schoolA.id });
    assert.equal(grant.statusCode, 303);
    const page = await admin.get(`/people/${person.id}`);
    assert.match(page.body, /Designated safeguarding lead \(DSL\)/);
    const [assignment] = await t.app.db
      .select()
      .from(roleAssignments)
      .where(and(eq(roleAssignments.personId, person.id), isNull(roleAssignments.revokedAt)));
    assert.ok(assignment);
    const dup = await admin.post(`/people/${person.id}/roles`, { role: 'dsl', scope: cast.schoolA.id });
    assert.equal(dup.statusCode, 422);
    assert.match(dup.body, /already holds this role there/);
    const remove = await admin.post(`/people/${person.id}/roles/${assignment.id}/remove`);
    assert.equal(remove.statusCode, 303);
    const [revoked] = await t.app.db.select().from(roleAssignments).where(eq(roleAssignments.id, assignment.id));
    assert.ok(revoked?.revokedAt, 'the grant is kept, marked as removed');
    const actions = (await auditFor(person.id)).map((e) => e.action);
    assert.ok(actions.includes('role.granted') && actions.includes('role.revoked'));
  });

  test('scope rules: a head teacher role needs a school; the DPO covers the trust', async () => {
    const person = await makePerson(t.app.db, cast.trust.id, { schoolIds: [cast.schoolA.id] });
    const head = await admin.post(`/people/${person.id}/roles`, { role: 'head_teacher', scope: 'trust' });
    assert.equal(head.statusCode, 422);
    assert.match(head.body, /held at one school/);
    const dpo = await admin.post(`/people/${person.id}/roles`, { role: 'dpo', scope: cast.schoolA.id });
    assert.match(dpo.body, /covers the whole trust/);
    const none = await admin.post(`/people/${person.id}/roles`, { role: '', scope: '' });
    assert.match(none.body, /Choose a role/);
    const foreign = await admin.post(`/people/${person.id}/roles`, { role: 'dsl', scope: other.schoolA.id });
    assert.equal(foreign.statusCode, 422);
  });

  test('the last trust administrator cannot remove their own role', async () => {
    const solo = await makeTrustWithCast(t.app.db, 'solo');
    const agent = await new Agent(t.app).signIn(solo.admin.email);
    const [grant] = await t.app.db
      .select()
      .from(roleAssignments)
      .where(and(eq(roleAssignments.personId, solo.admin.id), eq(roleAssignments.role, 'trust_admin')));
    const res = await agent.post(`/people/${solo.admin.id}/roles/${grant?.id}/remove`);
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /only trust administrator/);
  });

  test('only trust admins manage roles', async () => {
    assert.equal((await head.post(`/people/${cast.teacherA.id}/roles`, { role: 'dsl', scope: cast.schoolA.id })).statusCode, 403);
    assert.equal((await teacher.post(`/people/${cast.teacherA.id}/roles`, { role: 'trust_admin', scope: 'trust' })).statusCode, 403);
  });

  test('the roles overview lists holders and roles nobody holds', async () => {
    const res = await admin.get('/roles');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Hal Head/);
    assert.match(res.body, /Nobody/);
  });
});

describe('schools', () => {
  test('an admin adds and renames a school; bad input is explained', async () => {
    const bad = await admin.post('/schools/new', { name: '', slug: 'Bad Slug!', urn: '12' });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /Enter the school’s name/);
    assert.match(bad.body, /lower-case letters, numbers and hyphens/);
    assert.match(bad.body, /URN must be the 6 or 7 digit number/);
    assert.equal((await admin.post('/schools/new', { name: 'School C', slug: 'school-c', urn: '123456', phase: 'Primary' })).statusCode, 303);
    assert.match((await admin.get('/schools')).body, /School C/);
    const dup = await admin.post('/schools/new', { name: 'Again', slug: 'school-c' });
    assert.match(dup.body, /Another school already uses this short name/);
    const edit = await admin.post(`/schools/${cast.schoolB.id}/edit`, { name: 'School B Renamed', slug: 'school-b' });
    assert.equal(edit.statusCode, 303);
  });

  test('only trust admins manage schools', async () => {
    assert.equal((await head.get('/schools')).statusCode, 403);
    assert.equal((await head.post('/schools/new', { name: 'X', slug: 'xx' })).statusCode, 403);
  });
});

describe('another trust’s data is never reachable', () => {
  test('every people, role and school route answers 404 for another trust’s records', async () => {
    const theirs = other.teacherA.id;
    const [theirGrant] = await t.app.db.select().from(roleAssignments).where(eq(roleAssignments.personId, other.admin.id));
    const gets = [`/people/${theirs}`, `/people/${theirs}/edit`, `/people/${theirs}/end-date`, `/schools/${other.schoolA.id}/edit`];
    for (const url of gets) assert.equal((await admin.get(url)).statusCode, 404, url);
    const posts: [string, Record<string, string | string[]>][] = [
      [`/people/${theirs}/edit`, newPerson({ email: other.teacherA.email, schoolIds: [] })],
      [`/people/${theirs}/end-date`, { endDate: '2026-01-01' }],
      [`/people/${theirs}/roles`, { role: 'dsl', scope: 'trust' }],
      [`/people/${other.admin.id}/roles/${theirGrant?.id}/remove`, {}],
      [`/schools/${other.schoolA.id}/edit`, { name: 'Taken over', slug: 'school-a' }],
    ];
    for (const [url, form] of posts) assert.equal((await admin.post(url, form)).statusCode, 404, url);
    const [untouched] = await t.app.db.select().from(people).where(eq(people.id, theirs));
    assert.equal(untouched?.endDate, null);
    assert.equal(untouched?.fullName, 'Tess Teacher');
  });

  test('made-up ids are 404s, not errors', async () => {
    assert.equal((await admin.get('/people/not-a-uuid')).statusCode, 404);
    assert.equal((await admin.get('/people/00000000-0000-0000-0000-000000000000')).statusCode, 404);
  });
});

describe('the audit log page', () => {
  test('an admin browses and filters the audit trail; others may not', async () => {
    const res = await admin.get('/audit');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Person added/);
    const filtered = await admin.get('/audit?action=role.granted');
    assert.match(filtered.body, /Role granted/);
    assert.doesNotMatch(filtered.body, /<td class="govuk-table__cell">Person added/);
    const byActor = await admin.get('/audit?actor=nobody-at-all');
    assert.match(byActor.body, /No entries match/);
    const byDate = await admin.get('/audit?from=2000-01-01&to=2000-01-02');
    assert.match(byDate.body, /No entries match/);
    assert.doesNotMatch(res.body, /Trust beta|beta\.example/, 'another trust’s events never appear');
    assert.equal((await head.get('/audit')).statusCode, 403);
    assert.equal((await teacher.get('/audit')).statusCode, 403);
  });
});

describe('the outbox page (demo mode)', () => {
  test('a trust admin reads the trust’s queued emails; others may not', async () => {
    const res = await admin.get('/outbox');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /your link to sign in/);
    assert.doesNotMatch(res.body, /beta\.example/);
    const id = /href="\/outbox\/([0-9a-f-]{36})"/.exec(res.body)?.[1];
    const message = await admin.get(`/outbox/${id}`);
    assert.equal(message.statusCode, 200);
    assert.match(message.body, /href="\/sign-in\/link\?token=/);
    assert.equal((await otherAdmin.get(`/outbox/${id}`)).statusCode, 404);
    assert.equal((await head.get('/outbox')).statusCode, 403);
  });
});
