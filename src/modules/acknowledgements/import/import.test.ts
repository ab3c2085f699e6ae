import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { and, asc, eq } from 'drizzle-orm';
import { type Agent, type TestApp, type TwoTrusts, twoTrusts } from '../../../../test/app.ts';
import { actingAs, makePerson, systemCtx } from '../../../../test/factories.ts';
import { publishedPolicy, publishNextVersion, sampleContent } from '../../../../test/policies.ts';
import { auditEvents } from '../../../audit/schema.ts';
import { londonToday } from '../../../ui/format.ts';
import { importBatches } from '../../organisations/schema.ts';
import * as policyService from '../../policies/service.ts';
import { verifyChain } from '../chain.ts';
import { acknowledgements, assignments, chainHeads } from '../schema.ts';
import { addDays, createCampaign, outstandingFor, signAssignment } from '../service.ts';

let t: TestApp;
let cast: TwoTrusts['cast'];
let admin: Agent;
let head: Agent;
let teacher: Agent;
let otherAdmin: Agent;
const today = londonToday();

before(async () => {
  ({ t, cast, admin, head, teacher, otherAdmin } = await twoTrusts());
});
after(() => t.close());

const email = (who: 'admin' | 'head.a' | 'teacher.a' | 'teacher.b') => `${who}@${cast.trust.slug}.example`;
const csv = (...lines: string[]) => `${lines.join('\r\n')}\r\n`;
const HEADER = 'email,policy,version,signed_on,position,note';
const upload = (agent: Agent, content: string | Buffer, name = 'signatures.csv') => agent.upload('/acknowledgements/import', { field: 'file', name, content });
const applyAction = (html: string) => /action="(\/acknowledgements\/import\/[0-9a-f-]{36}\/apply)"/.exec(html)?.[1];
const decode = (html: string) =>
  html
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/&gt;/g, '>')
    .replace(/&lt;/g, '<');

/** A service context acting as a person of the cast. */
const as = (person: { id: string; trustId: string }) =>
  actingAs(t.app.db, person, { baseUrl: 'http://localhost', ip: '203.0.113.9', userAgent: 'Test browser' });

const everyone = { audience: 'everyone', dueOn: addDays(today, 30), reminderDaysBefore: '7, 1, 0', overdueEveryDays: '7' };

/** A published policy with its own title; its short name is made up (staff-aup-…). */
const policyNamed = (title: string) => publishedPolicy(t.app.db, cast.trust.id, { title });

const assignmentsOf = (personId: string, policyId: string) =>
  t.app.db
    .select()
    .from(assignments)
    .where(and(eq(assignments.trustId, cast.trust.id), eq(assignments.personId, personId), eq(assignments.policyId, policyId)))
    .orderBy(asc(assignments.assignedAt));
const currentOf = async (personId: string, policyId: string) => (await assignmentsOf(personId, policyId)).filter((a) => !a.replacedAt && !a.withdrawnAt);

/** Everything an import could write, to show that a refused one wrote nothing. */
async function snapshot() {
  const db = t.app.db;
  const trustId = cast.trust.id;
  return JSON.stringify({
    acknowledgements: (await db.select({ id: acknowledgements.id }).from(acknowledgements).where(eq(acknowledgements.trustId, trustId))).length,
    head: await db.select().from(chainHeads).where(eq(chainHeads.trustId, trustId)),
    assignments: await db
      .select({ id: assignments.id, replacedAt: assignments.replacedAt, ack: assignments.acknowledgementId })
      .from(assignments)
      .where(eq(assignments.trustId, trustId))
      .orderBy(asc(assignments.id)),
    batches: await db
      .select({ id: importBatches.id, status: importBatches.status })
      .from(importBatches)
      .where(and(eq(importBatches.trustId, trustId), eq(importBatches.kind, 'acknowledgements')))
      .orderBy(asc(importBatches.id)),
    events: (await db.select({ id: auditEvents.id }).from(auditEvents).where(eq(auditEvents.trustId, trustId))).length,
  });
}

