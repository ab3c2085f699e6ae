import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { and, eq } from 'drizzle-orm';
import { Agent, createTestApp, type TestApp } from '../../../../test/app.ts';
import { makePerson, makeTrustWithCast } from '../../../../test/factories.ts';
import { type MonitoringCast, monitoringCast } from '../../../../test/monitoring.ts';
import { auditEvents } from '../../../audit/schema.ts';
import { alerts, monitoringUploads } from '../schema.ts';
import { TEST_UPLOAD_LIMIT_ENV } from './routes.tsx';

// Uploads wait in TMPDIR/countersign-uploads: this file's own, so it can check nothing is left behind.
const tmp = mkdtempSync(join(tmpdir(), 'cs-uploads-test-'));
const savedTmp = process.env.TMPDIR;
process.env.TMPDIR = tmp;
const uploadDir = join(tmp, 'countersign-uploads');
// Tests cannot send a gigabyte: the limit is 64 KB here (the production limit stays 1 GB).
const LIMIT = 64 * 1024;
process.env[TEST_UPLOAD_LIMIT_ENV] = String(LIMIT);

let t: TestApp;
let cast: MonitoringCast;
let other: Awaited<ReturnType<typeof makeTrustWithCast>>;
let admin: Agent;
let trustIt: Agent;
let itA: Agent;
let teacher: Agent;
let otherAdmin: Agent;
let adminDsl: Agent;
let sourceUrl: string;

before(async () => {
  t = await createTestApp();
  cast = await monitoringCast(t.app.db, await makeTrustWithCast(t.app.db, 'alpha'));
  other = await makeTrustWithCast(t.app.db, 'beta');
  const both = await makePerson(t.app.db, cast.trust.id, {
    name: 'Bea Both',
    email: 'both@alpha.example',
    roles: [
      ['trust_admin', 'trust'],
      ['dsl', 'trust'],
    ],
  });
  const signIn = (email: string) => new Agent(t.app).signIn(email);
  admin = await signIn(cast.admin.email);
  trustIt = await signIn(cast.trustIt.email);
  itA = await signIn(cast.itA.email);
  teacher = await signIn(cast.teacherA.email);
  otherAdmin = await signIn(other.admin.email);
  adminDsl = await signIn(both.email);
  sourceUrl = `/monitoring/sources/${cast.source.id}`;
});
after(async () => {
  await t.close();
  delete process.env[TEST_UPLOAD_LIMIT_ENV];
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  rmSync(tmp, { recursive: true, force: true });
});

const filesWaiting = () => {
  try {
    return readdirSync(uploadDir);
  } catch {
    return [];
  }
};
/** Temporary files are deleted once the response has gone: give that a moment, then check none is left. */
async function assertNoFilesLeft() {
  for (let i = 0; i < 100 && filesWaiting().length > 0; i++) await sleep(20);
  assert.deepEqual(filesWaiting(), []);
}
const uploadsOf = () => t.app.db.select().from(monitoringUploads).where(eq(monitoringUploads.trustId, cast.trust.id));
const fieldError = (html: string, field: string) => new RegExp(`id="f-${field}-error"[^>]*>[\\s\\S]*?</span>\\s*([^<]+)</p>`).exec(html)?.[1]?.trim();
/** The value shown beside a key in the page's summary list. */
const summary = (html: string, key: string) =>
  new RegExp(`<dt class="govuk-summary-list__key">${key}</dt><dd class="govuk-summary-list__value">(.*?)</dd>`).exec(html)?.[1];

async function upload(agent: Agent, content: string | Buffer, form: Record<string, string> = { format: 'squid' }, name = 'access.log') {
  await agent.get(`${sourceUrl}/upload`);
  return agent.upload(`${sourceUrl}/uploads`, { field: 'file', name, content, type: 'text/plain' }, form);
}

/** The progress page once the upload has been read (it stops asking to be fetched again). */
async function whenRead(agent: Agent, url: string) {
  for (let i = 0; i < 300; i++) {
    const res = await agent.get(url);
    assert.equal(res.statusCode, 200);
    if (!res.body.includes('data-poll=')) return res;
    await sleep(50);
  }
  throw new Error(`${url} was still being read`);
}

const epoch = (d: Date) => (d.getTime() / 1000).toFixed(3);
const squidLine = (at: Date, user: string, url: string, result = 'TCP_MISS/200', ip = '10.0.4.17') =>
  `${epoch(at)}     45 ${ip} ${result} 1234 GET ${url} ${user} HIER_DIRECT/203.0.113.5 text/html`;

