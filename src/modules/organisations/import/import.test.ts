import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { and, asc, eq } from 'drizzle-orm';
import { Agent, createTestApp, type TestApp } from '../../../../test/app.ts';
import { makePerson, makeTrustWithCast } from '../../../../test/factories.ts';
import { auditEvents } from '../../../audit/schema.ts';
import { CliError } from '../../../cli/context.ts';
import { importPeople } from '../../../cli/import-people.ts';
import { londonToday } from '../../../ui/format.ts';
import { importBatches, people, personSchools } from '../schema.ts';
import { MAX_ROWS } from './csv.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

let trusts = 0;
/** Each test gets a trust of its own (alpha1.example, alpha2.example, …) and its admin signed in. */
async function setup() {
  trusts += 1;
  const cast = await makeTrustWithCast(t.app.db, `alpha${trusts}`);
  const admin = await new Agent(t.app).signIn(cast.admin.email);
  const domain = `${cast.trust.slug}.example`;
  return { cast, admin, domain };
}

const csv = (...lines: string[]) => `${lines.join('\r\n')}\r\n`;

const upload = (agent: Agent, content: string | Buffer, form: Record<string, string> = {}, name = 'staff.csv') =>
  agent.upload('/people/import', { field: 'file', name, content }, form);

const applyAction = (html: string) => /action="(\/people\/import\/[0-9a-f-]{36}\/apply)"/.exec(html)?.[1];

/** Everything an import could change, to show that a refused one changed nothing. */
async function snapshot(trustId: string) {
  const db = t.app.db;
  return JSON.stringify({
    people: await db.select().from(people).where(eq(people.trustId, trustId)).orderBy(asc(people.email)),
    schools: await db.select().from(personSchools).where(eq(personSchools.trustId, trustId)).orderBy(asc(personSchools.personId), asc(personSchools.schoolId)),
    events: (await db.select({ id: auditEvents.id }).from(auditEvents).where(eq(auditEvents.trustId, trustId))).length,
    batches: await db.select({ id: importBatches.id, status: importBatches.status }).from(importBatches).where(eq(importBatches.trustId, trustId)),
  });
}

const personByEmail = async (trustId: string, email: string) => {
  const [p] = await t.app.db
    .select()
    .from(people)
    .where(and(eq(people.trustId, trustId), eq(people.email, email)));
  return p;
};

const schoolsOf = async (personId: string) =>
  (await t.app.db.select().from(personSchools).where(eq(personSchools.personId, personId))).map((r) => r.schoolId).sort();

const decode = (html: string) =>
  html
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/&gt;/g, '>')
    .replace(/&lt;/g, '<');

describe('the upload page', () => {
  test('explains the columns, the file type and size, and offers the full-list option and a template', async () => {
    const { admin } = await setup();
    const res = await admin.get('/people/import');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<h1[^>]*>Import people from a spreadsheet<\/h1>/);
    assert.match(res.body, /<label[^>]*for="f-file"[^>]*>CSV file<\/label>/);
    assert.match(res.body, /<input[^>]*id="f-file"[^>]*type="file"[^>]*name="file"/);
    assert.match(res.body, /\.csv file saved as UTF-8.*smaller than 5 MB/);
    assert.match(res.body, /name="endDateMissing"[^>]*value="yes"/);
    assert.match(res.body, /This is a full list: record people missing from it as having left today/);
    assert.match(res.body, /Upload and preview/);
    assert.match(res.body, /enctype="multipart\/form-data"/i);
    for (const column of ['email', 'full_name', 'line_manager_email', 'external_id']) assert.match(res.body, new RegExp(`<code>${column}</code>`));

    const template = await admin.get('/people/import/template.csv');
    assert.equal(template.statusCode, 200);
    assert.match(String(template.headers['content-type']), /^text\/csv/);
    assert.match(String(template.headers['content-disposition']), /attachment/);
    const [header, example, ...rest] = template.body.trim().split(/\r\n/);
    assert.equal(header, 'email,full_name,first_name,last_name,kind,position,line_manager_email,start_date,end_date,schools,external_id');
    assert.match(example ?? '', /@oakfield\.example/);
    assert.equal(rest.length, 0);
  });

  test('the people list links to it for a trust administrator', async () => {
    const { admin } = await setup();
    assert.match((await admin.get('/people')).body, /href="\/people\/import"[^>]*>Import from a spreadsheet/);
  });
});

