import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type FieldErrors, NotFoundError, ValidationError } from '../../errors.ts';
import { londonToday } from '../../ui/format.ts';
import { joinDateParts } from '../../validation.ts';
import { type FormBody, readMultipartForm } from '../../web/multipart.ts';
import { redirectWithFlash, renderPage } from '../../web/render.tsx';
import * as cloud from './cloud.ts';
import { CloudFormPage, CloudListPage, CloudServicePage, PublicCloudPage } from './cloud-views.tsx';
import * as service from './service.ts';
import { dateFieldNames, isRequestType, type RequestTypeCode, requestType } from './types.ts';
import { ChooseTypePage, MyRequestsPage, RequestFormPage, RequestPage, RequestsListPage } from './views.tsx';

const CHOOSE = 'Choose what you need permission for';

function typeParam(request: FastifyRequest): RequestTypeCode {
  const { type } = request.params as { type: string };
  if (!isRequestType(type)) throw new NotFoundError();
  return type;
}

const refParam = (request: FastifyRequest) => (request.params as { ref: string }).ref;
const idParam = (request: FastifyRequest) => (request.params as { id: string }).id;
const formBody = (request: FastifyRequest) => {
  const values = { ...((request.body ?? {}) as FormBody) };
  delete values._csrf;
  return values;
};

/** A request form: multipart when the type carries a file (a plain form is read too). */
async function readRequestForm(request: FastifyRequest, type: RequestTypeCode) {
  const { values, files } = request.isMultipart() ? await readMultipartForm(request) : { values: formBody(request), files: {} };
  return { values: joinDateParts(values, dateFieldNames(type)), files };
}

async function renderForm(request: FastifyRequest, reply: FastifyReply, type: RequestTypeCode, errors: FieldErrors, values: FormBody) {
  const form = await service.requestForm(request.ctx(), type);
  return renderPage(request, reply, <RequestFormPage form={form} errors={errors} values={values} />, 422);
}

const decisionBody = (request: FastifyRequest) => joinDateParts(formBody(request), ['expiresOn', 'dpiaOn']);
const cloudBody = (request: FastifyRequest) => joinDateParts(formBody(request), ['dpiaOn', 'reviewOn']);

/**
 * Permission requests (PRODUCT §9): choose a type, answer its questions, see my requests; the
 * approvers' list and the decision; and the approved cloud services register (§10) with its
 * public page for the privacy notice.
 */
