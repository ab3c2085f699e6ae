/**
 * Acknowledgements benchmark: `npm run bench:acknowledgements`. Not part of the test suite's pass/fail.
 *
 * 1. The sign-off path under 50 and 200 concurrent clients (autocannon against the running app on
 *    127.0.0.1): each sign-off is GET the signing page, then POST the signature (which appends to the
 *    trust's hash chain). Reports requests/s, sign-offs/s, p50 and p99, and the ratio of sign-offs/s
 *    to the raw rate of single-row inserts on the same database, measured in the same run.
 * 2. The compliance dashboard for a generated trust of 50 schools, 10,000 people and 200,000
 *    acknowledgements: p50 of the page (a fresh answer, and a repeat view answered from memory)
 *    against p50 of its underlying SQL alone.
 * BENCH_PART=signoff|dashboard runs one part; BENCH_PGLITE=0 or BENCH_POSTGRES=0 skips a database.
 * Both on PGlite and on PostgreSQL (a throwaway cluster, when PostgreSQL is installed).
 * Times are noisy on shared machines: read the medians and the ratios, not single figures.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { startPostgres } from '../scripts/postgres.ts';
import { randomToken, sha256 } from '../src/crypto.ts';
import { openDatabase } from '../src/db/client.ts';
import { verifyChain } from '../src/modules/acknowledgements/chain.ts';
import { generateTrust } from '../src/modules/acknowledgements/compliance/generate.ts';
import { complianceQueries, DEFAULT_LIST } from '../src/modules/acknowledgements/compliance/service.ts';
import { acknowledgements, assignments } from '../src/modules/acknowledgements/schema.ts';
import { createCampaign } from '../src/modules/acknowledgements/service.ts';
import { sessions } from '../src/modules/auth/schema.ts';
import { people, personSchools } from '../src/modules/organisations/schema.ts';
import { londonToday } from '../src/ui/format.ts';
import { Agent, createTestApp, type TestApp } from '../test/app.ts';
import { makeSchool, makeTrust, systemCtx } from '../test/factories.ts';
import { publishedPolicy } from '../test/policies.ts';

const LEVELS = (process.env.BENCH_CLIENTS ?? '50,200').split(',').map(Number);
const SIGNOFFS = Number(process.env.BENCH_SIGNOFFS ?? 3000);
const RAW_INSERTS = Number(process.env.BENCH_RAW_INSERTS ?? 5000);

type SignoffResult = { clients: number; signoffs: number; seconds: number; requestsPerSec: number; p50: number; p99: number; failures: number };

/** People, each with an assignment and a session, ready to sign. Returns per person: [signing path, cookie]. */
async function prepareSigners(t: TestApp, count: number) {
  const db = t.app.db;
  const trust = await makeTrust(db, { slug: `bench-${randomUUID().slice(0, 8)}` });
  const school = await makeSchool(db, trust.id, { slug: 'bench-school', name: 'Bench School' });
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1000) {
    const rows = Array.from({ length: Math.min(1000, count - i) }, (_, j) => ({
      trustId: trust.id,
      id: randomUUID(),
      email: `signer.${i + j}@bench.example`,
      fullName: `Signer ${i + j}`,
      kind: 'employee',
      position: 'Teacher',
    }));
    await db.insert(people).values(rows);
    await db.insert(personSchools).values(rows.map((r) => ({ trustId: trust.id, personId: r.id, schoolId: school.id })));
    ids.push(...rows.map((r) => r.id));
  }
  const { policy } = await publishedPolicy(db, trust.id);
  await createCampaign(systemCtx(db, trust.id), policy.id, { audience: 'everyone', dueOn: '2099-12-31', reminderDaysBefore: '7, 1, 0', overdueEveryDays: '7' });
  const byPerson = new Map(
    (await db.select({ id: assignments.id, personId: assignments.personId }).from(assignments).where(sql`${assignments.trustId} = ${trust.id}`)).map((a) => [
      a.personId,
      a.id,
    ]),
  );
  const tokens = ids.map(() => randomToken());
  for (let i = 0; i < ids.length; i += 1000)
    await db.insert(sessions).values(
      ids.slice(i, i + 1000).map((personId, j) => ({
        trustId: trust.id,
        personId,
        tokenHash: sha256(tokens[i + j] as string),
        authMethod: 'magic_link',
        expiresAt: new Date(Date.now() + 8 * 3_600_000),
      })),
    );
  return {
    trustId: trust.id,
    signers: ids.map((id, i) => ({ name: `Signer ${i}`, path: `/agreements/${byPerson.get(id)}/sign`, session: tokens[i] as string })),
  };
}

