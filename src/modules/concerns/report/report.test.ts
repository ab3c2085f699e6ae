import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { and, asc, eq, sql } from 'drizzle-orm';
import { Agent, createTestApp, type TestApp, type UploadFile } from '../../../../test/app.ts';
import { type ConcernCast, concernCast, reportAs } from '../../../../test/concerns.ts';
import { makeTrustWithCast } from '../../../../test/factories.ts';
import { auditEvents } from '../../../audit/schema.ts';
import { londonDateTime, londonToday } from '../../../ui/format.ts';
import { addDays } from '../../acknowledgements/service.ts';
import { outbox } from '../../notifications/schema.ts';
import { breaches, concernAttachments, concernEntries, concernPeople, concernRecipients, concerns, deviceLosses, recordViews } from '../schema.ts';
import { CONCERN_TYPE_CODES, CONCERN_TYPES, type ConcernTypeCode } from '../types.ts';

let t: TestApp;
let c: ConcernCast;
let beta: Awaited<ReturnType<typeof makeTrustWithCast>>;
let teacher: Agent;
let teacherB: Agent;
let dsl: Agent;
let admin: Agent;
let betaAdmin: Agent;

before(async () => {
  t = await createTestApp();
  c = await concernCast(t.app.db, await makeTrustWithCast(t.app.db, 'alpha'));
  beta = await makeTrustWithCast(t.app.db, 'beta');
  teacher = await new Agent(t.app).signIn(c.teacherA.email);
  teacherB = await new Agent(t.app).signIn(c.teacherB.email);
  dsl = await new Agent(t.app).signIn(c.dslA.email);
  admin = await new Agent(t.app).signIn(c.admin.email);
  betaAdmin = await new Agent(t.app).signIn(beta.admin.email);
});
after(() => t.close());

const yesterday = () => addDays(londonToday(), -1);
const dateParts = (name: string, iso: string) => {
  const [y, m, d] = iso.split('-');
  return { [`${name}-day`]: String(Number(d)), [`${name}-month`]: String(Number(m)), [`${name}-year`]: y ?? '' };
};

/** A complete report of a type, as the form sends it; `extra` overrides any field. */
function reportFields(type: ConcernTypeCode, extra: Record<string, string> = {}): Record<string, string> {
  const fields: Record<string, string> = {
    what: `Seen in Room 12 (${type}): Jordan Smith said "send it to me" twice`,
    ...dateParts('occurredOn', yesterday()),
    occurredTime: '14:30',
    location: 'Room 12',
    person1: '',
    part1: '',
    othersInvolved: '',
  };
  if (type === 'data_breach')
    Object.assign(fields, {
      ...dateParts('discoveredOn', yesterday()),
      discoveredTime: '15:00',
      dataInvolved: 'Names and SEN notes of a year 9 class',
      peopleAffected: '28',
    });
  if (type === 'device_lost')
    Object.assign(fields, {
      lossKind: 'lost',
      crimeReference: '',
      deviceDescription: 'Dell laptop, grey case',
      assetReference: 'A-1042',
      heldPersonalData: 'no',
    });
  if (type === 'staff_conduct') Object.assign(fields, { person1: 'Bo Teacher (teacher.b@alpha.example)', part1: 'subject' });
  return { ...fields, ...extra };
}

const send = (agent: Agent, type: string, fields: Record<string, string>, files: UploadFile[] = []) => agent.upload(`/concerns/new/${type}`, files, fields);

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('a screenshot of the email, not really a PNG body')]);
const PDF = (n = 1) => Buffer.from(`%PDF-1.7\n% document ${n}\n`);
const file = (name: string, content: Buffer | string, type = 'application/octet-stream'): UploadFile => ({ field: 'attachments', name, content, type });

const title = (html: string) => /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? '';
const referenceFrom = (location: unknown) => {
  const m = /^\/concerns\/(C-\d{4}-\d{4})\/received$/.exec(String(location));
  assert.ok(m, `expected a redirect to the confirmation, got ${location}`);
  return m[1] as string;
};

const byRef = async (reference: string, trustId = c.trust.id) => {
  const [row] = await t.app.db
    .select()
    .from(concerns)
    .where(and(eq(concerns.trustId, trustId), eq(concerns.reference, reference)));
  assert.ok(row, `no concern ${reference}`);
  return row;
};
const recipientsOf = (concernId: string) =>
  t.app.db
    .select()
    .from(concernRecipients)
    .where(and(eq(concernRecipients.trustId, c.trust.id), eq(concernRecipients.concernId, concernId)));
