import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq, sql } from 'drizzle-orm';
import { type Agent, type TestApp, type TwoTrusts, twoTrusts } from '../../../../test/app.ts';
import { systemCtx } from '../../../../test/factories.ts';
import { auditEvents } from '../../../audit/schema.ts';
import { type Clause, contentSchema, emptyContent, type PolicyContent } from '../content.ts';
import { policyVersions } from '../schema.ts';
import * as service from '../service.ts';

let t: TestApp;
let cast: TwoTrusts['cast'];
let other: TwoTrusts['other'];
let admin: Agent;
let head: Agent;
let teacher: Agent;
let otherAdmin: Agent;

before(async () => {
  ({ t, cast, other, admin, head, teacher, otherAdmin } = await twoTrusts());
});
after(() => t.close());

const clause = (id: string, number: string, heading: string | null, text: string, children: Clause[] = []): Clause => ({
  id,
  number,
  heading,
  text,
  topics: [],
  children,
});

const starting = (): PolicyContent => ({
  ...emptyContent(),
  keyPoints: ['Lock your screen'],
  sections: [
    clause('intro', '1', 'Introduction', 'This policy applies to all staff.'),
    clause('passwords', '2', 'Passwords', 'Staff must not share passwords.', [clause('pw-1', '2.1', null, 'Use a passphrase.')]),
    clause('old', '3', 'Fax machines', 'Faxes must be collected promptly.'),
  ],
  agreementStatements: ['I will lock my screen.'],
});

/** A trust-wide policy (or a school's) with a draft V1.0, made through the service as the system. */
async function draftPolicy(options: { content?: PolicyContent; schoolId?: string; trustId?: string } = {}) {
  const ctx = systemCtx(t.app.db, options.trustId ?? cast.trust.id);
  const { policy, draft } = await service.createPolicy(ctx, {
    title: 'Staff Acceptable Use of ICT Policy',
    slug: `aup-${Math.random().toString(36).slice(2, 8)}`,
    scope: options.schoolId ?? 'trust',
    category: 'internal',
    reviewCycleMonths: '12',
    relatedPolicies: '',
  });
  if (options.content) await service.saveDraftContent(ctx, policy.id, draft.id, options.content);
  return { policy, draft, ctx, base: `/policies/${policy.id}/versions/${draft.id}/edit` };
}

async function stored(versionId: string) {
  const [row] = await t.app.db.select().from(policyVersions).where(eq(policyVersions.id, versionId));
  assert.ok(row);
  return { ...row, content: contentSchema.parse(row.content) };
}

const location = (res: { headers: Record<string, unknown> }) => String(res.headers.location ?? '');

