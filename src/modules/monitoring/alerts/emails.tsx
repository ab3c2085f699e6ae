import type { EmailMessage } from '../../notifications/service.ts';
import { emailHtml } from '../../notifications/templates.tsx';

/*
 * The daily digest of alerts below high severity (the high ones are emailed at once by the intake:
 * intake/emails.tsx). It says that alerts need attention and links to the list. Like concern emails, it never
 * carries who an alert is about, what was visited or its category (the restricted record rule).
 */

/** One line of the digest: a school (or the whole trust) and its alerts by severity. */
export type DigestGroup = { place: string; counts: { label: string; n: number }[] };

const alertsWord = (n: number) => (n === 1 ? '1 alert' : `${n.toLocaleString('en-GB')} alerts`);

/** The daily summary of the alerts below high severity for one person: counts by school and severity, and the references. */
export function alertDigestEmail(p: { trustName: string; name: string; groups: DigestGroup[]; references: string[]; url: string }): EmailMessage {
  const total = p.references.length;
  const lines = p.groups.map((g) => `${g.place}: ${g.counts.map((c) => `${c.n} ${c.label.toLowerCase()}`).join(', ')}`);
  return {
    subject: `${p.trustName}: ${alertsWord(total)} from monitoring to look at`,
    text: [
      `Hello ${p.name},`,
      '',
      `${alertsWord(total)} from monitoring and filtering since the last summary:`,
      ...lines.map((l) => `- ${l}`),
      '',
      `References: ${p.references.join(', ')}.`,
      '',
      'See them here:',
      p.url,
    ].join('\n'),
    html: emailHtml(
      <>
        <p>Hello {p.name},</p>
        <p>{alertsWord(total)} from monitoring and filtering since the last summary:</p>
        <ul>
          {lines.map((l) => (
            <li key={l}>{l}</li>
          ))}
        </ul>
        <p>References: {p.references.join(', ')}.</p>
        <p>
          <a href={p.url}>See them in Countersign</a>
        </p>
      </>,
    ),
  };
}
