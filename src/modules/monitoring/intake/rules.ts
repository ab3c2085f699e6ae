import { categoryCode, hostOf, type MonitoringEvent } from '../events.ts';
import { ALERT_SEVERITIES, type AlertSeverity, type monitoringRules } from '../schema.ts';

/*
 * The rules engine (ADR 0011): the trust's rules compiled once into lookups, then asked about
 * each event. Pure: no database. Built for the hot path of a log read: a category is one Map
 * lookup, a host a few (its suffixes), keywords one combined regular expression; conditions are
 * only looked at for the rules an event already matched.
 */

export type RuleRow = typeof monitoringRules.$inferSelect;

export type RuleMatch = {
  rule: RuleRow;
  /** The rule's severity, raised to the source's if higher, then one step for enhanced monitoring. */
  severity: AlertSeverity;
  /** The alert's category: the rule's. */
  category: string;
  /** What matched, in words: "domain bet-example.com", "keyword “knife”", "category self_harm". */
  matched: string;
};

export type Matcher = {
  /** The rule that decides this event, or null. Only web events are matched. */
  match(event: MonitoringEvent, subject: { enhanced: boolean }): RuleMatch | null;
  /** How many rules can match (enabled, with something to match). */
  readonly size: number;
};

// ---------------------------------------------------------------------------------------------
// Europe/London, cheaply. The offset from UTC only changes on the hour (01:00 UTC), so it is
// looked up once per UTC hour with Intl and cached.

const HOUR = 3_600_000;
const DAY = 86_400_000;
const partsFmt = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
/** A bound on the caches, so a caller sending times spread over centuries cannot grow them forever. */
const CACHE_LIMIT = 100_000;
const offsets = new Map<number, number>();
const days = new Map<number, string>();

/** Milliseconds London is ahead of UTC at the instant `ms` (0 in winter, one hour in summer). */
export function londonOffsetMs(ms: number): number {
  const bucket = Math.floor(ms / HOUR);
  let offset = offsets.get(bucket);
  if (offset === undefined) {
    if (offsets.size >= CACHE_LIMIT) offsets.clear();
    const start = bucket * HOUR;
    const p: Record<string, string> = {};
    for (const part of partsFmt.formatToParts(new Date(start))) p[part.type] = part.value;
    offset = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute)) - start;
    offsets.set(bucket, offset);
  }
  return offset;
}

/** The London calendar date (YYYY-MM-DD) of the instant `ms`. */
export function londonDay(ms: number): string {
  const local = Math.floor((ms + londonOffsetMs(ms)) / DAY);
  let day = days.get(local);
  if (day === undefined) {
    if (days.size >= CACHE_LIMIT) days.clear();
    day = new Date(local * DAY).toISOString().slice(0, 10);
    days.set(local, day);
  }
  return day;
}

/** Minutes since London midnight at the instant `ms` (0 to 1439). */
export function londonMinuteOfDay(ms: number): number {
  const local = ms + londonOffsetMs(ms);
  return Math.floor((((local % DAY) + DAY) % DAY) / 60_000);
}

// ---------------------------------------------------------------------------------------------
// Terms, normalised the same way here and in the rules form.

/**
 * A domain as a watchlist keeps it: lower case, without a scheme, user, port, path, query, a
 * leading "*." or "." and a trailing dot ("https://WWW.Bet-Example.com/x" → "www.bet-example.com").
 * '' when nothing is left.
 */
