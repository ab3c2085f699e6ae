import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Ctx } from '../../context.ts';
import { ValidationError } from '../../errors.ts';
import { formatDate, londonToday } from '../../ui/format.ts';
import type { FormValues } from '../../ui/forms.tsx';
import { joinDateParts } from '../../validation.ts';
import { redirectWithFlash, renderPage } from '../../web/render.tsx';
import { currentPeopleOptions } from '../organisations/repository.ts';
import * as service from './service.ts';
import { trends } from './trends.ts';
import { registerQuery, trendsQuery } from './validation.ts';
import {
  LimitedRecordPage,
  NewRecordPage,
  OutcomeConfirmPage,
  OutcomeFormPage,
  type RecordForm,
  RecordPage,
  RegisterPage,
  ReviewDatePage,
  TrainingMetPage,
  TrendsPage,
} from './views.tsx';

type Body = Record<string, string | string[] | undefined>;
type Params = { id: string; actionId: string; needId: string };

const DATE_FIELDS = ['reviewOn', 'actionDueOn', 'metOn'];
const body = (request: FastifyRequest) => joinDateParts((request.body ?? {}) as Body, DATE_FIELDS);
const params = (request: FastifyRequest) => request.params as Params;
const me = (ctx: Ctx) => (ctx.actor.type === 'person' ? ctx.actor.personId : null);
const recordPath = (id: string, anchor = '') => `/non-compliance/${id}${anchor}`;

