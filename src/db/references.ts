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
  const year = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', year: 'numeric' }).format(at));
  const [row] = await tx
    .insert(referenceCounters)
    .values({ trustId, prefix, year, last: 1 })
    .onConflictDoUpdate({
      target: [referenceCounters.trustId, referenceCounters.prefix, referenceCounters.year],
      set: { last: sql`${referenceCounters.last} + 1` },
    })
    .returning({ last: referenceCounters.last });
  return `${prefix}-${year}-${String(row?.last ?? 1).padStart(4, '0')}`;
}
