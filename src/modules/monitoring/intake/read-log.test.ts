import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { and, eq, sql } from 'drizzle-orm';
import { freshDatabase } from '../../../../test/db.ts';
import { makeTrustWithCast } from '../../../../test/factories.ts';
import { type MonitoringCast, monitoringCast } from '../../../../test/monitoring.ts';
import type { Database } from '../../../db/client.ts';
import { activityDaily, alerts, type CsvColumns, type LogFormat, monitoringUsernames } from '../schema.ts';
import { ingestLog, LineSplitter, type LogProgress, LogReadError, MAX_LINE_BYTES } from './read-log.ts';

/*
 * Reading whole logs into a source against a real database: what is counted, what is reported
 * with its line number, that the rest is still read, that the input is streamed, and that files
 * which are not logs stop with a clear message and leave nothing behind.
 */

let database: Database;
let c: MonitoringCast;
const NOW = new Date('2026-02-01T12:00:00Z');
const fixture = (name: string) => new URL(`../../../../test/fixtures/monitoring/${name}`, import.meta.url);

before(async () => {
  database = await freshDatabase();
  c = await monitoringCast(database.db, await makeTrustWithCast(database.db, 'oak'));
});
after(() => database.close());

const read = (input: Readable, format: LogFormat = 'squid', extra: { columns?: CsvColumns; onProgress?: (p: LogProgress) => void } = {}) =>
  ingestLog(database.db, { trustId: c.trust.id, sourceId: c.source.id, format, input, baseUrl: 'http://localhost', now: NOW, ...extra });

/** Input in chunks of `size` bytes, to cross every boundary a file stream might cut at. */
const chunked = (bytes: Buffer, size: number) =>
  Readable.from(
    (function* () {
      for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
    })(),
  );

/** A Squid native line for a day in January 2026 (well before NOW). */
const nativeLine = (i: number, user = `user${i % 50}@oak.example`, host = `site${i % 300}.example`) =>
  `${1768204800 + (i % 20_000)}.${String(i % 1000).padStart(3, '0')}    ${100 + (i % 900)} 10.1.${i % 20}.${i % 250} TCP_MISS/200 ${5000 + (i % 3000)} GET http://${host}/page/${i % 97} ${user} HIER_DIRECT/151.101.0.81 text/html`;

const activityTotal = async () =>
  Number(
    (
      await database.db
        .select({ n: sql<string>`coalesce(sum(${activityDaily.count}), 0)` })
        .from(activityDaily)
        .where(eq(activityDaily.trustId, c.trust.id))
    )[0]?.n,
  );

