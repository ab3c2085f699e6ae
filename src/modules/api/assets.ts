import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../../context.ts';
import { type FieldErrors, NotFoundError, ValidationError } from '../../errors.ts';
import { assets } from '../assets/schema.ts';
import { findAssetByTag, type SerialRecord, upsertBySerial, visibleAssetsWhere } from '../assets/service.ts';
import { ASSET_STATUS_CODES, ASSET_TYPE_CODES, SERIAL_MAX, TAG_MAX } from '../assets/validation.ts';
import { authorize } from '../auth/authorize.ts';
import { listSchools } from '../organisations/repository.ts';
import { ApiInputError, apiSchemas, defineEndpoint } from './openapi.ts';
import { keysetCursor, limitParam } from './paging.ts';
import { ApiSchoolRef } from './people.ts';

/*
 * The asset register for device-management tools (Intune, Jamf, Google Admin): read it a page at
 * a time, and send their device lists, which create or update devices by serial number through
 * the assets service, all or nothing. Status is never set here: loans, repairs, losses and
 * disposal happen in Countersign.
 */

const instant = (what: string) => z.iso.datetime({ offset: true }).describe(what);

export const ApiAsset = z
  .object({
    id: z.uuid(),
    tag: z.string().describe('The asset tag, as on the device’s label; unique in the trust'),
    serial: z.string().describe('The manufacturer’s serial number; unique in the trust'),
    type: z.enum(ASSET_TYPE_CODES).describe('What kind of device: laptop, tablet, phone and so on'),
    make: z.string().nullable(),
    model: z.string().nullable(),
    school: ApiSchoolRef.nullable().describe('The school the device belongs to; null for the trust’s central stock'),
    location: z.string().nullable().describe('Where it is kept'),
    purchasedOn: z.iso.date().nullable(),
    orderReference: z.string().nullable(),
    status: z.enum(ASSET_STATUS_CODES).describe('in_stock, on_loan, in_repair, lost, stolen or disposed'),
    source: z.enum(['form', 'import', 'api']).describe('How it was first recorded: by hand, from a spreadsheet, or through this API'),
    createdAt: instant('When it was added to the register, in UTC'),
    updatedAt: instant('When its record last changed, in UTC'),
  })
  .describe('A device in the asset register')
  .register(apiSchemas, { id: 'Asset' });

export const ApiAssetsPage = z
  .object({
    data: z.array(ApiAsset),
    nextCursor: z.string().nullable().describe('Send as `cursor` to get the next page; null on the last page'),
  })
  .describe('One page of devices, in asset tag order')
  .register(apiSchemas, { id: 'AssetsPage' });

type AssetRow = typeof assets.$inferSelect;
type SchoolMap = Map<string, { slug: string; name: string }>;

function toApiAsset(a: AssetRow, schoolsById: SchoolMap): z.output<typeof ApiAsset> {
  const school = a.schoolId ? schoolsById.get(a.schoolId) : undefined;
  return {
    id: a.id,
    tag: a.tag,
    serial: a.serial,
    type: a.type,
    make: a.make,
    model: a.model,
    school: school ? { slug: school.slug, name: school.name } : null,
    location: a.location,
    purchasedOn: a.purchasedOn,
    orderReference: a.orderReference,
    status: a.status,
    source: a.source as 'form' | 'import' | 'api',
    createdAt: new Date(a.createdAt).toISOString(),
    updatedAt: new Date(a.updatedAt).toISOString(),
  };
}

const schoolMap = async (ctx: Ctx): Promise<SchoolMap> => new Map((await listSchools(ctx.db, ctx.actor.trustId)).map((s) => [s.id, s]));

// ---------------------------------------------------------------------------------------------
// GET /assets, GET /assets/{tag}

const cursor = keysetCursor();

const listQuery = z.object({
  limit: limitParam('devices'),
  cursor: cursor.param,
  status: z
    .enum(ASSET_STATUS_CODES, { error: `status must be one of ${ASSET_STATUS_CODES.join(', ')}` })
    .optional()
    .describe('Only devices in this state'),
  school: z
    .string({ error: 'school must be a school’s slug or id, or trust' })
    .optional()
    .describe('Only the devices of this school (its slug or id); `trust` for the trust’s central stock'),
});