const routedEmails = (dedupePrefix: string) =>
  t.app.db
    .select()
    .from(outbox)
    .where(and(eq(outbox.template, 'concern-routed'), sql`${outbox.dedupeKey} like ${`${dedupePrefix}%`}`))
    .orderBy(asc(outbox.toAddress));

/** Rows in every table a report writes to, for "nothing was stored". */
async function counts() {
  const n = async (
    table:
      | typeof concerns
      | typeof concernEntries
      | typeof concernAttachments
      | typeof outbox
      | typeof concernPeople
      | typeof concernRecipients
      | typeof breaches
      | typeof deviceLosses,
  ) => {
    const [row] = await t.app.db.select({ n: sql<number>`count(*)::int` }).from(table);
    return row?.n ?? 0;
  };
  const [audit] = await t.app.db.select({ n: sql<number>`count(*)::int` }).from(auditEvents).where(eq(auditEvents.action, 'concern.reported'));
  return {
    concerns: await n(concerns),
    entries: await n(concernEntries),
    attachments: await n(concernAttachments),
    outbox: await n(outbox),
    people: await n(concernPeople),
    recipients: await n(concernRecipients),
    breaches: await n(breaches),
    devices: await n(deviceLosses),
    audit: audit?.n ?? 0,
  };
}

describe('choosing what to report', () => {
  test('one question: every type, grouped, with its hint and who it goes to, under the 999 line', async () => {
    const res = await teacher.get('/concerns/new');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /What are you reporting\?/);
    assert.match(res.body, /If a child is in immediate danger, call 999/);
    for (const code of CONCERN_TYPE_CODES) {
      const spec = CONCERN_TYPES[code];
      assert.match(res.body, new RegExp(`name="type"[^>]*value="${code}"`), code);
      assert.ok(res.body.includes(`Goes to: ${spec.routedTo.replace(/'/g, '&#x27;')}.`), `${code} says where it goes`);
    }
    for (const group of ['Keeping children safe online', 'Personal data', 'Devices, accounts and equipment', 'A member of staff'])
      assert.match(res.body, new RegExp(group));
    assert.match(res.body, /href="\/concerns\/mine"/);
  });

  test('choosing a type goes to its form; a link may name the type', async () => {
    const chosen = await teacher.post('/concerns/new', { type: 'data_breach' });
    assert.equal(chosen.statusCode, 303);
    assert.equal(chosen.headers.location, '/concerns/new/data_breach');
    const linked = await teacher.get('/concerns/new?type=cyberbullying');
    assert.equal(linked.statusCode, 303);
    assert.equal(linked.headers.location, '/concerns/new/cyberbullying');
  });

  test('choosing nothing (or something not on the list) shows the error at the radios', async () => {
    for (const res of [
      await teacher.post('/concerns/new', {}),
      await teacher.post('/concerns/new', { type: 'gossip' }),
      await teacher.get('/concerns/new?type='),
    ]) {
      assert.equal(res.statusCode, 422);
      assert.match(title(res.body), /^Error: /);
      assert.match(res.body, /id="f-type-error"[^>]*>.*Choose what you are reporting/s);
      assert.match(res.body, /href="#f-type"/);
      assert.match(res.body, /id="f-type"/);
    }
  });

  test('"Change what you are reporting" comes back with the type chosen', async () => {
    const res = await teacher.get('/concerns/new?from=device_lost');
    assert.match(res.body, /<input[^>]*checked=""[^>]*value="device_lost"/);
  });
});

