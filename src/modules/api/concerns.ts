import { and, eq, gte, inArray, isNull, or } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../../context.ts';
import { type FieldErrors, ValidationError } from '../../errors.ts';
import { londonTime, londonToday } from '../../ui/format.ts';
import { type NewConcern, parseReportForm, reportConcern } from '../concerns/service.ts';
import { CONCERN_TYPE_CODES, CONCERN_TYPES, CONFIDENTIALITY, type ConcernTypeCode, type RouteRule } from '../concerns/types.ts';
import { ROLE_CODES, roleLabel } from '../organisations/roles.ts';
import { people } from '../organisations/schema.ts';
import { ApiInputError, apiSchemas, defineEndpoint } from './openapi.ts';

/*
 * Concerns from other systems (a filtering or monitoring service, an MIS) on behalf of a member
 * of staff: the same report as the form at /concerns/new, through the same service, so it is
 * validated, routed and emailed exactly as one typed in. Both endpoints need the concerns:write
 * scope: the list of types is what a caller needs to write one, and nothing else uses it.
 */

// ---------------------------------------------------------------------------------------------
// GET /concern-types

/** The extra fields each type needs, in the API's words (what, occurredAt and reporterEmail always). */
const REQUIRED_FIELDS: Partial<Record<ConcernTypeCode, string[]>> = {
  data_breach: ['dataInvolved'],
  device_lost: ['lossKind', 'deviceDescription', 'heldPersonalData'],
  staff_conduct: ['people'],
};

/** One routing rule in plain words, as the routing page says it. */
export function describeRoute(rule: RouteRule): string {
  if (rule.to === 'line_manager') return 'The reporter’s line manager';
  if (rule.to === 'staff_conduct')
    return 'The reporter’s line manager; if they are away or named in the report, the deputy head, then the head teacher, then the trust’s HR lead';
  if (rule.trustOnly) return `${roleLabel(rule.role)} for the trust`;
  const fallback = rule.fallback ? `; if there is none, the school’s ${roleLabel(rule.fallback).toLowerCase()}` : '';
  return `${roleLabel(rule.role)} at the school, or for the trust if the school has none${fallback}`;
}

const ApiConcernRoute = z
  .object({
    to: z
      .enum(['role', 'line_manager', 'staff_conduct'])
      .describe('role: holders of a role; line_manager: the reporter’s line manager; staff_conduct: see description'),
    role: z.enum(ROLE_CODES).nullable().describe('For `role`: the role told'),
    fallback: z.enum(ROLE_CODES).nullable().describe('For `role`: the role told at the school when nobody holds `role` there or for the trust'),
    description: z.string().describe('Who is told, in words'),
  })
  .describe('One rule of who a concern of this type is routed to')
  .register(apiSchemas, { id: 'ConcernRoute' });

export const ApiConcernType = z
  .object({
    code: z.enum(CONCERN_TYPE_CODES).describe('Send this as `type` when reporting a concern'),
    label: z.string(),
    hint: z.string().describe('What the type covers, as the form explains it'),
    urgent: z.boolean().describe('Urgent types are emailed to the people told at once; the others go in a daily summary'),
    confidentiality: z.enum(Object.keys(CONFIDENTIALITY) as [keyof typeof CONFIDENTIALITY]).describe('Who may open a concern of this type'),
    confidentialityLabel: z.string(),
    routedTo: z.string().describe('Who is told, in the words the form uses'),
    routes: z.array(ApiConcernRoute),
    requiredFields: z.array(z.string()).describe('The fields of POST /concerns this type needs, besides type, what, occurredAt and reporterEmail'),
  })
  .describe('A kind of concern staff can report, and who it goes to')
  .register(apiSchemas, { id: 'ConcernType' });

export const ApiConcernTypes = z
  .object({ data: z.array(ApiConcernType) })
  .describe('Every kind of concern, in the order the form lists them')
  .register(apiSchemas, { id: 'ConcernTypes' });

