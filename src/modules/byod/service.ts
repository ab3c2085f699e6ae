import { and, asc, desc, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import { recordEvent } from '../../audit/audit.ts';
import type { Ctx } from '../../context.ts';
import { type Db, transaction } from '../../db/client.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../../errors.ts';
import { londonToday, plural } from '../../ui/format.ts';
import { isUuid, toFieldErrors } from '../../validation.ts';
import { authorize, can, schoolsFor } from '../auth/authorize.ts';
import { queueEmail } from '../notifications/service.ts';
import { findTrust, listSchools, personSchoolIds } from '../organisations/repository.ts';
import { people, personSchools, roleAssignments } from '../organisations/schema.ts';
import { addDays, daysBetween } from '../policies/reviews/service.ts';
import { addMonths } from '../policies/service.ts';
import { trustSettings } from '../settings/trust-settings.ts';
import { awaitingApprovalEmail, decisionEmail } from './emails.tsx';
import { BYOD_TYPES, byodAttestations, byodDevices, CLOSE_REASONS } from './schema.ts';
import { type Answers, decisionInput, parseAnswers, parseClose, parseDevice, type RulesSnapshot, rulesSnapshot } from './validation.ts';

export type DeviceRow = typeof byodDevices.$inferSelect;
export type AttestationRow = typeof byodAttestations.$inferSelect;

/** Devices whose approval ends within this many days are "expiring": reminders start, IT's list and the person's home page show them. */
export const RENEW_WINDOW_DAYS = 30;

/** "Apple iPhone 15", or the type when nothing else was given. */
export const deviceName = (d: Pick<DeviceRow, 'make' | 'model' | 'type'>) => [d.make, d.model].filter(Boolean).join(' ') || BYOD_TYPES[d.type];

/** How long an approval has left, in plain words. The approval holds up to and including its expiry date. */
export function expiryCountdown(expiresOn: string, today: string): string {
  const days = daysBetween(today, expiresOn);
  if (days === 0) return 'renew today';
  return days > 0 ? `renew in ${plural(days, 'day')}` : `expired ${plural(-days, 'day')} ago`;
}

const personId = (ctx: Ctx) => (ctx.actor.type === 'person' ? ctx.actor.personId : null);

/** The newest attestation of each device, for many devices at once (by device id). */
export async function latestAttestations(db: Db, trustId: string | null, deviceIds?: string[]): Promise<Map<string, AttestationRow>> {
  if (deviceIds && deviceIds.length === 0) return new Map();
  const rows = await db
    .selectDistinctOn([byodAttestations.trustId, byodAttestations.deviceId])
    .from(byodAttestations)
    .where(and(trustId ? eq(byodAttestations.trustId, trustId) : undefined, deviceIds ? inArray(byodAttestations.deviceId, deviceIds) : undefined))
    .orderBy(byodAttestations.trustId, byodAttestations.deviceId, desc(byodAttestations.attestedAt), desc(byodAttestations.id));
  return new Map(rows.map((r) => [r.deviceId, r]));
}

/** The school (or the trust) named in emails about a person's device: their first school, else the trust. */
export async function orgNameFor(db: Db, trustId: string, schoolIds: string[]): Promise<string> {
  if (schoolIds.length) {
    const schools = await listSchools(db, trustId);
    const named = schools.find((s) => schoolIds.includes(s.id));
    if (named) return named.name;
  }
  return (await findTrust(db, trustId))?.name ?? 'Countersign';
}

/**
 * Who decides on a person's device: IT services of the person's schools; where none is set up
 * (or the person belongs to no school), the trust's IT services. Never the person themselves.
 */
export async function itReviewers(db: Db, trustId: string, ownerId: string, schoolIds: string[], today: string) {
  const holders = await db
    .select({ personId: people.id, name: people.fullName, email: people.email, schoolId: roleAssignments.schoolId })
    .from(roleAssignments)
    .innerJoin(people, and(eq(people.trustId, roleAssignments.trustId), eq(people.id, roleAssignments.personId)))
    .where(
      and(
        eq(roleAssignments.trustId, trustId),
        eq(roleAssignments.role, 'it_services'),
        isNull(roleAssignments.revokedAt),
        ne(people.id, ownerId),
        sql`(${people.endDate} is null or ${people.endDate} >= ${today})`,
      ),
    )
    .orderBy(asc(people.fullName));
  const unique = (list: typeof holders) => [...new Map(list.map((h) => [h.personId, { personId: h.personId, name: h.name, email: h.email }])).values()];
  const atSchool = unique(holders.filter((h) => h.schoolId && schoolIds.includes(h.schoolId)));
  return atSchool.length ? atSchool : unique(holders.filter((h) => h.schoolId === null));
}

type Loaded = {
  device: DeviceRow;
  owner: { id: string; fullName: string; email: string };
  schoolIds: string[];
  /** The signed-in person owns it. */
  mine: boolean;
  /** The actor is IT services for the owner (of one of their schools, or of the trust). */
  reviewer: boolean;
};

/**
 * A device as the actor may see it: its owner, and IT services of the owner's schools or of the
 * trust. Anyone else, and another trust, gets "not found".
 */
async function loadDevice(db: Db, ctx: Ctx, id: string, lock = false): Promise<Loaded> {
  const trustId = ctx.actor.trustId;
  if (!isUuid(id)) throw new NotFoundError();
  const query = db
    .select({ device: byodDevices, owner: { id: people.id, fullName: people.fullName, email: people.email } })
    .from(byodDevices)
    .innerJoin(people, and(eq(people.trustId, byodDevices.trustId), eq(people.id, byodDevices.personId)))
    .where(and(eq(byodDevices.trustId, trustId), eq(byodDevices.id, id)));
  const [row] = lock ? await query.for('update', { of: byodDevices }) : await query;
  if (!row) throw new NotFoundError();
  const schoolIds = await personSchoolIds(db, trustId, row.device.personId);
  const mine = personId(ctx) === row.device.personId;
  const reviewer = can(ctx.actor, 'byod.review', { trustId, schoolIds });
  if (!mine && !reviewer) throw new NotFoundError();
  return { ...row, schoolIds, mine, reviewer };
}

async function notifyIt(tx: Db, ctx: Ctx, loaded: Pick<Loaded, 'device' | 'owner' | 'schoolIds'>, attestation: AttestationRow, renewal: boolean) {
  const { device, owner, schoolIds } = loaded;
  const [reviewers, orgName] = await Promise.all([
    itReviewers(tx, device.trustId, device.personId, schoolIds, londonToday(attestation.attestedAt)),
    orgNameFor(tx, device.trustId, schoolIds),
  ]);
  for (const r of reviewers)
    await queueEmail(tx, {
      trustId: device.trustId,
      to: r.email,
      template: 'byod-awaiting-approval',
      dedupeKey: `byod:${attestation.id}:review:${r.personId}`,
      ...awaitingApprovalEmail({
        name: r.name,
        orgName,
        ownerName: owner.fullName,
        device: deviceName(device),
        renewal,
        url: `${ctx.baseUrl}/devices/${device.id}`,
      }),
    });
  return reviewers.length;
}

// ---------------------------------------------------------------------------------------------
// The person's pages

/** The signed-in person's personal devices, newest first, each with its latest attestation. */
export async function myDevices(ctx: Ctx) {
  authorize(ctx.actor, 'byod.register', { trustId: ctx.actor.trustId });
  const me = personId(ctx);
  if (!me) return [];
  const devices = await ctx.db
    .select()
    .from(byodDevices)
    .where(and(eq(byodDevices.trustId, ctx.actor.trustId), eq(byodDevices.personId, me)))
    .orderBy(sql`${byodDevices.status} = 'closed'`, desc(byodDevices.registeredAt));
  const latest = await latestAttestations(
    ctx.db,
    ctx.actor.trustId,
    devices.map((d) => d.id),
  );
  return devices.map((device) => ({ device, attestation: latest.get(device.id) ?? null }));
}

/** The registration form's rules: the trust's as they are now. */
export async function currentRules(ctx: Ctx): Promise<RulesSnapshot> {
  authorize(ctx.actor, 'byod.register', { trustId: ctx.actor.trustId });
  return rulesSnapshot(await trustSettings(ctx.db, ctx.actor.trustId));
}

/**
 * Registers a personal device with the person's attestation to the trust's rules as they are now.
 * The device waits for IT services (emailed), and the attestation lasts the trust's period from
 * today. Bad answers (a passcode shorter than the rule) save nothing.
 */
export async function registerDevice(ctx: Ctx, raw: Record<string, unknown>, now = new Date()) {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'byod.register', { trustId });
  const me = personId(ctx);
  if (!me) throw new ForbiddenError('Only a member of staff can register their own device');
  const settings = await trustSettings(ctx.db, trustId);
  const device = parseDevice(raw);
  const attested = parseAnswers(raw, settings);
  const errors = { ...device.errors, ...attested.errors };
  if (Object.keys(errors).length || !device.device || !attested.answers) throw new ValidationError(errors);
  const input = device.device;
  const answers = attested.answers;
  const rules = rulesSnapshot(settings);
  const today = londonToday(now);
  return transaction(ctx.db, async (tx) => {
    const [created] = await tx
      .insert(byodDevices)
      .values({ trustId, personId: me, type: input.type, make: input.make, model: input.model ?? null, os: input.os, uses: input.uses, registeredAt: now })
      .returning();
    const d = created as DeviceRow;
    const attestation = await insertAttestation(tx, d, rules, answers, now, today);
    const [owner] = await tx
      .select({ id: people.id, fullName: people.fullName, email: people.email })
      .from(people)
      .where(and(eq(people.trustId, trustId), eq(people.id, me)));
    const schoolIds = await personSchoolIds(tx, trustId, me);
    const told = await notifyIt(tx, ctx, { device: d, owner: owner as Loaded['owner'], schoolIds }, attestation, false);
    await recordEvent(tx, ctx, {
      action: 'byod.registered',
      resourceType: 'byod_device',
      resourceId: d.id,
      summary: `Registered personal device ${deviceName(d)} (${BYOD_TYPES[d.type]}): waiting for IT services (${plural(told, 'person', 'people')} told)`,
      after: { device: { type: d.type, make: d.make, model: d.model, os: d.os, uses: d.uses }, answers, expiresOn: attestation.expiresOn },
    });
    return { device: d, attestation };
  });
}

