import { formatDate } from '../../ui/format.ts';
import type { EmailMessage } from '../notifications/service.ts';
import { emailHtml } from '../notifications/templates.tsx';

/**
 * Non-compliance emails say that a record needs attention and link to it: the reference, the
 * school and a date, never who it is about, what happened or the outcome (like concern emails).
 */
export const REMINDER_CADENCE = 'Countersign reminds the person who recorded it and the head teacher a week before the review date and on the day.';

/** A new record, brought to the DPO and the head teacher (000 appendix 3). */
export function recordCreatedEmail(p: { orgName: string; name: string; reference: string; reason: string; url: string }): EmailMessage {
  return {
    subject: `${p.orgName}: non-compliance record ${p.reference} needs your attention`,
    text: [
      `Hello ${p.name},`,
      '',
      `Non-compliance record ${p.reference} has been opened at ${p.orgName}. It is brought to you as ${p.reason}.`,
      '',
      `Open ${p.reference} to see it and its action plan:`,
      p.url,
    ].join('\n'),
    html: emailHtml(
      <>
        <p>Hello {p.name},</p>
        <p>
          Non-compliance record {p.reference} has been opened at {p.orgName}. It is brought to you as {p.reason}.
        </p>
        <p>
          <a href={p.url}>Open {p.reference}</a>
        </p>
      </>,
    ),
  };
}

/** The agreed review date is a week away, or today. */
export function reviewReminderEmail(p: { orgName: string; name: string; reference: string; reviewOn: string; when: string; url: string }): EmailMessage {
  const due = `is due for review on ${formatDate(p.reviewOn)} (${p.when})`;
  return {
    subject: `${p.orgName}: non-compliance record ${p.reference} ${p.when === 'today' ? 'is due for review today' : `is due for review on ${formatDate(p.reviewOn)}`}`,
    text: [
      `Hello ${p.name},`,
      '',
      `Non-compliance record ${p.reference} ${due}.`,
      '',
      'Review the action plan and record the outcome here:',
      p.url,
      '',
      REMINDER_CADENCE,
    ].join('\n'),
    html: emailHtml(
      <>
        <p>Hello {p.name},</p>
        <p>
          Non-compliance record {p.reference} {due}.
        </p>
        <p>
          <a href={p.url}>Review {p.reference}</a>
        </p>
        <p>{REMINDER_CADENCE}</p>
      </>,
    ),
  };
}

/** An action on a plan is past its due date and not marked as done: its owner is told once. */
export function actionOverdueEmail(p: { orgName: string; name: string; reference: string; dueOn: string; url: string }): EmailMessage {
  return {
    subject: `${p.orgName}: an action for ${p.reference} was due on ${formatDate(p.dueOn)}`,
    text: [
      `Hello ${p.name},`,
      '',
      `An action on the action plan of ${p.reference} is yours and was due on ${formatDate(p.dueOn)}. It has not been marked as done.`,
      '',
      'Open it and mark it as done when it is:',
      p.url,
    ].join('\n'),
    html: emailHtml(
      <>
        <p>Hello {p.name},</p>
        <p>
          An action on the action plan of {p.reference} is yours and was due on {formatDate(p.dueOn)}. It has not been marked as done.
        </p>
        <p>
          <a href={p.url}>Open the action</a>
        </p>
      </>,
    ),
  };
}
