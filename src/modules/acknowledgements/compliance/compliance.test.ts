import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse as parseCsv } from 'csv-parse/sync';
import { and, eq } from 'drizzle-orm';
import { extractText } from 'unpdf';
import { Agent, type TestApp, type TwoTrusts, twoTrusts } from '../../../../test/app.ts';
import { actingAs, makePerson, systemCtx } from '../../../../test/factories.ts';
import { publishedPolicy } from '../../../../test/policies.ts';
import { londonToday } from '../../../ui/format.ts';
import { ApiAcknowledgementsPage, ApiCompliance } from '../../api/compliance.ts';
import { ApiError } from '../../api/openapi.ts';
import { createApiKey } from '../../auth/api-keys.ts';
import { assignments } from '../schema.ts';
import { createCampaign, signAssignment } from '../service.ts';
import { csvCell } from './csv.ts';
import { generateTrust } from './generate.ts';

/*
 * The cast (trust "alpha") and who has signed what. Two trust-wide policies, assigned to everyone:
 *   P1 "Staff ICT Acceptable Use Policy", due 1 February 2020 (so overdue now);
 *   P2 "Data Protection Policy", due 31 January 2099.
 * People (school; kind; line manager) and their signatures:
 *   Ada Admin (central team; trust admin)        P1 signed
 *   Hal Head (A; head teacher)                   nothing signed
 *   Tess Teacher (A; line manager Hal)           P1 and P2 signed
 *   Vic Volunteer (A; volunteer; Hal)            nothing signed   (position is a formula)
 *   Lee Leaver (A; Hal; left in 2024)            nothing signed   (drops out of every count)
 *   Bo Teacher (B)                               P1 signed
 *   Gus Governor (B; governor)                   P2 signed        (position starts with +)
 * So, leaving Lee out: 12 assigned, 5 signed, 7 not signed, 3 overdue (P1: Hal, Vic, Gus).
 */
let t: TestApp;
let w: TwoTrusts;
let cast: TwoTrusts['cast'];
const today = londonToday();
const people: Record<string, { id: string; fullName: string; email: string; trustId: string }> = {};
let p1: { id: string };
let p2: { id: string };
let hal: Agent;
let tess: Agent;

/** A service context acting as a person of the cast. */
const as = (person: { id: string; trustId: string }) =>
  actingAs(t.app.db, person, { baseUrl: 'http://localhost', ip: '203.0.113.9', userAgent: 'Test browser' });

async function sign(person: { id: string; fullName: string; email: string; trustId: string }, policyId: string) {
  const [mine] = await t.app.db
    .select()
    .from(assignments)
    .where(and(eq(assignments.trustId, person.trustId), eq(assignments.personId, person.id), eq(assignments.policyId, policyId)));
  assert.ok(mine, `${person.fullName} has ${policyId} to sign`);
  return signAssignment(await as(person), mine.id, { typedName: person.fullName, position: 'Staff', statements: ['0', '1'] });
}

const campaign = (dueOn: string) => ({ audience: 'everyone', dueOn, reminderDaysBefore: '7, 1, 0', overdueEveryDays: '7' });

