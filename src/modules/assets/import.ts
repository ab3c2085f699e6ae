import { createHash } from 'node:crypto';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { recordEvent } from '../../audit/audit.ts';
import type { Ctx } from '../../context.ts';
import { decodeCsv, headingKey, readTable, type Table } from '../../csv.ts';
import { type Db, transaction } from '../../db/client.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import { londonToday } from '../../ui/format.ts';
import { isUuid, parseCalendarDate } from '../../validation.ts';
import type { Actor } from '../auth/actor.ts';
import { authorize, can } from '../auth/authorize.ts';
import { listSchools } from '../organisations/repository.ts';
import { importBatches } from '../organisations/schema.ts';
import { ASSET_TYPES, type AssetType, assets } from './schema.ts';
import { type AssetFields, assetResource, insertAsset, lockRegister } from './service.ts';
import { ASSET_TYPE_CODES, serialProblem, tagProblem } from './validation.ts';

/*
 * Adding devices from a spreadsheet (a supplier's delivery note, an old register), with the same
 * rules as the people import: the file is checked line by line and nothing is added until every
 * line is right; the checked file is kept as an import batch (kind 'assets') so what is applied is
 * exactly what was previewed, and it is checked again against the register when applied.
 * The import only adds: a tag or serial number already in the register is a problem on its line.
 */

/** Most devices one file may hold. */
export const MAX_ROWS = 5_000;
export const BATCH_KIND = 'assets';

export const COLUMNS = [
  { key: 'tag', required: 'Yes', aliases: ['asset tag', 'asset number', 'asset id'], format: 'Letters, numbers, - . _', meaning: 'The label on the device.' },
  { key: 'serial', required: 'Yes', aliases: ['serial number', 'serial no', 'sn'], format: 'Text', meaning: 'The manufacturer’s serial number.' },
  {
    key: 'type',
    required: 'Yes',
    aliases: ['device type', 'asset type'],
    format: 'A type, like Laptop or Tablet',
    meaning: `One of: ${ASSET_TYPE_CODES.map((c) => ASSET_TYPES[c]).join(', ')}.`,
  },
  { key: 'make', required: 'No', aliases: ['manufacturer', 'brand'], format: 'Text', meaning: 'Who made it, like Dell.' },
  { key: 'model', required: 'No', aliases: [], format: 'Text', meaning: 'The model, like Latitude 5440.' },
  {
    key: 'school',
    required: 'No',
    aliases: ['site'],
    format: 'A short name or full name',
    meaning: 'The school it belongs to. Blank means the trust’s central stock.',
  },
  { key: 'location', required: 'No', aliases: ['room'], format: 'Text', meaning: 'Where it is kept, like IT office cupboard 2.' },
  {
    key: 'purchased_on',
    required: 'No',
    aliases: ['purchase date', 'purchased'],
    format: 'A date, like 2026-09-01 or 01/09/2026',
    meaning: 'When it was bought.',
  },
  { key: 'order_reference', required: 'No', aliases: ['order number', 'po number', 'purchase order'], format: 'Text', meaning: 'The order it came on.' },
] as const;
export type ColumnKey = (typeof COLUMNS)[number]['key'];

const HEADINGS = new Map<string, ColumnKey>(COLUMNS.flatMap((c) => [c.key, ...c.aliases].map((h) => [headingKey(h), c.key] as const)));
const REQUIRED: ColumnKey[] = ['tag', 'serial', 'type'];

export const TEMPLATE_CSV = `${[
  COLUMNS.map((c) => c.key).join(','),
  'OPS-LT-0142,5CG1234XYZ,Laptop,Dell,Latitude 5440,school-a,IT office,01/09/2025,PO-2025-118',
].join('\r\n')}\r\n`;

export function parseAssetsCsv(text: string): Table<ColumnKey> {
  return readTable(text, {
    headings: HEADINGS,
    missing: (columns) => REQUIRED.filter((c) => !columns.has(c)),
    missingHint: 'Download the template to see the column headings.',
    noun: 'devices',
    maxRows: MAX_ROWS,
  });
}

export type PlannedAsset = { line: number; fields: AssetFields; schoolName: string };
export type RowError = { line: number; message: string };
export type AssetImportPlan = { warnings: string[]; rowErrors: RowError[]; creates: PlannedAsset[] };
export type RegisterState = {
  assets: { tag: string; serial: string }[];
  schools: { id: string; slug: string; name: string }[];
};

