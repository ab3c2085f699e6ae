import { formatDate } from '../../ui/format.ts';
import type { EmailMessage } from '../notifications/service.ts';
import { emailHtml as html } from '../notifications/templates.tsx';

export const RENEW_CADENCE =
  'Countersign reminds you 30 days and 7 days before your approval ends, and on the day. The reminders stop once you renew or close the registration.';

/** To IT services: a device waits for their decision. Only the person's name and the device's name. */
export function awaitingApprovalEmail(p: { name: string; orgName: string; ownerName: string; device: string; renewal: boolean; url: string }): EmailMessage {
  const what = p.renewal
    ? `${p.ownerName} has renewed the rules for their personal device ${p.device}`
    : `${p.ownerName} has registered a personal device, ${p.device}`;
  return {
    subject: `${p.orgName}: a personal device is waiting for your approval`,
    text: [`Hello ${p.name},`, '', `${what}. It is waiting for IT services to approve or refuse it.`, '', 'Check it in Countersign:', p.url].join('\n'),
    html: html(
      <>
        <p>Hello {p.name},</p>
        <p>{what}. It is waiting for IT services to approve or refuse it.</p>
        <p>
          <a href={p.url}>Approve or refuse the device</a>
        </p>
      </>,
    ),
  };
}

/** To the person: IT's decision, with the reason for a refusal. */
export function decisionEmail(p: {
  name: string;
  orgName: string;
  device: string;
  decision: 'approved' | 'refused';
  reason: string | null;
  expiresOn: string;
  url: string;
}): EmailMessage {
  const approved = p.decision === 'approved';
  const headline = approved
    ? `IT services have approved your personal device ${p.device} for school use until ${formatDate(p.expiresOn)}.`
    : `IT services have refused your personal device ${p.device}: do not use it for school email, data or Wi-Fi.`;
  const next = approved ? RENEW_CADENCE : 'You can put it right and renew the rules from the device’s page, or close the registration.';
  return {
    subject: `${p.orgName}: your personal device has been ${approved ? 'approved' : 'refused'}`,
    text: [`Hello ${p.name},`, '', headline, ...(p.reason ? ['', `Reason: ${p.reason}`] : []), '', next, '', p.url].join('\n'),
    html: html(
      <>
        <p>Hello {p.name},</p>
        <p>{headline}</p>
        {p.reason && <p>Reason: {p.reason}</p>}
        <p>{next}</p>
        <p>
          <a href={p.url}>Open the device in Countersign</a>
        </p>
      </>,
    ),
  };
}

/** To the person: their approval ends soon, or today. */
export function renewReminderEmail(p: { name: string; orgName: string; device: string; expiresOn: string; when: string; url: string }): EmailMessage {
  const line = `The approval of your personal device ${p.device} ends on ${formatDate(p.expiresOn)} (${p.when}). Renew it by confirming the rules again, or close the registration if you no longer use the device for school.`;
  return {
    subject: `${p.orgName}: renew your personal device by ${formatDate(p.expiresOn)}`,
    text: [`Hello ${p.name},`, '', line, '', p.url, '', RENEW_CADENCE].join('\n'),
    html: html(
      <>
        <p>Hello {p.name},</p>
        <p>{line}</p>
        <p>
          <a href={p.url}>Renew or close the registration</a>
        </p>
        <p>{RENEW_CADENCE}</p>
      </>,
    ),
  };
}

/** To the person: the approval has ended. */
export function expiredEmail(p: { name: string; orgName: string; device: string; expiresOn: string; url: string }): EmailMessage {
  const line = `The approval of your personal device ${p.device} ended on ${formatDate(p.expiresOn)}. Do not use it for school email, data or Wi-Fi until you renew it and IT services approve it again.`;
  return {
    subject: `${p.orgName}: the approval of your personal device has ended`,
    text: [`Hello ${p.name},`, '', line, '', p.url].join('\n'),
    html: html(
      <>
        <p>Hello {p.name},</p>
        <p>{line}</p>
        <p>
          <a href={p.url}>Renew or close the registration</a>
        </p>
      </>,
    ),
  };
}
