import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { and, eq } from 'drizzle-orm';
import { freshDatabase } from '../../test/db.ts';
import { makeTrustWithCast } from '../../test/factories.ts';
import { type MonitoringCast, monitoringCast } from '../../test/monitoring.ts';
import { auditEvents } from '../audit/schema.ts';
import { type Config, loadConfig } from '../config.ts';
import type { Database } from '../db/client.ts';
import { monitoringSources, monitoringUploads } from '../modules/monitoring/schema.ts';
import { CliError } from './context.ts';
import { type IngestLogOptions, ingestLogCommand, type ProgressOutput } from './ingest-log.ts';

/*
 * `countersign ingest-log`, called as the command calls it (the function with a database), and
 * its registration in the `countersign` program.
 */

let database: Database;
let config: Config;
let c: MonitoringCast;
const fixture = (name: string) => fileURLToPath(new URL(`../../test/fixtures/monitoring/${name}`, import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'countersign-ingest-log-test-'));

before(async () => {
  database = await freshDatabase();
  config = loadConfig({ NODE_ENV: 'test', DEMO: '1', SEED_DEMO: '0', BASE_URL: 'http://localhost:3000' });
  c = await monitoringCast(database.db, await makeTrustWithCast(database.db, 'oak'));
});
after(async () => {
  await database.close();
  await rm(dir, { recursive: true, force: true });
});

const capture = (isTTY = false) => {
  const out: string[] = [];
  const err: string[] = [];
  const progress: ProgressOutput = { isTTY, write: (s) => void err.push(s), columns: 100 };
  return { out: (s: string) => void out.push(s), progress, text: () => out.join(''), errText: () => err.join('') };
};
const run = (options: Partial<IngestLogOptions>, io = capture()) =>
  ingestLogCommand(database, config, { trust: 'oak', source: 'Web filter', format: 'squid', file: fixture('access.log'), ...options }, io.out, io.progress);
const refused = (options: Partial<IngestLogOptions>, message: RegExp) =>
  assert.rejects(run(options), (e: Error) => e instanceof CliError && message.test(e.message));