describe('building a draft section by section', () => {
  test('add sections, a sub-clause, change one, move and remove with confirmation', async () => {
    const { draft, base } = await draftPolicy();
    const index = await admin.get(base);
    assert.equal(index.statusCode, 200);
    assert.match(index.body, /<h1 class="govuk-heading-l">Edit V1.0<\/h1>/);
    assert.match(index.body, /No sections yet/);

    const first = await admin.post(`${base}/sections/new`, {
      number: '1',
      heading: 'Introduction',
      text: 'This policy applies to all staff.\r\n\r\n- laptops\r\n- phones   \r\n\r\n',
      topics: ['personal devices', 'email'],
    });
    assert.equal(first.statusCode, 303);
    let content = (await stored(draft.id)).content;
    const intro = content.sections[0];
    assert.ok(intro);
    assert.match(intro.id, /^[0-9a-f]{12}$/);
    assert.equal(location(first), `${base}#s-${intro.id}`);
    assert.equal(intro.text, 'This policy applies to all staff.\n\n- laptops\n- phones');
    assert.deepEqual(intro.topics, ['personal devices', 'email']);
    assert.match((await admin.get(location(first))).body, /1 Introduction has been added/);

    // "Save and add a sub-clause" goes straight to the sub-clause form.
    const email = await admin.post(`${base}/sections/new`, { number: '2', heading: 'Email', text: 'Use school email for school work.', next: 'sub-clause' });
    content = (await stored(draft.id)).content;
    const emailId = content.sections[1]?.id as string;
    assert.equal(location(email), `${base}/sections/new?parent=${emailId}`);
    const subForm = await admin.get(location(email));
    assert.match(subForm.body, /Add a sub-clause to 2 Email/);
    assert.match(subForm.body, new RegExp(`name="parent" value="${emailId}"`));
    const sub = await admin.post(`${base}/sections/new`, {
      parent: emailId,
      number: '2.1',
      heading: '',
      text: 'Do not forward school email to personal accounts.',
    });
    assert.equal(sub.statusCode, 303);
    assert.equal(location(sub), `${base}#s-${emailId}`, 'back to the section the sub-clause is in');

    // A section after the first, not at the end.
    assert.match((await admin.get(`${base}/sections/new?after=${intro.id}`)).body, /Add a section after 1 Introduction/);
    await admin.post(`${base}/sections/new`, { after: intro.id, number: '1A', heading: 'Scope', text: 'All staff and volunteers.' });
    content = (await stored(draft.id)).content;
    assert.deepEqual(
      content.sections.map((s) => s.number),
      ['1', '1A', '2'],
    );
    const sub1 = content.sections[2]?.children[0];
    assert.equal(sub1?.text, 'Do not forward school email to personal accounts.');
    assert.equal(sub1?.heading, null);

    // The index shows the sub-clause in a nested list with its own Change link.
    const withSub = await admin.get(base);
    assert.match(withSub.body, /2\.1 “Do not forward school email to personal accounts\.”/);
    assert.match(withSub.body, new RegExp(`href="${base}/sections/${sub1?.id}"`));

    // Changing a clause keeps its id and its sub-clauses.
    const form = await admin.get(`${base}/sections/${emailId}`);
    assert.match(form.body, /value="Email"/);
    assert.match(form.body, /Use school email for school work\.<\/textarea>/);
    const changed = await admin.post(`${base}/sections/${emailId}`, {
      number: '2',
      heading: 'Email and messaging',
      text: 'Use school accounts.',
      topics: 'email',
    });
    assert.equal(changed.statusCode, 303);
    content = (await stored(draft.id)).content;
    const emailNow = content.sections[2];
    assert.equal(emailNow?.id, emailId);
    assert.equal(emailNow?.heading, 'Email and messaging');
    assert.deepEqual(emailNow?.topics, ['email']);
    assert.equal(emailNow?.children[0]?.id, sub1?.id);

    // Move up; at the top it stays put and says so. Numbers are not changed.
    const up = await admin.post(`${base}/sections/${emailId}/move`, { direction: 'up', back: 'index' });
    assert.equal(location(up), `${base}#s-${emailId}`);
    assert.match((await admin.get(location(up))).body, /2 Email and messaging has been moved up/);
    assert.deepEqual(
      (await stored(draft.id)).content.sections.map((s) => s.number),
      ['1', '2', '1A'],
    );
    const before = (await stored(draft.id)).contentSha256;
    const top = await admin.post(`${base}/sections/${intro.id}/move`, { direction: 'up' });
    assert.match((await admin.get(location(top))).body, /is already at the top/);
    assert.equal((await stored(draft.id)).contentSha256, before, 'nothing saved');
    const fromClause = await admin.post(`${base}/sections/${intro.id}/move`, { direction: 'down', back: 'clause' });
    assert.equal(location(fromClause), `${base}/sections/${intro.id}`);

    // Remove asks first, naming the sub-clauses that go with it.
    const confirm = await admin.get(`${base}/sections/${emailId}/remove`);
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /Remove 2 Email and messaging\?/);
    assert.match(confirm.body, /This removes 2 Email and messaging and its 1 sub-clause from V1.0/);
    assert.match(confirm.body, /2\.1 “Do not forward school email/);
    assert.match(confirm.body, /Yes, remove all 2/);
    assert.equal((await stored(draft.id)).content.sections.length, 3, 'the confirmation page changes nothing');
    const removed = await admin.post(`${base}/sections/${emailId}/remove`);
    assert.equal(removed.statusCode, 303);
    assert.match((await admin.get(location(removed))).body, /2 Email and messaging and its sub-clause has been removed/);
    content = (await stored(draft.id)).content;
    assert.deepEqual(
      content.sections.map((s) => s.heading),
      ['Introduction', 'Scope'],
    );

    const events = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.resourceId, draft.policyId), eq(auditEvents.action, 'policy_version.edited')));
    const summaries = events.map((e) => e.summary);
    assert.ok(summaries.includes('Added the section 1 Introduction: V1.0 of Staff Acceptable Use of ICT Policy'));
    assert.ok(summaries.some((s) => s.startsWith('Added 2.1 “Do not forward')));
    assert.ok(summaries.some((s) => s.startsWith('Removed 2 Email and messaging and its sub-clause')));
    assert.equal(events.find((e) => e.summary.startsWith('Changed 2 Email'))?.actorLabel, 'Ada Admin');
  });

  test('a sub-clause moves among its siblings and is changed from its own page', async () => {
    const { draft, base } = await draftPolicy({
      content: { ...starting(), sections: [clause('s', '1', 'Section', 'x', [clause('a', '1.1', null, 'A'), clause('b', '1.2', null, 'B')])] },
    });
    const page = await admin.get(`${base}/sections/b`);
    assert.match(page.body, /Part of: <span>1 Section<\/span>/);
    assert.match(page.body, /Move up/);
    assert.doesNotMatch(page.body, /Move down/);
    await admin.post(`${base}/sections/b/move`, { direction: 'up', back: 'clause' });
    assert.deepEqual(
      (await stored(draft.id)).content.sections[0]?.children.map((c) => c.id),
      ['b', 'a'],
    );
    assert.equal((await admin.get(`${base}/sections/nope`)).statusCode, 404);
    assert.equal((await admin.get(`${base}/sections/new?parent=nope`)).statusCode, 404);
    assert.equal((await admin.post(`${base}/sections/nope/remove`)).statusCode, 404);
  });
});

