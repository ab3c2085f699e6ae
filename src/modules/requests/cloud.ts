import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordEvent } from '../../audit/audit.ts';
import type { Ctx } from '../../context.ts';
import { type Db, transaction } from '../../db/client.ts';
import { type FieldErrors, NotFoundError, ValidationError } from '../../errors.ts';
import { londonToday } from '../../ui/format.ts';
import { isUuid, manyValues, optionalDate, requiredText, toFieldErrors } from '../../validation.ts';
import { actorId } from '../auth/actor.ts';
import { authorize, can } from '../auth/authorize.ts';
import { findTrustBySlug } from '../organisations/repository.ts';
import { people } from '../organisations/schema.ts';
import { cloudServices, requests } from './schema.ts';
import { DATA_CATEGORIES } from './types.ts';

/**
 * The approved cloud services register (003 §1.5.1): what staff may use, listed publicly for the
 * privacy notice. Entries come from approved cloud-service requests or are added by the DPO; they
 * are withdrawn with a reason, never deleted.
 */
export type CloudServiceRow = typeof cloudServices.$inferSelect;

/** The same date n years on (29 February becomes 28 February). */
export function addYears(isoDate: string, years: number): string {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y + years, m - 1, d));
  if (date.getUTCMonth() !== m - 1) date.setUTCDate(0);
  return date.toISOString().slice(0, 10);
}

/** A register entry by name, whatever its case ("zoom" is "Zoom"). */
export async function findCloudServiceByName(db: Db, trustId: string, name: string): Promise<CloudServiceRow | null> {
  const [row] = await db
    .select()
    .from(cloudServices)
    .where(and(eq(cloudServices.trustId, trustId), sql`lower(${cloudServices.name}) = lower(${name.trim()})`))
    .limit(1);
  return row ?? null;
}

type NewEntry = Pick<
  CloudServiceRow,
  'name' | 'supplier' | 'purpose' | 'dataCategories' | 'dpiaDone' | 'dpiaOn' | 'approvedBy' | 'approvedOn' | 'reviewOn' | 'sourceRequestId'
>;

/**
 * Puts an approved request's service on the register, in the deciding transaction: a new entry,
 * or a withdrawn one of the same name approved again with the new details.
 */
export async function reinstateOrAddFromRequest(tx: Db, ctx: Ctx, entry: NewEntry & { reference: string }) {
  const { reference, ...values } = entry;
  const existing = await findCloudServiceByName(tx, ctx.actor.trustId, values.name);
  if (existing) {
    const [row] = await tx
      .update(cloudServices)
      .set({ ...values, name: existing.name, status: 'approved', withdrawnReason: null, updatedAt: new Date() })
      .where(and(eq(cloudServices.trustId, existing.trustId), eq(cloudServices.id, existing.id), eq(cloudServices.status, 'withdrawn')))
      .returning();
    if (!row) throw new ValidationError({ decision: `${existing.name} is already on the approved cloud services register` });
    await recordEvent(tx, ctx, {
      action: 'cloud_service.updated',
      resourceType: 'cloud_service',
      resourceId: row.id,
      summary: `${row.name} approved again on ${reference}`,
      before: existing,
      after: row,
    });
    return row;
  }
  const [row] = await tx
    .insert(cloudServices)
    .values({ trustId: ctx.actor.trustId, ...values })
    .returning();
  if (row)
    await recordEvent(tx, ctx, {
      action: 'cloud_service.added',
      resourceType: 'cloud_service',
      resourceId: row.id,
      summary: `${row.name} added to the cloud services register on ${reference}`,
      after: row,
    });
  return row;
}

const CATEGORY_VALUES = DATA_CATEGORIES.map((c) => c.value);

export const cloudInput = z
  .object({
    name: requiredText(200, 'Enter the name of the service', 'The name'),
    supplier: requiredText(200, 'Enter the supplier', 'The supplier'),
    purpose: requiredText(2000, 'Say what the service is used for', 'The purpose'),
    dataCategories: manyValues.pipe(
      z.array(z.string().refine((v) => CATEGORY_VALUES.includes(v), 'Select from the list')).min(1, 'Select the personal data it holds, or “No personal data”'),
    ),
    dpiaDone: z.preprocess((v) => v === 'yes', z.boolean()),
    dpiaOn: optionalDate('The date of the DPIA'),
    reviewOn: optionalDate('The review date'),
  })
  .transform((v) => ({ ...v, dataCategories: [...new Set(v.dataCategories)] }));

