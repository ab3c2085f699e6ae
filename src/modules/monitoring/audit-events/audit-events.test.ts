import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { Agent, createTestApp, type TestApp } from '../../../../test/app.ts';
import { makePerson, makeTrustWithCast } from '../../../../test/factories.ts';
import { type MonitoringCast, monitoringCast } from '../../../../test/monitoring.ts';
import { auditEvents } from '../../../audit/schema.ts';
import { londonToday } from '../../../ui/format.ts';
import { addDays } from '../../policies/reviews/service.ts';
import { monitoringAuditEvents, monitoringSources } from '../schema.ts';

let t: TestApp;
let cast: MonitoringCast;
let other: Awaited<ReturnType<typeof makeTrustWithCast>>;
let trustIt: Agent;
let itA: Agent;
let itB: Agent;
let teacher: Agent;
let admin: Agent;
let dsl: Agent;
let otherIt: Agent;
let directory: { id: string };
let filesA: { id: string };
let otherSource: { id: string };

const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms);
type EventSpec = Omit<typeof monitoringAuditEvents.$inferInsert, 'trustId'> & { trustId?: string };

async function insertEvents(...specs: EventSpec[]) {
  return t.app.db
    .insert(monitoringAuditEvents)
    .values(specs.map((s) => ({ trustId: cast.trust.id, ...s })))
    .returning();
}
const searches = (trustId: string, action: 'monitoring_audit.searched' | 'monitoring_audit.exported') =>
  t.app.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.trustId, trustId), eq(auditEvents.action, action)));

/** The rows of the results table, in order, by a marker each test event carries in its device. */
const devicesShown = (body: string) => [...body.matchAll(/Device: <\/span>(DEV-[A-Z0-9-]+)</g)].map((m) => m[1]);

before(async () => {
  t = await createTestApp();
  cast = await monitoringCast(t.app.db, await makeTrustWithCast(t.app.db, 'alpha'));
  other = await makeTrustWithCast(t.app.db, 'beta');
  const db = t.app.db;
  const itBPerson = await makePerson(db, cast.trust.id, {
    name: 'Bea It',
    email: 'it.b@alpha.example',
    schoolIds: [cast.schoolB.id],
    roles: [['it_services', cast.schoolB.id]],
  });
  const otherItPerson = await makePerson(db, other.trust.id, { name: 'Olly It', email: 'it@beta.example', roles: [['it_services', 'trust']] });
  const source = async (values: typeof monitoringSources.$inferInsert) => {
    const [row] = await db.insert(monitoringSources).values(values).returning();
    if (!row) throw new Error('no source');
    return row;
  };
  directory = await source({ trustId: cast.trust.id, name: 'Directory', kind: 'directory', schoolIds: [], usernameMatch: 'email' });
  filesA = await source({ trustId: cast.trust.id, name: 'File server A', kind: 'directory', schoolIds: [cast.schoolA.id], usernameMatch: 'email' });
  otherSource = await source({ trustId: other.trust.id, name: 'Directory', kind: 'directory', schoolIds: [], usernameMatch: 'email' });
  await insertEvents(
    // Teacher A signs in at School A (the trust-wide directory).
    {
      sourceId: directory.id,
      kind: 'logon',
      occurredAt: ago(1 * HOUR),
      username: cast.teacherA.email,
      personId: cast.teacherA.id,
      outcome: 'success',
      location: 'School A office',
      device: 'DEV-E1',
      ip: '10.0.0.1',
    },
    // Teacher B fails to sign in (School B).
    {
      sourceId: directory.id,
      kind: 'logon',
      occurredAt: ago(2 * HOUR),
      username: cast.teacherB.email,
      personId: cast.teacherB.id,
      outcome: 'failure',
      location: 'School B',
      device: 'DEV-E2',
      ip: '10.0.1.2',
    },
    // A file deleted on School A's file server by an unmatched account.
    { sourceId: filesA.id, kind: 'file_deletion', occurredAt: ago(3 * HOUR), username: 'temp.user', path: '\\\\fs-a\\staff\\report.docx', device: 'DEV-E3' },
    // An unmatched pupil account fails to sign in (trust-wide directory: trust IT only).
    { sourceId: directory.id, kind: 'logon', occurredAt: ago(4 * HOUR), username: 'pupil.z', outcome: 'failure', device: 'DEV-E4' },
    // Teacher A, ten days ago: outside the default week.
    {
      sourceId: directory.id,
      kind: 'logon',
      occurredAt: ago(240 * HOUR),
      username: cast.teacherA.email,
      personId: cast.teacherA.id,
      outcome: 'success',
      device: 'DEV-E5',
    },
    // Another trust's event.
    {
      trustId: other.trust.id,
      sourceId: otherSource.id,
      kind: 'logon',
      occurredAt: ago(HOUR),
      username: other.teacherA.email,
      personId: other.teacherA.id,
      outcome: 'success',
      device: 'DEV-E6',
    },
  );
  const signIn = (email: string) => new Agent(t.app).signIn(email);
  trustIt = await signIn(cast.trustIt.email);
  itA = await signIn(cast.itA.email);
  itB = await signIn(itBPerson.email);
  teacher = await signIn(cast.teacherA.email);
  admin = await signIn(cast.admin.email);
  dsl = await signIn(cast.dslA.email);
  otherIt = await signIn(otherItPerson.email);
});
after(() => t.close());

