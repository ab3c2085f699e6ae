import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, asc, eq, like } from 'drizzle-orm';
import { freshDatabase } from '../../../../test/db.ts';
import { makePerson, makeTrustWithCast } from '../../../../test/factories.ts';
import { type MonitoringCast, monitoringCast } from '../../../../test/monitoring.ts';
import type { Database } from '../../../db/client.ts';
import { NotFoundError } from '../../../errors.ts';
import { outbox } from '../../notifications/schema.ts';
import { people, trusts } from '../../organisations/schema.ts';
import { hostOf, type MonitoringEvent } from '../events.ts';
import {
  activityDaily,
  alertEntries,
  alertEvents,
  alerts,
  enhancedMonitoring,
  MAX_EVENTS_PER_ALERT,
  monitoringAuditEvents,
  monitoringRules,
  monitoringSources,
  monitoringUsernames,
} from '../schema.ts';
import { checkEvent, type IngestStats, openIngest } from './ingest.ts';

/*
 * The ingester against a real database. Each test uses its own day of January 2026 so alerts of
 * one test are never within the throttle window of another's; `now` is fixed after them all.
 */

let database: Database;
let c: MonitoringCast;
const NOW = new Date('2026-02-01T12:00:00Z');
const MIN = 60_000;
/** 10:00 UTC (10:00 in London) on a day of January 2026, plus minutes. */
const at = (day: number, minutes = 0) => new Date(Date.UTC(2026, 0, day, 10, 0) + minutes * MIN);

before(async () => {
  database = await freshDatabase();
  c = await monitoringCast(database.db, await makeTrustWithCast(database.db, 'alpha'));
});
after(() => database.close());

const db = () => database.db;

function web(occurredAt: Date, extra: Partial<MonitoringEvent> = {}): MonitoringEvent {
  const url = extra.url ?? 'https://news.example/today';
  return { kind: 'web', occurredAt, username: c.teacherA.email, category: 'uncategorised', action: 'allowed', url, host: hostOf(url), ...extra };
}
const selfHarm = (occurredAt: Date, extra: Partial<MonitoringEvent> = {}) =>
  web(occurredAt, { category: 'self_harm', action: 'blocked', url: 'https://harm.example/how-to', ...extra });
const gambling = (occurredAt: Date, extra: Partial<MonitoringEvent> = {}) => web(occurredAt, { url: 'https://www.bet-example.com/odds', ...extra });

async function ingest(events: MonitoringEvent[], opts: { sourceId?: string; flushEvery?: number; now?: Date } = {}): Promise<IngestStats> {
  const run = await openIngest(db(), { trustId: c.trust.id, sourceId: opts.sourceId ?? c.source.id, baseUrl: 'http://localhost', now: NOW, ...opts });
  for (const e of events) await run.add(e);
  return run.finish();
}

const alertsOn = async (day: number) =>
  (await db().select().from(alerts).where(eq(alerts.trustId, c.trust.id)).orderBy(asc(alerts.firstEventAt), asc(alerts.reference))).filter(
    (a) => a.firstEventAt.getUTCDate() === day && a.firstEventAt.getUTCMonth() === 0,
  );
const eventsOf = (alertId: string) => db().select().from(alertEvents).where(eq(alertEvents.alertId, alertId)).orderBy(asc(alertEvents.occurredAt));
const setMonitoring = (monitoring: Record<string, unknown>) => db().update(trusts).set({ settings: { monitoring } }).where(eq(trusts.id, c.trust.id));

describe('checkEvent', () => {
  test('refuses a time in the future, a time that was never set, no subject, and audit events without what they need', () => {
    const now = new Date('2026-02-01T12:00:00Z');
    assert.equal(checkEvent(web(new Date('2026-02-01T12:04:00Z')), now), null, 'a clock a few minutes fast is fine');
    assert.match(checkEvent(web(new Date('2026-02-01T12:06:00Z')), now) ?? '', /in the future/);
    assert.match(checkEvent(web(new Date('1970-01-01T00:00:00Z')), now) ?? '', /before the year 2000/);
    assert.match(checkEvent(web(new Date('nonsense')), now) ?? '', /not a date/);
    assert.match(checkEvent(web(now, { username: null, ip: undefined }), now) ?? '', /neither a username nor an IP/);
    assert.equal(checkEvent(web(now, { username: null, ip: '10.0.0.9' }), now), null, 'the machine is enough');
    assert.match(checkEvent({ ...web(now), kind: 'logon' }, now) ?? '', /outcome/);
    assert.equal(checkEvent({ ...web(now), kind: 'logon', outcome: 'failure' }, now), null);
    assert.match(checkEvent({ ...web(now), kind: 'file_deletion' }, now) ?? '', /path/);
  });
});

