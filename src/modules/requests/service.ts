import { and, asc, desc, eq, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordEvent } from '../../audit/audit.ts';
import type { Ctx } from '../../context.ts';
import { sha256 } from '../../crypto.ts';
import { type Db, transaction } from '../../db/client.ts';
import { nextReference } from '../../db/references.ts';
import { type FieldErrors, ForbiddenError, NotFoundError, ValidationError } from '../../errors.ts';
import { londonToday } from '../../ui/format.ts';
import { sniffFile } from '../../uploads.ts';
import { isUuid, optionalDate, textField, toFieldErrors } from '../../validation.ts';
import type { FormBody, FormFile } from '../../web/multipart.ts';
import type { Actor } from '../auth/actor.ts';
import { authorize, can, schoolsFor } from '../auth/authorize.ts';
import { queueEmail } from '../notifications/service.ts';
import { listSchools } from '../organisations/repository.ts';
import { type Role, roleLabel } from '../organisations/roles.ts';
import { people, roleAssignments, schools, trusts } from '../organisations/schema.ts';
import { addYears, findCloudServiceByName, reinstateOrAddFromRequest } from './cloud.ts';
import { requestDecidedEmail, requestMadeEmail } from './emails.tsx';
import { REQUEST_STATUSES, type RequestStatus, requestFiles, requests } from './schema.ts';
import {
  type Answers,
  answersSchema,
  cleanAnswers,
  dateOrderErrors,
  isRequestType,
  LICENCE_TYPES,
  REQUEST_TYPE_CODES,
  type RequestTypeCode,
  requestType,
} from './types.ts';

export type RequestRow = typeof requests.$inferSelect;
export type Recipient = { personId: string; name: string; email: string; why: string };

export const PAGE_SIZE = 25;
const REFERENCE = /^R-\d{4}-\d{1,8}$/i;
const current = (today: string) => sql`(${people.endDate} is null or ${people.endDate} >= ${today})`;
const personOf = (actor: Actor) => (actor.type === 'person' ? actor.personId : null);

export const requestUrl = (baseUrl: string, reference: string) => `${baseUrl}/requests/${reference}`;

// ---------------------------------------------------------------------------------------------
// Who decides

/**
 * Whether an actor may decide requests of a type at a school, from the type's approver: the role
 * at the request's school, or held for the whole trust where the type allows it (requests/types.ts).
 */
export function mayDecide(actor: Actor, type: RequestTypeCode, schoolId: string | null): boolean {
  if (actor.type !== 'person') return false;
  const a = requestType(type).approver;
  return actor.roles.some((g) => {
    if (g.role === a.role) return g.schoolId === null ? a.where !== 'school' : a.where !== 'trust' && g.schoolId === schoolId;
    return !!a.also?.includes(g.role) && g.schoolId !== null && g.schoolId === schoolId;
  });
}

/** Current holders of a role at a school, or for the whole trust (schoolId null). */
async function holders(db: Db, trustId: string, role: Role, schoolId: string | null, today: string) {
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
        current(today),
      ),
    )
    .orderBy(asc(people.fullName));
  return [...new Map(found.map((r) => [r.personId, r])).values()];
}

/**
 * Whom a request goes to: the holders of the type's role at the request's school, else (IT) the
 * trust's, else (SLT) the further roles at the school in order. Never the person who asked: their
 * own request is for someone else to decide.
 */
