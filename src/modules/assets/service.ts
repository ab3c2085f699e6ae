import { and, asc, count, desc, eq, ilike, inArray, isNull, ne, or, type SQL, sql } from 'drizzle-orm';
import { recordEvent } from '../../audit/audit.ts';
import type { Ctx } from '../../context.ts';
import { type Db, transaction } from '../../db/client.ts';
import { type FieldErrors, NotFoundError, ValidationError } from '../../errors.ts';
import { formatDate, londonToday } from '../../ui/format.ts';
import { parseOrThrow } from '../../validation.ts';
import { type Actor, actorLabel } from '../auth/actor.ts';
import { type Action, authorize, can, type Resource, schoolsFor } from '../auth/authorize.ts';
import { listSchools } from '../organisations/repository.ts';
import { schools } from '../organisations/schema.ts';
import { ASSET_STATUSES, type AssetStatus, type AssetType, assetDisposals, assetEvents, assets } from './schema.ts';
import {
  type AssetListQuery,
  assetInput,
  disposeInput,
  MANUAL_STATUSES,
  type ManualStatus,
  serialProblem,
  statusInput,
  statusLabel,
  tagProblem,
  typeLabel,
} from './validation.ts';

/*
 * The asset register (PRODUCT.md §7). Every change goes through this file: it checks who may make
 * it, keeps tags and serial numbers unique in the trust, moves the status only along the allowed
 * paths, and writes an asset event (the record's history) and an audit event in the same
 * transaction. "On loan" is set and cleared only by the loans code, through setLoanStatus().
 */

export type AssetRow = typeof assets.$inferSelect;
export type AssetEventRow = typeof assetEvents.$inferSelect;
export type DisposalRow = typeof assetDisposals.$inferSelect;

/** Rows a page of the register shows. */
export const PAGE_SIZE = 25;
/** The most rows one CSV export holds. */
export const EXPORT_LIMIT = 50_000;

/** The asset's school, for `authorize`: a trust-wide device (no school) is for trust roles only. */
export const assetResource = (a: Pick<AssetRow, 'trustId' | 'schoolId'>): Resource => ({ trustId: a.trustId, schoolIds: a.schoolId ? [a.schoolId] : [] });

/** "Dell Latitude 5440", or the type when make and model are not recorded. */
export const assetName = (a: Pick<AssetRow, 'make' | 'model' | 'type'>) => [a.make, a.model].filter(Boolean).join(' ') || typeLabel(a.type);

const sameText = (column: SQL | typeof assets.tag | typeof assets.serial, value: string) => sql`lower(${column}) = lower(${value})`;

