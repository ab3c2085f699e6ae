import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq, isNull } from 'drizzle-orm';
import { seedDemo } from '../../../db/seed/demo.ts';
import { Agent, createTestApp, type TestApp } from '../../../test/app.ts';
import { makeTrustWithCast } from '../../../test/factories.ts';
import { londonToday } from '../../ui/format.ts';
import { verifyChain } from '../acknowledgements/chain.ts';
import { acknowledgements, assignments } from '../acknowledgements/schema.ts';
import { isCurrentAssignment, outstandingFor } from '../acknowledgements/service.ts';
import { assets, loanItems, loans } from '../assets/schema.ts';
import { byodDevices } from '../byod/schema.ts';
import { breaches, concerns } from '../concerns/schema.ts';
import { CONCERN_TYPE_CODES } from '../concerns/types.ts';
import { alerts, enhancedMonitoring, monitoringAuditEvents, monitoringSources, monitoringUploads } from '../monitoring/schema.ts';
import { actionPlanItems, noncompliance } from '../noncompliance/schema.ts';
import { people, trusts } from '../organisations/schema.ts';
import { policies } from '../policies/schema.ts';
import { cloudServices, requests } from '../requests/schema.ts';
import { demoPersonas } from './service.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
  assert.equal(await seedDemo(t.app.db), true);
});
after(() => t.close());

describe('the demo trust', () => {
  test('every role is held by someone, about 60 people of several kinds, three schools', async () => {
    const personas = await demoPersonas(t.app.db);
    assert.equal(personas.length, 6);
    const admin = await new Agent(t.app).signIn('amara.okafor@oakfield.example');
    const roles = await admin.get('/roles');
    assert.doesNotMatch(roles.body, /Nobody/, 'no role is left empty');
    const people = await admin.get('/people?status=all');
    const total = Number(/of (\d+) people/.exec(people.body)?.[1]);
    assert.ok(total >= 55 && total <= 70, `about 60 people (${total})`);
    for (const kind of ['governor', 'trustee', 'volunteer', 'contractor', 'visitor'])
      assert.match((await admin.get(`/people?kind=${kind}&status=all`)).body, /Showing 1 to/, kind);
    assert.match((await admin.get('/schools')).body, /Hollins Park School/);
    assert.equal(await seedDemo(t.app.db), false, 'seeding again does nothing');
  });

  test('the persona buttons sign in through a real sign-in link', async () => {
    const [persona] = await demoPersonas(t.app.db);
    const agent = new Agent(t.app);
    await agent.get('/sign-in');
    const res = await agent.post('/demo/sign-in', { personId: persona?.personId as string });
    assert.equal(res.statusCode, 303);
    assert.match(res.headers.location as string, /^\/sign-in\/link\?token=/);
    const token = new URL(res.headers.location as string, 'http://x').searchParams.get('token') as string;
    assert.equal((await agent.post('/sign-in/link', { token })).statusCode, 303);
    assert.match((await agent.get('/')).body, /Hello, Amara/);
  });

  test('only the demo personas can be signed in as, never someone of another trust', async () => {
    const other = await makeTrustWithCast(t.app.db, 'elsewhere');
    const agent = new Agent(t.app);
    await agent.get('/sign-in');
    assert.equal((await agent.post('/demo/sign-in', { personId: other.admin.id })).statusCode, 404);
    assert.equal((await agent.post('/demo/sign-in', { personId: 'nonsense' })).statusCode, 404);
  });

  test('the demo mailbox shows recent sign-in emails for one address only', async () => {
    const agent = new Agent(t.app);
    await agent.post('/sign-in', { email: 'ellie.ward@oakfield.example' });
    const box = await agent.get('/demo/mailbox?to=ellie.ward@oakfield.example');
    assert.equal(box.statusCode, 200);
    assert.match(box.body, /href="\/sign-in\/link\?token=/);
    const empty = await agent.get('/demo/mailbox?to=someone.else@oakfield.example');
    assert.match(empty.body, /No sign-in emails for this address/);
  });
});

describe('without demo mode', () => {
  test('the persona page, the demo mailbox and the outbox page do not exist', async () => {
    const prod = await createTestApp({ DEMO: '0' });
    try {
      const cast = await makeTrustWithCast(prod.app.db);
      const anon = new Agent(prod.app);
      const signIn = await anon.get('/sign-in');
      assert.doesNotMatch(signIn.body, /Try the demo/);
      await anon.post('/sign-in', { email: cast.admin.email });
      assert.doesNotMatch((await anon.post('/sign-in', { email: cast.admin.email })).body, /demo mailbox/);
      const admin = await new Agent(prod.app).signIn(cast.admin.email);
      assert.equal((await admin.get('/outbox')).statusCode, 404);
      assert.equal((await admin.get(`/demo/mailbox?to=${cast.admin.email}`)).statusCode, 404);
      assert.doesNotMatch((await admin.get('/')).body, /href="\/outbox"/);
    } finally {
      await prod.close();
    }
  });
});

describe('the demo policy', () => {
  test('the staff agreement is published, public and readable by anyone', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/p/oakfield/staff-ict-aup' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Staff ICT Acceptable Use Agreement/);
    assert.match(res.body, /Accounts and passwords/);
  });
});

