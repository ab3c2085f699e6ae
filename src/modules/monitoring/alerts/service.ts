import { and, asc, count, desc, eq, gte, isNull, lte, ne } from 'drizzle-orm';
import { recordEvent } from '../../../audit/audit.ts';
import type { Ctx } from '../../../context.ts';
import { type Db, transaction } from '../../../db/client.ts';
import { NotFoundError, ValidationError } from '../../../errors.ts';
import { formatDateTime, londonToday } from '../../../ui/format.ts';
import { blankToUndefined, isUuid } from '../../../validation.ts';
import { currentAgreements } from '../../acknowledgements/compliance/service.ts';
import { actorId } from '../../auth/actor.ts';
import { can } from '../../auth/authorize.ts';
import { visibleConcernsWhere } from '../../concerns/access.ts';
import { type ConcernPart, concernPeople, concerns } from '../../concerns/schema.ts';
import { type NewConcern, reportConcern } from '../../concerns/service.ts';
import { CONCERN_TYPES, type ConcernTypeCode, typeLabel } from '../../concerns/types.ts';
import { people, personSchools, schools } from '../../organisations/schema.ts';
import { categoryLabel } from '../events.ts';
import {
  ALERT_ENTRY_KINDS,
  ALERT_OUTCOMES,
  ALERT_SEVERITIES,
  type AlertEntryKind,
  type AlertOutcome,
  alertEntries,
  alertEvents,
  alerts,
  enhancedMonitoring,
  monitoringRules,
  monitoringSources,
} from '../schema.ts';
import { canOpenAlert, visibleAlertsWhere } from './audience.ts';

/*
 * One alert: opening it (only for its audience; anyone else gets "not found", so nobody learns an
 * alert about someone exists), the page with everything a triager needs beside it (the person,
 * their agreements, their open concerns, earlier alerts), and triage. Triage is a small state
 * machine (ADR 0011): open → acknowledged → closed; an outcome (true or false positive, a note
 * required for false) may be recorded, and changed, until the alert is closed, and must be recorded
 * before closing; escalating creates a linked concern and closes the alert as a true positive.
 * Closed alerts never change. Every step locks the alert's row, writes a history entry and an audit
 * event whose summary names the reference only.
 */

export type AlertRow = typeof alerts.$inferSelect;
type Raw = Record<string, unknown>;

/** Events shown on one page of the alert. */
export const EVENTS_PAGE_SIZE = 50;
/** Earlier alerts about the same subject from this many days back. */
export const PREVIOUS_ALERT_DAYS = 90;
/** The longest outcome or closing note. */
export const NOTE_MAX = 2_000;
/** The longest "what happened" of an escalation (the concern form's own limit). */
export const WHAT_MAX = 10_000;

/** The concern types an alert may be escalated to: the safeguarding and online-safety ones, and staff conduct for an alert about a member of staff. */
export const ESCALATION_TYPES: ConcernTypeCode[] = [
  'harmful_content',
  'illegal_content',
  'pupil_contact',
  'cyberbullying',
  'home_learning',
  'safeguard_failure',
  'staff_conduct',
];
export const DEFAULT_ESCALATION_TYPE: ConcernTypeCode = 'harmful_content';

const normaliseReference = (reference: string) => reference.trim().toUpperCase();

/** The alert, if the actor may open it; "not found" otherwise, whether it exists or not. */
export async function openAlert(ctx: Ctx, reference: string): Promise<AlertRow> {
  const ref = normaliseReference(reference);
  if (!/^A-\d{4}-\d{1,9}$/.test(ref)) throw new NotFoundError();
  const [alert] = await ctx.db
    .select()
    .from(alerts)
    .where(and(eq(alerts.trustId, ctx.actor.trustId), eq(alerts.reference, ref)));
  if (!alert || !canOpenAlert(ctx.actor, alert)) throw new NotFoundError();
  return alert;
}

// ---------------------------------------------------------------------------------------------
// The alert page

export type AgreementStatus = {
  assignmentId: string;
  policyTitle: string;
  versionLabel: string;
  dueOn: string;
  signedAt: Date | null;
  /** Not signed and the due date has passed. */
  overdue: boolean;
};

/**
 * A person's current agreements (the version in force of each policy they must sign, as the
 * compliance pages count them) and whether each is signed. Signed first by policy title.
 */
