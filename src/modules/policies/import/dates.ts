const MONTH = '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const monthNumber = (name: string) => MONTHS.indexOf(name.slice(0, 3).toLowerCase()) + 1;

const pad = (n: number) => String(n).padStart(2, '0');
const fullYear = (y: string) => (y.length === 2 ? 2000 + Number(y) : Number(y));

function day(y: number, m: number, d: number): string | null {
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d || y < 1980 || y > 2100) return null;
  return `${y}-${pad(m)}-${pad(d)}`;
}
const month = (y: number, m: number) => (m >= 1 && m <= 12 && y >= 1980 && y <= 2100 ? `${y}-${pad(m)}` : null);

const PATTERNS: [RegExp, (m: RegExpExecArray) => string | null][] = [
  [/\b(\d{4})-(\d{1,2})-(\d{1,2})\b/, (m) => day(Number(m[1]), Number(m[2]), Number(m[3]))],
  [/\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\b/, (m) => day(fullYear(m[3] ?? ''), Number(m[2]), Number(m[1]))],
  [
    new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH}\\.?,?\\s+(\\d{4})\\b`, 'i'),
    (m) => day(Number(m[3]), monthNumber(m[2] ?? ''), Number(m[1])),
  ],
  [new RegExp(`\\b${MONTH}\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})\\b`, 'i'), (m) => day(Number(m[3]), monthNumber(m[1] ?? ''), Number(m[2]))],
  [new RegExp(`\\b${MONTH}\\.?[\\s,-]*(\\d{4})\\b`, 'i'), (m) => month(Number(m[2]), monthNumber(m[1] ?? ''))],
  [/\b(\d{1,2})[/.-](\d{4})\b/, (m) => month(Number(m[2]), Number(m[1]))],
];

/**
 * A date as a policy writes it ("September 2025", "1st September 2025", "01/09/2025") as ISO:
 * YYYY-MM-DD, or YYYY-MM when only the month is given. Null when there is no whole date in it
 * ("Spring term 2024", "TBC"); numeric dates are read the UK way round.
 */
export function parseDocDate(text: string): string | null {
  for (const [pattern, read] of PATTERNS) {
    const m = pattern.exec(text);
    if (m) return read(m);
  }
  return null;
}

/** Whole months from one document date to another ("2019-11" to "2021-11" is 24). */
export function monthsBetween(from: string, to: string): number {
  const [fy = 0, fm = 0] = from.split('-').map(Number);
  const [ty = 0, tm = 0] = to.split('-').map(Number);
  return (ty - fy) * 12 + (tm - fm);
}

const COUNTS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, twelve: 12, eighteen: 18, 'twenty-four': 24, 'twenty four': 24 };

/** "Annually" is 12, "24 Months" is 24, "every two years" is 24; null when the wording gives no period. */
export function parseReviewCycle(text: string): number | null {
  const s = text.toLowerCase();
  if (/\b(annual(ly)?|yearly|every year|each year|once a year)\b/.test(s) && !/\b(two|three|2|3)[- ]yearly\b/.test(s)) return 12;
  if (/\b(biennial(ly)?|two[- ]yearly|2[- ]yearly)\b/.test(s)) return 24;
  if (/\b(triennial(ly)?|three[- ]yearly|3[- ]yearly)\b/.test(s)) return 36;
  if (/\b(termly|every term|each term)\b/.test(s)) return 4;
  if (/\b(six[- ]monthly|half[- ]yearly)\b/.test(s)) return 6;
  const m = /\b(\d{1,2}|one|two|three|four|five|six|twelve|eighteen|twenty[- ]four)\s*(months?|years?|yrs?)\b/.exec(s);
  if (!m) return null;
  const count = COUNTS[m[1] ?? ''] ?? Number(m[1]);
  const months = m[2]?.startsWith('m') ? count : count * 12;
  return months > 0 ? months : null;
}
