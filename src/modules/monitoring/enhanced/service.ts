import { and, asc, desc, eq, gte, inArray, isNull, lte, ne, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { recordEvent } from '../../../audit/audit.ts';
import type { Ctx } from '../../../context.ts';
import { type Db, transaction } from '../../../db/client.ts';
import { type FieldErrors, ForbiddenError, NotFoundError, ValidationError } from '../../../errors.ts';
import { formatDate, londonToday } from '../../../ui/format.ts';
import { isUuid, optionalDate, textField } from '../../../validation.ts';
import type { Actor } from '../../auth/actor.ts';
import { authorize, can, schoolsFor } from '../../auth/authorize.ts';
import { findPersonByReference, personSchoolIds } from '../../organisations/repository.ts';
import { people, personSchools, schools } from '../../organisations/schema.ts';
import { addDays } from '../../policies/reviews/service.ts';
import { addMonths } from '../../policies/service.ts';
import { enhancedMonitoring } from '../schema.ts';

/*
 * Enhanced monitoring (004 §6.4): during an investigation the head teacher of one of the person's
 * schools puts them under enhanced monitoring for a period, with a reason; their alerts are raised
 * a step and rules "only for people under enhanced monitoring" apply to them. Periods are never
 * deleted; ending one early records who and why.
 *
 * Confidentiality: the person must not learn of it from Countersign. Nobody sees a period about
 * themselves (in the list, on its page or on the home page), and the reason stays on the record:
 * the audit trail names the person and the dates, never the reason.
 */

export type EnhancedRow = typeof enhancedMonitoring.$inferSelect;
export type EnhancedStatus = 'current' | 'upcoming' | 'ended';

/** The longest period one decision covers: a longer investigation sets a further period. */
export const MAX_MONTHS = 6;
export const REASON_MAX = 2_000;
/** The head teacher's home page shows periods ending within this many days. */
export const ENDING_SOON_DAYS = 7;

export function statusOf(row: Pick<EnhancedRow, 'startsOn' | 'endsOn' | 'endedAt'>, today: string): EnhancedStatus {
  if (row.endedAt || row.endsOn < today) return 'ended';
  return row.startsOn > today ? 'upcoming' : 'current';
}

/** The London calendar date of an instant, in SQL. */
const londonDate = (column: SQL | typeof enhancedMonitoring.endedAt) => sql`(${column} at time zone 'Europe/London')::date`;

/** In force on a day: within its dates, and not ended early on or before that day. */
const inForceOn = (day: string) =>
  and(
    lte(enhancedMonitoring.startsOn, day),
    gte(enhancedMonitoring.endsOn, day),
    sql`(${enhancedMonitoring.endedAt} is null or ${londonDate(enhancedMonitoring.endedAt)} > ${day}::date)`,
  ) as SQL;

/** Whether the person is under enhanced monitoring on a London calendar day (YYYY-MM-DD). */
export async function isUnderEnhancedMonitoring(db: Db, trustId: string, personId: string, day: string): Promise<boolean> {
  const [row] = await db
    .select({ id: enhancedMonitoring.id })
    .from(enhancedMonitoring)
    .where(and(eq(enhancedMonitoring.trustId, trustId), eq(enhancedMonitoring.personId, personId), inForceOn(day)))
    .limit(1);
  return !!row;
}

export type EnhancedPeriod = { id: string; startsOn: string; endsOn: string };

/** Which of these people are under enhanced monitoring today, with the period (for the alert page and lists). */
export async function enhancedNow(db: Db, trustId: string, personIds: string[], today = londonToday()): Promise<Map<string, EnhancedPeriod>> {
  const out = new Map<string, EnhancedPeriod>();
  const ids = [...new Set(personIds)].filter(isUuid);
  if (ids.length === 0) return out;
  const found = await db
    .select({ personId: enhancedMonitoring.personId, id: enhancedMonitoring.id, startsOn: enhancedMonitoring.startsOn, endsOn: enhancedMonitoring.endsOn })
    .from(enhancedMonitoring)
    .where(and(eq(enhancedMonitoring.trustId, trustId), inArray(enhancedMonitoring.personId, ids), inForceOn(today)))
    .orderBy(asc(enhancedMonitoring.startsOn));
  for (const r of found) out.set(r.personId, { id: r.id, startsOn: r.startsOn, endsOn: r.endsOn });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Who may see and change

const uuidList = (ids: string[]) =>
  sql.join(
    ids.map((id) => sql`${id}::uuid`),
    sql`, `,
  );
const atSchools = (ids: string[]) =>
  sql`exists (select 1 from ${personSchools} ps where ps.trust_id = ${enhancedMonitoring.trustId} and ps.person_id = ${enhancedMonitoring.personId} and ps.school_id in (${uuidList(ids)}))`;

/** The periods an actor may see: those about people of the schools (or trust) they hold enhancedView for, never their own. */
function visibleWhere(actor: Actor): SQL {
  const seen = schoolsFor(actor, 'monitoring.enhancedView');
  const mine = actor.type === 'person' ? ne(enhancedMonitoring.personId, actor.personId) : undefined;
  if (seen === 'all') return and(eq(enhancedMonitoring.trustId, actor.trustId), mine) as SQL;
  if (seen.length === 0) return sql`false`;
  return and(eq(enhancedMonitoring.trustId, actor.trustId), mine, atSchools(seen)) as SQL;
}

const isSelf = (actor: Actor, personId: string) => actor.type === 'person' && actor.personId === personId;

const setter = alias(people, 'setter');
const ender = alias(people, 'ender');

function periodsQuery(db: Db, where: SQL) {
  return db
    .select({
      period: enhancedMonitoring,
      personName: people.fullName,
      personEmail: people.email,
      setByName: setter.fullName,
      endedByName: ender.fullName,
    })
    .from(enhancedMonitoring)
    .innerJoin(people, and(eq(people.trustId, enhancedMonitoring.trustId), eq(people.id, enhancedMonitoring.personId)))
    .leftJoin(setter, and(eq(setter.trustId, enhancedMonitoring.trustId), eq(setter.id, enhancedMonitoring.setBy)))
    .leftJoin(ender, and(eq(ender.trustId, enhancedMonitoring.trustId), eq(ender.id, enhancedMonitoring.endedBy)))
    .where(where)
    .$dynamic();
}
type PeriodRow = Awaited<ReturnType<typeof periodsQuery>>[number];
export type PeriodItem = PeriodRow & { status: EnhancedStatus; schools: string[]; canEnd: boolean };

/** The names of each person's schools, and their ids for permission checks. */
async function schoolsOf(db: Db, trustId: string, personIds: string[]) {
  const out = new Map<string, { ids: string[]; names: string[] }>();
  if (personIds.length === 0) return out;
  const found = await db
    .select({ personId: personSchools.personId, id: schools.id, name: schools.name })
    .from(personSchools)
    .innerJoin(schools, and(eq(schools.trustId, personSchools.trustId), eq(schools.id, personSchools.schoolId)))
    .where(and(eq(personSchools.trustId, trustId), inArray(personSchools.personId, [...new Set(personIds)])))
    .orderBy(asc(schools.name));
  for (const r of found) {
    const entry = out.get(r.personId) ?? { ids: [], names: [] };
    entry.ids.push(r.id);
    entry.names.push(r.name);
    out.set(r.personId, entry);
  }
  return out;
}

async function withDetails(ctx: Ctx, found: PeriodRow[], today: string): Promise<PeriodItem[]> {
  const bySchool = await schoolsOf(
    ctx.db,
    ctx.actor.trustId,
    found.map((r) => r.period.personId),
  );
  return found.map((r) => {
    const s = bySchool.get(r.period.personId) ?? { ids: [], names: [] };
    const status = statusOf(r.period, today);
    return {
      ...r,
      status,
      schools: s.names,
      canEnd: status !== 'ended' && can(ctx.actor, 'monitoring.enhanced', { trustId: ctx.actor.trustId, schoolIds: s.ids }),
    };
  });
}

/** Ended periods shown on the list: the most recent. */
export const ENDED_SHOWN = 50;

/** The list page: current, upcoming and (the most recent) ended periods the reader may see. */
export async function enhancedList(ctx: Ctx, today = londonToday()) {
  authorize(ctx.actor, 'monitoring.enhancedView', { trustId: ctx.actor.trustId });
  const where = visibleWhere(ctx.actor);
  const [live, ended] = await Promise.all([
    periodsQuery(ctx.db, and(where, isNull(enhancedMonitoring.endedAt), gte(enhancedMonitoring.endsOn, today)) as SQL).orderBy(
      asc(enhancedMonitoring.startsOn),
      asc(people.fullName),
    ),
    periodsQuery(ctx.db, and(where, sql`(${enhancedMonitoring.endedAt} is not null or ${enhancedMonitoring.endsOn} < ${today})`) as SQL)
      .orderBy(desc(sql`coalesce(${londonDate(enhancedMonitoring.endedAt)}, ${enhancedMonitoring.endsOn})`), desc(enhancedMonitoring.setAt))
      .limit(ENDED_SHOWN),
  ]);
  const items = await withDetails(ctx, [...live, ...ended], today);
  return {
    current: items.filter((i) => i.status === 'current'),
    upcoming: items.filter((i) => i.status === 'upcoming'),
    ended: items.filter((i) => i.status === 'ended'),
    canSet: can(ctx.actor, 'monitoring.enhanced', { trustId: ctx.actor.trustId }),
    today,
  };
}
export type EnhancedList = Awaited<ReturnType<typeof enhancedList>>;

/** One period, for its page and the end-early form: only for those who may see it (others: not found). */
export async function enhancedPeriod(ctx: Ctx, id: string, today = londonToday()): Promise<PeriodItem> {
  authorize(ctx.actor, 'monitoring.enhancedView', { trustId: ctx.actor.trustId });
  if (!isUuid(id)) throw new NotFoundError();
  const [row] = await periodsQuery(ctx.db, and(visibleWhere(ctx.actor), eq(enhancedMonitoring.id, id)) as SQL);
  if (!row) throw new NotFoundError();
  const [item] = await withDetails(ctx, [row], today);
  if (!item) throw new NotFoundError();
  return item;
}

// ---------------------------------------------------------------------------------------------
// Setting a period

/** The people the head teacher may choose: current people of the schools they lead, not themselves. */
export async function enhancedFormOptions(ctx: Ctx) {
  authorize(ctx.actor, 'monitoring.enhanced', { trustId: ctx.actor.trustId });
  const led = schoolsFor(ctx.actor, 'monitoring.enhanced');
  const today = londonToday();
  const where: SQL[] = [eq(people.trustId, ctx.actor.trustId), sql`(${people.endDate} is null or ${people.endDate} >= ${today})`];
  if (ctx.actor.type === 'person') where.push(ne(people.id, ctx.actor.personId));
  if (led !== 'all') {
    if (led.length === 0) return { directory: [] };
    where.push(
      sql`exists (select 1 from ${personSchools} ps where ps.trust_id = ${people.trustId} and ps.person_id = ${people.id} and ps.school_id in (${uuidList(led)}))`,
    );
  }
  const directory = await ctx.db
    .select({ fullName: people.fullName, email: people.email })
    .from(people)
    .where(and(...where))
    .orderBy(asc(people.fullName));
  return { directory };
}

const requiredDate = (label: string, missing: string) => optionalDate(label).refine((v) => v !== undefined, missing);

export const setInput = z.object({
  person: textField(320, 'The person', 'Choose the person from the directory'),
  startsOn: requiredDate('The start date', 'Enter the date enhanced monitoring starts'),
  endsOn: requiredDate('The end date', 'Enter the date enhanced monitoring ends'),
  reason: textField(REASON_MAX, 'The reason', 'Give the reason for enhanced monitoring'),
});

export const endInput = z.object({
  reason: textField(REASON_MAX, 'The reason', 'Give the reason for ending enhanced monitoring early'),
});

/** Parses what it can, so every problem on the form is reported at once. */
function partial<T extends z.ZodObject>(schema: T, raw: unknown): { data: Partial<z.output<T>>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const data: Record<string, unknown> = {};
  const input = (raw ?? {}) as Record<string, unknown>;
  for (const [key, field] of Object.entries(schema.shape)) {
    const result = (field as z.ZodType).safeParse(input[key]);
    if (result.success) data[key] = result.data;
    else errors[key] = result.error.issues[0]?.message ?? 'Check this answer';
  }
  return { data: data as Partial<z.output<T>>, errors };
}

/**
 * Puts a person under enhanced monitoring from a start date (today or later) to an end date (at
 * most 6 months after the start). Only the head teacher of one of the person's schools may, never
 * on themselves, and never overlapping a period the person already has.
 */
export async function setEnhanced(ctx: Ctx, raw: unknown, today = londonToday()): Promise<EnhancedRow & { personName: string }> {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'monitoring.enhanced', { trustId });
  const { data, errors } = partial(setInput, raw);
  const person = data.person ? await findPersonByReference(ctx.db, trustId, data.person) : null;
  if (data.person && !person) errors.person = 'Choose the person from the directory: no one matches that name or email';
  if (person && isSelf(ctx.actor, person.id)) errors.person = 'You cannot put yourself under enhanced monitoring';
  if (person && !errors.person) authorize(ctx.actor, 'monitoring.enhanced', { trustId, schoolIds: await personSchoolIds(ctx.db, trustId, person.id) });
  const { startsOn, endsOn, reason } = data;
  if (startsOn && startsOn < today) errors.startsOn = 'The start date must be today or in the future';
  if (startsOn && endsOn && endsOn < startsOn) errors.endsOn = 'The end date must be the same as or after the start date';
  else if (startsOn && endsOn && endsOn > addMonths(startsOn, MAX_MONTHS))
    errors.endsOn = `The end date must be no more than ${MAX_MONTHS} months after the start date (by ${formatDate(addMonths(startsOn, MAX_MONTHS))}). Set a further period later if the investigation needs it.`;
  if (Object.keys(errors).length || !person || !startsOn || !endsOn || !reason) throw new ValidationError(errors);
  // The decision is a head teacher's own: it records who set it.
  if (ctx.actor.type !== 'person') throw new ForbiddenError('Only a head teacher, signed in, can set enhanced monitoring');
  const actorId = ctx.actor.personId;

  return transaction(ctx.db, async (tx) => {
    // The person's row is the lock: two head teachers setting overlapping periods at once queue here.
    await tx
      .select({ id: people.id })
      .from(people)
      .where(and(eq(people.trustId, trustId), eq(people.id, person.id)))
      .for('update');
    const [overlap] = await tx
      .select({ startsOn: enhancedMonitoring.startsOn, endsOn: enhancedMonitoring.endsOn })
      .from(enhancedMonitoring)
      .where(
        and(
          eq(enhancedMonitoring.trustId, trustId),
          eq(enhancedMonitoring.personId, person.id),
          isNull(enhancedMonitoring.endedAt),
          lte(enhancedMonitoring.startsOn, endsOn),
          gte(enhancedMonitoring.endsOn, startsOn),
        ),
      )
      .limit(1);
    if (overlap)
      throw new ValidationError({
        startsOn: `${person.fullName} is already under enhanced monitoring from ${formatDate(overlap.startsOn)} to ${formatDate(overlap.endsOn)}. Choose dates after that period, or end it early first.`,
      });
    const [row] = await tx.insert(enhancedMonitoring).values({ trustId, personId: person.id, startsOn, endsOn, reason, setBy: actorId }).returning();
    if (!row) throw new Error('insert returned nothing');
    await recordEvent(tx, ctx, {
      action: 'enhanced_monitoring.set',
      resourceType: 'enhanced_monitoring',
      resourceId: row.id,
      summary: `Enhanced monitoring set for ${person.fullName} from ${formatDate(startsOn)} to ${formatDate(endsOn)}`,
      after: { personId: person.id, startsOn, endsOn },
    });
    return { ...row, personName: person.fullName };
  });
}

/** Ends a current or upcoming period early, with a reason: the head teacher of one of the person's schools. */
export async function endEnhanced(ctx: Ctx, id: string, raw: unknown, now = new Date()): Promise<PeriodItem> {
  const today = londonToday(now);
  const item = await enhancedPeriod(ctx, id, today);
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'monitoring.enhanced', { trustId, schoolIds: await personSchoolIds(ctx.db, trustId, item.period.personId) });
  const { data, errors } = partial(endInput, raw);
  if (item.status === 'ended') errors.reason = 'This period has already ended';
  if (Object.keys(errors).length || !data.reason) throw new ValidationError(errors);
  const reason = data.reason;
  return transaction(ctx.db, async (tx) => {
    const [locked] = await tx
      .select()
      .from(enhancedMonitoring)
      .where(and(eq(enhancedMonitoring.trustId, trustId), eq(enhancedMonitoring.id, item.period.id)))
      .for('update');
    if (!locked) throw new NotFoundError();
    if (statusOf(locked, today) === 'ended') throw new ValidationError({ reason: 'This period has already ended' });
    const endedBy = ctx.actor.type === 'person' ? ctx.actor.personId : null;
    const [row] = await tx
      .update(enhancedMonitoring)
      .set({ endedAt: now, endedBy, endReason: reason })
      .where(and(eq(enhancedMonitoring.trustId, trustId), eq(enhancedMonitoring.id, locked.id)))
      .returning();
    if (!row) throw new NotFoundError();
    await recordEvent(tx, ctx, {
      action: 'enhanced_monitoring.ended',
      resourceType: 'enhanced_monitoring',
      resourceId: row.id,
      summary: `Enhanced monitoring of ${item.personName} ended early (it was set from ${formatDate(row.startsOn)} to ${formatDate(row.endsOn)})`,
      before: { personId: row.personId, startsOn: row.startsOn, endsOn: row.endsOn, endedAt: null },
      after: { personId: row.personId, startsOn: row.startsOn, endsOn: row.endsOn, endedAt: now.toISOString() },
    });
    return { ...item, period: row, status: 'ended' as const, canEnd: false };
  });
}

/** Periods ending within 7 days at the schools the head teacher leads (not their own), for the home page. */
export async function periodsEndingSoon(ctx: Ctx, today = londonToday()) {
  if (!can(ctx.actor, 'monitoring.enhanced', { trustId: ctx.actor.trustId })) return [];
  const led = schoolsFor(ctx.actor, 'monitoring.enhanced');
  if (led !== 'all' && led.length === 0) return [];
  const until = addDays(today, ENDING_SOON_DAYS);
  return periodsQuery(
    ctx.db,
    and(
      eq(enhancedMonitoring.trustId, ctx.actor.trustId),
      ctx.actor.type === 'person' ? ne(enhancedMonitoring.personId, ctx.actor.personId) : undefined,
      led === 'all' ? undefined : atSchools(led),
      isNull(enhancedMonitoring.endedAt),
      lte(enhancedMonitoring.startsOn, today),
      gte(enhancedMonitoring.endsOn, today),
      lte(enhancedMonitoring.endsOn, until),
    ) as SQL,
  ).orderBy(asc(enhancedMonitoring.endsOn), asc(people.fullName));
}
