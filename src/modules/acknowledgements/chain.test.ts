import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, asc, eq, type SQL, sql } from 'drizzle-orm';
import { freshDatabase } from '../../../test/db.ts';
import type { Database, Db } from '../../db/client.ts';
import { type AcknowledgementRow, chainHash, type Evidence, GENESIS_HASH, verifyChain, verifyRecord } from './chain.ts';
import { openAssignment, sign, signedChain } from './evidence/fixtures.ts';
import { acknowledgements, assignments, chainHeads } from './schema.ts';

let database: Database;
let db: Db;
before(async () => {
  database = await freshDatabase();
  db = database.db;
});
after(() => database.close());

/** The database's own error text, whichever driver wrapped it. */
const pgMessage = (e: unknown) => {
  const err = e as { message?: string; cause?: { message?: string } };
  return `${err.message ?? ''} ${err.cause?.message ?? ''}`;
};

/**
 * Changes the evidence behind the application's back, the way someone with database access
 * could: the append-only trigger is switched off for the statements and straight back on.
 */
async function tamper(...statements: SQL[]) {
  await db.execute(sql`alter table acknowledgements disable trigger acknowledgements_append_only`);
  try {
    for (const statement of statements) await db.execute(statement);
  } finally {
    await db.execute(sql`alter table acknowledgements enable trigger acknowledgements_append_only`);
  }
}

const records = (trustId: string) => db.select().from(acknowledgements).where(eq(acknowledgements.trustId, trustId)).orderBy(asc(acknowledgements.seq));

