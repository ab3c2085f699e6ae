import { sql } from 'drizzle-orm';
import { boolean, date, foreignKey, index, jsonb, pgTable, primaryKey, text, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { tenantKey, tstz } from '../../db/columns.ts';
import { people, schools, trusts } from '../organisations/schema.ts';

export const ASSET_TYPES = {
  laptop: 'Laptop',
  tablet: 'Tablet',
  desktop: 'Desktop computer',
  phone: 'Mobile phone',
  camera: 'Camera',
  projector: 'Projector or display',
  storage: 'Storage (memory stick, drive)',
  network: 'Network equipment',
  peripheral: 'Peripheral (keyboard, headset…)',
  other: 'Other',
} as const;
export type AssetType = keyof typeof ASSET_TYPES;

export const ASSET_STATUSES = {
  in_stock: { label: 'In stock', tone: 'grey' },
  on_loan: { label: 'On loan', tone: 'blue' },
  in_repair: { label: 'In repair', tone: 'orange' },
  lost: { label: 'Lost', tone: 'red' },
  stolen: { label: 'Stolen', tone: 'red' },
  disposed: { label: 'Disposed of', tone: 'green' },
} as const;
export type AssetStatus = keyof typeof ASSET_STATUSES;

/**
 * The asset register: school devices, recorded on arrival (000: by the asset recorder). Tag and
 * serial are unique in a trust. Status changes only through the assets service, which writes an
 * asset event each time; rows are never deleted (a disposed device stays, with its wipe record).
 */
export const assets = pgTable(
  'assets',
  {
    ...tenantKey(),
    tag: text('tag').notNull(),
    serial: text('serial').notNull(),
    type: text('type').$type<AssetType>().notNull(),
    make: text('make'),
    model: text('model'),
    schoolId: uuid('school_id'),
    location: text('location'),
    purchasedOn: date('purchased_on'),
    orderReference: text('order_reference'),
    status: text('status').$type<AssetStatus>().notNull().default('in_stock'),
    notes: text('notes'),
    /** Where the record came from: the form, a CSV import, or a device-management tool through the API. */
    source: text('source').notNull().default('form'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    unique('assets_trust_tag_unique').on(t.trustId, t.tag),
    unique('assets_trust_serial_unique').on(t.trustId, t.serial),
    foreignKey({ columns: [t.trustId], foreignColumns: [trusts.id] }),
    foreignKey({ columns: [t.trustId, t.schoolId], foreignColumns: [schools.trustId, schools.id] }),
    index('assets_status_idx').on(t.trustId, t.status),
  ],
);

/** An asset's history: every change, loan, return, loss and disposal. Append-only. */
export const assetEvents = pgTable(
  'asset_events',
  {
    ...tenantKey(),
    assetId: uuid('asset_id').notNull(),
    at: tstz('at').notNull().defaultNow(),
    actorId: uuid('actor_id'),
    actorName: text('actor_name').notNull(),
    kind: text('kind').notNull(),
    text: text('text').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>(),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    foreignKey({ columns: [t.trustId, t.assetId], foreignColumns: [assets.trustId, assets.id] }),
    index('asset_events_asset_idx').on(t.trustId, t.assetId, t.at),
  ],
);

/** Disposal needs a wipe record (003 §8.6.6): how, by whom, the certificate number. */
export const assetDisposals = pgTable(
  'asset_disposals',
  {
    trustId: uuid('trust_id').notNull(),
    assetId: uuid('asset_id').notNull(),
    disposedOn: date('disposed_on').notNull(),
    wipeMethod: text('wipe_method').notNull(),
    wipedBy: text('wiped_by').notNull(),
    certificateNumber: text('certificate_number').notNull(),
    recordedBy: uuid('recorded_by'),
    recordedAt: tstz('recorded_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.trustId, t.assetId] }), foreignKey({ columns: [t.trustId, t.assetId], foreignColumns: [assets.trustId, assets.id] })],
);

/** The trust's device loan agreement: its own versioned text, like a policy. The newest is in force. */
export const loanAgreementVersions = pgTable(
  'loan_agreement_versions',
  {
    ...tenantKey(),
    label: text('label').notNull(),
    text: text('text').notNull(),
    contentSha256: text('content_sha256').notNull(),
    publishedBy: uuid('published_by'),
    publishedAt: tstz('published_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    unique('loan_agreement_versions_label_unique').on(t.trustId, t.label),
    foreignKey({ columns: [t.trustId], foreignColumns: [trusts.id] }),
  ],
);

export const LOAN_STATUSES = {
  awaiting_signature: { label: 'Waiting for signature', tone: 'orange' },
  active: { label: 'On loan', tone: 'blue' },
  return_requested: { label: 'Return requested', tone: 'orange' },
  returned: { label: 'Returned', tone: 'green' },
  cancelled: { label: 'Cancelled before signing', tone: 'grey' },
} as const;
export type LoanStatus = keyof typeof LOAN_STATUSES;

/**
 * A loan of one or more devices to a person. The person signs the loan agreement (online from an
 * emailed link, or in person on the IT desk's screen); the signed record keeps the agreement text
 * and the serial numbers as they were (a snapshot) and their SHA-256. A return request starts a
 * 72-hour clock (003 §7.2); the return is confirmed by the person.
 */
export const loans = pgTable(
  'loans',
  {
    ...tenantKey(),
    reference: text('reference').notNull(),
    personId: uuid('person_id').notNull(),
    schoolId: uuid('school_id'),
    status: text('status').$type<LoanStatus>().notNull().default('awaiting_signature'),
    offSite: boolean('off_site').notNull().default(true),
    offSiteNote: text('off_site_note'),
    issuedBy: uuid('issued_by'),
    issuedAt: tstz('issued_at').notNull().defaultNow(),
    agreementVersionId: uuid('agreement_version_id').notNull(),
    signedAt: tstz('signed_at'),
    signMethod: text('sign_method').$type<'email_link' | 'in_person'>(),
    signedName: text('signed_name'),
    signedIp: text('signed_ip'),
    signedUserAgent: text('signed_user_agent'),
    /** What was signed, exactly: the agreement text, the devices and serials, and their SHA-256. */
    signedSnapshot: jsonb('signed_snapshot').$type<Record<string, unknown>>(),
    signedSha256: text('signed_sha256'),
    returnRequestedAt: tstz('return_requested_at'),
    returnRequestedBy: uuid('return_requested_by'),
    returnDueAt: tstz('return_due_at'),
    returnReason: text('return_reason'),
    returnedAt: tstz('returned_at'),
    returnReceivedBy: uuid('return_received_by'),
    /** The person confirms school data was removed and everything handed back. */
    returnConfirmedName: text('return_confirmed_name'),
    returnSnapshot: jsonb('return_snapshot').$type<Record<string, unknown>>(),
    returnSha256: text('return_sha256'),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    unique('loans_reference_unique').on(t.trustId, t.reference),
    foreignKey({ columns: [t.trustId, t.personId], foreignColumns: [people.trustId, people.id] }),
    foreignKey({ columns: [t.trustId, t.agreementVersionId], foreignColumns: [loanAgreementVersions.trustId, loanAgreementVersions.id] }),
    index('loans_person_idx').on(t.trustId, t.personId),
    index('loans_return_due_idx').on(t.returnDueAt).where(sql`${t.status} = 'return_requested'`),
  ],
);

export const CONDITIONS = { good: 'Good', worn: 'Worn but working', damaged: 'Damaged', faulty: 'Faulty' } as const;
export type Condition = keyof typeof CONDITIONS;

/** The devices of a loan, the accessories issued with each, and how each came back. A device is on at most one open loan. */
export const loanItems = pgTable(
  'loan_items',
  {
    trustId: uuid('trust_id').notNull(),
    loanId: uuid('loan_id').notNull(),
    assetId: uuid('asset_id').notNull(),
    accessories: jsonb('accessories').$type<string[]>().notNull().default([]),
    returnedAt: tstz('returned_at'),
    condition: text('condition').$type<Condition>(),
    accessoriesMissing: jsonb('accessories_missing').$type<string[]>(),
    returnNote: text('return_note'),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.loanId, t.assetId] }),
    foreignKey({ columns: [t.trustId, t.loanId], foreignColumns: [loans.trustId, loans.id] }),
    foreignKey({ columns: [t.trustId, t.assetId], foreignColumns: [assets.trustId, assets.id] }),
    uniqueIndex('loan_items_one_open_loan').on(t.trustId, t.assetId).where(sql`${t.returnedAt} is null`),
  ],
);
