import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, count, eq } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../../../test/app.ts';
import { type ConcernCast, concernCast } from '../../../test/concerns.ts';
import { actingAs, makeTrustWithCast, systemCtx } from '../../../test/factories.ts';
import { auditEvents } from '../../audit/schema.ts';
import { transaction } from '../../db/client.ts';
import { londonToday } from '../../ui/format.ts';
import { addDays } from '../acknowledgements/service.ts';
import { assetEvents, assets } from '../assets/schema.ts';
import { createAsset, disposeAsset, setLoanStatus } from '../assets/service.ts';
import { createApiKey } from '../auth/api-keys.ts';
import { ApiAsset, ApiAssetsPage, ApiAssetsSaved } from './assets.ts';
import { ApiError } from './openapi.ts';

let t: TestApp;
let c: ConcernCast;
let other: ConcernCast;
let writeKey: string;
let readKey: string;
let peopleKey: string;
let otherKey: string;

const newKey = async (trustId: string, name: string, scopes: string[]) => (await createApiKey(systemCtx(t.app.db, trustId), { name, scopes })).key;

before(async () => {
  t = await createTestApp();
  c = await concernCast(t.app.db, await makeTrustWithCast(t.app.db, 'alpha'));
  other = await concernCast(t.app.db, await makeTrustWithCast(t.app.db, 'beta'));
  writeKey = await newKey(c.trust.id, 'Intune sync', ['assets:write', 'assets:read']);
  readKey = await newKey(c.trust.id, 'Dashboard', ['assets:read']);
  peopleKey = await newKey(c.trust.id, 'MIS', ['people:read']);
  otherKey = await newKey(other.trust.id, 'Their Jamf', ['assets:write', 'assets:read']);
});
after(() => t.close());

const post = (body: unknown, key: string | null = writeKey) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/assets',
    payload: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
  });
const get = (url: string, key: string | null = readKey) =>
  t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: key ? { authorization: `Bearer ${key}` } : {} });
const saved = async (body: unknown, key = writeKey) => {
  const res = await post(body, key);
  assert.equal(res.statusCode, 200, res.body);
  return ApiAssetsSaved.parse(JSON.parse(res.body));
};
const errorOf = (body: string) => ApiError.parse(JSON.parse(body)).error;
const stored = async (trustId = c.trust.id) => (await t.app.db.select({ n: count() }).from(assets).where(eq(assets.trustId, trustId)))[0]?.n ?? 0;
const bySerial = async (serial: string) =>
  (
    await t.app.db
      .select()
      .from(assets)
      .where(and(eq(assets.trustId, c.trust.id), eq(assets.serial, serial)))
  )[0];

describe('keys and scopes', () => {
  test('no key: 401; a key without the scope: 403; a read key cannot write', async () => {
    assert.equal((await get('/assets', null)).statusCode, 401);
    assert.equal((await post({ serial: 'X', tag: 'X-1', type: 'laptop' }, null)).statusCode, 401);
    const noScope = await get('/assets', peopleKey);
    assert.equal(noScope.statusCode, 403);
    assert.match(errorOf(noScope.body).message, /assets:read/);
    const readOnly = await post({ serial: 'X', tag: 'X-1', type: 'laptop' }, readKey);
    assert.equal(readOnly.statusCode, 403);
    assert.match(errorOf(readOnly.body).message, /assets:write/);
    assert.equal(await stored(), 0);
  });
});

