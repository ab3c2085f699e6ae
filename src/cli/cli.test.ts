import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { Agent, createTestApp, type TestApp } from '../../test/app.ts';
import { makePerson, makeTrust } from '../../test/factories.ts';
import { auditEvents } from '../audit/schema.ts';
import { adminCredentials } from '../modules/auth/schema.ts';
import { loadRoleGrants } from '../modules/organisations/repository.ts';
import { createAdmin } from './admin.ts';
import { CliError } from './context.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

const capture = () => {
  const lines: string[] = [];
  return { out: (s: string) => lines.push(s), text: () => lines.join('') };
};

describe('countersign create-admin', () => {
  test('creates the person, grants trust admin, and prints a password that signs in', async () => {
    const trust = await makeTrust(t.app.db, { slug: 'cli-trust' });
    const io = capture();
    await createAdmin(t.database, t.config, { trust: 'cli-trust', email: 'Head.Office@CLI.example', name: 'Olu Office' }, io.out);
    const password = /Password \(shown once, store it safely\): (\S+)/.exec(io.text())?.[1];
    assert.ok(password && password.length >= 12);
    const agent = new Agent(t.app);
    await agent.get('/sign-in/password');
    const ok = await agent.post('/sign-in/password', { email: 'head.office@cli.example', password });
    assert.equal(ok.statusCode, 303);
    assert.equal((await agent.get('/audit')).statusCode, 200, 'they are a trust administrator');
    const [event] = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.trustId, trust.id), eq(auditEvents.action, 'password.set')));
    assert.equal(event?.actorLabel, 'Countersign command line');
    assert.doesNotMatch(JSON.stringify(event), new RegExp(password));
  });

  test('an existing person keeps their record; a password from stdin is used and not printed', async () => {
    const trust = await makeTrust(t.app.db, { slug: 'cli-two' });
    const person = await makePerson(t.app.db, trust.id, { email: 'existing@cli.example' });
    const io = capture();
    await createAdmin(
      t.database,
      t.config,
      { trust: 'cli-two', email: 'existing@cli.example', passwordStdin: true },
      io.out,
      async () => 'a long enough passphrase',
    );
    assert.doesNotMatch(io.text(), /a long enough passphrase/);
    assert.ok((await loadRoleGrants(t.app.db, trust.id, person.id)).some((g) => g.role === 'trust_admin'));
    const [cred] = await t.app.db.select().from(adminCredentials).where(eq(adminCredentials.personId, person.id));
    assert.match(cred?.passwordHash ?? '', /^\$argon2id\$/);
  });

  test('mistakes are explained: unknown trust, unknown person without a name, short password', async () => {
    await makeTrust(t.app.db, { slug: 'cli-three' });
    const io = capture();
    await assert.rejects(
      createAdmin(t.database, t.config, { trust: 'nope', email: 'a@b.example' }, io.out),
      (e: Error) => e instanceof CliError && /no trust with the short name "nope"/.test(e.message),
    );
    await assert.rejects(createAdmin(t.database, t.config, { trust: 'cli-three', email: 'new@b.example' }, io.out), /Add --name/);
    await assert.rejects(
      createAdmin(t.database, t.config, { trust: 'cli-three', email: 'new@b.example', name: 'N', passwordStdin: true }, io.out, async () => 'short'),
      /at least 12 characters/,
    );
  });
});

describe('the countersign command', () => {
  test('prints its commands, and refuses a bad configuration with exit code 2', () => {
    const help = execFileSync(process.execPath, ['bin/countersign.js', '--help'], { encoding: 'utf8' });
    for (const command of ['serve', 'migrate', 'create-trust', 'create-admin', 'seed-demo']) assert.match(help, new RegExp(command));
    try {
      execFileSync(process.execPath, ['bin/countersign.js', 'migrate'], {
        encoding: 'utf8',
        env: { ...process.env, NODE_ENV: 'production', DEMO: '', SESSION_SECRET: '' },
        stdio: 'pipe',
      });
      assert.fail('should not start');
    } catch (error) {
      const e = error as { status: number; stderr: string };
      assert.equal(e.status, 2);
      assert.match(e.stderr, /SESSION_SECRET is required when NODE_ENV=production/);
    }
  });
});
