import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { and, eq } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { freshDatabase } from '../../../../test/db.ts';
import { actingAs, makeTrustWithCast } from '../../../../test/factories.ts';
import { type MonitoringCast, monitoringCast } from '../../../../test/monitoring.ts';
import { auditEvents } from '../../../audit/schema.ts';
import type { Database } from '../../../db/client.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../../../errors.ts';
import { monitoringSources, monitoringUploads } from '../schema.ts';
import { createUpload, csvHeader, failStaleUploads, runUpload, setUploadColumns, startUploadInBackground, type UploadRow } from './uploads.ts';

/*
 * The upload records behind the web upload and the command line: created (queued, or waiting for
 * CSV columns), columns chosen against the file's header, read (running → done or failed, the
 * server's copy deleted), and stale ones failed by the worker.
 */

let database: Database;
let c: MonitoringCast;
let other: MonitoringCast;
const NOW = new Date('2026-02-01T12:00:00Z');
const dir = mkdtempSync(path.join(os.tmpdir(), 'countersign-uploads-test-'));
let files = 0;

before(async () => {
  database = await freshDatabase();
  c = await monitoringCast(database.db, await makeTrustWithCast(database.db, 'oak'));
  other = await monitoringCast(database.db, await makeTrustWithCast(database.db, 'elm'));
});
after(async () => {
  await database.close();
  await rm(dir, { recursive: true, force: true });
});

const db = () => database.db;
const admin = () => actingAs(db(), c.admin);
/** A file waiting on "the server", as the web upload leaves it. */
const tempFile = (content: string | Buffer) => {
  const file = path.join(dir, `upload-${++files}`);
  writeFileSync(file, content);
  return file;
};
const SQUID = [
  '1768204800.123    145 10.1.2.33 TCP_MISS/200 5123 GET http://www.bbc.co.uk/news teacher.a@oak.example HIER_DIRECT/151.101.0.81 text/html',
  '1768204805.456     12 10.1.2.33 TCP_DENIED/403 3890 CONNECT bet-example.com:443 teacher.a@oak.example HIER_NONE/- text/html',
  'not a squid line',
].join('\n');
const CSV = 'Event Time,"User, Name",URL\n2026-01-12 09:00:00,teacher.b@oak.example,https://casino.example/\n';

const squidUpload = async (filePath: string | null = tempFile(SQUID), ctx?: Awaited<ReturnType<typeof admin>>) =>
  createUpload(ctx ?? (await admin()), {
    sourceId: c.source.id,
    format: 'squid',
    fileName: 'access.log',
    fileBytes: Buffer.byteLength(SQUID),
    filePath,
    via: 'web',
  });
const csvUpload = async (filePath = tempFile(CSV)) =>
  createUpload(await admin(), { sourceId: c.source.id, format: 'csv', fileName: 'export.csv', fileBytes: Buffer.byteLength(CSV), filePath, via: 'web' });
const row = async (id: string) => (await db().select().from(monitoringUploads).where(eq(monitoringUploads.id, id)))[0] as UploadRow;
const setStatus = (id: string, values: Partial<UploadRow>) => db().update(monitoringUploads).set(values).where(eq(monitoringUploads.id, id));