describe('the details form', () => {
  test('an unknown type in the address is not found, and posting to it stores nothing', async () => {
    assert.equal((await teacher.get('/concerns/new/gossip')).statusCode, 404);
    const before = await counts();
    assert.equal((await send(teacher, 'gossip', reportFields('cyberbullying'))).statusCode, 404);
    assert.deepEqual(await counts(), before);
  });

  test('the common questions, the directory picker and the upload, posted as multipart', async () => {
    const res = await teacher.get('/concerns/new/cyberbullying');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /enctype="multipart\/form-data"/i);
    assert.match(res.body, /action="\/concerns\/new\/cyberbullying"/);
    assert.match(res.body, /What did you see or hear\?/);
    assert.match(res.body, /full names, not initials/);
    for (const name of [
      'what',
      'occurredOn-day',
      'occurredOn-month',
      'occurredOn-year',
      'occurredTime',
      'location',
      'othersInvolved',
      'person1',
      'part1',
      'person3',
      'part3',
    ])
      assert.match(res.body, new RegExp(`name="${name}"`), name);
    assert.match(res.body, /24-hour, like 14:30/);
    assert.match(res.body, /Anyone else involved \(pupils, visitors\): full names/);
    // People from the directory, offered as "Full Name (email)" in one shared list.
    assert.match(res.body, /<datalist id="concern-directory">/);
    assert.match(res.body, /<option value="Hal Head \(head.a@alpha.example\)">/);
    assert.equal((res.body.match(/list="concern-directory"/g) ?? []).length, 3);
    assert.doesNotMatch(res.body, /beta.example/);
    for (const part of ['The report is about them', 'Affected or at risk', 'Saw or heard it']) assert.match(res.body, new RegExp(part));
    // Several files, with the limits stated next to the control.
    assert.match(res.body, /type="file"[^>]*multiple=""/);
    assert.match(res.body, /Up to 5 files, 5 MB each: PDF, JPEG, PNG, GIF, WebP, HEIC or plain text/);
    // Tess is at one school: no school question.
    assert.doesNotMatch(res.body, /name="schoolId"/);
  });

  test('someone who is not in exactly one school is asked which school', async () => {
    const res = await admin.get('/concerns/new/damage_fault');
    assert.match(res.body, /<select[^>]*name="schoolId"/);
    assert.match(res.body, /<option value="[^"]+">School B<\/option>/);
  });

  test('a data breach asks when it was found out, what data and how many people', async () => {
    const res = await teacher.get('/concerns/new/data_breach');
    for (const name of ['discoveredOn-day', 'discoveredTime', 'dataInvolved', 'peopleAffected']) assert.match(res.body, new RegExp(`name="${name}"`), name);
    assert.match(res.body, /When was it found out\?/);
    assert.match(res.body, /72 hours/);
  });

  test('a lost device asks lost or stolen, the crime reference, the asset and whether it held personal data', async () => {
    const res = await teacher.get('/concerns/new/device_lost');
    for (const name of ['lossKind', 'crimeReference', 'assetReference', 'deviceDescription', 'heldPersonalData'])
      assert.match(res.body, new RegExp(`name="${name}"`), name);
    assert.match(res.body, /Required if it was stolen: report a theft to the police on 101 first/);
    assert.match(res.body, /value="unknown"/);
    assert.match(res.body, /Not sure/);
  });

  test('suspected illegal content has no upload, and says to leave the device as it is', async () => {
    const res = await teacher.get('/concerns/new/illegal_content');
    assert.doesNotMatch(res.body, /type="file"/);
    assert.match(res.body, /govuk-warning-text/);
    assert.match(res.body, /Do not copy, screenshot, forward or attach it/);
    assert.match(res.body, /Leave the device as it is/);
  });

  test('a report about staff conduct makes naming the member of staff the first thing', async () => {
    const res = await teacher.get('/concerns/new/staff_conduct');
    assert.match(res.body, /Who is it about\?/);
    assert.match(res.body, /The member of staff it is about/);
    assert.match(res.body, /<select[^>]*name="part1"[^>]*>.*?<option value="subject" selected=""/s);
  });
});

