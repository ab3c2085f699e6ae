import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { and, eq, like, sql } from 'drizzle-orm';
import { Agent, createTestApp, type TestApp } from '../../../test/app.ts';
import { type ConcernCast, concernCast } from '../../../test/concerns.ts';
import { actingAs, makePerson, makeTrustWithCast } from '../../../test/factories.ts';
import { auditEvents } from '../../audit/schema.ts';
import { ForbiddenError, ValidationError } from '../../errors.ts';
import { londonToday } from '../../ui/format.ts';
import type { FormFile } from '../../web/multipart.ts';
import { addDays } from '../acknowledgements/service.ts';
import { outbox } from '../notifications/schema.ts';
import { addYears } from './cloud.ts';
import { cloudServices, requestFiles, requests } from './schema.ts';
import * as service from './service.ts';
import { sendRequestReminders } from './sweep.ts';
import { requestTodos } from './todos.ts';
import { REQUEST_TYPE_CODES, type RequestTypeCode, requestType } from './types.ts';

let t: TestApp;
let c: ConcernCast;
let beta: Awaited<ReturnType<typeof makeTrustWithCast>>;
let teacher: Agent;
let it: Agent;
let slt: Agent;
let dpo: Agent;
let betaAdmin: Agent;

const today = londonToday();
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const ZIP = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(40, 1)]);
const EXE = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(60, 0)]);
const licence = (bytes = PDF, fileName = 'licence.pdf'): Record<string, FormFile[]> => ({ licence: [{ fileName, bytes, tooLarge: false }] });

before(async () => {
  t = await createTestApp();
  c = await concernCast(t.app.db, await makeTrustWithCast(t.app.db, 'alpha'));
  beta = await makeTrustWithCast(t.app.db, 'beta');
  teacher = await new Agent(t.app).signIn(c.teacherA.email);
  it = await new Agent(t.app).signIn(c.itA.email);
  slt = await new Agent(t.app).signIn(c.sltA.email);
  dpo = await new Agent(t.app).signIn(c.dpo.email);
  betaAdmin = await new Agent(t.app).signIn(beta.admin.email);
});
after(() => t.close());

const as = (person: { id: string; trustId: string }) => actingAs(t.app.db, person, { baseUrl: 'http://localhost:3000' });
const dateParts = (name: string, iso: string) => {
  const [y, m, d] = iso.split('-');
  return { [`${name}-day`]: String(Number(d)), [`${name}-month`]: String(Number(m)), [`${name}-year`]: y ?? '' };
};

/** Answers that satisfy a type's fields (dates a week ahead). */
function validAnswers(type: RequestTypeCode): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const f of requestType(type).fields) {
    if (f.kind === 'text' || f.kind === 'textarea') out[f.name] = `Answer for ${f.name}`;
    if (f.kind === 'url') out[f.name] = 'www.example.org/lesson';
    if (f.kind === 'number') out[f.name] = '£1,249.50';
    if (f.kind === 'date') out[f.name] = addDays(today, 7);
    if (f.kind === 'select') out[f.name] = f.options?.[0]?.value ?? '';
    if (f.kind === 'checkboxes') out[f.name] = [f.options?.[1]?.value ?? ''];
  }
  if (type === 'cloud_service') out.serviceName = `Service ${Math.random().toString(36).slice(2, 8)}`;
  return out;
}

async function make(person: { id: string; trustId: string }, type: RequestTypeCode, over: Record<string, string | string[]> = {}, now = new Date()) {
  return service.makeRequest(await as(person), type, { ...validAnswers(type), ...over }, type === 'software' ? licence() : {}, now);
}

const emailsTo = (like_: string) => t.app.db.select().from(outbox).where(like(outbox.dedupeKey, like_));
const requestRow = async (reference: string) => {
  const [row] = await t.app.db.select().from(requests).where(eq(requests.reference, reference));
  assert.ok(row);
  return row;
};
const count = async (table: typeof requests | typeof requestFiles | typeof cloudServices) =>
  Number((await t.app.db.select({ n: sql<number>`count(*)` }).from(table))[0]?.n);