before(async () => {
  w = await twoTrusts();
  ({ t, cast } = w);
  const db = t.app.db;
  const id = cast.trust.id;
  Object.assign(people, { ada: cast.admin, hal: cast.headA, tess: cast.teacherA, bo: cast.teacherB });
  people.vic = await makePerson(db, id, {
    name: 'Vic Volunteer',
    kind: 'volunteer',
    position: '=HYPERLINK("http://evil.example","Click")',
    schoolIds: [cast.schoolA.id],
    lineManagerId: cast.headA.id,
  });
  people.lee = await makePerson(db, id, { name: 'Lee Leaver', schoolIds: [cast.schoolA.id], lineManagerId: cast.headA.id, endDate: '2024-07-31' });
  people.gus = await makePerson(db, id, { name: 'Gus Governor', kind: 'governor', position: '+44 Chair', schoolIds: [cast.schoolB.id] });
  ({ policy: p1 } = await publishedPolicy(db, id, { title: 'Staff ICT Acceptable Use Policy' }));
  ({ policy: p2 } = await publishedPolicy(db, id, { title: 'Data Protection Policy' }));
  // Assigned "on" 1 January 2020, when Lee had not left yet, so P1's due date can be in the past.
  await createCampaign(systemCtx(db, id), p1.id, campaign('2020-02-01'), '2020-01-01');
  await createCampaign(systemCtx(db, id), p2.id, campaign('2099-01-31'), '2020-01-01');
  for (const [who, policy] of [
    ['ada', p1],
    ['tess', p1],
    ['tess', p2],
    ['bo', p1],
    ['gus', p2],
  ] as const)
    await sign(people[who] as (typeof people)[string], policy.id);
  // The other trust has its own policy and a signature, which must never show in alpha's numbers.
  const { policy: betaPolicy } = await publishedPolicy(db, w.other.trust.id, { title: 'Beta Only Policy' });
  await createCampaign(systemCtx(db, w.other.trust.id), betaPolicy.id, campaign('2099-01-31'), '2020-01-01');
  await sign(w.other.teacherA, betaPolicy.id);
  hal = w.head;
  tess = w.teacher;
});
after(() => t.close());

// --- Reading the pages -------------------------------------------------------------------------

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();

/** The big figure with this data-figure name, as shown. */
function figure(html: string, name: string): string {
  const match = new RegExp(`data-figure="${name}"[^>]*>\\s*<p[^>]*>[^<]*</p>\\s*<p[^>]*>([^<]*)</p>`).exec(html);
  assert.ok(match, `figure ${name}`);
  return match[1] as string;
}

/** The rows of a table (cells as text), found after a marker in the page. */
function tableRows(html: string, marker: string): string[][] {
  const start = html.indexOf(marker);
  assert.ok(start >= 0, `no ${marker}`);
  const table = html.slice(start, html.indexOf('</table>', start));
  const body = table.slice(table.indexOf('<tbody'));
  return [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...(row[1] as string).matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => text(c[1] as string)),
  );
}

const breakdown = (html: string, id: string) => tableRows(html, `data-breakdown="${id}"`);
const listNames = (html: string) => tableRows(html, 'aria-labelledby="list"').map((r) => (r[0] ?? '').split(' ').slice(0, 2).join(' '));

async function page(agent: Agent, url: string) {
  const res = await agent.get(url);
  assert.equal(res.statusCode, 200, `${url}: ${res.body.slice(0, 300)}`);
  return res.body;
}

