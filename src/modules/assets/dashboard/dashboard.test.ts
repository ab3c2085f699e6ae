import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Agent, createTestApp, type TestApp } from '../../../../test/app.ts';
import { actingAs, makePerson, makeTrustWithCast } from '../../../../test/factories.ts';
import type { Db } from '../../../db/client.ts';
import { countdown, londonToday } from '../../../ui/format.ts';
import { addDays } from '../../acknowledgements/service.ts';
import { type ByodType, byodAttestations, byodDevices } from '../../byod/schema.ts';
import { requests } from '../../requests/schema.ts';
import { type AssetStatus, type AssetType, assets, type LoanStatus, loanAgreementVersions, loanItems, loans } from '../schema.ts';
import { itDashboard, requestTypeLabel } from './service.ts';

// The services that write these tables are built alongside this page, so the rows are made here,
// directly, in the shapes those services write.

const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms);
const ahead = (ms: number) => new Date(Date.now() + ms);

async function asset(
  db: Db,
  trustId: string,
  tag: string,
  spec: { schoolId?: string | null; status?: AssetStatus; type?: AssetType; make?: string; model?: string } = {},
) {
  const [row] = await db
    .insert(assets)
    .values({
      trustId,
      tag,
      serial: `SN-${tag}`,
      type: spec.type ?? 'laptop',
      make: spec.make ?? 'Dell',
      model: spec.model ?? 'Latitude 3440',
      schoolId: spec.schoolId ?? null,
      status: spec.status ?? 'in_stock',
    })
    .returning();
  if (!row) throw new Error('asset not inserted');
  return row;
}

async function agreement(db: Db, trustId: string) {
  const [row] = await db
    .insert(loanAgreementVersions)
    .values({ trustId, label: 'V1', text: 'Look after the device.', contentSha256: 'a'.repeat(64) })
    .returning();
  if (!row) throw new Error('agreement not inserted');
  return row;
}

/** A loan of some devices, in a state; a return request sets the 72-hour clock as the database insists. */
async function loan(
  db: Db,
  trustId: string,
  spec: {
    reference: string;
    personId: string;
    agreementId: string;
    schoolId?: string | null;
    status: LoanStatus;
    assetIds: string[];
    issuedAt?: Date;
    returnRequestedAt?: Date;
  },
) {
  const requested = spec.returnRequestedAt;
  const [row] = await db
    .insert(loans)
    .values({
      trustId,
      reference: spec.reference,
      personId: spec.personId,
      schoolId: spec.schoolId ?? null,
      status: spec.status,
      agreementVersionId: spec.agreementId,
      issuedAt: spec.issuedAt ?? ago(10 * 24 * HOUR),
      signedAt: spec.status === 'awaiting_signature' ? null : ago(9 * 24 * HOUR),
      returnRequestedAt: requested ?? null,
      returnDueAt: requested ? new Date(requested.getTime() + 72 * HOUR) : null,
    })
    .returning();
  if (!row) throw new Error('loan not inserted');
  for (const assetId of spec.assetIds) await db.insert(loanItems).values({ trustId, loanId: row.id, assetId, accessories: ['Charger'] });
  return row;
}

async function byod(
  db: Db,
  trustId: string,
  personId: string,
  spec: { make: string; status: 'pending' | 'approved' | 'refused'; expiresOn?: string; type?: ByodType },
) {
  const [device] = await db
    .insert(byodDevices)
    .values({ trustId, personId, type: spec.type ?? 'phone', make: spec.make, model: 'Model X', os: 'iOS 18', uses: ['email'], status: spec.status })
    .returning();
  if (!device) throw new Error('device not inserted');
  await db.insert(byodAttestations).values({
    trustId,
    deviceId: device.id,
    rules: { minPasscodeLength: 6 },
    answers: { passcode: true },
    expiresOn: spec.expiresOn ?? addDays(londonToday(), 365),
    decision: spec.status === 'pending' ? null : spec.status,
    decidedAt: spec.status === 'pending' ? null : new Date(),
  });
  return device;
}