export async function personAgreements(db: Db, trustId: string, personId: string, today = londonToday()): Promise<AgreementStatus[]> {
  const rows = await currentAgreements(db, trustId, [personId]);
  return rows.map((r) => ({
    assignmentId: r.assignmentId,
    policyTitle: r.policyTitle,
    versionLabel: r.versionLabel,
    dueOn: r.dueOn,
    signedAt: r.acknowledgementId ? r.signedAt : null,
    overdue: !r.acknowledgementId && r.dueOn < today,
  }));
}

/** Everything the alert page shows. `eventsPage` pages the events, newest first. */
export async function alertPage(ctx: Ctx, reference: string, eventsPage = 1, now = new Date()) {
  const alert = await openAlert(ctx, reference);
  const db = ctx.db;
  const trustId = alert.trustId;
  const today = londonToday(now);
  const page = Number.isInteger(eventsPage) && eventsPage >= 1 ? Math.min(eventsPage, 1_000) : 1;
  const since = new Date(now.getTime() - PREVIOUS_ALERT_DAYS * 86_400_000);

  const [[source], [school], [rule], [eventTotal], events, history, previous, [concern]] = await Promise.all([
    db
      .select({ name: monitoringSources.name, kind: monitoringSources.kind })
      .from(monitoringSources)
      .where(and(eq(monitoringSources.trustId, trustId), eq(monitoringSources.id, alert.sourceId))),
    alert.schoolId
      ? db
          .select({ name: schools.name })
          .from(schools)
          .where(and(eq(schools.trustId, trustId), eq(schools.id, alert.schoolId)))
      : Promise.resolve([]),
    db
      .select()
      .from(monitoringRules)
      .where(and(eq(monitoringRules.trustId, trustId), eq(monitoringRules.id, alert.ruleId))),
    db
      .select({ n: count() })
      .from(alertEvents)
      .where(and(eq(alertEvents.trustId, trustId), eq(alertEvents.alertId, alert.id))),
    db
      .select()
      .from(alertEvents)
      .where(and(eq(alertEvents.trustId, trustId), eq(alertEvents.alertId, alert.id)))
      .orderBy(desc(alertEvents.occurredAt), desc(alertEvents.receivedAt))
      .limit(EVENTS_PAGE_SIZE)
      .offset((page - 1) * EVENTS_PAGE_SIZE),
    db
      .select({ id: alertEntries.id, kind: alertEntries.kind, text: alertEntries.text, at: alertEntries.at, byName: people.fullName, by: alertEntries.by })
      .from(alertEntries)
      .leftJoin(people, and(eq(people.trustId, alertEntries.trustId), eq(people.id, alertEntries.by)))
      .where(and(eq(alertEntries.trustId, trustId), eq(alertEntries.alertId, alert.id)))
      .orderBy(asc(alertEntries.at), asc(alertEntries.id)),
    db
      .select({
        id: alerts.id,
        reference: alerts.reference,
        category: alerts.category,
        severity: alerts.severity,
        status: alerts.status,
        outcome: alerts.outcome,
        firstEventAt: alerts.firstEventAt,
        eventCount: alerts.eventCount,
      })
      .from(alerts)
      .where(
        and(
          visibleAlertsWhere(ctx.actor),
          ne(alerts.id, alert.id),
          alert.personId ? eq(alerts.personId, alert.personId) : eq(alerts.subjectKey, alert.subjectKey),
          gte(alerts.lastEventAt, since),
        ),
      )
      .orderBy(desc(alerts.firstEventAt))
      .limit(50),
    alert.concernId
      ? db
          .select({ reference: concerns.reference, type: concerns.type, status: concerns.status })
          .from(concerns)
          .where(and(eq(concerns.trustId, trustId), eq(concerns.id, alert.concernId)))
      : Promise.resolve([]),
  ]);

  let person: {
    id: string;
    fullName: string;
    email: string;
    position: string | null;
    endDate: string | null;
    schools: string[];
    agreements: AgreementStatus[];
    openConcerns: { id: string; reference: string; type: string; status: string; createdAt: Date; part: ConcernPart }[];
    enhanced: { startsOn: string; endsOn: string } | null;
  } | null = null;
  if (alert.personId) {
    const personId = alert.personId;
    const [[row], schoolRows, agreements, openConcerns, enhanced] = await Promise.all([
      db
        .select({ id: people.id, fullName: people.fullName, email: people.email, position: people.position, endDate: people.endDate })
        .from(people)
        .where(and(eq(people.trustId, trustId), eq(people.id, personId))),
      db
        .select({ name: schools.name })
        .from(personSchools)
        .innerJoin(schools, and(eq(schools.trustId, personSchools.trustId), eq(schools.id, personSchools.schoolId)))
        .where(and(eq(personSchools.trustId, trustId), eq(personSchools.personId, personId)))
        .orderBy(asc(schools.name)),
      personAgreements(db, trustId, personId, today),
      db
        .select({
          id: concerns.id,
          reference: concerns.reference,
          type: concerns.type,
          status: concerns.status,
          createdAt: concerns.createdAt,
          part: concernPeople.part,
        })
        .from(concernPeople)
        .innerJoin(concerns, and(eq(concerns.trustId, concernPeople.trustId), eq(concerns.id, concernPeople.concernId)))
        .where(and(eq(concernPeople.trustId, trustId), eq(concernPeople.personId, personId), ne(concerns.status, 'closed'), visibleConcernsWhere(ctx.actor)))
        .orderBy(desc(concerns.createdAt)),
      db
        .select({ startsOn: enhancedMonitoring.startsOn, endsOn: enhancedMonitoring.endsOn })
        .from(enhancedMonitoring)
        .where(
          and(
            eq(enhancedMonitoring.trustId, trustId),
            eq(enhancedMonitoring.personId, personId),
            lte(enhancedMonitoring.startsOn, today),
            gte(enhancedMonitoring.endsOn, today),
            isNull(enhancedMonitoring.endedAt),
          ),
        )
        .orderBy(desc(enhancedMonitoring.endsOn))
        .limit(1),
    ]);
    if (row) person = { ...row, schools: schoolRows.map((s) => s.name), agreements, openConcerns, enhanced: enhanced[0] ?? null };
  }

  return {
    alert,
    sourceName: source?.name ?? 'A source no longer listed',
    schoolName: school?.name ?? null,
    rule: rule ?? null,
    canSeeRule: can(ctx.actor, 'monitoring.rules', { trustId }),
    person,
    events,
    eventsStored: eventTotal?.n ?? 0,
    eventsPage: page,
    history,
    previous,
    concern: concern ?? null,
    today,
  };
}
export type AlertPage = Awaited<ReturnType<typeof alertPage>>;