describe('aggregates', () => {
  test('every web event is counted by day, username, category and action; only matched events are stored', async () => {
    const day = 2;
    const events = [
      web(at(day, 0)),
      web(at(day, 1)),
      web(at(day, 2), { url: 'https://news.example/other' }),
      web(at(day, 3), { action: 'blocked', category: 'filter_bypass' }),
      web(at(day, 4), { action: undefined }),
      web(at(day, 5), { username: 'Pupil.One' }),
      web(at(day, 6), { username: null, ip: '10.1.1.1' }),
      gambling(at(day, 7)),
    ];
    const stats = await ingest(events);
    assert.deepEqual(stats, { accepted: 8, auditEvents: 0, alertsRaised: 1, alertsExtended: 0, unmatchedUsernames: 1 });
    const counts = await db()
      .select()
      .from(activityDaily)
      .where(and(eq(activityDaily.trustId, c.trust.id), eq(activityDaily.day, '2026-01-02')));
    const table = counts.map((r) => [r.username, r.personId, r.category, r.action, r.count]).sort((a, b) => String(a).localeCompare(String(b)));
    assert.deepEqual(
      table,
      [
        ['', null, 'uncategorised', 'allowed', 1],
        ['pupil.one', null, 'uncategorised', 'allowed', 1],
        [c.teacherA.email, c.teacherA.id, 'filter_bypass', 'blocked', 1],
        [c.teacherA.email, c.teacherA.id, 'uncategorised', 'allowed', 5],
      ].sort((a, b) => String(a).localeCompare(String(b))),
      'the matched gambling event is counted too; an event without an action counts as allowed',
    );
    const [alert] = await alertsOn(day);
    assert.ok(alert);
    const stored = await eventsOf(alert.id);
    assert.deepEqual(
      stored.map((e) => e.url),
      ['https://www.bet-example.com/odds'],
    );
    const allStoredUrls = (await db().select({ url: alertEvents.url }).from(alertEvents).where(eq(alertEvents.trustId, c.trust.id))).map((r) => r.url);
    assert.ok(!allStoredUrls.includes('https://news.example/today'), 'unmatched events are never stored one by one');

    // A second run over the same day adds to the counts.
    await ingest([web(at(day, 30)), web(at(day, 31))]);
    const [again] = await db()
      .select()
      .from(activityDaily)
      .where(
        and(
          eq(activityDaily.trustId, c.trust.id),
          eq(activityDaily.day, '2026-01-02'),
          eq(activityDaily.username, c.teacherA.email),
          eq(activityDaily.category, 'uncategorised'),
        ),
      );
    assert.equal(again?.count, 7);
  });

  test('the day is London’s: 23:30 UTC in summer counts on the next day', async () => {
    const summer = new Date('2025-07-01T23:30:00Z');
    await ingest([web(summer, { username: 'summer.user' })]);
    const [row] = await db().select().from(activityDaily).where(eq(activityDaily.username, 'summer.user'));
    assert.equal(row?.day, '2025-07-02');
  });

  test('add() flushes every flushEvery events and hands back the promise only then; counts are held until there are many', async () => {
    const run = await openIngest(db(), { trustId: c.trust.id, sourceId: c.source.id, baseUrl: 'http://localhost', now: NOW, flushEvery: 3, countsHeld: 4 });
    const day = 3;
    const as = (n: number, extra: Partial<MonitoringEvent> = {}) => web(at(day, n), { username: `flush.user${n % 3}`, ...extra });
    const counted = async () => (await db().select().from(activityDaily).where(like(activityDaily.username, 'flush.user%'))).reduce((n, r) => n + r.count, 0);
    assert.equal(run.add(as(0, { url: 'https://bet-example.com/' })), undefined);
    assert.equal(run.add(as(1)), undefined);
    const flushed = run.add(as(2));
    assert.ok(flushed instanceof Promise);
    await flushed;
    assert.equal((await alertsOn(day)).length, 1, 'the alert is written at the third event');
    assert.equal(await counted(), 0, 'three distinct counts: held');
    assert.equal(run.add(as(3)), undefined);
    assert.equal(run.add(as(4, { username: 'flush.user3' })), undefined);
    await run.add(as(5));
    assert.equal(await counted(), 6, 'four distinct counts: written');
    assert.equal(run.add(as(6)), undefined);
    const stats = await run.finish();
    assert.equal(stats.accepted, 7);
    assert.equal(await counted(), 7, 'finish writes the rest');
    const [seen] = await db().select().from(monitoringUsernames).where(eq(monitoringUsernames.username, 'flush.user0'));
    assert.equal(seen?.eventCount, 3);
  });

  test('sign-ins and file deletions are stored one by one, never counted or matched', async () => {
    const day = 4;
    const stats = await ingest([
      { kind: 'logon', occurredAt: at(day, 0), username: c.teacherA.email, category: 'self_harm', outcome: 'failure', location: 'Room 4', ip: '10.0.0.4' },
      { kind: 'file_deletion', occurredAt: at(day, 1), username: 'ghost', category: 'uncategorised', path: '\\\\fs\\staff\\report.docx' },
    ]);
    assert.equal(stats.auditEvents, 2);
    assert.equal(stats.alertsRaised, 0);
    const rows = await db()
      .select()
      .from(monitoringAuditEvents)
      .where(eq(monitoringAuditEvents.trustId, c.trust.id))
      .orderBy(asc(monitoringAuditEvents.occurredAt));
    assert.deepEqual(
      rows.map((r) => [r.kind, r.username, r.personId, r.outcome, r.location, r.path]),
      [
        ['logon', c.teacherA.email, c.teacherA.id, 'failure', 'Room 4', null],
        ['file_deletion', 'ghost', null, null, null, '\\\\fs\\staff\\report.docx'],
      ],
    );
    assert.equal((await db().select().from(activityDaily).where(eq(activityDaily.day, '2026-01-04'))).length, 0);
  });
});

