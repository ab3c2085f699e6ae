import { z } from 'zod';
import type { Ctx } from '../../context.ts';
import { NotFoundError } from '../../errors.ts';
import { PERSON_KIND_CODES, type PersonKind, ROLE_CODES, type Role } from '../organisations/roles.ts';
import { getPerson, listSchools, pagePeople } from '../organisations/service.ts';
import { apiSchemas, defineEndpoint } from './openapi.ts';
import { keysetCursor, limitParam } from './paging.ts';

export const ApiSchoolRef = z
  .object({
    slug: z.string().describe('The school’s short name, as used in Countersign’s web addresses'),
    name: z.string(),
  })
  .describe('A school in the trust')
  .register(apiSchemas, { id: 'SchoolRef' });

export const ApiPerson = z
  .object({
    id: z.uuid(),
    name: z.string().describe('Full name'),
    email: z.email().describe('Work email address, in lower case; unique in the trust'),
    kind: z.enum(PERSON_KIND_CODES).describe('What kind of person: employee, volunteer, governor and so on'),
    position: z.string().nullable().describe('Position or job title'),
    lineManager: z.object({ id: z.uuid(), name: z.string() }).nullable(),
    startDate: z.iso.date().nullable(),
    endDate: z.iso.date().nullable().describe('Last working day; from the day after, the person has left'),
    schools: z.array(ApiSchoolRef).describe('The schools they work at; empty for the trust’s central team'),
    roles: z
      .array(z.object({ role: z.enum(ROLE_CODES), school: ApiSchoolRef.nullable().describe('Where the role applies; null for the whole trust') }))
      .describe('Roles they hold now'),
  })
  .describe('Someone in the trust: staff, governors, volunteers, contractors and others')
  .register(apiSchemas, { id: 'Person' });

export const ApiPeoplePage = z
  .object({
    data: z.array(ApiPerson),
    nextCursor: z.string().nullable().describe('Send as `cursor` to get the next page; null on the last page'),
  })
  .describe('One page of people, in name order')
  .register(apiSchemas, { id: 'PeoplePage' });

type ApiPersonOut = z.output<typeof ApiPerson>;

/** What the organisations service gives for a person, in the API's shape. */
function toApiPerson(
  r: {
    person: { id: string; fullName: string; email: string; kind: string; position: string | null; startDate: string | null; endDate: string | null };
    lineManager: { id: string; fullName: string } | null;
    schools: { slug: string; name: string }[];
    roles: { role: string; schoolId: string | null }[];
  },
  schools: Map<string, { slug: string; name: string }>,
): ApiPersonOut {
  const school = ({ slug, name }: { slug: string; name: string }) => ({ slug, name });
  const roleSchool = (id: string | null) => {
    const found = id ? schools.get(id) : undefined;
    return found ? school(found) : null;
  };
  return {
    id: r.person.id,
    name: r.person.fullName,
    email: r.person.email,
    kind: r.person.kind as PersonKind,
    position: r.person.position,
    lineManager: r.lineManager && { id: r.lineManager.id, name: r.lineManager.fullName },
    startDate: r.person.startDate,
    endDate: r.person.endDate,
    schools: r.schools.map(school),
    roles: r.roles.map((g) => ({ role: g.role as Role, school: roleSchool(g.schoolId) })),
  };
}

const schoolsById = async (ctx: Ctx) => new Map((await listSchools(ctx)).map((s) => [s.id, s]));

// The cursor is the last person's sort key, base64url-encoded so clients treat it as opaque.
const cursor = keysetCursor();

const listQuery = z.object({
  limit: limitParam('people'),
  cursor: cursor.param,
  status: z
    .enum(['current', 'left', 'all'], { error: 'status must be current, left or all' })
    .default('current')
    .describe('current: not yet left (including future starters); left: their end date has passed; all: everyone'),
  updatedSince: z.iso
    .datetime({ offset: true, error: 'updatedSince must be a date and time with a time zone, like 2026-03-01T09:00:00Z' })
    .optional()
    .describe('Only people whose details or roles changed at or after this time'),
});

const listPeople = defineEndpoint({
  method: 'GET',
  path: '/people',
  operationId: 'listPeople',
  summary: 'List people',
  description: 'The trust’s people in name order, with their line manager, schools and roles, a page at a time.',
  scope: 'people:read',
  query: listQuery,
  response: ApiPeoplePage,
  errors: [400],
  handler: async (ctx, { query }) => {
    const [page, schools] = await Promise.all([
      pagePeople(ctx, {
        status: query.status,
        updatedSince: query.updatedSince,
        after: query.cursor && { name: query.cursor.key, id: query.cursor.id },
        limit: query.limit,
      }),
      schoolsById(ctx),
    ]);
    return { data: page.items.map((item) => toApiPerson(item, schools)), nextCursor: page.next && cursor.encode({ key: page.next.name, id: page.next.id }) };
  },
});

const getOnePerson = defineEndpoint({
  method: 'GET',
  path: '/people/{id}',
  operationId: 'getPerson',
  summary: 'Get one person',
  description: 'One person, whether or not they have left.',
  scope: 'people:read',
  params: z.object({ id: z.string().meta({ format: 'uuid', description: 'The person’s id' }) }),
  response: ApiPerson,
  errors: [404],
  handler: async (ctx, { params }) => {
    const [detail, schools] = await Promise.all([
      getPerson(ctx, params.id).catch((error: unknown) => {
        throw error instanceof NotFoundError ? new NotFoundError('There is no person with this id') : error;
      }),
      schoolsById(ctx),
    ]);
    return toApiPerson(detail, schools);
  },
});

export const peopleEndpoints = [listPeople, getOnePerson];