describe('GET /compliance', () => {
  test('headline numbers count current assignments of people who have not left', async () => {
    const html = await page(w.admin, '/compliance');
    assert.equal(figure(html, 'assigned'), '12');
    assert.equal(figure(html, 'signed'), '5');
    assert.equal(figure(html, 'outstanding'), '7');
    assert.equal(figure(html, 'overdue'), '3');
    assert.match(html, /41\.7%/);
    assert.match(text(html), /5 of 12 agreements, by 6 people/);
    assert.doesNotMatch(html, /Lee Leaver/, 'a leaver is in no count and no list');
    assert.doesNotMatch(html, /Beta Only Policy/);
  });

  test('breakdowns by school, role, kind of person and line manager', async () => {
    const html = await page(w.admin, '/compliance');
    // Columns: name, people, assigned, signed, not signed, overdue, % signed.
    assert.deepEqual(breakdown(html, 'school'), [
      ['School A', '3', '6', '2', '4', '2', '33.3%'],
      ['School B', '2', '4', '2', '2', '1', '50%'],
      ['Central team (no school)', '1', '2', '1', '1', '0', '50%'],
    ]);
    assert.deepEqual(breakdown(html, 'role'), [
      ['Head teacher', '1', '2', '0', '2', '1', '0%'],
      ['Trust administrator', '1', '2', '1', '1', '0', '50%'],
      ['No role', '4', '8', '4', '4', '2', '50%'],
    ]);
    assert.deepEqual(breakdown(html, 'kind'), [
      ['Employee', '4', '8', '4', '4', '1', '50%'],
      ['Governor', '1', '2', '1', '1', '1', '50%'],
      ['Volunteer', '1', '2', '0', '2', '1', '0%'],
    ]);
    assert.deepEqual(breakdown(html, 'manager'), [['Hal Head', '2', '4', '2', '2', '1', '50%']]);
    // Each row narrows the dashboard to it.
    assert.match(html, new RegExp(`href="/compliance\\?school=${cast.schoolB.id}"`));
    assert.match(html, new RegExp(`href="/compliance\\?manager=${cast.headA.id}"`));
  });

  test('who has not signed: name, school, position, policy, version, due date, overdue tag, line manager', async () => {
    const html = await page(w.admin, '/compliance');
    const rows = tableRows(html, 'aria-labelledby="list"');
    assert.equal(rows.length, 7);
    // The default order is by due date: P1 (overdue) first, then by name.
    const aup = 'Staff ICT Acceptable Use Policy V1.0';
    const dp = 'Data Protection Policy V1.0';
    assert.deepEqual(
      rows.map((r) => [r[0]?.split(' ').slice(0, 2).join(' '), r[2]]),
      [
        ['Gus Governor', aup],
        ['Hal Head', aup],
        ['Vic Volunteer', aup],
        ['Ada Admin', dp],
        ['Bo Teacher', dp],
        ['Hal Head', dp],
        ['Vic Volunteer', dp],
      ],
    );
    const [gus] = rows as [string[]];
    assert.equal(gus[0], `Gus Governor ${people.gus?.email} +44 Chair`, 'name, email and position');
    assert.equal(gus[1], 'School B');
    assert.match(gus[3] ?? '', /^1 February 2020 [\d,]+ days overdue$/, 'due date and the overdue countdown');
    const days = Math.round((Date.parse('2099-01-31') - Date.parse(today)) / 86_400_000);
    assert.equal(rows[3]?.[3], `31 January 2099 due in ${days.toLocaleString('en-GB')} days`);
    assert.equal(rows[2]?.[4], 'Hal Head', 'line manager');
    assert.equal(rows[3]?.[4], 'None');
    assert.match(html, new RegExp(`href="/people/${people.gus?.id}"`));
    assert.match(html, /class="govuk-tag govuk-tag--red"/);
    // A trust administrator may record a paper signature for anyone.
    assert.equal(rows.filter((r) => r[5]?.startsWith('Record a paper signature')).length, 7);
    const assignment = /href="\/agreements\/([0-9a-f-]{36})\/paper"/.exec(html)?.[1];
    assert.ok(assignment);
  });

  test('the trend chart is an SVG with a description, and its numbers are in a table', async () => {
    const html = await page(w.admin, '/compliance');
    const svg = /<svg[^>]*data-chart="trend"[^>]*>/.exec(html)?.[0] ?? '';
    assert.match(svg, /role="img"/);
    assert.match(svg, /aria-label="Line chart of the percentage signed at the end of each of the last 12 weeks: [^"]*41\.7% in the week ending/);
    assert.match(html, /<polyline/);
    const rows = tableRows(html, 'data-table="trend"');
    assert.equal(rows.length, 12);
    // Everything was assigned and signed this week, so the earlier weeks have nothing.
    assert.deepEqual(rows.at(-1)?.slice(1), ['12', '5', '41.7%']);
    assert.deepEqual(rows[0]?.slice(1), ['0', '0', '–']);
  });

  test('filters in the URL narrow every number and the list, and stay in the sort and page links', async () => {
    const bySchool = await page(w.admin, `/compliance?school=${cast.schoolB.id}`);
    assert.equal(figure(bySchool, 'assigned'), '4');
    assert.equal(figure(bySchool, 'overdue'), '1');
    assert.deepEqual(listNames(bySchool), ['Gus Governor', 'Bo Teacher']);
    assert.match(bySchool, new RegExp(`<option value="${cast.schoolB.id}" selected="">School B</option>`));
    assert.match(bySchool, new RegExp(`href="/compliance\\?school=${cast.schoolB.id}&amp;sort=name"`), 'sort links keep the filter');
    assert.match(bySchool, new RegExp(`href="/compliance.csv\\?school=${cast.schoolB.id}"`), 'the export links keep the filter');

    const volunteers = await page(w.admin, '/compliance?kind=volunteer');
    assert.deepEqual([figure(volunteers, 'assigned'), figure(volunteers, 'signed'), figure(volunteers, 'overdue')], ['2', '0', '1']);

    const heads = await page(w.admin, '/compliance?role=head_teacher');
    assert.deepEqual(listNames(heads), ['Hal Head', 'Hal Head']);

    const team = await page(w.admin, `/compliance?manager=${cast.headA.id}`);
    assert.deepEqual([figure(team, 'assigned'), figure(team, 'signed')], ['4', '2']);
    assert.deepEqual(listNames(team), ['Vic Volunteer', 'Vic Volunteer']);

    const dataProtection = await page(w.admin, `/compliance?policy=${p2.id}`);
    assert.deepEqual([figure(dataProtection, 'assigned'), figure(dataProtection, 'signed'), figure(dataProtection, 'overdue')], ['6', '2', '0']);
    assert.match(text(dataProtection), /Policy: Data Protection Policy V1\.0/);

    const overdue = await page(w.admin, '/compliance?status=overdue');
    assert.deepEqual(listNames(overdue), ['Gus Governor', 'Hal Head', 'Vic Volunteer']);
    assert.equal(figure(overdue, 'assigned'), '12', 'the list status does not change the numbers');

    const signed = await page(w.admin, '/compliance?status=signed&sort=name');
    assert.deepEqual(listNames(signed), ['Ada Admin', 'Bo Teacher', 'Gus Governor', 'Tess Teacher', 'Tess Teacher']);
    assert.match(signed, /href="\/acknowledgements\/[0-9a-f-]{36}"/);

    const byNameDesc = await page(w.admin, '/compliance?sort=name&dir=desc');
    assert.deepEqual(listNames(byNameDesc), ['Vic Volunteer', 'Vic Volunteer', 'Hal Head', 'Hal Head', 'Gus Governor', 'Bo Teacher', 'Ada Admin']);
    assert.match(byNameDesc, /aria-sort="descending"/);

    const nonsense = await page(w.admin, '/compliance?school=not-a-school&status=everything&sort=evil&page=-3');
    assert.equal(figure(nonsense, 'assigned'), '12', 'values that make no sense fall back to the defaults');
  });

  test('a head teacher sees only their own school’s people', async () => {
    const html = await page(hal, '/compliance');
    assert.equal(figure(html, 'assigned'), '6');
    assert.equal(figure(html, 'signed'), '2');
    assert.deepEqual(
      breakdown(html, 'school').map((r) => r[0]),
      ['School A'],
    );
    assert.deepEqual(listNames(html), ['Hal Head', 'Vic Volunteer', 'Hal Head', 'Vic Volunteer']);
    assert.doesNotMatch(html, /Bo Teacher|Gus Governor|Ada Admin/);
    assert.doesNotMatch(html, new RegExp(`<option value="${cast.schoolB.id}"`), 'other schools are not offered');
    const other = await page(hal, `/compliance?school=${cast.schoolB.id}`);
    assert.equal(figure(other, 'assigned'), '6', 'another school in the URL is ignored');
    assert.doesNotMatch(other, /Gus Governor/);
    const csv = await hal.get('/compliance.csv');
    assert.doesNotMatch(csv.body, /Bo Teacher|Gus Governor|Ada Admin/);
  });

  test('the paper-signature link is only for those who may record one', async () => {
    // A DPO sees the whole trust's compliance but does not record signatures.
    const dpo = await makePerson(t.app.db, cast.trust.id, { name: 'Dina DPO', email: 'dpo@alpha.example', roles: [['dpo', 'trust']] });
    const agent = await new Agent(t.app).signIn(dpo.email);
    const html = await page(agent, '/compliance');
    assert.equal(figure(html, 'outstanding'), '7', 'the same numbers as the administrator (Dina joined after the campaigns)');
    assert.doesNotMatch(html, /Record a paper signature/);
    const head = await page(hal, '/compliance');
    assert.equal((head.match(/>Record a paper signature</g) ?? []).length, 4, 'the head teacher, for each of their school’s rows');
  });

  test('a teacher may not see it: 403 for the page and both exports', async () => {
    for (const url of ['/compliance', '/compliance.csv', '/compliance.pdf']) assert.equal((await tess.get(url)).statusCode, 403, url);
  });

  test('another trust’s administrator sees only their own trust', async () => {
    const html = await page(w.otherAdmin, '/compliance');
    assert.equal(figure(html, 'assigned'), '4');
    assert.equal(figure(html, 'signed'), '1');
    assert.match(html, /Beta Only Policy/);
    assert.doesNotMatch(html, /Staff ICT Acceptable Use Policy|Data Protection Policy|Vic Volunteer/);
  });
});

