import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, asc, eq, like } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../../../test/app.ts';
import { concernCast } from '../../../test/concerns.ts';
import { actingAs, makeTrustWithCast } from '../../../test/factories.ts';
import { auditEvents } from '../../audit/schema.ts';
import { outbox } from '../notifications/schema.ts';
import { byodAttestations, byodDevices } from './schema.ts';
import { decideDevice, registerDevice, renewDevice } from './service.ts';
import { updateByodSettings } from './settings.ts';
import { renewStep, sendByodReminders } from './sweep.ts';
import { byodTodos } from './todos.ts';

/**
 * The personal-device sweep with a controllable clock. The sweep looks at every trust in the
 * database, so each test has its own trust and its own stretch of years: an earlier test's
 * devices have ended (status "Renewal overdue") and are out of the sweep by the time the next runs.
 */
let t: TestApp;
const BASE = 'https://countersign.example';
/** 10:00 UTC on a calendar date (the same date in London, summer or winter). */
const at = (date: string) => new Date(`${date}T10:00:00Z`);
const sweep = (date: string) => sendByodReminders(t.app.db, BASE, at(date));

before(async () => {
  t = await createTestApp();
});
after(() => t.close());

const answers = { passcodeLength: '8', encrypted: 'yes', updates: 'yes', noRemovableDrives: 'yes', autoLock: 'yes' };
const newDevice = { type: 'laptop', make: 'Lenovo', model: 'ThinkPad E14', os: 'Windows 11', uses: ['data', 'wifi'], ...answers };

async function setUp(slug: string) {
  const cast = await concernCast(t.app.db, await makeTrustWithCast(t.app.db, slug));
  const as = (p: { id: string; trustId: string }) => actingAs(t.app.db, p, { baseUrl: BASE });
  return { cast, teacher: await as(cast.teacherA), it: await as(cast.itA), admin: await as(cast.admin) };
}

const emailsAbout = (attestationId: string) =>
  t.app.db
    .select()
    .from(outbox)
    .where(like(outbox.dedupeKey, `byod:${attestationId}:%`))
    .orderBy(asc(outbox.createdAt), asc(outbox.dedupeKey));
const reminderKeys = async (attestationId: string) =>
  (await emailsAbout(attestationId)).filter((e) => /:(renew|expired)/.test(e.dedupeKey)).map((e) => e.dedupeKey.split(':').slice(2).join(':'));
const statusOf = async (id: string) => (await t.app.db.select().from(byodDevices).where(eq(byodDevices.id, id)))[0]?.status;

describe('renewStep', () => {
  test('the latest step whose day has come, until the last day', () => {
    assert.equal(renewStep('2031-01-15', '2030-12-15'), null);
    assert.equal(renewStep('2031-01-15', '2030-12-16'), '30-days');
    assert.equal(renewStep('2031-01-15', '2031-01-07'), '30-days');
    assert.equal(renewStep('2031-01-15', '2031-01-08'), '7-days');
    assert.equal(renewStep('2031-01-15', '2031-01-15'), 'due');
    assert.equal(renewStep('2031-01-15', '2031-01-16'), null);
  });
});