/** One CSRF secret cookie and its token, shared by every simulated browser (the token is tied to the cookie, not the session). */
async function csrfPair(base: string) {
  const res = await fetch(`${base}/sign-in`);
  const cookie = (res.headers.getSetCookie().find((c) => c.startsWith('_csrf=')) ?? '').split(';')[0] as string;
  const token = /name="_csrf" value="([^"]+)"/.exec(await res.text())?.[1] ?? '';
  return { cookie, token };
}

/** Runs the load from bench/signoff-client.ts in a separate process (it must not share the server's event loop). */
async function signoffRun(
  base: string,
  signers: { name: string; path: string; session: string }[],
  clients: number,
  csrf: { cookie: string; token: string },
): Promise<SignoffResult> {
  const file = path.join(os.tmpdir(), `countersign-signers-${process.pid}-${clients}.json`);
  writeFileSync(file, JSON.stringify({ url: base, clients, csrf, signers }));
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'signoff-client.ts'), file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
    });
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`the load generator stopped with ${code}`))));
  });
  rmSync(file, { force: true });
  const r = JSON.parse(out) as {
    seconds: number;
    requestsPerSec: number;
    p50: number;
    p99: number;
    errors: number;
    timeouts: number;
    kinds: Record<string, number>;
  };
  const failures = Object.values(r.kinds).reduce((a, b) => a + b, 0) + r.errors + r.timeouts;
  if (failures)
    console.log(
      `  (${clients} clients: ${Object.entries(r.kinds)
        .map(([k, n]) => `${n} × ${k}`)
        .join(', ')}${r.timeouts ? `, ${r.timeouts} timed out` : ''})`,
    );
  return { clients, signoffs: signers.length, seconds: r.seconds, requestsPerSec: r.requestsPerSec, p50: r.p50, p99: r.p99, failures };
}

/** Single-row inserts into a scratch table, `concurrency` at a time (PGlite runs one at a time whatever is asked). */
async function rawInsertRate(t: TestApp, concurrency: number): Promise<number> {
  await t.app.db.execute(
    sql`create table if not exists bench_raw (id uuid primary key, trust_id uuid not null, payload text not null, at timestamptz not null default now())`,
  );
  let left = RAW_INSERTS;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0)
        await t.app.db.execute(sql`insert into bench_raw (id, trust_id, payload) values (${randomUUID()}, ${randomUUID()}, ${'x'.repeat(200)})`);
    }),
  );
  return RAW_INSERTS / ((performance.now() - started) / 1000);
}