describe('exports', () => {
  test('the CSV is exactly the filtered not-signed list, with formulas defused', async () => {
    const res = await w.admin.get('/compliance.csv');
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^text\/csv; charset=utf-8/);
    assert.equal(res.headers['content-disposition'], `attachment; filename="compliance-not-signed-${today}.csv"`);
    assert.ok(res.body.startsWith('\uFEFF"Name","Email","Schools"'), 'a byte order mark, then quoted headers');
    const records: string[][] = parseCsv(res.body, { bom: true });
    assert.deepEqual(records[0], [
      'Name',
      'Email',
      'Schools',
      'Position',
      'Kind of person',
      'Policy',
      'Version',
      'Assigned on',
      'Due on',
      'Days overdue',
      'Line manager',
    ]);
    const body = records.slice(1);
    assert.deepEqual(
      body.map((r) => [r[0], r[5]]),
      [
        ['Gus Governor', 'Staff ICT Acceptable Use Policy'],
        ['Hal Head', 'Staff ICT Acceptable Use Policy'],
        ['Vic Volunteer', 'Staff ICT Acceptable Use Policy'],
        ['Ada Admin', 'Data Protection Policy'],
        ['Bo Teacher', 'Data Protection Policy'],
        ['Hal Head', 'Data Protection Policy'],
        ['Vic Volunteer', 'Data Protection Policy'],
      ],
    );
    const vic = body[2] as string[];
    assert.equal(vic[3], '\'=HYPERLINK("http://evil.example","Click")', 'a formula becomes text');
    assert.equal(body[0]?.[3], "'+44 Chair");
    assert.equal(vic[8], '2020-02-01');
    assert.equal(vic[10], 'Hal Head');
    assert.ok(Number(vic[9]) > 2000, 'days overdue');
    assert.equal(body[3]?.[9], '0');
    assert.ok(res.body.includes('"\'=HYPERLINK(""http://evil.example"",""Click"")"'), 'quotes doubled inside a quoted cell');

    const filtered = parseCsv((await w.admin.get(`/compliance.csv?school=${cast.schoolB.id}&status=overdue`)).body, { bom: true }) as string[][];
    assert.deepEqual(
      filtered.slice(1).map((r) => r[0]),
      ['Gus Governor'],
    );
    assert.match((await w.admin.get('/compliance.csv?status=overdue')).headers['content-disposition'] as string, /compliance-overdue-/);
  });

  test('with status=signed the CSV lists the signatures with their date and record id', async () => {
    const res = await w.admin.get('/compliance.csv?status=signed&sort=name');
    assert.equal(res.headers['content-disposition'], `attachment; filename="compliance-signed-${today}.csv"`);
    const records: string[][] = parseCsv(res.body, { bom: true });
    assert.deepEqual(records[0]?.slice(7), ['Signed at (UK time)', 'Record id', 'Line manager']);
    assert.deepEqual(
      records.slice(1).map((r) => r[0]),
      ['Ada Admin', 'Bo Teacher', 'Gus Governor', 'Tess Teacher', 'Tess Teacher'],
    );
    for (const r of records.slice(1)) {
      assert.match(r[7] ?? '', new RegExp(`^${today} \\d\\d:\\d\\d$`));
      assert.match(r[8] ?? '', /^[0-9a-f-]{36}$/);
    }
  });

  test('cells that start like a formula get a quote; others are only quoted', () => {
    for (const [input, output] of [
      ['=1+1', `"'=1+1"`],
      ['+44 1234', `"'+44 1234"`],
      ['-2', `"'-2"`],
      ['@SUM(A1)', `"'@SUM(A1)"`],
      ['\tTabbed', `"'\tTabbed"`],
      ['Jo "JJ" Jones', '"Jo ""JJ"" Jones"'],
      ['a, b', '"a, b"'],
      ['Zoë O’Brien', '"Zoë O’Brien"'],
    ] as const)
      assert.equal(csvCell(input), output, input);
    assert.equal(csvCell(-3), '-3', 'numbers are numbers');
    assert.equal(csvCell(null), '""');
  });

  test('the PDF has the headline numbers, the schools and who has not signed', async () => {
    const res = await w.admin.get('/compliance.pdf');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/pdf');
    assert.equal(res.headers['content-disposition'], `attachment; filename="compliance-${today}.pdf"`);
    const pdf = (await extractText(new Uint8Array(res.rawPayload), { mergePages: true })).text.replace(/\s+/g, ' ');
    assert.match(pdf, /Compliance report/);
    assert.match(pdf, /Every policy in force/);
    assert.match(pdf, /Assigned 12/);
    assert.match(pdf, /Signed 5/);
    assert.match(pdf, /Not signed yet 7/);
    assert.match(pdf, /Overdue 3/);
    assert.match(pdf, /41\.7%/);
    assert.match(pdf, /School A 3 6 2 4 2 33\.3%/);
    assert.match(pdf, /Who has not signed/);
    for (const name of ['Gus Governor', 'Hal Head', 'Vic Volunteer', 'Ada Admin', 'Bo Teacher']) assert.match(pdf, new RegExp(name));
    assert.doesNotMatch(pdf, /Tess Teacher|Lee Leaver/);
  });
});

