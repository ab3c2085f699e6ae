import { formatDate, plural } from '../../../ui/format.ts';
import type { EmailMessage } from '../../notifications/service.ts';
import { emailHtml as html } from '../../notifications/templates.tsx';
import type { AssignmentSource } from '../schema.ts';

/** How often a person is reminded and who is told when they do not sign. Null escalation days: never. */
export type Cadence = {
  reminderDaysBefore: number[];
  overdueEveryDays: number;
  escalateManagerAfterDays: number | null;
  escalateHeadAfterDays: number | null;
};

/** What an assignment without a campaign (imported, or carried from one) follows: the campaign form's defaults. */
export const DEFAULT_CADENCE: Cadence = { reminderDaysBefore: [7, 1, 0], overdueEveryDays: 7, escalateManagerAfterDays: 7, escalateHeadAfterDays: 14 };

const joinWords = (items: string[], last = 'and') =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${last} ${items[items.length - 1]}`;

/** "7 days before the due date, 1 day before and on the day, then every 7 days until it is signed". */
export function remindersInWords(c: Pick<Cadence, 'reminderDaysBefore' | 'overdueEveryDays'>): string {
  const before = [...c.reminderDaysBefore].sort((a, b) => b - a).map((n) => (n === 0 ? 'on the due date' : `${plural(n, 'day')} before`));
  const after = `every ${plural(c.overdueEveryDays, 'day')} after it until they sign`;
  return before.length ? `${joinWords(before)}, then ${after}` : `No reminders before the due date; ${after}`;
}

/** "The line manager is told at 7 days overdue, then the head teacher at 14 days". */
export function escalationInWords(c: Pick<Cadence, 'escalateManagerAfterDays' | 'escalateHeadAfterDays'>): string {
  const m = c.escalateManagerAfterDays;
  const h = c.escalateHeadAfterDays;
  if (m === null && h === null) return 'Nobody else is told';
  if (m !== null && h !== null)
    return `Their line manager is told at ${plural(m, 'day')} overdue (the head teacher if they have none), then the head teacher at ${plural(h, 'day')}`;
  if (m !== null) return `Their line manager is told at ${plural(m, 'day')} overdue (the head teacher if they have none)`;
  return `The head teacher is told at ${plural(h as number, 'day')} overdue`;
}

/** The cadence as the person reads it at the end of each email. */
const cadenceNote = (c: Cadence) =>
  `Countersign reminds you ${remindersInWords(c).replace('until they sign', 'until you sign')}. The reminders stop as soon as you sign.`;

/** "14 March" this year, "14 March 2028" in another. */
export function shortDate(isoDate: string, today: string): string {
  const full = formatDate(isoDate);
  return isoDate.slice(0, 4) === today.slice(0, 4) ? full.replace(/ \d{4}$/, '') : full;
}

/** "the Staff ICT Acceptable Use Policy", without doubling a title that already starts with "The". */
export const theTitle = (title: string) => (/^the\s/i.test(title) ? title : `the ${title}`);

const WHY: Partial<Record<AssignmentSource, (months: number | null) => string>> = {
  resign: () => 'A new version has been published with changes everyone must agree to, so you are asked to sign it again.',
  annual: (months) => `Everyone signs this policy again every ${months ? plural(months, 'month') : 'year'}, and your last signature is that old.`,
  onboarding: () => 'Everyone who joins is asked to sign it.',
  carried: () => 'A corrected version has replaced the one you were asked to sign: sign this one instead.',
};

export type PersonEmail = {
  name: string;
  orgName: string;
  title: string;
  versionLabel: string;
  dueOn: string;
  today: string;
  url: string;
  linkDays: number;
  baseUrl: string;
  cadence: Cadence;
  source: AssignmentSource;
  resignEveryMonths: number | null;
};

/** The step's words: what the subject says and the first line of the email. */
function stepWording(step: string, p: PersonEmail): { subject: string; lead: string } {
  const title = theTitle(p.title);
  const due = shortDate(p.dueOn, p.today);
  const full = formatDate(p.dueOn);
  if (step === 'assigned')
    return { subject: `${p.orgName}: please sign ${title} by ${due}`, lead: `${p.orgName} asks you to read and sign ${title} (${p.versionLabel}) by ${full}.` };
  if (step === 'due')
    return {
      subject: `${p.orgName}: please sign ${title} today`,
      lead: `${title[0]?.toUpperCase()}${title.slice(1)} (${p.versionLabel}) is due to be signed today.`,
    };
  if (step.startsWith('before-')) {
    const days = Number(step.slice('before-'.length));
    return {
      subject: `${p.orgName}: reminder: please sign ${title} by ${due}`,
      lead: `A reminder that ${title} (${p.versionLabel}) is due to be signed by ${full}, in ${plural(days, 'day')}.`,
    };
  }
  const days = Number(step.slice('overdue-'.length));
  return {
    subject: `${p.orgName}: ${title} was due on ${due}: please sign it now`,
    lead: `You have not signed ${title} (${p.versionLabel}) yet. It was due on ${full}, ${plural(days, 'day')} ago.`,
  };
}

/**
 * The email to the person who must sign: the assigned notice or one of its reminders. It carries
 * their personal sign-in link to the signing page, and nothing of the policy's text.
 */
export function agreementEmail(step: string, p: PersonEmail): EmailMessage {
  const { subject, lead } = stepWording(step, p);
  const why = step === 'assigned' ? WHY[p.source]?.(p.resignEveryMonths) : undefined;
  const linkNote = `The link is personal to you: do not forward it. It works once and for ${plural(p.linkDays, 'day')}; after that, sign in at ${p.baseUrl}/sign-in and choose My agreements.`;
  return {
    subject,
    text: [
      `Hello ${p.name},`,
      '',
      lead,
      ...(why ? ['', why] : []),
      '',
      'Open this link to read it and sign:',
      p.url,
      '',
      linkNote,
      '',
      cadenceNote(p.cadence),
    ].join('\n'),
    html: html(
      <>
        <p>Hello {p.name},</p>
        <p>{lead}</p>
        {why && <p>{why}</p>}
        <p>
          <a href={p.url}>Read and sign {theTitle(p.title)}</a>
        </p>
        <p>{linkNote}</p>
        <p>{cadenceNote(p.cadence)}</p>
      </>,
    ),
  };
}

/**
 * Escalation: tells a line manager or head teacher who has not signed what. It links to their
 * compliance page, never to the person's own signing link.
 */
export function escalationEmail(p: {
  recipientName: string;
  as: 'manager' | 'head' | 'admin';
  orgName: string;
  personName: string;
  position: string | null;
  title: string;
  versionLabel: string;
  dueOn: string;
  today: string;
  daysOverdue: number;
  url: string;
}): EmailMessage {
  const title = theTitle(p.title);
  const who = p.position ? `${p.personName} (${p.position})` : p.personName;
  const role = p.as === 'manager' ? 'their line manager' : p.as === 'head' ? 'their head teacher' : 'a trust administrator (they have no head teacher)';
  const lead = `${who} has not signed ${title} (${p.versionLabel}). It was due on ${formatDate(p.dueOn)}, ${plural(p.daysOverdue, 'day')} ago.`;
  const ask = `You are receiving this as ${role}. Please remind them to sign it: they have their own link in their emails, or they can sign in to Countersign and choose My agreements.`;
  const linkText = p.as === 'manager' ? 'See your team’s agreements' : 'See who has not signed';
  return {
    subject: `${p.orgName}: ${p.personName} has not signed ${title} (${plural(p.daysOverdue, 'day')} overdue)`,
    text: [`Hello ${p.recipientName},`, '', lead, '', ask, '', `${linkText}:`, p.url].join('\n'),
    html: html(
      <>
        <p>Hello {p.recipientName},</p>
        <p>{lead}</p>
        <p>{ask}</p>
        <p>
          <a href={p.url}>{linkText}</a>
        </p>
      </>,
    ),
  };
}
