import { and, eq } from 'drizzle-orm';
import { recordEvent } from '../audit/audit.ts';
import type { Config } from '../config.ts';
import { randomToken } from '../crypto.ts';
import type { Database } from '../db/client.ts';
import { transaction } from '../db/client.ts';
import { adminCredentials } from '../modules/auth/schema.ts';
import { hashPassword, normaliseEmail } from '../modules/auth/service.ts';
import { findPersonByEmail, loadRoleGrants } from '../modules/organisations/repository.ts';
import { createPerson, grantRole } from '../modules/organisations/service.ts';
import { CliError, cliContext, type Output } from './context.ts';

export const MIN_PASSWORD_LENGTH = 12;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export type CreateAdminOptions = { trust: string; email: string; name?: string; passwordStdin?: boolean };

/**
 * Makes someone a trust administrator with a password: creates the person when the address is
 * new, grants the role, and sets the password (read from stdin, or generated and printed once).
 */
export async function createAdmin(
  database: Database,
  config: Config,
  options: CreateAdminOptions,
  out: Output,
  stdin: () => Promise<string> = readStdin,
): Promise<void> {
  const ctx = await cliContext(database, config, options.trust);
  const email = normaliseEmail(options.email);
  let password = options.passwordStdin ? await stdin() : randomToken(15);
  if (password.length < MIN_PASSWORD_LENGTH) throw new CliError(`The password must be at least ${MIN_PASSWORD_LENGTH} characters.`);
  let person = await findPersonByEmail(ctx.db, ctx.trust.id, email);
  if (!person) {
    if (!options.name) throw new CliError(`Nobody in ${ctx.trust.name} has the address ${email}. Add --name "Their Name" to create them.`);
    person = await createPerson(ctx, { fullName: options.name, email, kind: 'employee', schoolIds: [] });
    out(`Added ${person.fullName} to ${ctx.trust.name}.\n`);
  }
  const grants = await loadRoleGrants(ctx.db, ctx.trust.id, person.id);
  if (!grants.some((g) => g.role === 'trust_admin' && g.schoolId === null)) await grantRole(ctx, person.id, { role: 'trust_admin', scope: 'trust' });
  const passwordHash = await hashPassword(password);
  const personId = person.id;
  await transaction(ctx.db, async (tx) => {
    const where = and(eq(adminCredentials.trustId, ctx.trust.id), eq(adminCredentials.personId, personId));
    const [existing] = await tx.select().from(adminCredentials).where(where);
    if (existing) await tx.update(adminCredentials).set({ passwordHash, updatedAt: new Date() }).where(where);
    else await tx.insert(adminCredentials).values({ trustId: ctx.trust.id, personId, passwordHash });
    await recordEvent(tx, ctx, {
      action: 'password.set',
      resourceType: 'person',
      resourceId: personId,
      summary: `Set an administrator password for ${email}`,
    });
  });
  out(`${person.fullName} (${email}) is a trust administrator of ${ctx.trust.name}.\n`);
  if (!options.passwordStdin) out(`Password (shown once, store it safely): ${password}\n`);
  password = '';
  out(`Sign in at ${config.baseUrl}/sign-in/password, or with an email link at ${config.baseUrl}/sign-in.\n`);
}