const listConcernTypes = defineEndpoint({
  method: 'GET',
  path: '/concern-types',
  operationId: 'listConcernTypes',
  summary: 'List the kinds of concern',
  description:
    'The kinds of concern staff can report, what each covers, who may read it and who it is routed to: the routing table of /concerns/routing. Send a `code` as `type` to POST /concerns.',
  scope: 'concerns:write',
  response: ApiConcernTypes,
  errors: [],
  handler: async () => ({
    data: CONCERN_TYPE_CODES.map((code) => {
      const t = CONCERN_TYPES[code];
      return {
        code,
        label: t.label,
        hint: t.hint,
        urgent: t.urgent,
        confidentiality: t.confidentiality,
        confidentialityLabel: CONFIDENTIALITY[t.confidentiality].label,
        routedTo: t.routedTo,
        routes: t.routes.map((rule) => ({
          to: rule.to,
          role: rule.to === 'role' ? rule.role : null,
          fallback: rule.to === 'role' ? (rule.fallback ?? null) : null,
          description: describeRoute(rule),
        })),
        requiredFields: REQUIRED_FIELDS[code] ?? [],
      };
    }),
  }),
});

// ---------------------------------------------------------------------------------------------
// POST /concerns

/** A string field: the message names the field, for a missing value and for a wrong type. */
const text = (name: string, required = false) => {
  const schema = z.string({ error: (issue) => (issue.input === undefined ? `${name} is required` : `${name} must be a string`) });
  return required ? schema : schema.nullish();
};
const instant = (name: string) =>
  z.iso.datetime({
    offset: true,
    error: (issue) =>
      issue.input === undefined
        ? `${name} is required`
        : `${name} must be a date and time with a time zone, like 2026-03-01T09:00:00Z or 2026-03-01T10:00:00+01:00`,
  });

/** Fields that only apply to one type: sent with another, they are refused rather than quietly dropped. */
const TYPE_ONLY: Record<string, ConcernTypeCode> = {
  discoveredAt: 'data_breach',
  dataInvolved: 'data_breach',
  peopleAffected: 'data_breach',
  lossKind: 'device_lost',
  crimeReference: 'device_lost',
  assetReference: 'device_lost',
  deviceDescription: 'device_lost',
  heldPersonalData: 'device_lost',
};

/** At most this many people from the directory on one concern. */
export const MAX_API_PEOPLE = 20;

export const ApiNewConcern = z
  .strictObject({
    type: z
      .enum(CONCERN_TYPE_CODES, { error: `type must be one of: ${CONCERN_TYPE_CODES.join(', ')}` })
      .describe('The kind of concern: a code from GET /concern-types'),
    what: text('what', true).describe('What was seen or heard, in full (up to 10,000 characters)'),
    occurredAt: instant('occurredAt').describe('When it happened, with a time zone; not in the future'),
    school: text('school').describe(
      'The school it happened at: its slug (as in GET /people) or id. Needed unless the reporter works at exactly one school, which is then used',
    ),
    reporterEmail: z
      .email({ error: (issue) => (issue.input === undefined ? 'reporterEmail is required' : 'reporterEmail must be an email address') })
      .describe(
        'The work email of the member of staff reporting it: someone of your trust who has not left. The concern is theirs, as if they had used the form',
      ),
    people: z
      .array(z.email({ error: 'people must be a list of email addresses' }), { error: 'people must be a list of email addresses' })
      .max(MAX_API_PEOPLE, { error: `people may name at most ${MAX_API_PEOPLE} people` })
      .nullish()
      .describe(
        'Work emails of people in your trust it involves. For staff_conduct they are the members of staff it is about (at least one is needed); for every other type, people affected or at risk',
      ),
    location: text('location').describe('Where it happened (up to 200 characters)'),
    othersInvolved: text('othersInvolved').describe('People involved who are not staff (pupils, visitors), described in full (up to 2,000 characters)'),
    discoveredAt: instant('discoveredAt')
      .nullish()
      .describe('data_breach only: when the breach was found out, which starts the 72-hour ICO clock. Now if left out'),
    dataInvolved: text('dataInvolved').describe('data_breach only, and needed: what personal data was involved (up to 2,000 characters)'),
    peopleAffected: z
      .number({ error: 'peopleAffected must be a whole number' })
      .int({ error: 'peopleAffected must be a whole number' })
      .nullish()
      .describe('data_breach only: roughly how many people’s data it was'),
    lossKind: z.enum(['lost', 'stolen'], { error: 'lossKind must be lost or stolen' }).nullish().describe('device_lost only, and needed: lost or stolen'),
    crimeReference: text('crimeReference').describe('device_lost only: the police crime reference number; needed when stolen'),
    assetReference: text('assetReference').describe('device_lost only: the school’s asset tag or the serial number'),
    deviceDescription: text('deviceDescription').describe('device_lost only, and needed: what the device is, like "Dell laptop, grey case"'),
    heldPersonalData: z
      .enum(['yes', 'no', 'unknown'], { error: 'heldPersonalData must be yes, no or unknown' })
      .nullish()
      .describe('device_lost only, and needed: whether it held personal data. yes also opens a data breach, linked to it'),
  })
  .describe('A concern reported on behalf of a member of staff. Fields outside this list are refused, as are fields of another type')
  .register(apiSchemas, { id: 'NewConcern' });