describe('reading a log', () => {
  test('a Squid access.log: events counted and alerts raised, malformed and future lines reported with their numbers, the rest read', async () => {
    const before = await activityTotal();
    const progress: LogProgress[] = [];
    const result = await read(createReadStream(fixture('access.log')), 'squid', { onProgress: (p) => void progress.push(p) });
    assert.equal(result.linesRead, 11);
    assert.equal(result.accepted, 6);
    assert.equal(result.malformedCount, 3);
    assert.equal(result.futureCount, 1);
    assert.deepEqual(
      result.malformed.map((m) => m.line),
      [8, 9, 10],
    );
    assert.match(result.malformed[0]?.reason ?? '', /Too few fields/);
    assert.match(result.malformed[1]?.reason ?? '', /The time ‘12\/Jan\/2026:08:00:30’ is not a Unix time/);
    assert.match(result.malformed[2]?.reason ?? '', /in the future/);
    assert.equal(result.alertsRaised, 2, 'the gambling sites (two visits, one alert) and the weapon word');
    assert.equal(result.unmatchedUsernames, 1, 'pupil.x');
    assert.equal((await activityTotal()) - before, 6);
    const raised = await database.db.select().from(alerts).where(eq(alerts.trustId, c.trust.id));
    const gambling = raised.find((a) => a.ruleId === c.gamblingRule.id);
    assert.equal(gambling?.personId, c.teacherA.id);
    assert.equal(gambling?.eventCount, 2);
    assert.equal(raised.find((a) => a.ruleId === c.weaponsRule.id)?.personId, c.teacherB.id);
    const [pupil] = await database.db
      .select()
      .from(monitoringUsernames)
      .where(and(eq(monitoringUsernames.sourceId, c.source.id), eq(monitoringUsernames.username, 'pupil.x@oak.example')));
    assert.equal(pupil?.personId, null);
    assert.deepEqual(progress.at(-1), { bytesRead: result.bytesRead, linesRead: 11, accepted: 6, malformedCount: 3 });
  });

  test('Squid common and combined lines, CRLF line ends and a byte order mark', async () => {
    const text =
      '\ufeff10.1.2.33 - teacher.a@oak.example [12/Jan/2026:11:00:00 +0000] "GET http://casino.example/play HTTP/1.1" 403 3890 TCP_DENIED:HIER_NONE\r\n' +
      '10.1.2.40 - - [12/Jan/2026:11:00:05 +0000] "GET https://www.example.org/ HTTP/1.1" 200 1024 "https://www.google.com/" "Mozilla/5.0" TCP_MISS:HIER_DIRECT\r\n' +
      'garbage\r\n' +
      '10.1.2.41 - teacher.b@oak.example [12/Jan/2026:11:00:09 +0000] "GET https://www.example.org/ HTTP/1.1" 200 1024 TCP_MISS:HIER_DIRECT';
    const result = await read(chunked(Buffer.from(text), 7), 'squid_common');
    assert.equal(result.linesRead, 4);
    assert.equal(result.accepted, 3);
    assert.deepEqual(result.malformed, [
      {
        line: 3,
        reason: 'No time in square brackets: a common log line looks like 10.1.2.33 - jsmith [23/Nov/2026:09:14:02 +0000] "GET http://… HTTP/1.1" 200 5123',
      },
    ]);
  });

  test('a CSV export: quoted commas and line breaks, rows numbered by the line they start on', async () => {
    const columns = { occurredAt: 'Event Time', username: 'User Name', category: 'Category', url: 'URL', action: 'Action', device: 'Device', detail: 'Notes' };
    const result = await read(createReadStream(fixture('filter-export.csv')), 'csv', { columns });
    assert.equal(result.linesRead, 7);
    assert.equal(result.accepted, 4);
    assert.deepEqual(
      result.malformed.map((m) => m.line),
      [6],
    );
    assert.match(result.malformed[0]?.reason ?? '', /The time ‘yesterday’ is not a time this can read/);
    assert.equal(result.alertsRaised, 3, 'self-harm, gambling (pupil.y) and weapons');
    const [selfHarm] = await database.db
      .select()
      .from(alerts)
      .where(and(eq(alerts.trustId, c.trust.id), eq(alerts.ruleId, c.selfHarmRule.id)));
    assert.equal(selfHarm?.personId, c.teacherA.id);
    assert.equal(selfHarm?.firstEventAt.toISOString(), '2026-01-12T09:00:00.000Z', 'a London time in January is GMT');
  });

  test('a CSV whose header lacks a chosen column stops before reading any row, naming the header', async () => {
    const before = await activityTotal();
    await assert.rejects(
      read(createReadStream(fixture('filter-export.csv')), 'csv', { columns: { occurredAt: 'Timestamp', username: 'User Name' } }),
      (e: Error) =>
        e instanceof LogReadError &&
        e.message ===
          'The header row has no column called ‘Timestamp’ (chosen for time). The header row (line 1) has: Event Time, User Name, Category, URL, Action, Device, Notes.',
    );
    assert.equal(await activityTotal(), before);
  });

  test('lines that are not UTF-8, hold a NUL byte or run past 16 KB are malformed; lines after them are read', async () => {
    const good = Array.from({ length: 600 }, (_, i) => nativeLine(i));
    const bytes = Buffer.concat([
      // Over 64 KB of good lines first: NUL bytes there would mean a binary file.
      Buffer.from(`${good.slice(0, 550).join('\n')}\n`),
      Buffer.from([0x31, 0x37, 0x36, 0x38, 0x20, 0xc3, 0x28, 0x0a]), // line 551: an invalid UTF-8 sequence
      Buffer.from(`${nativeLine(551).replace('GET', 'G\u0000T')}\n`), // line 552: a NUL byte
      Buffer.from(`${nativeLine(552)} ${'x'.repeat(MAX_LINE_BYTES)}\n`), // line 553: too long
      Buffer.from(`${good.slice(553).join('\n')}\n`),
    ]);
    for (const size of [bytes.length, 64 * 1024, 1000]) {
      const result = await read(chunked(bytes, size));
      assert.equal(result.linesRead, 600, `chunks of ${size}`);
      assert.equal(result.accepted, 597, `chunks of ${size}`);
      assert.deepEqual(
        result.malformed,
        [
          { line: 551, reason: 'The line is not UTF-8 text' },
          { line: 552, reason: 'The line contains a NUL byte (binary data)' },
          { line: 553, reason: 'The line is longer than 16 KB' },
        ],
        `chunks of ${size}`,
      );
    }
  });

  test('every malformed line is counted; the first 100 are kept with their numbers', async () => {
    const lines = Array.from({ length: 1500 }, (_, i) => (i % 5 === 4 ? `broken ${i}` : nativeLine(i)));
    const result = await read(chunked(Buffer.from(lines.join('\n')), 8192));
    assert.equal(result.malformedCount, 300);
    assert.equal(result.accepted, 1200);
    assert.deepEqual(
      result.malformed.map((m) => m.line),
      Array.from({ length: 100 }, (_, i) => (i + 1) * 5),
    );
  });

  test('a line of a megabyte with no line break is never held whole', () => {
    const splitter = new LineSplitter();
    const lines: string[] = [];
    const reasons: string[] = [];
    const take = (batch: ReturnType<LineSplitter['push']>) => {
      lines.push(...batch.lines);
      for (const r of batch.reasons?.values() ?? []) reasons.push(r);
    };
    take(splitter.push(Buffer.from('first\nsecond ')));
    for (let i = 0; i < 64; i++) {
      take(splitter.push(Buffer.alloc(16 * 1024, 0x61)));
      assert.ok(((splitter as unknown as { carry: Buffer | null }).carry?.length ?? 0) <= MAX_LINE_BYTES, 'what is kept of a line stays under 16 KB');
    }
    take(splitter.push(Buffer.from('aaa\nthird\nfourth')));
    take(splitter.end());
    assert.deepEqual(lines, ['first', '\u0000', 'third', 'fourth']);
    assert.deepEqual(reasons, ['The line is longer than 16 KB']);
  });

  test('200,000 lines are streamed: reading keeps pace with the input instead of collecting it', async () => {
    const total = 200_000;
    const perChunk = 1000;
    let produced = 0;
    let maxLag = 0;
    const input = Readable.from(
      (function* () {
        for (let start = 0; start < total; start += perChunk) {
          const lines = [];
          for (let i = start; i < start + perChunk; i++) lines.push(nativeLine(i));
          produced += perChunk;
          yield Buffer.from(`${lines.join('\n')}\n`);
        }
      })(),
    );
    const result = await read(input, 'squid', {
      onProgress: (p) => {
        maxLag = Math.max(maxLag, produced - p.linesRead);
      },
    });
    assert.equal(result.accepted, total);
    assert.equal(result.malformedCount, 0);
    // Readable.from buffers up to 16 chunks ahead; a reader that collected the input would lag by the whole file.
    assert.ok(maxLag <= 20 * perChunk, `the input ran ${maxLag} lines ahead of the reading`);
  });
});

