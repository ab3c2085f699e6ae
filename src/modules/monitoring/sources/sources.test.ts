import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { Agent, createTestApp, type TestApp } from '../../../../test/app.ts';
import { actingAs, makeTrustWithCast } from '../../../../test/factories.ts';
import { type MonitoringCast, monitoringCast } from '../../../../test/monitoring.ts';
import { auditEvents } from '../../../audit/schema.ts';
import { londonToday } from '../../../ui/format.ts';
import { authenticateApiKey } from '../../auth/api-keys.ts';
import { apiKeys } from '../../auth/schema.ts';
import { activityDaily, monitoringAuditEvents, monitoringSources, monitoringUsernames } from '../schema.ts';
import { listSources } from './service.ts';

let t: TestApp;
let cast: MonitoringCast;
let other: Awaited<ReturnType<typeof makeTrustWithCast>>;
let admin: Agent;
let trustIt: Agent;
let itA: Agent;
let teacher: Agent;
let dsl: Agent;
let otherAdmin: Agent;

before(async () => {
  t = await createTestApp();
  cast = await monitoringCast(t.app.db, await makeTrustWithCast(t.app.db, 'alpha'));
  other = await makeTrustWithCast(t.app.db, 'beta');
  const signIn = (email: string) => new Agent(t.app).signIn(email);
  admin = await signIn(cast.admin.email);
  trustIt = await signIn(cast.trustIt.email);
  itA = await signIn(cast.itA.email);
  teacher = await signIn(cast.teacherA.email);
  dsl = await signIn(cast.dslA.email);
  otherAdmin = await signIn(other.admin.email);
});
after(() => t.close());

const KEY = /cs_[0-9a-f]{8}_[A-Za-z0-9_-]{43}/;
const sourceNamed = async (name: string) =>
  (
    await t.app.db
      .select()
      .from(monitoringSources)
      .where(and(eq(monitoringSources.trustId, cast.trust.id), eq(monitoringSources.name, name)))
  )[0];
const keyRow = async (id: string | null) => (id ? (await t.app.db.select().from(apiKeys).where(eq(apiKeys.id, id)))[0] : undefined);
const auditOf = (action: string, resourceId: string) =>
  t.app.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.action, action), eq(auditEvents.resourceId, resourceId)));
const countSources = async () => (await t.app.db.select().from(monitoringSources).where(eq(monitoringSources.trustId, cast.trust.id))).length;
const countKeys = async () => (await t.app.db.select().from(apiKeys).where(eq(apiKeys.trustId, cast.trust.id))).length;
/** The text of the error message shown next to a field. */
const fieldError = (html: string, field: string) => new RegExp(`id="f-${field}-error"[^>]*>[\\s\\S]*?</span>\\s*([^<]+)</p>`).exec(html)?.[1]?.trim();

/** Sends one web event with a key, as a filtering product would. */
const sendEvent = (key: string, event: Record<string, unknown> = {}) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/monitoring/events',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    payload: { occurredAt: new Date(Date.now() - 60_000).toISOString(), username: 'jsmith', url: 'https://casino.example/', action: 'blocked', ...event },
  });

async function addSource(form: Record<string, string | string[]>) {
  await admin.get('/monitoring/sources/new');
  return admin.post('/monitoring/sources/new', form);
}