describe('throttle', () => {
  test('events 5 minutes apart extend one alert; 11 minutes after the last, a new one', async () => {
    const day = 5;
    const stats = await ingest([gambling(at(day, 0)), gambling(at(day, 5)), gambling(at(day, 10)), gambling(at(day, 21))]);
    assert.equal(stats.alertsRaised, 2);
    assert.equal(stats.alertsExtended, 0, 'both were raised by this run');
    const [first, second] = await alertsOn(day);
    assert.ok(first && second);
    assert.equal(first.eventCount, 3);
    assert.equal(first.firstEventAt.toISOString(), at(day, 0).toISOString());
    assert.equal(first.lastEventAt.toISOString(), at(day, 10).toISOString());
    assert.equal(second.eventCount, 1);
    assert.equal((await eventsOf(first.id)).length, 3);
    assert.match(first.reference, /^A-2026-\d{4}$/);
    assert.notEqual(first.reference, second.reference);
    assert.equal(first.ruleId, c.gamblingRule.id);
    assert.equal(first.ruleName, 'Gambling sites');
    assert.equal(first.category, 'gambling');
    assert.equal(first.severity, 'medium');
    assert.equal(first.subjectKey, c.teacherA.id);
    assert.equal(first.personId, c.teacherA.id);
    assert.equal(first.username, c.teacherA.email);
    const [entry] = await db().select().from(alertEntries).where(eq(alertEntries.alertId, first.id));
    assert.equal(entry?.kind, 'raised');
    assert.equal(entry?.text, 'Raised by the rule Gambling sites: domain bet-example.com');
    assert.deepEqual(
      (await eventsOf(first.id)).map((e) => e.matched),
      ['domain bet-example.com', 'domain bet-example.com', 'domain bet-example.com'],
    );

    // A later run extends what is still open, before or after it, within the window.
    const later = await ingest([gambling(at(day, 28)), gambling(at(day, -8))]);
    assert.deepEqual([later.alertsRaised, later.alertsExtended], [0, 2]);
    const [f, s] = await alertsOn(day);
    assert.equal(f?.firstEventAt.toISOString(), at(day, -8).toISOString());
    assert.equal(f?.eventCount, 4);
    assert.equal(s?.eventCount, 2);
  });

  test('a closed alert is never extended', async () => {
    const day = 6;
    await ingest([gambling(at(day, 0))]);
    const [open] = await alertsOn(day);
    assert.ok(open);
    await db()
      .update(alerts)
      .set({ status: 'closed', outcome: 'false_positive', outcomeNote: 'A lesson on odds', closedAt: NOW })
      .where(eq(alerts.id, open.id));
    const stats = await ingest([gambling(at(day, 2))]);
    assert.deepEqual([stats.alertsRaised, stats.alertsExtended], [1, 0]);
    const [closed, fresh] = await alertsOn(day);
    assert.equal(closed?.eventCount, 1, 'unchanged');
    assert.equal(fresh?.eventCount, 1);
    assert.notEqual(fresh?.id, closed?.id);
  });

  test('another rule, another category or another person raises another alert', async () => {
    const day = 7;
    const stats = await ingest([
      gambling(at(day, 0)),
      gambling(at(day, 1), { url: 'https://bet-example.com/knife' }), // both rules match: gambling (medium) wins
      web(at(day, 2), { url: 'https://shop.example/knife' }), // the weapons rule
      gambling(at(day, 3), { username: c.teacherB.email }),
      selfHarm(at(day, 4)),
    ]);
    assert.equal(stats.alertsRaised, 4);
    const raised = await alertsOn(day);
    assert.deepEqual(
      raised.map((a) => [a.ruleName, a.category, a.personId, a.eventCount]),
      [
        ['Gambling sites', 'gambling', c.teacherA.id, 2],
        ['Weapon words', 'weapons', c.teacherA.id, 1],
        ['Gambling sites', 'gambling', c.teacherB.id, 1],
        ['Self-harm', 'self_harm', c.teacherA.id, 1],
      ],
    );
  });

  test('the trust’s throttle window is used', async () => {
    const day = 8;
    await setMonitoring({ throttleMinutes: 30 });
    try {
      const stats = await ingest([gambling(at(day, 0)), gambling(at(day, 25)), gambling(at(day, 56))]);
      assert.equal(stats.alertsRaised, 2);
      assert.deepEqual(
        (await alertsOn(day)).map((a) => a.eventCount),
        [2, 1],
      );
    } finally {
      await setMonitoring({});
    }
  });

  test('severity rises with the events; at most MAX_EVENTS_PER_ALERT are stored, the count goes on', async () => {
    const day = 9;
    const events = Array.from({ length: MAX_EVENTS_PER_ALERT + 5 }, (_, i) => gambling(new Date(at(day).getTime() + i * 1000)));
    events.push(gambling(new Date(at(day).getTime() + 600_000), { severity: 'high' }));
    // Across several flushes, so what is stored is carried from one to the next.
    const stats = await ingest(events, { flushEvery: 120 });
    assert.equal(stats.alertsRaised, 1);
    const [alert] = await alertsOn(day);
    assert.equal(alert?.eventCount, MAX_EVENTS_PER_ALERT + 6);
    assert.equal(alert?.severity, 'high');
    assert.equal((await eventsOf(alert?.id ?? '')).length, MAX_EVENTS_PER_ALERT);
    assert.ok(alert?.notifiedAt, 'it became high, so it was emailed at once');
  });

  test('intakes flushing the same alert at once raise it once', async () => {
    const day = 10;
    // Four of Tess's devices, each mapped to her: nothing else they write is shared, so only the
    // advisory lock keeps them from each raising the alert.
    const devices = [1, 2, 3, 4].map((n) => `tess-device-${n}`);
    await db()
      .insert(monitoringUsernames)
      .values(
        devices.map((username) => ({ trustId: c.trust.id, sourceId: c.source.id, username, personId: c.teacherA.id, mappedBy: c.admin.id, mappedAt: NOW })),
      );
    const runs = await Promise.all(devices.map(() => openIngest(db(), { trustId: c.trust.id, sourceId: c.source.id, baseUrl: 'http://localhost', now: NOW })));
    runs.forEach((run, i) => {
      run.add(gambling(at(day, i), { username: devices[i] }));
    });
    const stats = await Promise.all(runs.map((run) => run.finish()));
    assert.equal(
      stats.reduce((n, s) => n + s.alertsRaised, 0),
      1,
    );
    assert.equal(
      stats.reduce((n, s) => n + s.alertsExtended, 0),
      3,
    );
    const raised = await alertsOn(day);
    assert.equal(raised.length, 1);
    assert.equal(raised[0]?.eventCount, 4);
    assert.equal((await eventsOf(raised[0]?.id ?? '')).length, 4);
  });
});

