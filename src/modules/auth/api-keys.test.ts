import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq, inArray } from 'drizzle-orm';
import { Agent, createTestApp, type TestApp } from '../../../test/app.ts';
import { makeTrustWithCast, systemCtx } from '../../../test/factories.ts';
import { auditEvents } from '../../audit/schema.ts';
import { createApiKeyCommand, revokeApiKeyCommand } from '../../cli/api-key.ts';
import { CliError } from '../../cli/context.ts';
import { sha256 } from '../../crypto.ts';
import { createApiKey } from './api-keys.ts';
import { apiKeys } from './schema.ts';

let t: TestApp;
let cast: Awaited<ReturnType<typeof makeTrustWithCast>>;
let other: Awaited<ReturnType<typeof makeTrustWithCast>>;
let admin: Agent;

before(async () => {
  t = await createTestApp();
  cast = await makeTrustWithCast(t.app.db);
  other = await makeTrustWithCast(t.app.db);
  admin = await new Agent(t.app).signIn(cast.admin.email);
});
after(() => t.close());

const KEY = /cs_[0-9a-f]{8}_[A-Za-z0-9_-]{43}/;

/** What an integration sees when it calls the API with a key. */
const callApi = (key: string) => t.app.inject({ method: 'GET', url: '/api/v1/people', headers: { authorization: `Bearer ${key}` } });

async function createThroughWeb(agent: Agent, form: Record<string, string | string[]>) {
  await agent.get('/settings/api-keys/new');
  const res = await agent.post('/settings/api-keys/new', form);
  return { res, key: KEY.exec(res.body)?.[0] };
}

const keyRow = async (trustId: string, name: string) =>
  (
    await t.app.db
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.trustId, trustId), eq(apiKeys.name, name)))
  )[0];