describe('the upload page', () => {
  test('explains the columns, the size limit and offers a template', async () => {
    const res = await admin.get('/acknowledgements/import');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<h1[^>]*>Import past signatures<\/h1>/);
    assert.match(res.body, /<input[^>]*id="f-file"[^>]*type="file"[^>]*name="file"/);
    assert.match(res.body, /enctype="multipart\/form-data"/i);
    assert.match(res.body, /smaller than 5 MB, with at most 5,000 signatures/);
    for (const column of ['email', 'policy', 'version', 'signed_on', 'position', 'note']) assert.match(res.body, new RegExp(`<code>${column}</code>`));
    const template = await admin.get('/acknowledgements/import/template.csv');
    assert.equal(template.statusCode, 200);
    assert.match(String(template.headers['content-type']), /^text\/csv/);
    assert.match(String(template.headers['content-disposition']), /attachment/);
    const [header, example] = template.body.trim().split(/\r\n/);
    assert.equal(header, HEADER);
    assert.match(example ?? '', /^jo\.bloggs@oakfield\.example,staff-ict-aup,V1\.0,03\/09\/2025/);
  });
});

describe('importing a good file', () => {
  test('records each signature as imported evidence, in file order, and the people’s assignments count as signed', async () => {
    // A policy everyone was asked to sign: Tess's and Bo's own assignments are satisfied by the import.
    const aup = await policyNamed('Staff ICT Acceptable Use Policy');
    await createCampaign(await as(cast.admin), aup.policy.id, everyone, today);
    // A policy nobody was asked to sign: Hal gets an assignment for the record, current and signed.
    const loans = await policyNamed('Laptop Loan Agreement');
    // A policy whose V1.0 was replaced by a material V2.0: Ada's V1.0 signature is history, and she must still sign V2.0.
    const email_ = await policyNamed('Email Protocol');
    await createCampaign(await as(cast.admin), email_.policy.id, everyone, today);
    const v2 = await publishNextVersion(t.app.db, cast.trust.id, email_.policy.id, 'V2.0', true);
    const [adaV2] = await currentOf(cast.admin.id, email_.policy.id);
    assert.equal(adaV2?.versionId, v2.id);

    const file = csv(
      HEADER,
      `${email('teacher.a')},${aup.policy.slug},V1.0,03/09/2025,Class teacher,Signed at the September INSET`,
      `${email('teacher.b').toUpperCase()},Staff ICT Acceptable Use Policy,v1.0,2025-09-04,,`,
      `${email('head.a')},${loans.policy.slug},1.0,2025-10-01,Head teacher,"Loan form, filed in the office"`,
      `${email('admin')},Email Protocol,V1.0,${addDays(today, -400)},,`,
    );
    const res = await upload(admin, file, 'C:\\fakepath\\inset-2025.csv');
    assert.equal(res.statusCode, 200);
    const page = decode(res.body);
    assert.match(page, /<h1[^>]*>Check the signatures<\/h1>/);
    assert.match(page, /inset-2025\.csv/);
    assert.match(page, /Signatures ready to import<\/dt><dd[^>]*>4 signatures/);
    assert.match(page, /Of the version in force<\/dt><dd[^>]*>3 signatures/);
    assert.match(page, /Of earlier versions<\/dt><dd[^>]*>1 signature</);
    assert.match(page, /No longer in force/);
    assert.match(page, /<button[^>]*>Import 4 signatures<\/button>/);
    const action = applyAction(page);
    assert.ok(action);
    assert.equal((await t.app.db.select().from(acknowledgements).where(eq(acknowledgements.trustId, cast.trust.id))).length, 0, 'a preview records nothing');

    const applied = await admin.post(action);
    assert.equal(applied.statusCode, 303);
    const resultUrl = applied.headers.location as string;
    assert.equal(resultUrl, action.replace(/\/apply$/, ''));
    const result = decode((await admin.get(resultUrl)).body);
    assert.match(result, /Past signatures imported/);
    assert.match(result, /4 signatures imported/);
    assert.match(result, /href="\/compliance"/);

    const records = await t.app.db.select().from(acknowledgements).where(eq(acknowledgements.trustId, cast.trust.id)).orderBy(asc(acknowledgements.seq));
    assert.deepEqual(
      records.map((r) => [r.seq, r.personName, r.policyTitle, r.versionLabel]),
      [
        [1, 'Tess Teacher', 'Staff ICT Acceptable Use Policy', 'V1.0'],
        [2, 'Bo Teacher', 'Staff ICT Acceptable Use Policy', 'V1.0'],
        [3, 'Hal Head', 'Laptop Loan Agreement', 'V1.0'],
        [4, 'Ada Admin', 'Email Protocol', 'V1.0'],
      ],
      'the chain follows the file',
    );
    for (const r of records) {
      assert.equal(r.imported, true);
      assert.equal(r.authMethod, 'imported');
      assert.equal(r.ip, null);
      assert.equal(r.userAgent, null);
      assert.equal(r.typedName, r.personName);
      assert.equal(r.recordedByName, 'Ada Admin');
      assert.equal(r.recordedById, cast.admin.id);
    }
    const [tess, bo, hal] = records;
    assert.equal(tess?.signedAt.toISOString(), '2025-09-03T12:00:00.000Z');
    assert.equal(tess?.position, 'Class teacher');
    assert.equal(tess?.proxyNote, 'Imported from inset-2025.csv, line 2: Signed at the September INSET');
    assert.equal(bo?.proxyNote, 'Imported from inset-2025.csv, line 3');
    assert.equal(hal?.proxyNote, 'Imported from inset-2025.csv, line 4: Loan form, filed in the office');
    const report = await verifyChain(t.app.db, cast.trust.id);
    assert.equal(report.problem, null);
    assert.equal(report.checked, 4);

    // Tess's and Bo's assignments from the campaign are the ones signed: nothing left for them to sign.
    for (const person of [cast.teacherA, cast.teacherB]) {
      const current = await currentOf(person.id, aup.policy.id);
      assert.equal(current.length, 1);
      assert.equal(current[0]?.source, 'campaign');
      assert.ok(current[0]?.acknowledgementId);
      assert.equal(
        (await outstandingFor(t.app.db, cast.trust.id, person.id)).some((o) => o.policyTitle === aup.policy.title),
        false,
      );
    }
    // Hal had nothing to sign: an assignment is made for the record, current and signed.
    const [halLoan, ...more] = await assignmentsOf(cast.headA.id, loans.policy.id);
    assert.equal(more.length, 0);
    assert.equal(halLoan?.source, 'import');
    assert.equal(halLoan?.dueOn, '2025-10-01');
    assert.equal(halLoan?.replacedAt, null);
    assert.equal(halLoan?.acknowledgementId, hal?.id);
    // Ada's V1.0 signature is kept as history; her V2.0 assignment is still current and still hers to sign.
    const adaRows = await assignmentsOf(cast.admin.id, email_.policy.id);
    const imported = adaRows.find((a) => a.source === 'import');
    assert.ok(imported?.replacedAt, 'the imported assignment of a superseded version is not current');
    assert.equal(imported?.acknowledgementId, records[3]?.id);
    assert.equal(imported?.replacedById, adaV2?.id);
    const [stillCurrent, ...others] = await currentOf(cast.admin.id, email_.policy.id);
    assert.equal(others.length, 0);
    assert.equal(stillCurrent?.id, adaV2?.id);
    assert.equal(stillCurrent?.acknowledgementId, null);

    const [event] = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.trustId, cast.trust.id), eq(auditEvents.action, 'acknowledgements.imported')));
    assert.ok(event);
    assert.match(event.summary, /Imported 4 past signatures from inset-2025\.csv/);
    const after = event.after as Record<string, unknown>;
    assert.equal(after.sha256, createHash('sha256').update(file).digest('hex'));
    assert.equal(after.signatures, 4);
    assert.equal(after.earlierVersions, 1);

    // The same file again: every line already has its signature, and nothing more is recorded.
    const before = await snapshot();
    const again = decode((await upload(admin, file)).body);
    assert.match(again, /The file has 4 problems/);
    assert.match(again, /<td[^>]*>2<\/td><td[^>]*>Tess Teacher already has a signature for V1\.0 of Staff ICT Acceptable Use Policy, made on 3 September 2025/);
    assert.match(again, /<td[^>]*>5<\/td><td[^>]*>Ada Admin already has a signature for V1\.0 of Email Protocol/);
    assert.equal(applyAction(again), undefined);
    assert.equal(await snapshot(), before);

    // Applying the same batch twice is refused.
    const twice = await admin.post(action);
    assert.equal(twice.statusCode, 422);
    assert.match(twice.body, /This file has already been imported/);
    assert.equal(await snapshot(), before);
  });

  test('a signature of an earlier version also satisfies a minor revision carried from it', async () => {
    const { policy } = await policyNamed('Remote Working Agreement');
    await createCampaign(await as(cast.admin), policy.id, everyone, today);
    const v11 = await publishNextVersion(t.app.db, cast.trust.id, policy.id, 'V1.1', false);
    const [before] = await currentOf(cast.teacherB.id, policy.id);
    assert.equal(before?.source, 'carried');
    assert.equal(before?.acknowledgementId, null);
    const res = await upload(admin, csv('Email Address,Policy Title,Version,Date Signed', `${email('teacher.b')},Remote Working Agreement,V1.0,01/09/2025`));
    const action = applyAction(res.body);
    assert.ok(action, decode(res.body));
    assert.equal((await admin.post(action)).statusCode, 303);
    const [after, ...others] = await currentOf(cast.teacherB.id, policy.id);
    assert.equal(others.length, 0);
    assert.equal(after?.id, before?.id);
    assert.equal(after?.versionId, v11.id);
    assert.ok(after?.acknowledgementId, 'the V1.1 assignment counts as signed');
    const [ack] = await t.app.db
      .select()
      .from(acknowledgements)
      .where(and(eq(acknowledgements.trustId, cast.trust.id), eq(acknowledgements.id, after?.acknowledgementId as string)));
    assert.equal(ack?.versionLabel, 'V1.0');
    assert.ok(cast.teacherB.position);
    assert.equal(ack?.position, cast.teacherB.position, 'no position column: the position on record');
    assert.match(decode((await admin.get(action.replace(/\/apply$/, ''))).body), /also counts for the version in force/);
    assert.equal((await verifyChain(t.app.db, cast.trust.id)).problem, null);
  });

  test('a leaver’s signature is imported and flagged', async () => {
    const { policy } = await policyNamed('Data Protection Declaration');
    const leaver = await makePerson(t.app.db, cast.trust.id, { name: 'Lee Leaver', email: 'lee.leaver@school.example', endDate: '2025-12-31' });
    const res = await upload(admin, csv('email,policy,version,signed_on', `lee.leaver@school.example,${policy.slug},V1.0,2025-09-01`));
    const page = decode(res.body);
    assert.match(page, /Left 31 December 2025/);
    assert.match(page, /1 signature is from people who have left/);
    const action = applyAction(page);
    assert.ok(action);
    assert.equal((await admin.post(action)).statusCode, 303);
    const [a] = await assignmentsOf(leaver.id, policy.id);
    assert.ok(a?.acknowledgementId);
  });
});