function checkEntry(raw: Record<string, unknown>, today: string) {
  const parsed = cloudInput.safeParse(raw);
  const errors: FieldErrors = parsed.success ? {} : toFieldErrors(parsed.error);
  // The dates are checked against each other and today even when another field is wrong.
  const date = (name: 'dpiaOn' | 'reviewOn') => cloudInput.in.shape[name].safeParse(raw[name]).data as string | undefined;
  const dpiaDone = raw.dpiaDone === 'yes';
  const dpiaOn = date('dpiaOn');
  const reviewOn = date('reviewOn');
  if (dpiaDone && !dpiaOn) errors.dpiaOn ??= 'Enter the date the DPIA was done';
  if (dpiaOn && dpiaOn > today) errors.dpiaOn = 'The date of the DPIA cannot be in the future';
  if (!reviewOn) errors.reviewOn ??= 'Enter the next review date';
  else if (reviewOn <= today) errors.reviewOn = 'The review date must be in the future';
  return { v: parsed.data, errors };
}

export const CLOUD_FIELDS = ['name', 'supplier', 'purpose', 'dataCategories', 'dpiaDone', 'dpiaOn', 'reviewOn'];
const ordered = (errors: FieldErrors) =>
  Object.fromEntries(Object.entries(errors).sort(([a], [b]) => CLOUD_FIELDS.indexOf(a) - CLOUD_FIELDS.indexOf(b))) as FieldErrors;

export const cloudStatusFilter = z.object({ status: z.enum(['approved', 'withdrawn', 'all']).catch('approved').default('approved') });

/** The register for staff: the approved services (or the withdrawn ones, or all), by name. */
export async function listCloudServices(ctx: Ctx, filter: z.infer<typeof cloudStatusFilter>) {
  authorize(ctx.actor, 'cloudServices.view', { trustId: ctx.actor.trustId });
  const rows = await ctx.db
    .select()
    .from(cloudServices)
    .where(and(eq(cloudServices.trustId, ctx.actor.trustId), filter.status === 'all' ? undefined : eq(cloudServices.status, filter.status)))
    .orderBy(asc(sql`lower(${cloudServices.name})`));
  return { rows, filter, canManage: can(ctx.actor, 'cloudServices.manage', { trustId: ctx.actor.trustId }) };
}

/** One entry with who approved it and the request it came from. */
export async function cloudServiceRecord(ctx: Ctx, id: string) {
  authorize(ctx.actor, 'cloudServices.view', { trustId: ctx.actor.trustId });
  if (!isUuid(id)) throw new NotFoundError();
  const [service] = await ctx.db
    .select()
    .from(cloudServices)
    .where(and(eq(cloudServices.trustId, ctx.actor.trustId), eq(cloudServices.id, id)));
  if (!service) throw new NotFoundError();
  const [approver] = service.approvedBy
    ? await ctx.db
        .select({ fullName: people.fullName })
        .from(people)
        .where(and(eq(people.trustId, service.trustId), eq(people.id, service.approvedBy)))
    : [];
  const [source] = service.sourceRequestId
    ? await ctx.db
        .select({ reference: requests.reference })
        .from(requests)
        .where(and(eq(requests.trustId, service.trustId), eq(requests.id, service.sourceRequestId)))
    : [];
  return {
    service,
    approverName: approver?.fullName ?? null,
    sourceReference: source?.reference ?? null,
    canManage: can(ctx.actor, 'cloudServices.manage', { trustId: ctx.actor.trustId }),
  };
}

/** The DPO (or a trust administrator) adds a service vetted outside a request. */
export async function addCloudService(ctx: Ctx, raw: Record<string, unknown>, today = londonToday()) {
  authorize(ctx.actor, 'cloudServices.manage', { trustId: ctx.actor.trustId });
  const { v, errors } = checkEntry(raw, today);
  if (v && !errors.name && (await findCloudServiceByName(ctx.db, ctx.actor.trustId, v.name)))
    errors.name = `${v.name} is already on the register: open it there to change or approve it again`;
  if (Object.keys(errors).length || !v) throw new ValidationError(ordered(errors));
  return transaction(ctx.db, async (tx) => {
    const [row] = await tx
      .insert(cloudServices)
      .values({
        trustId: ctx.actor.trustId,
        name: v.name,
        supplier: v.supplier,
        purpose: v.purpose,
        dataCategories: v.dataCategories,
        dpiaDone: v.dpiaDone,
        dpiaOn: v.dpiaDone ? (v.dpiaOn ?? null) : null,
        approvedBy: actorId(ctx.actor),
        approvedOn: today,
        reviewOn: v.reviewOn as string,
      })
      .returning();
    if (!row) throw new Error('cloud service not stored');
    await recordEvent(tx, ctx, {
      action: 'cloud_service.added',
      resourceType: 'cloud_service',
      resourceId: row.id,
      summary: `${row.name} added to the cloud services register`,
      after: row,
    });
    return row;
  });
}

