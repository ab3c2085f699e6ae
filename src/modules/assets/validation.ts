import { z } from 'zod';
import { blankToUndefined, optionalDate, requiredText, textField } from '../../validation.ts';
import { ASSET_STATUSES, ASSET_TYPES, type AssetStatus, type AssetType } from './schema.ts';

export const ASSET_TYPE_CODES = Object.keys(ASSET_TYPES) as [AssetType, ...AssetType[]];
export const ASSET_STATUS_CODES = Object.keys(ASSET_STATUSES) as [AssetStatus, ...AssetStatus[]];
export const typeLabel = (code: string) => ASSET_TYPES[code as AssetType] ?? code;
export const statusLabel = (code: string) => ASSET_STATUSES[code as AssetStatus]?.label ?? code;

/** Tags go in addresses (/assets/OPS-LT-0001), so they keep to letters, digits and a few marks. */
export const TAG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Words the register's own pages use after /assets/, which a tag cannot be. */
const RESERVED_TAGS = new Set(['new', 'import']);

export const TAG_MAX = 50;
export const SERIAL_MAX = 100;

/** Why a tag is not acceptable, or null. Shared by the form, the import and the API. */
export function tagProblem(tag: string): string | null {
  if (tag.length > TAG_MAX) return `The asset tag must be ${TAG_MAX} characters or fewer`;
  if (!TAG_PATTERN.test(tag)) return 'The asset tag can only use letters, numbers, hyphens, dots and underscores, like OPS-LT-0001';
  if (RESERVED_TAGS.has(tag.toLowerCase())) return `‘${tag}’ cannot be used as an asset tag`;
  return null;
}

/** Serial numbers: any printable text, without line breaks. */
export function serialProblem(serial: string): string | null {
  if (serial.length > SERIAL_MAX) return `The serial number must be ${SERIAL_MAX} characters or fewer`;
  if (/[\r\n\t]/.test(serial)) return 'The serial number must be on one line';
  return null;
}

const tag = z.preprocess(
  blankToUndefined,
  z.string({ error: 'Enter the asset tag, as on the device’s label' }).superRefine((v, ctx) => {
    const problem = tagProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
);
const serial = z.preprocess(
  blankToUndefined,
  z.string({ error: 'Enter the serial number' }).superRefine((v, ctx) => {
    const problem = serialProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
);

/** The add and edit form. The school ('trust' for the trust's central stock) is checked against the database by the service. */
export const assetInput = z.object({
  tag,
  serial,
  type: z.preprocess(blankToUndefined, z.enum(ASSET_TYPE_CODES, { error: 'Choose what kind of device it is' })),
  make: textField(100, 'The make'),
  model: textField(100, 'The model'),
  school: z.preprocess(blankToUndefined, z.string({ error: 'Choose the school the device belongs to, or the whole trust' })),
  location: textField(200, 'The location'),
  purchasedOn: optionalDate('The purchase date'),
  orderReference: textField(100, 'The order reference'),
  notes: textField(2_000, 'The notes'),
});
export type AssetInput = z.output<typeof assetInput>;

/** The statuses a person can choose on the status page; on loan and disposed have their own ways in. */
export const MANUAL_STATUSES = ['in_stock', 'in_repair', 'lost', 'stolen'] as const satisfies readonly AssetStatus[];
export type ManualStatus = (typeof MANUAL_STATUSES)[number];

export const statusInput = z.object({
  status: z.preprocess(blankToUndefined, z.string({ error: 'Choose the new status' })),
  note: textField(2_000, 'The note'),
});

export const disposeInput = z.object({
  disposedOn: optionalDate('The date it was disposed of').refine((v) => v !== undefined, 'Enter the date it was disposed of'),
  wipeMethod: requiredText(200, 'Say how the data was wiped', 'The wipe method'),
  wipedBy: requiredText(200, 'Say who wiped it: a person or a company', 'Who wiped it'),
  certificateNumber: requiredText(100, 'Enter the wipe or destruction certificate number', 'The certificate number'),
  confirm: z.literal('yes', { error: 'Confirm that you understand disposal is final' }),
});

export const SORTS = ['tag', 'serial', 'type', 'make', 'school', 'status', 'purchased', 'updated'] as const;
export type AssetSort = (typeof SORTS)[number];

/** The register's search, filters, sort and page from the query string: a value that makes no sense shows the default. */
export const listQuery = z.object({
  q: z.preprocess(blankToUndefined, z.string().max(100).optional()).catch(undefined),
  status: z.enum(ASSET_STATUS_CODES).optional().catch(undefined),
  type: z.enum(ASSET_TYPE_CODES).optional().catch(undefined),
  school: z
    .union([z.literal('trust'), z.uuid()])
    .optional()
    .catch(undefined),
  sort: z.enum(SORTS).catch('tag'),
  dir: z.enum(['asc', 'desc']).catch('asc'),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
export type AssetListQuery = z.output<typeof listQuery>;

/** The query string for a list URL, without defaults. */
export function listParams(q: AssetListQuery, overrides: Partial<AssetListQuery> = {}) {
  const merged = { ...q, ...overrides };
  const params = new URLSearchParams();
  if (merged.q) params.set('q', merged.q);
  if (merged.status) params.set('status', merged.status);
  if (merged.type) params.set('type', merged.type);
  if (merged.school) params.set('school', merged.school);
  if (merged.sort !== 'tag') params.set('sort', merged.sort);
  if (merged.dir !== 'asc') params.set('dir', merged.dir);
  if (merged.page > 1) params.set('page', String(merged.page));
  return params.toString();
}
