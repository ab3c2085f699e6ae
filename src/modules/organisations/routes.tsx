import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../errors.ts';
import { londonToday } from '../../ui/format.ts';
import { isUuid, joinDateParts } from '../../validation.ts';
import { redirectWithFlash, renderPage } from '../../web/render.tsx';
import { authorize, can } from '../auth/authorize.ts';
import * as repo from './repository.ts';
import { PERSON_KIND_CODES, ROLE_CODES } from './roles.ts';
import * as service from './service.ts';
import { EndDatePage, type PeopleFilters, PeopleListPage, PersonFormPage, PersonPage, RolesPage } from './views/people.tsx';
import { SchoolFormPage, SchoolsPage } from './views/schools.tsx';

const PAGE_SIZE = 25;

const listQuery = z.object({
  q: z.string().max(200).optional().catch(undefined),
  school: z.uuid().optional().catch(undefined),
  kind: z.enum(PERSON_KIND_CODES).optional().catch(undefined),
  role: z.enum(ROLE_CODES).optional().catch(undefined),
  status: z.enum(['current', 'left', 'all']).catch('current'),
  sort: z.enum(['name', 'position', 'kind', 'start']).catch('name'),
  dir: z.enum(['asc', 'desc']).catch('asc'),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});

type Body = Record<string, string | string[] | undefined>;
const body = (request: FastifyRequest) => joinDateParts((request.body ?? {}) as Body, ['startDate', 'endDate']);
const param = (request: FastifyRequest, name: string) => (request.params as Record<string, string>)[name] ?? '';

/** Form values for a person being edited, in the shape the form fields read. */
const personValues = (p: repo.PersonRow, schoolIds: string[]) => ({
  fullName: p.fullName,
  email: p.email,
  kind: p.kind,
  position: p.position ?? '',
  lineManagerId: p.lineManagerId ?? '',
  startDate: p.startDate ?? '',
  endDate: p.endDate ?? '',
  externalId: p.externalId ?? '',
  schoolIds,
});

