import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, count, eq } from 'drizzle-orm';
import { Agent, type TestApp, type TwoTrusts, twoTrusts } from '../../../../test/app.ts';
import { makePerson, systemCtx } from '../../../../test/factories.ts';
import { publishedPolicy, publishNextVersion } from '../../../../test/policies.ts';
import { sha256 } from '../../../crypto.ts';
import { UPLOAD_LIMIT } from '../../../web/limits.ts';
import { createSignInLink } from '../../auth/service.ts';
import { acknowledgements, assignments } from '../schema.ts';
import { createCampaign } from '../service.ts';

let t: TestApp;
let cast: TwoTrusts['cast'];
let admin: Agent;
let head: Agent;
let teacher: Agent;
let otherAdmin: Agent;

before(async () => {
  ({ t, cast, admin, head, teacher, otherAdmin } = await twoTrusts());
});
after(() => t.close());

const campaign = { dueOn: '2099-01-31', reminderDaysBefore: '7, 1, 0', overdueEveryDays: '7' };

/** A new published policy assigned (by the system) to everyone in the trust, or to the people named. */
async function assigned(options: { title?: string; personIds?: string[]; dueOn?: string; today?: string } = {}) {
  const title = options.title ?? `Staff agreement ${Math.random().toString(36).slice(2, 7)}`;
  const { policy, v1 } = await publishedPolicy(t.app.db, cast.trust.id, { title });
  const audience = options.personIds ? { audience: 'filtered', personIds: options.personIds } : { audience: 'everyone' };
  await createCampaign(systemCtx(t.app.db, cast.trust.id), policy.id, { ...campaign, ...audience, dueOn: options.dueOn ?? campaign.dueOn }, options.today);
  return { policy, v1, title };
}

/** The person's current assignment of a policy. */
async function assignmentOf(personId: string, policyId: string) {
  const rows = await t.app.db
    .select()
    .from(assignments)
    .where(and(eq(assignments.trustId, cast.trust.id), eq(assignments.personId, personId), eq(assignments.policyId, policyId)));
  const current = rows.find((a) => !a.replacedAt && !a.withdrawnAt);
  assert.ok(current, 'the person has a current assignment');
  return current;
}

async function recordsOf(personId: string) {
  const [row] = await t.app.db
    .select({ n: count() })
    .from(acknowledgements)
    .where(and(eq(acknowledgements.trustId, cast.trust.id), eq(acknowledgements.personId, personId)));
  return row?.n ?? 0;
}

const tess = { typedName: '  tess   TEACHER ', position: 'Class teacher', statements: ['0', '1'] };

/** A tiny but real PNG: the signature, then an IHDR chunk's worth of bytes. */
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('0000000d49484452000000010000000108060000001f15c489', 'hex'),
]);
const paperForm = {
  typedName: 'T. Teacher',
  position: 'Class teacher',
  'signedOn-day': '2',
  'signedOn-month': '9',
  'signedOn-year': '2026',
  proxyNote: 'Signed at the induction, before her account was set up',
};

