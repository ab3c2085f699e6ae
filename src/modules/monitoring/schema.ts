import { sql } from 'drizzle-orm';
import { bigint, boolean, date, foreignKey, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { tenantKey, tstz } from '../../db/columns.ts';
import { people } from '../organisations/schema.ts';

/*
 * Monitoring and filtering intake (ADR 0011). Signals arrive from a trust's filtering and
 * monitoring products (a JSON webhook per source, or uploaded log exports); only what matters is
 * kept: events a rule matches (as alert events), daily counts of everything else, and the audit
 * kinds (logons, file deletions) for the trust's retention period.
 */

export const SOURCE_KINDS = {
  filtering: 'Web filtering',
  monitoring: 'Safeguarding monitoring',
  firewall: 'Firewall or proxy',
  directory: 'Sign-in and file audit (directory, file server)',
  other: 'Other',
} as const;
export type SourceKind = keyof typeof SOURCE_KINDS;

/** How a source's usernames are matched to people; explicit mappings always win. */
export const USERNAME_MATCHES = {
  email: 'The username is the person’s work email address',
  email_local: 'The username is the part of the work email before the @ (jsmith for jsmith@school.org.uk)',
  external_id: 'The username is the identifier in the people directory’s external ID column',
} as const;
export type UsernameMatch = keyof typeof USERNAME_MATCHES;

/** A system that sends events: its key (an API key with the monitoring:write scope), schools and username rule. */
export const monitoringSources = pgTable(
  'monitoring_sources',
  {
    ...tenantKey(),
    name: text('name').notNull(),
    kind: text('kind').$type<SourceKind>().notNull(),
    /** The schools whose people and networks it covers; [] means the whole trust. */
    schoolIds: uuid('school_ids').array().notNull(),
    usernameMatch: text('username_match').$type<UsernameMatch>().notNull(),
    /** The API key it sends with; replaced when a new key is issued (the old one is revoked). */
    apiKeyId: uuid('api_key_id'),
    createdBy: uuid('created_by'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    archivedAt: tstz('archived_at'),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    uniqueIndex('monitoring_sources_name_unique').on(t.trustId, sql`lower(${t.name})`),
    index('monitoring_sources_key_idx').on(t.apiKeyId),
  ],
);

/**
 * Every username a source has sent, with who it is (explicitly mapped, or found by the source's
 * rule at the time) or that it is not a member of staff (a pupil or shared account). Usernames
 * with no person and not set aside are the "unmatched" list shown to the admin for mapping.
 */
export const monitoringUsernames = pgTable(
  'monitoring_usernames',
  {
    trustId: uuid('trust_id').notNull(),
    sourceId: uuid('source_id').notNull(),
    /** Lower-cased as received. */
    username: text('username').notNull(),
    personId: uuid('person_id'),
    /** Set by an admin (or a mapping CSV); otherwise the person found by the source's rule. */
    mappedBy: uuid('mapped_by'),
    mappedAt: tstz('mapped_at'),
    /** Not a member of staff: a pupil or shared account. Stops it showing as unmatched. */
    notStaff: boolean('not_staff').notNull().default(false),
    firstSeenAt: tstz('first_seen_at'),
    lastSeenAt: tstz('last_seen_at'),
    eventCount: bigint('event_count', { mode: 'number' }).notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.sourceId, t.username] }),
    foreignKey({ columns: [t.trustId, t.sourceId], foreignColumns: [monitoringSources.trustId, monitoringSources.id] }),
    foreignKey({ columns: [t.trustId, t.personId], foreignColumns: [people.trustId, people.id] }),
  ],
);

export const ALERT_SEVERITIES = {
  low: { label: 'Low', tone: 'grey', rank: 1 },
  medium: { label: 'Medium', tone: 'orange', rank: 2 },
  high: { label: 'High', tone: 'red', rank: 3 },
} as const;
export type AlertSeverity = keyof typeof ALERT_SEVERITIES;
export const ALERT_SEVERITY_CODES = Object.keys(ALERT_SEVERITIES) as AlertSeverity[];

export const RULE_KINDS = {
  category: 'A category reported by the source',
  domain: 'A watchlist of websites (domains)',
  keyword: 'A watchlist of words in the address or detail',
} as const;
export type RuleKind = keyof typeof RULE_KINDS;

