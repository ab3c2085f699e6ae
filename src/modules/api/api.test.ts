import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { Agent, createTestApp, type TestApp } from '../../../test/app.ts';
import { makePerson, makeTrust, makeTrustWithCast, systemCtx } from '../../../test/factories.ts';
import { createApiKey, revokeApiKey } from '../auth/api-keys.ts';
import { apiKeys } from '../auth/schema.ts';
import { people, roleAssignments } from '../organisations/schema.ts';
import { grantRole } from '../organisations/service.ts';
import { ApiError } from './openapi.ts';
import { ApiPeoplePage, ApiPerson } from './people.ts';

let t: TestApp;
let castA: Awaited<ReturnType<typeof makeTrustWithCast>>;
let castB: Awaited<ReturnType<typeof makeTrustWithCast>>;
let keyA: string;
let keyB: string;
let monitoringKey: string;

const newKey = async (trustId: string, name: string, scopes: string[]) => (await createApiKey(systemCtx(t.app.db, trustId), { name, scopes })).key;

before(async () => {
  t = await createTestApp();
  castA = await makeTrustWithCast(t.app.db);
  castB = await makeTrustWithCast(t.app.db);
  keyA = await newKey(castA.trust.id, 'MIS', ['people:read']);
  keyB = await newKey(castB.trust.id, 'MIS', ['people:read']);
  monitoringKey = await newKey(castA.trust.id, 'Filtering', ['monitoring:write']);
});
after(() => t.close());

const call = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers });
const withKey = (url: string, key: string) => call(url, { authorization: `Bearer ${key}` });
const page = async (url: string, key = keyA) => {
  const res = await withKey(url, key);
  assert.equal(res.statusCode, 200, res.body);
  return ApiPeoplePage.parse(JSON.parse(res.body));
};
const errorOf = (body: string) => ApiError.parse(JSON.parse(body)).error;

