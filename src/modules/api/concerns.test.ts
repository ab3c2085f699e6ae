import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, count, eq } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../../../test/app.ts';
import { type ConcernCast, concernCast } from '../../../test/concerns.ts';
import { makePerson, makeTrustWithCast, systemCtx } from '../../../test/factories.ts';
import { auditEvents } from '../../audit/schema.ts';
import { createApiKey, revokeApiKey } from '../auth/api-keys.ts';
import { breaches, concernPeople, concernRecipients, concerns, deviceLosses } from '../concerns/schema.ts';
import { CONCERN_TYPE_CODES } from '../concerns/types.ts';
import { outbox } from '../notifications/schema.ts';
import { ApiConcernCreated, ApiConcernTypes, ApiNewConcern } from './concerns.ts';
import { ApiError } from './openapi.ts';

let t: TestApp;
let c: ConcernCast;
let other: ConcernCast;
let key: string;
let otherKey: string;
let peopleKey: string;
let leaverEmail: string;

const newKey = async (trustId: string, name: string, scopes: string[]) => (await createApiKey(systemCtx(t.app.db, trustId), { name, scopes })).key;

before(async () => {
  t = await createTestApp();
  c = await concernCast(t.app.db, await makeTrustWithCast(t.app.db, 'alpha'));
  other = await concernCast(t.app.db, await makeTrustWithCast(t.app.db, 'beta'));
  key = await newKey(c.trust.id, 'Filtering service', ['concerns:write']);
  otherKey = await newKey(other.trust.id, 'Their filtering', ['concerns:write']);
  peopleKey = await newKey(c.trust.id, 'MIS', ['people:read']);
  leaverEmail = (
    await makePerson(t.app.db, c.trust.id, { name: 'Lee Leaver', email: 'leaver@alpha.example', schoolIds: [c.schoolA.id], endDate: '2020-08-31' })
  ).email;
});
after(() => t.close());

const HOUR = 3_600_000;
const ago = (hours: number) => new Date(Date.now() - hours * HOUR).toISOString();

type Body = Record<string, unknown>;
const base = (extra: Body = {}): Body => ({
  type: 'cyberbullying',
  what: 'Messages in the year 9 group chat calling a pupil names',
  occurredAt: ago(2),
  school: 'school-a',
  reporterEmail: c.teacherA.email,
  ...extra,
});

const send = (payload: string | Buffer, headers: Record<string, string> = {}, bearer: string | null = key) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/concerns',
    payload,
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...headers },
  });
const post = (body: unknown, bearer: string | null = key) => send(JSON.stringify(body), {}, bearer);
const created = async (body: Body, bearer = key) => {
  const res = await post(body, bearer);
  assert.equal(res.statusCode, 201, res.body);
  return ApiConcernCreated.parse(JSON.parse(res.body));
};
const errorOf = (body: string) => ApiError.parse(JSON.parse(body)).error;
const stored = async () => (await t.app.db.select({ n: count() }).from(concerns))[0]?.n ?? 0;
const concernRow = async (id: string) => (await t.app.db.select().from(concerns).where(eq(concerns.id, id)))[0];