const listAssetsEndpoint = defineEndpoint({
  method: 'GET',
  path: '/assets',
  operationId: 'listAssets',
  summary: 'List devices',
  description: 'The trust’s asset register in asset tag order, a page at a time, disposed devices included.',
  scope: 'assets:read',
  query: listQuery,
  response: ApiAssetsPage,
  errors: [400],
  handler: async (ctx, { query }) => {
    authorize(ctx.actor, 'assets.view', { trustId: ctx.actor.trustId });
    const byId = await schoolMap(ctx);
    let schoolFilter: ReturnType<typeof eq> | ReturnType<typeof isNull> | undefined;
    if (query.school === 'trust') schoolFilter = isNull(assets.schoolId);
    else if (query.school !== undefined) {
      const wanted = query.school.trim().toLowerCase();
      const found = [...byId.entries()].find(([id, s]) => id === wanted || s.slug.toLowerCase() === wanted);
      if (!found)
        throw new ApiInputError({ school: `school must be the slug or id of a school in your trust, or trust: there is no school ‘${query.school}’` });
      schoolFilter = eq(assets.schoolId, found[0]);
    }
    const rows = await ctx.db
      .select()
      .from(assets)
      .where(
        and(
          visibleAssetsWhere(ctx.actor),
          query.status ? eq(assets.status, query.status) : undefined,
          schoolFilter,
          query.cursor ? sql`(${assets.tag}, ${assets.id}) > (${query.cursor.key}, ${query.cursor.id}::uuid)` : undefined,
        ),
      )
      .orderBy(asc(assets.tag), asc(assets.id))
      .limit(query.limit + 1);
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return { data: page.map((a) => toApiAsset(a, byId)), nextCursor: rows.length > query.limit && last ? cursor.encode({ key: last.tag, id: last.id }) : null };
  },
});

const getAssetEndpoint = defineEndpoint({
  method: 'GET',
  path: '/assets/{tag}',
  operationId: 'getAsset',
  summary: 'Get one device',
  description: 'One device of the register by its asset tag (any capitals).',
  scope: 'assets:read',
  params: z.object({ tag: z.string().describe('The asset tag') }),
  response: ApiAsset,
  errors: [404],
  handler: async (ctx, { params }) => {
    const asset = await findAssetByTag(ctx, params.tag).catch((error: unknown) => {
      throw error instanceof NotFoundError ? new NotFoundError('There is no device with this asset tag') : error;
    });
    return toApiAsset(asset, await schoolMap(ctx));
  },
});

// ---------------------------------------------------------------------------------------------
// POST /assets

/** Where a field is, in the message: "serial", or "assets[3].serial" inside a list. */
const fieldPath = (path: readonly PropertyKey[] | undefined) =>
  (path ?? []).reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), '');

const text = (name: string, max: number) =>
  z
    .string({ error: (issue) => `${fieldPath(issue.path) || name} must be a string` })
    .max(max, { error: (issue) => `${fieldPath(issue.path) || name} must be ${max} characters or fewer` })
    .nullish();

const FIELDS = {
  serial: z
    .string({ error: (issue) => `${fieldPath(issue.path) || 'serial'} ${issue.input === undefined ? 'is required' : 'must be a string'}` })
    .max(SERIAL_MAX, { error: (issue) => `${fieldPath(issue.path) || 'serial'} must be ${SERIAL_MAX} characters or fewer` })
    .describe('The manufacturer’s serial number: the device is found by it (any capitals). Required'),
  tag: z
    .string({ error: (issue) => `${fieldPath(issue.path) || 'tag'} must be a string` })
    .max(TAG_MAX, { error: (issue) => `${fieldPath(issue.path) || 'tag'} must be ${TAG_MAX} characters or fewer` })
    .optional()
    .describe(
      'The asset tag: letters, numbers, - . _. Required for a device not yet in the register; for one already there, leave out to keep its tag. A tag another serial number already has is refused with 409',
    ),
  type: z
    .enum(ASSET_TYPE_CODES, { error: (issue) => `${fieldPath(issue.path) || 'type'} must be one of: ${ASSET_TYPE_CODES.join(', ')}` })
    .optional()
    .describe('What kind of device. Required for a device not yet in the register'),
  make: text('make', 100).describe('Who made it, like Dell. Leave out to keep what is recorded; null clears it'),
  model: text('model', 100).describe('The model. Leave out to keep what is recorded; null clears it'),
  school: z
    .string({ error: (issue) => `${fieldPath(issue.path) || 'school'} must be a school’s slug or id, or null` })
    .nullish()
    .describe('The school it belongs to: its slug (as in GET /people) or id; null for the trust’s central stock. Leave out to keep what is recorded'),
  location: text('location', 200).describe('Where it is kept'),
  purchasedOn: z.iso
    .date({ error: (issue) => `${fieldPath(issue.path) || 'purchasedOn'} must be a date like 2025-09-01, not in the future` })
    .nullish()
    .describe('When it was bought, as YYYY-MM-DD; not in the future'),
  orderReference: text('orderReference', 100).describe('The order it came on'),
};

