import { and, eq, gte, inArray, isNull, or } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { londonToday } from '../../ui/format.ts';
import { type Role, roleLabel } from '../organisations/roles.ts';
import { people, roleAssignments, schools } from '../organisations/schema.ts';
import { CONCERN_TYPES, type ConcernTypeCode, type RouteRule } from './types.ts';

export type Recipient = { personId: string; email: string; fullName: string; reason: string };

type Holder = { personId: string; email: string; fullName: string; role: string; schoolId: string | null };

/**
 * Who a new concern goes to, following CONCERN_TYPES[type].routes (the routing table). The
 * reporter is never among them (they already know), nor is anyone the report is about.
 */
export async function routeConcern(
  db: Db,
  input: { trustId: string; type: ConcernTypeCode; schoolId: string; reporterId: string; subjectIds: string[] },
  today = londonToday(),
): Promise<Recipient[]> {
  const rules: RouteRule[] = [...CONCERN_TYPES[input.type].routes];
  const roles = new Set<Role>(['deputy_head', 'head_teacher', 'hr_lead', 'trust_admin']);
  for (const r of rules) if (r.to === 'role') for (const role of [r.role, r.fallback]) if (role) roles.add(role);
  // Someone whose last day is today still works today; the people module counts them as current too.
  const active = or(isNull(people.endDate), gte(people.endDate, today));
  const holders: Holder[] = await db
    .select({ personId: people.id, email: people.email, fullName: people.fullName, role: roleAssignments.role, schoolId: roleAssignments.schoolId })
    .from(roleAssignments)
    .innerJoin(people, and(eq(people.trustId, roleAssignments.trustId), eq(people.id, roleAssignments.personId)))
    .where(and(eq(roleAssignments.trustId, input.trustId), isNull(roleAssignments.revokedAt), inArray(roleAssignments.role, [...roles]), active));
  const [school] = await db
    .select({ name: schools.name })
    .from(schools)
    .where(and(eq(schools.trustId, input.trustId), eq(schools.id, input.schoolId)));
  const schoolName = school?.name ?? 'the school';
  const excluded = new Set([input.reporterId, ...input.subjectIds]);
  const out = new Map<string, Recipient>();
  const add = (h: Pick<Holder, 'personId' | 'email' | 'fullName'>, reason: string) => {
    if (!excluded.has(h.personId) && !out.has(h.personId)) out.set(h.personId, { personId: h.personId, email: h.email, fullName: h.fullName, reason });
  };
  const atSchool = (role: Role) => holders.filter((h) => h.role === role && h.schoolId === input.schoolId && !excluded.has(h.personId));
  const trustWide = (role: Role) => holders.filter((h) => h.role === role && h.schoolId === null && !excluded.has(h.personId));

  for (const rule of rules) {
    if (rule.to === 'role') {
      const here = rule.trustOnly ? [] : atSchool(rule.role);
      if (here.length) for (const h of here) add(h, `${roleLabel(rule.role)} at ${schoolName}`);
      else if (trustWide(rule.role).length) for (const h of trustWide(rule.role)) add(h, `${roleLabel(rule.role)} for the trust`);
      else if (rule.fallback) for (const h of atSchool(rule.fallback)) add(h, `${roleLabel(rule.fallback)} at ${schoolName} (no ${roleLabel(rule.role)})`);
    } else {
      const manager = await lineManager(db, input.trustId, input.reporterId, today);
      if (rule.to === 'line_manager') {
        if (manager) add(manager, 'Line manager of the reporter');
        continue;
      }
      // Staff conduct: the line manager, unless absent or named; then the deputy head; then the head teacher; then HR.
      if (manager && !excluded.has(manager.personId)) {
        add(manager, 'Line manager of the reporter');
        continue;
      }
      const chain: [Role, string][] = [
        ['deputy_head', `Deputy head at ${schoolName}`],
        ['head_teacher', `Head teacher at ${schoolName}`],
      ];
      let routed = false;
      for (const [role, reason] of chain) {
        const found = atSchool(role);
        if (found.length) {
          for (const h of found) add(h, `${reason} (the line manager is away or named in the report)`);
          routed = true;
          break;
        }
      }
      if (!routed)
        for (const h of [...trustWide('hr_lead'), ...(trustWide('hr_lead').length ? [] : trustWide('trust_admin'))])
          add(h, 'For the trust (no one at the school can take it)');
    }
  }
  return [...out.values()];
}

async function lineManager(db: Db, trustId: string, personId: string, today: string) {
  const [me] = await db
    .select({ lineManagerId: people.lineManagerId })
    .from(people)
    .where(and(eq(people.trustId, trustId), eq(people.id, personId)));
  if (!me?.lineManagerId) return null;
  const [manager] = await db
    .select({ personId: people.id, email: people.email, fullName: people.fullName, endDate: people.endDate })
    .from(people)
    .where(and(eq(people.trustId, trustId), eq(people.id, me.lineManagerId)));
  // An end-dated manager has left: treat as absent.
  if (!manager || (manager.endDate && manager.endDate < today)) return null;
  return manager;
}