describe('GET /compliance/team', () => {
  test('a line manager sees their direct reports’ agreements, and nobody else’s', async () => {
    const html = await page(hal, '/compliance/team');
    const rows = tableRows(html, '<table');
    assert.deepEqual(
      rows.map((r) => [r[0]?.split(' ').slice(0, 2).join(' '), r[1], r[3]]),
      [
        ['Tess Teacher', 'Data Protection Policy', 'Signed'],
        ['Tess Teacher', 'Staff ICT Acceptable Use Policy', 'Signed'],
        ['Vic Volunteer', 'Data Protection Policy', rows[2]?.[3]],
        ['Vic Volunteer', 'Staff ICT Acceptable Use Policy', rows[3]?.[3]],
      ],
    );
    assert.match(rows[3]?.[3] ?? '', /days overdue$/);
    assert.match(rows[2]?.[3] ?? '', /^due in/);
    assert.match(text(html), /2 people report to you\. Of their 4 agreements, 2 are signed and 2 are not signed yet, 1 of them overdue\./);
    assert.equal((html.match(/href="\/certificates\/[0-9a-f-]{36}\.pdf"/g) ?? []).length, 2, 'a certificate link for each signed agreement');
    assert.doesNotMatch(html, /Lee Leaver|Bo Teacher|Gus Governor|Ada Admin/);
  });

  test('someone with no reports is told so', async () => {
    for (const agent of [tess, w.admin]) {
      const html = await page(agent, '/compliance/team');
      assert.match(html, /You have no one reporting to you in Countersign/);
      assert.doesNotMatch(html, /<table/);
    }
  });

  test('the dashboard links to the team page only for line managers', async () => {
    assert.match(await page(hal, '/compliance'), /href="\/compliance\/team"/);
    assert.doesNotMatch(await page(w.admin, '/compliance'), /href="\/compliance\/team"/);
  });
});

