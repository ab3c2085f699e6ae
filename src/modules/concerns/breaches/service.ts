import { and, asc, desc, eq, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { recordEvent } from '../../../audit/audit.ts';
import type { Ctx } from '../../../context.ts';
import { type Db, transaction } from '../../../db/client.ts';
import { NotFoundError, ValidationError } from '../../../errors.ts';
import { formatDate, formatDateTime, londonDateTime, londonToday } from '../../../ui/format.ts';
import { blankToUndefined, parseCalendarDate } from '../../../validation.ts';
import { authorize } from '../../auth/authorize.ts';
import { people, schools } from '../../organisations/schema.ts';
import { visibleConcernsWhere } from '../access.ts';
import { BREACH_DECISIONS, type BreachDecision, breaches, concerns } from '../schema.ts';
import { appendEntry, type ConcernRow, changeConcern, ICO_HOURS, logView, openConcern } from '../service.ts';

/**
 * The UK GDPR side of a data breach concern (Articles 33 and 34): the decision whether to report
 * it to the ICO and why, the ICO's reference, whether the people whose data it was were told, a
 * corrected discovery time (which moves the 72-hour deadline), and the breach register.
 *
 * Every change goes through `changeConcern` (full access to the record, its row locked, one
 * transaction), is a chronology entry, and is in the audit trail with a summary that names the
 * reference only: administrators read the audit log and may not open breaches.
 */

export type BreachRow = typeof breaches.$inferSelect;

const HOUR = 3_600_000;
/** A phone's clock and the server's differ a little: "now" typed on a form may be a few minutes ahead. */
const CLOCK_SLACK = 5 * 60_000;
const TIME = /^([01]?\d|2[0-3])[:.]([0-5]\d)$/;

/** The ICO deadline for a breach found out at `discoveredAt`. */
export const icoDueFor = (discoveredAt: Date) => new Date(discoveredAt.getTime() + ICO_HOURS * HOUR);

/** Under 24 hours left (or past) is red; otherwise the clock is orange until the decision is made. */
export const clockTone = (due: Date, now: Date): 'red' | 'orange' => (due.getTime() - now.getTime() < 24 * HOUR ? 'red' : 'orange');

async function breachOf(db: Db, concern: ConcernRow): Promise<BreachRow> {
  if (concern.type !== 'data_breach') throw new NotFoundError();
  const [breach] = await db
    .select()
    .from(breaches)
    .where(and(eq(breaches.trustId, concern.trustId), eq(breaches.concernId, concern.id)));
  if (!breach) throw new NotFoundError();
  return breach;
}

/** What every breach form shows: the reference, school, discovery, deadline and what has been recorded. Full access only (404 otherwise). */
export async function breachForm(ctx: Ctx, reference: string) {
  // The forms show the clock, never what happened: the record page is where a view is logged.
  const { concern } = await openConcern(ctx, reference, 'full', { log: false });
  const breach = await breachOf(ctx.db, concern);
  const [school] = await ctx.db
    .select({ name: schools.name })
    .from(schools)
    .where(and(eq(schools.trustId, concern.trustId), eq(schools.id, concern.schoolId)));
  const [decider] = breach.decidedBy
    ? await ctx.db
        .select({ fullName: people.fullName })
        .from(people)
        .where(and(eq(people.trustId, concern.trustId), eq(people.id, breach.decidedBy)))
    : [];
  return {
    reference: concern.reference,
    status: concern.status,
    occurredAt: concern.occurredAt,
    schoolName: school?.name ?? '',
    breach,
    decidedByName: decider?.fullName ?? null,
  };
}
export type BreachForm = Awaited<ReturnType<typeof breachForm>>;

// ---------------------------------------------------------------------------------------------
// Reading the forms

type Raw = Record<string, unknown>;
type Errors = Record<string, string>;

const textField = (raw: unknown, max: number, label: string, required: string | null, name: string, errors: Errors): string | null => {
  const value = blankToUndefined(raw);
  if (value === undefined || value === null) {
    if (required) errors[name] = required;
    return null;
  }
  if (typeof value !== 'string') {
    errors[name] = required ?? `${label} must be text`;
    return null;
  }
  if (value.length > max) {
    errors[name] = `${label} must be ${max.toLocaleString('en-GB')} characters or fewer`;
    return null;
  }
  return value;
};

/**
 * A date (from the day, month and year boxes, joined by the route) and a 24-hour time, as the
 * instant they name in London. It must not be in the future. Errors go on the field at fault.
 */
function whenField(raw: Raw, names: { date: string; time?: string }, what: string, errors: Errors, now: Date): Date | null {
  const given = String(raw[names.date] ?? '').trim();
  if (!given) {
    errors[names.date] = `Enter the date ${what}`;
    return null;
  }
  const date = parseCalendarDate(given);
  if (!date) {
    errors[names.date] = `The date ${what} must be a real date`;
    return null;
  }
  if (date > londonToday(now)) {
    errors[names.date] = `The date ${what} must be today or in the past`;
    return null;
  }
  if (!names.time) return londonDateTime(date, '12:00');
  const time = String(raw[names.time] ?? '').trim();
  const match = TIME.exec(time);
  if (!time) {
    errors[names.time] = `Enter the time ${what}, like 14:30`;
    return null;
  }
  if (!match) {
    errors[names.time] = 'Enter the time as hours and minutes in the 24-hour clock, like 14:30';
    return null;
  }
  const at = londonDateTime(date, `${match[1]?.padStart(2, '0')}:${match[2]}`);
  if (at.getTime() > now.getTime() + CLOCK_SLACK) {
    errors[names.time] = `The time ${what} must be in the past`;
    return null;
  }
  return at;
}

const fail = (errors: Errors) => {
  if (Object.keys(errors).length) throw new ValidationError(errors);
};

// ---------------------------------------------------------------------------------------------
// The four changes

/**
 * Records the decision whether the breach must be reported to the ICO, with the reasons (required
 * either way: the ICO expects the reasons for not reporting too). A decision is made once: a change
 * of mind is a correction entry on the chronology, which keeps both.
 */
export async function recordDecision(ctx: Ctx, reference: string, raw: Raw, now = new Date()) {
  return changeConcern(ctx, reference, async (tx, { concern }) => {
    const breach = await breachOf(tx, concern);
    if (breach.decision)
      throw new ValidationError({
        decision: `The decision was already recorded on ${formatDateTime(breach.decidedAt)} and cannot be changed. If it was wrong, add a correction to the chronology saying why`,
      });
    const errors: Errors = {};
    const decision = typeof raw.decision === 'string' && raw.decision in BREACH_DECISIONS ? (raw.decision as BreachDecision) : null;
    if (!decision) errors.decision = 'Choose whether the breach must be reported to the ICO';
    const reasons = textField(raw.reasons, 5_000, 'The reasons', 'Give the reasons for the decision', 'reasons', errors);
    fail(errors);
    if (!decision || !reasons) throw new ValidationError(errors);
    await tx
      .update(breaches)
      .set({ decision, decisionReasons: reasons, decidedBy: ctx.actor.type === 'person' ? ctx.actor.personId : null, decidedAt: now })
      .where(and(eq(breaches.trustId, concern.trustId), eq(breaches.concernId, concern.id)));
    await appendEntry(tx, ctx, concern.id, 'decision', `${BREACH_DECISIONS[decision]}.\n\nReasons: ${reasons}`, { decision, reasons }, undefined, now);
    await recordEvent(tx, ctx, {
      action: 'breach.decided',
      resourceType: 'concern',
      resourceId: concern.id,
      summary: `ICO decision recorded on breach ${concern.reference}`,
    });
    return { reference: concern.reference, decision };
  });
}

/**
 * Records that a reportable breach was reported to the ICO: their reference and when. Not before
 * the breach was found out, not in the future; after the 72 hours the reasons for the delay are
 * required (Article 33(1)).
 */
export async function recordIcoReport(ctx: Ctx, reference: string, raw: Raw, now = new Date()) {
  return changeConcern(ctx, reference, async (tx, { concern }) => {
    const breach = await breachOf(tx, concern);
    if (breach.decision !== 'reportable')
      throw new ValidationError({
        icoReference:
          breach.decision === 'not_reportable'
            ? 'The decision recorded is that this breach is not reportable to the ICO. If that was wrong, add a correction to the chronology first'
            : 'Record the decision that this breach must be reported to the ICO first',
      });
    if (breach.icoReference)
      throw new ValidationError({
        icoReference: `The ICO report was already recorded (reference ${breach.icoReference}). If it was wrong, add a correction to the chronology`,
      });
    const errors: Errors = {};
    const icoReference = textField(raw.icoReference, 50, 'The ICO reference', 'Enter the reference the ICO gave you', 'icoReference', errors);
    const at = whenField(raw, { date: 'reportedOn', time: 'reportedTime' }, 'it was reported to the ICO', errors, now);
    if (at && at < breach.discoveredAt)
      errors.reportedOn = `It cannot have been reported before the breach was found out (${formatDateTime(breach.discoveredAt)})`;
    const late = at !== null && at > breach.icoDueAt;
    const delayReasons = textField(
      raw.delayReasons,
      5_000,
      'The reasons for the delay',
      late ? 'It was reported more than 72 hours after it was found out: give the reasons for the delay' : null,
      'delayReasons',
      errors,
    );
    fail(errors);
    if (!icoReference || !at) throw new ValidationError(errors);
    await tx
      .update(breaches)
      .set({ icoReference, icoNotifiedAt: at })
      .where(and(eq(breaches.trustId, concern.trustId), eq(breaches.concernId, concern.id)));
    const text = [
      `Reported to the ICO on ${formatDateTime(at)}, ICO reference ${icoReference}.`,
      late ? `This was after the 72-hour deadline (${formatDateTime(breach.icoDueAt)}). Reasons for the delay: ${delayReasons}` : '',
    ]
      .filter(Boolean)
      .join('\n\n');
    await appendEntry(
      tx,
      ctx,
      concern.id,
      'ico_notified',
      text,
      { icoReference, notifiedAt: at.toISOString(), late, delayReasons: late ? delayReasons : null },
      undefined,
      now,
    );
    await recordEvent(tx, ctx, {
      action: 'breach.ico_notified',
      resourceType: 'concern',
      resourceId: concern.id,
      summary: `Breach ${concern.reference} recorded as reported to the ICO`,
    });
    return { reference: concern.reference };
  });
}

/**
 * Article 34: whether the people whose data it was have been told: yes (when, and how if given) or
 * no (why not, required). "No" can later become "yes"; a "yes" stays.
 */
export async function recordIndividualsTold(ctx: Ctx, reference: string, raw: Raw, now = new Date()) {
  return changeConcern(ctx, reference, async (tx, { concern }) => {
    const breach = await breachOf(tx, concern);
    if (breach.individualsTold === 'yes')
      throw new ValidationError({
        told: `It was already recorded that they were told on ${formatDate(breach.individualsToldAt)}. If that was wrong, add a correction to the chronology`,
      });
    const errors: Errors = {};
    const told = raw.told === 'yes' || raw.told === 'no' ? raw.told : null;
    if (!told) errors.told = 'Say whether the people whose data it was have been told';
    let at: Date | null = null;
    if (told === 'yes') {
      at = whenField(raw, { date: 'toldOn' }, 'they were told', errors, now);
      if (at && londonToday(at) < londonToday(breach.discoveredAt))
        errors.toldOn = `They cannot have been told before the breach was found out (${formatDate(breach.discoveredAt)})`;
    }
    const note = textField(
      raw.note,
      2_000,
      told === 'no' ? 'The reasons' : 'How they were told',
      told === 'no' ? 'Say why they have not been told' : null,
      'note',
      errors,
    );
    fail(errors);
    if (!told) throw new ValidationError(errors);
    await tx
      .update(breaches)
      .set({ individualsTold: told, individualsToldAt: at, individualsToldNote: note })
      .where(and(eq(breaches.trustId, concern.trustId), eq(breaches.concernId, concern.id)));
    const text =
      told === 'yes'
        ? `The people whose data it was were told on ${formatDate(at)}.${note ? ` How: ${note}` : ''}`
        : `The people whose data it was have not been told. Reasons: ${note}`;
    await appendEntry(tx, ctx, concern.id, 'individuals_told', text, { told, toldAt: at?.toISOString() ?? null, note }, undefined, now);
    await recordEvent(tx, ctx, {
      action: 'concern.updated',
      resourceType: 'concern',
      resourceId: concern.id,
      summary: `Breach ${concern.reference}: whether the people affected were told recorded`,
    });
    return { reference: concern.reference, told };
  });
}

/**
 * Corrects when the breach was found out. The only way the discovery time changes: the chronology
 * keeps the old and new times and the reason, and the ICO deadline moves to the new time + 72 hours
 * (the database refuses any other deadline).
 */
export async function correctDiscovery(ctx: Ctx, reference: string, raw: Raw, now = new Date()) {
  return changeConcern(ctx, reference, async (tx, { concern }) => {
    const breach = await breachOf(tx, concern);
    const errors: Errors = {};
    const at = whenField(raw, { date: 'discoveredOn', time: 'discoveredTime' }, 'it was found out', errors, now);
    if (at && at < concern.occurredAt)
      errors.discoveredOn = `It cannot have been found out before it happened (${formatDateTime(concern.occurredAt)}). Correct when it happened first`;
    else if (at && breach.icoNotifiedAt && at > breach.icoNotifiedAt)
      errors.discoveredOn = `It cannot have been found out after it was reported to the ICO (${formatDateTime(breach.icoNotifiedAt)})`;
    else if (at && at.getTime() === breach.discoveredAt.getTime()) errors.discoveredOn = 'That is the time already recorded';
    const reason = textField(raw.reason, 2_000, 'The reason', 'Say why the time it was found out is being corrected', 'reason', errors);
    fail(errors);
    if (!at || !reason) throw new ValidationError(errors);
    const icoDueAt = icoDueFor(at);
    await tx
      .update(breaches)
      .set({ discoveredAt: at, icoDueAt })
      .where(and(eq(breaches.trustId, concern.trustId), eq(breaches.concernId, concern.id)));
    await appendEntry(
      tx,
      ctx,
      concern.id,
      'discovered_at',
      `When the breach was found out corrected from ${formatDateTime(breach.discoveredAt)} to ${formatDateTime(at)}. The ICO deadline is now ${formatDateTime(icoDueAt)} (it was ${formatDateTime(breach.icoDueAt)}).\n\nReason: ${reason}`,
      {
        from: breach.discoveredAt.toISOString(),
        to: at.toISOString(),
        icoDueFrom: breach.icoDueAt.toISOString(),
        icoDueTo: icoDueAt.toISOString(),
        reason,
      },
      undefined,
      now,
    );
    await recordEvent(tx, ctx, {
      action: 'breach.discovery_corrected',
      resourceType: 'concern',
      resourceId: concern.id,
      summary: `Discovery time of breach ${concern.reference} corrected`,
      before: { discoveredAt: breach.discoveredAt.toISOString(), icoDueAt: breach.icoDueAt.toISOString() },
      after: { discoveredAt: at.toISOString(), icoDueAt: icoDueAt.toISOString() },
    });
    return { reference: concern.reference, discoveredAt: at, icoDueAt };
  });
}

// ---------------------------------------------------------------------------------------------
// The register

export const DECISION_FILTERS = { undecided: 'Not decided yet', reportable: 'Reportable', not_reportable: 'Not reportable' } as const;
export type DecisionFilter = keyof typeof DECISION_FILTERS;
export const REGISTER_PAGE_SIZE = 50;

/** The register's filters and page from the query string; a value that makes no sense shows the default. */
export const registerQuery = z.object({
  decision: z
    .enum(Object.keys(DECISION_FILTERS) as [DecisionFilter, ...DecisionFilter[]])
    .optional()
    .catch(undefined),
  year: z.coerce.number().int().min(2000).max(2200).optional().catch(undefined),
  school: z.uuid().optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
export type RegisterQuery = z.output<typeof registerQuery>;

const discoveredYear = sql<number>`extract(year from ${breaches.discoveredAt} at time zone 'Europe/London')::int`;
const decider = alias(people, 'decider');

function registerWhere(ctx: Ctx, q: Omit<RegisterQuery, 'page'>): SQL {
  return and(
    visibleConcernsWhere(ctx.actor),
    eq(concerns.type, 'data_breach'),
    q.decision === 'undecided' ? isNull(breaches.decision) : q.decision ? eq(breaches.decision, q.decision) : undefined,
    q.year ? sql`${discoveredYear} = ${q.year}` : undefined,
    q.school ? eq(concerns.schoolId, q.school) : undefined,
  ) as SQL;
}

function registerSelect(db: Db) {
  return db
    .select({
      id: concerns.id,
      reference: concerns.reference,
      schoolId: concerns.schoolId,
      schoolName: schools.name,
      status: concerns.status,
      occurredAt: concerns.occurredAt,
      closedAt: concerns.closedAt,
      discoveredAt: breaches.discoveredAt,
      icoDueAt: breaches.icoDueAt,
      dataInvolved: breaches.dataInvolved,
      peopleAffected: breaches.peopleAffected,
      decision: breaches.decision,
      decisionReasons: breaches.decisionReasons,
      decidedAt: breaches.decidedAt,
      decidedByName: decider.fullName,
      icoReference: breaches.icoReference,
      icoNotifiedAt: breaches.icoNotifiedAt,
      individualsTold: breaches.individualsTold,
      individualsToldAt: breaches.individualsToldAt,
      individualsToldNote: breaches.individualsToldNote,
    })
    .from(concerns)
    .innerJoin(breaches, and(eq(breaches.trustId, concerns.trustId), eq(breaches.concernId, concerns.id)))
    .innerJoin(schools, and(eq(schools.trustId, concerns.trustId), eq(schools.id, concerns.schoolId)))
    .leftJoin(decider, and(eq(decider.trustId, breaches.trustId), eq(decider.id, breaches.decidedBy)));
}
export type RegisterRow = Awaited<ReturnType<ReturnType<typeof registerSelect>['execute']>>[number];

/** Undecided breaches first, the nearest deadline first; then the rest, most recently found out first. */
const registerOrder = [
  sql`(${breaches.decision} is null) desc`,
  sql`case when ${breaches.decision} is null then ${breaches.icoDueAt} end asc`,
  desc(breaches.discoveredAt),
];

/**
 * The breach register (Article 33(5): every breach is documented, reported or not): the breaches
 * the reader may open (the DPO all of the trust's, a DPL their school's), open or closed, filtered.
 */
export async function breachRegister(ctx: Ctx, q: RegisterQuery) {
  authorize(ctx.actor, 'breaches.register', { trustId: ctx.actor.trustId });
  const where = registerWhere(ctx, q);
  const everything = registerWhere(ctx, {});
  const [rows, [count], years, schoolOptions] = await Promise.all([
    registerSelect(ctx.db)
      .where(where)
      .orderBy(...registerOrder)
      .limit(REGISTER_PAGE_SIZE)
      .offset((q.page - 1) * REGISTER_PAGE_SIZE),
    ctx.db
      .select({ n: sql<number>`count(*)::int` })
      .from(concerns)
      .innerJoin(breaches, and(eq(breaches.trustId, concerns.trustId), eq(breaches.concernId, concerns.id)))
      .where(where),
    ctx.db
      .selectDistinct({ year: discoveredYear })
      .from(concerns)
      .innerJoin(breaches, and(eq(breaches.trustId, concerns.trustId), eq(breaches.concernId, concerns.id)))
      .where(everything)
      .orderBy(desc(discoveredYear)),
    ctx.db
      .selectDistinct({ id: schools.id, name: schools.name })
      .from(concerns)
      .innerJoin(schools, and(eq(schools.trustId, concerns.trustId), eq(schools.id, concerns.schoolId)))
      .where(everything)
      .orderBy(asc(schools.name)),
  ]);
  return {
    rows,
    total: count?.n ?? 0,
    query: q,
    pageSize: REGISTER_PAGE_SIZE,
    options: { years: years.map((y) => y.year), schools: schoolOptions },
  };
}

/**
 * Every breach the filters select, for the CSV: the register with its facts (data involved,
 * reasons, notes). Opening that many restricted records is logged against each, and the export
 * is in the audit trail (without details).
 */
export async function breachRegisterExport(ctx: Ctx, q: RegisterQuery): Promise<RegisterRow[]> {
  authorize(ctx.actor, 'breaches.register', { trustId: ctx.actor.trustId });
  return transaction(ctx.db, async (tx) => {
    const rows = await registerSelect(tx)
      .where(registerWhere(ctx, q))
      .orderBy(...registerOrder);
    for (const r of rows) await logView(tx, ctx, r.id, 'breach register export');
    await recordEvent(tx, ctx, {
      action: 'concerns.exported',
      resourceType: 'breach_register',
      summary: `Breach register exported (${rows.length} ${rows.length === 1 ? 'breach' : 'breaches'})`,
    });
    return rows;
  });
}

// ---------------------------------------------------------------------------------------------
// Clocks for the home page

/**
 * The breaches whose clock the person should act on: undecided, or reportable and not yet reported,
 * not closed, that they may open fully and hold the breach roles for (the DPO, the school's DPL) or
 * are assigned to. A line manager told of a breach can read it but is not asked to decide it.
 */
export async function breachClocks(ctx: Ctx) {
  const actor = ctx.actor;
  if (actor.type !== 'person') return [];
  const trustWide = actor.roles.some((g) => g.schoolId === null && (g.role === 'dpo' || g.role === 'dpl'));
  const dplSchools = actor.roles.filter((g) => g.role === 'dpl' && g.schoolId).map((g) => g.schoolId as string);
  const mine = trustWide
    ? sql`true`
    : dplSchools.length
      ? sql`(${inArray(concerns.schoolId, dplSchools)} or ${eq(concerns.assigneeId, actor.personId)})`
      : eq(concerns.assigneeId, actor.personId);
  return ctx.db
    .select({
      reference: concerns.reference,
      schoolName: schools.name,
      icoDueAt: breaches.icoDueAt,
      decision: breaches.decision,
    })
    .from(concerns)
    .innerJoin(breaches, and(eq(breaches.trustId, concerns.trustId), eq(breaches.concernId, concerns.id)))
    .innerJoin(schools, and(eq(schools.trustId, concerns.trustId), eq(schools.id, concerns.schoolId)))
    .where(
      and(
        visibleConcernsWhere(actor),
        eq(concerns.type, 'data_breach'),
        sql`${concerns.status} <> 'closed'`,
        sql`(${isNull(breaches.decision)} or (${eq(breaches.decision, 'reportable')} and ${isNull(breaches.icoReference)}))`,
        mine,
      ),
    )
    .orderBy(asc(breaches.icoDueAt), asc(concerns.reference));
}