// ---------------------------------------------------------------------------------------------
// Triage

const outcomeWords = (o: AlertOutcome) => (o === 'true_positive' ? 'a true positive' : 'a false positive');

/** The actions valid in the alert's state: what the page offers and what the services allow. */
export function allowedActions(alert: Pick<AlertRow, 'status' | 'outcome'>) {
  const live = alert.status !== 'closed';
  return {
    acknowledge: alert.status === 'open',
    outcome: live,
    escalate: live && alert.outcome !== 'false_positive',
    close: live && alert.outcome !== null,
  };
}

const closedMessage = (alert: AlertRow) => `${alert.reference} is closed. A closed alert cannot be changed`;

/**
 * Runs one triage step: the alert is opened (404 for anyone else), its row locked for the rest of
 * the transaction, so two triagers acting at once are served one after the other and the second
 * sees what the first did. A closed alert is refused before `fn` runs.
 */
async function changeAlert<T>(ctx: Ctx, reference: string, fn: (tx: Db, alert: AlertRow) => Promise<T>): Promise<T> {
  const opened = await openAlert(ctx, reference);
  return transaction(ctx.db, async (tx) => {
    const [alert] = await tx
      .select()
      .from(alerts)
      .where(and(eq(alerts.trustId, opened.trustId), eq(alerts.id, opened.id)))
      .for('update');
    if (!alert || !canOpenAlert(ctx.actor, alert)) throw new NotFoundError();
    if (alert.status === 'closed') throw new ValidationError({ status: closedMessage(alert) });
    return fn(tx, alert);
  });
}

async function addEntry(tx: Db, ctx: Ctx, alert: AlertRow, kind: AlertEntryKind, text: string, now: Date) {
  await tx
    .insert(alertEntries)
    .values({ trustId: alert.trustId, alertId: alert.id, kind, text, by: ctx.actor.type === 'person' ? ctx.actor.personId : null, at: now });
}