describe('POST /api/v1/concerns', () => {
  test('records the concern for the member of staff, from the API, routed and emailed like the form', async () => {
    const occurredAt = '2026-01-12T15:04:05+00:00';
    const res = await post(base({ occurredAt, people: [c.teacherB.email.toUpperCase()], location: 'Online', othersInvolved: 'A year 9 pupil' }));
    assert.equal(res.statusCode, 201, res.body);
    assert.match(res.headers['content-type'] as string, /^application\/json/);
    const body = ApiConcernCreated.parse(JSON.parse(res.body));
    assert.deepEqual(Object.keys(JSON.parse(res.body)).sort(), ['breach', 'id', 'reference']);
    assert.match(body.reference, /^C-\d{4}-\d{4}$/);
    assert.equal(body.breach, null);

    const row = await concernRow(body.id);
    assert.ok(row);
    assert.equal(row.reference, body.reference);
    assert.equal(row.trustId, c.trust.id);
    assert.equal(row.source, 'api');
    assert.equal(row.type, 'cyberbullying');
    assert.equal(row.confidentiality, 'safeguarding');
    assert.equal(row.reporterId, c.teacherA.id);
    assert.equal(row.schoolId, c.schoolA.id);
    assert.equal(row.occurredAt.toISOString(), '2026-01-12T15:04:05.000Z', 'to the second');
    assert.equal(row.location, 'Online');
    assert.equal(row.othersInvolved, 'A year 9 pupil');
    const linked = await t.app.db.select().from(concernPeople).where(eq(concernPeople.concernId, body.id));
    assert.deepEqual(
      linked.map((p) => [p.personId, p.part]),
      [[c.teacherB.id, 'affected']],
    );

    const routed = await t.app.db.select().from(concernRecipients).where(eq(concernRecipients.concernId, body.id));
    assert.deepEqual(routed.map((r) => r.personId).sort(), [c.dslA.id, c.deputyDslA.id].sort(), 'the DSL team of School A');
    const emails = await t.app.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.trustId, c.trust.id), eq(outbox.template, 'concern-routed')));
    const mine = emails.filter((e) => e.dedupeKey.startsWith(`concern:${body.id}:`));
    assert.deepEqual(mine.map((e) => e.toAddress).sort(), [c.dslA.email, c.deputyDslA.email].sort(), 'urgent: emailed at once');
    for (const e of mine) {
      assert.ok(e.textBody.includes(`/concerns/${body.reference}`), 'the email links to the record');
      assert.ok(!e.textBody.includes('year 9 group chat'), 'and never carries what was reported');
    }
    const [event] = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.resourceId, body.id), eq(auditEvents.action, 'concern.reported')));
    assert.equal(event?.actorType, 'api_key');
    assert.equal(event?.actorLabel, 'API key "Filtering service"');
    assert.ok(!JSON.stringify(event).includes('group chat'));
  });

  test('a school by id; the reporter’s only school when none is given', async () => {
    const byId = await created(base({ school: c.schoolB.id }));
    assert.equal((await concernRow(byId.id))?.schoolId, c.schoolB.id);
    const { school: _, ...withoutSchool } = base();
    const defaulted = await created(withoutSchool);
    assert.equal((await concernRow(defaulted.id))?.schoolId, c.schoolA.id, 'Tess works only at School A');
  });

  test('staff conduct: the people named are who it is about, and it goes to the reporter’s line manager', async () => {
    const res = await created(base({ type: 'staff_conduct', people: [c.sltA.email], what: 'Shared a pupil photo on a personal account' }));
    const linked = await t.app.db.select().from(concernPeople).where(eq(concernPeople.concernId, res.id));
    assert.deepEqual(
      linked.map((p) => [p.personId, p.part]),
      [[c.sltA.id, 'subject']],
    );
    const routed = await t.app.db.select().from(concernRecipients).where(eq(concernRecipients.concernId, res.id));
    assert.deepEqual(
      routed.map((r) => r.personId),
      [c.headA.id],
      'Tess’s line manager, Hal Head',
    );
  });

  test('a data breach: the clock runs from discoveredAt, or from now when it is left out', async () => {
    const discoveredAt = ago(1);
    const given = await created(base({ type: 'data_breach', discoveredAt, dataInvolved: 'Names and dates of birth', peopleAffected: 30 }));
    const [b] = await t.app.db.select().from(breaches).where(eq(breaches.concernId, given.id));
    assert.equal(b?.discoveredAt.toISOString(), discoveredAt);
    assert.equal(b?.peopleAffected, 30);
    assert.equal(b?.icoDueAt.getTime(), new Date(discoveredAt).getTime() + 72 * HOUR);
    const routed = await t.app.db.select().from(concernRecipients).where(eq(concernRecipients.concernId, given.id));
    assert.deepEqual(routed.map((r) => r.personId).sort(), [c.dplA.id, c.dpo.id, c.headA.id].sort(), 'DPL, DPO and the line manager');

    const before = Date.now();
    const defaulted = await created(base({ type: 'data_breach', dataInvolved: 'A class list' }));
    const [d] = await t.app.db.select().from(breaches).where(eq(breaches.concernId, defaulted.id));
    assert.ok(d && d.discoveredAt.getTime() >= before - 1000 && d.discoveredAt.getTime() <= Date.now(), 'found out now');
  });

  test('a lost device that held personal data also opens a linked data breach, and says so', async () => {
    const res = await created(
      base({
        type: 'device_lost',
        what: 'Left on the train',
        lossKind: 'stolen',
        crimeReference: 'CR/123/26',
        deviceDescription: 'Grey Dell laptop',
        assetReference: 'LAP-0042',
        heldPersonalData: 'yes',
      }),
    );
    assert.ok(res.breach);
    assert.match(res.breach.reference, /^C-\d{4}-\d{4}$/);
    const [loss] = await t.app.db.select().from(deviceLosses).where(eq(deviceLosses.concernId, res.id));
    assert.deepEqual(
      { kind: loss?.kind, crime: loss?.crimeReference, asset: loss?.assetReference, breach: loss?.breachConcernId },
      { kind: 'stolen', crime: 'CR/123/26', asset: 'LAP-0042', breach: res.breach.id },
    );
    const breach = await concernRow(res.breach.id);
    assert.equal(breach?.type, 'data_breach');
    assert.equal(breach?.linkedConcernId, res.id);
  });

  test('bad input answers 400 naming the field in the API’s words, and nothing is stored', async () => {
    const { what: _w, ...noWhat } = base();
    const { occurredAt: _o, ...noOccurred } = base();
    const { reporterEmail: _r, ...noReporter } = base();
    const { type: _t, ...noType } = base();
    const inAnHour = new Date(Date.now() + HOUR).toISOString();
    const adminReport = base({ reporterEmail: c.admin.email });
    delete adminReport.school;
    const cases: [string, unknown, string, RegExp?][] = [
      ['no type', noType, 'type', /type is required|type must be one of/],
      ['an unknown type', base({ type: 'gossip' }), 'type', /type must be one of: harmful_content/],
      ['no what', noWhat, 'what', /what is required/],
      ['an empty what', base({ what: '   ' }), 'what', /Describe what you saw or heard/],
      ['what too long', base({ what: 'x'.repeat(10_001) }), 'what', /10,000 characters or fewer/],
      ['what not a string', base({ what: 42 }), 'what', /what must be a string/],
      ['no occurredAt', noOccurred, 'occurredAt', /occurredAt is required/],
      ['occurredAt not a time', base({ occurredAt: 'yesterday' }), 'occurredAt', /time zone/],
      ['occurredAt without an offset', base({ occurredAt: '2026-01-12T15:04:05' }), 'occurredAt', /time zone/],
      ['occurredAt in the future', base({ occurredAt: inAnHour }), 'occurredAt', /in the future/],
      ['no reporterEmail', noReporter, 'reporterEmail', /reporterEmail is required/],
      ['reporterEmail not an email', base({ reporterEmail: 'tess' }), 'reporterEmail', /must be an email address/],
      ['reporterEmail of nobody', base({ reporterEmail: 'nobody@alpha.example' }), 'reporterEmail', /of your trust who has not left/],
      ['reporterEmail of a leaver', base({ reporterEmail: leaverEmail }), 'reporterEmail', /has not left/],
      ['reporterEmail of another trust', base({ reporterEmail: other.teacherA.email }), 'reporterEmail', /of your trust/],
      ['an unknown school', base({ school: 'school-z' }), 'school', /slug or id of a school in your trust/],
      ['another trust’s school', base({ school: other.schoolA.id }), 'school', /in your trust/],
      ['no school for someone at none', adminReport, 'school', /school is needed/],
      ['a person of another trust', base({ people: [other.teacherA.email] }), 'people', new RegExp(`nobody has the email ${other.teacherA.email}`)],
      ['people not a list', base({ people: c.teacherB.email }), 'people', /list of email addresses/],
      ['people not emails', base({ people: ['Bo Teacher'] }), 'people', /list of email addresses/],
      ['staff conduct about nobody', base({ type: 'staff_conduct' }), 'people', /member of staff the report is about/],
      ['a breach without its data', base({ type: 'data_breach' }), 'dataInvolved', /personal data/],
      [
        'found out before it happened',
        base({ type: 'data_breach', dataInvolved: 'Names', occurredAt: ago(2), discoveredAt: ago(3) }),
        'discoveredAt',
        /before occurredAt/,
      ],
      ['found out in the future', base({ type: 'data_breach', dataInvolved: 'Names', discoveredAt: inAnHour }), 'discoveredAt', /future/],
      ['peopleAffected as text', base({ type: 'data_breach', dataInvolved: 'Names', peopleAffected: '12' }), 'peopleAffected', /whole number/],
      ['peopleAffected of none', base({ type: 'data_breach', dataInvolved: 'Names', peopleAffected: 0 }), 'peopleAffected', /at least 1/],
      ['a lost device without lossKind', base({ type: 'device_lost', deviceDescription: 'iPad', heldPersonalData: 'no' }), 'lossKind', /lost or stolen/],
      [
        'a theft without a crime reference',
        base({ type: 'device_lost', lossKind: 'stolen', deviceDescription: 'iPad', heldPersonalData: 'no' }),
        'crimeReference',
        /crime reference/,
      ],
      ['a device undescribed', base({ type: 'device_lost', lossKind: 'lost', heldPersonalData: 'no' }), 'deviceDescription', /what the device is/],
      [
        'heldPersonalData not an answer',
        base({ type: 'device_lost', lossKind: 'lost', deviceDescription: 'iPad', heldPersonalData: 'maybe' }),
        'heldPersonalData',
        /yes, no or unknown/,
      ],
      ['a device field on another type', base({ lossKind: 'lost' }), 'lossKind', /only applies to device_lost/],
      ['a breach field on another type', base({ dataInvolved: 'Names' }), 'dataInvolved', /only applies to data_breach/],
      ['a field that does not exist', base({ colour: 'red' }), 'colour', /not a field this request accepts/],
      ['a form field name', base({ occurredOn: '2026-01-12' }), 'occurredOn', /not a field/],
    ];
    const before = await stored();
    for (const [what, body, field, message] of cases) {
      const res = await post(body);
      assert.equal(res.statusCode, 400, `${what}: ${res.body}`);
      const error = errorOf(res.body);
      assert.equal(error.status, 400, what);
      assert.ok(error.fields?.[field], `${what}: fields.${field} in ${JSON.stringify(error.fields)}`);
      if (message) assert.match(error.fields?.[field] as string, message, what);
      assert.ok(error.message.includes(field), `${what}: the message names ${field}: ${error.message}`);
    }
    assert.equal(await stored(), before, 'nothing stored');

    const several = errorOf((await post({ type: 'device_lost', occurredAt: 'soon', reporterEmail: 'x' })).body);
    assert.deepEqual(Object.keys(several.fields ?? {}).sort(), ['occurredAt', 'reporterEmail', 'what'], 'every field at once');
  });

  test('a body that is not a JSON object, or too large, is refused with a plain message', async () => {
    const before = await stored();
    const cases: [string, () => ReturnType<typeof send>, number, RegExp][] = [
      ['malformed JSON', () => send('{"type": "cyberbullying",'), 400, /not valid JSON/],
      ['an array', () => post([base()]), 400, /must be a JSON object/],
      ['a string', () => post('cyberbullying'), 400, /must be a JSON object/],
      ['null', () => send('null'), 400, /must be a JSON object/],
      ['an empty body', () => send(''), 400, /body is empty|JSON object/],
      [
        'a form',
        () => send(new URLSearchParams(base() as Record<string, string>).toString(), { 'content-type': 'application/x-www-form-urlencoded' }),
        400,
        /Content-Type: application\/json/,
      ],
      ['no content type', () => send(JSON.stringify(base()), { 'content-type': '' }), 400, /Content-Type: application\/json/],
      ['too large', () => post(base({ what: 'x'.repeat(200 * 1024) })), 413, /larger than 100 KB/],
    ];
    for (const [what, run, status, message] of cases) {
      const res = await run();
      assert.equal(res.statusCode, status, `${what}: ${res.body}`);
      assert.match(res.headers['content-type'] as string, /^application\/json/, what);
      const error = errorOf(res.body);
      assert.equal(error.status, status, what);
      assert.match(error.message, message, what);
    }
    assert.equal(await stored(), before, 'nothing stored');
    assert.equal((await send(JSON.stringify(base()), { 'content-type': 'application/json; charset=utf-8' })).statusCode, 201, 'a charset is fine');
  });

  test('keys: none or revoked is 401, one without concerns:write is 403, another trust’s stays in its trust', async () => {
    const before = await stored();
    const none = await post(base(), null);
    assert.equal(none.statusCode, 401);
    assert.match(none.headers['www-authenticate'] as string, /^Bearer/);
    const made = await createApiKey(systemCtx(t.app.db, c.trust.id), { name: 'Short-lived', scopes: ['concerns:write'] });
    await revokeApiKey(systemCtx(t.app.db, c.trust.id), made.apiKey.id);
    assert.equal((await post(base(), made.key)).statusCode, 401);
    const wrong = await post(base(), peopleKey);
    assert.equal(wrong.statusCode, 403);
    assert.match(errorOf(wrong.body).message, /concerns:write/);
    assert.equal(await stored(), before);

    // The other trust's key: its own school-a, and our people are strangers to it.
    const theirs = errorOf((await post(base(), otherKey)).body);
    assert.ok(theirs.fields?.reporterEmail, 'our teacher is not one of theirs');
    const own = await created(base({ reporterEmail: other.teacherA.email }), otherKey);
    const row = await concernRow(own.id);
    assert.equal(row?.trustId, other.trust.id);
    assert.equal(row?.schoolId, other.schoolA.id);
  });
});

