import { randomUUID } from 'node:crypto';
import { and, eq, getTableColumns, getTableName, gte, lte, ne, type SQL, sql, type Table } from 'drizzle-orm';
import { type Db, transaction } from '../../../db/client.ts';
import { nextReferences } from '../../../db/references.ts';
import { NotFoundError } from '../../../errors.ts';
import { queueEmail } from '../../notifications/service.ts';
import { schools, trusts } from '../../organisations/schema.ts';
import { trustSettings } from '../../settings/trust-settings.ts';
import { type AlertRecipient, alertRecipients, audienceFor } from '../alerts/audience.ts';
import { FUTURE_TOLERANCE_MS, type MonitoringEvent } from '../events.ts';
import {
  ALERT_SEVERITIES,
  type AlertAudience,
  type AlertSeverity,
  activityDaily,
  alertEntries,
  alertEvents,
  alerts,
  enhancedMonitoring,
  MAX_EVENTS_PER_ALERT,
  monitoringAuditEvents,
  monitoringRules,
  monitoringSources,
} from '../schema.ts';
import { alertRaisedEmail } from './emails.tsx';
import { compileRules, londonDay, type Matcher, type RuleMatch } from './rules.ts';
import { loadDirectory, type ResolvedUser, type Resolver, saveUsernames, type UsernameSeen } from './usernames.ts';

/*
 * The ingester (ADR 0011): events in, in any number, from the API or a log; out come daily
 * counts, audit rows and alerts. add() does no database work: it resolves the person (a Map),
 * counts the event, asks the rules and buffers; every `flushEvery` events flush() writes the
 * buffers in one transaction and empties them, so memory depends on the flush size, not the file.
 */

export type IngestStats = {
  /** Events taken (web and audit kinds). */
  accepted: number;
  /** Sign-in and file-deletion events stored. */
  auditEvents: number;
  /** New alerts. */
  alertsRaised: number;
  /** Alerts already there before this run that it added events to. */
  alertsExtended: number;
  /** New unmatched usernames seen in this run */
  unmatchedUsernames: number;
};

export type Ingest = {
  /** Adds one event that already passed checkEvent(). Returns a promise only when it flushed (await it then). */
  add(event: MonitoringEvent): Promise<void> | undefined;
  /** Writes everything buffered (aggregates, alerts, usernames). */
  flush(): Promise<void>;
  /** Flushes and returns the totals. */
  finish(): Promise<IngestStats>;
  readonly stats: IngestStats;
};

/** Events are refused from before this: a clock that was never set. */
const EARLIEST = Date.UTC(2000, 0, 1);

/** What is wrong with an event, by the field at fault (the API names it), or null. */
export function eventProblem(event: MonitoringEvent, now: Date): { field: string; message: string } | null {
  const ms = event.occurredAt instanceof Date ? event.occurredAt.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) return { field: 'occurredAt', message: 'The time is missing or is not a date and time' };
  if (ms > now.getTime() + FUTURE_TOLERANCE_MS)
    return {
      field: 'occurredAt',
      message: `The time (${event.occurredAt.toISOString()}) is in the future, more than ${FUTURE_TOLERANCE_MS / 60_000} minutes ahead of this server’s clock: check the sender’s clock and time zone`,
    };
  if (ms < EARLIEST) return { field: 'occurredAt', message: 'The time is before the year 2000: check the sender’s clock' };
  if (!event.username && !event.ip)
    return { field: 'username', message: 'The event has neither a username nor an IP address, so nobody can be told who it was' };
  if (event.kind === 'logon' && !event.outcome) return { field: 'outcome', message: 'A sign-in event needs its outcome: success or failure' };
  if (event.kind === 'file_deletion' && !event.path) return { field: 'path', message: 'A file-deletion event needs the path of the file' };
  return null;
}

/** The checks every event passes before add(): a reason to refuse it, or null. (future beyond FUTURE_TOLERANCE_MS, missing username AND ip, etc.) */
export function checkEvent(event: MonitoringEvent, now: Date): string | null {
  return eventProblem(event, now)?.message ?? null;
}