describe('reminders to renew and expiry', () => {
  test('12 months: reminders exactly once at 30 days, 7 days and on the day; expired the day after, once', async () => {
    const { cast, teacher, it } = await setUp('alpha');
    const { device, attestation } = await registerDevice(teacher, newDevice, at('2030-01-15'));
    assert.equal(attestation.expiresOn, '2031-01-15');
    // Waiting for IT: no reminders whatever the date.
    assert.equal((await sweep('2031-01-15')).reminders, 0);
    await decideDevice(it, device.id, { decision: 'approved' }, at('2030-01-16'));

    assert.deepEqual(await sweep('2030-12-15'), { reminders: 0 });
    assert.deepEqual(await sweep('2030-12-16'), { reminders: 1 });
    assert.deepEqual(await sweep('2030-12-16'), { reminders: 0 }, 'a second run the same day sends nothing');
    assert.deepEqual(await sweep('2030-12-17'), { reminders: 0 });
    assert.deepEqual(await sweep('2031-01-07'), { reminders: 0 });
    assert.deepEqual(await sweep('2031-01-08'), { reminders: 1 });
    assert.deepEqual(await sweep('2031-01-09'), { reminders: 0 });
    assert.deepEqual(await sweep('2031-01-15'), { reminders: 1 });
    assert.deepEqual(await sweep('2031-01-15'), { reminders: 0 });
    assert.equal(await statusOf(device.id), 'approved', 'the approval holds on its last day');
    assert.deepEqual(await reminderKeys(attestation.id), ['renew:30-days', 'renew:7-days', 'renew:due']);

    // Home page on the way: orange a while before, red in the last week.
    const soon = await byodTodos(teacher, at('2031-01-05'));
    assert.equal(soon.length, 1);
    assert.equal(soon[0]?.title, 'Renew your personal device Lenovo ThinkPad E14');
    assert.deepEqual(soon[0]?.tag, { tone: 'orange', label: 'renew in 10 days' });
    assert.equal((await byodTodos(teacher, at('2030-11-01'))).length, 0, 'nothing to do months ahead');

    assert.deepEqual(await sweep('2031-01-16'), { reminders: 1 });
    assert.equal(await statusOf(device.id), 'expired');
    assert.deepEqual(await sweep('2031-01-16'), { reminders: 0 });
    assert.deepEqual(await sweep('2031-02-20'), { reminders: 0 });
    assert.deepEqual(await reminderKeys(attestation.id), ['renew:30-days', 'renew:7-days', 'renew:due', 'expired']);
    const mails = await emailsAbout(attestation.id);
    assert.ok(mails.every((m) => m.toAddress === cast.teacherA.email || m.template === 'byod-awaiting-approval'));
    assert.match(mails.find((m) => m.dedupeKey.endsWith(':expired'))?.subject ?? '', /School A: the approval of your personal device has ended/);
    assert.match(mails.find((m) => m.dedupeKey.endsWith(':renew:7-days'))?.textBody ?? '', /ends on 15 January 2031 \(in 7 days\)/);
    const audits = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'byod.expired'), eq(auditEvents.resourceId, device.id)));
    assert.equal(audits.length, 1);

    const overdue = await byodTodos(teacher, at('2031-01-17'));
    assert.deepEqual(overdue[0]?.tag, { tone: 'red', label: 'expired 2 days ago' });
  });

  test('the period follows the trust setting (6 months); renewing starts a new attestation and new reminders', async () => {
    const { teacher, it, admin } = await setUp('beta');
    await updateByodSettings(admin, { minPasscodeLength: '6', attestationMonths: '6' });
    const { device, attestation } = await registerDevice(teacher, newDevice, at('2033-03-10'));
    assert.equal(attestation.expiresOn, '2033-09-10');
    assert.equal((attestation.rules as { attestationMonths: number }).attestationMonths, 6);

    // IT see it on their home page until they decide.
    const itTodos = await byodTodos(it, at('2033-03-10'));
    assert.ok(itTodos.some((i) => i.href === `/devices/${device.id}` && i.title.startsWith('Approve or refuse Tess Teacher')));
    await decideDevice(it, device.id, { decision: 'approved' }, at('2033-03-11'));
    assert.ok(!(await byodTodos(it, at('2033-03-11'))).some((i) => i.href === `/devices/${device.id}`));

    assert.deepEqual(await sweep('2033-08-11'), { reminders: 1 });
    assert.deepEqual(await reminderKeys(attestation.id), ['renew:30-days']);

    // Renewed before the end: a new attestation from that day, waiting for IT; the old one stops reminding.
    const renewed = await renewDevice(teacher, device.id, answers, at('2033-08-20'));
    assert.notEqual(renewed.attestation.id, attestation.id);
    assert.equal(renewed.attestation.expiresOn, '2034-02-20');
    assert.equal(await statusOf(device.id), 'pending');
    assert.deepEqual(await sweep('2033-09-03'), { reminders: 0 });
    assert.deepEqual(await sweep('2033-09-11'), { reminders: 0 }, 'not marked expired while the renewal waits for IT');
    assert.equal(await statusOf(device.id), 'pending');
    assert.deepEqual(await reminderKeys(attestation.id), ['renew:30-days']);

    await decideDevice(it, device.id, { decision: 'approved' }, at('2033-09-12'));
    assert.deepEqual(await sweep('2034-01-21'), { reminders: 1 });
    assert.deepEqual(await reminderKeys(renewed.attestation.id), ['renew:30-days']);
    const all = await t.app.db.select().from(byodAttestations).where(eq(byodAttestations.deviceId, device.id));
    assert.equal(all.length, 2);
    assert.ok(all.every((a) => a.decision === 'approved'));
  });
});
