import { z } from 'zod';
import { blankToUndefined, manyValues, optionalDate, optionalText, requiredText } from '../../validation.ts';
import { PERSON_KIND_CODES, ROLE_CODES } from '../organisations/roles.ts';

const list = <T extends z.ZodType>(item: T) => z.preprocess((v) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]), z.array(item));

const wholeDays = (label: string, min: number, max: number) =>
  z.coerce
    .number({ error: `Enter ${label} as a whole number of days` })
    .int(`Enter ${label} as a whole number of days`)
    .min(min, `${label[0]?.toUpperCase()}${label.slice(1)} must be at least ${min} ${min === 1 ? 'day' : 'days'}`)
    .max(max, `${label[0]?.toUpperCase()}${label.slice(1)} must be ${max} days or fewer`);

/** "7, 1, 0" → [7, 1, 0]: days before the due date, largest first, no repeats. */
const daysList = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(/[\s,]+/)
          .filter(Boolean)
          .map((x) => (/^\d+$/.test(x) ? Number(x) : Number.NaN))
      : v,
  z
    .array(z.number({ error: 'List days before the due date as numbers, like 7, 1, 0' }).int().min(0).max(90, 'Reminders can start at most 90 days before'))
    .max(10, 'List at most 10 reminder days')
    .transform((days) => [...new Set(days)].sort((a, b) => b - a)),
);

/** The assign form: who must sign the version in force, by when, and how they are reminded. */
export const campaignInput = z
  .object({
    audience: z.enum(['everyone', 'filtered'], { error: 'Choose who must sign' }),
    schoolIds: list(z.uuid({ error: 'Choose schools from the list' })),
    kinds: list(z.enum(PERSON_KIND_CODES, { error: 'Choose kinds of person from the list' })),
    roles: list(z.enum(ROLE_CODES, { error: 'Choose roles from the list' })),
    personIds: list(z.uuid({ error: 'Choose people from the list' })),
    dueOn: optionalDate('The due date').refine((v) => v !== undefined, 'Enter the date they must sign by'),
    onboarding: z.preprocess((v) => v === 'yes' || v === true, z.boolean()),
    onboardingDays: z.preprocess(blankToUndefined, wholeDays('the days a new starter has', 1, 365).optional()),
    reminderDaysBefore: daysList,
    overdueEveryDays: z.preprocess(blankToUndefined, wholeDays('the days between reminders once overdue', 1, 90)),
    escalateManagerAfterDays: z.preprocess(blankToUndefined, wholeDays('the days overdue before the line manager is told', 1, 365).optional()),
    escalateHeadAfterDays: z.preprocess(blankToUndefined, wholeDays('the days overdue before the head teacher is told', 1, 365).optional()),
    resignDays: z.preprocess(blankToUndefined, wholeDays('the days to sign a new version', 1, 365).default(28)),
  })
  // Checks across fields run even when another field has its own error (`when`), so every
  // problem is shown on the first submit rather than one round later.
  .superRefine(
    (raw, ctx) => {
      const v = raw as Partial<Record<string, unknown>>;
      const many = (x: unknown) => (Array.isArray(x) ? x.length : x ? 1 : 0);
      const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
      if (v.audience === 'filtered' && !many(v.schoolIds) && !many(v.kinds) && !many(v.roles) && !many(v.personIds))
        ctx.addIssue({ code: 'custom', path: ['audience'], message: 'Choose at least one school, kind of person, role or person, or choose everyone' });
      if (v.onboarding === true && v.onboardingDays === undefined)
        ctx.addIssue({ code: 'custom', path: ['onboardingDays'], message: 'Enter how many days a new starter has to sign' });
      const manager = num(v.escalateManagerAfterDays);
      const head = num(v.escalateHeadAfterDays);
      if (manager !== undefined && head !== undefined && head <= manager)
        ctx.addIssue({ code: 'custom', path: ['escalateHeadAfterDays'], message: 'The head teacher is told after the line manager: enter more days' });
    },
    { when: () => true },
  )
  .transform((v) => ({
    audience: {
      everyone: v.audience === 'everyone',
      schoolIds: v.audience === 'everyone' ? [] : v.schoolIds,
      kinds: v.audience === 'everyone' ? [] : v.kinds,
      roles: v.audience === 'everyone' ? [] : v.roles,
      personIds: v.audience === 'everyone' ? [] : v.personIds,
    },
    dueOn: v.dueOn as string,
    onboardingDays: v.onboarding ? (v.onboardingDays ?? null) : null,
    reminderDaysBefore: v.reminderDaysBefore,
    overdueEveryDays: v.overdueEveryDays,
    escalateManagerAfterDays: v.escalateManagerAfterDays ?? null,
    escalateHeadAfterDays: v.escalateHeadAfterDays ?? null,
    resignDays: v.resignDays,
  }));
export type CampaignInput = z.output<typeof campaignInput>;

/** Names match ignoring case and extra spaces: "  jane   SMITH " is Jane Smith. */
export const normaliseName = (name: string) => name.normalize('NFC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('en-GB');

/** The signature form. Statements are ticked by their position in the version's list. */
export const signInput = z.object({
  typedName: requiredText(200, 'Type your full name to sign', 'Full name'),
  position: requiredText(200, 'Enter your position, like Class teacher', 'Position'),
  statements: manyValues,
});

/** A paper form recorded by a head teacher or administrator, with the scan attached. */
export const paperInput = z.object({
  typedName: requiredText(200, 'Enter the name as written on the form', 'Name on the form'),
  position: requiredText(200, 'Enter the position as written on the form', 'Position'),
  signedOn: optionalDate('The date on the form').refine((v) => v !== undefined, 'Enter the date written on the form'),
  proxyNote: requiredText(2000, 'Say why it was signed on paper, like "No computer access at the induction"', 'Reason'),
});

export const annualInput = z.object({
  resignEveryMonths: z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ error: 'Enter a number of months, like 12' })
      .int('Enter a whole number of months')
      .min(1, 'Enter at least 1 month')
      .max(60, 'Enter 60 months or fewer')
      .optional(),
  ),
  note: optionalText(500, 'Note'),
});
