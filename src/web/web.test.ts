import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Agent, createTestApp, type TestApp } from '../../test/app.ts';
import { makeTrustWithCast } from '../../test/factories.ts';

let t: TestApp;
let admin: Agent;

before(async () => {
  t = await createTestApp({}, (app) => {
    app.get('/test-only/explode', async () => {
      throw new Error('database password is hunter2');
    });
  });
  const cast = await makeTrustWithCast(t.app.db);
  admin = await new Agent(t.app).signIn(cast.admin.email);
});
after(() => t.close());

describe('errors and limits', () => {
  test('an unknown page gets the 404 page', async () => {
    const res = await admin.get('/no/such/page');
    assert.equal(res.statusCode, 404);
    assert.match(res.body, /<h1 class="govuk-heading-l">Page not found<\/h1>/);
    assert.match(res.headers['content-type'] as string, /text\/html/);
  });

  test('an unknown page is a 404 even when signed out (no redirect loop for assets)', async () => {
    const res = await new Agent(t.app).get('/static/nothing-here.css');
    assert.equal(res.statusCode, 404);
  });

  test('a server error gets the 500 page without internals', async () => {
    const res = await admin.get('/test-only/explode');
    assert.equal(res.statusCode, 500);
    assert.match(res.body, /Sorry, there is a problem with the service/);
    assert.doesNotMatch(res.body, /hunter2|Error:|at .*\.ts/);
  });

  test('an oversized form body is refused with 413', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/sign-in',
      payload: `email=${'a'.repeat(2 * 1024 * 1024)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(res.statusCode, 413);
    assert.match(res.body, /too large/);
  });

  test('API errors answer JSON, not pages', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/nothing' });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(JSON.parse(res.body).error.status, 404);
  });
});

describe('headers', () => {
  test('pages carry a strict content security policy and a request id', async () => {
    const res = await admin.get('/');
    const csp = res.headers['content-security-policy'] as string;
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.match(res.headers['x-request-id'] as string, /^[0-9a-f-]{36}$/);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.doesNotMatch(res.body, /<script>(?!<\/script>)/, 'no inline scripts');
  });

  test('a request id given by a proxy is kept', async () => {
    const res = await admin.get('/', { 'x-request-id': 'lb-1234567890' });
    assert.equal(res.headers['x-request-id'], 'lb-1234567890');
  });

  test('the stylesheet is govuk-frontend without the GDS Transport font', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/static/govuk.css' });
    assert.equal(res.statusCode, 200);
    assert.ok(res.body.length > 50_000);
    assert.doesNotMatch(res.body, /GDS Transport/);
    assert.equal((await t.app.inject({ method: 'GET', url: '/assets/fonts/bold-b542beb274-v2.woff2' })).statusCode, 404);
  });

  test('cookies become Secure when served over HTTPS', async () => {
    const secure = await createTestApp({ BASE_URL: 'https://countersign.example.org' });
    try {
      const res = await secure.app.inject({ method: 'GET', url: '/sign-in' });
      const csrf = res.cookies.find((c) => c.name === '_csrf');
      assert.equal(csrf?.secure, true);
      assert.match(res.headers['strict-transport-security'] as string, /max-age=31536000/);
    } finally {
      await secure.close();
    }
  });
});
