import { and, desc, eq, gte, lt, type SQL, sql } from 'drizzle-orm';
import type { AUDIT_ACTIONS } from '../../audit/audit.ts';
import { auditEvents } from '../../audit/schema.ts';
import type { Ctx } from '../../context.ts';
import { authorize } from '../auth/authorize.ts';

export type AuditFilter = {
  action?: keyof typeof AUDIT_ACTIONS;
  actor?: string;
  resourceType?: string;
  resourceId?: string;
  from?: string;
  to?: string;
  page: number;
  pageSize: number;
};

/** The trust's audit trail, newest first, filtered; for trust administrators. */
export async function browseAudit(ctx: Ctx, filter: AuditFilter) {
  authorize(ctx.actor, 'audit.view', { trustId: ctx.actor.trustId });
  const where: SQL[] = [eq(auditEvents.trustId, ctx.actor.trustId)];
  if (filter.action) where.push(eq(auditEvents.action, filter.action));
  if (filter.actor) where.push(sql`${auditEvents.actorLabel} ilike ${`%${filter.actor.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`);
  if (filter.resourceType) where.push(eq(auditEvents.resourceType, filter.resourceType));
  if (filter.resourceId) where.push(eq(auditEvents.resourceId, filter.resourceId));
  // Dates are calendar days in Europe/London, inclusive at both ends.
  if (filter.from) where.push(gte(auditEvents.at, sql`(${filter.from}::date)::timestamp at time zone 'Europe/London'`));
  if (filter.to) where.push(lt(auditEvents.at, sql`(${filter.to}::date + 1)::timestamp at time zone 'Europe/London'`));
  const condition = and(...where);
  const [items, [count]] = await Promise.all([
    ctx.db
      .select()
      .from(auditEvents)
      .where(condition)
      .orderBy(desc(auditEvents.at), desc(auditEvents.id))
      .limit(filter.pageSize)
      .offset((filter.page - 1) * filter.pageSize),
    ctx.db.select({ n: sql<number>`count(*)::int` }).from(auditEvents).where(condition),
  ]);
  return { items, total: count?.n ?? 0 };
}