async function insertAttestation(tx: Db, device: DeviceRow, rules: RulesSnapshot, answers: Answers, now: Date, today: string) {
  const [attestation] = await tx
    .insert(byodAttestations)
    .values({ trustId: device.trustId, deviceId: device.id, rules, answers, attestedAt: now, expiresOn: addMonths(today, rules.attestationMonths) })
    .returning();
  return attestation as AttestationRow;
}

/** One device, for its owner or IT: the facts, every attestation (newest first) with who decided. */
export async function deviceRecord(ctx: Ctx, id: string) {
  const loaded = await loadDevice(ctx.db, ctx, id);
  const attestations = await ctx.db
    .select({ attestation: byodAttestations, decidedByName: people.fullName })
    .from(byodAttestations)
    .leftJoin(people, and(eq(people.trustId, byodAttestations.trustId), eq(people.id, byodAttestations.decidedBy)))
    .where(and(eq(byodAttestations.trustId, loaded.device.trustId), eq(byodAttestations.deviceId, loaded.device.id)))
    .orderBy(desc(byodAttestations.attestedAt), desc(byodAttestations.id));
  const latest = attestations[0]?.attestation ?? null;
  const { device, mine, reviewer } = loaded;
  return {
    ...loaded,
    attestations,
    latest,
    canDecide: reviewer && !mine && device.status === 'pending' && !!latest && !latest.decision,
    canRenew: mine && (['approved', 'expired', 'refused'] as const).some((s) => s === device.status),
    canClose: mine && device.status !== 'closed',
  };
}

