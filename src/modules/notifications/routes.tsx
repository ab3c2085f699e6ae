import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from '../../errors.ts';
import { type Column, PagedTable, PageHeading, SummaryList, Tag, type Tone } from '../../ui/components.tsx';
import { formatDateTime } from '../../ui/format.ts';
import { Layout } from '../../ui/layout.tsx';
import { isUuid } from '../../validation.ts';
import { renderPage } from '../../web/render.tsx';
import type { outbox } from './schema.ts';
import { getOutboxMessage, listOutbox } from './service.ts';

const PAGE_SIZE = 50;
type Message = typeof outbox.$inferSelect;
const STATUS: Record<string, [string, Tone]> = {
  pending: ['Waiting', 'grey'],
  sending: ['Sending', 'blue'],
  sent: ['Sent', 'green'],
  failed: ['Failed', 'red'],
};
const StatusTag = ({ status }: { status: string }) => <Tag tone={STATUS[status]?.[1] ?? 'grey'}>{STATUS[status]?.[0] ?? status}</Tag>;

/** The outbox page: readable by trust administrators when the installation runs as a demo. */
export async function notificationRoutes(app: FastifyInstance) {
  if (!app.config.demo) return;
  const smtp = !!app.config.smtpUrl;

  app.get('/outbox', async (request, reply) => {
    const q = z
      .object({ status: z.enum(['pending', 'sending', 'sent', 'failed']).optional().catch(undefined), page: z.coerce.number().int().min(1).catch(1) })
      .parse(request.query ?? {});
    const { items, total } = await listOutbox(request.ctx(), { status: q.status, page: q.page, pageSize: PAGE_SIZE });
    const columns: Column<Message>[] = [
      { header: 'Queued', cell: (m) => formatDateTime(m.createdAt) },
      { header: 'To', cell: (m) => m.toAddress },
      {
        header: 'Subject',
        cell: (m) => (
          <a className="govuk-link" href={`/outbox/${m.id}`}>
            {m.subject}
          </a>
        ),
      },
      { header: 'Status', cell: (m) => <StatusTag status={m.status} /> },
    ];
    return renderPage(
      request,
      reply,
      <Layout title="Outbox">
        <PageHeading>Outbox</PageHeading>
        <p className="govuk-body">
          {smtp
            ? 'Every email Countersign has queued, and whether it has been sent.'
            : 'No mail server is configured, so emails stay here instead of being sent. Open one to follow its links.'}
        </p>
        <PagedTable
          caption="Emails"
          columns={columns}
          rows={items}
          rowKey={(m) => m.id}
          empty="No emails yet."
          paging={{
            page: q.page,
            pageSize: PAGE_SIZE,
            total,
            noun: ['email', 'emails'],
            href: (page) => `/outbox?${new URLSearchParams({ ...(q.status ? { status: q.status } : {}), page: String(page) })}`,
          }}
        />
      </Layout>,
    );
  });

  app.get('/outbox/:id', async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const message = isUuid(id) ? await getOutboxMessage(request.ctx(), id) : null;
    if (!message) throw new NotFoundError();
    const base = app.config.baseUrl;
    // Links to this installation are shown as relative links so they work however the demo is reached.
    const withLinks = message.textBody.split(/(https?:\/\/\S+)/g).map((part, i) =>
      /^https?:\/\//.test(part) ? (
        <a className="govuk-link" key={`${i}-${part}`} href={part.startsWith(base) ? part.slice(base.length) || '/' : part}>
          {part}
        </a>
      ) : (
        part
      ),
    );
    return renderPage(
      request,
      reply,
      <Layout title={`Email: ${message.subject}`} breadcrumbs={[{ href: '/outbox', label: 'Outbox' }]}>
        <h1 className="govuk-heading-l">{message.subject}</h1>
        <SummaryList
          rows={[
            { key: 'To', value: message.toAddress },
            { key: 'Queued', value: formatDateTime(message.createdAt) },
            { key: 'Status', value: <StatusTag status={message.status} /> },
            { key: 'Attempts', value: String(message.attempts) },
            { key: 'Sent', value: formatDateTime(message.sentAt) },
            ...(message.lastError ? [{ key: 'Last error', value: message.lastError }] : []),
          ]}
        />
        <h2 className="govuk-heading-m">Message</h2>
        <div className="cs-pre">{withLinks}</div>
      </Layout>,
    );
  });
}