describe('authentication', () => {
  test('without a valid key: 401 JSON with WWW-Authenticate, never the sign-in page', async () => {
    const signedIn = await new Agent(t.app).signIn(castA.admin.email);
    const attempts: Record<string, Record<string, string>> = {
      'no header': {},
      'another scheme': { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      'Bearer and nothing': { authorization: 'Bearer ' },
      'two tokens': { authorization: `Bearer ${keyA} extra` },
      'a made-up key': { authorization: 'Bearer cs_00000000_not-a-real-key-at-all-0000000000000000000' },
      'a key with a letter changed': { authorization: `Bearer ${keyA.slice(0, -1)}${keyA.endsWith('A') ? 'B' : 'A'}` },
      'a signed-in person’s session cookie': { cookie: signedIn.cookieHeader() },
    };
    for (const [what, headers] of Object.entries(attempts)) {
      const res = await call('/people', headers);
      assert.equal(res.statusCode, 401, what);
      assert.match(res.headers['content-type'] as string, /^application\/json/, what);
      assert.match(res.headers['www-authenticate'] as string, /^Bearer/, what);
      assert.equal(res.headers['cache-control'], 'no-store', what);
      assert.equal(res.headers.location, undefined, `${what}: no redirect`);
      assert.equal(errorOf(res.body).status, 401);
    }
    assert.match(errorOf((await call('/people')).body).message, /Authorization header/);
    assert.equal((await call(`/people/${castA.teacherA.id}`)).statusCode, 401, 'one person needs a key too');
  });

  test('the scheme name is not case-sensitive', async () => {
    assert.equal((await call('/people', { authorization: `bearer ${keyA}` })).statusCode, 200);
  });

  test('a key without people:read is refused with 403', async () => {
    for (const url of ['/people', `/people/${castA.teacherA.id}`]) {
      const res = await withKey(url, monitoringKey);
      assert.equal(res.statusCode, 403, url);
      assert.match(errorOf(res.body).message, /people:read/);
    }
  });

  test('a revoked key stops working at once', async () => {
    const created = await createApiKey(systemCtx(t.app.db, castA.trust.id), { name: 'Short-lived', scopes: ['people:read'] });
    assert.equal((await withKey('/people', created.key)).statusCode, 200);
    await revokeApiKey(systemCtx(t.app.db, castA.trust.id), created.apiKey.id);
    const res = await withKey('/people', created.key);
    assert.equal(res.statusCode, 401);
    assert.match(res.headers['www-authenticate'] as string, /invalid_token/);
  });

  test('each use is counted on the key', async () => {
    const key = await newKey(castA.trust.id, 'Counted', ['people:read']);
    const [before] = await t.app.db.select().from(apiKeys).where(eq(apiKeys.name, 'Counted'));
    assert.equal(before?.useCount, 0);
    assert.equal(before?.lastUsedAt, null);
    await withKey('/people', key);
    await withKey(`/people/${castA.teacherA.id}`, key);
    const [used] = await t.app.db.select().from(apiKeys).where(eq(apiKeys.name, 'Counted'));
    assert.equal(used?.useCount, 2);
    assert.ok(used?.lastUsedAt);
  });
});

describe('GET /api/v1/people', () => {
  test('people in name order, in the documented shape, with line manager, schools and roles', async () => {
    const res = await withKey('/people', keyA);
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^application\/json/);
    assert.equal(res.headers['cache-control'], 'no-store');
    const body = ApiPeoplePage.parse(JSON.parse(res.body));
    assert.deepEqual(
      body.data.map((p) => p.name),
      ['Ada Admin', 'Bo Teacher', 'Hal Head', 'Tess Teacher'],
    );
    assert.equal(body.nextCursor, null);
    const keys = Object.keys(ApiPerson.shape).sort();
    for (const p of JSON.parse(res.body).data) assert.deepEqual(Object.keys(p).sort(), keys, 'exactly the documented fields');

    const byName = new Map(body.data.map((p) => [p.name, p]));
    assert.deepEqual(byName.get('Tess Teacher'), {
      id: castA.teacherA.id,
      name: 'Tess Teacher',
      email: castA.teacherA.email,
      kind: 'employee',
      position: 'Teacher',
      lineManager: { id: castA.headA.id, name: 'Hal Head' },
      startDate: null,
      endDate: null,
      schools: [{ slug: 'school-a', name: 'School A' }],
      roles: [],
    });
    assert.deepEqual(byName.get('Hal Head')?.roles, [{ role: 'head_teacher', school: { slug: 'school-a', name: 'School A' } }]);
    assert.deepEqual(byName.get('Ada Admin')?.roles, [{ role: 'trust_admin', school: null }]);
    assert.deepEqual(byName.get('Ada Admin')?.schools, []);
  });

  test('a key of one trust never sees another trust’s people', async () => {
    const a = await page('/people?status=all', keyA);
    const b = await page('/people?status=all', keyB);
    const idsB = new Set(b.data.map((p) => p.id));
    assert.ok(a.data.length > 0 && b.data.length > 0);
    assert.ok(
      a.data.every((p) => !idsB.has(p.id)),
      'no overlap',
    );
    assert.ok(b.data.some((p) => p.id === castB.teacherA.id));
    assert.ok(!a.data.some((p) => p.email === castB.teacherA.email));
  });

  test('status picks current people (the default), leavers, or everyone', async () => {
    const leaver = await makePerson(t.app.db, castA.trust.id, { name: 'Lee Leaver', endDate: '2020-08-31' });
    const names = async (query: string) => (await page(`/people${query}`)).data.map((p) => p.name);
    assert.ok(!(await names('')).includes('Lee Leaver'));
    assert.ok(!(await names('?status=current')).includes('Lee Leaver'));
    assert.deepEqual(await names('?status=left'), ['Lee Leaver']);
    assert.ok((await names('?status=all')).includes('Lee Leaver'));
    const one = await withKey(`/people/${leaver.id}`, keyA);
    assert.equal(ApiPerson.parse(JSON.parse(one.body)).endDate, '2020-08-31', 'a leaver can still be fetched by id');
  });

  test('updatedSince gives people whose details or roles changed since then', async () => {
    // Everything so far happened "an hour ago"; then one person is added and another given a role.
    await t.app.db.update(people).set({ updatedAt: sql`now() - interval '1 hour'` }).where(eq(people.trustId, castA.trust.id));
    await t.app.db.update(roleAssignments).set({ grantedAt: sql`now() - interval '1 hour'` }).where(eq(roleAssignments.trustId, castA.trust.id));
    const since = new Date(Date.now() - 60_000).toISOString();
    await makePerson(t.app.db, castA.trust.id, { name: 'Nia New' });
    await grantRole(systemCtx(t.app.db, castA.trust.id), castA.teacherB.id, { role: 'dsl', scope: castA.schoolB.id });

    const changed = (await page(`/people?updatedSince=${since}`)).data;
    assert.deepEqual(
      changed.map((p) => p.name),
      ['Bo Teacher', 'Nia New'],
    );
    assert.deepEqual(changed[0]?.roles, [{ role: 'dsl', school: { slug: 'school-b', name: 'School B' } }]);
    const offset = new Date(Date.now() - 60_000 + 3_600_000).toISOString().replace('Z', '+01:00');
    assert.equal((await page(`/people?updatedSince=${encodeURIComponent(offset)}`)).data.length, 2, 'a time with an offset means the same moment');
    assert.equal((await page('/people?updatedSince=2000-01-01T00:00:00Z&status=all')).data.length, 6, 'the cast, the leaver and Nia');
  });

  test('paging through 120 people 50 at a time: 50, 50, 20, no one twice, then no cursor', async () => {
    const trust = await makeTrust(t.app.db);
    const created = new Set<string>();
    // Three people share each name, so the id decides their order and must keep pages apart.
    for (let i = 0; i < 120; i++) created.add((await makePerson(t.app.db, trust.id, { name: `Person ${String(i % 40).padStart(2, '0')}` })).id);
    const key = await newKey(trust.id, 'Paging', ['people:read']);

    const sizes: number[] = [];
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const body: { data: { id: string }[]; nextCursor: string | null } = await page(`/people?limit=50${cursor ? `&cursor=${cursor}` : ''}`, key);
      sizes.push(body.data.length);
      seen.push(...body.data.map((p) => p.id));
      cursor = body.nextCursor;
      assert.ok(sizes.length < 5, 'paging ends');
    } while (cursor);
    assert.deepEqual(sizes, [50, 50, 20]);
    assert.equal(new Set(seen).size, 120, 'nobody twice');
    assert.deepEqual(new Set(seen), created, 'everybody once');

    const first = await page('/people', key);
    assert.equal(first.data.length, 50, 'the default page is 50');
    assert.ok(first.nextCursor);
    assert.equal((await page('/people?limit=200', key)).data.length, 120);
    const small = await page('/people?limit=1', key);
    assert.equal(small.data.length, 1);
    assert.equal((await page(`/people?limit=1&cursor=${small.nextCursor}`, key)).data[0]?.id, first.data[1]?.id, 'a cursor carries on where the page ended');
  });

  test('bad parameters answer 400 with a message naming the parameter', async () => {
    const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const cases: [string, RegExp][] = [
      ['limit=0', /^limit must be a whole number from 1 to 200/],
      ['limit=500', /^limit/],
      ['limit=201', /^limit/],
      ['limit=abc', /^limit/],
      ['limit=2.5', /^limit/],
      ['limit=', /^limit/],
      ['limit=5&limit=6', /^limit/],
      ['cursor=not-a-cursor', /^cursor is not valid/],
      [`cursor=${cursorOf(['Ada Admin', 'not-a-uuid'])}`, /^cursor/],
      [`cursor=${cursorOf({ name: 'Ada' })}`, /^cursor/],
      ['cursor=', /^cursor/],
      ['status=gone', /^status must be current, left or all/],
      ['updatedSince=yesterday', /^updatedSince must be a date and time/],
      ['updatedSince=2026-03-01', /^updatedSince/],
    ];
    for (const [query, message] of cases) {
      const res = await withKey(`/people?${query}`, keyA);
      assert.equal(res.statusCode, 400, query);
      const error = errorOf(res.body);
      assert.equal(error.status, 400);
      assert.match(error.message, message, query);
    }
  });
});

