import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, gt, lte } from 'drizzle-orm';
import { sha256 } from '../../crypto.ts';
import type { Db } from '../../db/client.ts';
import { canonicalJson } from '../policies/content.ts';
import { acknowledgements, chainHeads } from './schema.ts';

export type AcknowledgementRow = typeof acknowledgements.$inferSelect;

/** The hash before the first record of every trust's chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields a record's hash covers: everything it proves. `hash` and `created_at` are not evidence. */
export type Evidence = Omit<AcknowledgementRow, 'hash' | 'createdAt'>;

/** What the signing code supplies; the chain adds the id, the sequence number and the previous hash. */
export type EvidenceInput = Omit<Evidence, 'id' | 'seq' | 'prevHash' | 'trustId'>;

/**
 * The canonical bytes of a record: its evidence fields as JSON with sorted keys, times as ISO
 * 8601 in UTC to the millisecond. Adding a column to the table does not change old hashes unless
 * it is added here, and a new field must be added in a way that leaves old records' JSON alone.
 */
export function evidenceJson(row: Evidence): string {
  return canonicalJson({
    id: row.id,
    trustId: row.trustId,
    seq: row.seq,
    assignmentId: row.assignmentId,
    personId: row.personId,
    personName: row.personName,
    personEmail: row.personEmail,
    schoolNames: row.schoolNames,
    policyId: row.policyId,
    versionId: row.versionId,
    policyTitle: row.policyTitle,
    versionLabel: row.versionLabel,
    contentSha256: row.contentSha256,
    declarationText: row.declarationText,
    statements: row.statements,
    typedName: row.typedName,
    position: row.position,
    signedAt: new Date(row.signedAt).toISOString(),
    authMethod: row.authMethod,
    ip: row.ip ?? null,
    userAgent: row.userAgent ?? null,
    recordedById: row.recordedById ?? null,
    recordedByName: row.recordedByName ?? null,
    proxyNote: row.proxyNote ?? null,
    scanId: row.scanId ?? null,
    scanSha256: row.scanSha256 ?? null,
    imported: row.imported,
    prevHash: row.prevHash,
  });
}

/** hash = SHA-256( prev_hash ‖ "\n" ‖ canonical JSON of the evidence ). */
export const chainHash = (row: Evidence) => sha256(`${row.prevHash}\n${evidenceJson(row)}`);

/**
 * Appends one record to the trust's chain, in the caller's transaction. The chain head row is
 * locked (SELECT … FOR UPDATE) until the transaction ends, so concurrent signatures queue here
 * and each one links to the one before. Callers lock their own rows (the assignment) first and
 * the chain head last, so the lock is held only for this insert.
 */
export async function appendToChain(tx: Db, trustId: string, input: EvidenceInput): Promise<AcknowledgementRow> {
  let [head] = await tx.select().from(chainHeads).where(eq(chainHeads.trustId, trustId)).for('update');
  if (!head) {
    await tx.insert(chainHeads).values({ trustId, lastSeq: 0, lastHash: GENESIS_HASH }).onConflictDoNothing();
    [head] = await tx.select().from(chainHeads).where(eq(chainHeads.trustId, trustId)).for('update');
  }
  if (!head) throw new Error('the chain head could not be read');
  const evidence: Evidence = { ...input, id: randomUUID(), trustId, seq: head.lastSeq + 1, prevHash: head.lastHash };
  const hash = chainHash(evidence);
  const [row] = await tx
    .insert(acknowledgements)
    .values({ ...evidence, hash })
    .returning();
  await tx.update(chainHeads).set({ lastSeq: evidence.seq, lastHash: hash, updatedAt: new Date() }).where(eq(chainHeads.trustId, trustId));
  return row as AcknowledgementRow;
}

export type ChainProblem = {
  /** The first record that does not check out (or, for a missing tail, the last one there is). */
  seq: number;
  id: string | null;
  reason: string;
};

export type ChainReport = { trustId: string; checked: number; lastSeq: number; lastHash: string; problem: ChainProblem | null };

/**
 * Recomputes a trust's chain from the first record, a page at a time (memory stays flat):
 *   - each record's seq is the one after the last (a gap means a record was deleted);
 *   - its prev_hash is the hash of the record before (a re-ordered or inserted record fails here);
 *   - its hash is the hash of its own fields (an edited record fails here);
 *   - the chain head names the last record (records deleted from the end fail here), and no
 *     record lies beyond the head (a record added without going through the chain fails here).
 * Stops at the first problem and names it. It runs while people sign: the head is read first and
 * only records up to it are walked, because a record and its head move commit together; records
 * signed during the walk are beyond that head and are checked next time.
 */
