import type { Role } from '../organisations/roles.ts';

/**
 * The concern types and who each is routed to: the one routing table (PRODUCT §5, from the
 * seeds' "report it immediately to…" rules). The admin page /concerns/routing renders it, the
 * API's /concern-types returns it, and routing.ts follows it. ADR 0009 explains the choices.
 */

/** Who may read a concern, fixed by its type (see access.ts). */
export const CONFIDENTIALITY = {
  safeguarding: {
    label: 'Safeguarding: the DSL team only',
    school: ['dsl', 'deputy_dsl'],
    trust: ['dsl', 'deputy_dsl'],
    restricted: true,
  },
  staff: {
    label: 'About a member of staff: the head teacher and HR lead only',
    school: ['head_teacher'],
    trust: ['hr_lead'],
    restricted: true,
  },
  breach: {
    label: 'Data breach: the DPL and DPO',
    school: ['dpl'],
    trust: ['dpo'],
    restricted: true,
  },
  general: {
    label: 'IT and school leaders',
    school: ['it_services', 'head_teacher', 'deputy_head', 'slt'],
    trust: ['it_services', 'trust_admin', 'slt'],
    restricted: false,
  },
} as const satisfies Record<string, { label: string; school: Role[]; trust: Role[]; restricted: boolean }>;
export type Confidentiality = keyof typeof CONFIDENTIALITY;

/**
 * A routing rule. `role`: holders of the role at the concern's school, else trust-wide holders,
 * else holders of `fallback` at the school. `line_manager`: the reporter's line manager.
 * `staff_conduct`: the reporter's line manager, unless absent or named in the report, then the
 * deputy head, then the head teacher, then the trust's HR lead (never someone the report is about).
 */
export type RouteRule = { to: 'role'; role: Role; trustOnly?: boolean; fallback?: Role } | { to: 'line_manager' } | { to: 'staff_conduct' };

export type ConcernType = {
  label: string;
  hint: string;
  group: 'safeguarding' | 'data' | 'devices' | 'conduct';
  confidentiality: Confidentiality;
  /** Urgent types are emailed at once; the rest go in the daily digest. */
  urgent: boolean;
  routes: RouteRule[];
  /** Plain words for who is told, shown on the form and the routing page. */
  routedTo: string;
  /** False where attaching copies would itself be wrong (suspected illegal images). */
  attachments: boolean;
  /** At least one person from the directory must be named as the subject. */
  needsSubject?: boolean;
};

const DSL_TEAM: RouteRule[] = [
  { to: 'role', role: 'dsl' },
  { to: 'role', role: 'deputy_dsl' },
];

export const CONCERN_TYPES: Record<
  | 'harmful_content'
  | 'illegal_content'
  | 'pupil_contact'
  | 'cyberbullying'
  | 'home_learning'
  | 'data_breach'
  | 'device_lost'
  | 'cyber_security'
  | 'staff_conduct'
  | 'safeguard_failure'
  | 'damage_fault',
  ConcernType
