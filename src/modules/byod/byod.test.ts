import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, asc, eq } from 'drizzle-orm';
import { Agent, createTestApp, type TestApp } from '../../../test/app.ts';
import { type ConcernCast, concernCast } from '../../../test/concerns.ts';
import { makePerson, makeTrustWithCast } from '../../../test/factories.ts';
import { auditEvents } from '../../audit/schema.ts';
import { londonToday } from '../../ui/format.ts';
import { outbox } from '../notifications/schema.ts';
import { addMonths } from '../policies/service.ts';
import { trustSettings } from '../settings/trust-settings.ts';
import { byodAttestations, byodDevices } from './schema.ts';

let t: TestApp;
let cast: ConcernCast;
let other: Awaited<ReturnType<typeof makeTrustWithCast>>;
let itB: Awaited<ReturnType<typeof makePerson>>;
let teacher: Agent;
let teacherB: Agent;
let itA: Agent;
let itBAgent: Agent;
let trustIt: Agent;
let admin: Agent;
let otherAdmin: Agent;

before(async () => {
  t = await createTestApp();
  cast = await concernCast(t.app.db, await makeTrustWithCast(t.app.db, 'alpha'));
  other = await makeTrustWithCast(t.app.db, 'beta');
  itB = await makePerson(t.app.db, cast.trust.id, {
    name: 'Ben It',
    email: 'it.b@alpha.example',
    schoolIds: [cast.schoolB.id],
    roles: [['it_services', cast.schoolB.id]],
  });
  const signIn = (email: string) => new Agent(t.app).signIn(email);
  teacher = await signIn(cast.teacherA.email);
  teacherB = await signIn(cast.teacherB.email);
  itA = await signIn(cast.itA.email);
  itBAgent = await signIn(itB.email);
  trustIt = await signIn(cast.trustIt.email);
  admin = await signIn(cast.admin.email);
  otherAdmin = await signIn(other.admin.email);
});
after(() => t.close());

const registration = (extra: Record<string, string | string[]> = {}) => ({
  type: 'phone',
  make: 'Apple',
  model: 'iPhone 15',
  os: 'iOS 18.3',
  uses: ['email', 'data'],
  passcodeLength: '6',
  encrypted: 'yes',
  updates: 'yes',
  noRemovableDrives: 'yes',
  autoLock: 'yes',
  ...extra,
});

/** Registers a device as the agent and returns its id (from the redirect). */
async function register(agent: Agent, extra: Record<string, string | string[]> = {}) {
  await agent.get('/devices/new');
  const res = await agent.post('/devices/new', registration(extra));
  assert.equal(res.statusCode, 303, res.body.slice(0, 500));
  const id = /^\/devices\/([0-9a-f-]{36})$/.exec(res.headers.location as string)?.[1];
  assert.ok(id, `redirected to ${res.headers.location}`);
  return id;
}

const device = async (id: string) => (await t.app.db.select().from(byodDevices).where(eq(byodDevices.id, id)))[0];
const attestationsOf = (id: string) =>
  t.app.db.select().from(byodAttestations).where(eq(byodAttestations.deviceId, id)).orderBy(asc(byodAttestations.attestedAt));
const emailsTo = (email: string, template: string) =>
  t.app.db
    .select()
    .from(outbox)
    .where(and(eq(outbox.toAddress, email), eq(outbox.template, template)));
const devicesOf = async (personId: string) => (await t.app.db.select().from(byodDevices).where(eq(byodDevices.personId, personId))).length;

async function decide(agent: Agent, id: string, form: Record<string, string>) {
  await agent.get(`/devices/${id}`);
  return agent.post(`/devices/${id}/decision`, form);
}