describe('signing an agreement', () => {
  test('the person reads the whole policy, signs, and sees the confirmation with the record number and certificate', async () => {
    const { policy, title } = await assigned();
    const mine = await assignmentOf(cast.teacherA.id, policy.id);
    const page = await teacher.get(`/agreements/${mine.id}/sign`);
    assert.equal(page.statusCode, 200);
    // Server-rendered: key points, the text, then the form with each statement, all without JavaScript.
    const keyPoints = page.body.indexOf('Lock your screen when you leave it');
    const text = page.body.indexOf('Staff must lock their screen when they leave it.');
    const form = page.body.indexOf(`action="/agreements/${mine.id}/sign"`);
    assert.ok(keyPoints > 0 && text > keyPoints && form > text, 'key points, then the document, then the form');
    assert.match(page.body, /name="statements"[^>]*value="0"/);
    assert.match(page.body, /name="statements"[^>]*value="1"/);
    assert.match(page.body, /I will report anything that worries me to the DSL\./);
    assert.match(page.body, /I have read and understand the above and agree to follow it\./);
    assert.match(page.body, /Type your name as it is on record: Tess Teacher/);
    assert.match(page.body, /name="position"[^>]*value="Teacher"/, 'the position on record is filled in');
    assert.match(page.body, /data-sign-end/);
    assert.doesNotMatch(/<div class="cs-sign-declaration"[^>]*>/.exec(page.body)?.[0] ?? '', /hidden/, 'the form is not hidden without JavaScript');

    const res = await teacher.post(`/agreements/${mine.id}/sign`, tess);
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, `/agreements/${mine.id}/signed`);
    const [ack] = await t.app.db.select().from(acknowledgements).where(eq(acknowledgements.assignmentId, mine.id));
    assert.ok(ack);
    assert.equal(ack.personId, cast.teacherA.id);
    assert.equal(ack.typedName, 'tess   TEACHER', 'kept as typed, trimmed');
    assert.equal(ack.position, 'Class teacher');
    assert.equal(ack.authMethod, 'magic_link');
    assert.deepEqual(ack.statements, ['I will lock my screen when I leave it.', 'I will report anything that worries me to the DSL.']);

    const done = await teacher.get(`/agreements/${mine.id}/signed`);
    assert.equal(done.statusCode, 200);
    assert.match(done.body, /govuk-panel--confirmation/);
    assert.ok(done.body.includes(`You have signed ${title} V1.0`));
    assert.match(done.body, new RegExp(`<strong>${ack.seq}</strong>`));
    assert.ok(done.body.includes(`href="/certificates/${ack.id}.pdf"`));
    assert.match(done.body, /What happens next/);

    const list = await teacher.get('/agreements');
    assert.equal(list.statusCode, 200);
    const signedPart = list.body.slice(list.body.indexOf('<h2 class="govuk-heading-m">Signed</h2>'));
    assert.ok(signedPart.includes(title));
    assert.ok(signedPart.includes(`href="/certificates/${ack.id}.pdf"`));
    assert.ok(signedPart.includes(`href="/acknowledgements/${ack.id}"`));
  });

  test('someone else’s assignment cannot be seen or signed, and nothing is recorded', async () => {
    const { policy } = await assigned();
    const bos = await assignmentOf(cast.teacherB.id, policy.id);
    const page = await teacher.get(`/agreements/${bos.id}/sign`);
    assert.equal(page.statusCode, 403);
    assert.match(page.body, /for someone else/);
    const res = await teacher.post(`/agreements/${bos.id}/sign`, { ...tess, typedName: 'Bo Teacher' });
    assert.equal(res.statusCode, 403);
    assert.equal((await teacher.get(`/agreements/${bos.id}/signed`)).statusCode, 403);
    assert.equal((await assignmentOf(cast.teacherB.id, policy.id)).acknowledgementId, null);
    assert.equal(await recordsOf(cast.teacherB.id), 0);
  });

  test('signing twice is refused with a clear page and no second record', async () => {
    const { policy } = await assigned();
    const mine = await assignmentOf(cast.teacherA.id, policy.id);
    assert.equal((await teacher.post(`/agreements/${mine.id}/sign`, tess)).statusCode, 303);
    const before = await recordsOf(cast.teacherA.id);
    const again = await teacher.post(`/agreements/${mine.id}/sign`, tess);
    assert.equal(again.statusCode, 409);
    assert.match(again.body, /You have already signed this/);
    assert.match(again.body, /href="\/agreements"/);
    assert.equal(await recordsOf(cast.teacherA.id), before);
    const page = await teacher.get(`/agreements/${mine.id}/sign`);
    assert.equal(page.statusCode, 409);
    assert.ok(page.body.includes(`href="/agreements/${mine.id}/signed"`));
  });

  test('a typed name that does not match is refused with the name on record as a hint, values kept, nothing recorded', async () => {
    const { policy } = await assigned();
    const mine = await assignmentOf(cast.teacherA.id, policy.id);
    const before = await recordsOf(cast.teacherA.id);
    const res = await teacher.post(`/agreements/${mine.id}/sign`, { ...tess, typedName: 'Tessa Teacher', position: 'Year 3 teacher' });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /govuk-error-summary/);
    assert.match(res.body, /href="#f-typedName">Type your full name as it is on record: Tess Teacher/);
    assert.match(res.body, /id="f-typedName-error"/);
    assert.match(res.body, /name="typedName"[^>]*value="Tessa Teacher"/);
    assert.match(res.body, /name="position"[^>]*value="Year 3 teacher"/);
    assert.doesNotMatch(res.body, /data-sign-gate/, 'after an error the declaration is shown at once');
    assert.equal(await recordsOf(cast.teacherA.id), before);
    assert.equal((await assignmentOf(cast.teacherA.id, policy.id)).acknowledgementId, null);
  });

  test('an unticked statement is refused with the message next to it, and the ticked one stays ticked', async () => {
    const { policy } = await assigned();
    const mine = await assignmentOf(cast.teacherA.id, policy.id);
    const before = await recordsOf(cast.teacherA.id);
    const res = await teacher.post(`/agreements/${mine.id}/sign`, { ...tess, statements: ['0'] });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /href="#f-statement-1">Tick each statement to agree to it/);
    assert.match(res.body, /id="f-statement-1-error"/);
    assert.doesNotMatch(res.body, /id="f-statement-0-error"/);
    assert.match(res.body, /id="f-statement-0"[^>]*checked/);
    assert.doesNotMatch(/<input[^>]*id="f-statement-1"[^>]*>/.exec(res.body)?.[0] ?? '', /checked/);
    assert.equal(await recordsOf(cast.teacherA.id), before);
  });

  test('a post without the CSRF token is refused and nothing is recorded', async () => {
    const { policy } = await assigned();
    const mine = await assignmentOf(cast.teacherA.id, policy.id);
    const before = await recordsOf(cast.teacherA.id);
    const res = await teacher.post(`/agreements/${mine.id}/sign`, tess, { csrf: false });
    assert.equal(res.statusCode, 403);
    assert.equal(await recordsOf(cast.teacherA.id), before);
    assert.equal((await assignmentOf(cast.teacherA.id, policy.id)).acknowledgementId, null);
  });

  test('a version superseded by a material change is refused, pointing at the newer version', async () => {
    const { policy } = await assigned();
    const old = await assignmentOf(cast.teacherA.id, policy.id);
    await publishNextVersion(t.app.db, cast.trust.id, policy.id, 'V2.0', true);
    const current = await assignmentOf(cast.teacherA.id, policy.id);
    assert.notEqual(current.id, old.id);
    const before = await recordsOf(cast.teacherA.id);
    const res = await teacher.post(`/agreements/${old.id}/sign`, tess);
    assert.equal(res.statusCode, 409);
    assert.match(res.body, /newer version/);
    assert.ok(res.body.includes(`href="/agreements/${current.id}/sign"`), 'links to the version to sign now');
    assert.equal(await recordsOf(cast.teacherA.id), before);
    assert.equal((await teacher.get(`/agreements/${old.id}/sign`)).statusCode, 409);
    assert.equal((await teacher.post(`/agreements/${current.id}/sign`, tess)).statusCode, 303);
  });

  test('a minor revision carries the signature over, and /agreements explains it; earlier signatures stay listed', async () => {
    const { policy, title } = await assigned();
    const v1 = await assignmentOf(cast.teacherA.id, policy.id);
    await teacher.post(`/agreements/${v1.id}/sign`, tess);
    const [ack] = await t.app.db.select().from(acknowledgements).where(eq(acknowledgements.assignmentId, v1.id));
    assert.ok(ack);
    await publishNextVersion(t.app.db, cast.trust.id, policy.id, 'V1.1', false);
    const carried = await assignmentOf(cast.teacherA.id, policy.id);
    assert.equal(carried.source, 'carried');
    const list = await teacher.get('/agreements');
    assert.match(list.body, /V1\.1: your signature of V1\.0 carries over/);
    assert.match(list.body, /your signature of the earlier version still counts/);
    assert.ok(list.body.includes(`href="/certificates/${ack.id}.pdf"`));
    assert.ok(!list.body.slice(0, list.body.indexOf('<h2 class="govuk-heading-m">Signed</h2>')).includes(title), 'not in the to-sign list');

    await publishNextVersion(t.app.db, cast.trust.id, policy.id, 'V2.0', true);
    const after = await teacher.get('/agreements');
    const toSign = after.body.slice(
      after.body.indexOf('<h2 class="govuk-heading-m">To sign</h2>'),
      after.body.indexOf('<h2 class="govuk-heading-m">Signed</h2>'),
    );
    assert.ok(toSign.includes(title), 'the material version is to sign');
    const earlier = after.body.slice(after.body.indexOf('Earlier versions you signed'));
    assert.ok(earlier.includes(title) && earlier.includes(`href="/certificates/${ack.id}.pdf"`), 'the V1.0 signature is kept as an earlier one');
  });
});