describe('reporting', () => {
  test('a data breach: stored with its facts, people, attachment and breach clock; the DPL, DPO and line manager are emailed at once', async () => {
    const fields = reportFields('data_breach', {
      what: 'I emailed the year 9 SEN list to the whole parent list instead of the SENCo',
      person1: 'Bo Teacher (teacher.b@alpha.example)',
      part1: 'witness',
      person2: 'dsl.a@alpha.example',
      part2: 'affected',
      othersInvolved: 'Parents of 9B',
    });
    const res = await send(teacher, 'data_breach', fields, [file('sent-email.png', PNG, 'image/png')]);
    assert.equal(res.statusCode, 303, res.body.slice(0, 500));
    const reference = referenceFrom(res.headers.location);
    const row = await byRef(reference);
    assert.equal(row.type, 'data_breach');
    assert.equal(row.confidentiality, 'breach');
    assert.equal(row.schoolId, c.schoolA.id);
    assert.equal(row.reporterId, c.teacherA.id);
    assert.equal(row.source, 'form');
    assert.equal(row.what, fields.what);
    assert.equal(row.location, 'Room 12');
    assert.equal(row.othersInvolved, 'Parents of 9B');
    assert.equal(row.occurredAt.getTime(), londonDateTime(yesterday(), '14:30').getTime());

    const [breach] = await t.app.db.select().from(breaches).where(eq(breaches.concernId, row.id));
    assert.ok(breach);
    assert.equal(breach.discoveredAt.getTime(), londonDateTime(yesterday(), '15:00').getTime());
    assert.equal(breach.icoDueAt.getTime() - breach.discoveredAt.getTime(), 72 * 3_600_000);
    assert.equal(breach.dataInvolved, 'Names and SEN notes of a year 9 class');
    assert.equal(breach.peopleAffected, 28);

    const linked = await t.app.db.select().from(concernPeople).where(eq(concernPeople.concernId, row.id));
    assert.deepEqual(linked.map((l) => `${l.personId} ${l.part}`).sort(), [`${c.teacherB.id} witness`, `${c.dslA.id} affected`].sort());

    // The attachment: the bytes as sent, fingerprinted, typed by its first bytes.
    const [stored] = await t.app.db.select().from(concernAttachments).where(eq(concernAttachments.concernId, row.id));
    assert.ok(stored);
    assert.equal(stored.fileName, 'sent-email.png');
    assert.equal(stored.contentType, 'image/png');
    assert.equal(stored.sha256, createHash('sha256').update(PNG).digest('hex'));
    assert.equal(Buffer.compare(Buffer.from(stored.bytes), PNG), 0);
    const entries = await t.app.db.select().from(concernEntries).where(eq(concernEntries.concernId, row.id)).orderBy(asc(concernEntries.seq));
    assert.deepEqual(
      entries.map((e) => e.kind),
      ['reported', 'attachment'],
    );
    assert.match(entries[1]?.text ?? '', new RegExp(stored.sha256));

    // Urgent: one email per recipient now, saying nothing of what was reported.
    const recipients = await recipientsOf(row.id);
    assert.deepEqual(recipients.map((r) => r.personId).sort(), [c.dplA.id, c.dpo.id, c.headA.id].sort());
    assert.ok(recipients.every((r) => r.notifiedAt !== null));
    const emails = await routedEmails(`concern:${row.id}:`);
    assert.deepEqual(
      emails.map((e) => e.toAddress),
      [c.dplA.email, c.dpo.email, c.headA.email].sort(),
    );
    for (const e of emails) {
      assert.match(e.textBody, new RegExp(reference));
      for (const secret of ['SEN', 'parent', 'Bo Teacher', 'Dee Dsl', 'Jordan', 'Room 12', 'data breach', 'Personal data'])
        assert.ok(!`${e.subject}\n${e.textBody}\n${e.htmlBody}`.includes(secret), `email to ${e.toAddress} leaks "${secret}"`);
    }

    // The confirmation: the reference, where it went in plain words (no names: a breach is restricted).
    const page = await teacher.get(res.headers.location as string);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Report received/);
    assert.match(page.body, new RegExp(`<strong>${reference}</strong>`));
    assert.match(page.body, /The school&#x27;s DPL and the trust&#x27;s DPO; your line manager is told/);
    assert.match(page.body, /What happens next/);
    assert.match(page.body, /They have been emailed now/);
    assert.match(page.body, /72 hours/);
    assert.match(page.body, /href="\/concerns\/mine"/);
    for (const name of ['Dot Dpl', 'Dora Dpo', 'Hal Head']) assert.doesNotMatch(page.body, new RegExp(name));
    // The reporter's confirmation is not a look at a restricted record: nothing logged.
    assert.equal((await t.app.db.select().from(recordViews).where(eq(recordViews.resourceId, row.id))).length, 0);
  });

  test('a stolen device that held personal data: two references, the breach linked to the device report', async () => {
    const before = await counts();
    const res = await send(
      teacher,
      'device_lost',
      reportFields('device_lost', { lossKind: 'stolen', crimeReference: 'MPS-2026-55512', heldPersonalData: 'yes' }),
    );
    assert.equal(res.statusCode, 303, res.body.slice(0, 500));
    const reference = referenceFrom(res.headers.location);
    const device = await byRef(reference);
    assert.equal(device.type, 'device_lost');
    const [loss] = await t.app.db.select().from(deviceLosses).where(eq(deviceLosses.concernId, device.id));
    assert.ok(loss);
    assert.equal(loss.kind, 'stolen');
    assert.equal(loss.crimeReference, 'MPS-2026-55512');
    assert.equal(loss.assetReference, 'A-1042');
    assert.equal(loss.deviceDescription, 'Dell laptop, grey case');
    assert.equal(loss.heldPersonalData, 'yes');
    assert.ok(loss.breachConcernId);
    const [opened] = await t.app.db.select().from(concerns).where(eq(concerns.id, loss.breachConcernId));
    assert.ok(opened);
    assert.equal(opened.type, 'data_breach');
    assert.equal(opened.linkedConcernId, device.id);
    assert.equal(opened.reporterId, c.teacherA.id);
    assert.notEqual(opened.reference, reference);
    const after = await counts();
    assert.equal(after.concerns - before.concerns, 2);
    assert.equal(after.breaches - before.breaches, 1);

    // IT and the head for the device; the DPL, the DPO and the line manager for the breach.
    assert.deepEqual((await recipientsOf(device.id)).map((r) => r.personId).sort(), [c.itA.id, c.headA.id].sort());
    assert.deepEqual((await recipientsOf(opened.id)).map((r) => r.personId).sort(), [c.dplA.id, c.dpo.id, c.headA.id].sort());

    // The confirmation names both references, and (not restricted) who the device report went to.
    const page = await teacher.get(res.headers.location as string);
    assert.match(page.body, new RegExp(`<strong>${reference}</strong>`));
    assert.match(page.body, new RegExp(`<strong>${opened.reference}</strong>`));
    assert.match(page.body, /IT services and the head teacher: Hal Head, Ivy It/);

    const mine = await teacher.get('/concerns/mine');
    assert.match(mine.body, new RegExp(`href="/concerns/${reference}"`));
    assert.match(mine.body, new RegExp(`href="/concerns/${opened.reference}"`));
  });

  test('a cyberbullying report goes to the DSL team at once, one email each, without the report text or names', async () => {
    const res = await send(
      teacher,
      'cyberbullying',
      reportFields('cyberbullying', { person1: 'Bo Teacher', part1: 'witness', othersInvolved: 'Jamie Pupil (8C) and Alex Pupil (8C)' }),
    );
    assert.equal(res.statusCode, 303, res.body.slice(0, 500));
    const row = await byRef(referenceFrom(res.headers.location));
    const emails = await routedEmails(`concern:${row.id}:`);
    assert.deepEqual(
      emails.map((e) => e.toAddress),
      [c.deputyDslA.email, c.dslA.email].sort(),
    );
    for (const e of emails)
      for (const secret of ['Jamie', 'Alex', 'Jordan', 'Bo Teacher', 'Cyberbullying', 'cyberbullying'])
        assert.ok(!`${e.subject}\n${e.textBody}\n${e.htmlBody}`.includes(secret), `email leaks "${secret}"`);
    // A unique full name from the directory is enough to link the person.
    const [linked] = await t.app.db.select().from(concernPeople).where(eq(concernPeople.concernId, row.id));
    assert.equal(linked?.personId, c.teacherB.id);
  });

  test('damage or a fault waits for the daily summary: no email now, recipients not yet notified', async () => {
    const before = await counts();
    const res = await send(teacher, 'damage_fault', reportFields('damage_fault', { what: 'The projector in Room 12 smells of burning' }));
    assert.equal(res.statusCode, 303, res.body.slice(0, 500));
    const row = await byRef(referenceFrom(res.headers.location));
    assert.equal(row.urgent, false);
    const recipients = await recipientsOf(row.id);
    assert.deepEqual(
      recipients.map((r) => r.personId),
      [c.itA.id],
    );
    assert.ok(recipients.every((r) => r.notifiedAt === null));
    assert.equal((await counts()).outbox, before.outbox);
    const page = await teacher.get(res.headers.location as string);
    assert.match(page.body, /daily summary/);
    assert.match(page.body, /Ivy It/);
  });

  test('staff conduct about the line manager goes to the deputy head, and the confirmation names no one', async () => {
    const res = await send(teacher, 'staff_conduct', reportFields('staff_conduct', { person1: 'Hal Head (head.a@alpha.example)', part1: 'subject' }));
    assert.equal(res.statusCode, 303, res.body.slice(0, 500));
    const row = await byRef(referenceFrom(res.headers.location));
    assert.deepEqual(
      (await recipientsOf(row.id)).map((r) => r.personId),
      [c.deputyHeadA.id],
    );
    const page = await teacher.get(res.headers.location as string);
    assert.match(page.body, /Your line manager, or the deputy head or head teacher/);
    assert.match(page.body, /cannot see your report/);
    for (const name of ['Dan Deputy', 'Hal Head']) assert.doesNotMatch(page.body, new RegExp(name));
  });

  test('someone in several schools says which school, and the report is filed there', async () => {
    const res = await send(admin, 'damage_fault', reportFields('damage_fault', { schoolId: c.schoolB.id }));
    assert.equal(res.statusCode, 303, res.body.slice(0, 500));
    const row = await byRef(referenceFrom(res.headers.location));
    assert.equal(row.schoolId, c.schoolB.id);
    assert.deepEqual(
      (await recipientsOf(row.id)).map((r) => r.personId),
      [c.trustIt.id],
    );
  });

  test('a plain text attachment is typed as text by its bytes, whatever the browser said', async () => {
    const text = 'From: unknown@example.com\nSubject: Your account\n\nClick here to verify your password.\n';
    const res = await send(teacher, 'cyber_security', reportFields('cyber_security'), [file('phish.eml', text, 'application/x-msdownload')]);
    assert.equal(res.statusCode, 303, res.body.slice(0, 500));
    const row = await byRef(referenceFrom(res.headers.location));
    const [stored] = await t.app.db.select().from(concernAttachments).where(eq(concernAttachments.concernId, row.id));
    assert.equal(stored?.contentType, 'text/plain; charset=utf-8');
    assert.equal(stored?.sha256, createHash('sha256').update(text).digest('hex'));
    assert.equal(stored?.size, Buffer.byteLength(text));
  });
});

