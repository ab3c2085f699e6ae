import { ForbiddenError, NotFoundError } from '../../errors.ts';
import type { Role } from '../organisations/roles.ts';
import type { Actor } from './actor.ts';

/**
 * Who may do what. Every route and service asks `authorize(actor, action, resource)`; this table
 * is the only place the answer is decided. Later modules add their actions here.
 */
type Rule = {
  /** Roles held for the whole trust that allow the action anywhere in the trust. */
  trust?: Role[];
  /** Roles held at a school that allow the action on that school's records. */
  school?: Role[];
  /** 'any': one of the resource's schools is enough (reading). 'all': every one must be covered (changing). */
  match?: 'any' | 'all';
  /** A person may do this to their own record. */
  self?: boolean;
  /** The API key scope that allows the action. */
  apiScope?: string;
  /** Anyone of the trust who is signed in (reading what staff must follow). */
  everyone?: boolean;
};

const LEADERS: Role[] = ['head_teacher', 'deputy_head', 'slt'];

export const PERMISSIONS = {
  'people.list': { trust: ['trust_admin', 'head_of_governance', 'dpo', 'slt'], school: LEADERS, apiScope: 'people:read' },
  'people.view': { trust: ['trust_admin', 'head_of_governance', 'dpo', 'slt'], school: LEADERS, self: true, apiScope: 'people:read' },
  'people.manage': { trust: ['trust_admin'], school: ['head_teacher'], match: 'all' },
  'people.import': { trust: ['trust_admin'] },
  'roles.manage': { trust: ['trust_admin'] },
  'schools.manage': { trust: ['trust_admin'] },
  'audit.view': { trust: ['trust_admin'] },
  'outbox.view': { trust: ['trust_admin'] },
  'apiKeys.manage': { trust: ['trust_admin'] },
  // Policies: a trust-wide policy's resource has schoolIds [], so only trust roles manage it;
  // a school's policy has [schoolId], so that school's head teacher manages it too.
  'policies.read': { everyone: true },
  'policies.list': { trust: ['trust_admin', 'head_of_governance', 'dpo', 'slt'], school: ['head_teacher', 'deputy_head', 'slt', 'dpl'] },
  'policies.manage': { trust: ['trust_admin', 'head_of_governance'], school: ['head_teacher'], match: 'all' },
  'calendarFeeds.manage': { trust: ['trust_admin'] },
  'policies.approve': { trust: ['trust_admin', 'head_of_governance'], school: ['head_teacher'], match: 'all' },
  // Acknowledgements. Assigning to a whole trust (schoolIds []) is for trust admins; a head teacher
  // assigns to their own school's people. Line managers' view of their team is decided in the service.
  'agreements.assign': { trust: ['trust_admin'], school: ['head_teacher'], match: 'all' },
  'compliance.view': {
    trust: ['trust_admin', 'head_of_governance', 'dpo', 'slt'],
    school: ['head_teacher', 'deputy_head', 'slt'],
    apiScope: 'compliance:read',
  },
  /** Someone's signature record and certificate: the person, head teachers of their schools, trust admins (and their line manager, in the service). */
  'acknowledgements.view': { trust: ['trust_admin'], school: ['head_teacher'], self: true, apiScope: 'compliance:read' },
  'acknowledgements.recordPaper': { trust: ['trust_admin'], school: ['head_teacher'] },
  'acknowledgements.import': { trust: ['trust_admin'] },
  'evidence.verify': { trust: ['trust_admin'] },
  // Concerns. Anyone signed in may report; who may read a concern is decided per record by
  // concerns/access.ts (its confidentiality, the people routed to it, the people it is about).
  'concerns.report': { everyone: true, apiScope: 'concerns:write' },
  /** The routing table and the concerns list page (which shows only what the reader may open). */
  'concerns.routing': { trust: ['trust_admin', 'dsl', 'dpo', 'hr_lead'], school: ['head_teacher', 'dsl', 'dpl'] },
  'concerns.list': {
    trust: ['trust_admin', 'dsl', 'deputy_dsl', 'dpo', 'hr_lead', 'it_services', 'slt'],
    school: ['head_teacher', 'deputy_head', 'slt', 'dsl', 'deputy_dsl', 'dpl', 'it_services'],
  },
  'breaches.register': { trust: ['dpo'], school: ['dpl'] },
  'logbook.view': { trust: ['dsl', 'deputy_dsl'], school: ['dsl', 'deputy_dsl'] },
  // Non-compliance (000 appendix 3): brought to the DPO and head teacher; sanctions need HR-level access.
  'noncompliance.view': { trust: ['dpo', 'hr_lead', 'trust_admin'], school: ['head_teacher', 'deputy_head', 'dpl'] },
  'noncompliance.manage': { trust: ['dpo', 'hr_lead', 'trust_admin'], school: ['head_teacher', 'dpl'], match: 'all' },
  'noncompliance.sanction': { trust: ['hr_lead'], school: ['head_teacher'], match: 'all' },
  // Registers and approvals (issue 6). A trust-wide asset (no school) has schoolIds [], so only trust roles change it.
  'assets.view': {
    trust: ['it_services', 'asset_recorder', 'trust_admin'],
    school: ['it_services', 'asset_recorder', 'head_teacher'],
    apiScope: 'assets:read',
  },
  'assets.manage': {
    trust: ['it_services', 'asset_recorder', 'trust_admin'],
    school: ['it_services', 'asset_recorder'],
    match: 'all',
    apiScope: 'assets:write',
  },
  'loans.view': {
    trust: ['it_services', 'asset_recorder', 'trust_admin'],
    school: ['it_services', 'asset_recorder', 'head_teacher'],
    self: true,
    apiScope: 'assets:read',
  },
  'loans.manage': { trust: ['it_services', 'trust_admin'], school: ['it_services'], match: 'all' },
  'loanAgreement.manage': { trust: ['trust_admin', 'it_services'] },
  'byod.register': { everyone: true },
  'byod.review': { trust: ['it_services'], school: ['it_services'] },
  'requests.make': { everyone: true },
  /** The requests list for approvers; which requests each may decide is the type's approver role (requests/types.ts). */
  'requests.list': { trust: ['it_services', 'dpo', 'slt', 'trust_admin'], school: ['it_services', 'head_teacher', 'deputy_head', 'slt'] },
  'cloudServices.view': { everyone: true },
  'cloudServices.manage': { trust: ['dpo', 'trust_admin'] },
  'itDashboard.view': { trust: ['it_services', 'trust_admin'], school: ['it_services', 'head_teacher'] },
  // Monitoring and filtering (issue 7, ADR 0011). Which alerts each reader sees is decided per
  // alert by monitoring/alerts/access.ts (the school's DSL team; staff alerts to the head teacher
  // when the trust says so).
  'monitoring.sources': { trust: ['trust_admin'] },
  'monitoring.upload': { trust: ['trust_admin', 'it_services'] },
  'monitoring.alerts': { trust: ['dsl', 'deputy_dsl', 'hr_lead'], school: ['dsl', 'deputy_dsl', 'head_teacher'] },
  'monitoring.rules': { trust: ['dsl', 'trust_admin'] },
  /** Setting and ending enhanced monitoring: the head teacher of one of the person's schools (004 §6.4). */
  'monitoring.enhanced': { school: ['head_teacher'] },
  'monitoring.enhancedView': { trust: ['dsl', 'deputy_dsl'], school: ['head_teacher', 'dsl', 'deputy_dsl'] },
  /** Sign-in and file-deletion events (003 §4.3): searched by IT services. */
  'monitoring.auditEvents': { trust: ['it_services'], school: ['it_services'] },
  'settings.manage': { trust: ['trust_admin'] },
} satisfies Record<string, Rule>;