describe('searching sign-ins and file deletions', () => {
  test('trust IT lands on the last 7 days, newest first, with the retention period; the landing view is not audited', async () => {
    const res = await trustIt.get('/monitoring/sign-ins');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(devicesShown(res.body), ['DEV-E1', 'DEV-E2', 'DEV-E3', 'DEV-E4']);
    assert.match(res.body, /kept for 365 days, then deleted automatically/);
    assert.match(res.body, /Tess Teacher/);
    assert.match(res.body, /School A office/);
    assert.match(res.body, /10\.0\.0\.1/);
    assert.match(res.body, /\\\\fs-a\\staff\\report\.docx/);
    assert.match(res.body, /Succeeded/);
    assert.match(res.body, /Failed/);
    assert.match(res.body, new RegExp(`name="from"[^>]*value="${addDays(londonToday(), -6)}"`));
    assert.match(res.body, new RegExp(`name="to"[^>]*value="${londonToday()}"`));
    assert.equal((await searches(cast.trust.id, 'monitoring_audit.searched')).length, 0);
  });

  test('each filter narrows the list, and each search is audited with its filters', async () => {
    const cases: [string, string[]][] = [
      ['kind=file_deletion', ['DEV-E3']],
      ['kind=logon&outcome=failure', ['DEV-E2', 'DEV-E4']],
      [`person=${encodeURIComponent(`Tess Teacher (${cast.teacherA.email})`)}`, ['DEV-E1']],
      [`person=${encodeURIComponent(cast.teacherA.email)}&from=${addDays(londonToday(), -30)}`, ['DEV-E1', 'DEV-E5']],
      ['username=PUPIL', ['DEV-E4']],
      [`source=${filesA.id}`, ['DEV-E3']],
      [`from=${addDays(londonToday(), -11)}&to=${addDays(londonToday(), -9)}`, ['DEV-E5']],
      // Back to front: the ends are swapped rather than finding nothing.
      [`from=${addDays(londonToday(), -9)}&to=${addDays(londonToday(), -11)}`, ['DEV-E5']],
      [`source=${otherSource.id}`, []],
    ];
    for (const [query, expected] of cases) {
      const res = await trustIt.get(`/monitoring/sign-ins?${query}`);
      assert.equal(res.statusCode, 200, query);
      assert.deepEqual(devicesShown(res.body), expected, query);
    }
    const audited = await searches(cast.trust.id, 'monitoring_audit.searched');
    assert.equal(audited.length, cases.length);
    const byPerson = audited.find((a) => (a.after as { filters: { person: unknown } }).filters.person !== null);
    assert.ok(byPerson);
    assert.deepEqual((byPerson.after as { filters: Record<string, unknown> }).filters, {
      kind: null,
      person: { id: cast.teacherA.id, name: 'Tess Teacher' },
      username: null,
      outcome: null,
      source: null,
      from: addDays(londonToday(), -6),
      to: londonToday(),
    });
    assert.equal((byPerson.after as { found: number }).found, 1);
    assert.match(byPerson?.summary ?? '', /searched for Tess Teacher \(1 found\)/);
    assert.equal(byPerson?.actorLabel, 'Ian Trust-It');
  });

  test('a person not in the directory finds nothing and says so, rather than showing everyone', async () => {
    const res = await trustIt.get('/monitoring/sign-ins?person=Nobody+Atall');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<title>Error: Sign-ins and file deletions/);
    assert.match(res.body, /No one in the directory matches “Nobody Atall”/);
    assert.deepEqual(devicesShown(res.body), []);
  });

  test('bad filters in the address fall back to the defaults', async () => {
    const res = await trustIt.get('/monitoring/sign-ins?kind=everything&outcome=maybe&from=31/02/2026&source=not-a-uuid&page=-3');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(devicesShown(res.body), ['DEV-E1', 'DEV-E2', 'DEV-E3', 'DEV-E4']);
  });

  test('school IT sees the events of people of their schools and of the sources covering them; nothing else', async () => {
    assert.deepEqual(devicesShown((await itA.get('/monitoring/sign-ins')).body), ['DEV-E1', 'DEV-E3']);
    assert.deepEqual(devicesShown((await itB.get('/monitoring/sign-ins')).body), ['DEV-E2']);
    // Naming someone of another school finds nothing for them.
    const person = encodeURIComponent(cast.teacherB.email);
    assert.deepEqual(devicesShown((await itA.get(`/monitoring/sign-ins?person=${person}`)).body), []);
    // The directory offers only the people of their school.
    const page = (await itA.get('/monitoring/sign-ins')).body;
    assert.match(page, new RegExp(`value="Tess Teacher \\(${cast.teacherA.email}\\)"`));
    assert.doesNotMatch(page, new RegExp(`value="Bo Teacher \\(${cast.teacherB.email}\\)"`));
    // Another trust's IT sees only theirs.
    assert.deepEqual(devicesShown((await otherIt.get('/monitoring/sign-ins')).body), ['DEV-E6']);
  });

  test('only IT services may search or export', async () => {
    for (const agent of [teacher, admin, dsl]) {
      assert.equal((await agent.get('/monitoring/sign-ins')).statusCode, 403);
      assert.equal((await agent.get('/monitoring/sign-ins.csv')).statusCode, 403);
    }
  });

  test('the list pages by 50', async () => {
    await insertEvents(
      ...Array.from({ length: 55 }, (_, i) => ({
        sourceId: directory.id,
        kind: 'logon' as const,
        occurredAt: ago(5 * HOUR + i * 60_000),
        username: 'bulk.user',
        outcome: 'success' as const,
        device: `DEV-BULK-${String(i).padStart(2, '0')}`,
      })),
    );
    const first = await trustIt.get('/monitoring/sign-ins?username=bulk.user');
    assert.equal(devicesShown(first.body).length, 50);
    assert.equal(devicesShown(first.body)[0], 'DEV-BULK-00');
    assert.match(first.body, /Showing 1 to 50 of 55 events/);
    assert.match(first.body, /href="\/monitoring\/sign-ins\?username=bulk\.user&amp;page=2"/);
    const second = await trustIt.get('/monitoring/sign-ins?username=bulk.user&page=2');
    assert.deepEqual(devicesShown(second.body), ['DEV-BULK-50', 'DEV-BULK-51', 'DEV-BULK-52', 'DEV-BULK-53', 'DEV-BULK-54']);
  });
});