export const RULE_ACTIONS = { any: 'Allowed or blocked', blocked: 'Only when blocked', allowed: 'Only when allowed' } as const;
export type RuleAction = keyof typeof RULE_ACTIONS;
export const RULE_TIMES = { any: 'At any time', inside: 'Only between the times below', outside: 'Only outside the times below' } as const;
export type RuleTime = keyof typeof RULE_TIMES;
export const RULE_PEOPLE = { everyone: 'Everyone', enhanced: 'Only people under enhanced monitoring' } as const;
export type RulePeople = keyof typeof RULE_PEOPLE;

/**
 * One rule of the trust's rule set: what it matches (a category, a domain list, a keyword list),
 * the conditions (blocked or allowed, time of day, who), and the category and severity of the
 * alert it raises. Rules are switched off, never deleted, so alerts keep their rule.
 */
export const monitoringRules = pgTable(
  'monitoring_rules',
  {
    ...tenantKey(),
    name: text('name').notNull(),
    kind: text('kind').$type<RuleKind>().notNull(),
    /** category: the category code it matches. domain/keyword: the category given to what it matches. */
    category: text('category').notNull(),
    /** domain: domains (a domain matches its subdomains); keyword: words or phrases, lower-cased. */
    terms: text('terms').array().notNull(),
    severity: text('severity').$type<AlertSeverity>().notNull(),
    action: text('action').$type<RuleAction>().notNull().default('any'),
    timeMode: text('time_mode').$type<RuleTime>().notNull().default('any'),
    /** "HH:MM", Europe/London, when timeMode is inside or outside. */
    timeFrom: text('time_from'),
    timeTo: text('time_to'),
    appliesTo: text('applies_to').$type<RulePeople>().notNull().default('everyone'),
    enabled: boolean('enabled').notNull().default(true),
    createdBy: uuid('created_by'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.trustId, t.id] }), uniqueIndex('monitoring_rules_name_unique').on(t.trustId, sql`lower(${t.name})`)],
);

/**
 * A person under enhanced monitoring during an investigation (004 §6.4): set by the head teacher
 * with a reason, from a start to an end date; ending it early records who and why. Never deleted.
 */
export const enhancedMonitoring = pgTable(
  'enhanced_monitoring',
  {
    ...tenantKey(),
    personId: uuid('person_id').notNull(),
    startsOn: date('starts_on').notNull(),
    endsOn: date('ends_on').notNull(),
    reason: text('reason').notNull(),
    setBy: uuid('set_by').notNull(),
    setAt: tstz('set_at').notNull().defaultNow(),
    endedAt: tstz('ended_at'),
    endedBy: uuid('ended_by'),
    endReason: text('end_reason'),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    foreignKey({ columns: [t.trustId, t.personId], foreignColumns: [people.trustId, people.id] }),
    index('enhanced_monitoring_person_idx').on(t.trustId, t.personId),
  ],
);

export const ALERT_STATUSES = {
  open: { label: 'Open', tone: 'red' },
  acknowledged: { label: 'Acknowledged', tone: 'blue' },
  closed: { label: 'Closed', tone: 'green' },
} as const;
export type AlertStatus = keyof typeof ALERT_STATUSES;

export const ALERT_OUTCOMES = {
  true_positive: 'True positive: a real concern',
  false_positive: 'False positive: nothing of concern',
} as const;
export type AlertOutcome = keyof typeof ALERT_OUTCOMES;

/** Who an alert goes to: the school's DSL team, or the head teacher for staff when the trust says so. */
export type AlertAudience = 'dsl' | 'head_teacher';

/**
 * An alert: one person (or unmatched username), category and rule, with the events that raised and
 * extended it. Repeats within the throttle window extend it rather than raising another.
 */
