import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { csvTime, londonToday } from '../../../ui/format.ts';
import { renderPage } from '../../../web/render.tsx';
import { findTrust } from '../../organisations/repository.ts';
import { kindLabel } from '../../organisations/roles.ts';
import { BOM, csvLine } from './csv.ts';
import { compliancePdf, PDF_LIST_LIMIT, pdfFilename } from './pdf.ts';
import * as service from './service.ts';
import { complianceQuery, type ListStatus } from './validation.ts';
import { CompliancePage, describeFilters, TeamPage } from './views.tsx';

/** "compliance-not-signed-2026-11-23.csv" */
export const csvFilename = (status: ListStatus, today: string) =>
  `compliance-${status === 'signed' ? 'signed' : status === 'overdue' ? 'overdue' : 'not-signed'}-${today}.csv`;

const daysOverdue = (dueOn: string, today: string) =>
  Math.max(0, Math.round((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${dueOn}T00:00:00Z`)) / 86_400_000));

/** The CSV's header and one line per row: exactly the filtered list, in the page's order. */
function csvColumns(status: ListStatus, today: string): [string, (r: service.ListRow) => string | number | null][] {
  const person: [string, (r: service.ListRow) => string | number | null][] = [
    ['Name', (r) => r.name],
    ['Email', (r) => r.email],
    ['Schools', (r) => r.schools.map((s) => s.name).join(', ')],
    ['Position', (r) => r.position],
    ['Kind of person', (r) => kindLabel(r.kind)],
    ['Policy', (r) => r.policyTitle],
    ['Version', (r) => r.versionLabel],
  ];
  if (status === 'signed')
    return [
      ...person,
      ['Signed at (UK time)', (r) => (r.signedAt ? csvTime(r.signedAt) : null)],
      ['Record id', (r) => r.acknowledgementId],
      ['Line manager', (r) => r.managerName],
    ];
  return [
    ...person,
    ['Assigned on', (r) => csvTime(r.assignedAt)?.slice(0, 10) ?? null],
    ['Due on', (r) => r.dueOn],
    ['Days overdue', (r) => daysOverdue(r.dueOn, today)],
    ['Line manager', (r) => r.managerName],
  ];
}

export async function complianceRoutes(app: FastifyInstance) {
  app.get('/compliance', async (request, reply) => {
    const ctx = request.ctx();
    const today = londonToday();
    const query = complianceQuery.parse(request.query ?? {});
    const [data, hasReports] = await Promise.all([service.complianceDashboard(ctx, query, today), service.hasDirectReports(ctx, today)]);
    return renderPage(request, reply, <CompliancePage data={data} today={today} hasReports={hasReports} />);
  });

  app.get('/compliance.csv', async (request, reply) => {
    const ctx = request.ctx();
    const today = londonToday();
    const query = complianceQuery.parse(request.query ?? {});
    // Checks the permission now, so a refusal is a proper error page and not half a file.
    const batches = service.complianceExportRows(ctx, query, today);
    const columns = csvColumns(query.status, today);
    async function* lines() {
      yield BOM + csvLine(columns.map(([header]) => header));
      for await (const batch of batches) yield batch.map((row) => csvLine(columns.map(([, cell]) => cell(row)))).join('');
    }
    return reply
      .type('text/csv; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="${csvFilename(query.status, today)}"`)
      .send(Readable.from(lines()));
  });

  app.get('/compliance.pdf', async (request, reply) => {
    const ctx = request.ctx();
    const today = londonToday();
    const query = complianceQuery.parse(request.query ?? {});
    const data = await service.compliancePdfData(ctx, query, today, PDF_LIST_LIMIT);
    const trust = await findTrust(ctx.db, ctx.actor.trustId);
    const pdf = await compliancePdf({
      trustName: trust?.name ?? '',
      producedAt: new Date(),
      producedBy: ctx.actor.type === 'person' ? ctx.actor.name : 'Countersign',
      today,
      filters: describeFilters(data.query, data.options),
      status: query.status,
      summary: data.summary,
      rows: data.rows,
      total: data.total,
    });
    return reply
      .type('application/pdf')
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="${pdfFilename(today)}"`)
      .send(Buffer.from(pdf));
  });

  app.get('/compliance/team', async (request, reply) => {
    const today = londonToday();
    const members = await service.teamAgreements(request.ctx(), today);
    return renderPage(request, reply, <TeamPage members={members} today={today} />);
  });
}