const where = (alert: AlertRow) => and(eq(alerts.trustId, alert.trustId), eq(alerts.id, alert.id));

/** open → acknowledged: someone is looking at it. */
export async function acknowledgeAlert(ctx: Ctx, reference: string, now = new Date()) {
  return changeAlert(ctx, reference, async (tx, alert) => {
    if (alert.status !== 'open') throw new ValidationError({ status: `${alert.reference} is already acknowledged` });
    const [updated] = await tx
      .update(alerts)
      .set({ status: 'acknowledged', acknowledgedBy: actorId(ctx.actor), acknowledgedAt: now })
      .where(where(alert))
      .returning();
    await addEntry(tx, ctx, alert, 'acknowledged', 'Acknowledged.', now);
    await recordEvent(tx, ctx, {
      action: 'alert.acknowledged',
      resourceType: 'alert',
      resourceId: alert.id,
      summary: `Alert ${alert.reference} acknowledged`,
      before: { status: alert.status },
      after: { status: 'acknowledged' },
    });
    return updated as AlertRow;
  });
}

function noteField(raw: Raw, name: string, errors: Record<string, string>, label: string): string | null {
  const value = blankToUndefined(raw[name]);
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') {
    errors[name] = `${label} must be text`;
    return null;
  }
  if (value.length > NOTE_MAX) errors[name] = `${label} must be ${NOTE_MAX.toLocaleString('en-GB')} characters or fewer`;
  return value;
}

/**
 * True or false positive, with a note (required for a false positive: why it is nothing, so the
 * rule's owner can make it quieter). May be changed until the alert is closed.
 */
export async function recordOutcome(ctx: Ctx, reference: string, raw: Raw, now = new Date()) {
  return changeAlert(ctx, reference, async (tx, alert) => {
    const errors: Record<string, string> = {};
    const outcome = typeof raw.outcome === 'string' && raw.outcome in ALERT_OUTCOMES ? (raw.outcome as AlertOutcome) : null;
    if (!outcome) errors.outcome = 'Choose whether it is a true positive or a false positive';
    const note = noteField(raw, 'note', errors, 'The note');
    if (outcome === 'false_positive' && !note && !errors.note)
      errors.note = 'Say why it is a false positive, so whoever looks after the rule can make it quieter';
    if (Object.keys(errors).length || !outcome) throw new ValidationError(errors);
    if (alert.outcome === outcome && (alert.outcomeNote ?? null) === note)
      throw new ValidationError({ outcome: `${alert.reference} is already recorded as ${outcomeWords(outcome)} with that note` });
    const [updated] = await tx
      .update(alerts)
      .set({ outcome, outcomeNote: note, outcomeBy: actorId(ctx.actor), outcomeAt: now })
      .where(where(alert))
      .returning();
    const label = ALERT_OUTCOMES[outcome];
    const text =
      alert.outcome && alert.outcome !== outcome
        ? `Outcome changed from ${ALERT_OUTCOMES[alert.outcome]} to ${label}.`
        : alert.outcome
          ? `Outcome note changed: ${label}.`
          : `Outcome: ${label}.`;
    await addEntry(tx, ctx, alert, 'outcome', note ? `${text}\nNote: ${note}` : text, now);
    await recordEvent(tx, ctx, {
      action: 'alert.outcome',
      resourceType: 'alert',
      resourceId: alert.id,
      summary: `Outcome recorded for alert ${alert.reference}: ${outcomeWords(outcome)}`,
      before: { outcome: alert.outcome },
      after: { outcome },
    });
    return updated as AlertRow;
  });
}

/** Closes the alert. It needs an outcome first; a closing note is optional. Closed is final. */
export async function closeAlert(ctx: Ctx, reference: string, raw: Raw, now = new Date()) {
  return changeAlert(ctx, reference, async (tx, alert) => {
    const errors: Record<string, string> = {};
    if (!alert.outcome) errors.outcome = `Record whether ${alert.reference} is a true or false positive before closing it`;
    const note = noteField(raw, 'closeNote', errors, 'The closing note');
    if (Object.keys(errors).length) throw new ValidationError(errors);
    const [updated] = await tx
      .update(alerts)
      .set({ status: 'closed', closedBy: actorId(ctx.actor), closedAt: now })
      .where(where(alert))
      .returning();
    await addEntry(tx, ctx, alert, 'closed', note ? `Closed.\nNote: ${note}` : 'Closed.', now);
    await recordEvent(tx, ctx, {
      action: 'alert.closed',
      resourceType: 'alert',
      resourceId: alert.id,
      summary: `Alert ${alert.reference} closed`,
      before: { status: alert.status },
      after: { status: 'closed', outcome: alert.outcome },
    });
    return updated as AlertRow;
  });
}

