import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { Agent, createTestApp, type TestApp } from '../../../../test/app.ts';
import { makeTrustWithCast } from '../../../../test/factories.ts';
import { type MonitoringCast, makeAlert, monitoringCast } from '../../../../test/monitoring.ts';
import { auditEvents } from '../../../audit/schema.ts';
import { importBatches, people } from '../../organisations/schema.ts';
import { openIngest } from '../intake/ingest.ts';
import { activityDaily, alerts, monitoringSources, monitoringUsernames } from '../schema.ts';

let t: TestApp;
let cast: MonitoringCast;
let other: Awaited<ReturnType<typeof makeTrustWithCast>>;
let admin: Agent;
let trustIt: Agent;
let teacher: Agent;
let otherAdmin: Agent;
let base: string;

const seen = new Date(Date.now() - 3_600_000);

before(async () => {
  t = await createTestApp();
  cast = await monitoringCast(t.app.db, await makeTrustWithCast(t.app.db, 'alpha'));
  other = await makeTrustWithCast(t.app.db, 'beta');
  const signIn = (email: string) => new Agent(t.app).signIn(email);
  admin = await signIn(cast.admin.email);
  trustIt = await signIn(cast.trustIt.email);
  teacher = await signIn(cast.teacherA.email);
  otherAdmin = await signIn(other.admin.email);
  base = `/monitoring/sources/${cast.source.id}/usernames`;
  const trustId = cast.trust.id;
  const sourceId = cast.source.id;
  await t.app.db.insert(monitoringUsernames).values([
    { trustId, sourceId, username: 'jsmith', eventCount: 12, firstSeenAt: seen, lastSeenAt: seen },
    { trustId, sourceId, username: 'pupil.one', eventCount: 5, firstSeenAt: seen, lastSeenAt: seen },
    { trustId, sourceId, username: 'kiosk.library', eventCount: 1, firstSeenAt: seen, lastSeenAt: seen },
    { trustId, sourceId, username: 'wsmith_100%', eventCount: 2, firstSeenAt: seen, lastSeenAt: seen },
    { trustId, sourceId, username: cast.teacherA.email, personId: cast.teacherA.id, eventCount: 40, firstSeenAt: seen, lastSeenAt: seen },
  ]);
});
after(() => t.close());

const row = async (username: string) =>
  (
    await t.app.db
      .select()
      .from(monitoringUsernames)
      .where(and(eq(monitoringUsernames.sourceId, cast.source.id), eq(monitoringUsernames.username, username)))
  )[0];
const mappedAudit = () => t.app.db.select().from(auditEvents).where(eq(auditEvents.action, 'monitoring_username.mapped'));
const fieldError = (html: string, field: string) => new RegExp(`id="f-${field}-error"[^>]*>[\\s\\S]*?</span>\\s*([^<]+)</p>`).exec(html)?.[1]?.trim();
/** The usernames in the list's table (not the mapping file's column table under it). */
const usernamesOnPage = (html: string) =>
  [...(html.split('Match many usernames with a file')[0] ?? '').matchAll(/<td class="govuk-table__cell"><code>([^<]+)<\/code>/g)].map((m) => m[1]);
const mappingCsv = (text: string) => ({ field: 'file', name: 'usernames.csv', content: text });

