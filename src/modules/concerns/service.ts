import { and, asc, desc, eq, inArray, max, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordEvent } from '../../audit/audit.ts';
import type { Ctx } from '../../context.ts';
import { sha256 } from '../../crypto.ts';
import { type Db, transaction } from '../../db/client.ts';
import { nextReference } from '../../db/references.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import { londonDateTime, londonToday } from '../../ui/format.ts';
import { sniffFile } from '../../uploads.ts';
import { blankToUndefined, parseCalendarDate, textField } from '../../validation.ts';
import { type Actor, actorId, actorLabel } from '../auth/actor.ts';
import { authorize } from '../auth/authorize.ts';
import { queueEmail } from '../notifications/service.ts';
import { findPersonByReference } from '../organisations/repository.ts';
import { people, personSchools, schools, trusts } from '../organisations/schema.ts';
import { type Access, accessTo, type ConcernFacts, canSeeViews } from './access.ts';
import { concernNotificationEmail } from './emails.tsx';
import { type Recipient, routeConcern } from './routing.ts';
import {
  breaches,
  CONCERN_PARTS,
  type ConcernPart,
  concernActions,
  concernAttachments,
  concernEntries,
  concernPeople,
  concernRecipients,
  concerns,
  deviceLosses,
  type EntryKind,
  recordViews,
} from './schema.ts';
import { CONCERN_TYPES, CONFIDENTIALITY, type ConcernTypeCode, isConcernType } from './types.ts';

export type ConcernRow = typeof concerns.$inferSelect;

/** Attachments: up to 5 files of 5 MB each; PDFs, photos and plain text (a saved email). */
export const MAX_ATTACHMENTS = 5;
export const ATTACHMENT_TYPES = 'PDF, JPEG, PNG, GIF, WebP, HEIC or plain text';
export type Upload = { fileName: string; bytes: Buffer; tooLarge?: boolean };
/** The fixed rows for people from the directory on the report form. */
export const PERSON_ROWS = [1, 2, 3] as const;
/** Hours a breach may wait for the ICO decision (UK GDPR Art. 33). */
export const ICO_HOURS = 72;

const text = textField;
const TIME = /^([01]?\d|2[0-3])[:.]([0-5]\d)$/;

/** The report, as the form and the API both describe it once parsed (people still as typed: email or "Name (email)"). */
export type NewConcern = {
  type: ConcernTypeCode;
  schoolId?: string;
  what: string;
  occurredAt: Date;
  location?: string;
  people: { ref: string; part: ConcernPart; field: string }[];
  othersInvolved?: string;
  breach?: { discoveredAt: Date; dataInvolved?: string; peopleAffected?: number };
  device?: { kind: 'lost' | 'stolen'; crimeReference?: string; assetReference?: string; deviceDescription: string; heldPersonalData: 'yes' | 'no' | 'unknown' };
};