// ---------------------------------------------------------------------------------------------
// Escalation

/** The escalation form: the alert (valid for escalation), the types offered, and "what happened" written from the alert. */
export async function escalateForm(ctx: Ctx, reference: string) {
  const alert = await openAlert(ctx, reference);
  const facts = await escalationFacts(ctx.db, alert);
  return {
    alert,
    allowed: allowedActions(alert).escalate,
    types: ESCALATION_TYPES.filter((t) => !CONCERN_TYPES[t].needsSubject || alert.personId),
    needsSchool: !facts.schoolId,
    schools: facts.schoolOptions,
    what: facts.what,
  };
}

async function escalationFacts(db: Db, alert: AlertRow) {
  const trustId = alert.trustId;
  const [[person], firstEvents, [rule], [source], personSchoolRows, trustSchools] = await Promise.all([
    alert.personId
      ? db
          .select({ fullName: people.fullName, email: people.email })
          .from(people)
          .where(and(eq(people.trustId, trustId), eq(people.id, alert.personId)))
      : Promise.resolve([]),
    db
      .select({ url: alertEvents.url, detail: alertEvents.detail })
      .from(alertEvents)
      .where(and(eq(alertEvents.trustId, trustId), eq(alertEvents.alertId, alert.id)))
      .orderBy(asc(alertEvents.occurredAt))
      .limit(5),
    db
      .select({ name: monitoringRules.name })
      .from(monitoringRules)
      .where(and(eq(monitoringRules.trustId, trustId), eq(monitoringRules.id, alert.ruleId))),
    db
      .select({ name: monitoringSources.name })
      .from(monitoringSources)
      .where(and(eq(monitoringSources.trustId, trustId), eq(monitoringSources.id, alert.sourceId))),
    alert.personId
      ? db
          .select({ id: personSchools.schoolId })
          .from(personSchools)
          .where(and(eq(personSchools.trustId, trustId), eq(personSchools.personId, alert.personId)))
      : Promise.resolve([]),
    db.select({ id: schools.id, name: schools.name }).from(schools).where(eq(schools.trustId, trustId)).orderBy(asc(schools.name)),
  ]);
  const schoolId = alert.schoolId ?? (personSchoolRows.length === 1 ? (personSchoolRows[0]?.id ?? null) : null);
  const who = person
    ? `${person.fullName} (${person.email})`
    : alert.username
      ? `the username ${alert.username}`
      : `the computer at ${alert.ip ?? 'an unknown address'}`;
  const events = alert.eventCount === 1 ? '1 event' : `${alert.eventCount.toLocaleString('en-GB')} events`;
  const span =
    alert.firstEventAt.getTime() === alert.lastEventAt.getTime()
      ? `on ${formatDateTime(alert.firstEventAt)}`
      : `from ${formatDateTime(alert.firstEventAt)} to ${formatDateTime(alert.lastEventAt)}`;
  const seen = firstEvents.map((e) => e.url ?? e.detail).filter((s): s is string => !!s);
  const what = [
    `Raised from monitoring alert ${alert.reference} (${source?.name ?? 'a monitoring source'}) about ${who}.`,
    `Category: ${categoryLabel(alert.category)}. Rule: ${rule?.name ?? alert.ruleName}. Severity: ${ALERT_SEVERITIES[alert.severity].label}.`,
    `${events} ${span}.`,
    ...(seen.length ? ['', 'First addresses or details:', ...seen.map((s) => `- ${s}`)] : []),
  ].join('\n');
  return { person: person ?? null, schoolId, schoolOptions: trustSchools, what: what.slice(0, WHAT_MAX) };
}

/**
 * Escalates the alert to a concern of the chosen type, reported by the triager through the
 * concerns service (routed and emailed like any report), with the alert's person linked (as the
 * subject when the type needs one, else as affected). The alert is closed as a true positive and
 * linked to the concern. Refused for a false positive and for a closed alert.
 */
