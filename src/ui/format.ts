// Dates and times are stored in UTC and always shown in Europe/London, in en-GB wording.
const TZ = 'Europe/London';

const dateFmt = new Intl.DateTimeFormat('en-GB', { timeZone: TZ, day: 'numeric', month: 'long', year: 'numeric' });
const timeFmt = new Intl.DateTimeFormat('en-GB', { timeZone: TZ, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

const toDate = (value: Date | string) => (value instanceof Date ? value : new Date(value.length === 10 ? `${value}T12:00:00Z` : value));

/** "3 March 2026". Accepts a Date, an ISO timestamp or a calendar date (YYYY-MM-DD). */
export const formatDate = (value: Date | string | null | undefined) => (value ? dateFmt.format(toDate(value)) : '');

/** "3 March 2026 at 14:05" */
export const formatDateTime = (value: Date | string | null | undefined) =>
  value ? `${dateFmt.format(toDate(value))} at ${timeFmt.format(toDate(value))}` : '';

/** A plain countdown: "due in 19 hours", "3 days overdue", "due now". */
export function countdown(due: Date, now = new Date()): string {
  const ms = due.getTime() - now.getTime();
  const abs = Math.abs(ms);
  const minutes = Math.round(abs / 60_000);
  const hours = Math.round(abs / 3_600_000);
  const days = Math.round(abs / 86_400_000);
  const amount = minutes < 60 ? plural(Math.max(minutes, 1), 'minute') : hours < 48 ? plural(hours, 'hour') : plural(days, 'day');
  if (abs < 60_000) return 'due now';
  return ms > 0 ? `due in ${amount}` : `${amount} overdue`;
}

export const plural = (n: number, word: string, many = `${word}s`) => `${n.toLocaleString('en-GB')} ${n === 1 ? word : many}`;

/** Today's calendar date in Europe/London as YYYY-MM-DD. */
const isoDateFmt = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' });
export function londonToday(now = new Date()): string {
  return isoDateFmt.format(now);
}

const partsFmt = new Intl.DateTimeFormat('en-GB', {
  timeZone: TZ,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
/** Minutes London is ahead of UTC at that instant (0 in winter, 60 in summer). */
function londonOffsetMinutes(at: Date): number {
  const p = Object.fromEntries(partsFmt.formatToParts(at).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute));
  return Math.round((asUtc - Math.floor(at.getTime() / 60_000) * 60_000) / 60_000);
}

/** The instant a London wall-clock date and time ("2026-03-03", "14:05") names. */
export function londonDateTime(date: string, time = '12:00'): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi] = time.split(':').map(Number) as [number, number];
  const guess = Date.UTC(y, m - 1, d, h, mi);
  const first = guess - londonOffsetMinutes(new Date(guess)) * 60_000;
  return new Date(guess - londonOffsetMinutes(new Date(first)) * 60_000);
}

/** "14:05", the London time of an instant. */
export const londonTime = (value: Date) => timeFmt.format(value);

/** "2026-03-03 14:05" in London time, for CSV downloads: sortable in a spreadsheet. */
const csvFmt = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
export const csvTime = (value: Date | string | null | undefined): string | null => (value ? csvFmt.format(toDate(value)) : null);
