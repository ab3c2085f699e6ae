import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../../../test/app.ts';
import { makeTrustWithCast, systemCtx } from '../../../test/factories.ts';
import { type MonitoringCast, monitoringCast } from '../../../test/monitoring.ts';
import { createApiKey } from '../auth/api-keys.ts';
import { activityDaily, alertEvents, alerts, monitoringAuditEvents, monitoringSources, monitoringUsernames } from '../monitoring/schema.ts';
import { ApiMonitoringEventsAccepted, MAX_API_EVENTS } from './monitoring.ts';
import { ApiError } from './openapi.ts';

let t: TestApp;
let c: MonitoringCast;
let other: MonitoringCast;
let peopleKey: string;
let keyOfNoSource: string;

before(async () => {
  t = await createTestApp();
  c = await monitoringCast(t.app.db, await makeTrustWithCast(t.app.db, 'alpha'));
  other = await monitoringCast(t.app.db, await makeTrustWithCast(t.app.db, 'beta'));
  peopleKey = (await createApiKey(systemCtx(t.app.db, c.trust.id), { name: 'MIS', scopes: ['people:read'] })).key;
  keyOfNoSource = (await createApiKey(systemCtx(t.app.db, c.trust.id), { name: 'Stray monitoring key', scopes: ['monitoring:write'] })).key;
});
after(() => t.close());

const MIN = 60_000;
const ago = (minutes: number) => new Date(Date.now() - minutes * MIN).toISOString();

const send = (payload: string | Buffer, bearer: string | null = c.sourceKey, headers: Record<string, string> = {}) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/monitoring/events',
    payload,
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...headers },
  });
const post = (body: unknown, bearer: string | null = c.sourceKey) => send(JSON.stringify(body), bearer);
const accepted = async (body: unknown, bearer = c.sourceKey) => {
  const res = await post(body, bearer);
  assert.equal(res.statusCode, 202, res.body);
  return ApiMonitoringEventsAccepted.parse(JSON.parse(res.body));
};
const errorOf = (body: string) => ApiError.parse(JSON.parse(body)).error;
const countFor = async (trustId: string, username: string) =>
  (
    await t.app.db
      .select()
      .from(activityDaily)
      .where(and(eq(activityDaily.trustId, trustId), eq(activityDaily.username, username)))
  ).reduce((n, r) => n + r.count, 0);