export async function verifyChain(db: Db, trustId: string, pageSize = 2000): Promise<ChainReport> {
  const [head] = await db.select().from(chainHeads).where(eq(chainHeads.trustId, trustId));
  const headSeq = head?.lastSeq ?? 0;
  const headHash = head?.lastHash ?? GENESIS_HASH;
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  const fail = (seq: number, id: string | null, reason: string): ChainReport => ({
    trustId,
    checked,
    lastSeq: expectedSeq - 1,
    lastHash: prevHash,
    problem: { seq, id, reason },
  });
  while (expectedSeq <= headSeq) {
    const page: AcknowledgementRow[] = await db
      .select()
      .from(acknowledgements)
      .where(and(eq(acknowledgements.trustId, trustId), gt(acknowledgements.seq, expectedSeq - 1), lte(acknowledgements.seq, headSeq)))
      .orderBy(asc(acknowledgements.seq))
      .limit(pageSize);
    for (const row of page) {
      if (row.seq !== expectedSeq)
        return fail(
          expectedSeq,
          row.id,
          row.seq > expectedSeq ? `record ${expectedSeq} is missing (the next record is number ${row.seq})` : `record ${row.seq} is out of order`,
        );
      if (row.prevHash !== prevHash)
        return fail(row.seq, row.id, `record ${row.seq} does not link to record ${row.seq - 1} (its previous hash does not match)`);
      if (chainHash(row) !== row.hash)
        return fail(row.seq, row.id, `record ${row.seq} has been changed since it was written (its hash does not match its contents)`);
      prevHash = row.hash;
      expectedSeq++;
      checked++;
    }
    if (page.length < pageSize) break;
  }
  if (expectedSeq - 1 < headSeq) return fail(expectedSeq, null, `records ${expectedSeq} to ${headSeq} are missing from the end of the chain`);
  if (prevHash !== headHash) return fail(headSeq, null, `the chain's end does not match its last record ${headSeq}`);
  // Anything beyond the head that the head has not caught up with since is outside the chain.
  const [beyond] = await db
    .select({ seq: acknowledgements.seq, id: acknowledgements.id })
    .from(acknowledgements)
    .where(and(eq(acknowledgements.trustId, trustId), gt(acknowledgements.seq, headSeq)))
    .orderBy(desc(acknowledgements.seq))
    .limit(1);
  if (beyond) {
    const [now] = await db.select({ lastSeq: chainHeads.lastSeq }).from(chainHeads).where(eq(chainHeads.trustId, trustId));
    if (beyond.seq > (now?.lastSeq ?? 0)) {
      const [first] = await db
        .select({ seq: acknowledgements.seq, id: acknowledgements.id })
        .from(acknowledgements)
        .where(and(eq(acknowledgements.trustId, trustId), gt(acknowledgements.seq, now?.lastSeq ?? 0)))
        .orderBy(asc(acknowledgements.seq))
        .limit(1);
      return fail(
        first?.seq ?? beyond.seq,
        first?.id ?? beyond.id,
        `record ${first?.seq ?? beyond.seq} is beyond the end of the chain (it was not added through Countersign)`,
      );
    }
  }
  return { trustId, checked, lastSeq: headSeq, lastHash: headHash, problem: null };
}

/** Checks one record against the chain: it exists, its own hash matches and it links to the record before. */
export async function verifyRecord(db: Db, trustId: string, id: string): Promise<{ row: AcknowledgementRow; intact: boolean; reason: string | null } | null> {
  const [row] = await db
    .select()
    .from(acknowledgements)
    .where(and(eq(acknowledgements.trustId, trustId), eq(acknowledgements.id, id)));
  if (!row) return null;
  if (chainHash(row) !== row.hash) return { row, intact: false, reason: 'The record has been changed since it was written.' };
  const expectedPrev =
    row.seq === 1
      ? GENESIS_HASH
      : (
          await db
            .select({ hash: acknowledgements.hash })
            .from(acknowledgements)
            .where(and(eq(acknowledgements.trustId, trustId), eq(acknowledgements.seq, row.seq - 1)))
        )[0]?.hash;
  if (expectedPrev !== row.prevHash) return { row, intact: false, reason: 'The record does not link to the record before it.' };
  // A record edited with its own hash recomputed still breaks the link from the record after it
  // (or from the chain head, when it is the last).
  const [nextRow] = await db
    .select({ prevHash: acknowledgements.prevHash })
    .from(acknowledgements)
    .where(and(eq(acknowledgements.trustId, trustId), eq(acknowledgements.seq, row.seq + 1)));
  const [head] = nextRow ? [] : await db.select().from(chainHeads).where(eq(chainHeads.trustId, trustId));
  const linkedBy = nextRow ? nextRow.prevHash : head && head.lastSeq === row.seq ? head.lastHash : undefined;
  if (linkedBy !== undefined && linkedBy !== row.hash) return { row, intact: false, reason: 'The record after it does not link to it: it has been changed.' };
  return { row, intact: true, reason: null };
}
