import { z } from 'zod';
import { type FieldErrors, ValidationError } from '../../../errors.ts';
import { blankToUndefined, optionalText } from '../../../validation.ts';
import { POLICY_TOPICS } from '../content.ts';

/** What the signer gives, offered as checkboxes; anything else is typed in "other details". */
export const STANDARD_DECLARATION_FIELDS = ['Name', 'Position', 'Signature', 'Date'] as const;

const list = <T extends z.ZodType>(item: T) => z.preprocess((v) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]), z.array(item));

/** Text as typed in a textarea: Windows line endings, trailing spaces and blank lines at either end removed. */
export const normaliseText = (v: unknown) =>
  typeof v === 'string'
    ? v
        .replace(/\r\n?/g, '\n')
        .split('\n')
        .map((line) => line.trimEnd())
        .join('\n')
        .replace(/^\n+|\n+$/g, '')
    : v === undefined
      ? ''
      : v;

/** One item per line, blank lines ignored and bullet marks pasted from Word removed. */
const lines = (noun: string, maxItems: number, maxLength: number) =>
  z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(/\r?\n/)
            .map((l) => l.replace(/^\s*(?:[-•*▪●◦]\s+)?/, '').trim())
            .filter(Boolean)
        : v === undefined
          ? []
          : v,
    z.array(z.string()).superRefine((items, ctx) => {
      if (items.length > maxItems) ctx.addIssue({ code: 'custom', message: `Enter at most ${maxItems} ${noun}s, one on each line` });
      const long = items.findIndex((item) => item.length > maxLength);
      if (long >= 0)
        ctx.addIssue({
          code: 'custom',
          message: `Each ${noun} must be ${maxLength.toLocaleString('en-GB')} characters or fewer (line ${long + 1} is ${items[long]?.length.toLocaleString('en-GB')})`,
        });
    }),
  );

const blank = (v: unknown) => typeof v !== 'string' || v.trim() === '';

export const MAX_CLAUSE_TEXT = 50_000;

export const clauseInput = z
  .object({
    number: z.preprocess(
      blankToUndefined,
      z
        .string()
        .max(30, 'Number must be 30 characters or fewer')
        .regex(/^\S+$/, 'Number cannot contain spaces: write it as in the document, like 4.1 or 4.1.2')
        .optional(),
    ),
    heading: optionalText(300, 'Heading'),
    text: z.preprocess(
      normaliseText,
      z.string().max(MAX_CLAUSE_TEXT, `Text must be ${MAX_CLAUSE_TEXT.toLocaleString('en-GB')} characters or fewer: split it into sub-clauses`),
    ),
    topics: list(z.enum(POLICY_TOPICS, { error: 'Choose topics from the list' })),
  })
  .refine((v) => !blank(v.heading) || !blank(v.text), {
    path: ['text'],
    message: 'Enter the text of the clause, or at least a heading',
    // Checked even when another field is wrong, so every message shows at once.
    when: (payload) => typeof payload.value === 'object' && payload.value !== null,
  });
export type ClauseInput = z.output<typeof clauseInput>;

export const keyPointsInput = z.object({ keyPoints: lines('key point', 100, 2000) });
export const agreementInput = z.object({ agreementStatements: lines('agreement statement', 200, 2000) });

export const declarationInput = z
  .object({
    wording: z.preprocess(normaliseText, z.string().max(5000, 'Wording must be 5,000 characters or fewer')),
    fields: list(z.enum(STANDARD_DECLARATION_FIELDS, { error: 'Choose details from the list' })),
    otherFields: lines('other detail', 20, 100),
  })
  .transform((v) => {
    const fields: string[] = STANDARD_DECLARATION_FIELDS.filter((f) => v.fields.includes(f));
    for (const other of v.otherFields) if (!fields.some((f) => f.toLowerCase() === other.toLowerCase())) fields.push(other);
    return { wording: v.wording, fields };
  })
  .superRefine((v, ctx) => {
    if (v.fields.length > 20) ctx.addIssue({ code: 'custom', path: ['otherFields'], message: 'The signer can give at most 20 details' });
  });

export const moveInput = z.object({
  direction: z.enum(['up', 'down']),
  back: z.enum(['index', 'clause']).catch('index'),
});

/** Parses a form, with one message per form field (the first part of each issue's path). */
export function parseForm<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) errors[String(issue.path[0] ?? 'form')] ??= issue.message;
  throw new ValidationError(errors);
}
