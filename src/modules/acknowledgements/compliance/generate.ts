/*
 * A generated trust for the compliance benchmark and the bigger tests: schools, people with line
 * managers and roles, policies with versions in force and superseded, campaigns, assignments (most
 * signed, some outstanding, some overdue) and the signatures themselves, spread over the last year.
 *
 * Written for speed, not through the services: rows are built in JavaScript and inserted a few
 * thousand at a time with json_to_recordset (one parameter per batch, so it is quick on PGlite and
 * PostgreSQL alike). The signatures are a valid hash chain: seq, prev_hash and hash are computed
 * with chainHash in signing order, and the chain head names the last one, so verifyChain passes.
 * Nothing is written to the audit trail and no emails are queued: this is test data.
 *
 * The same seed and `today` give the same trust (names, dates, who signed what), with new ids:
 * UUIDs in the order they are made (see orderedIds), so the indexes fill in order.
 */
import { randomBytes } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import { type Db, rows, transaction } from '../../../db/client.ts';
import { londonToday } from '../../../ui/format.ts';
import { contentHash, emptyContent, type PolicyContent } from '../../policies/content.ts';
import { chainHash, type Evidence, GENESIS_HASH } from '../chain.ts';
import type { Audience, AuthMethod } from '../schema.ts';
import { addDays } from '../service.ts';

export type GenerateOptions = {
  schools?: number;
  people?: number;
  /** Exactly this many signatures are written (an error if the people and policies cannot hold so many). */
  acknowledgements?: number;
  policies?: number;
  /** The day the trust is generated "as of" (default: today in London); every date is in the year before it. */
  today?: string;
  seed?: number;
  slug?: string;
  name?: string;
  /** Told what is happening and how long each step took, for a benchmark's progress lines. */
  log?: (message: string) => void;
};

export type GeneratedTrust = {
  trustId: string;
  slug: string;
  /** The chief executive's email: a trust administrator, who sees the whole dashboard. */
  adminEmail: string;
  schools: number;
  people: number;
  policies: number;
  assignments: number;
  acknowledgements: number;
  milliseconds: number;
};

const DAY = 86_400_000;

/** A small, fast, seeded random number generator (mulberry32). */
function randomFrom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T,
    weighted: <T>(choices: readonly (readonly [T, number])[]): T => {
      let r = next() * choices.reduce((s, c) => s + c[1], 0);
      for (const [value, weight] of choices) {
        r -= weight;
        if (r < 0) return value;
      }
      return (choices.at(-1) as readonly [T, number])[0];
    },
  };
}

const PLACES = [
  'Oakfield',
  'Riverside',
  'Ashby',
  'Brookhill',
  'Castlegate',
  'Dene Park',
  'Elmwood',
  'Fairway',
  'Greenacre',
  'Hollybank',
  'Ivy Lane',
  'Juniper',
  'Kingsmead',
  'Larchwood',
  'Millbrook',
  'Northgate',
  'Orchard',
  'Parkside',
  'Queensway',
  'Redhill',
  'St Anne’s',
  'Thornbury',
  'Upton',
  'Valley',
  'Westfield',
  'Yewtree',
  'Abbey',
  'Beacon',
  'Chestnut',
  'Dovecote',
];
const FIRST = [
  'Amira',
  'Ben',
  'Chloe',
  'Dev',
  'Ellie',
  'Femi',
  'Grace',
  'Harry',
  'Isla',
  'Jamal',
  'Kate',
  'Liam',
  'Maya',
  'Noah',
  'Olivia',
  'Priya',
  'Quinn',
  'Rhys',
  'Sofia',
  'Tom',
  'Uma',
  'Vikram',
  'Wren',
  'Yusuf',
  'Zara',
  'Siân',
  'Gwen',
  'Ffion',
  'Zoë',
  'Seán',
];
const LAST = [
  'Adams',
  'Begum',
  'Clarke',
  'Davies',
  'Evans',
  'Fraser',
  'Green',
  'Hughes',
  'Iqbal',
  'Jones',
  'Khan',
  'Lewis',
  'Morgan',
  'Nowak',
  'O’Brien',
  'Patel',
  'Quinn',
  'Roberts',
  'Smith',
  'Taylor',
  'Usman',
  'Vaughan',
  'Walker',
  'Young',
  'Zhang',
  'Thomas',
  'Williams',
  'Brown',
  'Wilson',
  'Ahmed',
];
const POLICY_TITLES = [
  'Staff Acceptable Use of ICT Policy',
  'Online Safety Policy',
  'Data Protection Policy',
  'Information Security Policy',
  'Password Policy',
  'Email and Communications Protocol',
  'Social Media Policy',
  'Bring Your Own Device Policy',
  'Remote Working Policy',
  'Device Loan Agreement',
  'Cloud Services Policy',
  'Monitoring and Filtering Policy',
  'Photographs and Images of Pupils Policy',
  'Records Retention Policy',
  'Data Breach Reporting Procedure',
  'Removable Media Policy',
  'Software Installation Policy',
  'Staff Code of Conduct (ICT)',
  'Governor ICT Agreement',
  'Visitor and Contractor Network Agreement',
];
const POSITIONS: Record<string, string[]> = {
  employee: ['Class teacher', 'Teaching assistant', 'Office manager', 'Site manager', 'SENCo', 'Learning mentor', 'Cover supervisor', 'Administrator'],
  volunteer: ['Volunteer reader', 'Volunteer'],
  worker: ['Supply teacher', 'Midday supervisor'],
  trainee: ['Trainee teacher'],
  contractor: ['IT contractor', 'Catering contractor'],
  governor: ['Governor', 'Chair of governors'],
  trustee: ['Trustee'],
};
const KINDS = [
  ['employee', 82],
  ['volunteer', 4],
  ['worker', 4],
  ['trainee', 3],
  ['contractor', 2],
  ['governor', 5],
] as const;
const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15',
  'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36',
];

