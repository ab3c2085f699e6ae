import { z } from 'zod';
import { londonToday } from '../../ui/format.ts';
import { complianceByVersion, pageAcknowledgements } from '../acknowledgements/compliance/service.ts';
import { AUTH_METHODS, type AuthMethod } from '../acknowledgements/schema.ts';
import { apiSchemas, defineEndpoint } from './openapi.ts';

const AUTH_METHOD_CODES = Object.keys(AUTH_METHODS) as [AuthMethod, ...AuthMethod[]];

const counts = {
  assigned: z.number().int().describe('Current assignments of people who have not left, on the version in force'),
  signed: z.number().int().describe('Of those, signed (a signature carried over from a minor revision counts)'),
  outstanding: z.number().int().describe('Of those, not signed yet'),
  overdue: z.number().int().describe('Of those not signed, past their due date'),
};

export const ApiComplianceVersion = z
  .object({
    policy: z.object({ id: z.uuid(), title: z.string() }),
    version: z.object({ id: z.uuid(), label: z.string().describe('The version’s label, like V2.0') }),
    ...counts,
    schools: z
      .array(
        z.object({
          school: z.object({ id: z.uuid(), name: z.string() }),
          ...counts,
        }),
      )
      .describe('The same counts for each school with anyone asked to sign; someone at two schools counts at both, the central team at none'),
  })
  .describe('Who has signed one policy’s version in force')
  .register(apiSchemas, { id: 'ComplianceVersion' });

export const ApiCompliance = z
  .object({
    asOf: z.iso.date().describe('The day the counts are for (in the UK): overdue means due before this day'),
    data: z.array(ApiComplianceVersion).describe('One entry per policy with a version in force, by title'),
  })
  .describe('Compliance: for each policy’s version in force, how many people were asked to sign it, have signed, have not, and are overdue')
  .register(apiSchemas, { id: 'Compliance' });

export const ApiAcknowledgement = z
  .object({
    id: z.uuid().describe('The signature record’s id, as printed on its certificate'),
    seq: z.number().int().describe('Its place in the trust’s hash chain: 1, 2, 3…'),
    person: z.object({ id: z.uuid(), name: z.string(), email: z.string() }).describe('Who signed, as recorded when they signed'),
    policy: z.object({ id: z.uuid(), title: z.string() }).describe('The policy, with its title when it was signed'),
    version: z.object({ id: z.uuid(), label: z.string() }),
    contentSha256: z.string().describe('SHA-256 of the version’s content as it was shown to the signer'),
    signedAt: z.iso.datetime({ offset: true }).describe('When it was signed, in UTC'),
    authMethod: z
      .enum(AUTH_METHOD_CODES)
      .describe('How the signer proved who they were: magic_link, password, sso, paper (recorded by a member of staff) or imported'),
    imported: z.boolean().describe('Imported from an earlier record (a paper sheet or a spreadsheet) rather than signed in Countersign'),
    hash: z.string().describe('The record’s hash in the chain: SHA-256 over the previous record’s hash and this record'),
  })
  .describe('One signature: the evidence that a person agreed to a version of a policy')
  .register(apiSchemas, { id: 'Acknowledgement' });

export const ApiAcknowledgementsPage = z
  .object({
    data: z.array(ApiAcknowledgement),
    nextCursor: z.string().nullable().describe('Send as `cursor` to get the next page; null on the last page'),
  })
  .describe('One page of signature records, in the order they were written (seq)')
  .register(apiSchemas, { id: 'AcknowledgementsPage' });

const complianceEndpoint = defineEndpoint({
  method: 'GET',
  path: '/compliance',
  operationId: 'getCompliance',
  summary: 'Who has signed each policy',
  description:
    'For each policy’s version in force: how many agreements are assigned, signed, not signed and overdue, in all and by school. Counts current assignments of people who have not left; someone with three policies to sign counts once under each.',
  scope: 'compliance:read',
  response: ApiCompliance,
  errors: [],
  handler: async (ctx) => {
    const asOf = londonToday();
    const versions = await complianceByVersion(ctx, asOf);
    const four = (c: { assigned: number; signed: number; outstanding: number; overdue: number }) => ({
      assigned: c.assigned,
      signed: c.signed,
      outstanding: c.outstanding,
      overdue: c.overdue,
    });
    return {
      asOf,
      data: versions.map((v) => ({
        policy: v.policy,
        version: v.version,
        ...four(v.counts),
        schools: v.schools.map((s) => ({ school: s.school, ...four(s.counts) })),
      })),
    };
  },
});

// The cursor is the last record's seq, base64url-encoded so clients treat it as opaque.
const encodeCursor = (seq: number) => Buffer.from(`seq:${seq}`).toString('base64url');
const CURSOR_ERROR = 'cursor is not valid: send the nextCursor of the previous page unchanged';
const idOf = (name: string, what: string) => z.uuid({ error: `${name} must be ${what}’s id (a UUID)` }).optional();

const acknowledgementsQuery = z.object({
  limit: z.coerce
    .number({ error: 'limit must be a whole number from 1 to 500' })
    .int({ error: 'limit must be a whole number from 1 to 500' })
    .min(1, { error: 'limit must be a whole number from 1 to 500' })
    .max(500, { error: 'limit must be a whole number from 1 to 500' })
    .default(100)
    .describe('How many records to return, from 1 to 500'),
  cursor: z
    .string({ error: CURSOR_ERROR })
    .transform((value, ctx) => {
      const match = /^seq:(\d{1,15})$/.exec(Buffer.from(value, 'base64url').toString('utf8'));
      if (match) return Number(match[1]);
      ctx.addIssue({ code: 'custom', message: CURSOR_ERROR });
      return z.NEVER;
    })
    .optional()
    .describe('Where to start: the nextCursor of the previous page. Leave out for the first page'),
  policy: idOf('policy', 'a policy').describe('Only signatures of this policy (any of its versions)'),
  school: idOf('school', 'a school').describe('Only signatures of people who work at this school now'),
  person: idOf('person', 'a person').describe('Only this person’s signatures'),
  since: z.iso
    .datetime({ offset: true, error: 'since must be a date and time with a time zone, like 2026-03-01T09:00:00Z' })
    .optional()
    .describe('Only signatures given at or after this time'),
});

const listAcknowledgements = defineEndpoint({
  method: 'GET',
  path: '/acknowledgements',
  operationId: 'listAcknowledgements',
  summary: 'List signature records',
  description:
    'The trust’s signature records in the order they were written, a page at a time, including those of people who have since left and of versions since replaced. Filter by policy, school, person and time.',
  scope: 'compliance:read',
  query: acknowledgementsQuery,
  response: ApiAcknowledgementsPage,
  errors: [400],
  handler: async (ctx, { query }) => {
    const page = await pageAcknowledgements(ctx, {
      policyId: query.policy,
      schoolId: query.school,
      personId: query.person,
      since: query.since ? new Date(query.since) : undefined,
      afterSeq: query.cursor,
      limit: query.limit,
    });
    return {
      data: page.items.map((a) => ({
        id: a.id,
        seq: a.seq,
        person: { id: a.personId, name: a.personName, email: a.personEmail },
        policy: { id: a.policyId, title: a.policyTitle },
        version: { id: a.versionId, label: a.versionLabel },
        contentSha256: a.contentSha256,
        signedAt: new Date(a.signedAt).toISOString(),
        authMethod: a.authMethod,
        imported: a.imported,
        hash: a.hash,
      })),
      nextCursor: page.nextSeq === null ? null : encodeCursor(page.nextSeq),
    };
  },
});

export const complianceEndpoints = [complianceEndpoint, listAcknowledgements];