describe('creating an upload', () => {
  test('a Squid log is queued and audited with who uploaded it', async () => {
    const upload = await squidUpload();
    assert.equal(upload.status, 'queued');
    assert.equal(upload.uploadedBy, c.admin.id);
    assert.equal(upload.via, 'web');
    const [event] = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'monitoring_upload.started'), eq(auditEvents.resourceId, upload.id)));
    assert.equal(event?.summary, 'Log file ‘access.log’ (Squid access.log (native format)) uploaded into the source ‘Web filter’');
    assert.equal(event?.actorId, c.admin.id);
  });

  test('a CSV waits for its columns unless they come with it (checked against the header)', async () => {
    assert.equal((await csvUpload()).status, 'columns');
    const withColumns = await createUpload(await admin(), {
      sourceId: c.source.id,
      format: 'csv',
      fileName: 'export.csv',
      fileBytes: 10,
      filePath: tempFile(CSV),
      via: 'web',
      columns: { occurredAt: 'Event Time', username: 'User, Name', url: '' },
    });
    assert.equal(withColumns.status, 'queued');
    assert.deepEqual(withColumns.columns, { occurredAt: 'Event Time', username: 'User, Name' });
    await assert.rejects(
      createUpload(await admin(), {
        sourceId: c.source.id,
        format: 'csv',
        fileName: 'x.csv',
        fileBytes: 10,
        filePath: tempFile(CSV),
        via: 'web',
        columns: { occurredAt: 'When' },
      }),
      (e: Error) =>
        e instanceof ValidationError &&
        e.fieldErrors.username === 'Choose the column that holds the username' &&
        e.fieldErrors.occurredAt === undefined &&
        Object.keys(e.fieldErrors).length === 1,
    );
  });

  test('bad input: unknown format, no file name, an empty file; control characters are dropped from the name', async () => {
    const named = await createUpload(await admin(), {
      sourceId: c.source.id,
      format: 'squid',
      fileName: ' access\r\n.log ',
      fileBytes: 5,
      filePath: null,
      via: 'web',
    });
    assert.equal(named.fileName, 'access.log');
    await assert.rejects(
      createUpload(await admin(), { sourceId: c.source.id, format: 'pdf' as 'csv', fileName: '', fileBytes: 0, filePath: null, via: 'web' }),
      (e: Error) => e instanceof ValidationError && e.fieldErrors.format === 'Choose the format of the log' && e.fieldErrors.file === 'Select a log file',
    );
    await assert.rejects(
      createUpload(await admin(), { sourceId: c.source.id, format: 'squid', fileName: 'a.log', fileBytes: 0, filePath: null, via: 'web' }),
      (e: Error) => e instanceof ValidationError && e.fieldErrors.file === 'The selected file is empty',
    );
  });

  test('trust IT may upload; school IT, teachers and the DSL may not; another trust’s or an archived source is not found', async () => {
    assert.equal((await squidUpload(null, await actingAs(db(), c.trustIt))).status, 'queued');
    for (const who of [c.itA, c.teacherA, c.dslA]) await assert.rejects(squidUpload(null, await actingAs(db(), who)), ForbiddenError, who.fullName);
    const elsewhere = { sourceId: other.source.id, format: 'squid' as const, fileName: 'a.log', fileBytes: 5, filePath: null, via: 'web' as const };
    await assert.rejects(createUpload(await admin(), elsewhere), NotFoundError);
    await assert.rejects(createUpload(await admin(), { ...elsewhere, sourceId: 'not-a-uuid' }), NotFoundError);
    const [archived] = await db()
      .insert(monitoringSources)
      .values({ trustId: c.trust.id, name: 'Old proxy', kind: 'firewall', schoolIds: [], usernameMatch: 'email', archivedAt: new Date() })
      .returning();
    await assert.rejects(createUpload(await admin(), { ...elsewhere, sourceId: archived?.id as string }), NotFoundError);
  });
});

