import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq, sql } from 'drizzle-orm';
import { Agent, type TestApp, type TwoTrusts, twoTrusts } from '../../../test/app.ts';
import { makePerson, systemCtx } from '../../../test/factories.ts';
import { auditEvents } from '../../audit/schema.ts';
import { emptyContent, type PolicyContent } from './content.ts';
import { policies, policyVersions } from './schema.ts';
import * as service from './service.ts';

let t: TestApp;
let cast: TwoTrusts['cast'];
let other: TwoTrusts['other'];
let admin: Agent;
let head: Agent;
let teacher: Agent;
let otherAdmin: Agent;

const content = (text = 'Staff must lock their screen when they leave it.'): PolicyContent => ({
  ...emptyContent(),
  keyPoints: ['Lock your screen'],
  sections: [{ id: 'intro', number: '1.0', heading: 'Introduction', text, topics: ['passwords'], children: [] }],
  agreementStatements: ['I will lock my screen.'],
});

const policyForm = (overrides: Record<string, string | string[]> = {}) => ({
  title: 'Staff Acceptable Use of ICT Policy',
  slug: `staff-aup-${Math.random().toString(36).slice(2, 7)}`,
  scope: 'trust',
  category: 'internal',
  reviewCycleMonths: '12',
  approverBody: 'Board of Trustees',
  audienceKinds: ['employee', 'volunteer'],
  ...overrides,
});

/** A policy with V1.0 published, made through the service as the system. */
async function publishedPolicy(trustId: string, schoolId?: string) {
  const ctx = systemCtx(t.app.db, trustId);
  const { policy, draft } = await service.createPolicy(ctx, policyForm(schoolId ? { scope: schoolId } : {}));
  await service.saveDraftContent(ctx, policy.id, draft.id, content());
  await service.approveVersion(ctx, policy.id, draft.id, { approvalBody: 'Board of Trustees' });
  await service.publishVersion(ctx, policy.id, draft.id, { effectiveFrom: '2026-09-01', change: 'material', materialReason: 'First version' });
  return { policy, v1: draft };
}

before(async () => {
  ({ t, cast, other, admin, head, teacher, otherAdmin } = await twoTrusts());
});
after(() => t.close());

describe('creating a policy', () => {
  test('a trust admin adds a policy; it starts with a blank draft V1.0', async () => {
    const form = policyForm();
    const res = await admin.post('/policies/new', form);
    assert.equal(res.statusCode, 303);
    const page = await admin.get(res.headers.location as string);
    assert.match(page.body, /has been added with a blank draft, V1.0/);
    assert.match(page.body, /Board of Trustees/);
    assert.match((await admin.get('/policies')).body, /Staff Acceptable Use of ICT Policy/);
  });

  test('bad input is explained at each field and kept', async () => {
    const res = await admin.post('/policies/new', policyForm({ title: '', slug: 'Not OK!', reviewCycleMonths: 'often', category: '' }));
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /Enter the policy’s title/);
    assert.match(res.body, /lower-case letters, numbers and hyphens/);
    assert.match(res.body, /Enter the review cycle in months/);
    assert.match(res.body, /Choose public or internal/);
    assert.match(res.body, /value="Not OK!"/);
    const foreign = await admin.post('/policies/new', policyForm({ scope: other.schoolA.id }));
    assert.match(foreign.body, /Choose who the policy belongs to/);
  });

  test('a head teacher manages their school’s policies only; a teacher manages none', async () => {
    assert.equal((await head.post('/policies/new', policyForm({ scope: cast.schoolA.id }))).statusCode, 303);
    assert.equal((await head.post('/policies/new', policyForm())).statusCode, 403, 'not a trust-wide policy');
    assert.equal((await head.post('/policies/new', policyForm({ scope: cast.schoolB.id }))).statusCode, 403);
    assert.equal((await teacher.get('/policies')).statusCode, 403);
    assert.equal((await teacher.post('/policies/new', policyForm())).statusCode, 403);
  });
});

