import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MonitoringEvent } from '../events.ts';
import {
  CsvReader,
  csvAction,
  csvLayout,
  MAX_CSV_RECORD,
  type Parsed,
  parseClfTime,
  parseCsvRow,
  parseCsvTime,
  parseSquidCommon,
  parseSquidNative,
} from './parsers.ts';

const event = (parsed: Parsed): MonitoringEvent => {
  if (typeof parsed === 'string') assert.fail(`expected an event, got the reason: ${parsed}`);
  return parsed;
};
const reason = (parsed: Parsed): string => {
  if (typeof parsed !== 'string') assert.fail(`expected a reason, got an event at ${parsed.occurredAt.toISOString()}`);
  return parsed;
};

describe('Squid native access.log', () => {
  test('an allowed request: time, user, client, URL and host', () => {
    const e = event(
      parseSquidNative(
        '1763884800.123    145 10.1.2.33 TCP_MISS/200 5123 GET http://www.bbc.co.uk/news jsmith@oakfield.sch.uk HIER_DIRECT/151.101.0.81 text/html',
      ),
    );
    assert.deepEqual(e, {
      kind: 'web',
      occurredAt: new Date('2025-11-23T08:00:00.123Z'),
      username: 'jsmith@oakfield.sch.uk',
      category: 'uncategorised',
      url: 'http://www.bbc.co.uk/news',
      host: 'www.bbc.co.uk',
      action: 'allowed',
      ip: '10.1.2.33',
    });
  });

  test('a denied CONNECT is blocked, with the host from host:port', () => {
    const e = event(parseSquidNative('1763884800.500      0 10.1.2.34 TCP_DENIED/403 3890 CONNECT bet-example.com:443 jsmith HIER_NONE/- text/html'));
    assert.equal(e.action, 'blocked');
    assert.equal(e.host, 'bet-example.com');
    assert.equal(e.url, 'bet-example.com:443');
    assert.equal(e.username, 'jsmith');
  });

  test('Squid answering itself with 403 (NONE/403) is blocked; a server’s own 403 is not', () => {
    assert.equal(event(parseSquidNative('1763884800.5 0 10.1.2.34 NONE_NONE/403 0 GET http://x.example/ - HIER_NONE/- -')).action, 'blocked');
    assert.equal(event(parseSquidNative('1763884800.5 9 10.1.2.34 TCP_MISS/403 512 GET http://x.example/ - HIER_DIRECT/1.2.3.4 text/html')).action, 'allowed');
  });

  test('no user ("-"): the username is null and the client address says which machine', () => {
    const e = event(parseSquidNative('1763884801.000     12 10.1.9.200 TCP_TUNNEL/200 8000 CONNECT www.google.com:443 - HIER_DIRECT/142.250.1.1 -'));
    assert.equal(e.username, null);
    assert.equal(e.ip, '10.1.9.200');
  });

  test('escaped user names are read as typed; tabs and runs of spaces separate fields', () => {
    const e = event(parseSquidNative('1763884801\t\t12   10.1.9.2 TCP_MISS/200 1 GET http://a.example/ OAKFIELD%5Cjsmith HIER_DIRECT/1.1.1.1 -'));
    assert.equal(e.username, 'OAKFIELD\\jsmith');
    assert.equal(event(parseSquidNative('1763884801 1 10.1.9.2 TCP_MISS/200 1 GET http://a.example/ 50%off HIER_DIRECT/1.1.1.1 -')).username, '50%off');
  });

  test('too few fields, a bad time and a bad result code are reasons, not crashes', () => {
    assert.match(reason(parseSquidNative('1763884800.123 145 10.1.2.33 TCP_MISS/200 5123')), /Too few fields.*this line has 5/);
    assert.match(reason(parseSquidNative('')), /this line has 0/);
    assert.match(
      reason(parseSquidNative('23/Nov/2026:09:14:02 145 10.1.2.33 TCP_MISS/200 5123 GET http://a.example/ - HIER_NONE/- -')),
      /The time ‘23\/Nov\/2026:09:14:02’ is not a Unix time/,
    );
    assert.match(reason(parseSquidNative('1e9 145 10.1.2.33 TCP_MISS/200 5123 GET http://a.example/ - HIER_NONE/- -')), /not a Unix time/);
    assert.match(reason(parseSquidNative('12 145 10.1.2.33 TCP_MISS/200 5123 GET http://a.example/ - HIER_NONE/- -')), /not a Unix time/);
    assert.match(reason(parseSquidNative('1763884800 145 10.1.2.33 200 5123 GET http://a.example/ - HIER_NONE/- -')), /not a Squid result code/);
  });

  test('a very long URL is cut, not refused', () => {
    const long = `http://a.example/${'x'.repeat(5000)}`;
    const e = event(parseSquidNative(`1763884800 1 10.0.0.1 TCP_MISS/200 1 GET ${long} - HIER_DIRECT/1.1.1.1 -`));
    assert.equal(e.url?.length, 2000);
    assert.equal(e.host, 'a.example');
  });
});

