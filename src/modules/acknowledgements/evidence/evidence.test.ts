import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, desc, eq, sql } from 'drizzle-orm';
import { extractText } from 'unpdf';
import { Agent, type TestApp, type TwoTrusts, twoTrusts } from '../../../../test/app.ts';
import { makePerson, systemCtx } from '../../../../test/factories.ts';
import { publishedPolicy } from '../../../../test/policies.ts';
import { auditEvents } from '../../../audit/schema.ts';
import { verifyEvidence } from '../../../cli/verify-evidence.ts';
import type { Ctx } from '../../../context.ts';
import { transaction } from '../../../db/client.ts';
import { ForbiddenError, NotFoundError } from '../../../errors.ts';
import { formatDate, formatDateTime } from '../../../ui/format.ts';
import type { AcknowledgementRow } from '../chain.ts';
import { recordPaperSignature, writeAcknowledgement } from '../service.ts';
import { certificatePdf } from './certificate.ts';
import { assignToEveryone, openAssignment, sign } from './fixtures.ts';
import { certificateFilename, slugify } from './labels.ts';
import * as service from './service.ts';

let t: TestApp;
let cast: TwoTrusts['cast'];
let other: TwoTrusts['other'];
let admin: Agent;
let head: Agent;
let teacher: Agent;
let otherAdmin: Agent;
let policy: { id: string; slug: string; title: string };
/** Tess (school A, line manager Hal), Bo (school B), Siân (school B, line manager Lee, who has no role), and Hal's paper form. */
let tess: AcknowledgementRow;
let bo: AcknowledgementRow;
let sian: AcknowledgementRow;
let paper: AcknowledgementRow;
/** Ada's signature, imported from the school's old spreadsheet. */
let imported: AcknowledgementRow;
let lee: Agent;
const scanBytes = Buffer.from('%PDF-1.4\n% a scanned paper form\n%%EOF\n');
const UA = 'Mozilla/5.0 (X11; Linux x86_64) TestBrowser/1.0';

before(async () => {
  ({ t, cast, other, admin, head, teacher, otherAdmin } = await twoTrusts());
  const db = t.app.db;
  const leeP = await makePerson(db, cast.trust.id, { name: 'Lee Line', email: `lee@${cast.trust.slug}.example`, schoolIds: [cast.schoolB.id] });
  const sianP = await makePerson(db, cast.trust.id, {
    name: 'Siân Ŵyn',
    email: `sian@${cast.trust.slug}.example`,
    schoolIds: [cast.schoolA.id, cast.schoolB.id],
    lineManagerId: leeP.id,
  });
  ({ policy } = await publishedPolicy(db, cast.trust.id));
  await assignToEveryone(db, cast.trust.id, policy.id);
  tess = await sign(db, cast.teacherA, policy.id, { ip: '203.0.113.9', userAgent: UA });
  bo = await sign(db, cast.teacherB, policy.id);
  sian = await sign(db, sianP, policy.id);
  paper = await recordPaperSignature(
    { db, actor: adminActor(), baseUrl: 'http://localhost', ip: '192.0.2.10', userAgent: 'Office PC' },
    await openAssignment(db, cast.trust.id, cast.headA.id, policy.id),
    { typedName: 'Hal Head', position: 'Head teacher', signedOn: '2026-09-02', proxyNote: 'Signed at the staff induction before accounts were set up' },
    { fileName: 'hal-form.pdf', bytes: scanBytes },
  );
  const adaAssignment = await openAssignment(db, cast.trust.id, cast.admin.id, policy.id);
  imported = await transaction(db, (tx) =>
    writeAcknowledgement(tx, cast.trust.id, adaAssignment, {
      authMethod: 'imported',
      imported: true,
      typedName: 'Ada Admin',
      position: 'Business manager',
      signedAt: new Date('2025-09-05T12:00:00Z'),
      ip: null,
      userAgent: null,
    }),
  );
  lee = await new Agent(t.app).signIn(leeP.email);
});
after(() => t.close());

/** The cast's trust administrator, as a service actor (for recording the paper form). */
function adminActor() {
  return {
    type: 'person' as const,
    trustId: cast.trust.id,
    personId: cast.admin.id,
    name: cast.admin.fullName,
    email: cast.admin.email,
    roles: [{ role: 'trust_admin' as const, schoolId: null }],
    schoolIds: [],
  };
}