describe('key points, agreement, declaration and details', () => {
  test('key points and agreement statements, one a line', async () => {
    const { draft, base } = await draftPolicy({ content: starting() });
    const form = await admin.get(`${base}/key-points`);
    assert.match(form.body, /Lock your screen<\/textarea>/);
    const saved = await admin.post(`${base}/key-points`, {
      keyPoints: 'Lock your screen\r\n\r\n- Never share passwords  \r\n• Report concerns to the DSL\r\n',
    });
    assert.equal(saved.statusCode, 303);
    assert.match((await admin.get(location(saved))).body, /The key points have been saved/);
    assert.deepEqual((await stored(draft.id)).content.keyPoints, ['Lock your screen', 'Never share passwords', 'Report concerns to the DSL']);

    await admin.post(`${base}/agreement`, { agreementStatements: 'I will lock my screen.\nI will use school email.' });
    assert.deepEqual((await stored(draft.id)).content.agreementStatements, ['I will lock my screen.', 'I will use school email.']);
    const index = await admin.get(base);
    assert.match(index.body, /I will use school email\./);
    assert.match(index.body, /Report concerns to the DSL/);
  });

  test('the declaration: wording, standard details and others', async () => {
    const { draft, base } = await draftPolicy({ content: starting() });
    const form = await admin.get(`${base}/declaration`);
    assert.match(form.body, /type="checkbox" name="fields" checked="" value="Signature"/);
    await admin.post(`${base}/declaration`, { wording: 'I agree to follow this policy.', fields: ['Date', 'Name'], otherFields: 'Department\nname\n' });
    assert.deepEqual((await stored(draft.id)).content.declaration, { wording: 'I agree to follow this policy.', fields: ['Name', 'Date', 'Department'] });
    const again = await admin.get(`${base}/declaration`);
    assert.match(again.body, /checked="" value="Date"/);
    assert.doesNotMatch(again.body, /checked="" value="Signature"/);
    assert.match(again.body, />Department<\/textarea>/);
  });

  test('the draft’s label, change summary and reason', async () => {
    const { draft, base } = await draftPolicy();
    const saved = await admin.post(`${base}/details`, { label: 'V1.1', changeSummary: 'Rewritten for the new year', changeOrigin: 'Annual review' });
    assert.equal(saved.statusCode, 303);
    assert.match((await admin.get(location(saved))).body, /The details of V1.1 have been saved/);
    const row = await stored(draft.id);
    assert.deepEqual([row.label, row.changeSummary, row.changeOrigin], ['V1.1', 'Rewritten for the new year', 'Annual review']);
    const bad = await admin.post(`${base}/details`, { label: '', changeSummary: 'Keep me', changeOrigin: '' });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /<title>Error: Edit V1.1/);
    assert.match(bad.body, /href="#f-label">Enter a version label/);
    assert.match(bad.body, /Keep me<\/textarea>/);
  });
});

