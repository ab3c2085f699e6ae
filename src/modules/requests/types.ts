import { z } from 'zod';
import { blankToUndefined, manyValues, parseCalendarDate } from '../../validation.ts';
import type { Role } from '../organisations/roles.ts';

/**
 * The permission request types and who decides each: the one table (PRODUCT §9, from the seeds'
 * "not without permission from X" rules). The choose-a-type page, the forms, the server-side
 * validation, who is emailed and who may decide all follow it.
 */

/**
 * Who decides. `school_else_trust`: holders of the role at the request's school may decide, and so
 * may trust-wide holders; the email goes to the school's holders, or the trust's when the school
 * has none. `trust`: trust-wide holders only. `school`: holders at the request's school only (the
 * request must name a school); `also` are further roles at the school who may decide and who are
 * emailed, in order, when nobody holds the main role there.
 */
export type Approver = { role: Role; where: 'school_else_trust' | 'trust' | 'school'; also?: Role[]; label: string };

export type FieldKind = 'text' | 'textarea' | 'date' | 'url' | 'number' | 'file' | 'select' | 'checkboxes';
export type FieldOption = { value: string; label: string };

export type RequestField = {
  name: string;
  label: string;
  kind: FieldKind;
  required: boolean;
  hint?: string;
  options?: FieldOption[];
  /** The message when a required field is left empty; "Enter <label>" otherwise. */
  missing?: string;
  /** A date that must be on or after another date field of the form. */
  notBefore?: string;
};

export type RequestType = {
  label: string;
  /** A short phrase for lists and emails: "install software". */
  verb: string;
  hint: string;
  approver: Approver;
  fields: RequestField[];
  /** The answer that names what is asked for, shown in lists ("Scratch"). */
  titleField: string;
  /** An exception that may be approved until a date, then lapses (the sweep marks it expired). */
  expiry: boolean;
};

const IT: Approver = { role: 'it_services', where: 'school_else_trust', label: 'IT services' };
const NETWORK: Approver = { role: 'it_services', where: 'school_else_trust', label: 'IT services (the network manager)' };
const DPO: Approver = { role: 'dpo', where: 'trust', label: 'The trust’s data protection officer (DPO)' };
const SLT: Approver = { role: 'slt', where: 'school', also: ['deputy_head', 'head_teacher'], label: 'The school’s senior leadership team (SLT)' };
const HEAD: Approver = { role: 'head_teacher', where: 'school', label: 'The head teacher' };

/** The kinds of personal data a cloud service may hold; the register shows the same list. */
export const DATA_CATEGORIES: FieldOption[] = [
  { value: 'none', label: 'No personal data' },
  { value: 'pupil_names', label: 'Pupils’ names' },
  { value: 'pupil_contact', label: 'Pupils’ or parents’ contact details' },
  { value: 'dates_of_birth', label: 'Dates of birth' },
  { value: 'images', label: 'Photographs, video or voice recordings' },
  { value: 'attainment', label: 'Work, marks and attainment' },
  { value: 'attendance', label: 'Attendance and behaviour' },
  { value: 'special_category', label: 'Health, SEND or other special category data' },
  { value: 'staff', label: 'Staff names and work details' },
];
export const dataCategoryLabel = (value: string) => DATA_CATEGORIES.find((c) => c.value === value)?.label ?? value;

export const LICENCE_FIELD = 'licence';
export const LICENCE_TYPES = 'PDF, JPEG, PNG, GIF, WebP or HEIC';