describe('the hash chain of signature records', () => {
  test('an untouched chain checks out: every record links to the one before, and the chain head names the last', async () => {
    const { trust, acks } = await signedChain(db, 5);
    assert.deepEqual(
      acks.map((a) => a.seq),
      [1, 2, 3, 4, 5],
    );
    assert.equal(acks[0]?.prevHash, GENESIS_HASH);
    for (let i = 1; i < acks.length; i++) assert.equal(acks[i]?.prevHash, acks[i - 1]?.hash, `record ${i + 1} links to record ${i}`);
    for (const ack of acks) assert.equal(chainHash(ack), ack.hash);
    const report = await verifyChain(db, trust.id);
    assert.deepEqual(report, { trustId: trust.id, checked: 5, lastSeq: 5, lastHash: acks[4]?.hash, problem: null });
    // Paging does not change the answer: three records a page walks the same chain.
    assert.deepEqual(await verifyChain(db, trust.id, 3), report);
    const [head] = await db.select().from(chainHeads).where(eq(chainHeads.trustId, trust.id));
    assert.equal(head?.lastSeq, 5);
    assert.equal(head?.lastHash, acks[4]?.hash);
    assert.equal((await verifyRecord(db, trust.id, acks[2]?.id as string))?.intact, true);
  });

  test('the database refuses UPDATE, DELETE and TRUNCATE of a record, and the record stays as it was', async () => {
    const { trust, acks } = await signedChain(db, 2);
    const first = acks[0] as AcknowledgementRow;
    await assert.rejects(db.execute(sql`update acknowledgements set typed_name = 'Someone Else' where trust_id = ${trust.id} and id = ${first.id}`), (e) =>
      /append-only: UPDATE is not allowed/.test(pgMessage(e)),
    );
    await assert.rejects(db.execute(sql`delete from acknowledgements where trust_id = ${trust.id} and id = ${first.id}`), (e) =>
      /append-only: DELETE is not allowed/.test(pgMessage(e)),
    );
    await assert.rejects(db.execute(sql`truncate acknowledgements cascade`), (e) => /append-only: TRUNCATE is not allowed/.test(pgMessage(e)));
    const [still] = await db
      .select()
      .from(acknowledgements)
      .where(and(eq(acknowledgements.trustId, trust.id), eq(acknowledgements.id, first.id)));
    assert.equal(still?.typedName, 'Signer 1');
    assert.equal((await verifyChain(db, trust.id)).problem, null);
  });

  test('an edited record is named: its hash no longer matches its contents', async () => {
    const { trust, acks } = await signedChain(db, 5);
    const third = acks[2] as AcknowledgementRow;
    await tamper(sql`update acknowledgements set typed_name = 'Someone Else' where trust_id = ${trust.id} and seq = 3`);
    const report = await verifyChain(db, trust.id);
    assert.deepEqual(report.problem, {
      seq: 3,
      id: third.id,
      reason: 'record 3 has been changed since it was written (its hash does not match its contents)',
    });
    assert.equal(report.checked, 2, 'the records before it check out');
    assert.equal(report.lastHash, acks[1]?.hash);
    const one = await verifyRecord(db, trust.id, third.id);
    assert.equal(one?.intact, false);
    assert.match(one?.reason ?? '', /changed since it was written/);
  });

  test('an edit whose hash was recomputed to match is caught by the next record’s link', async () => {
    const { trust, acks } = await signedChain(db, 4);
    const second = acks[1] as AcknowledgementRow;
    const forged = { ...second, signedAt: new Date(second.signedAt.getTime() - 86_400_000) };
    await tamper(
      sql`update acknowledgements set signed_at = ${forged.signedAt.toISOString()}, hash = ${chainHash(forged)} where trust_id = ${trust.id} and seq = 2`,
    );
    const report = await verifyChain(db, trust.id);
    assert.equal(report.problem?.seq, 3);
    assert.equal(report.problem?.id, acks[2]?.id);
    assert.match(report.problem?.reason ?? '', /record 3 does not link to record 2/);
    assert.equal((await verifyRecord(db, trust.id, acks[2]?.id as string))?.intact, false);
    // The edited record's own check catches it too: the record after it no longer links to it.
    const own = await verifyRecord(db, trust.id, second.id);
    assert.equal(own?.intact, false);
    assert.match(own?.reason ?? '', /record after it does not link to it/);
  });

  test('a record deleted from the middle leaves a gap, which is named', async () => {
    const { trust, acks } = await signedChain(db, 5);
    await tamper(sql`delete from acknowledgements where trust_id = ${trust.id} and seq = 3`);
    const report = await verifyChain(db, trust.id);
    assert.deepEqual(report.problem, { seq: 3, id: acks[3]?.id, reason: 'record 3 is missing (the next record is number 4)' });
    assert.equal(report.checked, 2);
  });

  test('two records swapped (re-ordered) are detected at the first of them', async () => {
    const { trust, acks } = await signedChain(db, 5);
    await tamper(
      sql`update acknowledgements set seq = -2 where trust_id = ${trust.id} and seq = 2`,
      sql`update acknowledgements set seq = 2 where trust_id = ${trust.id} and seq = 3`,
      sql`update acknowledgements set seq = 3 where trust_id = ${trust.id} and seq = -2`,
    );
    assert.deepEqual(
      (await records(trust.id)).map((r) => r.id),
      [acks[0], acks[2], acks[1], acks[3], acks[4]].map((a) => a?.id),
    );
    const report = await verifyChain(db, trust.id);
    assert.deepEqual(report.problem, { seq: 2, id: acks[2]?.id, reason: 'record 2 does not link to record 1 (its previous hash does not match)' });
    assert.equal((await verifyRecord(db, trust.id, acks[2]?.id as string))?.intact, false);
  });

  test('a forged record added at the end with a wrong previous hash is detected, even with the chain head moved to it', async () => {
    const { trust, people, policy, acks } = await signedChain(db, 5, 1);
    const last = acks[4] as AcknowledgementRow;
    const extra = people[5] as (typeof people)[number];
    const assignmentId = await openAssignment(db, trust.id, extra.id, policy.id);
    // A forger copies a real record for the sixth person, links it to record 4 and computes a correct hash for it.
    const evidence: Evidence = {
      ...last,
      id: crypto.randomUUID(),
      seq: 6,
      assignmentId,
      personId: extra.id,
      personName: extra.fullName,
      personEmail: extra.email,
      typedName: extra.fullName,
      prevHash: acks[3]?.hash as string,
    };
    const hash = chainHash(evidence);
    await db.insert(acknowledgements).values({ ...evidence, hash });
    await db.update(chainHeads).set({ lastSeq: 6, lastHash: hash }).where(eq(chainHeads.trustId, trust.id));
    const report = await verifyChain(db, trust.id);
    assert.deepEqual(report.problem, { seq: 6, id: evidence.id, reason: 'record 6 does not link to record 5 (its previous hash does not match)' });
    assert.equal(report.checked, 5);
    assert.equal(report.lastHash, last.hash);
  });

  test('a correctly linked record slipped in at the end without moving the chain head is detected', async () => {
    const { trust, people, policy, acks } = await signedChain(db, 3, 1);
    const last = acks[2] as AcknowledgementRow;
    const extra = people[3] as (typeof people)[number];
    const evidence: Evidence = {
      ...last,
      id: crypto.randomUUID(),
      seq: 4,
      assignmentId: await openAssignment(db, trust.id, extra.id, policy.id),
      personId: extra.id,
      prevHash: last.hash,
    };
    await db.insert(acknowledgements).values({ ...evidence, hash: chainHash(evidence) });
    const report = await verifyChain(db, trust.id);
    assert.ok(report.problem, 'the chain head still ends at record 3');
    assert.equal(report.problem.seq, 4);
    assert.equal(report.problem.id, evidence.id);
    assert.match(report.problem.reason, /record 4 is beyond the end of the chain/);
  });

  test('the last record deleted is detected through the chain head', async () => {
    const { trust } = await signedChain(db, 5);
    await tamper(sql`delete from acknowledgements where trust_id = ${trust.id} and seq = 5`);
    const report = await verifyChain(db, trust.id);
    assert.deepEqual(report.problem, { seq: 5, id: null, reason: 'records 5 to 5 are missing from the end of the chain' });
    assert.equal(report.checked, 4);
  });

  test('one trust’s tampering does not touch another trust’s chain', async () => {
    const damaged = await signedChain(db, 2);
    const fine = await signedChain(db, 2);
    await tamper(sql`update acknowledgements set position = 'Head teacher' where trust_id = ${damaged.trust.id} and seq = 1`);
    assert.equal((await verifyChain(db, damaged.trust.id)).problem?.seq, 1);
    assert.equal((await verifyChain(db, fine.trust.id)).problem, null);
  });

  test('twenty people signing at once get records 1 to 20 in one unbroken chain, with no fork', async () => {
    const { trust, people, policy } = await signedChain(db, 0, 20);
    const written = await Promise.all(people.map((p) => sign(db, p, policy.id)));
    assert.deepEqual(
      written.map((a) => a.seq).sort((a, b) => a - b),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    assert.equal(new Set(written.map((a) => a.prevHash)).size, 20, 'no two records link to the same record');
    const stored = await records(trust.id);
    for (const [i, row] of stored.entries()) assert.equal(row.prevHash, i === 0 ? GENESIS_HASH : stored[i - 1]?.hash);
    const report = await verifyChain(db, trust.id);
    assert.equal(report.problem, null);
    assert.equal(report.checked, 20);
    const [head] = await db.select().from(chainHeads).where(eq(chainHeads.trustId, trust.id));
    assert.deepEqual([head?.lastSeq, head?.lastHash], [20, stored[19]?.hash]);
    const signed = await db.select({ id: assignments.id, ack: assignments.acknowledgementId }).from(assignments).where(eq(assignments.trustId, trust.id));
    assert.equal(signed.filter((a) => a.ack).length, 20, 'every assignment points at its record');
  });

  test('checking the chain while people sign never raises a false alarm', async () => {
    const { trust, people, policy } = await signedChain(db, 0, 30);
    const checks: Promise<Awaited<ReturnType<typeof verifyChain>>>[] = [];
    const signing = people.map(async (p, i) => {
      await sign(db, p, policy.id);
      if (i % 3 === 0) checks.push(verifyChain(db, trust.id, 4));
    });
    await Promise.all(signing);
    const reports = await Promise.all(checks);
    assert.equal(reports.length, 10);
    for (const report of reports) assert.equal(report.problem, null, report.problem?.reason);
    assert.equal((await verifyChain(db, trust.id)).checked, 30);
  });
});