describe('errors at the field', () => {
  test('a clause needs a heading or text, a number without spaces, and text within the limit', async () => {
    const { draft, base } = await draftPolicy({ content: starting() });
    const sha = (await stored(draft.id)).contentSha256;
    const res = await admin.post(`${base}/sections/new`, { after: 'intro', number: '4 1', heading: '', text: '   ', topics: ['email', 'astrology'] });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /<title>Error: Add a section after 1 Introduction/);
    assert.match(res.body, /href="#f-number">Number cannot contain spaces/);
    assert.match(res.body, /href="#f-text">Enter the text of the clause, or at least a heading/);
    assert.match(res.body, /href="#f-topics">Choose topics from the list/);
    assert.match(res.body, /<input class="govuk-input govuk-input--width-10 govuk-input--error" id="f-number"[^>]*value="4 1"/);
    assert.match(res.body, /name="after" value="intro"/, 'still adding after the same section');
    assert.match(res.body, /checked="" value="email"/);

    const long = await admin.post(`${base}/sections/intro`, { number: '1', heading: 'Introduction', text: 'x'.repeat(50_001) });
    assert.equal(long.statusCode, 422);
    assert.match(long.body, /<title>Error: Change 1 Introduction/);
    assert.match(long.body, /Text must be 50,000 characters or fewer/);
    assert.match(long.body, /x{50001}<\/textarea>/, 'what was typed is kept');

    const points = await admin.post(`${base}/key-points`, { keyPoints: `Short\n${'y'.repeat(2001)}` });
    assert.equal(points.statusCode, 422);
    assert.match(points.body, /Each key point must be 2,000 characters or fewer \(line 2 is 2,001\)/);
    const declaration = await admin.post(`${base}/declaration`, { wording: 'w', fields: 'Name', otherFields: 'z'.repeat(101) });
    assert.equal(declaration.statusCode, 422);
    assert.match(declaration.body, /href="#f-otherFields">Each other detail must be 100 characters or fewer/);
    assert.equal((await stored(draft.id)).contentSha256, sha, 'nothing was saved');
  });
});

