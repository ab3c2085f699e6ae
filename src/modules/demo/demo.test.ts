import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { seedDemo } from '../../../db/seed/demo.ts';
import { Agent, createTestApp, type TestApp } from '../../../test/app.ts';
import { makeTrustWithCast } from '../../../test/factories.ts';
import { demoPersonas } from './service.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
  assert.equal(await seedDemo(t.app.db), true);
});
after(() => t.close());

describe('the demo trust', () => {
  test('every role is held by someone, about 60 people of several kinds, three schools', async () => {
    const personas = await demoPersonas(t.app.db);
    assert.equal(personas.length, 6);
    const admin = await new Agent(t.app).signIn('amara.okafor@oakfield.example');
    const roles = await admin.get('/roles');
    assert.doesNotMatch(roles.body, /Nobody/, 'no role is left empty');
    const people = await admin.get('/people?status=all');
    const total = Number(/of (\d+) people/.exec(people.body)?.[1]);
    assert.ok(total >= 55 && total <= 70, `about 60 people (${total})`);
    for (const kind of ['governor', 'trustee', 'volunteer', 'contractor', 'visitor'])
      assert.match((await admin.get(`/people?kind=${kind}&status=all`)).body, /Showing 1 to/, kind);
    assert.match((await admin.get('/schools')).body, /Hollins Park School/);
    assert.equal(await seedDemo(t.app.db), false, 'seeding again does nothing');
  });

  test('the persona buttons sign in through a real sign-in link', async () => {
    const [persona] = await demoPersonas(t.app.db);
    const agent = new Agent(t.app);
    await agent.get('/sign-in');
    const res = await agent.post('/demo/sign-in', { personId: persona?.personId as string });
    assert.equal(res.statusCode, 303);
    assert.match(res.headers.location as string, /^\/sign-in\/link\?token=/);
    const token = new URL(res.headers.location as string, 'http://x').searchParams.get('token') as string;
    assert.equal((await agent.post('/sign-in/link', { token })).statusCode, 303);
    assert.match((await agent.get('/')).body, /Hello, Amara/);
  });

  test('only the demo personas can be signed in as, never someone of another trust', async () => {
    const other = await makeTrustWithCast(t.app.db, 'elsewhere');
    const agent = new Agent(t.app);
    await agent.get('/sign-in');
    assert.equal((await agent.post('/demo/sign-in', { personId: other.admin.id })).statusCode, 404);
    assert.equal((await agent.post('/demo/sign-in', { personId: 'nonsense' })).statusCode, 404);
  });

  test('the demo mailbox shows recent sign-in emails for one address only', async () => {
    const agent = new Agent(t.app);
    await agent.post('/sign-in', { email: 'ellie.ward@oakfield.example' });
    const box = await agent.get('/demo/mailbox?to=ellie.ward@oakfield.example');
    assert.equal(box.statusCode, 200);
    assert.match(box.body, /href="\/sign-in\/link\?token=/);
    const empty = await agent.get('/demo/mailbox?to=someone.else@oakfield.example');
    assert.match(empty.body, /No sign-in emails for this address/);
  });
});

describe('without demo mode', () => {
  test('the persona page, the demo mailbox and the outbox page do not exist', async () => {
    const prod = await createTestApp({ DEMO: '0' });
    try {
      const cast = await makeTrustWithCast(prod.app.db);
      const anon = new Agent(prod.app);
      const signIn = await anon.get('/sign-in');
      assert.doesNotMatch(signIn.body, /Try the demo/);
      await anon.post('/sign-in', { email: cast.admin.email });
      assert.doesNotMatch((await anon.post('/sign-in', { email: cast.admin.email })).body, /demo mailbox/);
      const admin = await new Agent(prod.app).signIn(cast.admin.email);
      assert.equal((await admin.get('/outbox')).statusCode, 404);
      assert.equal((await admin.get(`/demo/mailbox?to=${cast.admin.email}`)).statusCode, 404);
      assert.doesNotMatch((await admin.get('/')).body, /href="\/outbox"/);
    } finally {
      await prod.close();
    }
  });
});

describe('the demo policy', () => {
  test('the staff agreement is published, public and readable by anyone', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/p/oakfield/staff-ict-aup' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Staff ICT Acceptable Use Agreement/);
    assert.match(res.body, /Accounts and passwords/);
  });
});
