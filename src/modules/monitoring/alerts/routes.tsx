import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ValidationError } from '../../../errors.ts';
import { csvTime, londonToday } from '../../../ui/format.ts';
import { redirectWithFlash, renderPage } from '../../../web/render.tsx';
import { BOM, csvLine } from '../../acknowledgements/compliance/csv.ts';
import { categoryLabel } from '../events.ts';
import { ALERT_OUTCOMES, ALERT_SEVERITIES, ALERT_STATUSES } from '../schema.ts';
import { alertDashboard } from './dashboard.ts';
import { type AlertListRow, alertListQuery, exportAlerts, listAlerts } from './list.ts';
import * as service from './service.ts';
import { AlertPageView, EscalatePage } from './views/alert.tsx';
import { AlertDashboardPage } from './views/dashboard.tsx';
import { AlertListPage } from './views/list.tsx';
import { alertHref } from './views/shared.tsx';

type Body = Record<string, string | string[] | undefined>;
const body = (request: FastifyRequest) => (request.body ?? {}) as Body;
const ref = (request: FastifyRequest) => (request.params as { reference: string }).reference;

/** The CSV's columns: the list's facts, never an address visited. */
const CSV_COLUMNS: [string, (r: AlertListRow) => string | number | null][] = [
  ['Reference', (r) => r.reference],
  ['Raised (UK time)', (r) => csvTime(r.createdAt)],
  ['First event (UK time)', (r) => csvTime(r.firstEventAt)],
  ['Last event (UK time)', (r) => csvTime(r.lastEventAt)],
  ['School', (r) => r.schoolName ?? 'Trust-wide'],
  ['Person or username', (r) => r.personName ?? r.username ?? (r.ip ? `Computer ${r.ip}` : null)],
  ['Category', (r) => categoryLabel(r.category)],
  ['Severity', (r) => ALERT_SEVERITIES[r.severity].label],
  ['Rule', (r) => r.ruleName],
  ['Events', (r) => r.eventCount],
  ['Status', (r) => ALERT_STATUSES[r.status].label],
  ['Outcome', (r) => (r.outcome ? (r.outcome === 'true_positive' ? 'True positive' : 'False positive') : null)],
  ['Concern', (r) => r.concernReference],
];

const eventsPage = (request: FastifyRequest) => {
  const raw = Number((request.query as { events?: string } | undefined)?.events ?? 1);
  return Number.isInteger(raw) && raw >= 1 ? raw : 1;
};

export async function alertRoutes(app: FastifyInstance) {
  /** The alert page again, with an error from one of its own forms. */
  async function alertWithErrors(request: FastifyRequest, reply: FastifyReply, error: ValidationError, values?: Body) {
    const data = await service.alertPage(request.ctx(), ref(request));
    return renderPage(request, reply, <AlertPageView data={data} errors={error.fieldErrors} values={values} />, 422);
  }

  app.get('/monitoring', async (request, reply) => {
    const data = await alertDashboard(request.ctx());
    return renderPage(request, reply, <AlertDashboardPage data={data} />);
  });

  app.get('/monitoring/alerts', async (request, reply) => {
    const data = await listAlerts(request.ctx(), alertListQuery.parse(request.query ?? {}));
    return renderPage(request, reply, <AlertListPage data={data} />);
  });

  app.get('/monitoring/alerts.csv', async (request, reply) => {
    const rows = await exportAlerts(request.ctx(), alertListQuery.parse(request.query ?? {}));
    const csv = BOM + csvLine(CSV_COLUMNS.map(([header]) => header)) + rows.map((row) => csvLine(CSV_COLUMNS.map(([, cell]) => cell(row)))).join('');
    return reply
      .type('text/csv; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="monitoring-alerts-${londonToday()}.csv"`)
      .send(csv);
  });

  app.get('/monitoring/alerts/:reference', async (request, reply) => {
    const data = await service.alertPage(request.ctx(), ref(request), eventsPage(request));
    return renderPage(request, reply, <AlertPageView data={data} />);
  });

  app.post('/monitoring/alerts/:reference/acknowledge', async (request, reply) => {
    try {
      const alert = await service.acknowledgeAlert(request.ctx(), ref(request));
      return redirectWithFlash(reply, alertHref(alert.reference), `${alert.reference} is acknowledged`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return alertWithErrors(request, reply, error);
    }
  });

  app.post('/monitoring/alerts/:reference/outcome', async (request, reply) => {
    const form = body(request);
    try {
      const alert = await service.recordOutcome(request.ctx(), ref(request), form);
      const words = alert.outcome ? ALERT_OUTCOMES[alert.outcome].split(':')[0]?.toLowerCase() : '';
      return redirectWithFlash(reply, alertHref(alert.reference), `${alert.reference} is recorded as a ${words}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return alertWithErrors(request, reply, error, form);
    }
  });

  app.post('/monitoring/alerts/:reference/close', async (request, reply) => {
    const form = body(request);
    try {
      const alert = await service.closeAlert(request.ctx(), ref(request), form);
      return redirectWithFlash(reply, alertHref(alert.reference), `${alert.reference} is closed`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return alertWithErrors(request, reply, error, form);
    }
  });

  app.get('/monitoring/alerts/:reference/escalate', async (request, reply) => {
    const data = await service.escalateForm(request.ctx(), ref(request));
    if (!data.allowed) return reply.redirect(alertHref(data.alert.reference), 303);
    return renderPage(request, reply, <EscalatePage data={data} />);
  });

  app.post('/monitoring/alerts/:reference/escalate', async (request, reply) => {
    const ctx = request.ctx();
    const form = body(request);
    try {
      const { alert, concern } = await service.escalateAlert(ctx, ref(request), form);
      return redirectWithFlash(
        reply,
        alertHref(alert.reference),
        `Concern ${concern.reference} has been created from ${alert.reference}, which is now closed as a true positive`,
      );
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      // A refusal of the alert's state (closed, a false positive) goes back to the alert; a form problem stays on the form.
      if (error.fieldErrors.status) return alertWithErrors(request, reply, error);
      const data = await service.escalateForm(ctx, ref(request));
      return renderPage(request, reply, <EscalatePage data={data} errors={error.fieldErrors} values={form} />, 422);
    }
  });
}