/**
 * Ids in the order they are made (UUID version 7: the time, then a counter, then random bits per
 * run), so rows inserted in that order fill the indexes at their ends instead of at random places.
 * On PGlite that is much faster once the tables outgrow its buffers.
 */
function orderedIds() {
  const time = Date.now().toString(16).padStart(12, '0');
  const tail = randomBytes(6).toString('hex');
  let counter = 0;
  const hex3 = (n: number) => n.toString(16).padStart(3, '0');
  return () => {
    const c = counter++;
    return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${hex3((c >>> 12) & 0xfff)}-8${hex3(c & 0xfff)}-${tail}`;
  };
}

/** Inserts rows with one json parameter per batch: `columns` gives each column's SQL type for json_to_recordset. */
async function bulkInsert(db: Db, table: string, columns: Record<string, string>, records: Record<string, unknown>[], batch = 4000) {
  const names = Object.keys(columns);
  const list = sql.raw(names.map((n) => `"${n}"`).join(', '));
  const types = sql.raw(names.map((n) => `"${n}" ${columns[n]}`).join(', '));
  for (let i = 0; i < records.length; i += batch) {
    const json = JSON.stringify(records.slice(i, i + batch));
    await db.execute(sql`insert into ${sql.raw(`"${table}"`)} (${list}) select ${list} from json_to_recordset(${json}::json) as x(${types})` as SQL);
  }
}

type Person = {
  id: string;
  full_name: string;
  email: string;
  kind: string;
  position: string;
  line_manager_id: string | null;
  start_date: string | null;
  end_date: string | null;
  schools: number[];
};

type Slot = {
  id: string;
  campaign_id: string;
  policy_id: string;
  version_id: string;
  person: Person;
  due_on: string;
  source: 'campaign' | 'onboarding' | 'resign';
  assigned_at: number;
  replaced_at: number | null;
  replaced_by_id: string | null;
  /** The latest moment it can have been signed: before it was replaced, before the person left, not in the future. */
  signable_until: number;
  reluctance: number;
  acknowledgement_id: string | null;
  signed_at: number | null;
};

type VersionPlan = {
  id: string;
  policyIndex: number;
  label: string;
  publishedAt: number;
  supersededAt: number | null;
  content: PolicyContent;
  sha: string;
  campaignId: string;
};

function policyContent(title: string, label: string): PolicyContent {
  return {
    ...emptyContent(),
    keyPoints: [`Read the whole of the ${title} before you sign it`, 'Report anything that worries you to the DSL straight away'],
    sections: [
      {
        id: 'purpose',
        number: '1.0',
        heading: 'Purpose',
        text: `This is ${title}, ${label}. It applies to everyone it is assigned to.`,
        topics: [],
        children: [],
      },
      {
        id: 'rules',
        number: '2.0',
        heading: 'What you must do',
        text: 'Lock your screen when you leave it. Use a strong password of three random words.',
        topics: ['passwords'],
        children: [],
      },
    ],
    agreementStatements: [`I have read the ${title}.`, 'I will follow it, and report any breach of it.'],
  };
}

/**
 * Generates a whole trust (see the top of this file). Returns its id and what was written. Runs
 * in one transaction: it is all there or none of it is.
 */
export async function generateTrust(db: Db, options: GenerateOptions = {}): Promise<GeneratedTrust> {
  const started = Date.now();
  let lap = started;
  const step = (what: string) => {
    const now = Date.now();
    options.log?.(`${what} in ${((now - lap) / 1000).toFixed(1)} s`);
    lap = now;
  };
  const o = {
    schools: options.schools ?? 50,
    people: options.people ?? 10_000,
    acknowledgements: options.acknowledgements ?? 200_000,
    // About 20 policies for the benchmark's trust; fewer for a small one, so most assignments are signed.
    policies: Math.min(
      options.policies ?? Math.max(3, Math.ceil((options.acknowledgements ?? 200_000) / (0.75 * (options.people ?? 10_000) * 1.4))),
      POLICY_TITLES.length,
    ),
    today: options.today ?? londonToday(),
    seed: options.seed ?? 20_260_901,
  };
  const rnd = randomFrom(o.seed);
  const nextId = orderedIds();
  const trustId = nextId();
  const slug = options.slug ?? `generated-${randomBytes(4).toString('hex')}`;
  const name = options.name ?? `Generated Learning Trust (${slug})`;
  // "Now" is late afternoon of `today`, or the real time if that is earlier, so nothing is in the future.
  const now = Math.min(Date.parse(`${o.today}T16:00:00Z`), o.today === londonToday() ? Date.now() : Number.POSITIVE_INFINITY);
  const yearAgo = now - 365 * DAY;
  const dateOf = (t: number) => new Date(t).toISOString().slice(0, 10);
  const iso = (t: number) => new Date(t).toISOString();

  // --- Schools and people --------------------------------------------------------------------
  const schoolRows = Array.from({ length: o.schools }, (_, i) => {
    const place = PLACES[i % PLACES.length] as string;
    const round = Math.floor(i / PLACES.length);
    const phase = i % 3 === 2 ? 'Academy' : 'Primary School';
    return {
      id: nextId(),
      slug: `school-${i + 1}`,
      name: `${place}${round ? ` ${round + 1}` : ''} ${phase}`,
      phase: phase === 'Academy' ? 'secondary' : 'primary',
      weight: 0.5 + rnd.next(),
    };
  });
  const nameOf = () => `${rnd.pick(FIRST)} ${rnd.pick(LAST)}`;
  const peopleRows: Person[] = [];
  const roles: { person_id: string; role: string; school_id: string | null }[] = [];
  const addPerson = (p: Omit<Person, 'id' | 'email' | 'full_name'> & { full_name?: string }) => {
    const i = peopleRows.length;
    const person: Person = { id: nextId(), full_name: p.full_name ?? nameOf(), email: `person.${i + 1}@${slug}.example`, ...p };
    peopleRows.push(person);
    return person;
  };
  // The central team: the CEO (trust admin), the DPO, the head of governance and IT.
  const central = Math.max(1, Math.round(o.people * 0.01));
  const ceo = addPerson({ kind: 'employee', position: 'Chief executive', line_manager_id: null, start_date: '2019-09-01', end_date: null, schools: [] });
  roles.push({ person_id: ceo.id, role: 'trust_admin', school_id: null });
  for (let i = 1; i < central && peopleRows.length < o.people; i++) {
    const p = addPerson({ kind: 'employee', position: 'Trust central team', line_manager_id: ceo.id, start_date: '2020-09-01', end_date: null, schools: [] });
    if (i === 1) roles.push({ person_id: p.id, role: 'dpo', school_id: null });
    if (i === 2) roles.push({ person_id: p.id, role: 'head_of_governance', school_id: null });
    if (i === 3) roles.push({ person_id: p.id, role: 'trust_admin', school_id: null });
  }
  // Each school: a head (reporting to the CEO), a few leaders reporting to the head, everyone else reporting to a leader.
  const totalWeight = schoolRows.reduce((s, x) => s + x.weight, 0);
  const leadersOf: Person[][] = schoolRows.map(() => []);
  const heads: Person[] = [];
  schoolRows.forEach((school, s) => {
    if (peopleRows.length >= o.people) return;
    const head = addPerson({ kind: 'employee', position: 'Head teacher', line_manager_id: ceo.id, start_date: '2018-09-01', end_date: null, schools: [s] });
    heads.push(head);
    roles.push({ person_id: head.id, role: 'head_teacher', school_id: school.id });
    const size = Math.max(2, Math.round(((o.people - central) * school.weight) / totalWeight));
    const leaders = Math.min(6, Math.max(1, Math.floor(size / 25)));
    for (let l = 0; l < leaders && peopleRows.length < o.people; l++) {
      const leader = addPerson({
        kind: 'employee',
        position: l === 0 ? 'Deputy head teacher' : 'Phase leader',
        line_manager_id: head.id,
        start_date: '2019-09-01',
        end_date: null,
        schools: [s],
      });
      leadersOf[s]?.push(leader);
      if (l === 0) roles.push({ person_id: leader.id, role: 'deputy_head', school_id: school.id });
      if (l === 1) roles.push({ person_id: leader.id, role: 'dsl', school_id: school.id });
    }
  });
  // Everyone else, spread over the schools by their size.
  const schoolPicker = schoolRows.map((x, i) => [i, x.weight] as const);
  while (peopleRows.length < o.people) {
    const s = rnd.weighted(schoolPicker);
    const kind = rnd.weighted(KINDS);
    const leaders = leadersOf[s] ?? [];
    const r = rnd.next();
    // 10% started in the last year; 3% have left (in the last year); 1% are leaving soon.
    const start = r < 0.1 ? dateOf(yearAgo + rnd.next() * 355 * DAY) : `20${rnd.int(10, 24)}-09-01`;
    const end =
      r > 0.97
        ? dateOf(Math.max(Date.parse(`${start}T12:00:00Z`) + 20 * DAY, yearAgo + rnd.next() * 360 * DAY))
        : r > 0.96
          ? addDays(o.today, rnd.int(5, 60))
          : null;
    const second = rnd.next() < 0.03 && schoolRows.length > 1 ? (s + 1 + rnd.int(0, schoolRows.length - 2)) % schoolRows.length : null;
    addPerson({
      kind,
      position: rnd.pick(POSITIONS[kind] ?? ['Staff']),
      line_manager_id: kind === 'governor' ? (heads[s]?.id ?? ceo.id) : leaders.length ? rnd.pick(leaders).id : (heads[s]?.id ?? ceo.id),
      start_date: start,
      end_date: end,
      schools: second === null ? [s] : [s, second],
    });
  }

  // --- Policies and versions -----------------------------------------------------------------
  const versions: VersionPlan[] = [];
  const policyRows = Array.from({ length: o.policies }, (_, q) => {
    const title = POLICY_TITLES[q] as string;
    const v1At = yearAgo + rnd.int(0, 30) * DAY + 9 * 3_600_000;
    // Two policies in five have had a material change in the last year: V1.0 superseded by V2.0.
    const v2At = q % 5 === 0 || q % 5 === 2 ? now - rnd.int(3, 200) * DAY - 6 * 3_600_000 : null;
    const c1 = policyContent(title, 'V1.0');
    versions.push({
      id: nextId(),
      policyIndex: q,
      label: 'V1.0',
      publishedAt: v1At,
      supersededAt: v2At,
      content: c1,
      sha: contentHash(c1),
      campaignId: nextId(),
    });
    if (v2At !== null) {
      const c2 = policyContent(title, 'V2.0');
      versions.push({
        id: nextId(),
        policyIndex: q,
        label: 'V2.0',
        publishedAt: v2At,
        supersededAt: null,
        content: c2,
        sha: contentHash(c2),
        campaignId: nextId(),
      });
    }
    const lastReviewed = dateOf(v2At ?? v1At);
    return { id: nextId(), title, slug: `policy-${q + 1}`, lastReviewed, nextReview: addDays(lastReviewed, 365), audienceSchools: [] as number[] };
  });
  // --- Who is assigned what ------------------------------------------------------------------
  // Each policy goes to everyone or to a set of schools covering about `share` of the people,
  // sized so there are enough assignments for the signatures asked for, with some still to sign.
  const startOf = (p: Person) => (p.start_date ? Date.parse(`${p.start_date}T08:30:00Z`) : 0);
  const endOf = (p: Person) => (p.end_date ? Date.parse(`${p.end_date}T17:00:00Z`) : Number.POSITIVE_INFINITY);
  const versionsOf = policyRows.map((_, q) => versions.filter((v) => v.policyIndex === q));
  const chooseAudiences = (share: number) =>
    policyRows.map((policy, q) => {
      // The first few policies go to everyone; the others to a random set of schools.
      const audience: number[] = [];
      if (share < 0.999 && q >= Math.floor(o.policies * share * 0.5)) {
        const order = schoolRows.map((_, i) => i).sort(() => rnd.next() - 0.5);
        let covered = 0;
        for (const s of order) {
          if (covered >= share * totalWeight) break;
          audience.push(s);
          covered += schoolRows[s]?.weight ?? 0;
        }
      }
      policy.audienceSchools = audience;
      return audience.length ? new Set(audience) : null;
    });
  /**
   * A person's assignments of one policy: of V1.0 when it was published (or, for a new starter,
   * on their first day), replaced by one of V2.0 when that was published. Each with the last
   * moment it can have been signed (before it was replaced, before they left, not in the future).
   */
  const plan = (person: Person, q: number, audience: Set<number> | null) => {
    if (audience && !person.schools.some((s) => audience.has(s))) return [];
    // Governors and contractors only sign the policies meant for everyone.
    if (audience && (person.kind === 'governor' || person.kind === 'contractor')) return [];
    const start = startOf(person);
    const end = endOf(person);
    const out: { version: VersionPlan; assignedAt: number; source: Slot['source']; signableUntil: number }[] = [];
    for (const version of versionsOf[q] ?? []) {
      const replacedAt = version.supersededAt ?? Number.POSITIVE_INFINITY;
      const assignedAt = out.length ? version.publishedAt : Math.max(version.publishedAt, start);
      if (!out.length && (assignedAt >= replacedAt || assignedAt >= end || assignedAt > now)) continue;
      const source = out.length ? 'resign' : start > version.publishedAt ? 'onboarding' : 'campaign';
      out.push({ version, assignedAt, source, signableUntil: Math.min(version.supersededAt ?? now, end, now) });
    }
    return out;
  };
  let share = Math.min(1, o.acknowledgements / (0.86 * o.people * versions.length));
  let audiences = chooseAudiences(share);
  for (let attempt = 0; attempt < 12; attempt++) {
    let total = 0;
    let signable = 0;
    for (const person of peopleRows)
      for (let q = 0; q < policyRows.length; q++)
        for (const a of plan(person, q, audiences[q] ?? null)) {
          total++;
          if (a.signableUntil > a.assignedAt) signable++;
        }
    if (signable >= o.acknowledgements && (total <= o.acknowledgements / 0.8 || share < 0.05)) break;
    if (signable < o.acknowledgements && share >= 1) break;
    share = signable < o.acknowledgements ? Math.min(1, share * 1.15) : share * 0.92;
    audiences = chooseAudiences(share);
  }
  // Built person by person, with ids in that order, so the indexes are filled mostly in order (fast on PGlite).
  const slots: Slot[] = [];
  for (const person of peopleRows)
    for (let q = 0; q < policyRows.length; q++) {
      let previous: Slot | null = null;
      for (const a of plan(person, q, audiences[q] ?? null)) {
        const slot: Slot = {
          id: nextId(),
          campaign_id: a.version.campaignId,
          policy_id: policyRows[q]?.id as string,
          version_id: a.version.id,
          person,
          due_on: dateOf(a.assignedAt + 28 * DAY),
          source: a.source,
          assigned_at: a.assignedAt,
          replaced_at: a.version.supersededAt,
          replaced_by_id: null,
          signable_until: a.signableUntil,
          // Old versions were nearly all signed; the newest re-signing rounds are the ones still going.
          reluctance:
            rnd.next() +
            (a.version.supersededAt ? -0.35 : a.source === 'resign' ? 0.2 : 0) +
            (person.kind === 'volunteer' || person.kind === 'worker' ? 0.15 : 0),
          acknowledgement_id: null,
          signed_at: null,
        };
        if (previous) previous.replaced_by_id = slot.id;
        slots.push(slot);
        previous = slot;
      }
    }
  const candidates = slots.filter((s) => s.signable_until > s.assigned_at).sort((a, b) => a.reluctance - b.reluctance);
  if (candidates.length < o.acknowledgements)
    throw new Error(
      `${o.people} people and ${o.policies} policies can hold at most ${candidates.length} signatures, fewer than the ${o.acknowledgements} asked for`,
    );
  // The least reluctant sign, a few days after being asked (most within the first fortnight).
  const chosen = candidates.slice(0, o.acknowledgements);
  for (const slot of chosen) {
    const window = slot.signable_until - slot.assigned_at;
    const delay = Math.min(window * rnd.next(), -Math.log(1 - rnd.next() * 0.999) * 6 * DAY + rnd.next() * 8 * 3_600_000);
    slot.signed_at = Math.floor(slot.assigned_at + Math.max(60_000, Math.min(delay, window - 1000)));
  }
  step(`planned ${slots.length} assignments`);
  // --- The signatures, as a hash chain in the order they were given --------------------------
  const schoolNames = new Map(
    peopleRows.map((p) => [
      p.id,
      p.schools
        .map((s) => schoolRows[s]?.name as string)
        .sort()
        .join(', '),
    ]),
  );
  const versionById = new Map(versions.map((v) => [v.id, v]));
  const policyById = new Map(policyRows.map((p) => [p.id, p]));
  chosen.sort((a, b) => (a.signed_at as number) - (b.signed_at as number));
  for (const slot of chosen) slot.acknowledgement_id = nextId();
  let prevHash = GENESIS_HASH;
  const ackRows: Record<string, unknown>[] = [];
  chosen.forEach((slot, i) => {
    const version = versionById.get(slot.version_id) as VersionPlan;
    const imported = (slot.signed_at as number) < yearAgo + 45 * DAY && i % 3 === 0;
    const method: AuthMethod = imported ? 'imported' : 'magic_link';
    const evidence: Evidence = {
      id: slot.acknowledgement_id as string,
      trustId,
      seq: i + 1,
      assignmentId: slot.id,
      personId: slot.person.id,
      personName: slot.person.full_name,
      personEmail: slot.person.email,
      schoolNames: schoolNames.get(slot.person.id) as string,
      policyId: slot.policy_id,
      versionId: slot.version_id,
      policyTitle: policyById.get(slot.policy_id)?.title as string,
      versionLabel: version.label,
      contentSha256: version.sha,
      declarationText: version.content.declaration.wording,
      statements: version.content.agreementStatements,
      typedName: slot.person.full_name,
      position: slot.person.position,
      signedAt: new Date(slot.signed_at as number),
      authMethod: method,
      ip: imported ? null : `203.0.113.${(i % 250) + 1}`,
      userAgent: imported ? null : (BROWSERS[i % BROWSERS.length] as string),
      recordedById: null,
      recordedByName: null,
      proxyNote: imported ? 'Imported from the school’s signed paper forms' : null,
      scanId: null,
      scanSha256: null,
      imported,
      prevHash,
    };
    const hash = chainHash(evidence);
    ackRows.push({
      id: evidence.id,
      trust_id: trustId,
      seq: evidence.seq,
      assignment_id: evidence.assignmentId,
      person_id: evidence.personId,
      person_name: evidence.personName,
      person_email: evidence.personEmail,
      school_names: evidence.schoolNames,
      policy_id: evidence.policyId,
      version_id: evidence.versionId,
      policy_title: evidence.policyTitle,
      version_label: evidence.versionLabel,
      content_sha256: evidence.contentSha256,
      declaration_text: evidence.declarationText,
      statements: evidence.statements,
      typed_name: evidence.typedName,
      position: evidence.position,
      signed_at: iso(slot.signed_at as number),
      auth_method: method,
      ip: evidence.ip,
      user_agent: evidence.userAgent,
      proxy_note: evidence.proxyNote,
      imported,
      prev_hash: prevHash,
      hash,
      created_at: iso(slot.signed_at as number),
    });
    prevHash = hash;
  });
  step(`computed the hash chain of ${ackRows.length} signatures`);
  // --- Write it all --------------------------------------------------------------------------
  await transaction(db, async (tx) => {
    // As pg_restore --disable-triggers does: the rows are built consistent with each other, so
    // checking every foreign key row by row (a third of the time on PGlite) is skipped, for this
    // transaction only, where the database allows it (it needs a superuser, as PGlite and the
    // benchmark's throwaway PostgreSQL are). No trigger fires on INSERT into these tables otherwise.
    const [su] = await rows<{ on: boolean }>(tx, sql`select current_setting('is_superuser') = 'on' as on`);
    if (su?.on) await tx.execute(sql`set local session_replication_role = replica`);
    await tx.execute(sql`insert into trusts (id, slug, name) values (${trustId}, ${slug}, ${name})`);
    await bulkInsert(
      tx,
      'schools',
      { id: 'uuid', trust_id: 'uuid', slug: 'text', name: 'text', phase: 'text' },
      schoolRows.map(({ weight: _, ...s }) => ({ ...s, trust_id: trustId })),
    );
    // Line managers are inserted before their reports (the list is built in that order), as the foreign key needs.
    await bulkInsert(
      tx,
      'people',
      {
        id: 'uuid',
        trust_id: 'uuid',
        email: 'text',
        full_name: 'text',
        kind: 'text',
        position: 'text',
        line_manager_id: 'uuid',
        start_date: 'date',
        end_date: 'date',
      },
      peopleRows.map(({ schools: _, ...p }) => ({ ...p, trust_id: trustId })),
    );
    await bulkInsert(
      tx,
      'person_schools',
      { trust_id: 'uuid', person_id: 'uuid', school_id: 'uuid' },
      peopleRows.flatMap((p) => p.schools.map((s) => ({ trust_id: trustId, person_id: p.id, school_id: schoolRows[s]?.id }))),
    );
    await bulkInsert(
      tx,
      'role_assignments',
      { trust_id: 'uuid', person_id: 'uuid', role: 'text', school_id: 'uuid' },
      roles.map((r) => ({ ...r, trust_id: trustId })),
    );
    step(`wrote ${schoolRows.length} schools and ${peopleRows.length} people`);
    await bulkInsert(
      tx,
      'policies',
      {
        id: 'uuid',
        trust_id: 'uuid',
        slug: 'text',
        title: 'text',
        approver_body: 'text',
        owner_role: 'text',
        review_cycle_months: 'int',
        last_reviewed_on: 'date',
        next_review_on: 'date',
      },
      policyRows.map((p) => ({
        id: p.id,
        trust_id: trustId,
        slug: p.slug,
        title: p.title,
        approver_body: 'Board of Trustees',
        owner_role: 'head_of_governance',
        review_cycle_months: 12,
        last_reviewed_on: p.lastReviewed,
        next_review_on: p.nextReview,
      })),
    );
    await bulkInsert(
      tx,
      'policy_versions',
      {
        id: 'uuid',
        trust_id: 'uuid',
        policy_id: 'uuid',
        label: 'text',
        status: 'text',
        content: 'jsonb',
        content_sha256: 'text',
        material: 'boolean',
        material_reason: 'text',
        approved_at: 'timestamptz',
        approval_body: 'text',
        published_at: 'timestamptz',
        effective_from: 'date',
        superseded_at: 'timestamptz',
        created_at: 'timestamptz',
        updated_at: 'timestamptz',
      },
      versions.map((v) => ({
        id: v.id,
        trust_id: trustId,
        policy_id: policyRows[v.policyIndex]?.id,
        label: v.label,
        status: v.supersededAt ? 'superseded' : 'published',
        content: v.content,
        content_sha256: v.sha,
        material: true,
        material_reason: v.label === 'V1.0' ? 'First version' : 'New rules everyone must agree to',
        approved_at: iso(v.publishedAt - 7 * DAY),
        approval_body: 'Board of Trustees',
        published_at: iso(v.publishedAt),
        effective_from: dateOf(v.publishedAt),
        superseded_at: v.supersededAt ? iso(v.supersededAt) : null,
        created_at: iso(v.publishedAt - 30 * DAY),
        updated_at: iso(v.supersededAt ?? v.publishedAt),
      })),
    );
    await bulkInsert(
      tx,
      'campaigns',
      {
        id: 'uuid',
        trust_id: 'uuid',
        policy_id: 'uuid',
        version_id: 'uuid',
        audience: 'jsonb',
        due_on: 'date',
        onboarding_days: 'int',
        previous_campaign_id: 'uuid',
        created_by: 'uuid',
        created_at: 'timestamptz',
        closed_at: 'timestamptz',
        closed_reason: 'text',
      },
      versions.map((v) => {
        const policy = policyRows[v.policyIndex];
        const audience: Audience = {
          everyone: !policy?.audienceSchools.length,
          schoolIds: (policy?.audienceSchools ?? []).map((s) => schoolRows[s]?.id as string),
          kinds: [],
          roles: [],
          personIds: [],
        };
        const previous = v.label === 'V2.0' ? versions.find((x) => x.policyIndex === v.policyIndex && x.label === 'V1.0') : undefined;
        return {
          id: v.campaignId,
          trust_id: trustId,
          policy_id: policy?.id,
          version_id: v.id,
          audience,
          due_on: dateOf(v.publishedAt + 28 * DAY),
          onboarding_days: 28,
          previous_campaign_id: previous?.campaignId ?? null,
          created_by: ceo.id,
          created_at: iso(v.publishedAt),
          closed_at: v.supersededAt ? iso(v.supersededAt) : null,
          closed_reason: v.supersededAt ? 'Continued on V2.0' : null,
        };
      }),
    );
    await bulkInsert(
      tx,
      'assignments',
      {
        id: 'uuid',
        trust_id: 'uuid',
        campaign_id: 'uuid',
        policy_id: 'uuid',
        version_id: 'uuid',
        person_id: 'uuid',
        due_on: 'date',
        source: 'text',
        assigned_at: 'timestamptz',
        assigned_by: 'uuid',
        acknowledgement_id: 'uuid',
        signed_at: 'timestamptz',
        replaced_at: 'timestamptz',
        replaced_by_id: 'uuid',
      },
      slots.map((s) => ({
        id: s.id,
        trust_id: trustId,
        campaign_id: s.campaign_id,
        policy_id: s.policy_id,
        version_id: s.version_id,
        person_id: s.person.id,
        due_on: s.due_on,
        source: s.source,
        assigned_at: iso(s.assigned_at),
        assigned_by: s.source === 'onboarding' ? null : ceo.id,
        acknowledgement_id: s.acknowledgement_id,
        signed_at: s.signed_at === null ? null : iso(s.signed_at),
        replaced_at: s.replaced_at === null ? null : iso(s.replaced_at),
        replaced_by_id: s.replaced_by_id,
      })),
    );
    step(`wrote ${slots.length} assignments`);
    await bulkInsert(
      tx,
      'acknowledgements',
      {
        id: 'uuid',
        trust_id: 'uuid',
        seq: 'bigint',
        assignment_id: 'uuid',
        person_id: 'uuid',
        person_name: 'text',
        person_email: 'text',
        school_names: 'text',
        policy_id: 'uuid',
        version_id: 'uuid',
        policy_title: 'text',
        version_label: 'text',
        content_sha256: 'text',
        declaration_text: 'text',
        statements: 'jsonb',
        typed_name: 'text',
        position: 'text',
        signed_at: 'timestamptz',
        auth_method: 'text',
        ip: 'text',
        user_agent: 'text',
        proxy_note: 'text',
        imported: 'boolean',
        prev_hash: 'text',
        hash: 'text',
        created_at: 'timestamptz',
      },
      ackRows,
      2500,
    );
    await tx.execute(sql`insert into chain_heads (trust_id, last_seq, last_hash) values (${trustId}, ${ackRows.length}, ${prevHash})`);
    step(`wrote ${ackRows.length} signatures`);
  });
  // Fresh statistics, so the planner knows the tables are no longer nearly empty.
  await db.execute(
    sql`analyze trusts, schools, people, person_schools, role_assignments, policies, policy_versions, campaigns, assignments, acknowledgements, chain_heads`,
  );
  step('updated the planner’s statistics');
  return {
    trustId,
    slug,
    adminEmail: ceo.email,
    schools: schoolRows.length,
    people: peopleRows.length,
    policies: policyRows.length,
    assignments: slots.length,
    acknowledgements: ackRows.length,
    milliseconds: Date.now() - started,
  };
}
