import { and, asc, count, eq, isNull } from 'drizzle-orm';
import PDFDocument from 'pdfkit';
import type { Ctx } from '../../src/context.ts';
import type { Db } from '../../src/db/client.ts';
import { applyImport, previewImport } from '../../src/modules/acknowledgements/import/service.ts';
import { assignments, campaigns } from '../../src/modules/acknowledgements/schema.ts';
import { addDays, createCampaign, isCurrentAssignment, recordPaperSignature, signAssignment } from '../../src/modules/acknowledgements/service.ts';
import type { PersonActor } from '../../src/modules/auth/actor.ts';
import { loadRoleGrants, personSchoolIds } from '../../src/modules/organisations/repository.ts';
import { people, schools } from '../../src/modules/organisations/schema.ts';
import { type Clause, contentSchema, type PolicyContent } from '../../src/modules/policies/content.ts';
import { policies, policyVersions } from '../../src/modules/policies/schema.ts';
import { approveVersion, createPolicy, publishVersion, saveDraftContent } from '../../src/modules/policies/service.ts';
import { londonToday } from '../../src/ui/format.ts';

/*
 * The demo's agreements, made the way a trust would make them, through the same services as the
 * pages, so every signature is a real, chained record and the evidence check passes:
 *   - the trust's staff agreement assigned to all staff, new starters included, due in three weeks;
 *   - a few signatures from last September's paper sheets, brought in with the import;
 *   - about two thirds of staff signed online, each as themselves through an email sign-in link;
 *   - one volunteer's paper form, recorded with its scan by their head teacher;
 *   - Oakfield Primary's own laptop agreement, overdue for a handful of its staff.
 * Ellie Ward (the teacher persona) has both still to sign, so the demo shows the signing journey;
 * the other personas have signed, so they have certificates to download.
 * Signing times are the moment the seed runs: the services record "now", and the demo does not
 * fake evidence by writing rows itself.
 */

const STAFF_KINDS = ['employee', 'volunteer', 'worker', 'trainee', 'contractor', 'pre_employment'];

/** Fictional addresses (the documentation ranges) and the browsers staff commonly use. */
const IPS = ['203.0.113.24', '203.0.113.87', '198.51.100.14', '198.51.100.203', '192.0.2.61'];
const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
];

/** People with a persona on the sign-in page who should have certificates to show. */
const SIGNED_PERSONAS = ['amara.okafor', 'david.hughes', 'priya.shah', 'tom.fletcher', 'kwame.mensah'];
/** Ellie Ward, the teacher persona: her agreements are left for the demo's visitor to sign. */
const UNSIGNED = ['ellie.ward'];
/** Signed at the September INSET on paper, before the trust used Countersign: imported. */
const FROM_SEPTEMBER_SHEETS = [
  { who: 'rachel.bennett', on: '2026-09-01', note: 'Brookside INSET sign-in sheet, filed in the HR office' },
  { who: 'margaret.okonjo', on: '2026-09-02', note: 'Hollins Park INSET sign-in sheet' },
  { who: 'fiona.gallagher', on: '2026-09-01', note: 'Brookside INSET sign-in sheet, filed in the HR office' },
];
/** A volunteer without a school account signed on paper; the head teacher records it. */
const ON_PAPER = 'joe.kirby';

const clause = (id: string, number: string, heading: string | null, text: string, topics: Clause['topics'] = [], children: Clause[] = []): Clause => ({
  id,
  number,
  heading,
  text,
  topics,
  children,
});

