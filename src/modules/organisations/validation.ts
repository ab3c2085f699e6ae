import { z } from 'zod';
import { emailField, manyValues, optionalDate, optionalText, requiredText } from '../../validation.ts';
import { PERSON_KIND_CODES, ROLE_CODES } from './roles.ts';

export const personInput = z
  .object({
    fullName: requiredText(200, 'Enter the person’s full name', 'Full name'),
    email: emailField(),
    kind: z.enum(PERSON_KIND_CODES, { error: 'Choose what kind of person they are' }),
    position: optionalText(200, 'Position'),
    lineManagerId: z.preprocess((v) => (v === '' ? undefined : v), z.uuid({ error: 'Choose a line manager from the list' }).optional()),
    startDate: optionalDate('Start date'),
    endDate: optionalDate('End date'),
    externalId: optionalText(100, 'MIS or HR reference'),
    schoolIds: manyValues.pipe(z.array(z.uuid({ error: 'Choose schools from the list' }))),
  })
  .superRefine((v, ctx) => {
    if (v.startDate && v.endDate && v.endDate < v.startDate)
      ctx.addIssue({ code: 'custom', path: ['endDate'], message: 'End date must be the same as or after the start date' });
  });
export type PersonInput = z.output<typeof personInput>;

export const endDateInput = z.object({
  endDate: optionalDate('End date').refine((v) => v !== undefined, 'Enter the date they leave or left'),
});

export const roleInput = z.object({
  role: z.enum(ROLE_CODES, { error: 'Choose a role' }),
  scope: z.preprocess((v) => (v === '' ? undefined : v), z.string({ error: 'Choose where the role applies' })),
});

export const schoolInput = z.object({
  name: requiredText(200, 'Enter the school’s name', 'Name'),
  slug: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
    z
      .string({ error: 'Enter a short name for web addresses' })
      .min(2, 'Short name must be at least 2 characters')
      .max(40, 'Short name must be 40 characters or fewer')
      .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'Short name can only contain lower-case letters, numbers and hyphens, like oakfield-primary'),
  ),
  urn: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v),
    z
      .string()
      .regex(/^\d{6,7}$/, 'URN must be the 6 or 7 digit number from Get Information about Schools')
      .optional(),
  ),
  phase: optionalText(60, 'Phase'),
});

export const trustInput = z.object({
  name: requiredText(200, 'Enter the trust’s name', 'Name'),
  slug: schoolInput.shape.slug,
});