describe('the usernames list', () => {
  test('unmatched usernames, most seen first, with counts and times; searched and shown by view', async () => {
    const res = await admin.get(base);
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Usernames from Web filter/);
    assert.deepEqual(usernamesOnPage(res.body), ['jsmith', 'pupil.one', 'wsmith_100%', 'kiosk.library']);
    assert.match(res.body, /4 usernames are unmatched, 1 is matched to a person and 0 are set aside/);
    assert.match(res.body, /12 events/);
    assert.match(res.body, /applies to events received from now on/);
    assert.match(res.body, /open alerts about the username are not\s+changed/);
    assert.ok(res.body.includes(`href="${base}/map?username=jsmith"`));

    assert.deepEqual(usernamesOnPage((await admin.get(`${base}?q=SMITH`)).body), ['jsmith', 'wsmith_100%']);
    // % and _ are searched as themselves.
    assert.deepEqual(usernamesOnPage((await admin.get(`${base}?q=${encodeURIComponent('100%')}`)).body), ['wsmith_100%']);
    const matched = await admin.get(`${base}?show=matched`);
    assert.deepEqual(usernamesOnPage(matched.body), [cast.teacherA.email]);
    assert.match(matched.body, /Tess Teacher/);
    assert.match(matched.body, /by the source’s username rule/);
    // A bad view or page in the URL shows the default rather than failing.
    assert.equal((await admin.get(`${base}?show=everything&page=-4`)).statusCode, 200);
  });

  test('trust IT may look but not change; teachers and other trusts may not look', async () => {
    const res = await trustIt.get(base);
    assert.equal(res.statusCode, 200);
    assert.ok(!res.body.includes('/map?username='));
    assert.ok(!res.body.includes('Match many usernames with a file'));
    assert.equal((await trustIt.get(`${base}/map?username=jsmith`)).statusCode, 403);
    assert.equal((await trustIt.post(`${base}/map`, { username: 'jsmith', person: cast.teacherB.email })).statusCode, 403);
    assert.equal((await trustIt.post(`${base}/not-staff`, { username: 'jsmith' })).statusCode, 403);
    assert.equal((await trustIt.upload(`${base}/import`, mappingCsv(`username,email\njsmith,${cast.teacherB.email}\n`))).statusCode, 403);
    assert.equal((await teacher.get(base)).statusCode, 403);
    assert.equal((await otherAdmin.get(base)).statusCode, 404);
    await otherAdmin.get('/monitoring/sources');
    assert.equal((await otherAdmin.post(`${base}/map`, { username: 'jsmith', person: other.teacherA.email })).statusCode, 404);
    assert.equal((await otherAdmin.post(`${base}/not-staff`, { username: 'jsmith' })).statusCode, 404);
    assert.equal((await row('jsmith'))?.personId, null);
    assert.equal((await row('jsmith'))?.notStaff, false);
  });
});

