import { sql } from 'drizzle-orm';
import { type Db, rows, transaction } from '../../src/db/client.ts';
import { systemActor } from '../../src/modules/auth/actor.ts';
import { adminCredentials } from '../../src/modules/auth/schema.ts';
import { hashPassword } from '../../src/modules/auth/service.ts';
import { DEMO_ADMIN_PASSWORD, DEMO_PERSONAS, DEMO_TRUST } from '../../src/modules/demo/personas.ts';
import type { PersonKind, Role } from '../../src/modules/organisations/roles.ts';
import { createPerson, createSchool, createTrust, grantRole } from '../../src/modules/organisations/service.ts';
import { seedDemoAgreements } from './demo-acknowledgements.ts';
import { seedDemoConcerns } from './demo-concerns.ts';
import { seedDemoMonitoring } from './demo-monitoring.ts';
import { seedDemoPolicy } from './demo-policy.ts';
import { seedDemoRegisters } from './demo-registers.ts';

// A fictional trust. Names are invented; addresses use the reserved .example domain.
const SCHOOLS = [
  { slug: 'oakfield-primary', name: 'Oakfield Primary School', urn: '900101', phase: 'Primary' },
  { slug: 'brookside-academy', name: 'Brookside Academy', urn: '900102', phase: 'Secondary' },
  { slug: 'hollins-park', name: 'Hollins Park School', urn: '900103', phase: 'Special' },
] as const;
type SchoolSlug = (typeof SCHOOLS)[number]['slug'];

type SeedPerson = {
  name: string;
  kind: PersonKind;
  position: string;
  schools: SchoolSlug[];
  manager?: string;
  roles?: [Role, SchoolSlug | 'trust'][];
  start?: string;
  end?: string;
};

const email = (name: string) =>
  `${name
    .toLowerCase()
    .replace(/[^a-z ]/g, '')
    .replace(/ +/g, '.')}@oakfield.example`;