describe('usernames', () => {
  test('by email, whatever the case; unmatched usernames are kept and counted once; notStaff ones are not counted', async () => {
    const day = 11;
    await db().insert(monitoringUsernames).values({ trustId: c.trust.id, sourceId: c.source.id, username: 'shared.ipad', notStaff: true });
    const stats = await ingest([
      web(at(day, 0), { username: c.teacherA.email.toUpperCase() }),
      web(at(day, 1), { username: 'pupil.two' }),
      web(at(day, 2), { username: 'PUPIL.TWO' }),
      web(at(day, 3), { username: 'shared.ipad' }),
    ]);
    assert.equal(stats.unmatchedUsernames, 1);
    const rows = await db()
      .select()
      .from(monitoringUsernames)
      .where(and(eq(monitoringUsernames.sourceId, c.source.id), like(monitoringUsernames.username, 'pupil.two')));
    assert.deepEqual(
      rows.map((r) => [r.username, r.personId, r.eventCount, r.firstSeenAt?.toISOString(), r.lastSeenAt?.toISOString()]),
      [['pupil.two', null, 2, at(day, 1).toISOString(), at(day, 2).toISOString()]],
    );
    const [tess] = await db()
      .select()
      .from(monitoringUsernames)
      .where(and(eq(monitoringUsernames.sourceId, c.source.id), eq(monitoringUsernames.username, c.teacherA.email)));
    assert.equal(tess?.personId, c.teacherA.id, 'stored lower-cased, with who it is');
    const [ipad] = await db()
      .select()
      .from(monitoringUsernames)
      .where(and(eq(monitoringUsernames.sourceId, c.source.id), eq(monitoringUsernames.username, 'shared.ipad')));
    assert.equal(ipad?.eventCount, 1);
    assert.equal(ipad?.notStaff, true);

    // Seen again: no longer new.
    assert.equal((await ingest([web(at(day, 10), { username: 'pupil.two' })])).unmatchedUsernames, 0);
  });

  test('an explicit mapping wins over the rule, even for someone who has left', async () => {
    const day = 12;
    const leaver = await makePerson(db(), c.trust.id, { name: 'Lee Leaver', email: 'leaver@alpha.example', schoolIds: [c.schoolA.id], endDate: '2025-08-31' });
    await db()
      .insert(monitoringUsernames)
      .values([
        { trustId: c.trust.id, sourceId: c.source.id, username: 'tess-laptop', personId: c.teacherA.id, mappedBy: c.admin.id, mappedAt: NOW },
        { trustId: c.trust.id, sourceId: c.source.id, username: c.teacherB.email, personId: c.teacherA.id, mappedBy: c.admin.id, mappedAt: NOW },
        { trustId: c.trust.id, sourceId: c.source.id, username: 'old-lee', personId: leaver.id, mappedBy: c.admin.id, mappedAt: NOW },
      ])
      // Bo's email was seen (and found by the rule) in an earlier test: the admin maps it by hand now.
      .onConflictDoUpdate({
        target: [monitoringUsernames.trustId, monitoringUsernames.sourceId, monitoringUsernames.username],
        set: { personId: c.teacherA.id, mappedBy: c.admin.id, mappedAt: NOW },
      });
    await ingest([
      gambling(at(day, 0), { username: 'TESS-LAPTOP' }),
      gambling(at(day, 30), { username: c.teacherB.email }),
      gambling(at(day, 60), { username: 'old-lee' }),
      gambling(at(day, 90), { username: 'leaver@alpha.example' }),
    ]);
    assert.deepEqual(
      (await alertsOn(day)).map((a) => [a.username, a.personId]),
      [
        ['TESS-LAPTOP', c.teacherA.id],
        [c.teacherB.email, c.teacherA.id],
        ['old-lee', leaver.id],
        ['leaver@alpha.example', null],
      ],
      'a leaver is not found by the rule, but an explicit mapping to them stands',
    );
    const [byRule] = await db()
      .select()
      .from(monitoringUsernames)
      .where(and(eq(monitoringUsernames.sourceId, c.source.id), eq(monitoringUsernames.username, 'leaver@alpha.example')));
    assert.equal(byRule?.personId, null, 'listed as unmatched');
  });

  test('by the part before @, and nobody when two people share it; by external ID', async () => {
    const day = 13;
    const local = await database.db
      .insert(monitoringSources)
      .values({ trustId: c.trust.id, name: 'Local parts', kind: 'monitoring', schoolIds: [], usernameMatch: 'email_local' })
      .returning();
    const byId = await database.db
      .insert(monitoringSources)
      .values({ trustId: c.trust.id, name: 'Directory IDs', kind: 'directory', schoolIds: [], usernameMatch: 'external_id' })
      .returning();
    await makePerson(db(), c.trust.id, { name: 'Jo Smith', email: 'jsmith@a.example', schoolIds: [c.schoolA.id] });
    await makePerson(db(), c.trust.id, { name: 'Jay Smith', email: 'jsmith@b.example', schoolIds: [c.schoolB.id] });
    const uniq = await makePerson(db(), c.trust.id, { name: 'Una Unique', email: 'unique.una@a.example', schoolIds: [c.schoolA.id] });
    await db().update(people).set({ externalId: 'EMP-0042' }).where(eq(people.id, uniq.id));

    await ingest([selfHarm(at(day, 0), { username: 'Unique.Una' }), selfHarm(at(day, 30), { username: 'jsmith' })], { sourceId: local[0]?.id });
    await ingest([selfHarm(at(day, 60), { username: 'emp-0042' }), selfHarm(at(day, 90), { username: 'unique.una' })], { sourceId: byId[0]?.id });
    assert.deepEqual(
      (await alertsOn(day)).map((a) => [a.username, a.personId]),
      [
        ['Unique.Una', uniq.id],
        ['jsmith', null],
        ['emp-0042', uniq.id],
        ['unique.una', null],
      ],
    );
  });
});

