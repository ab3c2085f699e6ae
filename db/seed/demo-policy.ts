import type { Ctx } from '../../src/context.ts';
import type { Clause, PolicyContent } from '../../src/modules/policies/content.ts';
import { approveVersion, createPolicy, publishVersion, saveDraftContent } from '../../src/modules/policies/service.ts';

// The demo trust's staff agreement, written for the demo: short, plain and fictional.
const clause = (id: string, number: string, heading: string | null, text: string, topics: Clause['topics'] = [], children: Clause[] = []): Clause => ({
  id,
  number,
  heading,
  text,
  topics,
  children,
});

const CONTENT: PolicyContent = {
  keyPoints: [
    'Lock your screen whenever you step away, and never share your password.',
    'Keep pupils’ personal data on trust systems only: never on personal email or unencrypted USB sticks.',
    'Report anything that worries you straight away: a lost device, a suspicious email, or something a pupil has seen online.',
  ],
  sections: [
    clause(
      'purpose',
      '1',
      'Purpose and who this covers',
      'This agreement sets out how everyone who works or volunteers at Oakfield Learning Trust uses the trust’s computers, accounts and networks, and their own devices when they use them for school work.',
    ),
    clause(
      'accounts',
      '2',
      'Accounts and passwords',
      '',
      ['passwords'],
      [
        clause('accounts-1', '2.1', null, 'Use a passphrase of three or more unrelated words, at least 12 characters long, and do not reuse it elsewhere.', [
          'passwords',
        ]),
        clause('accounts-2', '2.2', null, 'Never tell anyone your password, including IT services. Lock your screen (Windows key + L) when you leave it.', [
          'passwords',
        ]),
      ],
    ),
    clause(
      'data',
      '3',
      'Personal data',
      'Keep personal data about pupils, families and colleagues in the trust’s systems. Send it only to people who need it, and encrypt it when it leaves the trust.',
      ['data protection', 'email'],
    ),
    clause(
      'devices',
      '4',
      'Devices',
      '',
      ['personal devices', 'removable media'],
      [
        clause(
          'devices-1',
          '4.1',
          null,
          'Register a personal phone or laptop with IT services before you use it for school email or data. It must lock with a passcode of at least 6 characters or biometrics.',
          ['personal devices'],
        ),
        clause('devices-2', '4.2', null, 'Do not use USB sticks or other removable drives for school data.', ['removable media']),
      ],
    ),
    clause(
      'online',
      '5',
      'Online conduct and social media',
      'Keep a professional distance from pupils online: do not accept or send friend requests, and use only trust channels to contact pupils and parents.',
      ['social media'],
    ),
    clause(
      'monitoring',
      '6',
      'Monitoring',
      'The trust filters and monitors its network and devices to keep pupils and staff safe. Alerts go to the designated safeguarding lead.',
      ['monitoring', 'filtering'],
    ),
    clause(
      'reporting',
      '7',
      'Reporting concerns',
      'Report a safeguarding concern, a data breach, a lost or stolen device, or a suspicious email at once, using Report a concern in Countersign.',
      ['reporting'],
    ),
  ],
  agreementStatements: [
    'I will keep my passwords private and lock my screen when I leave it.',
    'I will keep personal data in trust systems and only share it with people who need it.',
    'I will register any personal device before using it for school work.',
    'I will report concerns, breaches and lost devices straight away.',
    'I understand that my use of trust systems is monitored.',
  ],
  declaration: { wording: 'I have read and understand this agreement and will follow it.', fields: ['Name', 'Position', 'Signature', 'Date'] },
};

/** Adds the demo's published staff agreement, as a trust administrator would through the pages. */
export async function seedDemoPolicy(ctx: Ctx) {
  const { policy, draft } = await createPolicy(ctx, {
    title: 'Staff ICT Acceptable Use Agreement',
    slug: 'staff-ict-aup',
    scope: 'trust',
    category: 'public',
    statutory: '',
    publishOnWebsite: 'yes',
    reviewCycleMonths: '12',
    approverBody: 'Board of Trustees',
    relatedPolicies: 'Safeguarding and Child Protection Policy\nData Protection Policy',
    audienceKinds: ['employee', 'volunteer', 'worker', 'trainee', 'contractor', 'pre_employment'],
  });
  await saveDraftContent(ctx, policy.id, draft.id, CONTENT, 'Wrote the first version');
  await approveVersion(ctx, policy.id, draft.id, { approvalBody: 'Board of Trustees', approvalMinutesRef: 'Board, September meeting' });
  await publishVersion(ctx, policy.id, draft.id, { effectiveFrom: '2026-09-01', change: 'material', materialReason: 'The trust’s first staff agreement' });
}
