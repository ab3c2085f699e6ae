import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ValidationError } from '../../../errors.ts';
import { formatDate, londonToday } from '../../../ui/format.ts';
import type { FormValues } from '../../../ui/forms.tsx';
import { joinDateParts, parseCalendarDate } from '../../../validation.ts';
import { redirectWithFlash, renderPage } from '../../../web/render.tsx';
import { endEnhanced, enhancedFormOptions, enhancedList, enhancedPeriod, setEnhanced } from './service.ts';
import { EndPage, EnhancedListPage, PeriodPage, periodUrl, SetPage } from './views.tsx';

type Body = Record<string, string | string[] | undefined>;
const body = (request: FastifyRequest) => joinDateParts((request.body ?? {}) as Body, ['startsOn', 'endsOn']);
const id = (request: FastifyRequest) => (request.params as { id: string }).id;
const one = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** Enhanced monitoring (004 §6.4): the list, setting a period (head teachers), a period's page, ending early. */
export async function enhancedRoutes(app: FastifyInstance) {
  app.get('/monitoring/enhanced', async (request, reply) => {
    const data = await enhancedList(request.ctx());
    return renderPage(request, reply, <EnhancedListPage data={data} />);
  });

  app.get('/monitoring/enhanced/new', async (request, reply) => {
    const { directory } = await enhancedFormOptions(request.ctx());
    // Prefilled from "Set a further period" (the person, the day after the current one ends); else today.
    const query = (request.query ?? {}) as Record<string, unknown>;
    const startsOn = parseCalendarDate(one(query.startsOn) ?? '') ?? londonToday();
    const values: FormValues = { person: one(query.person)?.slice(0, 320), startsOn };
    return renderPage(request, reply, <SetPage directory={directory} values={values} />);
  });

  app.post('/monitoring/enhanced/new', async (request, reply) => {
    const ctx = request.ctx();
    const form = body(request);
    try {
      const row = await setEnhanced(ctx, form);
      return redirectWithFlash(
        reply,
        periodUrl(row.id),
        `${row.personName} is under enhanced monitoring from ${formatDate(row.startsOn)} to ${formatDate(row.endsOn)}`,
      );
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const { directory } = await enhancedFormOptions(ctx);
      return renderPage(request, reply, <SetPage directory={directory} errors={error.fieldErrors} values={form} />, 422);
    }
  });

  app.get('/monitoring/enhanced/:id', async (request, reply) => {
    const item = await enhancedPeriod(request.ctx(), id(request));
    return renderPage(request, reply, <PeriodPage item={item} />);
  });

  app.get('/monitoring/enhanced/:id/end', async (request, reply) => {
    const item = await enhancedPeriod(request.ctx(), id(request));
    return renderPage(request, reply, <EndPage item={item} values={{}} />);
  });

  app.post('/monitoring/enhanced/:id/end', async (request, reply) => {
    const ctx = request.ctx();
    const item = await enhancedPeriod(ctx, id(request));
    if (item.status === 'ended') return redirectWithFlash(reply, periodUrl(item.period.id), 'This period had already ended');
    try {
      const ended = await endEnhanced(ctx, item.period.id, body(request));
      return redirectWithFlash(reply, periodUrl(ended.period.id), `The enhanced monitoring of ${ended.personName} has ended`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderPage(request, reply, <EndPage item={item} errors={error.fieldErrors} values={body(request)} />, 422);
    }
  });
}