/** Reads the report form (field names as on the page). Errors are keyed by those names. */
export function parseReportForm(raw: Record<string, unknown>, now = new Date()): NewConcern {
  const errors: Record<string, string> = {};
  const type = raw.type;
  if (!isConcernType(type)) throw new ValidationError({ type: 'Choose what you are reporting' });
  const base = z
    .object({
      what: text(10_000, 'What you saw or heard', 'Describe what you saw or heard'),
      location: text(200, 'Where it happened'),
      othersInvolved: text(2_000, 'Other people involved'),
      schoolId: z.preprocess(blankToUndefined, z.string().optional()),
    })
    .safeParse(raw);
  if (!base.success) for (const i of base.error.issues) errors[String(i.path[0])] ??= i.message;
  const occurredAt = dateTimeField(raw, 'occurredOn', 'occurredTime', 'when it happened', errors, now);
  const input: Partial<NewConcern> = { type, occurredAt: occurredAt ?? undefined, people: [] };
  if (base.success) Object.assign(input, base.data);
  for (const n of PERSON_ROWS) {
    const ref = String(raw[`person${n}`] ?? '').trim();
    const part = String(raw[`part${n}`] ?? '');
    if (!ref) continue;
    if (!(part in CONCERN_PARTS)) errors[`part${n}`] = 'Choose their part in what happened';
    else input.people?.push({ ref, part: part as ConcernPart, field: `person${n}` });
  }
  if (type === 'data_breach') {
    const discoveredAt = dateTimeField(raw, 'discoveredOn', 'discoveredTime', 'when it was found out', errors, now);
    const extra = z
      .object({
        dataInvolved: text(2_000, 'The personal data involved', 'Say what personal data was involved'),
        peopleAffected: z.preprocess(
          blankToUndefined,
          z.coerce
            .number({ error: 'Enter how many people, as a number' })
            .int('Enter a whole number')
            .min(1, 'Enter at least 1')
            .max(10_000_000, 'Enter a smaller number')
            .optional(),
        ),
      })
      .safeParse(raw);
    if (!extra.success) for (const i of extra.error.issues) errors[String(i.path[0])] ??= i.message;
    if (discoveredAt && occurredAt && discoveredAt < occurredAt) errors.discoveredOn ??= 'It cannot have been found out before it happened';
    if (discoveredAt && extra.success) input.breach = { discoveredAt, ...extra.data };
  }
  if (type === 'device_lost') {
    const extra = z
      .object({
        lossKind: z.enum(['lost', 'stolen'], { error: 'Choose lost or stolen' }),
        crimeReference: text(50, 'The crime reference number'),
        assetReference: text(100, 'The asset tag or serial number'),
        deviceDescription: text(200, 'The device', 'Say what the device is, for example "Dell laptop, grey case"'),
        heldPersonalData: z.enum(['yes', 'no', 'unknown'], { error: 'Say whether it held personal data' }),
      })
      .safeParse(raw);
    if (!extra.success) for (const i of extra.error.issues) errors[String(i.path[0])] ??= i.message;
    else {
      if (extra.data.lossKind === 'stolen' && !extra.data.crimeReference)
        errors.crimeReference = 'Enter the police crime reference number. Report a theft to the police first (101)';
      const { lossKind, ...rest } = extra.data;
      input.device = { kind: lossKind, ...rest, deviceDescription: rest.deviceDescription as string };
    }
  }
  if (Object.keys(errors).length) throw new ValidationError(errors);
  return input as NewConcern;
}

function dateTimeField(raw: Record<string, unknown>, dateName: string, timeName: string, what: string, errors: Record<string, string>, now: Date): Date | null {
  const given = String(raw[dateName] ?? '').trim();
  if (!given) {
    errors[dateName] = `Enter the date of ${what}`;
    return null;
  }
  const date = parseCalendarDate(given);
  if (!date) {
    errors[dateName] = `The date of ${what} must be a real date`;
    return null;
  }
  const time = String(raw[timeName] ?? '').trim();
  const match = TIME.exec(time);
  if (time && !match) {
    errors[timeName] = 'Enter the time as hours and minutes in the 24-hour clock, like 14:30';
    return null;
  }
  const at = londonDateTime(date, match ? `${match[1]?.padStart(2, '0')}:${match[2]}` : '00:00');
  if (date > londonToday(now) || at.getTime() > now.getTime() + 5 * 60_000) {
    errors[dateName] = `The date of ${what} must be today or in the past`;
    return null;
  }
  return at;
}

