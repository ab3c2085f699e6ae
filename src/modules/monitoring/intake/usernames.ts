import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { londonToday } from '../../../ui/format.ts';
import { people, personSchools } from '../../organisations/schema.ts';
import { monitoringUsernames, type UsernameMatch } from '../schema.ts';

/*
 * Who a username is (ADR 0011): an explicit mapping (an admin, a mapping CSV) wins; otherwise the
 * source's rule against the people directory (work email, the part before @, the external ID).
 * People who have left are not found by the rule; a local part two people share finds nobody.
 * Loaded once per ingest, then every lookup is a Map.
 */

export type ResolvedUser = {
  /** Lower-cased: how it is stored and counted. */
  username: string;
  personId: string | null;
  /** The person's schools; [] for nobody. */
  schoolIds: string[];
  /** The source has sent it before (it has a row in monitoring_usernames). */
  known: boolean;
  /** An admin set it aside as not a member of staff (a pupil or shared account). */
  notStaff: boolean;
};

export type Resolver = (username: string) => ResolvedUser;

type Source = { id: string; usernameMatch: UsernameMatch };

const CHUNK = 1000;
const chunks = <T>(list: T[], size = CHUNK): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
};

/** The key a person is found by under a username rule, lower-cased. */
function keyOf(rule: UsernameMatch, person: { email: string; externalId: string | null }): string | null {
  if (rule === 'email') return person.email.toLowerCase();
  if (rule === 'email_local') return person.email.toLowerCase().split('@', 1)[0] || null;
  return person.externalId?.trim().toLowerCase() || null;
}

/**
 * The source's usernames and the trust's directory, as a resolver. With `usernames`, only what
 * those usernames need is read (the API knows them before it starts); otherwise everything.
 */
export async function loadDirectory(db: Db, trustId: string, source: Source, opts: { today?: string; usernames?: Iterable<string> } = {}): Promise<Resolver> {
  const today = opts.today ?? londonToday();
  const only = opts.usernames ? [...new Set([...opts.usernames].map((u) => u.trim().toLowerCase()).filter(Boolean))] : null;

  // What the source has sent before, and how the admin mapped it.
  const stored = new Map<string, { personId: string | null; explicit: boolean; notStaff: boolean }>();
  const usernameRows = only
    ? (
        await Promise.all(
          chunks(only).map((list) =>
            db
              .select()
              .from(monitoringUsernames)
              .where(and(eq(monitoringUsernames.trustId, trustId), eq(monitoringUsernames.sourceId, source.id), inArray(monitoringUsernames.username, list))),
          ),
        )
      ).flat()
    : await db
        .select()
        .from(monitoringUsernames)
        .where(and(eq(monitoringUsernames.trustId, trustId), eq(monitoringUsernames.sourceId, source.id)));
  for (const r of usernameRows) stored.set(r.username, { personId: r.personId, explicit: r.mappedAt !== null || r.mappedBy !== null, notStaff: r.notStaff });

  // The directory: everyone a rule could find (only those the usernames could name, when known).
  const rule = source.usernameMatch;
  const match =
    rule === 'email'
      ? sql`lower(${people.email})`
      : rule === 'email_local'
        ? sql`split_part(lower(${people.email}), '@', 1)`
        : sql`lower(trim(${people.externalId}))`;
  const personCols = { id: people.id, email: people.email, externalId: people.externalId, endDate: people.endDate };
  const directory = only
    ? (
        await Promise.all(
          chunks(only).map((list) =>
            db
              .select(personCols)
              .from(people)
              .where(and(eq(people.trustId, trustId), inArray(match, list))),
          ),
        )
      ).flat()
    : await db.select(personCols).from(people).where(eq(people.trustId, trustId));

  const byKey = new Map<string, string | null>(); // null: more than one person has it
  for (const p of directory) {
    if (p.endDate && p.endDate < today) continue;
    const key = keyOf(rule, p);
    if (!key) continue;
    byKey.set(key, byKey.has(key) && byKey.get(key) !== p.id ? null : p.id);
  }

  // The schools of everyone who can come out: rule matches and explicit mappings.
  const personIds = new Set<string>();
  for (const id of byKey.values()) if (id) personIds.add(id);
  for (const s of stored.values()) if (s.explicit && s.personId) personIds.add(s.personId);
  const schoolsOf = new Map<string, string[]>();
  const schoolRows = only
    ? (
        await Promise.all(
          chunks([...personIds]).map((list) =>
            db
              .select()
              .from(personSchools)
              .where(and(eq(personSchools.trustId, trustId), inArray(personSchools.personId, list))),
          ),
        )
      ).flat()
    : await db.select().from(personSchools).where(eq(personSchools.trustId, trustId));
  for (const r of schoolRows) {
    if (!personIds.has(r.personId)) continue;
    const list = schoolsOf.get(r.personId) ?? [];
    list.push(r.schoolId);
    schoolsOf.set(r.personId, list);
  }

  const cache = new Map<string, ResolvedUser>();
  return (raw: string) => {
    let found = cache.get(raw);
    if (found) return found;
    const username = raw.trim().toLowerCase();
    const row = stored.get(username);
    const personId = row?.explicit ? row.personId : row?.notStaff ? null : (byKey.get(username) ?? null);
    found = { username, personId, schoolIds: personId ? (schoolsOf.get(personId) ?? []) : [], known: row !== undefined, notStaff: row?.notStaff ?? false };
    cache.set(raw, found);
    return found;
  };
}

/** What one run saw of one username, for its row in monitoring_usernames. */
export type UsernameSeen = { username: string; personId: string | null; firstSeenAt: Date; lastSeenAt: Date; count: number };

/**
 * Adds a run's sightings to the source's usernames: new ones are stored (unmatched ones then show
 * on the admin's list), known ones get their times and count moved on. A username not mapped by
 * hand takes the person the rule finds now (so a leaver's username becomes unmatched).
 */
export async function saveUsernames(tx: Db, trustId: string, sourceId: string, seen: Iterable<UsernameSeen>): Promise<void> {
  // In one order, so two intakes of the same source lock rows in the same order.
  const list = [...seen].sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
  const u = monitoringUsernames;
  for (const chunk of chunks(list)) {
    await tx
      .insert(u)
      .values(
        chunk.map((s) => ({
          trustId,
          sourceId,
          username: s.username,
          personId: s.personId,
          firstSeenAt: s.firstSeenAt,
          lastSeenAt: s.lastSeenAt,
          eventCount: s.count,
        })),
      )
      .onConflictDoUpdate({
        target: [u.trustId, u.sourceId, u.username],
        set: {
          firstSeenAt: sql`least(${u.firstSeenAt}, excluded.first_seen_at)`,
          lastSeenAt: sql`greatest(${u.lastSeenAt}, excluded.last_seen_at)`,
          eventCount: sql`${u.eventCount} + excluded.event_count`,
          personId: sql`case when ${u.mappedAt} is not null or ${u.mappedBy} is not null or ${u.notStaff} then ${u.personId} else excluded.person_id end`,
        },
      });
  }
}
