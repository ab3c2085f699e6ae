import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq, sql } from 'drizzle-orm';
import { Agent, createTestApp, latestMagicLinkToken, type TestApp } from '../../../test/app.ts';
import { makePerson, makeTrustWithCast } from '../../../test/factories.ts';
import { outbox } from '../notifications/schema.ts';
import { magicLinks, sessions } from './schema.ts';
import { LINKS_PER_ADDRESS } from './service.ts';

let t: TestApp;
let cast: Awaited<ReturnType<typeof makeTrustWithCast>>;

before(async () => {
  t = await createTestApp();
  cast = await makeTrustWithCast(t.app.db);
});
after(() => t.close());

const linkCount = async (email: string) =>
  (
    await t.app.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.toAddress, email), eq(outbox.template, 'magic-link')))
  ).length;

describe('magic links', () => {
  test('a known address gets one email with a link; the link signs in once', async () => {
    const agent = new Agent(t.app);
    await agent.get('/sign-in');
    const res = await agent.post('/sign-in', { email: `  Teacher.A@${cast.trust.slug}.example ` });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Check your email/);
    const token = await latestMagicLinkToken(t.app, cast.teacherA.email);
    assert.ok(token, 'a link was queued');
    const [stored] = await t.app.db.select().from(magicLinks).where(eq(magicLinks.personId, cast.teacherA.id));
    assert.ok(stored);
    assert.notEqual(stored.tokenHash, token, 'only the hash is stored');
    assert.match(stored.tokenHash, /^[0-9a-f]{64}$/);

    const confirm = await agent.get(`/sign-in/link?token=${token}`);
    assert.equal(confirm.statusCode, 200, 'opening the link does not use it up (mail scanners open links)');
    const used = await agent.post('/sign-in/link', { token: token as string });
    assert.equal(used.statusCode, 303);
    const session = used.cookies.find((c) => c.name === 'cs_session');
    assert.ok(session?.httpOnly, 'session cookie is HttpOnly');
    assert.equal(session?.sameSite, 'Lax');
    assert.equal(session?.secure, undefined, 'not Secure over plain HTTP');
    const home = await agent.get('/');
    assert.equal(home.statusCode, 200);
    assert.match(home.body, /Hello, Tess/);

    const again = await new Agent(t.app).post('/sign-in/link', { token: token as string });
    assert.equal(again.statusCode, 410);
    assert.match(again.body, /already been used/);
  });

  test('an unknown address gets the same answer and no email', async () => {
    const before = (await t.app.db.select().from(outbox)).length;
    const known = await new Agent(t.app).post('/sign-in', { email: cast.teacherB.email });
    const unknown = await new Agent(t.app).post('/sign-in', { email: 'nobody@nowhere.example' });
    assert.equal(unknown.statusCode, known.statusCode);
    const strip = (html: string) =>
      html
        .replace(/value="[^"]*"/g, '')
        .replace(/<strong>[^<]*<\/strong>/, '')
        .replace(/to=[^"]*/, '');
    assert.equal(strip(unknown.body), strip(known.body), 'the page is identical apart from the address itself');
    assert.equal((await t.app.db.select().from(outbox)).length, before + 1, 'only the known address got an email');
  });

  test('a link expires after 15 minutes', async () => {
    const agent = new Agent(t.app);
    await agent.post('/sign-in', { email: cast.headA.email });
    const token = await latestMagicLinkToken(t.app, cast.headA.email);
    await t.app.db
      .update(magicLinks)
      .set({ expiresAt: sql`now() - interval '1 second'`, createdAt: sql`now() - interval '15 minutes'` })
      .where(eq(magicLinks.personId, cast.headA.id));
    const page = await agent.get(`/sign-in/link?token=${token}`);
    assert.equal(page.statusCode, 410);
    assert.match(page.body, /expired/);
    const res = await agent.post('/sign-in/link', { token: token as string });
    assert.equal(res.statusCode, 410);
    assert.equal(
      res.cookies.find((c) => c.name === 'cs_session'),
      undefined,
    );
  });

  test('a made-up token does not sign in', async () => {
    const res = await new Agent(t.app).post('/sign-in/link', { token: 'not-a-real-token' });
    assert.equal(res.statusCode, 410);
    assert.match(res.body, /not valid/);
  });

  test('per address: after the limit no more emails are sent, and the answer does not change', async () => {
    const person = await makePerson(t.app.db, cast.trust.id, { email: 'limited@school.example' });
    for (let i = 0; i < LINKS_PER_ADDRESS + 2; i++) {
      const res = await new Agent(t.app).post('/sign-in', { email: person.email });
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /Check your email/);
    }
    assert.equal(await linkCount(person.email), LINKS_PER_ADDRESS);
  });

  test('per IP: too many requests from one address are refused for every email alike', async () => {
    const agent = new Agent(t.app, '192.0.2.99');
    let last = 200;
    for (let i = 0; i < 25; i++) last = (await agent.post('/sign-in', { email: `someone${i}@nowhere.example` })).statusCode;
    assert.equal(last, 429);
    const known = await agent.post('/sign-in', { email: cast.teacherB.email });
    assert.equal(known.statusCode, 429, 'a real address is refused the same way');
    assert.match(known.body, /Too many attempts/);
  });

  test('a person who has left cannot get a link', async () => {
    const leaver = await makePerson(t.app.db, cast.trust.id, { email: 'leaver@school.example', endDate: '2020-01-01' });
    const res = await new Agent(t.app).post('/sign-in', { email: leaver.email });
    assert.equal(res.statusCode, 200);
    assert.equal(await linkCount(leaver.email), 0);
  });

  test('a bad email address gets an error beside the field and keeps what was typed', async () => {
    const res = await new Agent(t.app).post('/sign-in', { email: 'not an email' });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /govuk-error-summary/);
    assert.match(res.body, /Enter an email address in the correct format/);
    assert.match(res.body, /value="not an email"/);
  });

  test('a form without its CSRF token is refused', async () => {
    const res = await new Agent(t.app).post('/sign-in', { email: cast.teacherA.email }, { csrf: false });
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /form had expired/);
  });
});

