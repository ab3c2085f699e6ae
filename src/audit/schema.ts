import { bigint, foreignKey, index, jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { tstz } from '../db/columns.ts';
import { trusts } from '../modules/organisations/schema.ts';

/** Append-only: a database trigger rejects UPDATE and DELETE (see the append_only migration). */
export const auditEvents = pgTable(
  'audit_events',
  {
    trustId: uuid('trust_id').notNull(),
    id: bigint('id', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
    at: tstz('at').notNull().defaultNow(),
    actorType: text('actor_type').notNull(),
    actorId: uuid('actor_id'),
    actorLabel: text('actor_label').notNull(),
    action: text('action').notNull(),
    resourceType: text('resource_type').notNull(),
    resourceId: text('resource_id'),
    summary: text('summary').notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
    ip: text('ip'),
    requestId: text('request_id'),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    foreignKey({ columns: [t.trustId], foreignColumns: [trusts.id] }),
    index('audit_events_trust_at_idx').on(t.trustId, t.at),
    index('audit_events_resource_idx').on(t.trustId, t.resourceType, t.resourceId),
  ],
);
