import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AUDIT_ACTIONS, type AuditAction } from '../../audit/audit.ts';
import type { auditEvents } from '../../audit/schema.ts';
import { type Column, PagedTable, PageHeading } from '../../ui/components.tsx';
import { formatDateTime } from '../../ui/format.ts';
import { Select, TextInput } from '../../ui/forms.tsx';
import { Layout } from '../../ui/layout.tsx';
import { parseCalendarDate } from '../../validation.ts';
import { renderPage } from '../../web/render.tsx';
import { browseAudit } from './service.ts';

const PAGE_SIZE = 50;
const ACTIONS = Object.keys(AUDIT_ACTIONS) as AuditAction[];
const date = z
  .string()
  .optional()
  .transform((v) => (v ? (parseCalendarDate(v) ?? undefined) : undefined))
  .catch(undefined);

const query = z.object({
  action: z.enum(ACTIONS).optional().catch(undefined),
  actor: z.string().max(200).optional().catch(undefined),
  resourceType: z.string().max(60).optional().catch(undefined),
  resourceId: z.string().max(100).optional().catch(undefined),
  from: date,
  to: date,
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
type Query = z.output<typeof query>;
type Event = typeof auditEvents.$inferSelect;

const url = (q: Query, page: number) => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...q, page })) if (v !== undefined && v !== '' && !(k === 'page' && v === 1)) params.set(k, String(v));
  const s = params.toString();
  return `/audit${s ? `?${s}` : ''}`;
};

function Change({ before, after }: { before: unknown; after: unknown }) {
  if (before == null && after == null) return null;
  return (
    <details className="govuk-details govuk-!-margin-bottom-0">
      <summary className="govuk-details__summary">
        <span className="govuk-details__summary-text">Before and after</span>
      </summary>
      <div className="govuk-details__text">
        {before != null && (
          <>
            <p className="govuk-body-s govuk-!-margin-bottom-1">Before</p>
            <pre className="cs-pre">{JSON.stringify(before, null, 2)}</pre>
          </>
        )}
        {after != null && (
          <>
            <p className="govuk-body-s govuk-!-margin-bottom-1">After</p>
            <pre className="cs-pre">{JSON.stringify(after, null, 2)}</pre>
          </>
        )}
      </div>
    </details>
  );
}

export async function auditRoutes(app: FastifyInstance) {
  app.get('/audit', async (request, reply) => {
    const q = query.parse(request.query ?? {});
    const { items, total } = await browseAudit(request.ctx(), { ...q, pageSize: PAGE_SIZE });
    const columns: Column<Event>[] = [
      { header: 'When', cell: (e) => formatDateTime(e.at) },
      { header: 'Who', cell: (e) => e.actorLabel },
      { header: 'What', cell: (e) => AUDIT_ACTIONS[e.action as AuditAction] ?? e.action },
      {
        header: 'Detail',
        cell: (e) => (
          <>
            {e.summary}
            <Change before={e.before} after={e.after} />
          </>
        ),
      },
    ];
    return renderPage(
      request,
      reply,
      <Layout title="Audit log">
        <PageHeading>Audit log</PageHeading>
        <p className="govuk-body">Every change made in Countersign, who made it and when. Entries cannot be changed or deleted.</p>
        <form method="get" action="/audit" className="cs-filters" role="search" aria-label="Filter the audit log">
          <div className="cs-filters__row">
            <Select
              name="action"
              label="What happened"
              emptyLabel="Anything"
              options={ACTIONS.map((a) => ({ value: a, label: AUDIT_ACTIONS[a] }))}
              values={{ action: q.action }}
            />
            <TextInput name="actor" label="Who" values={{ actor: q.actor }} width="20" />
            <TextInput name="from" label="From" type="date" values={{ from: q.from }} />
            <TextInput name="to" label="To" type="date" values={{ to: q.to }} />
            {q.resourceId && <input type="hidden" name="resourceId" value={q.resourceId} />}
            <div className="govuk-form-group">
              <button type="submit" className="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button">
                Apply filters
              </button>
            </div>
          </div>
        </form>
        <PagedTable
          caption="Audit log entries"
          columns={columns}
          rows={items}
          rowKey={(e) => String(e.id)}
          empty="No entries match these filters."
          paging={{ page: q.page, pageSize: PAGE_SIZE, total, noun: ['entry', 'entries'], href: (page) => url(q, page) }}
        />
      </Layout>,
    );
  });
}