describe('registering a personal device', () => {
  test('the teacher registers and attests; IT of their school is emailed and approves; the teacher is emailed', async () => {
    const page = await teacher.get('/devices/new');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /A passcode of at least 6 characters, or biometrics/);
    const id = await register(teacher);

    const d = await device(id);
    assert.equal(d?.status, 'pending');
    assert.deepEqual(d?.uses, ['email', 'data']);
    const [attestation] = await attestationsOf(id);
    assert.ok(attestation);
    assert.equal((attestation.rules as { minPasscodeLength: number }).minPasscodeLength, 6);
    assert.equal((attestation.answers as { passcodeLength: number }).passcodeLength, 6);
    assert.equal(attestation.expiresOn, addMonths(londonToday(), 12));
    assert.equal(attestation.decision, null);

    // IT services of School A are told, once, for this attestation; trust IT is not (school IT exists).
    const toItA = await emailsTo(cast.itA.email, 'byod-awaiting-approval');
    assert.equal(toItA.filter((e) => e.dedupeKey === `byod:${attestation.id}:review:${cast.itA.id}`).length, 1);
    assert.match(toItA[0]?.subject ?? '', /^School A: a personal device is waiting for your approval/);
    assert.equal((await emailsTo(cast.trustIt.email, 'byod-awaiting-approval')).length, 0);
    const [audit] = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'byod.registered'), eq(auditEvents.resourceId, id)));
    assert.match(audit?.summary ?? '', /Registered personal device Apple iPhone 15/);

    const mine = await teacher.get('/devices');
    assert.equal(mine.statusCode, 200);
    assert.match(mine.body, /Apple iPhone 15/);
    assert.match(mine.body, /Waiting for IT/);
    assert.match(mine.body, /Register a personal device/);

    const review = await itA.get('/devices/review');
    assert.equal(review.statusCode, 200);
    assert.match(review.body, /Waiting for approval \(1\)/);
    assert.match(review.body, /Tess Teacher/);
    const home = await itA.get('/');
    assert.match(home.body, /Approve or refuse Tess Teacher(&#x27;|')s personal device Apple iPhone 15/);

    const itView = await itA.get(`/devices/${id}`);
    assert.equal(itView.statusCode, 200);
    assert.match(itView.body, /Record the decision/);
    assert.doesNotMatch((await teacher.get(`/devices/${id}`)).body, /Record the decision/, 'the owner does not decide');
    const approved = await decide(itA, id, { decision: 'approved', reason: '' });
    assert.equal(approved.statusCode, 303);
    assert.equal((await device(id))?.status, 'approved');
    const [decided] = await attestationsOf(id);
    assert.equal(decided?.decision, 'approved');
    assert.equal(decided?.decidedBy, cast.itA.id);
    assert.ok(decided?.decidedAt);
    const mail = await emailsTo(cast.teacherA.email, 'byod-decision');
    assert.equal(mail.length, 1);
    assert.match(mail[0]?.subject ?? '', /your personal device has been approved/);
    assert.equal(mail[0]?.dedupeKey, `byod:${decided?.id}:decision`);
    const page2 = await teacher.get(`/devices/${id}`);
    assert.match(page2.body, /Approved by Ivy It/);

    // Decided once: a second decision is refused and changes nothing.
    const again = await decide(itA, id, { decision: 'refused', reason: 'Changed my mind' });
    assert.equal(again.statusCode, 422);
    assert.equal((await device(id))?.status, 'approved');
  });

  test('refusing needs a reason, which the person is emailed', async () => {
    const id = await register(teacher, { make: 'Samsung', model: 'Galaxy Tab', type: 'tablet' });
    const bare = await decide(itA, id, { decision: 'refused', reason: '' });
    assert.equal(bare.statusCode, 422);
    assert.match(bare.body, /Enter the reason for refusing/);
    assert.equal((await device(id))?.status, 'pending');
    assert.equal((await attestationsOf(id))[0]?.decision, null);

    const refused = await decide(itA, id, { decision: 'refused', reason: 'Android 9 no longer gets security updates' });
    assert.equal(refused.statusCode, 303);
    assert.equal((await device(id))?.status, 'refused');
    const [a] = await attestationsOf(id);
    assert.equal(a?.reason, 'Android 9 no longer gets security updates');
    const mail = (await emailsTo(cast.teacherA.email, 'byod-decision')).find((m) => m.dedupeKey === `byod:${a?.id}:decision`);
    assert.match(mail?.textBody ?? '', /Reason: Android 9 no longer gets security updates/);
  });

  test('a passcode below the rule is refused at the field and nothing is saved; the rule follows the trust setting', async () => {
    const before = await devicesOf(cast.teacherA.id);
    const short = await teacher.post('/devices/new', registration({ passcodeLength: '4', make: 'Short' }));
    assert.equal(short.statusCode, 422);
    assert.match(short.body, /<title>Error: Register a personal device/);
    assert.match(short.body, /id="f-passcodeLength-error"[^>]*>.*The passcode must be at least 6 characters, or the device must also unlock with biometrics/s);
    assert.match(short.body, /value="Short"/, 'what was typed is kept');
    assert.equal(await devicesOf(cast.teacherA.id), before);

    // Every confirmation is required.
    const unconfirmed = await teacher.post('/devices/new', registration({ encrypted: [], uses: [] }));
    assert.equal(unconfirmed.statusCode, 422);
    assert.match(unconfirmed.body, /Confirm this rule: the device is encrypted/);
    assert.match(unconfirmed.body, /Select what you will use the device for/);
    assert.equal(await devicesOf(cast.teacherA.id), before);

    // Biometrics with a 4-character passcode meets "at least 6, or biometrics".
    await register(teacher, { passcodeLength: '4', biometrics: 'yes', make: 'Google' });
    assert.equal(await devicesOf(cast.teacherA.id), before + 1);

    // The trust raises its minimum to 8: 6 is now too short.
    await admin.get('/settings/devices');
    const saved = await admin.post('/settings/devices', { minPasscodeLength: '8', attestationMonths: '12' });
    assert.equal(saved.statusCode, 303);
    assert.equal((await trustSettings(t.app.db, cast.trust.id)).byod.minPasscodeLength, 8);
    const six = await teacher.post('/devices/new', registration({ passcodeLength: '6' }));
    assert.equal(six.statusCode, 422);
    assert.match(six.body, /The passcode must be at least 8 characters/);
    assert.equal(await devicesOf(cast.teacherA.id), before + 1);
    const id = await register(teacher, { passcodeLength: '8', make: 'Eight' });
    assert.equal(((await attestationsOf(id))[0]?.rules as { minPasscodeLength: number } | undefined)?.minPasscodeLength, 8);

    await admin.post('/settings/devices', { minPasscodeLength: '6', attestationMonths: '12' });
  });
});

