/**
 * The fault test: "Killing the process in the middle of a load of signatures must leave
 * the chain valid after restart (start the app, sign under load, kill -9, restart, verify-evidence)."
 *
 * The real server runs as a child process (`node --import tsx src/main.ts`) on a database of its
 * own: an embedded PGlite data directory in a temporary folder, or, in the test runner's PostgreSQL
 * stage (TEST_DATABASE_URL set), a fresh PostgreSQL database copied from the migrated template.
 * Sixty people sign in with their emailed links and sign at once over HTTP; after the first
 * signatures are confirmed the server gets SIGKILL, with the rest still in flight. Then it is
 * restarted on the same data, the people whose answer was lost sign again, the server is stopped
 * and `countersign verify-evidence` checks the chain.
 *
 * The two databases fail differently, and both are covered by the same assertions:
 *   - PGlite runs inside the killed process, so the database itself dies mid-write and must
 *     recover from its write-ahead log when the next process opens the folder (it does: see the
 *     helper's report for the measurements);
 *   - PostgreSQL survives; the killed app's connections drop and their open transactions roll back.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { and, count, eq } from 'drizzle-orm';
import pg from 'pg';
import { makePerson, makeSchool, makeTrust } from '../../../../test/factories.ts';
import { publishedPolicy } from '../../../../test/policies.ts';
import { type Database, openDatabase } from '../../../db/client.ts';
import { createSignInLink } from '../../auth/service.ts';
import { verifyChain } from '../chain.ts';
import { acknowledgements, assignments } from '../schema.ts';
import { assignToEveryone, openAssignment } from './fixtures.ts';

const ROOT = path.resolve(import.meta.dirname, '../../../..');
const PEOPLE = 60;
/** The server is killed once this many signatures have been confirmed: the rest are still on their way. */
const KILL_AFTER = 12;
const postgresUrl = process.env.TEST_DATABASE_URL;

type Signer = { name: string; assignmentId: string; token: string; browser: Browser };

/**
 * A browser over real HTTP: keeps cookies and the CSRF token of the last page it saw, and never
 * follows redirects. `base` is the server's address, which changes when the server restarts.
 */
class Browser {
  private cookies = new Map<string, string>();
  csrf = '';
  base = '';

