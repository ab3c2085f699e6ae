import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { recordEvent } from '../../audit/audit.ts';
import type { Config } from '../../config.ts';
import { randomToken, sha256 } from '../../crypto.ts';
import { type Db, transaction } from '../../db/client.ts';
import { TooManyRequestsError } from '../../errors.ts';
import { londonToday } from '../../ui/format.ts';
import { queueEmail } from '../notifications/service.ts';
import { magicLinkEmail } from '../notifications/templates.tsx';
import { loadRoleGrants, personSchoolIds } from '../organisations/repository.ts';
import { people, trusts } from '../organisations/schema.ts';
import type { PersonActor } from './actor.ts';
import { adminCredentials, magicLinks, sessions, signInAttempts } from './schema.ts';

export const MAGIC_LINK_MINUTES = 15;
/** Per address: at most this many sign-in emails in the window; further requests are quietly not sent. */
export const LINKS_PER_ADDRESS = 3;
/** Per IP address: at most this many sign-in attempts in the window; then a "too many attempts" page. */
export const ATTEMPTS_PER_IP = 20;
export const PASSWORD_ATTEMPTS_PER_ADDRESS = 5;
const WINDOW_MINUTES = 15;

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

type RequestMeta = { ip: string; userAgent?: string | null; requestId?: string | null };

/** Counts an attempt and says whether the address and the IP are still under their limits. */
async function countAttempt(db: Db, kind: 'magic_link' | 'password', email: string, ip: string) {
  const emailHash = sha256(`${kind}:${email}`);
  const since = sql`now() - make_interval(mins => ${WINDOW_MINUTES})`;
  const [counts] = await db
    .select({
      byEmail: sql<number>`count(*) filter (where ${signInAttempts.emailHash} = ${emailHash})::int`,
      byIp: sql<number>`count(*) filter (where ${signInAttempts.ip} = ${ip})::int`,
    })
    .from(signInAttempts)
    .where(and(gt(signInAttempts.at, since), sql`(${signInAttempts.emailHash} = ${emailHash} or ${signInAttempts.ip} = ${ip})`));
  await db.insert(signInAttempts).values({ kind, emailHash, ip });
  return { byEmail: counts?.byEmail ?? 0, byIp: counts?.byIp ?? 0 };
}

/** People who may sign in with this address: not yet left, in any trust on this installation. */
async function activePeopleByEmail(db: Db, email: string) {
  const today = londonToday();
  return db
    .select({ trustId: people.trustId, id: people.id, fullName: people.fullName, trustName: trusts.name })
    .from(people)
    .innerJoin(trusts, eq(trusts.id, people.trustId))
    .where(and(eq(people.email, email), sql`(${people.endDate} is null or ${people.endDate} >= ${today})`));
}

/**
 * Sends a single-use sign-in link to the address if it belongs to someone. The caller shows the
 * same answer whatever happens here, so nobody can learn which addresses have accounts.
 */
export async function requestMagicLink(db: Db, config: Config, emailInput: string, meta: RequestMeta): Promise<void> {
  const email = normaliseEmail(emailInput);
  const attempts = await countAttempt(db, 'magic_link', email, meta.ip);
  if (attempts.byIp >= ATTEMPTS_PER_IP) throw new TooManyRequestsError();
  if (attempts.byEmail >= LINKS_PER_ADDRESS) return;
  const matches = await activePeopleByEmail(db, email);
  for (const person of matches) await transaction(db, (tx) => issueMagicLink(tx, config, person, meta.ip));
}

/**
 * Stores a new single-use sign-in link for a person and returns its raw token (only the hash is
 * kept). `nextPath` is where the link leads once used (an agreement to sign); `minutes` how long
 * it lasts. The caller puts the link in an email.
 */
export async function createSignInLink(
  tx: Db,
  link: { trustId: string; personId: string; ip?: string | null; nextPath?: string | null; minutes?: number },
): Promise<{ id: string; token: string }> {
  const token = randomToken();
  const [row] = await tx
    .insert(magicLinks)
    .values({
      trustId: link.trustId,
      personId: link.personId,
      tokenHash: sha256(token),
      expiresAt: new Date(Date.now() + (link.minutes ?? MAGIC_LINK_MINUTES) * 60_000),
      requestedIp: link.ip ?? null,
      nextPath: link.nextPath ?? null,
    })
    .returning({ id: magicLinks.id });
  return { id: row?.id as string, token };
}