describe('once approved, the text is fixed', () => {
  test('the editor says so and saves nothing; the service and the database refuse too', async () => {
    const { draft, base, ctx, policy } = await draftPolicy({ content: starting() });
    assert.equal((await admin.get(`${base}/sections/intro`)).statusCode, 200);
    await service.approveVersion(ctx, policy.id, draft.id, { approvalBody: 'Board of Trustees' });
    const before = await stored(draft.id);

    const page = await admin.get(base);
    assert.equal(page.statusCode, 409);
    assert.match(page.body, /V1.0 can no longer be changed/);
    assert.match(page.body, /V1.0 is approved, so its text is fixed\./);
    assert.match(page.body, new RegExp(`href="/policies/${policy.id}/versions/${draft.id}"`));
    for (const [path, form] of [
      ['/sections/new', { heading: 'Late addition', text: 'Too late.' }],
      ['/sections/intro', { heading: 'Changed', text: 'Changed.' }],
      ['/sections/intro/move', { direction: 'down' }],
      ['/sections/intro/remove', {}],
      ['/key-points', { keyPoints: 'New' }],
      ['/agreement', { agreementStatements: 'New' }],
      ['/declaration', { wording: 'New', fields: 'Name' }],
      ['/details', { label: 'V9' }],
    ] as const) {
      const res = await admin.post(`${base}${path}`, form);
      assert.equal(res.statusCode, 409, path);
      assert.match(res.body, /can no longer be changed/, path);
      assert.match(res.body, /Nothing has been changed\./, path);
    }
    for (const path of ['/sections/new', '/sections/intro', '/sections/intro/remove', '/key-points', '/agreement', '/declaration'])
      assert.equal((await admin.get(`${base}${path}`)).statusCode, 409, path);
    const after = await stored(draft.id);
    assert.equal(after.contentSha256, before.contentSha256);
    assert.equal(after.label, 'V1.0');

    await assert.rejects(service.saveDraftContent(ctx, policy.id, draft.id, emptyContent()), (e: { fieldErrors?: { form?: string } }) =>
      /V1.0 is approved: only drafts can be changed/.test(e.fieldErrors?.form ?? ''),
    );
    await assert.rejects(t.app.db.execute(sql`update policy_versions set content = '{}'::jsonb where id = ${draft.id}`), (error: Error & { cause?: Error }) =>
      /policy version V1.0 is approved: its text and approval cannot change/.test(String(error.cause?.message ?? error.message)),
    );
    assert.equal((await stored(draft.id)).contentSha256, before.contentSha256);
  });
});

describe('who may edit and compare', () => {
  const editorRoutes = (base: string) => ({
    get: [
      base,
      `${base}/key-points`,
      `${base}/agreement`,
      `${base}/declaration`,
      `${base}/sections/new`,
      `${base}/sections/intro`,
      `${base}/sections/intro/remove`,
    ],
    post: [
      [`${base}/details`, { label: 'V5' }],
      [`${base}/key-points`, { keyPoints: 'Hacked' }],
      [`${base}/agreement`, { agreementStatements: 'Hacked' }],
      [`${base}/declaration`, { wording: 'Hacked', fields: 'Name' }],
      [`${base}/sections/new`, { heading: 'Hacked', text: 'Hacked' }],
      [`${base}/sections/intro`, { heading: 'Hacked', text: 'Hacked' }],
      [`${base}/sections/intro/move`, { direction: 'down' }],
      [`${base}/sections/intro/remove`, {}],
    ] as [string, Record<string, string>][],
  });

  test('a head teacher cannot edit a trust policy, a teacher cannot edit at all, another trust sees nothing', async () => {
    const { draft, base, policy } = await draftPolicy({ content: starting() });
    const sha = (await stored(draft.id)).contentSha256;
    const routes = editorRoutes(base);
    const compare = `/policies/${policy.id}/compare`;
    for (const [agent, status, who] of [
      [head, 403, 'head teacher'],
      [teacher, 403, 'teacher'],
      [otherAdmin, 404, 'another trust’s admin'],
    ] as const) {
      for (const url of routes.get) assert.equal((await agent.get(url)).statusCode, status, `${who} GET ${url}`);
      for (const [url, form] of routes.post) assert.equal((await agent.post(url, form)).statusCode, status, `${who} POST ${url}`);
    }
    assert.equal((await teacher.get(compare)).statusCode, 403);
    assert.equal((await otherAdmin.get(compare)).statusCode, 404);
    assert.equal((await otherAdmin.get(`${compare}?from=${draft.id}&to=${draft.id}`)).statusCode, 404);
    // Leaders oversee trust-wide policies: a head teacher may read the comparison, not change the text.
    assert.equal((await head.get(compare)).statusCode, 200);
    assert.equal((await stored(draft.id)).contentSha256, sha, 'nothing changed');
    assert.equal((await stored(draft.id)).label, 'V1.0');
  });

  test('a head teacher edits their own school’s policy', async () => {
    const { base, draft } = await draftPolicy({ content: starting(), schoolId: cast.schoolA.id });
    assert.equal((await head.get(base)).statusCode, 200);
    assert.equal((await head.post(`${base}/key-points`, { keyPoints: 'School A point' })).statusCode, 303);
    assert.deepEqual((await stored(draft.id)).content.keyPoints, ['School A point']);
  });

  test('addresses that do not exist are not found', async () => {
    const { policy } = await draftPolicy({ content: starting() });
    const { draft: foreign } = await draftPolicy({ trustId: other.trust.id });
    assert.equal((await admin.get(`/policies/${policy.id}/versions/not-a-uuid/edit`)).statusCode, 404);
    assert.equal((await admin.get(`/policies/${policy.id}/versions/${foreign.id}/edit`)).statusCode, 404, 'another trust’s version under our policy');
    assert.equal((await admin.get(`/policies/${policy.id}/compare?from=not-a-uuid`)).statusCode, 404);
    assert.equal((await admin.get(`/policies/${policy.id}/compare?to=${foreign.id}`)).statusCode, 404);
  });
});