const typeKey = (v: string) => v.toLowerCase().replace(/[^a-z]/g, '');
const TYPES = new Map<string, AssetType>(ASSET_TYPE_CODES.flatMap((code) => [[typeKey(code), code] as const, [typeKey(ASSET_TYPES[code]), code] as const]));

const optional = (value: string | undefined, max: number, label: string, fail: (m: string) => void) => {
  const v = value?.trim() ?? '';
  if (v.length > max) fail(`The ${label} must be ${max} characters or fewer`);
  return v || null;
};

/** What importing the file would add; every problem with its line number. */
export function planAssetImport(file: Table<ColumnKey>, state: RegisterState, actor: Actor, today: string): AssetImportPlan {
  const rowErrors: RowError[] = [];
  const creates: PlannedAsset[] = [];
  const schoolsByName = new Map<string, { id: string; name: string }>();
  for (const s of state.schools) {
    schoolsByName.set(s.name.trim().toLowerCase(), s);
    schoolsByName.set(s.slug.toLowerCase(), s);
  }
  const tags = new Map(state.assets.map((a) => [a.tag.toLowerCase(), a]));
  const serials = new Map(state.assets.map((a) => [a.serial.toLowerCase(), a]));
  const tagLine = new Map<string, number>();
  const serialLine = new Map<string, number>();

  for (const { line, cells, extraCells } of file.rows) {
    let ok = true;
    const fail = (message: string) => {
      ok = false;
      rowErrors.push({ line, message });
    };
    if (extraCells) fail('The line has more cells than the header row: check for a comma that should be inside quotes');
    const tag = cells.tag?.trim() ?? '';
    const serial = cells.serial?.trim() ?? '';
    if (!tag) fail('The asset tag is missing');
    else {
      const problem = tagProblem(tag);
      if (problem) fail(`${problem} (‘${tag}’)`);
      const earlier = tagLine.get(tag.toLowerCase());
      if (earlier !== undefined) fail(`The asset tag ${tag} is also on line ${earlier}`);
      else tagLine.set(tag.toLowerCase(), line);
      const taken = tags.get(tag.toLowerCase());
      if (taken) fail(`Asset tag ${taken.tag} is already in the register, for serial number ${taken.serial}`);
    }
    if (!serial) fail('The serial number is missing');
    else {
      const problem = serialProblem(serial);
      if (problem) fail(problem);
      const earlier = serialLine.get(serial.toLowerCase());
      if (earlier !== undefined) fail(`The serial number ${serial} is also on line ${earlier}`);
      else serialLine.set(serial.toLowerCase(), line);
      const taken = serials.get(serial.toLowerCase());
      if (taken) fail(`Serial number ${taken.serial} is already in the register, as asset ${taken.tag}`);
    }
    const typeCell = cells.type?.trim() ?? '';
    const type = typeCell ? TYPES.get(typeKey(typeCell)) : undefined;
    if (!typeCell) fail('The type is missing');
    else if (!type) fail(`‘${typeCell}’ is not a type of device: use one of ${ASSET_TYPE_CODES.map((c) => ASSET_TYPES[c]).join(', ')}`);

    let schoolId: string | null = null;
    let schoolName = 'Whole trust';
    const wanted = cells.school?.trim();
    if (wanted) {
      const school = schoolsByName.get(wanted.toLowerCase());
      if (school) {
        schoolId = school.id;
        schoolName = school.name;
      } else fail(`There is no school called ‘${wanted}’ in the trust: use a school’s short name or its full name`);
    }
    if (ok && !can(actor, 'assets.manage', assetResource({ trustId: actor.trustId, schoolId })))
      fail(schoolId ? `You cannot add devices for ${schoolName}` : 'You cannot add devices for the whole trust: give the school');

    let purchasedOn: string | null = null;
    const dateCell = cells.purchased_on?.trim();
    if (dateCell) {
      purchasedOn = parseCalendarDate(dateCell);
      if (!purchasedOn) fail(`‘${dateCell}’ is not a real purchase date: write it like 2026-09-01 or 01/09/2026`);
      else if (purchasedOn > today) fail(`The purchase date ${dateCell} is in the future`);
    }
    const make = optional(cells.make, 100, 'make', fail);
    const model = optional(cells.model, 100, 'model', fail);
    const location = optional(cells.location, 200, 'location', fail);
    const orderReference = optional(cells.order_reference, 100, 'order reference', fail);
    if (ok && type)
      creates.push({
        line,
        schoolName,
        fields: { tag, serial, type, make, model, schoolId, location, purchasedOn, orderReference, notes: null },
      });
  }
  return { warnings: file.warnings, rowErrors, creates };
}

