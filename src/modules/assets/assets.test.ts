import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, count, eq, sql } from 'drizzle-orm';
import { Agent, createTestApp, type TestApp } from '../../../test/app.ts';
import { type ConcernCast, concernCast } from '../../../test/concerns.ts';
import { actingAs, makePerson, makeTrustWithCast } from '../../../test/factories.ts';
import { auditEvents } from '../../audit/schema.ts';
import { transaction } from '../../db/client.ts';
import { ValidationError } from '../../errors.ts';
import { londonToday } from '../../ui/format.ts';
import { addDays } from '../acknowledgements/service.ts';
import { assetDisposals, assetEvents, assets } from './schema.ts';
import * as service from './service.ts';

const today = londonToday();

let t: TestApp;
let c: ConcernCast;
let other: ConcernCast;
const agents: Record<string, Agent> = {};

const dateParts = (name: string, iso: string) => {
  const [y, m, d] = iso.split('-');
  return { [`${name}-day`]: String(Number(d)), [`${name}-month`]: String(Number(m)), [`${name}-year`]: y as string };
};

let counter = 0;
/** The add form as a browser posts it, with a fresh tag and serial unless given. */
function form(over: Record<string, string> = {}) {
  counter += 1;
  const n = String(counter).padStart(4, '0');
  return {
    tag: `OPS-LT-${n}`,
    serial: `SN${n}XYZ`,
    type: 'laptop',
    make: 'Dell',
    model: 'Latitude 5440',
    school: c.schoolA.id,
    location: '',
    ...dateParts('purchasedOn', '2025-09-01'),
    orderReference: 'PO-2025-118',
    notes: '',
    ...over,
  };
}

const assetByTag = async (tag: string) => (await t.app.db.select().from(assets).where(eq(assets.tag, tag)))[0];
const eventsOf = async (assetId: string) => t.app.db.select().from(assetEvents).where(eq(assetEvents.assetId, assetId)).orderBy(assetEvents.at);
const assetCount = async () => (await t.app.db.select({ n: count() }).from(assets).where(eq(assets.trustId, c.trust.id)))[0]?.n ?? 0;
const eventCount = async () => (await t.app.db.select({ n: count() }).from(assetEvents).where(eq(assetEvents.trustId, c.trust.id)))[0]?.n ?? 0;

/** Adds a device through the form as Trust IT and returns its row. */
async function added(over: Record<string, string> = {}) {
  const f = form(over);
  const res = await agents.trustIt?.post('/assets/new', f);
  assert.equal(res?.statusCode, 303, res?.body.slice(0, 2000));
  await agents.trustIt?.get(String(res?.headers.location)); // as a browser would, which shows (and clears) the flash
  const row = await assetByTag(f.tag);
  assert.ok(row);
  return row;
}

before(async () => {
  t = await createTestApp();
  c = await concernCast(t.app.db, await makeTrustWithCast(t.app.db, 'alpha'));
  other = await concernCast(t.app.db, await makeTrustWithCast(t.app.db, 'beta'));
  const recorder = await makePerson(t.app.db, c.trust.id, {
    name: 'Rita Recorder',
    email: 'recorder.a@alpha.example',
    schoolIds: [c.schoolA.id],
    roles: [['asset_recorder', c.schoolA.id]],
  });
  for (const [name, email] of Object.entries({
    trustIt: c.trustIt.email,
    itA: c.itA.email,
    head: c.headA.email,
    teacher: c.teacherA.email,
    admin: c.admin.email,
    recorder: recorder.email,
    otherIt: other.trustIt.email,
  }))
    agents[name] = await new Agent(t.app).signIn(email);
});
after(() => t.close());

