import type { EmailMessage } from '../../notifications/service.ts';
import { emailHtml } from '../../notifications/templates.tsx';

/**
 * A high-severity alert, emailed at once to the people it is for. Like concern emails it says
 * only that something needs attention and links to it: never who it is about, the category, the
 * rule or what was visited (the link opens the alert for someone who may read it).
 */
export function alertRaisedEmail(p: { trustName: string; name: string; reference: string; schoolName: string | null; url: string }): EmailMessage {
  const where = p.schoolName ? `at ${p.schoolName}` : `for ${p.trustName}`;
  const lead = `A high-severity monitoring alert (${p.reference}) ${where} needs you.`;
  return {
    subject: `${p.trustName}: high-severity monitoring alert ${p.reference}`,
    text: [`Hello ${p.name},`, '', lead, 'Open it in Countersign to see what happened and who it is about:', p.url].join('\n'),
    html: emailHtml(
      <>
        <p>Hello {p.name},</p>
        <p>{lead}</p>
        <p>
          <a href={p.url}>Open {p.reference}</a> to see what happened and who it is about.
        </p>
      </>,
    ),
  };
}