/** For the renew and close forms: the device, only for its owner. */
export async function ownDevice(ctx: Ctx, id: string) {
  const loaded = await loadDevice(ctx.db, ctx, id);
  if (!loaded.mine) throw new ForbiddenError('Only the owner of a device can do that');
  return loaded;
}

/**
 * A new attestation against the trust's rules as they are now: the device goes back to IT
 * services for approval, and the new attestation's period starts today.
 */
export async function renewDevice(ctx: Ctx, id: string, raw: Record<string, unknown>, now = new Date()) {
  const settings = await trustSettings(ctx.db, ctx.actor.trustId);
  await ownDevice(ctx, id);
  const attested = parseAnswers(raw, settings);
  if (!attested.answers) throw new ValidationError(attested.errors);
  const answers = attested.answers;
  const rules = rulesSnapshot(settings);
  return transaction(ctx.db, async (tx) => {
    const loaded = await loadDevice(tx, ctx, id, true);
    const { device } = loaded;
    if (!(['approved', 'expired', 'refused'] as const).some((s) => s === device.status))
      throw new ValidationError({
        form: device.status === 'pending' ? 'This device is already waiting for IT services' : 'This registration is closed: register the device again',
      });
    const attestation = await insertAttestation(tx, device, rules, answers, now, londonToday(now));
    await tx
      .update(byodDevices)
      .set({ status: 'pending' })
      .where(and(eq(byodDevices.trustId, device.trustId), eq(byodDevices.id, device.id)));
    await notifyIt(tx, ctx, loaded, attestation, true);
    await recordEvent(tx, ctx, {
      action: 'byod.renewed',
      resourceType: 'byod_device',
      resourceId: device.id,
      summary: `Renewed the rules for personal device ${deviceName(device)}: waiting for IT services`,
      before: { status: device.status },
      after: { status: 'pending', answers, expiresOn: attestation.expiresOn },
    });
    return { device, attestation };
  });
}

