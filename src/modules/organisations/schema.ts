import { sql } from 'drizzle-orm';
import { date, foreignKey, index, jsonb, pgTable, primaryKey, text, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { tenantKey, timestamps, tstz } from '../../db/columns.ts';

export const trusts = pgTable('trusts', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  settings: jsonb('settings').notNull().default({}),
  ...timestamps(),
});

export const schools = pgTable(
  'schools',
  {
    ...tenantKey(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    urn: text('urn'),
    phase: text('phase'),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    unique('schools_trust_slug_unique').on(t.trustId, t.slug),
    foreignKey({ columns: [t.trustId], foreignColumns: [trusts.id] }),
  ],
);

export const people = pgTable(
  'people',
  {
    ...tenantKey(),
    /** Stored lower-cased and trimmed; unique within a trust. */
    email: text('email').notNull(),
    fullName: text('full_name').notNull(),
    kind: text('kind').notNull(),
    position: text('position'),
    lineManagerId: uuid('line_manager_id'),
    startDate: date('start_date'),
    endDate: date('end_date'),
    /** The identifier the school's MIS or HR system uses; lets a re-import match a person whose email changed. */
    externalId: text('external_id'),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    unique('people_trust_email_unique').on(t.trustId, t.email),
    unique('people_trust_external_id_unique').on(t.trustId, t.externalId),
    foreignKey({ columns: [t.trustId], foreignColumns: [trusts.id] }),
    foreignKey({ name: 'people_line_manager_fk', columns: [t.trustId, t.lineManagerId], foreignColumns: [t.trustId, t.id] }),
    index('people_trust_name_idx').on(t.trustId, t.fullName),
    index('people_line_manager_idx').on(t.trustId, t.lineManagerId).where(sql`${t.lineManagerId} is not null`),
  ],
);

export const personSchools = pgTable(
  'person_schools',
  {
    trustId: uuid('trust_id').notNull(),
    personId: uuid('person_id').notNull(),
    schoolId: uuid('school_id').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.personId, t.schoolId] }),
    foreignKey({ columns: [t.trustId, t.personId], foreignColumns: [people.trustId, people.id] }),
    foreignKey({ columns: [t.trustId, t.schoolId], foreignColumns: [schools.trustId, schools.id] }),
  ],
);

export const roleAssignments = pgTable(
  'role_assignments',
  {
    ...tenantKey(),
    personId: uuid('person_id').notNull(),
    role: text('role').notNull(),
    /** Null when the role covers the whole trust. */
    schoolId: uuid('school_id'),
    grantedBy: uuid('granted_by'),
    grantedAt: tstz('granted_at').notNull().defaultNow(),
    revokedBy: uuid('revoked_by'),
    revokedAt: tstz('revoked_at'),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    foreignKey({ columns: [t.trustId, t.personId], foreignColumns: [people.trustId, people.id] }),
    foreignKey({ columns: [t.trustId, t.schoolId], foreignColumns: [schools.trustId, schools.id] }),
    uniqueIndex('role_assignments_active_unique')
      .on(t.trustId, t.personId, t.role, sql`coalesce(${t.schoolId}, '00000000-0000-0000-0000-000000000000'::uuid)`)
      .where(sql`${t.revokedAt} is null`),
  ],
);

/** An uploaded file kept between its preview and the admin's decision to apply it. */
export const importBatches = pgTable(
  'import_batches',
  {
    ...tenantKey(),
    kind: text('kind').notNull(),
    fileName: text('file_name').notNull(),
    fileSha256: text('file_sha256').notNull(),
    content: text('content').notNull(),
    options: jsonb('options').notNull().default({}),
    status: text('status').notNull().default('previewed'),
    summary: jsonb('summary'),
    createdBy: uuid('created_by'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    appliedAt: tstz('applied_at'),
  },
  (t) => [primaryKey({ columns: [t.trustId, t.id] }), foreignKey({ columns: [t.trustId], foreignColumns: [trusts.id] })],
);
