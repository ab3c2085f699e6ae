import { and, eq, exists, inArray, not, or, type SQL, sql } from 'drizzle-orm';
import type { Actor } from '../auth/actor.ts';
import type { Role } from '../organisations/roles.ts';
import { concernPeople, concernRecipients, concerns } from './schema.ts';
import { CONCERN_TYPE_CODES, CONCERN_TYPES, CONFIDENTIALITY, type ConcernTypeCode, type Confidentiality } from './types.ts';

/**
 * Who may open a concern (ADR 0009). Decided here and only here, for one record (`accessTo`) and
 * for lists (`visibleConcernsWhere`), and both follow the same rules:
 * - the roles of its confidentiality level, held at the concern's school or trust-wide;
 * - the roles its type is routed to (a filtering failure also goes to the DSL);
 * - the people it was routed to when reported, and its assignee;
 * - never a person a report about staff conduct is about, whatever roles they hold;
 * - the reporter sees that it was received and its status ('reporter'), not the chronology.
 */
export type Access = 'full' | 'reporter' | 'none';

export type ConcernFacts = {
  trustId: string;
  schoolId: string;
  type: ConcernTypeCode;
  confidentiality: Confidentiality;
  reporterId: string;
  assigneeId: string | null;
  subjectIds: string[];
  recipientIds: string[];
};

/** The roles that open a concern of this type without being named on it: its level's and its routes'. */
export function rolesFor(type: ConcernTypeCode): { school: Role[]; trust: Role[] } {
  const level = CONFIDENTIALITY[CONCERN_TYPES[type].confidentiality];
  const routed = CONCERN_TYPES[type].routes.flatMap((r) => (r.to === 'role' ? [r] : []));
  return {
    school: [...new Set<Role>([...level.school, ...routed.filter((r) => !r.trustOnly).map((r) => r.role)])],
    trust: [...new Set<Role>([...level.trust, ...routed.map((r) => r.role)])],
  };
}

function holdsFor(actor: Extract<Actor, { type: 'person' }>, roles: { school: Role[]; trust: Role[] }, schoolId: string): boolean {
  return actor.roles.some((g) => (g.schoolId === null ? roles.trust.includes(g.role) : g.schoolId === schoolId && roles.school.includes(g.role)));
}

export function accessTo(actor: Actor, c: ConcernFacts): Access {
  if (actor.trustId !== c.trustId) return 'none';
  if (actor.type === 'system') return 'full';
  if (actor.type !== 'person') return 'none';
  const me = actor.personId;
  const reporter = c.reporterId === me ? 'reporter' : 'none';
  if (c.confidentiality === 'staff' && c.subjectIds.includes(me)) return reporter;
  if (holdsFor(actor, rolesFor(c.type), c.schoolId)) return 'full';
  if (c.recipientIds.includes(me) || c.assigneeId === me) return 'full';
  return reporter;
}

/** Whether the reader may see the record of who opened it: the holders of the level's roles (the DSL team, the DPL/DPO, the head teacher). */
export function canSeeViews(actor: Actor, c: Pick<ConcernFacts, 'trustId' | 'schoolId' | 'confidentiality'>): boolean {
  if (actor.type !== 'person' || actor.trustId !== c.trustId) return false;
  const level = CONFIDENTIALITY[c.confidentiality];
  return holdsFor(actor, { school: [...level.school], trust: [...level.trust] }, c.schoolId);
}

/** The SQL condition for "concerns this person may open fully", for lists, counts and exports. */
export function visibleConcernsWhere(actor: Actor): SQL {
  if (actor.type === 'system') return eq(concerns.trustId, actor.trustId);
  if (actor.type !== 'person') return sql`false`;
  const me = actor.personId;
  const byType: SQL[] = [];
  for (const type of CONCERN_TYPE_CODES) {
    const roles = rolesFor(type);
    const trustWide = actor.roles.some((g) => g.schoolId === null && roles.trust.includes(g.role));
    const schools = [...new Set(actor.roles.filter((g) => g.schoolId && roles.school.includes(g.role)).map((g) => g.schoolId as string))];
    if (trustWide) byType.push(eq(concerns.type, type));
    else if (schools.length) byType.push(and(eq(concerns.type, type), inArray(concerns.schoolId, schools)) as SQL);
  }
  const named = or(
    eq(concerns.assigneeId, me),
    exists(
      sql`(select 1 from ${concernRecipients} where ${concernRecipients.trustId} = ${concerns.trustId} and ${concernRecipients.concernId} = ${concerns.id} and ${concernRecipients.personId} = ${me})`,
    ),
  ) as SQL;
  const aboutMe = and(
    eq(concerns.confidentiality, 'staff'),
    exists(
      sql`(select 1 from ${concernPeople} where ${concernPeople.trustId} = ${concerns.trustId} and ${concernPeople.concernId} = ${concerns.id} and ${concernPeople.personId} = ${me} and ${concernPeople.part} = 'subject')`,
    ),
  ) as SQL;
  return and(eq(concerns.trustId, actor.trustId), or(...byType, named), not(aboutMe)) as SQL;
}

/** Whether this person could open some concern as a role holder (for the header link). */
export function mayListConcerns(actor: Actor): boolean {
  if (actor.type !== 'person') return false;
  return CONCERN_TYPE_CODES.some((type) => {
    const roles = rolesFor(type);
    return actor.roles.some((g) => (g.schoolId === null ? roles.trust : roles.school).includes(g.role));
  });
}