/**
 * IT services approve or refuse the device's latest attestation (a refusal needs the reason). Only
 * IT of the owner's schools or of the trust can, and never on their own device. The person is emailed.
 */
export async function decideDevice(ctx: Ctx, id: string, raw: Record<string, unknown>, now = new Date()) {
  const first = await loadDevice(ctx.db, ctx, id);
  if (!first.reviewer) throw new ForbiddenError();
  if (first.mine) throw new ForbiddenError('Someone else in IT services must decide on your own device');
  const parsed = decisionInput.safeParse(raw);
  if (!parsed.success) throw new ValidationError(toFieldErrors(parsed.error));
  const { decision, reason } = parsed.data;
  return transaction(ctx.db, async (tx) => {
    const loaded = await loadDevice(tx, ctx, id, true);
    const { device, owner } = loaded;
    const latest = (await latestAttestations(tx, device.trustId, [device.id])).get(device.id);
    if (device.status !== 'pending' || !latest || latest.decision) throw new ValidationError({ form: 'This device is not waiting for a decision' });
    await tx
      .update(byodAttestations)
      .set({ decision, decidedBy: personId(ctx), decidedAt: now, reason: reason ?? null })
      .where(and(eq(byodAttestations.trustId, latest.trustId), eq(byodAttestations.id, latest.id)));
    await tx
      .update(byodDevices)
      .set({ status: decision })
      .where(and(eq(byodDevices.trustId, device.trustId), eq(byodDevices.id, device.id)));
    await queueEmail(tx, {
      trustId: device.trustId,
      to: owner.email,
      template: 'byod-decision',
      dedupeKey: `byod:${latest.id}:decision`,
      ...decisionEmail({
        name: owner.fullName,
        orgName: await orgNameFor(tx, device.trustId, loaded.schoolIds),
        device: deviceName(device),
        decision,
        reason: reason ?? null,
        expiresOn: latest.expiresOn,
        url: `${ctx.baseUrl}/devices/${device.id}`,
      }),
    });
    await recordEvent(tx, ctx, {
      action: 'byod.decided',
      resourceType: 'byod_device',
      resourceId: device.id,
      summary: `${decision === 'approved' ? 'Approved' : 'Refused'} ${owner.fullName}'s personal device ${deviceName(device)}`,
      before: { status: device.status },
      after: { status: decision, attestationId: latest.id, reason: reason ?? null },
    });
    return { device: { ...device, status: decision }, decision };
  });
}

