import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ReactElement } from 'react';
import type { Ctx } from '../../../context.ts';
import { ValidationError } from '../../../errors.ts';
import { csvTime, formatDate, londonToday } from '../../../ui/format.ts';
import type { FormValues } from '../../../ui/forms.tsx';
import { joinDateParts } from '../../../validation.ts';
import { redirectWithFlash, renderPage } from '../../../web/render.tsx';
import { BOM, csvLine } from '../../acknowledgements/compliance/csv.ts';
import { BREACH_DECISIONS } from '../schema.ts';
import { CONCERN_STATUSES } from '../types.ts';
import * as service from './service.ts';
import { DecisionPage, DiscoveredPage, IcoPage, IndividualsPage, RegisterPage, toldLabel } from './views.tsx';

type Body = Record<string, string | string[] | undefined>;
type PageProps = { form: service.BreachForm; errors?: Record<string, string>; values?: FormValues };

/** The four breach forms: each its own page, saved through the service, back to the record with a message. */
const FORMS: {
  path: string;
  dates: string[];
  Page: (p: PageProps) => ReactElement;
  save: (ctx: Ctx, reference: string, raw: Body) => Promise<{ reference: string }>;
  done: string;
}[] = [
  { path: 'decision', dates: [], Page: DecisionPage, save: service.recordDecision, done: 'The ICO decision has been recorded' },
  { path: 'ico', dates: ['reportedOn'], Page: IcoPage, save: service.recordIcoReport, done: 'The ICO report has been recorded' },
  {
    path: 'individuals',
    dates: ['toldOn'],
    Page: IndividualsPage,
    save: service.recordIndividualsTold,
    done: 'Whether the people were told has been recorded',
  },
  {
    path: 'discovered',
    dates: ['discoveredOn'],
    Page: DiscoveredPage,
    save: service.correctDiscovery,
    done: 'The time it was found out has been corrected and the ICO deadline moved',
  },
];

const reference = (request: FastifyRequest) => (request.params as { ref: string }).ref;

const CSV_COLUMNS: [string, (r: service.RegisterRow) => string | number | null][] = [
  ['Reference', (r) => r.reference],
  ['School', (r) => r.schoolName],
  ['Status', (r) => CONCERN_STATUSES[r.status].label],
  ['Happened (UK time)', (r) => csvTime(r.occurredAt)],
  ['Found out (UK time)', (r) => csvTime(r.discoveredAt)],
  ['ICO deadline (UK time)', (r) => csvTime(r.icoDueAt)],
  ['Personal data involved', (r) => r.dataInvolved],
  ['People affected', (r) => r.peopleAffected],
  ['Decision', (r) => (r.decision ? BREACH_DECISIONS[r.decision] : 'Not decided yet')],
  ['Reasons for the decision', (r) => r.decisionReasons],
  ['Decided by', (r) => r.decidedByName],
  ['Decided at (UK time)', (r) => csvTime(r.decidedAt)],
  ['ICO reference', (r) => r.icoReference],
  ['Reported to the ICO at (UK time)', (r) => csvTime(r.icoNotifiedAt)],
  ['People told', toldLabel],
  ['Told on', (r) => (r.individualsToldAt ? formatDate(r.individualsToldAt) : null)],
  ['Why not told, or how', (r) => r.individualsToldNote],
  ['Closed at (UK time)', (r) => csvTime(r.closedAt)],
];

export async function breachRoutes(app: FastifyInstance) {
  for (const f of FORMS) {
    const url = `/concerns/:ref/breach/${f.path}`;
    app.get(url, async (request, reply) => {
      const form = await service.breachForm(request.ctx(), reference(request));
      return renderPage(request, reply, <f.Page form={form} />);
    });

    app.post(url, async (request, reply) => {
      const ctx = request.ctx();
      const values = joinDateParts((request.body ?? {}) as Body, f.dates);
      try {
        const saved = await f.save(ctx, reference(request), values);
        return redirectWithFlash(reply, `/concerns/${saved.reference}`, `${f.done} on ${saved.reference}`);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        const form = await service.breachForm(ctx, reference(request));
        return renderPage(request, reply, <f.Page form={form} errors={error.fieldErrors} values={values} />, 422);
      }
    });
  }

  app.get('/breaches', async (request, reply) => {
    const query = service.registerQuery.parse(request.query ?? {});
    const data = await service.breachRegister(request.ctx(), query);
    return renderPage(request, reply, <RegisterPage data={data} now={new Date()} />);
  });

  app.get('/breaches.csv', async (request, reply) => {
    const query = service.registerQuery.parse(request.query ?? {});
    const rows = await service.breachRegisterExport(request.ctx(), query);
    async function* lines() {
      yield BOM + csvLine(CSV_COLUMNS.map(([header]) => header));
      for (const r of rows) yield csvLine(CSV_COLUMNS.map(([, cell]) => cell(r)));
    }
    return reply
      .type('text/csv; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="breach-register-${londonToday()}.csv"`)
      .send(Readable.from(lines()));
  });
}
