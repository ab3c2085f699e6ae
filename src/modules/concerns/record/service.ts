import { and, asc, count, desc, eq, inArray, isNull, min, ne, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordEvent } from '../../../audit/audit.ts';
import type { Ctx } from '../../../context.ts';
import type { Db } from '../../../db/client.ts';
import { NotFoundError, ValidationError } from '../../../errors.ts';
import { formatDate, londonToday } from '../../../ui/format.ts';
import { blankToUndefined, isUuid, parseCalendarDate } from '../../../validation.ts';
import { actorId, type PersonActor } from '../../auth/actor.ts';
import { authorize } from '../../auth/authorize.ts';
import { queueEmail } from '../../notifications/service.ts';
import { currentPeopleOptions, findPersonByReference } from '../../organisations/repository.ts';
import type { Role } from '../../organisations/roles.ts';
import { people, roleAssignments, schools } from '../../organisations/schema.ts';
import { accessTo, type ConcernFacts, visibleConcernsWhere } from '../access.ts';
import { breaches, CONCERN_PARTS, type ConcernPart, concernActions, concernAttachments, concernEntries, concernPeople, concerns } from '../schema.ts';
import { appendEntry, type ConcernRow, changeConcern, checkAttachments, logView, openConcern, trustNameOf, type Upload } from '../service.ts';
import { CONCERN_STATUSES, CONCERN_TYPE_CODES, CONCERN_TYPES, CONFIDENTIALITY, type ConcernStatus, OUTCOMES, type Outcome, STATUS_MOVES } from '../types.ts';
import { concernTaskEmail } from './emails.tsx';

// ---------------------------------------------------------------------------------------------
// The list (/concerns) and its export: only what the reader may open, through visibleConcernsWhere.

export const PAGE_SIZE = 50;
/** The export's ceiling: far beyond a trust's concerns in a year. */
export const EXPORT_LIMIT = 20_000;

export const STATUS_FILTERS = {
  open: 'Open (not closed)',
  new: 'New',
  acknowledged: 'Acknowledged',
  in_progress: 'In progress',
  closed: 'Closed',
} as const;
export type StatusFilter = keyof typeof STATUS_FILTERS;