describe('routing: who is told and who decides, per type', () => {
  // Teacher A is at School A: IT types go to IT at School A, the DPO type to the trust's DPO,
  // SLT types to the SLT member at School A, head teacher types to Head A.
  const expected = (type: RequestTypeCode) => {
    const role = requestType(type).approver.role;
    return role === 'it_services' ? c.itA : role === 'dpo' ? c.dpo : role === 'slt' ? c.sltA : c.headA;
  };
  const wrong = (type: RequestTypeCode) => (requestType(type).approver.role === 'it_services' ? c.dpo : c.itA);

  for (const type of REQUEST_TYPE_CODES) {
    test(`${type} goes to ${requestType(type).approver.label} and only they decide it`, async () => {
      const approver = expected(type);
      const { reference, recipients } = await make(c.teacherA, type);
      assert.match(reference, /^R-\d{4}-\d{4}$/);
      assert.deepEqual(
        recipients.map((r) => r.email),
        [approver.email],
      );
      const row = await requestRow(reference);
      assert.equal(row.schoolId, c.schoolA.id);
      const sent = await emailsTo(`request:${row.id}:made:%`);
      assert.deepEqual(
        sent.map((m) => m.toAddress),
        [approver.email],
      );
      assert.match(sent[0]?.subject ?? '', new RegExp(`Tess Teacher asks permission to .*\\(${reference}\\)`));
      await assert.rejects(service.decideRequest(await as(wrong(type)), reference, { decision: 'approve' }), ForbiddenError);
      await assert.rejects(service.decideRequest(await as(c.teacherB), reference, { decision: 'approve' }), ForbiddenError);
      const decided = await service.decideRequest(await as(approver), reference, { decision: 'approve', reason: 'Fine' });
      assert.equal(decided.status, 'approved');
      assert.equal(decided.decidedBy, approver.id);
    });
  }

  test('IT requests from a school without IT go to the trust’s IT; a requester who is IT cannot decide their own', async () => {
    const fromB = await make(c.teacherB, 'website_unblock');
    assert.deepEqual(
      fromB.recipients.map((r) => r.email),
      [c.trustIt.email],
    );
    await assert.rejects(service.decideRequest(await as(c.itA), fromB.reference, { decision: 'approve' }), ForbiddenError);
    const own = await make(c.itA, 'software');
    assert.deepEqual(
      own.recipients.map((r) => r.email),
      [c.trustIt.email],
      'the school’s only IT person asked, so the trust’s IT decides',
    );
    await assert.rejects(service.decideRequest(await as(c.itA), own.reference, { decision: 'approve' }), /cannot decide your own request/);
    assert.equal((await service.decideRequest(await as(c.trustIt), own.reference, { decision: 'approve' })).status, 'approved');
  });

  test('SLT requests fall back to the deputy head, then the head teacher, when a school has no SLT', async () => {
    const school = c.schoolB;
    const headB = await makePerson(t.app.db, c.trust.id, { name: 'Hetty HeadB', schoolIds: [school.id], roles: [['head_teacher', school.id]] });
    const { recipients, reference } = await make(c.teacherB, 'record_pupils');
    assert.deepEqual(
      recipients.map((r) => r.personId),
      [headB.id],
    );
    assert.equal((await service.decideRequest(await as(headB), reference, { decision: 'refuse', reason: 'Use a school camera' })).status, 'refused');
  });

  test('someone with no school cannot make a school-decided request; IT and DPO ones go trust-wide', async () => {
    const central = await makePerson(t.app.db, c.trust.id, { name: 'Cec Central', email: 'central@alpha.example' });
    const ctx = await as(central);
    const form = await service.requestForm(ctx, 'social_contact');
    assert.match(form.blocked ?? '', /does not list you at any school/);
    await assert.rejects(service.makeRequest(ctx, 'social_contact', validAnswers('social_contact'), {}), ForbiddenError);
    const agent = await new Agent(t.app).signIn(central.email);
    const page = await agent.get('/requests/new/social_contact');
    assert.equal(page.statusCode, 403);
    assert.match(page.body, /does not list you at any school/);
    const made = await service.makeRequest(ctx, 'hardware', validAnswers('hardware'), {});
    assert.equal((await requestRow(made.reference)).schoolId, null);
    assert.deepEqual(
      made.recipients.map((r) => r.email),
      [c.trustIt.email],
    );
  });

  test('someone at two schools chooses the school, and the request follows it', async () => {
    const both = await makePerson(t.app.db, c.trust.id, { name: 'Bea Both', schoolIds: [c.schoolA.id, c.schoolB.id] });
    await assert.rejects(
      service.makeRequest(await as(both), 'website_unblock', validAnswers('website_unblock'), {}),
      (e: unknown) => e instanceof ValidationError && /Choose which school/.test(e.fieldErrors.school ?? ''),
    );
    const made = await service.makeRequest(await as(both), 'website_unblock', { ...validAnswers('website_unblock'), school: c.schoolA.id }, {});
    assert.deepEqual(
      made.recipients.map((r) => r.email),
      [c.itA.email],
    );
  });
});