let references = 0;
async function request(
  db: Db,
  trustId: string,
  spec: { requesterId: string; type: string; schoolId?: string | null; status?: 'pending' | 'approved'; createdAt?: Date },
) {
  references += 1;
  const [row] = await db
    .insert(requests)
    .values({
      trustId,
      reference: `R-2026-${String(references).padStart(4, '0')}`,
      type: spec.type,
      requesterId: spec.requesterId,
      schoolId: spec.schoolId ?? null,
      answers: {},
      status: spec.status ?? 'pending',
      createdAt: spec.createdAt ?? new Date(),
    })
    .returning();
  if (!row) throw new Error('request not inserted');
  return row;
}

// --- reading the page

/** The HTML of one section of the dashboard. */
function section(html: string, id: string) {
  const start = html.indexOf(`data-section="${id}"`);
  assert.ok(start >= 0, `the page has the ${id} section`);
  return html.slice(start, html.indexOf('</section>', start));
}

/** A chart's numbers table as { label: number }, from the table that follows its SVG. */
function chartNumbers(html: string, id: string) {
  const start = html.indexOf(`data-table="${id}"`);
  assert.ok(start >= 0, `the ${id} chart has its table`);
  const table = html.slice(start, html.indexOf('</table>', start));
  const rows = [
    ...table.matchAll(/<th scope="row" class="govuk-table__header">([^<]*)<\/th><td class="govuk-table__cell govuk-table__cell--numeric">([\d,]+)<\/td>/g),
  ];
  return Object.fromEntries(rows.map((m) => [m[1]?.replace(/&amp;/g, '&'), Number(m[2]?.replace(/,/g, ''))]));
}

let t: TestApp;
let cast: Awaited<ReturnType<typeof makeTrustWithCast>>;
let other: Awaited<ReturnType<typeof makeTrustWithCast>>;
let itA: Awaited<ReturnType<typeof makePerson>>;
let trustIt: Awaited<ReturnType<typeof makePerson>>;
let agents: { trustIt: Agent; itA: Agent; head: Agent; teacher: Agent; otherAdmin: Agent };
let due: { overdueA: Date; tomorrowA: Date };