/** Serialises changes to one trust's register, so two writers cannot both take a free tag. */
export async function lockRegister(tx: Db, trustId: string) {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`assets:${trustId}`}))`);
}

const actorPersonId = (actor: Actor) => (actor.type === 'person' ? actor.personId : null);

// ---------------------------------------------------------------------------------------------
// History

/**
 * Adds an entry to an asset's history, in the caller's transaction. For the loans code too:
 * kinds it uses are its own ('lent', 'returned', 'return_requested'…); the text is what the
 * record page shows.
 */
export async function assetEvent(tx: Db, ctx: Pick<Ctx, 'actor'>, assetId: string, kind: string, text: string, data?: Record<string, unknown>) {
  await tx.insert(assetEvents).values({
    trustId: ctx.actor.trustId,
    assetId,
    actorId: actorPersonId(ctx.actor),
    actorName: actorLabel(ctx.actor),
    kind,
    text,
    data: data ?? null,
  });
}

export async function assetHistory(db: Db, trustId: string, assetId: string): Promise<AssetEventRow[]> {
  return db
    .select()
    .from(assetEvents)
    .where(and(eq(assetEvents.trustId, trustId), eq(assetEvents.assetId, assetId)))
    .orderBy(desc(assetEvents.at), desc(assetEvents.id));
}

// ---------------------------------------------------------------------------------------------
// Reading

/** One asset by its tag (any capitals), if the actor may do `action` to it. Another trust's → not found. */
export async function findAssetByTag(ctx: Ctx, tag: string, action: Action = 'assets.view', db: Db = ctx.db): Promise<AssetRow> {
  const trustId = ctx.actor.trustId;
  const [row] = await db
    .select()
    .from(assets)
    .where(and(eq(assets.trustId, trustId), sameText(assets.tag, tag.trim())))
    .limit(1);
  if (!row) throw new NotFoundError('There is no asset with this tag');
  authorize(ctx.actor, action, assetResource(row));
  return row;
}

/** The asset, locked for the rest of the transaction. */
async function lockAsset(tx: Db, trustId: string, assetId: string): Promise<AssetRow> {
  const [row] = await tx
    .select()
    .from(assets)
    .where(and(eq(assets.trustId, trustId), eq(assets.id, assetId)))
    .for('update');
  if (!row) throw new NotFoundError('There is no such asset');
  return row;
}

/** The SQL condition for the assets an actor may see: all the trust's, or their schools' (not the trust-wide stock). */
export function visibleAssetsWhere(actor: Actor, action: Action = 'assets.view'): SQL {
  const seen = schoolsFor(actor, action);
  if (seen === 'all') return eq(assets.trustId, actor.trustId);
  return and(eq(assets.trustId, actor.trustId), seen.length ? inArray(assets.schoolId, seen) : sql`false`) as SQL;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function listWhere(actor: Actor, q: AssetListQuery): SQL {
  const like = q.q ? `%${escapeLike(q.q)}%` : null;
  return and(
    visibleAssetsWhere(actor),
    like ? or(ilike(assets.tag, like), ilike(assets.serial, like), ilike(assets.make, like), ilike(assets.model, like)) : undefined,
    q.status ? eq(assets.status, q.status) : undefined,
    q.type ? eq(assets.type, q.type) : undefined,
    q.school === 'trust' ? isNull(assets.schoolId) : q.school ? eq(assets.schoolId, q.school) : undefined,
  ) as SQL;
}

const SORT_COLUMNS = {
  tag: [assets.tag],
  serial: [assets.serial],
  type: [assets.type, assets.tag],
  make: [assets.make, assets.model, assets.tag],
  school: [schools.name, assets.tag],
  status: [assets.status, assets.tag],
  purchased: [assets.purchasedOn, assets.tag],
  updated: [assets.updatedAt, assets.tag],
} as const;

function listRows(ctx: Ctx, q: AssetListQuery) {
  const dir = q.dir === 'desc' ? desc : asc;
  return ctx.db
    .select({ asset: assets, schoolName: schools.name })
    .from(assets)
    .leftJoin(schools, and(eq(schools.trustId, assets.trustId), eq(schools.id, assets.schoolId)))
    .where(listWhere(ctx.actor, q))
    .orderBy(...SORT_COLUMNS[q.sort].map((c) => dir(c)), asc(assets.id))
    .$dynamic();
}
export type AssetListRow = Awaited<ReturnType<typeof listRows>>[number];

/** The schools an actor may filter by or choose: those they may see (or change) assets of. */
export async function schoolChoices(ctx: Ctx, action: Action) {
  const allowed = schoolsFor(ctx.actor, action);
  const all = await listSchools(ctx.db, ctx.actor.trustId);
  return {
    schools: all.filter((s) => allowed === 'all' || allowed.includes(s.id)).map((s) => ({ value: s.id, label: s.name, slug: s.slug })),
    trustWide: allowed === 'all',
  };
}

/** One page of the register: search, filters and sort from the query string. */
export async function listAssets(ctx: Ctx, q: AssetListQuery) {
  authorize(ctx.actor, 'assets.view', { trustId: ctx.actor.trustId });
  const [[total], rows, choices] = await Promise.all([
    ctx.db.select({ n: count() }).from(assets).where(listWhere(ctx.actor, q)),
    listRows(ctx, q)
      .limit(PAGE_SIZE)
      .offset((q.page - 1) * PAGE_SIZE),
    schoolChoices(ctx, 'assets.view'),
  ]);
  return {
    rows,
    total: total?.n ?? 0,
    query: q,
    schools: choices.schools,
    trustWide: choices.trustWide,
    canAdd: can(ctx.actor, 'assets.manage', { trustId: ctx.actor.trustId }),
  };
}
export type AssetList = Awaited<ReturnType<typeof listAssets>>;

/** Exactly the filtered list, for the CSV (no paging). The export itself is an audited event. */
export async function exportAssets(ctx: Ctx, q: AssetListQuery) {
  authorize(ctx.actor, 'assets.view', { trustId: ctx.actor.trustId });
  const rows = await listRows(ctx, q).limit(EXPORT_LIMIT);
  await recordEvent(ctx.db, ctx, {
    action: 'assets.exported',
    resourceType: 'asset',
    summary: `Asset register exported to CSV (${rows.length} ${rows.length === 1 ? 'device' : 'devices'})`,
    after: { filters: { q: q.q ?? null, status: q.status ?? null, type: q.type ?? null, school: q.school ?? null }, rows: rows.length },
  });
  return rows;
}

/** An asset's record page: the asset, its school, its history and disposal, and what the reader may do. */
export async function assetRecord(ctx: Ctx, tag: string) {
  const asset = await findAssetByTag(ctx, tag);
  const [school] = asset.schoolId
    ? await ctx.db
        .select({ name: schools.name })
        .from(schools)
        .where(and(eq(schools.trustId, asset.trustId), eq(schools.id, asset.schoolId)))
    : [];
  const [history, [disposal]] = await Promise.all([
    assetHistory(ctx.db, asset.trustId, asset.id),
    ctx.db
      .select()
      .from(assetDisposals)
      .where(and(eq(assetDisposals.trustId, asset.trustId), eq(assetDisposals.assetId, asset.id))),
  ]);
  const resource = assetResource(asset);
  return {
    asset,
    schoolName: school?.name ?? null,
    history,
    disposal: disposal ?? null,
    canManage: can(ctx.actor, 'assets.manage', resource),
    canLend: can(ctx.actor, 'loans.manage', resource),
  };
}
export type AssetRecord = Awaited<ReturnType<typeof assetRecord>>;

// ---------------------------------------------------------------------------------------------
// Adding and changing

export type AssetSource = 'form' | 'import' | 'api';

/** Tag and serial clashes with other assets of the trust, as messages on the fields. */
export async function uniquenessErrors(db: Db, trustId: string, fields: { tag?: string; serial?: string }, exceptId?: string): Promise<FieldErrors> {
  const errors: FieldErrors = {};
  const other = exceptId ? ne(assets.id, exceptId) : undefined;
  if (fields.tag) {
    const [taken] = await db
      .select()
      .from(assets)
      .where(and(eq(assets.trustId, trustId), sameText(assets.tag, fields.tag), other))
      .limit(1);
    if (taken) errors.tag = `Asset tag ${taken.tag} is already used by ${assetName(taken)}, serial number ${taken.serial}`;
  }
  if (fields.serial) {
    const [taken] = await db
      .select()
      .from(assets)
      .where(and(eq(assets.trustId, trustId), sameText(assets.serial, fields.serial), other))
      .limit(1);
    if (taken) errors.serial = `Serial number ${taken.serial} is already recorded, as asset ${taken.tag} (${assetName(taken)})`;
  }
  return errors;
}

/** The school named on a form ('trust' for none), checked against the trust: its id, or null for trust-wide. */
async function schoolFromForm(db: Db, trustId: string, value: string): Promise<string | null> {
  if (value === 'trust') return null;
  const found = (await listSchools(db, trustId)).find((s) => s.id === value);
  if (!found) throw new ValidationError({ school: 'Choose a school of the trust' });
  return found.id;
}

const purchaseDateError = (purchasedOn: string | null | undefined, today: string) =>
  purchasedOn && purchasedOn > today ? 'The purchase date cannot be in the future' : null;

/** The fields of the register a person can set, as stored. */
export type AssetFields = {
  tag: string;
  serial: string;
  type: AssetType;
  make: string | null;
  model: string | null;
  schoolId: string | null;
  location: string | null;
  purchasedOn: string | null;
  orderReference: string | null;
  notes: string | null;
};

function parseForm(raw: unknown): Omit<AssetFields, 'schoolId'> & { school: string } {
  const input = parseOrThrow(assetInput, raw);
  return {
    tag: input.tag,
    serial: input.serial,
    type: input.type,
    make: input.make ?? null,
    model: input.model ?? null,
    school: input.school,
    location: input.location ?? null,
    purchasedOn: input.purchasedOn ?? null,
    orderReference: input.orderReference ?? null,
    notes: input.notes ?? null,
  };
}

/** Every problem with a form at once: the fields, then the school, the date and clashes. */
async function checkForm(ctx: Ctx, raw: unknown, exceptId?: string) {
  const trustId = ctx.actor.trustId;
  let parsed: ReturnType<typeof parseForm> | null = null;
  const errors: FieldErrors = {};
  try {
    parsed = parseForm(raw);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    Object.assign(errors, error.fieldErrors);
  }
  // Clashes are worth reporting even when another field is wrong, so the person fixes everything at once.
  const r = (raw ?? {}) as Record<string, unknown>;
  const typed = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  const clash = await uniquenessErrors(
    ctx.db,
    trustId,
    { tag: errors.tag ? undefined : typed(r.tag), serial: errors.serial ? undefined : typed(r.serial) },
    exceptId,
  );
  Object.assign(errors, clash);
  let schoolId: string | null = null;
  if (parsed) {
    try {
      schoolId = await schoolFromForm(ctx.db, trustId, parsed.school);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      Object.assign(errors, error.fieldErrors);
    }
    const dateError = purchaseDateError(parsed.purchasedOn, londonToday());
    if (dateError) errors.purchasedOn = dateError;
  }
  if (Object.keys(errors).length || !parsed) throw new ValidationError(errors);
  const { school: _, ...rest } = parsed;
  return { ...rest, schoolId } satisfies AssetFields;
}

const FIELD_LABELS: Record<keyof AssetFields, string> = {
  tag: 'Asset tag',
  serial: 'Serial number',
  type: 'Type',
  make: 'Make',
  model: 'Model',
  schoolId: 'School',
  location: 'Location',
  purchasedOn: 'Purchase date',
  orderReference: 'Order reference',
  notes: 'Notes',
};

export const snapshot = (a: AssetRow) => ({
  tag: a.tag,
  serial: a.serial,
  type: a.type,
  make: a.make,
  model: a.model,
  schoolId: a.schoolId,
  location: a.location,
  purchasedOn: a.purchasedOn,
  orderReference: a.orderReference,
  status: a.status,
});

/** Inserts an asset with its first history entry and audit event (inside a transaction that holds the register lock). */
export async function insertAsset(
  tx: Db,
  ctx: Ctx,
  fields: AssetFields,
  source: AssetSource,
  event: { kind: string; text: string; data?: Record<string, unknown> },
) {
  const [row] = await tx
    .insert(assets)
    .values({ trustId: ctx.actor.trustId, ...fields, source })
    .returning();
  if (!row) throw new Error('insert returned nothing');
  await assetEvent(tx, ctx, row.id, event.kind, event.text, event.data);
  return row;
}

/** Adds a device to the register (the form). Tag and serial must be new to the trust. */
export async function createAsset(ctx: Ctx, raw: unknown): Promise<AssetRow> {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'assets.manage', { trustId });
  const fields = await checkForm(ctx, raw);
  authorize(ctx.actor, 'assets.manage', assetResource({ trustId, schoolId: fields.schoolId }));
  return transaction(ctx.db, async (tx) => {
    await lockRegister(tx, trustId);
    const clash = await uniquenessErrors(tx, trustId, fields);
    if (Object.keys(clash).length) throw new ValidationError(clash);
    const row = await insertAsset(tx, ctx, fields, 'form', { kind: 'created', text: `Added to the register (${ASSET_STATUSES.in_stock.label.toLowerCase()})` });
    await recordEvent(tx, ctx, {
      action: 'asset.created',
      resourceType: 'asset',
      resourceId: row.id,
      summary: `Asset ${row.tag} added`,
      after: snapshot(row),
    });
    return row;
  });
}

/** What changed between two versions of the fields, in words for the history. */
export function describeChanges(before: AssetFields, after: AssetFields, schoolName: (id: string | null) => string): string[] {
  const show = (key: keyof AssetFields, value: string | null) =>
    key === 'schoolId' ? schoolName(value) : key === 'type' ? typeLabel(value ?? '') : key === 'purchasedOn' ? formatDate(value) || 'none' : (value ?? 'none');
  return (Object.keys(FIELD_LABELS) as (keyof AssetFields)[])
    .filter((key) => (before[key] ?? null) !== (after[key] ?? null))
    .map((key) => `${FIELD_LABELS[key]}: ${show(key, before[key] ?? null)} → ${show(key, after[key] ?? null)}`);
}

async function schoolNamer(db: Db, trustId: string) {
  const names = new Map((await listSchools(db, trustId)).map((s) => [s.id, s.name]));
  return (id: string | null) => (id ? (names.get(id) ?? 'another school') : 'Whole trust');
}

const fieldsOf = (a: AssetRow): AssetFields => ({
  tag: a.tag,
  serial: a.serial,
  type: a.type,
  make: a.make,
  model: a.model,
  schoolId: a.schoolId,
  location: a.location,
  purchasedOn: a.purchasedOn,
  orderReference: a.orderReference,
  notes: a.notes,
});

/** Writes changed fields with a history entry and an audit event; nothing when nothing changed. */
export async function writeChanges(tx: Db, ctx: Ctx, before: AssetRow, after: AssetFields, kind = 'updated') {
  const lines = describeChanges(fieldsOf(before), after, await schoolNamer(tx, before.trustId));
  if (lines.length === 0) return { row: before, changed: false };
  const [row] = await tx
    .update(assets)
    .set({ ...after, updatedAt: new Date() })
    .where(and(eq(assets.trustId, before.trustId), eq(assets.id, before.id)))
    .returning();
  if (!row) throw new Error('update returned nothing');
  await assetEvent(tx, ctx, row.id, kind, lines.join('\n'), { before: snapshot(before), after: snapshot(row) });
  await recordEvent(tx, ctx, {
    action: 'asset.updated',
    resourceType: 'asset',
    resourceId: row.id,
    summary: `Asset ${row.tag} changed`,
    before: snapshot(before),
    after: snapshot(row),
  });
  return { row, changed: true };
}

const finalError = (a: AssetRow) => `${a.tag} was disposed of: its record is final and cannot change`;

/** Changes a device's details (the form). A disposed device's record is final. */
export async function updateAsset(ctx: Ctx, tag: string, raw: unknown): Promise<{ row: AssetRow; changed: boolean }> {
  const current = await findAssetByTag(ctx, tag, 'assets.manage');
  if (current.status === 'disposed') throw new ValidationError({ form: finalError(current) });
  const fields = await checkForm(ctx, raw, current.id);
  // Moving a device to another school needs the right to manage that school's devices too.
  authorize(ctx.actor, 'assets.manage', assetResource({ trustId: current.trustId, schoolId: fields.schoolId }));
  return transaction(ctx.db, async (tx) => {
    await lockRegister(tx, current.trustId);
    const before = await lockAsset(tx, current.trustId, current.id);
    if (before.status === 'disposed') throw new ValidationError({ form: finalError(before) });
    const clash = await uniquenessErrors(tx, before.trustId, fields, before.id);
    if (Object.keys(clash).length) throw new ValidationError(clash);
    return writeChanges(tx, ctx, before, fields);
  });
}

// ---------------------------------------------------------------------------------------------
// Status

/** Where a person may move a device from each status, by hand. On loan and disposed are not theirs to set. */
const MANUAL_MOVES: Record<AssetStatus, readonly ManualStatus[]> = {
  in_stock: ['in_repair', 'lost', 'stolen'],
  in_repair: ['in_stock', 'lost', 'stolen'],
  lost: ['in_stock'],
  stolen: ['in_stock'],
  on_loan: [],
  disposed: [],
};

/** The statuses a person may choose for the device now. */
export const manualMovesFrom = (status: AssetStatus) => MANUAL_MOVES[status];

/** Why the status cannot be changed by hand at all, or null. */
export function statusLockedReason(a: AssetRow): string | null {
  if (a.status === 'on_loan') return `${a.tag} is on loan. It comes back through the loan’s return; until then its status cannot be changed here.`;
  if (a.status === 'disposed') return finalError(a);
  return null;
}

const STATUS_EVENT: Record<ManualStatus, string> = { in_stock: 'in_stock', in_repair: 'in_repair', lost: 'lost', stolen: 'stolen' };

function statusText(from: AssetStatus, to: ManualStatus) {
  if (to === 'in_stock' && from === 'in_repair') return 'Back in stock from repair';
  if (to === 'in_stock' && from === 'lost') return 'Found, back in stock';
  if (to === 'in_stock' && from === 'stolen') return 'Recovered, back in stock';
  if (to === 'in_repair') return 'Sent for repair';
  return `Recorded as ${statusLabel(to).toLowerCase()}`;
}

/** The status page: in repair, back in stock, lost or stolen (with a note saying what happened). */
export async function changeStatus(ctx: Ctx, tag: string, raw: unknown): Promise<{ row: AssetRow; from: AssetStatus }> {
  const current = await findAssetByTag(ctx, tag, 'assets.manage');
  const input = parseOrThrow(statusInput, raw);
  const to = input.status;
  if (to === 'on_loan') throw new ValidationError({ status: 'A device goes on loan only by lending it, so that the person signs for it: use “Lend it”' });
  if (to === 'disposed') throw new ValidationError({ status: 'Disposal needs a wipe record: use “Dispose of it”' });
  if (!(MANUAL_STATUSES as readonly string[]).includes(to)) throw new ValidationError({ status: 'Choose the new status' });
  const target = to as ManualStatus;
  if ((target === 'lost' || target === 'stolen') && !input.note)
    throw new ValidationError({
      note: `Say what happened: when and where it was last seen${target === 'stolen' ? ', and the police crime reference if you have one' : ''}`,
    });
  return transaction(ctx.db, async (tx) => {
    const before = await lockAsset(tx, current.trustId, current.id);
    const locked = statusLockedReason(before);
    if (locked) throw new ValidationError({ status: locked });
    if (before.status === target) throw new ValidationError({ status: `${before.tag} is already ${statusLabel(target).toLowerCase()}` });
    if (!MANUAL_MOVES[before.status].includes(target))
      throw new ValidationError({
        status: `A device that is ${statusLabel(before.status).toLowerCase()} cannot be marked as ${statusLabel(target).toLowerCase()}: record it as found first`,
      });
    const row = await moveStatus(tx, ctx, before, target, STATUS_EVENT[target], [statusText(before.status, target), input.note].filter(Boolean).join('\n'), {
      note: input.note ?? null,
    });
    return { row, from: before.status };
  });
}

/** Sets the status with a history entry and an audit event. The caller has checked the move. */
async function moveStatus(tx: Db, ctx: Ctx, before: AssetRow, to: AssetStatus, kind: string, text: string, data: Record<string, unknown> = {}) {
  const [row] = await tx
    .update(assets)
    .set({ status: to, updatedAt: new Date() })
    .where(and(eq(assets.trustId, before.trustId), eq(assets.id, before.id)))
    .returning();
  if (!row) throw new Error('update returned nothing');
  await assetEvent(tx, ctx, row.id, kind, text, { from: before.status, to, ...data });
  await recordEvent(tx, ctx, {
    action: 'asset.status_changed',
    resourceType: 'asset',
    resourceId: row.id,
    summary: `Asset ${row.tag}: ${statusLabel(before.status).toLowerCase()} → ${statusLabel(to).toLowerCase()}`,
    before: { status: before.status },
    after: { status: to, ...data },
  });
  return row;
}

/**
 * For the loans code, inside its own transaction: puts a device on loan (from in stock only) or
 * takes it off loan (back in stock, or in repair when it came back damaged or faulty), with a
 * history entry and an audit event. The caller has checked loans.manage. A device that is not in
 * the right state is refused with a ValidationError on `asset`, naming the tag and its status.
 */
export async function setLoanStatus(
  tx: Db,
  ctx: Ctx,
  assetId: string,
  to: 'on_loan' | 'in_stock' | 'in_repair',
  note: string,
  data: Record<string, unknown> = {},
): Promise<AssetRow> {
  const before = await lockAsset(tx, ctx.actor.trustId, assetId);
  if (to === 'on_loan' && before.status !== 'in_stock')
    throw new ValidationError({ asset: `${before.tag} is ${statusLabel(before.status).toLowerCase()}, so it cannot be lent: only a device in stock can be` });
  if (to !== 'on_loan' && before.status !== 'on_loan') throw new ValidationError({ asset: `${before.tag} is not on loan, so it cannot be returned` });
  return moveStatus(tx, ctx, before, to, to === 'on_loan' ? 'lent' : 'returned', note, data);
}

// ---------------------------------------------------------------------------------------------
// Disposal

/** Why the device cannot be disposed of now, or null. */
export function disposalBlockedReason(a: AssetRow): string | null {
  if (a.status === 'disposed') return finalError(a);
  if (a.status === 'on_loan') return `${a.tag} is on loan. It must come back before it can be disposed of.`;
  if (a.status === 'lost' || a.status === 'stolen')
    return `${a.tag} is ${statusLabel(a.status).toLowerCase()}: it cannot be wiped, so it cannot be disposed of. If it is found, record it as back in stock first.`;
  return null;
}

/** Disposal with its wipe record (003 §8.6.6): final; the record stays in the register. */
export async function disposeAsset(ctx: Ctx, tag: string, raw: unknown): Promise<{ row: AssetRow; disposal: DisposalRow }> {
  const current = await findAssetByTag(ctx, tag, 'assets.manage');
  const blocked = disposalBlockedReason(current);
  if (blocked) throw new ValidationError({ form: blocked });
  const input = parseOrThrow(disposeInput, raw);
  const disposedOn = input.disposedOn as string;
  if (disposedOn > londonToday()) throw new ValidationError({ disposedOn: 'The date it was disposed of cannot be in the future' });
  if (current.purchasedOn && disposedOn < current.purchasedOn)
    throw new ValidationError({ disposedOn: `The date it was disposed of cannot be before it was bought (${formatDate(current.purchasedOn)})` });
  return transaction(ctx.db, async (tx) => {
    const before = await lockAsset(tx, current.trustId, current.id);
    const stillBlocked = disposalBlockedReason(before);
    if (stillBlocked) throw new ValidationError({ form: stillBlocked });
    const [disposal] = await tx
      .insert(assetDisposals)
      .values({
        trustId: before.trustId,
        assetId: before.id,
        disposedOn,
        wipeMethod: input.wipeMethod,
        wipedBy: input.wipedBy,
        certificateNumber: input.certificateNumber,
        recordedBy: actorPersonId(ctx.actor),
      })
      .returning();
    if (!disposal) throw new Error('insert returned nothing');
    const [row] = await tx
      .update(assets)
      .set({ status: 'disposed', updatedAt: new Date() })
      .where(and(eq(assets.trustId, before.trustId), eq(assets.id, before.id)))
      .returning();
    if (!row) throw new Error('update returned nothing');
    const wipe = { disposedOn, wipeMethod: input.wipeMethod, wipedBy: input.wipedBy, certificateNumber: input.certificateNumber };
    await assetEvent(
      tx,
      ctx,
      row.id,
      'disposed',
      `Disposed of on ${formatDate(disposedOn)}. Wiped by ${input.wipedBy} (${input.wipeMethod}), certificate ${input.certificateNumber}`,
      { from: before.status, ...wipe },
    );
    await recordEvent(tx, ctx, {
      action: 'asset.disposed',
      resourceType: 'asset',
      resourceId: row.id,
      summary: `Asset ${row.tag} disposed of, certificate ${input.certificateNumber}`,
      before: { status: before.status },
      after: { status: 'disposed', ...wipe },
    });
    return { row, disposal };
  });
}

// ---------------------------------------------------------------------------------------------
// Device-management tools (the API): create or update by serial number

/** One device as a device-management export gives it; absent fields are left as they are. */
export type SerialRecord = {
  serial: string;
  tag?: string;
  type?: AssetType;
  make?: string | null;
  model?: string | null;
  /** A school's slug or id; null for the trust's central stock. */
  school?: string | null;
  location?: string | null;
  purchasedOn?: string | null;
  orderReference?: string | null;
};

export type UpsertResult = { row: AssetRow; result: 'created' | 'updated' | 'unchanged' };

/** A conflict with the register (a tag used by another serial, a disposed device): the API answers 409. */
export class AssetConflictError extends ValidationError {
  override readonly statusCode = 409;
}

/**
 * Creates or updates devices by serial number, all or nothing (the API). Each problem is reported
 * under `${prefix(i)}${field}`; bad input throws a ValidationError (400 in the API), a clash with
 * the register an AssetConflictError (409). The records are assumed shaped already (the API's schema).
 */
export async function upsertBySerial(ctx: Ctx, records: SerialRecord[], prefix: (i: number) => string = () => ''): Promise<UpsertResult[]> {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'assets.manage', { trustId });
  const today = londonToday();
  return transaction(ctx.db, async (tx) => {
    await lockRegister(tx, trustId);
    const allSchools = await listSchools(tx, trustId);
    const schoolOf = (ref: string) => allSchools.find((s) => s.id === ref || s.slug.toLowerCase() === ref.trim().toLowerCase());
    const errors: FieldErrors = {};
    const conflicts: FieldErrors = {};
    const seenSerial = new Map<string, number>();
    const seenTag = new Map<string, number>();
    const plans: { existing: AssetRow | undefined; fields: AssetFields }[] = [];

    for (const [i, r] of records.entries()) {
      const at = (field: string) => `${prefix(i)}${field}`;
      const serial = r.serial.trim();
      const tag = r.tag?.trim();
      const serialIssue = serial ? serialProblem(serial) : 'serial is required';
      if (serialIssue) errors[at('serial')] = serialIssue;
      const tagIssue = tag !== undefined ? (tag ? tagProblem(tag) : 'tag cannot be blank') : null;
      if (tagIssue) errors[at('tag')] = tagIssue;
      const earlierSerial = seenSerial.get(serial.toLowerCase());
      if (serial && earlierSerial !== undefined)
        errors[at('serial')] = `serial ${serial} is also at ${prefix(earlierSerial).replace(/\.$/, '') || 'an earlier item'}`;
      seenSerial.set(serial.toLowerCase(), i);
      if (tag) {
        const earlierTag = seenTag.get(tag.toLowerCase());
        if (earlierTag !== undefined) errors[at('tag')] = `tag ${tag} is also at ${prefix(earlierTag).replace(/\.$/, '') || 'an earlier item'}`;
        seenTag.set(tag.toLowerCase(), i);
      }
      let schoolId: string | null | undefined;
      if (r.school === null) schoolId = null;
      else if (r.school !== undefined) {
        const found = schoolOf(r.school);
        if (found) schoolId = found.id;
        else errors[at('school')] = `school must be the slug or id of a school in your trust: there is no school ‘${r.school}’`;
      }
      const dateError = purchaseDateError(r.purchasedOn, today);
      if (dateError) errors[at('purchasedOn')] = 'purchasedOn cannot be in the future';

      const [existing] = serial
        ? await tx
            .select()
            .from(assets)
            .where(and(eq(assets.trustId, trustId), sameText(assets.serial, serial)))
            .limit(1)
        : [];
      if (!existing && !r.type) errors[at('type')] = 'type is required to add a device that is not in the register yet';
      if (!existing && !tag) errors[at('tag')] ??= 'tag is required to add a device that is not in the register yet';
      if (existing?.status === 'disposed')
        conflicts[at('serial')] = `The device with serial ${existing.serial} (asset ${existing.tag}) was disposed of: its record is final and cannot change`;
      if (tag && !errors[at('tag')]) {
        const [holder] = await tx
          .select()
          .from(assets)
          .where(and(eq(assets.trustId, trustId), sameText(assets.tag, tag), existing ? ne(assets.id, existing.id) : undefined))
          .limit(1);
        if (holder) conflicts[at('tag')] = `Asset tag ${holder.tag} is already used by the device with serial ${holder.serial}`;
      }
      const base: AssetFields = existing
        ? fieldsOf(existing)
        : {
            tag: tag ?? '',
            serial,
            type: r.type ?? 'other',
            make: null,
            model: null,
            schoolId: null,
            location: null,
            purchasedOn: null,
            orderReference: null,
            notes: null,
          };
      const fields: AssetFields = {
        ...base,
        ...(tag ? { tag } : {}),
        ...(r.type ? { type: r.type } : {}),
        ...(r.make !== undefined ? { make: r.make?.trim() || null } : {}),
        ...(r.model !== undefined ? { model: r.model?.trim() || null } : {}),
        ...(schoolId !== undefined ? { schoolId } : {}),
        ...(r.location !== undefined ? { location: r.location?.trim() || null } : {}),
        ...(r.purchasedOn !== undefined ? { purchasedOn: r.purchasedOn } : {}),
        ...(r.orderReference !== undefined ? { orderReference: r.orderReference?.trim() || null } : {}),
      };
      // A key without school rights never reaches here; a person needs the rights over both schools.
      if (existing) authorize(ctx.actor, 'assets.manage', assetResource(existing));
      authorize(ctx.actor, 'assets.manage', assetResource({ trustId, schoolId: fields.schoolId }));
      plans.push({ existing, fields });
    }
    if (Object.keys(errors).length)
      throw new ValidationError(
        errors,
        `Not valid: ${Object.entries(errors)
          .map(([f, m]) => `${f}: ${m}`)
          .join('; ')}`,
      );
    if (Object.keys(conflicts).length) throw new AssetConflictError(conflicts, Object.values(conflicts).join('; '));

    const out: UpsertResult[] = [];
    for (const { existing, fields } of plans) {
      if (existing) {
        const { row, changed } = await writeChanges(tx, ctx, existing, fields, 'synced');
        out.push({ row, result: changed ? 'updated' : 'unchanged' });
      } else {
        const row = await insertAsset(tx, ctx, fields, 'api', { kind: 'created', text: `Added to the register by ${actorLabel(ctx.actor)}` });
        await recordEvent(tx, ctx, {
          action: 'asset.created',
          resourceType: 'asset',
          resourceId: row.id,
          summary: `Asset ${row.tag} added`,
          after: snapshot(row),
        });
        out.push({ row, result: 'created' });
      }
    }
    return out;
  });
}