describe('a full import through preview and apply', () => {
  test('adds, updates, leaves the unchanged alone and records people missing from a full list as left', async () => {
    const { cast, admin, domain } = await setup();
    const file = csv(
      'Email Address,Name,Kind,Job Title,Line Manager Email,Start Date,End Date,Schools,Staff ID,NI number',
      `head.a@${domain},Hal Head,Employee,Teacher,,,,school-a,,AB123456C`,
      `TEACHER.A@${domain},Tess Teacher,employee,Head of maths,head.a@${domain},,,School A; school-b,T100,`,
      `nia@${domain},Nia New,Pre-employment starter,Teaching assistant,ola@${domain},01/09/2026,,school-b,T200,`,
      `ola@${domain},Ola Manager,,"Head of school, B",,2020-09-01,,School B,T300,`,
    );
    const res = await upload(admin, file, { endDateMissing: 'yes' });
    assert.equal(res.statusCode, 200);
    const page = decode(res.body);
    assert.match(page, /<h1[^>]*>Check the import<\/h1>/);
    assert.match(page, /To be added<\/dt><dd[^>]*>2 people/);
    assert.match(page, /To be updated<\/dt><dd[^>]*>1 person/);
    assert.match(page, /Unchanged<\/dt><dd[^>]*>1 person/);
    assert.match(page, /To be recorded as left<\/dt><dd[^>]*>1 person/);
    assert.match(page, /Position: Teacher → Head of maths/);
    assert.match(page, /Schools: School A → School A, School B/);
    assert.match(page, /External ID: none → T100/);
    assert.match(page, /Nia New/);
    assert.match(page, /Pre-employment starter/);
    assert.match(page, /not used, so it was ignored: NI number/);
    assert.match(page, /You \(Ada Admin\) are not in the file/);
    const leftSection = page.slice(page.indexOf('To be recorded as left on'));
    assert.match(leftSection, /Bo Teacher/);
    assert.doesNotMatch(leftSection, /Ada Admin/, 'the person importing is never recorded as left');
    assert.match(page, /<button[^>]*>Import 4 changes<\/button>/);
    assert.match(page, /href="\/people\/import"[^>]*>Cancel</);
    const action = applyAction(page);
    assert.ok(action, 'the apply form posts to the batch');
    assert.equal(await personByEmail(cast.trust.id, `nia@${domain}`), undefined, 'a preview changes nobody');

    const applied = await admin.post(action);
    assert.equal(applied.statusCode, 303);
    assert.equal(applied.headers.location, '/people');
    assert.match((await admin.get('/people')).body, /Import complete: 2 added, 1 updated, 1 recorded as left/);

    const nia = await personByEmail(cast.trust.id, `nia@${domain}`);
    const ola = await personByEmail(cast.trust.id, `ola@${domain}`);
    assert.ok(nia && ola);
    assert.equal(nia.kind, 'pre_employment');
    assert.equal(nia.startDate, '2026-09-01');
    assert.equal(nia.externalId, 'T200');
    assert.equal(nia.lineManagerId, ola.id, 'a manager further down the file is found');
    assert.equal(ola.kind, 'employee', 'a blank kind means employee for someone new');
    assert.equal(ola.position, 'Head of school, B');
    assert.deepEqual(await schoolsOf(nia.id), [cast.schoolB.id]);
    const tess = await personByEmail(cast.trust.id, cast.teacherA.email);
    assert.equal(tess?.position, 'Head of maths');
    assert.equal(tess?.externalId, 'T100');
    assert.deepEqual(await schoolsOf(cast.teacherA.id), [cast.schoolA.id, cast.schoolB.id].sort());
    assert.equal((await personByEmail(cast.trust.id, cast.teacherB.email))?.endDate, londonToday());
    assert.equal((await personByEmail(cast.trust.id, cast.admin.email))?.endDate, null);
    assert.equal((await personByEmail(cast.trust.id, cast.headA.email))?.updatedAt.getTime(), cast.headA.updatedAt.getTime(), 'unchanged is untouched');

    const events = await t.app.db.select().from(auditEvents).where(eq(auditEvents.trustId, cast.trust.id));
    const imported = events.filter((e) => e.action === 'people.imported');
    assert.equal(imported.length, 1);
    assert.equal(imported[0]?.actorLabel, 'Ada Admin');
    assert.match(imported[0]?.summary ?? '', /2 added, 1 updated, 1 unchanged, 1 recorded as left/);
    assert.deepEqual(imported[0]?.after, {
      added: 2,
      updated: 1,
      unchanged: 1,
      endDated: 1,
      fileName: 'staff.csv',
      sha256: createHash('sha256').update(file).digest('hex'),
    });
    const created = events.filter((e) => e.action === 'person.created' && [nia.id, ola.id].includes(e.resourceId ?? ''));
    assert.equal(created.length, 2);
    assert.equal((created.find((e) => e.resourceId === nia.id)?.after as { lineManagerId: string } | undefined)?.lineManagerId, ola.id);
    const updated = events.find((e) => e.action === 'person.updated' && e.resourceId === cast.teacherA.id);
    assert.equal((updated?.before as { position: string } | undefined)?.position, 'Teacher');
    assert.equal((updated?.after as { position: string } | undefined)?.position, 'Head of maths');
    const ended = events.find((e) => e.action === 'person.end_dated' && e.resourceId === cast.teacherB.id);
    assert.deepEqual(ended?.after, { endDate: londonToday() });
    const [batch] = await t.app.db.select().from(importBatches).where(eq(importBatches.trustId, cast.trust.id));
    assert.equal(batch?.status, 'applied');
    assert.equal(batch?.createdBy, cast.admin.id);
  });

  test('without the full-list option nobody is recorded as left', async () => {
    const { cast, admin, domain } = await setup();
    const res = await upload(admin, csv('email,full_name', `new@${domain},New Person`));
    assert.match(decode(res.body), /To be recorded as left<\/dt><dd[^>]*>Nobody/);
    await admin.post(applyAction(res.body) as string);
    assert.equal((await personByEmail(cast.trust.id, cast.teacherB.email))?.endDate, null);
  });
});