describe('sign-in links to an agreement', () => {
  test('a forged link is refused with a 410 page', async () => {
    const agent = new Agent(t.app);
    const page = await agent.get('/sign-in/link?token=garbage');
    assert.equal(page.statusCode, 410);
    assert.match(page.body, /That link did not work/);
    assert.equal((await agent.post('/sign-in/link', { token: 'garbage' })).statusCode, 410);
  });

  test('an expired link is refused with a 410 page and does not sign in', async () => {
    const { policy } = await assigned();
    const mine = await assignmentOf(cast.teacherB.id, policy.id);
    const { token } = await createSignInLink(t.app.db, {
      trustId: cast.trust.id,
      personId: cast.teacherB.id,
      nextPath: `/agreements/${mine.id}/sign`,
      minutes: -1,
    });
    const agent = new Agent(t.app);
    assert.equal((await agent.get(`/sign-in/link?token=${token}`)).statusCode, 410);
    assert.equal((await agent.post('/sign-in/link', { token })).statusCode, 410);
    const after = await agent.get(`/agreements/${mine.id}/sign`);
    assert.equal(after.statusCode, 303);
    assert.match(after.headers.location ?? '', /^\/sign-in/);
  });

  test('a link sent for an agreement signs the person in and lands on its signing page', async () => {
    const { policy } = await assigned();
    const mine = await assignmentOf(cast.teacherB.id, policy.id);
    const nextPath = `/agreements/${mine.id}/sign`;
    const { token } = await createSignInLink(t.app.db, { trustId: cast.trust.id, personId: cast.teacherB.id, nextPath });
    const agent = new Agent(t.app);
    assert.equal((await agent.get(`/sign-in/link?token=${token}`)).statusCode, 200);
    const res = await agent.post('/sign-in/link', { token });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, nextPath);
    const page = await agent.get(nextPath);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Sign the agreement/);
  });
});