describe('creating API keys on the web', () => {
  test('settings lead to API keys; an administrator creates a key and sees it once', async () => {
    const settings = await admin.get('/settings');
    assert.equal(settings.statusCode, 200);
    assert.match(settings.body, /<h2 class="govuk-heading-m">API keys<\/h2>/);
    assert.match(settings.body, /href="\/settings\/api-keys"/);
    assert.match(settings.body, /href="\/settings"[^>]*aria-current="page"/, 'the Settings header link is shown and marked current');

    const empty = await admin.get('/settings/api-keys');
    assert.equal(empty.statusCode, 200);
    assert.match(empty.body, /There are no API keys yet/);
    assert.match(empty.body, /href="\/settings\/api-keys\/new"[^>]*>Create an API key/);

    const form = await admin.get('/settings/api-keys/new');
    assert.match(form.body, /value="people:read"/);
    assert.match(form.body, /Read people, their schools and roles/, 'each scope has its description as a hint');
    assert.match(form.body, /Send monitoring and filtering events/);

    const { res, key } = await createThroughWeb(admin, { name: 'Arbor MIS sync', scopes: 'people:read' });
    assert.equal(res.statusCode, 200, 'the key is shown on the answer to the form, not after a redirect');
    assert.ok(key, 'the page shows the key');
    assert.match(res.body, /<h1 class="govuk-heading-l">Your new API key<\/h1>/);
    assert.ok(res.body.includes(`<p class="govuk-body cs-secret">${key}</p>`));
    assert.match(res.body, /It will not be shown again/);
    assert.ok(res.body.includes(`Authorization: Bearer ${key}`));
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal((await callApi(key)).statusCode, 200, 'the key works');

    const list = await admin.get('/settings/api-keys');
    assert.match(list.body, /Arbor MIS sync/);
    assert.ok(list.body.includes(`<code>${key.slice(0, 11)}</code>`), 'the list shows the start of the key');
    assert.match(list.body, /people:read/);
    assert.match(list.body, /govuk-tag--green">Active/);
    assert.match(list.body, /by Ada Admin/);
    assert.ok(!list.body.includes(key) && !list.body.includes(key.slice(12)), 'the list never shows the key again');

    const row = await keyRow(cast.trust.id, 'Arbor MIS sync');
    assert.ok(row);
    assert.equal(row.keyHash, sha256(key), 'the database holds the SHA-256 of the key');
    assert.equal(row.prefix, key.slice(0, 11));
    assert.deepEqual(row.scopes, ['people:read']);
    assert.equal(row.createdBy, cast.admin.id);
    assert.equal(row.useCount, 1);
    assert.ok(row.lastUsedAt);
    assert.ok(!JSON.stringify(row).includes(key.slice(12)), 'and nothing else of the secret part');
  });

  test('mistakes are shown at the field and what was typed is kept', async () => {
    const blank = await createThroughWeb(admin, { name: '  ' });
    assert.equal(blank.res.statusCode, 422);
    assert.equal(blank.key, undefined);
    assert.match(blank.res.body, /<title>Error: Create an API key/);
    assert.match(blank.res.body, /govuk-error-summary/);
    assert.match(blank.res.body, /id="f-name-error"[^>]*>.*Enter a name for the API key/);
    assert.match(blank.res.body, /id="f-scopes-error"[^>]*>.*Choose at least one thing the key can do/);

    const noName = await createThroughWeb(admin, { name: '', scopes: ['people:read', 'monitoring:write'] });
    assert.equal(noName.res.statusCode, 422);
    assert.match(noName.res.body, /checked="" value="people:read"/, 'ticked scopes stay ticked');
    assert.match(noName.res.body, /checked="" value="monitoring:write"/);

    const unknown = await createThroughWeb(admin, { name: 'Kept name', scopes: ['people:read', 'everything'] });
    assert.equal(unknown.res.statusCode, 422);
    assert.match(unknown.res.body, /id="f-scopes-error"[^>]*>.*‘everything’ is not a scope/);
    assert.match(unknown.res.body, /value="Kept name"/);

    const long = await createThroughWeb(admin, { name: 'x'.repeat(101), scopes: 'people:read' });
    assert.match(long.res.body, /Name must be 100 characters or fewer/);

    await createThroughWeb(admin, { name: 'Filtering', scopes: 'monitoring:write' });
    const duplicate = await createThroughWeb(admin, { name: ' filtering ', scopes: 'people:read' });
    assert.equal(duplicate.res.statusCode, 422);
    assert.match(duplicate.res.body, /id="f-name-error"[^>]*>.*An active API key is already called ‘Filtering’/);
    assert.match(duplicate.res.body, /value=" filtering "/);
    assert.equal((await t.app.db.select().from(apiKeys).where(eq(apiKeys.trustId, cast.trust.id))).length, 2, 'no key was made by a failed form');

    const elsewhere = await createApiKey(systemCtx(t.app.db, other.trust.id), { name: 'Filtering', scopes: ['people:read'] });
    assert.ok(elsewhere.key, 'another trust may use the same name');
  });

  test('a form without its CSRF token is refused and makes no key', async () => {
    await admin.get('/settings/api-keys/new');
    const res = await admin.post('/settings/api-keys/new', { name: 'No token', scopes: 'people:read' }, { csrf: false });
    assert.equal(res.statusCode, 403);
    assert.equal(await keyRow(cast.trust.id, 'No token'), undefined);
  });
});

describe('revoking API keys', () => {
  test('revoking asks first, then stops the key at once; the name can be used again', async () => {
    const { key } = await createThroughWeb(admin, { name: 'Old HR feed', scopes: 'people:read' });
    assert.ok(key);
    assert.equal((await callApi(key)).statusCode, 200);
    const row = await keyRow(cast.trust.id, 'Old HR feed');
    assert.ok(row);

    const list = await admin.get('/settings/api-keys');
    assert.ok(list.body.includes(`href="/settings/api-keys/${row.id}/revoke"`));
    const confirm = await admin.get(`/settings/api-keys/${row.id}/revoke`);
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /<h1 class="govuk-heading-l">Revoke API key ‘Old HR feed’\?<\/h1>/);
    assert.match(confirm.body, /will stop working straight away/);
    assert.equal((await callApi(key)).statusCode, 200, 'opening the confirmation changes nothing');

    const done = await admin.post(`/settings/api-keys/${row.id}/revoke`);
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, '/settings/api-keys');
    const refused = await callApi(key);
    assert.equal(refused.statusCode, 401, 'the key stops working at once');

    const after = await admin.get('/settings/api-keys');
    assert.match(after.body, /API key ‘Old HR feed’ has been revoked/);
    assert.match(after.body, /govuk-tag--grey">Revoked/);
    assert.ok(!after.body.includes(`href="/settings/api-keys/${row.id}/revoke"`), 'a revoked key has no revoke link');
    const revoked = await keyRow(cast.trust.id, 'Old HR feed');
    assert.ok(revoked?.revokedAt);
    assert.equal(revoked?.revokedBy, cast.admin.id);

    assert.equal((await admin.get(`/settings/api-keys/${row.id}/revoke`)).statusCode, 303, 'nothing left to confirm');
    assert.equal((await admin.post(`/settings/api-keys/${row.id}/revoke`)).statusCode, 303, 'revoking twice is harmless');
    const events = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'api_key.revoked'), eq(auditEvents.resourceId, row.id)));
    assert.equal(events.length, 1, 'and recorded once');

    const again = await createThroughWeb(admin, { name: 'Old HR feed', scopes: 'people:read' });
    assert.equal(again.res.statusCode, 200, 'a revoked key’s name is free again');
  });

  test('the audit trail records creating and revoking, without the key or its hash', async () => {
    const { key } = await createThroughWeb(admin, { name: 'Audited', scopes: ['people:read', 'monitoring:write'] });
    assert.ok(key);
    const row = await keyRow(cast.trust.id, 'Audited');
    assert.ok(row);
    await admin.get(`/settings/api-keys/${row.id}/revoke`);
    await admin.post(`/settings/api-keys/${row.id}/revoke`);
    const events = await t.app.db.select().from(auditEvents).where(eq(auditEvents.resourceId, row.id)).orderBy(auditEvents.at);
    assert.deepEqual(
      events.map((e) => e.action),
      ['api_key.created', 'api_key.revoked'],
    );
    for (const e of events) {
      assert.equal(e.actorLabel, 'Ada Admin');
      assert.equal(e.resourceType, 'api_key');
      const text = JSON.stringify(e);
      assert.ok(!text.includes(key.slice(12)) && !text.includes(row.keyHash), 'neither the secret nor its hash is recorded');
    }
    assert.deepEqual(events[0]?.after, { name: 'Audited', prefix: row.prefix, scopes: ['people:read', 'monitoring:write'] });
  });
});

