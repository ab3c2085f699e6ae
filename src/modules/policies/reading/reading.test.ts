import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { extractText } from 'unpdf';
import { Agent, createTestApp, type TestApp } from '../../../../test/app.ts';
import { makeTrustWithCast, systemCtx } from '../../../../test/factories.ts';
import { contentHash, type PolicyContent } from '../content.ts';
import * as service from '../service.ts';
import { contentsOf, textBlocks } from './blocks.ts';
import { pdfFilename, policyPdf } from './pdf.ts';

let t: TestApp;
let cast: Awaited<ReturnType<typeof makeTrustWithCast>>;
let other: Awaited<ReturnType<typeof makeTrustWithCast>>;
let admin: Agent;
let teacher: Agent;
let otherTeacher: Agent;
let anonymous: Agent;

const content: PolicyContent = {
  keyPoints: ['Never share your password — not even with IT.', 'Report anything worrying to the DSL the same day.'],
  sections: [
    {
      id: 'intro',
      number: '1',
      heading: 'Introduction',
      text: 'This policy covers everyone who uses the trust’s ICT.',
      topics: [],
      children: [
        { id: 'intro-1', number: '1.1', heading: null, text: 'You must:\n- read this policy\n- sign the declaration', topics: [], children: [] },
        {
          id: 'intro-2',
          number: '1.2',
          heading: null,
          text: 'Some words apply throughout.',
          topics: [],
          // A heading under an unheaded clause: still one level below "1 Introduction".
          children: [
            { id: 'intro-2-1', number: '1.2.1', heading: 'Definitions', text: '“ICT” means computers, phones and networks.', topics: [], children: [] },
          ],
        },
      ],
    },
    {
      id: 'passwords',
      number: '2',
      heading: 'Passwords and accounts',
      text: '',
      topics: ['passwords'],
      children: [
        {
          id: 'pw-1',
          number: '2.1',
          heading: 'Choosing a password',
          text: 'Use three random words.',
          topics: ['passwords'],
          children: [{ id: 'pw-1-1', number: '2.1.1', heading: null, text: 'Never reuse a password.', topics: [], children: [] }],
        },
      ],
    },
  ],
  agreementStatements: ['I have read and understood this policy.'],
  declaration: { wording: 'I agree to follow this policy.', fields: ['Name', 'Position', 'Signature', 'Date'] },
};
const fingerprint = contentHash(content);

const policyForm = (slug: string, overrides: Record<string, string | string[]> = {}) => ({
  title: 'Staff ICT Acceptable Use Policy',
  slug,
  scope: 'trust',
  category: 'public',
  publishOnWebsite: 'yes',
  reviewCycleMonths: '12',
  approverBody: 'Board of Trustees',
  audienceKinds: ['employee'],
  ...overrides,
});

/** A policy made through the service as the system; published unless told otherwise. */
async function makePolicy(trustId: string, slug: string, overrides: Record<string, string | string[]> = {}, publish = true) {
  const ctx = systemCtx(t.app.db, trustId);
  const { policy, draft } = await service.createPolicy(ctx, policyForm(slug, overrides));
  await service.saveDraftContent(ctx, policy.id, draft.id, content);
  if (publish) {
    await service.approveVersion(ctx, policy.id, draft.id, { approvalBody: 'Board of Trustees', approvalMinutesRef: 'BoT 1 July item 4' });
    await service.publishVersion(ctx, policy.id, draft.id, { effectiveFrom: '2026-09-01', change: 'material', materialReason: 'First version' });
  }
  return { policy, version: draft };
}

let aup: Awaited<ReturnType<typeof makePolicy>>;
let draft: { id: string };

before(async () => {
  t = await createTestApp();
  cast = await makeTrustWithCast(t.app.db, 'alpha');
  other = await makeTrustWithCast(t.app.db, 'beta');
  admin = await new Agent(t.app).signIn(cast.admin.email);
  teacher = await new Agent(t.app).signIn(cast.teacherA.email);
  otherTeacher = await new Agent(t.app).signIn(other.teacherA.email);
  anonymous = new Agent(t.app);
  aup = await makePolicy(cast.trust.id, 'staff-aup');
  draft = await service.startDraft(systemCtx(t.app.db, cast.trust.id), aup.policy.id, { label: 'V2.0' });
});
after(() => t.close());

const pdfText = async (body: Buffer) => (await extractText(new Uint8Array(body), { mergePages: true })).text.replace(/\s+/g, ' ');