describe('bad files and bad rows', () => {
  test('every kind of bad row is reported with its line, and nothing is stored', async () => {
    const { policy } = await policyNamed('Social Media Policy');
    // A draft V2.0 waiting to be approved.
    const ctx = systemCtx(t.app.db, cast.trust.id);
    const draft = await policyService.startDraft(ctx, policy.id, { label: 'V2.0' });
    await policyService.saveDraftContent(ctx, policy.id, draft.id, sampleContent('Draft.'));
    const before = await snapshot();
    const file = csv(
      HEADER,
      `${email('teacher.a')},${policy.slug},V1.0,2025-09-01,Teacher,"A note over
two lines"`,
      `nobody@${cast.trust.slug}.example,${policy.slug},V1.0,2025-09-01,,`,
      `not-an-email,${policy.slug},V1.0,2025-09-01,,`,
      `${email('teacher.b')},No Such Policy,V1.0,2025-09-01,,`,
      `${email('teacher.b')},${policy.slug},V9.9,2025-09-01,,`,
      `${email('teacher.b')},${policy.slug},V2.0,2025-09-01,,`,
      `${email('teacher.b')},${policy.slug},V1.0,31/02/2025,,`,
      `${email('head.a')},${policy.slug},V1.0,${addDays(today, 1)},,`,
      `${email('teacher.a')},${policy.slug},v1.0,2025-09-02,,`,
      ',,,,,',
      `,${policy.slug},,,,`,
      `${email('admin')},${policy.slug},V1.0,2025-09-01,,,surplus`,
    );
    const res = await upload(admin, file);
    assert.equal(res.statusCode, 200);
    const page = decode(res.body);
    const problem = (line: number, message: string) => assert.match(page, new RegExp(`<td[^>]*>${line}</td><td[^>]*>${message}`), `line ${line}: ${message}`);
    problem(4, `Nobody in the trust has the email address nobody@${cast.trust.slug}\\.example`);
    problem(5, '‘not-an-email’ is not a valid email address');
    problem(6, 'There is no policy called ‘No Such Policy’');
    problem(7, 'Social Media Policy has no version ‘V9\\.9’: its versions are V1\\.0, V2\\.0');
    problem(8, 'V2\\.0 of Social Media Policy is a draft: only a version that has been published can have signatures');
    problem(9, '‘31/02/2025’ is not a real date');
    problem(10, 'The date signed \\([^)]+\\) is in the future');
    problem(11, 'This is the same signature as line 2: Tess Teacher, V1\\.0 of Social Media Policy');
    problem(13, 'The email address is missing');
    assert.match(page, /<td[^>]*>13<\/td><td[^>]*>The version is missing/);
    assert.match(page, /<td[^>]*>13<\/td><td[^>]*>The date signed is missing/);
    problem(14, 'The line has more cells than the header row');
    assert.doesNotMatch(page, /<td[^>]*>2<\/td><td[^>]*>[A-Z‘]/, 'the good first row has no problem');
    assert.match(page, /The file has 12 problems/);
    assert.match(page, /Lines without problems/);
    assert.equal(applyAction(page), undefined, 'no import button');
    assert.doesNotMatch(page, /Import \d+ signature/);
    assert.equal(await snapshot(), before, 'nothing stored, not even the batch');
  });

  test('whole-file problems: too big, empty, wrong columns, not UTF-8, no rows, an unclosed quote, too many rows, a workbook', async () => {
    const before = await snapshot();
    const refused = async (content: string | Buffer, message: RegExp, name = 'signatures.csv') => {
      const res = await upload(admin, content, name);
      assert.equal(res.statusCode, 422, message.source);
      assert.match(decode(res.body), message);
      assert.match(res.body, /<h1[^>]*>Import past signatures<\/h1>/);
    };
    await refused(Buffer.alloc(50 * 1024 * 1024, 'a,b\r\n'), /The selected file must be smaller than 5 MB/);
    await refused(Buffer.alloc(0), /Select a CSV file/, '');
    await refused(Buffer.alloc(0), /The selected file is empty/);
    await refused(
      csv('email,full_name,start_date', 'a@x.example,A,2025-01-01'),
      /The header row \(line 1\) is missing the policy, the version and the signed_on columns/,
    );
    await refused(Buffer.from(`${HEADER}\r\nren\xe9@x.example,p,V1.0,2025-01-01,,\r\n`, 'latin1'), /not saved as UTF-8/);
    await refused(csv(HEADER), /The file has a header row but no signatures in it/);
    await refused(csv(HEADER, '', 'a@x.example,p,V1.0,2025-01-01,,"never closed', 'b@x.example,p,V1.0,2025-01-01,,'), /Line 3 has a quote mark/);
    await refused(
      csv(HEADER, ...Array.from({ length: 5001 }, (_, i) => `p${i}@x.example,p,V1.0,2025-01-01,,`)),
      /The file has 5,001 signatures in it. Import at most 5,000 at a time/,
    );
    await refused(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 1, 2, 3]), /an Excel workbook, not a CSV file/, 'signatures.xlsx');
    assert.equal(await snapshot(), before);
  });

  test('a signature made while the file waited is caught when it is imported, and nothing is stored', async () => {
    const { policy } = await policyNamed('Password Policy');
    await createCampaign(await as(cast.admin), policy.id, everyone, today);
    const res = await upload(
      admin,
      csv('email,policy,version,signed_on', `${email('head.a')},${policy.slug},V1.0,2025-09-01`, `${email('teacher.a')},${policy.slug},V1.0,2025-09-01`),
    );
    const action = applyAction(res.body);
    assert.ok(action);
    const [mine] = await currentOf(cast.teacherA.id, policy.id);
    await signAssignment(await as(cast.teacherA), mine?.id as string, { typedName: 'Tess Teacher', position: 'Teacher', statements: ['0', '1'] });
    const before = await snapshot();
    const refused = await admin.post(action);
    assert.equal(refused.statusCode, 422);
    assert.match(decode(refused.body), /have changed since this file was checked, so nothing was imported/);
    assert.equal(await snapshot(), before);
    const [halNow] = await currentOf(cast.headA.id, policy.id);
    assert.equal(halNow?.acknowledgementId, null, 'Hal’s line, although good, was not imported either');
  });
});

