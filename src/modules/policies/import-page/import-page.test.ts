import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { Agent, createTestApp, type TestApp } from '../../../../test/app.ts';
import { makeTrustWithCast } from '../../../../test/factories.ts';
import { importPolicy } from '../../../cli/import-policy.ts';
import { contentSchema } from '../content.ts';
import { policies, policyHistory, policyVersions } from '../schema.ts';

const seedDir = path.resolve(import.meta.dirname, '../../../../test/fixtures/policies/seeds');
/** A seed AUP by its number ("000"…"004"), as uploaded bytes. */
const seed = (n: string) => readFileSync(path.join(seedDir, readdirSync(seedDir).find((f) => f.startsWith(n)) as string));

let t: TestApp;
let cast: Awaited<ReturnType<typeof makeTrustWithCast>>;
let other: Awaited<ReturnType<typeof makeTrustWithCast>>;
let admin: Agent;

before(async () => {
  t = await createTestApp();
  cast = await makeTrustWithCast(t.app.db, 'alpha');
  other = await makeTrustWithCast(t.app.db, 'beta');
  admin = await new Agent(t.app).signIn(cast.admin.email);
});
after(() => t.close());

describe('importing a policy on the web', () => {
  test('upload, check, correct a heading, save as a draft with its change history', async () => {
    await admin.get('/policies/import');
    const upload = await admin.upload('/policies/import', { field: 'file', name: 'aup.txt', content: seed('000'), type: 'text/plain' });
    assert.equal(upload.statusCode, 303);
    const previewUrl = upload.headers.location as string;
    const preview = await admin.get(previewUrl);
    assert.equal(preview.statusCode, 200);
    assert.match(preview.body, /Check the imported policy/);
    assert.match(preview.body, /value="Staff Acceptable Use of ICT Policy"/);
    assert.match(preview.body, /Tarka Learning Partnership/);
    const save = await admin.post(previewUrl, {
      title: 'Staff Acceptable Use of ICT Policy',
      slug: 'staff-aup',
      scope: 'trust',
      category: 'internal',
      reviewCycleMonths: '24',
      label: 'V2.0',
      'heading-0': 'Introduction and scope',
      audienceKinds: ['employee'],
      keyPoints: '',
      agreementStatements: 'I will keep my password secret.\nI will report concerns.',
      declarationFields: 'Name\nPosition\nDate',
    });
    assert.equal(save.statusCode, 303, save.body.slice(0, 300));
    const [policy] = await t.app.db.select().from(policies).where(eq(policies.slug, 'staff-aup'));
    assert.ok(policy);
    const [draft] = await t.app.db.select().from(policyVersions).where(eq(policyVersions.policyId, policy.id));
    assert.equal(draft?.status, 'draft');
    assert.equal(draft?.label, 'V2.0');
    assert.equal(draft?.origin, 'import');
    const content = contentSchema.parse(draft?.content);
    assert.equal(content.sections[0]?.heading, 'Introduction and scope', 'the corrected heading was saved');
    assert.ok(content.sections.length >= 10);
    assert.deepEqual(content.agreementStatements, ['I will keep my password secret.', 'I will report concerns.']);
    const history = await t.app.db.select().from(policyHistory).where(eq(policyHistory.policyId, policy.id));
    assert.deepEqual(
      history.map((h) => h.versionLabel),
      ['V1.0', 'V2.0'],
    );
    const again = await admin.post(previewUrl, { title: 'x', slug: 'other-slug', scope: 'trust', category: 'internal', reviewCycleMonths: '12', label: 'V3' });
    assert.equal(again.statusCode, 422, 'an import is saved once');
  });

  test('a policy field error keeps the corrections and saves nothing', async () => {
    const upload = await admin.upload('/policies/import', { field: 'file', name: 'aup.txt', content: seed('002'), type: 'text/plain' });
    const url = upload.headers.location as string;
    const res = await admin.post(url, {
      title: '',
      slug: 'vale-aup',
      scope: 'trust',
      category: 'internal',
      reviewCycleMonths: '24',
      label: 'V1.0',
      'heading-0': 'Corrected',
    });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /Enter the policy’s title/);
    assert.match(res.body, /value="Corrected"/);
    assert.equal((await t.app.db.select().from(policies).where(eq(policies.slug, 'vale-aup'))).length, 0);
  });

  test('documents that cannot be read are explained at the file field and nothing is kept', async () => {
    const empty = await admin.upload('/policies/import', { field: 'file', name: 'empty.txt', content: '', type: 'text/plain' });
    assert.equal(empty.statusCode, 422);
    assert.match(empty.body, /govuk-error-message/);
    const exe = await admin.upload('/policies/import', {
      field: 'file',
      name: 'setup.exe',
      content: Buffer.from([0x4d, 0x5a, 0x90, 0x00]),
      type: 'application/octet-stream',
    });
    assert.equal(exe.statusCode, 422);
    const big = await admin.upload('/policies/import', { field: 'file', name: 'huge.txt', content: Buffer.alloc(6 * 1024 * 1024, 'a'), type: 'text/plain' });
    assert.equal(big.statusCode, 422);
    assert.match(big.body, /smaller than 5 MB/);
    const none = await admin.upload('/policies/import', { field: 'file', name: '', content: '', type: 'text/plain' });
    assert.match(none.body, /Select a policy document/);
  });

  test('only people who manage policies may import; another trust’s import is not found', async () => {
    const teacher = await new Agent(t.app).signIn(cast.teacherA.email);
    assert.equal((await teacher.get('/policies/import')).statusCode, 403);
    assert.equal((await teacher.upload('/policies/import', { field: 'file', name: 'a.txt', content: seed('001'), type: 'text/plain' })).statusCode, 403);
    const upload = await admin.upload('/policies/import', { field: 'file', name: 'a.txt', content: seed('001'), type: 'text/plain' });
    const url = upload.headers.location as string;
    const otherAdmin = await new Agent(t.app).signIn(other.admin.email);
    assert.equal((await otherAdmin.get(url)).statusCode, 404);
    assert.equal(
      (await otherAdmin.post(url, { title: 'Taken', slug: 'taken', scope: 'trust', category: 'internal', reviewCycleMonths: '12', label: 'V1' })).statusCode,
      404,
    );
  });
});

describe('countersign import-policy', () => {
  test('--json prints the proposal in the documented shape and saves nothing', async () => {
    const file = path.join(os.tmpdir(), `seed-004-${process.pid}.txt`);
    writeFileSync(file, seed('004'));
    let printed = '';
    await importPolicy(null, t.config, { file, json: true }, (s) => {
      printed += s;
    });
    const proposal = JSON.parse(printed);
    for (const key of [
      'title',
      'organisation',
      'dates',
      'reviewCycleMonths',
      'owner',
      'approver',
      'versionHistory',
      'sections',
      'keyPoints',
      'agreementStatements',
      'declarationFields',
      'topics',
      'warnings',
    ])
      assert.ok(key in proposal, key);
    assert.equal(proposal.reviewCycleMonths, 12);
    const before = await t.app.db.select().from(policies);
    let saved = '';
    await importPolicy(t.database, t.config, { file, trust: cast.trust.slug }, (s) => {
      saved += s;
    });
    assert.match(saved, /Saved ".*" as a draft/);
    assert.equal((await t.app.db.select().from(policies)).length, before.length + 1);
  });
});
