import { type Config, ConfigError, loadConfig } from '../config.ts';
import type { Ctx } from '../context.ts';
import type { Database } from '../db/client.ts';
import { ValidationError } from '../errors.ts';
import { systemActor } from '../modules/auth/actor.ts';
import { findTrustBySlug } from '../modules/organisations/repository.ts';
import { openConfiguredDatabase } from '../server.ts';

/** Where a command writes what it has to say (standard output, or a test's buffer). */
export type Output = (text: string) => void;
export const stdout: Output = (text) => process.stdout.write(text);

/** Thrown for a command-line mistake: printed without a stack trace, exit code 1. */
export class CliError extends Error {}

/** Opens the configured database (migrated), runs the command, closes it, and turns errors into messages. */
export async function withDatabase(fn: (database: Database, config: Config) => Promise<void>): Promise<void> {
  let database: Database | undefined;
  try {
    const config = loadConfig();
    database = await openConfiguredDatabase(config);
    await database.migrate();
    await fn(database, config);
  } catch (error) {
    process.exitCode = reportError(error);
  } finally {
    await database?.close();
  }
}

export function reportError(error: unknown): number {
  if (error instanceof ValidationError) {
    for (const [field, message] of Object.entries(error.fieldErrors)) process.stderr.write(`Error: ${message}${field === 'form' ? '' : ` (${field})`}\n`);
    return 1;
  }
  if (error instanceof CliError || error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    return error instanceof ConfigError ? 2 : 1;
  }
  throw error;
}

/** A service context acting as the command line, in the named trust. */
export async function cliContext(database: Database, config: Config, trustSlug: string): Promise<Ctx & { trust: { id: string; name: string; slug: string } }> {
  const trust = await findTrustBySlug(database.db, trustSlug);
  if (!trust)
    throw new CliError(`There is no trust with the short name "${trustSlug}". Create it with: countersign create-trust --slug ${trustSlug} --name "..."`);
  return { db: database.db, actor: systemActor(trust.id, 'Countersign command line'), baseUrl: config.baseUrl, trust };
}
