import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, count, eq } from 'drizzle-orm';
import { Agent, createTestApp, type TestApp } from '../../../test/app.ts';
import { type ConcernCast, concernCast } from '../../../test/concerns.ts';
import { actingAs, makeTrustWithCast } from '../../../test/factories.ts';
import { auditEvents } from '../../audit/schema.ts';
import { londonToday } from '../../ui/format.ts';
import { addDays } from '../acknowledgements/service.ts';
import { importBatches } from '../organisations/schema.ts';
import { assetEvents, assets } from './schema.ts';
import { createAsset } from './service.ts';

let t: TestApp;
let c: ConcernCast;
let other: ConcernCast;
const agents: Record<string, Agent> = {};

const HEADER = 'Asset Tag,Serial Number,Type,Make,Model,School,Location,Purchased On,Order Reference';
const csv = (...lines: string[]) => `${[HEADER, ...lines].join('\r\n')}\r\n`;
const file = (content: string, name = 'delivery.csv') => ({ field: 'file', name, content });

const assetCount = async (trustId = c.trust.id) => (await t.app.db.select({ n: count() }).from(assets).where(eq(assets.trustId, trustId)))[0]?.n ?? 0;
const batchIdOf = (body: string) => /action="\/assets\/import\/([0-9a-f-]{36})\/apply"/.exec(body)?.[1];

before(async () => {
  t = await createTestApp();
  c = await concernCast(t.app.db, await makeTrustWithCast(t.app.db, 'alpha'));
  other = await concernCast(t.app.db, await makeTrustWithCast(t.app.db, 'beta'));
  agents.trustIt = await new Agent(t.app).signIn(c.trustIt.email);
  agents.itA = await new Agent(t.app).signIn(c.itA.email);
  agents.teacher = await new Agent(t.app).signIn(c.teacherA.email);
  agents.head = await new Agent(t.app).signIn(c.headA.email);
  agents.otherIt = await new Agent(t.app).signIn(other.trustIt.email);
  await createAsset(await actingAs(t.app.db, c.trustIt), {
    tag: 'OPS-LT-0001',
    serial: 'EXISTING-1',
    type: 'laptop',
    school: c.schoolA.id,
  });
});
after(() => t.close());

