import { formatDate } from '../../ui/format.ts';
import type { EmailMessage } from '../notifications/service.ts';
import { emailHtml } from '../notifications/templates.tsx';

/**
 * Request emails say what kind of permission is asked for, by whom, and link to the request. The
 * answers themselves (a pupil's description, a reason) stay in Countersign.
 */
export const REMINDER_CADENCE = 'Countersign reminds the people who decide a request after it has waited 3 days, and again after 7 days.';

function message(subject: string, name: string, lines: string[], link: { url: string; label: string }, footer?: string): EmailMessage {
  return {
    subject,
    text: [`Hello ${name},`, '', ...lines.flatMap((l) => [l, '']), `${link.label}:`, link.url, ...(footer ? ['', footer] : [])].join('\n'),
    html: emailHtml(
      <>
        <p>Hello {name},</p>
        {lines.map((l) => (
          <p key={l}>{l}</p>
        ))}
        <p>
          <a href={link.url}>{link.label}</a>
        </p>
        {footer && <p>{footer}</p>}
      </>,
    ),
  };
}

/** A new request, to each person who may decide it. */
export function requestMadeEmail(p: { orgName: string; name: string; requester: string; verb: string; reference: string; why: string; url: string }) {
  return message(
    `${p.orgName}: ${p.requester} asks permission to ${p.verb} (${p.reference})`,
    p.name,
    [`${p.requester} asks permission to ${p.verb}: request ${p.reference}. It comes to you as ${p.why}.`],
    { url: p.url, label: `Open ${p.reference} to approve or refuse it` },
    REMINDER_CADENCE,
  );
}

/** A request still waiting after 3 or 7 days. */
export function requestReminderEmail(p: { orgName: string; name: string; requester: string; verb: string; reference: string; days: number; url: string }) {
  return message(
    `${p.orgName}: request ${p.reference} has waited ${p.days} days for a decision`,
    p.name,
    [`${p.requester} asked permission to ${p.verb} ${p.days} days ago (request ${p.reference}) and is still waiting for a decision.`],
    { url: p.url, label: `Open ${p.reference} to approve or refuse it` },
    REMINDER_CADENCE,
  );
}

/** The decision, to the person who asked. */
export function requestDecidedEmail(p: {
  orgName: string;
  name: string;
  verb: string;
  reference: string;
  approved: boolean;
  decider: string;
  reason: string | null;
  expiresOn: string | null;
  url: string;
}) {
  const outcome = p.approved ? 'approved' : 'refused';
  return message(
    `${p.orgName}: your request ${p.reference} was ${outcome}`,
    p.name,
    [
      `Your request for permission to ${p.verb} (${p.reference}) was ${outcome} by ${p.decider}.`,
      ...(p.reason ? [`Reason: ${p.reason}`] : []),
      ...(p.approved && p.expiresOn ? [`The permission lasts until ${formatDate(p.expiresOn)}. Ask again if you need it for longer.`] : []),
    ],
    { url: p.url, label: `Open ${p.reference}` },
  );
}

/** An approved exception has passed its end date. */
export function requestExpiredEmail(p: { orgName: string; name: string; verb: string; reference: string; expiresOn: string; url: string }) {
  return message(
    `${p.orgName}: your permission ${p.reference} has expired`,
    p.name,
    [`Your permission to ${p.verb} (${p.reference}) lasted until ${formatDate(p.expiresOn)} and has now expired.`, 'If you still need it, make a new request.'],
    { url: p.url, label: `Open ${p.reference}` },
  );
}

/** A cloud service's review date is within 30 days. */
export function cloudReviewEmail(p: { orgName: string; name: string; service: string; reviewOn: string; url: string }) {
  return message(
    `${p.orgName}: ${p.service} is due for its data protection review on ${formatDate(p.reviewOn)}`,
    p.name,
    [
      `${p.service} is on the approved cloud services register and is due for review on ${formatDate(p.reviewOn)}.`,
      'Check it is still needed and its DPIA is current, then set the next review date, or withdraw it.',
    ],
    { url: p.url, label: `Open ${p.service} in the register` },
    'Countersign reminds the data protection officer once, 30 days before each review date.',
  );
}
