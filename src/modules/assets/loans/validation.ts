import { z } from 'zod';
import type { FieldErrors } from '../../../errors.ts';
import { manyValues, requiredText, textField } from '../../../validation.ts';
import { CONDITIONS, type Condition } from '../schema.ts';

/** The accessories the issue form offers as checkboxes; anything else is typed in "Other". Stored as these labels. */
export const ACCESSORIES = { charger: 'Charger', bag: 'Bag or case', mouse: 'Mouse', stylus: 'Stylus', headset: 'Headset' } as const;
export type AccessoryCode = keyof typeof ACCESSORIES;

/** How many device rows the issue form shows at first, and at most. */
export const DEFAULT_SLOTS = 3;
export const MAX_SLOTS = 20;

/** The declaration a person ticks when they sign for devices. */
export const LOAN_DECLARATION =
  'I have received the devices and accessories listed above, in working order. I have read the loan agreement shown here and agree to keep to it, and to return everything when the school asks, within 72 hours.';

/** The statement a person ticks when they hand devices back. */
export const RETURN_DECLARATION = 'I have removed school data from my personal devices and accounts, and handed back everything listed.';

type Raw = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v.trim() : Array.isArray(v) && typeof v[0] === 'string' ? v[0].trim() : '');

/** The number of device rows a form posted (kept between an error and "Add another device"). */
export function slotCount(raw: Raw, extra = 0): number {
  const n = Number.parseInt(str(raw.slots), 10);
  return Math.min(MAX_SLOTS, Math.max(1, (Number.isFinite(n) ? n : DEFAULT_SLOTS) + extra));
}

/** "USB-C hub, spare pen" → ["USB-C hub", "spare pen"]. */
export const splitOther = (text: string) =>
  text
    .split(/[,;\n]/)
    .map((s) => s.trim().replace(/\s+/g, ' '))
    .filter(Boolean);

export type IssueDevice = { slot: number; ref: string; accessories: string[] };
export type IssueInput = { person: string; devices: IssueDevice[]; offSite: boolean; offSiteNote: string | null };

const offSiteNote = textField(500, 'The note about off-site use');

/**
 * The issue form: one person, a device in each filled row (its asset tag or serial number) with
 * the accessories issued with it, and whether the devices may leave the school. Rows left blank
 * are ignored; a row with accessories but no device is an error at that row. The input is
 * returned with the errors, so the service can look up the person and devices and report
 * every problem at once.
 */
export function parseIssueForm(raw: Raw): { input: IssueInput; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const person = str(raw.person);
  if (!person) errors.person = 'Choose the person the devices are lent to';
  const devices: IssueDevice[] = [];
  const seen = new Map<string, number>();
  for (let slot = 0; slot < slotCount(raw); slot++) {
    const ref = str(raw[`device-${slot}`]);
    const ticked = manyValues.parse(raw[`accessories-${slot}`]).filter((a): a is AccessoryCode => a in ACCESSORIES);
    const other = str(raw[`otherAccessories-${slot}`]);
    if (other.length > 200) errors[`otherAccessories-${slot}`] = 'Other accessories must be 200 characters or fewer';
    if (!ref) {
      if (ticked.length || other) errors[`device-${slot}`] = 'Enter the asset tag or serial number of this device, or untick its accessories';
      continue;
    }
    if (ref.length > 100) {
      errors[`device-${slot}`] = 'An asset tag or serial number must be 100 characters or fewer';
      continue;
    }
    const key = ref.toLowerCase();
    if (seen.has(key)) {
      errors[`device-${slot}`] = `${ref} is already in row ${(seen.get(key) ?? 0) + 1}`;
      continue;
    }
    seen.set(key, slot);
    const accessories = [...new Set([...ticked.map((a) => ACCESSORIES[a] as string), ...splitOther(other)])];
    devices.push({ slot, ref, accessories });
  }
  if (devices.length === 0 && !Object.keys(errors).some((k) => k.startsWith('device-')))
    errors['device-0'] = 'Enter the asset tag or serial number of at least one device';
  const offSite = str(raw.offSite);
  if (offSite !== 'yes' && offSite !== 'no') errors.offSite = 'Say whether the devices may be used off site';
  const note = offSiteNote.safeParse(raw.offSiteNote);
  if (!note.success) errors.offSiteNote = note.error.issues[0]?.message ?? 'Check the note';
  return { input: { person, devices, offSite: offSite === 'yes', offSiteNote: note.success ? (note.data ?? null) : null }, errors };
}

/** Publishing a new version of the loan agreement. */
export const agreementInput = z.object({
  label: requiredText(60, 'Enter a label for this version, like 2026-1 or September 2026', 'The version label'),
  text: requiredText(50_000, 'Enter the text of the loan agreement', 'The agreement text'),
});

/** The signature: the declaration ticked and the full name typed. Also the return confirmation. */
export const signatureInput = z.object({
  agree: z.literal('yes', { error: 'Tick the declaration to sign it' }),
  typedName: requiredText(200, 'Type the full name to sign', 'Full name'),
});

export const requestReturnInput = z.object({ reason: textField(1000, 'The reason') });

/** One device of the return form, as posted: which device (by its tag), its condition, what came back with it. */
export type ReturnDevice = { slot: number; tag: string; condition: Condition; handedBack: string[]; note: string | null };

const conditionField = z.enum(Object.keys(CONDITIONS) as [Condition, ...Condition[]], { error: 'Choose the condition the device came back in' });
const noteField = textField(1000, 'The note');

/** The return form: rows `device-<n>` (the tag), `condition-<n>`, `handedBack-<n>` (accessories ticked) and `note-<n>`. */
export function parseReturnForm(raw: Raw): { devices: ReturnDevice[]; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const devices: ReturnDevice[] = [];
  for (let slot = 0; slot < MAX_SLOTS; slot++) {
    const tag = str(raw[`device-${slot}`]);
    if (!tag) continue;
    const condition = conditionField.safeParse(str(raw[`condition-${slot}`]));
    if (!condition.success) errors[`condition-${slot}`] = `Choose the condition ${tag} came back in`;
    const note = noteField.safeParse(raw[`note-${slot}`]);
    if (!note.success) errors[`note-${slot}`] = note.error.issues[0]?.message ?? 'Check the note';
    devices.push({
      slot,
      tag,
      condition: condition.data as Condition,
      handedBack: manyValues.parse(raw[`handedBack-${slot}`]),
      note: note.success ? (note.data ?? null) : null,
    });
  }
  if (devices.length === 0) errors.form = 'Record at least one device coming back';
  return { devices, errors };
}