const rank = (s: AlertSeverity) => ALERT_SEVERITIES[s].rank;
const CHUNK = 1000;
function chunks<T>(list: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * Inserts many rows in one statement with one parameter: the rows as JSON, read back by
 * json_populate_recordset into the table's own row type. Building a multi-row VALUES list costs
 * drizzle a check per value, which on a million-line log was a tenth of the time. Rows must all
 * have the same fields; `onConflict` is appended as it is (an ON CONFLICT clause).
 */
async function insertJson<T extends Table>(tx: Db, table: T, rows: T['$inferInsert'][], onConflict?: SQL) {
  if (!rows.length) return;
  const columns = getTableColumns(table) as Record<string, { name: string }>;
  const keys = Object.keys(rows[0] as object).filter((k) => columns[k]);
  const names = keys.map((k) => (columns[k] as { name: string }).name);
  const json = JSON.stringify(
    rows.map((row) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) out[names[i] as string] = (row as Record<string, unknown>)[keys[i] as string] ?? null;
      return out;
    }),
  );
  const list = sql.raw(names.map((n) => `"${n}"`).join(', '));
  const name = sql.raw(`"${getTableName(table)}"`);
  await tx.execute(sql`insert into ${name} (${list}) select ${list} from json_populate_recordset(null::${name}, ${json}::json) ${onConflict ?? sql``}`);
}

type Aggregate = typeof activityDaily.$inferInsert & { count: number };
type Matched = { event: MonitoringEvent; ms: number; match: RuleMatch; user: ResolvedUser | null; enhanced: boolean };
type Batch = {
  aggregates: Map<string, Aggregate>;
  audit: (typeof monitoringAuditEvents.$inferInsert)[];
  matched: Matched[];
  users: Map<string, UsernameSeen>;
};

/**
 * Daily counts and username sightings are kept across the regular flushes until this many
 * distinct ones are held (or flush() is called): a log's events repeat the same few thousand
 * people, categories and days, so counting them in memory saves rewriting the same rows every
 * few thousand events, while memory stays bounded whatever the size of the file.
 */
export const COUNTS_HELD = 50_000;

/** An alert as this flush knows it: loaded (and locked) from the database, or raised by it. */
type AlertState = {
  id: string;
  isNew: boolean;
  reference: string;
  schoolId: string | null;
  personId: string | null;
  audience: AlertAudience;
  severity: AlertSeverity;
  enhanced: boolean;
  first: number;
  last: number;
  count: number;
  /** Events stored on it (at most MAX_EVENTS_PER_ALERT). */
  stored: number;
  notifiedAt: Date | null;
  changed: boolean;
  /** New alerts: the row to insert, and what matched first (for its history). */
  row?: NewAlertRow;
  firstMatched?: string;
};
type NewAlertRow = Omit<typeof alerts.$inferInsert, 'id' | 'reference'>;

type Period = { startsOn: string; endsOn: string; endedAt: number | null };

export async function openIngest(
  db: Db,
  opts: {
    trustId: string;
    sourceId: string;
    baseUrl: string;
    now?: Date;
    flushEvery?: number;
    /** How many distinct daily counts (and usernames) are held before a regular flush writes them: COUNTS_HELD unless given. */
    countsHeld?: number;
    /** Only these usernames will be sent (the API knows them first): only their part of the directory is read. */
    usernames?: Iterable<string>;
  },
): Promise<Ingest> {
  const { trustId, sourceId } = opts;
  const [source] = await db
    .select()
    .from(monitoringSources)
    .where(and(eq(monitoringSources.trustId, trustId), eq(monitoringSources.id, sourceId)));
  if (!source || source.archivedAt) throw new NotFoundError('There is no such monitoring source, or it has been archived');
  const settings = (await trustSettings(db, trustId)).monitoring;
  const rules = await db
    .select()
    .from(monitoringRules)
    .where(and(eq(monitoringRules.trustId, trustId), eq(monitoringRules.enabled, true)));
  const periods = new Map<string, Period[]>();
  for (const p of await db
    .select({
      personId: enhancedMonitoring.personId,
      startsOn: enhancedMonitoring.startsOn,
      endsOn: enhancedMonitoring.endsOn,
      endedAt: enhancedMonitoring.endedAt,
    })
    .from(enhancedMonitoring)
    .where(eq(enhancedMonitoring.trustId, trustId))) {
    const list = periods.get(p.personId) ?? [];
    list.push({ startsOn: p.startsOn, endsOn: p.endsOn, endedAt: p.endedAt?.getTime() ?? null });
    periods.set(p.personId, list);
  }
  const today = londonDay((opts.now ?? new Date()).getTime());
  const resolve = await loadDirectory(db, trustId, source, { today, usernames: opts.usernames });
  const [trust] = await db.select({ name: trusts.name }).from(trusts).where(eq(trusts.id, trustId));
  const schoolNames = new Map(
    (await db.select({ id: schools.id, name: schools.name }).from(schools).where(eq(schools.trustId, trustId))).map((s) => [s.id, s.name]),
  );
  return new IngestRun(db, {
    trustId,
    source,
    baseUrl: opts.baseUrl,
    now: opts.now,
    flushEvery: Math.max(1, opts.flushEvery ?? 5000),
    countsHeld: Math.max(1, opts.countsHeld ?? COUNTS_HELD),
    throttleMs: settings.throttleMinutes * 60_000,
    staffAlertsToHead: settings.staffAlertsToHead,
    matcher: compileRules(rules),
    periods,
    resolve,
    trustName: trust?.name ?? 'Countersign',
    schoolNames,
  });
}

