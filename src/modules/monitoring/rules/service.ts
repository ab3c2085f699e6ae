import { and, asc, desc, eq, ne, type SQL, sql } from 'drizzle-orm';
import { recordEvent, recordEvents } from '../../../audit/audit.ts';
import { auditEvents } from '../../../audit/schema.ts';
import type { Ctx } from '../../../context.ts';
import { type Db, transaction } from '../../../db/client.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../../../errors.ts';
import { isUuid, textField } from '../../../validation.ts';
import type { Actor } from '../../auth/actor.ts';
import { authorize, can } from '../../auth/authorize.ts';
import { visibleAlertsWhere } from '../alerts/audience.ts';
import { CATEGORIES, CATEGORY_CODES, type KnownCategory } from '../events.ts';
import { type AlertSeverity, alerts, monitoringRules } from '../schema.ts';
import { checkRuleForm, REASON_MAX, type RuleInput, type RuleRow } from './validation.ts';

/*
 * The trust's rule set (ADR 0011): the trust's DSL and administrators change it; the DSL teams of
 * schools read it (with its figures) to see why alerts reach them. Rules are switched off, never
 * deleted, so alerts keep their rule. Every change is one transaction with an audit event holding
 * the rule before and after.
 */

export type { RuleRow };

/** A rule is "noisy" when at least half of its alerts with an outcome were false positives, over at least this many. */
export const NOISY_MIN_OUTCOMES = 5;
export const NOISY_RATE = 0.5;
/** "Last 30 days" in the figures. */
export const RECENT_DAYS = 30;
/** Alerts listed on a rule's page. */
export const RECENT_ALERTS = 20;

/** The trust's rules may be read by those who change them and by the DSL teams who receive alerts. */
export const mayReadRules = (actor: Actor) =>
  can(actor, 'monitoring.rules', { trustId: actor.trustId }) || can(actor, 'monitoring.alerts', { trustId: actor.trustId });
export const mayChangeRules = (actor: Actor) => can(actor, 'monitoring.rules', { trustId: actor.trustId });

function authorizeRead(ctx: Ctx) {
  if (!mayReadRules(ctx.actor)) throw new ForbiddenError();
}
function authorizeChange(ctx: Ctx) {
  authorize(ctx.actor, 'monitoring.rules', { trustId: ctx.actor.trustId });
}

export type RuleFigures = {
  raised: number;
  raisedRecent: number;
  withOutcome: number;
  falsePositives: number;
  /** False positives / alerts with an outcome; null when none has an outcome. */
  rate: number | null;
  noisy: boolean;
};

export const EMPTY_FIGURES: RuleFigures = { raised: 0, raisedRecent: 0, withOutcome: 0, falsePositives: 0, rate: null, noisy: false };

export function figuresOf(raised: number, raisedRecent: number, withOutcome: number, falsePositives: number): RuleFigures {
  const rate = withOutcome > 0 ? falsePositives / withOutcome : null;
  return { raised, raisedRecent, withOutcome, falsePositives, rate, noisy: rate !== null && withOutcome >= NOISY_MIN_OUTCOMES && rate >= NOISY_RATE };
}

/**
 * Each rule's alerts, counted over the whole trust (counts only, nothing about anyone): raised in
 * all and in the last 30 days, with an outcome, and false positives.
 */
async function figures(db: Db, trustId: string, now: Date, ruleId?: string): Promise<Map<string, RuleFigures>> {
  const since = new Date(now.getTime() - RECENT_DAYS * 86_400_000);
  const found = await db
    .select({
      ruleId: alerts.ruleId,
      raised: sql<number>`count(*)::int`,
      raisedRecent: sql<number>`(count(*) filter (where ${alerts.createdAt} >= ${since.toISOString()}::timestamptz))::int`,
      withOutcome: sql<number>`(count(*) filter (where ${alerts.outcome} is not null))::int`,
      falsePositives: sql<number>`(count(*) filter (where ${alerts.outcome} = 'false_positive'))::int`,
    })
    .from(alerts)
    .where(and(eq(alerts.trustId, trustId), ruleId ? eq(alerts.ruleId, ruleId) : undefined))
    .groupBy(alerts.ruleId);
  return new Map(found.map((r) => [r.ruleId, figuresOf(r.raised, r.raisedRecent, r.withOutcome, r.falsePositives)]));
}