/** Changes an entry's details, DPIA and review date. A withdrawn entry is approved again only through a request or by adding it. */
export async function updateCloudService(ctx: Ctx, id: string, raw: Record<string, unknown>, today = londonToday()) {
  authorize(ctx.actor, 'cloudServices.manage', { trustId: ctx.actor.trustId });
  const { service } = await cloudServiceRecord(ctx, id);
  if (service.status !== 'approved') throw new ValidationError({ name: 'This service has been withdrawn: it can no longer be changed' });
  const { v, errors } = checkEntry(raw, today);
  if (v && !errors.name) {
    const same = await findCloudServiceByName(ctx.db, ctx.actor.trustId, v.name);
    if (same && same.id !== service.id) errors.name = `${same.name} is already on the register`;
  }
  if (Object.keys(errors).length || !v) throw new ValidationError(ordered(errors));
  return transaction(ctx.db, async (tx) => {
    const [row] = await tx
      .update(cloudServices)
      .set({
        name: v.name,
        supplier: v.supplier,
        purpose: v.purpose,
        dataCategories: v.dataCategories,
        dpiaDone: v.dpiaDone,
        dpiaOn: v.dpiaDone ? (v.dpiaOn ?? null) : null,
        reviewOn: v.reviewOn as string,
        updatedAt: new Date(),
      })
      .where(and(eq(cloudServices.trustId, service.trustId), eq(cloudServices.id, service.id)))
      .returning();
    if (!row) throw new NotFoundError();
    await recordEvent(tx, ctx, {
      action: 'cloud_service.updated',
      resourceType: 'cloud_service',
      resourceId: row.id,
      summary: `${row.name} changed in the cloud services register`,
      before: service,
      after: row,
    });
    return row;
  });
}

const withdrawInput = z.object({ reason: requiredText(1000, 'Give the reason for withdrawing the service', 'The reason') });

/** Takes a service off the approved list, with the reason; the entry stays as a record. */
export async function withdrawCloudService(ctx: Ctx, id: string, raw: Record<string, unknown>) {
  authorize(ctx.actor, 'cloudServices.manage', { trustId: ctx.actor.trustId });
  const { service } = await cloudServiceRecord(ctx, id);
  if (service.status !== 'approved') throw new ValidationError({ reason: 'This service has already been withdrawn' });
  const parsed = withdrawInput.safeParse(raw);
  if (!parsed.success) throw new ValidationError(toFieldErrors(parsed.error));
  return transaction(ctx.db, async (tx) => {
    const [row] = await tx
      .update(cloudServices)
      .set({ status: 'withdrawn', withdrawnReason: parsed.data.reason, updatedAt: new Date() })
      .where(and(eq(cloudServices.trustId, service.trustId), eq(cloudServices.id, service.id), eq(cloudServices.status, 'approved')))
      .returning();
    if (!row) throw new ValidationError({ reason: 'This service has already been withdrawn' });
    await recordEvent(tx, ctx, {
      action: 'cloud_service.updated',
      resourceType: 'cloud_service',
      resourceId: row.id,
      summary: `${row.name} withdrawn from the cloud services register`,
      before: { status: 'approved' },
      after: { status: 'withdrawn', withdrawnReason: row.withdrawnReason },
    });
    return row;
  });
}

/** The public list for the privacy notice: approved services only, and nothing about who approved them. */
export async function publicCloudServices(db: Db, slug: string) {
  const trust = await findTrustBySlug(db, slug);
  if (!trust) throw new NotFoundError();
  const rows = await db
    .select({ name: cloudServices.name, supplier: cloudServices.supplier, purpose: cloudServices.purpose, dataCategories: cloudServices.dataCategories })
    .from(cloudServices)
    .where(and(eq(cloudServices.trustId, trust.id), eq(cloudServices.status, 'approved')))
    .orderBy(asc(sql`lower(${cloudServices.name})`));
  return { trustName: trust.name, rows };
}

/** The add and change pages are for those who manage the register. */
export function assertManage(ctx: Ctx) {
  authorize(ctx.actor, 'cloudServices.manage', { trustId: ctx.actor.trustId });
}
