import { londonDateTime } from '../../../ui/format.ts';
import { categoryCode, clip, hostOf, LIMITS, type MonitoringEvent } from '../events.ts';
import type { CsvColumns } from '../schema.ts';

/*
 * Reading one line of a log export into a MonitoringEvent, or the reason it cannot be read, in
 * words the person who uploaded the file can act on. Pure: no database, no I/O. Web events only.
 *
 * Formats:
 *  - Squid native access.log: `time elapsed client result/status bytes method URL user peer type`,
 *    fields separated by runs of spaces (squid.conf `logformat squid`).
 *  - Squid common and combined: `client ident user [time] "method URL HTTP/v" status bytes`, then
 *    Squid's `result:hierarchy`, and for combined `"referer" "user agent"` (in either order).
 *  - CSV with a header row: the columns chosen at upload (CsvColumns) give the fields.
 */

export type Parsed = MonitoringEvent | string;

const NONE = '-';
const MIN_EPOCH_S = 946_684_800; // 2000-01-01
const MAX_EPOCH_S = 4_102_444_800; // 2100-01-01

/** A field as shown inside a reason: short, so a reason never carries a whole URL. */
const shown = (text: string) => `‘${text.length > 40 ? `${text.slice(0, 40)}…` : text}’`;

const cut = (text: string, max: number) => (text.length > max ? text.slice(0, max) : text);

/** Squid writes user names URL-escaped (jsmith%40school.org.uk); read them as the person typed them. */
function squidUser(raw: string | undefined): string | null {
  if (raw === undefined || raw === NONE || raw === '') return null;
  let name = raw;
  if (name.includes('%')) {
    try {
      name = decodeURIComponent(name);
    } catch {
      // Not an escape after all ("50%off"): keep it as written.
    }
  }
  return clip(name, LIMITS.username) ?? null;
}

/** A Unix time in seconds ("1763884800.123") as a Date, or null. */
function epochSeconds(text: string): Date | null {
  // Digits with at most one dot; Number() alone would accept "1e9", " 12", "0x10".
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) dots++;
    else if (c < 48 || c > 57) return null;
  }
  if (dots > 1 || text.length === 0 || text.charCodeAt(0) === 46) return null;
  const seconds = Number(text);
  if (!(seconds >= MIN_EPOCH_S && seconds < MAX_EPOCH_S)) return null;
  return new Date(Math.round(seconds * 1000));
}

/**
 * Fields separated by runs of spaces (or tabs), at most `max`; returns how many were found. The
 * ends of fields are found with indexOf (native, twice as fast as a loop over the characters);
 * a line with a tab in it takes the loop.
 */
function splitFields(line: string, out: string[], max: number): number {
  if (line.indexOf('\t') >= 0) return splitFieldsTabs(line, out, max);
  const len = line.length;
  let n = 0;
  let i = 0;
  while (n < max) {
    while (i < len && line.charCodeAt(i) === 32) i++;
    if (i >= len) break;
    let j = line.indexOf(' ', i + 1);
    if (j < 0) j = len;
    out[n++] = line.slice(i, j);
    i = j;
  }
  return n;
}

function splitFieldsTabs(line: string, out: string[], max: number): number {
  const len = line.length;
  let n = 0;
  let i = 0;
  while (n < max) {
    while (i < len) {
      const c = line.charCodeAt(i);
      if (c !== 32 && c !== 9) break;
      i++;
    }
    if (i >= len) break;
    let j = i + 1;
    while (j < len) {
      const c = line.charCodeAt(j);
      if (c === 32 || c === 9) break;
      j++;
    }
    out[n++] = line.slice(i, j);
    i = j;
  }
  return n;
}

const nativeFields: string[] = new Array(10).fill('');

/**
 * One line of a Squid native access.log:
 * `1763884800.123    145 10.1.2.33 TCP_MISS/200 5123 GET http://www.bbc.co.uk/news - HIER_DIRECT/151.101.0.81 text/html`.
 * The user is the 8th field ('-' for none: the client address then says who). Blocked when Squid
 * denied it (TCP_DENIED/403, or NONE/403: Squid answered itself without asking a server).
 */
