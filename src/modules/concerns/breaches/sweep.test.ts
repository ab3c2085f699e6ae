import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, asc, eq, like } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../../../../test/app.ts';
import { concernCast, reportAs } from '../../../../test/concerns.ts';
import { actingAs, makePerson, makeTrustWithCast } from '../../../../test/factories.ts';
import { formatDateTime, londonToday } from '../../../ui/format.ts';
import { outbox } from '../../notifications/schema.ts';
import { breaches, concernEntries, concernRecipients } from '../schema.ts';
import { recordDecision } from './service.ts';
import { escalationStep, sendConcernNotifications } from './sweep.ts';

/**
 * The concerns sweep with a controllable clock. The sweep looks at every trust in the database, so
 * each test runs in its own stretch of time, a year before the previous test's: what an earlier test
 * left behind is then in the "future" of the later test's clock, and the sweep's counts are its own.
 */
let t: TestApp;
const BASE = 'https://countersign.example';
const H = 3_600_000;
let year = 2021;
/** 15 January of a fresh year, 09:00 (London is on GMT in January, so this is 09:00 London time). */
const freshStart = () => new Date(Date.UTC(year--, 0, 15, 9, 0));
const sweep = (now: Date) => sendConcernNotifications(t.app.db, BASE, now);

before(async () => {
  t = await createTestApp();
});
after(() => t.close());

/** A service context acting as a person of the cast. */
const as = (person: { id: string; trustId: string }) => actingAs(t.app.db, person, { baseUrl: BASE });

const escalationEmails = (concernId: string) =>
  t.app.db
    .select()
    .from(outbox)
    .where(like(outbox.dedupeKey, `breach:${concernId}:%`))
    .orderBy(asc(outbox.dedupeKey));

const entriesOf = (trustId: string, concernId: string, kind: 'escalated') =>
  t.app.db
    .select()
    .from(concernEntries)
    .where(and(eq(concernEntries.trustId, trustId), eq(concernEntries.concernId, concernId), eq(concernEntries.kind, kind)))
    .orderBy(asc(concernEntries.seq));

/** A breach found out at `discoveredAt`, reported ten minutes later by Teacher A of School A. */
async function breachFoundAt(cast: Awaited<ReturnType<typeof concernCast>>, discoveredAt: Date) {
  return reportAs(
    t.app.db,
    cast.trust.id,
    cast.teacherA.id,
    'data_breach',
    { breach: { discoveredAt, dataInvolved: 'Pupil names and dates of birth' } },
    new Date(discoveredAt.getTime() + 10 * 60_000),
  );
}

