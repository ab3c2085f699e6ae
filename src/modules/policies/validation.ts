import { z } from 'zod';
import { blankToUndefined, optionalDate, optionalText, requiredText } from '../../validation.ts';
import { PERSON_KIND_CODES, ROLE_CODES } from '../organisations/roles.ts';

const yes = z.preprocess((v) => v === 'yes' || v === true || v === 'true', z.boolean());
const optionalUuid = (message: string) => z.preprocess((v) => (v === '' ? undefined : v), z.uuid({ error: message }).optional());
const list = <T extends z.ZodType>(item: T) => z.preprocess((v) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]), z.array(item));

export const policyInput = z.object({
  title: requiredText(200, 'Enter the policy’s title', 'Title'),
  slug: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
    z
      .string({ error: 'Enter a short name for web addresses' })
      .min(2, 'Short name must be at least 2 characters')
      .max(60, 'Short name must be 60 characters or fewer')
      .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'Short name can only contain lower-case letters, numbers and hyphens, like staff-ict-aup'),
  ),
  /** 'trust' for every school, or a school's id. */
  scope: z.preprocess(blankToUndefined, z.string({ error: 'Choose who the policy belongs to' })),
  ownerPersonId: optionalUuid('Choose the owner from the list'),
  ownerRole: z.preprocess(blankToUndefined, z.enum(ROLE_CODES, { error: 'Choose a role from the list' }).optional()),
  approverBody: optionalText(200, 'Approved by'),
  approverPersonId: optionalUuid('Choose the approving person from the list'),
  category: z.enum(['public', 'internal'], { error: 'Choose public or internal' }),
  statutory: yes,
  publishOnWebsite: yes,
  reviewCycleMonths: z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ error: 'Enter the review cycle in months, like 12 or 24' })
      .int('Enter a whole number of months')
      .min(1, 'The review cycle must be at least 1 month')
      .max(60, 'The review cycle must be 60 months or fewer'),
  ),
  relatedPolicies: z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean)
        : (v ?? []),
    z.array(z.string().max(200, 'Each related policy must be 200 characters or fewer')).max(50, 'List at most 50 related policies'),
  ),
  audienceKinds: list(z.enum(PERSON_KIND_CODES, { error: 'Choose kinds of person from the list' })),
  audienceRoles: list(z.enum(ROLE_CODES, { error: 'Choose roles from the list' })),
  audienceSchoolIds: list(z.uuid({ error: 'Choose schools from the list' })),
});
export type PolicyInput = z.output<typeof policyInput>;

export const draftInput = z.object({
  label: requiredText(30, 'Enter a version label, like V2.0', 'Version label'),
  changeSummary: optionalText(2000, 'What changed'),
  changeOrigin: optionalText(200, 'Reason for the change'),
});

export const approveInput = z.object({
  approvalBody: requiredText(200, 'Enter who approved it, like Board of Trustees', 'Approved by'),
  approvalMinutesRef: optionalText(200, 'Minutes reference'),
});

export const publishInput = z
  .object({
    effectiveFrom: optionalDate('Effective from').refine((v) => v !== undefined, 'Enter the date it takes effect'),
    change: z.enum(['material', 'minor'], { error: 'Choose whether everyone must sign again' }),
    materialReason: requiredText(2000, 'Say why: it is kept with the version', 'Reason'),
  })
  .transform((v) => ({ ...v, effectiveFrom: v.effectiveFrom as string, material: v.change === 'material' }));