describe('Squid common and combined formats', () => {
  test('common with Squid’s result: a denied request, user from the third field, time with its offset', () => {
    const e = event(
      parseSquidCommon('10.1.2.33 - jsmith [23/Nov/2026:09:14:02 +0000] "GET http://casino.example/play HTTP/1.1" 403 3890 TCP_DENIED:HIER_NONE'),
    );
    assert.deepEqual(e, {
      kind: 'web',
      occurredAt: new Date('2026-11-23T09:14:02Z'),
      username: 'jsmith',
      category: 'uncategorised',
      url: 'http://casino.example/play',
      host: 'casino.example',
      action: 'blocked',
      ip: '10.1.2.33',
    });
  });

  test('combined: referer and user agent (which may mention DENIED) do not decide; offsets are applied', () => {
    const e = event(
      parseSquidCommon(
        '10.1.2.40 - a.teacher@oakfield.sch.uk [01/Jun/2026:10:00:00 +0100] "GET https://www.example.org/page HTTP/1.1" 200 1024 "https://www.google.com/?q=DENIED" "Mozilla/5.0 (DENIED)" TCP_MISS:HIER_DIRECT',
      ),
    );
    assert.equal(e.occurredAt.toISOString(), '2026-06-01T09:00:00.000Z');
    assert.equal(e.action, 'allowed');
    assert.equal(e.username, 'a.teacher@oakfield.sch.uk');
    const denied = event(
      parseSquidCommon('10.1.2.40 - - [01/Jun/2026:10:00:00 -0130] "CONNECT proxy.example:443 HTTP/1.1" 200 0 "-" "curl/8" TCP_DENIED:HIER_NONE'),
    );
    assert.equal(denied.action, 'blocked');
    assert.equal(denied.occurredAt.toISOString(), '2026-06-01T11:30:00.000Z');
  });

  test('the user: the third field, else the ident (second), else none', () => {
    assert.equal(event(parseSquidCommon('10.0.0.5 identuser - [23/Nov/2026:09:14:02 +0000] "GET http://a.example/ HTTP/1.1" 200 1')).username, 'identuser');
    const none = event(parseSquidCommon('10.0.0.5 - - [23/Nov/2026:09:14:02 +0000] "GET http://a.example/ HTTP/1.1" 200 1'));
    assert.equal(none.username, null);
    assert.equal(none.ip, '10.0.0.5');
  });

  test('malformed common lines say what is wrong', () => {
    assert.match(reason(parseSquidCommon('10.0.0.5 - - "GET http://a.example/ HTTP/1.1" 200 1')), /No time in square brackets/);
    assert.match(reason(parseSquidCommon('10.0.0.5 - - [23/Nov/2026 09:14] "GET http://a.example/ HTTP/1.1" 200 1')), /The time ‘23\/Nov\/2026 09:14’/);
    assert.match(reason(parseSquidCommon('10.0.0.5 - - [31/Feb/2026:09:14:02 +0000] "GET http://a.example/ HTTP/1.1" 200 1')), /is not a time/);
    assert.match(reason(parseSquidCommon('10.0.0.5 - - [23/Nov/2026:09:14:02 +0000] GET http://a.example/ 200 1')), /No request in quotes/);
    assert.match(reason(parseSquidCommon('10.0.0.5 - - [23/Nov/2026:09:14:02 +0000] "-" 400 0')), /has no address/);
    assert.match(reason(parseSquidCommon('10.0.0.5 - - [23/Nov/2026:09:14:02 +0000] "GET http://a.example/ HTTP/1.1" OK 1')), /is not an HTTP status/);
    assert.match(reason(parseSquidCommon('10.0.0.5 [23/Nov/2026:09:14:02 +0000] "GET http://a.example/ HTTP/1.1" 200 1')), /Too few fields before the time/);
  });

  test('CLF times: every month, offsets both ways, impossible dates refused', () => {
    assert.equal(parseClfTime('01/Jan/2026:00:00:00 +0000')?.toISOString(), '2026-01-01T00:00:00.000Z');
    assert.equal(parseClfTime('31/Dec/2026:23:59:59 -0500')?.toISOString(), '2027-01-01T04:59:59.000Z');
    assert.equal(parseClfTime('29/Feb/2026:00:00:00 +0000'), null);
    assert.equal(parseClfTime('10/Foo/2026:00:00:00 +0000'), null);
  });
});