export const SORT_KEYS = ['reported', 'reference', 'type', 'school', 'status', 'assignee'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/**
 * The list's filters, sort and page from the query string. As on every list, a value that makes
 * no sense (a mistyped type, "all", an unknown sort) falls back to the default rather than an
 * error, so a shared or bookmarked link always opens.
 */
export const concernListQuery = z.object({
  type: z.enum(CONCERN_TYPE_CODES).optional().catch(undefined),
  status: z
    .enum(Object.keys(STATUS_FILTERS) as [StatusFilter, ...StatusFilter[]])
    .optional()
    .catch(undefined),
  school: z.uuid().optional().catch(undefined),
  assigned: z.enum(['me', 'unassigned']).optional().catch(undefined),
  sort: z.enum(SORT_KEYS).catch('reported'),
  dir: z.enum(['asc', 'desc']).catch('desc'),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
export type ConcernListQuery = z.output<typeof concernListQuery>;

const STATUS_ORDER = sql`case ${concerns.status} when 'new' then 1 when 'acknowledged' then 2 when 'in_progress' then 3 else 4 end`;
const TYPE_ORDER = sql`case ${concerns.type} ${sql.join(
  CONCERN_TYPE_CODES.map((c) => sql`when ${c} then ${CONCERN_TYPES[c].label}`),
  sql` `,
)} end`;

function listWhere(ctx: Ctx, q: ConcernListQuery): SQL {
  const actor = ctx.actor;
  const conditions: SQL[] = [visibleConcernsWhere(actor)];
  if (q.type) conditions.push(eq(concerns.type, q.type));
  if (q.status === 'open') conditions.push(ne(concerns.status, 'closed'));
  else if (q.status) conditions.push(eq(concerns.status, q.status));
  if (q.school) conditions.push(eq(concerns.schoolId, q.school));
  if (q.assigned === 'unassigned') conditions.push(isNull(concerns.assigneeId));
  if (q.assigned === 'me') conditions.push(actor.type === 'person' ? eq(concerns.assigneeId, actor.personId) : sql`false`);
  return and(...conditions) as SQL;
}

function listOrder(q: ConcernListQuery): SQL[] {
  const column: Record<SortKey, SQL> = {
    reported: sql`${concerns.createdAt}`,
    reference: sql`${concerns.reference}`,
    type: TYPE_ORDER,
    school: sql`${schools.name}`,
    status: STATUS_ORDER,
    assignee: sql`${people.fullName}`,
  };
  const dir = q.dir === 'asc' ? sql`asc nulls last` : sql`desc nulls last`;
  return [sql`${column[q.sort]} ${dir}`, desc(concerns.createdAt), desc(concerns.reference)];
}

/** The earliest due date of an action not yet done, per concern: the list's clock. */
const nextActionDue = sql<
  string | null
>`(select ${min(concernActions.dueOn)} from ${concernActions} where ${concernActions.trustId} = ${concerns.trustId} and ${concernActions.concernId} = ${concerns.id} and ${concernActions.doneAt} is null)`;

function listRows(ctx: Ctx, q: ConcernListQuery) {
  return ctx.db
    .select({
      id: concerns.id,
      reference: concerns.reference,
      type: concerns.type,
      status: concerns.status,
      urgent: concerns.urgent,
      schoolName: schools.name,
      occurredAt: concerns.occurredAt,
      createdAt: concerns.createdAt,
      updatedAt: concerns.updatedAt,
      closedAt: concerns.closedAt,
      assigneeName: people.fullName,
      icoDueAt: breaches.icoDueAt,
      breachDecision: breaches.decision,
      nextActionDue,
    })
    .from(concerns)
    .innerJoin(schools, and(eq(schools.trustId, concerns.trustId), eq(schools.id, concerns.schoolId)))
    .leftJoin(people, and(eq(people.trustId, concerns.trustId), eq(people.id, concerns.assigneeId)))
    .leftJoin(breaches, and(eq(breaches.trustId, concerns.trustId), eq(breaches.concernId, concerns.id)))
    .where(listWhere(ctx, q))
    .orderBy(...listOrder(q))
    .$dynamic();
}
export type ConcernListRow = Awaited<ReturnType<typeof listRows>>[number];

/** One page of the concerns the reader may open, newest first unless sorted otherwise. */
export async function listConcerns(ctx: Ctx, q: ConcernListQuery) {
  authorize(ctx.actor, 'concerns.list', { trustId: ctx.actor.trustId });
  const [[total], rows, schoolOptions] = await Promise.all([
    ctx.db.select({ n: count() }).from(concerns).where(listWhere(ctx, q)),
    listRows(ctx, q)
      .limit(PAGE_SIZE)
      .offset((q.page - 1) * PAGE_SIZE),
    ctx.db.select({ id: schools.id, name: schools.name }).from(schools).where(eq(schools.trustId, ctx.actor.trustId)).orderBy(asc(schools.name)),
  ]);
  return { rows, total: total?.n ?? 0, pageSize: PAGE_SIZE, query: q, schools: schoolOptions };
}

/** Exactly the filtered list, for the CSV (no paging). The export itself is an audited event. */
export async function exportConcerns(ctx: Ctx, q: ConcernListQuery) {
  authorize(ctx.actor, 'concerns.list', { trustId: ctx.actor.trustId });
  const rows = await listRows(ctx, q).limit(EXPORT_LIMIT);
  await recordEvent(ctx.db, ctx, {
    action: 'concerns.exported',
    resourceType: 'concern',
    // The filters only. Not even the number of rows: a count of safeguarding concerns is itself
    // something the administrators who read the audit log may not know.
    summary: 'Concerns list exported to CSV',
    after: { filters: { type: q.type ?? null, status: q.status ?? null, school: q.school ?? null, assigned: q.assigned ?? null } },
  });
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Triage: status, assignment, notes, corrections, actions, attachments. Each change goes through
// changeConcern (full access, row locked, one transaction), adds a chronology entry and an audit
// event whose summary names the reference only.

type Raw = Record<string, unknown>;

const textField = (raw: Raw, name: string, max: number, required: string, label: string, errors: Record<string, string>) => {
  const value = blankToUndefined(raw[name]);
  if (typeof value !== 'string' || !value) {
    errors[name] = required;
    return '';
  }
  if (value.length > max) errors[name] = `${label} must be ${max.toLocaleString('en-GB')} characters or fewer`;
  return value;
};

const statusLabel = (s: ConcernStatus) => CONCERN_STATUSES[s].label;
const isStatus = (v: unknown): v is ConcernStatus => typeof v === 'string' && v in CONCERN_STATUSES;
const isOutcome = (v: unknown): v is Outcome => typeof v === 'string' && v in OUTCOMES;

export type StatusMove =
  | { to: 'closed'; outcome: Outcome; rationale: string }
  | { to: 'in_progress'; reopen: true; reason: string }
  | { to: Exclude<ConcernStatus, 'closed'>; reopen?: false };

/**
 * Checks a status change against STATUS_MOVES: one step at a time, closing with an outcome and
 * the reasons for the decision, reopening with a reason. Errors are keyed by the form's fields.
 */
export function checkMove(concern: Pick<ConcernRow, 'reference' | 'status'>, raw: Raw): StatusMove {
  const to = raw.to;
  const from = concern.status;
  if (!isStatus(to)) throw new ValidationError({ to: 'Choose the new status' });
  if (to === from) throw new ValidationError({ to: `${concern.reference} is already ${statusLabel(from).toLowerCase()}` });
  if (!STATUS_MOVES[from].includes(to)) {
    const next = STATUS_MOVES[from].map((s) => statusLabel(s).toLowerCase()).join(' or ');
    throw new ValidationError({
      to: `${concern.reference} is ${statusLabel(from).toLowerCase()}, so it cannot be moved to ${statusLabel(to).toLowerCase()}: it can only move to ${next} next. A concern goes from new to acknowledged to in progress to closed, one step at a time`,
    });
  }
  const errors: Record<string, string> = {};
  if (to === 'closed') {
    const outcome = raw.outcome;
    if (!isOutcome(outcome)) errors.outcome = 'Choose the outcome';
    const rationale = textField(
      raw,
      'rationale',
      10_000,
      'Give the reasons for the decision, including a decision not to refer',
      'The reasons for the decision',
      errors,
    );
    if (Object.keys(errors).length) throw new ValidationError(errors);
    return { to, outcome: outcome as Outcome, rationale };
  }
  if (from === 'closed') {
    const reason = textField(raw, 'reason', 2_000, 'Say why the concern is being reopened', 'The reason', errors);
    if (Object.keys(errors).length) throw new ValidationError(errors);
    return { to: 'in_progress', reopen: true, reason };
  }
  return { to: to as Exclude<ConcernStatus, 'closed'> };
}

/** A concern for one of the triage pages: full access needed, and not logged again as a view of the record. */
export async function triageConcern(ctx: Ctx, reference: string) {
  return (await openConcern(ctx, reference, 'full', { log: false })).concern;
}

/** For the confirmation page before closing: the concern (full access, not logged again) and the checked move. */
export async function previewMove(ctx: Ctx, reference: string, raw: Raw) {
  const opened = await openConcern(ctx, reference, 'full', { log: false });
  return { concern: opened.concern, move: checkMove(opened.concern, raw) };
}

/** Moves a concern's status one step (or closes, or reopens it). Nothing is written when the move is refused. */
export async function moveStatus(ctx: Ctx, reference: string, raw: Raw, now = new Date()) {
  return changeConcern(ctx, reference, async (tx, { concern }) => {
    const move = checkMove(concern, raw);
    const from = concern.status;
    const where = and(eq(concerns.trustId, concern.trustId), eq(concerns.id, concern.id));
    if (move.to === 'closed') {
      await tx
        .update(concerns)
        .set({ status: 'closed', outcome: move.outcome, rationale: move.rationale, closedAt: now, closedBy: actorId(ctx.actor) })
        .where(where);
      await appendEntry(
        tx,
        ctx,
        concern.id,
        'outcome',
        `Closed. Outcome: ${OUTCOMES[move.outcome]}.\nReasons for the decision: ${move.rationale}`,
        { from, to: 'closed', outcome: move.outcome, rationale: move.rationale },
        undefined,
        now,
      );
      await recordEvent(tx, ctx, {
        action: 'concern.closed',
        resourceType: 'concern',
        resourceId: concern.id,
        summary: `Concern ${concern.reference} closed`,
        before: { status: from },
        after: { status: 'closed' },
      });
    } else if (move.reopen) {
      await tx.update(concerns).set({ status: 'in_progress', outcome: null, rationale: null, closedAt: null, closedBy: null }).where(where);
      await appendEntry(
        tx,
        ctx,
        concern.id,
        'reopened',
        `Reopened. Reason: ${move.reason}`,
        { from, to: 'in_progress', reason: move.reason, previousOutcome: concern.outcome, previousRationale: concern.rationale },
        undefined,
        now,
      );
      await recordEvent(tx, ctx, {
        action: 'concern.status_changed',
        resourceType: 'concern',
        resourceId: concern.id,
        summary: `Concern ${concern.reference} reopened`,
        before: { status: from },
        after: { status: 'in_progress' },
      });
    } else {
      await tx.update(concerns).set({ status: move.to }).where(where);
      await appendEntry(
        tx,
        ctx,
        concern.id,
        'status',
        `Status changed from ${statusLabel(from).toLowerCase()} to ${statusLabel(move.to).toLowerCase()}.`,
        { from, to: move.to },
        undefined,
        now,
      );
      await recordEvent(tx, ctx, {
        action: 'concern.status_changed',
        resourceType: 'concern',
        resourceId: concern.id,
        summary: `Concern ${concern.reference} moved from ${statusLabel(from).toLowerCase()} to ${statusLabel(move.to).toLowerCase()}`,
        before: { status: from },
        after: { status: move.to },
      });
    }
    return { reference: concern.reference, move };
  });
}

export type Candidate = { id: string; fullName: string; email: string; position: string | null };

/**
 * The people who can open this concern in full as it stands: everyone holding a role (the
 * confidentiality level's and the routes'), the people it was routed to and its assignee,
 * checked one by one with accessTo. Never someone the report is about. People who have left are
 * not offered.
 */
export async function fullAccessPeople(db: Db, facts: ConcernFacts, today = londonToday()): Promise<Candidate[]> {
  const named = [...facts.recipientIds, ...(facts.assigneeId ? [facts.assigneeId] : [])];
  const withRoles = db
    .select({ personId: roleAssignments.personId })
    .from(roleAssignments)
    .where(and(eq(roleAssignments.trustId, facts.trustId), isNull(roleAssignments.revokedAt)));
  const rows = await db
    .select({ id: people.id, fullName: people.fullName, email: people.email, position: people.position })
    .from(people)
    .where(
      and(
        eq(people.trustId, facts.trustId),
        sql`(${people.endDate} is null or ${people.endDate} >= ${today})`,
        named.length ? sql`(${people.id} in ${withRoles} or ${inArray(people.id, named)})` : sql`${people.id} in ${withRoles}`,
      ),
    )
    .orderBy(asc(people.fullName));
  if (rows.length === 0) return [];
  const grants = await db
    .select({ personId: roleAssignments.personId, role: roleAssignments.role, schoolId: roleAssignments.schoolId })
    .from(roleAssignments)
    .where(
      and(
        eq(roleAssignments.trustId, facts.trustId),
        isNull(roleAssignments.revokedAt),
        inArray(
          roleAssignments.personId,
          rows.map((r) => r.id),
        ),
      ),
    );
  return rows.filter((p) => {
    const actor: PersonActor = {
      type: 'person',
      trustId: facts.trustId,
      personId: p.id,
      name: p.fullName,
      email: p.email,
      roles: grants.filter((g) => g.personId === p.id).map((g) => ({ role: g.role as Role, schoolId: g.schoolId })),
      schoolIds: [],
    };
    return accessTo(actor, facts) === 'full';
  });
}

/** The assign page: the concern and who it can be given to. */
export async function assignForm(ctx: Ctx, reference: string) {
  const opened = await openConcern(ctx, reference, 'full', { log: false });
  return { concern: opened.concern, candidates: await fullAccessPeople(ctx.db, opened.facts) };
}

const refuseWhenClosed = (concern: ConcernRow, field: string, what: string) => {
  if (concern.status === 'closed') throw new ValidationError({ [field]: `${concern.reference} is closed. Reopen it to ${what}` });
};

/** Gives the concern to someone who can open it (or back to nobody, `assignee` "none"). They are emailed a link. */
export async function assignConcern(ctx: Ctx, reference: string, raw: Raw, now = new Date()) {
  return changeConcern(ctx, reference, async (tx, { concern, facts }) => {
    refuseWhenClosed(concern, 'assignee', 'assign it');
    const chosen = typeof raw.assignee === 'string' ? raw.assignee : '';
    const where = and(eq(concerns.trustId, concern.trustId), eq(concerns.id, concern.id));
    if (chosen === 'none') {
      if (!concern.assigneeId) throw new ValidationError({ assignee: `${concern.reference} is not assigned to anyone` });
      await tx.update(concerns).set({ assigneeId: null }).where(where);
      await appendEntry(tx, ctx, concern.id, 'assigned', 'No longer assigned to anyone.', { from: concern.assigneeId, to: null }, undefined, now);
      await recordEvent(tx, ctx, {
        action: 'concern.assigned',
        resourceType: 'concern',
        resourceId: concern.id,
        summary: `Concern ${concern.reference} unassigned`,
      });
      return { reference: concern.reference, assignee: null };
    }
    if (!isUuid(chosen)) throw new ValidationError({ assignee: 'Choose who to assign it to' });
    if (chosen === concern.assigneeId) throw new ValidationError({ assignee: `${concern.reference} is already assigned to them` });
    const candidates = await fullAccessPeople(tx, facts);
    const person = candidates.find((c) => c.id === chosen);
    if (!person)
      throw new ValidationError({
        assignee: 'That person cannot open this concern, so it cannot be assigned to them. Choose someone from the list',
      });
    await tx.update(concerns).set({ assigneeId: person.id }).where(where);
    const entry = await appendEntry(
      tx,
      ctx,
      concern.id,
      'assigned',
      `Assigned to ${person.fullName}.`,
      { from: concern.assigneeId, to: person.id },
      undefined,
      now,
    );
    await recordEvent(tx, ctx, {
      action: 'concern.assigned',
      resourceType: 'concern',
      resourceId: concern.id,
      summary: `Concern ${concern.reference} assigned`,
    });
    if (ctx.actor.type !== 'person' || ctx.actor.personId !== person.id) {
      const message = concernTaskEmail({
        trustName: await trustNameOf(tx, concern.trustId),
        name: person.fullName,
        reference: concern.reference,
        what: 'has been assigned to you',
        url: `${ctx.baseUrl}/concerns/${concern.reference}`,
      });
      await queueEmail(tx, {
        trustId: concern.trustId,
        to: person.email,
        template: 'concern-assigned',
        dedupeKey: `concern:${concern.id}:assigned:${entry?.seq}`,
        ...message,
      });
    }
    return { reference: concern.reference, assignee: person };
  });
}

/** A note in the chronology: what was done, said or decided. */
export async function addNote(ctx: Ctx, reference: string, raw: Raw, now = new Date()) {
  const errors: Record<string, string> = {};
  const text = textField(raw, 'note', 10_000, 'Write the note', 'The note', errors);
  if (Object.keys(errors).length) throw new ValidationError(errors);
  return changeConcern(ctx, reference, async (tx, { concern }) => {
    const entry = await appendEntry(tx, ctx, concern.id, 'note', text, undefined, undefined, now);
    await recordEvent(tx, ctx, {
      action: 'concern.updated',
      resourceType: 'concern',
      resourceId: concern.id,
      summary: `Note added to concern ${concern.reference}`,
    });
    return { reference: concern.reference, seq: entry?.seq };
  });
}

/** The correction page: the entry being corrected. It shows the entry's text, so opening it is logged like the record. */
export async function correctionForm(ctx: Ctx, reference: string, seq: unknown) {
  const n = Number(seq);
  const opened = await openConcern(ctx, reference, 'full', { log: Number.isInteger(n) ? `correction page for entry ${n}` : 'correction page' });
  const [entry] = Number.isInteger(n)
    ? await ctx.db
        .select()
        .from(concernEntries)
        .where(and(eq(concernEntries.trustId, opened.concern.trustId), eq(concernEntries.concernId, opened.concern.id), eq(concernEntries.seq, n)))
    : [];
  return { concern: opened.concern, entry: entry ?? null };
}

/** A correction: a new entry naming the entry it corrects. The original stays as it was. */
export async function addCorrection(ctx: Ctx, reference: string, raw: Raw, now = new Date()) {
  return changeConcern(ctx, reference, async (tx, { concern }) => {
    const errors: Record<string, string> = {};
    const seq = Number(String(raw.seq ?? '').trim() || Number.NaN);
    let corrected: typeof concernEntries.$inferSelect | undefined;
    if (!Number.isInteger(seq)) errors.seq = 'Enter the number of the entry you are correcting';
    else {
      [corrected] = await tx
        .select()
        .from(concernEntries)
        .where(and(eq(concernEntries.trustId, concern.trustId), eq(concernEntries.concernId, concern.id), eq(concernEntries.seq, seq)));
      if (!corrected) errors.seq = `There is no entry ${seq} in the chronology of ${concern.reference}`;
    }
    const text = textField(raw, 'text', 10_000, 'Write the corrected text and why it is being corrected', 'The correction', errors);
    if (Object.keys(errors).length || !corrected) throw new ValidationError(errors);
    const entry = await appendEntry(tx, ctx, concern.id, 'correction', text, { corrects: seq }, seq, now);
    await recordEvent(tx, ctx, {
      action: 'concern.updated',
      resourceType: 'concern',
      resourceId: concern.id,
      summary: `Correction to entry ${seq} of concern ${concern.reference}`,
    });
    return { reference: concern.reference, seq: entry?.seq, corrects: seq };
  });
}

/** The add-an-action page: who can own it (people who can open the concern). */
export async function actionForm(ctx: Ctx, reference: string) {
  return assignForm(ctx, reference);
}

/**
 * An action with an owner and a due date. The owner must be able to open the concern (so the
 * action on their home page leads somewhere, and the record is not shown to anyone new).
 */
export async function addAction(ctx: Ctx, reference: string, raw: Raw, now = new Date()) {
  return changeConcern(ctx, reference, async (tx, { concern, facts }) => {
    refuseWhenClosed(concern, 'text', 'add actions');
    const errors: Record<string, string> = {};
    const text = textField(raw, 'text', 500, 'Say what needs to be done', 'The action', errors);
    const ownerId = typeof raw.owner === 'string' ? raw.owner : '';
    const candidates = isUuid(ownerId) ? await fullAccessPeople(tx, facts) : [];
    const owner = candidates.find((c) => c.id === ownerId);
    if (!ownerId) errors.owner = 'Choose who will do it';
    else if (!owner) errors.owner = 'That person cannot open this concern. Choose someone from the list';
    const given = String(raw.dueOn ?? '').trim();
    const dueOn = given ? parseCalendarDate(given) : null;
    if (!given) errors.dueOn = 'Enter the date it is due';
    else if (!dueOn) errors.dueOn = 'The due date must be a real date';
    else if (dueOn < londonToday(now)) errors.dueOn = 'The due date must be today or in the future';
    if (Object.keys(errors).length || !owner || !dueOn) throw new ValidationError(errors);
    const [action] = await tx
      .insert(concernActions)
      .values({ trustId: concern.trustId, concernId: concern.id, text, ownerId: owner.id, dueOn, createdBy: actorId(ctx.actor), createdAt: now })
      .returning();
    if (!action) throw new Error('action not stored');
    await appendEntry(
      tx,
      ctx,
      concern.id,
      'action_added',
      `Action for ${owner.fullName}, due ${formatDate(dueOn)}: ${text}`,
      { actionId: action.id, ownerId: owner.id, dueOn },
      undefined,
      now,
    );
    await recordEvent(tx, ctx, {
      action: 'concern.updated',
      resourceType: 'concern',
      resourceId: concern.id,
      summary: `Action added to concern ${concern.reference}`,
    });
    if (ctx.actor.type !== 'person' || ctx.actor.personId !== owner.id) {
      const message = concernTaskEmail({
        trustName: await trustNameOf(tx, concern.trustId),
        name: owner.fullName,
        reference: concern.reference,
        what: `has an action for you, due ${formatDate(dueOn)}`,
        url: `${ctx.baseUrl}/concerns/${concern.reference}#action-${action.id}`,
      });
      await queueEmail(tx, { trustId: concern.trustId, to: owner.email, template: 'concern-action', dedupeKey: `concern-action:${action.id}`, ...message });
    }
    return { reference: concern.reference, action, owner };
  });
}

/** Marks an action done (once; a chronology entry records who and when). */
export async function markActionDone(ctx: Ctx, reference: string, actionId: string, now = new Date()) {
  if (!isUuid(actionId)) throw new NotFoundError();
  return changeConcern(ctx, reference, async (tx, { concern }) => {
    const [action] = await tx
      .select()
      .from(concernActions)
      .where(and(eq(concernActions.trustId, concern.trustId), eq(concernActions.concernId, concern.id), eq(concernActions.id, actionId)));
    if (!action) throw new NotFoundError();
    if (action.doneAt) throw new ValidationError({ [`action-${action.id}`]: 'That action is already done' });
    await tx
      .update(concernActions)
      .set({ doneAt: now, doneBy: actorId(ctx.actor) })
      .where(and(eq(concernActions.trustId, concern.trustId), eq(concernActions.id, action.id)));
    await appendEntry(tx, ctx, concern.id, 'action_done', `Action done: ${action.text}`, { actionId: action.id }, undefined, now);
    await recordEvent(tx, ctx, {
      action: 'concern.updated',
      resourceType: 'concern',
      resourceId: concern.id,
      summary: `Action done on concern ${concern.reference}`,
    });
    return { reference: concern.reference };
  });
}

/** Files added to the record later: the same checks as on the report, each with its SHA-256 in the chronology. */
export async function addAttachments(ctx: Ctx, reference: string, files: Upload[], now = new Date()) {
  return changeConcern(ctx, reference, async (tx, { concern }) => {
    if (!files.some((f) => f.fileName)) throw new ValidationError({ attachments: 'Choose a file to attach' });
    const stored = checkAttachments(concern.type, files);
    for (const file of stored) {
      await tx
        .insert(concernAttachments)
        .values({ trustId: concern.trustId, concernId: concern.id, ...file, size: file.bytes.length, uploadedBy: actorId(ctx.actor), createdAt: now });
      await appendEntry(
        tx,
        ctx,
        concern.id,
        'attachment',
        `Attached ${file.fileName} (SHA-256 ${file.sha256})`,
        { fileName: file.fileName, sha256: file.sha256 },
        undefined,
        now,
      );
    }
    await recordEvent(tx, ctx, {
      action: 'concern.updated',
      resourceType: 'concern',
      resourceId: concern.id,
      summary: `${stored.length === 1 ? 'A file' : `${stored.length} files`} attached to concern ${concern.reference}`,
    });
    return { reference: concern.reference, count: stored.length };
  });
}

/** The attach page: the concern and whether its type takes attachments. */
export async function attachForm(ctx: Ctx, reference: string) {
  const opened = await openConcern(ctx, reference, 'full', { log: false });
  return { concern: opened.concern, allowed: CONCERN_TYPES[opened.concern.type].attachments };
}

/** One attachment's bytes for download. Opening one on a restricted record is logged with its name. */
export async function attachmentDownload(ctx: Ctx, reference: string, attachmentId: string) {
  if (!isUuid(attachmentId)) throw new NotFoundError();
  const { concern } = await openConcern(ctx, reference, 'full', { log: false });
  const [file] = await ctx.db
    .select()
    .from(concernAttachments)
    .where(and(eq(concernAttachments.trustId, concern.trustId), eq(concernAttachments.concernId, concern.id), eq(concernAttachments.id, attachmentId)));
  if (!file) throw new NotFoundError();
  if (CONFIDENTIALITY[concern.confidentiality].restricted) await logView(ctx.db, ctx, concern.id, `attachment: ${file.fileName}`);
  return file;
}

/** The linked concerns the reader may open (a lost device and the breach it opened). */
export async function visibleLinked(ctx: Ctx, ids: string[]) {
  if (ids.length === 0) return new Set<string>();
  const rows = await ctx.db
    .select({ id: concerns.id })
    .from(concerns)
    .where(and(visibleConcernsWhere(ctx.actor), inArray(concerns.id, ids)));
  return new Set(rows.map((r) => r.id));
}

/** The "link a person" page: the concern (full access, not logged again) and the directory to pick from. */
export async function personForm(ctx: Ctx, reference: string) {
  const concern = await triageConcern(ctx, reference);
  return { concern, directory: await currentPeopleOptions(ctx.db, ctx.actor.trustId) };
}

/**
 * Links someone from the directory to the concern with their part (someone it is about, affected,
 * a witness), as the handler learns more. A chronology entry records it. The person the concern is
 * assigned to cannot be named as the subject of a report about staff (assign it elsewhere first).
 */
export async function linkPerson(ctx: Ctx, reference: string, raw: Raw, now = new Date()) {
  return changeConcern(ctx, reference, async (tx, { concern }) => {
    refuseWhenClosed(concern, 'person', 'add people');
    const errors: Record<string, string> = {};
    const given = typeof raw.person === 'string' ? raw.person.trim() : '';
    const part = typeof raw.part === 'string' && raw.part in CONCERN_PARTS ? (raw.part as ConcernPart) : null;
    const person = given ? await findPersonByReference(tx, concern.trustId, given) : null;
    if (!given) errors.person = 'Choose a person from the directory';
    else if (!person) errors.person = `We could not find "${given.slice(0, 80)}" in the staff directory. Choose a name from the list`;
    if (!part) errors.part = 'Choose their part in what happened';
    if (person) {
      const [already] = await tx
        .select({ part: concernPeople.part })
        .from(concernPeople)
        .where(and(eq(concernPeople.trustId, concern.trustId), eq(concernPeople.concernId, concern.id), eq(concernPeople.personId, person.id)));
      if (already) errors.person = `${person.fullName} is already linked to ${concern.reference}`;
      else if (part === 'subject' && concern.confidentiality === 'staff' && person.id === concern.assigneeId)
        errors.person = `${person.fullName} is assigned ${concern.reference}: assign it to someone else first`;
    }
    if (Object.keys(errors).length || !person || !part) throw new ValidationError(errors);
    await tx
      .insert(concernPeople)
      .values({ trustId: concern.trustId, concernId: concern.id, personId: person.id, part, addedAt: now, addedBy: actorId(ctx.actor) });
    await appendEntry(
      tx,
      ctx,
      concern.id,
      'person_linked',
      `${person.fullName} linked: ${CONCERN_PARTS[part]}.`,
      { personId: person.id, part },
      undefined,
      now,
    );
    await recordEvent(tx, ctx, {
      action: 'concern.updated',
      resourceType: 'concern',
      resourceId: concern.id,
      summary: `Person linked to concern ${concern.reference}`,
    });
    return { reference: concern.reference, person };
  });
}