describe('GET /api/v1/concern-types', () => {
  test('every type, with who may read it and who it is routed to', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/concern-types', headers: { authorization: `Bearer ${key}` } });
    assert.equal(res.statusCode, 200);
    const { data } = ApiConcernTypes.parse(JSON.parse(res.body));
    assert.deepEqual(
      data.map((d) => d.code),
      CONCERN_TYPE_CODES,
    );
    const byCode = new Map(data.map((d) => [d.code, d]));
    assert.deepEqual(byCode.get('cyberbullying'), {
      code: 'cyberbullying',
      label: 'Cyberbullying',
      hint: 'Bullying by message, social media, games or any other online means.',
      urgent: true,
      confidentiality: 'safeguarding',
      confidentialityLabel: 'Safeguarding: the DSL team only',
      routedTo: 'The DSL team',
      routes: [
        { to: 'role', role: 'dsl', fallback: null, description: 'Designated safeguarding lead (DSL) at the school, or for the trust if the school has none' },
        { to: 'role', role: 'deputy_dsl', fallback: null, description: 'Deputy DSL at the school, or for the trust if the school has none' },
      ],
      requiredFields: [],
    });
    assert.deepEqual(
      byCode.get('data_breach')?.routes.map((r) => [r.to, r.role]),
      [
        ['role', 'dpl'],
        ['role', 'dpo'],
        ['line_manager', null],
      ],
    );
    assert.equal(byCode.get('data_breach')?.routes[1]?.description, 'Data protection officer (DPO) for the trust');
    assert.equal(byCode.get('cyber_security')?.routes[1]?.fallback, 'head_teacher');
    assert.deepEqual(byCode.get('staff_conduct')?.requiredFields, ['people']);
    assert.deepEqual(byCode.get('device_lost')?.requiredFields, ['lossKind', 'deviceDescription', 'heldPersonalData']);
    assert.equal(byCode.get('damage_fault')?.urgent, false);
  });

  test('needs a key with concerns:write', async () => {
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/concern-types' })).statusCode, 401);
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/concern-types', headers: { authorization: `Bearer ${peopleKey}` } });
    assert.equal(res.statusCode, 403);
  });
});