/** Creates a sign-in link for one person and queues the email carrying it. Returns the raw token. */
export async function issueMagicLink(
  tx: Db,
  config: Config,
  person: { trustId: string; id: string; fullName: string; trustName: string; email?: string },
  ip: string,
): Promise<string> {
  const { id: linkId, token } = await createSignInLink(tx, { trustId: person.trustId, personId: person.id, ip });
  const link = { id: linkId };
  const [row] = await tx
    .select({ email: people.email })
    .from(people)
    .where(and(eq(people.trustId, person.trustId), eq(people.id, person.id)));
  const message = magicLinkEmail({
    name: person.fullName,
    trustName: person.trustName,
    url: `${config.baseUrl}/sign-in/link?token=${encodeURIComponent(token)}`,
    minutes: MAGIC_LINK_MINUTES,
  });
  await queueEmail(tx, {
    trustId: person.trustId,
    to: row?.email ?? '',
    template: 'magic-link',
    dedupeKey: `magic-link:${link?.id}`,
    sensitive: true,
    ...message,
  });
  return token;
}

export type LinkState = 'valid' | 'used' | 'expired' | 'unknown';

export async function checkMagicLink(db: Db, token: string): Promise<LinkState> {
  const [link] = await db
    .select()
    .from(magicLinks)
    .where(eq(magicLinks.tokenHash, sha256(token)));
  if (!link) return 'unknown';
  if (link.usedAt) return 'used';
  if (link.expiresAt.getTime() <= Date.now()) return 'expired';
  return 'valid';
}

export type NewSession = {
  token: string;
  trustId: string;
  personId: string;
  expiresAt: Date;
  /** No earlier session: a new starter's first sign-in lands on what they must sign. */
  firstSignIn: boolean;
  /** Where the sign-in link leads, when it was sent for something (an agreement to sign). */
  nextPath?: string | null;
};

/** Uses a sign-in link (once) and opens a session. Returns the link's state when it cannot be used. */
export async function consumeMagicLink(db: Db, config: Config, token: string, meta: RequestMeta): Promise<NewSession | LinkState> {
  return transaction(db, async (tx) => {
    // Marking it used in the same statement that checks it makes a double click or a replay lose the race.
    const [link] = await tx
      .update(magicLinks)
      .set({ usedAt: new Date() })
      .where(and(eq(magicLinks.tokenHash, sha256(token)), isNull(magicLinks.usedAt), gt(magicLinks.expiresAt, new Date())))
      .returning();
    if (!link) return checkMagicLink(tx, token);
    if (!(await isActive(tx, link.trustId, link.personId))) return 'unknown';
    return { ...(await openSession(tx, config, link.trustId, link.personId, 'magic_link', meta)), nextPath: link.nextPath };
  });
}

async function isActive(db: Db, trustId: string, personId: string) {
  const [p] = await db
    .select({ endDate: people.endDate })
    .from(people)
    .where(and(eq(people.trustId, trustId), eq(people.id, personId)));
  return !!p && (!p.endDate || p.endDate >= londonToday());
}

async function openSession(
  tx: Db,
  config: Config,
  trustId: string,
  personId: string,
  authMethod: 'magic_link' | 'password',
  meta: RequestMeta,
): Promise<NewSession> {
  const token = randomToken();
  const expiresAt = new Date(Date.now() + config.sessionMaxHours * 3_600_000);
  const [earlier] = await tx
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.trustId, trustId), eq(sessions.personId, personId)))
    .limit(1);
  const [row] = await tx
    .insert(sessions)
    .values({ trustId, personId, tokenHash: sha256(token), authMethod, expiresAt, ip: meta.ip, userAgent: meta.userAgent?.slice(0, 500) ?? null })
    .returning({ id: sessions.id });
  const [person] = await tx
    .select({ fullName: people.fullName })
    .from(people)
    .where(and(eq(people.trustId, trustId), eq(people.id, personId)));
  await recordEvent(
    tx,
    {
      actor: { type: 'person', trustId, personId, name: person?.fullName ?? 'Unknown', email: '', roles: [], schoolIds: [] },
      ip: meta.ip,
      requestId: meta.requestId,
    },
    {
      action: 'session.signed_in',
      resourceType: 'session',
      resourceId: row?.id,
      summary: authMethod === 'password' ? 'Signed in with a password' : 'Signed in with an email link',
    },
  );
  return { token, trustId, personId, expiresAt, firstSignIn: !earlier };
}