describe('the rules for personal devices (settings)', () => {
  test('a trust admin changes them, within limits, with an audit entry; others cannot', async () => {
    const page = await admin.get('/settings/devices');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Rules for personal devices/);
    const bad = await admin.post('/settings/devices', { minPasscodeLength: '3', attestationMonths: '40' });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /The shortest passcode allowed must be from 4 to 16 characters/);
    assert.match(bad.body, /An approval must last from 1 to 36 months/);
    const ok = await admin.post('/settings/devices', { minPasscodeLength: '7', attestationMonths: '6' });
    assert.equal(ok.statusCode, 303);
    assert.deepEqual((await trustSettings(t.app.db, cast.trust.id)).byod, { minPasscodeLength: 7, attestationMonths: 6 });
    const [audit] = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.trustId, cast.trust.id), eq(auditEvents.action, 'settings.updated')))
      .orderBy(asc(auditEvents.at));
    assert.ok(audit);
    // The other trust's rules are untouched.
    assert.deepEqual((await trustSettings(t.app.db, other.trust.id)).byod, { minPasscodeLength: 6, attestationMonths: 12 });

    // A registration now lasts 6 months.
    const id = await register(teacher, { passcodeLength: '7', make: 'Six-month' });
    assert.equal((await attestationsOf(id))[0]?.expiresOn, addMonths(londonToday(), 6));

    assert.equal((await teacher.get('/settings/devices')).statusCode, 403);
    assert.equal((await itA.post('/settings/devices', { minPasscodeLength: '4', attestationMonths: '1' })).statusCode, 403);
    const review = await itA.get('/devices/review');
    assert.doesNotMatch(review.body, /href="\/settings\/devices"/, 'IT cannot change the rules, so no link');
    await admin.post('/settings/devices', { minPasscodeLength: '6', attestationMonths: '12' });
  });
});