type ApiNewConcernInput = z.output<typeof ApiNewConcern>;

export const ApiConcernCreated = z
  .object({
    id: z.uuid(),
    reference: z.string().describe('The concern’s reference, like C-2026-0042: tell the reporter'),
    breach: z
      .object({ id: z.uuid(), reference: z.string() })
      .nullable()
      .describe('The data breach opened with it (a lost or stolen device that held personal data); otherwise null'),
  })
  .describe('The concern was recorded and the people it is routed to were told')
  .register(apiSchemas, { id: 'ConcernCreated' });

/** The form's field names, in the API's. */
const API_FIELD: Record<string, string> = {
  occurredOn: 'occurredAt',
  occurredTime: 'occurredAt',
  discoveredOn: 'discoveredAt',
  discoveredTime: 'discoveredAt',
  schoolId: 'school',
  person1: 'people',
  person2: 'people',
  person3: 'people',
  part1: 'people',
  part2: 'people',
  part3: 'people',
  people: 'people',
  attachments: 'body',
};

/** The form's errors under the API's field names, without overwriting a message already given. */
function mergeFormErrors(errors: FieldErrors, form: FieldErrors, body: ApiNewConcernInput) {
  for (const [field, message] of Object.entries(form)) {
    const name = API_FIELD[field] ?? field;
    if (name === 'school')
      errors.school ??= body.school
        ? 'school must be the slug or id of a school in your trust'
        : 'school is needed: the reporter does not work at exactly one school';
    else if (name === 'people' && CONCERN_TYPES[body.type].needsSubject && !errors.people)
      errors.people = 'people must include the email of the member of staff the report is about';
    else errors[name] ??= message;
  }
}

/** The form allows a clock a few minutes fast; so does the API. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** The form's fields from the API's: the same rules then apply to both. */
function asForm(body: ApiNewConcernInput, occurredAt: Date, discoveredAt: Date): Record<string, unknown> {
  const str = (v: string | number | null | undefined) => (v === null || v === undefined ? '' : String(v));
  return {
    type: body.type,
    what: body.what,
    location: str(body.location),
    othersInvolved: str(body.othersInvolved),
    schoolId: str(body.school),
    occurredOn: londonToday(occurredAt),
    occurredTime: londonTime(occurredAt),
    discoveredOn: londonToday(discoveredAt),
    discoveredTime: londonTime(discoveredAt),
    dataInvolved: str(body.dataInvolved),
    peopleAffected: str(body.peopleAffected),
    lossKind: str(body.lossKind),
    crimeReference: str(body.crimeReference),
    assetReference: str(body.assetReference),
    deviceDescription: str(body.deviceDescription),
    heldPersonalData: str(body.heldPersonalData),
  };
}