export async function nonComplianceRoutes(app: FastifyInstance) {
  app.get('/non-compliance', async (request, reply) => {
    const data = await service.register(request.ctx(), registerQuery.parse(request.query ?? {}));
    return renderPage(request, reply, <RegisterPage data={data} today={londonToday()} />);
  });

  app.get('/non-compliance/new', async (request, reply) => {
    const ctx = request.ctx();
    const options = await service.newRecordOptions(ctx);
    const source = await service.sourceConcern(ctx, (request.query as { concern?: string } | undefined)?.concern);
    // Prefilled from the concern when there is one, and the school when there is only one to choose.
    const school =
      source && options.schools.some((s) => s.value === source.schoolId)
        ? source.schoolId
        : options.schools.length === 1
          ? options.schools[0]?.value
          : undefined;
    const values: FormValues = { school, person: source?.subject ?? undefined };
    return renderPage(request, reply, <NewRecordPage options={options} source={source} values={values} />);
  });

  app.post('/non-compliance/new', async (request, reply) => {
    const ctx = request.ctx();
    const form = body(request);
    try {
      const row = await service.createRecord(ctx, form);
      return redirectWithFlash(reply, recordPath(row.id), `${row.reference} has been recorded and brought to the DPO and the head teacher`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const [options, source] = await Promise.all([
        service.newRecordOptions(ctx),
        service.sourceConcern(ctx, typeof form.concern === 'string' ? form.concern : undefined),
      ]);
      return renderPage(request, reply, <NewRecordPage options={options} source={source} errors={error.fieldErrors} values={form} />, 422);
    }
  });

  app.get('/trends', async (request, reply) => {
    const data = await trends(request.ctx(), trendsQuery.parse(request.query ?? {}));
    return renderPage(request, reply, <TrendsPage data={data} />);
  });

  /** The record page, or the same page again with a form's errors (422). */
  async function showRecord(
    request: FastifyRequest,
    reply: Parameters<typeof renderPage>[1],
    extra: { errors?: ValidationError; values?: FormValues; form?: RecordForm } = {},
  ) {
    const ctx = request.ctx();
    const today = londonToday();
    const data = await service.recordDetail(ctx, params(request).id);
    if (data.limited) return renderPage(request, reply, <LimitedRecordPage data={data} today={today} me={me(ctx)} />);
    const people = data.canManage && data.record.status === 'open' ? await currentPeopleOptions(ctx.db, ctx.actor.trustId) : [];
    return renderPage(
      request,
      reply,
      <RecordPage data={data} today={today} me={me(ctx)} people={people} errors={extra.errors?.fieldErrors} values={extra.values} form={extra.form} />,
      extra.errors ? 422 : 200,
    );
  }

  app.get('/non-compliance/:id', async (request, reply) => showRecord(request, reply));

  app.post('/non-compliance/:id/actions', async (request, reply) => {
    const form = body(request);
    try {
      const { row } = await service.addAction(request.ctx(), params(request).id, form);
      return redirectWithFlash(reply, recordPath(row.id, '#action-plan'), 'The action has been added to the plan');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return showRecord(request, reply, { errors: error, values: form, form: 'action' });
    }
  });

  app.post('/non-compliance/:id/actions/:actionId/done', async (request, reply) => {
    const { id, actionId } = params(request);
    const { row, changed } = await service.markActionDone(request.ctx(), id, actionId);
    return redirectWithFlash(reply, recordPath(row.id, '#action-plan'), changed ? 'The action has been marked as done' : 'The action was already done');
  });

  app.post('/non-compliance/:id/training', async (request, reply) => {
    const form = body(request);
    try {
      const { row } = await service.addTrainingNeed(request.ctx(), params(request).id, form);
      return redirectWithFlash(reply, recordPath(row.id, '#training'), 'The training need has been added');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return showRecord(request, reply, { errors: error, values: form, form: 'training' });
    }
  });

  app.get('/non-compliance/:id/training/:needId/met', async (request, reply) => {
    const { id, needId } = params(request);
    const { row, need } = await service.trainingNeedFor(request.ctx(), id, needId);
    return renderPage(request, reply, <TrainingMetPage row={row} need={need} values={{ metOn: londonToday() }} />);
  });

  app.post('/non-compliance/:id/training/:needId/met', async (request, reply) => {
    const ctx = request.ctx();
    const { id, needId } = params(request);
    const form = body(request);
    try {
      const { row, metOn } = await service.markTrainingMet(ctx, id, needId, form);
      return redirectWithFlash(reply, recordPath(row.id, '#training'), `The training need has been recorded as met on ${formatDate(metOn)}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const { row, need } = await service.trainingNeedFor(ctx, id, needId);
      return renderPage(request, reply, <TrainingMetPage row={row} need={need} errors={error.fieldErrors} values={form} />, 422);
    }
  });

  app.get('/non-compliance/:id/review-date', async (request, reply) => {
    const row = await service.recordFor(request.ctx(), params(request).id, 'noncompliance.manage');
    if (row.status !== 'open') return reply.redirect(recordPath(row.id), 303);
    return renderPage(request, reply, <ReviewDatePage row={row} today={londonToday()} />);
  });

  app.post('/non-compliance/:id/review-date', async (request, reply) => {
    const ctx = request.ctx();
    const form = body(request);
    try {
      const { row, reviewOn } = await service.changeReviewDate(ctx, params(request).id, form);
      return redirectWithFlash(reply, recordPath(row.id), `The review date is now ${formatDate(reviewOn)}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const row = await service.recordFor(ctx, params(request).id, 'noncompliance.manage');
      return renderPage(request, reply, <ReviewDatePage row={row} today={londonToday()} errors={error.fieldErrors} values={form} />, 422);
    }
  });

  app.get('/non-compliance/:id/outcome', async (request, reply) => {
    const row = await service.recordFor(request.ctx(), params(request).id, 'noncompliance.sanction');
    if (row.status !== 'open') return reply.redirect(recordPath(row.id, '#outcome'), 303);
    return renderPage(request, reply, <OutcomeFormPage row={row} />);
  });

  // Two steps: the form posts here to be checked and confirmed, the confirmation posts again with confirm=yes.
  app.post('/non-compliance/:id/outcome', async (request, reply) => {
    const ctx = request.ctx();
    const form = body(request);
    try {
      if (form.confirm !== 'yes') {
        const { row, input } = await service.checkOutcome(ctx, params(request).id, form);
        return renderPage(request, reply, <OutcomeConfirmPage row={row} input={input} />);
      }
      const row = await service.recordOutcome(ctx, params(request).id, form);
      return redirectWithFlash(reply, recordPath(row.id, '#outcome'), `The outcome has been recorded and ${row.reference} is closed`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const row = await service.recordFor(ctx, params(request).id, 'noncompliance.sanction');
      return renderPage(request, reply, <OutcomeFormPage row={row} errors={error.fieldErrors} values={form} />, 422);
    }
  });
}