describe('GET /api/v1/people/{id}', () => {
  test('one person, in the same shape as in the list', async () => {
    const res = await withKey(`/people/${castA.headA.id}`, keyA);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    const person = ApiPerson.parse(JSON.parse(res.body));
    const listed = (await page('/people')).data.find((p) => p.id === castA.headA.id);
    assert.deepEqual(person, listed);
  });

  test('unknown ids, malformed ids and another trust’s people are all 404', async () => {
    for (const [id, key] of [
      ['00000000-0000-4000-8000-000000000000', keyA],
      ['not-a-uuid', keyA],
      [castB.teacherA.id, keyA],
      [castA.teacherA.id, keyB],
    ] as const) {
      const res = await withKey(`/people/${id}`, key);
      assert.equal(res.statusCode, 404, id);
      assert.deepEqual(errorOf(res.body), { status: 404, message: 'There is no person with this id' });
    }
    assert.equal((await withKey(`/people/${castB.teacherA.id}`, keyB)).statusCode, 200, 'their own trust’s key sees them');
  });
});

describe('GET /api/v1/openapi.json', () => {
  test('an OpenAPI 3.1 document describing every endpoint, with no key needed', async () => {
    const res = await call('/openapi.json');
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^application\/json/);
    const doc = JSON.parse(res.body);
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.servers[0].url, 'http://localhost:3000/api/v1');
    assert.deepEqual(doc.components.securitySchemes.apiKey, {
      type: 'http',
      scheme: 'bearer',
      description: doc.components.securitySchemes.apiKey.description,
    });
    assert.deepEqual(Object.keys(doc.paths).sort(), [
      '/acknowledgements',
      '/assets',
      '/assets/{tag}',
      '/compliance',
      '/concern-types',
      '/concerns',
      '/loans',
      '/monitoring/events',
      '/people',
      '/people/{id}',
    ]);

    const list = doc.paths['/people'].get;
    assert.deepEqual(list.security, [{ apiKey: ['people:read'] }]);
    assert.deepEqual(
      list.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`),
      ['query:limit', 'query:cursor', 'query:status', 'query:updatedSince'],
    );
    const limit = list.parameters[0];
    assert.deepEqual(
      { required: limit.required, type: limit.schema.type, min: limit.schema.minimum, max: limit.schema.maximum, default: limit.schema.default },
      { required: false, type: 'integer', min: 1, max: 200, default: 50 },
    );
    assert.deepEqual(Object.keys(list.responses), ['200', '400', '401', '403']);
    assert.equal(list.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/PeoplePage');
    assert.equal(list.responses['401'].content['application/json'].schema.$ref, '#/components/schemas/Error');

    const one = doc.paths['/people/{id}'].get;
    assert.deepEqual(one.parameters[0], { name: 'id', in: 'path', required: true, description: 'The person’s id', schema: { type: 'string', format: 'uuid' } });
    assert.deepEqual(Object.keys(one.responses), ['200', '401', '403', '404']);

    const person = doc.components.schemas.Person;
    assert.deepEqual(Object.keys(person.properties).sort(), Object.keys(ApiPerson.shape).sort(), 'the document and the zod schema agree');
    assert.equal(person.properties.schools.items.$ref, '#/components/schemas/SchoolRef');
    const refs = [...res.body.matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1] as string);
    for (const name of refs) assert.ok(doc.components.schemas[name], `${name} is defined`);
    assert.ok(!res.body.includes('"$schema"') && !res.body.includes('"$id"'), 'components are plain schemas');
  });
});
