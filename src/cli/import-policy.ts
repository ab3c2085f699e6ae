import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { importPolicyFile, PolicyImportError, type PolicyProposal } from '../modules/policies/import/index.ts';
import { loadProposal, proposeFromUpload, saveImportedDraft } from '../modules/policies/import-page/service.ts';
import { proposalDefaults } from '../modules/policies/import-page/views.tsx';
import { CliError, cliContext, type Output } from './context.ts';

export type ImportPolicyOptions = { file: string; trust?: string; json?: boolean };

async function readDocument(file: string) {
  try {
    return { name: path.basename(file), bytes: new Uint8Array(await readFile(file)) };
  } catch {
    throw new CliError(`Cannot read ${file}: check the path.`);
  }
}

function summary(p: PolicyProposal, out: Output) {
  out(`Title: ${p.title ?? '(not found)'}\n`);
  if (p.organisation) out(`Organisation: ${p.organisation}\n`);
  out(`Sections: ${p.sections.length} at the top level\n`);
  out(
    `Key points: ${p.keyPoints.length}, agreement statements: ${p.agreementStatements.length}, declaration fields: ${p.declarationFields.join(', ') || 'none'}\n`,
  );
  for (const w of p.warnings) out(`Warning: ${w}\n`);
}

/**
 * `countersign import-policy`: with --json, prints the proposal and writes nothing (no trust
 * needed); with --trust, saves it as a new policy with a draft version, exactly as the web does
 * when the proposal is accepted without corrections.
 */
export async function importPolicy(database: Database | null, config: Config, options: ImportPolicyOptions, out: Output): Promise<void> {
  const document = await readDocument(options.file);
  if (options.json) {
    try {
      out(`${JSON.stringify(await importPolicyFile(document), null, 2)}\n`);
    } catch (error) {
      if (error instanceof PolicyImportError) throw new CliError(error.message);
      throw error;
    }
    return;
  }
  if (!options.trust || !database) throw new CliError('Say which trust with --trust <slug>, or use --json to see the proposal without saving it.');
  const ctx = await cliContext(database, config, options.trust);
  let batchId: string;
  try {
    batchId = await proposeFromUpload(ctx, document);
  } catch (error) {
    const message = (error as { fieldErrors?: { file?: string } }).fieldErrors?.file;
    if (message) throw new CliError(message);
    throw error;
  }
  const { proposal } = await loadProposal(ctx, batchId);
  summary(proposal, out);
  const { policy, draft } = await saveImportedDraft(ctx, batchId, proposalDefaults(proposal));
  out(`Saved "${policy.title}" as a draft, ${draft.label}: ${config.baseUrl}/policies/${policy.id}/versions/${draft.id}\n`);
}