describe('adding a device', () => {
  test('IT adds one: the record page, its first history entry and the audit event', async () => {
    const f = form({ location: 'IT office cupboard 2' });
    const res = await agents.itA?.post('/assets/new', f);
    assert.equal(res?.statusCode, 303, res?.body.slice(0, 2000));
    assert.equal(res?.headers.location, `/assets/${f.tag}`);
    const row = await assetByTag(f.tag);
    assert.ok(row);
    assert.equal(row.status, 'in_stock');
    assert.equal(row.schoolId, c.schoolA.id);
    assert.equal(row.purchasedOn, '2025-09-01');
    assert.equal(row.source, 'form');
    const events = await eventsOf(row.id);
    assert.deepEqual(
      events.map((e) => [e.kind, e.actorName]),
      [['created', 'Ivy It']],
    );
    const [audit] = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.resourceId, row.id), eq(auditEvents.action, 'asset.created')));
    assert.equal(audit?.summary, `Asset ${f.tag} added`);

    const page = await agents.itA?.get(`/assets/${f.tag.toLowerCase()}`);
    assert.equal(page?.statusCode, 200);
    assert.match(page?.body ?? '', /govuk-tag--grey">In stock</);
    assert.match(page?.body ?? '', /IT office cupboard 2/);
    assert.match(page?.body ?? '', /Added to the register/);
    assert.match(page?.body ?? '', new RegExp(`/loans/new\\?asset=${f.tag}`), 'Lend it, when in stock');
    assert.match(page?.body ?? '', new RegExp(`/assets/${f.tag}/status`));
    assert.match(page?.body ?? '', new RegExp(`/assets/${f.tag}/dispose`));
  });

  test('errors are shown next to the fields and what was typed is kept', async () => {
    const f = form({ tag: '', type: 'toaster', school: '', ...dateParts('purchasedOn', addDays(today, 3)), make: 'Lenovo' });
    const res = await agents.trustIt?.post('/assets/new', f);
    assert.equal(res?.statusCode, 422);
    const body = res?.body ?? '';
    assert.match(body, /<title>Error: Add a device/);
    assert.match(body, /id="f-tag-error"[^>]*>.*Enter the asset tag/);
    assert.match(body, /id="f-type-error"[^>]*>.*Choose what kind of device it is/);
    assert.match(body, /id="f-school-error"/);
    // The date and the school are only checked once the fields themselves are right.
    assert.match(body, new RegExp(`value="${f.serial}"`), 'the serial number is kept');
    assert.match(body, /value="Lenovo"/);
    assert.equal(await assetByTag(f.tag), undefined);

    const future = await agents.trustIt?.post('/assets/new', form({ ...dateParts('purchasedOn', addDays(today, 3)) }));
    assert.equal(future?.statusCode, 422);
    assert.match(future?.body ?? '', /The purchase date cannot be in the future/);
    const badTag = await agents.trustIt?.post('/assets/new', form({ tag: 'OPS LT/1' }));
    assert.match(badTag?.body ?? '', /can only use letters, numbers, hyphens, dots and underscores/);
    const reserved = await agents.trustIt?.post('/assets/new', form({ tag: 'import' }));
    assert.match(reserved?.body ?? '', /cannot be used as an asset tag/);
  });

  test('a tag or serial already in the trust is refused by name, whatever the capitals, and nothing is saved', async () => {
    const first = await added();
    const [assetsBefore, eventsBefore] = [await assetCount(), await eventCount()];
    const sameTag = await agents.trustIt?.post('/assets/new', form({ tag: ` ${first.tag.toLowerCase()} ` }));
    assert.equal(sameTag?.statusCode, 422);
    assert.ok(
      sameTag?.body.includes(`Asset tag ${first.tag} is already used by Dell Latitude 5440, serial number ${first.serial}`),
      sameTag?.body.slice(0, 3000),
    );
    const sameSerial = await agents.trustIt?.post('/assets/new', form({ serial: first.serial.toLowerCase() }));
    assert.equal(sameSerial?.statusCode, 422);
    assert.ok(sameSerial?.body.includes(`Serial number ${first.serial} is already recorded, as asset ${first.tag}`));
    assert.equal(await assetCount(), assetsBefore);
    assert.equal(await eventCount(), eventsBefore);

    // Another trust may use the same tag and serial: they are unique per trust.
    const theirs = await agents.otherIt?.post('/assets/new', { ...form({ tag: first.tag, serial: first.serial }), school: other.schoolA.id });
    assert.equal(theirs?.statusCode, 303, theirs?.body.slice(0, 2000));
  });

  test('the service refuses a clash inside its transaction too (two writers racing)', async () => {
    const ctx = await actingAs(t.app.db, c.trustIt);
    const f = form();
    const results = await Promise.allSettled([service.createAsset(ctx, f), service.createAsset(ctx, { ...f, serial: `${f.serial}-2` })]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const refused = results.find((r) => r.status === 'rejected');
    assert.ok(refused?.status === 'rejected' && refused.reason instanceof ValidationError);
    assert.match(refused.reason.fieldErrors.tag ?? '', /is already used by/);
  });
});