export const ApiAssetInput = z.strictObject(FIELDS).describe('One device from a device-management tool').register(apiSchemas, { id: 'AssetInput' });

/** Most devices one request may send. */
export const MAX_API_ASSETS = 500;

export const ApiAssetsInput = z
  .strictObject({
    ...FIELDS,
    serial: FIELDS.serial.optional().describe('For one device: its serial number. Leave out when sending `assets`'),
    assets: z
      .array(ApiAssetInput, { error: 'assets must be a list of devices' })
      .min(1, { error: 'assets must hold at least one device' })
      .max(MAX_API_ASSETS, { error: `assets may hold at most ${MAX_API_ASSETS} devices: send the rest in another request` })
      .optional()
      .describe(`Several devices at once, up to ${MAX_API_ASSETS}: all are saved, or none`),
  })
  .describe(`One device (its fields at the top level), or several as \`assets\`: a list of up to ${MAX_API_ASSETS}`)
  .register(apiSchemas, { id: 'AssetsInput' });

export const ApiAssetsSaved = z
  .object({
    created: z.number().int().describe('How many devices were added'),
    updated: z.number().int().describe('How many devices already in the register were changed'),
    assets: z
      .array(ApiAsset.extend({ result: z.enum(['created', 'updated', 'unchanged']).describe('What happened to this device') }))
      .describe('Every device sent, in the order sent, as it is now'),
  })
  .describe('The devices were saved')
  .register(apiSchemas, { id: 'AssetsSaved' });

type ApiAssetsInputOut = z.output<typeof ApiAssetsInput>;

/** The devices the body sends, as records for the service; a body mixing the two forms is refused. */
function recordsOf(body: ApiAssetsInputOut): { records: SerialRecord[]; prefix: (i: number) => string } {
  const { assets: list, ...single } = body;
  const given = Object.entries(single).filter(([, v]) => v !== undefined);
  if (list) {
    if (given.length)
      throw new ApiInputError({ [given[0]?.[0] ?? 'body']: 'Send one device’s fields at the top level, or several devices as assets, not both' });
    return { records: list, prefix: (i) => `assets[${i}].` };
  }
  if (single.serial === undefined) throw new ApiInputError({ serial: 'serial is required (or send several devices as assets)' });
  return { records: [{ ...single, serial: single.serial }], prefix: () => '' };
}

const saveAssetsEndpoint = defineEndpoint({
  method: 'POST',
  path: '/assets',
  operationId: 'saveAssets',
  summary: 'Add or update devices by serial number',
  description: `Sends devices from a device-management tool (an Intune, Jamf or Google Admin export). Each device is found by its serial number: one already in the register is updated with the fields sent (fields left out stay as they are), a new one is added in stock. Several devices can be sent at once as \`assets\` (up to ${MAX_API_ASSETS}): all are saved or, if any is refused, none. Bad fields answer 400 with a message for each, named like \`assets[3].type\`; an asset tag already used by another serial number, or a device that has been disposed of, answers 409 naming the tag and the other serial. Status is never changed here. Always answers 200, with how many were created and updated.`,
  scope: 'assets:write',
  body: ApiAssetsInput,
  bodyLimit: 1024 * 1024,
  response: ApiAssetsSaved,
  errors: [400, 409, 413],
  handler: async (ctx, { body }) => {
    const { records, prefix } = recordsOf(body);
    let results: Awaited<ReturnType<typeof upsertBySerial>>;
    try {
      results = await upsertBySerial(ctx, records, prefix);
    } catch (error) {
      // Bad input is a 400 with fields in the API; a clash with the register keeps its 409.
      if (error instanceof ValidationError && error.statusCode === 422) throw new ApiInputError(error.fieldErrors as FieldErrors);
      throw error;
    }
    const byId = await schoolMap(ctx);
    return {
      created: results.filter((r) => r.result === 'created').length,
      updated: results.filter((r) => r.result === 'updated').length,
      assets: results.map((r) => ({ ...toApiAsset(r.row, byId), result: r.result })),
    };
  },
});

export const assetEndpoints = [listAssetsEndpoint, getAssetEndpoint, saveAssetsEndpoint];
