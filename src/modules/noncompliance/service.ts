import { and, asc, desc, eq, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { recordEvent } from '../../audit/audit.ts';
import { auditEvents } from '../../audit/schema.ts';
import type { Ctx } from '../../context.ts';
import { type Db, transaction } from '../../db/client.ts';
import { nextReference } from '../../db/references.ts';
import { type FieldErrors, NotFoundError, ValidationError } from '../../errors.ts';
import { formatDate, londonToday } from '../../ui/format.ts';
import { isUuid, toFieldErrors } from '../../validation.ts';
import type { Actor } from '../auth/actor.ts';
import { type Action, authorize, can, type Resource, schoolsFor } from '../auth/authorize.ts';
import { concernPeople, concerns } from '../concerns/schema.ts';
import { openConcern } from '../concerns/service.ts';
import { queueEmail } from '../notifications/service.ts';
import { currentPeopleOptions, findPersonByReference, listSchools, personLabel } from '../organisations/repository.ts';
import type { Role } from '../organisations/roles.ts';
import { people, roleAssignments, schools, trusts } from '../organisations/schema.ts';
import { type PolicyContent, walkClauses } from '../policies/content.ts';
import { policies, policyVersions } from '../policies/schema.ts';
import { recordCreatedEmail } from './emails.tsx';
import { actionPlanItems, noncompliance, trainingNeeds } from './schema.ts';
import { actionInput, metInput, newRecordInput, outcomeInput, type RegisterQuery, reviewDateInput, trainingInput } from './validation.ts';

export type NcRow = typeof noncompliance.$inferSelect;
export type ActionRow = typeof actionPlanItems.$inferSelect;
export type TrainingRow = typeof trainingNeeds.$inferSelect;

/** Rows a page of the register shows. */
export const PAGE_SIZE = 25;

/** The record's school, for `authorize`: a trust-wide record (no school) is for trust roles only. */
export const ncResource = (r: Pick<NcRow, 'trustId' | 'schoolId'>): Resource => ({ trustId: r.trustId, schoolIds: r.schoolId ? [r.schoolId] : [] });

const actorPerson = (actor: Actor) => (actor.type === 'person' ? actor.personId : null);
const currentPerson = (today: string) => sql`(${people.endDate} is null or ${people.endDate} >= ${today})`;

/** "Tess Teacher (teacher.a@alpha.example)": how a person is shown in, and typed into, the directory picker. */

/** The SQL condition for the records an actor may see for an action: all the trust's, or their schools'. */
function recordsWhere(actor: Actor, action: Action): SQL {
  const seen = schoolsFor(actor, action);
  if (seen === 'all') return eq(noncompliance.trustId, actor.trustId);
  return and(eq(noncompliance.trustId, actor.trustId), seen.length ? inArray(noncompliance.schoolId, seen) : sql`false`) as SQL;
}

// ---------------------------------------------------------------------------------------------
// Clauses: picked from the version in force, snapshotted on the record

export type ClauseChoice = { value: string; label: string; number: string | null; text: string };
export type PolicyClauses = { policyId: string; title: string; schoolId: string | null; versionId: string; versionLabel: string; clauses: ClauseChoice[] };

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
export const shorten = (s: string, max: number) => {
  const line = oneLine(s);
  return line.length <= max ? line : `${line.slice(0, max - 1).trimEnd()}…`;
};

/**
 * Every clause of a version a person could break, in document order: the numbered sections and
 * their clauses (heading and text), then the agreement statements people sign. The value names
 * the version and the clause's stable id, so the choice means the same clause whatever its number.
 */
export function clauseChoices(versionId: string, content: PolicyContent): ClauseChoice[] {
  const out: ClauseChoice[] = [];
  for (const { clause } of walkClauses(content.sections)) {
    const text = [clause.heading, clause.text].filter((s): s is string => !!s?.trim()).join('\n\n');
    if (!text) continue;
    out.push({ value: `${versionId}:c:${clause.id}`, number: clause.number, text, label: [clause.number, shorten(text, 110)].filter(Boolean).join(' ') });
  }
  content.agreementStatements.forEach((statement, i) => {
    const number = `Agreement statement ${i + 1}`;
    out.push({ value: `${versionId}:a:${i + 1}`, number, text: statement, label: `${number}: ${shorten(statement, 100)}` });
  });
  return out;
}

/** The policies in force that apply to these schools (trust-wide ones always), with their clauses. */
async function policiesInForce(db: Db, trustId: string, schoolIds: 'all' | string[]): Promise<PolicyClauses[]> {
  const found = await db
    .select({
      policyId: policies.id,
      title: policies.title,
      schoolId: policies.schoolId,
      versionId: policyVersions.id,
      versionLabel: policyVersions.label,
      content: policyVersions.content,
    })
    .from(policies)
    .innerJoin(
      policyVersions,
      and(eq(policyVersions.trustId, policies.trustId), eq(policyVersions.policyId, policies.id), eq(policyVersions.status, 'published')),
    )
    .where(eq(policies.trustId, trustId))
    .orderBy(asc(policies.title));
  return found
    .filter((p) => p.schoolId === null || schoolIds === 'all' || schoolIds.includes(p.schoolId))
    .map(({ content, ...p }) => ({ ...p, clauses: clauseChoices(p.versionId, content as PolicyContent) }));
}

// ---------------------------------------------------------------------------------------------
// Who is told

export type Recipient = { personId: string; name: string; email: string };

/** Current holders of a role at a school, or held for the whole trust (schoolId null). */
async function holders(db: Db, trustId: string, role: Role, schoolId: string | null, today: string): Promise<Recipient[]> {
  const found = await db
    .select({ personId: people.id, name: people.fullName, email: people.email })
    .from(roleAssignments)
    .innerJoin(people, and(eq(people.trustId, roleAssignments.trustId), eq(people.id, roleAssignments.personId)))
    .where(
      and(
        eq(roleAssignments.trustId, trustId),
        eq(roleAssignments.role, role),
        schoolId ? eq(roleAssignments.schoolId, schoolId) : isNull(roleAssignments.schoolId),
        isNull(roleAssignments.revokedAt),
        currentPerson(today),
      ),
    )
    .orderBy(asc(people.fullName));
  return [...new Map(found.map((r) => [r.personId, r])).values()];
}

/**
 * The school's leads for a record: its head teacher(s). A trust-wide record (the central team)
 * has no head teacher: the trust's HR lead takes that place.
 */
export async function recordLeads(db: Db, trustId: string, schoolId: string | null, today: string) {
  return schoolId ? holders(db, trustId, 'head_teacher', schoolId, today) : holders(db, trustId, 'hr_lead', null, today);
}

/** Whom a new record is brought to (000 appendix 3): the trust's DPO(s) and the school's head teacher. */
async function createdRecipients(db: Db, trustId: string, schoolId: string | null, today: string) {
  const [dpos, leads] = await Promise.all([holders(db, trustId, 'dpo', null, today), recordLeads(db, trustId, schoolId, today)]);
  const out = new Map<string, Recipient & { reason: string }>();
  for (const p of dpos) out.set(p.personId, { ...p, reason: 'the trust’s data protection officer' });
  for (const p of leads) if (!out.has(p.personId)) out.set(p.personId, { ...p, reason: schoolId ? 'the head teacher' : 'the trust’s HR lead' });
  return [...out.values()];
}

export async function orgNameOf(db: Db, trustId: string, schoolId: string | null) {
  if (schoolId) {
    const [s] = await db
      .select({ name: schools.name })
      .from(schools)
      .where(and(eq(schools.trustId, trustId), eq(schools.id, schoolId)));
    if (s) return s.name;
  }
  const [t] = await db.select({ name: trusts.name }).from(trusts).where(eq(trusts.id, trustId));
  return t?.name ?? 'Countersign';
}

export const recordUrl = (baseUrl: string, id: string) => `${baseUrl}/non-compliance/${id}`;

// ---------------------------------------------------------------------------------------------
// Recording non-compliance

export type SchoolChoice = { value: string; label: string };

/** What the new record form offers this person: the schools they manage, the directory, the clauses. */
export async function newRecordOptions(ctx: Ctx) {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'noncompliance.manage', { trustId });
  const managed = schoolsFor(ctx.actor, 'noncompliance.manage');
  const allSchools = await listSchools(ctx.db, trustId);
  const schoolChoices: SchoolChoice[] = [
    ...allSchools.filter((s) => managed === 'all' || managed.includes(s.id)).map((s) => ({ value: s.id, label: s.name })),
    ...(managed === 'all' ? [{ value: 'trust', label: 'Whole trust (central team)' }] : []),
  ];
  const [people, policyList] = await Promise.all([currentPeopleOptions(ctx.db, trustId), policiesInForce(ctx.db, trustId, managed)]);
  return { schools: schoolChoices, people, policies: policyList };
}
export type NewRecordOptions = Awaited<ReturnType<typeof newRecordOptions>>;