describe('files that are not logs', () => {
  const refused = async (bytes: Buffer, message: RegExp, format: LogFormat = 'squid') => {
    const before = await activityTotal();
    await assert.rejects(read(chunked(bytes, 4096), format), (e: Error) => e instanceof LogReadError && message.test(e.message));
    assert.equal(await activityTotal(), before, 'nothing was written');
  };

  test('binary garbage (NUL bytes near the start) stops at once', async () => {
    const garbage = Buffer.alloc(200_000);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919) % 256;
    await refused(Buffer.concat([Buffer.from(`${nativeLine(1)}\n`), garbage]), /not a text log: it has binary data \(NUL bytes\) near the start/);
  });

  test('compressed files, archives and UTF-16 are named as such', async () => {
    await refused(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02]), /compressed \(gzip\)\. Uncompress it first/);
    await refused(Buffer.from('PK\u0003\u0004rest of a zip'), /zip archive/);
    await refused(Buffer.from('\ufeffhello', 'utf16le'), /saved as UTF-16/);
  });

  test('bytes that are not text (without NULs) stop after the first lines are mostly unreadable', async () => {
    const junk = Buffer.alloc(300_000);
    for (let i = 0; i < junk.length; i++) junk[i] = i % 97 === 0 ? 0x0a : 0x80 + ((i * 31) % 120);
    await refused(junk, /does not look like a text log: most of the first 1,000 lines are not UTF-8 text/);
  });

  test('the wrong format: none of the lines can be read, and the message gives an example', async () => {
    const common = Array.from({ length: 30 }, (_, i) => `10.1.2.${i} - - [12/Jan/2026:11:00:00 +0000] "GET http://a.example/ HTTP/1.1" 200 10`).join('\n');
    await refused(
      Buffer.from(common),
      /^None of the 30 lines could be read as Squid access\.log \(native format\)\. For example, line 1: The time ‘10\.1\.2\.0’ is not a Unix time.*Check that you chose the right format\.$/,
    );
  });

  test('a short file mostly unreadable, or one unreadable line, is refused too; half or fewer is read', async () => {
    const good = (i: number) => nativeLine(i);
    const lines = [good(1), 'x', good(2), 'y', 'z', good(3), 'w', good(4), 'v', 'u'];
    await refused(
      Buffer.from(lines.join('\n')),
      /^Most of the 10 lines could not be read as Squid access\.log \(native format\)\. For example, line 2: Too few fields/,
    );
    await refused(
      Buffer.from('hello'),
      /^The file’s only line could not be read as Squid access\.log \(native format\)\. Line 1: Too few fields.* Check that you chose the right format\.$/,
    );
    const half = await read(chunked(Buffer.from([good(1), 'x', good(2), 'y'].join('\n')), 4096));
    assert.equal(half.accepted, 2);
    assert.deepEqual(
      half.malformed.map((m) => m.line),
      [2, 4],
    );
  });

  test('an empty file', async () => {
    await refused(Buffer.alloc(0), /^The file is empty\.$/);
  });
});