describe('the demo agreements', () => {
  const demoTrust = async () => {
    const [trust] = await t.app.db.select().from(trusts).where(eq(trusts.slug, 'oakfield'));
    assert.ok(trust);
    return trust.id;
  };
  const personId = async (trustId: string, email: string) => {
    const [p] = await t.app.db
      .select({ id: people.id })
      .from(people)
      .where(and(eq(people.trustId, trustId), eq(people.email, email)));
    assert.ok(p, email);
    return p.id;
  };

  test('the staff agreement is assigned to all staff and about two thirds have signed, through a valid chain', async () => {
    const trustId = await demoTrust();
    const [aup] = await t.app.db
      .select()
      .from(policies)
      .where(and(eq(policies.trustId, trustId), eq(policies.slug, 'staff-ict-aup')));
    assert.ok(aup);
    const current = await t.app.db
      .select()
      .from(assignments)
      .where(and(eq(assignments.trustId, trustId), eq(assignments.policyId, aup.id), isCurrentAssignment));
    assert.ok(current.length >= 50, `all staff are assigned (${current.length})`);
    const signed = current.filter((a) => a.acknowledgementId).length;
    const share = signed / current.length;
    assert.ok(share >= 0.6 && share <= 0.75, `about two thirds signed (${signed} of ${current.length})`);

    const records = await t.app.db.select().from(acknowledgements).where(eq(acknowledgements.trustId, trustId));
    const report = await verifyChain(t.app.db, trustId);
    assert.equal(report.problem, null);
    assert.equal(report.checked, records.length);
    const online = records.filter((r) => r.authMethod === 'magic_link');
    assert.ok(online.length >= 30);
    assert.ok(online.every((r) => r.ip && r.userAgent && r.typedName === r.personName && !r.imported));
    const imported = records.filter((r) => r.imported);
    assert.equal(imported.length, 3, 'September’s paper sheets, imported');
    assert.ok(imported.every((r) => r.authMethod === 'imported' && r.recordedByName === 'Amara Okafor' && r.signedAt.toISOString().startsWith('2026-09-0')));
    const paper = records.filter((r) => r.authMethod === 'paper');
    assert.equal(paper.length, 1);
    assert.equal(paper[0]?.recordedByName, 'David Hughes');
    assert.ok(paper[0]?.scanSha256);
  });

  test('some agreements are overdue, Ellie has agreements to sign and the personas have certificates', async () => {
    const trustId = await demoTrust();
    const today = londonToday();
    const overdue = (
      await t.app.db
        .select({ dueOn: assignments.dueOn })
        .from(assignments)
        .where(and(eq(assignments.trustId, trustId), isCurrentAssignment, isNull(assignments.acknowledgementId)))
    ).filter((a) => a.dueOn < today);
    assert.ok(overdue.length >= 3 && overdue.length <= 12, `a handful overdue (${overdue.length})`);

    const ellie = await outstandingFor(t.app.db, trustId, await personId(trustId, 'ellie.ward@oakfield.example'));
    assert.deepEqual(ellie.map((o) => o.policyTitle).sort(), ['Staff ICT Acceptable Use Agreement', 'Staff Laptop and Remote Working Agreement']);
    assert.ok(
      ellie.some((o) => o.dueOn < today),
      'one of Ellie’s is overdue',
    );

    for (const email of ['amara.okafor@oakfield.example', 'david.hughes@oakfield.example', 'priya.shah@oakfield.example']) {
      const id = await personId(trustId, email);
      const mine = await t.app.db
        .select()
        .from(acknowledgements)
        .where(and(eq(acknowledgements.trustId, trustId), eq(acknowledgements.personId, id)));
      assert.ok(mine.length >= 1, `${email} has signed something`);
      assert.deepEqual(await outstandingFor(t.app.db, trustId, id), [], `${email} has nothing left to sign`);
    }
  });

  test('concerns of every type in several states, a running ICO clock, a closed not-reportable breach, and non-compliance with a plan', async () => {
    const trust = (await t.app.db.select().from(trusts).where(eq(trusts.slug, 'oakfield')))[0];
    assert.ok(trust);
    const all = await t.app.db.select().from(concerns).where(eq(concerns.trustId, trust.id));
    assert.deepEqual(new Set(all.map((c) => c.type)), new Set(CONCERN_TYPE_CODES), 'every type');
    assert.deepEqual(new Set(all.map((c) => c.status)), new Set(['new', 'acknowledged', 'in_progress', 'closed']), 'every state');
    const clocks = await t.app.db.select().from(breaches).where(eq(breaches.trustId, trust.id));
    const running = clocks.find((b) => !b.decision);
    assert.ok(running && running.icoDueAt > new Date(), 'a breach whose ICO clock is running');
    const notReportable = clocks.find((b) => b.decision === 'not_reportable');
    assert.ok(notReportable?.decisionReasons, 'a breach judged not reportable, with reasons');
    assert.equal(all.find((c) => c.id === notReportable.concernId)?.status, 'closed');
    assert.ok(
      clocks.some((b) => b.decision === 'reportable' && b.icoReference),
      'a breach reported to the ICO',
    );
    const [nc] = await t.app.db.select().from(noncompliance).where(eq(noncompliance.trustId, trust.id));
    assert.ok(nc?.sourceConcernId && nc.clauseText, 'non-compliance from a concern, with the clause as it read');
    const plan = await t.app.db.select().from(actionPlanItems).where(eq(actionPlanItems.noncomplianceId, nc.id));
    assert.ok(plan.length >= 2 && plan.some((i) => i.doneAt) && plan.some((i) => !i.doneAt), 'an action plan, partly done');
    // What the DPO and the DSL see when they sign in.
    const dpo = await new Agent(t.app).signIn('tom.fletcher@oakfield.example');
    assert.match((await dpo.get('/breaches')).body, /due in \d+ hours/);
    const dsl = await new Agent(t.app).signIn('priya.shah@oakfield.example');
    assert.match((await dsl.get('/logbook')).body, /Inappropriate or harmful material found/);
  });

  test('a few dozen devices, loans (one overdue, one returned with a charger missing), personal devices and requests in each state', async () => {
    const trust = (await t.app.db.select().from(trusts).where(eq(trusts.slug, 'oakfield')))[0];
    assert.ok(trust);
    const devices = await t.app.db.select().from(assets).where(eq(assets.trustId, trust.id));
    assert.ok(devices.length >= 30, `a few dozen devices (${devices.length})`);
    const allLoans = await t.app.db.select().from(loans).where(eq(loans.trustId, trust.id));
    assert.ok(
      allLoans.some((l) => l.status === 'return_requested' && (l.returnDueAt?.getTime() ?? Infinity) < Date.now()),
      'one overdue return',
    );
    assert.ok(allLoans.some((l) => l.status === 'active'));
    assert.ok(allLoans.some((l) => l.status === 'awaiting_signature'));
    const returned = allLoans.find((l) => l.status === 'returned');
    assert.ok(returned);
    const [item] = await t.app.db.select().from(loanItems).where(eq(loanItems.loanId, returned.id));
    assert.deepEqual(item?.accessoriesMissing, ['Charger']);
    const personal = await t.app.db.select().from(byodDevices).where(eq(byodDevices.trustId, trust.id));
    assert.deepEqual(new Set(personal.map((d) => d.status)), new Set(['approved', 'pending', 'refused']));
    const asked = await t.app.db.select().from(requests).where(eq(requests.trustId, trust.id));
    assert.deepEqual(new Set(asked.map((r) => r.status)), new Set(['pending', 'approved', 'refused']));
    assert.ok((await t.app.db.select().from(cloudServices).where(eq(cloudServices.trustId, trust.id))).length >= 4, 'the register, with the approved request');
  });

  test('monitoring: three sources, alerts in every state (one escalated, noisy false positives), enhanced monitoring, sign-ins and a read log file', async () => {
    const trust = (await t.app.db.select().from(trusts).where(eq(trusts.slug, 'oakfield')))[0];
    assert.ok(trust);
    const sources = await t.app.db.select().from(monitoringSources).where(eq(monitoringSources.trustId, trust.id));
    assert.equal(sources.length, 3);
    const raised = await t.app.db.select().from(alerts).where(eq(alerts.trustId, trust.id));
    assert.ok(raised.length >= 20, `weeks of alerts (${raised.length})`);
    assert.deepEqual(new Set(raised.map((a) => a.status)), new Set(['open', 'acknowledged', 'closed']));
    assert.ok(
      raised.some((a) => a.concernId && a.outcome === 'true_positive'),
      'one escalated to a concern',
    );
    assert.ok(raised.filter((a) => a.outcome === 'false_positive').length >= 5, 'a noisy rule');
    assert.ok(
      raised.some((a) => a.severity === 'high' && a.status === 'open'),
      'a high alert to triage',
    );
    assert.ok(
      raised.some((a) => a.enhanced),
      'an alert about someone under enhanced monitoring',
    );
    assert.equal((await t.app.db.select().from(enhancedMonitoring).where(eq(enhancedMonitoring.trustId, trust.id))).length, 1);
    const signIns = await t.app.db.select().from(monitoringAuditEvents).where(eq(monitoringAuditEvents.trustId, trust.id));
    assert.ok(signIns.some((e) => e.kind === 'logon' && e.outcome === 'failure'));
    assert.ok(signIns.some((e) => e.kind === 'file_deletion'));
    const [upload] = await t.app.db.select().from(monitoringUploads).where(eq(monitoringUploads.trustId, trust.id));
    assert.equal(upload?.status, 'done');
    assert.equal(upload?.malformedCount, 1);
    // What the DSL sees when they sign in.
    const dsl = await new Agent(t.app).signIn('priya.shah@oakfield.example');
    assert.match((await dsl.get('/monitoring')).body, /Noisy rules/);
    assert.match((await dsl.get('/')).body, /monitoring alerts? to triage/);
  });
});
