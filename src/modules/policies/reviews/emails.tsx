import { formatDate } from '../../../ui/format.ts';
import type { EmailMessage } from '../../notifications/service.ts';
import { emailHtml as html } from '../../notifications/templates.tsx';

export const CADENCE = 'Countersign reminds the policy’s owner 2 months, 1 month and 1 week before its review date, and on the day.';

/**
 * "Oakfield Learning Trust: Staff ICT Acceptable Use Policy is due for review on 3 March 2027".
 * Only the title, the date and a link: nothing from the policy's text.
 */
export function reviewReminderEmail(p: {
  name: string;
  orgName: string;
  title: string;
  dueOn: string;
  when: string;
  overdue: boolean;
  url: string;
}): EmailMessage {
  const due = formatDate(p.dueOn);
  const status = p.overdue ? `was due for review on ${due}` : `is due for review on ${due}`;
  return {
    subject: `${p.orgName}: ${p.title} ${status}`,
    text: [
      `Hello ${p.name},`,
      '',
      `${p.title} (${p.orgName}) ${status} (${p.when}). You are receiving this as its owner.`,
      '',
      'Open the policy in Countersign to review it:',
      p.url,
      '',
      'If it needs no changes, choose “Record a review” on its page. If it does, start its next version there.',
      '',
      CADENCE,
    ].join('\n'),
    html: html(
      <>
        <p>Hello {p.name},</p>
        <p>
          {p.title} ({p.orgName}) {status} ({p.when}). You are receiving this as its owner.
        </p>
        <p>
          <a href={p.url}>Open {p.title} in Countersign</a>
        </p>
        <p>If it needs no changes, choose “Record a review” on its page. If it does, start its next version there.</p>
        <p>{CADENCE}</p>
      </>,
    ),
  };
}
