import { and, desc, eq, gt, inArray, or } from 'drizzle-orm';
import type { Config } from '../../config.ts';
import { type Db, transaction } from '../../db/client.ts';
import { NotFoundError } from '../../errors.ts';
import { isUuid } from '../../validation.ts';
import { issueMagicLink, normaliseEmail } from '../auth/service.ts';
import type { Persona } from '../auth/views.tsx';
import { outbox } from '../notifications/schema.ts';
import { findTrustBySlug } from '../organisations/repository.ts';
import { people } from '../organisations/schema.ts';
import { DEMO_PERSONAS, DEMO_TRUST } from './personas.ts';

/** The demo personas present in this database (none when the demo trust was never seeded). */
export async function demoPersonas(db: Db): Promise<Persona[]> {
  const trust = await findTrustBySlug(db, DEMO_TRUST.slug);
  if (!trust) return [];
  const emails = DEMO_PERSONAS.map((p) => p.email);
  const rows = await db
    .select({ id: people.id, fullName: people.fullName, email: people.email })
    .from(people)
    .where(and(eq(people.trustId, trust.id), inArray(people.email, emails)));
  return DEMO_PERSONAS.flatMap((p) => {
    const row = rows.find((r) => r.email === p.email);
    return row ? [{ personId: row.id, label: p.label, name: row.fullName, email: row.email }] : [];
  });
}

/** Issues a real sign-in link for a demo persona; the caller sends the browser straight to it. */
export async function demoSignInLink(db: Db, config: Config, personId: string, ip: string): Promise<string> {
  const persona = isUuid(personId) ? (await demoPersonas(db)).find((p) => p.personId === personId) : undefined;
  const trust = await findTrustBySlug(db, DEMO_TRUST.slug);
  if (!persona || !trust) throw new NotFoundError();
  return transaction(db, (tx) => issueMagicLink(tx, config, { trustId: trust.id, id: persona.personId, fullName: persona.name, trustName: trust.name }, ip));
}

/** Emails that carry a personal sign-in link: how long that link lasts, and what the mailbox calls it. */
const DAYS_7 = 7 * 86_400_000;
export const LINK_TEMPLATES: Record<string, { ms: number; label: string }> = {
  'magic-link': { ms: 15 * 60_000, label: 'Sign in to Countersign' },
  'agreement-assigned': { ms: DAYS_7, label: 'Open the policy to sign' },
  'agreement-reminder': { ms: DAYS_7, label: 'Open the policy to sign' },
  'loan-issued': { ms: DAYS_7, label: 'Read the loan agreement and sign for the devices' },
};

/**
 * Emails with a sign-in link sent to one address while the link still works (15 minutes for a
 * sign-in email, 7 days for a request to sign): the demo stands in for an inbox.
 */
export async function demoMailbox(db: Db, address: string) {
  const fresh = Object.entries(LINK_TEMPLATES).map(([template, { ms }]) => and(eq(outbox.template, template), gt(outbox.createdAt, new Date(Date.now() - ms))));
  return db
    .select({ id: outbox.id, template: outbox.template, subject: outbox.subject, textBody: outbox.textBody, createdAt: outbox.createdAt })
    .from(outbox)
    .where(and(eq(outbox.toAddress, normaliseEmail(address)), or(...fresh)))
    .orderBy(desc(outbox.createdAt))
    .limit(5);
}