const pdfText = async (body: Buffer) => (await extractText(new Uint8Array(body), { mergePages: true })).text.replace(/\s+/g, ' ');

describe('the signature record page', () => {
  test('shows every evidence field, the chain check and the certificate button', async () => {
    const res = await teacher.get(`/acknowledgements/${tess.id}`);
    assert.equal(res.statusCode, 200);
    for (const expected of [
      'Tess Teacher',
      cast.teacherA.email,
      'School A',
      'Class teacher',
      policy.title,
      'V1.0',
      tess.contentSha256,
      'I have read and understand the above and agree to follow it.',
      'I will lock my screen when I leave it.',
      'I will report anything that worries me to the DSL.',
      formatDateTime(tess.signedAt),
      tess.signedAt.toISOString(),
      'Email sign-in link',
      '203.0.113.9',
      UA,
      `<dd class="govuk-summary-list__value">${tess.seq}</dd>`,
      tess.prevHash,
      tess.hash,
      'govuk-tag--green">Intact',
      `href="/certificates/${tess.id}.pdf"`,
      'Download certificate',
      `/verify/${tess.id}`,
    ])
      assert.ok(res.body.includes(expected), `the page shows ${expected}`);
    assert.doesNotMatch(res.body, /Recorded on their behalf|Imported/);
  });

  test('a paper form shows who recorded it, why, and links to the scan, which only those who may see the record can open', async () => {
    const res = await admin.get(`/acknowledgements/${paper.id}`);
    assert.equal(res.statusCode, 200);
    for (const expected of [
      'Hal Head',
      'Head teacher',
      'Recorded on their behalf by',
      'Ada Admin',
      'Signed at the staff induction before accounts were set up',
      'Paper form recorded by a member of staff',
      `${formatDate('2026-09-02')} (the date on the paper form)`,
      `href="/acknowledgements/${paper.id}/scan"`,
      'Open the scan (hal-form.pdf)',
      paper.scanSha256 as string,
    ])
      assert.ok(res.body.includes(expected), `the page shows ${expected}`);
    const scan = await admin.get(`/acknowledgements/${paper.id}/scan`);
    assert.equal(scan.statusCode, 200);
    assert.equal(scan.headers['content-type'], 'application/pdf');
    assert.equal(scan.headers['cache-control'], 'private, no-store');
    assert.deepEqual(scan.rawPayload, scanBytes);
    assert.equal((await head.get(`/acknowledgements/${paper.id}/scan`)).statusCode, 200, 'Hal sees his own form');
    assert.equal((await teacher.get(`/acknowledgements/${paper.id}/scan`)).statusCode, 403);
    assert.equal((await otherAdmin.get(`/acknowledgements/${paper.id}/scan`)).statusCode, 404);
    assert.equal((await teacher.get(`/acknowledgements/${tess.id}/scan`)).statusCode, 404, 'a signature made online has no scan');
  });

  test('an imported signature says so, with the date of the earlier record and no sign-in details', async () => {
    const res = await admin.get(`/acknowledgements/${imported.id}`);
    assert.equal(res.statusCode, 200);
    for (const expected of [
      'Yes: imported from an earlier record of a signature',
      'Imported from an earlier record<',
      `${formatDate('2025-09-05')} (the date on the earlier record)`,
      '2025-09-05<',
    ])
      assert.ok(res.body.includes(expected), `the page shows ${expected}`);
    assert.ok(!res.body.includes('2025-09-05T12:00:00.000Z'), 'a date, not a moment');
    const verify = await new Agent(t.app).get(`/verify/${imported.id}`);
    assert.ok(verify.body.includes(`${formatDate('2025-09-05')} (imported from an earlier record)`));
  });

  test('the person, their line manager, their head teacher and trust admins see it; others of the trust are refused; another trust finds nothing', async () => {
    const see = async (agent: Agent, ack: AcknowledgementRow) => (await agent.get(`/acknowledgements/${ack.id}`)).statusCode;
    assert.equal(await see(teacher, tess), 200, 'her own');
    assert.equal(await see(head, tess), 200, 'her line manager and head teacher');
    assert.equal(await see(admin, bo), 200, 'a trust admin');
    assert.equal(await see(lee, sian), 200, 'her line manager, who holds no role');
    assert.equal(await see(head, sian), 200, 'the head teacher of one of her schools');
    assert.equal(await see(teacher, bo), 403, 'a colleague');
    assert.equal(await see(head, bo), 403, 'the head teacher of another school');
    assert.equal(await see(lee, tess), 403, 'a line manager, of someone else');
    assert.equal(await see(otherAdmin, tess), 404, 'another trust');
    assert.equal((await teacher.get('/acknowledgements/not-a-number')).statusCode, 404);
    assert.equal((await teacher.get(`/acknowledgements/${crypto.randomUUID()}`)).statusCode, 404);
    const signedOut = await new Agent(t.app).get(`/acknowledgements/${tess.id}`);
    assert.equal(signedOut.statusCode, 303);
    assert.match(signedOut.headers.location as string, /^\/sign-in/);
  });

  test('an API key that reads compliance may load a record; one without that scope may not', async () => {
    const key = (scopes: string[]): Ctx => ({
      db: t.app.db,
      actor: { type: 'api_key', trustId: cast.trust.id, keyId: crypto.randomUUID(), name: 'MIS', scopes },
      baseUrl: 'http://localhost',
    });
    assert.equal((await service.getAcknowledgement(key(['compliance:read']), bo.id)).ack.id, bo.id);
    await assert.rejects(service.getAcknowledgement(key(['people:read']), bo.id), ForbiddenError);
    await assert.rejects(
      service.getAcknowledgement({ ...key(['compliance:read']), actor: { ...key([]).actor, trustId: other.trust.id } }, bo.id),
      NotFoundError,
    );
  });
});

