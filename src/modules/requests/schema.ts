import { sql } from 'drizzle-orm';
import { boolean, date, foreignKey, index, integer, jsonb, pgTable, primaryKey, text, unique, uuid } from 'drizzle-orm/pg-core';
import { bytea, tenantKey, tstz } from '../../db/columns.ts';
import { people, schools, trusts } from '../organisations/schema.ts';

export const REQUEST_STATUSES = {
  pending: { label: 'Waiting for a decision', tone: 'orange' },
  approved: { label: 'Approved', tone: 'green' },
  refused: { label: 'Refused', tone: 'red' },
  withdrawn: { label: 'Withdrawn', tone: 'grey' },
  expired: { label: 'Expired', tone: 'grey' },
} as const;
export type RequestStatus = keyof typeof REQUEST_STATUSES;

/**
 * A request for permission ("not without permission from X"): its type (requests/types.ts), the
 * answers to that type's questions (validated by the type's schema), and the decision with who,
 * when and why, and an optional expiry for exceptions. Never deleted.
 */
export const requests = pgTable(
  'requests',
  {
    ...tenantKey(),
    reference: text('reference').notNull(),
    type: text('type').notNull(),
    requesterId: uuid('requester_id').notNull(),
    schoolId: uuid('school_id'),
    answers: jsonb('answers').$type<Record<string, unknown>>().notNull(),
    status: text('status').$type<RequestStatus>().notNull().default('pending'),
    decidedBy: uuid('decided_by'),
    decidedAt: tstz('decided_at'),
    reason: text('reason'),
    expiresOn: date('expires_on'),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    unique('requests_reference_unique').on(t.trustId, t.reference),
    foreignKey({ columns: [t.trustId, t.requesterId], foreignColumns: [people.trustId, people.id] }),
    foreignKey({ columns: [t.trustId, t.schoolId], foreignColumns: [schools.trustId, schools.id] }),
    index('requests_pending_idx').on(t.trustId, t.type).where(sql`${t.status} = 'pending'`),
    index('requests_requester_idx').on(t.trustId, t.requesterId),
  ],
);

/** Files a request carries (proof of licence), typed by their bytes, with their SHA-256. Append-only. */
export const requestFiles = pgTable(
  'request_files',
  {
    ...tenantKey(),
    requestId: uuid('request_id').notNull(),
    field: text('field').notNull(),
    fileName: text('file_name').notNull(),
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    sha256: text('sha256').notNull(),
    bytes: bytea('bytes').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.trustId, t.id] }), foreignKey({ columns: [t.trustId, t.requestId], foreignColumns: [requests.trustId, requests.id] })],
);

/**
 * The approved cloud services register (003 §1.5.1): online services vetted for data protection,
 * listed publicly for the privacy notice. Approving a cloud-service request adds one here.
 */
export const cloudServices = pgTable(
  'cloud_services',
  {
    ...tenantKey(),
    name: text('name').notNull(),
    supplier: text('supplier').notNull(),
    purpose: text('purpose').notNull(),
    dataCategories: jsonb('data_categories').$type<string[]>().notNull().default([]),
    dpiaDone: boolean('dpia_done').notNull().default(false),
    dpiaOn: date('dpia_on'),
    approvedBy: uuid('approved_by'),
    approvedOn: date('approved_on').notNull(),
    reviewOn: date('review_on').notNull(),
    status: text('status').$type<'approved' | 'withdrawn'>().notNull().default('approved'),
    withdrawnReason: text('withdrawn_reason'),
    sourceRequestId: uuid('source_request_id'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    unique('cloud_services_name_unique').on(t.trustId, t.name),
    foreignKey({ columns: [t.trustId], foreignColumns: [trusts.id] }),
  ],
);