// ---------------------------------------------------------------------------------------------
// The recommended set

/**
 * One category rule for each of the categories our policies name, except "not categorised" (every
 * unremarkable request) and malware (a matter for IT's security tools, not the DSL). Severities:
 * - high: self-harm, extremism and child sexual abuse: a risk of serious harm that the DSL must
 *   look at the same day (Prevent duty, KCSIE); high alerts are emailed at once.
 * - medium: pornography, violence, weapons, bullying and filter bypass (someone getting round the
 *   filter is how the other categories are reached); drugs (substance misuse is a safeguarding
 *   risk to the person and those around them) and hate (discrimination, and a route into
 *   extremism). These go in the daily digest.
 * - low: gambling: mostly a conduct matter under the acceptable use policy, seen in the digest and
 *   the dashboard's trends rather than acted on one by one.
 */
export const RECOMMENDED: Record<Exclude<KnownCategory, 'uncategorised' | 'malware'>, AlertSeverity> = {
  self_harm: 'high',
  extremism: 'high',
  child_abuse: 'high',
  pornography: 'medium',
  violence: 'medium',
  weapons: 'medium',
  bullying: 'medium',
  filter_bypass: 'medium',
  drugs: 'medium',
  hate: 'medium',
  gambling: 'low',
};
const RECOMMENDED_CODES = CATEGORY_CODES.filter((c): c is keyof typeof RECOMMENDED => c in RECOMMENDED);

/** The recommended rules the trust has not got yet: none with that name, and no category rule for that category. */
function missingRecommended(rules: Pick<RuleRow, 'name' | 'kind' | 'category'>[]) {
  const names = new Set(rules.map((r) => r.name.toLowerCase()));
  const covered = new Set(rules.filter((r) => r.kind === 'category').map((r) => r.category));
  return RECOMMENDED_CODES.filter((code) => !names.has(CATEGORIES[code].toLowerCase()) && !covered.has(code));
}

// ---------------------------------------------------------------------------------------------
// Reading

export type RuleListItem = { rule: RuleRow; figures: RuleFigures };

/** The rule set with each rule's figures, for the rules page. */
export async function ruleList(ctx: Ctx, now = new Date()) {
  authorizeRead(ctx);
  const trustId = ctx.actor.trustId;
  const [rules, byRule] = await Promise.all([
    ctx.db
      .select()
      .from(monitoringRules)
      .where(eq(monitoringRules.trustId, trustId))
      .orderBy(desc(monitoringRules.enabled), asc(sql`lower(${monitoringRules.name})`)),
    figures(ctx.db, trustId, now),
  ]);
  return {
    items: rules.map((rule) => ({ rule, figures: byRule.get(rule.id) ?? EMPTY_FIGURES })),
    canChange: mayChangeRules(ctx.actor),
    missingRecommended: missingRecommended(rules),
  };
}
export type RuleList = Awaited<ReturnType<typeof ruleList>>;

async function findRule(db: Db, trustId: string, id: string, lock = false): Promise<RuleRow> {
  if (!isUuid(id)) throw new NotFoundError();
  const query = db
    .select()
    .from(monitoringRules)
    .where(and(eq(monitoringRules.trustId, trustId), eq(monitoringRules.id, id)));
  const [row] = lock ? await query.for('update') : await query;
  if (!row) throw new NotFoundError();
  return row;
}

/** A rule for its edit form (those who may change rules). */
export async function ruleForEdit(ctx: Ctx, id: string): Promise<RuleRow> {
  authorizeChange(ctx);
  return findRule(ctx.db, ctx.actor.trustId, id);
}

/**
 * A rule's page: the rule, its figures, the latest alerts it raised that the reader may open
 * (others are counted, never listed), and its history from the audit trail (with the reasons it
 * was switched off or on).
 */