describe('matching one username', () => {
  test('the admin matches a username to a person from the directory; it applies from now on and is audited', async () => {
    const page = await admin.get(`${base}/map?username=JSmith`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Who is jsmith\?/);
    assert.match(page.body, /<datalist id="directory">/);
    assert.match(page.body, /Bo Teacher \(teacher\.b@alpha\.example\)/);
    assert.ok(!page.body.includes('beta.example'), 'only this trust’s people are offered');
    assert.match(page.body, /Not matched to anyone/);

    const before = (await mappedAudit()).length;
    const res = await admin.post(`${base}/map`, { username: 'jsmith', person: `Bo Teacher (${cast.teacherB.email})` });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, base);
    const mapped = await row('jsmith');
    assert.equal(mapped?.personId, cast.teacherB.id);
    assert.equal(mapped?.mappedBy, cast.admin.id);
    assert.ok(mapped?.mappedAt);
    assert.equal(mapped?.eventCount, 12, 'its counts are kept');
    const audit = await mappedAudit();
    assert.equal(audit.length, before + 1);
    assert.match(audit.at(-1)?.summary ?? '', /Matched the username ‘jsmith’ from Web filter to Bo Teacher/);
    const list = await admin.get(base);
    assert.match(list.body, /jsmith is matched to Bo Teacher from now on/);
    assert.ok(!usernamesOnPage(list.body).includes('jsmith'));
    const matched = await admin.get(`${base}?show=matched`);
    assert.ok(usernamesOnPage(matched.body).includes('jsmith'));
    assert.match(matched.body, /by Ada Admin/);
  });

  test('a person who is not in the directory is refused next to the field, and nothing changes', async () => {
    await admin.get(`${base}/map?username=pupil.one`);
    const res = await admin.post(`${base}/map`, { username: 'pupil.one', person: 'Nobody Atall' });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /<title>Error: Who is pupil\.one\?/);
    assert.match(fieldError(res.body, 'person') ?? '', /No one in the directory matches ‘Nobody Atall’/);
    assert.match(res.body, /value="Nobody Atall"/);
    const blank = await admin.post(`${base}/map`, { username: 'pupil.one', person: '' });
    assert.equal(blank.statusCode, 422);
    assert.equal(fieldError(blank.body, 'person'), 'Enter the person’s name or work email address');
    // Another trust's person is not found either.
    const theirs = await admin.post(`${base}/map`, { username: 'pupil.one', person: other.teacherA.email });
    assert.equal(theirs.statusCode, 422);
    assert.equal((await row('pupil.one'))?.personId, null);
    assert.equal((await row('pupil.one'))?.mappedAt, null);
  });

  test('a pupil or shared account is set aside as not staff, and the decision can be undone', async () => {
    const res = await admin.post(`${base}/not-staff`, { username: 'pupil.one' });
    assert.equal(res.statusCode, 303);
    const aside = await row('pupil.one');
    assert.equal(aside?.notStaff, true);
    assert.equal(aside?.personId, null);
    assert.ok(!usernamesOnPage((await admin.get(base)).body).includes('pupil.one'));
    const notStaff = await admin.get(`${base}?show=not_staff`);
    assert.deepEqual(usernamesOnPage(notStaff.body), ['pupil.one']);
    assert.match(notStaff.body, /Undo<span class="govuk-visually-hidden"> for pupil\.one/);

    const undo = await admin.post(`${base}/undo`, { username: 'pupil.one', show: 'not_staff' });
    assert.equal(undo.statusCode, 303);
    assert.equal(undo.headers.location, `${base}?show=not_staff`);
    const back = await row('pupil.one');
    assert.deepEqual([back?.notStaff, back?.personId, back?.mappedAt, back?.mappedBy], [false, null, null, null]);
    assert.ok(usernamesOnPage((await admin.get(base)).body).includes('pupil.one'));
    // Undoing again changes nothing.
    const again = await admin.post(`${base}/undo`, { username: 'pupil.one' });
    assert.equal(again.statusCode, 303);
    assert.match((await admin.get(base)).body, /pupil\.one was not matched by anyone, so nothing has changed/);
    const summaries = (await mappedAudit()).map((a) => a.summary);
    assert.ok(summaries.some((s) => /Set aside the username ‘pupil\.one’ .* as not a member of staff/.test(s)));
    assert.ok(summaries.some((s) => /Undid the decision about the username ‘pupil\.one’/.test(s)));
  });

  test('a match is used for events read from now on; past counts and open alerts keep the username', async () => {
    const trustId = cast.trust.id;
    const sourceId = cast.source.id;
    const at = new Date(Date.now() - 2 * 3_600_000);
    // Before the match: an unmatched event counted under the username, and an open alert about it.
    const first = await openIngest(t.app.db, { trustId, sourceId, baseUrl: 'http://localhost' });
    first.add({ kind: 'web', occurredAt: at, username: 'kiosk.library', category: 'uncategorised', url: 'https://news.example/', host: 'news.example' });
    await first.finish();
    const alert = await makeAlert(t.app.db, cast, { personId: null, username: 'kiosk.library', category: 'self_harm' });

    await admin.post(`${base}/map`, { username: 'kiosk.library', person: cast.teacherB.email });
    assert.equal((await row('kiosk.library'))?.personId, cast.teacherB.id);

    const later = await openIngest(t.app.db, { trustId, sourceId, baseUrl: 'http://localhost' });
    later.add({ kind: 'web', occurredAt: at, username: 'KIOSK.library', category: 'drugs', url: 'https://drugs.example/', host: 'drugs.example' });
    await later.finish();
    const counts = await t.app.db
      .select()
      .from(activityDaily)
      .where(and(eq(activityDaily.sourceId, sourceId), eq(activityDaily.username, 'kiosk.library')));
    assert.deepEqual(counts.map((c) => [c.category, c.personId]).sort(), [
      ['drugs', cast.teacherB.id],
      ['uncategorised', null],
    ]);
    const [unchanged] = await t.app.db.select().from(alerts).where(eq(alerts.id, alert.id));
    assert.equal(unchanged?.personId, null);
    assert.equal(unchanged?.username, 'kiosk.library');
  });
});