describe('a generated trust', () => {
  test('the list is paged 50 at a time, and the CSV has every row', async () => {
    const generated = await generateTrust(t.app.db, { schools: 3, people: 200, acknowledgements: 1000, slug: 'generated-paging' });
    assert.equal(generated.adminEmail, 'person.1@generated-paging.example');
    const ceo = await new Agent(t.app).signIn(generated.adminEmail);
    const first = await page(ceo, '/compliance?sort=name');
    const outstanding = Number(figure(first, 'outstanding').replace(/,/g, ''));
    assert.ok(outstanding > 50, `more than one page (${outstanding})`);
    assert.equal(tableRows(first, 'aria-labelledby="list"').length, 50);
    assert.match(text(first), new RegExp(`Showing 1 to 50 of ${outstanding.toLocaleString('en-GB')} agreements`));
    assert.match(first, /href="\/compliance\?sort=name&amp;page=2" rel="next"/);
    const second = await page(ceo, '/compliance?sort=name&page=2');
    assert.equal(tableRows(second, 'aria-labelledby="list"').length, Math.min(50, outstanding - 50));
    assert.match(text(second), new RegExp(`Showing 51 to ${Math.min(100, outstanding)} of`));
    const firstNames = listNames(first);
    assert.ok(!listNames(second).some((n, i) => i === 0 && n < (firstNames.at(-1) ?? '')), 'page 2 carries on where page 1 stopped');
    const csv: string[][] = parseCsv((await ceo.get('/compliance.csv')).body, { bom: true });
    assert.equal(csv.length - 1, outstanding);
    assert.equal(generated.acknowledgements, 1000);
  });
});

