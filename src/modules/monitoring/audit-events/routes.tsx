import type { FastifyInstance } from 'fastify';
import { formatDateTime, londonToday } from '../../../ui/format.ts';
import { renderPage } from '../../../web/render.tsx';
import { BOM, csvLine } from '../../acknowledgements/compliance/csv.ts';
import { type AuditEventRow, auditQuery, exportAuditEvents, personCell, searchAuditEvents } from './service.ts';
import { AuditEventsPage, kindLabel, OUTCOMES } from './views.tsx';

const CSV_COLUMNS: [string, (r: AuditEventRow) => string | null][] = [
  ['Time', (r) => formatDateTime(r.event.occurredAt)],
  ['Time (UTC, ISO 8601)', (r) => r.event.occurredAt.toISOString()],
  ['What', (r) => kindLabel(r.event.kind)],
  ['Person', (r) => personCell(r)],
  ['Username', (r) => r.event.username],
  ['Outcome', (r) => (r.event.outcome ? OUTCOMES[r.event.outcome] : null)],
  ['Location', (r) => r.event.location],
  ['Device', (r) => r.event.device],
  ['IP address', (r) => r.event.ip],
  ['File', (r) => r.event.path],
  ['Detail', (r) => r.event.detail],
  ['Source', (r) => r.sourceName],
];

/** Sign-in and file-deletion events for IT services (003 §4.3): the search page and its CSV. */
export async function auditEventRoutes(app: FastifyInstance) {
  app.get('/monitoring/sign-ins', async (request, reply) => {
    const data = await searchAuditEvents(request.ctx(), auditQuery.parse(request.query ?? {}));
    return renderPage(request, reply, <AuditEventsPage data={data} />);
  });

  app.get('/monitoring/sign-ins.csv', async (request, reply) => {
    const { rows, range } = await exportAuditEvents(request.ctx(), auditQuery.parse(request.query ?? {}));
    const csv = BOM + csvLine(CSV_COLUMNS.map(([header]) => header)) + rows.map((row) => csvLine(CSV_COLUMNS.map(([, cell]) => cell(row)))).join('');
    const name = `sign-ins-and-file-deletions-${range.from ?? 'start'}-to-${range.to ?? londonToday()}.csv`;
    return reply.type('text/csv; charset=utf-8').header('cache-control', 'no-store').header('content-disposition', `attachment; filename="${name}"`).send(csv);
  });
}
