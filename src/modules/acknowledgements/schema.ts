import { sql } from 'drizzle-orm';
import { bigint, boolean, date, foreignKey, index, integer, jsonb, pgTable, primaryKey, text, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { bytea, tenantKey, tstz } from '../../db/columns.ts';
import { people, trusts } from '../organisations/schema.ts';
import { policies, policyVersions } from '../policies/schema.ts';

/** Who a campaign is for. `everyone` wins; otherwise a person matches when they match every list that is not empty, or is named. */
export type Audience = {
  everyone: boolean;
  schoolIds: string[];
  kinds: string[];
  roles: string[];
  personIds: string[];
};

/**
 * An admin's request that an audience signs a published version by a date, with how reminders
 * and escalations run. Publishing the next version copies the campaign to it (re-signing), and
 * onboarding keeps assigning it to new people who fall in the audience.
 */
export const campaigns = pgTable(
  'campaigns',
  {
    ...tenantKey(),
    policyId: uuid('policy_id').notNull(),
    versionId: uuid('version_id').notNull(),
    audience: jsonb('audience').$type<Audience>().notNull(),
    dueOn: date('due_on').notNull(),
    /** New people in the audience are assigned automatically, due this many days after they start; null: no onboarding. */
    onboardingDays: integer('onboarding_days'),
    /** Reminders this many days before the due date (0 = on the day). */
    reminderDaysBefore: jsonb('reminder_days_before').$type<number[]>().notNull().default([7, 1, 0]),
    /** After the due date, a reminder every this many days. */
    overdueEveryDays: integer('overdue_every_days').notNull().default(7),
    /** Days overdue before the person's line manager is told; then the head teacher. Null: never. */
    escalateManagerAfterDays: integer('escalate_manager_after_days').default(7),
    escalateHeadAfterDays: integer('escalate_head_after_days').default(14),
    /** Days people have to sign again when a material version or the annual cycle re-assigns it. */
    resignDays: integer('resign_days').notNull().default(28),
    /** The campaign this one continues (the previous version's), for re-signing. */
    previousCampaignId: uuid('previous_campaign_id'),
    createdBy: uuid('created_by'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    closedAt: tstz('closed_at'),
    closedReason: text('closed_reason'),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    foreignKey({ columns: [t.trustId, t.policyId], foreignColumns: [policies.trustId, policies.id] }),
    foreignKey({ columns: [t.trustId, t.versionId], foreignColumns: [policyVersions.trustId, policyVersions.id] }),
    index('campaigns_version_idx').on(t.trustId, t.versionId),
  ],
);

export const ASSIGNMENT_SOURCES = {
  campaign: 'Assigned',
  onboarding: 'New starter',
  resign: 'Sign again: new version',
  carried: 'Carried to a minor revision',
  annual: 'Annual re-sign',
  import: 'Imported signature',
  paper: 'Paper signature',
} as const;
export type AssignmentSource = keyof typeof ASSIGNMENT_SOURCES;

/**
 * What one person must sign: a version, by a date. A person has at most one current assignment
 * per policy (not replaced, not withdrawn); a new version or a new annual round replaces it.
 * An assignment is satisfied by an acknowledgement: its own, or for a minor revision the one the
 * person gave to the version before.
 */
export const assignments = pgTable(
  'assignments',
  {
    ...tenantKey(),
    campaignId: uuid('campaign_id'),
    policyId: uuid('policy_id').notNull(),
    versionId: uuid('version_id').notNull(),
    personId: uuid('person_id').notNull(),
    dueOn: date('due_on').notNull(),
    source: text('source').$type<AssignmentSource>().notNull(),
    /** 1 for the first time a person is asked to sign a version; 2, 3… for annual rounds. */
    round: integer('round').notNull().default(1),
    assignedAt: tstz('assigned_at').notNull().defaultNow(),
    assignedBy: uuid('assigned_by'),
    /** The signature that satisfies it. */
    acknowledgementId: uuid('acknowledgement_id'),
    signedAt: tstz('signed_at'),
    replacedAt: tstz('replaced_at'),
    replacedById: uuid('replaced_by_id'),
    withdrawnAt: tstz('withdrawn_at'),
    withdrawnReason: text('withdrawn_reason'),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    foreignKey({ columns: [t.trustId, t.policyId], foreignColumns: [policies.trustId, policies.id] }),
    foreignKey({ columns: [t.trustId, t.versionId], foreignColumns: [policyVersions.trustId, policyVersions.id] }),
    foreignKey({ columns: [t.trustId, t.personId], foreignColumns: [people.trustId, people.id] }),
    foreignKey({ columns: [t.trustId, t.campaignId], foreignColumns: [campaigns.trustId, campaigns.id] }),
    unique('assignments_round_unique').on(t.trustId, t.versionId, t.personId, t.round),
    uniqueIndex('assignments_one_current').on(t.trustId, t.policyId, t.personId).where(sql`${t.replacedAt} is null and ${t.withdrawnAt} is null`),
    index('assignments_version_idx').on(t.trustId, t.versionId),
    index('assignments_campaign_idx').on(t.trustId, t.campaignId),
    index('assignments_person_idx').on(t.trustId, t.personId),
    index('assignments_due_idx').on(t.dueOn).where(sql`${t.acknowledgementId} is null and ${t.replacedAt} is null and ${t.withdrawnAt} is null`),
  ],
);

/** Scans of paper signatures recorded by a head teacher or admin. Append-only. */
export const acknowledgementScans = pgTable(
  'acknowledgement_scans',
  {
    ...tenantKey(),
    fileName: text('file_name').notNull(),
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    sha256: text('sha256').notNull(),
    bytes: bytea('bytes').notNull(),
    uploadedBy: uuid('uploaded_by'),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.trustId, t.id] }), foreignKey({ columns: [t.trustId], foreignColumns: [trusts.id] })],
);