// A real argon2id hash of a random string: verifying against it when the address is unknown
// takes as long as a real check, so timing does not reveal which addresses exist.
let decoyHash: Promise<string> | undefined;
const getDecoy = () => {
  decoyHash ??= argonHash(randomToken());
  return decoyHash;
};

export const hashPassword = (password: string) => argonHash(password);

/** Password sign-in, for administrators who have set one. */
export async function signInWithPassword(db: Db, config: Config, emailInput: string, password: string, meta: RequestMeta): Promise<NewSession | null> {
  const email = normaliseEmail(emailInput);
  const attempts = await countAttempt(db, 'password', email, meta.ip);
  if (attempts.byIp >= ATTEMPTS_PER_IP || attempts.byEmail >= PASSWORD_ATTEMPTS_PER_ADDRESS) throw new TooManyRequestsError();
  const candidates = await activePeopleByEmail(db, email);
  for (const person of candidates) {
    const [cred] = await db
      .select()
      .from(adminCredentials)
      .where(and(eq(adminCredentials.trustId, person.trustId), eq(adminCredentials.personId, person.id)));
    if (cred && (await argonVerify(cred.passwordHash, password))) {
      return transaction(db, (tx) => openSession(tx, config, person.trustId, person.id, 'password', meta));
    }
  }
  await argonVerify(await getDecoy(), password);
  return null;
}

/** The signed-in person for a session cookie, or null when the session is unknown, ended or idle too long. */
export async function loadSessionActor(db: Db, config: Config, token: string): Promise<PersonActor | null> {
  const idleCutoff = new Date(Date.now() - config.sessionIdleMinutes * 60_000);
  const now = new Date();
  const [row] = await db
    .select({ session: sessions, person: people })
    .from(sessions)
    .innerJoin(people, and(eq(people.trustId, sessions.trustId), eq(people.id, sessions.personId)))
    .where(and(eq(sessions.tokenHash, sha256(token)), isNull(sessions.revokedAt), gt(sessions.expiresAt, now), gt(sessions.lastSeenAt, idleCutoff)));
  if (!row) return null;
  if (row.person.endDate && row.person.endDate < londonToday()) return null;
  if (now.getTime() - row.session.lastSeenAt.getTime() > 60_000) {
    await db
      .update(sessions)
      .set({ lastSeenAt: now })
      .where(and(eq(sessions.trustId, row.session.trustId), eq(sessions.id, row.session.id)));
  }
  const [roles, schoolIds] = await Promise.all([
    loadRoleGrants(db, row.session.trustId, row.person.id),
    personSchoolIds(db, row.session.trustId, row.person.id),
  ]);
  return {
    type: 'person',
    trustId: row.session.trustId,
    personId: row.person.id,
    name: row.person.fullName,
    email: row.person.email,
    roles,
    schoolIds,
    sessionId: row.session.id,
    authMethod: row.session.authMethod as 'magic_link' | 'password',
  };
}

export async function signOut(db: Db, actor: PersonActor, meta: RequestMeta): Promise<void> {
  if (!actor.sessionId) return;
  await transaction(db, async (tx) => {
    await tx
      .update(sessions)
      .set({ revokedAt: new Date() })
      .where(and(eq(sessions.trustId, actor.trustId), eq(sessions.id, actor.sessionId as string)));
    await recordEvent(
      tx,
      { actor, ip: meta.ip, requestId: meta.requestId },
      {
        action: 'session.signed_out',
        resourceType: 'session',
        resourceId: actor.sessionId,
        summary: 'Signed out',
      },
    );
  });
}

/** Clears rate-limit rows older than a day; called by the background sweep. */
export async function pruneSignInAttempts(db: Db): Promise<void> {
  await db.delete(signInAttempts).where(sql`${signInAttempts.at} < now() - interval '1 day'`);
}

/** A person as an actor without a session (seeding the demo, tests): their roles and schools as they are now. */
export async function loadPersonActor(db: Db, trustId: string, personId: string): Promise<PersonActor> {
  const [person] = await db
    .select({ fullName: people.fullName, email: people.email })
    .from(people)
    .where(and(eq(people.trustId, trustId), eq(people.id, personId)));
  if (!person) throw new Error(`no person ${personId}`);
  const [roles, schoolIds] = await Promise.all([loadRoleGrants(db, trustId, personId), personSchoolIds(db, trustId, personId)]);
  return { type: 'person', trustId, personId, name: person.fullName, email: person.email, roles, schoolIds };
}
