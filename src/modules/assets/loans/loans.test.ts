import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq, like, sql } from 'drizzle-orm';
import { renderToStaticMarkup } from 'react-dom/server';
import { Agent, createTestApp, type TestApp } from '../../../../test/app.ts';
import { type ConcernCast, concernCast } from '../../../../test/concerns.ts';
import { actingAs, makePerson, makeTrustWithCast } from '../../../../test/factories.ts';
import { auditEvents } from '../../../audit/schema.ts';
import { sha256 } from '../../../crypto.ts';
import type { Db } from '../../../db/client.ts';
import { magicLinks } from '../../auth/schema.ts';
import { outbox } from '../../notifications/schema.ts';
import { canonicalJson } from '../../policies/content.ts';
import { type AssetStatus, assetEvents, assets, loanAgreementVersions, loanItems, loans } from '../schema.ts';
import * as service from './service.ts';
import { sendLoanReminders } from './sweep.ts';
import { loanTodos } from './todos.ts';
import { MyLoansSection } from './views.tsx';

const AGREEMENT =
  'Keep the device safe and do not let anyone else use it.\nReturn it within 72 hours when the school asks, with all accessories, cables and packaging.';
const HOUR = 3_600_000;

let serial = 0;
/** A device in the register, set up directly (the assets module's forms are tested there). */
async function makeAsset(db: Db, trustId: string, schoolId: string | null, tag: string, status: AssetStatus = 'in_stock') {
  serial += 1;
  const [asset] = await db
    .insert(assets)
    .values({ trustId, tag, serial: `SN-${tag}-${serial}`, type: 'laptop', make: 'Dell', model: 'Latitude 5440', schoolId, status })
    .returning();
  if (!asset) throw new Error('asset not created');
  return asset;
}

async function assetStatus(db: Db, id: string) {
  const [row] = await db.select({ status: assets.status }).from(assets).where(eq(assets.id, id));
  return row?.status;
}

async function loanByRef(db: Db, trustId: string, reference: string) {
  const [loan] = await db
    .select()
    .from(loans)
    .where(and(eq(loans.trustId, trustId), eq(loans.reference, reference)));
  if (!loan) throw new Error(`no loan ${reference}`);
  return loan;
}

const tokenIn = (text: string) => {
  const url = /https?:\/\/\S+\/sign-in\/link\?token=\S+/.exec(text)?.[0];
  assert.ok(url, 'the email carries a sign-in link');
  return new URL(url).searchParams.get('token') as string;
};

const refFrom = (location: unknown) => {
  const match = /^\/loans\/(L-\d{4}-\d{4})$/.exec(String(location));
  assert.ok(match, `redirected to a loan page, not ${String(location)}`);
  return match[1] as string;
};

