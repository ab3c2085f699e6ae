export type { Block, DocumentFormat, ExtractedDocument } from './blocks.ts';
export { ACCEPTED_TYPES, MAX_POLICY_BYTES, MAX_UNZIPPED_BYTES, PolicyImportError, type PolicyImportErrorCode } from './errors.ts';
export { extractText, type PolicyFile } from './extract.ts';
export { proposePolicy } from './propose.ts';
export { POLICY_TOPICS, type PolicyProposal, type PolicyTopic, type ProposedSection, proposalSchema } from './schema.ts';

import { extractText, type PolicyFile } from './extract.ts';
import { proposePolicy } from './propose.ts';

/** Reads an uploaded policy and proposes its structure for the admin to check. */
export async function importPolicyFile(file: PolicyFile) {
  return proposePolicy(await extractText(file));
}
