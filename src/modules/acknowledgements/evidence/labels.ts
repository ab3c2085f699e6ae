import { formatDate, formatDateTime } from '../../../ui/format.ts';
import type { AcknowledgementRow } from '../chain.ts';
import { AUTH_METHODS } from '../schema.ts';

type Signed = Pick<AcknowledgementRow, 'signedAt' | 'authMethod' | 'imported'>;

/**
 * A paper form or an imported record carries the date written on it, not a moment: it is stored
 * at midday UTC so it is the same calendar day everywhere, and shown as a date only.
 */
export const dateOnly = (ack: Signed) => ack.imported || ack.authMethod === 'paper' || ack.authMethod === 'imported';

/** "3 March 2026 at 14:05", in Europe/London; for a paper or imported record the date and where it came from. */
export function signedAtLondon(ack: Signed): string {
  if (dateOnly(ack)) return `${formatDate(ack.signedAt)} (the date on the ${ack.imported ? 'earlier record' : 'paper form'})`;
  return formatDateTime(ack.signedAt);
}

/** The exact moment as it is hashed ("2026-03-03T14:05:12.345Z"); for a paper or imported record the date. */
export function signedAtUtc(ack: Signed): string {
  const iso = new Date(ack.signedAt).toISOString();
  return dateOnly(ack) ? iso.slice(0, 10) : iso;
}

export const authMethodLabel = (ack: Pick<AcknowledgementRow, 'authMethod'>) => AUTH_METHODS[ack.authMethod] ?? ack.authMethod;

/** "Zoë O’Brien-Smith" → "zoe-obrien-smith": safe in a file name and a header. */
export const slugify = (text: string) =>
  text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['’]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');

/** "certificate-staff-aup-tess-teacher-17.pdf" */
export function certificateFilename(policySlug: string, ack: Pick<AcknowledgementRow, 'personName' | 'seq'>): string {
  const parts = ['certificate', slugify(policySlug), slugify(ack.personName), String(ack.seq)].filter(Boolean);
  return `${parts.join('-')}.pdf`;
}