export const alerts = pgTable(
  'alerts',
  {
    ...tenantKey(),
    /** Quoted by people, like A-2026-0042. */
    reference: text('reference').notNull(),
    sourceId: uuid('source_id').notNull(),
    /** The school it belongs to (the person's, or the source's only school); null: trust-wide. */
    schoolId: uuid('school_id'),
    personId: uuid('person_id'),
    /** As the source sent it; null when the source gave none (then `ip` says which machine). */
    username: text('username'),
    ip: text('ip'),
    /** The throttle key: person id, else username, else ip. */
    subjectKey: text('subject_key').notNull(),
    category: text('category').notNull(),
    severity: text('severity').$type<AlertSeverity>().notNull(),
    ruleId: uuid('rule_id').notNull(),
    /** The rule's name and what it matched when the alert was raised. */
    ruleName: text('rule_name').notNull(),
    audience: text('audience').$type<AlertAudience>().notNull(),
    /** The person was under enhanced monitoring when it was raised. */
    enhanced: boolean('enhanced').notNull().default(false),
    firstEventAt: tstz('first_event_at').notNull(),
    lastEventAt: tstz('last_event_at').notNull(),
    eventCount: integer('event_count').notNull().default(1),
    status: text('status').$type<AlertStatus>().notNull().default('open'),
    outcome: text('outcome').$type<AlertOutcome>(),
    outcomeNote: text('outcome_note'),
    outcomeBy: uuid('outcome_by'),
    outcomeAt: tstz('outcome_at'),
    acknowledgedBy: uuid('acknowledged_by'),
    acknowledgedAt: tstz('acknowledged_at'),
    closedBy: uuid('closed_by'),
    closedAt: tstz('closed_at'),
    /** The concern it was escalated to. */
    concernId: uuid('concern_id'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    /** When it was emailed at once (high severity) or put in a digest. */
    notifiedAt: tstz('notified_at'),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    uniqueIndex('alerts_reference_unique').on(t.trustId, t.reference),
    foreignKey({ columns: [t.trustId, t.sourceId], foreignColumns: [monitoringSources.trustId, monitoringSources.id] }),
    foreignKey({ columns: [t.trustId, t.ruleId], foreignColumns: [monitoringRules.trustId, monitoringRules.id] }),
    foreignKey({ columns: [t.trustId, t.personId], foreignColumns: [people.trustId, people.id] }),
    index('alerts_throttle_idx').on(t.trustId, t.subjectKey, t.category, t.ruleId, t.lastEventAt).where(sql`${t.status} <> 'closed'`),
    index('alerts_status_idx').on(t.trustId, t.status, t.severity),
    index('alerts_created_idx').on(t.trustId, t.firstEventAt),
    index('alerts_person_idx').on(t.trustId, t.personId),
  ],
);

/** At most this many events are kept on one alert; the count goes on. */
export const MAX_EVENTS_PER_ALERT = 500;

/** The events that raised or extended an alert (only matching events are ever stored one by one). Append-only. */
export const alertEvents = pgTable(
  'alert_events',
  {
    ...tenantKey(),
    alertId: uuid('alert_id').notNull(),
    occurredAt: tstz('occurred_at').notNull(),
    url: text('url'),
    action: text('action').$type<'allowed' | 'blocked'>(),
    device: text('device'),
    ip: text('ip'),
    detail: text('detail'),
    /** What the rule matched, in words: "domain example.com", "keyword “knife”", "category self_harm". */
    matched: text('matched').notNull(),
    receivedAt: tstz('received_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    foreignKey({ columns: [t.trustId, t.alertId], foreignColumns: [alerts.trustId, alerts.id] }),
    index('alert_events_alert_idx').on(t.trustId, t.alertId, t.occurredAt),
  ],
);

export const ALERT_ENTRY_KINDS = {
  raised: 'Raised',
  acknowledged: 'Acknowledged',
  outcome: 'Outcome recorded',
  escalated: 'Escalated to a concern',
  closed: 'Closed',
  note: 'Note',
} as const;
export type AlertEntryKind = keyof typeof ALERT_ENTRY_KINDS;

/** The alert's history: who did what, when, and why. Append-only. */
export const alertEntries = pgTable(
  'alert_entries',
  {
    ...tenantKey(),
    alertId: uuid('alert_id').notNull(),
    kind: text('kind').$type<AlertEntryKind>().notNull(),
    text: text('text').notNull(),
    by: uuid('by'),
    at: tstz('at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    foreignKey({ columns: [t.trustId, t.alertId], foreignColumns: [alerts.trustId, alerts.id] }),
    index('alert_entries_alert_idx').on(t.trustId, t.alertId, t.at),
  ],
);

/**
 * Everything else, counted: events per source, day (Europe/London), username, category and
 * allowed/blocked. Storing every web request is not the job.
 */
export const activityDaily = pgTable(
  'activity_daily',
  {
    trustId: uuid('trust_id').notNull(),
    sourceId: uuid('source_id').notNull(),
    day: date('day').notNull(),
    /** Lower-cased; '' when the source sent none. */
    username: text('username').notNull(),
    personId: uuid('person_id'),
    category: text('category').notNull(),
    action: text('action').notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.sourceId, t.day, t.username, t.category, t.action] }),
    index('activity_daily_person_idx').on(t.trustId, t.personId, t.day),
  ],
);