describe('the certificate', () => {
  test('prints the evidence and the verification address, as a private download named after the policy and the person', async () => {
    const res = await teacher.get(`/certificates/${tess.id}.pdf`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/pdf');
    assert.equal(res.headers['cache-control'], 'private, no-store');
    assert.equal(res.headers['content-disposition'], `attachment; filename="certificate-${policy.slug}-tess-teacher-${tess.seq}.pdf"`);
    const text = await pdfText(res.rawPayload);
    for (const expected of [
      'Signature certificate',
      cast.trust.name,
      'Tess Teacher',
      'Class teacher',
      'School A',
      policy.title,
      'V1.0',
      tess.contentSha256,
      'I have read and understand the above and agree to follow it.',
      'I will lock my screen when I leave it.',
      'I will report anything that worries me to the DSL.',
      formatDateTime(tess.signedAt),
      tess.signedAt.toISOString(),
      'Email sign-in link',
      '203.0.113.9',
      UA,
      tess.id,
      tess.hash,
      `http://localhost:3000/verify/${tess.id}`,
    ])
      assert.ok(text.includes(expected), `the certificate shows ${expected}: ${text.slice(0, 300)}`);
    assert.doesNotMatch(text, /Recorded on their behalf|Warning/);
  });

  test('names with accents print as typed, and a paper form names who recorded it and why', async () => {
    const res = await lee.get(`/certificates/${sian.id}.pdf`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-disposition'], `attachment; filename="certificate-${policy.slug}-sian-wyn-${sian.seq}.pdf"`);
    const text = await pdfText(res.rawPayload);
    assert.ok(text.includes('Siân Ŵyn'), text.slice(0, 300));
    assert.ok(text.includes('School A, School B'));
    const onPaper = await pdfText((await admin.get(`/certificates/${paper.id}.pdf`)).rawPayload);
    for (const expected of [
      'Recorded on their behalf by',
      'Ada Admin',
      'Signed at the staff induction before accounts were set up',
      paper.scanSha256 as string,
    ])
      assert.ok(onPaper.includes(expected), `the paper certificate shows ${expected}`);
  });

  test('the same people as the record page may download it', async () => {
    assert.equal((await head.get(`/certificates/${tess.id}.pdf`)).statusCode, 200);
    assert.equal((await admin.get(`/certificates/${bo.id}.pdf`)).statusCode, 200);
    assert.equal((await teacher.get(`/certificates/${bo.id}.pdf`)).statusCode, 403);
    assert.equal((await lee.get(`/certificates/${tess.id}.pdf`)).statusCode, 403);
    assert.equal((await otherAdmin.get(`/certificates/${tess.id}.pdf`)).statusCode, 404);
    assert.equal((await teacher.get(`/certificates/${crypto.randomUUID()}.pdf`)).statusCode, 404);
  });

  test('the same record gives the same bytes', async () => {
    const input = await service.certificateFor(systemCtx(t.app.db, cast.trust.id), bo.id);
    assert.deepEqual(await certificatePdf(input), await certificatePdf(input));
  });

  test('file names are plain: accents dropped, punctuation turned to hyphens', () => {
    assert.equal(slugify('Zoë O’Brien-Smith'), 'zoe-obrien-smith');
    assert.equal(certificateFilename('staff-aup', { personName: 'Siân Ŵyn', seq: 7 }), 'certificate-staff-aup-sian-wyn-7.pdf');
  });
});

describe('the public verification page', () => {
  test('confirms the record without signing in, and shows no email, IP address or browser', async () => {
    const res = await new Agent(t.app).get(`/verify/${tess.id}`);
    assert.equal(res.statusCode, 200);
    for (const expected of ['This signature record is genuine', cast.trust.name, 'Tess Teacher', policy.title, 'V1.0', formatDate(tess.signedAt), tess.hash])
      assert.ok(res.body.includes(expected), `the page shows ${expected}`);
    assert.ok(res.body.includes(`Signature record ${tess.seq}`));
    for (const hidden of [cast.teacherA.email, '203.0.113.9', UA]) assert.ok(!res.body.includes(hidden), `the page hides ${hidden}`);
    assert.equal(res.headers['x-robots-tag'], 'noindex');
  });

  test('a paper record is confirmed without its scan', async () => {
    const res = await new Agent(t.app).get(`/verify/${paper.id}`);
    assert.equal(res.statusCode, 200);
    assert.ok(res.body.includes('(on a paper form)'));
    assert.ok(!res.body.includes('/scan'));
    assert.ok(!res.body.includes('Signed at the staff induction'), 'the reason is not public');
  });

  test('anyone signed in to any trust can check it too; an unknown or malformed number is not found', async () => {
    assert.equal((await otherAdmin.get(`/verify/${bo.id}`)).statusCode, 200);
    for (const id of [crypto.randomUUID(), 'abc', `${tess.id}x`]) {
      const res = await new Agent(t.app).get(`/verify/${id}`);
      assert.equal(res.statusCode, 404);
      assert.ok(res.body.includes(service.UNKNOWN_RECORD), id);
    }
  });
});

describe('checking the whole chain', () => {
  test('trust admins run the check in the app; it is written to the audit log and shown as the last check', async () => {
    const before = await admin.get('/evidence');
    assert.equal(before.statusCode, 200);
    assert.ok(before.body.includes('The chain has not been checked yet.'));
    const res = await admin.post('/evidence');
    assert.equal(res.statusCode, 200);
    assert.ok(res.body.includes('The chain is intact'));
    assert.ok(res.body.includes('All 5 signature records match their hashes'));
    assert.ok(res.body.includes(imported.hash), 'the last hash');
    assert.ok(res.body.includes('by Ada Admin'));
    const [event] = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.trustId, cast.trust.id), eq(auditEvents.action, 'evidence.verified')));
    assert.equal(event?.actorLabel, 'Ada Admin');
    assert.deepEqual(event?.after, { checked: 5, lastSeq: 5, lastHash: imported.hash, problem: null });
    const later = await admin.get('/evidence');
    assert.ok(later.body.includes('The last check'));
    assert.ok(later.body.includes('by Ada Admin'));
    assert.ok(later.body.includes(imported.hash));
  });

  test('only trust admins may run it, and the form needs its CSRF token', async () => {
    assert.equal((await teacher.get('/evidence')).statusCode, 403);
    assert.equal((await head.get('/evidence')).statusCode, 403);
    assert.equal((await head.post('/evidence')).statusCode, 403);
    assert.equal((await admin.post('/evidence', {}, { csrf: false })).statusCode, 403);
  });

  test('countersign verify-evidence checks every trust, or one, and exits 2 for a trust that does not exist', async () => {
    const out: string[] = [];
    const err: string[] = [];
    assert.equal(
      await verifyEvidence(
        t.database,
        t.config,
        {},
        (s) => out.push(s),
        (s) => err.push(s),
      ),
      0,
    );
    assert.ok(out.includes(`${cast.trust.name} (${cast.trust.slug}): 5 records checked, chain intact (last hash ${imported.hash})\n`), out.join(''));
    assert.ok(out.includes(`${other.trust.name} (${other.trust.slug}): 0 records checked, chain intact (no records yet)\n`), out.join(''));
    out.length = 0;
    assert.equal(
      await verifyEvidence(
        t.database,
        t.config,
        { trust: other.trust.slug },
        (s) => out.push(s),
        (s) => err.push(s),
      ),
      0,
    );
    assert.equal(out.length, 1);
    assert.equal(
      await verifyEvidence(
        t.database,
        t.config,
        { trust: 'no-such-trust' },
        (s) => out.push(s),
        (s) => err.push(s),
      ),
      2,
    );
    assert.match(err.join(''), /no trust with the short name "no-such-trust"/);
    const [event] = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.trustId, cast.trust.id), eq(auditEvents.action, 'evidence.verified')))
      .orderBy(desc(auditEvents.id))
      .limit(1);
    assert.equal(event?.actorLabel, 'Countersign command line');
  });
});