describe('who may manage API keys', () => {
  let keyId: string;
  let key: string;
  before(async () => {
    const created = await createApiKey(systemCtx(t.app.db, cast.trust.id), { name: 'Guarded', scopes: ['people:read'] });
    keyId = created.apiKey.id;
    key = created.key;
  });

  const routes = () => [
    ['GET', '/settings'],
    ['GET', '/settings/api-keys'],
    ['GET', '/settings/api-keys/new'],
    ['POST', '/settings/api-keys/new'],
    ['GET', `/settings/api-keys/${keyId}/revoke`],
    ['POST', `/settings/api-keys/${keyId}/revoke`],
  ];

  test('head teachers and teachers are refused every settings page and form', async () => {
    for (const email of [cast.headA.email, cast.teacherA.email]) {
      const agent = await new Agent(t.app).signIn(email);
      const home = await agent.get('/');
      assert.doesNotMatch(home.body, /href="\/settings"/, 'no Settings link in their header');
      for (const [method, url] of routes()) {
        const res = method === 'GET' ? await agent.get(url as string) : await agent.post(url as string, { name: 'Sneaky', scopes: 'people:read' });
        assert.equal(res.statusCode, 403, `${email} ${method} ${url}`);
      }
    }
    assert.equal(await keyRow(cast.trust.id, 'Sneaky'), undefined);
    assert.equal((await callApi(key)).statusCode, 200, 'the key still works');
  });

  test('someone not signed in is sent to sign in', async () => {
    const anon = new Agent(t.app);
    for (const [method, url] of routes()) {
      const res = method === 'GET' ? await anon.get(url as string) : await anon.post(url as string, { name: 'Anon', scopes: 'people:read' });
      assert.equal(res.statusCode, 303, `${method} ${url}`);
      assert.match(res.headers.location as string, /^\/sign-in/);
    }
  });

  test('another trust’s administrator cannot see or revoke this trust’s keys', async () => {
    const stranger = await new Agent(t.app).signIn(other.admin.email);
    const list = await stranger.get('/settings/api-keys');
    assert.equal(list.statusCode, 200);
    assert.doesNotMatch(list.body, /Guarded/);
    assert.equal((await stranger.get(`/settings/api-keys/${keyId}/revoke`)).statusCode, 404);
    assert.equal((await stranger.post(`/settings/api-keys/${keyId}/revoke`)).statusCode, 404);
    assert.equal((await stranger.get('/settings/api-keys/not-a-uuid/revoke')).statusCode, 404);
    assert.equal((await callApi(key)).statusCode, 200, 'the key still works');
  });
});