export const AUDIT_EVENT_KINDS = { logon: 'Sign-in', file_deletion: 'File deleted' } as const;
export type AuditEventKind = keyof typeof AUDIT_EVENT_KINDS;

/** Sign-ins and file deletions (003 §4.3), kept for the trust's retention period and searchable by IT. */
export const monitoringAuditEvents = pgTable(
  'monitoring_audit_events',
  {
    ...tenantKey(),
    sourceId: uuid('source_id').notNull(),
    kind: text('kind').$type<AuditEventKind>().notNull(),
    occurredAt: tstz('occurred_at').notNull(),
    username: text('username'),
    personId: uuid('person_id'),
    outcome: text('outcome').$type<'success' | 'failure'>(),
    location: text('location'),
    device: text('device'),
    ip: text('ip'),
    path: text('path'),
    detail: text('detail'),
    receivedAt: tstz('received_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    foreignKey({ columns: [t.trustId, t.sourceId], foreignColumns: [monitoringSources.trustId, monitoringSources.id] }),
    index('monitoring_audit_events_time_idx').on(t.trustId, t.occurredAt),
    index('monitoring_audit_events_person_idx').on(t.trustId, t.personId, t.occurredAt),
    index('monitoring_audit_events_username_idx').on(t.trustId, t.username, t.occurredAt),
  ],
);

export const LOG_FORMATS = {
  squid: 'Squid access.log (native format)',
  squid_common: 'Squid common or combined log format',
  csv: 'CSV with a header row',
} as const;
export type LogFormat = keyof typeof LOG_FORMATS;

export const UPLOAD_STATUSES = {
  columns: { label: 'Choose the columns', tone: 'orange' },
  queued: { label: 'Waiting to start', tone: 'grey' },
  running: { label: 'Reading', tone: 'blue' },
  done: { label: 'Finished', tone: 'green' },
  failed: { label: 'Failed', tone: 'red' },
} as const;
export type UploadStatus = keyof typeof UPLOAD_STATUSES;

/** CSV columns chosen at upload: field → the header's column name. */
export type CsvColumns = Partial<Record<'occurredAt' | 'username' | 'category' | 'url' | 'action' | 'severity' | 'device' | 'ip' | 'detail', string>>;

export type MalformedLine = { line: number; reason: string };

/** A log file read into a source (from the web or the command line), with its progress and results. */
export const monitoringUploads = pgTable(
  'monitoring_uploads',
  {
    ...tenantKey(),
    sourceId: uuid('source_id').notNull(),
    format: text('format').$type<LogFormat>().notNull(),
    columns: jsonb('columns').$type<CsvColumns>(),
    fileName: text('file_name').notNull(),
    fileBytes: bigint('file_bytes', { mode: 'number' }).notNull(),
    sha256: text('sha256'),
    /** Where the file waits on this server while it is read; cleared once read. */
    filePath: text('file_path'),
    via: text('via').$type<'web' | 'cli'>().notNull(),
    status: text('status').$type<UploadStatus>().notNull(),
    bytesRead: bigint('bytes_read', { mode: 'number' }).notNull().default(0),
    linesRead: bigint('lines_read', { mode: 'number' }).notNull().default(0),
    eventsAccepted: bigint('events_accepted', { mode: 'number' }).notNull().default(0),
    malformedCount: bigint('malformed_count', { mode: 'number' }).notNull().default(0),
    /** The first malformed lines, with their numbers and why. */
    malformed: jsonb('malformed').$type<MalformedLine[]>().notNull().default([]),
    futureCount: bigint('future_count', { mode: 'number' }).notNull().default(0),
    unmatchedUsernames: integer('unmatched_usernames').notNull().default(0),
    alertsRaised: integer('alerts_raised').notNull().default(0),
    alertsExtended: integer('alerts_extended').notNull().default(0),
    error: text('error'),
    uploadedBy: uuid('uploaded_by'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    startedAt: tstz('started_at'),
    finishedAt: tstz('finished_at'),
    heartbeatAt: tstz('heartbeat_at'),
  },
  (t) => [
    primaryKey({ columns: [t.trustId, t.id] }),
    foreignKey({ columns: [t.trustId, t.sourceId], foreignColumns: [monitoringSources.trustId, monitoringSources.id] }),
    index('monitoring_uploads_source_idx').on(t.trustId, t.sourceId, t.createdAt),
  ],
);
