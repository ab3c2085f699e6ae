import { boolean, foreignKey, index, integer, pgTable, primaryKey, text, unique } from 'drizzle-orm/pg-core';
import { tenantKey, tstz } from '../../db/columns.ts';
import { trusts } from '../organisations/schema.ts';

/** Transactional outbox: written in the same transaction as the change that causes the email. */
export const outbox = pgTable(
  'outbox',
  {
    ...tenantKey(),
    /** Unique per trust, so a reminder queued twice (two workers, two instances) is stored once. */
    dedupeKey: text('dedupe_key').notNull(),
    toAddress: text('to_address').notNull(),
    template: text('template').notNull(),
    subject: text('subject').notNull(),
    textBody: text('text_body').notNull(),
    htmlBody: text('html_body').notNull(),
    /** Bodies that carry a secret (a sign-in link) are blanked once delivered. */
    sensitive: boolean('sensitive').notNull().default(false),
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: tstz('next_attempt_at').notNull().defaultNow(),
    lockedUntil: tstz('locked_until'),
    lastError: text('last_error'),
    sentAt: tstz('sent_at'),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    unique('outbox_trust_dedupe_unique').on(t.trustId, t.dedupeKey),
    foreignKey({ columns: [t.trustId], foreignColumns: [trusts.id] }),
    index('outbox_due_idx').on(t.status, t.nextAttemptAt),
  ],
);