export type Action = keyof typeof PERMISSIONS;

export type Resource = {
  trustId: string;
  /** The schools the record belongs to; absent for trust-level things such as a list page. */
  schoolIds?: string[];
  /** The person the record is about, for actions a person may do to themselves. */
  personId?: string;
};

/** The API scopes an admin can give a key. */
export const API_SCOPES = {
  'people:read': 'Read people, their schools and roles',
  'compliance:read': 'Read who has signed which policies, and the signature records',
  'monitoring:write': 'Send monitoring and filtering events',
  'concerns:write': 'Raise concerns on behalf of a member of staff',
  'assets:read': 'Read the asset register and loans',
  'assets:write': 'Add and update assets (device-management tools)',
} as const;
export type ApiScope = keyof typeof API_SCOPES;

export function can(actor: Actor | null | undefined, action: Action, resource: Resource): boolean {
  if (!actor || actor.trustId !== resource.trustId) return false;
  const rule: Rule = PERMISSIONS[action];
  if (actor.type === 'system') return true;
  if (actor.type === 'api_key') return !!rule.apiScope && actor.scopes.includes(rule.apiScope);
  if (rule.everyone) return true;
  if (rule.self && resource.personId && resource.personId === actor.personId) return true;
  if (actor.roles.some((g) => g.schoolId === null && rule.trust?.includes(g.role))) return true;
  const schoolsHeld = new Set(actor.roles.filter((g) => g.schoolId && rule.school?.includes(g.role)).map((g) => g.schoolId));
  if (schoolsHeld.size === 0) return false;
  if (!resource.schoolIds) return !resource.personId;
  if (resource.schoolIds.length === 0) return false;
  return (rule.match ?? 'any') === 'all' ? resource.schoolIds.every((s) => schoolsHeld.has(s)) : resource.schoolIds.some((s) => schoolsHeld.has(s));
}

/**
 * Throws unless the actor may act. Another trust's record answers "not found", never "forbidden",
 * so nobody can learn that it exists.
 */
export function authorize(actor: Actor | null | undefined, action: Action, resource: Resource): asserts actor is Actor {
  if (!actor || actor.trustId !== resource.trustId) throw new NotFoundError();
  if (!can(actor, action, resource)) throw new ForbiddenError();
}

/** The schools whose records the actor may see for an action: 'all', or a list (possibly empty). */
export function schoolsFor(actor: Actor, action: Action): 'all' | string[] {
  const rule: Rule = PERMISSIONS[action];
  if (actor.type === 'system') return 'all';
  if (actor.type === 'api_key') return rule.apiScope && actor.scopes.includes(rule.apiScope) ? 'all' : [];
  if (actor.roles.some((g) => g.schoolId === null && rule.trust?.includes(g.role))) return 'all';
  return [...new Set(actor.roles.filter((g) => g.schoolId && rule.school?.includes(g.role)).map((g) => g.schoolId as string))];
}
