import { z } from 'zod';
import { sha256 } from '../../crypto.ts';

/** Topic tags a clause can carry (a fixed list: reports and the email checker rely on it). */
export const POLICY_TOPICS = [
  'passwords',
  'email',
  'social media',
  'personal devices',
  'monitoring',
  'data protection',
  'images of pupils',
  'cyberbullying',
  'software',
  'cloud services',
  'removable media',
  'reporting',
  'sanctions',
  'personal use',
  'remote access',
  'copyright',
  'filtering',
] as const;
export type PolicyTopic = (typeof POLICY_TOPICS)[number];

export type Clause = {
  /** Stable id within the version's content, kept across versions so compare can pair clauses. */
  id: string;
  /** The document's own numbering ("4.1", "1.1.2.1"), or null for an unnumbered heading or paragraph. */
  number: string | null;
  heading: string | null;
  text: string;
  topics: PolicyTopic[];
  children: Clause[];
};

export const clauseSchema: z.ZodType<Clause> = z.lazy(() =>
  z.object({
    id: z.string().min(1).max(64),
    number: z.string().max(30).nullable(),
    heading: z.string().max(300).nullable(),
    text: z.string().max(50_000),
    topics: z.array(z.enum(POLICY_TOPICS)),
    children: z.array(clauseSchema).max(500),
  }),
);

export const contentSchema = z.object({
  keyPoints: z.array(z.string().min(1).max(2000)).max(100),
  sections: z.array(clauseSchema).max(500),
  agreementStatements: z.array(z.string().min(1).max(2000)).max(200),
  declaration: z.object({
    wording: z.string().max(5000),
    /** What the signer gives: "Name", "Position", "Signature", "Date". */
    fields: z.array(z.string().min(1).max(100)).max(20),
  }),
});
export type PolicyContent = z.infer<typeof contentSchema>;

export const emptyContent = (): PolicyContent => ({
  keyPoints: [],
  sections: [],
  agreementStatements: [],
  declaration: {
    wording: 'I have read and understand the above and agree to follow it.',
    fields: ['Name', 'Position', 'Signature', 'Date'],
  },
});

/** JSON with object keys sorted at every level: the same content always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

export const contentHash = (content: PolicyContent) => sha256(canonicalJson(content));

/** Every clause, depth first, with its depth: for contents lists, compare and topic counts. */
export function* walkClauses(clauses: Clause[], depth = 0): Generator<{ clause: Clause; depth: number }> {
  for (const clause of clauses) {
    yield { clause, depth };
    yield* walkClauses(clause.children, depth + 1);
  }
}
