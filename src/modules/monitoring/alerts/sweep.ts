import { and, asc, eq, inArray, isNull, lt, ne, type SQL } from 'drizzle-orm';
import { type Db, transaction } from '../../../db/client.ts';
import { londonDateTime, londonTime, londonToday } from '../../../ui/format.ts';
import { trustNameOf } from '../../concerns/service.ts';
import { queueEmail } from '../../notifications/service.ts';
import { schools } from '../../organisations/schema.ts';
import { ALERT_SEVERITIES, ALERT_SEVERITY_CODES, alerts } from '../schema.ts';
import { type AlertRecipient, alertRecipients } from './audience.ts';
import { alertDigestEmail, type DigestGroup } from './emails.tsx';

/** The daily digest goes from this London time, and covers the alerts raised before it. */
export const DIGEST_TIME = '08:00';
export const digestKey = (personId: string, day: string) => `alert-digest:${personId}:${day}`;

/** Alerts waiting for a digest: below high severity (those are emailed at once), not yet in one, not closed, raised before the day's digest time. */
const waiting = (cutoff: Date): SQL =>
  and(isNull(alerts.notifiedAt), ne(alerts.severity, 'high'), ne(alerts.status, 'closed'), lt(alerts.createdAt, cutoff)) as SQL;

/**
 * The daily digest of alerts that were not emailed at once (everything below high severity), run
 * by the background sweep (ADR 0005). From 08:00 London time, each person an alert goes to
 * (alertRecipients) gets one email a day listing the references and the counts by school and
 * severity, never who or what. The alerts are marked notified in the same transaction, under a
 * lock on the trust's waiting alerts, so a second run, or two instances at once, send each digest
 * once. An alert raised after 08:00 waits for the next day's digest.
 */
export async function sendAlertDigests(db: Db, baseUrl: string, now = new Date()): Promise<{ digests: number }> {
  if (londonTime(now) < DIGEST_TIME) return { digests: 0 };
  const day = londonToday(now);
  const cutoff = londonDateTime(day, DIGEST_TIME);
  const trusts = await db.selectDistinct({ trustId: alerts.trustId }).from(alerts).where(waiting(cutoff));
  let digests = 0;
  for (const { trustId } of trusts) digests += await digestTrust(db, baseUrl, trustId, day, cutoff, now);
  return { digests };
}

type Waiting = {
  id: string;
  reference: string;
  schoolId: string | null;
  personId: string | null;
  audience: 'dsl' | 'head_teacher';
  severity: keyof typeof ALERT_SEVERITIES;
};

async function digestTrust(db: Db, baseUrl: string, trustId: string, day: string, cutoff: Date, now: Date): Promise<number> {
  return transaction(db, async (tx) => {
    // Locks the trust's waiting alerts: a second sweep waits here, then finds them notified.
    const rows: Waiting[] = await tx
      .select({
        id: alerts.id,
        reference: alerts.reference,
        schoolId: alerts.schoolId,
        personId: alerts.personId,
        audience: alerts.audience,
        severity: alerts.severity,
      })
      .from(alerts)
      .where(and(eq(alerts.trustId, trustId), waiting(cutoff)))
      .orderBy(asc(alerts.reference))
      .for('update');
    if (rows.length === 0) return 0;
    const schoolNames = new Map(
      (await tx.select({ id: schools.id, name: schools.name }).from(schools).where(eq(schools.trustId, trustId))).map((s) => [s.id, s.name]),
    );
    const holders = new Map<string, AlertRecipient[]>();
    const perPerson = new Map<string, { to: AlertRecipient; alerts: Waiting[] }>();
    const recipientsOf = new Map<string, string[]>();
    for (const alert of rows) {
      const key = `${alert.schoolId ?? 'trust'}|${alert.audience}`;
      let found = holders.get(key);
      if (!found) {
        found = await alertRecipients(tx, { trustId, schoolId: alert.schoolId, personId: null, audience: alert.audience }, day);
        holders.set(key, found);
      }
      // Nobody is told about an alert about themselves.
      const to = found.filter((h) => h.personId !== alert.personId);
      recipientsOf.set(
        alert.id,
        to.map((h) => h.personId),
      );
      for (const h of to) {
        const entry = perPerson.get(h.personId) ?? { to: h, alerts: [] };
        entry.alerts.push(alert);
        perPerson.set(h.personId, entry);
      }
    }
    const trustName = await trustNameOf(tx, trustId);
    const queued = new Set<string>();
    for (const [personId, { to, alerts: theirs }] of perPerson) {
      const message = alertDigestEmail({
        trustName,
        name: to.fullName,
        groups: digestGroups(theirs, schoolNames),
        references: theirs.map((a) => a.reference),
        url: `${baseUrl}/monitoring/alerts`,
      });
      const added = await queueEmail(tx, {
        trustId,
        to: to.email,
        template: 'alert-digest',
        dedupeKey: digestKey(personId, day),
        sensitive: true,
        ...message,
      });
      if (added) queued.add(personId);
    }
    // Marked notified only when everyone it goes to was told in this run; otherwise (someone had
    // today's digest already) it waits for tomorrow's, so nobody misses it.
    const done = rows.filter((a) => {
      const to = recipientsOf.get(a.id) ?? [];
      return to.length > 0 && to.every((p) => queued.has(p));
    });
    if (done.length)
      await tx
        .update(alerts)
        .set({ notifiedAt: now })
        .where(
          and(
            eq(alerts.trustId, trustId),
            inArray(
              alerts.id,
              done.map((a) => a.id),
            ),
          ),
        );
    return queued.size;
  });
}

/** Counts by school (trust-wide last) and severity (highest first). */
function digestGroups(list: Waiting[], schoolNames: Map<string, string>): DigestGroup[] {
  const places = new Map<string, Waiting[]>();
  for (const a of list) {
    const place = a.schoolId ? (schoolNames.get(a.schoolId) ?? 'A school') : '';
    places.set(place, [...(places.get(place) ?? []), a]);
  }
  const bySeverity = [...ALERT_SEVERITY_CODES].sort((a, b) => ALERT_SEVERITIES[b].rank - ALERT_SEVERITIES[a].rank);
  return [...places.entries()]
    .sort(([a], [b]) => (a === '' ? 1 : b === '' ? -1 : a.localeCompare(b, 'en-GB')))
    .map(([place, items]) => ({
      place: place || 'The trust (no school)',
      counts: bySeverity.map((s) => ({ label: ALERT_SEVERITIES[s].label, n: items.filter((a) => a.severity === s).length })).filter((c) => c.n > 0),
    }));
}