/**
 * Checks a concern from the API as the form would, and reports it for the member of staff named
 * by reporterEmail. Every problem answers 400 with a message per field, under the API's names,
 * and nothing is stored.
 */
export async function reportFromApi(ctx: Ctx, body: ApiNewConcernInput, now = new Date()) {
  const trustId = ctx.actor.trustId;
  const errors: FieldErrors = {};
  for (const [field, only] of Object.entries(TYPE_ONLY))
    if (body[field as keyof ApiNewConcernInput] != null && body.type !== only) errors[field] = `${field} only applies to ${only}`;

  const occurredAt = new Date(body.occurredAt);
  if (occurredAt.getTime() > now.getTime() + CLOCK_SKEW_MS) errors.occurredAt = 'occurredAt is in the future: report a concern once it has happened';
  const discoveredAt = body.discoveredAt ? new Date(body.discoveredAt) : now;
  if (body.discoveredAt && discoveredAt.getTime() > now.getTime() + CLOCK_SKEW_MS) errors.discoveredAt = 'discoveredAt is in the future';
  else if (body.discoveredAt && discoveredAt < occurredAt)
    errors.discoveredAt = 'discoveredAt is before occurredAt: it cannot have been found out before it happened';

  const today = londonToday(now);
  const [reporter] = await ctx.db
    .select({ id: people.id })
    .from(people)
    .where(and(eq(people.trustId, trustId), eq(people.email, body.reporterEmail.trim().toLowerCase()), or(isNull(people.endDate), gte(people.endDate, today))));
  if (!reporter) errors.reporterEmail = 'reporterEmail must be the email of a member of staff of your trust who has not left';

  const emails = [...new Set((body.people ?? []).map((e) => e.trim().toLowerCase()))];
  if (emails.length) {
    const found = await ctx.db
      .select({ email: people.email })
      .from(people)
      .where(and(eq(people.trustId, trustId), inArray(people.email, emails)));
    const missing = emails.filter((e) => !found.some((f) => f.email === e));
    if (missing.length) errors.people = `people must be emails of people in your trust: nobody has the email ${missing.join(', ')}`;
  } else if (CONCERN_TYPES[body.type].needsSubject) errors.people = 'people must include the email of the member of staff the report is about';

  let input: NewConcern | null = null;
  try {
    // Dates and times are checked above to the second; the form's own checks see them to the minute.
    const parsed = parseReportForm(asForm(body, occurredAt, discoveredAt), now);
    const part = CONCERN_TYPES[body.type].needsSubject ? 'subject' : 'affected';
    input = {
      ...parsed,
      occurredAt,
      people: emails.map((ref) => ({ ref, part, field: 'people' })),
      ...(parsed.breach ? { breach: { ...parsed.breach, discoveredAt } } : {}),
    };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    mergeFormErrors(errors, error.fieldErrors, body);
  }
  if (Object.keys(errors).length || !input || !reporter) throw new ApiInputError(errors);

  try {
    return await reportConcern(ctx, input, [], { reporterId: reporter.id, now });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const mapped: FieldErrors = {};
    mergeFormErrors(mapped, error.fieldErrors, body);
    throw new ApiInputError(mapped);
  }
}

const reportConcernEndpoint = defineEndpoint({
  method: 'POST',
  path: '/concerns',
  operationId: 'reportConcern',
  summary: 'Report a concern',
  description:
    'Records a concern on behalf of a member of staff (`reporterEmail`), exactly as if they had used the form: the same checks, the same routing, the same emails to the people told (urgent types at once, the others in the daily summary), and the reporter can follow its status under "My reports". Its source is recorded as the API. Answers with the reference to give the reporter. Bad input answers 400 with a message for each field, and nothing is recorded.',
  scope: 'concerns:write',
  body: ApiNewConcern,
  response: ApiConcernCreated,
  status: 201,
  errors: [400, 413],
  handler: async (ctx, { body }) => {
    const created = await reportFromApi(ctx, body);
    return { id: created.id, reference: created.reference, breach: created.breach };
  },
});

export const concernEndpoints = [listConcernTypes, reportConcernEndpoint];