/** A digest of what the plan adds, so an apply can tell whether it still does the same. */
const planDigest = (plan: AssetImportPlan) => createHash('sha256').update(JSON.stringify(plan.creates)).digest('hex');

async function loadState(db: Db, trustId: string): Promise<RegisterState> {
  const [rows, schools] = await Promise.all([
    db.select({ tag: assets.tag, serial: assets.serial }).from(assets).where(eq(assets.trustId, trustId)),
    listSchools(db, trustId),
  ]);
  return { assets: rows, schools };
}

const cleanFileName = (name: string) => path.posix.basename(name.replace(/\\/g, '/')).trim().slice(0, 200) || 'devices.csv';

export type AssetUpload = { fileName: string; content: Uint8Array };
export type AssetImportPreview = { fileName: string; plan: AssetImportPlan; batchId: string | null };
type BatchSummary = { added: number; planDigest: string };

/** Checks the file; when every line is right, keeps it as an import batch until the person applies it. */
export async function previewAssetImport(ctx: Ctx, upload: AssetUpload): Promise<AssetImportPreview> {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'assets.manage', { trustId });
  const text = decodeCsv(upload.content);
  const plan = planAssetImport(parseAssetsCsv(text), await loadState(ctx.db, trustId), ctx.actor, londonToday());
  const fileName = cleanFileName(upload.fileName);
  if (plan.rowErrors.length > 0 || plan.creates.length === 0) return { fileName, plan, batchId: null };
  const summary: BatchSummary = { added: plan.creates.length, planDigest: planDigest(plan) };
  const [batch] = await ctx.db
    .insert(importBatches)
    .values({
      trustId,
      kind: BATCH_KIND,
      fileName,
      fileSha256: createHash('sha256').update(upload.content).digest('hex'),
      content: text,
      summary,
      createdBy: ctx.actor.type === 'person' ? ctx.actor.personId : null,
    })
    .returning({ id: importBatches.id });
  if (!batch) throw new Error('insert returned nothing');
  return { fileName, plan, batchId: batch.id };
}

/** Adds every device of a previewed file, or none: the file is checked again against the register as it is now. */
export async function applyAssetImport(ctx: Ctx, batchId: string): Promise<{ added: number; fileName: string }> {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'assets.manage', { trustId });
  if (!isUuid(batchId)) throw new NotFoundError();
  return transaction(ctx.db, async (tx) => {
    const [batch] = await tx
      .select()
      .from(importBatches)
      .where(and(eq(importBatches.trustId, trustId), eq(importBatches.id, batchId), eq(importBatches.kind, BATCH_KIND)))
      .for('update');
    if (!batch) throw new NotFoundError();
    if (batch.status !== 'previewed') throw new ValidationError({ file: 'This file has already been imported. To import it again, upload it again.' });
    await lockRegister(tx, trustId);
    const plan = planAssetImport(parseAssetsCsv(batch.content), await loadState(tx, trustId), ctx.actor, londonToday());
    const digest = planDigest(plan);
    if (plan.rowErrors.length > 0 || digest !== (batch.summary as BatchSummary | null)?.planDigest)
      throw new ValidationError({
        file: 'The register, or the date, has changed since this file was checked, so nothing was imported. Upload the file again to check what it will do now.',
      });
    for (const c of plan.creates)
      await insertAsset(tx, ctx, c.fields, 'import', {
        kind: 'imported',
        text: `Added to the register from ${batch.fileName} (line ${c.line})`,
        data: { batchId: batch.id, line: c.line },
      });
    await tx
      .update(importBatches)
      .set({ status: 'applied', appliedAt: new Date(), summary: { added: plan.creates.length, planDigest: digest } })
      .where(and(eq(importBatches.trustId, trustId), eq(importBatches.id, batch.id)));
    await recordEvent(tx, ctx, {
      action: 'assets.imported',
      resourceType: 'import_batch',
      resourceId: batch.id,
      summary: `Imported ${plan.creates.length} ${plan.creates.length === 1 ? 'device' : 'devices'} from ${batch.fileName}`,
      after: { added: plan.creates.length, fileName: batch.fileName, sha256: batch.fileSha256, tags: plan.creates.map((c) => c.fields.tag) },
    });
    return { added: plan.creates.length, fileName: batch.fileName };
  });
}