describe('making a request through the pages', () => {
  test('choose a type, say who decides, fill the software form with a licence, download it', async () => {
    const choose = await teacher.get('/requests/new');
    assert.equal(choose.statusCode, 200);
    assert.match(choose.body, /Install software/);
    assert.match(choose.body, /Decided by: IT services\./);
    assert.match(choose.body, /Decided by: The trust’s data protection officer \(DPO\)\./);
    assert.equal((await teacher.post('/requests/new', {})).statusCode, 422);
    const chosen = await teacher.post('/requests/new', { type: 'software' });
    assert.equal(chosen.headers.location, '/requests/new/software');
    const form = await teacher.get('/requests/new/software');
    assert.match(form.body, /enctype="multipart\/form-data"/i);
    assert.match(form.body, /Proof of licence/);

    const res = await teacher.upload(
      '/requests/new/software',
      { field: 'licence', name: 'scratch-licence.pdf', content: PDF, type: 'application/pdf' },
      {
        name: 'Scratch',
        version: '3.29',
        why: 'Programming lessons in Year 7',
        machines: 'IT suite 2',
      },
    );
    assert.equal(res.statusCode, 303, res.body.slice(0, 500));
    const ref = /\/requests\/(R-\d{4}-\d{4})$/.exec(res.headers.location as string)?.[1] as string;
    assert.ok(ref);
    const page = await teacher.get(`/requests/${ref}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Request .* sent\. Ivy It will decide it/);
    assert.match(page.body, /Waiting for a decision/);
    assert.match(page.body, /Scratch/);
    assert.match(page.body, /Withdraw the request/);
    assert.doesNotMatch(page.body, /Your decision/);

    const row = await requestRow(ref);
    const [file] = await t.app.db.select().from(requestFiles).where(eq(requestFiles.requestId, row.id));
    assert.ok(file);
    assert.equal(file.contentType, 'application/pdf');
    assert.equal(file.sha256, createHash('sha256').update(PDF).digest('hex'));
    const download = await it.get(`/requests/${ref}/files/${file.id}`);
    assert.equal(download.statusCode, 200);
    assert.match(download.headers['content-disposition'] as string, /^attachment; filename="scratch-licence\.pdf"/);
    assert.deepEqual(download.rawPayload, PDF);
    assert.equal((await betaAdmin.get(`/requests/${ref}/files/${file.id}`)).statusCode, 404);

    const [made] = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'request.made'), eq(auditEvents.resourceId, row.id)));
    assert.match(made?.summary ?? '', new RegExp(`${ref}: Tess Teacher asked permission to install software`));

    const mine = await teacher.get('/requests/mine');
    assert.match(mine.body, new RegExp(ref));
    assert.match(mine.body, /Waiting for a decision/);
  });

  test('software without a licence, with a .zip or with an .exe is refused, nothing is saved, and answers are kept', async () => {
    const before = { requests: await count(requests), files: await count(requestFiles), emails: (await t.app.db.select().from(outbox)).length };
    const answers = { name: 'Sneaky Tool', why: 'Testing', machines: 'My laptop' };
    const none = await teacher.post('/requests/new/software', answers);
    assert.equal(none.statusCode, 422);
    assert.match(none.body, /Attach proof of the licence, even for free software/);
    assert.match(none.body, /value="Sneaky Tool"/);
    const zip = await teacher.upload('/requests/new/software', { field: 'licence', name: 'licence.zip', content: ZIP, type: 'application/zip' }, answers);
    assert.equal(zip.statusCode, 422);
    assert.match(zip.body, /licence\.zip is an archive or Office file/);
    const exe = await teacher.upload('/requests/new/software', { field: 'licence', name: 'licence.pdf', content: EXE, type: 'application/pdf' }, answers);
    assert.equal(exe.statusCode, 422);
    assert.match(exe.body, /licence\.pdf is a program, not a licence/);
    assert.match(exe.body, /Machines|My laptop/);
    assert.deepEqual({ requests: await count(requests), files: await count(requestFiles), emails: (await t.app.db.select().from(outbox)).length }, before);
  });

  test('each field is checked: required answers, web address, money, date order', async () => {
    const res = await teacher.post('/requests/new/record_pupils', {
      purpose: '',
      equipment: 'My phone',
      ...dateParts('from', addDays(today, 5)),
      ...dateParts('to', addDays(today, 2)),
    });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /<title>Error: /);
    assert.match(res.body, /Say what the recording is for/);
    assert.match(res.body, /To must be on or after the from date/);
    assert.match(res.body, /value="My phone"/);
    const money = await teacher.post('/requests/new/hardware', { what: 'Visualiser', why: 'Demonstrations', cost: 'about a hundred' });
    assert.match(money.body, /Cost in pounds must be an amount like 249\.99/);
    const url = await teacher.post('/requests/new/website_unblock', { url: 'not a site', reason: 'Lesson' });
    assert.match(url.body, /Enter a web address, like https:\/\/www\.example\.com/);
    const ok = await teacher.post('/requests/new/hardware', { what: 'Visualiser', why: 'Demonstrations', cost: '£1,249.5' });
    assert.equal(ok.statusCode, 303);
    const ref = (ok.headers.location as string).split('/').pop() as string;
    assert.equal((await requestRow(ref)).answers.cost, '1249.50');
  });

  test('an unknown type is not found', async () => {
    assert.equal((await teacher.get('/requests/new/nonsense')).statusCode, 404);
  });
});

describe('deciding', () => {
  test('IT sees it waiting first; refusing needs a reason; the decision is recorded, emailed and final', async () => {
    const { reference } = await make(c.teacherA, 'software', { name: 'Audacity' });
    const list = await it.get('/requests');
    assert.equal(list.statusCode, 200);
    const waitingSection = list.body.split('Other requests')[0] as string;
    assert.match(waitingSection, new RegExp(reference));
    assert.match(waitingSection, /Audacity/);

    const page = await it.get(`/requests/${reference}`);
    assert.match(page.body, /Your decision/);
    const noReason = await it.post(`/requests/${reference}/decide`, { decision: 'refuse', reason: '' });
    assert.equal(noReason.statusCode, 422);
    assert.match(noReason.body, /Give the reason for refusing/);
    assert.equal((await requestRow(reference)).status, 'pending');

    const refused = await it.post(`/requests/${reference}/decide`, { decision: 'refuse', reason: 'We already have a licensed editor' });
    assert.equal(refused.statusCode, 303);
    const row = await requestRow(reference);
    assert.equal(row.status, 'refused');
    assert.equal(row.reason, 'We already have a licensed editor');
    assert.equal(row.decidedBy, c.itA.id);
    assert.ok(row.decidedAt);
    const [mail] = await emailsTo(`request:${row.id}:decided`);
    assert.equal(mail?.toAddress, c.teacherA.email);
    assert.match(mail?.subject ?? '', new RegExp(`your request ${reference} was refused`));
    assert.match(mail?.textBody ?? '', /We already have a licensed editor/);
    const [audit] = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'request.decided'), eq(auditEvents.resourceId, row.id)));
    assert.equal(audit?.summary, `${reference} refused by Ivy It`);

    const again = await it.post(`/requests/${reference}/decide`, { decision: 'approve', reason: 'Changed my mind' });
    assert.equal(again.statusCode, 422);
    assert.match(again.body, /already been decided/);
    assert.equal((await requestRow(reference)).status, 'refused');
  });

  test('someone who is not the approver gets 403; another trust gets 404 everywhere', async () => {
    const { reference } = await make(c.teacherA, 'software');
    assert.equal((await slt.post(`/requests/${reference}/decide`, { decision: 'approve' })).statusCode, 403);
    assert.equal((await teacher.post(`/requests/${reference}/decide`, { decision: 'approve' })).statusCode, 403, 'the requester cannot decide');
    const teacherB = await new Agent(t.app).signIn(c.teacherB.email);
    assert.equal((await teacherB.get(`/requests/${reference}`)).statusCode, 403);
    assert.equal((await teacherB.get('/requests')).statusCode, 403);
    assert.equal((await betaAdmin.get(`/requests/${reference}`)).statusCode, 404);
    assert.equal((await betaAdmin.post(`/requests/${reference}/decide`, { decision: 'approve' })).statusCode, 404);
    assert.equal((await betaAdmin.post(`/requests/${reference}/withdraw`, {})).statusCode, 404);
    assert.doesNotMatch((await betaAdmin.get('/requests')).body, new RegExp(reference));
    assert.equal((await requestRow(reference)).status, 'pending');
  });

  test('an exception may be approved until a future date, and expires once after it', async () => {
    const { reference } = await make(c.teacherA, 'website_unblock');
    const past = await it.post(`/requests/${reference}/decide`, { decision: 'approve', reason: '', ...dateParts('expiresOn', today) });
    assert.equal(past.statusCode, 422);
    assert.match(past.body, /The end date must be in the future/);
    const until = addDays(today, 10);
    const ok = await it.post(`/requests/${reference}/decide`, { decision: 'approve', reason: 'For the Year 9 unit', ...dateParts('expiresOn', until) });
    assert.equal(ok.statusCode, 303);
    const row = await requestRow(reference);
    assert.equal(row.status, 'approved');
    assert.equal(row.expiresOn, until);
    assert.match((await teacher.get('/requests/mine')).body, /Approved/);

    const onTheDay = new Date(`${until}T12:00:00Z`);
    await sendRequestReminders(t.app.db, 'http://localhost:3000', onTheDay);
    assert.equal((await requestRow(reference)).status, 'approved', 'it still applies on its last day');
    const after = new Date(`${addDays(until, 1)}T12:00:00Z`);
    await sendRequestReminders(t.app.db, 'http://localhost:3000', after);
    await sendRequestReminders(t.app.db, 'http://localhost:3000', new Date(after.getTime() + 3_600_000));
    assert.equal((await requestRow(reference)).status, 'expired');
    const mails = await emailsTo(`request:${row.id}:expired`);
    assert.equal(mails.length, 1);
    assert.equal(mails[0]?.toAddress, c.teacherA.email);
    const audits = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'request.expired'), eq(auditEvents.resourceId, row.id)));
    assert.equal(audits.length, 1);
  });

  test('types that are not exceptions take no end date', async () => {
    const { reference } = await make(c.teacherA, 'hardware');
    await assert.rejects(
      service.decideRequest(await as(c.itA), reference, { decision: 'approve', expiresOn: addDays(today, 30) }),
      (e: unknown) => e instanceof ValidationError && /has no end date/.test(e.fieldErrors.expiresOn ?? ''),
    );
  });

  test('the person who asked withdraws a pending request; it cannot then be decided or withdrawn again', async () => {
    const { reference } = await make(c.teacherA, 'large_download');
    assert.equal((await it.post(`/requests/${reference}/withdraw`, { reason: '' })).statusCode, 403, 'only the requester withdraws');
    const res = await teacher.post(`/requests/${reference}/withdraw`, { reason: 'Downloaded it at home instead' });
    assert.equal(res.statusCode, 303);
    const row = await requestRow(reference);
    assert.equal(row.status, 'withdrawn');
    assert.equal(row.reason, 'Downloaded it at home instead');
    assert.equal((await teacher.post(`/requests/${reference}/withdraw`, {})).statusCode, 422);
    assert.equal((await it.post(`/requests/${reference}/decide`, { decision: 'approve' })).statusCode, 422);
    assert.equal((await requestRow(reference)).status, 'withdrawn');
    assert.equal(
      (
        await t.app.db
          .select()
          .from(auditEvents)
          .where(and(eq(auditEvents.action, 'request.withdrawn'), eq(auditEvents.resourceId, row.id)))
      ).length,
      1,
    );
  });

  test('filters in the address narrow the list', async () => {
    const hw = await make(c.teacherA, 'hardware', { what: 'Filter-test printer' });
    const filtered = await it.get('/requests?type=website_unblock&status=pending');
    assert.doesNotMatch(filtered.body, new RegExp(hw.reference));
    assert.match((await it.get('/requests?type=hardware')).body, new RegExp(hw.reference));
    assert.equal((await it.get('/requests?type=bogus&status=nope&page=x')).statusCode, 200);
  });
});

describe('cloud services', () => {
  test('approving a cloud service request adds it to the register; the public page lists it without names', async () => {
    const ctx = await as(c.teacherA);
    const { reference } = await service.makeRequest(
      ctx,
      'cloud_service',
      {
        serviceName: 'Padlet',
        supplier: 'Wallwisher Inc',
        website: 'padlet.com',
        personalData: ['pupil_names', 'images'],
        why: 'Class walls for sharing work',
      },
      {},
    );
    const entriesBefore = await count(cloudServices);
    const missingDate = await dpo.post(`/requests/${reference}/decide`, { decision: 'approve', dpiaDone: 'yes' });
    assert.equal(missingDate.statusCode, 422);
    assert.match(missingDate.body, /Enter the date the DPIA was done/);
    assert.equal(await count(cloudServices), entriesBefore, 'nothing added while the decision has an error');
    assert.equal((await requestRow(reference)).status, 'pending');
    const dpiaOn = addDays(today, -3);
    const ok = await dpo.post(`/requests/${reference}/decide`, {
      decision: 'approve',
      reason: 'DPIA reviewed',
      dpiaDone: 'yes',
      ...dateParts('dpiaOn', dpiaOn),
    });
    assert.equal(ok.statusCode, 303);
    const row = await requestRow(reference);
    const [entry] = await t.app.db.select().from(cloudServices).where(eq(cloudServices.sourceRequestId, row.id));
    assert.ok(entry);
    assert.equal(entry.name, 'Padlet');
    assert.equal(entry.supplier, 'Wallwisher Inc');
    assert.equal(entry.purpose, 'Class walls for sharing work');
    assert.deepEqual(entry.dataCategories, ['pupil_names', 'images']);
    assert.equal(entry.dpiaDone, true);
    assert.equal(entry.dpiaOn, dpiaOn);
    assert.equal(entry.approvedBy, c.dpo.id);
    assert.equal(entry.approvedOn, today);
    assert.equal(entry.reviewOn, addYears(today, 1));

    const staff = await teacher.get('/cloud-services');
    assert.match(staff.body, /Padlet/);
    const pub = await new Agent(t.app).get('/c/alpha/cloud-services');
    assert.equal(pub.statusCode, 200);
    assert.match(pub.body, /Padlet/);
    assert.match(pub.body, /Wallwisher Inc/);
    assert.match(pub.body, /Photographs, video or voice recordings/);
    assert.doesNotMatch(pub.body, /Dora Dpo|Tess Teacher|DPIA/);
    assert.equal((await new Agent(t.app).get('/c/no-such-trust/cloud-services')).statusCode, 404);
    assert.doesNotMatch((await new Agent(t.app).get('/c/beta/cloud-services')).body, /Padlet/);

    // Asking again for an approved service is answered at once.
    await assert.rejects(
      service.makeRequest(ctx, 'cloud_service', { serviceName: 'padlet', supplier: 'X', website: 'padlet.com', personalData: ['none'], why: 'Again' }, {}),
      (e: unknown) => e instanceof ValidationError && /already on the approved list/.test(e.fieldErrors.serviceName ?? ''),
    );

    // Withdrawn: off the public page, still a record.
    assert.equal((await teacher.post(`/cloud-services/${entry.id}/withdraw`, { reason: 'No' })).statusCode, 403);
    assert.equal((await dpo.post(`/cloud-services/${entry.id}/withdraw`, { reason: '' })).statusCode, 422);
    assert.equal((await dpo.post(`/cloud-services/${entry.id}/withdraw`, { reason: 'Moved data outside the UK' })).statusCode, 303);
    assert.doesNotMatch((await new Agent(t.app).get('/c/alpha/cloud-services')).body, /Padlet/);
    assert.match((await teacher.get('/cloud-services?status=withdrawn')).body, /Padlet/);
    assert.match((await teacher.get(`/cloud-services/${entry.id}`)).body, /Moved data outside the UK/);
    assert.equal((await betaAdmin.get(`/cloud-services/${entry.id}`)).statusCode, 404);
  });

  test('the DPO adds and changes entries; staff only read', async () => {
    assert.equal((await teacher.get('/cloud-services/new')).statusCode, 403);
    assert.equal((await teacher.post('/cloud-services/new', { name: 'X' })).statusCode, 403);
    const bad = await dpo.post('/cloud-services/new', { name: 'Seesaw', supplier: '', purpose: 'Journals', ...dateParts('reviewOn', today) });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /Enter the supplier/);
    assert.match(bad.body, /Select the personal data it holds/);
    assert.match(bad.body, /The review date must be in the future/);
    assert.match(bad.body, /value="Seesaw"/);
    const added = await dpo.post('/cloud-services/new', {
      name: 'Seesaw',
      supplier: 'Seesaw Learning',
      purpose: 'Learning journals',
      dataCategories: ['pupil_names', 'attainment'],
      ...dateParts('reviewOn', addDays(today, 200)),
    });
    assert.equal(added.statusCode, 303);
    const [entry] = await t.app.db.select().from(cloudServices).where(eq(cloudServices.name, 'Seesaw'));
    assert.ok(entry);
    assert.equal(entry.dpiaDone, false);
    assert.equal(entry.sourceRequestId, null);
    const edit = await dpo.get(`/cloud-services/${entry.id}/edit`);
    assert.match(edit.body, /value="Seesaw Learning"/);
    const changed = await dpo.post(`/cloud-services/${entry.id}/edit`, {
      name: 'Seesaw',
      supplier: 'Seesaw Learning',
      purpose: 'Learning journals and parent messages',
      dataCategories: ['pupil_names', 'attainment', 'pupil_contact'],
      dpiaDone: 'yes',
      ...dateParts('dpiaOn', today),
      ...dateParts('reviewOn', addDays(today, 365)),
    });
    assert.equal(changed.statusCode, 303);
    const [after] = await t.app.db.select().from(cloudServices).where(eq(cloudServices.id, entry.id));
    assert.equal(after?.dpiaDone, true);
    assert.equal(after?.reviewOn, addDays(today, 365));
    assert.deepEqual(after?.dataCategories, ['pupil_names', 'attainment', 'pupil_contact']);
    const audits = await t.app.db.select().from(auditEvents).where(eq(auditEvents.resourceId, entry.id));
    assert.deepEqual(audits.map((a) => a.action).sort(), ['cloud_service.added', 'cloud_service.updated']);
    assert.equal(
      (
        await dpo.post('/cloud-services/new', {
          name: 'seesaw',
          supplier: 'S',
          purpose: 'P',
          dataCategories: 'none',
          ...dateParts('reviewOn', addDays(today, 9)),
        })
      ).statusCode,
      422,
    );
  });
});

describe('the sweep and the home page', () => {
  test('approvers are reminded once at 3 days and once at 7', async () => {
    const start = new Date(Date.now() - 60_000);
    const { reference } = await make(c.teacherA, 'access_change', {}, start);
    const row = await requestRow(reference);
    const at = (days: number, hours = 0) => new Date(start.getTime() + days * 86_400_000 + hours * 3_600_000);
    const reminders = async (when: Date) => {
      await sendRequestReminders(t.app.db, 'http://localhost:3000', when);
      return (await emailsTo(`request:${row.id}:remind:%`)).map((m) => `${m.dedupeKey.split(':')[3]} ${m.toAddress}`).sort();
    };
    assert.deepEqual(await reminders(at(2, 23)), []);
    assert.deepEqual(await reminders(at(3)), [`3d ${c.itA.email}`]);
    assert.deepEqual(await reminders(at(3, 5)), [`3d ${c.itA.email}`]);
    assert.deepEqual(await reminders(at(7)), [`3d ${c.itA.email}`, `7d ${c.itA.email}`]);
    assert.deepEqual(await reminders(at(9)), [`3d ${c.itA.email}`, `7d ${c.itA.email}`]);

    const todos = await requestTodos(await as(c.itA), at(4));
    const todo = todos.find((x) => x.href === `/requests/${reference}`);
    assert.ok(todo);
    assert.equal(todo.tag?.label, 'waiting 4 days');
    assert.equal(todo.tag?.tone, 'orange');
    assert.equal((await requestTodos(await as(c.teacherA), at(4))).length, 0, 'nothing for the person who asked');

    await service.decideRequest(await as(c.itA), reference, { decision: 'approve' });
    assert.equal((await requestTodos(await as(c.itA), at(4))).filter((x) => x.href === `/requests/${reference}`).length, 0);
  });

  test('a decided request gets no reminders', async () => {
    const start = new Date(Date.now() - 60_000);
    const { reference } = await make(c.teacherA, 'hardware', {}, start);
    await service.decideRequest(await as(c.itA), reference, { decision: 'approve' });
    await sendRequestReminders(t.app.db, 'http://localhost:3000', new Date(start.getTime() + 8 * 86_400_000));
    assert.equal((await emailsTo(`request:${(await requestRow(reference)).id}:remind:%`)).length, 0);
  });

  test('the DPO is reminded once of a cloud service review within 30 days, and sees it on the home page', async () => {
    const ctx = await as(c.dpo);
    const { addCloudService } = await import('./cloud.ts');
    const entry = await addCloudService(ctx, {
      name: 'Kahoot',
      supplier: 'Kahoot ASA',
      purpose: 'Quizzes',
      dataCategories: ['pupil_names'],
      reviewOn: addDays(today, 20),
    });
    await sendRequestReminders(t.app.db, 'http://localhost:3000');
    await sendRequestReminders(t.app.db, 'http://localhost:3000');
    const mails = await emailsTo(`cloud_service:${entry.id}:review:%`);
    assert.deepEqual(
      mails.map((m) => m.toAddress),
      [c.dpo.email],
    );
    assert.match(mails[0]?.subject ?? '', /Kahoot is due for its data protection review/);
    const todos = await requestTodos(ctx);
    assert.ok(todos.some((x) => x.href === `/cloud-services/${entry.id}` && x.tag?.label === 'due in 20 days'));
    const home = await dpo.get('/');
    assert.match(home.body, /Review cloud service Kahoot/);
  });
});