describe('adding a source', () => {
  test('a trust admin adds a source; its key is shown once, can only send monitoring events, and is audited', async () => {
    const page = await admin.get('/monitoring/sources/new');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Add a monitoring source/);
    assert.match(page.body, /School B/);

    const res = await addSource({ name: 'Smoothwall monitor', kind: 'monitoring', schools: [cast.schoolB.id], usernameMatch: 'email_local' });
    assert.equal(res.statusCode, 200, res.body.slice(0, 500));
    assert.match(res.body, /Smoothwall monitor has been added/);
    assert.match(res.body, /It will not be shown again/);
    const secret = KEY.exec(res.body)?.[0];
    assert.ok(secret, 'the key is on the page');
    assert.match(res.body, /\/api\/v1\/monitoring\/events/);
    assert.ok(res.body.includes(`Authorization: Bearer ${secret}`), 'the example sends the key');

    const source = await sourceNamed('Smoothwall monitor');
    assert.ok(source);
    assert.equal(source.kind, 'monitoring');
    assert.deepEqual(source.schoolIds, [cast.schoolB.id]);
    assert.equal(source.usernameMatch, 'email_local');
    assert.equal(source.createdBy, cast.admin.id);
    const key = await keyRow(source.apiKeyId);
    assert.ok(key);
    assert.equal(key.name, 'Monitoring: Smoothwall monitor');
    assert.deepEqual(key.scopes, ['monitoring:write']);
    assert.ok(secret.startsWith(key.prefix));
    const actor = await authenticateApiKey(t.app.db, secret);
    assert.deepEqual(actor && { trustId: actor.trustId, scopes: actor.scopes }, { trustId: cast.trust.id, scopes: ['monitoring:write'] });

    const sent = await sendEvent(secret);
    assert.equal(sent.statusCode, 202, sent.body);
    assert.deepEqual({ accepted: sent.json().accepted, rejected: sent.json().rejected }, { accepted: 1, rejected: 0 });

    const created = await auditOf('monitoring_source.created', source.id);
    assert.equal(created.length, 1);
    assert.match(created[0]?.summary ?? '', new RegExp(`Smoothwall monitor.*${key.prefix}`));
    assert.equal((await auditOf('api_key.created', key.id)).length, 1);

    // Shown once: the source's page and the list give the prefix, never the key.
    const shown = await admin.get(`/monitoring/sources/${source.id}`);
    assert.equal(shown.statusCode, 200);
    assert.ok(!shown.body.includes(secret));
    assert.ok(shown.body.includes(key.prefix));
    assert.match(shown.body, /How to send events/);
    assert.match(shown.body, /curl -X POST http:\/\/localhost:3000\/api\/v1\/monitoring\/events/);
    assert.match(shown.body, /The whole trust|School B/);
    const list = await admin.get('/monitoring/sources');
    assert.ok(!list.body.includes(secret));
    assert.match(list.body, /Smoothwall monitor/);
  });

  test('no schools ticked means the whole trust', async () => {
    const res = await addSource({ name: 'Trust firewall', kind: 'firewall', usernameMatch: 'external_id' });
    assert.equal(res.statusCode, 200);
    const source = await sourceNamed('Trust firewall');
    assert.deepEqual(source?.schoolIds, []);
    const page = await admin.get(`/monitoring/sources/${source?.id}`);
    assert.match(page.body, /The whole trust/);
  });

  test('every problem is shown next to its field and nothing is written', async () => {
    const [sources, keys] = [await countSources(), await countKeys()];
    const res = await addSource({ name: '  ', kind: 'telepathy', schools: ['not-a-school', other.schoolA.id], usernameMatch: '' });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /<title>Error: Add a monitoring source/);
    assert.match(res.body, /There is a problem/);
    assert.equal(fieldError(res.body, 'name'), 'Enter a name for the source');
    assert.equal(fieldError(res.body, 'kind'), 'Choose what kind of system it is');
    assert.equal(fieldError(res.body, 'usernameMatch'), 'Choose how its usernames are matched to people');

    // Another trust's school is not one of ours.
    const schools = await addSource({ name: 'Sneaky', kind: 'other', schools: [other.schoolA.id], usernameMatch: 'email' });
    assert.equal(schools.statusCode, 422);
    assert.equal(fieldError(schools.body, 'schools'), 'Choose schools from the list');
    assert.match(schools.body, /value="Sneaky"/, 'what was typed is kept');

    // Names are unique whatever their capitals.
    const clash = await addSource({ name: 'web FILTER', kind: 'filtering', usernameMatch: 'email' });
    assert.equal(clash.statusCode, 422);
    assert.equal(fieldError(clash.body, 'name'), 'There is already a source called ‘Web filter’. Choose another name');

    const long = await addSource({ name: 'x'.repeat(81), kind: 'filtering', usernameMatch: 'email' });
    assert.equal(long.statusCode, 422);
    assert.match(fieldError(long.body, 'name') ?? '', /80 characters or fewer/);
    assert.equal(await countSources(), sources);
    assert.equal(await countKeys(), keys);
  });

  test('a name an active API key already has is refused with what to do', async () => {
    await t.app.db
      .insert(apiKeys)
      .values({ trustId: cast.trust.id, name: 'Monitoring: Lightspeed', prefix: 'cs_aaaaaaaa', keyHash: 'not-a-real-hash-1', scopes: ['people:read'] });
    const sources = await countSources();
    const res = await addSource({ name: 'Lightspeed', kind: 'filtering', usernameMatch: 'email' });
    assert.equal(res.statusCode, 422);
    assert.match(fieldError(res.body, 'name') ?? '', /An active API key is already called ‘Monitoring: Lightspeed’/);
    assert.equal(await countSources(), sources);
  });
});