export function normaliseDomain(term: string): string {
  let d = term.trim().toLowerCase();
  const scheme = d.indexOf('://');
  if (scheme >= 0) d = d.slice(scheme + 3);
  d = d.split(/[/?#]/, 1)[0] ?? '';
  const at = d.lastIndexOf('@');
  if (at >= 0) d = d.slice(at + 1);
  d = d.replace(/:\d*$/, '');
  d = d.replace(/^(\*\.|\.)+/, '').replace(/\.+$/, '');
  return d;
}

/** A keyword or phrase as a watchlist keeps it: lower case, spaces trimmed and single. '' when nothing is left. */
export function normaliseKeyword(term: string): string {
  return term.trim().toLowerCase().replace(/\s+/g, ' ');
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/**
 * A keyword as a pattern: a space in a phrase matches what addresses put between words (spaces,
 * "+", "%20", "-" or "_"), so "hurt myself" finds ?q=hurt+myself and /hurt-myself.
 */
const keywordPattern = (term: string) => term.split(' ').map(escapeRegExp).join('(?:[\\s+_-]|%20)+');

const TIME = /^([01]?\d|2[0-3]):([0-5]\d)$/;
const minutesOf = (hhmm: string | null): number | null => {
  const m = TIME.exec(hhmm ?? '');
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
};

const RANKS: AlertSeverity[] = ['low', 'medium', 'high'];
const rankOf = (severity: string | undefined): number => (severity && severity in ALERT_SEVERITIES ? ALERT_SEVERITIES[severity as AlertSeverity].rank : 0);

type Compiled = {
  row: RuleRow;
  rank: number;
  /** Position by creation: ties of severity go to the earliest. */
  order: number;
  action: RuleRow['action'];
  /** Minutes since London midnight; null when the rule applies at any time. */
  time: { from: number; to: number; inside: boolean } | null;
  enhancedOnly: boolean;
  category: string;
  /** keyword rules: each term with its own pattern, to find which one matched. */
  keywords: { term: string; re: RegExp }[];
};

/** Whether a London minute of the day falls in [from, to); from > to wraps past midnight. */
export function inWindow(minute: number, from: number, to: number): boolean {
  return from <= to ? minute >= from && minute < to : minute >= from || minute < to;
}

type Choice = { rule: Compiled; matched: string; minute: number };

/**
 * The better of the current choice and a rule the event matched, if its conditions hold: higher
 * severity wins, then the earliest created (so a rule seen twice keeps its first match).
 */
function consider(choice: Choice | null, c: Compiled, matched: string, event: MonitoringEvent, subject: { enhanced: boolean }): Choice | null {
  if (choice && (c.rank < choice.rule.rank || (c.rank === choice.rule.rank && c.order >= choice.rule.order))) return choice;
  if (c.action !== 'any' && c.action !== (event.action ?? 'allowed')) return choice;
  if (c.enhancedOnly && !subject.enhanced) return choice;
  let minute = choice?.minute ?? -1;
  if (c.time) {
    if (minute < 0) minute = londonMinuteOfDay(event.occurredAt.getTime());
    if (inWindow(minute, c.time.from, c.time.to) !== c.time.inside) return choice;
  }
  return { rule: c, matched, minute };
}

/**
 * Compiles the trust's rules. Disabled rules, rules with nothing to match and rules with a time
 * condition whose times are not HH:MM are left out.
 */
export function compileRules(rows: RuleRow[]): Matcher {
  const sorted = [...rows].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const byCategory = new Map<string, Compiled[]>();
  const byDomain = new Map<string, Compiled[]>();
  const keywordRules: Compiled[] = [];
  const allKeywords = new Set<string>();
  let size = 0;

  sorted.forEach((row, order) => {
    if (!row.enabled) return;
    let time: Compiled['time'] = null;
    if (row.timeMode !== 'any') {
      const from = minutesOf(row.timeFrom);
      const to = minutesOf(row.timeTo);
      if (from === null || to === null) return;
      time = { from, to, inside: row.timeMode === 'inside' };
    }
    const c: Compiled = {
      row,
      rank: rankOf(row.severity) || 1,
      order,
      action: row.action,
      time,
      enhancedOnly: row.appliesTo === 'enhanced',
      category: row.kind === 'category' ? categoryCode(row.category) : row.category,
      keywords: [],
    };
    if (row.kind === 'category') {
      const list = byCategory.get(c.category) ?? [];
      list.push(c);
      byCategory.set(c.category, list);
      size++;
    } else if (row.kind === 'domain') {
      const terms = [...new Set(row.terms.map(normaliseDomain).filter(Boolean))];
      for (const term of terms) {
        const list = byDomain.get(term) ?? [];
        list.push(c);
        byDomain.set(term, list);
      }
      if (terms.length) size++;
    } else if (row.kind === 'keyword') {
      const terms = [...new Set(row.terms.map(normaliseKeyword).filter(Boolean))];
      c.keywords = terms.map((term) => ({ term, re: new RegExp(keywordPattern(term), 'i') }));
      for (const term of terms) allKeywords.add(term);
      if (terms.length) {
        keywordRules.push(c);
        size++;
      }
    }
  });

  // One pattern for every keyword: most events match none, and are passed over by one test.
  const anyKeyword = allKeywords.size ? new RegExp([...allKeywords].map(keywordPattern).join('|'), 'i') : null;

  function match(event: MonitoringEvent, subject: { enhanced: boolean }): RuleMatch | null {
    if (event.kind !== 'web') return null;
    // Nothing is allocated for an event no rule looks at: the common case of a log read.
    let choice: Choice | null = null;

    const byCat = byCategory.get(event.category);
    if (byCat) for (const c of byCat) choice = consider(choice, c, `category ${event.category}`, event, subject);

    if (byDomain.size) {
      const host = event.host ?? hostOf(event.url);
      if (host) {
        // The host, then each parent domain: www.bet-example.com, bet-example.com, com. A rule
        // listing several of them keeps the most specific (the first considered).
        let h = host;
        for (;;) {
          const list = byDomain.get(h);
          if (list) for (const c of list) choice = consider(choice, c, `domain ${h}`, event, subject);
          const dot = h.indexOf('.');
          if (dot < 0) break;
          h = h.slice(dot + 1);
        }
      }
    }

    if (anyKeyword) {
      const url = event.url;
      const detail = event.detail;
      if ((url && anyKeyword.test(url)) || (detail && anyKeyword.test(detail)))
        for (const c of keywordRules) {
          const found = c.keywords.find((k) => (url && k.re.test(url)) || (detail && k.re.test(detail)));
          if (found) choice = consider(choice, c, `keyword “${found.term}”`, event, subject);
        }
    }

    if (!choice) return null;
    let rank = Math.max(choice.rule.rank, rankOf(event.severity));
    if (subject.enhanced) rank = Math.min(rank + 1, 3);
    return { rule: choice.rule.row, severity: RANKS[rank - 1] as AlertSeverity, category: choice.rule.category, matched: choice.matched };
  }

  return { match, size };
}