describe('re-importing', () => {
  test('updates rather than duplicates, matching by external ID when the email changed', async () => {
    const { cast, admin, domain } = await setup();
    const first = await upload(admin, csv('email,full_name,external_id', `sam@${domain},Sam Smith,E1`, `kim@${domain},Kim Lee,E2`));
    await admin.post(applyAction(first.body) as string);
    const sam = await personByEmail(cast.trust.id, `sam@${domain}`);
    assert.ok(sam);

    const again = await upload(admin, csv('email,full_name,external_id', `sam@${domain},Sam Smith,E1`, `kim@${domain},Kim Lee,E2`));
    assert.match(again.body, /Unchanged<\/dt><dd[^>]*>2 people/);
    assert.match(again.body, /Nothing to import: everyone in the file is already up to date/);
    assert.equal(applyAction(again.body), undefined, 'no apply button when nothing changes');

    const count = async () => (await t.app.db.select().from(people).where(eq(people.trustId, cast.trust.id))).length;
    const before = await count();
    const renamed = await upload(admin, csv('email,full_name,external_id', `sam.smith@${domain},Samantha Smith,E1`));
    assert.match(decode(renamed.body), new RegExp(`Email: sam@${domain} → sam.smith@${domain}`));
    assert.match(decode(renamed.body), /Name: Sam Smith → Samantha Smith/);
    await admin.post(applyAction(renamed.body) as string);
    assert.equal(await count(), before, 'nobody was added');
    const after = await personByEmail(cast.trust.id, `sam.smith@${domain}`);
    assert.equal(after?.id, sam.id);
    assert.equal(after?.fullName, 'Samantha Smith');
  });

  test('a column left out keeps the stored value; a blank cell in a column that is there clears it', async () => {
    const { cast, admin } = await setup();
    const kept = await upload(admin, csv('email,first_name,last_name', `${cast.teacherA.email},Tess,Teacher`));
    assert.match(kept.body, /Unchanged<\/dt><dd[^>]*>1 person/);
    const cleared = await upload(admin, csv('email,full_name,position,line_manager_email', `${cast.teacherA.email},Tess Teacher,,`));
    const page = decode(cleared.body);
    assert.match(page, /Position: Teacher → none/);
    assert.match(page, /Line manager: Hal Head \(.*\) → none/);
    await admin.post(applyAction(cleared.body) as string);
    const tess = await personByEmail(cast.trust.id, cast.teacherA.email);
    assert.equal(tess?.position, null);
    assert.equal(tess?.lineManagerId, null);
    assert.deepEqual(await schoolsOf(cast.teacherA.id), [cast.schoolA.id], 'no schools column: schools stay as they are');
  });

  test('two people swapping email addresses, matched by external ID', async () => {
    const { cast, admin, domain } = await setup();
    const first = await upload(admin, csv('email,full_name,external_id', `one@${domain},Person One,P1`, `two@${domain},Person Two,P2`));
    await admin.post(applyAction(first.body) as string);
    const swap = await upload(admin, csv('email,full_name,external_id', `two@${domain},Person One,P1`, `one@${domain},Person Two,P2`));
    assert.equal(swap.statusCode, 200);
    const applied = await admin.post(applyAction(swap.body) as string);
    assert.equal(applied.statusCode, 303);
    assert.equal((await personByEmail(cast.trust.id, `two@${domain}`))?.externalId, 'P1');
    assert.equal((await personByEmail(cast.trust.id, `one@${domain}`))?.externalId, 'P2');
  });
});