// Oakfield Primary's own agreement for staff laptops, written for the demo.
const LAPTOP_CONTENT: PolicyContent = {
  keyPoints: [
    'Your school laptop is for your school work: keep it with you or locked away, and never leave it in a car.',
    'Keep school data in the trust’s cloud storage, not saved on the laptop itself.',
    'Tell the school office the same day if the laptop is lost, stolen or damaged.',
  ],
  sections: [
    clause(
      'scope',
      '1',
      'Who this covers',
      'Every member of staff at Oakfield Primary School who has a school laptop to take home, including for marking, planning and remote working.',
    ),
    clause(
      'care',
      '2',
      'Looking after the laptop',
      '',
      ['personal devices'],
      [
        clause('care-1', '2.1', null, 'Carry the laptop in its case, keep it away from food and drink, and do not leave it unattended in public.', [
          'personal devices',
        ]),
        clause('care-2', '2.2', null, 'Only you may use it: not family members or friends, even briefly.', ['personal use']),
      ],
    ),
    clause(
      'remote',
      '3',
      'Working away from school',
      '',
      ['remote access', 'data protection'],
      [
        clause('remote-1', '3.1', null, 'Use a secure home network or your phone’s hotspot; avoid public wifi for anything involving pupils.', [
          'remote access',
        ]),
        clause('remote-2', '3.2', null, 'Position the screen so that nobody else can read pupils’ information, and lock it when you step away.', [
          'data protection',
        ]),
        clause('remote-3', '3.3', null, 'Save work to the trust’s cloud storage. Do not copy school data to the laptop’s own drive or to a USB stick.', [
          'cloud services',
          'removable media',
        ]),
      ],
    ),
    clause('return', '4', 'Returning the laptop', 'Return the laptop with its charger within 72 hours when the school asks, and on your last day.', []),
  ],
  agreementStatements: [
    'I will keep the laptop secure and will not let anyone else use it.',
    'I will keep school data in the trust’s cloud storage, not on the laptop or a USB stick.',
    'I will report loss, theft or damage to the school office on the same day.',
    'I will return the laptop and its charger within 72 hours when asked.',
  ],
  declaration: {
    wording: 'I have read this agreement and will look after my school laptop as it describes.',
    fields: ['Name', 'Position', 'Signature', 'Date'],
  },
};

type StaffMember = { id: string; fullName: string; email: string; position: string | null };

/** A service context acting as one person, signed in by an email link, from their own browser. */
async function actingAs(db: Db, trustId: string, person: StaffMember, n: number): Promise<Ctx> {
  const actor: PersonActor = {
    type: 'person',
    trustId,
    personId: person.id,
    name: person.fullName,
    email: person.email,
    roles: await loadRoleGrants(db, trustId, person.id),
    schoolIds: await personSchoolIds(db, trustId, person.id),
    authMethod: 'magic_link',
  };
  return { db, actor, baseUrl: '', ip: IPS[n % IPS.length] as string, userAgent: BROWSERS[n % BROWSERS.length] as string };
}

/** The scan of a signed paper form: a one-page PDF, as a scanner would make. */
function paperFormScan(lines: string[]): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 56, info: { Title: 'Scanned signature form', Creator: 'Countersign demo' } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc
    .font('Helvetica-Bold')
    .fontSize(16)
    .text(lines[0] ?? '');
  doc.moveDown();
  doc.font('Helvetica').fontSize(11);
  for (const line of lines.slice(1)) doc.text(line).moveDown(0.5);
  doc.end();
  return done;
}

const statementsOf = (content: PolicyContent) => content.agreementStatements.map((_, i) => String(i));

const campaignForm = (dueOn: string, audience: Record<string, string | string[]>) => ({
  audience: 'filtered',
  ...audience,
  dueOn,
  onboarding: 'yes',
  onboardingDays: '14',
  reminderDaysBefore: '7, 1, 0',
  overdueEveryDays: '7',
  escalateManagerAfterDays: '7',
  escalateHeadAfterDays: '14',
  resignDays: '28',
});

/** The current, unsigned assignments of a policy, in the order people were added to the trust. */
async function openAssignments(db: Db, trustId: string, policyId: string) {
  return db
    .select({ id: assignments.id, person: { id: people.id, fullName: people.fullName, email: people.email, position: people.position } })
    .from(assignments)
    .innerJoin(people, and(eq(people.trustId, assignments.trustId), eq(people.id, assignments.personId)))
    .where(and(eq(assignments.trustId, trustId), eq(assignments.policyId, policyId), isCurrentAssignment, isNull(assignments.acknowledgementId)))
    .orderBy(asc(people.createdAt), asc(people.id));
}