describe('bad input: a clear error at the field, everything typed kept, nothing stored', () => {
  type Case = { name: string; type: ConcernTypeCode; change?: Record<string, string>; files?: UploadFile[]; by?: () => Agent; field: string; message: RegExp };
  const big = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(5 * 1024 * 1024, 0x20)]);
  const PK = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(60, 1)]);
  const cases: Case[] = [
    { name: 'missing what', type: 'cyberbullying', change: { what: '   ' }, field: 'what', message: /Describe what you saw or heard/ },
    {
      name: 'missing date',
      type: 'cyberbullying',
      change: { 'occurredOn-day': '', 'occurredOn-month': '', 'occurredOn-year': '' },
      field: 'occurredOn',
      message: /Enter the date of when it happened/,
    },
    {
      name: 'not a real date',
      type: 'cyberbullying',
      change: { 'occurredOn-day': '31', 'occurredOn-month': '2' },
      field: 'occurredOn',
      message: /must be a real date/,
    },
    {
      name: 'a date in the future',
      type: 'harmful_content',
      change: dateParts('occurredOn', addDays(londonToday(), 1)),
      field: 'occurredOn',
      message: /must be today or in the past/,
    },
    { name: 'a bad time', type: 'pupil_contact', change: { occurredTime: '25:99' }, field: 'occurredTime', message: /24-hour clock, like 14:30/ },
    {
      name: 'stolen without a crime reference',
      type: 'device_lost',
      change: { lossKind: 'stolen', crimeReference: '' },
      field: 'crimeReference',
      message: /police crime reference number.*101/,
    },
    {
      name: 'a breach without the data involved',
      type: 'data_breach',
      change: { dataInvolved: '' },
      field: 'dataInvolved',
      message: /what personal data was involved/,
    },
    {
      name: 'a person not in the directory',
      type: 'home_learning',
      change: { person1: 'Nobody Atall', part1: 'witness' },
      field: 'person1',
      message: /could not find .*Nobody Atall.* in the staff directory/,
    },
    {
      name: 'a person from another trust, by their email',
      type: 'cyberbullying',
      change: { person2: 'teacher.a@beta.example', part2: 'affected' },
      field: 'person2',
      message: /could not find .*teacher.a@beta.example/,
    },
    { name: 'a person without their part', type: 'cyberbullying', change: { person1: 'Bo Teacher', part1: '' }, field: 'part1', message: /Choose their part/ },
    {
      name: 'staff conduct without the member of staff',
      type: 'staff_conduct',
      change: { person1: 'Bo Teacher (teacher.b@alpha.example)', part1: 'witness' },
      field: 'person1',
      message: /Name the member of staff the report is about/,
    },
    {
      name: 'someone in several schools who does not say which',
      type: 'damage_fault',
      change: { schoolId: '' },
      by: () => admin,
      field: 'schoolId',
      message: /Choose the school it happened at/,
    },
    {
      name: 'a program (.exe)',
      type: 'cyber_security',
      files: [file('invoice.exe', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200)]))],
      field: 'attachments',
      message: /invoice.exe is a program/,
    },
    { name: 'an archive (.zip)', type: 'cyberbullying', files: [file('photos.zip', PK)], field: 'attachments', message: /photos.zip is an archive/ },
    {
      name: 'a Word file (.docx)',
      type: 'data_breach',
      files: [file('list.docx', PK)],
      field: 'attachments',
      message: /list.docx is an archive or Office file \(save it as a PDF\)/,
    },
    {
      name: 'a file over 5 MB',
      type: 'cyberbullying',
      files: [file('scan.pdf', big, 'application/pdf')],
      field: 'attachments',
      message: /scan.pdf is larger than 5 MB/,
    },
    {
      name: 'six files',
      type: 'cyberbullying',
      files: [1, 2, 3, 4, 5, 6].map((n) => file(`page-${n}.pdf`, PDF(n), 'application/pdf')),
      field: 'attachments',
      message: /Attach 5 files or fewer/,
    },
    {
      name: 'an attachment on suspected illegal content',
      type: 'illegal_content',
      files: [file('image.png', PNG, 'image/png')],
      field: 'attachments',
      message: /Do not attach copies of suspected illegal content/,
    },
  ];

  for (const k of cases) {
    test(k.name, async () => {
      const before = await counts();
      const fields = reportFields(k.type, { location: 'Kept: the sports hall', ...k.change });
      const res = await send(k.by?.() ?? teacher, k.type, fields, k.files ?? []);
      assert.equal(res.statusCode, 422, res.body.slice(0, 300));
      assert.match(title(res.body), /^Error: /);
      // In the summary at the top, linking to the field, and again at the field itself.
      assert.match(res.body, new RegExp(`<a href="#f-${k.field}">[^<]*`));
      const at = new RegExp(`class="govuk-error-message" id="f-${k.field}(-error)?">(.*?)</p>`, 's').exec(res.body);
      assert.ok(at, `no error at ${k.field}`);
      assert.match((at[2] ?? '').replace(/&quot;/g, '"').replace(/&#x27;/g, "'"), k.message);
      // What was typed is still there.
      assert.match(res.body, /value="Kept: the sports hall"/);
      if (fields.what?.trim()) assert.ok(res.body.includes('Jordan Smith said &quot;send it to me&quot; twice'), 'what was typed is kept');
      if (k.files?.length && k.type !== 'illegal_content') assert.match(res.body, /Choose your files? again/);
      assert.deepEqual(await counts(), before);
    });
  }

  test("every problem is reported at once: the form's own and the directory's", async () => {
    const before = await counts();
    const fields = reportFields('cyberbullying', { what: ' ', person1: 'Nobody Atall', part1: 'witness' });
    const res = await send(teacher, 'cyberbullying', fields, []);
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /<a href="#f-what">/);
    assert.match(res.body, /<a href="#f-person1">[^<]*could not find/);
    assert.deepEqual(await counts(), before);
  });

  test('a forged form (no CSRF token) is refused and stores nothing', async () => {
    const before = await counts();
    const plain = await teacher.post('/concerns/new/cyberbullying', reportFields('cyberbullying'), { csrf: false });
    assert.equal(plain.statusCode, 403);
    // The same as a multipart form, as the page sends it, without the token.
    const boundary = '----forged';
    const body = Object.entries(reportFields('cyberbullying'))
      .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join('');
    const multipart = await t.app.inject({
      method: 'POST',
      url: '/concerns/new/cyberbullying',
      payload: `${body}--${boundary}--\r\n`,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, cookie: teacher.cookieHeader() },
    });
    assert.equal(multipart.statusCode, 403);
    assert.deepEqual(await counts(), before);
  });
});

