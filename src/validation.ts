import { z } from 'zod';
import { type FieldErrors, ValidationError } from './errors.ts';

/** Turns form strings into what schemas expect: blank means "not given". */
export const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v);

const tooLong = (max: number, label: string) => `${label} must be ${max.toLocaleString('en-GB')} characters or fewer`;

export const optionalText = (max: number, label: string) => z.preprocess(blankToUndefined, z.string().max(max, tooLong(max, label)).optional());

export const requiredText = (max: number, message: string, label: string) =>
  z.preprocess(blankToUndefined, z.string({ error: message }).min(1, message).max(max, tooLong(max, label)));

/** Free text of a form: trimmed, blank is "not given"; required when `missing` (the message) is given. */
export const textField = (max: number, label: string, missing?: string) => (missing ? requiredText(max, missing, label) : optionalText(max, label));

export const emailField = (message = 'Enter an email address in the correct format, like name@example.org') =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
    z
      .string({ error: 'Enter an email address' })
      .min(1, 'Enter an email address')
      .max(254, 'Email address must be 254 characters or fewer')
      .pipe(z.email({ error: message })),
  );

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const UK_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

/** A calendar date as YYYY-MM-DD, from "2026-03-03" or the UK "3/3/2026"; null when it is not a real date. */
export function parseCalendarDate(input: string): string | null {
  const s = input.trim();
  let y: number;
  let m: number;
  let d: number;
  const iso = ISO_DATE.exec(s);
  const uk = UK_DATE.exec(s);
  if (iso) [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else if (uk) [d, m, y] = [Number(uk[1]), Number(uk[2]), Number(uk[3])];
  else return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d || y < 1900 || y > 2200) return null;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export const optionalDate = (label: string) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .transform((v, ctx) => {
        const parsed = parseCalendarDate(v);
        if (!parsed) {
          ctx.addIssue({ code: 'custom', message: `${label} must be a real date` });
          return z.NEVER;
        }
        return parsed;
      })
      .optional(),
  );

export const uuid = z.uuid();
export const isUuid = (v: unknown): v is string => typeof v === 'string' && uuid.safeParse(v).success;

/** A form field that may arrive once (a string) or many times (an array). */
export const manyValues = z.preprocess((v) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]), z.array(z.string()));

export function toFieldErrors(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join('.') || 'form';
    errors[key] ??= issue.message;
  }
  return errors;
}

/** Parses input with a schema or throws a ValidationError carrying one message per field. */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(toFieldErrors(result.error));
  return result.data;
}

/**
 * Joins the day, month and year boxes of a date input into one value for the schema:
 * YYYY-MM-DD when all three are given, blank when none is, and the raw parts otherwise
 * (which the date schema then reports as not a real date).
 */
export function joinDateParts<T extends Record<string, unknown>>(body: T, names: string[]): T {
  const out: Record<string, unknown> = { ...body };
  for (const name of names) {
    const parts = ['day', 'month', 'year'].map((k) => String(body[`${name}-${k}`] ?? '').trim());
    if (parts.every((p) => p === '')) {
      if (!(name in body)) out[name] = '';
      continue;
    }
    const [d, m, y] = parts as [string, string, string];
    out[name] = /^\d{1,2}$/.test(d) && /^\d{1,2}$/.test(m) && /^\d{4}$/.test(y) ? `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}` : `${d}/${m}/${y}?`;
  }
  return out as T;
}