describe('who may see and change the register', () => {
  let aDevice: service.AssetRow;
  let bDevice: service.AssetRow;
  let trustDevice: service.AssetRow;
  let otherDevice: service.AssetRow;

  before(async () => {
    aDevice = await added({ school: c.schoolA.id, make: 'Acer' });
    bDevice = await added({ school: c.schoolB.id, make: 'Bbrand' });
    trustDevice = await added({ school: 'trust', make: 'Centralco' });
    const otherCtx = await actingAs(t.app.db, other.trustIt);
    otherDevice = await service.createAsset(otherCtx, form({ school: other.schoolA.id }));
  });

  test('a teacher: no register, no record, no form', async () => {
    for (const url of ['/assets', '/assets.csv', '/assets/new', `/assets/${aDevice.tag}`, `/assets/${aDevice.tag}/status`, '/assets/import'])
      assert.equal((await agents.teacher?.get(url))?.statusCode, 403, url);
    assert.equal((await agents.teacher?.post('/assets/new', form()))?.statusCode, 403);
    assert.equal((await agents.teacher?.post(`/assets/${aDevice.tag}/status`, { status: 'in_repair' }))?.statusCode, 403);
  });

  test('IT at School A: School A’s devices only; trust IT and the trust admin: all of them', async () => {
    const itA = (await agents.itA?.get('/assets?sort=make'))?.body ?? '';
    assert.ok(itA.includes(aDevice.tag));
    assert.ok(!itA.includes(bDevice.tag), 'not School B’s');
    assert.ok(!itA.includes(trustDevice.tag), 'not the trust’s central stock');
    assert.equal((await agents.itA?.get(`/assets/${bDevice.tag}`))?.statusCode, 403);
    assert.equal((await agents.itA?.get(`/assets/${trustDevice.tag}`))?.statusCode, 403);
    assert.equal((await agents.itA?.post(`/assets/${bDevice.tag}/status`, { status: 'in_repair' }))?.statusCode, 403);
    // Nor can IT at School A add a device for School B, or move theirs there.
    assert.equal((await agents.itA?.post('/assets/new', form({ school: c.schoolB.id })))?.statusCode, 403);
    assert.equal(
      (await agents.itA?.post(`/assets/${aDevice.tag}/edit`, { ...form({ tag: aDevice.tag, serial: aDevice.serial, school: c.schoolB.id }) }))?.statusCode,
      403,
    );
    assert.equal((await assetByTag(aDevice.tag))?.schoolId, c.schoolA.id);
    const newForm = (await agents.itA?.get('/assets/new'))?.body ?? '';
    assert.ok(!newForm.includes(c.schoolB.id), 'only the schools they manage are offered');

    for (const who of ['trustIt', 'admin'] as const) {
      const all = (await agents[who]?.get('/assets?sort=make'))?.body ?? '';
      for (const d of [aDevice, bDevice, trustDevice]) assert.ok(all.includes(d.tag), `${who} sees ${d.tag}`);
    }
  });

  test('the head teacher reads their school’s register but changes nothing', async () => {
    const list = (await agents.head?.get('/assets?sort=make'))?.body ?? '';
    assert.ok(list.includes(aDevice.tag));
    assert.ok(!list.includes(bDevice.tag));
    assert.ok(!list.includes('Add a device'));
    const record = await agents.head?.get(`/assets/${aDevice.tag}`);
    assert.equal(record?.statusCode, 200);
    assert.ok(!record?.body.includes('/status"'), 'no Change status button');
    assert.equal((await agents.head?.get('/assets/new'))?.statusCode, 403);
    assert.equal((await agents.head?.get(`/assets/${aDevice.tag}/edit`))?.statusCode, 403);
    assert.equal((await agents.head?.post(`/assets/${aDevice.tag}/status`, { status: 'in_repair' }))?.statusCode, 403);
    assert.equal((await agents.head?.post(`/assets/${aDevice.tag}/dispose`, {}))?.statusCode, 403);
    assert.equal((await assetByTag(aDevice.tag))?.status, 'in_stock');
  });

  test('an asset recorder at School A can add and change School A’s devices', async () => {
    const f = form();
    const res = await agents.recorder?.post('/assets/new', f);
    assert.equal(res?.statusCode, 303, res?.body.slice(0, 2000));
    const edit = await agents.recorder?.post(`/assets/${f.tag}/edit`, { ...f, location: 'Library' });
    assert.equal(edit?.statusCode, 303);
    assert.equal((await assetByTag(f.tag))?.location, 'Library');
  });

  test('another trust’s device is not found, for reading or changing', async () => {
    for (const url of [
      `/assets/${otherDevice.tag}`,
      `/assets/${otherDevice.tag}/edit`,
      `/assets/${otherDevice.tag}/status`,
      `/assets/${otherDevice.tag}/dispose`,
    ])
      assert.equal((await agents.trustIt?.get(url))?.statusCode, 404, url);
    assert.equal((await agents.trustIt?.post(`/assets/${otherDevice.tag}/status`, { status: 'in_repair', note: '' }))?.statusCode, 404);
    assert.equal((await agents.otherIt?.get(`/assets/${aDevice.tag}`))?.statusCode, 404);
    assert.equal((await agents.otherIt?.post(`/assets/${aDevice.tag}/dispose`, {}))?.statusCode, 404);
    const theirList = (await agents.otherIt?.get('/assets'))?.body ?? '';
    assert.ok(!theirList.includes(aDevice.tag));
  });
});