describe('POST /api/v1/assets', () => {
  test('one device: created by serial number, then updated by it, with history and audit', async () => {
    const first = await saved({
      serial: '5CG1234XYZ',
      tag: 'OPS-LT-0001',
      type: 'laptop',
      make: 'HP',
      model: 'EliteBook 840',
      school: 'school-a',
      purchasedOn: '2025-09-01',
    });
    assert.equal(first.created, 1);
    assert.equal(first.updated, 0);
    const [asset] = first.assets;
    assert.equal(asset?.result, 'created');
    assert.equal(asset?.tag, 'OPS-LT-0001');
    assert.deepEqual(asset?.school, { slug: 'school-a', name: 'School A' });
    assert.equal(asset?.status, 'in_stock');
    assert.equal(asset?.source, 'api');
    const row = await bySerial('5CG1234XYZ');
    assert.equal(row?.schoolId, c.schoolA.id);

    // The export again, with the serial in other capitals, a new location and no tag: updated, the rest kept.
    const second = await saved({ serial: '5cg1234xyz', location: 'Room 4' });
    assert.deepEqual([second.created, second.updated, second.assets[0]?.result], [0, 1, 'updated']);
    assert.equal(second.assets[0]?.location, 'Room 4');
    assert.equal(second.assets[0]?.make, 'HP');
    assert.equal(second.assets[0]?.id, row?.id);
    const third = await saved({ serial: '5CG1234XYZ', location: 'Room 4' });
    assert.deepEqual([third.created, third.updated, third.assets[0]?.result], [0, 0, 'unchanged']);

    const events = await t.app.db
      .select()
      .from(assetEvents)
      .where(eq(assetEvents.assetId, row?.id as string))
      .orderBy(assetEvents.at);
    assert.deepEqual(
      events.map((e) => [e.kind, e.actorName]),
      [
        ['created', 'API key "Intune sync"'],
        ['synced', 'API key "Intune sync"'],
      ],
    );
    assert.match(events[1]?.text ?? '', /Location: none → Room 4/);
    const audits = await t.app.db
      .select({ action: auditEvents.action, actorType: auditEvents.actorType })
      .from(auditEvents)
      .where(eq(auditEvents.resourceId, row?.id as string));
    assert.deepEqual(audits.map((a) => a.action).sort(), ['asset.created', 'asset.updated']);
    assert.ok(audits.every((a) => a.actorType === 'api_key'));
  });

  test('a list of devices: created and updated together', async () => {
    const result = await saved({
      assets: [
        { serial: 'DMPXK1', tag: 'OPS-TB-0010', type: 'tablet', make: 'Apple', model: 'iPad 10th gen', school: c.schoolB.id },
        { serial: 'DMPXK2', tag: 'OPS-TB-0011', type: 'tablet', school: null },
        { serial: '5CG1234XYZ', model: 'EliteBook 845' },
      ],
    });
    assert.equal(result.created, 2);
    assert.equal(result.updated, 1);
    assert.deepEqual(
      result.assets.map((a) => [a.tag, a.result]),
      [
        ['OPS-TB-0010', 'created'],
        ['OPS-TB-0011', 'created'],
        ['OPS-LT-0001', 'updated'],
      ],
    );
    assert.equal(result.assets[1]?.school, null);
  });

  test('a tag another serial already has: 409 naming the tag and the serial, and none of the list is saved', async () => {
    const before = await stored();
    const res = await post({
      assets: [
        { serial: 'NEW-OK-1', tag: 'OPS-LT-0500', type: 'laptop' },
        { serial: 'NEW-CLASH', tag: 'ops-lt-0001', type: 'laptop' },
      ],
    });
    assert.equal(res.statusCode, 409, res.body);
    const error = errorOf(res.body);
    assert.equal(error.message, 'Asset tag OPS-LT-0001 is already used by the device with serial 5CG1234XYZ');
    assert.deepEqual(error.fields, { 'assets[1].tag': 'Asset tag OPS-LT-0001 is already used by the device with serial 5CG1234XYZ' });
    assert.equal(await stored(), before);
    assert.equal(await bySerial('NEW-OK-1'), undefined, 'the good first device was not saved either');

    // Re-tagging an existing device with another device's tag is the same conflict.
    const retag = await post({ serial: 'DMPXK1', tag: 'OPS-TB-0011' });
    assert.equal(retag.statusCode, 409);
    assert.match(errorOf(retag.body).message, /OPS-TB-0011 is already used by the device with serial DMPXK2/);
    assert.equal((await bySerial('DMPXK1'))?.tag, 'OPS-TB-0010');
  });

  test('bad fields: 400 with a message for each, named by where they are, and nothing saved', async () => {
    const before = await stored();
    const cases: [unknown, Record<string, RegExp>][] = [
      [{ tag: 'A-1', type: 'laptop' }, { serial: /serial is required/ }],
      [{ serial: 'NEW-1', type: 'laptop' }, { tag: /tag is required to add a device/ }],
      [{ serial: 'NEW-1', tag: 'A-1' }, { type: /type is required to add a device/ }],
      [{ serial: 'NEW-1', tag: 'A-1', type: 'toaster' }, { type: /type must be one of: laptop, tablet/ }],
      [{ serial: 'NEW-1', tag: 'A 1/2', type: 'laptop' }, { tag: /letters, numbers, hyphens/ }],
      [{ serial: 'NEW-1', tag: 'A-1', type: 'laptop', school: 'narnia' }, { school: /no school ‘narnia’/ }],
      [{ serial: 'NEW-1', tag: 'A-1', type: 'laptop', purchasedOn: addDays(londonToday(), 2) }, { purchasedOn: /cannot be in the future/ }],
      [{ serial: 'NEW-1', tag: 'A-1', type: 'laptop', colour: 'grey' }, { colour: /not a field this request accepts/ }],
      [{ serial: 'NEW-1', assets: [{ serial: 'NEW-2', tag: 'A-2', type: 'laptop' }] }, { serial: /not both/ }],
      [
        {
          assets: [
            { serial: 'NEW-2', tag: 'A-2', type: 'laptop' },
            { serial: 'NEW-3', tag: 'A-3', type: 'fridge' },
          ],
        },
        { assets: /assets\[1\]\.type must be one of/ },
      ],
      [
        {
          assets: [
            { serial: 'NEW-2', tag: 'A-2', type: 'laptop' },
            { serial: 'new-2', tag: 'A-3', type: 'laptop' },
          ],
        },
        { 'assets[1].serial': /serial new-2 is also at assets\[0\]/ },
      ],
      [{ assets: [] }, { assets: /at least one device/ }],
      [{ assets: Array.from({ length: 501 }, (_, i) => ({ serial: `S-${i}`, tag: `T-${i}`, type: 'laptop' })) }, { assets: /at most 500 devices/ }],
    ];
    for (const [body, expected] of cases) {
      const res = await post(body);
      assert.equal(res.statusCode, 400, `${JSON.stringify(body).slice(0, 200)}: ${res.body}`);
      const { fields } = errorOf(res.body);
      for (const [field, message] of Object.entries(expected)) assert.match(fields?.[field] ?? '', message, `${field} in ${res.body}`);
    }
    const array = await t.app.inject({
      method: 'POST',
      url: '/api/v1/assets',
      payload: '[{"serial":"x"}]',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${writeKey}` },
    });
    assert.equal(array.statusCode, 400);
    assert.equal(await stored(), before);
  });

  test('a device that has been disposed of cannot be changed: 409', async () => {
    const ctx = await actingAs(t.app.db, c.trustIt);
    const row = await createAsset(ctx, { tag: 'OPS-OLD-1', serial: 'OLD-SERIAL-1', type: 'desktop', school: c.schoolA.id });
    await disposeAsset(ctx, row.tag, { disposedOn: londonToday(), wipeMethod: 'Shredded', wipedBy: 'Recycler Ltd', certificateNumber: 'C-1', confirm: 'yes' });
    const res = await post({ serial: 'OLD-SERIAL-1', location: 'Store' });
    assert.equal(res.statusCode, 409);
    assert.match(errorOf(res.body).message, /was disposed of: its record is final/);
    assert.equal((await bySerial('OLD-SERIAL-1'))?.location, null);
  });

  test('status is never changed through the API, and a device on loan keeps its loan', async () => {
    const ctx = await actingAs(t.app.db, c.trustIt);
    const row = await createAsset(ctx, { tag: 'OPS-LN-1', serial: 'LOAN-SERIAL-1', type: 'laptop', school: c.schoolA.id });
    await transaction(t.app.db, (tx) => setLoanStatus(tx, ctx, row.id, 'on_loan', 'Lent on L-2026-0001'));
    const status = await post({ serial: 'LOAN-SERIAL-1', status: 'in_stock' });
    assert.equal(status.statusCode, 400);
    assert.match(errorOf(status.body).fields?.status ?? '', /not a field this request accepts/);
    const result = await saved({ serial: 'LOAN-SERIAL-1', location: 'With Tess' });
    assert.equal(result.assets[0]?.status, 'on_loan');
  });

  test('another trust’s keys see and change only their own register', async () => {
    const theirs = await saved({ serial: '5CG1234XYZ', tag: 'OPS-LT-0001', type: 'laptop', school: 'school-a' }, otherKey);
    assert.equal(theirs.created, 1, 'the same serial and tag are new in their trust');
    assert.equal((await bySerial('5CG1234XYZ'))?.model, 'EliteBook 845', 'ours is untouched');
    assert.equal(await stored(other.trust.id), 1);
  });
});

describe('GET /api/v1/assets', () => {
  test('pages in tag order with a cursor; filters by status and school; only the key’s trust', async () => {
    const first = ApiAssetsPage.parse(JSON.parse((await get('/assets?limit=2')).body));
    assert.equal(first.data.length, 2);
    assert.ok(first.nextCursor);
    const all = [...first.data];
    let cursor: string | null = first.nextCursor;
    while (cursor) {
      const next = ApiAssetsPage.parse(JSON.parse((await get(`/assets?limit=2&cursor=${cursor}`)).body));
      all.push(...next.data);
      cursor = next.nextCursor;
    }
    const tags = all.map((a) => a.tag);
    assert.deepEqual(tags, [...tags].sort());
    assert.equal(all.length, await stored());
    assert.ok(all.every((a) => a.serial !== undefined));

    const onLoan = ApiAssetsPage.parse(JSON.parse((await get('/assets?status=on_loan')).body));
    assert.deepEqual(
      onLoan.data.map((a) => a.tag),
      ['OPS-LN-1'],
    );
    const schoolB = ApiAssetsPage.parse(JSON.parse((await get('/assets?school=school-b')).body));
    assert.deepEqual(
      schoolB.data.map((a) => a.tag),
      ['OPS-TB-0010'],
    );
    const central = ApiAssetsPage.parse(JSON.parse((await get('/assets?school=trust')).body));
    assert.deepEqual(
      central.data.map((a) => a.tag),
      ['OPS-TB-0011'],
    );
    for (const bad of ['/assets?status=flying', '/assets?limit=0', '/assets?cursor=nonsense', '/assets?school=narnia'])
      assert.equal((await get(bad)).statusCode, 400, bad);

    const theirs = ApiAssetsPage.parse(JSON.parse((await get('/assets', otherKey)).body));
    assert.deepEqual(
      theirs.data.map((a) => a.tag),
      ['OPS-LT-0001'],
    );
    assert.notEqual(theirs.data[0]?.id, all.find((a) => a.tag === 'OPS-LT-0001')?.id);
  });

  test('one device by tag; another trust’s is not found', async () => {
    const res = await get('/assets/ops-tb-0010');
    assert.equal(res.statusCode, 200);
    const one = ApiAsset.parse(JSON.parse(res.body));
    assert.equal(one.serial, 'DMPXK1');
    assert.equal((await get('/assets/OPS-TB-0010', otherKey)).statusCode, 404);
    assert.equal((await get('/assets/NOPE-1')).statusCode, 404);
  });

  test('openapi.json describes the asset endpoints, with 409 for a clash', async () => {
    const doc = JSON.parse((await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).body);
    assert.ok(doc.paths['/assets'].get);
    assert.ok(doc.paths['/assets/{tag}'].get);
    const postDoc = doc.paths['/assets'].post;
    assert.deepEqual(postDoc.security, [{ apiKey: ['assets:write'] }]);
    assert.ok(postDoc.responses['409']);
    assert.ok(doc.components.schemas.AssetsInput.properties.assets);
    assert.ok(doc.components.schemas.AssetInput.properties.serial);
  });
});