describe('countersign ingest-log', () => {
  test('reads a Squid log into the source and prints what it found; the file is left where it was', async () => {
    const io = capture();
    const upload = await run({ source: 'web FILTER' }, io);
    assert.equal(upload.status, 'done');
    assert.equal(upload.via, 'cli');
    assert.equal(upload.filePath, null);
    assert.ok(existsSync(fixture('access.log')), 'the command line never deletes the file it was given');
    const text = io.text();
    assert.match(text, /^Read access\.log into the source "Web filter" \(.+\): 11 lines in \d+\.\d s\.\n/);
    assert.match(text, /Events accepted: +6\n/);
    assert.match(
      text,
      /Malformed lines: +3 \(the rest of the file was still read\)\n {4}line 8: Too few fields.*\n {4}line 9: The time ‘12\/Jan\/2026:08:00:30’ is not a Unix time.*\n {4}line 10: .*in the future/,
    );
    assert.match(text, /Dated in the future: +1 \(refused: check the clock/);
    assert.match(
      text,
      new RegExp(`New unmatched usernames: +1 \\(match them to people at http://localhost:3000/monitoring/sources/${c.source.id}/usernames\\)`),
    );
    assert.match(text, /Alerts raised: +2\n {2}Alerts extended: +0\n/);
    assert.match(text, new RegExp(`The upload’s page: http://localhost:3000/monitoring/uploads/${upload.id}\n$`));
    assert.equal(io.errText(), '', 'no progress lines for a file read in well under five seconds');
    const [event] = await database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'monitoring_upload.started'), eq(auditEvents.resourceId, upload.id)));
    assert.equal(event?.actorLabel, 'Countersign command line');
    assert.equal(event?.summary, 'Log file ‘access.log’ (Squid access.log (native format)) read from the command line into the source ‘Web filter’');
  });

  test('the same file again is refused, since its events would be counted twice; --again reads it anyway', async () => {
    const before = await database.db.select().from(monitoringUploads).where(eq(monitoringUploads.sourceId, c.source.id));
    await refused(
      {},
      /^This file was already read into Web filter on .+ \(access\.log\)\. Reading it again would count its events twice\. To read it again anyway, add --again\.$/,
    );
    const after = await database.db.select().from(monitoringUploads).where(eq(monitoringUploads.sourceId, c.source.id));
    assert.equal(after.length, before.length, 'nothing recorded for the refused file');
    const again = await run({ again: true });
    assert.equal(again.status, 'done');
    assert.equal(again.sha256, before.find((u) => u.fileName === 'access.log')?.sha256);
  });

  test('on a terminal the progress bar is drawn on standard error and cleared at the end', async () => {
    const io = capture(true);
    await run({ again: true }, io);
    const clearLine = '\u001b[K';
    assert.equal(io.errText().replace(/[\d,]+ lines\/s/, 'N lines/s'), `\r[${'#'.repeat(40)}] 100%  11 lines, N lines/s${clearLine}\r${clearLine}`);
  });

  test('without a terminal, a plain line every few seconds', async () => {
    const io = capture(false);
    io.progress.lineEveryMs = 0;
    await run({ again: true }, io);
    assert.match(io.errText(), /^Read 100% \(11 lines, [\d,]+ lines\/s\)\n$/);
  });

  test('a CSV export with --columns', async () => {
    const io = capture();
    const upload = await run(
      {
        format: 'csv',
        file: fixture('filter-export.csv'),
        columns: 'occurredAt=Event Time,username=User Name,category=Category,url=URL,action=Action,detail=Notes',
      },
      io,
    );
    assert.deepEqual(upload.columns, { occurredAt: 'Event Time', username: 'User Name', category: 'Category', url: 'URL', action: 'Action', detail: 'Notes' });
    assert.equal(upload.eventsAccepted, 4);
    assert.match(io.text(), /Malformed lines: +1 .*\n {4}line 6: The time ‘yesterday’/);
  });

  test('a CSV without --columns: the header’s columns and an example to copy', async () => {
    await refused(
      { format: 'csv', file: fixture('filter-export.csv') },
      new RegExp(
        [
          '^A CSV log needs --columns to say which column holds what\\.',
          'The header row of filter-export\\.csv has these columns:',
          ' {2}Event Time, User Name, Category, URL, Action, Device, Notes',
          'The fields are: occurredAt \\(time\\), username \\(username\\), category \\(category\\), url \\(web address\\), action \\(allowed or blocked\\), severity \\(severity\\), device \\(device\\), ip \\(ip address\\), detail \\(detail\\); occurredAt and username are needed\\.',
          'For example:',
          ` {2}countersign ingest-log --trust oak --source "Web filter" --format csv --columns "occurredAt=Event Time,username=User Name,url=URL,category=Category,action=Action" ${fixture('filter-export.csv').replace(/[.]/g, '\\.')}$`,
        ].join('\n'),
      ),
    );
    await refused(
      { format: 'csv', file: fixture('filter-export.csv'), columns: 'occurredAt=When,username=User Name' },
      /^--columns: The header row has no column called ‘When’\.\nThe header row of/,
    );
    await refused(
      { format: 'csv', file: fixture('filter-export.csv'), columns: 'when=Event Time' },
      /there is no field called "when"\. The fields are: occurredAt, username, category/,
    );
    await refused(
      { format: 'csv', file: fixture('filter-export.csv'), columns: 'url=URL' },
      /Choose the column that holds the time\. Choose the column that holds the username\./,
    );
    await refused({ columns: 'occurredAt=Time' }, /^--columns is only for CSV logs/);
  });

  test('mistakes are explained: unknown trust, source, format, file', async () => {
    await refused({ trust: 'nope' }, /no trust with the short name "nope"/);
    await refused({ source: 'Proxy' }, /has no source called "Proxy"\. Its sources are: "Web filter"\.$/);
    await database.db
      .insert(monitoringSources)
      .values({ trustId: c.trust.id, name: 'Old proxy', kind: 'firewall', schoolIds: [], usernameMatch: 'email', archivedAt: new Date() });
    await refused({ source: 'old proxy' }, /^The source "Old proxy" has been archived, so nothing more can be read into it\. Its sources are: "Web filter"\.$/);
    await refused(
      { format: 'w3c' },
      /^There is no log format called "w3c"\. Use --format with one of:\n {2}squid {9}Squid access\.log \(native format\)\n {2}squid_common {2}Squid common or combined log format\n {2}csv {11}CSV with a header row$/,
    );
    await refused({ file: path.join(dir, 'missing.log') }, /^Cannot read .*missing\.log: there is no such file$/);
    await refused({ file: dir }, /is a folder, not a log file/);
    const empty = path.join(dir, 'empty.log');
    writeFileSync(empty, '');
    await refused({ file: empty }, /empty\.log is empty: there is nothing to read\.$/);
  });

  test('a file that is not a log fails with exit code 1 and the reason; the upload shows it failed', async () => {
    const binary = path.join(dir, 'access.log.gz');
    writeFileSync(binary, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 3]));
    await refused({ file: binary }, /^Reading access\.log\.gz failed: The file is compressed \(gzip\)\. Uncompress it first/);
    const [upload] = await database.db.select().from(monitoringUploads).where(eq(monitoringUploads.fileName, 'access.log.gz'));
    assert.equal(upload?.status, 'failed');
  });

  test('is listed by `countersign --help` with its options', () => {
    const help = execFileSync(process.execPath, ['bin/countersign.js', 'ingest-log', '--help'], { encoding: 'utf8' });
    for (const option of ['--trust <slug>', '--source <name>', '--format <format>', '--columns <mapping>', '<file>']) assert.ok(help.includes(option), option);
    assert.match(execFileSync(process.execPath, ['bin/countersign.js', '--help'], { encoding: 'utf8' }), /ingest-log/);
  });
});