const NAMED: SeedPerson[] = [
  {
    name: 'Amara Okafor',
    kind: 'employee',
    position: 'Director of Operations',
    schools: [],
    roles: [
      ['trust_admin', 'trust'],
      ['hr_lead', 'trust'],
    ],
  },
  { name: 'Jonathan Reeve', kind: 'employee', position: 'Chief Executive Officer', schools: [], roles: [['slt', 'trust']] },
  { name: 'Tom Fletcher', kind: 'employee', position: 'Data Protection Officer', schools: [], manager: 'Amara Okafor', roles: [['dpo', 'trust']] },
  { name: 'Kwame Mensah', kind: 'employee', position: 'IT Manager', schools: [], manager: 'Amara Okafor', roles: [['it_services', 'trust']] },
  { name: 'Grace Adeyemi', kind: 'employee', position: 'Head of Governance', schools: [], manager: 'Jonathan Reeve', roles: [['head_of_governance', 'trust']] },
  { name: 'Helen Marsh', kind: 'employee', position: 'Trust Safeguarding Lead', schools: [], manager: 'Jonathan Reeve', roles: [['dsl', 'trust']] },
  { name: 'Owen Price', kind: 'employee', position: 'Finance Officer', schools: [], manager: 'Amara Okafor', roles: [['asset_recorder', 'trust']] },
  {
    name: 'Lewis Carter',
    kind: 'contractor',
    position: 'Network Technician',
    schools: ['oakfield-primary', 'brookside-academy'],
    manager: 'Kwame Mensah',
    roles: [['it_services', 'brookside-academy']],
  },
  // Oakfield Primary
  {
    name: 'David Hughes',
    kind: 'employee',
    position: 'Head Teacher',
    schools: ['oakfield-primary'],
    manager: 'Jonathan Reeve',
    roles: [['head_teacher', 'oakfield-primary']],
  },
  {
    name: 'Priya Shah',
    kind: 'employee',
    position: 'Assistant Head (Pastoral)',
    schools: ['oakfield-primary'],
    manager: 'David Hughes',
    roles: [
      ['dsl', 'oakfield-primary'],
      ['slt', 'oakfield-primary'],
    ],
  },
  {
    name: 'Martin Cole',
    kind: 'employee',
    position: 'Deputy Head Teacher',
    schools: ['oakfield-primary'],
    manager: 'David Hughes',
    roles: [
      ['deputy_head', 'oakfield-primary'],
      ['deputy_dsl', 'oakfield-primary'],
    ],
  },
  {
    name: 'Sarah Lindqvist',
    kind: 'employee',
    position: 'School Business Manager',
    schools: ['oakfield-primary'],
    manager: 'David Hughes',
    roles: [
      ['dpl', 'oakfield-primary'],
      ['asset_recorder', 'oakfield-primary'],
    ],
  },
  { name: 'Ellie Ward', kind: 'employee', position: 'Class Teacher, Year 4', schools: ['oakfield-primary'], manager: 'Martin Cole' },
  // Brookside Academy
  {
    name: 'Rachel Bennett',
    kind: 'employee',
    position: 'Principal',
    schools: ['brookside-academy'],
    manager: 'Jonathan Reeve',
    roles: [['head_teacher', 'brookside-academy']],
  },
  {
    name: 'Samuel Osei',
    kind: 'employee',
    position: 'Vice Principal',
    schools: ['brookside-academy'],
    manager: 'Rachel Bennett',
    roles: [
      ['deputy_head', 'brookside-academy'],
      ['slt', 'brookside-academy'],
    ],
  },
  {
    name: 'Fiona Gallagher',
    kind: 'employee',
    position: 'Designated Safeguarding Lead',
    schools: ['brookside-academy'],
    manager: 'Rachel Bennett',
    roles: [['dsl', 'brookside-academy']],
  },
  {
    name: 'Imran Qureshi',
    kind: 'employee',
    position: 'Head of Year 9',
    schools: ['brookside-academy'],
    manager: 'Fiona Gallagher',
    roles: [['deputy_dsl', 'brookside-academy']],
  },
  {
    name: 'Claire Dawson',
    kind: 'employee',
    position: 'Data and Exams Manager',
    schools: ['brookside-academy'],
    manager: 'Samuel Osei',
    roles: [['dpl', 'brookside-academy']],
  },
  // Hollins Park
  {
    name: 'Margaret Okonjo',
    kind: 'employee',
    position: 'Head Teacher',
    schools: ['hollins-park'],
    manager: 'Jonathan Reeve',
    roles: [['head_teacher', 'hollins-park']],
  },
  {
    name: 'Gareth Lewis',
    kind: 'employee',
    position: 'Deputy Head Teacher',
    schools: ['hollins-park'],
    manager: 'Margaret Okonjo',
    roles: [
      ['deputy_head', 'hollins-park'],
      ['dsl', 'hollins-park'],
    ],
  },
  {
    name: 'Nadia Haddad',
    kind: 'employee',
    position: 'Family Support Worker',
    schools: ['hollins-park'],
    manager: 'Gareth Lewis',
    roles: [['deputy_dsl', 'hollins-park']],
  },
  {
    name: 'Peter Walsh',
    kind: 'employee',
    position: 'Office Manager',
    schools: ['hollins-park'],
    manager: 'Margaret Okonjo',
    roles: [['dpl', 'hollins-park']],
  },
  // Governance and others
  { name: 'Ruth Ellison', kind: 'trustee', position: 'Chair of Trustees', schools: [] },
  { name: 'Anthony Brooks', kind: 'trustee', position: 'Trustee', schools: [] },
  { name: 'Lorraine Mitchell', kind: 'member', position: 'Member', schools: [] },
  { name: 'Graham Turner', kind: 'governor', position: 'Chair of the Local Governing Body', schools: ['oakfield-primary'] },
  { name: 'Yasmin Patel', kind: 'governor', position: 'Safeguarding Governor', schools: ['brookside-academy'] },
  { name: 'Joe Kirby', kind: 'volunteer', position: 'Reading Volunteer', schools: ['oakfield-primary'], manager: 'Martin Cole' },
  { name: 'Ava Robinson', kind: 'trainee', position: 'Trainee Teacher', schools: ['brookside-academy'], manager: 'Samuel Osei' },
  { name: 'Ben Hartley', kind: 'worker', position: 'Supply Teacher', schools: ['hollins-park'], manager: 'Gareth Lewis' },
  {
    name: 'Zara Ahmed',
    kind: 'pre_employment',
    position: 'Teaching Assistant (starting next term)',
    schools: ['oakfield-primary'],
    manager: 'Martin Cole',
    start: '2027-01-04',
  },
  { name: 'Mark Foster', kind: 'visitor', position: 'Visiting Music Teacher', schools: ['oakfield-primary', 'hollins-park'] },
  { name: 'Sophie Turnbull', kind: 'employee', position: 'Class Teacher, Year 2', schools: ['oakfield-primary'], manager: 'Martin Cole', end: '2026-08-31' },
];