export const AUTH_METHODS = {
  magic_link: 'Email sign-in link',
  password: 'Password',
  sso: 'Single sign-on',
  paper: 'Paper form recorded by a member of staff',
  imported: 'Imported from an earlier record',
} as const;
export type AuthMethod = keyof typeof AUTH_METHODS;

/**
 * The evidence: one row per signature, append-only (a trigger refuses UPDATE, DELETE and
 * TRUNCATE) and hash-chained per trust. `seq` counts 1, 2, 3… within the trust; `hash` is
 * SHA-256 over `prev_hash` and the canonical JSON of the evidence fields (chain.ts), so changing,
 * removing or re-ordering any row breaks every hash after it. Everything shown to the signer is
 * copied in (titles, declaration, statements), not pointed at.
 */
export const acknowledgements = pgTable(
  'acknowledgements',
  {
    ...tenantKey(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    assignmentId: uuid('assignment_id').notNull(),
    personId: uuid('person_id').notNull(),
    personName: text('person_name').notNull(),
    personEmail: text('person_email').notNull(),
    schoolNames: text('school_names').notNull(),
    policyId: uuid('policy_id').notNull(),
    versionId: uuid('version_id').notNull(),
    policyTitle: text('policy_title').notNull(),
    versionLabel: text('version_label').notNull(),
    contentSha256: text('content_sha256').notNull(),
    declarationText: text('declaration_text').notNull(),
    statements: jsonb('statements').$type<string[]>().notNull(),
    typedName: text('typed_name').notNull(),
    position: text('position').notNull(),
    signedAt: tstz('signed_at').notNull(),
    authMethod: text('auth_method').$type<AuthMethod>().notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    /** The member of staff who recorded it on the person's behalf (a paper form), and why. */
    recordedById: uuid('recorded_by_id'),
    recordedByName: text('recorded_by_name'),
    proxyNote: text('proxy_note'),
    scanId: uuid('scan_id'),
    scanSha256: text('scan_sha256'),
    imported: boolean('imported').notNull().default(false),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    unique('acknowledgements_seq_unique').on(t.trustId, t.seq),
    unique('acknowledgements_assignment_unique').on(t.trustId, t.assignmentId),
    foreignKey({ columns: [t.trustId, t.assignmentId], foreignColumns: [assignments.trustId, assignments.id] }),
    foreignKey({ columns: [t.trustId, t.personId], foreignColumns: [people.trustId, people.id] }),
    foreignKey({ columns: [t.trustId, t.versionId], foreignColumns: [policyVersions.trustId, policyVersions.id] }),
    foreignKey({ columns: [t.trustId, t.scanId], foreignColumns: [acknowledgementScans.trustId, acknowledgementScans.id] }),
    index('acknowledgements_person_idx').on(t.trustId, t.personId),
    index('acknowledgements_version_idx').on(t.trustId, t.versionId),
    index('acknowledgements_signed_idx').on(t.trustId, t.signedAt),
    // The public verification page looks a record up by its id alone; ids are unique everywhere.
    uniqueIndex('acknowledgements_id_unique').on(t.id),
  ],
);

/** The end of each trust's chain. Appending locks this row, so two signatures cannot fork the chain. */
export const chainHeads = pgTable('chain_heads', {
  trustId: uuid('trust_id')
    .primaryKey()
    .references(() => trusts.id),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull(),
  lastHash: text('last_hash').notNull(),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
});

/**
 * A counter per trust that moves on whenever anything the compliance dashboard counts changes
 * (triggers on assignments, people, their schools and roles, policies, versions and schools).
 * The dashboard keeps its answers in memory against it, so a repeat view costs one lookup, and
 * every app instance sees a change at once.
 */
export const complianceEpochs = pgTable('compliance_epochs', {
  trustId: uuid('trust_id')
    .primaryKey()
    .references(() => trusts.id),
  n: bigint('n', { mode: 'number' }).notNull().default(0),
});
