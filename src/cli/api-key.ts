import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '../modules/auth/api-keys.ts';
import { CliError, cliContext, type Output } from './context.ts';

export type CreateApiKeyOptions = { trust: string; name: string; scope: string[] };

/** Creates an API key for a trust and prints it, once, with how to use it. */
export async function createApiKeyCommand(database: Database, config: Config, options: CreateApiKeyOptions, out: Output): Promise<void> {
  const ctx = await cliContext(database, config, options.trust);
  const { key, apiKey } = await createApiKey(ctx, { name: options.name, scopes: options.scope });
  out(`Created the API key ‘${apiKey.name}’ for ${ctx.trust.name}. It can: ${apiKey.scopes.join(', ')}.\n`);
  out(`Key (shown once, store it safely): ${key}\n`);
  out(`Send it in the Authorization header of every request:\n  Authorization: Bearer ${key}\n`);
  out(`The API is described at ${config.baseUrl}/api/v1/openapi.json\n`);
}

export type RevokeApiKeyOptions = { trust: string; name: string };

/** Revokes a trust's active API key by its name; requests using it are refused from then on. */
export async function revokeApiKeyCommand(database: Database, config: Config, options: RevokeApiKeyOptions, out: Output): Promise<void> {
  const ctx = await cliContext(database, config, options.trust);
  const name = options.name.trim().toLowerCase();
  const match = (await listApiKeys(ctx)).find(({ key }) => !key.revokedAt && key.name.toLowerCase() === name);
  if (!match)
    throw new CliError(`${ctx.trust.name} has no active API key called ‘${options.name}’. Trust administrators can see the keys under Settings → API keys.`);
  await revokeApiKey(ctx, match.key.id);
  out(`Revoked the API key ‘${match.key.name}’ (${match.key.prefix}). Requests using it are refused from now on.\n`);
}