describe('after someone changes a record in the database', () => {
  before(async () => {
    // Bo's record (number 2) is edited behind the application's back, with the append-only trigger switched off.
    await t.app.db.execute(sql`alter table acknowledgements disable trigger acknowledgements_append_only`);
    try {
      await t.app.db.execute(sql`update acknowledgements set position = 'Head of computing' where trust_id = ${cast.trust.id} and id = ${bo.id}`);
    } finally {
      await t.app.db.execute(sql`alter table acknowledgements enable trigger acknowledgements_append_only`);
    }
  });

  test('its page, its certificate and its public page say it does not match; the records around it still do', async () => {
    const page = await admin.get(`/acknowledgements/${bo.id}`);
    assert.ok(page.body.includes('govuk-tag--red">Does not match'));
    assert.ok(page.body.includes('The record has been changed since it was written.'));
    assert.ok((await admin.get(`/acknowledgements/${sian.id}`)).body.includes('govuk-tag--green">Intact'), 'the next record still links to the stored hash');
    const certificate = await pdfText((await admin.get(`/certificates/${bo.id}.pdf`)).rawPayload);
    assert.ok(certificate.includes('Warning: this record no longer matches the evidence chain.'));
    const verify = await new Agent(t.app).get(`/verify/${bo.id}`);
    assert.equal(verify.statusCode, 200);
    assert.ok(verify.body.includes('This signature record does not match'));
  });

  test('the check in the app names the first bad record and links to it', async () => {
    const res = await admin.post('/evidence');
    assert.ok(res.body.includes('The chain has a problem'));
    assert.ok(res.body.includes(`href="/acknowledgements/${bo.id}"`));
    assert.ok(res.body.includes('record 2 has been changed since it was written'));
    assert.ok(res.body.includes(tess.hash), 'the last good hash');
  });

  test('countersign verify-evidence fails with exit code 1, naming the record', async () => {
    const out: string[] = [];
    const err: string[] = [];
    assert.equal(
      await verifyEvidence(
        t.database,
        t.config,
        {},
        (s) => out.push(s),
        (s) => err.push(s),
      ),
      1,
    );
    assert.ok(
      out.includes(
        `${cast.trust.name} (${cast.trust.slug}): 1 record checked, FAILED at record 2 (${bo.id}): record 2 has been changed since it was written (its hash does not match its contents)\n`,
      ),
      out.join(''),
    );
    assert.ok(out.some((line) => line.startsWith(`${other.trust.name} (${other.trust.slug}): 0 records checked, chain intact`)));
    assert.match(err.join(''), /1 trust of 2 failed the check/);
  });
});