describe('the version lifecycle', () => {
  test('draft → approved → published; the next version supersedes it, exactly one in force', async () => {
    const ctx = systemCtx(t.app.db, cast.trust.id);
    const { policy, v1 } = await publishedPolicy(cast.trust.id);
    const [stored] = await t.app.db.select().from(policies).where(eq(policies.id, policy.id));
    assert.equal(stored?.nextReviewOn, service.addMonths(stored?.lastReviewedOn as string, 12));

    const start = await admin.post(`/policies/${policy.id}/versions`, { label: 'V2.0', changeOrigin: 'Change in legislation' });
    assert.equal(start.statusCode, 303);
    const [v2] = await t.app.db
      .select()
      .from(policyVersions)
      .where(and(eq(policyVersions.policyId, policy.id), eq(policyVersions.label, 'V2.0')));
    assert.ok(v2);
    assert.equal(v2.contentSha256, (await t.app.db.select().from(policyVersions).where(eq(policyVersions.id, v1.id)))[0]?.contentSha256, 'starts as a copy');
    const again = await admin.post(`/policies/${policy.id}/versions`, { label: 'V3.0' });
    assert.equal(again.statusCode, 422);
    assert.match(again.body, /already has a version waiting/);

    await service.saveDraftContent(ctx, policy.id, v2.id, content('Staff must lock their screen and use a passphrase.'));
    assert.equal((await admin.get(`/policies/${policy.id}/versions/${v2.id}/approve`)).statusCode, 200);
    const noBody = await admin.post(`/policies/${policy.id}/versions/${v2.id}/approve`, { approvalBody: '' });
    assert.equal(noBody.statusCode, 422);
    assert.match(noBody.body, /Enter who approved it/);
    assert.equal(
      (await admin.post(`/policies/${policy.id}/versions/${v2.id}/approve`, { approvalBody: 'Board of Trustees', approvalMinutesRef: 'Board 3/26 item 4' }))
        .statusCode,
      303,
    );

    const badPublish = await admin.post(`/policies/${policy.id}/versions/${v2.id}/publish`, { change: '', materialReason: '' });
    assert.equal(badPublish.statusCode, 422);
    assert.match(badPublish.body, /Choose whether everyone must sign again/);
    assert.match(badPublish.body, /Enter the date it takes effect/);
    const published = await admin.post(`/policies/${policy.id}/versions/${v2.id}/publish`, {
      'effectiveFrom-day': '1',
      'effectiveFrom-month': '1',
      'effectiveFrom-year': '2027',
      change: 'minor',
      materialReason: 'Clarified the wording about passphrases',
    });
    assert.equal(published.statusCode, 303);
    const versions = await t.app.db.select().from(policyVersions).where(eq(policyVersions.policyId, policy.id));
    assert.deepEqual(versions.map((v) => `${v.label}:${v.status}`).sort(), ['V1.0:superseded', 'V2.0:published']);
    const v2After = versions.find((v) => v.label === 'V2.0');
    assert.equal(v2After?.material, false);
    assert.equal(v2After?.materialReason, 'Clarified the wording about passphrases');
    const events = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.resourceId, policy.id), eq(auditEvents.action, 'policy_version.published')));
    assert.ok(events.some((e) => /minor change, replacing V1.0/.test(e.summary)));
  });

  test('the first version is always material, whatever is chosen', async () => {
    const ctx = systemCtx(t.app.db, cast.trust.id);
    const { policy, draft } = await service.createPolicy(ctx, policyForm());
    await service.saveDraftContent(ctx, policy.id, draft.id, content());
    await service.approveVersion(ctx, policy.id, draft.id, { approvalBody: 'Board' });
    const v = await service.publishVersion(ctx, policy.id, draft.id, { effectiveFrom: '2026-09-01', change: 'minor', materialReason: 'x' });
    assert.equal(v.material, true);
  });

  test('an empty draft cannot be approved; an approved version cannot be edited or discarded', async () => {
    const ctx = systemCtx(t.app.db, cast.trust.id);
    const { policy, draft } = await service.createPolicy(ctx, policyForm());
    const empty = await admin.post(`/policies/${policy.id}/versions/${draft.id}/approve`, { approvalBody: 'Board' });
    assert.equal(empty.statusCode, 422);
    assert.match(empty.body, /has no sections yet/);
    await service.saveDraftContent(ctx, policy.id, draft.id, content());
    await service.approveVersion(ctx, policy.id, draft.id, { approvalBody: 'Board' });
    await assert.rejects(service.saveDraftContent(ctx, policy.id, draft.id, content('changed')), (e: { fieldErrors?: { form?: string } }) =>
      /only drafts can be changed/.test(e.fieldErrors?.form ?? ''),
    );
    const discard = await admin.post(`/policies/${policy.id}/versions/${draft.id}/discard`);
    assert.equal(discard.statusCode, 422);
    const publishTwice = await admin.post(`/policies/${policy.id}/versions/${draft.id}/approve`, { approvalBody: 'Again' });
    assert.equal(publishTwice.statusCode, 422);
  });

  test('the database itself refuses to rewrite an approved version, skip a step, or delete one', async () => {
    const { v1 } = await publishedPolicy(cast.trust.id);
    const because = (reason: RegExp) => (error: Error & { cause?: Error }) => {
      assert.match(String(error.cause?.message ?? error.message), reason);
      return true;
    };
    await assert.rejects(
      t.app.db.execute(sql`update policy_versions set content = '{}'::jsonb where id = ${v1.id}`),
      because(/text and approval cannot change/),
    );
    await assert.rejects(t.app.db.execute(sql`update policy_versions set status = 'draft' where id = ${v1.id}`), because(/cannot go from published to draft/));
    await assert.rejects(t.app.db.execute(sql`delete from policy_versions where id = ${v1.id}`), because(/only drafts can be deleted/));
    const ctx = systemCtx(t.app.db, cast.trust.id);
    const { policy, draft } = await service.createPolicy(ctx, policyForm());
    await assert.rejects(t.app.db.execute(sql`update policy_versions set status = 'published' where id = ${draft.id}`), because(/must be approved before/));
    await assert.rejects(
      t.app.db.execute(
        sql`insert into policy_versions (trust_id, policy_id, label, status, content, content_sha256) values (${cast.trust.id}, ${policy.id}, 'V9', 'draft', '{}', 'x')`,
      ),
      because(/policy_versions_one_draft/),
    );
  });

  test('a draft can be discarded when another version exists; the only version cannot', async () => {
    const { policy } = await publishedPolicy(cast.trust.id);
    await admin.post(`/policies/${policy.id}/versions`, { label: 'V2.0' });
    const [v2] = await t.app.db
      .select()
      .from(policyVersions)
      .where(and(eq(policyVersions.policyId, policy.id), eq(policyVersions.label, 'V2.0')));
    assert.equal((await admin.post(`/policies/${policy.id}/versions/${v2?.id}/discard`)).statusCode, 303);
    const ctx = systemCtx(t.app.db, cast.trust.id);
    const { policy: lonely, draft } = await service.createPolicy(ctx, policyForm());
    const res = await admin.post(`/policies/${lonely.id}/versions/${draft.id}/discard`);
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /only version/);
  });
});