describe('problems in the file: every one reported, nothing imported', () => {
  /** Uploads, checks the answer, and checks that nothing at all was stored or changed. */
  async function refused(content: string | Buffer | ((domain: string) => string), expected: { status: number; message: RegExp }, name = 'staff.csv') {
    const { cast, admin, domain } = await setup();
    const before = await snapshot(cast.trust.id);
    const res = await upload(admin, typeof content === 'function' ? content(domain) : content, {}, name);
    assert.equal(res.statusCode, expected.status);
    const page = decode(res.body);
    assert.match(page, expected.message);
    assert.equal(applyAction(page), undefined, 'there is no way to apply');
    if (expected.status === 422) {
      assert.match(page, /govuk-error-summary/);
      assert.match(page, /<p class="govuk-error-message" id="f-file-error">/, 'the message is at the file field');
    } else {
      assert.match(page, /Nothing has been imported. Fix these problems/);
    }
    assert.equal(await snapshot(cast.trust.id), before);
    return page;
  }

  test('a file not saved as UTF-8', async () => {
    await refused(Buffer.from('email,full_name\r\nzoe@x.example,Zoë Brontë\r\n', 'latin1'), {
      status: 422,
      message: /The file is not saved as UTF-8. In Excel choose ‘CSV UTF-8 \(Comma delimited\)’ when saving./,
    });
  });

  test('a file saved as UTF-16, with or without a byte order mark', async () => {
    const text = 'email,full_name\r\nzoe@x.example,Zoe\r\n';
    await refused(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), { status: 422, message: /not saved as UTF-8/ });
    await refused(Buffer.from(text, 'utf16le'), { status: 422, message: /not saved as UTF-8/ });
  });

  test('a UTF-8 byte order mark is not part of the first heading', async () => {
    const { admin, domain } = await setup();
    const res = await upload(admin, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csv('Email,Full name', `bom@${domain},Bo Mark`))]));
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /To be added<\/dt><dd[^>]*>1 person/);
  });

  test('missing required columns are named', async () => {
    await refused(csv('Name,Position', 'Zoe,Teacher'), { status: 422, message: /missing the email column/ });
    await refused(csv('email,first_name', 'z@x.example,Zoe'), { status: 422, message: /missing the last_name \(or full_name\) column/ });
    await refused(csv('position,schools', 'Teacher,'), { status: 422, message: /missing the email and the full_name \(or first_name and last_name\) columns/ });
    await refused(csv('email;full_name', 'z@x.example;Zoe'), { status: 422, message: /semicolons or tabs/ });
  });

  test('duplicate emails and external IDs within the file give both line numbers', async () => {
    const page = await refused(
      csv('email,full_name,external_id', 'a@dup.example,A One,X1', 'b@dup.example,B Two,X2', 'A@Dup.example,A Again,X3', 'c@dup.example,C Three,X2'),
      { status: 200, message: /The email address a@dup\.example is also on line 2/ },
    );
    assert.match(page, /<td[^>]*>4<\/td><td[^>]*>The email address a@dup\.example is also on line 2/);
    assert.match(page, /<td[^>]*>5<\/td><td[^>]*>The external ID X2 is also on line 3/);
  });

  test('an unknown school is named', async () => {
    await refused(csv('email,full_name,schools', 'a@x.example,A One,school-a;Oak Primary'), {
      status: 200,
      message: /There is no school called ‘Oak Primary’ in the trust/,
    });
  });

  test('dates that are not real, and an end before the start', async () => {
    const page = await refused(
      csv('email,full_name,start_date,end_date', 'a@x.example,A One,31/02/2026,', 'b@x.example,B Two,2026-09-01,2026-08-31', 'c@x.example,C Three,next week,'),
      { status: 200, message: /‘31\/02\/2026’ is not a real start date/ },
    );
    assert.match(page, /The end date \(31 August 2026\) is before the start date \(1 September 2026\)/);
    assert.match(page, /‘next week’ is not a real start date/);
  });

  test('a bad email address, a missing name and an unknown kind, with line numbers after a cell spread over lines', async () => {
    const page = await refused(
      csv('email,full_name,kind,position', 'a@x.example,A One,,"Teacher', 'and tutor"', 'bob@,Bob,,', 'c@x.example,,,', 'd@x.example,D Four,Supply teacher,'),
      { status: 200, message: /‘bob@’ is not a valid email address/ },
    );
    assert.match(page, /<td[^>]*>4<\/td><td[^>]*>‘bob@’ is not a valid email address/, 'the file’s own line number');
    assert.match(page, /<td[^>]*>5<\/td><td[^>]*>The name is missing/);
    assert.match(page, /<td[^>]*>6<\/td><td[^>]*>‘Supply teacher’ is not a kind of person: use one of Employee, Volunteer/);
    assert.match(page, /The file has 3 problems/);
  });

  test('a line manager who is not in the file or the trust, or who is the person themselves', async () => {
    const page = await refused(csv('email,full_name,line_manager_email', 'a@x.example,A One,nobody@x.example', 'b@x.example,B Two,B@x.example'), {
      status: 200,
      message: /The line manager nobody@x\.example is not in the file or in the trust/,
    });
    assert.match(page, /A person cannot be their own line manager/);
  });

  test('a line manager who reports, directly or through others, to the person', async () => {
    // Tess Teacher already reports to Hal Head; the file makes Hal report to Tess.
    await refused((domain) => csv('email,full_name,line_manager_email', `head.a@${domain},Hal Head,teacher.a@${domain}`), {
      status: 200,
      message: /<td[^>]*>2<\/td><td[^>]*>The line manager teacher\.a@alpha\d+\.example reports, directly or through others, to this person/,
    });
    await refused(
      csv('email,full_name,line_manager_email', 'a@x.example,A One,c@x.example', 'b@x.example,B Two,a@x.example', 'c@x.example,C Three,b@x.example'),
      { status: 200, message: /The file has 3 problems/ },
    );
  });

  test('a file over the upload limit', async () => {
    const big = Buffer.alloc(50 * 1024 * 1024, 'a,b\r\n');
    await refused(big, { status: 422, message: /The selected file must be smaller than 5 MB/ });
  });

  test('no file, an empty file, and a header with no rows', async () => {
    await refused(Buffer.alloc(0), { status: 422, message: /Select a CSV file/ }, '');
    await refused(Buffer.alloc(0), { status: 422, message: /The selected file is empty/ });
    await refused(csv('email,full_name'), { status: 422, message: /The file has a header row but no people in it/ });
  });

  test('a spreadsheet or other file that is not CSV', async () => {
    const xlsx = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]), Buffer.alloc(200, 7)]);
    await refused(xlsx, { status: 422, message: /an Excel workbook, not a CSV file.*CSV UTF-8 \(Comma delimited\)/ }, 'staff.xlsx');
    await refused(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), { status: 422, message: /not a CSV file/ }, 'photo.png');
  });

  test('malformed CSV: an unclosed quote is reported at its line', async () => {
    await refused(csv('email,full_name', 'a@x.example,A One', '', 'b@x.example,"B Two', 'c@x.example,C Three'), {
      status: 422,
      message: /Line 4 has a quote mark \("\) that is never closed/,
    });
  });

  test('too many rows', async () => {
    const rows = Array.from({ length: MAX_ROWS + 1 }, (_, i) => `p${i}@x.example,Person ${i}`);
    await refused(csv('email,full_name', ...rows), { status: 422, message: /The file has 20,001 people in it. Import at most 20,000 at a time/ });
  });
});

