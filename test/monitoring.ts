import { sha256 } from '../src/crypto.ts';
import type { Db } from '../src/db/client.ts';
import { nextReference } from '../src/db/references.ts';
import { apiKeys } from '../src/modules/auth/schema.ts';
import {
  type AlertAudience,
  type AlertSeverity,
  alertEntries,
  alertEvents,
  alerts,
  monitoringRules,
  monitoringSources,
} from '../src/modules/monitoring/schema.ts';
import { concernCast } from './concerns.ts';
import type { makeTrustWithCast } from './factories.ts';

type Base = Awaited<ReturnType<typeof makeTrustWithCast>>;

/**
 * The concerns cast plus what monitoring needs: a web-filter source for School A (usernames are
 * work emails) with its API key, and three rules: self-harm (high), a domain watchlist
 * (medium, category gambling) and a keyword watchlist (low, category weapons).
 */
export async function monitoringCast(db: Db, base: Base) {
  const cast = await concernCast(db, base);
  const trustId = cast.trust.id;
  const key = `cs_feed${cast.trust.slug.slice(0, 4).padEnd(4, '0')}_${'k'.repeat(43)}`;
  const [apiKey] = await db
    .insert(apiKeys)
    .values({ trustId, name: 'Monitoring: Web filter', prefix: key.slice(0, 11), keyHash: sha256(key), scopes: ['monitoring:write'] })
    .returning();
  const [source] = await db
    .insert(monitoringSources)
    .values({ trustId, name: 'Web filter', kind: 'filtering', schoolIds: [cast.schoolA.id], usernameMatch: 'email', apiKeyId: apiKey?.id })
    .returning();
  if (!source || !apiKey) throw new Error('insert returned nothing');
  const rule = async (values: Omit<typeof monitoringRules.$inferInsert, 'trustId'>) => {
    const [row] = await db
      .insert(monitoringRules)
      .values({ trustId, ...values })
      .returning();
    if (!row) throw new Error('insert returned nothing');
    return row;
  };
  const selfHarmRule = await rule({ name: 'Self-harm', kind: 'category', category: 'self_harm', terms: [], severity: 'high' });
  const gamblingRule = await rule({
    name: 'Gambling sites',
    kind: 'domain',
    category: 'gambling',
    terms: ['bet-example.com', 'casino.example'],
    severity: 'medium',
  });
  const weaponsRule = await rule({ name: 'Weapon words', kind: 'keyword', category: 'weapons', terms: ['knife', 'machete'], severity: 'low' });
  return { ...cast, source, apiKey, sourceKey: key, selfHarmRule, gamblingRule, weaponsRule };
}
export type MonitoringCast = Awaited<ReturnType<typeof monitoringCast>>;

/** An alert written straight to the tables (for tests of pages and triage, not of the intake). */
export async function makeAlert(
  db: Db,
  cast: MonitoringCast,
  spec: {
    personId?: string | null;
    username?: string;
    schoolId?: string | null;
    severity?: AlertSeverity;
    category?: string;
    ruleId?: string;
    audience?: AlertAudience;
    at?: Date;
    url?: string;
  } = {},
) {
  const trustId = cast.trust.id;
  const at = spec.at ?? new Date(Date.now() - 3_600_000);
  const personId = spec.personId === undefined ? cast.teacherA.id : spec.personId;
  const rule = spec.ruleId ?? cast.selfHarmRule.id;
  const reference = await nextReference(db, trustId, 'A');
  const [alert] = await db
    .insert(alerts)
    .values({
      trustId,
      reference,
      sourceId: cast.source.id,
      schoolId: spec.schoolId === undefined ? cast.schoolA.id : spec.schoolId,
      personId,
      username: spec.username ?? (personId === cast.teacherA.id ? cast.teacherA.email : 'pupil.x'),
      subjectKey: personId ?? spec.username ?? 'pupil.x',
      category: spec.category ?? 'self_harm',
      severity: spec.severity ?? 'high',
      ruleId: rule,
      ruleName: 'Self-harm',
      audience: spec.audience ?? 'dsl',
      firstEventAt: at,
      lastEventAt: at,
      eventCount: 1,
    })
    .returning();
  if (!alert) throw new Error('insert returned nothing');
  await db.insert(alertEvents).values({
    trustId,
    alertId: alert.id,
    occurredAt: at,
    url: spec.url ?? 'https://search.example/?q=how+to+hurt+myself',
    action: 'blocked',
    matched: 'category self_harm',
  });
  await db.insert(alertEntries).values({ trustId, alertId: alert.id, kind: 'raised', text: 'Raised by the rule Self-harm' });
  return alert;
}