describe('changing details', () => {
  test('an edit writes what changed to the history and the audit trail', async () => {
    const row = await added();
    const res = await agents.itA?.post(`/assets/${row.tag}/edit`, {
      ...form({ tag: row.tag, serial: row.serial, location: 'Room 12', model: 'Latitude 5450' }),
    });
    assert.equal(res?.statusCode, 303, res?.body.slice(0, 2000));
    const events = await eventsOf(row.id);
    const updated = events.find((e) => e.kind === 'updated');
    assert.ok(updated);
    assert.match(updated.text, /Model: Latitude 5440 → Latitude 5450/);
    assert.match(updated.text, /Location: none → Room 12/);
    const [audit] = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.resourceId, row.id), eq(auditEvents.action, 'asset.updated')));
    assert.ok(audit);
    assert.deepEqual([(audit.before as { location: string | null }).location, (audit.after as { location: string }).location], [null, 'Room 12']);

    const same = await agents.itA?.post(`/assets/${row.tag}/edit`, form({ tag: row.tag, serial: row.serial, location: 'Room 12', model: 'Latitude 5450' }));
    assert.equal(same?.statusCode, 303);
    assert.equal((await eventsOf(row.id)).length, events.length, 'saving without a change adds no history');

    const clash = await added();
    const taken = await agents.itA?.post(`/assets/${row.tag}/edit`, form({ tag: clash.tag, serial: row.serial }));
    assert.equal(taken?.statusCode, 422);
    assert.ok(taken?.body.includes(`Asset tag ${clash.tag} is already used by`));
    assert.equal((await assetByTag(row.tag))?.id, row.id, 'unchanged');
  });
});

