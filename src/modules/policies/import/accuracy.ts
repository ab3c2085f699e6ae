/**
 * How close the importer comes to a careful reader on the seed AUPs: every fixture field on every
 * seed, right or wrong. Run `npx tsx src/modules/policies/import/accuracy.ts` to print the figure
 * and what is still wrong; the tests hold it to a floor.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { EXPECTED, type ExpectedPolicy, SEEDS_DIR } from '../../../../test/fixtures/policies/expected.ts';
import { importPolicyFile, type PolicyProposal } from './index.ts';

export type FieldResult = { field: string; ok: boolean; expected: unknown; actual: unknown };

/** The fixture's fields, each compared exactly (headings and numbers of the first sections one by one). */
export function compareToExpected(proposal: PolicyProposal, expected: ExpectedPolicy): FieldResult[] {
  const fields: [string, unknown, unknown][] = [
    ['title', expected.title, proposal.title],
    ['organisation', expected.organisation, proposal.organisation],
    ['dates.adopted', expected.dates.adopted, proposal.dates.adopted],
    ['dates.lastReviewed', expected.dates.lastReviewed, proposal.dates.lastReviewed],
    ['dates.interimReview', expected.dates.interimReview, proposal.dates.interimReview],
    ['dates.nextReview', expected.dates.nextReview, proposal.dates.nextReview],
    ['reviewCycleMonths', expected.reviewCycleMonths, proposal.reviewCycleMonths],
    ['owner', expected.owner, proposal.owner],
    ['approver', expected.approver, proposal.approver],
    ['top-level sections', expected.topLevelSections, proposal.sections.length],
    ...expected.firstSections.map((s, i): [string, unknown, unknown] => {
      const actual = proposal.sections[i];
      return [`section ${i + 1}`, s, actual ? { number: actual.number, heading: actual.heading } : null];
    }),
    ['agreement statements', expected.agreementStatements, proposal.agreementStatements.length],
    ['declaration fields', expected.declarationFields, proposal.declarationFields],
    ['key points', expected.keyPoints, proposal.keyPoints.length],
    ['version history', expected.versionHistory, proposal.versionHistory],
  ];
  return fields.map(([field, want, got]) => ({ field, ok: isDeepStrictEqual(want, got), expected: want, actual: got }));
}

export async function measureAccuracy() {
  const results: (FieldResult & { file: string })[] = [];
  for (const expected of EXPECTED) {
    const bytes = new Uint8Array(readFileSync(path.join(SEEDS_DIR, expected.file)));
    const proposal = await importPolicyFile({ name: expected.file, bytes });
    results.push(...compareToExpected(proposal, expected).map((r) => ({ ...r, file: expected.file })));
  }
  const correct = results.filter((r) => r.ok).length;
  return { correct, total: results.length, percent: Math.round((correct / results.length) * 100), wrong: results.filter((r) => !r.ok) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const { correct, total, percent, wrong } = await measureAccuracy();
  console.log(`importer accuracy: ${correct}/${total} fields (${percent}%)`);
  for (const w of wrong) console.log(`  ${w.file} ${w.field}: expected ${JSON.stringify(w.expected)}, got ${JSON.stringify(w.actual)}`);
}