describe('countersign api-key', () => {
  const capture = () => {
    const lines: string[] = [];
    return { out: (s: string) => lines.push(s), text: () => lines.join('') };
  };

  test('create prints a working key once; revoke stops it', async () => {
    const io = capture();
    await createApiKeyCommand(t.database, t.config, { trust: cast.trust.slug, name: 'Smoothwall', scope: ['people:read', 'monitoring:write'] }, io.out);
    const key = /Key \(shown once, store it safely\): (\S+)/.exec(io.text())?.[1];
    assert.ok(key && KEY.test(key));
    assert.ok(io.text().includes(`Authorization: Bearer ${key}`), 'it says how to use the key');
    assert.equal((await callApi(key)).statusCode, 200);

    const row = await keyRow(cast.trust.id, 'Smoothwall');
    assert.deepEqual(row?.scopes, ['people:read', 'monitoring:write']);
    assert.equal(row?.createdBy, null);
    const [created] = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.resourceId, row?.id as string), inArray(auditEvents.action, ['api_key.created'])));
    assert.equal(created?.actorLabel, 'Countersign command line');
    assert.ok(!JSON.stringify(created).includes(key.slice(12)));

    const revoked = capture();
    await revokeApiKeyCommand(t.database, t.config, { trust: cast.trust.slug, name: 'smoothwall' }, revoked.out);
    assert.match(revoked.text(), /Revoked the API key ‘Smoothwall’/);
    assert.equal((await callApi(key)).statusCode, 401);
  });

  test('mistakes are explained: unknown trust, unknown scope, no such key', async () => {
    const io = capture();
    await assert.rejects(
      createApiKeyCommand(t.database, t.config, { trust: 'nope', name: 'X', scope: ['people:read'] }, io.out),
      (e: Error) => e instanceof CliError && /no trust with the short name "nope"/.test(e.message),
    );
    await assert.rejects(
      createApiKeyCommand(t.database, t.config, { trust: cast.trust.slug, name: 'X', scope: ['people:write'] }, io.out),
      (e: Error & { fieldErrors?: Record<string, string> }) => /‘people:write’ is not a scope/.test(e.fieldErrors?.scopes ?? ''),
    );
    await assert.rejects(
      revokeApiKeyCommand(t.database, t.config, { trust: cast.trust.slug, name: 'Nothing called this' }, io.out),
      (e: Error) => e instanceof CliError && /no active API key called ‘Nothing called this’/.test(e.message),
    );
    assert.equal(io.text(), '', 'nothing printed as if it had worked');
  });
});