/** A CSV cell, quoted when it holds a comma, a quote or a line break. */
const csvCell = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

const handle = (email: string) => email.split('@')[0] as string;

/**
 * Assigns and signs the demo's agreements. Called by seedDemo once, on the database it has just
 * filled (seedDemo does nothing when a trust exists, so this never runs twice).
 */
export async function seedDemoAgreements(db: Db, trustId: string, today = londonToday()) {
  const staff = await db
    .select({ id: people.id, fullName: people.fullName, email: people.email, position: people.position })
    .from(people)
    .where(eq(people.trustId, trustId));
  const byHandle = new Map(staff.map((p) => [handle(p.email), p]));
  const person = (h: string) => {
    const found = byHandle.get(h);
    if (!found) throw new Error(`demo person ${h} is missing`);
    return found;
  };
  const [aup] = await db
    .select()
    .from(policies)
    .where(and(eq(policies.trustId, trustId), eq(policies.slug, 'staff-ict-aup')));
  const [aupVersion] = aup
    ? await db
        .select({ content: policyVersions.content })
        .from(policyVersions)
        .where(and(eq(policyVersions.trustId, trustId), eq(policyVersions.policyId, aup.id), eq(policyVersions.status, 'published')))
    : [];
  if (!aup || !aupVersion) throw new Error('the demo staff agreement is missing');
  let n = 0;
  const admin = await actingAs(db, trustId, person('amara.okafor'), n++);

  // 1. The staff agreement, for every member of staff (governors, trustees and visitors sign their own codes).
  await createCampaign(admin, aup.id, campaignForm(addDays(today, 21), { kinds: STAFF_KINDS }), today);

  // 2. Last September's paper sheets, through the import (their dates are the dates on the sheets).
  const sheet = [
    'email,policy,version,signed_on,position,note',
    ...FROM_SEPTEMBER_SHEETS.map((s) => {
      const p = person(s.who);
      return [p.email, 'staff-ict-aup', 'V1.0', [s.on, today].sort()[0] as string, p.position ?? '', s.note].map(csvCell).join(',');
    }),
  ].join('\r\n');
  const preview = await previewImport(admin, { fileName: 'inset-sign-in-sheets-september.csv', content: Buffer.from(`${sheet}\r\n`) });
  if (!preview.batchId) throw new Error(`the demo import did not check out: ${JSON.stringify(preview.plan.rowErrors)}`);
  await applyImport(admin, preview.batchId);

  // 3. Joe Kirby's paper form, recorded by his head teacher with the scan.
  const head = await actingAs(db, trustId, person('david.hughes'), n++);
  const joe = person(ON_PAPER);
  const paperOn = addDays(today, -6);
  const [joesAssignment] = (await openAssignments(db, trustId, aup.id)).filter((a) => a.person.id === joe.id);
  if (!joesAssignment) throw new Error('Joe Kirby has no assignment of the staff agreement');
  await recordPaperSignature(
    head,
    joesAssignment.id,
    {
      typedName: joe.fullName,
      position: joe.position ?? 'Volunteer',
      signedOn: paperOn,
      proxyNote: 'Signed on paper at his volunteer induction: volunteers have no school computer account.',
    },
    {
      fileName: 'joe-kirby-staff-agreement.pdf',
      bytes: await paperFormScan([
        'Oakfield Learning Trust - Staff ICT Acceptable Use Agreement (V1.0)',
        'I have read and understand this agreement and will follow it.',
        `Name: ${joe.fullName}`,
        `Position: ${joe.position ?? 'Volunteer'}`,
        'Signature: J. Kirby',
        `Date: ${paperOn}`,
      ]),
    },
    today,
  );

  // 4. Online signatures, until two thirds of everyone assigned has signed: the personas with
  // certificates first, then two in every three of the rest, so the unsigned are spread across schools.
  const [{ total } = { total: 0 }] = await db
    .select({ total: count() })
    .from(assignments)
    .where(and(eq(assignments.trustId, trustId), eq(assignments.policyId, aup.id), isCurrentAssignment));
  const open = await openAssignments(db, trustId, aup.id);
  const already = total - open.length;
  const first = open.filter((a) => SIGNED_PERSONAS.includes(handle(a.person.email)));
  const rest = open.filter((a) => !SIGNED_PERSONAS.includes(handle(a.person.email)) && !UNSIGNED.includes(handle(a.person.email)));
  const signers = [...first, ...rest.filter((_, i) => i % 3 !== 2)].slice(0, Math.max(first.length, Math.round((total * 2) / 3) - already));
  const statements = statementsOf(contentSchema.parse(aupVersion.content));
  for (const a of signers) {
    const ctx = await actingAs(db, trustId, a.person, n++);
    await signAssignment(ctx, a.id, { typedName: a.person.fullName, position: a.person.position ?? 'Staff', statements });
  }

  // 5. Oakfield Primary's own laptop agreement, made and assigned by its head teacher.
  const [oakfield] = await db
    .select({ id: schools.id })
    .from(schools)
    .where(and(eq(schools.trustId, trustId), eq(schools.slug, 'oakfield-primary')));
  if (!oakfield) throw new Error('the demo school is missing');
  const { policy: laptop, draft } = await createPolicy(head, {
    title: 'Staff Laptop and Remote Working Agreement',
    slug: 'oakfield-staff-laptops',
    scope: oakfield.id,
    category: 'internal',
    statutory: '',
    reviewCycleMonths: '12',
    approverBody: 'Local Governing Body',
    relatedPolicies: 'Staff ICT Acceptable Use Agreement',
    audienceKinds: ['employee'],
  });
  await saveDraftContent(head, laptop.id, draft.id, LAPTOP_CONTENT, 'Wrote the agreement for the new staff laptops');
  await approveVersion(head, laptop.id, draft.id, { approvalBody: 'Local Governing Body', approvalMinutesRef: 'LGB, October meeting' });
  await publishVersion(head, laptop.id, draft.id, {
    effectiveFrom: addDays(today, -30),
    change: 'material',
    materialReason: 'The school’s first agreement for staff laptops',
  });
  const { campaign } = await createCampaign(
    head,
    laptop.id,
    campaignForm(addDays(today, 14), { schoolIds: [oakfield.id], kinds: ['employee'], onboarding: 'no', onboardingDays: '' }),
    today,
  );
  // Demo set-up only: the assign form (rightly) refuses a due date in the past, so the due date is
  // moved back after the campaign is made, to show overdue agreements. Assignments and campaigns
  // are requests to sign, not evidence: no signature or chained record is touched.
  const overdueOn = addDays(today, -10);
  await db
    .update(campaigns)
    .set({ dueOn: overdueOn })
    .where(and(eq(campaigns.trustId, trustId), eq(campaigns.id, campaign.id)));
  await db
    .update(assignments)
    .set({ dueOn: overdueOn })
    .where(and(eq(assignments.trustId, trustId), eq(assignments.campaignId, campaign.id)));
  // Senior staff and every other teacher signed; the rest (Ellie among them) are overdue.
  const laptopOpen = await openAssignments(db, trustId, laptop.id);
  const laptopSigners = laptopOpen.filter(
    (a, i) => !UNSIGNED.includes(handle(a.person.email)) && (SIGNED_PERSONAS.includes(handle(a.person.email)) || i % 2 === 0),
  );
  for (const a of laptopSigners) {
    const ctx = a.person.id === (head.actor as PersonActor).personId ? head : await actingAs(db, trustId, a.person, n++);
    await signAssignment(ctx, a.id, { typedName: a.person.fullName, position: a.person.position ?? 'Staff', statements: statementsOf(LAPTOP_CONTENT) });
  }
  return { signedOnline: signers.length + laptopSigners.length, imported: FROM_SEPTEMBER_SHEETS.length, onPaper: 1 };
}