describe('who may import', () => {
  test('a teacher or a head teacher is refused the page, the template, the upload and the batch', async () => {
    const { policy } = await policyNamed('Camera Policy');
    const res = await upload(admin, csv('email,policy,version,signed_on', `${email('teacher.b')},${policy.slug},V1.0,2025-09-01`));
    const action = applyAction(res.body) as string;
    assert.ok(action);
    const before = await snapshot();
    for (const agent of [teacher, head]) {
      assert.equal((await agent.get('/acknowledgements/import')).statusCode, 403);
      assert.equal((await agent.get('/acknowledgements/import/template.csv')).statusCode, 403);
      assert.equal((await upload(agent, csv('email,policy,version,signed_on', `${email('teacher.b')},${policy.slug},V1.0,2025-09-01`))).statusCode, 403);
      assert.equal((await agent.get(action.replace(/\/apply$/, ''))).statusCode, 403);
      assert.equal((await agent.post(action)).statusCode, 403);
    }
    assert.equal(await snapshot(), before);
  });

  test('another trust’s administrator cannot see or import this trust’s batch', async () => {
    const { policy } = await policyNamed('Mobile Phone Policy');
    const res = await upload(admin, csv('email,policy,version,signed_on', `${email('teacher.b')},${policy.slug},V1.0,2025-09-01`));
    const action = applyAction(res.body) as string;
    assert.ok(action);
    const before = await snapshot();
    assert.equal((await otherAdmin.get(action.replace(/\/apply$/, ''))).statusCode, 404);
    assert.equal((await otherAdmin.post(action)).statusCode, 404);
    assert.equal((await admin.get('/acknowledgements/import/not-a-uuid')).statusCode, 404);
    assert.equal(await snapshot(), before);
    // The owner still can: the waiting batch shows its preview again.
    const waiting = await admin.get(action.replace(/\/apply$/, ''));
    assert.equal(waiting.statusCode, 200);
    assert.match(waiting.body, /Import 1 signature</);
  });

  test('a form without its CSRF token is refused', async () => {
    const { policy } = await policyNamed('Printing Policy');
    const res = await upload(admin, csv('email,policy,version,signed_on', `${email('teacher.b')},${policy.slug},V1.0,2025-09-01`));
    const action = applyAction(res.body) as string;
    const before = await snapshot();
    assert.equal((await admin.post(action, {}, { csrf: false })).statusCode, 403);
    assert.equal(await snapshot(), before);
  });
});
