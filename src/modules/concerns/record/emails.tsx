import type { EmailMessage } from '../../notifications/service.ts';
import { emailHtml } from '../../notifications/templates.tsx';

/**
 * "C-2026-0004 has been assigned to you" or "has an action for you, due 3 March 2026": the
 * reference and a link, never what was reported, who it is about or what the action is.
 */
export function concernTaskEmail(p: { trustName: string; name: string; reference: string; what: string; url: string }): EmailMessage {
  return {
    subject: `${p.trustName}: report ${p.reference} ${p.what}`,
    text: [`Hello ${p.name},`, '', `Report ${p.reference} ${p.what}.`, '', `Open ${p.reference}:`, p.url].join('\n'),
    html: emailHtml(
      <>
        <p>Hello {p.name},</p>
        <p>
          Report {p.reference} {p.what}.
        </p>
        <p>
          <a href={p.url}>Open {p.reference}</a>
        </p>
      </>,
    ),
  };
}