describe('who sees what', () => {
  test('the confirmation is for the reporter (and those who may open the report): 404 for another teacher and for another trust', async () => {
    const { reference } = await reportAs(t.app.db, c.trust.id, c.teacherA.id, 'cyberbullying');
    const url = `/concerns/${reference}/received`;
    assert.equal((await teacher.get(url)).statusCode, 200);
    assert.equal((await dsl.get(url)).statusCode, 200);
    for (const other of [teacherB, betaAdmin]) {
      const res = await other.get(url);
      assert.equal(res.statusCode, 404);
      assert.doesNotMatch(res.body, new RegExp(reference));
    }
  });

  test('"Your reports" lists only mine, with the status, never what was reported', async () => {
    const mineRef = await reportAs(t.app.db, c.trust.id, c.teacherB.id, 'damage_fault', { what: 'Bo only: the kiln timer is broken' });
    const othersRef = await reportAs(t.app.db, c.trust.id, c.teacherA.id, 'damage_fault', { what: 'Tess only: a cracked screen' });
    await t.app.db.update(concerns).set({ status: 'in_progress' }).where(eq(concerns.id, mineRef.id));
    const res = await teacherB.get('/concerns/mine');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, new RegExp(`href="/concerns/${mineRef.reference}"`));
    assert.doesNotMatch(res.body, new RegExp(othersRef.reference));
    assert.match(res.body, /Damage or a fault with equipment/);
    assert.match(res.body, /govuk-tag--blue">In progress</);
    assert.doesNotMatch(res.body, /kiln/);
    const empty = await betaAdmin.get('/concerns/mine');
    assert.match(empty.body, /You have not reported anything yet/);
  });

  test('the routing table is for administrators: every type, who is told, when, who can open it, attachments; 403 for a teacher', async () => {
    assert.equal((await teacher.get('/concerns/routing')).statusCode, 403);
    const res = await admin.get('/concerns/routing');
    assert.equal(res.statusCode, 200);
    for (const code of CONCERN_TYPE_CODES) assert.ok(res.body.includes(CONCERN_TYPES[code].label.replace(/"/g, '&quot;')), code);
    assert.equal((res.body.match(/Emailed at once/g) ?? []).length, CONCERN_TYPE_CODES.filter((t) => CONCERN_TYPES[t].urgent).length);
    assert.equal((res.body.match(/>Daily summary</g) ?? []).length, 1);
    assert.match(res.body, /Safeguarding: the DSL team only/);
    assert.match(res.body, /Not allowed: the evidence stays on the device/);
    assert.match(res.body, /The reporter&#x27;s line manager. If they have none, have left or are named in the report: the deputy head, then the head teacher/);
    // Every school of this trust has someone for every type: no warning.
    assert.doesNotMatch(res.body, /no one holds the roles these reports go to/);
    assert.match(res.body, /Data protection officer \(DPO\) for the trust/);
    // Who holds the roles today, and the gaps: School B has no IT of its own (the trust's IT is told) and no head teacher.
    assert.match(res.body, /No one at the school: Ian Trust-It for the trust/);
    assert.match(res.body, /Senior leadership team at the school, or else the head teacher/);
    assert.match(res.body, /Dee Dsl/);
    assert.match(res.body, /govuk-tag--red">No one</);
    assert.match(res.body, /href="\/roles"/);
    // A DSL may read it too (without the link to change roles).
    const forDsl = await dsl.get('/concerns/routing');
    assert.equal(forDsl.statusCode, 200);
    assert.doesNotMatch(forDsl.body, /href="\/roles"/);
  });

  test('the routing page warns when a school has no one for a type of report', async () => {
    // The beta trust has no DSL, IT services or DPO anywhere: those reports would reach no one.
    const res = await betaAdmin.get('/concerns/routing');
    assert.equal(res.statusCode, 200);
    const warning = /At School B, no one holds the roles these reports go to: ([^<]*?)\. Give someone/.exec(res.body)?.[1] ?? '';
    const named = warning.split('; ');
    for (const code of ['harmful_content', 'illegal_content', 'cyberbullying', 'data_breach', 'damage_fault'] as const)
      assert.ok(named.includes(CONCERN_TYPES[code].label.toLowerCase().replace(/"/g, '&quot;')), `${code} is in the warning: ${warning}`);
    // A lost device still reaches School A's head teacher, and conduct reports the trust administrator.
    const atA = /At School A, no one holds the roles these reports go to: ([^<]*?)\. Give someone/.exec(res.body)?.[1] ?? '';
    assert.ok(atA.length > 0);
    assert.ok(!atA.includes(CONCERN_TYPES.device_lost.label.toLowerCase()));
    assert.ok(!warning.includes(CONCERN_TYPES.staff_conduct.label.toLowerCase()));
  });
});
