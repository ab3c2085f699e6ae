import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type FieldErrors, NotFoundError, ValidationError } from '../../../errors.ts';
import { joinDateParts } from '../../../validation.ts';
import { type FormBody, readMultipartForm } from '../../../web/multipart.ts';
import { renderPage } from '../../../web/render.tsx';
import { can } from '../../auth/authorize.ts';
import { MAX_ATTACHMENTS, myReports, reportFromForm } from '../service.ts';
import { type ConcernTypeCode, isConcernType } from '../types.ts';
import { receivedReport, reportForm, routingOverview } from './service.ts';
import { ChooseTypePage, MyReportsPage, ReceivedPage, ReportFormPage, RoutingPage } from './views.tsx';

const CHOOSE = 'Choose what you are reporting';

/** The type in the address; an unknown one is a page that does not exist. */
function typeParam(request: FastifyRequest): ConcernTypeCode {
  const { type } = request.params as { type: string };
  if (!isConcernType(type)) throw new NotFoundError();
  return type;
}

/** The report form's fields (multipart from the page; a plain form is read too) and its files. */
async function readReport(request: FastifyRequest) {
  if (request.isMultipart()) return readMultipartForm(request);
  const values = { ...((request.body ?? {}) as FormBody) };
  delete values._csrf;
  return { values, files: {} };
}

async function renderForm(request: FastifyRequest, reply: FastifyReply, type: ConcernTypeCode, errors: FieldErrors, values: FormBody, dropped: number) {
  const form = await reportForm(request.ctx());
  return renderPage(request, reply, <ReportFormPage type={type} form={form} errors={errors} values={values} dropped={dropped} />, 422);
}

export async function reportRoutes(app: FastifyInstance) {
  // Page 1: what are you reporting? A link may name the type (?type=) and skip straight on.
  app.get('/concerns/new', async (request, reply) => {
    const query = request.query as { type?: string; from?: string };
    if (query.type !== undefined) {
      if (isConcernType(query.type)) return reply.redirect(`/concerns/new/${query.type}`, 303);
      return renderPage(request, reply, <ChooseTypePage errors={{ type: CHOOSE }} />, 422);
    }
    return renderPage(request, reply, <ChooseTypePage chosen={query.from} />);
  });

  app.post('/concerns/new', async (request, reply) => {
    const type = (request.body as FormBody | undefined)?.type;
    if (isConcernType(type)) return reply.redirect(`/concerns/new/${type}`, 303);
    return renderPage(request, reply, <ChooseTypePage errors={{ type: CHOOSE }} />, 422);
  });

  // Page 2: the details.
  app.get('/concerns/new/:type', async (request, reply) => {
    const type = typeParam(request);
    const form = await reportForm(request.ctx());
    return renderPage(request, reply, <ReportFormPage type={type} form={form} />);
  });

  app.post(
    '/concerns/new/:type',
    {
      // More files than the upload allows stops the form being read (the parser's limit): say so at the field, with what was typed before the files.
      errorHandler: async (error: FastifyError, request, reply) => {
        if (error.code !== 'FST_FILES_LIMIT' || !request.actor || !isConcernType((request.params as { type?: string }).type)) throw error;
        const { values } = await readMultipartForm(request).catch(() => ({ values: {} as FormBody }));
        const type = typeParam(request);
        return renderForm(
          request,
          reply,
          type,
          { attachments: `Attach ${MAX_ATTACHMENTS} files or fewer` },
          joinDateParts(values, ['occurredOn', 'discoveredOn']),
          MAX_ATTACHMENTS + 1,
        );
      },
    },
    async (request, reply) => {
      const type = typeParam(request);
      const ctx = request.ctx();
      const { values, files } = await readReport(request);
      const form = joinDateParts({ ...values, type }, ['occurredOn', 'discoveredOn']);
      const attachments = files.attachments ?? [];
      try {
        const { reference } = await reportFromForm(ctx, form, attachments);
        return reply.redirect(`/concerns/${reference}/received`, 303);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return renderForm(request, reply, type, error.fieldErrors, form, attachments.length);
      }
    },
  );

  // Page 3: received, with the reference and what happens next (the reporter, or someone who may open it).
  app.get('/concerns/:ref/received', async (request, reply) => {
    const { ref } = request.params as { ref: string };
    const report = await receivedReport(request.ctx(), ref);
    return renderPage(request, reply, <ReceivedPage report={report} />);
  });

  app.get('/concerns/mine', async (request, reply) => {
    const reports = await myReports(request.ctx());
    return renderPage(request, reply, <MyReportsPage reports={reports} />);
  });

  app.get('/concerns/routing', async (request, reply) => {
    const ctx = request.ctx();
    const overview = await routingOverview(ctx);
    return renderPage(request, reply, <RoutingPage overview={overview} canManageRoles={can(ctx.actor, 'roles.manage', { trustId: ctx.actor.trustId })} />);
  });
}
