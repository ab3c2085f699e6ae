import { z } from 'zod';
import { blankToUndefined, optionalDate, textField } from '../../validation.ts';
import { SANCTIONS, type Sanction, SEVERITIES, type Severity } from './schema.ts';

export const SEVERITY_CODES = Object.keys(SEVERITIES) as Severity[];
export const SANCTION_CODES = Object.keys(SANCTIONS) as Sanction[];
export const severityLabel = (code: string) => SEVERITIES[code as Severity]?.label ?? code;
export const sanctionLabel = (code: string) => SANCTIONS[code as Sanction] ?? code;

export const NC_STATUSES = { open: 'Open', closed: 'Closed' } as const;
export type NcStatus = keyof typeof NC_STATUSES;

const text = textField;

const requiredDate = (label: string, missing: string) => optionalDate(label).refine((v) => v !== undefined, missing);

/** The new record form (the people, the clause and the school are checked against the database by the service). */
export const newRecordInput = z.object({
  school: z.preprocess(blankToUndefined, z.string({ error: 'Choose the school, or the whole trust for the central team' })),
  person: text(320, 'The person'),
  group: text(300, 'The group'),
  clause: z.preprocess(blankToUndefined, z.string({ error: 'Choose the clause of the policy that was not followed' })),
  severity: z.preprocess(blankToUndefined, z.enum(SEVERITY_CODES as [Severity, ...Severity[]], { error: 'Choose how serious it is' })),
  summary: text(5_000, 'What happened', 'Describe what happened'),
  reviewOn: requiredDate('The review date', 'Enter the agreed review date'),
  actionText: text(1_000, 'The action'),
  actionOwner: text(320, 'Who will do it'),
  actionDueOn: optionalDate('The action’s due date'),
  concern: z.preprocess(blankToUndefined, z.string().max(40).optional()).catch(undefined),
});

export const actionInput = z.object({
  actionText: text(1_000, 'The action', 'Describe the action'),
  actionOwner: text(320, 'Who will do it', 'Choose who will do it, from the directory'),
  actionDueOn: requiredDate('The due date', 'Enter the date it is due by'),
});

export const trainingInput = z.object({
  need: text(1_000, 'The training need', 'Describe the training needed'),
  forWhom: text(300, 'Who needs it'),
});

export const metInput = z.object({ metOn: requiredDate('The date it was met', 'Enter the date the training need was met') });

export const reviewDateInput = z.object({
  reviewOn: requiredDate('The new review date', 'Enter the new review date'),
  reason: text(1_000, 'The reason', 'Say why the review date is changing'),
});

export const outcomeInput = z.object({
  outcome: text(5_000, 'The outcome', 'Describe the outcome'),
  sanction: z.preprocess(blankToUndefined, z.enum(SANCTION_CODES as [Sanction, ...Sanction[]], { error: 'Choose the sanction, or “No sanction”' })),
  sanctionNote: text(2_000, 'The note about the sanction'),
});

/** The register's filters and page, from the query string: a value that makes no sense shows the default. */
export const registerQuery = z.object({
  status: z.enum(['open', 'closed']).optional().catch(undefined),
  severity: z
    .enum(SEVERITY_CODES as [Severity, ...Severity[]])
    .optional()
    .catch(undefined),
  school: z
    .union([z.literal('trust'), z.uuid()])
    .optional()
    .catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
export type RegisterQuery = z.output<typeof registerQuery>;

/** The trends page's filters: a school (or the central team) and a calendar year; no year means the last 12 months. */
export const trendsQuery = z.object({
  school: z
    .union([z.literal('trust'), z.uuid()])
    .optional()
    .catch(undefined),
  year: z.coerce.number().int().min(2000).max(2200).optional().catch(undefined),
});
export type TrendsQuery = z.output<typeof trendsQuery>;