describe('my agreements', () => {
  test('a first sign-in lands on ?welcome=1, which goes home with nothing to sign, to the one thing to sign, or lists several', async () => {
    const starter = await makePerson(t.app.db, cast.trust.id, { name: 'Nia Newstarter', schoolIds: [cast.schoolA.id] });
    const { token } = await createSignInLink(t.app.db, { trustId: cast.trust.id, personId: starter.id });
    const agent = new Agent(t.app);
    await agent.get(`/sign-in/link?token=${token}`);
    const first = await agent.post('/sign-in/link', { token });
    assert.equal(first.headers.location, '/agreements?welcome=1');

    const none = await agent.get('/agreements?welcome=1');
    assert.equal(none.statusCode, 303);
    assert.equal(none.headers.location, '/');

    const one = await assigned({ personIds: [starter.id] });
    const oneId = (await assignmentOf(starter.id, one.policy.id)).id;
    const single = await agent.get('/agreements?welcome=1');
    assert.equal(single.statusCode, 303);
    assert.equal(single.headers.location, `/agreements/${oneId}/sign`);

    const two = await assigned({ personIds: [starter.id] });
    const several = await agent.get('/agreements?welcome=1');
    assert.equal(several.statusCode, 200);
    assert.match(several.body, /Welcome to Countersign/);
    assert.ok(several.body.includes(one.title) && several.body.includes(two.title));
    const plain = await agent.get('/agreements');
    assert.equal(plain.statusCode, 200);
    assert.doesNotMatch(plain.body, /Welcome to Countersign/);
  });

  test('the list shows the due date with a countdown, overdue in red, and a link to sign', async () => {
    const starter = await makePerson(t.app.db, cast.trust.id, { name: 'Otto Overdue', schoolIds: [cast.schoolB.id] });
    const late = await assigned({ personIds: [starter.id], dueOn: '2020-02-01', today: '2020-01-01' });
    const lateId = (await assignmentOf(starter.id, late.policy.id)).id;
    const agent = await new Agent(t.app).signIn(starter.email);
    const page = await agent.get('/agreements');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /1 February 2020/);
    assert.match(page.body, /govuk-tag--red">\d[\d,]* days overdue/);
    assert.ok(page.body.includes(`href="/agreements/${lateId}/sign"`));
    assert.match(page.body, /You have not signed any agreements yet/);
    assert.doesNotMatch(page.body, /Your team’s agreements/, 'no direct reports, no team link');
  });

  test('a line manager sees a link to their team’s agreements', async () => {
    const page = await head.get('/agreements');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /href="\/compliance\/team"/);
  });

  test('the home page puts "Sign …" first, with its due date and countdown', async () => {
    const { policy, title } = await assigned({ dueOn: '2020-03-01', today: '2020-01-01' });
    const mine = await assignmentOf(cast.teacherA.id, policy.id);
    const home = await teacher.get('/');
    assert.equal(home.statusCode, 200);
    assert.ok(home.body.includes(`href="/agreements/${mine.id}/sign"`));
    assert.ok(home.body.includes(`Sign ${title}`));
    assert.match(home.body, /V1\.0, due 1 March 2020/);
    assert.match(home.body, /days overdue/);
    assert.doesNotMatch(home.body, /Nothing needs you today/);
  });
});

