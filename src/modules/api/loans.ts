import { and, asc, eq, gte, inArray, isNull, lt, ne, or, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../../context.ts';
import { ASSET_TYPES, type AssetType, assets, CONDITIONS, type Condition, LOAN_STATUSES, type LoanStatus, loanItems, loans } from '../assets/schema.ts';
import { authorize } from '../auth/authorize.ts';
import { people, schools } from '../organisations/schema.ts';
import { apiSchemas, defineEndpoint } from './openapi.ts';
import { keysetCursor, limitParam } from './paging.ts';
import { ApiSchoolRef } from './people.ts';

const LOAN_STATUS_CODES = Object.keys(LOAN_STATUSES) as [LoanStatus, ...LoanStatus[]];
const ASSET_TYPE_CODES = Object.keys(ASSET_TYPES) as [AssetType, ...AssetType[]];
const CONDITION_CODES = Object.keys(CONDITIONS) as [Condition, ...Condition[]];
const instant = (what: string) => z.iso.datetime({ offset: true }).describe(what);

export const ApiLoanItem = z
  .object({
    tag: z.string().describe('The asset tag, as on the device’s label'),
    serial: z.string().describe('The serial number recorded in the register'),
    type: z.enum(ASSET_TYPE_CODES).describe('What kind of device: laptop, tablet, phone and so on'),
    make: z.string().nullable(),
    model: z.string().nullable(),
    accessories: z.array(z.string()).describe('What was issued with the device: charger, case, cables…'),
    returnedAt: instant('When IT received the device back, in UTC').nullable(),
    condition: z.enum(CONDITION_CODES).nullable().describe('The condition it came back in: good, worn, damaged or faulty; null until returned'),
    accessoriesMissing: z.array(z.string()).nullable().describe('Accessories not handed back; null until returned'),
  })
  .describe('One device of a loan, with what was issued with it and how it came back')
  .register(apiSchemas, { id: 'LoanItem' });

export const ApiLoan = z
  .object({
    id: z.uuid(),
    reference: z.string().describe('The reference people quote, like L-2026-0003'),
    status: z
      .enum(LOAN_STATUS_CODES)
      .describe(
        'awaiting_signature (issued, not yet signed for), active (signed for), return_requested (the 72-hour clock is running), returned, or cancelled',
      ),
    person: z.object({ id: z.uuid(), fullName: z.string(), email: z.string() }).describe('Who the devices are lent to'),
    school: ApiSchoolRef.nullable().describe('The school lending the devices; null for the trust’s central team'),
    issuedAt: instant('When IT issued the loan, in UTC'),
    signedAt: instant('When the person signed the loan agreement, in UTC').nullable(),
    returnRequestedAt: instant('When IT asked for the devices back, in UTC').nullable(),
    returnDueAt: instant('72 hours after the return was asked for, in UTC').nullable(),
    overdue: z.boolean().describe('True when the return was asked for and the 72 hours have passed without it'),
    items: z.array(ApiLoanItem),
  })
  .describe('A loan of one or more school devices to a person, signed for against the trust’s loan agreement')
  .register(apiSchemas, { id: 'Loan' });

export const ApiLoansPage = z
  .object({
    data: z.array(ApiLoan),
    nextCursor: z.string().nullable().describe('Send as `cursor` to get the next page; null on the last page'),
  })
  .describe('One page of loans, in the order they were issued')
  .register(apiSchemas, { id: 'LoansPage' });

// The cursor is the last loan's issue time (to the microsecond, as the database keeps it) and id,
// base64url-encoded so clients treat it as opaque.
const cursor = keysetCursor(z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/));

const loansQuery = z.object({
  limit: limitParam('loans'),
  cursor: cursor.param,
  overdue: z
    .enum(['true', 'false'], { error: 'overdue must be true or false' })
    .optional()
    .describe('true: only loans whose return was asked for more than 72 hours ago and not made; false: every other loan'),
  status: z
    .enum(LOAN_STATUS_CODES, { error: `status must be one of ${LOAN_STATUS_CODES.join(', ')}` })
    .optional()
    .describe('Only loans in this state'),
  person: z.uuid({ error: 'person must be a person’s id (a UUID)' }).optional().describe('Only this person’s loans'),
});
type LoansQuery = z.output<typeof loansQuery>;

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