export async function escalateAlert(ctx: Ctx, reference: string, raw: Raw, now = new Date()) {
  return changeAlert(ctx, reference, async (tx, alert) => {
    if (alert.outcome === 'false_positive')
      throw new ValidationError({
        status: `${alert.reference} is recorded as a false positive, so it cannot be escalated. Record it as a true positive first if that was wrong`,
      });
    const actor = ctx.actor;
    if (actor.type !== 'person') throw new ValidationError({ status: 'Only a person can escalate an alert: the concern needs someone who reported it' });
    const facts = await escalationFacts(tx, alert);
    const errors: Record<string, string> = {};
    const type = typeof raw.type === 'string' && (ESCALATION_TYPES as string[]).includes(raw.type) ? (raw.type as ConcernTypeCode) : null;
    if (!type) errors.type = 'Choose the type of concern';
    else if (CONCERN_TYPES[type].needsSubject && !facts.person)
      errors.type = `${CONCERN_TYPES[type].label} needs the member of staff from the directory, and this alert is about someone not in it. Choose another type`;
    const what = blankToUndefined(raw.what);
    if (typeof what !== 'string' || !what) errors.what = 'Say what happened';
    else if (what.length > WHAT_MAX) errors.what = `What happened must be ${WHAT_MAX.toLocaleString('en-GB')} characters or fewer`;
    let schoolId = facts.schoolId;
    if (!schoolId) {
      const given = typeof raw.schoolId === 'string' ? raw.schoolId : '';
      schoolId = isUuid(given) && facts.schoolOptions.some((s) => s.id === given) ? given : null;
      if (!schoolId) errors.schoolId = 'Choose the school the concern is for';
    }
    if (Object.keys(errors).length || !type || typeof what !== 'string' || !schoolId) throw new ValidationError(errors);
    const part: ConcernPart = CONCERN_TYPES[type].needsSubject ? 'subject' : 'affected';
    const input: NewConcern = {
      type,
      schoolId,
      what,
      occurredAt: alert.firstEventAt,
      people: facts.person ? [{ ref: facts.person.email, part, field: 'person' }] : [],
    };
    let concern: Awaited<ReturnType<typeof reportConcern>>;
    try {
      // In this transaction (a savepoint): the concern and the closed alert land together or not at all.
      concern = await reportConcern({ ...ctx, db: tx }, input, [], { reporterId: actor.personId, now });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const { schoolId: schoolError, what: whatError, ...rest } = error.fieldErrors;
      const other = Object.values(rest)[0];
      throw new ValidationError({
        ...(schoolError ? { schoolId: schoolError } : {}),
        ...(whatError ? { what: whatError } : {}),
        ...(other ? { type: other } : {}),
      });
    }
    const [updated] = await tx
      .update(alerts)
      .set({
        outcome: 'true_positive',
        outcomeNote: alert.outcome === 'true_positive' ? alert.outcomeNote : null,
        outcomeBy: alert.outcome === 'true_positive' ? alert.outcomeBy : actor.personId,
        outcomeAt: alert.outcome === 'true_positive' ? alert.outcomeAt : now,
        concernId: concern.id,
        status: 'closed',
        closedBy: actor.personId,
        closedAt: now,
      })
      .where(where(alert))
      .returning();
    await addEntry(
      tx,
      ctx,
      alert,
      'escalated',
      `Escalated to concern ${concern.reference} (${typeLabel(type)}). Outcome: ${ALERT_OUTCOMES.true_positive}. Closed.`,
      now,
    );
    await recordEvent(tx, ctx, {
      action: 'alert.escalated',
      resourceType: 'alert',
      resourceId: alert.id,
      summary: `Alert ${alert.reference} escalated to concern ${concern.reference}`,
      before: { status: alert.status, outcome: alert.outcome },
      after: { status: 'closed', outcome: 'true_positive', concernId: concern.id },
    });
    return { alert: updated as AlertRow, concern: { id: concern.id, reference: concern.reference, type } };
  });
}

// ---------------------------------------------------------------------------------------------
// Words shared by the pages

export const entryKindLabel = (kind: string) => (ALERT_ENTRY_KINDS as Record<string, string>)[kind] ?? kind;