const FIRST = [
  'Alice',
  'Ben',
  'Chloe',
  'Daniel',
  'Emma',
  'Faisal',
  'Georgia',
  'Harry',
  'Isla',
  'Jacob',
  'Katie',
  'Liam',
  'Megan',
  'Noah',
  'Olivia',
  'Rhys',
  'Sana',
  'Toby',
  'Una',
  'Victor',
  'Willow',
  'Xavier',
  'Yusuf',
  'Zoe',
  'Amir',
  'Bethany',
  'Callum',
  'Delia',
];
const LAST = [
  'Armstrong',
  'Baxter',
  'Chowdhury',
  'Doyle',
  'Evans',
  'Fraser',
  'Griffiths',
  'Hassan',
  'Iqbal',
  'Jenkins',
  'Kaur',
  'Lloyd',
  'Morgan',
  'Nolan',
  'Owusu',
  'Parry',
  'Quinn',
  'Roberts',
  'Singh',
  'Thomas',
  'Usman',
  'Vaughan',
  'Williams',
  'Young',
  'Zielinski',
  'Burns',
  'Cross',
  'Dunn',
];
const TEACHING = [
  'Class Teacher',
  'Teaching Assistant',
  'Teacher of English',
  'Teacher of Maths',
  'Teacher of Science',
  'SENCo',
  'Learning Support Assistant',
  'Midday Supervisor',
  'Site Manager',
  'Receptionist',
];
const LINE: Record<SchoolSlug, string> = { 'oakfield-primary': 'Martin Cole', 'brookside-academy': 'Samuel Osei', 'hollins-park': 'Gareth Lewis' };

function generated(count: number): SeedPerson[] {
  return Array.from({ length: count }, (_, i) => {
    const school = SCHOOLS[i % SCHOOLS.length]?.slug as SchoolSlug;
    return {
      name: `${FIRST[i % FIRST.length]} ${LAST[(i * 5 + Math.floor(i / FIRST.length)) % LAST.length]}`,
      kind: 'employee' as const,
      position: TEACHING[i % TEACHING.length] as string,
      schools: [school],
      manager: LINE[school],
      start: `20${String(15 + (i % 10)).padStart(2, '0')}-09-01`,
    };
  });
}

/** Creates the demo trust on an empty database. Returns false (and does nothing) when any trust exists. */
export async function seedDemo(db: Db): Promise<boolean> {
  const [existing] = await rows<{ n: number }>(db, sql`select count(*)::int as n from trusts`);
  if ((existing?.n ?? 0) > 0) return false;
  const trust = await createTrust(db, DEMO_TRUST, 'Demo set-up');
  const ctx = { db, actor: systemActor(trust.id, 'Demo set-up'), baseUrl: '' };
  const schoolIds = new Map<string, string>();
  for (const s of SCHOOLS) {
    const school = await createSchool(ctx, s);
    if (school) schoolIds.set(s.slug, school.id);
  }
  const everyone = [...NAMED, ...generated(30)];
  const ids = new Map<string, string>();
  for (const p of everyone) {
    const person = await createPerson(ctx, {
      fullName: p.name,
      email: email(p.name),
      kind: p.kind,
      position: p.position,
      lineManagerId: p.manager ? ids.get(p.manager) : undefined,
      schoolIds: p.schools.map((s) => schoolIds.get(s)),
      startDate: p.start ?? '2020-09-01',
      endDate: p.end,
    });
    ids.set(p.name, person.id);
    for (const [role, scope] of p.roles ?? []) {
      await grantRole(ctx, person.id, { role, scope: scope === 'trust' ? 'trust' : schoolIds.get(scope) });
    }
  }
  const admin = ids.get('Amara Okafor');
  if (admin) {
    const passwordHash = await hashPassword(DEMO_ADMIN_PASSWORD);
    await transaction(db, (tx) =>
      tx
        .insert(adminCredentials)
        .values({ trustId: trust.id, personId: admin, passwordHash })
        .then(() => undefined),
    );
  }
  await seedDemoPolicy(ctx);
  await seedDemoAgreements(db, trust.id);
  await seedDemoConcerns(db, trust.id);
  await seedDemoRegisters(db, trust.id);
  await seedDemoMonitoring(db, trust.id);
  if (!DEMO_PERSONAS.every((p) => everyone.some((e) => email(e.name) === p.email))) throw new Error('demo personas and seed people disagree');
  return true;
}
