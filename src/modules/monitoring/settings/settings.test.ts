import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { Agent, createTestApp, type TestApp } from '../../../../test/app.ts';
import { makeTrustWithCast } from '../../../../test/factories.ts';
import { auditEvents } from '../../../audit/schema.ts';
import { trustSettings } from '../../settings/trust-settings.ts';

let t: TestApp;
let cast: Awaited<ReturnType<typeof makeTrustWithCast>>;
let other: Awaited<ReturnType<typeof makeTrustWithCast>>;
let admin: Agent;
let head: Agent;
let teacher: Agent;
let otherAdmin: Agent;

before(async () => {
  t = await createTestApp();
  cast = await makeTrustWithCast(t.app.db, 'alpha');
  other = await makeTrustWithCast(t.app.db, 'beta');
  admin = await new Agent(t.app).signIn(cast.admin.email);
  head = await new Agent(t.app).signIn(cast.headA.email);
  teacher = await new Agent(t.app).signIn(cast.teacherA.email);
  otherAdmin = await new Agent(t.app).signIn(other.admin.email);
});
after(() => t.close());

const valid = { throttleMinutes: '15', staffAlertsToHead: 'yes', auditRetentionDays: '90' };
const settingsAudits = (trustId: string) =>
  t.app.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.trustId, trustId), eq(auditEvents.action, 'settings.updated')));

describe('monitoring settings', () => {
  test('the settings page links to them; the form shows the defaults', async () => {
    const settings = await admin.get('/settings');
    assert.equal(settings.statusCode, 200);
    assert.match(settings.body, /href="\/settings\/monitoring"/);
    const page = await admin.get('/settings/monitoring');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<title>Monitoring settings – Countersign<\/title>/);
    assert.match(page.body, /name="throttleMinutes"[^>]*value="10"/);
    assert.match(page.body, /name="auditRetentionDays"[^>]*value="365"/);
    assert.match(page.body, /name="staffAlertsToHead" checked="" value="no"/);
    assert.match(page.body, /head teacher of their school \(and the trust’s HR lead\) instead of the DSL team/);
  });

  test('the administrator saves them; other settings are kept; the change is audited with before and after', async () => {
    // A BYOD rule saved earlier must survive the monitoring save.
    await admin.get('/settings/devices');
    assert.equal((await admin.post('/settings/devices', { minPasscodeLength: '8', attestationMonths: '12' })).statusCode, 303);
    await admin.get('/settings/monitoring');
    const res = await admin.post('/settings/monitoring', valid);
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/settings/monitoring');
    const saved = await trustSettings(t.app.db, cast.trust.id);
    assert.deepEqual(saved.monitoring, { throttleMinutes: 15, staffAlertsToHead: true, auditRetentionDays: 90 });
    assert.equal(saved.byod.minPasscodeLength, 8);
    const page = await admin.get('/settings/monitoring');
    assert.match(page.body, /Sign-in and file-deletion events are kept for 90 days/);
    assert.match(page.body, /name="throttleMinutes"[^>]*value="15"/);
    assert.match(page.body, /name="staffAlertsToHead" checked="" value="yes"/);
    const audits = (await settingsAudits(cast.trust.id)).filter((a) => a.summary.startsWith('Monitoring settings'));
    assert.equal(audits.length, 1);
    assert.deepEqual(audits[0]?.before, { monitoring: { throttleMinutes: 10, staffAlertsToHead: false, auditRetentionDays: 365 } });
    assert.deepEqual(audits[0]?.after, { monitoring: { throttleMinutes: 15, staffAlertsToHead: true, auditRetentionDays: 90 } });
    assert.match(audits[0]?.summary ?? '', /15 minutes.*head teacher.*90 days/);
    // The other trust's settings are its own.
    assert.equal((await trustSettings(t.app.db, other.trust.id)).monitoring.throttleMinutes, 10);
  });

  test('each field is checked; nothing is saved when any is wrong', async () => {
    const before = (await trustSettings(t.app.db, cast.trust.id)).monitoring;
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ ...valid, throttleMinutes: '0' }, 'throttleMinutes', /from 1 to 1,440/],
      [{ ...valid, throttleMinutes: '1441' }, 'throttleMinutes', /from 1 to 1,440/],
      [{ ...valid, throttleMinutes: '2.5' }, 'throttleMinutes', /whole number/],
      [{ ...valid, throttleMinutes: '' }, 'throttleMinutes', /from 1 to 1,440/],
      [{ ...valid, auditRetentionDays: '29' }, 'auditRetentionDays', /from 30 to 3,650/],
      [{ ...valid, auditRetentionDays: '3651' }, 'auditRetentionDays', /from 30 to 3,650/],
      [{ ...valid, auditRetentionDays: 'a year' }, 'auditRetentionDays', /from 30 to 3,650/],
      [{ throttleMinutes: '10', auditRetentionDays: '365' }, 'staffAlertsToHead', /Choose who alerts about members of staff go to/],
      [{ ...valid, staffAlertsToHead: 'maybe' }, 'staffAlertsToHead', /Choose who alerts about members of staff go to/],
    ];
    for (const [form, field, message] of cases) {
      await admin.get('/settings/monitoring');
      const res = await admin.post('/settings/monitoring', form);
      assert.equal(res.statusCode, 422, JSON.stringify(form));
      assert.match(res.body, /<title>Error: Monitoring settings/);
      assert.match(res.body, new RegExp(`href="#f-${field}"`), field);
      assert.match(res.body, message, field);
    }
    // Several wrong at once: each is reported.
    const res = await admin.post('/settings/monitoring', { throttleMinutes: 'x', auditRetentionDays: '1' });
    assert.equal(res.statusCode, 422);
    for (const field of ['throttleMinutes', 'staffAlertsToHead', 'auditRetentionDays']) assert.match(res.body, new RegExp(`href="#f-${field}"`));
    assert.deepEqual((await trustSettings(t.app.db, cast.trust.id)).monitoring, before);
  });

  test('only trust administrators may see or change them; each trust changes its own', async () => {
    for (const agent of [head, teacher]) {
      assert.equal((await agent.get('/settings/monitoring')).statusCode, 403);
      await agent.get('/');
      assert.equal((await agent.post('/settings/monitoring', valid)).statusCode, 403);
    }
    await otherAdmin.get('/settings/monitoring');
    assert.equal((await otherAdmin.post('/settings/monitoring', { ...valid, throttleMinutes: '30' })).statusCode, 303);
    assert.equal((await trustSettings(t.app.db, other.trust.id)).monitoring.throttleMinutes, 30);
    assert.equal((await trustSettings(t.app.db, cast.trust.id)).monitoring.throttleMinutes, 15);
  });
});
