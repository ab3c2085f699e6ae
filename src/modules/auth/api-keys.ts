import { randomBytes } from 'node:crypto';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordEvent } from '../../audit/audit.ts';
import type { Ctx } from '../../context.ts';
import { randomToken, sha256 } from '../../crypto.ts';
import { type Db, transaction } from '../../db/client.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import { isUuid, manyValues, parseOrThrow, requiredText } from '../../validation.ts';
import { people } from '../organisations/schema.ts';
import type { Actor } from './actor.ts';
import { API_SCOPES, type ApiScope, authorize } from './authorize.ts';
import { apiKeys } from './schema.ts';

export const API_SCOPE_CODES = Object.keys(API_SCOPES) as ApiScope[];

export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type ApiKeyActor = Extract<Actor, { type: 'api_key' }>;

export const apiKeyInput = z.object({
  name: requiredText(100, 'Enter a name for the API key', 'Name'),
  scopes: manyValues.superRefine((scopes, ctx) => {
    if (scopes.length === 0) ctx.addIssue({ code: 'custom', message: 'Choose at least one thing the key can do' });
    const unknown = scopes.find((s) => !(s in API_SCOPES));
    if (unknown !== undefined) ctx.addIssue({ code: 'custom', message: `‘${unknown}’ is not a scope. Choose from ${API_SCOPE_CODES.join(', ')}` });
  }),
});

/**
 * A key reads `cs_<8 hex>_<43 base64url>`. The first part is stored as `prefix` so admins can tell
 * keys apart; the whole key has 256 random bits after the prefix, so a plain SHA-256 is enough to
 * store it (unlike a password, it cannot be guessed from a list) and lets each request find its
 * key with one indexed lookup.
 */
const newKey = () => {
  const prefix = `cs_${randomBytes(4).toString('hex')}`;
  return { key: `${prefix}_${randomToken()}`, prefix };
};

const byPerson = (ctx: Ctx) => (ctx.actor.type === 'person' ? ctx.actor.personId : null);

async function activeKeyNamed(db: Db, trustId: string, name: string) {
  const [key] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.trustId, trustId), isNull(apiKeys.revokedAt), sql`lower(${apiKeys.name}) = lower(${name})`));
  return key ?? null;
}

/** Creates a key and returns it in full: the only time it exists outside the caller's hands. */
export async function createApiKey(ctx: Ctx, raw: unknown): Promise<{ key: string; apiKey: ApiKeyRow }> {
  const input = parseOrThrow(apiKeyInput, raw);
  authorize(ctx.actor, 'apiKeys.manage', { trustId: ctx.actor.trustId });
  return transaction(ctx.db, (tx) => insertApiKey(tx, ctx, { name: input.name, scopes: input.scopes as ApiScope[] }));
}

/**
 * Inserts a key inside the caller's transaction (with its audit record), for services that create
 * a key as part of something else (a monitoring source). The caller has authorized the actor.
 * A name already used by an active key is a ValidationError on `name`.
 */
export async function insertApiKey(tx: Db, ctx: Ctx, input: { name: string; scopes: ApiScope[] }): Promise<{ key: string; apiKey: ApiKeyRow }> {
  const trustId = ctx.actor.trustId;
  const scopes = [...new Set(input.scopes)];
  const clash = await activeKeyNamed(tx, trustId, input.name);
  if (clash) throw new ValidationError({ name: `An active API key is already called ‘${clash.name}’. Choose another name, or revoke that key first` });
  const { key, prefix } = newKey();
  const [apiKey] = await tx
    .insert(apiKeys)
    .values({ trustId, name: input.name, prefix, keyHash: sha256(key), scopes, createdBy: byPerson(ctx) })
    .returning();
  if (!apiKey) throw new Error('insert returned nothing');
  await recordEvent(tx, ctx, {
    action: 'api_key.created',
    resourceType: 'api_key',
    resourceId: apiKey.id,
    summary: `Created the API key ‘${apiKey.name}’ (${prefix})`,
    after: { name: apiKey.name, prefix, scopes },
  });
  return { key, apiKey };
}

/** The trust's keys, active ones first, with who created each. */
export async function listApiKeys(ctx: Ctx) {
  authorize(ctx.actor, 'apiKeys.manage', { trustId: ctx.actor.trustId });
  return ctx.db
    .select({ key: apiKeys, createdByName: people.fullName })
    .from(apiKeys)
    .leftJoin(people, and(eq(people.trustId, apiKeys.trustId), eq(people.id, apiKeys.createdBy)))
    .where(eq(apiKeys.trustId, ctx.actor.trustId))
    .orderBy(sql`${apiKeys.revokedAt} is not null`, desc(apiKeys.createdAt), desc(apiKeys.id));
}

export async function getApiKey(ctx: Ctx, id: string): Promise<ApiKeyRow> {
  authorize(ctx.actor, 'apiKeys.manage', { trustId: ctx.actor.trustId });
  const [key] = isUuid(id)
    ? await ctx.db
        .select()
        .from(apiKeys)
        .where(and(eq(apiKeys.trustId, ctx.actor.trustId), eq(apiKeys.id, id)))
    : [];
  if (!key) throw new NotFoundError();
  return key;
}

/** Revokes a key; it stops working on the next request. Revoking a revoked key changes nothing. */
export async function revokeApiKey(ctx: Ctx, id: string): Promise<ApiKeyRow> {
  const existing = await getApiKey(ctx, id);
  if (existing.revokedAt) return existing;
  return transaction(ctx.db, async (tx) => (await revokeApiKeyIn(tx, ctx, existing.id)) ?? existing);
}

/**
 * Revokes one of the actor's trust's keys inside the caller's transaction (with its audit record);
 * null when it was already revoked or is not the trust's. The caller has authorized the actor.
 */
export async function revokeApiKeyIn(tx: Db, ctx: Ctx, id: string): Promise<ApiKeyRow | null> {
  const [key] = await tx
    .update(apiKeys)
    .set({ revokedAt: new Date(), revokedBy: byPerson(ctx) })
    .where(and(eq(apiKeys.trustId, ctx.actor.trustId), eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning();
  // Someone else revoked it between the caller's read and this update: it is revoked either way.
  if (!key) return null;
  await recordEvent(tx, ctx, {
    action: 'api_key.revoked',
    resourceType: 'api_key',
    resourceId: key.id,
    summary: `Revoked the API key ‘${key.name}’ (${key.prefix})`,
    before: { name: key.name, prefix: key.prefix, scopes: key.scopes },
  });
  return key;
}

/** The actor for a key sent with an API request, or null when it is unknown or revoked. Counts the use. */
export async function authenticateApiKey(db: Db, rawKey: string): Promise<ApiKeyActor | null> {
  if (!rawKey.startsWith('cs_') || rawKey.length > 200) return null;
  const [key] = await db
    .update(apiKeys)
    .set({ lastUsedAt: new Date(), useCount: sql`${apiKeys.useCount} + 1` })
    .where(and(eq(apiKeys.keyHash, sha256(rawKey)), isNull(apiKeys.revokedAt)))
    .returning({ trustId: apiKeys.trustId, id: apiKeys.id, name: apiKeys.name, scopes: apiKeys.scopes });
  return key ? { type: 'api_key', trustId: key.trustId, keyId: key.id, name: key.name, scopes: key.scopes } : null;
}