describe('recording a paper signature', () => {
  test('the head teacher records it with a PNG scan: a paper record with who entered it and the scan’s hash', async () => {
    const { policy } = await assigned();
    const tessA = await assignmentOf(cast.teacherA.id, policy.id);
    const page = await head.get(`/agreements/${tessA.id}/paper`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Record a paper signature/);
    assert.match(page.body, /Tess Teacher/);
    assert.match(page.body, /enctype="multipart\/form-data"/i);
    assert.match(page.body, /name="signedOn-day"/);
    const res = await head.upload(`/agreements/${tessA.id}/paper`, { field: 'scan', name: 'form.png', content: PNG, type: 'image/png' }, paperForm);
    assert.equal(res.statusCode, 303, res.body.slice(0, 500));
    const [ack] = await t.app.db.select().from(acknowledgements).where(eq(acknowledgements.assignmentId, tessA.id));
    assert.ok(ack);
    assert.equal(res.headers.location, `/acknowledgements/${ack.id}`);
    assert.ok(
      res.cookies.some((c: { name: string }) => c.name === 'cs_flash'),
      'a success message for the next page',
    );
    assert.equal(ack.authMethod, 'paper');
    assert.equal(ack.recordedById, cast.headA.id);
    assert.equal(ack.scanSha256, sha256(PNG));
    assert.equal(ack.typedName, 'T. Teacher');
    assert.equal(ack.proxyNote, paperForm.proxyNote);
    assert.equal(ack.signedAt.toISOString().slice(0, 10), '2026-09-02');
    const again = await head.get(`/agreements/${tessA.id}/paper`);
    assert.equal(again.statusCode, 409);
    assert.match(again.body, /Tess Teacher has already signed/);
  });

  test('a scan that is not a PDF, JPEG or PNG, too large, or missing is refused next to the field with values kept', async () => {
    const { policy } = await assigned();
    const tessA = await assignmentOf(cast.teacherA.id, policy.id);
    const before = await recordsOf(cast.teacherA.id);
    const bad = await head.upload(
      `/agreements/${tessA.id}/paper`,
      { field: 'scan', name: 'form.png', content: 'not really a picture', type: 'image/png' },
      paperForm,
    );
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /href="#f-scan">The scan must be a PDF, JPEG or PNG file/);
    assert.match(bad.body, /id="f-scan-error"/);
    assert.match(bad.body, /name="typedName"[^>]*value="T. Teacher"/);
    assert.match(bad.body, /name="signedOn-day"[^>]*value="2"/);
    const none = await head.upload(`/agreements/${tessA.id}/paper`, { field: 'scan', name: '', content: '', type: 'application/octet-stream' }, paperForm);
    assert.equal(none.statusCode, 422);
    assert.match(none.body, /Attach a scan or photo of the signed form/);
    const huge = Buffer.concat([PNG, Buffer.alloc(UPLOAD_LIMIT)]);
    const tooLarge = await head.upload(`/agreements/${tessA.id}/paper`, { field: 'scan', name: 'form.png', content: huge, type: 'image/png' }, paperForm);
    assert.equal(tooLarge.statusCode, 422);
    assert.match(tooLarge.body, /The scan must be smaller than 5 MB/);
    assert.equal(await recordsOf(cast.teacherA.id), before);
  });

  test('a teacher, or the head teacher of another school, may not record one', async () => {
    const { policy } = await assigned();
    const bos = await assignmentOf(cast.teacherB.id, policy.id);
    assert.equal((await teacher.get(`/agreements/${bos.id}/paper`)).statusCode, 403);
    const post = await teacher.upload(`/agreements/${bos.id}/paper`, { field: 'scan', name: 'form.png', content: PNG, type: 'image/png' }, paperForm);
    assert.equal(post.statusCode, 403);
    assert.equal((await head.get(`/agreements/${bos.id}/paper`)).statusCode, 403, 'Bo is at school B; the head teacher is of school A');
    assert.equal(await recordsOf(cast.teacherB.id), 0);
  });

  test('the trust administrator may; another trust’s administrator finds nothing', async () => {
    const { policy } = await assigned();
    const bos = await assignmentOf(cast.teacherB.id, policy.id);
    assert.equal((await otherAdmin.get(`/agreements/${bos.id}/paper`)).statusCode, 404);
    const post = await otherAdmin.upload(`/agreements/${bos.id}/paper`, { field: 'scan', name: 'form.png', content: PNG, type: 'image/png' }, paperForm);
    assert.equal(post.statusCode, 404);
    assert.equal((await otherAdmin.get(`/agreements/${bos.id}/sign`)).statusCode, 404);
    assert.equal(await recordsOf(cast.teacherB.id), 0);
    assert.equal((await admin.get(`/agreements/${bos.id}/paper`)).statusCode, 200);
  });
});
