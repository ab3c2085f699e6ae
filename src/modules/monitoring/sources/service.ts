import { and, asc, desc, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordEvent } from '../../../audit/audit.ts';
import type { Ctx } from '../../../context.ts';
import { type Db, transaction } from '../../../db/client.ts';
import { AppError, type FieldErrors, NotFoundError, ValidationError } from '../../../errors.ts';
import { londonDateTime, londonToday } from '../../../ui/format.ts';
import { isUuid, manyValues, requiredText, toFieldErrors } from '../../../validation.ts';
import type { Actor } from '../../auth/actor.ts';
import { insertApiKey, revokeApiKeyIn } from '../../auth/api-keys.ts';
import { authorize } from '../../auth/authorize.ts';
import { apiKeys } from '../../auth/schema.ts';
import { listSchools } from '../../organisations/repository.ts';
import { people } from '../../organisations/schema.ts';
import {
  activityDaily,
  monitoringAuditEvents,
  monitoringSources,
  monitoringUploads,
  monitoringUsernames,
  SOURCE_KINDS,
  type SourceKind,
  USERNAME_MATCHES,
  type UsernameMatch,
} from '../schema.ts';

/*
 * Monitoring sources (the trust's filtering and monitoring products): adding one with its API key
 * (shown once), changing and archiving it, issuing a new key, and what the list and the source's
 * page show. Trust admins change sources (monitoring.sources); trust admins and trust IT see them
 * and upload logs (monitoring.upload).
 */

export type SourceRow = typeof monitoringSources.$inferSelect;
export type UploadRow = typeof monitoringUploads.$inferSelect;

export const SOURCE_KIND_CODES = Object.keys(SOURCE_KINDS) as SourceKind[];
export const USERNAME_MATCH_CODES = Object.keys(USERNAME_MATCHES) as UsernameMatch[];

/** The scope every source's key has, and nothing more. */
export const SOURCE_KEY_SCOPE = 'monitoring:write' as const;
export const keyName = (sourceName: string) => `Monitoring: ${sourceName}`;

const sourceInput = z.object({
  name: requiredText(80, 'Enter a name for the source', 'Name'),
  kind: z.enum(SOURCE_KIND_CODES as [SourceKind, ...SourceKind[]], { error: 'Choose what kind of system it is' }),
  schools: manyValues,
  usernameMatch: z.enum(USERNAME_MATCH_CODES as [UsernameMatch, ...UsernameMatch[]], { error: 'Choose how its usernames are matched to people' }),
});
export type SourceInput = z.output<typeof sourceInput>;

const personOf = (actor: Actor) => (actor.type === 'person' ? actor.personId : null);