describe('status rules', () => {
  test('in repair and back; on loan cannot be chosen by hand', async () => {
    const row = await added();
    const manualLoan = await agents.itA?.post(`/assets/${row.tag}/status`, { status: 'on_loan', note: '' });
    assert.equal(manualLoan?.statusCode, 422);
    assert.match(manualLoan?.body ?? '', /only by lending it/);
    const disposeHere = await agents.itA?.post(`/assets/${row.tag}/status`, { status: 'disposed', note: '' });
    assert.match(disposeHere?.body ?? '', /Disposal needs a wipe record/);
    assert.equal((await assetByTag(row.tag))?.status, 'in_stock');

    const repair = await agents.itA?.post(`/assets/${row.tag}/status`, { status: 'in_repair', note: 'Cracked screen, sent to Dell' });
    assert.equal(repair?.statusCode, 303);
    const back = await agents.itA?.post(`/assets/${row.tag}/status`, { status: 'in_stock', note: '' });
    assert.equal(back?.statusCode, 303);
    const history = await eventsOf(row.id);
    assert.deepEqual(
      history.map((e) => e.kind),
      ['created', 'in_repair', 'in_stock'],
    );
    assert.match(history[1]?.text ?? '', /Sent for repair\nCracked screen, sent to Dell/);
    assert.match(history[2]?.text ?? '', /Back in stock from repair/);
    const audits = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.resourceId, row.id), eq(auditEvents.action, 'asset.status_changed')));
    assert.equal(audits.length, 2);
  });

  test('lost needs a note, links to the concern report, and can only come back as found', async () => {
    const row = await added();
    const noNote = await agents.itA?.post(`/assets/${row.tag}/status`, { status: 'lost', note: '' });
    assert.equal(noNote?.statusCode, 422);
    assert.match(noNote?.body ?? '', /id="f-note-error"[^>]*>.*Say what happened/);
    assert.equal((await assetByTag(row.tag))?.status, 'in_stock');

    const lost = await agents.itA?.post(`/assets/${row.tag}/status`, { status: 'lost', note: 'Left on the train, Friday' });
    assert.equal(lost?.statusCode, 303);
    const page = await agents.itA?.get(`/assets/${row.tag}`);
    assert.match(page?.body ?? '', /govuk-tag--red">Lost</);
    assert.match(page?.body ?? '', /href="\/concerns\/new\/device_lost"/);
    assert.ok(!page?.body.includes('/loans/new?asset='), 'a lost device cannot be lent');
    assert.ok(!page?.body.includes(`/assets/${row.tag}/dispose`), 'nor disposed of');

    const repair = await agents.itA?.post(`/assets/${row.tag}/status`, { status: 'in_repair', note: '' });
    assert.equal(repair?.statusCode, 422);
    assert.match(repair?.body ?? '', /record it as found first/);
    const dispose = await agents.itA?.post(`/assets/${row.tag}/dispose`, {
      ...dateParts('disposedOn', today),
      wipeMethod: 'x',
      wipedBy: 'y',
      certificateNumber: 'z',
      confirm: 'yes',
    });
    assert.equal(dispose?.statusCode, 422);
    assert.equal((await assetByTag(row.tag))?.status, 'lost');

    const found = await agents.itA?.post(`/assets/${row.tag}/status`, { status: 'in_stock', note: 'Handed in at the station' });
    assert.equal(found?.statusCode, 303);
    assert.deepEqual(
      (await eventsOf(row.id)).map((e) => e.text.split('\n')[0]),
      ['Added to the register (in stock)', 'Recorded as lost', 'Found, back in stock'],
    );
  });

  test('disposal needs the wipe record, is final, and nothing changes afterwards', async () => {
    const row = await added();
    const missing = await agents.itA?.post(`/assets/${row.tag}/dispose`, { ...dateParts('disposedOn', today) });
    assert.equal(missing?.statusCode, 422);
    for (const message of ['Say how the data was wiped', 'Say who wiped it', 'Enter the wipe or destruction certificate number', 'Confirm that you understand'])
      assert.ok(missing?.body.includes(message), message);
    const future = await agents.itA?.post(`/assets/${row.tag}/dispose`, {
      ...dateParts('disposedOn', addDays(today, 2)),
      wipeMethod: 'Blancco erasure',
      wipedBy: 'Secure IT Recycling Ltd',
      certificateNumber: 'CERT-9912',
      confirm: 'yes',
    });
    assert.match(future?.body ?? '', /cannot be in the future/);
    assert.equal((await assetByTag(row.tag))?.status, 'in_stock');
    assert.equal((await t.app.db.select().from(assetDisposals).where(eq(assetDisposals.assetId, row.id))).length, 0);

    const page = await agents.itA?.get(`/assets/${row.tag}/dispose`);
    assert.match(page?.body ?? '', /Disposal is final/);
    const done = await agents.itA?.post(`/assets/${row.tag}/dispose`, {
      ...dateParts('disposedOn', today),
      wipeMethod: 'Blancco erasure',
      wipedBy: 'Secure IT Recycling Ltd',
      certificateNumber: 'CERT-9912',
      confirm: 'yes',
    });
    assert.equal(done?.statusCode, 303, done?.body.slice(0, 2000));
    assert.equal((await assetByTag(row.tag))?.status, 'disposed');
    const [disposal] = await t.app.db.select().from(assetDisposals).where(eq(assetDisposals.assetId, row.id));
    assert.deepEqual(
      [disposal?.wipeMethod, disposal?.wipedBy, disposal?.certificateNumber, disposal?.disposedOn],
      ['Blancco erasure', 'Secure IT Recycling Ltd', 'CERT-9912', today],
    );
    const record = (await agents.head?.get(`/assets/${row.tag}`))?.body ?? '';
    assert.match(record, /Disposed of/);
    assert.match(record, /CERT-9912/);

    const again = await agents.itA?.post(`/assets/${row.tag}/dispose`, {
      ...dateParts('disposedOn', today),
      wipeMethod: 'a',
      wipedBy: 'b',
      certificateNumber: 'c',
      confirm: 'yes',
    });
    assert.equal(again?.statusCode, 422);
    assert.match(again?.body ?? '', /its record is final/);
    const status = await agents.itA?.post(`/assets/${row.tag}/status`, { status: 'in_stock', note: '' });
    assert.equal(status?.statusCode, 422);
    assert.match(status?.body ?? '', /its record is final/);
    assert.equal((await agents.itA?.get(`/assets/${row.tag}/edit`))?.statusCode, 303);
    const edit = await agents.itA?.post(`/assets/${row.tag}/edit`, form({ tag: row.tag, serial: row.serial, location: 'Skip' }));
    assert.equal(edit?.statusCode, 422);
    assert.equal((await assetByTag(row.tag))?.location, null);
    assert.equal((await assetByTag(row.tag))?.status, 'disposed');
    const kinds = (await eventsOf(row.id)).map((e) => e.kind);
    assert.deepEqual(kinds, ['created', 'disposed']);
  });

  test('on loan is set only by the loans code; a device on loan cannot be repaired, lost by hand, disposed or lent twice', async () => {
    const row = await added();
    const ctx = await actingAs(t.app.db, c.trustIt);
    await transaction(t.app.db, (tx) => service.setLoanStatus(tx, ctx, row.id, 'on_loan', 'Lent to Tess Teacher on L-2026-0001', { loan: 'L-2026-0001' }));
    assert.equal((await assetByTag(row.tag))?.status, 'on_loan');
    const lentEvent = (await eventsOf(row.id)).at(-1);
    assert.equal(lentEvent?.kind, 'lent');
    assert.equal(lentEvent?.text, 'Lent to Tess Teacher on L-2026-0001');
    assert.equal((lentEvent?.data as { loan?: string } | undefined)?.loan, 'L-2026-0001');

    for (const status of ['in_repair', 'lost', 'in_stock']) {
      const res = await agents.itA?.post(`/assets/${row.tag}/status`, { status, note: 'x' });
      assert.equal(res?.statusCode, 422, status);
      assert.match(res?.body ?? '', /is on loan/);
    }
    const dispose = await agents.itA?.post(`/assets/${row.tag}/dispose`, {
      ...dateParts('disposedOn', today),
      wipeMethod: 'a',
      wipedBy: 'b',
      certificateNumber: 'c',
      confirm: 'yes',
    });
    assert.equal(dispose?.statusCode, 422);
    assert.match(dispose?.body ?? '', /must come back before it can be disposed of/);
    await assert.rejects(
      transaction(t.app.db, (tx) => service.setLoanStatus(tx, ctx, row.id, 'on_loan', 'again')),
      (e: unknown) => e instanceof ValidationError && /is on loan, so it cannot be lent/.test(e.fieldErrors.asset ?? ''),
    );
    const page = (await agents.itA?.get(`/assets/${row.tag}`))?.body ?? '';
    assert.match(page, /govuk-tag--blue">On loan</);
    assert.ok(!page.includes('/loans/new?asset='));

    await transaction(t.app.db, (tx) => service.setLoanStatus(tx, ctx, row.id, 'in_stock', 'Returned on L-2026-0001'));
    assert.equal((await assetByTag(row.tag))?.status, 'in_stock');
    await assert.rejects(
      transaction(t.app.db, (tx) => service.setLoanStatus(tx, ctx, row.id, 'in_stock', 'twice')),
      (e: unknown) => e instanceof ValidationError && /is not on loan/.test(e.fieldErrors.asset ?? ''),
    );
    // A device that is lost cannot be lent.
    await agents.itA?.post(`/assets/${row.tag}/status`, { status: 'lost', note: 'Gone' });
    await assert.rejects(
      transaction(t.app.db, (tx) => service.setLoanStatus(tx, ctx, row.id, 'on_loan', 'lend')),
      ValidationError,
    );
    assert.deepEqual(
      (await eventsOf(row.id)).map((e) => e.kind),
      ['created', 'lent', 'returned', 'lost'],
    );
  });

  test('assetEvent adds a history line for other modules', async () => {
    const row = await added();
    const ctx = await actingAs(t.app.db, c.trustIt);
    await transaction(t.app.db, (tx) => service.assetEvent(tx, ctx, row.id, 'return_requested', 'Return requested on L-2026-0009', { loan: 'L-2026-0009' }));
    const page = (await agents.itA?.get(`/assets/${row.tag}`))?.body ?? '';
    assert.match(page, /Return requested on L-2026-0009/);
    assert.match(page, /Ian Trust-It/);
  });
});

