import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NotFoundError, ValidationError } from '../../../errors.ts';
import { formatDate, londonToday } from '../../../ui/format.ts';
import { joinDateParts } from '../../../validation.ts';
import { redirectWithFlash, renderPage } from '../../../web/render.tsx';
import { can } from '../../auth/authorize.ts';
import * as service from './service.ts';
import { calendarFilter } from './validation.ts';
import { CalendarFeedConfirmPage, CalendarFeedCreatedPage, ReviewFormPage, ReviewsPage } from './views.tsx';

type Body = Record<string, string | string[] | undefined>;
const body = (request: FastifyRequest) => joinDateParts((request.body ?? {}) as Body, ['reviewedOn']);
const policyId = (request: FastifyRequest) => (request.params as { id: string }).id;

export async function policyReviewRoutes(app: FastifyInstance) {
  app.get('/policies/:id/review', async (request, reply) => {
    const today = londonToday();
    const form = await service.reviewForm(request.ctx(), policyId(request));
    return renderPage(request, reply, <ReviewFormPage form={form} today={today} values={{ reviewedOn: today }} />);
  });

  app.post('/policies/:id/review', async (request, reply) => {
    const ctx = request.ctx();
    const today = londonToday();
    try {
      const { policy, nextReviewOn } = await service.recordReview(ctx, policyId(request), body(request), today);
      return redirectWithFlash(reply, `/policies/${policy.id}`, `The review has been recorded: the next review is due ${formatDate(nextReviewOn)}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const form = await service.reviewForm(ctx, policyId(request));
      return renderPage(request, reply, <ReviewFormPage form={form} today={today} errors={error.fieldErrors} values={body(request)} />, 422);
    }
  });

  app.get('/reviews', async (request, reply) => {
    const ctx = request.ctx();
    const today = londonToday();
    const filter = calendarFilter.parse(request.query ?? {});
    const calendar = await service.reviewCalendar(ctx, filter, today);
    const feed = can(ctx.actor, 'calendarFeeds.manage', { trustId: ctx.actor.trustId }) ? await service.calendarFeedStatus(ctx) : undefined;
    return renderPage(request, reply, <ReviewsPage {...calendar} today={today} feed={feed} />);
  });

  // The address is shown on the answer to this post, never stored, as with API keys.
  app.post('/reviews/calendar-address', async (request, reply) => {
    const ctx = request.ctx();
    const replace = (request.body as Body | undefined)?.replace === 'yes';
    try {
      const created = await service.createCalendarFeed(ctx, { replace });
      return renderPage(request, reply, <CalendarFeedCreatedPage {...created} />);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderPage(request, reply, <CalendarFeedConfirmPage kind="replace" errors={error.fieldErrors} />, 422);
    }
  });

  app.get('/reviews/calendar-address/replace', async (request, reply) => {
    const feed = await service.calendarFeedStatus(request.ctx());
    if (!feed) return reply.redirect('/reviews#calendar-feed', 303);
    return renderPage(request, reply, <CalendarFeedConfirmPage kind="replace" />);
  });

  app.get('/reviews/calendar-address/turn-off', async (request, reply) => {
    const feed = await service.calendarFeedStatus(request.ctx());
    if (!feed) return reply.redirect('/reviews#calendar-feed', 303);
    return renderPage(request, reply, <CalendarFeedConfirmPage kind="turn-off" />);
  });

  app.post('/reviews/calendar-address/turn-off', async (request, reply) => {
    const turnedOff = await service.revokeCalendarFeed(request.ctx());
    return redirectWithFlash(reply, '/reviews', turnedOff ? 'The calendar address has been turned off' : 'The calendar address was already off');
  });

  // The secret address itself: no sign-in (calendar apps cannot), the token is the key.
  app.get('/calendar/:file', { config: { public: true } }, async (request, reply) => {
    const file = (request.params as { file: string }).file;
    const ics = file.endsWith('.ics') ? await service.calendarFeedFor(app.db, app.config.baseUrl, file.slice(0, -4)) : null;
    if (ics === null) throw new NotFoundError();
    return reply
      .type('text/calendar; charset=utf-8')
      .header('cache-control', 'private, max-age=900')
      .header('x-robots-tag', 'noindex')
      .header('content-disposition', 'inline; filename="policy-reviews.ics"')
      .send(ics);
  });
}