describe('alert school, audience and emails', () => {
  test('a high alert is emailed at once to the school’s DSL team and the trust’s, with no details', async () => {
    const day = 14;
    const stats = await ingest([selfHarm(at(day, 0), { detail: 'Searched for ways to self-harm' })]);
    assert.equal(stats.alertsRaised, 1);
    const [alert] = await alertsOn(day);
    assert.ok(alert);
    assert.equal(alert.schoolId, c.schoolA.id);
    assert.equal(alert.audience, 'dsl');
    assert.equal(alert.severity, 'high');
    assert.equal(alert.notifiedAt?.toISOString(), NOW.toISOString());
    const mail = await db()
      .select()
      .from(outbox)
      .where(and(eq(outbox.trustId, c.trust.id), like(outbox.dedupeKey, `alert:${alert.id}:%`)));
    assert.deepEqual(mail.map((m) => m.toAddress).sort(), [c.dslA.email, c.deputyDslA.email, c.trustDsl.email].sort());
    for (const m of mail) {
      assert.equal(m.template, 'alert-raised');
      assert.equal(m.sensitive, true);
      assert.ok(m.dedupeKey.startsWith(`alert:${alert.id}:raised:`));
      assert.ok(m.textBody.includes(`A high-severity monitoring alert (${alert.reference}) at School A needs you`), m.textBody);
      assert.ok(m.textBody.includes(`http://localhost/monitoring/alerts/${alert.reference}`));
      for (const secret of ['harm.example', 'self_harm', 'Self-harm', 'self-harm', c.teacherA.fullName, c.teacherA.email])
        assert.ok(!m.textBody.includes(secret) && !m.htmlBody.includes(secret) && !m.subject.includes(secret), secret);
    }
  });

  test('medium and low alerts wait for the digest', async () => {
    const day = 15;
    await ingest([gambling(at(day, 0)), web(at(day, 1), { url: 'https://x.example/knife' })]);
    const raised = await alertsOn(day);
    assert.equal(raised.length, 2);
    for (const a of raised) {
      assert.equal(a.notifiedAt, null);
      assert.equal(
        (
          await db()
            .select()
            .from(outbox)
            .where(like(outbox.dedupeKey, `alert:${a.id}:%`))
        ).length,
        0,
      );
    }
  });

  test('the alert’s school: the person’s among the source’s, else the source’s only one, else none', async () => {
    const day = 16;
    const both = await db()
      .insert(monitoringSources)
      .values({ trustId: c.trust.id, name: 'Both schools', kind: 'filtering', schoolIds: [c.schoolA.id, c.schoolB.id], usernameMatch: 'email' })
      .returning();
    const wholeTrust = await db()
      .insert(monitoringSources)
      .values({ trustId: c.trust.id, name: 'Whole trust', kind: 'firewall', schoolIds: [], usernameMatch: 'email' })
      .returning();
    const twoSchools = await makePerson(db(), c.trust.id, { name: 'Two Schools', email: 'two@alpha.example', schoolIds: [c.schoolA.id, c.schoolB.id] });
    await ingest([gambling(at(day, 0), { username: c.teacherB.email }), gambling(at(day, 30), { username: 'pupil.z' })], { sourceId: c.source.id });
    await ingest([gambling(at(day, 60), { username: c.teacherB.email }), gambling(at(day, 90), { username: twoSchools.email })], {
      sourceId: both[0]?.id,
    });
    await ingest([gambling(at(day, 120), { username: c.teacherB.email }), gambling(at(day, 150), { username: 'pupil.y' })], {
      sourceId: wholeTrust[0]?.id,
    });
    assert.deepEqual(
      (await alertsOn(day)).map((a) => [a.username, a.schoolId]),
      [
        [c.teacherB.email, c.schoolA.id], // Bo works at School B, not among the source's: the source's only school
        ['pupil.z', c.schoolA.id],
        [c.teacherB.email, c.schoolB.id],
        [twoSchools.email, null], // two of the source's schools: trust-wide
        [c.teacherB.email, c.schoolB.id], // a whole-trust source: Bo's only school
        ['pupil.y', null],
      ],
    );
  });

  test('when the trust says so, staff alerts go to the head teacher; unmatched usernames still to the DSL team', async () => {
    const day = 17;
    await setMonitoring({ staffAlertsToHead: true });
    try {
      await ingest([selfHarm(at(day, 0)), selfHarm(at(day, 1), { username: 'pupil.q' })]);
    } finally {
      await setMonitoring({});
    }
    const [staff, pupil] = await alertsOn(day);
    assert.equal(staff?.audience, 'head_teacher');
    assert.equal(pupil?.audience, 'dsl');
    assert.equal(pupil?.subjectKey, 'pupil.q');
    const to = async (id: string) =>
      (
        await db()
          .select()
          .from(outbox)
          .where(like(outbox.dedupeKey, `alert:${id}:%`))
      )
        .map((m) => m.toAddress)
        .sort();
    assert.deepEqual(await to(staff?.id ?? ''), [c.headA.email, c.hrLead.email].sort());
    assert.deepEqual(await to(pupil?.id ?? ''), [c.dslA.email, c.deputyDslA.email, c.trustDsl.email].sort());
  });

  test('an event with no username is about its machine', async () => {
    const day = 24;
    await ingest([gambling(at(day, 0), { username: null, ip: '10.9.9.9' }), gambling(at(day, 2), { username: null, ip: '10.9.9.9' })]);
    const [alert] = await alertsOn(day);
    assert.deepEqual([alert?.subjectKey, alert?.ip, alert?.username, alert?.personId, alert?.eventCount], ['10.9.9.9', '10.9.9.9', null, null, 2]);
  });
});

