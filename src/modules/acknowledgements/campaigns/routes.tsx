import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ValidationError } from '../../../errors.ts';
import { formatDate, londonToday, plural } from '../../../ui/format.ts';
import { joinDateParts } from '../../../validation.ts';
import { redirectWithFlash, renderPage } from '../../../web/render.tsx';
import { createCampaign } from '../service.ts';
import * as service from './service.ts';
import { sendCampaignEmailsNow } from './sweep.ts';
import { AssignCheckPage, AssignFormPage, CampaignPage, CampaignsPage, ResignCyclePage } from './views.tsx';

type Body = Record<string, string | string[] | undefined>;
const body = (request: FastifyRequest) => {
  const { _csrf: _, step: __, ...rest } = joinDateParts((request.body ?? {}) as Body, ['dueOn']);
  return rest;
};
const params = (request: FastifyRequest) => request.params as { id: string; campaignId: string };
const pageQuery = z.object({ page: z.coerce.number().int().min(1).max(10_000).catch(1).default(1) });

export async function campaignRoutes(app: FastifyInstance) {
  app.get('/policies/:id/assign', async (request, reply) => {
    const form = await service.assignForm(request.ctx(), params(request).id);
    return renderPage(request, reply, <AssignFormPage form={form} values={service.assignDefaults(form, londonToday())} />);
  });

  // One address, three answers: the form posts here to be checked ("Continue"); the check page
  // posts back either to change the choices or to confirm, which creates the campaign.
  app.post('/policies/:id/assign', async (request, reply) => {
    const ctx = request.ctx();
    const today = londonToday();
    const step = (request.body as Body | undefined)?.step;
    const values = body(request);
    const formPage = async (errors?: Record<string, string>) =>
      renderPage(
        request,
        reply,
        <AssignFormPage form={await service.assignForm(ctx, params(request).id)} errors={errors} values={values} />,
        errors ? 422 : 200,
      );
    if (step === 'change') return formPage();
    try {
      const preview = await service.previewCampaign(ctx, params(request).id, values, today);
      if (step !== 'confirm') return renderPage(request, reply, <AssignCheckPage preview={preview} values={service.inputAsValues(preview.input)} />);
      const { campaign, assigned } = await createCampaign(ctx, params(request).id, values, today);
      // After the commit: the new people's emails go now rather than at the next sweep.
      await sendCampaignEmailsNow(ctx.db, ctx.baseUrl, campaign.trustId, campaign.id, request.log);
      return redirectWithFlash(
        reply,
        `/assignments/${campaign.id}`,
        assigned
          ? `${plural(assigned, 'person has', 'people have')} been asked to sign ${preview.form.policy.title} by ${formatDate(campaign.dueOn)}`
          : 'Nobody new was asked to sign: everyone in this audience already has it to sign or has signed it',
      );
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return formPage(error.fieldErrors);
    }
  });

  app.get('/assignments', async (request, reply) => {
    const rows = await service.listCampaigns(request.ctx(), londonToday());
    return renderPage(request, reply, <CampaignsPage rows={rows} />);
  });

  app.get('/assignments/:campaignId', async (request, reply) => {
    const { page } = pageQuery.parse(request.query ?? {});
    const today = londonToday();
    const detail = await service.campaignDetail(request.ctx(), params(request).campaignId, page, today);
    return renderPage(request, reply, <CampaignPage detail={detail} today={today} />);
  });

  app.get('/policies/:id/resign-cycle', async (request, reply) => {
    const { policy } = await service.resignCycleForm(request.ctx(), params(request).id);
    return renderPage(request, reply, <ResignCyclePage policy={policy} />);
  });

  app.post('/policies/:id/resign-cycle', async (request, reply) => {
    const ctx = request.ctx();
    try {
      const policy = await service.setResignCycle(ctx, params(request).id, request.body ?? {});
      return redirectWithFlash(
        reply,
        `/policies/${policy.id}`,
        policy.resignEveryMonths
          ? `Everyone will be asked to sign ${policy.title} again ${plural(policy.resignEveryMonths, 'month')} after they last signed`
          : `${policy.title} will be signed again only when a version with material changes is published`,
      );
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const { policy } = await service.resignCycleForm(ctx, params(request).id);
      return renderPage(request, reply, <ResignCyclePage policy={policy} errors={error.fieldErrors} values={request.body as Body} />, 422);
    }
  });
}
