import { sql } from 'drizzle-orm';
import { date, foreignKey, index, pgTable, primaryKey, text, unique, uuid } from 'drizzle-orm/pg-core';
import { tenantKey, tstz } from '../../db/columns.ts';
import { concerns } from '../concerns/schema.ts';
import { people, schools, trusts } from '../organisations/schema.ts';

export const SEVERITIES = {
  low: { label: 'Low', tone: 'grey' },
  medium: { label: 'Medium', tone: 'orange' },
  high: { label: 'High', tone: 'red' },
} as const;
export type Severity = keyof typeof SEVERITIES;

/** Sanctions recorded as outcomes (000, 004); only people with HR-level access see or set them. */
export const SANCTIONS = {
  none: 'No sanction',
  advice: 'Advice and guidance',
  training: 'Training required',
  written_warning: 'Written warning',
  final_warning: 'Final written warning',
  suspension: 'Suspension',
  access_withdrawn: 'Access to school systems withdrawn',
  referral_governors: 'Referred to governors or trustees',
  referral_police: 'Referred to the police',
  dismissal: 'Dismissal',
} as const;
export type Sanction = keyof typeof SANCTIONS;

/**
 * A non-compliance record (000 appendix 3 protocol): a person or a group broke a clause of a
 * policy. It is brought to the DPO and head teacher, gets an action plan, training needs and an
 * agreed review date. Never deleted (a trigger refuses).
 */
export const noncompliance = pgTable(
  'noncompliance',
  {
    ...tenantKey(),
    reference: text('reference').notNull(),
    /** Null for a trust-wide record (a central team). */
    schoolId: uuid('school_id'),
    /** A person, or a group described in words ("Year 6 team"). One of the two. */
    personId: uuid('person_id'),
    groupDescription: text('group_description'),
    policyId: uuid('policy_id'),
    versionId: uuid('version_id'),
    /** The clause as it read in that version: its number and its words (a snapshot). */
    clauseNumber: text('clause_number'),
    clauseText: text('clause_text'),
    sourceConcernId: uuid('source_concern_id'),
    severity: text('severity').$type<Severity>().notNull(),
    summary: text('summary').notNull(),
    status: text('status').$type<'open' | 'closed'>().notNull().default('open'),
    reviewOn: date('review_on').notNull(),
    outcome: text('outcome'),
    sanction: text('sanction').$type<Sanction>(),
    sanctionNote: text('sanction_note'),
    outcomeBy: uuid('outcome_by'),
    outcomeAt: tstz('outcome_at'),
    createdBy: uuid('created_by'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
    closedAt: tstz('closed_at'),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    unique('noncompliance_reference_unique').on(t.trustId, t.reference),
    foreignKey({ columns: [t.trustId], foreignColumns: [trusts.id] }),
    foreignKey({ columns: [t.trustId, t.schoolId], foreignColumns: [schools.trustId, schools.id] }),
    foreignKey({ columns: [t.trustId, t.personId], foreignColumns: [people.trustId, people.id] }),
    foreignKey({ columns: [t.trustId, t.sourceConcernId], foreignColumns: [concerns.trustId, concerns.id] }),
    index('noncompliance_school_idx').on(t.trustId, t.schoolId, t.createdAt),
    index('noncompliance_review_idx').on(t.reviewOn).where(sql`${t.status} = 'open'`),
  ],
);

/** The action plan: what will be done, by whom, by when, and when it was done. */
export const actionPlanItems = pgTable(
  'action_plan_items',
  {
    ...tenantKey(),
    noncomplianceId: uuid('noncompliance_id').notNull(),
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
    foreignKey({ columns: [t.trustId, t.noncomplianceId], foreignColumns: [noncompliance.trustId, noncompliance.id] }),
    foreignKey({ columns: [t.trustId, t.ownerId], foreignColumns: [people.trustId, people.id] }),
    index('action_plan_items_owner_idx').on(t.trustId, t.ownerId).where(sql`${t.doneAt} is null`),
  ],
);

/** Training needs identified for the person or group, and when they were met. */
export const trainingNeeds = pgTable(
  'training_needs',
  {
    ...tenantKey(),
    noncomplianceId: uuid('noncompliance_id').notNull(),
    need: text('need').notNull(),
    /** Who needs it, in words, when it is not the record's person ("all Year 6 staff"). */
    forWhom: text('for_whom'),
    metOn: date('met_on'),
    createdBy: uuid('created_by'),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    foreignKey({ columns: [t.trustId, t.noncomplianceId], foreignColumns: [noncompliance.trustId, noncompliance.id] }),
  ],
);