describe('the JSON API', () => {
  let key: string;
  let betaKey: string;
  let peopleKey: string;
  before(async () => {
    const make = async (trustId: string, scopes: string[]) => (await createApiKey(systemCtx(t.app.db, trustId), { name: `K ${scopes.join()}`, scopes })).key;
    key = await make(cast.trust.id, ['compliance:read']);
    betaKey = await make(w.other.trust.id, ['compliance:read']);
    peopleKey = await make(cast.trust.id, ['people:read']);
  });
  const get = (url: string, k: string) => t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: { authorization: `Bearer ${k}` } });
  const json = async (url: string, k = key) => {
    const res = await get(url, k);
    assert.equal(res.statusCode, 200, res.body);
    return JSON.parse(res.body);
  };

  test('GET /api/v1/compliance: counts per version in force, in all and by school', async () => {
    const body = ApiCompliance.parse(await json('/compliance'));
    assert.equal(body.asOf, today);
    assert.deepEqual(
      body.data.map((v) => [v.policy.title, v.version.label, v.assigned, v.signed, v.outstanding, v.overdue]),
      [
        ['Data Protection Policy', 'V1.0', 6, 2, 4, 0],
        ['Staff ICT Acceptable Use Policy', 'V1.0', 6, 3, 3, 3],
      ],
    );
    const aup = body.data[1];
    assert.equal(aup?.policy.id, p1.id);
    assert.deepEqual(
      aup?.schools.map((s) => [s.school.name, s.assigned, s.signed, s.outstanding, s.overdue]),
      [
        ['School A', 3, 1, 2, 2],
        ['School B', 2, 1, 1, 1],
      ],
    );
    assert.equal(aup?.schools[0]?.school.id, cast.schoolA.id);
  });

  test('GET /api/v1/acknowledgements: every record in chain order, paged by cursor, and filtered', async () => {
    const all = ApiAcknowledgementsPage.parse(await json('/acknowledgements'));
    assert.deepEqual(
      all.data.map((a) => [a.seq, a.person.name, a.policy.title]),
      [
        [1, 'Ada Admin', 'Staff ICT Acceptable Use Policy'],
        [2, 'Tess Teacher', 'Staff ICT Acceptable Use Policy'],
        [3, 'Tess Teacher', 'Data Protection Policy'],
        [4, 'Bo Teacher', 'Staff ICT Acceptable Use Policy'],
        [5, 'Gus Governor', 'Data Protection Policy'],
      ],
    );
    assert.equal(all.nextCursor, null);
    const first = all.data[0];
    assert.equal(first?.authMethod, 'magic_link');
    assert.equal(first?.imported, false);
    assert.match(first?.hash ?? '', /^[0-9a-f]{64}$/);
    assert.match(first?.contentSha256 ?? '', /^[0-9a-f]{64}$/);
    assert.ok(!Number.isNaN(Date.parse(first?.signedAt ?? '')));
    assert.deepEqual(Object.keys(JSON.parse((await get('/acknowledgements?limit=1', key)).body).data[0]).sort(), [
      'authMethod',
      'contentSha256',
      'hash',
      'id',
      'imported',
      'person',
      'policy',
      'seq',
      'signedAt',
      'version',
    ]);

    const seqs: number[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const next = ApiAcknowledgementsPage.parse(await json(`/acknowledgements?limit=2${cursor ? `&cursor=${cursor}` : ''}`));
      assert.ok(next.data.length <= 2);
      seqs.push(...next.data.map((a) => a.seq));
      cursor = next.nextCursor;
    }
    assert.deepEqual(seqs, [1, 2, 3, 4, 5]);

    const names = async (query: string) => ApiAcknowledgementsPage.parse(await json(`/acknowledgements?${query}`)).data.map((a) => a.person.name);
    assert.deepEqual(await names(`policy=${p2.id}`), ['Tess Teacher', 'Gus Governor']);
    assert.deepEqual(await names(`person=${cast.teacherA.id}`), ['Tess Teacher', 'Tess Teacher']);
    assert.deepEqual(await names(`school=${cast.schoolB.id}`), ['Bo Teacher', 'Gus Governor']);
    assert.deepEqual(await names(`since=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`), []);
    assert.deepEqual(await names(`since=2020-01-01T00:00:00Z&school=${cast.schoolA.id}`), ['Tess Teacher', 'Tess Teacher']);
  });

  test('another trust’s key never sees this trust’s data', async () => {
    const compliance = ApiCompliance.parse(await json('/compliance', betaKey));
    assert.deepEqual(
      compliance.data.map((v) => [v.policy.title, v.assigned, v.signed]),
      [['Beta Only Policy', 4, 1]],
    );
    const acks = ApiAcknowledgementsPage.parse(await json('/acknowledgements', betaKey));
    assert.deepEqual(
      acks.data.map((a) => a.policy.title),
      ['Beta Only Policy'],
    );
    assert.deepEqual(ApiAcknowledgementsPage.parse(await json(`/acknowledgements?policy=${p1.id}`, betaKey)).data, [], 'even when asked by id');
  });

  test('a key without compliance:read is refused with 403', async () => {
    for (const url of ['/compliance', '/acknowledgements']) {
      const res = await get(url, peopleKey);
      assert.equal(res.statusCode, 403, url);
      assert.match(ApiError.parse(JSON.parse(res.body)).error.message, /compliance:read/);
    }
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/compliance' })).statusCode, 401);
  });

  test('bad query parameters are refused with 400 naming the parameter', async () => {
    for (const [query, message] of [
      ['limit=0', /limit must be a whole number from 1 to 500/],
      ['limit=501', /limit/],
      ['limit=ten', /limit/],
      ['policy=not-a-uuid', /policy must be a policy’s id/],
      ['school=123', /school must be a school’s id/],
      ['person=x', /person must be a person’s id/],
      ['since=yesterday', /since must be a date and time/],
      ['since=2026-03-01', /since must be a date and time/],
      ['cursor=nonsense', /cursor is not valid/],
    ] as const) {
      const res = await get(`/acknowledgements?${query}`, key);
      assert.equal(res.statusCode, 400, query);
      const error = ApiError.parse(JSON.parse(res.body)).error;
      assert.equal(error.status, 400);
      assert.match(error.message, message, query);
    }
  });

  test('both appear in openapi.json with their scope and schemas', async () => {
    const doc = JSON.parse((await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).body);
    assert.equal(doc.paths['/compliance'].get.operationId, 'getCompliance');
    assert.deepEqual(doc.paths['/compliance'].get.security, [{ apiKey: ['compliance:read'] }]);
    assert.equal(doc.paths['/compliance'].get.responses[200].content['application/json'].schema.$ref, '#/components/schemas/Compliance');
    const list = doc.paths['/acknowledgements'].get;
    assert.equal(list.operationId, 'listAcknowledgements');
    assert.deepEqual(
      list.parameters.map((p: { name: string }) => p.name),
      ['limit', 'cursor', 'policy', 'school', 'person', 'since'],
    );
    assert.ok(list.responses[400]);
    for (const schema of ['Compliance', 'ComplianceVersion', 'Acknowledgement', 'AcknowledgementsPage']) assert.ok(doc.components.schemas[schema], schema);
  });
});