describe('choosing CSV columns', () => {
  test('columns → queued; the names must be in the header, the time and username are needed', async () => {
    const upload = await csvUpload();
    await assert.rejects(
      setUploadColumns(await admin(), upload.id, { occurredAt: 'Timestamp', username: '' }),
      (e: Error) =>
        e instanceof ValidationError && e.fieldErrors.username === 'Choose the column that holds the username' && Object.keys(e.fieldErrors).length === 1,
    );
    await assert.rejects(
      setUploadColumns(await admin(), upload.id, { occurredAt: 'Timestamp', username: 'User, Name' }),
      (e: Error) => e instanceof ValidationError && e.fieldErrors.occurredAt === 'The header row has no column called ‘Timestamp’',
    );
    assert.equal((await row(upload.id)).status, 'columns', 'nothing changed');
    const chosen = await setUploadColumns(await admin(), upload.id, { occurredAt: ' Event Time ', username: 'User, Name', url: 'URL', detail: '' });
    assert.equal(chosen.status, 'queued');
    assert.deepEqual(chosen.columns, { occurredAt: 'Event Time', username: 'User, Name', url: 'URL' });
    await assert.rejects(
      setUploadColumns(await admin(), upload.id, { occurredAt: 'Event Time', username: 'URL' }),
      (e: Error) => e instanceof ValidationError && e.fieldErrors.form === 'The columns of this file have already been chosen.',
    );
  });

  test('another trust’s upload is not found; a teacher may not choose', async () => {
    const upload = await csvUpload();
    await assert.rejects(setUploadColumns(await actingAs(db(), other.admin), upload.id, { occurredAt: 'Event Time', username: 'URL' }), NotFoundError);
    await assert.rejects(setUploadColumns(await admin(), 'nope', { occurredAt: 'Event Time', username: 'URL' }), NotFoundError);
    await assert.rejects(setUploadColumns(await actingAs(db(), c.teacherA), upload.id, { occurredAt: 'Event Time', username: 'URL' }), ForbiddenError);
  });

  test('the header: quoted names, a byte order mark and CRLF; empty and binary files are refused', async () => {
    assert.deepEqual(await csvHeader(tempFile('\ufeff"Time", "User, Name" ,URL\r\n1,2,3\r\n')), ['Time', 'User, Name', 'URL']);
    assert.deepEqual(await csvHeader(tempFile('\n\n# exported\nWhen,Who')), ['When', 'Who']);
    await assert.rejects(csvHeader(tempFile('')), (e: Error) => e instanceof ValidationError && e.fieldErrors.file === 'The selected file is empty');
    await assert.rejects(
      csvHeader(tempFile(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 1]))),
      (e: Error) => e instanceof ValidationError && /not a CSV file/.test(e.fieldErrors.file ?? ''),
    );
    await assert.rejects(csvHeader(tempFile('"never closed\n')), (e: Error) => e instanceof ValidationError && /no header row/.test(e.fieldErrors.file ?? ''));
  });
});