describe('enhanced monitoring', () => {
  test('raises the severity a step and marks the alert, only on the days it runs and until it is ended', async () => {
    // Days 18 to 21.
    const person = await makePerson(db(), c.trust.id, { name: 'Eve Enhanced', email: 'eve@alpha.example', schoolIds: [c.schoolA.id] });
    await db()
      .insert(enhancedMonitoring)
      .values({
        trustId: c.trust.id,
        personId: person.id,
        startsOn: '2026-01-19',
        endsOn: '2026-01-21',
        reason: 'Investigation',
        setBy: c.headA.id,
        endedAt: at(21, 60),
        endedBy: c.headA.id,
        endReason: 'Closed early',
      });
    const onlyEnhanced = await db()
      .insert(monitoringRules)
      .values({
        trustId: c.trust.id,
        name: 'Filter bypass, enhanced',
        kind: 'category',
        category: 'filter_bypass',
        terms: [],
        severity: 'low',
        appliesTo: 'enhanced',
      })
      .returning();
    try {
      const as = (d: number, minutes: number, extra: Partial<MonitoringEvent> = {}) => gambling(at(d, minutes), { username: person.email, ...extra });
      await ingest([
        as(18, 0), // before it starts
        as(19, 0), // during
        as(21, 30), // its last day, before it was ended
        as(21, 120), // after it was ended
        as(19, 300, { url: 'https://vpn.example/', category: 'filter_bypass' }),
        as(18, 300, { url: 'https://vpn.example/', category: 'filter_bypass' }),
      ]);
      const theirs = (await db().select().from(alerts).where(eq(alerts.personId, person.id)).orderBy(asc(alerts.firstEventAt))).map((a) => [
        a.firstEventAt.toISOString(),
        a.ruleName,
        a.severity,
        a.enhanced,
      ]);
      assert.deepEqual(theirs, [
        [at(18, 0).toISOString(), 'Gambling sites', 'medium', false],
        [at(19, 0).toISOString(), 'Gambling sites', 'high', true],
        [at(19, 300).toISOString(), 'Filter bypass, enhanced', 'medium', true],
        [at(21, 30).toISOString(), 'Gambling sites', 'high', true],
        [at(21, 120).toISOString(), 'Gambling sites', 'medium', false],
      ]);
    } finally {
      await db()
        .update(monitoringRules)
        .set({ enabled: false })
        .where(eq(monitoringRules.id, onlyEnhanced[0]?.id ?? ''));
    }
  });
});

