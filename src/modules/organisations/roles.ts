/** The roles a person can hold, in the schools' own words, and where each can apply. */
export const ROLES = {
  trust_admin: { label: 'Trust administrator', scopes: ['trust'] },
  head_teacher: { label: 'Head teacher', scopes: ['school'] },
  deputy_head: { label: 'Deputy head', scopes: ['school'] },
  slt: { label: 'Senior leadership team', scopes: ['trust', 'school'] },
  dsl: { label: 'Designated safeguarding lead (DSL)', scopes: ['trust', 'school'] },
  deputy_dsl: { label: 'Deputy DSL', scopes: ['trust', 'school'] },
  dpl: { label: 'Data protection lead (DPL)', scopes: ['school'] },
  dpo: { label: 'Data protection officer (DPO)', scopes: ['trust'] },
  it_services: { label: 'IT services', scopes: ['trust', 'school'] },
  asset_recorder: { label: 'Asset recorder', scopes: ['trust', 'school'] },
  head_of_governance: { label: 'Head of governance', scopes: ['trust'] },
  hr_lead: { label: 'HR lead', scopes: ['trust'] },
} as const satisfies Record<string, { label: string; scopes: readonly ('trust' | 'school')[] }>;

export type Role = keyof typeof ROLES;
export const ROLE_CODES = Object.keys(ROLES) as Role[];

export const isRole = (value: string): value is Role => value in ROLES;
export const roleLabel = (role: string) => (isRole(role) ? ROLES[role].label : role);

/** Kinds of person (PRODUCT §1); pupils and parents come later. */
export const PERSON_KINDS = {
  employee: 'Employee',
  volunteer: 'Volunteer',
  worker: 'Worker',
  trainee: 'Trainee',
  contractor: 'Contractor',
  pre_employment: 'Pre-employment starter',
  governor: 'Governor',
  trustee: 'Trustee',
  member: 'Member',
  visitor: 'Visitor',
} as const;

export type PersonKind = keyof typeof PERSON_KINDS;
export const PERSON_KIND_CODES = Object.keys(PERSON_KINDS) as PersonKind[];
export const kindLabel = (kind: string) => PERSON_KINDS[kind as PersonKind] ?? kind;