  async request(method: 'GET' | 'POST', url: string, form?: Record<string, string | string[]>) {
    const headers: Record<string, string> = { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'user-agent': 'crash-test/1.0' };
    let body: string | undefined;
    if (form) {
      const params = new URLSearchParams({ _csrf: this.csrf });
      for (const [k, v] of Object.entries(form)) for (const value of Array.isArray(v) ? v : [v]) params.append(k, value);
      body = params.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(new URL(url, this.base), { method, headers, body, redirect: 'manual' });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const i = pair.indexOf('=');
      const [name, value] = [pair.slice(0, i), pair.slice(i + 1)];
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(cookie)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(text)?.[1];
    if (token) this.csrf = token;
    return { status: res.status, location: res.headers.get('location'), text };
  }
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Where the child processes keep their data, and how to open it from the test. */
type Store = { env: Record<string, string>; open(): Promise<Database>; dispose(): Promise<void> };

async function makeStore(): Promise<Store> {
  if (postgresUrl) {
    const name = `crash_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`create database ${name} template ${process.env.TEST_TEMPLATE_DB ?? 'countersign_template'}`);
    await admin.end();
    const url = new URL(postgresUrl);
    url.pathname = `/${name}`;
    return {
      env: { DATABASE_URL: url.toString() },
      open: () => openDatabase({ databaseUrl: url.toString() }),
      dispose: async () => {
        const dropper = new pg.Client({ connectionString: postgresUrl });
        await dropper.connect();
        await dropper.query(`drop database if exists ${name} with (force)`);
        await dropper.end();
      },
    };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'countersign-crash-'));
  // The test runner's migrated template saves creating and migrating a cluster from nothing.
  const template = process.env.TEST_PGLITE_TEMPLATE;
  if (template) await (await PGlite.create({ dataDir: path.join(dir, 'pglite'), loadDataDir: new Blob([readFileSync(template)]) })).close();
  return {
    // The server keeps its embedded database in DATA_DIR/pglite (src/server.ts).
    env: { DATA_DIR: dir, DATABASE_URL: '' },
    open: async () => {
      const database = await openDatabase({ dataDir: path.join(dir, 'pglite') });
      await database.migrate();
      return database;
    },
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

type Server = { child: ChildProcess; url: string; exited: Promise<number | null>; output: () => string };

/** Starts the real server as a child process and waits until /readyz answers. */
async function startServer(store: Store): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(port),
      BASE_URL: url,
      DEMO: '0',
      SEED_DEMO: '0',
      LOG_LEVEL: 'warn',
      ...store.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => {
    done = true;
  });
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (done) throw new Error(`the server stopped while starting:\n${output}`);
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return { child, url, exited, output: () => output };
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`the server did not become ready in 90 seconds:\n${output}`);
}

/** Uses the person's emailed link as a browser does, then opens the signing page it leads to. */
async function signIn(signer: Signer) {
  const page = await signer.browser.request('GET', `/sign-in/link?token=${encodeURIComponent(signer.token)}`);
  assert.equal(page.status, 200, `${signer.name}'s link page`);
  const used = await signer.browser.request('POST', '/sign-in/link', { token: signer.token });
  assert.equal(used.status, 303, `${signer.name} signs in`);
  assert.equal(used.location, `/agreements/${signer.assignmentId}/sign`);
  const form = await signer.browser.request('GET', used.location as string);
  assert.equal(form.status, 200, `${signer.name}'s signing page`);
}

const signForm = (signer: Signer) => ({ typedName: signer.name, position: 'Teaching assistant', statements: ['0', '1'] });

const runCli = (store: Store, args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['bin/countersign.js', ...args],
      { cwd: ROOT, env: { ...process.env, NODE_ENV: 'development', DEMO: '0', LOG_LEVEL: 'warn', ...store.env } },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

describe(`kill -9 in the middle of a load of signatures (${postgresUrl ? 'PostgreSQL' : 'PGlite data directory'})`, { timeout: 300_000 }, () => {
  let store: Store;
  let trust: { id: string; slug: string; name: string };
  const signers: Signer[] = [];
  let server: Server | undefined;

  before(async () => {
    store = await makeStore();
    const database = await store.open();
    try {
      const db = database.db;
      trust = await makeTrust(db, { name: 'Crash Test Trust' });
      const school = await makeSchool(db, trust.id, { name: 'Crash Test Primary' });
      const people = [];
      for (let i = 1; i <= PEOPLE; i++) people.push(await makePerson(db, trust.id, { name: `Signer ${i}`, schoolIds: [school.id] }));
      const { policy } = await publishedPolicy(db, trust.id);
      await assignToEveryone(db, trust.id, policy.id);
      for (const person of people) {
        const assignmentId = await openAssignment(db, trust.id, person.id, policy.id);
        const { token } = await createSignInLink(db, { trustId: trust.id, personId: person.id, nextPath: `/agreements/${assignmentId}/sign`, minutes: 60 });
        signers.push({ name: person.fullName, assignmentId, token, browser: new Browser() });
      }
    } finally {
      // The embedded database is one process's at a time: the server opens it next.
      await database.close();
    }
  });

  after(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    await store?.dispose();
  });

  test('the chain is intact after the restart, every confirmed signature is kept, and none is half-written', async (t) => {
    // 1. The server, and everyone signed in and looking at their signing page.
    server = await startServer(store);
    for (const signer of signers) signer.browser.base = server.url;
    for (let i = 0; i < signers.length; i += 10) await Promise.all(signers.slice(i, i + 10).map(signIn));

    // 2. Everyone signs at once; kill -9 once the first signatures are confirmed.
    const first = server;
    const confirmed = new Set<string>();
    const lost = new Set<string>();
    let killedAt = -1;
    await Promise.all(
      signers.map(async (signer) => {
        try {
          const res = await signer.browser.request('POST', `/agreements/${signer.assignmentId}/sign`, signForm(signer));
          assert.equal(res.status, 303, `${signer.name}: ${res.text.slice(0, 300)}`);
          assert.equal(res.location, `/agreements/${signer.assignmentId}/signed`);
          confirmed.add(signer.assignmentId);
          if (confirmed.size === KILL_AFTER && killedAt < 0) {
            killedAt = confirmed.size;
            first.child.kill('SIGKILL');
          }
        } catch (error) {
          if (error instanceof assert.AssertionError) throw error;
          lost.add(signer.assignmentId); // the connection died with the server
        }
      }),
    );
    assert.equal(await first.exited, null, 'the server was killed by the signal, not stopped');
    assert.equal(first.child.signalCode, 'SIGKILL');
    assert.ok(confirmed.size >= KILL_AFTER, 'the first signatures were confirmed before the kill');
    assert.ok(lost.size > 0, `the kill came while signatures were still in flight (${confirmed.size} confirmed, ${lost.size} lost)`);
    assert.equal(confirmed.size + lost.size, PEOPLE);

    // 3. Restart on the same data. Whoever did not get an answer signs again: either their
    //    signature was not written (it is now, and links to the chain as it was left) or it was
    //    committed just before the kill (it is refused: already signed).
    server = await startServer(store);
    const second = server;
    let signedAfterRestart = 0;
    let alreadySigned = 0;
    await Promise.all(
      signers
        .filter((s) => lost.has(s.assignmentId))
        .map(async ({ browser, ...signer }) => {
          browser.base = second.url;
          const page = await browser.request('GET', `/agreements/${signer.assignmentId}/sign`);
          if (page.status === 409) {
            alreadySigned++;
            return;
          }
          assert.equal(page.status, 200, `${signer.name}'s session survives the restart`);
          const res = await browser.request('POST', `/agreements/${signer.assignmentId}/sign`, signForm({ ...signer, browser }));
          assert.equal(res.status, 303, `${signer.name} signs after the restart: ${res.text.slice(0, 300)}`);
          signedAfterRestart++;
        }),
    );
    assert.equal(alreadySigned + signedAfterRestart, lost.size);
    t.diagnostic(
      `${confirmed.size} signatures confirmed before the kill, ${lost.size} cut off; after the restart ${alreadySigned} of those were found signed (committed before the kill) and ${signedAfterRestart} were signed again`,
    );
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, `the restarted server stops cleanly:\n${second.output()}`);

    // 4. verify-evidence, the command an administrator runs.
    const cli = await runCli(store, ['verify-evidence', '--trust', trust.slug]);
    assert.equal(cli.code, 0, `${cli.stdout}${cli.stderr}`);
    assert.match(cli.stdout, new RegExp(`^Crash Test Trust \\(${trust.slug}\\): ${PEOPLE} records checked, chain intact \\(last hash [0-9a-f]{64}\\)$`, 'm'));

    // 5. The same from inside: one record per signed assignment, none without, and every confirmed one kept.
    const database = await store.open();
    try {
      const db = database.db;
      const report = await verifyChain(db, trust.id);
      assert.equal(report.problem, null);
      const [records] = await db.select({ n: count() }).from(acknowledgements).where(eq(acknowledgements.trustId, trust.id));
      assert.equal(report.checked, records?.n);
      assert.equal(report.checked, PEOPLE, 'everyone has signed exactly once');
      const rows = await db
        .select({ id: assignments.id, ackId: assignments.acknowledgementId, recordId: acknowledgements.id, recordFor: acknowledgements.assignmentId })
        .from(assignments)
        .leftJoin(acknowledgements, and(eq(acknowledgements.trustId, assignments.trustId), eq(acknowledgements.id, assignments.acknowledgementId)))
        .where(eq(assignments.trustId, trust.id));
      for (const row of rows) {
        assert.ok(row.ackId, `assignment ${row.id} is signed`);
        assert.equal(row.recordId, row.ackId, `assignment ${row.id} points at a record that exists`);
        assert.equal(row.recordFor, row.id, 'the record is for that assignment');
      }
      const signedBeforeKill = rows.filter((r) => confirmed.has(r.id));
      assert.equal(signedBeforeKill.length, confirmed.size, 'every signature confirmed before the kill survived it');
      const seqs = (await db.select({ seq: acknowledgements.seq }).from(acknowledgements).where(eq(acknowledgements.trustId, trust.id))).map((r) => r.seq);
      assert.deepEqual(
        seqs.sort((a, b) => a - b),
        Array.from({ length: PEOPLE }, (_, i) => i + 1),
      );
    } finally {
      await database.close();
    }
  });
});