describe('who sees and decides a device', () => {
  test('another teacher and another trust get 404; a teacher cannot review; IT of another school cannot decide; trust IT can', async () => {
    const id = await register(teacher, { make: 'Private' });
    assert.equal((await teacherB.get(`/devices/${id}`)).statusCode, 404);
    assert.equal((await otherAdmin.get(`/devices/${id}`)).statusCode, 404);
    assert.equal((await admin.get(`/devices/${id}`)).statusCode, 404, 'a trust admin is not IT');
    assert.equal((await teacher.get('/devices/review')).statusCode, 403);
    assert.equal((await teacher.get('/devices/not-a-uuid')).statusCode, 404);

    // IT of School B does not decide for a School A teacher, and does not see the device in their list.
    assert.equal((await itBAgent.get(`/devices/${id}`)).statusCode, 404);
    assert.equal((await itBAgent.post(`/devices/${id}/decision`, { decision: 'approved' })).statusCode, 404);
    assert.doesNotMatch((await itBAgent.get('/devices/review')).body, /Private/);
    assert.equal((await device(id))?.status, 'pending');

    // The owner cannot approve their own device through the decision form.
    assert.equal((await teacher.post(`/devices/${id}/decision`, { decision: 'approved' })).statusCode, 403);
    // Others cannot renew or close it.
    assert.equal((await teacherB.get(`/devices/${id}/close`)).statusCode, 404);
    assert.equal((await itA.get(`/devices/${id}/renew`)).statusCode, 403);

    // Trust IT decides for anyone in the trust.
    assert.match((await trustIt.get('/devices/review')).body, /Private/);
    assert.equal((await decide(trustIt, id, { decision: 'approved' })).statusCode, 303);
    assert.equal((await device(id))?.status, 'approved');
  });

  test('IT of the person’s school is told; where the school has none, trust IT is', async () => {
    await register(teacherB, { make: 'Bee' });
    const toItB = (await emailsTo(itB.email, 'byod-awaiting-approval')).length;
    assert.equal(toItB, 1);
    const loner = await makePerson(t.app.db, cast.trust.id, { name: 'Lo Trust-Staff', email: 'lo@alpha.example', schoolIds: [] });
    const agent = await new Agent(t.app).signIn(loner.email);
    const id = await register(agent, { make: 'Lonely' });
    const [a] = await attestationsOf(id);
    assert.equal((await emailsTo(cast.trustIt.email, 'byod-awaiting-approval')).filter((e) => e.dedupeKey.startsWith(`byod:${a?.id}:`)).length, 1);
    assert.equal((await itA.get(`/devices/${id}`)).statusCode, 404, 'school IT does not decide for trust staff');
  });
});

