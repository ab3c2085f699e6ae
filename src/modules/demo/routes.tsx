import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../errors.ts';
import { formatDateTime } from '../../ui/format.ts';
import { Layout } from '../../ui/layout.tsx';
import { renderPage } from '../../web/render.tsx';
import { demoMailbox, demoSignInLink, LINK_TEMPLATES } from './service.ts';

/** Demo conveniences. Registered only when DEMO is on, which the configuration refuses in production. */
export async function demoRoutes(app: FastifyInstance) {
  app.post('/demo/sign-in', { config: { public: true } }, async (request, reply) => {
    const personId = String((request.body as Record<string, unknown> | undefined)?.personId ?? '');
    const token = await demoSignInLink(app.db, app.config, personId, request.ip);
    return reply.redirect(`/sign-in/link?token=${encodeURIComponent(token)}`, 303);
  });

  app.get('/demo/mailbox', { config: { public: true } }, async (request, reply) => {
    const to = String((request.query as Record<string, unknown>).to ?? '');
    if (!to) throw new NotFoundError();
    const messages = await demoMailbox(app.db, to);
    return renderPage(
      request,
      reply,
      <Layout title="Demo mailbox">
        <h1 className="govuk-heading-l">Demo mailbox</h1>
        <p className="govuk-body">
          Emails with a sign-in link for {to}: sign-in emails from the last 15 minutes, and requests to sign a policy or a device loan from the last 7 days. In
          a real installation these go to the person’s inbox.
        </p>
        {messages.length === 0 && (
          <p className="govuk-body cs-empty">No sign-in emails for this address. If the address is not in the demo trust, none is sent.</p>
        )}
        {messages.map((m) => {
          const link = /https?:\/\/\S+/.exec(m.textBody)?.[0];
          return (
            <div className="govuk-summary-card" key={m.id}>
              <div className="govuk-summary-card__title-wrapper">
                <h2 className="govuk-summary-card__title">{m.subject}</h2>
              </div>
              <div className="govuk-summary-card__content">
                <p className="govuk-body-s cs-muted">Sent {formatDateTime(m.createdAt)}</p>
                {link && (
                  <p className="govuk-body">
                    <a className="govuk-link" href={link.replace(app.config.baseUrl, '')}>
                      {LINK_TEMPLATES[m.template]?.label ?? 'Open the link'}
                    </a>
                  </p>
                )}
              </div>
            </div>
          );
        })}
      </Layout>,
    );
  });
}
