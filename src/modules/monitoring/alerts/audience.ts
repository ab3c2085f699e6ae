import { and, eq, gte, inArray, isNull, ne, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { londonToday } from '../../../ui/format.ts';
import type { Actor } from '../../auth/actor.ts';
import type { Role } from '../../organisations/roles.ts';
import { people, roleAssignments } from '../../organisations/schema.ts';
import { type AlertAudience, alerts } from '../schema.ts';

/*
 * Who an alert is for (ADR 0011), in one place: the audience chosen when it is raised, who is
 * emailed, who may open it, and the SQL for lists and counts. The rules:
 * - an alert goes to the DSL team (DSL and deputy DSLs) of its school, and the trust's DSL team;
 * - when the trust says so (settings → monitoring), alerts about members of staff go instead to
 *   the head teacher of their school, and the trust's HR lead;
 * - nobody ever sees an alert about themselves.
 */

/** The roles that receive and may open an alert of each audience, at its school and for the trust. */
export const AUDIENCE_ROLES: Record<AlertAudience, { school: Role[]; trust: Role[] }> = {
  dsl: { school: ['dsl', 'deputy_dsl'], trust: ['dsl', 'deputy_dsl'] },
  head_teacher: { school: ['head_teacher'], trust: ['hr_lead'] },
};

/** Every person in the directory is an adult member of the school community, so a matched person is "staff". */
export function audienceFor(personId: string | null, staffAlertsToHead: boolean): AlertAudience {
  return personId && staffAlertsToHead ? 'head_teacher' : 'dsl';
}

export const audienceLabel = (audience: AlertAudience) =>
  audience === 'dsl' ? 'The safeguarding team (DSL and deputies)' : 'The head teacher (an alert about a member of staff)';

type AlertFacts = { trustId: string; schoolId: string | null; personId: string | null; audience: AlertAudience };

/** Whether this actor may open the alert (the system may; API keys never). */
export function canOpenAlert(actor: Actor, alert: AlertFacts): boolean {
  if (actor.trustId !== alert.trustId) return false;
  if (actor.type === 'system') return true;
  if (actor.type !== 'person' || actor.personId === alert.personId) return false;
  const roles = AUDIENCE_ROLES[alert.audience];
  return actor.roles.some((g) => (g.schoolId === null ? roles.trust.includes(g.role) : g.schoolId === alert.schoolId && roles.school.includes(g.role)));
}

/** The SQL condition for "alerts this actor may open", for lists, counts and exports. */
export function visibleAlertsWhere(actor: Actor): SQL {
  if (actor.type === 'system') return eq(alerts.trustId, actor.trustId);
  if (actor.type !== 'person') return sql`false`;
  const byAudience: SQL[] = [];
  for (const audience of Object.keys(AUDIENCE_ROLES) as AlertAudience[]) {
    const roles = AUDIENCE_ROLES[audience];
    if (actor.roles.some((g) => g.schoolId === null && roles.trust.includes(g.role))) byAudience.push(eq(alerts.audience, audience));
    else {
      const schools = [...new Set(actor.roles.filter((g) => g.schoolId && roles.school.includes(g.role)).map((g) => g.schoolId as string))];
      if (schools.length) byAudience.push(and(eq(alerts.audience, audience), inArray(alerts.schoolId, schools)) as SQL);
    }
  }
  if (!byAudience.length) return sql`false`;
  return and(eq(alerts.trustId, actor.trustId), or(...byAudience), or(isNull(alerts.personId), ne(alerts.personId, actor.personId))) as SQL;
}

/** Whether the actor receives any alerts at all (for the header link and home page). */
export function mayReceiveAlerts(actor: Actor): boolean {
  if (actor.type !== 'person') return false;
  return Object.values(AUDIENCE_ROLES).some((roles) => actor.roles.some((g) => (g.schoolId === null ? roles.trust : roles.school).includes(g.role)));
}

export type AlertRecipient = { personId: string; email: string; fullName: string };

/**
 * Who is emailed about an alert: the audience's role holders at its school and for the trust (the
 * people canOpenAlert lets in), never the person it is about.
 */
export async function alertRecipients(db: Db, alert: AlertFacts, today = londonToday()): Promise<AlertRecipient[]> {
  const holders = await db
    .select({ personId: people.id, email: people.email, fullName: people.fullName, role: roleAssignments.role, schoolId: roleAssignments.schoolId })
    .from(roleAssignments)
    .innerJoin(people, and(eq(people.trustId, roleAssignments.trustId), eq(people.id, roleAssignments.personId)))
    .where(
      and(
        eq(roleAssignments.trustId, alert.trustId),
        isNull(roleAssignments.revokedAt),
        inArray(roleAssignments.role, [...new Set(Object.values(AUDIENCE_ROLES).flatMap((r) => [...r.school, ...r.trust]))]),
        or(isNull(people.endDate), gte(people.endDate, today)),
      ),
    );
  const eligible = holders.filter((h) => h.personId !== alert.personId);
  const roles = AUDIENCE_ROLES[alert.audience];
  const chosen = eligible.filter((h) =>
    h.schoolId === null ? roles.trust.includes(h.role as Role) : h.schoolId === alert.schoolId && roles.school.includes(h.role as Role),
  );
  const out = new Map<string, AlertRecipient>();
  for (const h of chosen) out.set(h.personId, { personId: h.personId, email: h.email, fullName: h.fullName });
  return [...out.values()];
}