export const REQUEST_TYPES = {
  software: {
    label: 'Install software',
    verb: 'install software',
    hint: 'Any program or app on a school computer, even if it is free.',
    approver: IT,
    titleField: 'name',
    expiry: false,
    fields: [
      { name: 'name', label: 'Name of the software', kind: 'text', required: true },
      { name: 'version', label: 'Version (optional)', kind: 'text', required: false },
      { name: 'why', label: 'Why you need it', kind: 'textarea', required: true, missing: 'Say why you need the software' },
      {
        name: 'machines',
        label: 'Which computers it goes on',
        kind: 'textarea',
        required: true,
        hint: 'For example “the 30 laptops in IT suite 2” or asset tags.',
        missing: 'Say which computers the software goes on',
      },
      {
        name: LICENCE_FIELD,
        label: 'Proof of licence',
        kind: 'file',
        required: true,
        hint: `Needed even for free software: the licence, the receipt, or the publisher’s terms saying it is free for schools. ${LICENCE_TYPES}, 5 MB at most.`,
        missing: 'Attach proof of the licence, even for free software',
      },
    ],
  },
  hardware: {
    label: 'Buy hardware or peripherals',
    verb: 'buy hardware',
    hint: 'Computers, tablets, cameras, printers, keyboards and anything that connects to one.',
    approver: IT,
    titleField: 'what',
    expiry: false,
    fields: [
      { name: 'what', label: 'What you want to buy', kind: 'textarea', required: true, missing: 'Say what you want to buy' },
      { name: 'why', label: 'Why you need it', kind: 'textarea', required: true, missing: 'Say why you need it' },
      { name: 'cost', label: 'Cost in pounds', kind: 'number', required: true, hint: 'Including VAT, for example 249.99.', missing: 'Enter the cost' },
    ],
  },
  cloud_service: {
    label: 'Use a new cloud service',
    verb: 'use a new cloud service',
    hint: 'A website or app that stores school or pupil information online. Check the approved list first.',
    approver: DPO,
    titleField: 'serviceName',
    expiry: false,
    fields: [
      { name: 'serviceName', label: 'Name of the service', kind: 'text', required: true },
      { name: 'supplier', label: 'Supplier', kind: 'text', required: true, hint: 'The company that runs it.', missing: 'Enter the supplier' },
      {
        name: 'website',
        label: 'Website address',
        kind: 'url',
        required: true,
        hint: 'For example https://www.example.com',
        missing: 'Enter the website address',
      },
      {
        name: 'personalData',
        label: 'What personal data it would hold',
        kind: 'checkboxes',
        required: true,
        hint: 'Select all that apply.',
        options: DATA_CATEGORIES,
        missing: 'Select the personal data it would hold, or “No personal data”',
      },
      { name: 'why', label: 'What you would use it for', kind: 'textarea', required: true, missing: 'Say what you would use it for' },
    ],
  },
  website_unblock: {
    label: 'Unblock a website',
    verb: 'unblock a website',
    hint: 'A site the school’s filtering blocks that you need for teaching.',
    approver: IT,
    titleField: 'url',
    expiry: true,
    fields: [
      { name: 'url', label: 'Website address', kind: 'url', required: true, missing: 'Enter the website address' },
      {
        name: 'reason',
        label: 'The teaching reason',
        kind: 'textarea',
        required: true,
        hint: 'Which lesson or class, and why this site.',
        missing: 'Give the teaching reason',
      },
    ],
  },
  record_pupils: {
    label: 'Record pupils on your own equipment',
    verb: 'record pupils on personal equipment',
    hint: 'Photographs, video or sound of pupils on a phone, camera or computer that is not the school’s.',
    approver: SLT,
    titleField: 'equipment',
    expiry: true,
    fields: [
      { name: 'purpose', label: 'What the recording is for', kind: 'textarea', required: true, missing: 'Say what the recording is for' },
      {
        name: 'equipment',
        label: 'The personal equipment you would use',
        kind: 'text',
        required: true,
        hint: 'For example “my own phone”.',
        missing: 'Say which equipment you would use',
      },
      { name: 'from', label: 'From', kind: 'date', required: true, missing: 'Enter the first date' },
      { name: 'to', label: 'To', kind: 'date', required: true, notBefore: 'from', missing: 'Enter the last date' },
    ],
  },
  social_contact: {
    label: 'Planned social contact with a pupil',
    verb: 'have planned social contact with a pupil',
    hint: 'Any contact with a pupil outside school that you know about in advance.',
    approver: SLT,
    titleField: 'pupil',
    expiry: true,
    fields: [
      {
        name: 'pupil',
        label: 'The pupil',
        kind: 'text',
        required: true,
        hint: 'Describe them rather than naming them, for example “Year 9 pupil in my tutor group”.',
        missing: 'Describe the pupil',
      },
      { name: 'reason', label: 'The reason for the contact', kind: 'textarea', required: true, missing: 'Give the reason for the contact' },
      { name: 'plannedOn', label: 'Planned date', kind: 'date', required: true, missing: 'Enter the planned date' },
    ],
  },
  social_media_account: {
    label: 'Manage an official social media account',
    verb: 'manage an official social media account',
    hint: 'An account that speaks for the school, a department or a club.',
    approver: HEAD,
    titleField: 'accountName',
    expiry: true,
    fields: [
      {
        name: 'platform',
        label: 'Platform',
        kind: 'select',
        required: true,
        missing: 'Choose the platform',
        options: ['Facebook', 'Instagram', 'X (Twitter)', 'YouTube', 'TikTok', 'LinkedIn', 'Other'].map((p) => ({ value: p, label: p })),
      },
      { name: 'accountName', label: 'Account name', kind: 'text', required: true, hint: 'For example @OakfieldPE.', missing: 'Enter the account name' },
      { name: 'purpose', label: 'What the account is for', kind: 'textarea', required: true, missing: 'Say what the account is for' },
    ],
  },
  school_logo: {
    label: 'Use the school’s name or logo',
    verb: 'use the school’s name or logo',
    hint: 'On a website, account, letter, merchandise or anything outside school.',
    approver: HEAD,
    titleField: 'where',
    expiry: true,
    fields: [
      { name: 'where', label: 'Where the name or logo would appear', kind: 'textarea', required: true, missing: 'Say where the name or logo would appear' },
      { name: 'why', label: 'Why', kind: 'textarea', required: true, missing: 'Say why' },
    ],
  },
  large_download: {
    label: 'Make a large download',
    verb: 'make a large download',
    hint: 'Anything large enough to slow the school’s network: videos, software images, game updates.',
    approver: NETWORK,
    titleField: 'what',
    expiry: false,
    fields: [
      { name: 'what', label: 'What you would download', kind: 'text', required: true, missing: 'Say what you would download' },
      { name: 'size', label: 'Approximate size', kind: 'text', required: true, hint: 'For example 12 GB.', missing: 'Enter the approximate size' },
      { name: 'when', label: 'When', kind: 'date', required: true, hint: 'The day you would download it.', missing: 'Enter the date of the download' },
    ],
  },
  access_change: {
    label: 'Change access permissions',
    verb: 'change access permissions',
    hint: 'Access to a system, shared drive, group or account for you or someone else.',
    approver: IT,
    titleField: 'system',
    expiry: true,
    fields: [
      { name: 'system', label: 'System', kind: 'text', required: true, hint: 'For example the MIS, a shared drive or a mailbox.', missing: 'Enter the system' },
      { name: 'access', label: 'What access to add or remove', kind: 'textarea', required: true, missing: 'Say what access to add or remove' },
      { name: 'forWhom', label: 'Who the access is for', kind: 'text', required: true, hint: 'Their name and role.', missing: 'Say who the access is for' },
      { name: 'why', label: 'Why', kind: 'textarea', required: true, missing: 'Say why' },
    ],
  },
  resource_outside_ratings: {
    label: 'Use a resource outside its rating or filtering',
    verb: 'use a teaching resource outside its rating',
    hint: 'A film, game or site whose age rating or filtering category is outside what the class may normally use.',
    approver: HEAD,
    titleField: 'resource',
    expiry: true,
    fields: [
      { name: 'resource', label: 'The resource', kind: 'text', required: true, missing: 'Name the resource' },
      {
        name: 'rating',
        label: 'Its rating or filtering category',
        kind: 'text',
        required: true,
        hint: 'For example “BBFC 15” or “blocked: social networking”.',
        missing: 'Enter its rating or filtering category',
      },
      { name: 'reason', label: 'The teaching reason', kind: 'textarea', required: true, missing: 'Give the teaching reason' },
      { name: 'class', label: 'Class or year group', kind: 'text', required: true, missing: 'Enter the class or year group' },
    ],
  },
} as const satisfies Record<string, RequestType>;