/** One page of the trust's loans with their devices, read from the loans tables. */
async function pageLoans(ctx: Ctx, query: LoansQuery, now = new Date()) {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'loans.view', { trustId });
  const overdueNow = and(eq(loans.status, 'return_requested'), lt(loans.returnDueAt, now)) as SQL;
  const notOverdue = or(ne(loans.status, 'return_requested'), isNull(loans.returnDueAt), gte(loans.returnDueAt, now));
  const cursorAt = sql<string>`to_char(${loans.issuedAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
  const rows = await ctx.db
    .select({
      loan: loans,
      cursorAt,
      person: { id: people.id, fullName: people.fullName, email: people.email },
      school: { slug: schools.slug, name: schools.name },
    })
    .from(loans)
    .innerJoin(people, and(eq(people.trustId, loans.trustId), eq(people.id, loans.personId)))
    .leftJoin(schools, and(eq(schools.trustId, loans.trustId), eq(schools.id, loans.schoolId)))
    .where(
      and(
        eq(loans.trustId, trustId),
        query.overdue === 'true' ? overdueNow : query.overdue === 'false' ? notOverdue : undefined,
        query.status ? eq(loans.status, query.status) : undefined,
        query.person ? eq(loans.personId, query.person) : undefined,
        query.cursor ? sql`(${loans.issuedAt}, ${loans.id}) > (${query.cursor.key}::timestamptz, ${query.cursor.id}::uuid)` : undefined,
      ),
    )
    .orderBy(asc(loans.issuedAt), asc(loans.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const ids = page.map((r) => r.loan.id);
  const items = ids.length
    ? await ctx.db
        .select({
          loanId: loanItems.loanId,
          item: loanItems,
          asset: { tag: assets.tag, serial: assets.serial, type: assets.type, make: assets.make, model: assets.model },
        })
        .from(loanItems)
        .innerJoin(assets, and(eq(assets.trustId, loanItems.trustId), eq(assets.id, loanItems.assetId)))
        .where(and(eq(loanItems.trustId, trustId), inArray(loanItems.loanId, ids)))
        .orderBy(asc(assets.tag))
    : [];
  const last = page.at(-1);
  return {
    data: page.map(({ loan, person, school }) => ({
      id: loan.id,
      reference: loan.reference,
      status: loan.status,
      person,
      school: school?.slug ? { slug: school.slug, name: school.name } : null,
      issuedAt: new Date(loan.issuedAt).toISOString(),
      signedAt: iso(loan.signedAt),
      returnRequestedAt: iso(loan.returnRequestedAt),
      returnDueAt: iso(loan.returnDueAt),
      overdue: loan.status === 'return_requested' && !!loan.returnDueAt && new Date(loan.returnDueAt) < now,
      items: items
        .filter((i) => i.loanId === loan.id)
        .map(({ item, asset }) => ({
          ...asset,
          accessories: item.accessories,
          returnedAt: iso(item.returnedAt),
          condition: item.condition,
          accessoriesMissing: item.accessoriesMissing,
        })),
    })),
    nextCursor: rows.length > query.limit && last ? cursor.encode({ key: last.cursorAt, id: last.loan.id }) : null,
  };
}

const listLoans = defineEndpoint({
  method: 'GET',
  path: '/loans',
  operationId: 'listLoans',
  summary: 'List device loans',
  description:
    'The trust’s device loans in the order they were issued, a page at a time, each with the person, the devices (tag, serial, accessories) and how each came back. `overdue=true` gives the returns asked for more than 72 hours ago and not yet made (003 §7.2).',
  scope: 'assets:read',
  query: loansQuery,
  response: ApiLoansPage,
  errors: [400],
  handler: async (ctx, { query }) => pageLoans(ctx, query),
});

export const loanEndpoints = [listLoans];