describe('passwords and sessions', () => {
  test('an administrator signs in with a password; a wrong one is refused', async () => {
    const agent = new Agent(t.app);
    await agent.get('/sign-in/password');
    const wrong = await agent.post('/sign-in/password', { email: cast.admin.email, password: 'wrong' });
    assert.equal(wrong.statusCode, 401);
    assert.match(wrong.body, /email address or password is not right/);
    const ok = await agent.post('/sign-in/password', { email: cast.admin.email, password: 'correct horse battery staple', next: '/people' });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/people');
  });

  test('someone without a password cannot use the password page, and gets the same message', async () => {
    const res = await new Agent(t.app).post('/sign-in/password', { email: cast.teacherA.email, password: 'anything' });
    assert.equal(res.statusCode, 401);
    assert.match(res.body, /email address or password is not right/);
  });

  test('an open redirect through next= is not possible', async () => {
    const agent = new Agent(t.app);
    const res = await agent.post('/sign-in/password', { email: cast.admin.email, password: 'correct horse battery staple', next: '//evil.example/' });
    assert.equal(res.headers.location, '/');
  });

  test('signing out ends the session in the database', async () => {
    const agent = await new Agent(t.app).signIn(cast.teacherB.email);
    assert.equal((await agent.get('/')).statusCode, 200);
    const stolen = agent.cookies.get('cs_session');
    await agent.post('/sign-out');
    const replay = await t.app.inject({ method: 'GET', url: '/', headers: { cookie: `cs_session=${stolen}` } });
    assert.equal(replay.statusCode, 303, 'the old cookie no longer works');
    assert.equal(replay.headers.location, '/sign-in?next=%2F');
  });

  test('sessions expire when idle and at their absolute limit', async () => {
    const agent = await new Agent(t.app).signIn(cast.headA.email);
    await t.app.db.update(sessions).set({ lastSeenAt: sql`now() - interval '3 hours'` }).where(eq(sessions.personId, cast.headA.id));
    assert.equal((await agent.get('/')).statusCode, 303, 'idle too long');
    const fresh = await new Agent(t.app).signIn(cast.headA.email);
    await t.app.db.update(sessions).set({ expiresAt: sql`now() - interval '1 second'` }).where(eq(sessions.personId, cast.headA.id));
    assert.equal((await fresh.get('/')).statusCode, 303, 'past the absolute expiry');
  });

  test('pages need a signed-in person; sign-in pages and health checks do not', async () => {
    const anon = new Agent(t.app);
    assert.equal((await anon.get('/people')).statusCode, 303);
    assert.equal((await anon.get('/sign-in')).statusCode, 200);
    assert.equal((await anon.get('/healthz')).statusCode, 200);
    const ready = await anon.get('/readyz');
    assert.equal(ready.statusCode, 200);
    assert.equal(JSON.parse(ready.body).status, 'ok');
  });
});