describe('reading and permissions', () => {
  test('everyone in the trust reads the version in force; drafts are for those who oversee policies', async () => {
    const { policy, v1 } = await publishedPolicy(cast.trust.id);
    const read = await teacher.get(`/policies/${policy.id}/versions/${v1.id}`);
    assert.equal(read.statusCode, 200);
    assert.match(read.body, /Key points/);
    assert.ok(read.body.indexOf('Lock your screen') < read.body.indexOf('Introduction'), 'key points come first');
    assert.doesNotMatch(read.body, /Record approval|Edit the text/);
    await admin.post(`/policies/${policy.id}/versions`, { label: 'V2.0' });
    const [v2] = await t.app.db
      .select()
      .from(policyVersions)
      .where(and(eq(policyVersions.policyId, policy.id), eq(policyVersions.label, 'V2.0')));
    assert.equal((await teacher.get(`/policies/${policy.id}/versions/${v2?.id}`)).statusCode, 403);
    assert.equal((await teacher.get(`/policies/${policy.id}`)).statusCode, 403);
    assert.equal((await head.get(`/policies/${policy.id}`)).statusCode, 200, 'a head teacher oversees trust policies');
    assert.equal((await head.get(`/policies/${policy.id}/versions/${v2?.id}/approve`)).statusCode, 403, 'but does not approve them');
    assert.equal((await head.post(`/policies/${policy.id}/edit`, policyForm())).statusCode, 403);
  });

  test('another trust’s policies are not found, on every route', async () => {
    const { policy, v1 } = await publishedPolicy(cast.trust.id);
    const base = `/policies/${policy.id}`;
    for (const url of [base, `${base}/edit`, `${base}/versions/${v1.id}`, `${base}/versions/${v1.id}/approve`, `${base}/versions/${v1.id}/publish`])
      assert.equal((await otherAdmin.get(url)).statusCode, 404, url);
    const posts: [string, Record<string, string | string[]>][] = [
      [`${base}/edit`, policyForm()],
      [`${base}/versions`, { label: 'V9' }],
      [`${base}/versions/${v1.id}/approve`, { approvalBody: 'Board' }],
      [`${base}/versions/${v1.id}/publish`, { effectiveFrom: '2026-01-01', change: 'minor', materialReason: 'x' }],
      [`${base}/versions/${v1.id}/discard`, {}],
    ];
    for (const [url, form] of posts) assert.equal((await otherAdmin.post(url, form)).statusCode, 404, url);
    assert.doesNotMatch((await otherAdmin.get('/policies')).body, new RegExp(policy.slug));
    assert.equal((await admin.get('/policies/not-a-uuid')).statusCode, 404);
  });

  test('a school’s policy is managed by its head teacher and hidden from other schools’ leaders', async () => {
    const headB = await makePerson(t.app.db, cast.trust.id, {
      email: 'head.b@alpha.example',
      schoolIds: [cast.schoolB.id],
      roles: [['head_teacher', cast.schoolB.id]],
    });
    const agentB = await new Agent(t.app).signIn(headB.email);
    const { policy } = await publishedPolicy(cast.trust.id, cast.schoolA.id);
    assert.equal((await head.get(`/policies/${policy.id}/edit`)).statusCode, 200);
    assert.equal((await agentB.get(`/policies/${policy.id}`)).statusCode, 403);
    assert.doesNotMatch((await agentB.get('/policies')).body, new RegExp(policy.slug));
  });
});

describe('review dates', () => {
  test('next review = last reviewed + cycle, clamped to the end of a month', () => {
    assert.equal(service.addMonths('2026-03-03', 12), '2027-03-03');
    assert.equal(service.addMonths('2026-01-31', 1), '2026-02-28');
    assert.equal(service.addMonths('2024-02-29', 24), '2026-02-28');
  });
});

describe('document dates', () => {
  test('a month-only date from a document reads as a month', async () => {
    const { documentDate } = await import('./views/pages.tsx');
    assert.equal(documentDate('2024-02'), 'February 2024');
    assert.equal(documentDate('2026-03-03'), '3 March 2026');
    assert.equal(documentDate('Spring term'), 'Spring term');
    assert.equal(documentDate(null), '');
  });
});
