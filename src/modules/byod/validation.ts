import { z } from 'zod';
import type { FieldErrors } from '../../errors.ts';
import { blankToUndefined, manyValues, requiredText, textField, toFieldErrors } from '../../validation.ts';
import type { TrustSettings } from '../settings/trust-settings.ts';
import { BYOD_TYPES, BYOD_USES, type ByodType, type ByodUse, CLOSE_REASONS, type CloseReason } from './schema.ts';

/**
 * The passcode rule (000, 003): "a passcode of at least N characters, or biometrics". A device that
 * unlocks with a fingerprint or face still has a passcode behind it (every phone and laptop falls
 * back to one), so biometrics lower the bar for that passcode to this floor rather than remove it.
 */
export const BIOMETRIC_PASSCODE_MIN = 4;
export const PASSCODE_MAX = 64;

/** What the person confirms, besides the passcode. The texts are copied into each attestation's rules snapshot. */
export const CONFIRMATIONS = {
  encrypted: {
    legend: 'Encryption',
    text: 'The device is encrypted (on a phone or tablet this is on once a passcode is set; on a laptop, BitLocker or FileVault is turned on)',
  },
  updates: {
    legend: 'Anti-virus and updates',
    text: 'Its anti-virus (where the device needs one) is up to date, and its security updates are installed as they come out',
  },
  noRemovableDrives: {
    legend: 'Removable drives',
    text: 'I will not use removable drives (USB sticks, memory cards, external disks) for school data from this device',
  },
  autoLock: {
    legend: 'Automatic lock',
    text: 'It locks itself after a few minutes when not in use, and needs the passcode or biometrics to unlock',
  },
} as const;
export type Confirmation = keyof typeof CONFIRMATIONS;
const CONFIRMATION_KEYS = Object.keys(CONFIRMATIONS) as Confirmation[];

/** The rules as the person saw them: kept with the attestation, so a later change of the trust's rules does not rewrite it. */
export type RulesSnapshot = {
  minPasscodeLength: number;
  biometricPasscodeMin: number;
  attestationMonths: number;
  statements: Record<Confirmation, string>;
};
export type Answers = { passcodeLength: number; biometrics: boolean } & Record<Confirmation, true>;

export const rulesSnapshot = (settings: TrustSettings): RulesSnapshot => ({
  minPasscodeLength: settings.byod.minPasscodeLength,
  biometricPasscodeMin: BIOMETRIC_PASSCODE_MIN,
  attestationMonths: settings.byod.attestationMonths,
  statements: Object.fromEntries(CONFIRMATION_KEYS.map((k) => [k, CONFIRMATIONS[k].text])) as Record<Confirmation, string>,
});

/** The passcode rule in words, for the form's hint and the record page. */
export const passcodeRule = (min: number) =>
  `A passcode of at least ${min} characters, or biometrics (fingerprint or face) with a passcode of at least ${Math.min(min, BIOMETRIC_PASSCODE_MIN)}.`;

const yes = (message: string) => z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.literal('yes', { error: message }));

const deviceInput = z.object({
  type: z.enum(Object.keys(BYOD_TYPES) as [ByodType, ...ByodType[]], { error: 'Select the type of device' }),
  make: requiredText(100, 'Enter the make of the device, for example Apple or Samsung', 'Make'),
  model: textField(100, 'Model'),
  os: requiredText(100, 'Enter the operating system and its version, for example iOS 18.3', 'Operating system'),
  uses: manyValues.pipe(
    z
      .array(z.string())
      .transform((list) => [...new Set(list.filter((u): u is ByodUse => u in BYOD_USES))])
      .refine((list) => list.length > 0, 'Select what you will use the device for'),
  ),
});
export type DeviceInput = z.output<typeof deviceInput>;

/**
 * The answers to the rules, checked against the trust's rules as they are now. Every confirmation
 * is required; the passcode length must meet the rule, or the lower floor when biometrics are on.
 */
