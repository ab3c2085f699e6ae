import { customType, timestamp, uuid } from 'drizzle-orm/pg-core';

/** Every tenant table starts with these: the trust that owns the row and the row's own id. */
export const tenantKey = () => ({
  trustId: uuid('trust_id').notNull(),
  id: uuid('id').notNull().defaultRandom(),
});

export const timestamps = () => ({
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const tstz = (name: string) => timestamp(name, { withTimezone: true });

/** Raw bytes (an uploaded scan or attachment), kept in the row with their SHA-256 beside them. */
export const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});