describe('exporting sign-ins and file deletions', () => {
  test('the CSV holds exactly the filtered events (every page), and the export is audited with its filters', async () => {
    const res = await trustIt.get('/monitoring/sign-ins.csv?kind=logon&outcome=failure');
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^text\/csv/);
    assert.match(
      res.headers['content-disposition'] as string,
      /attachment; filename="sign-ins-and-file-deletions-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv"/,
    );
    const lines = res.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    assert.match(
      lines[0] ?? '',
      /^"Time","Time \(UTC, ISO 8601\)","What","Person","Username","Outcome","Location","Device","IP address","File","Detail","Source"$/,
    );
    assert.equal(lines.length, 3);
    assert.match(lines[1] ?? '', /"Sign-in","Bo Teacher \(teacher\.b@alpha\.example\)","teacher\.b@alpha\.example","Failed","School B","DEV-E2","10\.0\.1\.2"/);
    assert.match(lines[2] ?? '', /"pupil\.z","Failed".*"DEV-E4"/);
    const [audit] = await searches(cast.trust.id, 'monitoring_audit.exported');
    assert.ok(audit);
    assert.equal((audit.after as { rows: number }).rows, 2);
    assert.equal((audit.after as { filters: { kind: string; outcome: string } }).filters.kind, 'logon');
    assert.equal((audit.after as { filters: { kind: string; outcome: string } }).filters.outcome, 'failure');
    assert.match(audit?.summary ?? '', /exported to CSV \(2 events\)/);

    const all = await trustIt.get('/monitoring/sign-ins.csv?username=bulk.user');
    assert.equal(all.body.trim().split('\r\n').length, 56);
  });

  test('school IT exports only what they may see; the page links to the export with the same filters', async () => {
    const page = await itA.get('/monitoring/sign-ins?kind=logon');
    assert.match(page.body, /href="\/monitoring\/sign-ins\.csv\?kind=logon"/);
    const res = await itA.get('/monitoring/sign-ins.csv');
    const lines = res.body.trim().split('\r\n');
    assert.equal(lines.length, 3);
    assert.ok(lines.some((l) => l.includes('DEV-E1')));
    assert.ok(lines.some((l) => l.includes('DEV-E3')));
    // A cell that would be a formula is neutralised.
    await insertEvents({
      sourceId: filesA.id,
      kind: 'file_deletion',
      occurredAt: ago(HOUR / 2),
      username: 'x',
      path: '=HYPERLINK("http://evil")',
      device: 'DEV-F',
    });
    const csv = (await itA.get('/monitoring/sign-ins.csv?kind=file_deletion')).body;
    assert.match(csv, /"'=HYPERLINK\(""http:\/\/evil""\)"/);
  });
});
