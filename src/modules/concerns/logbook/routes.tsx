import type { FastifyInstance } from 'fastify';
import { csvTime, londonToday } from '../../../ui/format.ts';
import { renderPage } from '../../../web/render.tsx';
import { BOM, csvLine } from '../../acknowledgements/compliance/csv.ts';
import { CONCERN_STATUSES, typeLabel } from '../types.ts';
import { governorsCsv, governorsFilename, governorsPdf } from './governors.ts';
import * as service from './service.ts';
import { LogbookPage, outcomeLabel } from './views.tsx';

/** The logbook CSV: the page's columns, with names (it is for the DSL team), never what was reported. */
const CSV_COLUMNS: [string, (r: service.LogbookRow) => string | number | null][] = [
  ['Happened at (UK time)', (r) => csvTime(r.occurredAt)],
  ['Reference', (r) => r.reference],
  ['Type', (r) => typeLabel(r.type)],
  ['School', (r) => r.schoolName],
  ['Status', (r) => CONCERN_STATUSES[r.status].label],
  ['Reported by', (r) => r.reporterName],
  ['Assigned to', (r) => r.assigneeName],
  ['Outcome', (r) => outcomeLabel(r.outcome)],
];

const download = (name: string) => `attachment; filename="${name}"`;

export async function logbookRoutes(app: FastifyInstance) {
  app.get('/logbook', async (request, reply) => {
    const ctx = request.ctx();
    const data = await service.logbook(ctx, service.logbookQuery.parse(request.query ?? {}));
    const governors = await service.governorsOptions(ctx);
    return renderPage(request, reply, <LogbookPage data={data} governors={governors} />);
  });

  app.get('/logbook.csv', async (request, reply) => {
    const ctx = request.ctx();
    const rows = await service.exportLogbook(ctx, service.logbookQuery.parse(request.query ?? {}));
    const csv = BOM + csvLine(CSV_COLUMNS.map(([header]) => header)) + rows.map((row) => csvLine(CSV_COLUMNS.map(([, cell]) => cell(row)))).join('');
    return reply
      .type('text/csv; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-disposition', download(`online-safety-logbook-${londonToday()}.csv`))
      .send(csv);
  });

  app.get('/logbook/governors.csv', async (request, reply) => {
    const ctx = request.ctx();
    const query = service.governorsQuery.parse(request.query ?? {});
    const summary = await service.governorsSummary(ctx, query);
    await service.recordGovernorsExport(ctx, summary, query, 'CSV');
    return reply
      .type('text/csv; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-disposition', download(governorsFilename(summary, 'csv')))
      .send(governorsCsv(summary, new Date()));
  });

  app.get('/logbook/governors.pdf', async (request, reply) => {
    const ctx = request.ctx();
    const query = service.governorsQuery.parse(request.query ?? {});
    const summary = await service.governorsSummary(ctx, query);
    const pdf = await governorsPdf(summary, new Date());
    await service.recordGovernorsExport(ctx, summary, query, 'PDF');
    return reply
      .type('application/pdf')
      .header('cache-control', 'no-store')
      .header('content-disposition', download(governorsFilename(summary, 'pdf')))
      .send(Buffer.from(pdf));
  });
}