describe('POST /api/v1/monitoring/events', () => {
  test('one event: 202, counted for the person it maps to', async () => {
    const res = await post({ occurredAt: ago(30), username: 'one.event@alpha.example', category: 'News', url: 'https://news.example/' });
    assert.equal(res.statusCode, 202, res.body);
    assert.match(res.headers['content-type'] as string, /^application\/json/);
    assert.deepEqual(JSON.parse(res.body), { accepted: 1, rejected: 0, rejections: [], alertsRaised: 0, alertsExtended: 0 });
    assert.equal(await countFor(c.trust.id, 'one.event@alpha.example'), 1);
    const [seen] = await t.app.db.select().from(monitoringUsernames).where(eq(monitoringUsernames.username, 'one.event@alpha.example'));
    assert.equal(seen?.personId, null, 'unknown: listed for the admin to map');
    assert.equal(seen?.eventCount, 1);
  });

  test('a list: each event is counted; a matching one raises an alert, and a repeat extends it', async () => {
    const body = await accepted([
      { occurredAt: ago(20), username: c.teacherA.email, category: 'Self Harm', action: 'blocked', url: 'https://harm.example/' },
      { occurredAt: ago(19), username: c.teacherA.email, url: 'https://news.example/a' },
      { occurredAt: ago(18), ip: '10.0.0.7', url: 'https://news.example/b' },
      { kind: 'logon', occurredAt: ago(17), username: c.teacherA.email, outcome: 'failure', location: 'Library', device: 'LIB-PC-3' },
      { kind: 'file_deletion', occurredAt: ago(16), username: c.teacherA.email, path: 'S:\\Staff\\marks.xlsx' },
    ]);
    assert.deepEqual(body, { accepted: 5, rejected: 0, rejections: [], alertsRaised: 1, alertsExtended: 0 });
    const [alert] = await t.app.db
      .select()
      .from(alerts)
      .where(and(eq(alerts.trustId, c.trust.id), eq(alerts.personId, c.teacherA.id)));
    assert.equal(alert?.category, 'self_harm');
    assert.equal(alert?.severity, 'high');
    assert.equal(alert?.schoolId, c.schoolA.id);
    const audit = await t.app.db.select().from(monitoringAuditEvents).where(eq(monitoringAuditEvents.trustId, c.trust.id));
    assert.deepEqual(audit.map((a) => [a.kind, a.personId]).sort(), [
      ['file_deletion', c.teacherA.id],
      ['logon', c.teacherA.id],
    ]);

    const again = await accepted({ occurredAt: ago(15), username: c.teacherA.email, category: 'suicide', url: 'https://harm.example/more' });
    assert.deepEqual([again.alertsRaised, again.alertsExtended], [0, 1]);
    const stored = await t.app.db
      .select()
      .from(alertEvents)
      .where(eq(alertEvents.alertId, alert?.id ?? ''));
    assert.deepEqual(stored.map((e) => e.url).sort(), ['https://harm.example/', 'https://harm.example/more']);
  });

  test('valid events are taken even when others are refused, each with its reasons by position', async () => {
    const before = await countFor(c.trust.id, 'mixed@alpha.example');
    const body = await accepted([
      { occurredAt: ago(10), username: 'mixed@alpha.example' },
      { occurredAt: ago(10), username: 'mixed@alpha.example', colour: 'red' },
      { occurredAt: 'yesterday', username: 'mixed@alpha.example' },
      { occurredAt: ago(10) },
      { kind: 'logon', occurredAt: ago(10), username: 'mixed@alpha.example' },
      { occurredAt: ago(10), username: 'mixed@alpha.example', path: '/tmp/x' },
      { kind: 'logon', occurredAt: ago(10), username: 'mixed@alpha.example', outcome: 'success', url: 'https://x.example' },
      'not an object',
      { occurredAt: new Date(Date.now() + 60 * MIN).toISOString(), username: 'mixed@alpha.example' },
      { occurredAt: ago(10), username: 'mixed@alpha.example', action: 'maybe', severity: 'urgent' },
      { kind: 'file_deletion', occurredAt: ago(10), username: 'mixed@alpha.example' },
      { occurredAt: ago(9), username: 'mixed@alpha.example', action: 'blocked' },
    ]);
    assert.equal(body.accepted, 2);
    assert.equal(body.rejected, 10);
    const byIndex = new Map(body.rejections.map((r) => [r.index, r.errors]));
    assert.deepEqual([...byIndex.keys()], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'in the order sent');
    assert.deepEqual(byIndex.get(1), { colour: 'colour is not a field this request accepts' });
    assert.match(byIndex.get(2)?.occurredAt ?? '', /date and time with a time zone/);
    assert.match(byIndex.get(3)?.username ?? '', /username or ip is required/);
    assert.match(byIndex.get(4)?.outcome ?? '', /outcome is required/);
    assert.deepEqual(byIndex.get(5), { path: 'path only applies to file_deletion events' });
    assert.deepEqual(byIndex.get(6), { url: 'url only applies to web events' });
    assert.deepEqual(byIndex.get(7), { item: 'Each item must be a JSON object' });
    assert.match(byIndex.get(8)?.occurredAt ?? '', /in the future/);
    assert.deepEqual(byIndex.get(9), { action: 'action must be allowed or blocked', severity: 'severity must be low, medium or high' });
    assert.match(byIndex.get(10)?.path ?? '', /path is required/);
    assert.equal(await countFor(c.trust.id, 'mixed@alpha.example'), before + 2);
  });

  test('a list over the limit, an empty list, or a body that is neither object nor list: 400, nothing taken', async () => {
    const one = { occurredAt: ago(5), username: 'too.many@alpha.example' };
    const over = await post(Array.from({ length: MAX_API_EVENTS + 1 }, () => one));
    assert.equal(over.statusCode, 400);
    assert.equal(errorOf(over.body).message, 'The body is a list of 1,001 items; at most 1,000 are accepted in one request: send the rest in another');
    const full = await accepted(Array.from({ length: MAX_API_EVENTS }, () => one));
    assert.equal(full.accepted, MAX_API_EVENTS, 'exactly the limit is fine');
    assert.equal(await countFor(c.trust.id, 'too.many@alpha.example'), MAX_API_EVENTS);

    const cases: [string, string | Buffer, RegExp][] = [
      ['an empty list', '[]', /empty list/],
      ['a string', '"hello"', /JSON object, or a list/],
      ['a number', '42', /JSON object, or a list/],
      ['null', 'null', /JSON object, or a list/],
      ['broken JSON', '{"occurredAt": ', /not valid JSON/],
      ['binary garbage', Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x9c, 0x22]), /not valid JSON/],
      ['nothing', '', /empty/],
    ];
    for (const [what, payload, message] of cases) {
      const res = await send(payload);
      assert.equal(res.statusCode, 400, what);
      assert.match(errorOf(res.body).message, message, what);
    }
    const form = await send('occurredAt=now', c.sourceKey, { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(form.statusCode, 400);
    assert.match(errorOf(form.body).message, /Content-Type: application\/json/);
  });

  test('a body over 2 MB: 413 saying the limit', async () => {
    const res = await post([{ occurredAt: ago(5), username: 'big@alpha.example', detail: 'x'.repeat(2 * 1024 * 1024) }]);
    assert.equal(res.statusCode, 413);
    assert.equal(errorOf(res.body).message, 'The body is larger than 2048 KB, the most this request accepts');
    assert.equal(await countFor(c.trust.id, 'big@alpha.example'), 0);
  });

  test('long fields are cut, not refused', async () => {
    await accepted({ occurredAt: ago(5), username: 'long@alpha.example', category: 'drugs', url: `https://long.example/${'a'.repeat(5000)}` });
    assert.equal(await countFor(c.trust.id, 'long@alpha.example'), 1);
  });
});

