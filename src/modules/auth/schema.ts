import { sql } from 'drizzle-orm';
import { bigint, foreignKey, index, integer, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { tenantKey, tstz } from '../../db/columns.ts';
import { people, trusts } from '../organisations/schema.ts';

const personFk = (t: { trustId: any; personId: any }) => foreignKey({ columns: [t.trustId, t.personId], foreignColumns: [people.trustId, people.id] });

export const magicLinks = pgTable(
  'magic_links',
  {
    ...tenantKey(),
    personId: uuid('person_id').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: tstz('created_at').notNull().defaultNow(),
    expiresAt: tstz('expires_at').notNull(),
    usedAt: tstz('used_at'),
    requestedIp: text('requested_ip'),
    /** Where the link leads after signing in (an agreement to sign); null for the home page. */
    nextPath: text('next_path'),
  },
  (t) => [primaryKey({ columns: [t.trustId, t.id] }), personFk(t)],
);

export const sessions = pgTable(
  'sessions',
  {
    ...tenantKey(),
    personId: uuid('person_id').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    authMethod: text('auth_method').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
    lastSeenAt: tstz('last_seen_at').notNull().defaultNow(),
    expiresAt: tstz('expires_at').notNull(),
    revokedAt: tstz('revoked_at'),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [primaryKey({ columns: [t.trustId, t.id] }), personFk(t)],
);

export const adminCredentials = pgTable(
  'admin_credentials',
  {
    trustId: uuid('trust_id').notNull(),
    personId: uuid('person_id').notNull(),
    passwordHash: text('password_hash').notNull(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.trustId, t.personId] }), personFk(t)],
);

/**
 * Installation-level: sign-in attempts are counted before anyone is known, so the row cannot
 * belong to a trust. It holds only hashes and an IP address and is pruned after a day.
 */
export const signInAttempts = pgTable(
  'sign_in_attempts',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    kind: text('kind').notNull(),
    emailHash: text('email_hash').notNull(),
    ip: text('ip').notNull(),
    at: tstz('at').notNull().defaultNow(),
  },
  (t) => [index('sign_in_attempts_email_idx').on(t.emailHash, t.at), index('sign_in_attempts_ip_idx').on(t.ip, t.at)],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    ...tenantKey(),
    name: text('name').notNull(),
    /** The first characters of the key, shown in lists so an admin can tell keys apart. */
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull().unique(),
    scopes: text('scopes').array().notNull(),
    createdBy: uuid('created_by'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    lastUsedAt: tstz('last_used_at'),
    revokedBy: uuid('revoked_by'),
    revokedAt: tstz('revoked_at'),
    useCount: integer('use_count').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    foreignKey({ columns: [t.trustId], foreignColumns: [trusts.id] }),
    // Two admins creating a key with the same name at once cannot both succeed.
    uniqueIndex('api_keys_active_name_unique').on(t.trustId, sql`lower(${t.name})`).where(sql`${t.revokedAt} is null`),
  ],
);
