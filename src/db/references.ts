import { sql } from 'drizzle-orm';
import { foreignKey, integer, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { trusts } from '../modules/organisations/schema.ts';
import type { Db } from './client.ts';

/**
 * Per-trust, per-year counters behind the references people quote ("C-2026-0042", "NC-2026-0003").
 * Incremented with an upsert inside the creating transaction (the row lock serialises writers), so
 * two records never share a number and a rolled-back record gives its number back.
 */
export const referenceCounters = pgTable(
  'reference_counters',
  {
    trustId: uuid('trust_id').notNull(),
    prefix: text('prefix').notNull(),
    year: integer('year').notNull(),
    last: integer('last').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.trustId, t.prefix, t.year] }), foreignKey({ columns: [t.trustId], foreignColumns: [trusts.id] })],
);

/** The next reference for a prefix in the year of `at` (London calendar year), e.g. "C-2026-0042". */
export async function nextReference(tx: Db, trustId: string, prefix: string, at = new Date()): Promise<string> {
  const [reference] = await nextReferences(tx, trustId, prefix, 1, at);
  return reference as string;
}

/**
 * The next `count` references at once, in order, with one statement (an intake raising many alerts
 * in one flush): the counter moves on by `count` under the same row lock.
 */
export async function nextReferences(tx: Db, trustId: string, prefix: string, count: number, at = new Date()): Promise<string[]> {
  if (count < 1) return [];
  const year = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', year: 'numeric' }).format(at));
  const [row] = await tx
    .insert(referenceCounters)
    .values({ trustId, prefix, year, last: count })
    .onConflictDoUpdate({
      target: [referenceCounters.trustId, referenceCounters.prefix, referenceCounters.year],
      set: { last: sql`${referenceCounters.last} + ${count}` },
    })
    .returning({ last: referenceCounters.last });
  const last = row?.last ?? count;
  return Array.from({ length: count }, (_, i) => `${prefix}-${year}-${String(last - count + 1 + i).padStart(4, '0')}`);
}