describe('comparing versions', () => {
  test('clause by clause, with words inserted and deleted, linked from the version and the editor', async () => {
    const { policy, draft: v1, ctx } = await draftPolicy({ content: starting() });
    await service.approveVersion(ctx, policy.id, v1.id, { approvalBody: 'Board' });
    await service.publishVersion(ctx, policy.id, v1.id, { effectiveFrom: '2026-09-01', change: 'material', materialReason: 'First version' });
    const v2 = await service.startDraft(ctx, policy.id, { label: 'V2.0' });
    const base = `/policies/${policy.id}/versions/${v2.id}/edit`;
    // Edit through the editor: ids carry over from V1.0, so clauses pair by id.
    await admin.post(`${base}/sections/passwords`, { number: '2', heading: 'Passwords', text: 'Staff must never share passwords.', topics: 'passwords' });
    await admin.post(`${base}/sections/new`, { after: 'passwords', number: '3', heading: 'Personal devices', text: 'Register personal devices with IT.' });
    await admin.post(`${base}/sections/old/remove`);
    await admin.post(`${base}/key-points`, { keyPoints: 'Lock your screen\nNever share passwords' });

    const res = await admin.get(`/policies/${policy.id}/compare`);
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Compare V1.0 with V2.0/);
    assert.match(res.body, /1 clause changed, 1 added, 1 removed/);
    assert.match(res.body, /2 clauses are unchanged\. The key points also changed\./);
    assert.match(res.body, /<del class="cs-del"><span class="govuk-visually-hidden">removed: <\/span>not<\/del>/);
    assert.match(res.body, /<ins class="cs-ins"><span class="govuk-visually-hidden">added: <\/span>never<\/ins>/);
    assert.match(res.body, /Topics: added passwords/);
    assert.match(res.body, />Added<\/strong> 3 Personal devices/);
    assert.match(res.body, />Removed<\/strong> 3 Fax machines/);
    assert.match(res.body, /Faxes must be collected promptly\./);
    assert.match(res.body, /<span class="govuk-details__summary-text">1 unchanged clause<\/span>/);
    assert.match(res.body, /<option value="[^"]+" selected="">V1.0 \(in force\)<\/option>/);

    const versionPage = await admin.get(`/policies/${policy.id}/versions/${v2.id}`);
    assert.match(
      versionPage.body,
      new RegExp(`href="/policies/${policy.id}/compare\\?from=${v1.id}&amp;to=${v2.id}"[^>]*>\\s*Compare with the version in force`),
    );
    assert.doesNotMatch((await admin.get(`/policies/${policy.id}/versions/${v1.id}`)).body, /Compare with the version in force/);
    assert.match((await admin.get(base)).body, /Compare with the version in force/);

    const same = await admin.get(`/policies/${policy.id}/compare?from=${v2.id}&to=${v2.id}`);
    assert.match(same.body, /These are the same version/);
    const reversed = await admin.get(`/policies/${policy.id}/compare?from=${v2.id}&to=${v1.id}`);
    assert.match(reversed.body, /1 clause changed, 1 added, 1 removed/);
    assert.match(reversed.body, />Added<\/strong> 3 Fax machines/);
  });
});