describe('reading an upload', () => {
  test('queued → done: results recorded, the server’s copy deleted, the file’s hash kept', async () => {
    const filePath = tempFile(SQUID);
    const upload = await squidUpload(filePath);
    const seen: number[] = [];
    const done = await runUpload(db(), c.trust.id, upload.id, { baseUrl: 'http://localhost', now: NOW, onProgress: (p) => void seen.push(p.linesRead) });
    assert.equal(done.status, 'done');
    assert.equal(done.linesRead, 3);
    assert.equal(done.eventsAccepted, 2);
    assert.equal(done.malformedCount, 1);
    assert.deepEqual(done.malformed, [
      {
        line: 3,
        reason:
          'Too few fields: a Squid access.log line has time, duration, client address, result/status, size, method, address and user (and usually two more), but this line has 4',
      },
    ]);
    assert.equal(done.bytesRead, Buffer.byteLength(SQUID));
    assert.equal(done.alertsRaised, 1);
    assert.equal(done.sha256, createHash('sha256').update(SQUID).digest('hex'));
    assert.ok(done.startedAt && done.finishedAt && done.heartbeatAt);
    assert.equal(done.filePath, null);
    assert.equal(existsSync(filePath), false, 'the temp file is deleted');
    assert.deepEqual(seen.at(-1), 3);
    await assert.rejects(runUpload(db(), c.trust.id, upload.id, { baseUrl: 'http://localhost' }), /is done, not waiting to be read/);
  });

  test('a file that is not a log fails with the reason, and is deleted too', async () => {
    const filePath = tempFile(Buffer.concat([Buffer.from('1768204800.1 1 10.0.0.1 '), Buffer.alloc(100, 0)]));
    const upload = await squidUpload(filePath);
    const failed = await runUpload(db(), c.trust.id, upload.id, { baseUrl: 'http://localhost', now: NOW });
    assert.equal(failed.status, 'failed');
    assert.match(failed.error ?? '', /^The file is not a text log: it has binary data/);
    assert.equal(failed.filePath, null);
    assert.equal(existsSync(filePath), false);
  });

  test('the command line streams its own file (nothing on the server to delete); a file gone from the server fails clearly', async () => {
    const cli = await squidUpload(null);
    const done = await runUpload(db(), c.trust.id, cli.id, { baseUrl: 'http://localhost', now: NOW, input: Readable.from([Buffer.from(SQUID)]) });
    assert.equal(done.status, 'done');
    assert.equal(done.eventsAccepted, 2);
    const gone = await squidUpload(null);
    const failed = await runUpload(db(), c.trust.id, gone.id, { baseUrl: 'http://localhost', now: NOW });
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error, 'The file is no longer on the server. Upload it again.');
  });

  test('a CSV upload reads with its chosen columns', async () => {
    const upload = await csvUpload();
    await setUploadColumns(await admin(), upload.id, { occurredAt: 'Event Time', username: 'User, Name', url: 'URL' });
    const done = await runUpload(db(), c.trust.id, upload.id, { baseUrl: 'http://localhost', now: NOW });
    assert.equal(done.status, 'done');
    assert.equal(done.eventsAccepted, 1);
    assert.equal(done.alertsRaised, 1, 'casino.example is on the gambling watchlist');
  });

  test('in the background: the row ends done, and a failure is logged', async () => {
    const logged: { level: string; msg: string }[] = [];
    const log = {
      info: (_: unknown, msg: string) => logged.push({ level: 'info', msg }),
      error: (_: unknown, msg: string) => logged.push({ level: 'error', msg }),
    } as unknown as FastifyBaseLogger;
    const upload = await squidUpload();
    startUploadInBackground(db(), c.trust.id, upload.id, 'http://localhost', log);
    for (let i = 0; i < 200 && (await row(upload.id)).status !== 'done'; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    assert.equal((await row(upload.id)).status, 'done');
    startUploadInBackground(db(), c.trust.id, upload.id, 'http://localhost', log);
    for (let i = 0; i < 200 && !logged.some((l) => l.level === 'error'); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    assert.deepEqual(
      logged.map((l) => l.msg),
      ['monitoring log read', 'monitoring log upload failed'],
    );
  });
});

describe('stale uploads', () => {
  test('running without a heartbeat for 10 minutes, or waiting for a day, are failed and their files deleted; live ones are left', async () => {
    const at = new Date();
    const minutes = (n: number) => new Date(at.getTime() - n * 60_000);
    const stoppedFile = tempFile(SQUID);
    const stopped = await squidUpload(stoppedFile);
    await setStatus(stopped.id, { status: 'running', startedAt: minutes(30), heartbeatAt: minutes(11) });
    const alive = await squidUpload();
    await setStatus(alive.id, { status: 'running', startedAt: minutes(30), heartbeatAt: minutes(2) });
    const waitingFile = tempFile(CSV);
    const waiting = await csvUpload(waitingFile);
    await setStatus(waiting.id, { createdAt: minutes(25 * 60) });
    const queued = await squidUpload();
    await setStatus(queued.id, { createdAt: minutes(25 * 60) });
    const recent = await csvUpload();
    await setStatus(recent.id, { createdAt: minutes(60) });
    // Uploads made by the tests before this one are minutes old: none of them is stale.
    assert.equal(await failStaleUploads(db(), at), 3);
    assert.deepEqual(
      { status: (await row(stopped.id)).status, error: (await row(stopped.id)).error, filePath: (await row(stopped.id)).filePath },
      { status: 'failed', error: 'The server stopped while reading this file. Upload it again to read it all.', filePath: null },
    );
    assert.equal(existsSync(stoppedFile), false);
    assert.equal((await row(alive.id)).status, 'running');
    assert.equal((await row(waiting.id)).error, 'The columns were not chosen within a day, so the file was deleted. Upload it again.');
    assert.equal(existsSync(waitingFile), false);
    assert.equal((await row(queued.id)).error, 'The server stopped before it could read this file. Upload it again.');
    assert.equal((await row(recent.id)).status, 'columns');
    assert.equal(await failStaleUploads(db(), at), 0, 'a second sweep finds nothing');
  });
});