describe('CSV', () => {
  const header = ['Time', 'User', 'Category', 'URL', 'Action', 'Severity', 'Device', 'IP', 'Detail'];
  const columns = {
    occurredAt: 'Time',
    username: 'User',
    category: 'Category',
    url: 'URL',
    action: 'Action',
    severity: 'Severity',
    device: 'Device',
    ip: 'IP',
    detail: 'Detail',
  };
  const layout = () => {
    const found = csvLayout(header, columns);
    assert.ok('layout' in found);
    return found.layout;
  };

  test('a row becomes an event: category code, action, severity, device and detail', () => {
    const e = event(
      parseCsvRow(
        [
          '2026-11-23T09:14:02+00:00',
          'jsmith@oakfield.sch.uk',
          'Self Harm',
          'https://forum.example/t/1',
          'Blocked',
          'High',
          'LAPTOP-12',
          '10.1.2.3',
          'searched, then left',
        ],
        layout(),
      ),
    );
    assert.deepEqual(e, {
      kind: 'web',
      occurredAt: new Date('2026-11-23T09:14:02Z'),
      username: 'jsmith@oakfield.sch.uk',
      category: 'self_harm',
      severity: 'high',
      url: 'https://forum.example/t/1',
      host: 'forum.example',
      action: 'blocked',
      device: 'LAPTOP-12',
      ip: '10.1.2.3',
      detail: 'searched, then left',
    });
  });

  test('the layout: exact names, then a single match ignoring case; required and missing columns named', () => {
    const found = csvLayout([' time ', 'USER'], { occurredAt: 'Time', username: 'user' });
    assert.ok('layout' in found);
    assert.deepEqual(found.layout, { occurredAt: 0, username: 1 });
    const missing = csvLayout(['Time'], { occurredAt: 'Time', url: 'Address' });
    assert.ok('errors' in missing);
    assert.deepEqual(missing.errors, { username: 'Choose the column that holds the username', url: 'The header row has no column called ‘Address’' });
  });

  test('times: ISO with offsets, London wall clock in winter and summer, UK dates, Unix seconds and milliseconds', () => {
    assert.equal(parseCsvTime('2026-11-23T09:14:02Z')?.toISOString(), '2026-11-23T09:14:02.000Z');
    assert.equal(parseCsvTime('2026-07-01T09:14:02.5+01:00')?.toISOString(), '2026-07-01T08:14:02.500Z');
    assert.equal(parseCsvTime('2026-07-01T09:14:02-0430')?.toISOString(), '2026-07-01T13:44:02.000Z');
    // London: GMT in winter, BST (UTC+1) in summer.
    assert.equal(parseCsvTime('2026-11-23 09:14')?.toISOString(), '2026-11-23T09:14:00.000Z');
    assert.equal(parseCsvTime('2026-07-01 09:14:05')?.toISOString(), '2026-07-01T08:14:05.000Z');
    assert.equal(parseCsvTime('01/07/2026 09:14')?.toISOString(), '2026-07-01T08:14:00.000Z');
    assert.equal(parseCsvTime('1763884800')?.toISOString(), '2025-11-23T08:00:00.000Z');
    assert.equal(parseCsvTime('1763884800.25')?.toISOString(), '2025-11-23T08:00:00.250Z');
    assert.equal(parseCsvTime('1763884800250')?.toISOString(), '2025-11-23T08:00:00.250Z');
    for (const bad of [
      '',
      'yesterday',
      '2026-13-01 09:00',
      '2026-02-30T10:00:00Z',
      '2026-11-23T25:00:00Z',
      '123',
      '23/11/26 09:14',
      '2026-11-23T09:14:02+15:00',
    ])
      assert.equal(parseCsvTime(bad), null, bad);
  });

  test('actions: the words products use; true/false by the column’s heading; anything else is a reason', () => {
    assert.equal(csvAction('DENIED'), 'blocked');
    assert.equal(csvAction('deny'), 'blocked');
    assert.equal(csvAction('Permitted'), 'allowed');
    assert.equal(csvAction('allow'), 'allowed');
    assert.equal(csvAction(''), undefined);
    assert.equal(csvAction('maybe'), null);
    const blockedColumn = csvLayout(['When', 'Who', 'Blocked?'], { occurredAt: 'When', username: 'Who', action: 'Blocked?' });
    assert.ok('layout' in blockedColumn);
    assert.equal(event(parseCsvRow(['2026-11-23T09:00:00Z', 'a', 'TRUE'], blockedColumn.layout)).action, 'blocked');
    assert.equal(event(parseCsvRow(['2026-11-23T09:00:00Z', 'a', 'no'], blockedColumn.layout)).action, 'allowed');
    assert.match(reason(parseCsvRow(['2026-11-23T09:00:00Z', 'a', 'c', 'u', 'sometimes'], layout())), /The action ‘sometimes’ is neither allowed nor blocked/);
  });

  test('empty and unreadable times are reasons; a missing username is null; "-" is none', () => {
    assert.equal(reason(parseCsvRow(['', 'a'], layout())), 'The time is empty');
    assert.match(reason(parseCsvRow(['next tuesday', 'a'], layout())), /The time ‘next tuesday’ is not a time this can read/);
    const short = event(parseCsvRow(['2026-11-23T09:00:00Z'], layout()));
    assert.equal(short.username, null);
    assert.equal(short.category, 'uncategorised');
    assert.equal(short.action, undefined);
    assert.equal(event(parseCsvRow(['2026-11-23T09:00:00Z', '-'], layout())).username, null);
  });

  const read = (text: string) => {
    const reader = new CsvReader();
    text.split('\n').forEach((line, i) => {
      reader.push(line, i + 1);
    });
    reader.end();
    return reader.items;
  };

  test('records: quoted commas, doubled quotes, line breaks inside quotes (numbered by their first line), blank and # lines skipped', () => {
    const items = read(
      [
        'Time,User,Detail',
        '2026-11-23T09:00:00Z,a,"one, two"',
        '',
        '# exported by FilterCo',
        '2026-11-23T09:01:00Z,b,"she said ""hi""',
        'and then left"',
        '2026-11-23T09:02:00Z,c,',
        '2026-11-23T09:03:00Z,d,it"s fine',
        '2026-11-23T09:04:00Z, "e, f" ,g',
      ].join('\n'),
    );
    assert.deepEqual(items, [
      { line: 1, cells: ['Time', 'User', 'Detail'] },
      { line: 2, cells: ['2026-11-23T09:00:00Z', 'a', 'one, two'] },
      { line: 5, cells: ['2026-11-23T09:01:00Z', 'b', 'she said "hi"\nand then left'] },
      { line: 7, cells: ['2026-11-23T09:02:00Z', 'c', ''] },
      { line: 8, cells: ['2026-11-23T09:03:00Z', 'd', 'it"s fine'] },
      { line: 9, cells: ['2026-11-23T09:04:00Z', 'e, f ', 'g'] },
    ]);
  });

  test('a quote never closed: its line is malformed and the lines after it are still read', () => {
    const items = read(['Time,User', '2026-11-23T09:00:00Z,"a', '2026-11-23T09:01:00Z,b', '2026-11-23T09:02:00Z,c'].join('\n'));
    assert.deepEqual(items, [
      { line: 1, cells: ['Time', 'User'] },
      { line: 2, reason: 'A quote mark (") in this line is never closed, so the row could not be read' },
      { line: 3, cells: ['2026-11-23T09:01:00Z', 'b'] },
      { line: 4, cells: ['2026-11-23T09:02:00Z', 'c'] },
    ]);
  });

  test('a quote still open after 64 KB gives up on that row without waiting for the end of the file', () => {
    const reader = new CsvReader();
    reader.push('2026-11-23T09:00:00Z,"open', 1);
    const filler = 'x'.repeat(1000);
    let line = 2;
    while (reader.items.length === 0) reader.push(`2026-11-23T09:00:00Z,${filler}`, line++);
    assert.ok(line * 1000 > MAX_CSV_RECORD && line < 80, `gave up at line ${line}`);
    assert.deepEqual(reader.items[0], { line: 1, reason: 'A quote mark (") in this line is never closed, so the row could not be read' });
    assert.equal(reader.items.length, line - 1, 'every line after it became a record of its own');
    assert.deepEqual(reader.items[1], { line: 2, cells: ['2026-11-23T09:00:00Z', filler] });
  });
});