/** Checks attachments: count, size, type by their first bytes. Returns what to store. */
export function checkAttachments(type: ConcernTypeCode, files: Upload[]): { fileName: string; bytes: Buffer; contentType: string; sha256: string }[] {
  const chosen = files.filter((f) => f.fileName);
  if (chosen.length === 0) return [];
  if (!CONCERN_TYPES[type].attachments)
    throw new ValidationError({ attachments: 'Do not attach copies of suspected illegal content. Leave the device as it is and tell the DSL where it is' });
  if (chosen.length > MAX_ATTACHMENTS) throw new ValidationError({ attachments: `Attach ${MAX_ATTACHMENTS} files or fewer` });
  return chosen.map((f) => {
    if (f.tooLarge) throw new ValidationError({ attachments: `${f.fileName} is larger than 5 MB` });
    if (f.bytes.length === 0) throw new ValidationError({ attachments: `${f.fileName} is empty` });
    const sniffed = sniffFile(f.bytes);
    if (sniffed.kind === 'refused') {
      const why =
        sniffed.reason === 'executable'
          ? 'is a program'
          : sniffed.reason === 'archive'
            ? 'is an archive or Office file (save it as a PDF)'
            : 'is not a file type we accept';
      throw new ValidationError({ attachments: `${f.fileName} ${why}. Attach a ${ATTACHMENT_TYPES} file` });
    }
    return { fileName: f.fileName.replace(/[\\/\r\n"]/g, '_').slice(0, 200), bytes: f.bytes, contentType: sniffed.contentType, sha256: sha256(f.bytes) };
  });
}

/**
 * Records a concern and routes it (the form and the API both come here). Everything lands in one
 * transaction: the concern, its people, who it was routed to, the first chronology entry, the
 * attachments, the breach or lost-device facts, and the emails to urgent types' recipients.
 * A lost device that held personal data also opens a linked data breach.
 */
export async function reportConcern(ctx: Ctx, input: NewConcern, files: Upload[] = [], opts: { reporterId?: string; now?: Date } = {}) {
  const actor = ctx.actor;
  authorize(actor, 'concerns.report', { trustId: actor.trustId });
  const now = opts.now ?? new Date();
  const reporterId = opts.reporterId ?? (actor.type === 'person' ? actor.personId : null);
  if (!reporterId) throw new ValidationError({ reporterEmail: 'Say who is reporting it' });
  const { errors, schoolId, linked, stored } = await checkAgainstDirectory(ctx.db, actor.trustId, reporterId, input, files);
  if (Object.keys(errors).length || !schoolId) throw new ValidationError(errors);
  const subjectIds = linked.filter((l) => l.part === 'subject').map((l) => l.personId);
  const recipients = await routeConcern(ctx.db, { trustId: actor.trustId, type: input.type, schoolId, reporterId, subjectIds });

  return transaction(ctx.db, async (tx) => {
    const created = await insertConcern(tx, ctx, {
      ...input,
      schoolId,
      reporterId,
      linked,
      recipients,
      stored,
      now,
      source: actor.type === 'api_key' ? 'api' : 'form',
    });
    let breach: { id: string; reference: string } | null = null;
    if (input.type === 'device_lost' && input.device?.heldPersonalData === 'yes') {
      const breachInput: NewConcern = {
        type: 'data_breach',
        what: `Opened from ${created.reference}: a ${input.device.kind} device (${input.device.deviceDescription}) that held personal data.\n\n${input.what}`,
        occurredAt: input.occurredAt,
        location: input.location,
        people: [],
        breach: { discoveredAt: now },
      };
      const breachRecipients = await routeConcern(tx, { trustId: actor.trustId, type: 'data_breach', schoolId, reporterId, subjectIds: [] });
      breach = await insertConcern(tx, ctx, {
        ...breachInput,
        schoolId,
        reporterId,
        linked,
        recipients: breachRecipients,
        stored: [],
        now,
        source: 'device_loss',
        linkedConcernId: created.id,
      });
      await tx
        .update(deviceLosses)
        .set({ breachConcernId: breach.id })
        .where(and(eq(deviceLosses.trustId, actor.trustId), eq(deviceLosses.concernId, created.id)));
      await appendEntry(tx, ctx, created.id, 'linked', `Data breach ${breach.reference} opened because the device held personal data.`, {
        concernId: breach.id,
        reference: breach.reference,
      });
    }
    return { ...created, breach };
  });
}

/**
 * The checks that need the database: the school, the people named (same trust only) and, when
 * those are right, the attachments. Errors are keyed by the form's field names.
 */
async function checkAgainstDirectory(db: Db, trustId: string, reporterId: string, input: Pick<NewConcern, 'type' | 'schoolId' | 'people'>, files: Upload[]) {
  const errors: Record<string, string> = {};
  const schoolId = await chooseSchool(db, trustId, reporterId, input.schoolId, errors);
  const linked: { personId: string; part: ConcernPart }[] = [];
  for (const p of input.people) {
    const person = await findPersonByReference(db, trustId, p.ref);
    if (!person)
      errors[p.field] ??=
        `We could not find "${p.ref.slice(0, 80)}" in the staff directory. Choose a name from the list, or describe them under "Anyone else involved"`;
    else if (!linked.some((l) => l.personId === person.id)) linked.push({ personId: person.id, part: p.part });
  }
  if (CONCERN_TYPES[input.type].needsSubject && !linked.some((l) => l.part === 'subject'))
    errors.person1 ??= 'Name the member of staff the report is about, and choose "The report is about them"';
  let stored: ReturnType<typeof checkAttachments> = [];
  if (!Object.keys(errors).length) {
    try {
      stored = checkAttachments(input.type, files);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      Object.assign(errors, error.fieldErrors);
    }
  }
  return { errors, schoolId, linked, stored };
}

/**
 * The report form, from its fields to a stored concern. Every problem is reported at once: when
 * the form's own checks fail, the people and school are checked too, so nobody fixes one round of
 * errors only to meet another.
 */
export async function reportFromForm(ctx: Ctx, raw: Record<string, unknown>, files: Upload[]) {
  let input: NewConcern;
  try {
    input = parseReportForm(raw);
  } catch (error) {
    const reporterId = ctx.actor.type === 'person' ? ctx.actor.personId : null;
    if (!(error instanceof ValidationError) || !isConcernType(raw.type) || !reporterId) throw error;
    const people = PERSON_ROWS.flatMap((n) => {
      const ref = String(raw[`person${n}`] ?? '').trim();
      return ref ? [{ ref, part: 'affected' as ConcernPart, field: `person${n}` }] : [];
    });
    const schoolId = typeof raw.schoolId === 'string' && raw.schoolId.trim() ? raw.schoolId.trim() : undefined;
    const more = await checkAgainstDirectory(ctx.db, ctx.actor.trustId, reporterId, { type: raw.type, schoolId, people }, []);
    // The subject rule depends on the parts, which the form's own check has already judged.
    const { person1: subjectMissing, ...rest } = more.errors;
    const person1 = subjectMissing?.startsWith('We could not find') ? subjectMissing : undefined;
    throw new ValidationError({ ...rest, ...(person1 ? { person1 } : {}), ...error.fieldErrors });
  }
  return reportConcern(ctx, input, files);
}

async function chooseSchool(db: Db, trustId: string, reporterId: string, given: string | undefined, errors: Record<string, string>) {
  const all = await db.select({ id: schools.id, slug: schools.slug }).from(schools).where(eq(schools.trustId, trustId));
  if (given) {
    const found = all.find((s) => s.id === given || s.slug === given);
    if (!found) errors.schoolId = 'Choose a school of this trust';
    return found?.id ?? null;
  }
  const mine = await db
    .select({ id: personSchools.schoolId })
    .from(personSchools)
    .where(and(eq(personSchools.trustId, trustId), eq(personSchools.personId, reporterId)));
  if (mine.length === 1) return mine[0]?.id ?? null;
  errors.schoolId = 'Choose the school it happened at';
  return null;
}

type Insert = NewConcern & {
  schoolId: string;
  reporterId: string;
  linked: { personId: string; part: ConcernPart }[];
  recipients: Recipient[];
  stored: ReturnType<typeof checkAttachments>;
  now: Date;
  source: string;
  linkedConcernId?: string;
};

async function insertConcern(tx: Db, ctx: Ctx, c: Insert) {
  const trustId = ctx.actor.trustId;
  const spec = CONCERN_TYPES[c.type];
  const reference = await nextReference(tx, trustId, 'C', c.now);
  const [row] = await tx
    .insert(concerns)
    .values({
      trustId,
      reference,
      schoolId: c.schoolId,
      type: c.type,
      confidentiality: spec.confidentiality,
      urgent: spec.urgent,
      reporterId: c.reporterId,
      source: c.source,
      occurredAt: c.occurredAt,
      location: c.location ?? null,
      what: c.what,
      othersInvolved: c.othersInvolved ?? null,
      linkedConcernId: c.linkedConcernId ?? null,
      createdAt: c.now,
      updatedAt: c.now,
    })
    .returning();
  if (!row) throw new Error('concern not stored');
  if (c.linked.length)
    await tx
      .insert(concernPeople)
      .values(c.linked.map((l) => ({ trustId, concernId: row.id, personId: l.personId, part: l.part, addedBy: actorId(ctx.actor) })));
  if (c.recipients.length)
    await tx.insert(concernRecipients).values(
      c.recipients.map((r) => ({
        trustId,
        concernId: row.id,
        personId: r.personId,
        reason: r.reason,
        notifiedAt: spec.urgent ? c.now : null,
        createdAt: c.now,
      })),
    );
  await appendEntry(
    tx,
    ctx,
    row.id,
    'reported',
    c.what,
    {
      type: c.type,
      occurredAt: c.occurredAt.toISOString(),
      location: c.location ?? null,
      people: c.linked,
      othersInvolved: c.othersInvolved ?? null,
      routedTo: c.recipients.map((r) => ({ personId: r.personId, name: r.fullName, reason: r.reason })),
    },
    undefined,
    c.now,
  );
  for (const file of c.stored) {
    await tx
      .insert(concernAttachments)
      .values({ trustId, concernId: row.id, ...file, size: file.bytes.length, uploadedBy: actorId(ctx.actor), createdAt: c.now });
    await appendEntry(
      tx,
      ctx,
      row.id,
      'attachment',
      `Attached ${file.fileName} (SHA-256 ${file.sha256})`,
      { fileName: file.fileName, sha256: file.sha256 },
      undefined,
      c.now,
    );
  }
  if (c.type === 'data_breach') {
    const discoveredAt = c.breach?.discoveredAt ?? c.now;
    await tx.insert(breaches).values({
      trustId,
      concernId: row.id,
      discoveredAt,
      icoDueAt: new Date(discoveredAt.getTime() + ICO_HOURS * 3_600_000),
      dataInvolved: c.breach?.dataInvolved ?? null,
      peopleAffected: c.breach?.peopleAffected ?? null,
    });
  }
  if (c.type === 'device_lost' && c.device) {
    await tx
      .insert(deviceLosses)
      .values({ trustId, concernId: row.id, ...c.device, crimeReference: c.device.crimeReference ?? null, assetReference: c.device.assetReference ?? null });
  }
  if (spec.urgent) {
    const trustName = await trustNameOf(tx, trustId);
    for (const r of c.recipients) {
      const message = concernNotificationEmail({
        trustName,
        reference,
        reason: r.reason,
        url: `${ctx.baseUrl}/concerns/${reference}`,
        name: r.fullName,
        urgent: true,
      });
      await queueEmail(tx, { trustId, to: r.email, template: 'concern-routed', dedupeKey: `concern:${row.id}:routed:${r.personId}`, ...message });
    }
  }
  await recordEvent(tx, ctx, {
    action: 'concern.reported',
    resourceType: 'concern',
    resourceId: row.id,
    // Never the details: the audit log is read by administrators who may not open the concern.
    summary: `Concern ${reference} reported (${CONFIDENTIALITY[spec.confidentiality].restricted ? 'restricted' : spec.label})`,
  });
  return { id: row.id, reference };
}

export async function trustNameOf(db: Db, trustId: string) {
  const [t] = await db.select({ name: trusts.name }).from(trusts).where(eq(trusts.id, trustId));
  return t?.name ?? 'Countersign';
}

/**
 * Adds one chronology entry, numbered after the last. Callers hold the concern's row lock
 * (`lockConcern`) or have just created it, so two writers never take the same number.
 */
export async function appendEntry(
  tx: Db,
  ctx: Pick<Ctx, 'actor'>,
  concernId: string,
  kind: EntryKind,
  text: string,
  data?: Record<string, unknown>,
  correctsSeq?: number,
  at = new Date(),
) {
  const trustId = ctx.actor.trustId;
  const [last] = await tx
    .select({ seq: max(concernEntries.seq) })
    .from(concernEntries)
    .where(and(eq(concernEntries.trustId, trustId), eq(concernEntries.concernId, concernId)));
  const [entry] = await tx
    .insert(concernEntries)
    .values({
      trustId,
      concernId,
      seq: (last?.seq ?? 0) + 1,
      at,
      authorId: actorId(ctx.actor),
      authorName: actorLabel(ctx.actor),
      kind,
      text,
      data: data ?? null,
      correctsSeq: correctsSeq ?? null,
    })
    .returning();
  await tx
    .update(concerns)
    .set({ updatedAt: at })
    .where(and(eq(concerns.trustId, trustId), eq(concerns.id, concernId)));
  return entry;
}

/** The facts access.ts needs about one concern. */
export async function concernFacts(db: Db, row: ConcernRow): Promise<ConcernFacts> {
  const [linked, routed] = await Promise.all([
    db
      .select({ personId: concernPeople.personId, part: concernPeople.part })
      .from(concernPeople)
      .where(and(eq(concernPeople.trustId, row.trustId), eq(concernPeople.concernId, row.id))),
    db
      .select({ personId: concernRecipients.personId })
      .from(concernRecipients)
      .where(and(eq(concernRecipients.trustId, row.trustId), eq(concernRecipients.concernId, row.id))),
  ]);
  return {
    trustId: row.trustId,
    schoolId: row.schoolId,
    type: row.type,
    confidentiality: row.confidentiality,
    reporterId: row.reporterId,
    assigneeId: row.assigneeId,
    subjectIds: linked.filter((l) => l.part === 'subject').map((l) => l.personId),
    recipientIds: routed.map((r) => r.personId),
  };
}

async function findByReference(db: Db, trustId: string, reference: string, lock = false) {
  const q = db
    .select()
    .from(concerns)
    .where(and(eq(concerns.trustId, trustId), eq(concerns.reference, reference.toUpperCase())));
  const [row] = lock ? await q.for('update') : await q;
  return row ?? null;
}

/**
 * The one way into a concern for reading or changing it. Someone who may not open it gets "not
 * found" (never "forbidden", so nobody learns it exists). `need: 'full'` refuses the reporter's
 * limited view too. Opening a restricted record in full is logged in record_views.
 */
export async function openConcern(ctx: Ctx, reference: string, need: Access = 'full', opts: { tx?: Db; lock?: boolean; log?: string | false } = {}) {
  const db = opts.tx ?? ctx.db;
  const row = await findByReference(db, ctx.actor.trustId, reference, opts.lock);
  if (!row) throw new NotFoundError();
  const facts = await concernFacts(db, row);
  const access = accessTo(ctx.actor, facts);
  if (access === 'none' || (need === 'full' && access !== 'full')) throw new NotFoundError();
  if (access === 'full' && opts.log !== false && CONFIDENTIALITY[row.confidentiality].restricted) await logView(db, ctx, row.id, opts.log ?? 'record');
  return { concern: row, facts, access, canSeeViews: canSeeViews(ctx.actor, facts) };
}

export async function logView(db: Db, ctx: Pick<Ctx, 'actor' | 'ip'>, concernId: string, what: string) {
  await db.insert(recordViews).values({
    trustId: ctx.actor.trustId,
    resourceType: 'concern',
    resourceId: concernId,
    personId: ctx.actor.type === 'person' ? ctx.actor.personId : null,
    personName: actorLabel(ctx.actor),
    what,
    ip: ctx.ip ?? null,
  });
}

/** Runs a change to a concern: opens it (full access, row locked), then `fn` in the same transaction. */
export async function changeConcern<T>(ctx: Ctx, reference: string, fn: (tx: Db, opened: Awaited<ReturnType<typeof openConcern>>) => Promise<T>): Promise<T> {
  return transaction(ctx.db, async (tx) => {
    const opened = await openConcern(ctx, reference, 'full', { tx, lock: true, log: false });
    return fn(tx, opened);
  });
}

/** Everything the record page shows to someone with full access. */
export async function concernRecord(ctx: Ctx, reference: string) {
  const opened = await openConcern(ctx, reference, 'reporter');
  const { concern, access } = opened;
  const trustId = ctx.actor.trustId;
  const [school] = await ctx.db
    .select({ name: schools.name })
    .from(schools)
    .where(and(eq(schools.trustId, trustId), eq(schools.id, concern.schoolId)));
  const personName = async (id: string | null) => {
    if (!id) return null;
    const [p] = await ctx.db
      .select({ fullName: people.fullName, email: people.email })
      .from(people)
      .where(and(eq(people.trustId, trustId), eq(people.id, id)));
    return p ?? null;
  };
  const reporter = await personName(concern.reporterId);
  if (access === 'reporter') return { ...opened, school: school?.name ?? '', reporter, limited: true as const };
  const byConcern = <T extends { trustId: unknown; concernId: unknown }>(t: T) => and(eq(t.trustId as never, trustId), eq(t.concernId as never, concern.id));
  const [linked, recipients, entries, actions, files, breach, device, views] = await Promise.all([
    ctx.db
      .select({ personId: concernPeople.personId, part: concernPeople.part, fullName: people.fullName, email: people.email, position: people.position })
      .from(concernPeople)
      .innerJoin(people, and(eq(people.trustId, concernPeople.trustId), eq(people.id, concernPeople.personId)))
      .where(byConcern(concernPeople)),
    ctx.db
      .select({ personId: concernRecipients.personId, reason: concernRecipients.reason, notifiedAt: concernRecipients.notifiedAt, fullName: people.fullName })
      .from(concernRecipients)
      .innerJoin(people, and(eq(people.trustId, concernRecipients.trustId), eq(people.id, concernRecipients.personId)))
      .where(byConcern(concernRecipients)),
    ctx.db.select().from(concernEntries).where(byConcern(concernEntries)).orderBy(asc(concernEntries.seq)),
    ctx.db
      .select({ action: concernActions, ownerName: people.fullName })
      .from(concernActions)
      .innerJoin(people, and(eq(people.trustId, concernActions.trustId), eq(people.id, concernActions.ownerId)))
      .where(byConcern(concernActions))
      .orderBy(asc(concernActions.dueOn)),
    ctx.db
      .select({
        id: concernAttachments.id,
        fileName: concernAttachments.fileName,
        contentType: concernAttachments.contentType,
        size: concernAttachments.size,
        sha256: concernAttachments.sha256,
        createdAt: concernAttachments.createdAt,
      })
      .from(concernAttachments)
      .where(byConcern(concernAttachments))
      .orderBy(asc(concernAttachments.createdAt)),
    ctx.db.select().from(breaches).where(byConcern(breaches)),
    ctx.db.select().from(deviceLosses).where(byConcern(deviceLosses)),
    opened.canSeeViews
      ? ctx.db
          .select()
          .from(recordViews)
          .where(and(eq(recordViews.trustId, trustId), eq(recordViews.resourceType, 'concern'), eq(recordViews.resourceId, concern.id)))
          .orderBy(desc(recordViews.at))
          .limit(200)
      : Promise.resolve([]),
  ]);
  const linkedRefs = await ctx.db
    .select({ id: concerns.id, reference: concerns.reference, type: concerns.type })
    .from(concerns)
    .where(and(eq(concerns.trustId, trustId), sql`(${concerns.id} = ${concern.linkedConcernId ?? null} or ${concerns.linkedConcernId} = ${concern.id})`));
  return {
    ...opened,
    limited: false as const,
    school: school?.name ?? '',
    reporter,
    assignee: await personName(concern.assigneeId),
    linked,
    recipients,
    entries,
    actions,
    files,
    breach: breach[0] ?? null,
    device: device[0] ?? null,
    views,
    linkedConcerns: linkedRefs,
  };
}

export type ConcernRecord = Awaited<ReturnType<typeof concernRecord>>;

/** The reporter's own reports, newest first: reference, type, status (never the chronology). */
export async function myReports(ctx: Ctx) {
  const actor = ctx.actor;
  if (actor.type !== 'person') return [];
  return ctx.db
    .select({
      id: concerns.id,
      reference: concerns.reference,
      type: concerns.type,
      status: concerns.status,
      createdAt: concerns.createdAt,
      updatedAt: concerns.updatedAt,
    })
    .from(concerns)
    .where(and(eq(concerns.trustId, actor.trustId), eq(concerns.reporterId, actor.personId), inArray(concerns.source, ['form', 'api', 'device_loss'])))
    .orderBy(desc(concerns.createdAt));
}

export const isPerson = (actor: Actor): actor is Extract<Actor, { type: 'person' }> => actor.type === 'person';