describe('the breach clock', () => {
  test('the deadline is discovery + 72 hours; the DPO is told at 24 and 48 hours, once each, and the chronology says so', async () => {
    const cast = await concernCast(t.app.db, await makeTrustWithCast(t.app.db));
    const t0 = freshStart();
    const { id, reference } = await breachFoundAt(cast, t0);
    const [breach] = await t.app.db.select().from(breaches).where(eq(breaches.concernId, id));
    assert.equal(breach?.icoDueAt.getTime(), t0.getTime() + 72 * H, 'the ICO deadline is 72 hours after discovery');

    assert.deepEqual(await sweep(new Date(t0.getTime() + 23 * H)), { digests: 0, escalations: 0 }, 'nothing at 23 hours');
    assert.equal((await escalationEmails(id)).length, 0);

    assert.deepEqual(await sweep(new Date(t0.getTime() + 24 * H)), { digests: 0, escalations: 1 }, 'one escalation at 24 hours');
    let emails = await escalationEmails(id);
    assert.deepEqual(
      emails.map((e) => [e.dedupeKey, e.toAddress]),
      [[`breach:${id}:24h:${cast.dpo.id}`, cast.dpo.email]],
      'to the DPO',
    );
    const first = emails[0];
    assert.ok(first);
    assert.match(first.subject, new RegExp(`${reference} has no ICO decision after 24 hours`));
    assert.ok(first.textBody.includes(formatDateTime(new Date(t0.getTime() + 72 * H))), 'the email gives the deadline');
    assert.ok(first.textBody.includes(`${BASE}/concerns/${reference}/breach/decision`), 'and links to the decision form');
    assert.ok(!first.textBody.includes('dates of birth') && !first.htmlBody.includes('dates of birth'), 'never the details of the breach');
    let entries = await entriesOf(cast.trust.id, id, 'escalated');
    assert.equal(entries.length, 1, 'one chronology entry');
    assert.equal(entries[0]?.authorName, 'Countersign', 'written by the system');
    assert.equal(entries[0]?.authorId, null);
    assert.equal(entries[0]?.at.getTime(), t0.getTime() + 24 * H, 'at the sweep’s time');
    assert.match(entries[0]?.text ?? '', /24 hours.*Dora Dpo \(DPO\) told by email/);

    assert.deepEqual(await sweep(new Date(t0.getTime() + 25 * H)), { digests: 0, escalations: 0 }, 'nothing more at 25 hours');
    assert.deepEqual(await sweep(new Date(t0.getTime() + 48 * H)), { digests: 0, escalations: 1 }, 'the second at 48 hours');
    assert.deepEqual(await sweep(new Date(t0.getTime() + 49 * H)), { digests: 0, escalations: 0 }, 'nothing more at 49 hours');
    emails = await escalationEmails(id);
    assert.deepEqual(
      emails.map((e) => e.dedupeKey),
      [`breach:${id}:24h:${cast.dpo.id}`, `breach:${id}:48h:${cast.dpo.id}`],
    );
    entries = await entriesOf(cast.trust.id, id, 'escalated');
    assert.deepEqual(
      entries.map((e) => (e.data as { hours: number }).hours),
      [24, 48],
      'one entry per step',
    );
  });

  test('two sweeps at once queue each escalation once and write each entry once', async () => {
    const cast = await concernCast(t.app.db, await makeTrustWithCast(t.app.db));
    const t0 = freshStart();
    const { id } = await breachFoundAt(cast, t0);
    const results = [];
    for (const h of [24, 24, 30, 48, 48, 60])
      results.push(...(await Promise.all([sweep(new Date(t0.getTime() + h * H)), sweep(new Date(t0.getTime() + h * H))])));
    assert.equal(
      results.reduce((n, r) => n + r.escalations, 0),
      2,
      'two escalations between all the sweeps',
    );
    const keys = (await escalationEmails(id)).map((e) => e.dedupeKey);
    assert.deepEqual(keys, [`breach:${id}:24h:${cast.dpo.id}`, `breach:${id}:48h:${cast.dpo.id}`]);
    assert.equal((await entriesOf(cast.trust.id, id, 'escalated')).length, 2);
  });

  test('a decision stops the escalations', async () => {
    const cast = await concernCast(t.app.db, await makeTrustWithCast(t.app.db));
    const t0 = freshStart();
    const { reference, id } = await breachFoundAt(cast, t0);
    await recordDecision(
      await as(cast.dpo),
      reference,
      { decision: 'not_reportable', reasons: 'Sent to a colleague, deleted at once' },
      new Date(t0.getTime() + 5 * H),
    );
    for (const h of [24, 48, 72, 100]) assert.deepEqual(await sweep(new Date(t0.getTime() + h * H)), { digests: 0, escalations: 0 });
    assert.equal((await escalationEmails(id)).length, 0);
    assert.equal((await entriesOf(cast.trust.id, id, 'escalated')).length, 0);
  });

  test('a trust with no DPO: its administrators are told', async () => {
    const cast = await makeTrustWithCast(t.app.db);
    const dpl = await makePerson(t.app.db, cast.trust.id, { name: 'Dil Dpl', schoolIds: [cast.schoolA.id], roles: [['dpl', cast.schoolA.id]] });
    const t0 = freshStart();
    const { id } = await reportAs(
      t.app.db,
      cast.trust.id,
      cast.teacherA.id,
      'data_breach',
      { breach: { discoveredAt: t0, dataInvolved: 'Names' } },
      new Date(t0.getTime() + 60_000),
    );
    assert.deepEqual(await sweep(new Date(t0.getTime() + 24 * H)), { digests: 0, escalations: 1 });
    const emails = await escalationEmails(id);
    assert.deepEqual(
      emails.map((e) => e.toAddress),
      [cast.admin.email],
    );
    assert.ok(!emails.some((e) => e.toAddress === dpl.email));
    const [entry] = await entriesOf(cast.trust.id, id, 'escalated');
    assert.match(entry?.text ?? '', /Ada Admin \(trust administrator\)/);
  });

  test('a breach reported late gets the latest step only, not both at once', async () => {
    const cast = await concernCast(t.app.db, await makeTrustWithCast(t.app.db));
    const t0 = freshStart();
    const { id } = await breachFoundAt(cast, t0);
    assert.deepEqual(await sweep(new Date(t0.getTime() + 50 * H)), { digests: 0, escalations: 1 });
    assert.deepEqual(
      (await escalationEmails(id)).map((e) => e.dedupeKey),
      [`breach:${id}:48h:${cast.dpo.id}`],
    );
    assert.equal(escalationStep(t0, new Date(t0.getTime() + 23.9 * H)), null);
    assert.equal(escalationStep(t0, new Date(t0.getTime() + 24 * H)), 24);
    assert.equal(escalationStep(t0, new Date(t0.getTime() + 47 * H)), 24);
    assert.equal(escalationStep(t0, new Date(t0.getTime() + 48 * H)), 48);
  });
});

