import { createHash } from 'node:crypto';
import path from 'node:path';
import { and, asc, count, desc, eq, ilike, inArray, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { recordEvent } from '../../../audit/audit.ts';
import type { Ctx } from '../../../context.ts';
import { decodeCsv, headingKey, readTable, type Table } from '../../../csv.ts';
import { type Db, transaction } from '../../../db/client.ts';
import { NotFoundError, ValidationError } from '../../../errors.ts';
import { isUuid, parseOrThrow, requiredText } from '../../../validation.ts';
import type { Actor } from '../../auth/actor.ts';
import { findPersonByReference } from '../../organisations/repository.ts';
import { importBatches, people } from '../../organisations/schema.ts';
import { LIMITS } from '../events.ts';
import { monitoringUsernames } from '../schema.ts';
import { getActiveSource, getSource, type SourceRow } from './service.ts';

/*
 * The usernames a source has sent: the unmatched ones for an admin to match to a person or set
 * aside (a pupil or shared account), the matched ones, and a mapping CSV (username,email) to match
 * many at once. An admin's decision (mapped_at set) always wins over the source's rule. Decisions
 * apply to events read from now on: past daily counts keep their username, and open alerts about
 * the username are not rewritten.
 */

export const USERNAME_VIEWS = {
  unmatched: 'Unmatched',
  matched: 'Matched to a person',
  not_staff: 'Not staff',
} as const;
export type UsernameView = keyof typeof USERNAME_VIEWS;

export const USERNAMES_PAGE_SIZE = 50;

const listQuery = z.object({
  show: z.enum(Object.keys(USERNAME_VIEWS) as [UsernameView, ...UsernameView[]]).catch('unmatched'),
  q: z
    .string()
    .trim()
    .max(200)
    .catch('')
    .transform((v) => v.toLowerCase()),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
export type UsernameListQuery = z.output<typeof listQuery>;
export const parseUsernameQuery = (raw: unknown): UsernameListQuery => listQuery.parse(raw ?? {});

export type UsernameItem = {
  username: string;
  eventCount: number;
  firstSeenAt: Date | null;
  lastSeenAt: Date | null;
  personId: string | null;
  personName: string | null;
  personEmail: string | null;
  /** An admin's decision (or a mapping CSV's), rather than the source's rule. */
  byAdmin: boolean;
  mappedAt: Date | null;
  mappedByName: string | null;
};

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
const u = monitoringUsernames;
const viewWhere = (view: UsernameView): SQL | undefined =>
  view === 'unmatched'
    ? and(isNull(u.personId), eq(u.notStaff, false))
    : view === 'matched'
      ? and(isNotNull(u.personId), eq(u.notStaff, false))
      : eq(u.notStaff, true);

/** One page of a source's usernames in a view, with a search on the username, and how many each view holds. */
export async function listUsernames(ctx: Ctx, sourceId: string, query: UsernameListQuery) {
  const source = await getSource(ctx, sourceId);
  const trustId = source.trustId;
  const bySource = and(eq(u.trustId, trustId), eq(u.sourceId, source.id));
  const search = query.q ? ilike(u.username, `%${escapeLike(query.q)}%`) : undefined;
  const where = and(bySource, viewWhere(query.show), search);
  const mapper = alias(people, 'mapper');
  const [items, [total], tabs] = await Promise.all([
    ctx.db
      .select({
        username: u.username,
        eventCount: u.eventCount,
        firstSeenAt: u.firstSeenAt,
        lastSeenAt: u.lastSeenAt,
        personId: u.personId,
        personName: people.fullName,
        personEmail: people.email,
        mappedAt: u.mappedAt,
        mappedByName: mapper.fullName,
      })
      .from(u)
      .leftJoin(people, and(eq(people.trustId, u.trustId), eq(people.id, u.personId)))
      .leftJoin(mapper, and(eq(mapper.trustId, u.trustId), eq(mapper.id, u.mappedBy)))
      .where(where)
      .orderBy(desc(u.eventCount), asc(u.username))
      .limit(USERNAMES_PAGE_SIZE)
      .offset((query.page - 1) * USERNAMES_PAGE_SIZE),
    ctx.db.select({ n: count() }).from(u).where(where),
    ctx.db
      .select({
        unmatched: sql<number>`count(*) filter (where ${u.personId} is null and not ${u.notStaff})`.mapWith(Number),
        matched: sql<number>`count(*) filter (where ${u.personId} is not null and not ${u.notStaff})`.mapWith(Number),
        not_staff: sql<number>`count(*) filter (where ${u.notStaff})`.mapWith(Number),
      })
      .from(u)
      .where(bySource),
  ]);
  const rows: UsernameItem[] = items.map((r) => ({ ...r, eventCount: Number(r.eventCount), byAdmin: r.mappedAt !== null }));
  return {
    source,
    items: rows,
    total: total?.n ?? 0,
    counts: (tabs[0] ?? { unmatched: 0, matched: 0, not_staff: 0 }) as Record<UsernameView, number>,
  };
}

/** A username as sources send it and it is kept: trimmed, lower case. */
export const normaliseUsername = (raw: string) => raw.trim().toLowerCase();

const usernameField = requiredText(LIMITS.username, 'Enter the username', 'The username').transform(normaliseUsername);

/** One username of a source, or null when the source has never sent it (and nobody has mapped it). */
export async function findUsername(ctx: Ctx, sourceId: string, rawUsername: string) {
  const source = await getSource(ctx, sourceId);
  const username = normaliseUsername(rawUsername);
  if (!username) throw new NotFoundError();
  const [row] = await ctx.db
    .select({ row: u, personName: people.fullName, personEmail: people.email })
    .from(u)
    .leftJoin(people, and(eq(people.trustId, u.trustId), eq(people.id, u.personId)))
    .where(and(eq(u.trustId, source.trustId), eq(u.sourceId, source.id), eq(u.username, username)));
  return { source, username, found: row ? { ...row.row, personName: row.personName, personEmail: row.personEmail } : null };
}

const personOf = (actor: Actor) => (actor.type === 'person' ? actor.personId : null);

type Decision = { personId: string | null; notStaff: boolean };

/** Writes an admin's decision about one username (creating the row for a username not yet seen). */
async function decide(tx: Db, ctx: Ctx, source: SourceRow, username: string, decision: Decision | null) {
  const [before] = await tx
    .select()
    .from(u)
    .where(and(eq(u.trustId, source.trustId), eq(u.sourceId, source.id), eq(u.username, username)))
    .for('update');
  const values = decision
    ? { personId: decision.personId, notStaff: decision.notStaff, mappedBy: personOf(ctx.actor), mappedAt: new Date() }
    : { personId: null, notStaff: false, mappedBy: null, mappedAt: null };
  if (before)
    await tx
      .update(u)
      .set(values)
      .where(and(eq(u.trustId, source.trustId), eq(u.sourceId, source.id), eq(u.username, username)));
  else await tx.insert(u).values({ trustId: source.trustId, sourceId: source.id, username, ...values });
  return before ?? null;
}

const mapInput = z.object({
  username: usernameField,
  person: requiredText(300, 'Enter the person’s name or work email address', 'The person'),
});

/**
 * Matches a username to a person of the directory (findPersonByReference: "Name (email)", an
 * email, or a unique full name). Applies to events read from now on.
 */
export async function mapUsername(ctx: Ctx, sourceId: string, raw: unknown) {
  const source = await getActiveSource(ctx, sourceId, 'monitoring.sources');
  const input = parseOrThrow(mapInput, raw);
  const person = await findPersonByReference(ctx.db, source.trustId, input.person);
  if (!person)
    throw new ValidationError({
      person: `No one in the directory matches ‘${input.person}’. Choose someone from the list, or type their work email address`,
    });
  return transaction(ctx.db, async (tx) => {
    const before = await decide(tx, ctx, source, input.username, { personId: person.id, notStaff: false });
    await recordEvent(tx, ctx, {
      action: 'monitoring_username.mapped',
      resourceType: 'monitoring_source',
      resourceId: source.id,
      summary: `Matched the username ‘${input.username}’ from ${source.name} to ${person.fullName}`,
      before: before ? { personId: before.personId, notStaff: before.notStaff } : null,
      after: { username: input.username, personId: person.id, notStaff: false },
    });
    return { username: input.username, person };
  });
}

const usernameInput = z.object({ username: usernameField });

/** Sets a username aside as not a member of staff (a pupil or shared account): it stops showing as unmatched. */
export async function markNotStaff(ctx: Ctx, sourceId: string, raw: unknown) {
  const source = await getActiveSource(ctx, sourceId, 'monitoring.sources');
  const { username } = parseOrThrow(usernameInput, raw);
  return transaction(ctx.db, async (tx) => {
    const before = await decide(tx, ctx, source, username, { personId: null, notStaff: true });
    await recordEvent(tx, ctx, {
      action: 'monitoring_username.mapped',
      resourceType: 'monitoring_source',
      resourceId: source.id,
      summary: `Set aside the username ‘${username}’ from ${source.name} as not a member of staff (a pupil or shared account)`,
      before: before ? { personId: before.personId, notStaff: before.notStaff } : null,
      after: { username, personId: null, notStaff: true },
    });
    return { username };
  });
}

/**
 * Undoes an admin's decision about a username: it is unmatched again, and the source's rule is
 * tried again with its next event. A username nobody decided about has nothing to undo (no change).
 */
export async function undoUsername(ctx: Ctx, sourceId: string, raw: unknown) {
  const source = await getActiveSource(ctx, sourceId, 'monitoring.sources');
  const { username } = parseOrThrow(usernameInput, raw);
  return transaction(ctx.db, async (tx) => {
    const [row] = await tx
      .select()
      .from(u)
      .where(and(eq(u.trustId, source.trustId), eq(u.sourceId, source.id), eq(u.username, username)))
      .for('update');
    // Nothing to undo (a second click, an old page): it is unmatched or rule-matched either way.
    if (!row?.mappedAt) return { username, changed: false };
    await decide(tx, ctx, source, username, null);
    await recordEvent(tx, ctx, {
      action: 'monitoring_username.mapped',
      resourceType: 'monitoring_source',
      resourceId: source.id,
      summary: `Undid the decision about the username ‘${username}’ from ${source.name}: it is unmatched again`,
      before: { personId: row.personId, notStaff: row.notStaff },
      after: { username, personId: null, notStaff: false },
    });
    return { username, changed: true };
  });
}

// ---------------------------------------------------------------------------------------------
// The mapping CSV: username,email

export const MAPPING_MAX_ROWS = 20_000;
export const MAPPING_BATCH_KIND = 'monitoring_usernames';

export const MAPPING_COLUMNS = [
  {
    key: 'username',
    required: 'Yes',
    aliases: ['user', 'user name', 'login', 'account', 'upn'],
    format: 'Text, as the source sends it (any capitals)',
    meaning: 'The username in the source’s events or logs.',
  },
  {
    key: 'email',
    required: 'Yes',
    aliases: ['email address', 'work email', 'person email'],
    format: 'An email address',
    meaning: 'The person’s work email address, as it is in Countersign’s people directory.',
  },
] as const;
type MappingKey = (typeof MAPPING_COLUMNS)[number]['key'];

const HEADINGS = new Map<string, MappingKey>(MAPPING_COLUMNS.flatMap((c) => [c.key, ...c.aliases].map((h) => [headingKey(h), c.key] as const)));

export const MAPPING_TEMPLATE_CSV = 'username,email\r\njsmith,j.smith@school.example\r\nCURRIC\\ajones,a.jones@school.example\r\n';

export function parseMappingCsv(text: string): Table<MappingKey> {
  return readTable(text, {
    headings: HEADINGS,
    missing: (columns) => (['username', 'email'] as MappingKey[]).filter((c) => !columns.has(c)),
    missingHint: 'The first line must be the header username,email. Download the template to see it.',
    noun: 'usernames',
    maxRows: MAPPING_MAX_ROWS,
  });
}

export type PlannedMapping = { line: number; username: string; personId: string; personName: string; email: string };
export type MappingPlan = { warnings: string[]; rowErrors: { line: number; message: string }[]; mappings: PlannedMapping[] };

const EMAIL = z.email();

/** What applying the file would do; every problem with its line number. */
export function planMappings(file: Table<MappingKey>, directory: Map<string, { id: string; fullName: string }>): MappingPlan {
  const rowErrors: MappingPlan['rowErrors'] = [];
  const mappings: PlannedMapping[] = [];
  const seen = new Map<string, number>();
  for (const { line, cells, extraCells } of file.rows) {
    let ok = true;
    const fail = (message: string) => {
      ok = false;
      rowErrors.push({ line, message });
    };
    if (extraCells) fail('The line has more cells than the header row: check for a comma that should be inside quotes');
    const username = normaliseUsername(cells.username ?? '');
    if (!username) fail('The username is missing');
    else if (username.length > LIMITS.username) fail(`The username must be ${LIMITS.username} characters or fewer`);
    else {
      const earlier = seen.get(username);
      if (earlier !== undefined) fail(`The username ${username} is also on line ${earlier}`);
      else seen.set(username, line);
    }
    const email = (cells.email ?? '').trim().toLowerCase();
    let person: { id: string; fullName: string } | undefined;
    if (!email) fail('The email address is missing');
    else if (!EMAIL.safeParse(email).success) fail(`‘${email}’ is not an email address`);
    else {
      person = directory.get(email);
      if (!person) fail(`No one in the people directory has the email address ${email}`);
    }
    if (ok && person) mappings.push({ line, username, personId: person.id, personName: person.fullName, email });
  }
  return { warnings: file.warnings, rowErrors, mappings };
}

const planDigest = (plan: MappingPlan) =>
  createHash('sha256')
    .update(JSON.stringify(plan.mappings.map((m) => [m.username, m.personId])))
    .digest('hex');

async function directoryFor(db: Db, trustId: string, file: Table<MappingKey>) {
  const emails = [...new Set(file.rows.map((r) => (r.cells.email ?? '').trim().toLowerCase()).filter(Boolean))];
  const found = new Map<string, { id: string; fullName: string }>();
  for (let i = 0; i < emails.length; i += 1000) {
    const part = emails.slice(i, i + 1000);
    const rows = await db
      .select({ id: people.id, fullName: people.fullName, email: people.email })
      .from(people)
      .where(and(eq(people.trustId, trustId), inArray(people.email, part)));
    for (const p of rows) found.set(p.email, { id: p.id, fullName: p.fullName });
  }
  return found;
}

const cleanFileName = (name: string) => path.posix.basename(name.replace(/\\/g, '/')).trim().slice(0, 200) || 'usernames.csv';

export type MappingUpload = { fileName: string; content: Uint8Array };
export type MappingPreview = { source: SourceRow; fileName: string; plan: MappingPlan; batchId: string | null };
type BatchSummary = { mapped: number; planDigest: string };
type BatchOptions = { sourceId: string };

/** Checks a mapping CSV; when every line is right, keeps it until the admin applies it (all or nothing). */
export async function previewMappings(ctx: Ctx, sourceId: string, upload: MappingUpload): Promise<MappingPreview> {
  const source = await getActiveSource(ctx, sourceId, 'monitoring.sources');
  const text = decodeCsv(upload.content);
  const file = parseMappingCsv(text);
  const plan = planMappings(file, await directoryFor(ctx.db, source.trustId, file));
  const fileName = cleanFileName(upload.fileName);
  if (plan.rowErrors.length > 0 || plan.mappings.length === 0) return { source, fileName, plan, batchId: null };
  const summary: BatchSummary = { mapped: plan.mappings.length, planDigest: planDigest(plan) };
  const options: BatchOptions = { sourceId: source.id };
  const [batch] = await ctx.db
    .insert(importBatches)
    .values({
      trustId: source.trustId,
      kind: MAPPING_BATCH_KIND,
      fileName,
      fileSha256: createHash('sha256').update(upload.content).digest('hex'),
      content: text,
      options,
      summary,
      createdBy: personOf(ctx.actor),
    })
    .returning({ id: importBatches.id });
  if (!batch) throw new Error('insert returned nothing');
  return { source, fileName, plan, batchId: batch.id };
}

/** Applies a previewed mapping CSV, all or nothing: checked again against the directory as it is now. */
export async function applyMappings(ctx: Ctx, sourceId: string, batchId: string): Promise<{ mapped: number; fileName: string }> {
  const source = await getActiveSource(ctx, sourceId, 'monitoring.sources');
  if (!isUuid(batchId)) throw new NotFoundError();
  return transaction(ctx.db, async (tx) => {
    const [batch] = await tx
      .select()
      .from(importBatches)
      .where(and(eq(importBatches.trustId, source.trustId), eq(importBatches.id, batchId), eq(importBatches.kind, MAPPING_BATCH_KIND)))
      .for('update');
    if (!batch || (batch.options as BatchOptions).sourceId !== source.id) throw new NotFoundError();
    if (batch.status !== 'previewed') throw new ValidationError({ file: 'This file has already been applied. To apply it again, upload it again.' });
    const file = parseMappingCsv(batch.content);
    const plan = planMappings(file, await directoryFor(tx, source.trustId, file));
    const digest = planDigest(plan);
    if (plan.rowErrors.length > 0 || digest !== (batch.summary as BatchSummary | null)?.planDigest)
      throw new ValidationError({
        file: 'The people directory has changed since this file was checked, so nothing was applied. Upload the file again to check what it will do now.',
      });
    const now = new Date();
    const by = personOf(ctx.actor);
    for (let i = 0; i < plan.mappings.length; i += 500) {
      const part = plan.mappings.slice(i, i + 500);
      await tx
        .insert(u)
        .values(part.map((m) => ({ trustId: source.trustId, sourceId: source.id, username: m.username, personId: m.personId, mappedBy: by, mappedAt: now })))
        .onConflictDoUpdate({
          target: [u.trustId, u.sourceId, u.username],
          set: { personId: sql`excluded.person_id`, notStaff: false, mappedBy: by, mappedAt: now },
        });
    }
    await tx
      .update(importBatches)
      .set({ status: 'applied', appliedAt: now })
      .where(and(eq(importBatches.trustId, source.trustId), eq(importBatches.id, batch.id)));
    await recordEvent(tx, ctx, {
      action: 'monitoring_username.mapped',
      resourceType: 'monitoring_source',
      resourceId: source.id,
      summary: `Matched ${plan.mappings.length} ${plan.mappings.length === 1 ? 'username' : 'usernames'} from ${source.name} to people from ${batch.fileName}`,
      after: { mapped: plan.mappings.length, fileName: batch.fileName, sha256: batch.fileSha256 },
    });
    return { mapped: plan.mappings.length, fileName: batch.fileName };
  });
}
