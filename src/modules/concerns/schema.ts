import { sql } from 'drizzle-orm';
import { bigint, boolean, date, foreignKey, index, integer, jsonb, pgTable, primaryKey, text, unique, uuid } from 'drizzle-orm/pg-core';
import { bytea, tenantKey, tstz } from '../../db/columns.ts';
import { people, schools, trusts } from '../organisations/schema.ts';
import type { ConcernStatus, ConcernTypeCode, Confidentiality } from './types.ts';

/**
 * A reported concern: what happened, where, who reported it and its current state. The row holds
 * the current state for lists; every change to it is also a chronology entry (`concern_entries`),
 * which is the record that stands up later. Rows are never deleted (a trigger refuses).
 */
export const concerns = pgTable(
  'concerns',
  {
    ...tenantKey(),
    reference: text('reference').notNull(),
    schoolId: uuid('school_id').notNull(),
    type: text('type').$type<ConcernTypeCode>().notNull(),
    /** Who may see it, fixed from the type when reported (ADR 0009). */
    confidentiality: text('confidentiality').$type<Confidentiality>().notNull(),
    urgent: boolean('urgent').notNull(),
    status: text('status').$type<ConcernStatus>().notNull().default('new'),
    reporterId: uuid('reporter_id').notNull(),
    /** form, api, device_loss (a breach opened from a lost device's report), alert */
    source: text('source').notNull().default('form'),
    occurredAt: tstz('occurred_at').notNull(),
    location: text('location'),
    what: text('what').notNull(),
    /** People involved who are not in the directory (pupils, visitors), described in full. */
    othersInvolved: text('others_involved'),
    assigneeId: uuid('assignee_id'),
    /** The concern this one was opened from (a data breach opened from a lost device report). */
    linkedConcernId: uuid('linked_concern_id'),
    outcome: text('outcome'),
    rationale: text('rationale'),
    closedAt: tstz('closed_at'),
    closedBy: uuid('closed_by'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    unique('concerns_reference_unique').on(t.trustId, t.reference),
    foreignKey({ columns: [t.trustId], foreignColumns: [trusts.id] }),
    foreignKey({ columns: [t.trustId, t.schoolId], foreignColumns: [schools.trustId, schools.id] }),
    foreignKey({ columns: [t.trustId, t.reporterId], foreignColumns: [people.trustId, people.id] }),
    foreignKey({ columns: [t.trustId, t.assigneeId], foreignColumns: [people.trustId, people.id] }),
    index('concerns_school_idx').on(t.trustId, t.schoolId, t.createdAt),
    index('concerns_reporter_idx').on(t.trustId, t.reporterId),
    index('concerns_open_idx').on(t.trustId, t.status).where(sql`${t.status} <> 'closed'`),
  ],
);

export const CONCERN_PARTS = {
  subject: 'The report is about them',
  affected: 'Affected or at risk',
  witness: 'Saw or heard it',
} as const;
export type ConcernPart = keyof typeof CONCERN_PARTS;

/** People from the directory linked to a concern, and their part in it. */
export const concernPeople = pgTable(
  'concern_people',
  {
    trustId: uuid('trust_id').notNull(),
    concernId: uuid('concern_id').notNull(),
    personId: uuid('person_id').notNull(),
    part: text('part').$type<ConcernPart>().notNull(),
    addedAt: tstz('added_at').notNull().defaultNow(),
    addedBy: uuid('added_by'),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.concernId, t.personId] }),
    foreignKey({ columns: [t.trustId, t.concernId], foreignColumns: [concerns.trustId, concerns.id] }),
    foreignKey({ columns: [t.trustId, t.personId], foreignColumns: [people.trustId, people.id] }),
    index('concern_people_person_idx').on(t.trustId, t.personId),
  ],
);

/**
 * Who a concern was routed to when it was reported, and why ("DSL at Oakfield Primary"). Urgent
 * types are emailed at once; the rest wait for the daily digest (`notifiedAt` is set when queued).
 */
export const concernRecipients = pgTable(
  'concern_recipients',
  {
    trustId: uuid('trust_id').notNull(),
    concernId: uuid('concern_id').notNull(),
    personId: uuid('person_id').notNull(),
    reason: text('reason').notNull(),
    notifiedAt: tstz('notified_at'),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.concernId, t.personId] }),
    foreignKey({ columns: [t.trustId, t.concernId], foreignColumns: [concerns.trustId, concerns.id] }),
    foreignKey({ columns: [t.trustId, t.personId], foreignColumns: [people.trustId, people.id] }),
    index('concern_recipients_person_idx').on(t.trustId, t.personId),
    index('concern_recipients_pending_idx').on(t.trustId, t.personId).where(sql`${t.notifiedAt} is null`),
  ],
);

export const ENTRY_KINDS = {
  reported: 'Reported',
  note: 'Note',
  status: 'Status changed',
  assigned: 'Assigned',
  person_linked: 'Person linked',
  action_added: 'Action added',
  action_done: 'Action done',
  attachment: 'File attached',
  correction: 'Correction',
  decision: 'Decision',
  discovered_at: 'Discovery time corrected',
  ico_notified: 'ICO notified',
  individuals_told: 'Individuals told',
  escalated: 'Escalated',
  linked: 'Linked record',
  outcome: 'Closed with outcome',
  reopened: 'Reopened',
} as const;
export type EntryKind = keyof typeof ENTRY_KINDS;

/**
 * The chronology: who did or said what, when. Append-only (a trigger refuses UPDATE and DELETE);
 * a correction is a new entry that names the entry it corrects. `seq` numbers entries per concern.
 */