describe('renewing and closing', () => {
  test('renew makes a new attestation against the rules as they are now, back to IT', async () => {
    const id = await register(teacher, { make: 'Renewable' });
    await decide(itA, id, { decision: 'approved' });
    const form = await teacher.get(`/devices/${id}/renew`);
    assert.equal(form.statusCode, 200);
    const bad = await teacher.post(`/devices/${id}/renew`, registration({ passcodeLength: '5' }));
    assert.equal(bad.statusCode, 422);
    assert.equal((await attestationsOf(id)).length, 1);
    const res = await teacher.post(`/devices/${id}/renew`, registration({ passcodeLength: '10' }));
    assert.equal(res.statusCode, 303);
    const list = await attestationsOf(id);
    assert.equal(list.length, 2);
    assert.equal(list[0]?.decision, 'approved', 'the earlier attestation keeps its decision');
    assert.equal(list[1]?.decision, null);
    assert.equal((list[1]?.answers as { passcodeLength: number } | undefined)?.passcodeLength, 10);
    assert.equal((await device(id))?.status, 'pending');
    assert.equal(
      (await emailsTo(cast.itA.email, 'byod-awaiting-approval')).filter((e) => e.dedupeKey === `byod:${list[1]?.id}:review:${cast.itA.id}`).length,
      1,
    );
    // Waiting already: no second renewal.
    assert.equal((await teacher.post(`/devices/${id}/renew`, registration())).statusCode, 422);
    const [audit] = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'byod.renewed'), eq(auditEvents.resourceId, id)));
    assert.ok(audit);
  });

  test('closing as sold needs the wipe confirmed; as lost, the password changed and IT told', async () => {
    const sold = await register(teacher, { make: 'Sold' });
    const choose = await teacher.get(`/devices/${sold}/close`);
    assert.equal(choose.statusCode, 200);
    assert.match(choose.body, /Why are you closing it\?/);
    const soldPage = await teacher.get(`/devices/${sold}/close?reason=sold`);
    assert.match(soldPage.body, /factory reset/);
    const noWipe = await teacher.post(`/devices/${sold}/close`, { reason: 'sold', 'sold-accountsRemoved': 'yes' });
    assert.equal(noWipe.statusCode, 422);
    assert.match(noWipe.body, /Confirm that I wiped the device \(a factory reset\)/);
    assert.equal((await device(sold))?.status, 'pending');
    const closed = await teacher.post(`/devices/${sold}/close`, { reason: 'sold', 'sold-wiped': 'yes', 'sold-accountsRemoved': 'yes' });
    assert.equal(closed.statusCode, 303);
    const d = await device(sold);
    assert.equal(d?.status, 'closed');
    assert.equal(d?.closeReason, 'sold');
    assert.ok(d?.closedAt);
    assert.deepEqual(Object.keys((d?.closeConfirmation as { confirmed: Record<string, string> } | undefined)?.confirmed ?? {}), ['wiped', 'accountsRemoved']);
    assert.equal((await teacher.post(`/devices/${sold}/close`, { reason: 'sold', 'sold-wiped': 'yes', 'sold-accountsRemoved': 'yes' })).statusCode, 422);

    const lost = await register(teacher, { make: 'Lost' });
    const lostPage = await teacher.get(`/devices/${lost}/close?reason=lost`);
    assert.match(lostPage.body, /href="\/concerns\/new\/device_lost"/);
    const half = await teacher.post(`/devices/${lost}/close`, { reason: 'lost', 'lost-passwordChanged': 'yes' });
    assert.equal(half.statusCode, 422);
    assert.match(half.body, /Confirm that I have told IT services/);
    assert.equal((await device(lost))?.status, 'pending');
    assert.equal((await teacher.post(`/devices/${lost}/close`, { reason: 'lost', 'lost-passwordChanged': 'yes', 'lost-itTold': 'yes' })).statusCode, 303);
    assert.equal((await device(lost))?.closeReason, 'lost');
    const [audit] = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'byod.closed'), eq(auditEvents.resourceId, lost)));
    assert.match(audit?.summary ?? '', /lost or stolen/);

    const noReason = await teacher.post(`/devices/${lost}/close`, {});
    assert.equal(noReason.statusCode, 422);
  });

  test('the database refuses to delete a registration or an attestation', async () => {
    const id = await register(teacher, { make: 'Kept' });
    await assert.rejects(t.app.db.delete(byodAttestations).where(eq(byodAttestations.deviceId, id)));
    await assert.rejects(t.app.db.delete(byodDevices).where(eq(byodDevices.id, id)));
    assert.ok(await device(id));
  });
});
