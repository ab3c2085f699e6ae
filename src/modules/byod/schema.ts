import { sql } from 'drizzle-orm';
import { date, foreignKey, index, jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { tenantKey, tstz } from '../../db/columns.ts';
import { people } from '../organisations/schema.ts';

export const BYOD_TYPES = { phone: 'Mobile phone', tablet: 'Tablet', laptop: 'Laptop', other: 'Other' } as const;
export type ByodType = keyof typeof BYOD_TYPES;
export const BYOD_USES = { email: 'School email', data: 'School data (files, MIS, apps)', wifi: 'School Wi-Fi' } as const;
export type ByodUse = keyof typeof BYOD_USES;

export const BYOD_STATUSES = {
  pending: { label: 'Waiting for IT', tone: 'orange' },
  approved: { label: 'Approved', tone: 'green' },
  refused: { label: 'Refused', tone: 'red' },
  expired: { label: 'Renewal overdue', tone: 'red' },
  closed: { label: 'Closed', tone: 'grey' },
} as const;
export type ByodStatus = keyof typeof BYOD_STATUSES;

export const CLOSE_REASONS = {
  sold: 'Sold or given away (wiped first)',
  lost: 'Lost or stolen (password changed, IT told)',
  replaced: 'Replaced or no longer used for school',
  left: 'Leaving the school',
} as const;
export type CloseReason = keyof typeof CLOSE_REASONS;

/**
 * A personal device registered for school use (001, 002: approval before use). Its state is the
 * latest attestation's; closing records why, with the confirmation the rules ask for. Never deleted.
 */
export const byodDevices = pgTable(
  'byod_devices',
  {
    ...tenantKey(),
    personId: uuid('person_id').notNull(),
    type: text('type').$type<ByodType>().notNull(),
    make: text('make').notNull(),
    model: text('model'),
    os: text('os').notNull(),
    uses: jsonb('uses').$type<ByodUse[]>().notNull(),
    status: text('status').$type<ByodStatus>().notNull().default('pending'),
    registeredAt: tstz('registered_at').notNull().defaultNow(),
    closedAt: tstz('closed_at'),
    closeReason: text('close_reason').$type<CloseReason>(),
    /** What the person confirmed on closing: wiped (sold), password changed and IT told (lost). */
    closeConfirmation: jsonb('close_confirmation').$type<Record<string, unknown>>(),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    foreignKey({ columns: [t.trustId, t.personId], foreignColumns: [people.trustId, people.id] }),
    index('byod_devices_person_idx').on(t.trustId, t.personId),
    index('byod_devices_status_idx').on(t.trustId, t.status),
  ],
);

/**
 * One attestation to the trust's rules as they were (a snapshot), with the answers given, expiring
 * after the trust's period (default 12 months), and IT's decision with the reason.
 */
export const byodAttestations = pgTable(
  'byod_attestations',
  {
    ...tenantKey(),
    deviceId: uuid('device_id').notNull(),
    rules: jsonb('rules').$type<Record<string, unknown>>().notNull(),
    answers: jsonb('answers').$type<Record<string, unknown>>().notNull(),
    attestedAt: tstz('attested_at').notNull().defaultNow(),
    expiresOn: date('expires_on').notNull(),
    decision: text('decision').$type<'approved' | 'refused'>(),
    decidedBy: uuid('decided_by'),
    decidedAt: tstz('decided_at'),
    reason: text('reason'),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    foreignKey({ columns: [t.trustId, t.deviceId], foreignColumns: [byodDevices.trustId, byodDevices.id] }),
    index('byod_attestations_device_idx').on(t.trustId, t.deviceId, t.attestedAt),
    index('byod_attestations_expiry_idx').on(t.expiresOn).where(sql`${t.decision} = 'approved'`),
  ],
);