export async function requestRoutes(app: FastifyInstance) {
  app.get('/requests/new', async (request, reply) => {
    request.ctx();
    const { type } = request.query as { type?: string };
    if (type !== undefined && isRequestType(type)) return reply.redirect(`/requests/new/${type}`, 303);
    return renderPage(request, reply, <ChooseTypePage />);
  });

  app.post('/requests/new', async (request, reply) => {
    const type = formBody(request).type;
    if (isRequestType(type)) return reply.redirect(`/requests/new/${type}`, 303);
    return renderPage(request, reply, <ChooseTypePage errors={{ type: CHOOSE }} />, 422);
  });

  app.get('/requests/new/:type', async (request, reply) => {
    const form = await service.requestForm(request.ctx(), typeParam(request));
    return renderPage(request, reply, <RequestFormPage form={form} />, form.blocked ? 403 : 200);
  });

  app.post(
    '/requests/new/:type',
    {
      // A file over the upload limit or too many parts stops the parser: say so at the field, keeping what was typed.
      errorHandler: async (error: FastifyError, request, reply) => {
        const { type } = request.params as { type?: string };
        if (!['FST_FILES_LIMIT', 'FST_REQ_FILE_TOO_LARGE'].includes(error.code) || !request.actor || !isRequestType(type)) throw error;
        const field = requestType(type).fields.find((f) => f.kind === 'file')?.name ?? 'form';
        const message = error.code === 'FST_FILES_LIMIT' ? 'Attach one file' : 'The file is larger than 5 MB';
        return renderForm(request, reply, type, { [field]: message }, {});
      },
    },
    async (request, reply) => {
      const type = typeParam(request);
      const ctx = request.ctx();
      const { values, files } = await readRequestForm(request, type);
      try {
        const { reference, recipients } = await service.makeRequest(ctx, type, values, files);
        const who = recipients.length ? recipients.map((r) => r.name).join(', ') : requestType(type).approver.label;
        return redirectWithFlash(reply, `/requests/${reference}`, `Request ${reference} sent. ${who} will decide it. You will get an email with the decision.`);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return renderForm(request, reply, type, error.fieldErrors, values);
      }
    },
  );

  app.get('/requests/mine', async (request, reply) => {
    const rows = await service.myRequests(request.ctx());
    return renderPage(request, reply, <MyRequestsPage rows={rows} />);
  });

  app.get('/requests', async (request, reply) => {
    const filter = service.listFilter.parse(request.query ?? {});
    const list = await service.requestList(request.ctx(), filter);
    return renderPage(request, reply, <RequestsListPage list={list} now={new Date()} />);
  });

  app.get('/requests/:ref', async (request, reply) => {
    const opened = await service.openRequest(request.ctx(), refParam(request));
    return renderPage(request, reply, <RequestPage opened={opened} />);
  });

  app.post('/requests/:ref/decide', async (request, reply) => {
    const ctx = request.ctx();
    const body = decisionBody(request);
    try {
      const decided = await service.decideRequest(ctx, refParam(request), body);
      return redirectWithFlash(
        reply,
        `/requests/${decided.reference}`,
        `Request ${decided.reference} ${decided.status}. The person who asked has been emailed.`,
      );
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const opened = await service.openRequest(ctx, refParam(request));
      return renderPage(request, reply, <RequestPage opened={opened} errors={error.fieldErrors} values={body} />, 422);
    }
  });

  app.post('/requests/:ref/withdraw', async (request, reply) => {
    const ctx = request.ctx();
    const body = formBody(request);
    try {
      const withdrawn = await service.withdrawRequest(ctx, refParam(request), body);
      return redirectWithFlash(reply, `/requests/${withdrawn.reference}`, `Request ${withdrawn.reference} withdrawn`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const opened = await service.openRequest(ctx, refParam(request));
      return renderPage(request, reply, <RequestPage opened={opened} errors={error.fieldErrors} values={body} />, 422);
    }
  });

  app.get('/requests/:ref/files/:id', async (request, reply) => {
    const file = await service.fileDownload(request.ctx(), refParam(request), idParam(request));
    const ascii = file.fileName.replace(/[^\x20-\x7e]/g, '_');
    return reply
      .type(file.contentType)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.fileName)}`)
      .send(file.bytes);
  });

  // The approved cloud services register.
  app.get('/cloud-services', async (request, reply) => {
    const list = await cloud.listCloudServices(request.ctx(), cloud.cloudStatusFilter.parse(request.query ?? {}));
    return renderPage(request, reply, <CloudListPage list={list} today={londonToday()} trustSlug={request.trust?.slug ?? null} />);
  });

  app.get('/cloud-services/new', async (request, reply) => {
    const ctx = request.ctx();
    cloud.assertManage(ctx);
    return renderPage(request, reply, <CloudFormPage values={{ reviewOn: cloud.addYears(londonToday(), 1) }} />);
  });

  app.post('/cloud-services/new', async (request, reply) => {
    const body = cloudBody(request);
    try {
      const added = await cloud.addCloudService(request.ctx(), body);
      return redirectWithFlash(reply, `/cloud-services/${added.id}`, `${added.name} added to the approved cloud services`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderPage(request, reply, <CloudFormPage errors={error.fieldErrors} values={body} />, 422);
    }
  });

  app.get('/cloud-services/:id', async (request, reply) => {
    const record = await cloud.cloudServiceRecord(request.ctx(), idParam(request));
    return renderPage(request, reply, <CloudServicePage record={record} today={londonToday()} />);
  });

  app.get('/cloud-services/:id/edit', async (request, reply) => {
    const ctx = request.ctx();
    cloud.assertManage(ctx);
    const { service: s } = await cloud.cloudServiceRecord(ctx, idParam(request));
    if (s.status !== 'approved') return reply.redirect(`/cloud-services/${s.id}`, 303);
    const values = {
      name: s.name,
      supplier: s.supplier,
      purpose: s.purpose,
      dataCategories: s.dataCategories,
      dpiaDone: s.dpiaDone ? 'yes' : undefined,
      dpiaOn: s.dpiaOn ?? undefined,
      reviewOn: s.reviewOn,
    };
    return renderPage(request, reply, <CloudFormPage service={s} values={values} />);
  });

  app.post('/cloud-services/:id/edit', async (request, reply) => {
    const ctx = request.ctx();
    const body = cloudBody(request);
    try {
      const updated = await cloud.updateCloudService(ctx, idParam(request), body);
      return redirectWithFlash(reply, `/cloud-services/${updated.id}`, `${updated.name} updated`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const { service: s } = await cloud.cloudServiceRecord(ctx, idParam(request));
      return renderPage(request, reply, <CloudFormPage service={s} errors={error.fieldErrors} values={body} />, 422);
    }
  });

  app.post('/cloud-services/:id/withdraw', async (request, reply) => {
    const ctx = request.ctx();
    const body = formBody(request);
    try {
      const withdrawn = await cloud.withdrawCloudService(ctx, idParam(request), body);
      return redirectWithFlash(reply, `/cloud-services/${withdrawn.id}`, `${withdrawn.name} withdrawn from the approved cloud services`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const record = await cloud.cloudServiceRecord(ctx, idParam(request));
      return renderPage(request, reply, <CloudServicePage record={record} today={londonToday()} errors={error.fieldErrors} values={body} />, 422);
    }
  });

  // Public: the list for the trust's privacy notice.
  app.get('/c/:trust/cloud-services', { config: { public: true } }, async (request, reply) => {
    const { trust } = request.params as { trust: string };
    const list = await cloud.publicCloudServices(app.db, trust);
    return renderPage(request, reply, <PublicCloudPage list={list} />);
  });
}