describe('the mapping CSV', () => {
  test('problems are listed with their line numbers and nothing is matched', async () => {
    await admin.get(base);
    const csv = [
      'Username,Email address',
      `wsmith_100%,${cast.teacherB.email}`,
      'ghost,nobody@alpha.example',
      `,${cast.teacherA.email}`,
      'bad.email,not-an-email',
      `WSMITH_100%,${cast.headA.email}`,
      `theirs,${other.teacherA.email}`,
      '',
    ].join('\n');
    const res = await admin.upload(`${base}/import`, mappingCsv(csv));
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /<title>Error: Check the usernames file/);
    assert.match(res.body, /Nothing has been imported/);
    for (const [line, message] of [
      [3, 'No one in the people directory has the email address nobody@alpha.example'],
      [4, 'The username is missing'],
      [5, '‘not-an-email’ is not an email address'],
      [6, 'The username wsmith_100% is also on line 2'],
      [7, `No one in the people directory has the email address ${other.teacherA.email}`],
    ] as const)
      assert.ok(res.body.includes(`>${line}</td><td class="govuk-table__cell">${message}</td>`), `line ${line}: ${message}`);
    assert.equal((await row('wsmith_100%'))?.personId, null);
    assert.equal((await t.app.db.select().from(importBatches).where(eq(importBatches.kind, 'monitoring_usernames'))).length, 0);
  });

  test('a file without the email column, an empty file or no file is refused next to the field', async () => {
    await admin.get(base);
    const noEmail = await admin.upload(`${base}/import`, mappingCsv('username,person\njsmith,Bo\n'));
    assert.equal(noEmail.statusCode, 422);
    assert.match(fieldError(noEmail.body, 'file') ?? '', /missing the email column/);
    const empty = await admin.upload(`${base}/import`, mappingCsv(''));
    assert.equal(empty.statusCode, 422);
    assert.equal(fieldError(empty.body, 'file'), 'The selected file is empty');
    const none = await admin.upload(`${base}/import`, { field: 'file', name: '', content: '' });
    assert.equal(none.statusCode, 422);
    assert.equal(fieldError(none.body, 'file'), 'Select a CSV file');
  });

  test('a good file is previewed, then applied all at once and audited with the count', async () => {
    await admin.get(base);
    const template = await admin.get(`${base}/template.csv`);
    assert.equal(template.statusCode, 200);
    assert.match(template.body, /^username,email/);
    const csv = `username,email\nWSMITH_100%,${cast.teacherB.email}\nnew.login,${cast.headA.email}\njsmith,${cast.teacherA.email}\n`;
    const preview = await admin.upload(`${base}/import`, mappingCsv(csv));
    assert.equal(preview.statusCode, 200, preview.body.slice(0, 1000));
    assert.match(preview.body, /3 usernames from Web filter will be matched to people/);
    assert.match(preview.body, /Hal Head \(head\.a@alpha\.example\)/);
    assert.equal((await row('wsmith_100%'))?.personId, null, 'nothing changes before it is applied');
    const action = /action="([^"]+\/apply)"/.exec(preview.body)?.[1];
    assert.ok(action);

    // Another source's page cannot apply it.
    await admin.get('/monitoring/sources/new');
    await admin.post('/monitoring/sources/new', { name: 'Second source', kind: 'other', usernameMatch: 'email' });
    const [second] = await t.app.db.select().from(monitoringSources).where(eq(monitoringSources.name, 'Second source'));
    assert.equal((await admin.post(action.replace(cast.source.id, second?.id as string))).statusCode, 404);
    assert.equal((await trustIt.post(action)).statusCode, 403);

    const before = (await mappedAudit()).length;
    const res = await admin.post(action);
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, `${base}?show=matched`);
    assert.equal((await row('wsmith_100%'))?.personId, cast.teacherB.id);
    assert.equal((await row('new.login'))?.personId, cast.headA.id, 'a username not seen yet is matched ahead');
    assert.equal((await row('jsmith'))?.personId, cast.teacherA.id, 'a username already matched is matched again');
    assert.equal((await row('new.login'))?.mappedBy, cast.admin.id);
    const audit = await mappedAudit();
    assert.equal(audit.length, before + 1);
    assert.match(audit.at(-1)?.summary ?? '', /Matched 3 usernames from Web filter to people from usernames\.csv/);
    assert.match((await admin.get(res.headers.location as string)).body, /3 usernames are matched from now on/);

    const again = await admin.post(action);
    assert.equal(again.statusCode, 422);
    assert.match(again.body, /This file has already been applied/);
  });

  test('a file checked before the directory changed is not applied', async () => {
    await admin.get(base);
    const preview = await admin.upload(`${base}/import`, mappingCsv(`username,email\nlate.one,${cast.teacherB.email}\n`));
    const action = /action="([^"]+\/apply)"/.exec(preview.body)?.[1] as string;
    await t.app.db.update(people).set({ email: 'bo.renamed@alpha.example' }).where(eq(people.id, cast.teacherB.id));
    const res = await admin.post(action);
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /The people directory has changed since this file was checked/);
    assert.equal(await row('late.one'), undefined);
  });
});
