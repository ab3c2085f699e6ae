import { sql } from 'drizzle-orm';
import { foreignKey, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { tenantKey, tstz } from '../../../db/columns.ts';
import { trusts } from '../../organisations/schema.ts';

/**
 * The secret web address of a trust's review-date calendar (`/calendar/<token>.ics`). Only the
 * SHA-256 of the 32-byte token is kept, so the address is shown once, when it is created; a leaked
 * address is replaced by revoking its row and creating another.
 */
export const calendarFeeds = pgTable(
  'calendar_feeds',
  {
    ...tenantKey(),
    tokenHash: text('token_hash').notNull().unique(),
    createdBy: uuid('created_by'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    revokedBy: uuid('revoked_by'),
    revokedAt: tstz('revoked_at'),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    foreignKey({ columns: [t.trustId], foreignColumns: [trusts.id] }),
    // One working address per trust: two admins creating one at once cannot both succeed.
    uniqueIndex('calendar_feeds_one_active').on(t.trustId).where(sql`${t.revokedAt} is null`),
  ],
);