/**
 * The owner closes the registration, saying why and confirming what the rules ask for that reason:
 * sold, wiped and accounts removed (003 §8.6.6); lost, password changed and IT told (003 §8.6.5).
 */
export async function closeDevice(ctx: Ctx, id: string, raw: Record<string, unknown>, now = new Date()) {
  await ownDevice(ctx, id);
  const parsed = parseClose(raw);
  if (!parsed.reason || !parsed.confirmations) throw new ValidationError(parsed.errors);
  const { reason, confirmations } = parsed;
  return transaction(ctx.db, async (tx) => {
    const { device } = await loadDevice(tx, ctx, id, true);
    if (device.status === 'closed') throw new ValidationError({ form: 'This registration is already closed' });
    const closeConfirmation = { confirmed: confirmations, confirmedAt: now.toISOString() };
    await tx
      .update(byodDevices)
      .set({ status: 'closed', closedAt: now, closeReason: reason, closeConfirmation })
      .where(and(eq(byodDevices.trustId, device.trustId), eq(byodDevices.id, device.id)));
    await recordEvent(tx, ctx, {
      action: 'byod.closed',
      resourceType: 'byod_device',
      resourceId: device.id,
      summary: `Closed the registration of personal device ${deviceName(device)}: ${CLOSE_REASONS[reason].toLowerCase()}`,
      before: { status: device.status },
      after: { status: 'closed', closeReason: reason, closeConfirmation },
    });
    return { device: { ...device, status: 'closed' as const, closeReason: reason } };
  });
}

// ---------------------------------------------------------------------------------------------
// IT services

export type ReviewRow = { device: DeviceRow; ownerName: string; attestation: AttestationRow | null };

/**
 * IT's list: devices waiting for approval (oldest first), approved ones whose approval ends in the
 * next 30 days, and those whose approval has run out. Only the owners IT may decide on.
 */
export async function reviewQueue(ctx: Ctx, today = londonToday()) {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'byod.review', { trustId });
  const visible = schoolsFor(ctx.actor, 'byod.review');
  const rows = await ctx.db
    .select({ device: byodDevices, ownerName: people.fullName })
    .from(byodDevices)
    .innerJoin(people, and(eq(people.trustId, byodDevices.trustId), eq(people.id, byodDevices.personId)))
    .where(and(eq(byodDevices.trustId, trustId), inArray(byodDevices.status, ['pending', 'approved', 'expired'])))
    .orderBy(asc(byodDevices.registeredAt));
  const ownerIds = [...new Set(rows.map((r) => r.device.personId))];
  const memberships = ownerIds.length
    ? await ctx.db
        .select()
        .from(personSchools)
        .where(and(eq(personSchools.trustId, trustId), inArray(personSchools.personId, ownerIds)))
    : [];
  const seen = (ownerId: string) => visible === 'all' || memberships.some((m) => m.personId === ownerId && visible.includes(m.schoolId));
  const mine = rows.filter((r) => seen(r.device.personId));
  const latest = await latestAttestations(
    ctx.db,
    trustId,
    mine.map((r) => r.device.id),
  );
  const list: ReviewRow[] = mine.map((r) => ({ ...r, attestation: latest.get(r.device.id) ?? null }));
  const horizon = addDays(today, RENEW_WINDOW_DAYS);
  const expiresOn = (r: ReviewRow) => r.attestation?.expiresOn ?? '';
  return {
    waiting: list.filter((r) => r.device.status === 'pending'),
    expiring: list.filter((r) => r.device.status === 'approved' && expiresOn(r) <= horizon).sort((a, b) => expiresOn(a).localeCompare(expiresOn(b))),
    expired: list.filter((r) => r.device.status === 'expired').sort((a, b) => expiresOn(a).localeCompare(expiresOn(b))),
    approvedCount: list.filter((r) => r.device.status === 'approved').length,
  };
}