export async function ruleDetail(ctx: Ctx, id: string, now = new Date()) {
  authorizeRead(ctx);
  const trustId = ctx.actor.trustId;
  const rule = await findRule(ctx.db, trustId, id);
  const [byRule, recent, history] = await Promise.all([
    figures(ctx.db, trustId, now, rule.id),
    ctx.db
      .select({
        id: alerts.id,
        reference: alerts.reference,
        severity: alerts.severity,
        status: alerts.status,
        outcome: alerts.outcome,
        category: alerts.category,
        firstEventAt: alerts.firstEventAt,
        eventCount: alerts.eventCount,
      })
      .from(alerts)
      .where(and(visibleAlertsWhere(ctx.actor), eq(alerts.ruleId, rule.id)) as SQL)
      .orderBy(desc(alerts.firstEventAt), desc(alerts.id))
      .limit(RECENT_ALERTS),
    ctx.db
      .select({ at: auditEvents.at, action: auditEvents.action, actorLabel: auditEvents.actorLabel, summary: auditEvents.summary })
      .from(auditEvents)
      .where(and(eq(auditEvents.trustId, trustId), eq(auditEvents.resourceType, 'monitoring_rule'), eq(auditEvents.resourceId, rule.id)))
      .orderBy(desc(auditEvents.at), desc(auditEvents.id)),
  ]);
  return { rule, figures: byRule.get(rule.id) ?? EMPTY_FIGURES, recent, history, canChange: mayChangeRules(ctx.actor) };
}
export type RuleDetail = Awaited<ReturnType<typeof ruleDetail>>;

// ---------------------------------------------------------------------------------------------
// Changing

/** The rule as kept in the audit trail (before and after). Long watchlists are summarised with a count. */
function snapshot(rule: RuleRow) {
  return {
    name: rule.name,
    kind: rule.kind,
    category: rule.category,
    terms: rule.terms.length > 200 ? [...rule.terms.slice(0, 200), `… and ${rule.terms.length - 200} more`] : rule.terms,
    termCount: rule.terms.length,
    severity: rule.severity,
    action: rule.action,
    timeMode: rule.timeMode,
    timeFrom: rule.timeFrom,
    timeTo: rule.timeTo,
    appliesTo: rule.appliesTo,
    enabled: rule.enabled,
  };
}

function parseRule(raw: unknown): RuleInput {
  const { input, errors } = checkRuleForm(raw);
  if (!input) throw new ValidationError(errors);
  return input;
}

/** Refuses a name another rule of the trust has, in any case. */
async function checkNameFree(tx: Db, trustId: string, name: string, exceptId?: string) {
  const [clash] = await tx
    .select({ id: monitoringRules.id })
    .from(monitoringRules)
    .where(
      and(
        eq(monitoringRules.trustId, trustId),
        sql`lower(${monitoringRules.name}) = ${name.toLowerCase()}`,
        exceptId ? ne(monitoringRules.id, exceptId) : undefined,
      ),
    )
    .limit(1);
  if (clash) throw new ValidationError({ name: 'There is already a rule with this name. Choose another name.' });
}