export async function approversFor(
  db: Db,
  trustId: string,
  type: RequestTypeCode,
  schoolId: string | null,
  requesterId: string | null,
  today: string,
): Promise<Recipient[]> {
  const a = requestType(type).approver;
  const schoolName = schoolId ? await orgNameOf(db, trustId, schoolId) : null;
  const find = async (role: Role, at: string | null) =>
    (await holders(db, trustId, role, at, today))
      .filter((p) => p.personId !== requesterId)
      .map((p) => ({ ...p, why: at ? `${roleLabel(role)} at ${schoolName}` : `${roleLabel(role)} for the trust` }));
  if (a.where === 'trust') return find(a.role, null);
  if (a.where === 'school_else_trust') {
    const atSchool = schoolId ? await find(a.role, schoolId) : [];
    return atSchool.length ? atSchool : find(a.role, null);
  }
  if (!schoolId) return [];
  for (const role of [a.role, ...(a.also ?? [])]) {
    const found = await find(role, schoolId);
    if (found.length) return found;
  }
  return [];
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

// ---------------------------------------------------------------------------------------------
// Making a request

/**
 * What the form of a type offers this person: the schools the request can be for (their own), and
 * why they cannot make it, if so. The rule: a request is for one of the requester's schools. A
 * type decided at a school (SLT, head teacher) needs one; IT and DPO types from someone with no
 * school (the central team) go to the trust's IT services or DPO.
 */
export async function requestForm(ctx: Ctx, type: RequestTypeCode) {
  const actor = ctx.actor;
  authorize(actor, 'requests.make', { trustId: actor.trustId });
  if (actor.type !== 'person') throw new ForbiddenError('Only a member of staff can make a request');
  const spec = requestType(type);
  const own = (await listSchools(ctx.db, actor.trustId)).filter((s) => actor.schoolIds.includes(s.id));
  const blocked =
    spec.approver.where === 'school' && own.length === 0
      ? `Requests to ${spec.verb} are decided by ${spec.approver.label.toLowerCase()} of your school, and Countersign does not list you at any school. Ask your trust administrator to add you to your school, then make the request.`
      : null;
  return { type, spec, schools: own.map((s) => ({ value: s.id, label: s.name })), blocked };
}
export type RequestForm = Awaited<ReturnType<typeof requestForm>>;

type CheckedFile = { field: string; fileName: string; bytes: Buffer; contentType: string; sha256: string };

/** A proof of licence: one PDF or image, 5 MB at most, typed by its bytes. */
function checkFile(field: string, label: string, required: boolean, missing: string, given: FormFile[]): CheckedFile | string | null {
  const chosen = given.filter((f) => f.fileName);
  if (chosen.length === 0) return required ? missing : null;
  if (chosen.length > 1) return `Attach one file for ${label.toLowerCase()}`;
  const f = chosen[0] as FormFile;
  if (f.tooLarge) return `${f.fileName} is larger than 5 MB`;
  if (f.bytes.length === 0) return `${f.fileName} is empty`;
  const sniffed = sniffFile(f.bytes);
  if (sniffed.kind === 'refused' || !(sniffed.contentType === 'application/pdf' || sniffed.contentType.startsWith('image/'))) {
    const what =
      sniffed.kind === 'refused' && sniffed.reason === 'executable'
        ? 'is a program, not a licence'
        : sniffed.kind === 'refused' && sniffed.reason === 'archive'
          ? 'is an archive or Office file (save the licence as a PDF)'
          : 'is not a PDF or an image';
    return `${f.fileName} ${what}. Attach the licence as a ${LICENCE_TYPES} file`;
  }
  return { field, fileName: f.fileName.replace(/[\\/\r\n"]/g, '_').slice(0, 200), bytes: f.bytes, contentType: sniffed.contentType, sha256: sha256(f.bytes) };
}

/** The form's fields in page order, so the error summary lists problems top to bottom. */
const inFormOrder = (type: RequestTypeCode, errors: FieldErrors): FieldErrors => {
  const order = ['school', ...requestType(type).fields.map((f) => f.name)];
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  return Object.fromEntries(Object.entries(errors).sort(([a], [b]) => rank(a) - rank(b)));
};

/**
 * Makes a request: checks the answers against the type's fields, the school, and any file by its
 * bytes; then stores the request, its files (with their SHA-256), the audit entry and an email to
 * each approver in one transaction. Nothing is kept when anything is wrong.
 */
export async function makeRequest(ctx: Ctx, type: RequestTypeCode, values: FormBody, files: Record<string, FormFile[]>, now = new Date()) {
  const form = await requestForm(ctx, type);
  const actor = ctx.actor as Extract<Actor, { type: 'person' }>;
  if (form.blocked) throw new ForbiddenError(form.blocked);
  const parsed = answersSchema(type).safeParse(values);
  const errors: FieldErrors = { ...(parsed.success ? {} : toFieldErrors(parsed.error)), ...dateOrderErrors(type, values) };

  let schoolId: string | null = null;
  if (form.schools.length === 1) schoolId = form.schools[0]?.value ?? null;
  else if (form.schools.length > 1) {
    const chosen = form.schools.find((s) => s.value === values.school);
    if (chosen) schoolId = chosen.value;
    else errors.school = 'Choose which school the request is for';
  }

  const checked: CheckedFile[] = [];
  for (const f of form.spec.fields.filter((x) => x.kind === 'file')) {
    const result = checkFile(f.name, f.label, f.required, f.missing ?? `Attach ${f.label.toLowerCase()}`, files[f.name] ?? []);
    if (typeof result === 'string') errors[f.name] = result;
    else if (result) checked.push(result);
  }

  if (type === 'cloud_service' && parsed.success && typeof parsed.data.serviceName === 'string') {
    const existing = await findCloudServiceByName(ctx.db, actor.trustId, parsed.data.serviceName);
    if (existing?.status === 'approved') errors.serviceName = `${existing.name} is already on the approved list: you may use it without asking`;
  }

  if (Object.keys(errors).length || !parsed.success) throw new ValidationError(inFormOrder(type, errors));
  const answers = cleanAnswers(parsed.data as Record<string, unknown>);
  const today = londonToday(now);

  return transaction(ctx.db, async (tx) => {
    const reference = await nextReference(tx, actor.trustId, 'R', now);
    const [row] = await tx
      .insert(requests)
      .values({ trustId: actor.trustId, reference, type, requesterId: actor.personId, schoolId, answers, createdAt: now })
      .returning();
    if (!row) throw new Error('request not stored');
    for (const f of checked)
      await tx.insert(requestFiles).values({
        trustId: actor.trustId,
        requestId: row.id,
        field: f.field,
        fileName: f.fileName,
        contentType: f.contentType,
        size: f.bytes.length,
        sha256: f.sha256,
        bytes: f.bytes,
      });
    const recipients = await approversFor(tx, actor.trustId, type, schoolId, actor.personId, today);
    const orgName = await orgNameOf(tx, actor.trustId, schoolId);
    for (const r of recipients)
      await queueEmail(tx, {
        trustId: actor.trustId,
        to: r.email,
        template: 'request-made',
        dedupeKey: `request:${row.id}:made:${r.personId}`,
        ...requestMadeEmail({
          orgName,
          name: r.name,
          requester: actor.name,
          verb: form.spec.verb,
          reference,
          why: r.why,
          url: requestUrl(ctx.baseUrl, reference),
        }),
      });
    await recordEvent(tx, ctx, {
      action: 'request.made',
      resourceType: 'request',
      resourceId: row.id,
      summary: `${reference}: ${actor.name} asked permission to ${form.spec.verb}`,
      after: { reference, type, schoolId, answers, files: checked.map((f) => ({ field: f.field, fileName: f.fileName, sha256: f.sha256 })) },
    });
    return { reference, recipients };
  });
}

// ---------------------------------------------------------------------------------------------
// Reading requests

/**
 * One request for someone who may see it: the person who asked, anyone who may decide it, and
 * those whose 'requests.list' covers its school. Another trust's is not found.
 */
export async function openRequest(ctx: Ctx, reference: string) {
  const actor = ctx.actor;
  if (!REFERENCE.test(reference)) throw new NotFoundError();
  const [request] = await ctx.db
    .select()
    .from(requests)
    .where(and(eq(requests.trustId, actor.trustId), eq(requests.reference, reference.toUpperCase())));
  if (!request || !isRequestType(request.type)) throw new NotFoundError();
  const type = request.type;
  const own = personOf(actor) === request.requesterId;
  const decider = mayDecide(actor, type, request.schoolId);
  if (!own && !decider && !can(actor, 'requests.list', { trustId: request.trustId, schoolIds: request.schoolId ? [request.schoolId] : [] }))
    throw new ForbiddenError('Only the person who asked and the people who decide or oversee requests can see this request');
  const ids = [request.requesterId, request.decidedBy].filter((x): x is string => !!x);
  const [names, files, schoolName, approvers] = await Promise.all([
    ctx.db
      .select({ id: people.id, fullName: people.fullName, email: people.email })
      .from(people)
      .where(and(eq(people.trustId, request.trustId), inArray(people.id, ids))),
    ctx.db
      .select({
        id: requestFiles.id,
        field: requestFiles.field,
        fileName: requestFiles.fileName,
        contentType: requestFiles.contentType,
        size: requestFiles.size,
        sha256: requestFiles.sha256,
        createdAt: requestFiles.createdAt,
      })
      .from(requestFiles)
      .where(and(eq(requestFiles.trustId, request.trustId), eq(requestFiles.requestId, request.id)))
      .orderBy(asc(requestFiles.createdAt)),
    request.schoolId ? orgNameOf(ctx.db, request.trustId, request.schoolId) : Promise.resolve(null),
    approversFor(ctx.db, request.trustId, type, request.schoolId, request.requesterId, londonToday()),
  ]);
  const nameOf = (id: string | null) => names.find((p) => p.id === id)?.fullName ?? null;
  return {
    request: { ...request, type },
    requester: names.find((p) => p.id === request.requesterId) ?? null,
    deciderName: nameOf(request.decidedBy),
    schoolName,
    files,
    approvers,
    own,
    canDecide: decider && !own && request.status === 'pending',
    canWithdraw: own && request.status === 'pending',
  };
}
export type OpenedRequest = Awaited<ReturnType<typeof openRequest>>;

export async function fileDownload(ctx: Ctx, reference: string, fileId: string) {
  if (!isUuid(fileId)) throw new NotFoundError();
  const { request } = await openRequest(ctx, reference);
  const [file] = await ctx.db
    .select()
    .from(requestFiles)
    .where(and(eq(requestFiles.trustId, request.trustId), eq(requestFiles.requestId, request.id), eq(requestFiles.id, fileId)));
  if (!file) throw new NotFoundError();
  return file;
}

/** The answer that names what was asked for ("Scratch"), for lists. */
export function requestTitle(type: string, answers: Answers): string {
  if (!isRequestType(type)) return '';
  const value = answers[requestType(type).titleField];
  const text = Array.isArray(value) ? value.join(', ') : (value ?? '');
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 80 ? `${line.slice(0, 79).trimEnd()}…` : line;
}

/** My requests, newest first. */
export async function myRequests(ctx: Ctx) {
  const me = personOf(ctx.actor);
  if (!me) return [];
  return ctx.db
    .select()
    .from(requests)
    .where(and(eq(requests.trustId, ctx.actor.trustId), eq(requests.requesterId, me)))
    .orderBy(desc(requests.createdAt));
}

export const listFilter = z.object({
  type: z
    .enum(REQUEST_TYPE_CODES as [RequestTypeCode, ...RequestTypeCode[]])
    .optional()
    .catch(undefined),
  status: z
    .enum(Object.keys(REQUEST_STATUSES) as [RequestStatus, ...RequestStatus[]])
    .optional()
    .catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).catch(1).default(1),
});
export type ListFilter = z.infer<typeof listFilter>;

/**
 * The approvers' list: requests waiting for this person's decision first (oldest first), then the
 * others they may see (their schools', or all for trust roles), newest first and paged.
 */
export async function requestList(ctx: Ctx, filter: ListFilter) {
  const actor = ctx.actor;
  authorize(actor, 'requests.list', { trustId: actor.trustId });
  const seen = schoolsFor(actor, 'requests.list');
  const where = and(
    eq(requests.trustId, actor.trustId),
    seen === 'all' ? undefined : seen.length ? inArray(requests.schoolId, seen) : sql`false`,
    filter.type ? eq(requests.type, filter.type) : undefined,
    filter.status ? eq(requests.status, filter.status) : undefined,
  ) as SQL;
  const found = await ctx.db
    .select({
      id: requests.id,
      reference: requests.reference,
      type: requests.type,
      status: requests.status,
      answers: requests.answers,
      schoolId: requests.schoolId,
      requesterId: requests.requesterId,
      requester: people.fullName,
      school: schools.name,
      createdAt: requests.createdAt,
      decidedAt: requests.decidedAt,
      expiresOn: requests.expiresOn,
    })
    .from(requests)
    .innerJoin(people, and(eq(people.trustId, requests.trustId), eq(people.id, requests.requesterId)))
    .leftJoin(schools, and(eq(schools.trustId, requests.trustId), eq(schools.id, requests.schoolId)))
    .where(where)
    .orderBy(asc(requests.createdAt));
  const me = personOf(actor);
  const isWaiting = (r: (typeof found)[number]) =>
    r.status === 'pending' && r.requesterId !== me && isRequestType(r.type) && mayDecide(actor, r.type, r.schoolId);
  const waiting = found.filter(isWaiting);
  const others = found.filter((r) => !isWaiting(r)).reverse();
  const page = Math.min(filter.page, Math.max(1, Math.ceil(others.length / PAGE_SIZE)));
  return { waiting, others: others.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE), total: others.length, page, filter };
}
export type RequestList = Awaited<ReturnType<typeof requestList>>;

// ---------------------------------------------------------------------------------------------
// Deciding and withdrawing

const decisionInput = z.object({
  decision: z.enum(['approve', 'refuse'], { error: 'Choose whether to approve or refuse the request' }),
  reason: textField(2000, 'The reason'),
  expiresOn: optionalDate('The end date'),
  dpiaDone: z.preprocess((v) => v === 'yes', z.boolean()),
  dpiaOn: optionalDate('The date of the DPIA'),
});

/**
 * Approves or refuses a pending request: only someone who may decide its type at its school, never
 * the person who asked. A refusal needs a reason (recorded for both). An exception may be approved
 * until a future date. Approving a cloud service puts it on the register in the same transaction.
 * The requester is emailed.
 */
export async function decideRequest(ctx: Ctx, reference: string, raw: Record<string, unknown>, now = new Date()) {
  const opened = await openRequest(ctx, reference);
  const { request, own } = opened;
  const spec = requestType(request.type);
  if (!mayDecide(ctx.actor, request.type, request.schoolId)) throw new ForbiddenError(`Only ${spec.approver.label.toLowerCase()} can decide this request`);
  if (own) throw new ForbiddenError('You cannot decide your own request: someone else who decides these requests must');
  const actor = ctx.actor as Extract<Actor, { type: 'person' }>;
  if (request.status !== 'pending')
    throw new ValidationError({ decision: `This request has already been decided: it is ${REQUEST_STATUSES[request.status].label.toLowerCase()}` });

  const today = londonToday(now);
  const parsed = decisionInput.safeParse(raw);
  const errors: FieldErrors = parsed.success ? {} : toFieldErrors(parsed.error);
  const input = parsed.data;
  const approve = input?.decision === 'approve';
  if (input?.decision === 'refuse' && !input.reason) errors.reason = 'Give the reason for refusing: the person who asked will see it';
  if (approve && input?.expiresOn) {
    if (!spec.expiry) errors.expiresOn = 'This kind of request has no end date: leave the date blank';
    else if (input.expiresOn <= today) errors.expiresOn = 'The end date must be in the future';
  }
  const cloud = request.type === 'cloud_service' && approve;
  if (cloud && input) {
    if (input.dpiaDone && !input.dpiaOn) errors.dpiaOn ??= 'Enter the date the DPIA was done';
    else if (input.dpiaDone && input.dpiaOn && input.dpiaOn > today) errors.dpiaOn = 'The date of the DPIA cannot be in the future';
    const existing = await findCloudServiceByName(ctx.db, request.trustId, String(request.answers.serviceName ?? ''));
    if (existing?.status === 'approved')
      errors.decision = `${existing.name} is already on the approved cloud services register: refuse this request, saying so, or withdraw the entry first`;
  }
  if (Object.keys(errors).length || !input) throw new ValidationError(errors);

  const status: RequestStatus = approve ? 'approved' : 'refused';
  const expiresOn = approve && spec.expiry ? (input.expiresOn ?? null) : null;
  const reason = input.reason ?? null;
  return transaction(ctx.db, async (tx) => {
    const [updated] = await tx
      .update(requests)
      .set({ status, decidedBy: actor.personId, decidedAt: now, reason, expiresOn })
      .where(and(eq(requests.trustId, request.trustId), eq(requests.id, request.id), eq(requests.status, 'pending')))
      .returning();
    if (!updated) throw new ValidationError({ decision: 'Someone else has just decided this request' });
    await recordEvent(tx, ctx, {
      action: 'request.decided',
      resourceType: 'request',
      resourceId: request.id,
      summary: `${request.reference} ${status} by ${actor.name}`,
      before: { status: 'pending' },
      after: { status, reason, expiresOn },
    });
    if (cloud) {
      const a = request.answers;
      const service = await reinstateOrAddFromRequest(tx, ctx, {
        name: String(a.serviceName ?? ''),
        supplier: String(a.supplier ?? ''),
        purpose: String(a.why ?? ''),
        dataCategories: Array.isArray(a.personalData) ? a.personalData.map(String) : [],
        dpiaDone: input.dpiaDone,
        dpiaOn: input.dpiaDone ? (input.dpiaOn ?? null) : null,
        approvedBy: actor.personId,
        approvedOn: today,
        reviewOn: addYears(today, 1),
        sourceRequestId: request.id,
        reference: request.reference,
      });
      if (!service) throw new Error('cloud service not stored');
    }
    const requester = opened.requester;
    if (requester)
      await queueEmail(tx, {
        trustId: request.trustId,
        to: requester.email,
        template: 'request-decided',
        dedupeKey: `request:${request.id}:decided`,
        ...requestDecidedEmail({
          orgName: await orgNameOf(tx, request.trustId, request.schoolId),
          name: requester.fullName,
          verb: spec.verb,
          reference: request.reference,
          approved: approve,
          decider: actor.name,
          reason,
          expiresOn,
          url: requestUrl(ctx.baseUrl, request.reference),
        }),
      });
    return updated;
  });
}

const withdrawInput = z.object({ reason: textField(1000, 'The reason') });

/** The person who asked withdraws a request still waiting for a decision (the reason is optional). */
export async function withdrawRequest(ctx: Ctx, reference: string, raw: Record<string, unknown>, now = new Date()) {
  const { request, own } = await openRequest(ctx, reference);
  if (!own) throw new ForbiddenError('Only the person who asked can withdraw a request');
  if (request.status !== 'pending') throw new ValidationError({ reason: 'Only a request waiting for a decision can be withdrawn' });
  const parsed = withdrawInput.safeParse(raw);
  if (!parsed.success) throw new ValidationError(toFieldErrors(parsed.error));
  const reason = parsed.data.reason ?? null;
  return transaction(ctx.db, async (tx) => {
    const [updated] = await tx
      .update(requests)
      .set({ status: 'withdrawn', decidedBy: personOf(ctx.actor), decidedAt: now, reason })
      .where(and(eq(requests.trustId, request.trustId), eq(requests.id, request.id), eq(requests.status, 'pending')))
      .returning();
    if (!updated) throw new ValidationError({ reason: 'This request has just been decided' });
    await recordEvent(tx, ctx, {
      action: 'request.withdrawn',
      resourceType: 'request',
      resourceId: request.id,
      summary: `${request.reference} withdrawn by the person who asked`,
      before: { status: 'pending' },
      after: { status: 'withdrawn', reason },
    });
    return updated;
  });
}