describe('who may import, and applying safely', () => {
  const previewFor = async () => {
    const env = await setup();
    const res = await upload(env.admin, csv('email,full_name', `new@${env.domain},New Person`));
    return { ...env, action: applyAction(res.body) as string };
  };

  test('a head teacher or a teacher is refused the page, the upload, the template and the apply', async () => {
    const { cast, action } = await previewFor();
    for (const email of [cast.headA.email, cast.teacherA.email]) {
      const agent = await new Agent(t.app).signIn(email);
      assert.equal((await agent.get('/people/import')).statusCode, 403);
      assert.equal((await agent.get('/people/import/template.csv')).statusCode, 403);
      assert.equal((await upload(agent, csv('email,full_name', 'x@x.example,X'))).statusCode, 403);
      assert.equal((await agent.post(action)).statusCode, 403);
    }
    const [batch] = await t.app.db.select().from(importBatches).where(eq(importBatches.trustId, cast.trust.id));
    assert.equal(batch?.status, 'previewed');
  });

  test('another trust’s administrator cannot find this trust’s batch', async () => {
    const { cast, action } = await previewFor();
    const other = await setup();
    const before = await snapshot(cast.trust.id);
    assert.equal((await other.admin.post(action)).statusCode, 404);
    assert.equal(await snapshot(cast.trust.id), before);
  });

  test('a batch is applied once only', async () => {
    const { cast, admin, action } = await previewFor();
    assert.equal((await admin.post(action)).statusCode, 303);
    const before = await snapshot(cast.trust.id);
    const again = await admin.post(action);
    assert.equal(again.statusCode, 422);
    assert.match(again.body, /This file has already been imported/);
    assert.equal(await snapshot(cast.trust.id), before);
  });

  test('a form without its CSRF token is refused, for the upload and the apply', async () => {
    const { cast, admin, action } = await previewFor();
    const before = await snapshot(cast.trust.id);
    assert.equal((await admin.post(action, {}, { csrf: false })).statusCode, 403);
    const boundary = '----csNoToken';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="staff.csv"\r\nContent-Type: text/csv\r\n\r\nemail,full_name\r\nz@x.example,Z\r\n\r\n--${boundary}--\r\n`;
    const res = await t.app.inject({
      method: 'POST',
      url: '/people/import',
      payload: body,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, cookie: admin.cookieHeader() },
    });
    assert.equal(res.statusCode, 403);
    assert.equal(await snapshot(cast.trust.id), before);
  });

  test('apply is refused when people changed after the preview', async () => {
    const { cast, admin, action, domain } = await previewFor();
    await makePerson(t.app.db, cast.trust.id, { email: `new@${domain}`, name: 'Someone Else' });
    const before = await snapshot(cast.trust.id);
    const res = await admin.post(action);
    assert.equal(res.statusCode, 422);
    assert.match(decode(res.body), /have changed since this file was checked, so nothing was imported/);
    assert.equal(await snapshot(cast.trust.id), before);
  });
});

describe('countersign import-people', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'countersign-import-'));
  const write = (name: string, content: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    return file;
  };
  const capture = () => {
    const chunks: string[] = [];
    return { out: (s: string) => chunks.push(s), text: () => chunks.join('') };
  };

  test('--dry-run prints the plan and changes nothing', async () => {
    const { cast, domain } = await setup();
    const file = write('dry.csv', csv('email,full_name,position', `new@${domain},New Person,`, `${cast.teacherA.email},Tess Teacher,Deputy head`));
    const before = await snapshot(cast.trust.id);
    const io = capture();
    await importPeople(t.database, t.config, { trust: cast.trust.slug, file, dryRun: true, endDateMissing: true }, io.out);
    const text = io.text();
    assert.match(text, /dry\.csv: 1 to add, 1 to update, 0 unchanged, 3 to record as left/);
    assert.match(text, new RegExp(`line 2: New Person <new@${domain}>`));
    assert.match(text, /Position: Teacher → Deputy head/);
    assert.match(text, /Ada Admin/, 'the command line acts for nobody, so even the admin can be recorded as left');
    assert.match(text, /Dry run: nothing was changed/);
    assert.equal(await snapshot(cast.trust.id), before);
  });

  test('problems are printed with their lines, nothing is imported and the exit code is 1', async () => {
    const { cast } = await setup();
    const file = write('bad.csv', csv('email,full_name,kind', 'a@x.example,A One,Wizard', 'bob@,Bob,'));
    const before = await snapshot(cast.trust.id);
    const io = capture();
    const error = await importPeople(t.database, t.config, { trust: cast.trust.slug, file }, io.out).catch((e: unknown) => e);
    assert.ok(error instanceof CliError);
    assert.match(error.message, /2 problems, so nothing was imported/);
    assert.match(io.text(), /line 2: ‘Wizard’ is not a kind of person/);
    assert.match(io.text(), /line 3: ‘bob@’ is not a valid email address/);
    assert.equal(await snapshot(cast.trust.id), before);

    const notUtf8 = path.join(dir, 'latin1.csv');
    writeFileSync(notUtf8, Buffer.from('email,full_name\r\nz@x.example,Zoë\r\n', 'latin1'));
    await assert.rejects(
      importPeople(t.database, t.config, { trust: cast.trust.slug, file: notUtf8 }, io.out),
      (e: Error) => e instanceof CliError && /not saved as UTF-8/.test(e.message),
    );
    await assert.rejects(importPeople(t.database, t.config, { trust: cast.trust.slug, file: path.join(dir, 'missing.csv') }, io.out), /no such file/);
    assert.equal(await snapshot(cast.trust.id), before);
  });

  test('a real run applies everything as the command line', async () => {
    const { cast, domain } = await setup();
    const file = write('real.csv', csv('email,full_name,schools', `cli@${domain},Cli Person,school-a`));
    const io = capture();
    await importPeople(t.database, t.config, { trust: cast.trust.slug, file }, io.out);
    assert.match(io.text(), /Import complete: 1 added, 0 updated, 0 recorded as left/);
    const person = await personByEmail(cast.trust.id, `cli@${domain}`);
    assert.ok(person);
    assert.deepEqual(await schoolsOf(person.id), [cast.schoolA.id]);
    const [event] = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.trustId, cast.trust.id), eq(auditEvents.action, 'people.imported')));
    assert.equal(event?.actorLabel, 'Countersign command line');
    assert.equal((event?.after as { fileName: string } | undefined)?.fileName, 'real.csv');
  });

  test('the command is wired up, and exits with code 1 when the file has problems', () => {
    const help = execFileSync(process.execPath, ['bin/countersign.js', 'import-people', '--help'], { encoding: 'utf8' });
    for (const option of ['--trust', '--dry-run', '--end-date-missing', '<file>']) assert.match(help, new RegExp(option));
    // Its own embedded database in a temporary folder, as an installation without DATABASE_URL has.
    const env = { ...process.env, NODE_ENV: 'test', DATA_DIR: path.join(dir, 'data'), DATABASE_URL: '' };
    const run = (...args: string[]) => spawnSync(process.execPath, ['bin/countersign.js', ...args], { encoding: 'utf8', env });
    assert.equal(run('create-trust', '--slug', 'cli-import', '--name', 'CLI Import Trust').status, 0);
    const bad = run('import-people', '--trust', 'cli-import', write('cli-bad.csv', csv('email,full_name', 'bob@,Bob')));
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /line 2: ‘bob@’ is not a valid email address/);
    assert.match(bad.stderr, /1 problem, so nothing was imported/);
  });
});