export async function organisationRoutes(app: FastifyInstance) {
  const { db } = app;

  app.get('/people', async (request, reply) => {
    const ctx = request.ctx();
    const q = listQuery.parse(request.query ?? {});
    const filters: PeopleFilters = { ...q, q: q.q?.trim() || undefined };
    const result = await service.searchPeople(ctx, {
      q: filters.q,
      schoolId: q.school,
      kind: q.kind,
      role: q.role,
      status: q.status,
      sort: q.sort,
      dir: q.dir,
      limit: PAGE_SIZE,
      offset: (q.page - 1) * PAGE_SIZE,
    });
    const items = result.items.map((p) => ({ ...p, schools: result.schoolsByPerson.get(p.id) ?? [], roles: result.rolesByPerson.get(p.id) ?? [] }));
    const trust = { trustId: ctx.actor.trustId };
    return renderPage(
      request,
      reply,
      <PeopleListPage
        filters={filters}
        items={items}
        total={result.total}
        pageSize={PAGE_SIZE}
        schools={await repo.listSchools(db, ctx.actor.trustId)}
        canManage={
          can(ctx.actor, 'people.manage', { ...trust, schoolIds: ctx.actor.type === 'person' ? ctx.actor.schoolIds : [] }) ||
          can(ctx.actor, 'people.import', trust)
        }
        canImport={can(ctx.actor, 'people.import', trust)}
        today={londonToday()}
      />,
    );
  });

  const formOptions = async (trustId: string) => ({
    schools: await repo.listSchools(db, trustId),
    managers: await repo.currentPeopleOptions(db, trustId),
  });

  app.get('/people/new', async (request, reply) => {
    const ctx = request.ctx();
    const options = await formOptions(ctx.actor.trustId);
    const manageable = options.schools.filter((s) => can(ctx.actor, 'people.manage', { trustId: ctx.actor.trustId, schoolIds: [s.id] }));
    if (manageable.length === 0) authorize(ctx.actor, 'people.manage', { trustId: ctx.actor.trustId, schoolIds: [] });
    return renderPage(request, reply, <PersonFormPage mode="new" values={{ kind: 'employee' }} {...options} />);
  });

  app.post('/people/new', async (request, reply) => {
    const ctx = request.ctx();
    try {
      const person = await service.createPerson(ctx, body(request));
      return redirectWithFlash(reply, `/people/${person.id}`, `${person.fullName} has been added`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const options = await formOptions(ctx.actor.trustId);
      return renderPage(request, reply, <PersonFormPage mode="new" errors={error.fieldErrors} values={body(request)} {...options} />, 422);
    }
  });

  const personPage = async (request: FastifyRequest, errors?: Record<string, string>, values?: Body) => {
    const ctx = request.ctx();
    const detail = await service.getPerson(ctx, param(request, 'id'));
    const schoolIds = detail.schools.map((s) => s.id);
    const trustId = ctx.actor.trustId;
    return (
      <PersonPage
        detail={detail}
        canManage={can(ctx.actor, 'people.manage', { trustId, schoolIds })}
        canManageRoles={can(ctx.actor, 'roles.manage', { trustId })}
        schools={await repo.listSchools(db, trustId)}
        errors={errors}
        values={values}
      />
    );
  };

  app.get('/people/:id', async (request, reply) => renderPage(request, reply, await personPage(request)));

  app.get('/people/:id/edit', async (request, reply) => {
    const ctx = request.ctx();
    const detail = await service.getPerson(ctx, param(request, 'id'));
    const schoolIds = detail.schools.map((s) => s.id);
    authorize(ctx.actor, 'people.manage', { trustId: ctx.actor.trustId, schoolIds });
    const options = await formOptions(ctx.actor.trustId);
    return renderPage(
      request,
      reply,
      <PersonFormPage
        mode="edit"
        personId={detail.person.id}
        personName={detail.person.fullName}
        values={personValues(detail.person, schoolIds)}
        {...options}
      />,
    );
  });

  app.post('/people/:id/edit', async (request, reply) => {
    const ctx = request.ctx();
    const id = param(request, 'id');
    try {
      const person = await service.updatePerson(ctx, id, body(request));
      return redirectWithFlash(reply, `/people/${person.id}`, `${person.fullName}’s details have been saved`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const existing = await repo.findPerson(db, ctx.actor.trustId, id);
      const options = await formOptions(ctx.actor.trustId);
      return renderPage(
        request,
        reply,
        <PersonFormPage mode="edit" personId={id} personName={existing?.fullName} errors={error.fieldErrors} values={body(request)} {...options} />,
        422,
      );
    }
  });

  const findManageable = async (request: FastifyRequest) => {
    const ctx = request.ctx();
    const id = param(request, 'id');
    const person = isUuid(id) ? await repo.findPerson(db, ctx.actor.trustId, id) : null;
    if (!person) throw new NotFoundError();
    authorize(ctx.actor, 'people.manage', { trustId: ctx.actor.trustId, schoolIds: await repo.personSchoolIds(db, ctx.actor.trustId, id) });
    return person;
  };

  app.get('/people/:id/end-date', async (request, reply) => {
    const person = await findManageable(request);
    return renderPage(request, reply, <EndDatePage person={person} values={{ endDate: person.endDate ?? londonToday() }} />);
  });

  app.post('/people/:id/end-date', async (request, reply) => {
    const ctx = request.ctx();
    try {
      const person = await service.endDatePerson(ctx, param(request, 'id'), body(request));
      return redirectWithFlash(reply, `/people/${person.id}`, `${person.fullName}’s leaving date has been recorded`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const person = await findManageable(request);
      return renderPage(request, reply, <EndDatePage person={person} errors={error.fieldErrors} values={body(request)} />, 422);
    }
  });

  app.post('/people/:id/roles', async (request, reply) => {
    const ctx = request.ctx();
    const id = param(request, 'id');
    try {
      await service.grantRole(ctx, id, body(request));
      return redirectWithFlash(reply, `/people/${id}`, 'The role has been given');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderPage(request, reply, await personPage(request, error.fieldErrors, body(request)), 422);
    }
  });

  app.post('/people/:id/roles/:assignmentId/remove', async (request, reply) => {
    const ctx = request.ctx();
    const id = param(request, 'id');
    try {
      await service.revokeRole(ctx, id, param(request, 'assignmentId'));
      return redirectWithFlash(reply, `/people/${id}`, 'The role has been removed');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderPage(request, reply, await personPage(request, error.fieldErrors), 422);
    }
  });

  app.get('/roles', async (request, reply) => {
    const ctx = request.ctx();
    const holders = await service.roleHolders(ctx);
    return renderPage(request, reply, <RolesPage holders={holders} schools={await repo.listSchools(db, ctx.actor.trustId)} />);
  });

  app.get('/schools', async (request, reply) => {
    const ctx = request.ctx();
    authorize(ctx.actor, 'schools.manage', { trustId: ctx.actor.trustId });
    return renderPage(request, reply, <SchoolsPage schools={await service.listSchools(ctx)} />);
  });

  app.get('/schools/new', async (request, reply) => {
    const ctx = request.ctx();
    authorize(ctx.actor, 'schools.manage', { trustId: ctx.actor.trustId });
    return renderPage(request, reply, <SchoolFormPage />);
  });

  app.post('/schools/new', async (request, reply) => {
    const ctx = request.ctx();
    try {
      const school = await service.createSchool(ctx, body(request));
      return redirectWithFlash(reply, '/schools', `${school?.name} has been added`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderPage(request, reply, <SchoolFormPage errors={error.fieldErrors} values={body(request)} />, 422);
    }
  });

  app.get('/schools/:id/edit', async (request, reply) => {
    const ctx = request.ctx();
    authorize(ctx.actor, 'schools.manage', { trustId: ctx.actor.trustId });
    const school = (await service.listSchools(ctx)).find((s) => s.id === param(request, 'id'));
    if (!school) throw new NotFoundError();
    return renderPage(
      request,
      reply,
      <SchoolFormPage schoolId={school.id} values={{ name: school.name, slug: school.slug, urn: school.urn ?? '', phase: school.phase ?? '' }} />,
    );
  });

  app.post('/schools/:id/edit', async (request, reply) => {
    const ctx = request.ctx();
    const id = param(request, 'id');
    try {
      const school = await service.updateSchool(ctx, id, body(request));
      return redirectWithFlash(reply, '/schools', `${school?.name} has been saved`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderPage(request, reply, <SchoolFormPage schoolId={id} errors={error.fieldErrors} values={body(request)} />, 422);
    }
  });
}