describe('uploading a Squid log', () => {
  test('the file is streamed to disk, read in the background, and the progress page shows the results', async () => {
    const at = new Date(Date.now() - 3_600_000);
    const log = [
      squidLine(at, cast.teacherA.email, 'http://casino.example/play', 'TCP_DENIED/403'),
      squidLine(new Date(at.getTime() + 1000), 'pupil.x', 'http://news.example/'),
      'this is not a squid line',
      squidLine(new Date(at.getTime() + 2000), '-', 'http://shop.example/knife-set', 'TCP_MISS/200', '10.0.4.99'),
      squidLine(new Date(Date.now() + 86_400_000), 'pupil.x', 'http://news.example/tomorrow'),
      '',
    ].join('\n');
    const res = await upload(admin, log);
    assert.equal(res.statusCode, 303, res.body.slice(0, 800));
    const id = /^\/monitoring\/uploads\/([0-9a-f-]{36})$/.exec(res.headers.location as string)?.[1];
    assert.ok(id, `redirected to ${res.headers.location}`);

    const page = await whenRead(admin, `/monitoring/uploads/${id}`);
    assert.match(page.body, /govuk-tag--green">Finished/);
    assert.match(page.body, /<progress id="upload-progress" class="cs-progress" max="\d+" value="\d+">100%<\/progress>/);
    assert.equal(summary(page.body, 'Lines read'), '5');
    assert.equal(summary(page.body, 'Events accepted'), '3');
    assert.equal(summary(page.body, 'Lines not taken'), '2');
    assert.equal(summary(page.body, 'Of these, dated in the future'), '1');
    assert.match(summary(page.body, 'New unmatched usernames') ?? '', new RegExp(`href="${sourceUrl}/usernames">1<`));
    assert.match(summary(page.body, 'Alerts') ?? '', /^2 raised, 0 extended/);
    assert.ok(!page.body.includes('href="/monitoring/alerts"'), 'a trust admin may not see alerts, so is not sent there');
    assert.match(page.body, />3<\/td><td class="govuk-table__cell">Too few fields/);
    assert.match(page.body, />5<\/td><td class="govuk-table__cell">[^<]*future/);
    assert.match(page.body, /by Ada Admin/);

    const [row] = await t.app.db.select().from(monitoringUploads).where(eq(monitoringUploads.id, id));
    assert.equal(row?.status, 'done');
    assert.equal(row?.via, 'web');
    assert.equal(row?.fileName, 'access.log');
    assert.equal(row?.fileBytes, Buffer.byteLength(log));
    assert.equal(row?.filePath, null);
    assert.ok(row?.sha256);
    const raised = await t.app.db.select().from(alerts).where(eq(alerts.sourceId, cast.source.id));
    assert.deepEqual(raised.map((a) => a.category).sort(), ['gambling', 'weapons']);
    const [started] = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'monitoring_upload.started'), eq(auditEvents.resourceId, id)));
    assert.ok(started);
    await assertNoFilesLeft();

    // The source's page lists it; someone who may also see alerts is sent to them.
    assert.match((await admin.get(sourceUrl)).body, new RegExp(`href="/monitoring/uploads/${id}">access.log<`));
    assert.ok((await adminDsl.get(`/monitoring/uploads/${id}`)).body.includes('href="/monitoring/alerts"'));

    // The same file again is refused next to the field (its events would be counted twice); nothing is kept.
    const count = (await uploadsOf()).length;
    const again = await upload(admin, log, { format: 'squid' }, 'access-copy.log');
    assert.equal(again.statusCode, 422);
    assert.match(
      fieldError(again.body, 'file') ?? '',
      /^This file was already read into Web filter on .+ \(access\.log\)\. Reading it again would count its events twice$/,
    );
    assert.equal((await uploadsOf()).length, count);
    await assertNoFilesLeft();
  });

  test('while a file is read the page asks to be fetched again and shows how far it has got', async () => {
    const [row] = await t.app.db
      .insert(monitoringUploads)
      .values({
        trustId: cast.trust.id,
        sourceId: cast.source.id,
        format: 'squid',
        fileName: 'big.log',
        fileBytes: 1000,
        via: 'cli',
        status: 'running',
        bytesRead: 500,
        linesRead: 42,
      })
      .returning();
    const page = await trustIt.get(`/monitoring/uploads/${row?.id}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<div data-poll="2">/);
    assert.ok(!page.body.includes('http-equiv="refresh"'));
    assert.match(page.body, /<progress id="upload-progress" class="cs-progress" max="1000" value="500">50%<\/progress>/);
    assert.match(page.body, /500 bytes of 1,000 bytes read \(50%\)/);
    assert.match(page.body, /govuk-tag--blue">Reading/);
    assert.match(page.body, /with the command line/);
    // Without JavaScript, a link fetches it again.
    assert.ok(page.body.includes(`href="/monitoring/uploads/${row?.id}">Check progress again`));
  });

  test('who may upload and see uploads: trust admins and trust IT; others are refused before anything is written', async () => {
    const log = `${squidLine(new Date(Date.now() - 60_000), 'jsmith', 'http://example.com/')}\n`;
    const before = (await uploadsOf()).length;
    const it = await upload(trustIt, log);
    assert.equal(it.statusCode, 303);
    await whenRead(trustIt, it.headers.location as string);
    for (const agent of [itA, teacher]) {
      assert.equal((await agent.get(`${sourceUrl}/upload`)).statusCode, 403);
      assert.equal((await upload(agent, log)).statusCode, 403);
      assert.equal((await agent.get(it.headers.location as string)).statusCode, 403);
    }
    assert.equal((await otherAdmin.get(`${sourceUrl}/upload`)).statusCode, 404);
    assert.equal((await upload(otherAdmin, log)).statusCode, 404);
    assert.equal((await otherAdmin.get(it.headers.location as string)).statusCode, 404);
    assert.equal((await otherAdmin.get(`${it.headers.location}/columns`)).statusCode, 404);
    // Signed out: sent to sign in, nothing kept.
    const stranger = new Agent(t.app);
    await stranger.get('/sign-in');
    const signedOut = await stranger.upload(`${sourceUrl}/uploads`, { field: 'file', name: 'access.log', content: log }, { format: 'squid' });
    assert.equal(signedOut.statusCode, 303);
    assert.equal(signedOut.headers.location, '/sign-in');
    // Without the form's token: refused, and the file it sent is deleted.
    const forged = await admin.upload(`${sourceUrl}/uploads`, { field: 'file', name: 'access.log', content: log }, { format: 'squid', _csrf: 'forged' });
    assert.equal(forged.statusCode, 403);
    assert.equal((await uploadsOf()).length, before + 1);
    await assertNoFilesLeft();
  });
});

describe('files that cannot be read', () => {
  test('a declared size over the limit is refused before the body is read, pointing to the command line', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    const before = (await uploadsOf()).length;
    const answer = await new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `${sourceUrl}/uploads`,
        headers: {
          cookie: admin.cookieHeader(),
          'content-type': 'multipart/form-data; boundary=xyz',
          // "2 GB", of which only the first few bytes are ever sent.
          'content-length': String(2 * 1024 ** 3),
        },
      });
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
          req.destroy();
        });
      });
      req.on('error', reject);
      req.write('--xyz\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n');
    });
    assert.equal(answer.status, 413);
    assert.equal(answer.headers.connection, 'close');
    assert.match(answer.body, /That was too large/);
    assert.match(
      answer.body,
      /The file is larger than 64 KB, the most a browser may upload\. Read it on the server with the command line: countersign ingest-log/,
    );
    assert.equal((await uploadsOf()).length, before);
    await assertNoFilesLeft();
  });

  test('a file over the limit is cut off, refused next to the field, and deleted', async () => {
    const line = `${squidLine(new Date(Date.now() - 60_000), 'jsmith', 'http://example.com/')}\n`;
    const big = line.repeat(Math.ceil((LIMIT + 1000) / line.length));
    const before = (await uploadsOf()).length;
    const res = await upload(admin, big);
    assert.equal(res.statusCode, 413);
    assert.match(res.body, /<title>Error: Upload a log file to Web filter/);
    assert.equal(
      fieldError(res.body, 'file'),
      'The file is larger than 64 KB, the most a browser may upload. Read it on the server with the command line: countersign ingest-log --trust alpha --source &quot;Web filter&quot; --format squid /path/to/access.log',
    );
    assert.equal((await uploadsOf()).length, before);
    await assertNoFilesLeft();
  });

  test('binary garbage, a compressed file, an empty file, no file and no format: clear errors, nothing kept', async () => {
    const before = (await uploadsOf()).length;
    const garbage = Buffer.alloc(5000);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919) % 256;
    const binary = await upload(admin, garbage);
    assert.equal(binary.statusCode, 422);
    assert.match(fieldError(binary.body, 'file') ?? '', /not a text log: it has binary data in it/);

    const gzip = await upload(admin, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x41, 0x42]), { format: 'squid' }, 'access.log.gz');
    assert.equal(gzip.statusCode, 422);
    assert.match(fieldError(gzip.body, 'file') ?? '', /compressed \(gzip\)\. Uncompress it first/);

    const empty = await upload(admin, '');
    assert.equal(empty.statusCode, 422);
    assert.equal(fieldError(empty.body, 'file'), 'The selected file is empty');

    const none = await upload(admin, '', { format: 'squid' }, '');
    assert.equal(none.statusCode, 422);
    assert.equal(fieldError(none.body, 'file'), 'Select a log file');

    const noFormat = await upload(admin, 'a line\n', {});
    assert.equal(noFormat.statusCode, 422);
    assert.equal(fieldError(noFormat.body, 'format'), 'Choose the format of the log');
    assert.match(noFormat.body, /There is a problem/);

    const noHeader = await upload(admin, '\n\n', { format: 'csv' }, 'export.csv');
    assert.equal(noHeader.statusCode, 422);
    assert.match(fieldError(noHeader.body, 'file') ?? '', /no header row/);

    assert.equal((await uploadsOf()).length, before);
    await assertNoFilesLeft();
  });
});

describe('uploading a CSV export', () => {
  test('the columns are guessed from the header, checked, and then the file is read', async () => {
    const at = (ms: number) => new Date(Date.now() - 3_600_000 + ms).toISOString();
    const csv = [
      'Time,User,Site,Category,Result,User agent',
      `${at(0)},${cast.teacherA.email},https://search.example/?q=x,Self Harm,Blocked,Edge`,
      `${at(1000)},pupil.y,https://news.example/,News,Allowed,Chrome`,
      'not a time,pupil.y,https://news.example/,News,Allowed,Chrome',
      '',
    ].join('\r\n');
    const res = await upload(admin, csv, { format: 'csv' }, 'filter-export.csv');
    assert.equal(res.statusCode, 303, res.body.slice(0, 800));
    const columnsUrl = res.headers.location as string;
    const id = /^\/monitoring\/uploads\/([0-9a-f-]{36})\/columns$/.exec(columnsUrl)?.[1];
    assert.ok(id, columnsUrl);
    // It waits for its columns: the progress page sends people back to choose them.
    assert.equal((await admin.get(`/monitoring/uploads/${id}`)).headers.location, columnsUrl);

    const page = await admin.get(columnsUrl);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Which column is which\?/);
    const chosen = (field: string) =>
      new RegExp(`<select[^>]*id="f-${field}"[^>]*>[\\s\\S]*?</select>`).exec(page.body)?.[0].match(/<option value="([^"]*)" selected="">/)?.[1] ?? '';
    assert.deepEqual(['occurredAt', 'username', 'url', 'category', 'action', 'device'].map(chosen), ['Time', 'User', 'Site', 'Category', 'Result', '']);

    const missing = await admin.post(columnsUrl, { occurredAt: 'Time', username: '', url: 'Site' });
    assert.equal(missing.statusCode, 422);
    assert.match(missing.body, /<title>Error: Which column is which\?/);
    assert.equal(fieldError(missing.body, 'username'), 'Choose the column that holds the username');
    const [waiting] = await t.app.db.select().from(monitoringUploads).where(eq(monitoringUploads.id, id));
    assert.equal(waiting?.status, 'columns');
    // The file waits on disk, readable only by the server, in the uploads folder.
    const waitingPath = waiting?.filePath ?? '';
    assert.ok(waitingPath.startsWith(`${uploadDir}/`), waitingPath);
    assert.equal(statSync(waitingPath).mode & 0o777, 0o600);
    assert.equal(readFileSync(waitingPath, 'utf8'), csv);
    assert.equal((await trustIt.post(columnsUrl, { occurredAt: 'Time', username: 'User' })).statusCode, 303, 'trust IT may choose them too');
    const read = await whenRead(admin, `/monitoring/uploads/${id}`);
    assert.match(read.body, /govuk-tag--green">Finished/);
    assert.equal(summary(read.body, 'Events accepted'), '2');
    assert.equal(summary(read.body, 'Lines not taken'), '1');
    const [row] = await t.app.db.select().from(monitoringUploads).where(eq(monitoringUploads.id, id));
    assert.deepEqual(row?.columns, { occurredAt: 'Time', username: 'User' });
    // Choosing again changes nothing: the page says where it stands.
    const again = await admin.post(columnsUrl, { occurredAt: 'Time', username: 'User' });
    assert.equal(again.statusCode, 303);
    assert.equal(again.headers.location, `/monitoring/uploads/${id}`);
    assert.equal((await admin.get(columnsUrl)).headers.location, `/monitoring/uploads/${id}`);
    await assertNoFilesLeft();
  });
});