export type RequestTypeCode = keyof typeof REQUEST_TYPES;
export const REQUEST_TYPE_CODES = Object.keys(REQUEST_TYPES) as RequestTypeCode[];
export const isRequestType = (value: unknown): value is RequestTypeCode => typeof value === 'string' && Object.hasOwn(REQUEST_TYPES, value);
export const requestType = (code: RequestTypeCode): RequestType => REQUEST_TYPES[code];
export const typeLabel = (code: string) => (isRequestType(code) ? REQUEST_TYPES[code].label : code);
export const hasFile = (code: RequestTypeCode) => requestType(code).fields.some((f) => f.kind === 'file');

const MAX = { text: 200, textarea: 2000, url: 500 } as const;
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
const missingMessage = (f: RequestField) => f.missing ?? `Enter ${lowerFirst(f.label)}`;

/** A web address as people type it: "www.bbc.co.uk/bitesize" gets https:// in front. */
export function normaliseUrl(input: string): string | null {
  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(input) ? input : `https://${input}`;
  try {
    const url = new URL(withScheme);
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !url.hostname.includes('.')) return null;
    return url.toString();
  } catch {
    return null;
  }
}

/** A sum of money in pounds: "£1,249.99" → "1249.99". */
export function normaliseMoney(input: string): string | null {
  const s = input.replace(/[£,\s]/g, '');
  if (!/^\d{1,7}(\.\d{1,2})?$/.test(s)) return null;
  return Number(s).toFixed(2);
}