describe('device loans', () => {
  let t: TestApp;
  let cast: ConcernCast;
  let other: Awaited<ReturnType<typeof makeTrustWithCast>>;
  let it: Agent;
  let teacher: Agent;
  let teacherB: Agent;
  let head: Agent;
  let admin: Agent;
  let otherAdmin: Agent;
  const tess = () => `Tess Teacher (${cast.teacherA.email})`;

  /** IT lends devices through the form, as a browser posts it. */
  async function lend(tags: string[], person = tess(), extra: Record<string, string | string[]> = {}) {
    const form: Record<string, string | string[]> = { person, slots: String(Math.max(3, tags.length)), offSite: 'yes', action: 'issue', ...extra };
    tags.forEach((tag, i) => {
      form[`device-${i}`] = tag;
      form[`accessories-${i}`] ??= ['charger'];
    });
    return it.post('/loans/new', form);
  }

  async function signedLoan(tags: string[]) {
    const res = await lend(tags);
    assert.equal(res.statusCode, 303, res.body.slice(0, 300));
    const reference = refFrom(res.headers.location);
    const signed = await teacher.post(`/loans/${reference}/sign`, { agree: 'yes', typedName: 'Tess Teacher' });
    assert.equal(signed.statusCode, 303, signed.body.slice(0, 300));
    return reference;
  }

  before(async () => {
    t = await createTestApp();
    cast = await concernCast(t.app.db, await makeTrustWithCast(t.app.db, 'alpha'));
    other = await makeTrustWithCast(t.app.db, 'beta');
    it = await new Agent(t.app).signIn(cast.itA.email);
    teacher = await new Agent(t.app).signIn(cast.teacherA.email);
    teacherB = await new Agent(t.app).signIn(cast.teacherB.email);
    head = await new Agent(t.app).signIn(cast.headA.email);
    admin = await new Agent(t.app).signIn(cast.admin.email);
    otherAdmin = await new Agent(t.app).signIn(other.admin.email);
  });
  after(() => t.close());

  test('lending before the trust has a loan agreement is refused with a link to publish one; publishing a version', async () => {
    const asset = await makeAsset(t.app.db, cast.trust.id, cast.schoolA.id, 'A-LT-0001');
    const form = await it.get('/loans/new');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /href="\/loans\/agreement"/, 'the form warns and links to the agreement page');
    const refused = await lend([asset.tag]);
    assert.equal(refused.statusCode, 422);
    assert.match(refused.body, /Publish the trust’s device loan agreement before lending devices/);
    assert.match(refused.body, /href="\/loans\/agreement"/);
    assert.equal((await t.app.db.select().from(loans)).length, 0, 'no loan saved');
    assert.equal(await assetStatus(t.app.db, asset.id), 'in_stock');

    assert.equal((await teacher.post('/loans/agreement', { label: '2026-1', text: AGREEMENT })).statusCode, 403, 'a teacher cannot publish');
    const blank = await admin.post('/loans/agreement', { label: '', text: '' });
    assert.equal(blank.statusCode, 422);
    assert.match(blank.body, /Enter a label for this version/);
    assert.match(blank.body, /Enter the text of the loan agreement/);
    const published = await admin.post('/loans/agreement', { label: '2026-1', text: AGREEMENT });
    assert.equal(published.statusCode, 303);
    const [version] = await t.app.db.select().from(loanAgreementVersions).where(eq(loanAgreementVersions.trustId, cast.trust.id));
    assert.equal(version?.label, '2026-1');
    assert.equal(version?.contentSha256, sha256(AGREEMENT));
    const again = await admin.post('/loans/agreement', { label: '2026-1', text: `${AGREEMENT}\nA change.` });
    assert.equal(again.statusCode, 422);
    assert.match(again.body, /There is already a version labelled 2026-1/);
    const page = await teacher.get('/loans/agreement');
    assert.equal(page.statusCode, 200, 'staff can read the agreement they sign');
    assert.match(page.body, /Keep the device safe/);
    assert.doesNotMatch(page.body, /Publish this version/, 'but not publish one');
    await assert.rejects(
      t.app.db.execute(sql`update loan_agreement_versions set text = 'changed' where trust_id = ${cast.trust.id}`),
      (error: Error & { cause?: Error }) => /loan_agreement_versions are append-only/.test(String(error.cause?.message ?? error.message)),
      'a published version cannot be changed',
    );
  });

  test('IT lends two laptops in one loan: waiting for signature, both on loan, and an email whose link signs the person in on the sign page', async () => {
    const one = await makeAsset(t.app.db, cast.trust.id, cast.schoolA.id, 'A-LT-0101');
    const two = await makeAsset(t.app.db, cast.trust.id, cast.schoolA.id, 'A-LT-0102');
    const prefilled = await it.get(`/loans/new?asset=${one.tag}`);
    assert.match(prefilled.body, /name="device-0"[^>]*value="A-LT-0101"/, 'the asset is prefilled');
    const added = await it.post('/loans/new', { person: tess(), slots: '3', 'device-0': one.tag, action: 'add' });
    assert.equal(added.statusCode, 200);
    assert.match(added.body, /name="device-3"/, 'a fourth row');
    assert.match(added.body, /value="A-LT-0101"/, 'what was typed is kept');

    const res = await lend([one.tag, two.serial], tess(), {
      'accessories-0': ['charger', 'bag'],
      'accessories-1': 'charger',
      'otherAccessories-1': 'USB-C hub',
      offSiteNote: 'Home learning',
    });
    assert.equal(res.statusCode, 303, res.body.slice(0, 500));
    const reference = refFrom(res.headers.location);
    assert.match(reference, new RegExp(`^L-${new Date().getFullYear()}-\\d{4}$`));
    const loan = await loanByRef(t.app.db, cast.trust.id, reference);
    assert.equal(loan.status, 'awaiting_signature');
    assert.equal(loan.personId, cast.teacherA.id);
    assert.equal(loan.schoolId, cast.schoolA.id);
    assert.equal(loan.offSite, true);
    assert.equal(loan.offSiteNote, 'Home learning');
    const items = await t.app.db.select().from(loanItems).where(eq(loanItems.loanId, loan.id));
    assert.deepEqual(items.find((i) => i.assetId === one.id)?.accessories, ['Charger', 'Bag or case']);
    assert.deepEqual(items.find((i) => i.assetId === two.id)?.accessories, ['Charger', 'USB-C hub']);
    assert.equal(await assetStatus(t.app.db, one.id), 'on_loan');
    assert.equal(await assetStatus(t.app.db, two.id), 'on_loan');
    const events = await t.app.db.select().from(assetEvents).where(eq(assetEvents.assetId, one.id));
    assert.ok(
      events.some((e) => e.text === `Lent to Tess Teacher on ${reference}`),
      'the asset’s history says it was lent',
    );
    const [audit] = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'loan.issued'), eq(auditEvents.resourceId, loan.id)));
    assert.equal(audit?.summary, `Lent A-LT-0101, A-LT-0102 to Tess Teacher on ${reference}`);

    const [email] = await t.app.db
      .select()
      .from(outbox)
      .where(eq(outbox.dedupeKey, `loan:${loan.id}:issued`));
    assert.ok(email, 'the person is emailed');
    assert.equal(email.toAddress, cast.teacherA.email);
    assert.equal(email.sensitive, true, 'it carries a sign-in link');
    assert.match(email.subject, new RegExp(`School A: please sign for the devices lent to you \\(${reference}\\)`));
    assert.match(email.textBody, /A-LT-0102: Dell Latitude 5440 \(serial number SN-A-LT-0102-\d+\)/);
    const [link] = await t.app.db
      .select()
      .from(magicLinks)
      .where(eq(magicLinks.nextPath, `/loans/${reference}/sign`));
    assert.ok(link, 'the link leads to the sign page');
    const browser = new Agent(t.app);
    const used = await browser.post('/sign-in/link', { token: tokenIn(email.textBody) });
    assert.equal(used.statusCode, 303);
    assert.equal(used.headers.location, `/loans/${reference}/sign`);
    const page = await browser.get(`/loans/${reference}/sign`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Keep the device safe/, 'the agreement text in force');
    assert.match(page.body, /SN-A-LT-0101-\d+/, 'the serial numbers');
    assert.match(page.body, /Bag or case/, 'the accessories');
    const record = await it.get(`/loans/${reference}`);
    assert.equal(record.statusCode, 200);
    assert.match(record.body, /Waiting for signature/);
  });

  test('a device on loan, lost, stolen, in repair or disposed is refused by name, and nothing is half-saved', async () => {
    const onLoan = await makeAsset(t.app.db, cast.trust.id, cast.schoolA.id, 'A-LT-0201');
    assert.equal((await lend([onLoan.tag])).statusCode, 303);
    const lost = await makeAsset(t.app.db, cast.trust.id, cast.schoolA.id, 'A-LT-0202', 'lost');
    const disposed = await makeAsset(t.app.db, cast.trust.id, cast.schoolA.id, 'A-LT-0203', 'disposed');
    const repair = await makeAsset(t.app.db, cast.trust.id, cast.schoolA.id, 'A-LT-0204', 'in_repair');
    const fine = await makeAsset(t.app.db, cast.trust.id, cast.schoolA.id, 'A-LT-0205');
    const before = {
      loans: (await t.app.db.select().from(loans)).length,
      items: (await t.app.db.select().from(loanItems)).length,
      emails: (await t.app.db.select().from(outbox)).length,
    };
    const res = await it.post('/loans/new', {
      person: tess(),
      slots: '6',
      'device-0': fine.tag,
      'device-1': onLoan.tag,
      'device-2': lost.serial,
      'device-3': disposed.tag,
      'device-4': repair.tag,
      'device-5': 'NO-SUCH-TAG',
      offSite: 'no',
    });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /A-LT-0201 is already on loan \(L-\d{4}-\d{4}\)/);
    assert.match(res.body, /A-LT-0202 is recorded as lost: it cannot be lent/);
    assert.match(res.body, /A-LT-0203 has been disposed of: it cannot be lent/);
    assert.match(res.body, /A-LT-0204 is in repair/);
    assert.match(res.body, /There is no device with the asset tag or serial number NO-SUCH-TAG/);
    assert.match(res.body, /value="A-LT-0205"/, 'what was typed is kept');
    assert.equal((await t.app.db.select().from(loans)).length, before.loans, 'no loan row');
    assert.equal((await t.app.db.select().from(loanItems)).length, before.items);
    assert.equal((await t.app.db.select().from(outbox)).length, before.emails, 'no email');
    assert.equal(await assetStatus(t.app.db, fine.id), 'in_stock', 'the good device is unchanged');
    assert.equal(await assetStatus(t.app.db, lost.id), 'lost');

    const stolen = await makeAsset(t.app.db, cast.trust.id, cast.schoolA.id, 'A-LT-0206', 'stolen');
    await assert.rejects(
      service.issueLoan(await actingAs(t.app.db, cast.itA), { person: tess(), 'device-0': stolen.tag, offSite: 'yes' }),
      (e: unknown) =>
        e instanceof Error &&
        'fieldErrors' in e &&
        /A-LT-0206 is recorded as stolen/.test(String((e as { fieldErrors: Record<string, string> }).fieldErrors['device-0'])),
    );
    const missing = await it.post('/loans/new', { person: '', slots: '3', offSite: '' });
    assert.equal(missing.statusCode, 422);
    assert.match(missing.body, /Choose the person the devices are lent to/);
    assert.match(missing.body, /Enter the asset tag or serial number of at least one device/);
    assert.match(missing.body, /Say whether the devices may be used off site/);
  });

  test('signing: a wrong name or no tick is refused; the person’s signature makes the loan active with a snapshot whose SHA-256 matches; the receipt', async () => {
    const one = await makeAsset(t.app.db, cast.trust.id, cast.schoolA.id, 'A-LT-0301');
    const res = await lend([one.tag]);
    const reference = refFrom(res.headers.location);
    const wrong = await teacher.post(`/loans/${reference}/sign`, { agree: 'yes', typedName: 'Tina Teacher' });
    assert.equal(wrong.statusCode, 422);
    assert.match(wrong.body, /Type the full name as it is on record: Tess Teacher/);
    const unticked = await teacher.post(`/loans/${reference}/sign`, { typedName: 'Tess Teacher' });
    assert.equal(unticked.statusCode, 422);
    assert.match(unticked.body, /Tick the declaration to sign for the devices/);
    assert.equal((await loanByRef(t.app.db, cast.trust.id, reference)).status, 'awaiting_signature', 'still unsigned');

    const notYet = await teacher.get(`/loans/${reference}/receipt.pdf`);
    assert.equal(notYet.statusCode, 404, 'no receipt before signing');
    const signed = await teacher.post(`/loans/${reference}/sign`, { agree: 'yes', typedName: '  tess   TEACHER ' });
    assert.equal(signed.statusCode, 303);
    assert.equal(signed.headers.location, `/loans/${reference}`);
    const loan = await loanByRef(t.app.db, cast.trust.id, reference);
    assert.equal(loan.status, 'active');
    assert.equal(loan.signMethod, 'email_link');
    assert.equal(loan.signedName, 'tess   TEACHER');
    assert.ok(loan.signedAt);
    const snapshot = loan.signedSnapshot as service.SignedSnapshot;
    assert.equal(loan.signedSha256, sha256(canonicalJson(snapshot)), 'the stored snapshot hashes to the stored SHA-256');
    assert.equal(snapshot.agreement.text, AGREEMENT);
    assert.equal(snapshot.agreement.sha256, sha256(AGREEMENT));
    assert.deepEqual(
      snapshot.items.map((i) => [i.tag, i.serial, i.make, i.model, i.accessories]),
      [[one.tag, one.serial, 'Dell', 'Latitude 5440', ['Charger']]],
    );
    assert.deepEqual(snapshot.person, { id: cast.teacherA.id, name: 'Tess Teacher', email: cast.teacherA.email });
    assert.equal(snapshot.signature.method, 'email_link');
    assert.equal(snapshot.signature.witnessedBy, null);
    assert.ok(snapshot.signature.userAgent !== undefined && snapshot.signature.ip, 'where it was signed from');
    const twice = await teacher.post(`/loans/${reference}/sign`, { agree: 'yes', typedName: 'Tess Teacher' });
    assert.equal(twice.statusCode, 409, 'it cannot be signed twice');

    const pdf = await teacher.get(`/loans/${reference}/receipt.pdf`);
    assert.equal(pdf.statusCode, 200);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    assert.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-');
    const itCopy = await it.get(`/loans/${reference}/receipt.pdf`);
    assert.equal(itCopy.statusCode, 200, 'IT has the same receipt');
    assert.deepEqual(itCopy.rawPayload, pdf.rawPayload, 'the same record gives the same bytes');
    assert.equal((await teacherB.get(`/loans/${reference}/receipt.pdf`)).statusCode, 403);
  });

  test('signing in person at the IT desk is recorded as in person, witnessed by IT', async () => {
    const one = await makeAsset(t.app.db, cast.trust.id, cast.schoolA.id, 'A-LT-0401');
    const res = await lend([one.tag], `Bo Teacher (${cast.teacherB.email})`);
    const reference = refFrom(res.headers.location);
    assert.equal((await it.get(`/loans/${reference}/sign`)).statusCode, 403, 'IT does not sign as the person');
    assert.equal((await teacher.get(`/loans/${reference}/sign?in_person=1`)).statusCode, 403, 'someone else cannot witness');
    const page = await it.get(`/loans/${reference}/sign?in_person=1`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Signing in person/);
    const wrong = await it.post(`/loans/${reference}/sign?in_person=1`, { agree: 'yes', typedName: 'Ivy It' });
    assert.equal(wrong.statusCode, 422, 'the person types their own name, not IT’s');
    const signed = await it.post(`/loans/${reference}/sign?in_person=1`, { agree: 'yes', typedName: 'Bo Teacher' });
    assert.equal(signed.statusCode, 303);
    const loan = await loanByRef(t.app.db, cast.trust.id, reference);
    assert.equal(loan.status, 'active');
    assert.equal(loan.signMethod, 'in_person');
    const snapshot = loan.signedSnapshot as service.SignedSnapshot;
    assert.deepEqual(snapshot.signature.witnessedBy, { id: cast.itA.id, name: 'Ivy It' });
    assert.equal(loan.signedSha256, sha256(canonicalJson(snapshot)));
    const [audit] = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'loan.signed'), eq(auditEvents.resourceId, loan.id)));
    assert.equal(audit?.actorId, cast.itA.id, 'the audit trail names the IT witness as the actor');
    assert.match(audit?.summary ?? '', /Bo Teacher signed loan L-\d{4}-\d{4} in person/);
  });

  test('cancelling before signing returns the devices to stock; a signed loan cannot be cancelled', async () => {
    const one = await makeAsset(t.app.db, cast.trust.id, cast.schoolA.id, 'A-LT-0501');
    const reference = refFrom((await lend([one.tag])).headers.location);
    assert.equal((await it.get(`/loans/${reference}/cancel`)).statusCode, 200);
    assert.equal((await teacher.post(`/loans/${reference}/cancel`)).statusCode, 403, 'the person cannot cancel it');
    const cancelled = await it.post(`/loans/${reference}/cancel`);
    assert.equal(cancelled.statusCode, 303);
    const loan = await loanByRef(t.app.db, cast.trust.id, reference);
    assert.equal(loan.status, 'cancelled');
    assert.equal(await assetStatus(t.app.db, one.id), 'in_stock');
    const sign = await teacher.get(`/loans/${reference}/sign`);
    assert.equal(sign.statusCode, 409, 'the emailed link says it was cancelled');
    assert.match(sign.body, /cancelled/);
    const again = await lend([one.tag]);
    assert.equal(again.statusCode, 303, 'the device can be lent again');

    const signedRef = await signedLoan([(await makeAsset(t.app.db, cast.trust.id, cast.schoolA.id, 'A-LT-0502')).tag]);
    assert.equal((await it.post(`/loans/${signedRef}/cancel`)).statusCode, 409);
  });

  test('request return: due 72 hours later (the database refuses any other deadline) and the person is emailed', async () => {
    const reference = await signedLoan([(await makeAsset(t.app.db, cast.trust.id, cast.schoolA.id, 'A-LT-0601')).tag]);
    assert.equal((await teacher.post(`/loans/${reference}/request-return`, { reason: '' })).statusCode, 403, 'only IT asks for a return');
    const form = await it.get(`/loans/${reference}/request-return`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /within 72 hours/);
    const asked = await it.post(`/loans/${reference}/request-return`, { reason: 'Annual check' });
    assert.equal(asked.statusCode, 303);
    const loan = await loanByRef(t.app.db, cast.trust.id, reference);
    assert.equal(loan.status, 'return_requested');
    assert.ok(loan.returnRequestedAt && loan.returnDueAt);
    assert.equal(loan.returnDueAt.getTime() - loan.returnRequestedAt.getTime(), 72 * HOUR);
    assert.equal(loan.returnReason, 'Annual check');
    assert.equal(loan.returnRequestedBy, cast.itA.id);
    const [email] = await t.app.db
      .select()
      .from(outbox)
      .where(eq(outbox.dedupeKey, `loan:${loan.id}:return-requested`));
    assert.equal(email?.toAddress, cast.teacherA.email);
    assert.match(email?.textBody ?? '', /Reason: Annual check/);
    const page = await teacher.get(`/loans/${reference}`);
    assert.match(page.body, /due in 72 hours|due in 3 days/, 'the clock on the loan page');
    await assert.rejects(
      t.app.db.execute(sql`update loans set return_due_at = return_requested_at + interval '96 hours' where id = ${loan.id}`),
      (error: Error & { cause?: Error }) => /loans_return_due_72h/.test(String(error.cause?.message ?? error.message)),
    );
    assert.equal((await it.post(`/loans/${reference}/request-return`, {})).statusCode, 409, 'already requested');
  });

  test('the return: each device’s condition and accessories; one charger missing is recorded; a device not on the loan is refused; the person confirms', async () => {
    const one = await makeAsset(t.app.db, cast.trust.id, cast.schoolA.id, 'A-LT-0701');
    const two = await makeAsset(t.app.db, cast.trust.id, cast.schoolA.id, 'A-LT-0702');
    const stranger = await makeAsset(t.app.db, cast.trust.id, cast.schoolA.id, 'A-LT-0703');
    const reference = await signedLoan([one.tag, two.tag]);
    assert.equal((await teacher.get(`/loans/${reference}/return/confirm`)).statusCode, 409, 'nothing to confirm before IT records the return');
    const form = await it.get(`/loans/${reference}/return`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /name="handedBack-0"[^>]*value="Charger"/);

    const good = {
      'device-0': one.tag,
      'condition-0': 'good',
      'handedBack-0': [] as string[],
      'note-0': 'No charger',
      'device-1': two.tag,
      'condition-1': 'damaged',
      'handedBack-1': ['Charger'],
      'note-1': 'Cracked corner',
    };
    const notOnLoan = await it.post(`/loans/${reference}/return`, { ...good, 'device-1': stranger.tag });
    assert.equal(notOnLoan.statusCode, 422);
    assert.match(notOnLoan.body, new RegExp(`A-LT-0703 is not on loan ${reference}`));
    const partial = await it.post(`/loans/${reference}/return`, { 'device-0': one.tag, 'condition-0': 'good' });
    assert.equal(partial.statusCode, 422);
    assert.match(partial.body, /Record every device on the loan: A-LT-0702/);
    const noCondition = await it.post(`/loans/${reference}/return`, { ...good, 'condition-1': '' });
    assert.equal(noCondition.statusCode, 422);
    assert.match(noCondition.body, /Choose the condition A-LT-0702 came back in/);
    assert.equal((await teacher.post(`/loans/${reference}/return`, good)).statusCode, 403, 'the person does not record their own return');

    const recorded = await it.post(`/loans/${reference}/return`, good);
    assert.equal(recorded.statusCode, 303, recorded.body.slice(0, 400));
    const items = await t.app.db
      .select()
      .from(loanItems)
      .where(eq(loanItems.loanId, (await loanByRef(t.app.db, cast.trust.id, reference)).id));
    assert.deepEqual(items.find((i) => i.assetId === one.id)?.accessoriesMissing, ['Charger'], 'the charger is missing');
    assert.deepEqual(items.find((i) => i.assetId === two.id)?.accessoriesMissing, []);
    assert.equal(items.find((i) => i.assetId === two.id)?.condition, 'damaged');
    assert.ok(
      items.every((i) => i.returnedAt === null),
      'not returned until the person confirms',
    );

    const confirmPage = await teacher.get(`/loans/${reference}/return/confirm`);
    assert.equal(confirmPage.statusCode, 200);
    assert.match(confirmPage.body, /I have removed school data from my personal devices and accounts, and handed back everything listed/);
    const unticked = await teacher.post(`/loans/${reference}/return/confirm`, { typedName: 'Tess Teacher' });
    assert.equal(unticked.statusCode, 422);
    assert.match(unticked.body, /Tick the declaration to confirm the return/);
    const confirmed = await teacher.post(`/loans/${reference}/return/confirm`, { agree: 'yes', typedName: 'Tess Teacher' });
    assert.equal(confirmed.statusCode, 303);
    const loan = await loanByRef(t.app.db, cast.trust.id, reference);
    assert.equal(loan.status, 'returned');
    assert.ok(loan.returnedAt);
    assert.equal(loan.returnConfirmedName, 'Tess Teacher');
    assert.equal(loan.returnReceivedBy, cast.itA.id);
    assert.equal(loan.returnSha256, sha256(canonicalJson(loan.returnSnapshot)));
    const snapshot = loan.returnSnapshot as service.ReturnSnapshot;
    assert.deepEqual(snapshot.items.find((i) => i.tag === one.tag)?.accessoriesMissing, ['Charger']);
    assert.equal(snapshot.confirmation.method, 'email_link');
    const after = await t.app.db.select().from(loanItems).where(eq(loanItems.loanId, loan.id));
    assert.ok(after.every((i) => i.returnedAt !== null));
    assert.equal(await assetStatus(t.app.db, one.id), 'in_stock', 'a device in good order goes back into stock');
    assert.equal(await assetStatus(t.app.db, two.id), 'in_repair', 'a damaged one goes to repair');

    const page = await it.get(`/loans/${reference}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Returned/);
    assert.match(page.body, /confirmed by Tess Teacher/);
    assert.match(page.body, /<strong class="govuk-tag govuk-tag--red">Charger<\/strong>/, 'the missing charger shows on the loan');
    assert.match(page.body, /return-receipt\.pdf/);

    const pdf = await it.get(`/loans/${reference}/return-receipt.pdf`);
    assert.equal(pdf.statusCode, 200);
    assert.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-');
    assert.equal((await teacher.get(`/loans/${reference}/return-receipt.pdf`)).statusCode, 200, 'the person has it too');

    const again = await it.post(`/loans/${reference}/return`, good);
    assert.equal(again.statusCode, 409, 'returning devices that are no longer on loan is refused');
    assert.match(again.body, /already been returned/);
    await assert.rejects(service.recordReturn(await actingAs(t.app.db, cast.itA), reference, good), service.LoanStateError);
  });

  test('a return confirmed in person at the IT desk', async () => {
    const one = await makeAsset(t.app.db, cast.trust.id, cast.schoolA.id, 'A-LT-0801');
    const reference = await signedLoan([one.tag]);
    assert.equal((await it.post(`/loans/${reference}/return`, { 'device-0': one.tag, 'condition-0': 'worn', 'handedBack-0': 'Charger' })).statusCode, 303);
    const confirmed = await it.post(`/loans/${reference}/return/confirm?in_person=1`, { agree: 'yes', typedName: 'Tess Teacher' });
    assert.equal(confirmed.statusCode, 303);
    const loan = await loanByRef(t.app.db, cast.trust.id, reference);
    const snapshot = loan.returnSnapshot as service.ReturnSnapshot;
    assert.equal(snapshot.confirmation.method, 'in_person');
    assert.deepEqual(snapshot.confirmation.witnessedBy, { id: cast.itA.id, name: 'Ivy It' });
    assert.equal(await assetStatus(t.app.db, one.id), 'in_stock');
  });

  test('who may see and do what: a teacher cannot lend, another teacher cannot see the loan, the head teacher can, another trust gets 404', async () => {
    const one = await makeAsset(t.app.db, cast.trust.id, cast.schoolA.id, 'A-LT-0901');
    const reference = refFrom((await lend([one.tag])).headers.location);
    assert.equal((await teacher.get('/loans/new')).statusCode, 403);
    assert.equal((await teacher.post('/loans/new', { person: tess(), 'device-0': 'A-LT-0901', offSite: 'yes' })).statusCode, 403);
    assert.equal((await teacher.get(`/loans/${reference}`)).statusCode, 200, 'the person sees their loan');
    assert.equal((await teacherB.get(`/loans/${reference}`)).statusCode, 403, 'another teacher does not');
    assert.equal((await head.get(`/loans/${reference}`)).statusCode, 200, 'the head teacher of the school does');
    assert.equal((await otherAdmin.get(`/loans/${reference}`)).statusCode, 404);
    assert.equal((await otherAdmin.get(`/loans/${reference}/sign?in_person=1`)).statusCode, 404);
    assert.equal((await otherAdmin.post(`/loans/${reference}/cancel`)).statusCode, 404);
    assert.equal((await head.post(`/loans/${reference}/cancel`)).statusCode, 403, 'the head teacher sees it but does not manage loans');
    assert.equal((await it.get('/loans/L-2026-99999')).statusCode, 404);
    assert.equal((await it.get('/loans/not-a-reference')).statusCode, 404);

    // IT at School A cannot lend a device of School B.
    const bDevice = await makeAsset(t.app.db, cast.trust.id, cast.schoolB.id, 'B-LT-0001');
    const refused = await lend([bDevice.tag]);
    assert.equal(refused.statusCode, 422);
    assert.match(refused.body, /B-LT-0001 belongs to another school/);
    // Another trust's device is not found.
    const theirs = await makeAsset(t.app.db, other.trust.id, null, 'Z-LT-0001');
    const notFound = await lend([theirs.tag]);
    assert.match(notFound.body, /There is no device with the asset tag or serial number Z-LT-0001/);
  });

  test('my loans and to-dos: to sign, then the return clock; IT sees overdue returns', async () => {
    const person = await makePerson(t.app.db, cast.trust.id, { name: 'Pip Person', schoolIds: [cast.schoolA.id] });
    const ctx = await actingAs(t.app.db, person);
    const one = await makeAsset(t.app.db, cast.trust.id, cast.schoolA.id, 'A-LT-1001');
    const itCtx = await actingAs(t.app.db, cast.itA);
    const loan = await service.issueLoan(itCtx, { person: person.email, 'device-0': one.tag, offSite: 'yes' });
    let todos = await loanTodos(ctx);
    assert.deepEqual(
      todos.map((x) => x.href),
      [`/loans/${loan.reference}/sign`],
    );
    assert.match(renderToStaticMarkup(MyLoansSection({ loans: await service.myLoans(ctx) })), /Sign for the devices/);
    await service.signLoan(ctx, loan.reference, { agree: 'yes', typedName: 'Pip Person' }, false);
    const requestedAt = new Date();
    await service.requestReturn(itCtx, loan.reference, {}, requestedAt);
    todos = await loanTodos(ctx, new Date(requestedAt.getTime() + 53 * HOUR));
    assert.equal(todos[0]?.href, `/loans/${loan.reference}`);
    assert.deepEqual(todos[0]?.tag, { tone: 'orange', label: 'due in 19 hours' });
    const late = new Date(requestedAt.getTime() + 75 * HOUR);
    assert.deepEqual((await loanTodos(ctx, late))[0]?.tag, { tone: 'red', label: '3 hours overdue' });
    const itTodos = await loanTodos(itCtx, late);
    assert.ok(
      itTodos.some((x) => x.href === `/loans/${loan.reference}` && x.title.includes('Pip Person')),
      'IT is asked to chase it',
    );
    assert.ok(!(await loanTodos(itCtx, requestedAt)).some((x) => x.href === `/loans/${loan.reference}`), 'not before it is overdue');
    const html = renderToStaticMarkup(MyLoansSection({ loans: await service.myLoans(ctx), now: late }));
    assert.match(html, /3 hours overdue/);
  });
});

describe('return reminders', () => {
  let t: TestApp;
  let cast: ConcernCast;

  before(async () => {
    t = await createTestApp();
    cast = await concernCast(t.app.db, await makeTrustWithCast(t.app.db, 'gamma'));
  });
  after(() => t.close());

  test('24 hours before the deadline the person is reminded once; once overdue the person and their line manager, once, then every 3 days', async () => {
    const db = t.app.db;
    const admin = await actingAs(db, cast.admin);
    await service.publishAgreement(admin, { label: '1', text: AGREEMENT });
    const itCtx = await actingAs(db, cast.itA);
    const asset = await makeAsset(db, cast.trust.id, cast.schoolA.id, 'G-LT-0001');
    const loan = await service.issueLoan(itCtx, { person: cast.teacherA.email, 'device-0': asset.tag, offSite: 'yes' });
    await service.signLoan(await actingAs(db, cast.teacherA), loan.reference, { agree: 'yes', typedName: 'Tess Teacher' }, false);
    const at = new Date('2026-03-02T09:00:00Z');
    await service.requestReturn(itCtx, loan.reference, {}, at);
    const after = (hours: number) => new Date(at.getTime() + hours * HOUR);
    const reminders = async () =>
      db
        .select({ key: outbox.dedupeKey, to: outbox.toAddress, template: outbox.template, subject: outbox.subject })
        .from(outbox)
        .where(like(outbox.dedupeKey, `loan:${loan.id}:%`));
    const base = (await reminders()).length;

    assert.deepEqual(await sendLoanReminders(db, 'http://localhost:3000', after(47)), { reminders: 0 }, '+47 h: nothing yet');
    assert.deepEqual(await sendLoanReminders(db, 'http://localhost:3000', after(48)), { reminders: 1 }, '+48 h: the 24-hour reminder');
    assert.deepEqual(await sendLoanReminders(db, 'http://localhost:3000', after(60)), { reminders: 0 }, 'once');
    const soon = (await reminders()).find((r) => r.key === `loan:${loan.id}:due-24h`);
    assert.equal(soon?.to, cast.teacherA.email);
    assert.match(soon?.subject ?? '', /School A: the devices on loan L-2026-\d{4} are due back by 5 March 2026 at 09:00/);

    assert.deepEqual(await sendLoanReminders(db, 'http://localhost:3000', after(72)), { reminders: 2 }, 'at the deadline: overdue');
    const overdue = (await reminders()).filter((r) => r.key.startsWith(`loan:${loan.id}:overdue`));
    assert.deepEqual(overdue.map((r) => [r.key, r.to]).sort(), [
      [`loan:${loan.id}:overdue`, cast.teacherA.email],
      [`loan:${loan.id}:overdue:manager`, cast.headA.email],
    ]);
    assert.deepEqual(await sendLoanReminders(db, 'http://localhost:3000', new Date(after(72).getTime() + 60_000)), { reminders: 0 }, 'rerun: nothing');
    assert.deepEqual(await sendLoanReminders(db, 'http://localhost:3000', after(72 + 71)), { reminders: 0 }, 'nothing more until 3 days later');
    assert.deepEqual(await sendLoanReminders(db, 'http://localhost:3000', after(72 + 72)), { reminders: 2 }, 'every 3 days');
    assert.ok((await reminders()).some((r) => r.key === `loan:${loan.id}:overdue:1:manager`));
    assert.equal((await reminders()).length, base + 5);

    // Once IT has recorded the devices handed back, the reminders stop.
    await service.recordReturn(itCtx, loan.reference, { 'device-0': asset.tag, 'condition-0': 'good', 'handedBack-0': 'Charger' });
    assert.deepEqual(await sendLoanReminders(db, 'http://localhost:3000', after(72 + 144)), { reminders: 0 });
  });

  test('the +72 h + 1 minute case from a fresh request: person and line manager told once', async () => {
    const db = t.app.db;
    const itCtx = await actingAs(db, cast.itA);
    const asset = await makeAsset(db, cast.trust.id, cast.schoolA.id, 'G-LT-0002');
    const loan = await service.issueLoan(itCtx, { person: cast.teacherA.email, 'device-0': asset.tag, offSite: 'yes' });
    await service.signLoan(await actingAs(db, cast.teacherA), loan.reference, { agree: 'yes', typedName: 'Tess Teacher' }, false);
    const at = new Date('2026-03-09T09:00:00Z');
    await service.requestReturn(itCtx, loan.reference, {}, at);
    const late = new Date(at.getTime() + 72 * HOUR + 60_000);
    const first = await sendLoanReminders(db, 'http://localhost:3000', late);
    assert.equal(first.reminders, 2, 'the person and the line manager (the earlier loan is already handed back)');
    assert.deepEqual(await sendLoanReminders(db, 'http://localhost:3000', late), { reminders: 0 });
    const rows = await db
      .select({ to: outbox.toAddress, text: outbox.textBody })
      .from(outbox)
      .where(like(outbox.dedupeKey, `loan:${loan.id}:overdue%`));
    const manager = rows.find((r) => r.to === cast.headA.email);
    assert.match(manager?.text ?? '', /You are receiving this as Tess Teacher’s line manager/);
    assert.doesNotMatch(manager?.text ?? '', /\/loans\//, 'no link the manager could not open');
    assert.match(rows.find((r) => r.to === cast.teacherA.email)?.text ?? '', /1 minute overdue/);
  });
});