async function benchSignoff(kind: string) {
  const t = await createTestApp({ SESSION_SECRET: 'bench-secret-bench-secret-bench-secret' });
  const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
  const raw = await rawInsertRate(t, kind === 'PostgreSQL' ? 10 : 1);
  const csrf = await csrfPair(address);
  console.log(`\nSign-off path on ${kind} (raw single-row inserts: ${raw.toFixed(0)}/s)`);
  console.log('  clients  sign-offs  requests/s  sign-offs/s    p50 ms   p99 ms   ratio to raw inserts  failures');
  const results: SignoffResult[] = [];
  for (const clients of LEVELS) {
    const { trustId, signers } = await prepareSigners(t, SIGNOFFS);
    const r = await signoffRun(address, signers, clients, csrf);
    const report = await verifyChain(t.app.db, trustId);
    const [{ n } = { n: 0 }] = await t.app.db
      .select({ n: sql<number>`count(*)::int` })
      .from(acknowledgements)
      .where(sql`${acknowledgements.trustId} = ${trustId}`);
    if (report.problem || n !== signers.length)
      console.log(`  ! chain ${report.problem ? `broken: ${report.problem.reason}` : 'intact'}, ${n} records for ${signers.length} sign-offs`);
    const perSec = r.signoffs / r.seconds;
    console.log(
      `  ${String(clients).padStart(7)}  ${String(r.signoffs).padStart(9)}  ${r.requestsPerSec.toFixed(0).padStart(10)}  ${perSec.toFixed(0).padStart(11)}  ${String(r.p50).padStart(8)} ${String(r.p99).padStart(8)}   ${(perSec / raw).toFixed(2).padStart(20)}  ${String(r.failures).padStart(8)}`,
    );
    results.push(r);
  }
  await t.close();
  return results;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function timed(runs: number, fn: () => Promise<unknown>) {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

/**
 * The dashboard of a generated trust (50 schools, 10,000 people, 200,000 signatures): the page
 * (GET /compliance as its trust administrator) against its SQL alone (complianceQueries, exactly
 * what the page runs), both as medians in one run. "Fresh" moves the trust's compliance epoch on
 * before each view, as any signature or change does, so the page computes its answer; "repeat" is
 * the same view again with nothing changed, answered from memory.
 */
async function benchDashboard(kind: string) {
  const t = await createTestApp({ SESSION_SECRET: 'bench-secret-bench-secret-bench-secret' });
  const size = { schools: 50, people: Number(process.env.BENCH_PEOPLE ?? 10_000), acknowledgements: Number(process.env.BENCH_ACKS ?? 200_000) };
  const generated = await generateTrust(t.app.db, size);
  const admin = await new Agent(t.app).signIn(generated.adminEmail);
  const runs = Number(process.env.BENCH_DASHBOARD_RUNS ?? 20);
  const today = londonToday();
  const moveOn = () =>
    t.app.db.execute(
      sql`insert into compliance_epochs (trust_id, n) values (${generated.trustId}, 1) on conflict (trust_id) do update set n = compliance_epochs.n + 1`,
    );
  const sqlAlone = await timed(runs, () => complianceQueries(t.app.db, generated.trustId, { visibleSchoolIds: 'all' }, today, DEFAULT_LIST));
  const fresh = await timed(runs, async () => {
    await moveOn();
    const res = await admin.get('/compliance');
    if (res.statusCode !== 200) throw new Error(`GET /compliance answered ${res.statusCode}`);
  });
  const repeat = await timed(runs, () => admin.get('/compliance'));
  console.log(
    `\nCompliance dashboard on ${kind}: ${generated.schools} schools, ${generated.people.toLocaleString('en-GB')} people, ${generated.acknowledgements.toLocaleString('en-GB')} signatures (generated in ${(generated.milliseconds / 1000).toFixed(0)} s); median of ${runs}`,
  );
  console.log(`  SQL alone (complianceQueries)        ${sqlAlone.toFixed(1).padStart(8)} ms`);
  console.log(`  page, fresh answer                   ${fresh.toFixed(1).padStart(8)} ms   ${(fresh / sqlAlone).toFixed(2)} × the SQL alone`);
  console.log(`  page, repeat view (from memory)      ${repeat.toFixed(1).padStart(8)} ms   ${(repeat / sqlAlone).toFixed(2)} × the SQL alone`);
  await t.close();
}

const backends: { kind: string; setup(): Promise<() => void> }[] = [];
if (process.env.BENCH_PGLITE !== '0')
  backends.push({
    kind: 'PGlite',
    async setup() {
      delete process.env.TEST_DATABASE_URL;
      return () => {};
    },
  });
if (process.env.BENCH_POSTGRES !== '0')
  backends.push({
    kind: 'PostgreSQL',
    async setup() {
      const server = await startPostgres('bench');
      if (!server) throw new Error('PostgreSQL is not installed');
      const pg = await import('pg');
      const admin = new pg.default.Client({ connectionString: server.url });
      await admin.connect();
      await admin.query('create database countersign_template');
      await admin.end();
      const database = await openDatabase({ databaseUrl: server.url.replace(/\/postgres$/, '/countersign_template') });
      await database.migrate();
      await database.close();
      process.env.TEST_DATABASE_URL = server.url;
      process.env.TEST_TEMPLATE_DB = 'countersign_template';
      return () => server.stop();
    },
  });

for (const backend of backends) {
  let stop: () => void = () => {};
  try {
    stop = await backend.setup();
  } catch (error) {
    console.log(`\n${backend.kind}: skipped (${(error as Error).message})`);
    continue;
  }
  try {
    if (process.env.BENCH_PART !== 'dashboard') await benchSignoff(backend.kind);
    if (process.env.BENCH_PART !== 'signoff') await benchDashboard(backend.kind);
  } finally {
    stop();
  }
}