describe('importing devices from a CSV file', () => {
  test('the upload page explains the columns and offers the template', async () => {
    const page = await agents.itA?.get('/assets/import');
    assert.equal(page?.statusCode, 200);
    for (const column of ['tag', 'serial', 'type', 'school', 'purchased_on', 'order_reference'])
      assert.ok(page?.body.includes(`<code>${column}</code>`), column);
    const template = await agents.itA?.get('/assets/import/template.csv');
    assert.equal(template?.statusCode, 200);
    assert.ok(template?.body.startsWith('tag,serial,type,make,model,school,location,purchased_on,order_reference\r\n'));
  });

  test('every problem is listed with its line number, and nothing is added or kept', async () => {
    const future = addDays(londonToday(), 5);
    const res = await agents.trustIt?.upload(
      '/assets/import',
      file(
        csv(
          'OPS-LT-0100,SER-100,Laptop,Dell,Latitude,school-a,,01/09/2025,PO-1',
          'ops-lt-0100,SER-101,Laptop,Dell,Latitude,school-a,,,', // tag again (line 2's), other capitals
          'OPS-LT-0102,ser-100,Tablet,Apple,iPad,School B,,,', // serial again
          'OPS-LT-0001,SER-103,Laptop,,,school-a,,,', // tag in the register
          'OPS-LT-0104,existing-1,Laptop,,,school-a,,,', // serial in the register
          'OPS-LT-0105,SER-105,Toaster,,,school-a,,,',
          'OPS-LT-0106,SER-106,Laptop,,,Narnia High,,,',
          `OPS-LT-0107,SER-107,Laptop,,,school-a,,${future},`,
          'OPS-LT-0108,,Laptop,,,school-a,,,',
          'OPS-LT-0109,SER-109,Phone,,,school-a,,31/02/2025,',
        ),
      ),
    );
    assert.equal(res?.statusCode, 422);
    const body = res?.body ?? '';
    assert.match(body, /The file has 9 problems/);
    const problems: [number, string][] = [
      [3, 'The asset tag ops-lt-0100 is also on line 2'],
      [4, 'The serial number ser-100 is also on line 2'],
      [5, 'Asset tag OPS-LT-0001 is already in the register, for serial number EXISTING-1'],
      [6, 'Serial number EXISTING-1 is already in the register, as asset OPS-LT-0001'],
      [7, '‘Toaster’ is not a type of device'],
      [8, 'There is no school called ‘Narnia High’ in the trust'],
      [9, `The purchase date ${future} is in the future`],
      [10, 'The serial number is missing'],
      [11, '‘31/02/2025’ is not a real purchase date'],
    ];
    for (const [line, message] of problems)
      assert.match(
        body,
        new RegExp(`<td class="govuk-table__cell govuk-table__cell--numeric">${line}</td><td class="govuk-table__cell">${message.replace(/[()]/g, '\\$&')}`),
        `line ${line}`,
      );
    assert.equal(batchIdOf(body), undefined, 'no way to apply it');
    assert.equal(await assetCount(), 1);
    assert.equal((await t.app.db.select({ n: count() }).from(importBatches).where(eq(importBatches.kind, 'assets')))[0]?.n, 0);
  });

  test('a whole-file problem is shown on the file field', async () => {
    const res = await agents.trustIt?.upload('/assets/import', file('Tag,Make\r\nOPS-1,Dell\r\n'));
    assert.equal(res?.statusCode, 422);
    assert.match(res?.body ?? '', /missing the serial and the type columns/);
    const none = await agents.trustIt?.upload('/assets/import', { field: 'file', name: '', content: '' });
    assert.match(none?.body ?? '', /Select a CSV file/);
  });

  test('a clean file is previewed, then added all at once with a history entry each and one audit event', async () => {
    const content = csv(
      'OPS-LT-0200,SER-200,Laptop,Dell,Latitude 5440,school-a,IT office,2025-09-01,PO-2025-118',
      'OPS-TB-0201,SER-201,tablet,Apple,iPad,School B,,,',
      'OPS-PR-0202,SER-202,Projector or display,Epson,,,,,',
    );
    const preview = await agents.trustIt?.upload('/assets/import', file(content));
    assert.equal(preview?.statusCode, 200, preview?.body.slice(0, 3000));
    assert.match(preview?.body ?? '', /3 devices will be added/);
    const batchId = batchIdOf(preview?.body ?? '');
    assert.ok(batchId);
    assert.equal(await assetCount(), 1, 'nothing added by the preview');

    // Another trust cannot apply it.
    assert.equal((await agents.otherIt?.post(`/assets/import/${batchId}/apply`))?.statusCode, 404);
    assert.equal((await agents.teacher?.post(`/assets/import/${batchId}/apply`))?.statusCode, 403);

    const applied = await agents.trustIt?.post(`/assets/import/${batchId}/apply`);
    assert.equal(applied?.statusCode, 303, applied?.body.slice(0, 2000));
    const rows = await t.app.db
      .select()
      .from(assets)
      .where(and(eq(assets.trustId, c.trust.id), eq(assets.source, 'import')));
    assert.deepEqual(rows.map((r) => [r.tag, r.type, r.schoolId, r.status, r.purchasedOn]).sort(), [
      ['OPS-LT-0200', 'laptop', c.schoolA.id, 'in_stock', '2025-09-01'],
      ['OPS-PR-0202', 'projector', null, 'in_stock', null],
      ['OPS-TB-0201', 'tablet', c.schoolB.id, 'in_stock', null],
    ]);
    for (const r of rows) {
      const events = await t.app.db.select().from(assetEvents).where(eq(assetEvents.assetId, r.id));
      assert.deepEqual(
        events.map((e) => e.kind),
        ['imported'],
      );
      assert.match(events[0]?.text ?? '', /from delivery\.csv \(line \d\)/);
    }
    const audits = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.trustId, c.trust.id), eq(auditEvents.action, 'assets.imported')));
    assert.equal(audits.length, 1);
    assert.equal(audits[0]?.summary, 'Imported 3 devices from delivery.csv');

    const again = await agents.trustIt?.post(`/assets/import/${batchId}/apply`);
    assert.equal(again?.statusCode, 422);
    assert.match(again?.body ?? '', /already been imported/);
    assert.equal(await assetCount(), 4);
  });

  test('all or nothing: if the register changed since the preview, nothing is added', async () => {
    const preview = await agents.trustIt?.upload(
      '/assets/import',
      file(csv('OPS-LT-0300,SER-300,Laptop,,,school-a,,,', 'OPS-LT-0301,SER-301,Laptop,,,school-a,,,')),
    );
    const batchId = batchIdOf(preview?.body ?? '');
    assert.ok(batchId);
    // Someone adds a device with the second line's tag in the meantime.
    await createAsset(await actingAs(t.app.db, c.itA), { tag: 'OPS-LT-0301', serial: 'SOMETHING-ELSE', type: 'laptop', school: c.schoolA.id });
    const before = await assetCount();
    const applied = await agents.trustIt?.post(`/assets/import/${batchId}/apply`);
    assert.equal(applied?.statusCode, 422);
    assert.match(applied?.body ?? '', /has changed since this file was checked, so nothing was imported/);
    assert.equal(await assetCount(), before);
    assert.equal((await t.app.db.select().from(assets).where(eq(assets.tag, 'OPS-LT-0300'))).length, 0, 'not even the first line');
  });

  test('who may import: not a teacher or a head teacher; IT at School A only for School A', async () => {
    for (const who of ['teacher', 'head'] as const) {
      assert.equal((await agents[who]?.get('/assets/import'))?.statusCode, 403, who);
      assert.equal((await agents[who]?.upload('/assets/import', file(csv('OPS-X-1,X-1,Laptop,,,school-a,,,'))))?.statusCode, 403, who);
    }
    const res = await agents.itA?.upload(
      '/assets/import',
      file(csv('OPS-LT-0400,SER-400,Laptop,,,school-a,,,', 'OPS-LT-0401,SER-401,Laptop,,,school-b,,,', 'OPS-LT-0402,SER-402,Laptop,,,,,,')),
    );
    assert.equal(res?.statusCode, 422);
    assert.match(res?.body ?? '', /You cannot add devices for School B/);
    assert.match(res?.body ?? '', /You cannot add devices for the whole trust/);
    assert.equal((await t.app.db.select().from(assets).where(eq(assets.tag, 'OPS-LT-0400'))).length, 0);

    // The other trust's register and schools are its own: the same tags are free there, our school names are not.
    const theirs = await agents.otherIt?.upload('/assets/import', file(csv('OPS-LT-0001,EXISTING-1,Laptop,,,school-a,,,')));
    assert.equal(theirs?.statusCode, 200, theirs?.body.slice(0, 2000));
  });
});
