import { z } from 'zod';
import { POLICY_TOPICS, type PolicyTopic } from '../content.ts';

export { POLICY_TOPICS, type PolicyTopic };

/** "2024-03-12", or "2024-03" when the document gives only a month. */
const docDate = z
  .string()
  .regex(/^\d{4}-\d{2}(-\d{2})?$/, 'Dates are YYYY-MM-DD or YYYY-MM')
  .nullable();

export type ProposedSection = {
  /** The document's own numbering ("1.0", "4.1", "1.1.2.1", "Appendix 1"), or null when the heading has none. */
  number: string | null;
  /** Null for a numbered clause that has no heading of its own ("3.2.1 Lock your screen …"). */
  heading: string | null;
  /** The section's own body: paragraphs separated by a blank line, list items as lines starting "- ". */
  text: string;
  topics: PolicyTopic[];
  children: ProposedSection[];
};

export const sectionSchema: z.ZodType<ProposedSection> = z.lazy(() =>
  z.object({
    number: z.string().nullable(),
    heading: z.string().nullable(),
    text: z.string(),
    topics: z.array(z.enum(POLICY_TOPICS)),
    children: z.array(sectionSchema),
  }),
);

export const proposalSchema = z.object({
  title: z.string().nullable(),
  organisation: z.string().nullable(),
  dates: z.object({
    adopted: docDate,
    lastReviewed: docDate,
    interimReview: docDate,
    nextReview: docDate,
  }),
  reviewCycleMonths: z.number().int().positive().nullable(),
  owner: z.string().nullable(),
  approver: z.string().nullable(),
  versionHistory: z.array(
    z.object({
      version: z.string().nullable(),
      date: docDate,
      change: z.string().nullable(),
      origin: z.string().nullable(),
    }),
  ),
  sections: z.array(sectionSchema),
  keyPoints: z.array(z.string()),
  agreementStatements: z.array(z.string()),
  declarationFields: z.array(z.string()),
  topics: z.array(z.enum(POLICY_TOPICS)),
  warnings: z.array(z.string()),
});

export type PolicyProposal = z.infer<typeof proposalSchema>;
export type ProposalDates = PolicyProposal['dates'];
export type VersionHistoryRow = PolicyProposal['versionHistory'][number];
