import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, asc, eq, inArray, like } from 'drizzle-orm';
import { freshDatabase } from '../../../../test/db.ts';
import { actingAs, makeTrustWithCast } from '../../../../test/factories.ts';
import { type MonitoringCast, makeAlert, monitoringCast } from '../../../../test/monitoring.ts';
import type { Database } from '../../../db/client.ts';
import { outbox } from '../../notifications/schema.ts';
import { alerts } from '../schema.ts';
import { closeAlert, recordOutcome } from './service.ts';
import { digestKey, sendAlertDigests } from './sweep.ts';

/**
 * The daily digest with a controlled clock: alerts are given their raised time, and the sweep its
 * `now`. 15 January 2030 is in winter, so London time is UTC.
 */
let database: Database;
let cast: MonitoringCast;
const BASE = 'https://countersign.example';
const at = (iso: string) => new Date(iso);

before(async () => {
  database = await freshDatabase();
  cast = await monitoringCast(database.db, await makeTrustWithCast(database.db));
});
after(() => database.close());

const raisedAt = (id: string, when: Date) => database.db.update(alerts).set({ createdAt: when }).where(eq(alerts.id, id));
const digests = () => database.db.select().from(outbox).where(like(outbox.dedupeKey, 'alert-digest:%')).orderBy(asc(outbox.toAddress), asc(outbox.dedupeKey));
const notified = async (ids: string[]) =>
  Object.fromEntries(
    (await database.db.select({ reference: alerts.reference, notifiedAt: alerts.notifiedAt }).from(alerts).where(inArray(alerts.id, ids))).map((a) => [
      a.reference,
      a.notifiedAt?.toISOString() ?? null,
    ]),
  );

describe('the alert digest', () => {
  test('from 08:00 London time, once a day per person: counts by school and severity and the references, never high, never details', async () => {
    const db = database.db;
    const gambling = { category: 'gambling', ruleId: cast.gamblingRule.id, url: 'https://bet-example.com/secret-page' };
    const medium = await makeAlert(db, cast, { ...gambling, severity: 'medium' });
    const low = await makeAlert(db, cast, { ...gambling, severity: 'low', personId: null, username: 'pupil.one' });
    const trustWide = await makeAlert(db, cast, { ...gambling, severity: 'low', schoolId: null, personId: null, username: 'guest' });
    const staff = await makeAlert(db, cast, { ...gambling, severity: 'medium', audience: 'head_teacher' });
    const high = await makeAlert(db, cast, { severity: 'high' });
    const closed = await makeAlert(db, cast, { ...gambling, severity: 'medium' });
    await recordOutcome(await actingAs(db, cast.dslA), closed.reference, { outcome: 'false_positive', note: 'An advert' });
    await closeAlert(await actingAs(db, cast.dslA), closed.reference, {});
    const all = [medium, low, trustWide, staff, high, closed];
    for (const a of all) await raisedAt(a.id, at('2030-01-14T22:00:00Z'));

    assert.deepEqual(await sendAlertDigests(db, BASE, at('2030-01-15T07:59:00Z')), { digests: 0 }, 'not before 08:00');
    assert.equal((await digests()).length, 0);

    assert.deepEqual(await sendAlertDigests(db, BASE, at('2030-01-15T08:00:00Z')), { digests: 5 });
    const sent = await digests();
    assert.deepEqual(
      sent.map((m) => [m.toAddress, m.dedupeKey]).sort(),
      [
        [cast.dslA.email, digestKey(cast.dslA.id, '2030-01-15')],
        [cast.deputyDslA.email, digestKey(cast.deputyDslA.id, '2030-01-15')],
        [cast.trustDsl.email, digestKey(cast.trustDsl.id, '2030-01-15')],
        [cast.headA.email, digestKey(cast.headA.id, '2030-01-15')],
        [cast.hrLead.email, digestKey(cast.hrLead.id, '2030-01-15')],
      ].sort(),
    );
    assert.ok(sent.every((m) => m.sensitive && m.template === 'alert-digest'));
    for (const m of sent) {
      assert.doesNotMatch(m.textBody + m.htmlBody + m.subject, /bet-example|gambling|Gambling|Tess|pupil\.one|guest/, 'no addresses, categories or names');
      assert.doesNotMatch(m.textBody, new RegExp(high.reference), 'high-severity alerts are emailed at once, not in the digest');
      assert.doesNotMatch(m.textBody, new RegExp(closed.reference), 'closed alerts need nobody');
      assert.match(m.textBody, /https:\/\/countersign\.example\/monitoring\/alerts$/m);
    }
    const dsl = sent.find((m) => m.toAddress === cast.dslA.email);
    assert.equal(dsl?.subject, `${cast.trust.name}: 2 alerts from monitoring to look at`);
    assert.match(dsl?.textBody ?? '', /- School A: 1 medium, 1 low/);
    assert.match(dsl?.textBody ?? '', new RegExp(`References: ${medium.reference}, ${low.reference}\\.`));
    const trustDsl = sent.find((m) => m.toAddress === cast.trustDsl.email);
    assert.match(trustDsl?.textBody ?? '', /- School A: 1 medium, 1 low\n- The trust \(no school\): 1 low/);
    const head = sent.find((m) => m.toAddress === cast.headA.email);
    assert.match(head?.textBody ?? '', new RegExp(`References: ${staff.reference}\\.`));

    const marks = await notified(all.map((a) => a.id));
    for (const a of [medium, low, trustWide, staff]) assert.equal(marks[a.reference], '2030-01-15T08:00:00.000Z', a.reference);
    assert.equal(marks[high.reference], null);
    assert.equal(marks[closed.reference], null);

    // Again, and twice at once: nothing more.
    assert.deepEqual(await sendAlertDigests(db, BASE, at('2030-01-15T08:05:00Z')), { digests: 0 });
    await Promise.all([sendAlertDigests(db, BASE, at('2030-01-15T09:00:00Z')), sendAlertDigests(db, BASE, at('2030-01-15T09:00:00Z'))]);
    assert.equal((await digests()).length, 5);
  });

  test('an alert raised after the day’s digest waits for the next day’s', async () => {
    const db = database.db;
    const late = await makeAlert(db, cast, { severity: 'low', category: 'weapons', ruleId: cast.weaponsRule.id, personId: null, username: 'pupil.two' });
    await raisedAt(late.id, at('2030-01-15T10:00:00Z'));
    const before = (await digests()).length;
    assert.deepEqual(await sendAlertDigests(db, BASE, at('2030-01-15T10:30:00Z')), { digests: 0 });
    assert.equal((await notified([late.id]))[late.reference], null);

    assert.deepEqual(await sendAlertDigests(db, BASE, at('2030-01-16T08:15:00Z')), { digests: 3 });
    const next = await database.db
      .select()
      .from(outbox)
      .where(and(like(outbox.dedupeKey, 'alert-digest:%:2030-01-16')));
    assert.deepEqual(next.map((m) => m.toAddress).sort(), [cast.dslA.email, cast.deputyDslA.email, cast.trustDsl.email].sort());
    assert.ok(next.every((m) => m.textBody.includes(`References: ${late.reference}.`)));
    assert.equal((await digests()).length, before + 3);
    assert.equal((await notified([late.id]))[late.reference], '2030-01-16T08:15:00.000Z');
  });
});