/** A zod transform that converts a string or reports `message` when it cannot. */
const convert =
  (fn: (v: string) => string | null, message: string) =>
  (v: string, ctx: z.RefinementCtx): string => {
    const out = fn(v);
    if (out !== null) return out;
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  };

function fieldSchema(f: RequestField): z.ZodType {
  const missing = missingMessage(f);
  const optional = <T extends z.ZodType>(schema: T) => (f.required ? schema : schema.optional());
  switch (f.kind) {
    case 'text':
    case 'textarea': {
      const max = MAX[f.kind];
      return z.preprocess(
        blankToUndefined,
        optional(z.string({ error: missing }).max(max, `${f.label.replace(/ \(optional\)$/, '')} must be ${max.toLocaleString('en-GB')} characters or fewer`)),
      );
    }
    case 'url':
      return z.preprocess(
        blankToUndefined,
        optional(
          z
            .string({ error: missing })
            .max(MAX.url, `The address must be ${MAX.url} characters or fewer`)
            .transform(convert(normaliseUrl, 'Enter a web address, like https://www.example.com')),
        ),
      );
    case 'number':
      return z.preprocess(
        blankToUndefined,
        optional(z.string({ error: missing }).transform(convert(normaliseMoney, `${f.label} must be an amount like 249.99`))),
      );
    case 'date':
      return z.preprocess(blankToUndefined, optional(z.string({ error: missing }).transform(convert(parseCalendarDate, `${f.label} must be a real date`))));
    case 'select': {
      const values = (f.options ?? []).map((o) => o.value);
      return z.preprocess(blankToUndefined, optional(z.string({ error: missing }).refine((v) => values.includes(v), missing)));
    }
    case 'checkboxes': {
      const values = (f.options ?? []).map((o) => o.value);
      const list = manyValues.pipe(z.array(z.string().refine((v) => values.includes(v), 'Select from the list')));
      return f.required ? list.refine((v) => v.length > 0, missing) : list;
    }
    case 'file':
      // Files are checked by their bytes in the service (request_files), not as form text.
      return z.any().transform(() => undefined);
  }
}

export type Answers = Record<string, string | string[]>;

/** The zod schema of a type's answers, built from its field list (files excluded). */
export function answersSchema(code: RequestTypeCode) {
  const fields = requestType(code).fields.filter((f) => f.kind !== 'file');
  return z.object(Object.fromEntries(fields.map((f) => [f.name, fieldSchema(f)])));
}

/**
 * Dates that must not come before another ("To" after "From"), checked field by field so the
 * message shows even when something else on the form is wrong.
 */
export function dateOrderErrors(code: RequestTypeCode, values: Record<string, unknown>): Record<string, string> {
  const fields = requestType(code).fields;
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const earlier = f.notBefore ? fields.find((x) => x.name === f.notBefore) : undefined;
    if (!earlier) continue;
    const start = fieldSchema(earlier).safeParse(values[earlier.name]).data;
    const end = fieldSchema(f).safeParse(values[f.name]).data;
    if (typeof start === 'string' && typeof end === 'string' && end < start)
      errors[f.name] = `${f.label} must be on or after the ${lowerFirst(earlier.label)} date`;
  }
  return errors;
}

/** The answers as stored: the schema's output without empty optional fields. */
export function cleanAnswers(parsed: Record<string, unknown>): Answers {
  const out: Answers = {};
  for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string' || (Array.isArray(v) && v.length)) out[k] = v as string | string[];
  return out;
}

/** The names of a type's date fields, whose day/month/year boxes the route joins. */
export const dateFieldNames = (code: RequestTypeCode) =>
  requestType(code)
    .fields.filter((f) => f.kind === 'date')
    .map((f) => f.name);

/** Plain words for who decides: "IT services". */
export const decidedBy = (code: RequestTypeCode) => requestType(code).approver.label;