/** The rules table is the lock for name checks: two people adding "Gambling" at once queue here. */
const lockRules = (tx: Db, trustId: string) => tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`monitoring_rules:${trustId}`}))`);

export async function createRule(ctx: Ctx, raw: unknown): Promise<RuleRow> {
  authorizeChange(ctx);
  const input = parseRule(raw);
  const trustId = ctx.actor.trustId;
  return transaction(ctx.db, async (tx) => {
    await lockRules(tx, trustId);
    await checkNameFree(tx, trustId, input.name);
    const [row] = await tx
      .insert(monitoringRules)
      .values({ trustId, ...input, createdBy: ctx.actor.type === 'person' ? ctx.actor.personId : null })
      .returning();
    if (!row) throw new Error('insert returned nothing');
    await recordEvent(tx, ctx, {
      action: 'monitoring_rule.created',
      resourceType: 'monitoring_rule',
      resourceId: row.id,
      summary: `Monitoring rule ‘${row.name}’ added (${row.severity} severity)`,
      after: snapshot(row),
    });
    return row;
  });
}

export async function updateRule(ctx: Ctx, id: string, raw: unknown): Promise<RuleRow> {
  authorizeChange(ctx);
  const trustId = ctx.actor.trustId;
  await findRule(ctx.db, trustId, id);
  const input = parseRule(raw);
  return transaction(ctx.db, async (tx) => {
    await lockRules(tx, trustId);
    const before = await findRule(tx, trustId, id, true);
    await checkNameFree(tx, trustId, input.name, before.id);
    const [row] = await tx
      .update(monitoringRules)
      .set({ ...input, updatedAt: new Date() })
      .where(and(eq(monitoringRules.trustId, trustId), eq(monitoringRules.id, before.id)))
      .returning();
    if (!row) throw new NotFoundError();
    await recordEvent(tx, ctx, {
      action: 'monitoring_rule.updated',
      resourceType: 'monitoring_rule',
      resourceId: row.id,
      summary: `Monitoring rule ‘${row.name}’ changed`,
      before: snapshot(before),
      after: snapshot(row),
    });
    return row;
  });
}

/** Switches a rule off (it stops matching at once) or back on, with the reason, which the audit trail keeps. */
export async function setRuleEnabled(ctx: Ctx, id: string, enabled: boolean, raw: unknown): Promise<RuleRow> {
  authorizeChange(ctx);
  const trustId = ctx.actor.trustId;
  const current = await findRule(ctx.db, trustId, id);
  const reasonField = textField(REASON_MAX, 'The reason', enabled ? 'Say why the rule is being switched back on' : 'Say why the rule is being switched off');
  const parsed = reasonField.safeParse(((raw ?? {}) as Record<string, unknown>).reason);
  if (!parsed.success) throw new ValidationError({ reason: parsed.error.issues[0]?.message ?? 'Say why' });
  if (current.enabled === enabled) throw new ValidationError({ reason: `The rule is already ${enabled ? 'on' : 'off'}` });
  const reason = parsed.data as string;
  return transaction(ctx.db, async (tx) => {
    const before = await findRule(tx, trustId, id, true);
    if (before.enabled === enabled) throw new ValidationError({ reason: `The rule is already ${enabled ? 'on' : 'off'}` });
    const [row] = await tx
      .update(monitoringRules)
      .set({ enabled, updatedAt: new Date() })
      .where(and(eq(monitoringRules.trustId, trustId), eq(monitoringRules.id, before.id)))
      .returning();
    if (!row) throw new NotFoundError();
    await recordEvent(tx, ctx, {
      action: 'monitoring_rule.updated',
      resourceType: 'monitoring_rule',
      resourceId: row.id,
      summary: `Monitoring rule ‘${row.name}’ switched ${enabled ? 'on' : 'off'}: ${reason}`,
      before: { enabled: before.enabled },
      after: { enabled: row.enabled, reason },
    });
    return row;
  });
}

/**
 * Adds the recommended category rules the trust has not got (see RECOMMENDED): safe to press
 * twice, and never a second rule for a category the trust already has a category rule for.
 */
export async function addRecommendedRules(ctx: Ctx): Promise<RuleRow[]> {
  authorizeChange(ctx);
  const trustId = ctx.actor.trustId;
  return transaction(ctx.db, async (tx) => {
    await lockRules(tx, trustId);
    const existing = await tx
      .select({ name: monitoringRules.name, kind: monitoringRules.kind, category: monitoringRules.category })
      .from(monitoringRules)
      .where(eq(monitoringRules.trustId, trustId));
    const missing = missingRecommended(existing);
    if (missing.length === 0) return [];
    const createdBy = ctx.actor.type === 'person' ? ctx.actor.personId : null;
    const rows = await tx
      .insert(monitoringRules)
      .values(
        missing.map((code) => ({
          trustId,
          name: CATEGORIES[code],
          kind: 'category' as const,
          category: code,
          terms: [],
          severity: RECOMMENDED[code],
          createdBy,
        })),
      )
      .returning();
    await recordEvents(
      tx,
      ctx,
      rows.map((row) => ({
        action: 'monitoring_rule.created' as const,
        resourceType: 'monitoring_rule',
        resourceId: row.id,
        summary: `Monitoring rule ‘${row.name}’ added from the recommended set (${row.severity} severity)`,
        after: snapshot(row),
      })),
    );
    return rows;
  });
}
