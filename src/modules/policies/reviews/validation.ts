import { z } from 'zod';
import { blankToUndefined, optionalDate, optionalText } from '../../../validation.ts';

/** What a review found, in the words the form shows. */
export const REVIEW_OUTCOMES = {
  no_changes: 'No changes needed',
  minor_changes: 'Minor changes to follow',
  major_revision: 'Major revision needed',
} as const;
export type ReviewOutcome = keyof typeof REVIEW_OUTCOMES;
export const outcomeLabel = (code: string) => REVIEW_OUTCOMES[code as ReviewOutcome] ?? code;

export const reviewInput = z.object({
  reviewedOn: optionalDate('Date of the review').refine((v) => v !== undefined, 'Enter the date of the review'),
  outcome: z.preprocess(
    blankToUndefined,
    z.enum(Object.keys(REVIEW_OUTCOMES) as [ReviewOutcome, ...ReviewOutcome[]], { error: 'Choose the outcome of the review' }),
  ),
  note: optionalText(2000, 'Note'),
});
export type ReviewInput = { reviewedOn: string; outcome: ReviewOutcome; note?: string };

/** The calendar's filter: '' everything the person may see, 'trust' trust-wide policies, or a school's id. */
export const calendarFilter = z.object({
  school: z
    .union([z.literal('trust'), z.uuid()])
    .optional()
    .catch(undefined),
});