before(async () => {
  t = await createTestApp();
  const db = t.app.db;
  cast = await makeTrustWithCast(db, 'alpha');
  other = await makeTrustWithCast(db, 'beta');
  const { trust, schoolA, schoolB, teacherA, teacherB, headA } = cast;
  itA = await makePerson(db, trust.id, { name: 'Ivy It', email: 'it.a@alpha.example', schoolIds: [schoolA.id], roles: [['it_services', schoolA.id]] });
  trustIt = await makePerson(db, trust.id, { name: 'Ian Trust-It', email: 'it@alpha.example', roles: [['it_services', 'trust']] });

  // Devices. School A: 3 in stock, 3 on loan, 1 in repair, 1 lost, 1 disposed of; School B: 2 in stock, 2 on loan, 1 stolen;
  // the central team: 1 desktop in stock. The other trust: 5 in stock, 1 on loan.
  const A = { schoolId: schoolA.id };
  const B = { schoolId: schoolB.id };
  for (const tag of ['A-1', 'A-2', 'A-3']) await asset(db, trust.id, tag, A);
  const onLoanA = [
    await asset(db, trust.id, 'A-L1', { ...A, status: 'on_loan', make: 'Lenovo', model: 'ThinkPad E14' }),
    await asset(db, trust.id, 'A-L2', { ...A, status: 'on_loan', type: 'tablet', make: 'Apple', model: 'iPad' }),
    await asset(db, trust.id, 'A-L3', { ...A, status: 'on_loan' }),
  ];
  const onLoanA4 = await asset(db, trust.id, 'A-L4', { ...A, status: 'on_loan', type: 'camera' });
  await asset(db, trust.id, 'A-R', { ...A, status: 'in_repair', type: 'tablet' });
  await asset(db, trust.id, 'A-X', { ...A, status: 'lost', type: 'phone' });
  await asset(db, trust.id, 'A-D', { ...A, status: 'disposed', type: 'projector' });
  await asset(db, trust.id, 'B-1', B);
  await asset(db, trust.id, 'B-2', B);
  const onLoanB = [await asset(db, trust.id, 'B-L1', { ...B, status: 'on_loan' }), await asset(db, trust.id, 'B-L2', { ...B, status: 'on_loan' })];
  await asset(db, trust.id, 'B-S', { ...B, status: 'stolen' });
  await asset(db, trust.id, 'T-1', { type: 'desktop' });
  for (const tag of ['O-1', 'O-2', 'O-3', 'O-4', 'O-5']) await asset(db, other.trust.id, tag, { schoolId: other.schoolA.id });
  const otherOnLoan = await asset(db, other.trust.id, 'O-L1', { schoolId: other.schoolA.id, status: 'on_loan' });

  // Loans. Overdue by a little over 8 hours at A (two devices) and 18 hours at B; due back in a little over
  // 22 hours at A; due in 2½ days at A; waiting 3 days for a signature at B and 1 day at A.
  const agreementA = (await agreement(db, trust.id)).id;
  due = { overdueA: ago(8 * HOUR + 20 * 60_000), tomorrowA: ahead(22 * HOUR + 20 * 60_000) };
  const base = { agreementId: agreementA };
  await loan(db, trust.id, {
    ...base,
    reference: 'L-2026-0001',
    personId: teacherA.id,
    schoolId: schoolA.id,
    status: 'return_requested',
    assetIds: [onLoanA[0]?.id ?? '', onLoanA[1]?.id ?? ''],
    returnRequestedAt: new Date(due.overdueA.getTime() - 72 * HOUR),
  });
  await loan(db, trust.id, {
    ...base,
    reference: 'L-2026-0002',
    personId: headA.id,
    schoolId: schoolA.id,
    status: 'return_requested',
    assetIds: [onLoanA[2]?.id ?? ''],
    returnRequestedAt: new Date(due.tomorrowA.getTime() - 72 * HOUR),
  });
  await loan(db, trust.id, {
    ...base,
    reference: 'L-2026-0003',
    personId: teacherB.id,
    schoolId: schoolB.id,
    status: 'return_requested',
    assetIds: [onLoanB[0]?.id ?? ''],
    returnRequestedAt: ago(90 * HOUR + 20 * 60_000),
  });
  await loan(db, trust.id, {
    ...base,
    reference: 'L-2026-0004',
    personId: teacherA.id,
    schoolId: schoolA.id,
    status: 'return_requested',
    assetIds: [onLoanA4.id],
    returnRequestedAt: ago(10 * HOUR),
  });
  await loan(db, trust.id, {
    ...base,
    reference: 'L-2026-0005',
    personId: teacherB.id,
    schoolId: schoolB.id,
    status: 'awaiting_signature',
    assetIds: [onLoanB[1]?.id ?? ''],
    issuedAt: ago(3 * 24 * HOUR),
  });
  const freshA = await asset(db, trust.id, 'A-N', { ...A, status: 'in_stock' });
  await loan(db, trust.id, {
    ...base,
    reference: 'L-2026-0006',
    personId: teacherA.id,
    schoolId: schoolA.id,
    status: 'awaiting_signature',
    assetIds: [freshA.id],
    issuedAt: ago(24 * HOUR),
  });
  await loan(db, other.trust.id, {
    agreementId: (await agreement(db, other.trust.id)).id,
    reference: 'L-2026-0001',
    personId: other.teacherA.id,
    schoolId: other.schoolA.id,
    status: 'return_requested',
    assetIds: [otherOnLoan.id],
    returnRequestedAt: ago(100 * HOUR),
  });

  // Personal devices: waiting at A and at B; an approval ending in 10 days at A and one in 200 days; a refused one.
  const today = londonToday();
  await byod(db, trust.id, teacherA.id, { make: 'Pending-A-Phone', status: 'pending' });
  await byod(db, trust.id, teacherB.id, { make: 'Pending-B-Phone', status: 'pending' });
  await byod(db, trust.id, teacherA.id, { make: 'Expiring-A-Tablet', status: 'approved', type: 'tablet', expiresOn: addDays(today, 10) });
  await byod(db, trust.id, headA.id, { make: 'Later-A-Laptop', status: 'approved', type: 'laptop', expiresOn: addDays(today, 200) });
  await byod(db, trust.id, teacherA.id, { make: 'Refused-A', status: 'refused' });
  await byod(db, other.trust.id, other.teacherA.id, { make: 'Other-Trust-Phone', status: 'pending' });

  // Requests: two software installs waiting at A (the older 5 days), a website unblock waiting at B, one decided at A.
  await request(db, trust.id, { requesterId: teacherA.id, type: 'software', schoolId: schoolA.id, createdAt: ago(5 * 24 * HOUR + HOUR) });
  await request(db, trust.id, { requesterId: headA.id, type: 'software', schoolId: schoolA.id, createdAt: ago(2 * HOUR) });
  await request(db, trust.id, { requesterId: teacherB.id, type: 'website_unblock', schoolId: schoolB.id, createdAt: ago(26 * HOUR) });
  await request(db, trust.id, { requesterId: teacherA.id, type: 'large_download', schoolId: schoolA.id, status: 'approved' });
  await request(db, other.trust.id, { requesterId: other.teacherA.id, type: 'social_media_account', schoolId: other.schoolA.id });

  agents = {
    trustIt: await new Agent(t.app).signIn(trustIt.email),
    itA: await new Agent(t.app).signIn(itA.email),
    head: await new Agent(t.app).signIn(headA.email),
    teacher: await new Agent(t.app).signIn(teacherA.email),
    otherAdmin: await new Agent(t.app).signIn(other.admin.email),
  };
});
after(() => t.close());