describe('openapi.json', () => {
  test('describes both, with the request body and the 201', async () => {
    const doc = JSON.parse((await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).body);
    const list = doc.paths['/concern-types'].get;
    assert.deepEqual(list.security, [{ apiKey: ['concerns:write'] }]);
    assert.equal(list.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/ConcernTypes');

    const create = doc.paths['/concerns'].post;
    assert.equal(create.operationId, 'reportConcern');
    assert.deepEqual(create.security, [{ apiKey: ['concerns:write'] }]);
    assert.equal(create.requestBody.required, true);
    assert.equal(create.requestBody.content['application/json'].schema.$ref, '#/components/schemas/NewConcern');
    assert.deepEqual(Object.keys(create.responses), ['201', '400', '401', '403', '413']);
    assert.equal(create.responses['201'].content['application/json'].schema.$ref, '#/components/schemas/ConcernCreated');
    assert.match(create.responses['400'].description, /fields/);

    const schema = doc.components.schemas.NewConcern;
    assert.deepEqual(Object.keys(schema.properties).sort(), Object.keys(ApiNewConcern.shape).sort(), 'the document and the zod schema agree');
    assert.deepEqual([...schema.required].sort(), ['occurredAt', 'reporterEmail', 'type', 'what']);
    assert.equal(schema.additionalProperties, false);
    assert.equal(schema.properties.occurredAt.format, 'date-time');
    assert.deepEqual(schema.properties.type.enum, CONCERN_TYPE_CODES);
    for (const name of ['ConcernType', 'ConcernRoute', 'ConcernCreated']) assert.ok(doc.components.schemas[name], name);
  });
});