describe('the register list and its export', () => {
  const tags: string[] = [];
  before(async () => {
    const base = { school: c.schoolB.id, make: 'Zeta' };
    tags.push((await added({ ...base, model: 'Find-me One', type: 'tablet' })).tag);
    tags.push((await added({ ...base, model: 'Find-me Two', type: 'tablet', make: '=HYPERLINK("http://evil.example","x")' })).tag);
    tags.push((await added({ ...base, model: 'Find-me Three', type: 'phone' })).tag);
  });

  test('search, filters and sort are in the URL; a value that makes no sense shows the default', async () => {
    const found = (await agents.trustIt?.get('/assets?q=find-me&type=tablet'))?.body ?? '';
    assert.ok(found.includes(tags[0] as string) && found.includes(tags[1] as string));
    assert.ok(!found.includes(tags[2] as string));
    assert.match(found, /Showing 1 to 2 of 2 devices/);
    assert.match(found, /href="\/assets.csv\?q=find-me&amp;type=tablet"/);

    const bySerial = (await agents.trustIt?.get(`/assets?q=${encodeURIComponent((await assetByTag(tags[2] as string))?.serial ?? '')}`))?.body ?? '';
    assert.match(bySerial, /Showing 1 to 1 of 1 device</);

    const desc = (await agents.trustIt?.get('/assets?q=find-me&sort=tag&dir=desc'))?.body ?? '';
    assert.ok(desc.indexOf(tags[2] as string) < desc.indexOf(tags[0] as string), 'newest tag first when sorted descending');

    const junk = await agents.trustIt?.get('/assets?status=flying&type=toaster&school=nowhere&sort=colour&dir=up&page=-4');
    assert.equal(junk?.statusCode, 200);
    assert.ok(junk?.body.includes(tags[0] as string), 'the defaults: everything');

    const school = (await agents.trustIt?.get(`/assets?q=find-me&school=${c.schoolA.id}`))?.body ?? '';
    assert.match(school, /No devices match this search/);
  });

  test('pages of 25', async () => {
    const ctx = await actingAs(t.app.db, c.trustIt);
    for (let i = 0; i < 26; i++) await service.createAsset(ctx, form({ model: 'Paged' }));
    const first = (await agents.trustIt?.get('/assets?q=Paged'))?.body ?? '';
    assert.match(first, /Showing 1 to 25 of 26 devices/);
    assert.match(first, /href="\/assets\?q=Paged&amp;page=2"/);
    const second = (await agents.trustIt?.get('/assets?q=Paged&page=2'))?.body ?? '';
    assert.match(second, /Showing 26 to 26 of 26 devices/);
  });

  test('the CSV is exactly the filtered list, formula-safe, and the export is audited', async () => {
    const res = await agents.trustIt?.get('/assets.csv?q=find-me&type=tablet');
    assert.equal(res?.statusCode, 200);
    assert.match(res?.headers['content-type'] as string, /^text\/csv/);
    assert.match(res?.headers['content-disposition'] as string, /attachment; filename="assets-\d{4}-\d\d-\d\d\.csv"/);
    const text = res?.body ?? '';
    assert.ok(text.startsWith('\uFEFF"Asset tag","Serial number"'));
    const lines = text.trim().split('\r\n');
    assert.equal(lines.length, 3, 'header and the two tablets');
    assert.ok(lines.some((l) => l.includes(`"${tags[0]}"`)));
    assert.ok(!text.includes(tags[2] as string));
    assert.ok(text.includes(`"'=HYPERLINK(""http://evil.example"",""x"")"`), 'the formula is written as text');
    const [audit] = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.trustId, c.trust.id), eq(auditEvents.action, 'assets.exported')));
    assert.match(audit?.summary ?? '', /2 devices/);
    assert.deepEqual((audit?.after as { filters?: Record<string, unknown> } | undefined)?.filters, {
      q: 'find-me',
      status: null,
      type: 'tablet',
      school: null,
    });

    const itA = (await agents.itA?.get('/assets.csv?q=find-me'))?.body ?? '';
    assert.equal(itA.trim().split('\r\n').length, 1, 'School B’s devices are not in School A IT’s export');
  });
});

describe('the database keeps the history', () => {
  test('an asset cannot be deleted, nor its history changed or deleted', async () => {
    const row = await added();
    await assert.rejects(t.app.db.execute(sql`delete from assets where id = ${row.id}`));
    await assert.rejects(t.app.db.execute(sql`update asset_events set text = 'rewritten' where asset_id = ${row.id}`));
    await assert.rejects(t.app.db.execute(sql`delete from asset_events where asset_id = ${row.id}`));
    assert.ok(await assetByTag(row.tag));
    assert.equal((await eventsOf(row.id))[0]?.text, 'Added to the register (in stock)');
  });
});