export function parseSquidNative(line: string): Parsed {
  const f = nativeFields;
  const n = splitFields(line, f, 10);
  if (n < 8)
    return `Too few fields: a Squid access.log line has time, duration, client address, result/status, size, method, address and user (and usually two more), but this line has ${n}`;
  const occurredAt = epochSeconds(f[0] as string);
  if (!occurredAt) return `The time ${shown(f[0] as string)} is not a Unix time in seconds, like 1763884800.123`;
  const code = f[3] as string;
  const slash = code.indexOf('/');
  if (slash <= 0) return `The result ${shown(code)} is not a Squid result code and status, like TCP_MISS/200`;
  const result = code.slice(0, slash);
  const blocked = result.includes('DENIED') || (code.endsWith('/403') && result.startsWith('NONE'));
  const url = cut(f[6] as string, LIMITS.url);
  const remote = f[2] as string;
  return {
    kind: 'web',
    occurredAt,
    username: squidUser(f[7]),
    category: 'uncategorised',
    url,
    host: hostOf(url),
    action: blocked ? 'blocked' : 'allowed',
    ip: remote === NONE ? undefined : cut(remote, LIMITS.ip),
  };
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
const CLF_TIME = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;

/** A Date from its parts, or null when they do not name a real moment (31 February, 25:00). */
function utcDate(y: number, mo: number, d: number, h: number, mi: number, s: number, ms = 0): Date | null {
  if (mo < 0 || mo > 11 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const t = Date.UTC(y, mo, d, h, mi, s, ms);
  const date = new Date(t);
  if (date.getUTCDate() !== d || date.getUTCMonth() !== mo) return null;
  return date;
}

/** `23/Nov/2026:09:14:02 +0000` (squid's %tl, Apache's %t) as a Date, or null. */
export function parseClfTime(text: string): Date | null {
  const m = CLF_TIME.exec(text);
  if (!m) return null;
  const month = MONTHS[m[2] as string];
  if (month === undefined) return null;
  const local = utcDate(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  if (!local) return null;
  const offset = (Number(m[8]) * 60 + Number(m[9])) * 60_000 * (m[7] === '-' ? -1 : 1);
  return new Date(local.getTime() - offset);
}

const SQUID_STATUS = /^[A-Z_]+:[A-Z_]+$/;

/**
 * One line of Squid's common or combined format:
 * `10.1.2.33 - jsmith [23/Nov/2026:09:14:02 +0000] "GET http://casino.example/play HTTP/1.1" 403 3890 TCP_DENIED:HIER_NONE`,
 * combined adding `"referer" "user agent"`. The user is the third field, else the second (ident),
 * else none. Blocked when the status is 403 or Squid's result says DENIED.
 */
export function parseSquidCommon(line: string): Parsed {
  const open = line.indexOf(' [');
  const close = open < 0 ? -1 : line.indexOf(']', open);
  if (open < 0 || close < 0)
    return 'No time in square brackets: a common log line looks like 10.1.2.33 - jsmith [23/Nov/2026:09:14:02 +0000] "GET http://… HTTP/1.1" 200 5123';
  const who = line
    .slice(0, open)
    .trim()
    .split(/[ \t]+/);
  if (who.length < 3)
    return 'Too few fields before the time: a common log line starts with the client address, the ident and the user, like 10.1.2.33 - jsmith';
  const timeText = line.slice(open + 2, close);
  const occurredAt = parseClfTime(timeText);
  if (!occurredAt) return `The time ${shown(timeText)} is not a time like 23/Nov/2026:09:14:02 +0000`;
  const q1 = line.indexOf('"', close);
  const q2 = q1 < 0 ? -1 : line.indexOf('"', q1 + 1);
  if (q2 < 0) return 'No request in quotes after the time, like "GET http://example.com/ HTTP/1.1"';
  const request = line
    .slice(q1 + 1, q2)
    .trim()
    .split(/ +/);
  if (request.length < 2) return `The request ${shown(line.slice(q1 + 1, q2))} has no address: it should look like "GET http://example.com/ HTTP/1.1"`;
  const rest = line.slice(q2 + 1).trim();
  const unquoted = rest.replace(/"(?:[^"\\]|\\.)*"/g, ' ').trim();
  const [status, , ...others] = unquoted.split(/[ \t]+/);
  if (!status || !/^\d{3}$/.test(status)) return `The status ${shown(status ?? '')} after the request is not an HTTP status, like 200 or 403`;
  const squidStatus = others.find((token) => SQUID_STATUS.test(token)) ?? '';
  const url = cut(request[1] as string, LIMITS.url);
  const [ip, ident, ...user] = who as [string, string, ...string[]];
  const username = squidUser(user.join(' ')) ?? squidUser(ident);
  return {
    kind: 'web',
    occurredAt,
    username,
    category: 'uncategorised',
    url,
    host: hostOf(url),
    action: status === '403' || squidStatus.includes('DENIED') ? 'blocked' : 'allowed',
    ip: ip === NONE ? undefined : cut(ip, LIMITS.ip),
  };
}

// ---------------------------------------------------------------------------------------------
// CSV

export const CSV_FIELDS = {
  occurredAt: 'Time',
  username: 'Username',
  category: 'Category',
  url: 'Web address',
  action: 'Allowed or blocked',
  severity: 'Severity',
  device: 'Device',
  ip: 'IP address',
  detail: 'Detail',
} as const satisfies Record<keyof CsvColumns, string>;
export type CsvField = keyof typeof CSV_FIELDS;
export const CSV_FIELD_KEYS = Object.keys(CSV_FIELDS) as CsvField[];
export const REQUIRED_CSV_FIELDS: CsvField[] = ['occurredAt', 'username'];

/**
 * Where each chosen field is in a row, by column number. `yesMeans`: for an action column whose
 * heading says what "yes" means (Blocked, Allowed), which action true/yes/1 stands for.
 */
export type CsvLayout = Partial<Record<CsvField, number>> & { occurredAt: number; username: number; yesMeans?: 'blocked' | 'allowed' };

/**
 * The header's column numbers for the chosen columns: an exact match, else the only one that
 * matches ignoring case and surrounding spaces. Returns field → problem when a column is missing.
 */
export function csvLayout(header: string[], columns: CsvColumns): { layout: CsvLayout } | { errors: Partial<Record<CsvField, string>> } {
  const names = header.map((h) => h.trim());
  const errors: Partial<Record<CsvField, string>> = {};
  const layout: Partial<Record<CsvField, number>> = {};
  for (const field of CSV_FIELD_KEYS) {
    const wanted = columns[field]?.trim();
    if (!wanted) {
      if (REQUIRED_CSV_FIELDS.includes(field)) errors[field] = `Choose the column that holds the ${field === 'occurredAt' ? 'time' : 'username'}`;
      continue;
    }
    let index = names.indexOf(wanted);
    if (index < 0) {
      const loose = names.flatMap((n, i) => (n.toLowerCase() === wanted.toLowerCase() ? [i] : []));
      if (loose.length === 1) index = loose[0] as number;
    }
    if (index < 0) errors[field] = `The header row has no column called ‘${wanted}’`;
    else layout[field] = index;
  }
  if (Object.keys(errors).length > 0) return { errors };
  const result = layout as CsvLayout;
  const actionHeading = result.action === undefined ? '' : (names[result.action] ?? '').toLowerCase();
  if (/block|den(?:y|ied)|filtered/.test(actionHeading)) result.yesMeans = 'blocked';
  else if (/allow|permit/.test(actionHeading)) result.yesMeans = 'allowed';
  return { layout: result };
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const UK_TIME = /^(\d{1,2})\/(\d{1,2})\/(\d{4})[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?$/;
const EPOCH = /^\d{9,11}(?:\.\d+)?$/;
const EPOCH_MS = /^\d{12,14}$/;

/** London's offset from UTC (ms) for a wall-clock hour, cached: a log is mostly the same few hours. */
const londonOffsets = new Map<string, number>();
function londonInstant(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): Date | null {
  const wall = utcDate(y, mo, d, h, mi, s, ms);
  if (!wall) return null;
  const key = `${y}-${mo}-${d}-${h}`;
  let offset = londonOffsets.get(key);
  if (offset === undefined) {
    const day = `${y}-${String(mo + 1).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
    offset = Date.UTC(y, mo, d, h) - londonDateTime(day, `${String(h).padStart(2, '0')}:00`).getTime();
    if (londonOffsets.size > 10_000) londonOffsets.clear();
    londonOffsets.set(key, offset);
  }
  return new Date(wall.getTime() - offset);
}

/**
 * A CSV time: ISO 8601 with an offset or Z (2026-11-23T09:14:02+00:00), a London wall-clock time
 * (2026-11-23 09:14 or 09:14:02, or the UK's 23/11/2026 09:14), or a Unix time in seconds
 * (1763884800, 1763884800.123) or milliseconds.
 */
export function parseCsvTime(raw: string): Date | null {
  const text = raw.trim();
  if (EPOCH.test(text)) {
    const seconds = Number(text);
    return seconds >= MIN_EPOCH_S && seconds < MAX_EPOCH_S ? new Date(Math.round(seconds * 1000)) : null;
  }
  if (EPOCH_MS.test(text)) {
    const ms = Number(text);
    return ms >= MIN_EPOCH_S * 1000 && ms < MAX_EPOCH_S * 1000 ? new Date(ms) : null;
  }
  let m = ISO_TIME.exec(text);
  if (m) {
    const [y, mo, d, h, mi] = [Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5])];
    const s = m[6] ? Number(m[6]) : 0;
    const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
    const zone = m[8];
    if (!zone) return londonInstant(y, mo, d, h, mi, s, ms);
    const wall = utcDate(y, mo, d, h, mi, s, ms);
    if (!wall) return null;
    if (zone.toUpperCase() === 'Z') return wall;
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (hours > 14 || minutes > 59) return null;
    return new Date(wall.getTime() - (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes) * 60_000);
  }
  m = UK_TIME.exec(text);
  if (m) return londonInstant(Number(m[3]), Number(m[2]) - 1, Number(m[1]), Number(m[4]), Number(m[5]), m[6] ? Number(m[6]) : 0, 0);
  return null;
}

const BLOCKED_WORDS = /\b(?:block|blocked|blocking|deny|denied|drop|dropped|reject|rejected|refuse|refused|filtered|prevented|quarantined|stopped)\b/;
const ALLOWED_WORDS =
  /\b(?:allow|allowed|permit|permitted|pass|passed|accept|accepted|ok|success|logged|log|monitor|monitored|observed|warn|warned|audit|audited)\b/;

/** A CSV action: blocked or allowed (by the words products use), undefined when empty, null when neither. */
export function csvAction(raw: string): 'allowed' | 'blocked' | undefined | null {
  const text = raw.trim().toLowerCase();
  if (!text) return undefined;
  if (BLOCKED_WORDS.test(text)) return 'blocked';
  if (ALLOWED_WORDS.test(text)) return 'allowed';
  return null;
}

const YES_NO: Record<string, boolean> = { true: true, yes: true, y: true, '1': true, false: false, no: false, n: false, '0': false };

/** A source's severity in our three levels; anything not recognised is left out (rules decide). */
export function csvSeverity(raw: string): 'low' | 'medium' | 'high' | undefined {
  const text = raw.trim().toLowerCase();
  if (/^(?:high|critical|severe|major|urgent|3)$/.test(text)) return 'high';
  if (/^(?:medium|med|moderate|warning|2)$/.test(text)) return 'medium';
  if (/^(?:low|info|information|informational|minor|1)$/.test(text)) return 'low';
  return undefined;
}

/** One CSV row (its cells) as an event, by the layout from csvLayout(). */
export function parseCsvRow(cells: string[], layout: CsvLayout): Parsed {
  const cell = (field: CsvField) => {
    const index = layout[field];
    return index === undefined ? '' : (cells[index] ?? '');
  };
  const timeText = cell('occurredAt').trim();
  if (!timeText) return 'The time is empty';
  const occurredAt = parseCsvTime(timeText);
  if (!occurredAt)
    return `The time ${shown(timeText)} is not a time this can read: use 2026-11-23T09:14:02Z (or with +01:00), 2026-11-23 09:14:02 (UK time) or a Unix time in seconds`;
  let action: 'allowed' | 'blocked' | undefined;
  if (layout.action !== undefined) {
    const raw = cell('action');
    let parsed = csvAction(raw);
    if (parsed === null && layout.yesMeans) {
      const yes = YES_NO[raw.trim().toLowerCase()];
      if (yes !== undefined) parsed = yes === (layout.yesMeans === 'blocked') ? 'blocked' : 'allowed';
    }
    if (parsed === null) return `The action ${shown(raw.trim())} is neither allowed nor blocked`;
    action = parsed;
  }
  const url = clip(cell('url'), LIMITS.url);
  const username = clip(cell('username'), LIMITS.username) ?? null;
  return {
    kind: 'web',
    occurredAt,
    username: username === NONE ? null : username,
    category: categoryCode(cell('category')),
    severity: layout.severity === undefined ? undefined : csvSeverity(cell('severity')),
    url,
    host: hostOf(url),
    action,
    device: clip(cell('device'), LIMITS.device),
    ip: clip(cell('ip'), LIMITS.ip),
    detail: clip(cell('detail'), LIMITS.detail),
  };
}

/** A record a CsvReader finished: its cells and the line it starts on, or a line it could not read. */
export type CsvItem = { line: number; cells: string[] } | { line: number; reason: string };

/** The most a quoted cell may run over several lines before its quote counts as never closed. */
export const MAX_CSV_RECORD = 64 * 1024;

/** A record being read: the line it starts on and, while a quoted cell runs on, its lines so far. */
type Open = { line: number; lines: { text: string; line: number }[]; bytes: number };

/**
 * CSV records from lines (RFC 4180: commas, quoted cells with "" for a quote, line breaks inside
 * quotes), fed one line at a time with its number, so every record knows the line it starts on.
 * A quote in the middle of an unquoted cell is kept as text. A quote that is never closed (the
 * record runs past MAX_CSV_RECORD or the end of the file) makes its first line malformed, and the
 * lines after it are read again as records: one stray quote never swallows the rest of a file.
 * Blank lines and lines starting with # between records are skipped. Finished records collect in
 * `items` for the caller to take.
 */
export class CsvReader {
  items: CsvItem[] = [];
  /** A quoted cell that continues on the next line: the record so far. */
  private pending: (Open & { cells: string[]; cell: string }) | null = null;

  /** Lines waiting to be read: the one pushed, and after a quote that was never closed, the lines read again. */
  private queue: { text: string; line: number }[] = [];

  push(text: string, line: number): void {
    this.queue.push({ text, line });
    this.drain();
  }

  /** The end of the input: a record still open has a quote that was never closed. */
  end(): void {
    while (this.pending) {
      this.unclosed();
      this.drain();
    }
  }

  private drain() {
    // A loop rather than recursion: reading lines again may find another unclosed quote.
    for (let next = this.queue.shift(); next; next = this.queue.shift()) this.step(next.text, next.line);
  }

  private step(text: string, line: number) {
    const p = this.pending;
    if (p) {
      p.lines.push({ text, line });
      p.bytes += text.length + 1;
      if (p.bytes > MAX_CSV_RECORD) return this.unclosed();
      this.pending = null;
      this.lex(text, p, p.cells, `${p.cell}\n`, true);
      return;
    }
    if (text.length === 0 || text.charCodeAt(0) === 35 || isBlank(text)) return;
    this.lex(text, { line, lines: [{ text, line }], bytes: text.length + 1 }, [], '', false);
  }

  /** Reports the open record's first line; the lines after it are read again from scratch, before any new ones. */
  private unclosed() {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    this.items.push({ line: p.line, reason: 'A quote mark (") in this line is never closed, so the row could not be read' });
    this.queue = p.lines.slice(1).concat(this.queue);
  }

  /** Reads the cells of `text`; `quoted`: it starts inside a quoted cell whose text so far is `cell`. */
  private lex(text: string, open: Open, cells: string[], cellSoFar: string, startsQuoted: boolean): void {
    const len = text.length;
    let i = 0;
    let cell = cellSoFar;
    let quoted = startsQuoted;
    for (;;) {
      if (quoted) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          // The line ends inside quotes: the cell goes on to the next line.
          this.pending = { ...open, cells, cell: cell + text.slice(i) };
          return;
        }
        cell += text.slice(i, q);
        if (text.charCodeAt(q + 1) === 34) {
          cell += '"';
          i = q + 2;
          continue;
        }
        quoted = false;
        // Anything between the closing quote and the next comma is kept as text ("a"b → ab).
        const comma = text.indexOf(',', q + 1);
        if (comma < 0) {
          cells.push(cell + text.slice(q + 1));
          break;
        }
        cells.push(cell + text.slice(q + 1, comma));
        cell = '';
        i = comma + 1;
        continue;
      }
      // A quoted cell, perhaps after spaces (`a, "b, c"`).
      let j = i;
      while (j < len && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9)) j++;
      if (j < len && text.charCodeAt(j) === 34) {
        quoted = true;
        i = j + 1;
        continue;
      }
      const comma = text.indexOf(',', i);
      if (comma < 0) {
        cells.push(text.slice(i));
        break;
      }
      cells.push(text.slice(i, comma));
      i = comma + 1;
    }
    this.items.push({ line: open.line, cells });
  }
}

function isBlank(text: string) {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}
