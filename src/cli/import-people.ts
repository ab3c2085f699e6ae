import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { ValidationError } from '../errors.ts';
import { planCounts } from '../modules/organisations/import/csv.ts';
import { applyImport, checkImport, type ImportPreview, previewImport } from '../modules/organisations/import/service.ts';
import { formatDate, plural } from '../ui/format.ts';
import { CliError, cliContext, type Output } from './context.ts';

export type ImportPeopleOptions = { trust: string; file: string; dryRun?: boolean; endDateMissing?: boolean };

/** The plan as the web preview shows it: counts, then who is added, changed and recorded as left, and every problem. */
function printPlan(preview: ImportPreview, out: Output) {
  const { plan } = preview;
  const c = planCounts(plan);
  out(
    `${preview.fileName}: ${c.added} to add, ${c.updated} to update, ${c.unchanged} unchanged, ${preview.endDateMissing ? c.endDated : 'none'} to record as left.\n`,
  );
  for (const w of plan.warnings) out(`Warning: ${w}\n`);
  if (plan.creates.length > 0) out('\nTo be added:\n');
  for (const p of plan.creates) out(`  line ${p.line}: ${p.fields.fullName} <${p.fields.email}>\n`);
  if (plan.updates.length > 0) out('\nTo be updated:\n');
  for (const u of plan.updates) {
    out(`  line ${u.line}: ${u.fullName} <${u.email}>\n`);
    for (const change of u.changes) out(`    ${change.field}: ${change.before} → ${change.after}\n`);
  }
  if (plan.leavers.length > 0) out(`\nTo be recorded as left on ${formatDate(plan.today)}:\n`);
  for (const l of plan.leavers) out(`  ${l.fullName} <${l.email}>\n`);
  if (plan.rowErrors.length > 0) out(`\nProblems in the file:\n`);
  for (const e of plan.rowErrors) out(`  line ${e.line}: ${e.message}\n`);
}

/**
 * `countersign import-people`: the web import's checks and apply, from the command line. A real
 * run keeps the file as an import batch and applies it, just as the web's preview and apply do,
 * so every import leaves the same record; --dry-run only plans and keeps nothing.
 */
export async function importPeople(database: Database, config: Config, options: ImportPeopleOptions, out: Output): Promise<void> {
  const ctx = await cliContext(database, config, options.trust);
  let content: Buffer;
  try {
    content = await readFile(options.file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`Cannot read ${options.file}: ${code === 'ENOENT' ? 'there is no such file' : (error as Error).message}`);
  }
  const upload = { fileName: path.basename(options.file), content, endDateMissing: !!options.endDateMissing };
  let preview: ImportPreview;
  try {
    preview = options.dryRun ? await checkImport(ctx, upload) : await previewImport(ctx, upload);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new CliError(`${Object.values(error.fieldErrors).join('\n')}\nNothing was imported.`);
  }
  printPlan(preview, out);
  const problems = preview.plan.rowErrors.length;
  if (problems > 0) throw new CliError(`The file has ${plural(problems, 'problem')}, so nothing was imported. Fix the file and run the command again.`);
  if (options.dryRun) return out('\nDry run: nothing was changed.\n');
  if (!preview.batchId) return out('\nNothing to import: everyone in the file is already up to date.\n');
  const counts = await applyImport(ctx, preview.batchId);
  out(`\nImport complete: ${counts.added} added, ${counts.updated} updated, ${counts.endDated} recorded as left.\n`);
}