describe('laying out the text', () => {
  test('paragraphs and lists, with an introductory line kept as its own paragraph', () => {
    assert.deepEqual(textBlocks('You must:\n- read it\n- sign it\n\nThank you.'), [
      { type: 'paragraph', text: 'You must:' },
      { type: 'list', items: ['read it', 'sign it'] },
      { type: 'paragraph', text: 'Thank you.' },
    ]);
    assert.deepEqual(textBlocks('• one\n  carried on\n* two'), [{ type: 'list', items: ['one carried on', 'two'] }]);
  });

  test('the contents list nests headed clauses, lifting headings out of unheaded ones', () => {
    const entries = contentsOf(content.sections);
    assert.deepEqual(
      entries.map((e) => [e.clause.number, e.children.map((c) => c.clause.number)]),
      [
        ['1', ['1.2.1']],
        ['2', ['2.1']],
      ],
    );
  });

  test('the file name is the short name and the version label', () => {
    assert.equal(pdfFilename({ slug: 'staff-aup' }, { label: 'V2.1' }), 'staff-aup-V2.1.pdf');
    assert.equal(pdfFilename({ slug: 'staff-aup' }, { label: 'Draft "3" / final' }), 'staff-aup-Draft-3-final.pdf');
  });
});

describe('the reading page', () => {
  test('key points come first, then a contents list, then the numbered sections, agreement and declaration', async () => {
    const res = await teacher.get(`/policies/${aup.policy.id}/versions/${aup.version.id}`);
    assert.equal(res.statusCode, 200);
    const at = (s: string) => {
      const i = res.body.indexOf(s);
      assert.ok(i >= 0, `missing: ${s}`);
      return i;
    };
    assert.ok(at('Key points') < at('Never share your password'));
    assert.ok(at('Never share your password') < at('id="contents-heading"'));
    assert.ok(at('id="contents-heading"') < at('id="s-intro"'));
    assert.ok(at('id="s-intro"') < at('id="s-passwords"'));
    assert.ok(at('id="s-passwords"') < at('The agreement'));
    assert.ok(at('The agreement') < at('Declaration'));
    assert.match(res.body, /<a class="govuk-link" href="#s-intro">1 Introduction<\/a>/);
    assert.match(res.body, /<a class="govuk-link" href="#s-intro-2-1">1.2.1 Definitions<\/a>/);
    assert.match(res.body, /<a class="govuk-link" href="#s-pw-1">2.1 Choosing a password<\/a>/);
    assert.match(res.body, /<span class="govuk-body cs-clause__number">1.1<\/span>/);
    assert.match(res.body, /<li>read this policy<\/li>/);
    assert.match(res.body, new RegExp(fingerprint));
    assert.match(res.body, new RegExp(`href="/policies/${aup.policy.id}/versions/${aup.version.id}.pdf"`));
  });

  test('one h1, and headings never skip a level', async () => {
    const res = await teacher.get(`/policies/${aup.policy.id}/versions/${aup.version.id}`);
    const main = res.body.slice(res.body.indexOf('<main'));
    const levels = [...main.matchAll(/<h([1-6])[\s>]/g)].map((m) => Number(m[1]));
    assert.equal(levels.filter((l) => l === 1).length, 1);
    assert.equal(levels[0], 1);
    for (let i = 1; i < levels.length; i++) assert.ok((levels[i] as number) <= (levels[i - 1] as number) + 1, `h${levels[i - 1]} then h${levels[i]}`);
    // "1.2.1 Definitions" sits under an unheaded clause of "1 Introduction": an h3, not an h4.
    assert.match(main, /<h3 class="govuk-heading-s"><span class="cs-clause__number">1.2.1<\/span> Definitions<\/h3>/);
  });

  test('the policy page gives the public address of a public policy on the website', async () => {
    const res = await admin.get(`/policies/${aup.policy.id}`);
    assert.match(res.body, /href="http:\/\/localhost:3000\/p\/alpha\/staff-aup"/);
    const internal = await makePolicy(cast.trust.id, 'internal-only', { category: 'internal' });
    const page = await admin.get(`/policies/${internal.policy.id}`);
    assert.doesNotMatch(page.body, /\/p\/alpha\//);
    assert.match(page.body, /only public policies are shown on the website/);
  });
});

describe('the PDF', () => {
  test('a real A4 PDF with the title, organisation, fingerprint, sections and page numbers', async () => {
    const res = await teacher.get(`/policies/${aup.policy.id}/versions/${aup.version.id}.pdf`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/pdf');
    assert.equal(res.headers['content-disposition'], 'attachment; filename="staff-aup-V1.0.pdf"');
    assert.match(String(res.headers['cache-control']), /no-store/);
    assert.equal(res.rawPayload.subarray(0, 5).toString(), '%PDF-');
    const text = await pdfText(res.rawPayload);
    for (const expected of [
      'Staff ICT Acceptable Use Policy',
      cast.trust.name,
      'V1.0',
      'In force',
      '1 September 2026',
      'Board of Trustees',
      fingerprint,
      'Key points',
      'Never share your password — not even with IT.',
      '1 Introduction',
      '1.2.1 Definitions',
      '2.1 Choosing a password',
      'Never reuse a password.',
      'I have read and understood this policy.',
      'Declaration',
      'Signature',
      'Page 1 of',
    ])
      assert.ok(text.includes(expected), `PDF text lacks: ${expected}`);
  });

  test('a school’s policy names the school and the trust', async () => {
    const ctx = systemCtx(t.app.db, cast.trust.id);
    const { policy } = await makePolicy(cast.trust.id, 'school-a-aup', { scope: cast.schoolA.id });
    const doc = await service.getPolicy(ctx, policy.id);
    const res = await admin.get(`/policies/${policy.id}/versions/${doc.inForce?.id}.pdf`);
    const text = await pdfText(res.rawPayload);
    assert.ok(text.includes(`School A · ${cast.trust.name}`), text.slice(0, 200));
  });

  test('the same version gives the same bytes: nothing in it depends on when it was made', async () => {
    const input = {
      trustName: 'Trust',
      schoolName: null,
      policy: { title: 'Policy', slug: 'policy' },
      version: {
        label: 'V1',
        status: 'published',
        contentSha256: fingerprint,
        effectiveFrom: '2026-09-01',
        approvedAt: new Date('2026-07-01T10:00:00Z'),
        approvalBody: 'Board',
        approvalMinutesRef: null,
        publishedAt: new Date('2026-07-02T10:00:00Z'),
        createdAt: new Date('2026-06-01T10:00:00Z'),
        updatedAt: new Date('2026-07-02T10:00:00Z'),
      },
      content,
    };
    assert.deepEqual(await policyPdf(input), await policyPdf(input));
  });

  test('a teacher reads the version in force but not a draft: 403 for its page and its PDF', async () => {
    assert.equal((await teacher.get(`/policies/${aup.policy.id}/versions/${draft.id}`)).statusCode, 403);
    assert.equal((await teacher.get(`/policies/${aup.policy.id}/versions/${draft.id}.pdf`)).statusCode, 403);
    const managed = await admin.get(`/policies/${aup.policy.id}/versions/${draft.id}.pdf`);
    assert.equal(managed.statusCode, 200);
    assert.ok((await pdfText(managed.rawPayload)).includes('Draft: not approved and not in force'));
  });

  test('another trust’s teacher gets not found, and nobody signed out gets it at all', async () => {
    assert.equal((await otherTeacher.get(`/policies/${aup.policy.id}/versions/${aup.version.id}.pdf`)).statusCode, 404);
    assert.equal((await otherTeacher.get(`/policies/${aup.policy.id}/versions/${aup.version.id}`)).statusCode, 404);
    const signedOut = await anonymous.get(`/policies/${aup.policy.id}/versions/${aup.version.id}.pdf`);
    assert.equal(signedOut.statusCode, 303);
    assert.match(String(signedOut.headers.location), /^\/sign-in/);
    assert.equal((await teacher.get(`/policies/${aup.policy.id}/versions/not-a-uuid.pdf`)).statusCode, 404);
  });
});

describe('the public page', () => {
  test('anyone reads a public policy on the website: the version in force, with no sign-in, navigation or account', async () => {
    const res = await anonymous.get('/p/alpha/staff-aup');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<h1 class="govuk-heading-l">Staff ICT Acceptable Use Policy<\/h1>/);
    assert.match(res.body, new RegExp(cast.trust.name));
    assert.match(res.body, /V1\.0/);
    assert.match(res.body, /1 September 2026/);
    assert.match(res.body, /Next review due/);
    assert.match(res.body, new RegExp(fingerprint));
    assert.match(res.body, /href="\/p\/alpha\/staff-aup.pdf"/);
    assert.ok(res.body.indexOf('Key points') < res.body.indexOf('id="s-intro"'));
    assert.doesNotMatch(res.body, /Sign out|govuk-service-navigation/);
    assert.doesNotMatch(res.body, /V2\.0/, 'the draft is never shown');
  });

  test('the public PDF', async () => {
    const res = await anonymous.get('/p/alpha/staff-aup.pdf');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/pdf');
    assert.equal(res.headers['content-disposition'], 'attachment; filename="staff-aup-V1.0.pdf"');
    assert.ok((await pdfText(res.rawPayload)).includes(fingerprint));
  });

  test('the same "not found" for internal, not on the website, nothing in force, unknown names and another trust’s pairs', async () => {
    await makePolicy(cast.trust.id, 'internal-aup', { category: 'internal' });
    await makePolicy(cast.trust.id, 'not-on-website', { publishOnWebsite: '' });
    await makePolicy(cast.trust.id, 'draft-only', {}, false);
    await makePolicy(other.trust.id, 'beta-only');
    assert.equal((await anonymous.get('/p/beta/beta-only')).statusCode, 200);
    const notFound = [
      '/p/alpha/internal-aup',
      '/p/alpha/not-on-website',
      '/p/alpha/draft-only',
      '/p/alpha/no-such-policy',
      '/p/no-such-trust/staff-aup',
      '/p/alpha/beta-only',
      '/p/beta/staff-aup',
      '/p/alpha/Staff-AUP',
    ];
    const bodies = new Set<string>();
    for (const url of notFound) {
      for (const suffix of ['', '.pdf']) {
        const res = await anonymous.get(url + suffix);
        assert.equal(res.statusCode, 404, url + suffix);
        bodies.add(res.body);
      }
    }
    assert.equal(bodies.size, 1, 'every case answers with the same page');
  });

  test('a signed-in person of another trust sees the public page too', async () => {
    assert.equal((await otherTeacher.get('/p/alpha/staff-aup')).statusCode, 200);
  });
});
