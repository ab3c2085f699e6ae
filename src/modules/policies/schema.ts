import { sql } from 'drizzle-orm';
import { boolean, date, foreignKey, index, integer, jsonb, pgTable, primaryKey, text, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { tenantKey, timestamps, tstz } from '../../db/columns.ts';
import { people, schools, trusts } from '../organisations/schema.ts';

/** A policy of the trust (school_id null: every school) or of one school. */
export const policies = pgTable(
  'policies',
  {
    ...tenantKey(),
    schoolId: uuid('school_id'),
    /** Short name for web addresses, unique in the trust: /p/<trust>/<slug>. */
    slug: text('slug').notNull(),
    title: text('title').notNull(),
    ownerPersonId: uuid('owner_person_id'),
    /** The owner as a role when no one person owns it ("Head of governance"). */
    ownerRole: text('owner_role'),
    /** The approving body in the schools' words: "Board of Trustees", "Governing Body", "Finance committee". */
    approverBody: text('approver_body'),
    approverPersonId: uuid('approver_person_id'),
    category: text('category').notNull().default('internal'),
    statutory: boolean('statutory').notNull().default(false),
    publishOnWebsite: boolean('publish_on_website').notNull().default(false),
    reviewCycleMonths: integer('review_cycle_months').notNull().default(12),
    /** Everyone signs the version in force again this many months after they last signed; null: only when a material version is published. */
    resignEveryMonths: integer('resign_every_months'),
    relatedPolicies: jsonb('related_policies').notNull().default([]),
    /** Who must sign it: { kinds: [], roles: [], schoolIds: [] }. */
    audiences: jsonb('audiences').notNull().default({}),
    lastReviewedOn: date('last_reviewed_on'),
    nextReviewOn: date('next_review_on'),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    unique('policies_trust_slug_unique').on(t.trustId, t.slug),
    foreignKey({ columns: [t.trustId], foreignColumns: [trusts.id] }),
    foreignKey({ columns: [t.trustId, t.schoolId], foreignColumns: [schools.trustId, schools.id] }),
    foreignKey({ columns: [t.trustId, t.ownerPersonId], foreignColumns: [people.trustId, people.id] }),
    foreignKey({ columns: [t.trustId, t.approverPersonId], foreignColumns: [people.trustId, people.id] }),
    index('policies_next_review_idx').on(t.trustId, t.nextReviewOn),
  ],
);

/**
 * A version moves draft → approved → published → superseded. Only drafts change: a trigger
 * refuses any change to the content of a version once it has left draft.
 */
export const policyVersions = pgTable(
  'policy_versions',
  {
    ...tenantKey(),
    policyId: uuid('policy_id').notNull(),
    label: text('label').notNull(),
    status: text('status').notNull().default('draft'),
    /** The structured text: key points, numbered sections with clauses, agreement statements, declaration. */
    content: jsonb('content').notNull(),
    /** SHA-256 of the canonical JSON of the content: what a signature will point at. */
    contentSha256: text('content_sha256').notNull(),
    changeSummary: text('change_summary'),
    changeOrigin: text('change_origin'),
    material: boolean('material'),
    materialReason: text('material_reason'),
    approvedBy: uuid('approved_by'),
    approvedAt: tstz('approved_at'),
    approvalBody: text('approval_body'),
    approvalMinutesRef: text('approval_minutes_ref'),
    publishedBy: uuid('published_by'),
    publishedAt: tstz('published_at'),
    effectiveFrom: date('effective_from'),
    supersededAt: tstz('superseded_at'),
    createdBy: uuid('created_by'),
    /** Where the draft came from: 'blank', 'copy' (of the version in force), 'import'. */
    origin: text('origin').notNull().default('blank'),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    foreignKey({ columns: [t.trustId, t.policyId], foreignColumns: [policies.trustId, policies.id] }),
    unique('policy_versions_label_unique').on(t.trustId, t.policyId, t.label),
    // Exactly one version in force per policy, enforced by the database.
    uniqueIndex('policy_versions_one_in_force').on(t.trustId, t.policyId).where(sql`${t.status} = 'published'`),
    // At most one draft at a time keeps "the next version" unambiguous.
    uniqueIndex('policy_versions_one_draft').on(t.trustId, t.policyId).where(sql`${t.status} = 'draft'`),
  ],
);

/** The document's own change history table (000's "History of most recent policy changes"). */
export const policyHistory = pgTable(
  'policy_history',
  {
    ...tenantKey(),
    policyId: uuid('policy_id').notNull(),
    versionLabel: text('version_label').notNull(),
    /** As written in the source: a date, a month ("February 2024") or blank. */
    dateText: text('date_text'),
    page: text('page'),
    change: text('change'),
    origin: text('origin'),
    position: integer('position').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.trustId, t.id] }), foreignKey({ columns: [t.trustId, t.policyId], foreignColumns: [policies.trustId, policies.id] })],
);

/** A review of the policy, with or without changes: moves the next review date on. */
export const policyReviews = pgTable(
  'policy_reviews',
  {
    ...tenantKey(),
    policyId: uuid('policy_id').notNull(),
    versionId: uuid('version_id'),
    reviewedOn: date('reviewed_on').notNull(),
    reviewedBy: uuid('reviewed_by'),
    outcome: text('outcome').notNull(),
    /** What the reviewer wrote about the outcome (optional). */
    note: text('note'),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.trustId, t.id] }), foreignKey({ columns: [t.trustId, t.policyId], foreignColumns: [policies.trustId, policies.id] })],
);