/**
 * The concern a record is opened from (?concern=C-2026-0004), when the reader may open it in full;
 * otherwise null, and the form carries on without it (nobody learns the concern exists). Not
 * logged as a view: nothing of the concern is shown but its reference, school and subject.
 */
export async function sourceConcern(ctx: Ctx, reference: string | undefined) {
  if (!reference || !/^C-\d{4}-\d{1,8}$/i.test(reference.trim())) return null;
  let opened: Awaited<ReturnType<typeof openConcern>>;
  try {
    opened = await openConcern(ctx, reference.trim(), 'full', { log: false });
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
  const { concern } = opened;
  const [subject] = await ctx.db
    .select({ fullName: people.fullName, email: people.email })
    .from(concernPeople)
    .innerJoin(people, and(eq(people.trustId, concernPeople.trustId), eq(people.id, concernPeople.personId)))
    .where(and(eq(concernPeople.trustId, concern.trustId), eq(concernPeople.concernId, concern.id), eq(concernPeople.part, 'subject')))
    .limit(1);
  return { id: concern.id, reference: concern.reference, schoolId: concern.schoolId, subject: subject ? personLabel(subject) : null };
}

/** One field of a schema, parsed on its own (to cross-check it when another field is wrong). */
function fieldValue<S extends z.ZodObject>(schema: S, raw: Record<string, unknown>, name: keyof S['shape'] & string) {
  return (schema.shape[name] as z.ZodType).safeParse(raw[name]).data as unknown;
}

/** The new record form's fields from top to bottom: the error summary lists problems in this order. */
const NEW_RECORD_FIELDS = ['school', 'person', 'group', 'clause', 'severity', 'summary', 'reviewOn', 'actionText', 'actionOwner', 'actionDueOn'];

function inFormOrder(errors: FieldErrors, fields: string[]): FieldErrors {
  const rank = (k: string) => (fields.includes(k) ? fields.indexOf(k) : fields.length);
  return Object.fromEntries(Object.entries(errors).sort(([a], [b]) => rank(a) - rank(b)));
}

/**
 * Records a non-compliance: checks every field (the school is one the person manages, the person
 * is in the directory of this trust, the clause is of a policy in force that applies there, the
 * review date is in the future), then stores the record, its first action and the audit entry
 * in one transaction and brings it to the DPO and the head teacher by email.
 */
export async function createRecord(ctx: Ctx, raw: Record<string, unknown>, today = londonToday()) {
  const trustId = ctx.actor.trustId;
  const options = await newRecordOptions(ctx);
  const parsed = newRecordInput.safeParse(raw);
  const errors: FieldErrors = parsed.success ? {} : toFieldErrors(parsed.error);
  const get = (name: keyof typeof newRecordInput.shape & string) => fieldValue(newRecordInput, raw, name) as string | undefined;

  const school = get('school');
  const schoolChoice = options.schools.find((s) => s.value === school);
  if (school && !schoolChoice) errors.school = 'Choose one of the schools you manage';
  const schoolId = schoolChoice && schoolChoice.value !== 'trust' ? schoolChoice.value : null;

  const personRef = get('person');
  const group = get('group');
  let personId: string | null = null;
  if (!personRef && !group && !errors.person && !errors.group) errors.person = 'Choose the person from the directory, or describe the group';
  else if (personRef && group) errors.group = 'Give either a person or a group, not both';
  else if (personRef) {
    const found = await findPersonByReference(ctx.db, trustId, personRef);
    if (found) personId = found.id;
    else errors.person = 'Choose a person from the directory: start typing their name and pick them from the list';
  }

  const clauseValue = get('clause');
  const policy = clauseValue ? options.policies.find((p) => clauseValue.startsWith(`${p.versionId}:`)) : undefined;
  const clause = policy?.clauses.find((c) => c.value === clauseValue);
  if (clauseValue && !clause) errors.clause = 'Choose the clause from the list: it must be of a policy in force';
  else if (policy && schoolChoice && policy.schoolId !== null && policy.schoolId !== schoolId)
    errors.clause = `${policy.title} applies to another school: choose a clause of a policy that applies to ${schoolChoice.label}`;

  const reviewOn = get('reviewOn');
  if (reviewOn && reviewOn <= today) errors.reviewOn ??= 'The review date must be in the future';

  const actionText = get('actionText');
  const actionOwner = get('actionOwner');
  const actionDueOn = get('actionDueOn');
  let ownerId: string | null = null;
  if (actionText || actionOwner || actionDueOn || raw['actionDueOn-day'] || raw['actionDueOn-year']) {
    if (!actionText) errors.actionText ??= 'Describe the first action, or leave all three action boxes empty';
    if (!actionOwner) errors.actionOwner ??= 'Choose who will do the action, from the directory';
    else {
      const owner = await findPersonByReference(ctx.db, trustId, actionOwner);
      if (owner) ownerId = owner.id;
      else errors.actionOwner ??= 'Choose who will do the action from the directory';
    }
    if (!actionDueOn) errors.actionDueOn ??= 'Enter the date the action is due by';
    else if (actionDueOn < today) errors.actionDueOn ??= 'The action’s due date must be today or in the future';
  }

  if (Object.keys(errors).length || !parsed.success || !schoolChoice || !clause || !policy) throw new ValidationError(inFormOrder(errors, NEW_RECORD_FIELDS));
  const input = parsed.data;
  const source = await sourceConcern(ctx, input.concern);
  authorize(ctx.actor, 'noncompliance.manage', { trustId, schoolIds: schoolId ? [schoolId] : [] });

  return transaction(ctx.db, async (tx) => {
    const reference = await nextReference(tx, trustId, 'NC');
    const [row] = await tx
      .insert(noncompliance)
      .values({
        trustId,
        reference,
        schoolId,
        personId,
        groupDescription: personId ? null : (group ?? null),
        policyId: policy.policyId,
        versionId: policy.versionId,
        clauseNumber: clause.number,
        clauseText: clause.text,
        sourceConcernId: source?.id ?? null,
        severity: input.severity,
        summary: input.summary as string,
        reviewOn: input.reviewOn as string,
        createdBy: actorPerson(ctx.actor),
      })
      .returning();
    if (!row) throw new Error('insert returned nothing');
    if (ownerId && actionText && actionDueOn)
      await tx
        .insert(actionPlanItems)
        .values({ trustId, noncomplianceId: row.id, text: actionText, ownerId, dueOn: actionDueOn, createdBy: actorPerson(ctx.actor) });
    await recordEvent(tx, ctx, {
      action: 'noncompliance.created',
      resourceType: 'noncompliance',
      resourceId: row.id,
      // Never who it is about or what happened: administrators read the audit log.
      summary: `Non-compliance ${reference} recorded`,
      after: {
        reference,
        schoolId,
        subject: personId ? 'person' : 'group',
        severity: row.severity,
        policyId: row.policyId,
        versionId: row.versionId,
        clauseNumber: row.clauseNumber,
        reviewOn: row.reviewOn,
        sourceConcern: source?.reference ?? null,
        firstAction: !!ownerId,
      },
    });
    const orgName = await orgNameOf(tx, trustId, schoolId);
    const me = actorPerson(ctx.actor);
    for (const r of await createdRecipients(tx, trustId, schoolId, today)) {
      if (r.personId === me) continue;
      await queueEmail(tx, {
        trustId,
        to: r.email,
        template: 'noncompliance-created',
        dedupeKey: `noncompliance:${row.id}:created:${r.personId}`,
        ...recordCreatedEmail({ orgName, name: r.name, reference, reason: r.reason, url: recordUrl(ctx.baseUrl, row.id) }),
      });
    }
    return row;
  });
}

// ---------------------------------------------------------------------------------------------
// Reading one record

async function findRecord(db: Db, trustId: string, idOrReference: string, lock = false) {
  const ref = idOrReference.trim();
  const where = isUuid(ref)
    ? eq(noncompliance.id, ref)
    : /^NC-\d{4}-\d{1,8}$/i.test(idOrReference.trim())
      ? eq(noncompliance.reference, idOrReference.trim().toUpperCase())
      : null;
  if (!where) return null;
  const q = db
    .select()
    .from(noncompliance)
    .where(and(eq(noncompliance.trustId, trustId), where));
  const [row] = lock ? await q.for('update') : await q;
  return row ?? null;
}

/** Runs a change to one record: the row locked, the permission checked, `fn` in the same transaction. */
async function changeRecord<T>(ctx: Ctx, id: string, action: Action, fn: (tx: Db, row: NcRow) => Promise<T>): Promise<T> {
  return transaction(ctx.db, async (tx) => {
    const row = await findRecord(tx, ctx.actor.trustId, id, true);
    if (!row) throw new NotFoundError();
    authorize(ctx.actor, action, ncResource(row));
    return fn(tx, row);
  });
}

const closedError = (row: NcRow) =>
  new ValidationError({ form: `${row.reference} is closed: its outcome was recorded on ${formatDate(row.outcomeAt ?? row.closedAt)}` });

async function actionsOf(db: Db, trustId: string, recordId: string, ownerId?: string) {
  const doneBy = sql<string | null>`(select p.full_name from ${people} p where p.trust_id = ${actionPlanItems.trustId} and p.id = ${actionPlanItems.doneBy})`;
  return db
    .select({ item: actionPlanItems, ownerName: people.fullName, doneByName: doneBy })
    .from(actionPlanItems)
    .innerJoin(people, and(eq(people.trustId, actionPlanItems.trustId), eq(people.id, actionPlanItems.ownerId)))
    .where(and(eq(actionPlanItems.trustId, trustId), eq(actionPlanItems.noncomplianceId, recordId), ownerId ? eq(actionPlanItems.ownerId, ownerId) : undefined))
    .orderBy(asc(actionPlanItems.dueOn), asc(actionPlanItems.createdAt));
}
export type ActionLine = Awaited<ReturnType<typeof actionsOf>>[number];

/**
 * Everything the record page shows. Someone without 'noncompliance.view' who owns an action on
 * its plan gets the limited view: the reference and their own actions, to mark them done. The
 * outcome, sanction and note are left out unless the reader has HR-level access ('noncompliance.sanction').
 */
export async function recordDetail(ctx: Ctx, id: string) {
  const trustId = ctx.actor.trustId;
  const row = await findRecord(ctx.db, trustId, id);
  if (!row) throw new NotFoundError();
  const resource = ncResource(row);
  const me = actorPerson(ctx.actor);
  if (!can(ctx.actor, 'noncompliance.view', resource)) {
    const mine = me ? await actionsOf(ctx.db, trustId, row.id, me) : [];
    if (mine.length === 0) authorize(ctx.actor, 'noncompliance.view', resource);
    return { limited: true as const, record: { id: row.id, reference: row.reference, status: row.status }, actions: mine };
  }
  const canSanction = can(ctx.actor, 'noncompliance.sanction', resource);
  const name = async (personId: string | null) => {
    if (!personId) return null;
    const [p] = await ctx.db
      .select({ fullName: people.fullName, email: people.email, position: people.position })
      .from(people)
      .where(and(eq(people.trustId, trustId), eq(people.id, personId)));
    return p ?? null;
  };
  const [person, createdBy, outcomeBy, schoolName, policy, actions, training, history] = await Promise.all([
    name(row.personId),
    name(row.createdBy),
    canSanction ? name(row.outcomeBy) : Promise.resolve(null),
    row.schoolId ? orgNameOf(ctx.db, trustId, row.schoolId) : Promise.resolve(null),
    row.policyId && row.versionId
      ? ctx.db
          .select({ title: policies.title, versionLabel: policyVersions.label, versionStatus: policyVersions.status })
          .from(policies)
          .innerJoin(policyVersions, and(eq(policyVersions.trustId, policies.trustId), eq(policyVersions.id, row.versionId)))
          .where(and(eq(policies.trustId, trustId), eq(policies.id, row.policyId)))
          .then((r) => r[0] ?? null)
      : Promise.resolve(null),
    actionsOf(ctx.db, trustId, row.id),
    ctx.db
      .select()
      .from(trainingNeeds)
      .where(and(eq(trainingNeeds.trustId, trustId), eq(trainingNeeds.noncomplianceId, row.id)))
      .orderBy(asc(trainingNeeds.createdAt)),
    ctx.db
      .select({ at: auditEvents.at, actorLabel: auditEvents.actorLabel, action: auditEvents.action, summary: auditEvents.summary, after: auditEvents.after })
      .from(auditEvents)
      .where(and(eq(auditEvents.trustId, trustId), eq(auditEvents.resourceType, 'noncompliance'), eq(auditEvents.resourceId, row.id)))
      .orderBy(asc(auditEvents.id)),
  ]);
  // The source concern is named only to those who may open it; others learn there is one, not which.
  let source: { reference: string; canOpen: boolean } | null = null;
  if (row.sourceConcernId) {
    const [c] = await ctx.db
      .select({ reference: concerns.reference })
      .from(concerns)
      .where(and(eq(concerns.trustId, trustId), eq(concerns.id, row.sourceConcernId)));
    const opened = c ? await sourceConcern(ctx, c.reference) : null;
    source = opened ? { reference: opened.reference, canOpen: true } : { reference: '', canOpen: false };
  }
  const record: NcRow = canSanction ? row : { ...row, outcome: null, sanction: null, sanctionNote: null, outcomeBy: null };
  return {
    limited: false as const,
    record,
    person,
    createdBy,
    outcomeBy,
    schoolName,
    policy,
    source,
    actions,
    training,
    history: history.map((h) => ({ ...h, reason: h.action === 'noncompliance.updated' ? ((h.after as { reason?: string } | null)?.reason ?? null) : null })),
    canManage: can(ctx.actor, 'noncompliance.manage', resource),
    canSanction,
  };
}
export type RecordDetail = Extract<Awaited<ReturnType<typeof recordDetail>>, { limited: false }>;
export type LimitedRecord = Extract<Awaited<ReturnType<typeof recordDetail>>, { limited: true }>;

/** The record for a form page about it (review date, training met, outcome), with the permission the form needs. */
export async function recordFor(ctx: Ctx, id: string, action: Action) {
  const row = await findRecord(ctx.db, ctx.actor.trustId, id);
  if (!row) throw new NotFoundError();
  authorize(ctx.actor, action, ncResource(row));
  return row;
}

// ---------------------------------------------------------------------------------------------
// Changing a record

export async function addAction(ctx: Ctx, id: string, raw: Record<string, unknown>, today = londonToday()) {
  const parsed = actionInput.safeParse(raw);
  return changeRecord(ctx, id, 'noncompliance.manage', async (tx, row) => {
    if (row.status !== 'open') throw closedError(row);
    const errors: FieldErrors = parsed.success ? {} : toFieldErrors(parsed.error);
    const ownerRef = fieldValue(actionInput, raw, 'actionOwner') as string | undefined;
    const owner = ownerRef ? await findPersonByReference(tx, row.trustId, ownerRef) : null;
    if (ownerRef && !owner) errors.actionOwner ??= 'Choose who will do it from the directory: start typing their name and pick them from the list';
    const dueOn = fieldValue(actionInput, raw, 'actionDueOn') as string | undefined;
    if (dueOn && dueOn < today) errors.actionDueOn ??= 'The due date must be today or in the future';
    if (Object.keys(errors).length || !parsed.success || !owner) throw new ValidationError(inFormOrder(errors, ['actionText', 'actionOwner', 'actionDueOn']));
    const [item] = await tx
      .insert(actionPlanItems)
      .values({
        trustId: row.trustId,
        noncomplianceId: row.id,
        text: parsed.data.actionText as string,
        ownerId: owner.id,
        dueOn: parsed.data.actionDueOn as string,
        createdBy: actorPerson(ctx.actor),
      })
      .returning();
    await recordEvent(tx, ctx, {
      action: 'noncompliance.updated',
      resourceType: 'noncompliance',
      resourceId: row.id,
      summary: `Action added to the action plan of ${row.reference}, due ${formatDate(item?.dueOn)}`,
      after: { actionId: item?.id, ownerId: owner.id, dueOn: item?.dueOn },
    });
    return { row, item: item as ActionRow };
  });
}

/** Marks an action done: people who manage the record, or the action's owner. Marking it twice changes nothing. */
export async function markActionDone(ctx: Ctx, id: string, actionId: string) {
  return transaction(ctx.db, async (tx) => {
    const row = await findRecord(tx, ctx.actor.trustId, id, true);
    if (!row || !isUuid(actionId)) throw new NotFoundError();
    const [item] = await tx
      .select()
      .from(actionPlanItems)
      .where(and(eq(actionPlanItems.trustId, row.trustId), eq(actionPlanItems.noncomplianceId, row.id), eq(actionPlanItems.id, actionId)))
      .for('update');
    if (!item) throw new NotFoundError();
    const me = actorPerson(ctx.actor);
    if (!(me && item.ownerId === me)) authorize(ctx.actor, 'noncompliance.manage', ncResource(row));
    if (item.doneAt) return { row, item, changed: false };
    const [done] = await tx
      .update(actionPlanItems)
      .set({ doneAt: new Date(), doneBy: me })
      .where(and(eq(actionPlanItems.trustId, row.trustId), eq(actionPlanItems.id, item.id)))
      .returning();
    await recordEvent(tx, ctx, {
      action: 'noncompliance.updated',
      resourceType: 'noncompliance',
      resourceId: row.id,
      summary: `Action on the action plan of ${row.reference} marked as done`,
      before: { actionId: item.id, doneAt: null },
      after: { actionId: item.id, doneAt: done?.doneAt },
    });
    return { row, item: done as ActionRow, changed: true };
  });
}

export async function addTrainingNeed(ctx: Ctx, id: string, raw: Record<string, unknown>) {
  const parsed = trainingInput.safeParse(raw);
  return changeRecord(ctx, id, 'noncompliance.manage', async (tx, row) => {
    if (row.status !== 'open') throw closedError(row);
    if (!parsed.success) throw new ValidationError(toFieldErrors(parsed.error));
    const [need] = await tx
      .insert(trainingNeeds)
      .values({
        trustId: row.trustId,
        noncomplianceId: row.id,
        need: parsed.data.need as string,
        forWhom: parsed.data.forWhom ?? null,
        createdBy: actorPerson(ctx.actor),
      })
      .returning();
    await recordEvent(tx, ctx, {
      action: 'noncompliance.updated',
      resourceType: 'noncompliance',
      resourceId: row.id,
      summary: `Training need identified on ${row.reference}`,
      after: { trainingNeedId: need?.id },
    });
    return { row, need: need as TrainingRow };
  });
}

/** The training need and its record, for the "record as met" page. */
export async function trainingNeedFor(ctx: Ctx, id: string, needId: string) {
  const row = await recordFor(ctx, id, 'noncompliance.manage');
  const [need] = isUuid(needId)
    ? await ctx.db
        .select()
        .from(trainingNeeds)
        .where(and(eq(trainingNeeds.trustId, row.trustId), eq(trainingNeeds.noncomplianceId, row.id), eq(trainingNeeds.id, needId)))
    : [];
  if (!need) throw new NotFoundError();
  return { row, need };
}

export async function markTrainingMet(ctx: Ctx, id: string, needId: string, raw: Record<string, unknown>, today = londonToday()) {
  const parsed = metInput.safeParse(raw);
  return changeRecord(ctx, id, 'noncompliance.manage', async (tx, row) => {
    const [need] = isUuid(needId)
      ? await tx
          .select()
          .from(trainingNeeds)
          .where(and(eq(trainingNeeds.trustId, row.trustId), eq(trainingNeeds.noncomplianceId, row.id), eq(trainingNeeds.id, needId)))
          .for('update')
      : [];
    if (!need) throw new NotFoundError();
    if (need.metOn) throw new ValidationError({ metOn: `This training need was already recorded as met on ${formatDate(need.metOn)}` });
    if (!parsed.success) throw new ValidationError(toFieldErrors(parsed.error));
    const metOn = parsed.data.metOn as string;
    if (metOn > today) throw new ValidationError({ metOn: 'The date it was met must be today or in the past' });
    await tx
      .update(trainingNeeds)
      .set({ metOn })
      .where(and(eq(trainingNeeds.trustId, row.trustId), eq(trainingNeeds.id, need.id)));
    await recordEvent(tx, ctx, {
      action: 'noncompliance.updated',
      resourceType: 'noncompliance',
      resourceId: row.id,
      summary: `Training need on ${row.reference} recorded as met on ${formatDate(metOn)}`,
      before: { trainingNeedId: need.id, metOn: null },
      after: { trainingNeedId: need.id, metOn },
    });
    return { row, metOn };
  });
}

/** Moves the agreed review date (with a reason, kept in the record's history). New reminders follow the new date. */
export async function changeReviewDate(ctx: Ctx, id: string, raw: Record<string, unknown>, today = londonToday()) {
  const parsed = reviewDateInput.safeParse(raw);
  return changeRecord(ctx, id, 'noncompliance.manage', async (tx, row) => {
    if (row.status !== 'open') throw closedError(row);
    const errors: FieldErrors = parsed.success ? {} : toFieldErrors(parsed.error);
    const reviewOn = fieldValue(reviewDateInput, raw, 'reviewOn') as string | undefined;
    if (reviewOn && reviewOn <= today) errors.reviewOn ??= 'The new review date must be in the future';
    else if (reviewOn && reviewOn === row.reviewOn) errors.reviewOn ??= `The review date is already ${formatDate(row.reviewOn)}: enter a different date`;
    if (Object.keys(errors).length || !parsed.success) throw new ValidationError(errors);
    const { reason } = parsed.data;
    await tx
      .update(noncompliance)
      .set({ reviewOn: reviewOn as string, updatedAt: new Date() })
      .where(and(eq(noncompliance.trustId, row.trustId), eq(noncompliance.id, row.id)));
    await recordEvent(tx, ctx, {
      action: 'noncompliance.updated',
      resourceType: 'noncompliance',
      resourceId: row.id,
      summary: `Review date of ${row.reference} moved from ${formatDate(row.reviewOn)} to ${formatDate(reviewOn)}`,
      before: { reviewOn: row.reviewOn },
      after: { reviewOn, reason },
    });
    return { row, reviewOn: reviewOn as string };
  });
}

export type OutcomeInput = { outcome: string; sanction: NonNullable<NcRow['sanction']>; sanctionNote?: string };

/** Checks the outcome form without saving (for the confirmation page). HR-level access only. */
export async function checkOutcome(ctx: Ctx, id: string, raw: Record<string, unknown>): Promise<{ row: NcRow; input: OutcomeInput }> {
  const row = await recordFor(ctx, id, 'noncompliance.sanction');
  if (row.status !== 'open') throw closedError(row);
  const parsed = outcomeInput.safeParse(raw);
  if (!parsed.success) throw new ValidationError(toFieldErrors(parsed.error));
  return { row, input: parsed.data as OutcomeInput };
}

/**
 * Records the outcome and sanction and closes the record. The audit entry says that an outcome
 * was recorded, never which sanction: administrators without HR-level access read the audit log.
 */
export async function recordOutcome(ctx: Ctx, id: string, raw: Record<string, unknown>) {
  const parsed = outcomeInput.safeParse(raw);
  return changeRecord(ctx, id, 'noncompliance.sanction', async (tx, row) => {
    if (row.status !== 'open') throw closedError(row);
    if (!parsed.success) throw new ValidationError(toFieldErrors(parsed.error));
    const now = new Date();
    const [closed] = await tx
      .update(noncompliance)
      .set({
        status: 'closed',
        outcome: parsed.data.outcome as string,
        sanction: parsed.data.sanction,
        sanctionNote: parsed.data.sanctionNote ?? null,
        outcomeBy: actorPerson(ctx.actor),
        outcomeAt: now,
        closedAt: now,
        updatedAt: now,
      })
      .where(and(eq(noncompliance.trustId, row.trustId), eq(noncompliance.id, row.id)))
      .returning();
    await recordEvent(tx, ctx, {
      action: 'noncompliance.outcome',
      resourceType: 'noncompliance',
      resourceId: row.id,
      summary: `Outcome recorded for ${row.reference}: the record is closed`,
      before: { status: 'open' },
      after: { status: 'closed' },
    });
    return closed as NcRow;
  });
}

// ---------------------------------------------------------------------------------------------
// The register

export type RegisterRow = {
  id: string;
  reference: string;
  status: 'open' | 'closed';
  severity: NcRow['severity'];
  reviewOn: string;
  schoolName: string | null;
  personName: string | null;
  groupDescription: string | null;
  clauseNumber: string | null;
  clauseText: string | null;
  policyTitle: string | null;
  openActions: number;
  createdAt: Date;
};

/** The register: the records the reader may see (a school role its schools', a trust role all), filtered and paged. */
export async function register(ctx: Ctx, q: RegisterQuery) {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'noncompliance.view', { trustId });
  const seen = schoolsFor(ctx.actor, 'noncompliance.view');
  const allSchools = await listSchools(ctx.db, trustId);
  const schoolOptions = [
    ...allSchools.filter((s) => seen === 'all' || seen.includes(s.id)).map((s) => ({ value: s.id, label: s.name })),
    ...(seen === 'all' ? [{ value: 'trust', label: 'Whole trust (central team)' }] : []),
  ];
  const school = schoolOptions.some((s) => s.value === q.school) ? q.school : undefined;
  const where = and(
    recordsWhere(ctx.actor, 'noncompliance.view'),
    q.status ? eq(noncompliance.status, q.status) : undefined,
    q.severity ? eq(noncompliance.severity, q.severity) : undefined,
    school === 'trust' ? isNull(noncompliance.schoolId) : school ? eq(noncompliance.schoolId, school) : undefined,
  );
  const [counted] = await ctx.db.select({ n: sql<number>`count(*)::int` }).from(noncompliance).where(where);
  const total = counted?.n ?? 0;
  const openActions = sql<number>`(select count(*)::int from ${actionPlanItems} a where a.trust_id = ${noncompliance.trustId} and a.noncompliance_id = ${noncompliance.id} and a.done_at is null)`;
  const rows: RegisterRow[] = await ctx.db
    .select({
      id: noncompliance.id,
      reference: noncompliance.reference,
      status: noncompliance.status,
      severity: noncompliance.severity,
      reviewOn: noncompliance.reviewOn,
      schoolName: schools.name,
      personName: people.fullName,
      groupDescription: noncompliance.groupDescription,
      clauseNumber: noncompliance.clauseNumber,
      clauseText: noncompliance.clauseText,
      policyTitle: policies.title,
      openActions,
      createdAt: noncompliance.createdAt,
    })
    .from(noncompliance)
    .leftJoin(schools, and(eq(schools.trustId, noncompliance.trustId), eq(schools.id, noncompliance.schoolId)))
    .leftJoin(people, and(eq(people.trustId, noncompliance.trustId), eq(people.id, noncompliance.personId)))
    .leftJoin(policies, and(eq(policies.trustId, noncompliance.trustId), eq(policies.id, noncompliance.policyId)))
    .where(where)
    .orderBy(sql`case when ${noncompliance.status} = 'open' then 0 else 1 end`, asc(noncompliance.reviewOn), desc(noncompliance.createdAt))
    .limit(PAGE_SIZE)
    .offset((q.page - 1) * PAGE_SIZE);
  return { rows, total, schools: schoolOptions, query: { ...q, school }, canCreate: can(ctx.actor, 'noncompliance.manage', { trustId }) };
}
export type Register = Awaited<ReturnType<typeof register>>;