export const concernEntries = pgTable(
  'concern_entries',
  {
    ...tenantKey(),
    concernId: uuid('concern_id').notNull(),
    seq: integer('seq').notNull(),
    at: tstz('at').notNull().defaultNow(),
    authorId: uuid('author_id'),
    authorName: text('author_name').notNull(),
    kind: text('kind').$type<EntryKind>().notNull(),
    text: text('text').notNull(),
    /** Structured facts of the entry (old and new status, the corrected entry's seq, the decision). */
    data: jsonb('data').$type<Record<string, unknown>>(),
    /** The entry this one corrects. */
    correctsSeq: integer('corrects_seq'),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    unique('concern_entries_seq_unique').on(t.trustId, t.concernId, t.seq),
    foreignKey({ columns: [t.trustId, t.concernId], foreignColumns: [concerns.trustId, concerns.id] }),
  ],
);

/** Actions agreed on a concern, with an owner and a due date. Done is recorded, never undone silently (a chronology entry each time). */
export const concernActions = pgTable(
  'concern_actions',
  {
    ...tenantKey(),
    concernId: uuid('concern_id').notNull(),
    text: text('text').notNull(),
    ownerId: uuid('owner_id').notNull(),
    dueOn: date('due_on').notNull(),
    doneAt: tstz('done_at'),
    doneBy: uuid('done_by'),
    createdBy: uuid('created_by'),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    foreignKey({ columns: [t.trustId, t.concernId], foreignColumns: [concerns.trustId, concerns.id] }),
    foreignKey({ columns: [t.trustId, t.ownerId], foreignColumns: [people.trustId, people.id] }),
    index('concern_actions_owner_idx').on(t.trustId, t.ownerId).where(sql`${t.doneAt} is null`),
  ],
);

/** Files attached to a concern, with their SHA-256 taken on upload. Append-only. */
export const concernAttachments = pgTable(
  'concern_attachments',
  {
    ...tenantKey(),
    concernId: uuid('concern_id').notNull(),
    fileName: text('file_name').notNull(),
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    sha256: text('sha256').notNull(),
    bytes: bytea('bytes').notNull(),
    uploadedBy: uuid('uploaded_by'),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    foreignKey({ columns: [t.trustId, t.concernId], foreignColumns: [concerns.trustId, concerns.id] }),
    index('concern_attachments_concern_idx').on(t.trustId, t.concernId),
  ],
);

export const BREACH_DECISIONS = { reportable: 'Reportable to the ICO', not_reportable: 'Not reportable to the ICO' } as const;
export type BreachDecision = keyof typeof BREACH_DECISIONS;

/**
 * The UK GDPR Article 33 facts of a data breach concern. `icoDueAt` is always discoveredAt + 72
 * hours; discoveredAt changes only through a chronology entry (`discovered_at`).
 */
export const breaches = pgTable(
  'breaches',
  {
    trustId: uuid('trust_id').notNull(),
    concernId: uuid('concern_id').notNull(),
    discoveredAt: tstz('discovered_at').notNull(),
    icoDueAt: tstz('ico_due_at').notNull(),
    /** What personal data, and roughly how many people. */
    dataInvolved: text('data_involved'),
    peopleAffected: integer('people_affected'),
    decision: text('decision').$type<BreachDecision>(),
    decisionReasons: text('decision_reasons'),
    decidedBy: uuid('decided_by'),
    decidedAt: tstz('decided_at'),
    icoReference: text('ico_reference'),
    icoNotifiedAt: tstz('ico_notified_at'),
    /** Article 34: were the people whose data it was told; yes, no (with why) or not yet decided. */
    individualsTold: text('individuals_told').$type<'yes' | 'no'>(),
    individualsToldAt: tstz('individuals_told_at'),
    individualsToldNote: text('individuals_told_note'),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.concernId] }),
    foreignKey({ columns: [t.trustId, t.concernId], foreignColumns: [concerns.trustId, concerns.id] }),
    index('breaches_open_clock_idx').on(t.icoDueAt).where(sql`${t.decision} is null`),
  ],
);

/** A lost or stolen device: the police crime reference (required when stolen), the device, and whether it held personal data. */
export const deviceLosses = pgTable(
  'device_losses',
  {
    trustId: uuid('trust_id').notNull(),
    concernId: uuid('concern_id').notNull(),
    kind: text('kind').$type<'lost' | 'stolen'>().notNull(),
    crimeReference: text('crime_reference'),
    /** The school's asset tag or serial number as reported; linked to the asset register when it exists. */
    assetReference: text('asset_reference'),
    assetId: uuid('asset_id'),
    deviceDescription: text('device_description').notNull(),
    heldPersonalData: text('held_personal_data').$type<'yes' | 'no' | 'unknown'>().notNull(),
    /** The data breach concern opened because it held personal data. */
    breachConcernId: uuid('breach_concern_id'),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.concernId] }),
    foreignKey({ columns: [t.trustId, t.concernId], foreignColumns: [concerns.trustId, concerns.id] }),
  ],
);

/** Who opened which restricted record, when (append-only). The DSL/DPO reads it as "who has looked at this". */
export const recordViews = pgTable(
  'record_views',
  {
    trustId: uuid('trust_id').notNull(),
    id: bigint('id', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
    resourceType: text('resource_type').notNull(),
    resourceId: uuid('resource_id').notNull(),
    personId: uuid('person_id'),
    personName: text('person_name').notNull(),
    /** What was opened: the record, an attachment, an export. */
    what: text('what').notNull().default('record'),
    at: tstz('at').notNull().defaultNow(),
    ip: text('ip'),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    foreignKey({ columns: [t.trustId], foreignColumns: [trusts.id] }),
    index('record_views_resource_idx').on(t.trustId, t.resourceType, t.resourceId, t.at),
  ],
);