> = {
  harmful_content: {
    label: 'Inappropriate or harmful material found',
    hint: 'Content a pupil or adult saw, made or shared that worries you.',
    group: 'safeguarding',
    confidentiality: 'safeguarding',
    urgent: true,
    routes: DSL_TEAM,
    routedTo: 'The DSL team',
    attachments: true,
  },
  illegal_content: {
    label: 'Suspected illegal content',
    hint: 'For example indecent images of children. Do not open, copy, screenshot or forward it: leave the device as it is.',
    group: 'safeguarding',
    confidentiality: 'safeguarding',
    urgent: true,
    routes: DSL_TEAM,
    routedTo: 'The DSL team',
    attachments: false,
  },
  pupil_contact: {
    label: 'Inappropriate contact with or by a pupil',
    hint: 'Messages, friend requests or contact outside school systems.',
    group: 'safeguarding',
    confidentiality: 'safeguarding',
    urgent: true,
    routes: DSL_TEAM,
    routedTo: 'The DSL team',
    attachments: true,
  },
  cyberbullying: {
    label: 'Cyberbullying',
    hint: 'Bullying by message, social media, games or any other online means.',
    group: 'safeguarding',
    confidentiality: 'safeguarding',
    urgent: true,
    routes: DSL_TEAM,
    routedTo: 'The DSL team',
    attachments: true,
  },
  home_learning: {
    label: 'Remote or home learning compromised',
    hint: 'An unknown person in a live lesson, a shared link misused, a pupil at risk at home.',
    group: 'safeguarding',
    confidentiality: 'safeguarding',
    urgent: true,
    routes: DSL_TEAM,
    routedTo: 'The DSL team',
    attachments: true,
  },
  data_breach: {
    label: 'Personal data breach',
    hint: 'Personal data sent to the wrong person, seen by someone who should not see it, lost or changed.',
    group: 'data',
    confidentiality: 'breach',
    urgent: true,
    routes: [{ to: 'role', role: 'dpl' }, { to: 'role', role: 'dpo', trustOnly: true }, { to: 'line_manager' }],
    routedTo: "The school's DPL and the trust's DPO; your line manager is told",
    attachments: true,
  },
  device_lost: {
    label: 'Device lost or stolen',
    hint: 'A school laptop, tablet, phone or memory stick, or a personal device with school data on it.',
    group: 'devices',
    confidentiality: 'general',
    urgent: true,
    routes: [
      { to: 'role', role: 'it_services' },
      { to: 'role', role: 'head_teacher' },
    ],
    routedTo: 'IT services and the head teacher',
    attachments: true,
  },
  cyber_security: {
    label: 'Phishing, a compromised account or a virus',
    hint: 'You opened a suspicious link or attachment, someone else used your account, or a device shows signs of a virus.',
    group: 'devices',
    confidentiality: 'general',
    urgent: true,
    routes: [
      { to: 'role', role: 'it_services' },
      { to: 'role', role: 'slt', fallback: 'head_teacher' },
    ],
    routedTo: 'IT services and the senior leadership team',
    attachments: true,
  },
  staff_conduct: {
    label: 'Misuse or unprofessional conduct by a member of staff',
    hint: 'Name the member of staff. It goes to your line manager, or to the deputy head or head teacher if your line manager is away or is the person it is about.',
    group: 'conduct',
    confidentiality: 'staff',
    urgent: true,
    routes: [{ to: 'staff_conduct' }],
    routedTo: 'Your line manager, or the deputy head or head teacher',
    attachments: true,
    needsSubject: true,
  },
  safeguard_failure: {
    label: 'Filtering or another safeguard failed',
    hint: 'A site that should be blocked was not, monitoring stopped, or a protection was switched off.',
    group: 'safeguarding',
    confidentiality: 'general',
    urgent: true,
    routes: [
      { to: 'role', role: 'it_services' },
      { to: 'role', role: 'dsl' },
    ],
    routedTo: 'IT services and the DSL',
    attachments: true,
  },
  damage_fault: {
    label: 'Damage or a fault with equipment',
    hint: 'Broken, damaged or faulty equipment. For anything lost or stolen, choose "Device lost or stolen".',
    group: 'devices',
    confidentiality: 'general',
    urgent: false,
    routes: [{ to: 'role', role: 'it_services' }],
    routedTo: 'IT services (in a daily summary)',
    attachments: true,
  },
};

export type ConcernTypeCode = keyof typeof CONCERN_TYPES;
export const CONCERN_TYPE_CODES = Object.keys(CONCERN_TYPES) as ConcernTypeCode[];
export const isConcernType = (v: unknown): v is ConcernTypeCode => typeof v === 'string' && v in CONCERN_TYPES;
export const concernType = (code: ConcernTypeCode): ConcernType => CONCERN_TYPES[code];
export const typeLabel = (code: string) => (isConcernType(code) ? CONCERN_TYPES[code].label : code);

/** Types the online-safety logbook lists: everything with a safeguarding side. */
export const LOGBOOK_TYPES = CONCERN_TYPE_CODES.filter((c) => CONCERN_TYPES[c].group === 'safeguarding');

export const CONCERN_STATUSES = {
  new: { label: 'New', tone: 'grey' },
  acknowledged: { label: 'Acknowledged', tone: 'blue' },
  in_progress: { label: 'In progress', tone: 'blue' },
  closed: { label: 'Closed', tone: 'green' },
} as const;
export type ConcernStatus = keyof typeof CONCERN_STATUSES;

/** The allowed moves: one step at a time; a closed concern can be reopened (with a reason). */
export const STATUS_MOVES: Record<ConcernStatus, ConcernStatus[]> = {
  new: ['acknowledged'],
  acknowledged: ['in_progress'],
  in_progress: ['closed'],
  closed: ['in_progress'],
};

/** How a concern ended. KCSIE asks for the reasons too, including for a decision not to refer. */
export const OUTCOMES = {
  no_further_action: 'No further action',
  resolved_in_school: 'Resolved in school',
  referred_children_social_care: "Referred to children's social care",
  referred_police: 'Referred to the police',
  referred_lado: 'Referred to the LADO',
  referred_prevent: 'Referred to Prevent',
  reported_ico: 'Reported to the ICO',
  disciplinary: 'Disciplinary process started',
  fixed: 'Fixed or replaced',
  other: 'Other (explained in the reasons)',
} as const;
export type Outcome = keyof typeof OUTCOMES;