describe('sources', () => {
  test('an unknown or archived source cannot be read into', async () => {
    await assert.rejects(
      openIngest(db(), { trustId: c.trust.id, sourceId: '00000000-0000-4000-8000-000000000000', baseUrl: 'http://localhost' }),
      NotFoundError,
    );
    const [archived] = await db()
      .insert(monitoringSources)
      .values({ trustId: c.trust.id, name: 'Old filter', kind: 'filtering', schoolIds: [], usernameMatch: 'email', archivedAt: NOW })
      .returning();
    await assert.rejects(openIngest(db(), { trustId: c.trust.id, sourceId: archived?.id ?? '', baseUrl: 'http://localhost' }), NotFoundError);
    const other = await monitoringCast(db(), await makeTrustWithCast(db(), 'beta'));
    await assert.rejects(openIngest(db(), { trustId: c.trust.id, sourceId: other.source.id, baseUrl: 'http://localhost' }), NotFoundError, 'another trust’s');
  });

  test('disabled rules raise nothing', async () => {
    const day = 22;
    await db().update(monitoringRules).set({ enabled: false }).where(eq(monitoringRules.id, c.gamblingRule.id));
    try {
      assert.equal((await ingest([gambling(at(day, 0))])).alertsRaised, 0);
    } finally {
      await db().update(monitoringRules).set({ enabled: true }).where(eq(monitoringRules.id, c.gamblingRule.id));
    }
  });
});