describe('who may see and change sources', () => {
  test('trust IT see the list and a source, and cannot add, change or re-key', async () => {
    const list = await trustIt.get('/monitoring/sources');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /Web filter/);
    assert.ok(!list.body.includes('href="/monitoring/sources/new"'), 'no add button');
    const page = await trustIt.get(`/monitoring/sources/${cast.source.id}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Upload a log file/);
    assert.ok(!page.body.includes('Change source'));
    assert.ok(!page.body.includes('Issue a new key'));
    assert.equal((await trustIt.get('/monitoring/sources/new')).statusCode, 403);
    assert.equal((await trustIt.post('/monitoring/sources/new', { name: 'X', kind: 'other', usernameMatch: 'email' })).statusCode, 403);
    assert.equal((await trustIt.get(`/monitoring/sources/${cast.source.id}/edit`)).statusCode, 403);
    assert.equal((await trustIt.post(`/monitoring/sources/${cast.source.id}/edit`, { name: 'X', kind: 'other', usernameMatch: 'email' })).statusCode, 403);
    assert.equal((await trustIt.get(`/monitoring/sources/${cast.source.id}/key`)).statusCode, 403);
    assert.equal((await trustIt.post(`/monitoring/sources/${cast.source.id}/key`)).statusCode, 403);
    assert.equal((await trustIt.post(`/monitoring/sources/${cast.source.id}/archive`)).statusCode, 403);
    assert.equal((await sourceNamed('Web filter'))?.apiKeyId, cast.apiKey.id);
  });

  test('school IT, teachers and the DSL are refused; the header link shows only to those who may see sources', async () => {
    for (const agent of [itA, teacher, dsl]) {
      assert.equal((await agent.get('/monitoring/sources')).statusCode, 403);
      assert.equal((await agent.get(`/monitoring/sources/${cast.source.id}`)).statusCode, 403);
      assert.equal((await agent.post('/monitoring/sources/new', { name: 'X', kind: 'other', usernameMatch: 'email' })).statusCode, 403);
    }
    assert.ok(!(await teacher.get('/')).body.includes('href="/monitoring/sources"'));
    assert.ok((await admin.get('/')).body.includes('href="/monitoring/sources"'));
    assert.ok((await trustIt.get('/')).body.includes('href="/monitoring/sources"'));
  });

  test('another trust’s admin finds nothing', async () => {
    const id = cast.source.id;
    for (const url of [`/monitoring/sources/${id}`, `/monitoring/sources/${id}/edit`, `/monitoring/sources/${id}/key`, `/monitoring/sources/${id}/archive`])
      assert.equal((await otherAdmin.get(url)).statusCode, 404, url);
    await otherAdmin.get('/monitoring/sources');
    assert.equal((await otherAdmin.post(`/monitoring/sources/${id}/key`)).statusCode, 404);
    assert.equal((await otherAdmin.post(`/monitoring/sources/${id}/edit`, { name: 'Mine', kind: 'other', usernameMatch: 'email' })).statusCode, 404);
    assert.equal((await otherAdmin.post(`/monitoring/sources/${id}/archive`)).statusCode, 404);
    const list = await otherAdmin.get('/monitoring/sources');
    assert.ok(!list.body.includes('Web filter'));
    assert.equal((await admin.get('/monitoring/sources/not-a-uuid')).statusCode, 404);
    const source = await sourceNamed('Web filter');
    assert.equal(source?.apiKeyId, cast.apiKey.id);
    assert.equal(source?.archivedAt, null);
  });
});

describe('changing a source', () => {
  test('the admin changes the name, kind, schools and username rule; the key follows the name', async () => {
    await admin.get('/monitoring/sources/new');
    await admin.post('/monitoring/sources/new', { name: 'Netsweeper', kind: 'filtering', usernameMatch: 'email' });
    const source = await sourceNamed('Netsweeper');
    assert.ok(source);
    const form = await admin.get(`/monitoring/sources/${source.id}/edit`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /value="Netsweeper"/);
    const res = await admin.post(`/monitoring/sources/${source.id}/edit`, {
      name: 'Netsweeper (School A)',
      kind: 'firewall',
      schools: [cast.schoolA.id],
      usernameMatch: 'external_id',
    });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, `/monitoring/sources/${source.id}`);
    const changed = await sourceNamed('Netsweeper (School A)');
    assert.equal(changed?.kind, 'firewall');
    assert.deepEqual(changed?.schoolIds, [cast.schoolA.id]);
    assert.equal(changed?.usernameMatch, 'external_id');
    assert.equal((await keyRow(source.apiKeyId))?.name, 'Monitoring: Netsweeper (School A)');
    const [event] = await auditOf('monitoring_source.updated', source.id);
    assert.equal((event?.before as { name?: string } | undefined)?.name, 'Netsweeper');
    assert.equal((event?.after as { usernameMatch?: string } | undefined)?.usernameMatch, 'external_id');
    assert.match((await admin.get(res.headers.location as string)).body, /Netsweeper \(School A\) has been changed/);

    const clash = await admin.post(`/monitoring/sources/${source.id}/edit`, { name: 'WEB filter', kind: 'firewall', usernameMatch: 'email' });
    assert.equal(clash.statusCode, 422);
    assert.match(clash.body, /<title>Error: Change Netsweeper \(School A\)/);
    assert.equal(fieldError(clash.body, 'name'), 'There is already a source called ‘Web filter’. Choose another name');
    // Keeping its own name (in other capitals) is not a clash.
    const same = await admin.post(`/monitoring/sources/${source.id}/edit`, { name: 'NETSWEEPER (School A)', kind: 'firewall', usernameMatch: 'email' });
    assert.equal(same.statusCode, 303);
  });

  test('issuing a new key: a confirm page, then the key shown once; the old key stops working', async () => {
    await admin.get('/monitoring/sources/new');
    const added = await admin.post('/monitoring/sources/new', { name: 'Securly', kind: 'monitoring', usernameMatch: 'email' });
    const oldKey = KEY.exec(added.body)?.[0] as string;
    const source = await sourceNamed('Securly');
    assert.ok(source && oldKey);
    const oldRow = await keyRow(source.apiKeyId);
    const confirm = await admin.get(`/monitoring/sources/${source.id}/key`);
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /Issue a new API key for Securly\?/);
    assert.ok(confirm.body.includes(oldRow?.prefix as string));

    const res = await admin.post(`/monitoring/sources/${source.id}/key`);
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /New API key for Securly/);
    const newKey = KEY.exec(res.body)?.[0];
    assert.ok(newKey && newKey !== oldKey);
    assert.ok(res.body.includes(`The old key <code>${oldRow?.prefix}</code> has been revoked`));
    assert.equal((await sendEvent(oldKey)).statusCode, 401);
    assert.equal((await sendEvent(newKey)).statusCode, 202);
    const after = await sourceNamed('Securly');
    assert.notEqual(after?.apiKeyId, source.apiKeyId);
    assert.ok((await keyRow(source.apiKeyId))?.revokedAt);
    assert.equal((await keyRow(after?.apiKeyId ?? null))?.name, 'Monitoring: Securly');
    const [issued] = await auditOf('monitoring_source.key_issued', source.id);
    assert.match(issued?.summary ?? '', /Issued a new API key/);
    assert.equal((await auditOf('api_key.revoked', oldRow?.id as string)).length, 1);
  });

  test('archiving revokes the key; an archived source cannot be changed, re-keyed or uploaded to', async () => {
    await admin.get('/monitoring/sources/new');
    const added = await admin.post('/monitoring/sources/new', { name: 'Old proxy', kind: 'firewall', usernameMatch: 'email' });
    const secret = KEY.exec(added.body)?.[0] as string;
    const source = await sourceNamed('Old proxy');
    assert.ok(source);
    assert.match((await admin.get(`/monitoring/sources/${source.id}/archive`)).body, /Archive Old proxy\?/);
    const res = await admin.post(`/monitoring/sources/${source.id}/archive`);
    assert.equal(res.statusCode, 303);
    assert.ok((await sourceNamed('Old proxy'))?.archivedAt);
    assert.equal((await sendEvent(secret)).statusCode, 401);
    const page = await admin.get(`/monitoring/sources/${source.id}`);
    assert.match(page.body, /This source was archived on/);
    assert.ok(!page.body.includes('Upload a log file'));
    for (const url of ['edit', 'key', 'upload', 'archive']) assert.equal((await admin.get(`/monitoring/sources/${source.id}/${url}`)).statusCode, 409, url);
    assert.equal((await admin.post(`/monitoring/sources/${source.id}/key`)).statusCode, 409);
    assert.equal((await admin.post(`/monitoring/sources/${source.id}/edit`, { name: 'Revived', kind: 'other', usernameMatch: 'email' })).statusCode, 409);
    assert.equal((await sourceNamed('Old proxy'))?.apiKeyId, source.apiKeyId, 'no new key');
    assert.match((await admin.get('/monitoring/sources')).body, /Archived/);
    const [event] = await auditOf('monitoring_source.updated', source.id);
    assert.match(event?.summary ?? '', /Archived the monitoring source ‘Old proxy’ and revoked its API key/);
  });
});

describe('the list', () => {
  test('counts web and sign-in events today and over 7 days, the last event and the unmatched usernames', async () => {
    const trustId = cast.trust.id;
    const sourceId = cast.source.id;
    const now = new Date();
    const today = londonToday(now);
    const daysAgo = (n: number) => new Date(Date.parse(`${today}T12:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
    await t.app.db.insert(activityDaily).values([
      { trustId, sourceId, day: today, username: 'a', category: 'gambling', action: 'blocked', count: 5 },
      { trustId, sourceId, day: today, username: '', category: 'uncategorised', action: 'allowed', count: 7 },
      { trustId, sourceId, day: daysAgo(6), username: 'a', category: 'gambling', action: 'allowed', count: 100 },
      { trustId, sourceId, day: daysAgo(7), username: 'a', category: 'gambling', action: 'allowed', count: 1000 },
    ]);
    const lastSeen = new Date(now.getTime() - 60_000);
    await t.app.db.insert(monitoringUsernames).values([
      { trustId, sourceId, username: 'pupil.1', eventCount: 3, firstSeenAt: lastSeen, lastSeenAt: lastSeen },
      { trustId, sourceId, username: 'pupil.2', eventCount: 1, notStaff: true, firstSeenAt: lastSeen, lastSeenAt: lastSeen },
      { trustId, sourceId, username: cast.teacherA.email, personId: cast.teacherA.id, eventCount: 9, firstSeenAt: lastSeen, lastSeenAt: lastSeen },
    ]);
    await t.app.db.insert(monitoringAuditEvents).values([
      { trustId, sourceId, kind: 'logon', occurredAt: new Date(now.getTime() - 1000), username: 'x', outcome: 'failure' },
      { trustId, sourceId, kind: 'logon', occurredAt: new Date(now.getTime() - 30 * 86_400_000), username: 'x', outcome: 'success' },
    ]);
    const list = await listSources(await actingAs(t.app.db, cast.trustIt), now);
    const row = list.find((r) => r.source.id === sourceId);
    assert.deepEqual(
      { today: row?.counts.today, week: row?.counts.week, unmatched: row?.counts.unmatched },
      { today: 5 + 7 + 1, week: 5 + 7 + 100 + 1, unmatched: 1 },
    );
    assert.equal(row?.counts.lastEventAt?.getTime(), now.getTime() - 1000);
    assert.equal(row?.key?.prefix, cast.apiKey.prefix);
    assert.deepEqual(
      row?.schools.map((s) => s.name),
      ['School A'],
    );

    const page = await admin.get('/monitoring/sources');
    assert.match(page.body, new RegExp(`href="/monitoring/sources/${sourceId}/usernames">1<`));
    assert.match(page.body, />13</);
    assert.match(page.body, />113</);
    const one = await admin.get(`/monitoring/sources/${sourceId}`);
    assert.match(one.body, /1 username has not been matched to a person/);
    assert.match(one.body, /pupil\.1 \(3 events\)/);
  });
});