/** Two admins adding or renaming sources at once are taken one after the other, so the name check holds. */
const lockSources = (tx: Db, trustId: string) => tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`monitoring-sources:${trustId}`}))`);

/** The input checked against the trust: a unique name (any capitals), schools of the trust. Every problem at once. */
async function checkInput(tx: Db, trustId: string, raw: unknown, exceptId?: string): Promise<SourceInput> {
  const result = sourceInput.safeParse(raw);
  const errors: FieldErrors = result.success ? {} : toFieldErrors(result.error);
  const given = (raw ?? {}) as Record<string, unknown>;
  const name = typeof given.name === 'string' ? given.name.trim() : '';
  if (name && !errors.name) {
    const [clash] = await tx
      .select({ name: monitoringSources.name })
      .from(monitoringSources)
      .where(
        and(
          eq(monitoringSources.trustId, trustId),
          sql`lower(${monitoringSources.name}) = lower(${name})`,
          exceptId ? ne(monitoringSources.id, exceptId) : undefined,
        ),
      );
    if (clash) errors.name = `There is already a source called ‘${clash.name}’. Choose another name`;
  }
  const known = new Set((await listSchools(tx, trustId)).map((s) => s.id));
  const schoolIds = result.success ? [...new Set(result.data.schools)] : [];
  if (schoolIds.some((id) => !known.has(id))) errors.schools = 'Choose schools from the list';
  if (!result.success || Object.keys(errors).length > 0) throw new ValidationError(errors);
  return { ...result.data, schools: schoolIds };
}

/** Another active key already has the name the source's key would take. */
const keyNameTaken = (name: string) =>
  new ValidationError({
    name: `An active API key is already called ‘${keyName(name)}’ (Settings, API keys). Choose another name for the source, or revoke that key first`,
  });

/** The source's fields as the audit trail keeps them. */
const auditFields = (s: Pick<SourceRow, 'name' | 'kind' | 'schoolIds' | 'usernameMatch'>) => ({
  name: s.name,
  kind: s.kind,
  schoolIds: s.schoolIds,
  usernameMatch: s.usernameMatch,
});

/**
 * Adds a source and its API key (scope monitoring:write, named "Monitoring: <name>") in one
 * transaction. The key is returned in full: the only time it exists outside the sender's hands.
 */
export async function createSource(ctx: Ctx, raw: unknown): Promise<{ source: SourceRow; key: string; prefix: string }> {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'monitoring.sources', { trustId });
  return transaction(ctx.db, async (tx) => {
    await lockSources(tx, trustId);
    const input = await checkInput(tx, trustId, raw);
    const created = await insertApiKey(tx, ctx, { name: keyName(input.name), scopes: [SOURCE_KEY_SCOPE] }).catch((error: unknown) => {
      throw error instanceof ValidationError ? keyNameTaken(input.name) : error;
    });
    const [source] = await tx
      .insert(monitoringSources)
      .values({
        trustId,
        name: input.name,
        kind: input.kind,
        schoolIds: input.schools,
        usernameMatch: input.usernameMatch,
        apiKeyId: created.apiKey.id,
        createdBy: personOf(ctx.actor),
      })
      .returning();
    if (!source) throw new Error('insert returned nothing');
    await recordEvent(tx, ctx, {
      action: 'monitoring_source.created',
      resourceType: 'monitoring_source',
      resourceId: source.id,
      summary: `Added the monitoring source ‘${source.name}’ with the API key ${created.apiKey.prefix}`,
      after: { ...auditFields(source), keyPrefix: created.apiKey.prefix },
    });
    return { source, key: created.key, prefix: created.apiKey.prefix };
  });
}

async function findSource(db: Db, trustId: string, id: string): Promise<SourceRow> {
  const [source] = isUuid(id)
    ? await db
        .select()
        .from(monitoringSources)
        .where(and(eq(monitoringSources.trustId, trustId), eq(monitoringSources.id, id)))
    : [];
  if (!source) throw new NotFoundError();
  return source;
}

/** One source, for someone who may see sources (or, with `monitoring.sources`, change them). */
export async function getSource(ctx: Ctx, id: string, action: 'monitoring.upload' | 'monitoring.sources' = 'monitoring.upload'): Promise<SourceRow> {
  authorize(ctx.actor, action, { trustId: ctx.actor.trustId });
  return findSource(ctx.db, ctx.actor.trustId, id);
}

/** Changing, sending to or uploading to an archived source. */
export class SourceArchivedError extends AppError {
  constructor(name: string) {
    super(`The source ‘${name}’ has been archived: it is kept for its alerts and counts, and cannot be changed, sent to or uploaded to.`, 409);
  }
}

/** A source that may still be changed, sent to or uploaded to: archived sources are kept for their alerts only. */
export async function getActiveSource(ctx: Ctx, id: string, action: 'monitoring.upload' | 'monitoring.sources'): Promise<SourceRow> {
  const source = await getSource(ctx, id, action);
  if (source.archivedAt) throw new SourceArchivedError(source.name);
  return source;
}

/** The form's values for a source (the edit page). */
export const sourceFormValues = (s: SourceRow) => ({ name: s.name, kind: s.kind, schools: s.schoolIds, usernameMatch: s.usernameMatch });

/**
 * Changes a source's name, kind, schools and username rule. The name of its key follows the
 * name. A new username rule applies to usernames not yet seen; usernames already found by the old
 * rule keep their person until an admin changes them on the usernames page.
 */
export async function updateSource(ctx: Ctx, id: string, raw: unknown): Promise<SourceRow> {
  const trustId = ctx.actor.trustId;
  const existing = await getActiveSource(ctx, id, 'monitoring.sources');
  return transaction(ctx.db, async (tx) => {
    await lockSources(tx, trustId);
    const input = await checkInput(tx, trustId, raw, existing.id);
    if (input.name !== existing.name && existing.apiKeyId) {
      const [clash] = await tx
        .select({ id: apiKeys.id })
        .from(apiKeys)
        .where(
          and(
            eq(apiKeys.trustId, trustId),
            isNull(apiKeys.revokedAt),
            ne(apiKeys.id, existing.apiKeyId),
            sql`lower(${apiKeys.name}) = lower(${keyName(input.name)})`,
          ),
        );
      if (clash) throw keyNameTaken(input.name);
      await tx
        .update(apiKeys)
        .set({ name: keyName(input.name) })
        .where(and(eq(apiKeys.trustId, trustId), eq(apiKeys.id, existing.apiKeyId), isNull(apiKeys.revokedAt)));
    }
    const [source] = await tx
      .update(monitoringSources)
      .set({ name: input.name, kind: input.kind, schoolIds: input.schools, usernameMatch: input.usernameMatch })
      .where(and(eq(monitoringSources.trustId, trustId), eq(monitoringSources.id, existing.id), isNull(monitoringSources.archivedAt)))
      .returning();
    if (!source) throw new SourceArchivedError(existing.name);
    await recordEvent(tx, ctx, {
      action: 'monitoring_source.updated',
      resourceType: 'monitoring_source',
      resourceId: source.id,
      summary: `Changed the monitoring source ‘${source.name}’`,
      before: auditFields(existing),
      after: auditFields(source),
    });
    return source;
  });
}

/** Archives a source: its key is revoked so it can send nothing more; its alerts and counts stay. */
export async function archiveSource(ctx: Ctx, id: string): Promise<SourceRow> {
  const trustId = ctx.actor.trustId;
  const existing = await getActiveSource(ctx, id, 'monitoring.sources');
  return transaction(ctx.db, async (tx) => {
    const [source] = await tx
      .update(monitoringSources)
      .set({ archivedAt: new Date() })
      .where(and(eq(monitoringSources.trustId, trustId), eq(monitoringSources.id, existing.id), isNull(monitoringSources.archivedAt)))
      .returning();
    if (!source) return existing;
    const revoked = existing.apiKeyId ? await revokeApiKeyIn(tx, ctx, existing.apiKeyId) : null;
    await recordEvent(tx, ctx, {
      action: 'monitoring_source.updated',
      resourceType: 'monitoring_source',
      resourceId: source.id,
      summary: `Archived the monitoring source ‘${source.name}’${revoked ? ` and revoked its API key ${revoked.prefix}` : ''}`,
      before: { archived: false },
      after: { archived: true },
    });
    return source;
  });
}

/** The prefix of the source's working key, or null when it has none. */
export async function activeKeyPrefix(db: Db, source: SourceRow): Promise<string | null> {
  if (!source.apiKeyId) return null;
  const [key] = await db
    .select({ prefix: apiKeys.prefix })
    .from(apiKeys)
    .where(and(eq(apiKeys.trustId, source.trustId), eq(apiKeys.id, source.apiKeyId), isNull(apiKeys.revokedAt)));
  return key?.prefix ?? null;
}

/** Revokes the source's key (it stops working on the next request) and creates a new one, shown once. */
export async function issueNewKey(ctx: Ctx, id: string): Promise<{ source: SourceRow; key: string; prefix: string; revokedPrefix: string | null }> {
  const trustId = ctx.actor.trustId;
  const existing = await getActiveSource(ctx, id, 'monitoring.sources');
  return transaction(ctx.db, async (tx) => {
    // The row lock makes a second, simultaneous request wait, then revoke the key this one made.
    const [locked] = await tx
      .select()
      .from(monitoringSources)
      .where(and(eq(monitoringSources.trustId, trustId), eq(monitoringSources.id, existing.id)))
      .for('update');
    if (!locked || locked.archivedAt) throw new SourceArchivedError(existing.name);
    const revoked = locked.apiKeyId ? await revokeApiKeyIn(tx, ctx, locked.apiKeyId) : null;
    const created = await insertApiKey(tx, ctx, { name: keyName(locked.name), scopes: [SOURCE_KEY_SCOPE] }).catch((error: unknown) => {
      throw error instanceof ValidationError ? keyNameTaken(locked.name) : error;
    });
    const [source] = await tx
      .update(monitoringSources)
      .set({ apiKeyId: created.apiKey.id })
      .where(and(eq(monitoringSources.trustId, trustId), eq(monitoringSources.id, locked.id)))
      .returning();
    if (!source) throw new Error('update returned nothing');
    await recordEvent(tx, ctx, {
      action: 'monitoring_source.key_issued',
      resourceType: 'monitoring_source',
      resourceId: source.id,
      summary: `Issued a new API key ${created.apiKey.prefix} for the monitoring source ‘${source.name}’${revoked ? `; ${revoked.prefix} was revoked` : ''}`,
      before: { keyPrefix: revoked?.prefix ?? null },
      after: { keyPrefix: created.apiKey.prefix },
    });
    return { source, key: created.key, prefix: created.apiKey.prefix, revokedPrefix: revoked?.prefix ?? null };
  });
}

// ---------------------------------------------------------------------------------------------
// What the list and a source's page show

export type SourceCounts = {
  /** Web events counted today and in the last 7 days (London days), plus sign-in and file events. */
  today: number;
  week: number;
  lastEventAt: Date | null;
  unmatched: number;
};

export type SourceSummary = {
  source: SourceRow;
  key: { prefix: string; lastUsedAt: Date | null; revokedAt: Date | null } | null;
  schools: { id: string; name: string }[];
  counts: SourceCounts;
};

/** London's today and the day six days before it, and the instants they start. */
function dayWindow(now: Date) {
  const today = londonToday(now);
  const weekStart = new Date(Date.parse(`${today}T12:00:00Z`) - 6 * 86_400_000).toISOString().slice(0, 10);
  return { today, weekStart, todayFrom: londonDateTime(today, '00:00'), weekFrom: londonDateTime(weekStart, '00:00') };
}

const num = (v: unknown) => Number(v ?? 0);

async function countsFor(db: Db, trustId: string, sourceIds: string[], now: Date): Promise<Map<string, SourceCounts>> {
  const out = new Map<string, SourceCounts>(sourceIds.map((id) => [id, { today: 0, week: 0, lastEventAt: null, unmatched: 0 }]));
  if (sourceIds.length === 0) return out;
  const w = dayWindow(now);
  const [activity, audit, usernames] = await Promise.all([
    db
      .select({
        sourceId: activityDaily.sourceId,
        today: sql<string>`coalesce(sum(${activityDaily.count}) filter (where ${activityDaily.day} = ${w.today}), 0)`,
        week: sql<string>`coalesce(sum(${activityDaily.count}), 0)`,
      })
      .from(activityDaily)
      .where(and(eq(activityDaily.trustId, trustId), inArray(activityDaily.sourceId, sourceIds), sql`${activityDaily.day} >= ${w.weekStart}`))
      .groupBy(activityDaily.sourceId),
    db
      .select({
        sourceId: monitoringAuditEvents.sourceId,
        today: sql<string>`count(*) filter (where ${monitoringAuditEvents.occurredAt} >= ${w.todayFrom.toISOString()})`,
        week: sql<string>`count(*) filter (where ${monitoringAuditEvents.occurredAt} >= ${w.weekFrom.toISOString()})`,
        last: sql<string | null>`max(${monitoringAuditEvents.occurredAt})`,
      })
      .from(monitoringAuditEvents)
      .where(and(eq(monitoringAuditEvents.trustId, trustId), inArray(monitoringAuditEvents.sourceId, sourceIds)))
      .groupBy(monitoringAuditEvents.sourceId),
    db
      .select({
        sourceId: monitoringUsernames.sourceId,
        unmatched: sql<string>`count(*) filter (where ${monitoringUsernames.personId} is null and not ${monitoringUsernames.notStaff})`,
        last: sql<string | null>`max(${monitoringUsernames.lastSeenAt})`,
      })
      .from(monitoringUsernames)
      .where(and(eq(monitoringUsernames.trustId, trustId), inArray(monitoringUsernames.sourceId, sourceIds)))
      .groupBy(monitoringUsernames.sourceId),
  ]);
  const later = (a: Date | null, b: string | Date | null) => {
    const d = b ? new Date(b) : null;
    return !a || (d && d > a) ? d : a;
  };
  for (const r of activity) {
    const c = out.get(r.sourceId);
    if (c) Object.assign(c, { today: c.today + num(r.today), week: c.week + num(r.week) });
  }
  for (const r of audit) {
    const c = out.get(r.sourceId);
    if (c) Object.assign(c, { today: c.today + num(r.today), week: c.week + num(r.week), lastEventAt: later(c.lastEventAt, r.last) });
  }
  for (const r of usernames) {
    const c = out.get(r.sourceId);
    if (c) Object.assign(c, { unmatched: num(r.unmatched), lastEventAt: later(c.lastEventAt, r.last) });
  }
  return out;
}

async function summaries(db: Db, trustId: string, sources: SourceRow[], now: Date): Promise<SourceSummary[]> {
  const keyIds = sources.flatMap((s) => (s.apiKeyId ? [s.apiKeyId] : []));
  const [keys, schools, counts] = await Promise.all([
    keyIds.length
      ? db
          .select({ id: apiKeys.id, prefix: apiKeys.prefix, lastUsedAt: apiKeys.lastUsedAt, revokedAt: apiKeys.revokedAt })
          .from(apiKeys)
          .where(and(eq(apiKeys.trustId, trustId), inArray(apiKeys.id, keyIds)))
      : [],
    listSchools(db, trustId),
    countsFor(
      db,
      trustId,
      sources.map((s) => s.id),
      now,
    ),
  ]);
  const keyById = new Map(keys.map((k) => [k.id, k]));
  const schoolById = new Map(schools.map((s) => [s.id, { id: s.id, name: s.name }]));
  return sources.map((source) => {
    const key = source.apiKeyId ? keyById.get(source.apiKeyId) : undefined;
    return {
      source,
      key: key ? { prefix: key.prefix, lastUsedAt: key.lastUsedAt, revokedAt: key.revokedAt } : null,
      schools: source.schoolIds.flatMap((id) => schoolById.get(id) ?? []),
      counts: counts.get(source.id) ?? { today: 0, week: 0, lastEventAt: null, unmatched: 0 },
    };
  });
}

/** The trust's sources, archived ones last, with their keys, schools and counts. */
export async function listSources(ctx: Ctx, now = new Date()): Promise<SourceSummary[]> {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'monitoring.upload', { trustId });
  const sources = await ctx.db
    .select()
    .from(monitoringSources)
    .where(eq(monitoringSources.trustId, trustId))
    .orderBy(sql`${monitoringSources.archivedAt} is not null`, asc(sql`lower(${monitoringSources.name})`));
  return summaries(ctx.db, trustId, sources, now);
}

export type UploadListItem = UploadRow & { uploadedByName: string | null };
export type UnmatchedItem = { username: string; eventCount: number; firstSeenAt: Date | null; lastSeenAt: Date | null };

export type SourcePageData = SourceSummary & {
  uploads: UploadListItem[];
  /** The unmatched usernames seen most often. */
  topUnmatched: UnmatchedItem[];
};

/** A source's page: its details, key, counts, recent uploads and the unmatched usernames seen most. */
export async function sourcePage(ctx: Ctx, id: string, now = new Date()): Promise<SourcePageData> {
  const source = await getSource(ctx, id);
  const trustId = source.trustId;
  const [summary] = await summaries(ctx.db, trustId, [source], now);
  if (!summary) throw new NotFoundError();
  const [uploads, topUnmatched] = await Promise.all([
    recentUploads(ctx.db, trustId, source.id, 10),
    ctx.db
      .select({
        username: monitoringUsernames.username,
        eventCount: monitoringUsernames.eventCount,
        firstSeenAt: monitoringUsernames.firstSeenAt,
        lastSeenAt: monitoringUsernames.lastSeenAt,
      })
      .from(monitoringUsernames)
      .where(
        and(
          eq(monitoringUsernames.trustId, trustId),
          eq(monitoringUsernames.sourceId, source.id),
          isNull(monitoringUsernames.personId),
          eq(monitoringUsernames.notStaff, false),
        ),
      )
      .orderBy(desc(monitoringUsernames.eventCount), asc(monitoringUsernames.username))
      .limit(5),
  ]);
  return { ...summary, uploads, topUnmatched };
}

async function recentUploads(db: Db, trustId: string, sourceId: string, limit: number): Promise<UploadListItem[]> {
  const found = await db
    .select({ upload: monitoringUploads, uploadedByName: people.fullName })
    .from(monitoringUploads)
    .leftJoin(people, and(eq(people.trustId, monitoringUploads.trustId), eq(people.id, monitoringUploads.uploadedBy)))
    .where(and(eq(monitoringUploads.trustId, trustId), eq(monitoringUploads.sourceId, sourceId)))
    .orderBy(desc(monitoringUploads.createdAt), desc(monitoringUploads.id))
    .limit(limit);
  return found.map((r) => ({ ...r.upload, uploadedByName: r.uploadedByName }));
}

/** One upload and its source, for the progress and column pages. */
export async function getUpload(ctx: Ctx, id: string): Promise<{ upload: UploadListItem; source: SourceRow }> {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'monitoring.upload', { trustId });
  const [found] = isUuid(id)
    ? await ctx.db
        .select({ upload: monitoringUploads, uploadedByName: people.fullName })
        .from(monitoringUploads)
        .leftJoin(people, and(eq(people.trustId, monitoringUploads.trustId), eq(people.id, monitoringUploads.uploadedBy)))
        .where(and(eq(monitoringUploads.trustId, trustId), eq(monitoringUploads.id, id)))
    : [];
  if (!found) throw new NotFoundError();
  const source = await findSource(ctx.db, trustId, found.upload.sourceId);
  return { upload: { ...found.upload, uploadedByName: found.uploadedByName }, source };
}