describe('the daily digest', () => {
  test('non-urgent reports wait for 08:00, one digest per person per day; later reports wait for the next day', async () => {
    const cast = await concernCast(t.app.db, await makeTrustWithCast(t.app.db));
    const it2 = await makePerson(t.app.db, cast.trust.id, {
      name: 'Ike It',
      email: `it2.a@${cast.trust.slug}.example`,
      schoolIds: [cast.schoolA.id],
      roles: [['it_services', cast.schoolA.id]],
    });
    const start = freshStart();
    const at = (h: number, m = 0) => new Date(start.getTime() + (h - 9) * H + m * 60_000);
    const first = await reportAs(t.app.db, cast.trust.id, cast.teacherA.id, 'damage_fault', {}, at(6));
    const second = await reportAs(t.app.db, cast.trust.id, cast.teacherA.id, 'damage_fault', {}, at(7));
    const digests = () =>
      t.app.db
        .select()
        .from(outbox)
        .where(and(eq(outbox.trustId, cast.trust.id), eq(outbox.template, 'concern-digest')))
        .orderBy(asc(outbox.toAddress), asc(outbox.dedupeKey));

    assert.deepEqual(await sweep(at(7, 59)), { digests: 0, escalations: 0 }, 'nothing before 08:00');
    assert.equal((await digests()).length, 0);

    assert.deepEqual(await sweep(at(8)), { digests: 2, escalations: 0 }, 'one digest each for the two IT people');
    let sent = await digests();
    const day1 = londonToday(start);
    assert.deepEqual(
      sent.map((e) => [e.toAddress, e.dedupeKey]),
      [
        [cast.itA.email, `concern-digest:${cast.itA.id}:${day1}`],
        [it2.email, `concern-digest:${it2.id}:${day1}`],
      ].sort((a, b) => (a[0] as string).localeCompare(b[0] as string)),
    );
    for (const e of sent) {
      assert.ok(e.textBody.includes(first.reference) && e.textBody.includes(second.reference), 'listing both reports');
      assert.ok(!e.textBody.includes('Something to report'), 'never what was reported');
    }
    const pending = async () =>
      (await t.app.db.select().from(concernRecipients).where(eq(concernRecipients.trustId, cast.trust.id))).filter((r) => r.notifiedAt === null);
    assert.equal((await pending()).length, 0, 'everything listed is marked notified');

    assert.deepEqual(await sweep(at(8, 5)), { digests: 0, escalations: 0 }, 'a rerun sends nothing');

    const third = await reportAs(t.app.db, cast.trust.id, cast.teacherA.id, 'damage_fault', {}, at(10));
    assert.deepEqual(await sweep(at(10, 5)), { digests: 0, escalations: 0 }, 'a report after the day’s digest waits');
    assert.equal((await pending()).length, 2, 'still waiting, for both IT people');

    assert.deepEqual(await sweep(at(24 + 7, 59)), { digests: 0, escalations: 0 }, 'not before 08:00 the next day');
    const [a, b] = await Promise.all([sweep(at(24 + 8)), sweep(at(24 + 8))]);
    assert.equal((a?.digests ?? 0) + (b?.digests ?? 0), 2, 'the next day: one each, even with two sweeps at once');
    sent = await digests();
    assert.equal(sent.length, 4);
    for (const e of sent.filter((m) => !m.dedupeKey.endsWith(day1))) {
      assert.ok(e.textBody.includes(third.reference), 'the new report');
      assert.ok(!e.textBody.includes(first.reference) && !e.textBody.includes(second.reference), 'only the new one');
      assert.match(e.subject, /1 new report for you/);
    }
    assert.equal((await pending()).length, 0);
  });

  test('urgent reports are emailed at once and never wait for the digest', async () => {
    const cast = await concernCast(t.app.db, await makeTrustWithCast(t.app.db));
    const start = freshStart();
    await reportAs(t.app.db, cast.trust.id, cast.teacherA.id, 'cyber_security', {}, start);
    assert.deepEqual(await sweep(new Date(start.getTime() + H)), { digests: 0, escalations: 0 });
  });
});
