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