const page = async (agent: Agent, url = '/it') => {
  const res = await agent.get(url);
  assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  return res.body;
};

describe('GET /it', () => {
  test('trust IT: devices by status and by type across every school, as charts with their numbers', async () => {
    const html = await page(agents.trustIt);
    assert.match(html, /<title>IT dashboard – Countersign<\/title>/);
    assert.deepEqual(chartNumbers(html, 'devices-by-status'), {
      'In stock': 7,
      'On loan': 6,
      'In repair': 1,
      Lost: 1,
      Stolen: 1,
      'Disposed of': 1,
      Total: 17,
    });
    assert.deepEqual(chartNumbers(html, 'devices-by-type'), { Laptop: 11, Tablet: 2, Camera: 1, 'Desktop computer': 1, 'Mobile phone': 1, Total: 16 });
    assert.match(html, /data-glance="devices-by-status"[^>]*>17 devices</);
  });

  test('every chart is an SVG image described in words, followed by its table', async () => {
    const html = await page(agents.trustIt);
    for (const id of ['devices-by-status', 'devices-by-type', 'requests-by-type']) {
      const figure = html.indexOf(`data-figure="${id}"`);
      assert.ok(figure >= 0, `${id} is drawn`);
      const svg = html.slice(figure, html.indexOf('</svg>', figure));
      assert.match(svg, /<svg[^>]*role="img"[^>]*aria-label="Bar chart\. [^"]+: [^"]+ \d+/, `${id} has a description`);
      assert.ok(html.indexOf(`data-table="${id}"`) > figure, `${id} has its table after the chart`);
    }
    assert.match(html, /aria-label="Bar chart\. Devices by status: In stock 7, On loan 6, In repair 1, Lost 1, Stolen 1, Disposed of 1\."/);
  });

  test('overdue returns are listed with a red countdown; a return due tomorrow is not among them', async () => {
    const html = await page(agents.trustIt);
    const overdue = section(html, 'overdue');
    assert.match(overdue, /href="\/loans\/L-2026-0001">L-2026-0001</);
    assert.match(overdue, /href="\/loans\/L-2026-0003">L-2026-0003</);
    assert.ok(!overdue.includes('L-2026-0002'), 'due tomorrow is not overdue');
    assert.ok(!overdue.includes('L-2026-0004'), 'due in 2 days is not overdue');
    assert.equal(countdown(due.overdueA), '8 hours overdue');
    assert.match(overdue, /<strong class="govuk-tag govuk-tag--red">8 hours overdue<\/strong>/);
    assert.match(overdue, /Tess Teacher/);
    assert.match(overdue, /href="\/assets\/A-L1">A-L1<\/a> \(Lenovo ThinkPad E14\)/);
    assert.match(overdue, /href="\/assets\/A-L2">A-L2<\/a> \(Apple iPad\)/);
    assert.match(overdue, /govuk-tag--red">18 hours overdue</);
    assert.ok(overdue.indexOf('L-2026-0003') < overdue.indexOf('L-2026-0001'), 'most overdue first');
    assert.ok(!overdue.includes('O-L1'), 'never another trust’s');
    assert.equal(overdue.match(/href="\/loans\//g)?.length, 2, 'two overdue loans');

    const soon = section(html, 'due-soon');
    assert.match(soon, /href="\/loans\/L-2026-0002">L-2026-0002</);
    assert.match(soon, /<strong class="govuk-tag govuk-tag--orange">due in 22 hours<\/strong>/);
    assert.ok(!soon.includes('L-2026-0001') && !soon.includes('L-2026-0004'), 'only returns due within 24 hours');
    assert.match(html, /data-glance="overdue"[^>]*>2 loans</);
  });

  test('loans waiting for a signature for more than 2 days', async () => {
    const unsigned = section(await page(agents.trustIt), 'unsigned');
    assert.match(unsigned, /href="\/loans\/L-2026-0005">L-2026-0005</);
    assert.match(unsigned, /Bo Teacher/);
    assert.match(unsigned, /govuk-tag--orange">3 days</);
    assert.ok(!unsigned.includes('L-2026-0006'), 'a day is not long enough to chase');
  });

  test('personal devices waiting for approval and approvals ending within 30 days', async () => {
    const html = await page(agents.trustIt);
    const pending = section(html, 'byod-pending');
    assert.match(pending, /Personal devices waiting for approval \(2\)/);
    assert.match(pending, /href="\/devices\/[0-9a-f-]{36}">Pending-A-Phone Model X</);
    assert.match(pending, /Pending-B-Phone/);
    assert.ok(!pending.includes('Other-Trust-Phone') && !pending.includes('Refused-A') && !pending.includes('Expiring-A'));
    const expiring = section(html, 'byod-expiring');
    assert.match(expiring, /Expiring-A-Tablet/);
    assert.match(expiring, /govuk-tag--orange">ends in 10 days</);
    assert.ok(!expiring.includes('Later-A-Laptop'), 'an approval ending in 200 days is not listed');
  });

  test('requests waiting for a decision by type, with the oldest wait, linking to the approvers’ list', async () => {
    const html = await page(agents.trustIt);
    assert.deepEqual(chartNumbers(html, 'requests-by-type'), { 'Install software': 2, 'Unblock a website': 1, Total: 3 });
    const requestsSection = section(html, 'requests');
    assert.match(requestsSection, /href="\/requests\?status=pending&amp;type=software">Install software</);
    assert.match(requestsSection, /href="\/requests\?status=pending&amp;type=website_unblock">Unblock a website</);
    assert.match(requestsSection, /govuk-tag--orange">5 days</);
    assert.match(requestsSection, /govuk-tag--grey">1 day</);
    assert.ok(!requestsSection.includes('Make a large download'), 'decided requests are not waiting');
    assert.ok(!requestsSection.includes('social media'), 'never another trust’s');
  });

  test('trust roles pick a school (or the central team) in the URL', async () => {
    const html = await page(agents.trustIt, `/it?school=${cast.schoolA.id}`);
    assert.match(html, /<span class="govuk-caption-l">School A<\/span>/);
    assert.deepEqual(chartNumbers(html, 'devices-by-status'), { 'In stock': 4, 'On loan': 4, 'In repair': 1, Lost: 1, Stolen: 0, 'Disposed of': 1, Total: 11 });
    assert.ok(!section(html, 'overdue').includes('L-2026-0003'));
    assert.ok(!section(html, 'byod-pending').includes('Pending-B-Phone'));
    assert.deepEqual(chartNumbers(html, 'requests-by-type'), { 'Install software': 2, Total: 2 });
    assert.match(html, /<option value="trust">Central team \(no school\)<\/option>/);

    const central = await page(agents.trustIt, '/it?school=trust');
    assert.deepEqual(chartNumbers(central, 'devices-by-status'), {
      'In stock': 1,
      'On loan': 0,
      'In repair': 0,
      Lost: 0,
      Stolen: 0,
      'Disposed of': 0,
      Total: 1,
    });
    const nonsense = await page(agents.trustIt, '/it?school=nonsense');
    assert.equal(chartNumbers(nonsense, 'devices-by-status').Total, 17, 'a bad filter shows everything');
  });

  test('a school’s IT person sees only their school, whatever the URL asks', async () => {
    for (const url of ['/it', `/it?school=${cast.schoolB.id}`, '/it?school=trust']) {
      const html = await page(agents.itA, url);
      assert.equal(chartNumbers(html, 'devices-by-status').Total, 11, url);
      assert.ok(section(html, 'overdue').includes('L-2026-0001'), url);
      assert.ok(!section(html, 'overdue').includes('L-2026-0003'), `${url}: not School B’s loan`);
      assert.ok(!section(html, 'unsigned').includes('L-2026-0005'), url);
      assert.ok(!section(html, 'byod-pending').includes('Pending-B-Phone'), url);
      assert.ok(section(html, 'byod-pending').includes('Pending-A-Phone'), url);
      assert.ok(!html.includes('website_unblock'), url);
    }
    assert.ok(!(await page(agents.itA)).includes('name="school"'), 'no school filter with one school');
  });

  test('a head teacher sees their school; a teacher is refused', async () => {
    assert.equal(chartNumbers(await page(agents.head), 'devices-by-status').Total, 11);
    const res = await agents.teacher.get('/it');
    assert.equal(res.statusCode, 403);
  });

  test('another trust’s records are never counted', async () => {
    const html = await page(agents.otherAdmin);
    assert.deepEqual(chartNumbers(html, 'devices-by-status'), { 'In stock': 5, 'On loan': 1, 'In repair': 0, Lost: 0, Stolen: 0, 'Disposed of': 0, Total: 6 });
    const overdue = section(html, 'overdue');
    assert.match(overdue, /L-2026-0001/);
    assert.ok(!overdue.includes('L-2026-0003') && !overdue.includes('A-L1'), 'not the first trust’s loans');
    assert.match(overdue, /href="\/assets\/O-L1">O-L1</);
    assert.match(section(html, 'byod-pending'), /\(1\)/);
    assert.deepEqual(chartNumbers(html, 'requests-by-type'), { 'Manage an official social media account': 1, Total: 1 });
    const asOther = await page(agents.otherAdmin, `/it?school=${cast.schoolA.id}`);
    assert.equal(chartNumbers(asOther, 'devices-by-status').Total, 6, 'another trust’s school id is ignored');
  });
});

describe('itDashboard (the clock)', () => {
  test('a return moves from due soon to overdue as its 72 hours pass', async () => {
    const ctx = await actingAs(t.app.db, trustIt);
    const refs = (loansOf: { reference: string }[]) => loansOf.map((l) => l.reference).sort();
    const now = await itDashboard(ctx, {});
    assert.deepEqual(refs(now.overdue), ['L-2026-0001', 'L-2026-0003']);
    assert.deepEqual(refs(now.dueSoon), ['L-2026-0002']);
    const tomorrow = await itDashboard(ctx, {}, new Date(due.tomorrowA.getTime() + 60_000));
    assert.deepEqual(refs(tomorrow.overdue), ['L-2026-0001', 'L-2026-0002', 'L-2026-0003']);
    assert.deepEqual(refs(tomorrow.dueSoon), [], 'L-2026-0004 is still more than 24 hours away');
    const later = await itDashboard(ctx, {}, new Date(Date.now() + 40 * HOUR));
    assert.deepEqual(refs(later.dueSoon), ['L-2026-0004']);
  });
});

describe('requestTypeLabel', () => {
  test('the requests module’s name for a type, or a retired code in words', () => {
    assert.equal(requestTypeLabel('software'), 'Install software');
    assert.equal(requestTypeLabel('website_unblock'), 'Unblock a website');
    assert.equal(requestTypeLabel('old_type'), 'Old type');
  });
});
