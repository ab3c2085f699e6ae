import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq, sql } from 'drizzle-orm';
import { freshDatabase } from '../../../../test/db.ts';
import { makeTrustWithCast } from '../../../../test/factories.ts';
import type { Database } from '../../../db/client.ts';
import { trusts } from '../../organisations/schema.ts';
import { monitoringAuditEvents, monitoringSources } from '../schema.ts';
import { PRUNE_BATCH, pruneAuditEvents } from './sweep.ts';

const DAY = 86_400_000;
const now = new Date('2026-06-15T12:00:00Z');
const daysAgo = (n: number) => new Date(now.getTime() - n * DAY);

/** Sign-in and file events are kept for each trust's retention period, by the event's own time, then deleted. */
describe('the retention sweep', () => {
  let database: Database;
  let alpha: Awaited<ReturnType<typeof makeTrustWithCast>>;
  let beta: Awaited<ReturnType<typeof makeTrustWithCast>>;
  const sources: Record<string, string> = {};

  before(async () => {
    database = await freshDatabase();
    alpha = await makeTrustWithCast(database.db, 'alpha');
    beta = await makeTrustWithCast(database.db, 'beta');
    for (const trust of [alpha.trust, beta.trust]) {
      const [source] = await database.db
        .insert(monitoringSources)
        .values({ trustId: trust.id, name: 'Directory', kind: 'directory', schoolIds: [], usernameMatch: 'email' })
        .returning();
      if (!source) throw new Error('no source');
      sources[trust.id] = source.id;
    }
    // Alpha keeps 30 days; beta has no setting (the default, 365 days).
    await database.db
      .update(trusts)
      .set({ settings: { monitoring: { throttleMinutes: 10, staffAlertsToHead: false, auditRetentionDays: 30 } } })
      .where(eq(trusts.id, alpha.trust.id));
  });
  after(() => database.close());

  const add = (trustId: string, occurredAt: Date, username: string) =>
    database.db
      .insert(monitoringAuditEvents)
      .values({ trustId, sourceId: sources[trustId] as string, kind: 'logon', occurredAt, username, outcome: 'success' });
  const usernames = async (trustId: string) =>
    (await database.db.select({ username: monitoringAuditEvents.username }).from(monitoringAuditEvents).where(eq(monitoringAuditEvents.trustId, trustId)))
      .map((r) => r.username)
      .sort();

  test('deletes what is older than each trust’s period and keeps the rest; a second run deletes nothing', async () => {
    await add(alpha.trust.id, daysAgo(31), 'alpha.old');
    await add(alpha.trust.id, daysAgo(30.01), 'alpha.just-over');
    await add(alpha.trust.id, daysAgo(29), 'alpha.recent');
    await add(alpha.trust.id, daysAgo(0), 'alpha.today');
    await add(beta.trust.id, daysAgo(100), 'beta.hundred-days');
    await add(beta.trust.id, daysAgo(364), 'beta.within-year');
    await add(beta.trust.id, daysAgo(366), 'beta.over-year');

    assert.deepEqual(await pruneAuditEvents(database.db, now), { deleted: 3 });
    assert.deepEqual(await usernames(alpha.trust.id), ['alpha.recent', 'alpha.today']);
    assert.deepEqual(await usernames(beta.trust.id), ['beta.hundred-days', 'beta.within-year']);
    assert.deepEqual(await pruneAuditEvents(database.db, now), { deleted: 0 });
  });

  test('a longer period set later keeps more; a bad setting falls back to the default', async () => {
    await database.db
      .update(trusts)
      .set({ settings: { monitoring: { auditRetentionDays: 'forever' } } })
      .where(eq(trusts.id, beta.trust.id));
    await add(beta.trust.id, daysAgo(200), 'beta.two-hundred');
    assert.deepEqual(await pruneAuditEvents(database.db, now), { deleted: 0 });
    assert.ok((await usernames(beta.trust.id)).includes('beta.two-hundred'));
  });

  test('deletes in batches, however many there are', async () => {
    const count = PRUNE_BATCH * 2 + 7;
    await database.db.execute(
      sql`insert into ${monitoringAuditEvents} (trust_id, source_id, kind, occurred_at, username, outcome)
          select ${alpha.trust.id}::uuid, ${sources[alpha.trust.id]}::uuid, 'logon', ${daysAgo(40).toISOString()}::timestamptz - (g * interval '1 second'), 'bulk', 'failure'
          from generate_series(1, ${count}) g`,
    );
    assert.deepEqual(await pruneAuditEvents(database.db, now), { deleted: count });
    const [left] = await database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(monitoringAuditEvents)
      .where(and(eq(monitoringAuditEvents.trustId, alpha.trust.id), eq(monitoringAuditEvents.username, 'bulk')));
    assert.equal(left?.n, 0);
    assert.deepEqual(await usernames(alpha.trust.id), ['alpha.recent', 'alpha.today']);
  });
});