type RunSetup = {
  trustId: string;
  source: typeof monitoringSources.$inferSelect;
  baseUrl: string;
  now: Date | undefined;
  flushEvery: number;
  countsHeld: number;
  throttleMs: number;
  staffAlertsToHead: boolean;
  matcher: Matcher;
  periods: Map<string, Period[]>;
  resolve: Resolver;
  trustName: string;
  schoolNames: Map<string, string>;
};

class IngestRun implements Ingest {
  readonly stats: IngestStats = { accepted: 0, auditEvents: 0, alertsRaised: 0, alertsExtended: 0, unmatchedUsernames: 0 };
  private aggregates = new Map<string, Aggregate>();
  private users = new Map<string, UsernameSeen>();
  private audit: Batch['audit'] = [];
  private matched: Matched[] = [];
  private pending = 0;
  private writing: Promise<void> = Promise.resolve();
  /** Unmatched usernames already counted in this run. */
  private readonly countedNew = new Set<string>();
  /** Alerts this run raised, and alerts from before it that it extended. */
  private readonly raised = new Set<string>();
  private readonly extended = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly s: RunSetup,
  ) {}

  private now() {
    return this.s.now ?? new Date();
  }

  private isEnhanced(personId: string, day: string, ms: number): boolean {
    const list = this.s.periods.get(personId);
    if (!list) return false;
    for (const p of list) if (p.startsOn <= day && day <= p.endsOn && (p.endedAt === null || p.endedAt > ms)) return true;
    return false;
  }

  add(event: MonitoringEvent): Promise<void> | undefined {
    const { trustId, source } = this.s;
    const ms = event.occurredAt.getTime();
    this.stats.accepted++;

    let user: ResolvedUser | null = null;
    if (event.username) {
      user = this.s.resolve(event.username);
      const seen = this.users.get(user.username);
      if (seen) {
        seen.count++;
        if (ms < seen.firstSeenAt.getTime()) seen.firstSeenAt = event.occurredAt;
        if (ms > seen.lastSeenAt.getTime()) seen.lastSeenAt = event.occurredAt;
      } else {
        this.users.set(user.username, {
          username: user.username,
          personId: user.personId,
          firstSeenAt: event.occurredAt,
          lastSeenAt: event.occurredAt,
          count: 1,
        });
        if (!user.known && !user.personId && !user.notStaff && !this.countedNew.has(user.username)) {
          this.countedNew.add(user.username);
          this.stats.unmatchedUsernames++;
        }
      }
    }

    if (event.kind !== 'web') {
      this.audit.push({
        trustId,
        sourceId: source.id,
        kind: event.kind,
        occurredAt: event.occurredAt,
        username: event.username,
        personId: user?.personId ?? null,
        outcome: event.outcome ?? null,
        location: event.location ?? null,
        device: event.device ?? null,
        ip: event.ip ?? null,
        path: event.path ?? null,
        detail: event.detail ?? null,
      });
      this.stats.auditEvents++;
    } else {
      const day = londonDay(ms);
      const username = user?.username ?? '';
      const action = event.action ?? 'allowed';
      const key = `${day}\u0001${username}\u0001${event.category}\u0001${action}`;
      const aggregate = this.aggregates.get(key);
      if (aggregate) aggregate.count++;
      else
        this.aggregates.set(key, { trustId, sourceId: source.id, day, username, personId: user?.personId ?? null, category: event.category, action, count: 1 });
      if (this.s.matcher.size) {
        const enhanced = user?.personId ? this.isEnhanced(user.personId, day, ms) : false;
        const match = this.s.matcher.match(event, { enhanced });
        if (match) this.matched.push({ event, ms, match, user, enhanced });
      }
    }

    if (++this.pending >= this.s.flushEvery) return this.write(this.take(false));
    return undefined;
  }

  flush(): Promise<void> {
    return this.write(this.take(true));
  }

  /**
   * Hands the buffers over at once, so events added while they are written go to the next flush.
   * The counts go only when asked for all, or when they have grown to `countsHeld`.
   */
  private take(all: boolean): Batch {
    this.pending = 0;
    const batch: Batch = { aggregates: new Map(), audit: this.audit, matched: this.matched, users: new Map() };
    this.audit = [];
    this.matched = [];
    if (all || this.aggregates.size >= this.s.countsHeld) {
      batch.aggregates = this.aggregates;
      this.aggregates = new Map();
    }
    if (all || this.users.size >= this.s.countsHeld) {
      batch.users = this.users;
      this.users = new Map();
    }
    return batch;
  }

  /** Writes one batch after the one before it. */
  private write(batch: Batch): Promise<void> {
    const run = this.writing.then(() => this.writeBatch(batch));
    this.writing = run.catch(() => undefined);
    return run;
  }

  async finish(): Promise<IngestStats> {
    await this.flush();
    return { ...this.stats };
  }

  private async writeBatch(batch: Batch): Promise<void> {
    if (!batch.aggregates.size && !batch.audit.length && !batch.matched.length && !batch.users.size) return;
    const changed = await transaction(this.db, async (tx) => {
      await this.writeAggregates(tx, batch);
      for (const chunk of chunks(batch.audit, 5000)) await insertJson(tx, monitoringAuditEvents, chunk);
      const alertsChanged = batch.matched.length ? await this.writeAlerts(tx, batch.matched) : { raised: [], extended: [] };
      if (batch.users.size) await saveUsernames(tx, this.s.trustId, this.s.source.id, batch.users.values());
      return alertsChanged;
    });
    // Counted once written: an alert raised by an earlier flush of this run and extended now is still one raised.
    for (const id of changed.raised) this.raised.add(id);
    for (const id of changed.extended) if (!this.raised.has(id)) this.extended.add(id);
    this.stats.alertsRaised = this.raised.size;
    this.stats.alertsExtended = this.extended.size;
    await this.refreshStatistics(changed.raised.length);
  }

  private raisedSinceAnalyze = 0;
  private analyzeAfter = 1000;

  /**
   * A long intake that raises thousands of alerts grows the alert tables faster than the
   * planner's statistics follow (PGlite has no autovacuum at all), and the foreign-key checks
   * then scan instead of using the key: 25 alert events took 70 ms instead of 1 ms after 20,000
   * alerts. So the tables are analysed each time the alerts raised by this run have doubled.
   */
  private async refreshStatistics(raised: number) {
    this.raisedSinceAnalyze += raised;
    if (this.raisedSinceAnalyze < this.analyzeAfter) return;
    await this.db.execute(sql`analyze alerts, alert_events, alert_entries`);
    this.analyzeAfter *= 2;
    this.raisedSinceAnalyze = 0;
  }

  private async writeAggregates(tx: Db, batch: Batch) {
    // Sorted, so two intakes of the same source lock the same rows in the same order.
    const rows = [...batch.aggregates.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
    const a = activityDaily;
    for (const chunk of chunks(rows, 5000))
      await insertJson(
        tx,
        a,
        chunk,
        sql`on conflict (trust_id, source_id, day, username, category, action) do update set count = ${a}.count + excluded.count, person_id = excluded.person_id`,
      );
  }

  /** The alert's school: the person's only school among the source's (or at all, for a trust-wide source); else the source's only school; else none. */
  private schoolFor(user: ResolvedUser | null): string | null {
    const sourceSchools = this.s.source.schoolIds;
    if (user?.personId) {
      const theirs = sourceSchools.length ? user.schoolIds.filter((id) => sourceSchools.includes(id)) : user.schoolIds;
      if (theirs.length === 1) return theirs[0] ?? null;
    }
    return sourceSchools.length === 1 ? (sourceSchools[0] ?? null) : null;
  }

  private async writeAlerts(tx: Db, matched: Matched[]): Promise<{ raised: string[]; extended: string[] }> {
    const { trustId, source, throttleMs } = this.s;
    const now = this.now();
    // One intake at a time per trust decides which alerts exist, so two never raise the same one.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`monitoring:${trustId}`}))`);

    matched.sort((a, b) => a.ms - b.ms);
    const keyOf = (m: Matched) => `${this.subjectKey(m)}\u0001${m.match.category}\u0001${m.match.rule.id}`;
    const keys = new Map<string, SQL>();
    for (const m of matched) {
      const key = keyOf(m);
      if (!keys.has(key)) keys.set(key, sql`(${this.subjectKey(m)}, ${m.match.category}, ${m.match.rule.id}::uuid)`);
    }
    const from = new Date((matched[0]?.ms ?? 0) - throttleMs);
    const to = new Date((matched[matched.length - 1]?.ms ?? 0) + throttleMs);

    // The open alerts these events could extend, locked until this transaction ends (so triage
    // cannot close one under it).
    const cache = new Map<string, AlertState[]>();
    for (const chunk of chunks([...keys.values()], 300)) {
      const found = await tx
        .select()
        .from(alerts)
        .where(
          and(
            eq(alerts.trustId, trustId),
            ne(alerts.status, 'closed'),
            gte(alerts.lastEventAt, from),
            lte(alerts.firstEventAt, to),
            sql`(${alerts.subjectKey}, ${alerts.category}, ${alerts.ruleId}) in (${sql.join(chunk, sql`, `)})`,
          ),
        )
        .for('update');
      for (const a of found) {
        const key = `${a.subjectKey}\u0001${a.category}\u0001${a.ruleId}`;
        const list = cache.get(key) ?? [];
        list.push({
          id: a.id,
          isNew: false,
          reference: a.reference,
          schoolId: a.schoolId,
          personId: a.personId,
          audience: a.audience,
          severity: a.severity,
          enhanced: a.enhanced,
          first: a.firstEventAt.getTime(),
          last: a.lastEventAt.getTime(),
          count: a.eventCount,
          stored: Math.min(a.eventCount, MAX_EVENTS_PER_ALERT),
          notifiedAt: a.notifiedAt,
          changed: false,
        });
        cache.set(key, list);
      }
    }

    const events: (typeof alertEvents.$inferInsert)[] = [];
    const raisedNow: AlertState[] = [];
    for (const m of matched) {
      const key = keyOf(m);
      const list = cache.get(key) ?? [];
      cache.set(key, list);
      const { event, match } = m;
      let alert = list.find((a) => a.first - throttleMs <= m.ms && m.ms <= a.last + throttleMs);
      if (alert) {
        alert.first = Math.min(alert.first, m.ms);
        alert.last = Math.max(alert.last, m.ms);
        alert.count++;
        if (rank(match.severity) > rank(alert.severity)) alert.severity = match.severity;
        alert.enhanced ||= m.enhanced;
        alert.changed = true;
      } else {
        const personId = m.user?.personId ?? null;
        const schoolId = this.schoolFor(m.user);
        const audience = audienceFor(personId, this.s.staffAlertsToHead);
        alert = {
          id: randomUUID(),
          isNew: true,
          reference: '',
          schoolId,
          personId,
          audience,
          severity: match.severity,
          enhanced: m.enhanced,
          first: m.ms,
          last: m.ms,
          count: 1,
          stored: 0,
          notifiedAt: null,
          changed: true,
          firstMatched: match.matched,
          row: {
            trustId,
            sourceId: source.id,
            schoolId,
            personId,
            username: event.username,
            ip: event.ip ?? null,
            subjectKey: this.subjectKey(m),
            category: match.category,
            severity: match.severity,
            ruleId: match.rule.id,
            ruleName: match.rule.name,
            audience,
            enhanced: m.enhanced,
            firstEventAt: event.occurredAt,
            lastEventAt: event.occurredAt,
          },
        };
        list.push(alert);
        raisedNow.push(alert);
      }
      if (alert.stored < MAX_EVENTS_PER_ALERT) {
        alert.stored++;
        events.push({
          trustId,
          alertId: alert.id,
          occurredAt: event.occurredAt,
          url: event.url ?? null,
          action: event.action ?? null,
          device: event.device ?? null,
          ip: event.ip ?? null,
          detail: event.detail ?? null,
          matched: match.matched,
        });
      }
    }

    // New alerts get their references in the order they happened, reserved in one statement.
    const references = await nextReferences(tx, trustId, 'A', raisedNow.length, now);
    raisedNow.forEach((a, i) => {
      a.reference = references[i] as string;
    });

    // High severity is emailed at once (a new alert, or one that has just become high); the rest
    // wait for the daily digest.
    const today = londonDay(now.getTime());
    const touched = [...cache.values()].flat().filter((a) => a.changed);
    for (const a of touched)
      if (a.severity === 'high' && !a.notifiedAt) {
        await this.emailAlert(tx, a, today);
        a.notifiedAt = now;
      }

    const newRows = raisedNow.map((a) => ({
      ...(a.row as NewAlertRow),
      id: a.id,
      reference: a.reference,
      severity: a.severity,
      enhanced: a.enhanced,
      firstEventAt: new Date(a.first),
      lastEventAt: new Date(a.last),
      eventCount: a.count,
      notifiedAt: a.notifiedAt,
    }));
    const entries = raisedNow.map((a) => ({
      trustId,
      alertId: a.id,
      kind: 'raised' as const,
      text: `Raised by the rule ${a.row?.ruleName}: ${a.firstMatched}`,
      at: now,
    }));
    for (const chunk of chunks(newRows, 5000)) await insertJson(tx, alerts, chunk);
    for (const chunk of chunks(entries, 5000)) await insertJson(tx, alertEntries, chunk);
    for (const chunk of chunks(events, 5000)) await insertJson(tx, alertEvents, chunk);
    for (const a of touched)
      if (!a.isNew)
        await tx
          .update(alerts)
          .set({
            firstEventAt: new Date(a.first),
            lastEventAt: new Date(a.last),
            eventCount: a.count,
            severity: a.severity,
            enhanced: a.enhanced,
            notifiedAt: a.notifiedAt,
          })
          .where(and(eq(alerts.trustId, trustId), eq(alerts.id, a.id)));

    return { raised: raisedNow.map((a) => a.id), extended: touched.filter((a) => !a.isNew).map((a) => a.id) };
  }

  /** Whom an alert is about, for the throttle: the person, else the username, else the machine. */
  private subjectKey(m: Matched): string {
    return m.user?.personId ?? m.user?.username ?? m.event.ip ?? '';
  }

  /** Who is emailed about alerts of a school and audience, looked up once per run and day (then the subject is left out). */
  private recipientCache = new Map<string, Promise<AlertRecipient[]>>();

  private async emailAlert(tx: Db, a: AlertState, today: string) {
    const cacheKey = `${today}\u0001${a.schoolId ?? ''}\u0001${a.audience}`;
    let everyone = this.recipientCache.get(cacheKey);
    if (!everyone) {
      everyone = alertRecipients(tx, { trustId: this.s.trustId, schoolId: a.schoolId, personId: null, audience: a.audience }, today);
      this.recipientCache.set(cacheKey, everyone);
    }
    const recipients = (await everyone).filter((r) => r.personId !== a.personId);
    const url = `${this.s.baseUrl}/monitoring/alerts/${a.reference}`;
    const schoolName = a.schoolId ? (this.s.schoolNames.get(a.schoolId) ?? null) : null;
    for (const r of recipients) {
      const message = alertRaisedEmail({ trustName: this.s.trustName, name: r.fullName, reference: a.reference, schoolName, url });
      await queueEmail(tx, {
        trustId: this.s.trustId,
        to: r.email,
        template: 'alert-raised',
        dedupeKey: `alert:${a.id}:raised:${r.personId}`,
        sensitive: true,
        ...message,
      });
    }
  }
}
