import { formatDateTime } from '../../../ui/format.ts';
import type { EmailMessage } from '../../notifications/service.ts';
import { emailHtml as html } from '../../notifications/templates.tsx';

export const CADENCE =
  'Countersign reminds you 24 hours before a return is due and, if it is late, on the day it becomes overdue and every 3 days after (your line manager is told too). Reminders stop when IT records the return.';

const text = (lines: (string | false | null | undefined)[]) => lines.filter((l): l is string => typeof l === 'string').join('\n');

/** To the person when devices are lent: sign for them, with a personal sign-in link to the signing page. */
export function loanIssuedEmail(p: { name: string; orgName: string; reference: string; devices: string[]; url: string; linkDays: number }): EmailMessage {
  return {
    subject: `${p.orgName}: please sign for the devices lent to you (${p.reference})`,
    text: text([
      `Hello ${p.name},`,
      '',
      `${p.orgName} has lent you ${p.devices.length === 1 ? 'a device' : `${p.devices.length} devices`} (loan ${p.reference}):`,
      ...p.devices.map((d) => `- ${d}`),
      '',
      'Please read the device loan agreement and sign for them:',
      p.url,
      '',
      `The link signs you in to Countersign and works for ${p.linkDays} days. If it has expired, sign in and open My devices.`,
    ]),
    html: html(
      <>
        <p>Hello {p.name},</p>
        <p>
          {p.orgName} has lent you {p.devices.length === 1 ? 'a device' : `${p.devices.length} devices`} (loan {p.reference}):
        </p>
        <ul>
          {p.devices.map((d) => (
            <li key={d}>{d}</li>
          ))}
        </ul>
        <p>
          <a href={p.url}>Read the loan agreement and sign for the devices</a>
        </p>
        <p>The link signs you in to Countersign and works for {p.linkDays} days. If it has expired, sign in and open My devices.</p>
      </>,
    ),
  };
}

/** To the person when IT asks for the devices back: the 72-hour deadline (003 §7.2). */
export function returnRequestedEmail(p: { name: string; orgName: string; reference: string; dueAt: Date; reason: string | null; url: string }): EmailMessage {
  const due = formatDateTime(p.dueAt);
  return {
    subject: `${p.orgName}: please return the devices on loan ${p.reference} by ${due}`,
    text: text([
      `Hello ${p.name},`,
      '',
      `${p.orgName} has asked for the devices on loan ${p.reference} back. Please return them to IT, with all their accessories, cables and packaging, by ${due} (within 72 hours).`,
      p.reason && '',
      p.reason && `Reason: ${p.reason}`,
      '',
      'See what to hand back:',
      p.url,
      '',
      'Before you hand them back, remove any school data from your personal devices and accounts: you will be asked to confirm it.',
      '',
      CADENCE,
    ]),
    html: html(
      <>
        <p>Hello {p.name},</p>
        <p>
          {p.orgName} has asked for the devices on loan {p.reference} back. Please return them to IT, with all their accessories, cables and packaging, by{' '}
          <strong>{due}</strong> (within 72 hours).
        </p>
        {p.reason && <p>Reason: {p.reason}</p>}
        <p>
          <a href={p.url}>See what to hand back</a>
        </p>
        <p>Before you hand them back, remove any school data from your personal devices and accounts: you will be asked to confirm it.</p>
        <p>{CADENCE}</p>
      </>,
    ),
  };
}

/** 24 hours before the deadline, to the person. */
export function returnDueSoonEmail(p: { name: string; orgName: string; reference: string; dueAt: Date; url: string }): EmailMessage {
  const due = formatDateTime(p.dueAt);
  return {
    subject: `${p.orgName}: the devices on loan ${p.reference} are due back by ${due}`,
    text: text([`Hello ${p.name},`, '', `The devices on loan ${p.reference} are due back with IT by ${due}: in 24 hours.`, '', p.url, '', CADENCE]),
    html: html(
      <>
        <p>Hello {p.name},</p>
        <p>
          The devices on loan {p.reference} are due back with IT by <strong>{due}</strong>: in 24 hours.
        </p>
        <p>
          <a href={p.url}>See what to hand back</a>
        </p>
        <p>{CADENCE}</p>
      </>,
    ),
  };
}

/** Once the deadline has passed: to the person, and to their line manager (who is told whose loan, not what is on it). */
export function returnOverdueEmail(p: {
  name: string;
  orgName: string;
  reference: string;
  dueAt: Date;
  late: string;
  /** The person's link to the loan; none for the line manager, who cannot open it. */
  url?: string;
  borrower?: string;
}): EmailMessage {
  const due = formatDateTime(p.dueAt);
  const whose = p.borrower ? `lent to ${p.borrower}` : 'lent to you';
  return {
    subject: `${p.orgName}: the devices on loan ${p.reference} ${whose} are overdue for return`,
    text: text([
      `Hello ${p.name},`,
      '',
      `The devices on loan ${p.reference} (${whose}) were due back with IT by ${due} and are ${p.late}.`,
      p.borrower
        ? `You are receiving this as ${p.borrower}’s line manager: please remind them to hand the devices back to IT.`
        : 'Please return them to IT as soon as you can.',
      p.url && '',
      p.url,
      '',
      CADENCE,
    ]),
    html: html(
      <>
        <p>Hello {p.name},</p>
        <p>
          The devices on loan {p.reference} ({whose}) were due back with IT by {due} and are <strong>{p.late}</strong>.
        </p>
        <p>
          {p.borrower
            ? `You are receiving this as ${p.borrower}’s line manager: please remind them to hand the devices back to IT.`
            : 'Please return them to IT as soon as you can.'}
        </p>
        {p.url && (
          <p>
            <a href={p.url}>Open loan {p.reference}</a>
          </p>
        )}
        <p>{CADENCE}</p>
      </>,
    ),
  };
}
