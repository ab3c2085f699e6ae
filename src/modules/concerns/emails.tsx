import type { EmailMessage } from '../notifications/service.ts';
import { emailHtml } from '../notifications/templates.tsx';

/**
 * Concern emails say that something needs attention and link to it. They never carry what was
 * reported, who it is about or the type of a restricted concern (UX principle 6): the link
 * opens the record for someone who may read it.
 */
export function concernNotificationEmail(p: {
  trustName: string;
  reference: string;
  reason: string;
  url: string;
  name: string;
  urgent: boolean;
}): EmailMessage {
  const lead = p.urgent ? 'A new report needs your attention now.' : 'A new report has been routed to you.';
  return {
    subject: `${p.trustName}: report ${p.reference} needs your attention`,
    text: [`Hello ${p.name},`, '', lead, `You are receiving it as: ${p.reason}.`, '', `Open ${p.reference}:`, p.url].join('\n'),
    html: emailHtml(
      <>
        <p>Hello {p.name},</p>
        <p>{lead}</p>
        <p>You are receiving it as: {p.reason}.</p>
        <p>
          <a href={p.url}>Open {p.reference}</a>
        </p>
      </>,
    ),
  };
}

/** The daily summary of non-urgent reports routed to one person. */
export function concernDigestEmail(p: { trustName: string; name: string; references: string[]; url: string }): EmailMessage {
  const n = p.references.length;
  const what = n === 1 ? '1 new report' : `${n} new reports`;
  return {
    subject: `${p.trustName}: ${what} for you`,
    text: [`Hello ${p.name},`, '', `${what} routed to you since the last summary: ${p.references.join(', ')}.`, '', 'See them here:', p.url].join('\n'),
    html: emailHtml(
      <>
        <p>Hello {p.name},</p>
        <p>
          {what} routed to you since the last summary: {p.references.join(', ')}.
        </p>
        <p>
          <a href={p.url}>See them in Countersign</a>
        </p>
      </>,
    ),
  };
}

/** A breach has had no decision for 24 or 48 hours: the DPO is told, with the deadline. */
export function breachEscalationEmail(p: { trustName: string; name: string; reference: string; hours: number; deadline: string; url: string }): EmailMessage {
  return {
    subject: `${p.trustName}: breach ${p.reference} has no ICO decision after ${p.hours} hours`,
    text: [
      `Hello ${p.name},`,
      '',
      `Data breach ${p.reference} was found out ${p.hours} hours ago and nobody has yet decided whether it must be reported to the ICO.`,
      `The 72-hour deadline is ${p.deadline}.`,
      '',
      'Record the decision here:',
      p.url,
    ].join('\n'),
    html: emailHtml(
      <>
        <p>Hello {p.name},</p>
        <p>
          Data breach {p.reference} was found out {p.hours} hours ago and nobody has yet decided whether it must be reported to the ICO. The 72-hour deadline is{' '}
          {p.deadline}.
        </p>
        <p>
          <a href={p.url}>Record the decision</a>
        </p>
      </>,
    ),
  };
}