describe('who may send', () => {
  const event = () => ({ occurredAt: ago(5), username: 'who@alpha.example' });

  test('no key or an unknown key: 401', async () => {
    assert.equal((await post(event(), null)).statusCode, 401);
    const res = await post(event(), 'cs_00000000_not-a-real-key-at-all-0000000000000000000');
    assert.equal(res.statusCode, 401);
    assert.match(errorOf(res.body).message, /not valid/);
  });

  test('a key without monitoring:write: 403', async () => {
    const res = await post(event(), peopleKey);
    assert.equal(res.statusCode, 403);
    assert.match(errorOf(res.body).message, /monitoring:write/);
  });

  test('a monitoring:write key that is no source’s, or an archived source’s: 403 saying what to do', async () => {
    const res = await post(event(), keyOfNoSource);
    assert.equal(res.statusCode, 403);
    assert.equal(
      errorOf(res.body).message,
      'This API key is not the key of a monitoring source; add the source under Monitoring sources and use the key shown there',
    );
    const created = await createApiKey(systemCtx(t.app.db, c.trust.id), { name: 'Old proxy key', scopes: ['monitoring:write'] });
    await t.app.db.insert(monitoringSources).values({
      trustId: c.trust.id,
      name: 'Old proxy',
      kind: 'firewall',
      schoolIds: [],
      usernameMatch: 'email',
      apiKeyId: created.apiKey.id,
      archivedAt: new Date(),
    });
    const archived = await post(event(), created.key);
    assert.equal(archived.statusCode, 403);
    assert.match(errorOf(archived.body).message, /not the key of a monitoring source/);
    assert.equal(await countFor(c.trust.id, 'who@alpha.example'), 0, 'nothing taken');
  });

  test('a key only ever reaches its own trust', async () => {
    const before = await countFor(c.trust.id, c.teacherA.email);
    const body = await accepted({ occurredAt: ago(5), username: c.teacherA.email, category: 'self_harm' }, other.sourceKey);
    assert.equal(body.alertsRaised, 1);
    assert.equal(await countFor(c.trust.id, c.teacherA.email), before, 'nothing lands in the other trust');
    assert.equal(await countFor(other.trust.id, c.teacherA.email), 1);
    const [theirs] = await t.app.db
      .select()
      .from(alerts)
      .where(and(eq(alerts.trustId, other.trust.id), eq(alerts.username, c.teacherA.email)));
    assert.equal(theirs?.personId, null, 'alpha’s teacher is nobody in beta’s directory');
    assert.equal(theirs?.sourceId, other.source.id);
  });
});

describe('openapi.json', () => {
  test('describes the endpoint: one event or a list of at most 1,000, answered with 202', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    assert.equal(res.statusCode, 200);
    const doc = JSON.parse(res.body);
    const op = doc.paths['/monitoring/events']?.post;
    assert.ok(op, 'listed');
    assert.equal(op.operationId, 'sendMonitoringEvents');
    assert.deepEqual(op.security, [{ apiKey: ['monitoring:write'] }]);
    assert.deepEqual(Object.keys(op.responses), ['202', '400', '401', '403', '413']);
    assert.equal(op.responses['202'].content['application/json'].schema.$ref, '#/components/schemas/MonitoringEventsAccepted');
    const schema = op.requestBody.content['application/json'].schema;
    assert.deepEqual(schema, {
      oneOf: [
        { $ref: '#/components/schemas/MonitoringEvent' },
        { type: 'array', items: { $ref: '#/components/schemas/MonitoringEvent' }, minItems: 1, maxItems: 1000 },
      ],
    });
    assert.match(op.requestBody.description, /at most 1,000 of them.*2048 KB/);
    const item = doc.components.schemas.MonitoringEvent;
    assert.deepEqual(item.required, ['occurredAt']);
    assert.equal(item.additionalProperties, false);
    assert.ok(['kind', 'username', 'ip', 'category', 'url', 'action', 'outcome', 'path'].every((f) => f in item.properties));
    // The other endpoints are as they were.
    assert.ok(doc.paths['/concerns'].post.requestBody.content['application/json'].schema.$ref);
  });
});