export function parseAnswers(raw: Record<string, unknown>, settings: TrustSettings): { answers?: Answers; errors: FieldErrors } {
  const min = settings.byod.minPasscodeLength;
  const schema = z.object({
    passcodeLength: z.preprocess(
      blankToUndefined,
      z.coerce
        .number({ error: 'Enter the number of characters in your passcode, for example 6' })
        .int('Enter the number of characters in your passcode as a whole number, for example 6')
        .min(1, 'Enter the number of characters in your passcode, for example 6')
        .max(PASSCODE_MAX, `The passcode length must be ${PASSCODE_MAX} or fewer`),
    ),
    biometrics: z.preprocess((v) => (Array.isArray(v) ? v[0] : v) === 'yes', z.boolean()),
    ...Object.fromEntries(
      CONFIRMATION_KEYS.map((k) => [k, yes(`Confirm this rule: ${CONFIRMATIONS[k].text.charAt(0).toLowerCase()}${CONFIRMATIONS[k].text.slice(1)}`)]),
    ),
  });
  const parsed = schema.safeParse(raw);
  const errors = parsed.success ? {} : toFieldErrors(parsed.error);
  if (!parsed.success) return { errors };
  const data = parsed.data as unknown as Answers;
  const floor = data.biometrics ? Math.min(min, BIOMETRIC_PASSCODE_MIN) : min;
  if (data.passcodeLength < floor)
    errors.passcodeLength = data.biometrics
      ? `The passcode must be at least ${floor} characters, even with biometrics. Set a longer passcode before registering the device`
      : `The passcode must be at least ${min} characters, or the device must also unlock with biometrics. Set a longer passcode before registering the device`;
  if (Object.keys(errors).length) return { errors };
  return {
    answers: { passcodeLength: data.passcodeLength, biometrics: data.biometrics, ...Object.fromEntries(CONFIRMATION_KEYS.map((k) => [k, true])) } as Answers,
    errors,
  };
}

export function parseDevice(raw: Record<string, unknown>): { device?: DeviceInput; errors: FieldErrors } {
  const parsed = deviceInput.safeParse(raw);
  return parsed.success ? { device: parsed.data, errors: {} } : { errors: toFieldErrors(parsed.error) };
}

export const decisionInput = z
  .object({
    decision: z.enum(['approved', 'refused'], { error: 'Select approve or refuse' }),
    reason: textField(1000, 'Reason'),
  })
  .superRefine((v, ctx) => {
    if (v.decision === 'refused' && !v.reason)
      ctx.addIssue({ code: 'custom', path: ['reason'], message: 'Enter the reason for refusing, so the person knows what to do' });
  });

/** What closing for each reason asks the person to confirm (003 §8.6.5, §8.6.6). */
export const CLOSE_CONFIRMATIONS: Record<CloseReason, Record<string, string>> = {
  sold: {
    wiped: 'I wiped the device (a factory reset) before it left me',
    accountsRemoved: 'I removed my school accounts (email, apps, Wi-Fi) from it first',
  },
  lost: {
    passwordChanged: 'I have changed my school password',
    itTold: 'I have told IT services, so they can sign the device out of school accounts',
  },
  replaced: { dataRemoved: 'I have removed all school data and my school accounts from the device' },
  left: { dataRemoved: 'I have removed all school data and my school accounts from the device' },
};

export function parseClose(raw: Record<string, unknown>): { reason?: CloseReason; confirmations?: Record<string, string>; errors: FieldErrors } {
  const reason = z.enum(Object.keys(CLOSE_REASONS) as [CloseReason, ...CloseReason[]]).safeParse(raw.reason);
  if (!reason.success) return { errors: { reason: 'Select why you are closing this registration' } };
  const needed = CLOSE_CONFIRMATIONS[reason.data];
  const errors: FieldErrors = {};
  for (const [key, text] of Object.entries(needed)) {
    const v = raw[`${reason.data}-${key}`];
    if ((Array.isArray(v) ? v[0] : v) !== 'yes') errors[`${reason.data}-${key}`] = `Confirm that ${text}`;
  }
  return Object.keys(errors).length ? { errors } : { reason: reason.data, confirmations: needed, errors };
}

export const byodSettingsInput = z.object({
  minPasscodeLength: z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ error: 'Enter the shortest passcode allowed, from 4 to 16 characters' })
      .int('Enter the shortest passcode allowed as a whole number, from 4 to 16')
      .min(4, 'The shortest passcode allowed must be from 4 to 16 characters')
      .max(16, 'The shortest passcode allowed must be from 4 to 16 characters'),
  ),
  attestationMonths: z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ error: 'Enter how many months an approval lasts, from 1 to 36' })
      .int('Enter how many months an approval lasts as a whole number, from 1 to 36')
      .min(1, 'An approval must last from 1 to 36 months')
      .max(36, 'An approval must last from 1 to 36 months'),
  ),
});
