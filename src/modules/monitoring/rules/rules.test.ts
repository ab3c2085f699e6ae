import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq, sql } from 'drizzle-orm';
import { Agent, createTestApp, type TestApp } from '../../../../test/app.ts';
import { makeTrustWithCast } from '../../../../test/factories.ts';
import { type MonitoringCast, makeAlert, monitoringCast } from '../../../../test/monitoring.ts';
import { auditEvents } from '../../../audit/schema.ts';
import { alerts, monitoringRules } from '../schema.ts';
import { RECOMMENDED } from './service.ts';
import { checkDomain, parseTerms } from './validation.ts';

let t: TestApp;
let cast: MonitoringCast;
let other: Awaited<ReturnType<typeof makeTrustWithCast>>;
let trustDsl: Agent;
let admin: Agent;
let dslA: Agent;
let headA: Agent;
let teacher: Agent;
let otherAdmin: Agent;

before(async () => {
  t = await createTestApp();
  cast = await monitoringCast(t.app.db, await makeTrustWithCast(t.app.db, 'alpha'));
  other = await makeTrustWithCast(t.app.db, 'beta');
  const signIn = (email: string) => new Agent(t.app).signIn(email);
  trustDsl = await signIn(cast.trustDsl.email);
  admin = await signIn(cast.admin.email);
  dslA = await signIn(cast.dslA.email);
  headA = await signIn(cast.headA.email);
  teacher = await signIn(cast.teacherA.email);
  otherAdmin = await signIn(other.admin.email);
});
after(() => t.close());

const rulesOf = (trustId: string) => t.app.db.select().from(monitoringRules).where(eq(monitoringRules.trustId, trustId));
const ruleNamed = async (name: string) => (await rulesOf(cast.trust.id)).find((r) => r.name === name);
const ruleAudits = (resourceId: string) =>
  t.app.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.resourceType, 'monitoring_rule'), eq(auditEvents.resourceId, resourceId)))
    .orderBy(auditEvents.at);

const domainRule = (extra: Record<string, string> = {}) => ({
  name: 'Betting sites',
  kind: 'domain',
  category: 'gambling',
  categoryOther: '',
  terms: '',
  severity: 'medium',
  action: 'any',
  timeMode: 'any',
  timeFrom: '',
  timeTo: '',
  appliesTo: 'everyone',
  ...extra,
});

async function post(agent: Agent, url: string, form: Record<string, string>) {
  await agent.get('/');
  return agent.post(url, form);
}
const idFrom = (location: unknown) => /^\/monitoring\/rules\/([0-9a-f-]{36})$/.exec(String(location))?.[1] ?? '';

describe('the rules list', () => {
  test('shows each rule: kind, what it matches, conditions, severity, on or off, and figures', async () => {
    const res = await trustDsl.get('/monitoring/rules');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<title>Alert rules – Countersign<\/title>/);
    assert.match(res.body, />Self-harm<\/a>/);
    assert.match(res.body, /Self-harm and suicide/);
    assert.match(res.body, /bet-example\.com, casino\.example \(as Gambling\)/);
    assert.match(res.body, /“knife”, “machete” \(as Weapons\)/);
    assert.match(res.body, />Always</);
    assert.match(res.body, /govuk-tag--red">High</);
    assert.match(res.body, /govuk-tag--green">On</);
    assert.match(res.body, /href="\/monitoring\/rules\/new"/);
    assert.match(res.body, /No outcomes yet/);
  });

  test('the DSL team of a school (and its head teacher) read it without the means to change it; others may not', async () => {
    for (const agent of [dslA, headA]) {
      const res = await agent.get('/monitoring/rules');
      assert.equal(res.statusCode, 200);
      assert.match(res.body, />Self-harm<\/a>/);
      assert.doesNotMatch(res.body, /href="\/monitoring\/rules\/new"|Add the recommended rules/);
      assert.match(res.body, /administrators change the rules/);
      const page = await agent.get(`/monitoring/rules/${cast.gamblingRule.id}`);
      assert.equal(page.statusCode, 200);
      assert.doesNotMatch(page.body, /Change the rule|Switch off/);
    }
    assert.equal((await teacher.get('/monitoring/rules')).statusCode, 403);
    assert.equal((await teacher.get(`/monitoring/rules/${cast.gamblingRule.id}`)).statusCode, 403);
    // Another trust's list is its own; its rule pages are not found.
    assert.doesNotMatch((await otherAdmin.get('/monitoring/rules')).body, />Self-harm<\/a>|Gambling sites/);
    assert.equal((await otherAdmin.get(`/monitoring/rules/${cast.gamblingRule.id}`)).statusCode, 404);
    assert.equal((await otherAdmin.get(`/monitoring/rules/${cast.gamblingRule.id}/edit`)).statusCode, 404);
    assert.equal((await trustDsl.get('/monitoring/rules/not-a-uuid')).statusCode, 404);
  });
});

describe('adding and changing rules', () => {
  test('a domain watchlist: lines normalised and repeats removed; audited with the rule', async () => {
    const form = await trustDsl.get('/monitoring/rules/new');
    assert.equal(form.statusCode, 200);
    // Without JavaScript every field is there, with hints saying which apply to which kind.
    for (const name of ['name', 'kind', 'category', 'categoryOther', 'terms', 'severity', 'action', 'timeMode', 'timeFrom', 'timeTo', 'appliesTo'])
      assert.match(form.body, new RegExp(`name="${name}"`), name);
    assert.match(form.body, /Only for a watchlist; leave empty for a category rule/);
    const res = await post(
      trustDsl,
      '/monitoring/rules/new',
      domainRule({ terms: 'https://WWW.Bet365-Example.com/sports\n\n  poker.example  \nPOKER.example.\n*.slots.example:443\n' }),
    );
    assert.equal(res.statusCode, 303, res.body.slice(0, 500));
    const id = idFrom(res.headers.location);
    const rule = await ruleNamed('Betting sites');
    assert.equal(rule?.id, id);
    assert.deepEqual(rule?.terms, ['www.bet365-example.com', 'poker.example', 'slots.example']);
    assert.equal(rule?.category, 'gambling');
    assert.equal(rule?.createdBy, cast.trustDsl.id);
    const [audit] = await ruleAudits(id);
    assert.ok(audit);
    assert.equal(audit?.action, 'monitoring_rule.created');
    assert.equal((audit.after as { terms: string[] }).terms.length, 3);
    assert.equal((audit.after as { severity: string }).severity, 'medium');
    const page = await trustDsl.get(`/monitoring/rules/${id}`);
    assert.match(page.body, /The rule ‘Betting sites’ is added/);
    assert.match(page.body, /Websites \(3\)/);
  });

  test('a keyword rule with conditions shows them in words; a category of the source’s own is kept as its code', async () => {
    const res = await post(
      admin,
      '/monitoring/rules/new',
      domainRule({
        name: 'Out-of-hours weapons',
        kind: 'keyword',
        category: 'weapons',
        terms: 'Crossbow\nzip   gun\ncrossbow',
        severity: 'high',
        action: 'blocked',
        timeMode: 'outside',
        timeFrom: '8:00',
        timeTo: '1600',
        appliesTo: 'enhanced',
      }),
    );
    assert.equal(res.statusCode, 303, res.body.slice(0, 500));
    const rule = await ruleNamed('Out-of-hours weapons');
    assert.deepEqual(rule?.terms, ['crossbow', 'zip gun']);
    assert.equal(rule?.timeFrom, '08:00');
    assert.equal(rule?.timeTo, '16:00');
    const list = await trustDsl.get('/monitoring/rules');
    assert.match(list.body, /Only when blocked, outside 08:00–16:00, only people under enhanced monitoring/);

    const gaming = await post(
      admin,
      '/monitoring/rules/new',
      domainRule({ name: 'Gaming', kind: 'category', category: 'other', categoryOther: 'Online Gaming', terms: 'ignored.example' }),
    );
    assert.equal(gaming.statusCode, 303);
    const row = await ruleNamed('Gaming');
    assert.equal(row?.category, 'online_gaming');
    assert.deepEqual(row?.terms, [], 'terms are not kept for a category rule');
    // Editing it shows "another category" with the code.
    const edit = await admin.get(`/monitoring/rules/${row?.id}/edit`);
    assert.match(edit.body, /<option value="other" selected="">/);
    assert.match(edit.body, /name="categoryOther"[^>]*value="online_gaming"/);
  });

  test('every field is checked; each bad watchlist line is named by its number; nothing is written', async () => {
    const count = (await rulesOf(cast.trust.id)).length;
    const cases: [Record<string, string>, Record<string, RegExp>][] = [
      [
        { name: '', kind: '', category: '', severity: '', action: '', timeMode: '', appliesTo: '' },
        {
          name: /Enter a name for the rule/,
          kind: /Choose what the rule looks for/,
          category: /Choose the category/,
          severity: /Choose the severity/,
          action: /blocked or allowed/,
          timeMode: /Choose when it applies/,
          appliesTo: /Choose who it applies to/,
        },
      ],
      [
        domainRule({ name: 'x', terms: 'good.example\nnot a domain\nfine.example\nhttp://\nlocalhost' }),
        {
          terms:
            /line 2 “not a domain” is not a website domain like example\.com; line 4 “http:\/\/” is not a website domain like example\.com; line 5 “localhost” is not a website domain/,
        },
      ],
      [domainRule({ name: 'x', terms: '\n \n' }), { terms: /Enter the website domains to look for, one on each line/ }],
      [domainRule({ name: 'x', kind: 'keyword', terms: 'knife\nab\n' }), { terms: /line 2 “ab” is too short/ }],
      [
        domainRule({ name: 'x', terms: Array.from({ length: 5001 }, (_, i) => `site${i}.example`).join('\n') }),
        { terms: /no more than 5,000 website domains \(there are 5,001 after removing repeats\)/ },
      ],
      [domainRule({ name: 'x', terms: 'a.example', timeMode: 'inside' }), { timeFrom: /Enter the start time/, timeTo: /Enter the end time/ }],
      [
        domainRule({ name: 'x', terms: 'a.example', timeMode: 'inside', timeFrom: '25:00', timeTo: '4pm' }),
        { timeFrom: /24-hour format/, timeTo: /24-hour format/ },
      ],
      [domainRule({ name: 'x', terms: 'a.example', timeMode: 'outside', timeFrom: '09:00', timeTo: '9:00' }), { timeTo: /different from the start time/ }],
      [domainRule({ name: 'sELF-harm', terms: 'a.example' }), { name: /already a rule with this name/ }],
      [domainRule({ name: 'x', category: 'other', categoryOther: '' }), { categoryOther: /Enter the category as your filtering product names it/ }],
      [domainRule({ name: 'x', category: 'made_up', terms: 'a.example' }), { category: /Choose the category of the alerts it raises/ }],
    ];
    for (const [form, expected] of cases) {
      const res = await post(trustDsl, '/monitoring/rules/new', form);
      assert.equal(res.statusCode, 422, JSON.stringify(form).slice(0, 200));
      assert.match(res.body, /<title>Error: Add a rule/);
      for (const [field, message] of Object.entries(expected)) {
        assert.match(res.body, new RegExp(`href="#f-${field}"`), field);
        assert.match(res.body, message, field);
      }
    }
    // More than ten bad lines: the first ten named, the rest counted.
    const many = await post(trustDsl, '/monitoring/rules/new', domainRule({ name: 'x', terms: Array.from({ length: 13 }, (_, i) => `bad ${i}`).join('\n') }));
    assert.match(many.body, /line 10 “bad 9” is not a website domain like example\.com; and 3 more lines/);
    assert.equal((await rulesOf(cast.trust.id)).length, count);
  });

  test('the terms check on its own', () => {
    assert.equal(checkDomain('Bücher.Example'), 'xn--bcher-kva.example');
    assert.equal(checkDomain('-bad-.example'), null);
    assert.equal(checkDomain('under_score.example'), null);
    assert.deepEqual(parseTerms('keyword', 'Hurt  Myself\nhurt myself'), { terms: ['hurt myself'] });
  });

  test('changing a rule: audited before and after; the name must stay unique, its own name is fine', async () => {
    const rule = await ruleNamed('Betting sites');
    assert.ok(rule);
    const form = await admin.get(`/monitoring/rules/${rule.id}/edit`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /poker\.example/);
    const clash = await post(admin, `/monitoring/rules/${rule.id}/edit`, domainRule({ name: 'GAMBLING SITES', terms: 'poker.example' }));
    assert.equal(clash.statusCode, 422);
    assert.match(clash.body, /already a rule with this name/);
    const res = await post(
      admin,
      `/monitoring/rules/${rule.id}/edit`,
      domainRule({ name: 'Betting sites', terms: 'poker.example\nroulette.example', severity: 'high' }),
    );
    assert.equal(res.statusCode, 303);
    const after = await ruleNamed('Betting sites');
    assert.deepEqual(after?.terms, ['poker.example', 'roulette.example']);
    assert.equal(after?.severity, 'high');
    const audit = (await ruleAudits(rule.id)).find((a) => a.action === 'monitoring_rule.updated');
    assert.ok(audit);
    assert.equal((audit.before as { severity: string }).severity, 'medium');
    assert.equal((audit.after as { severity: string }).severity, 'high');
    assert.deepEqual((audit.after as { terms: string[] }).terms, ['poker.example', 'roulette.example']);
  });

  test('switching a rule off and on needs a reason, which the history keeps', async () => {
    const id = cast.weaponsRule.id;
    const page = await trustDsl.get(`/monitoring/rules/${id}`);
    assert.match(page.body, /Switch the rule off/);
    const missing = await trustDsl.post(`/monitoring/rules/${id}/enabled`, { enabled: 'no', reason: '' });
    assert.equal(missing.statusCode, 422);
    assert.match(missing.body, /Say why the rule is being switched off/);
    assert.equal((await ruleNamed('Weapon words'))?.enabled, true);

    const off = await trustDsl.post(`/monitoring/rules/${id}/enabled`, { enabled: 'no', reason: 'Kitchen knives in recipe sites' });
    assert.equal(off.statusCode, 303);
    assert.equal((await ruleNamed('Weapon words'))?.enabled, false);
    const again = await trustDsl.post(`/monitoring/rules/${id}/enabled`, { enabled: 'no', reason: 'Twice' });
    assert.equal(again.statusCode, 422);
    assert.match(again.body, /already off/);
    const list = await trustDsl.get('/monitoring/rules');
    assert.match(list.body, /govuk-tag--grey">Off</);
    const on = await admin.post(`/monitoring/rules/${id}/enabled`, { enabled: 'yes', reason: 'Narrowed with a time condition instead' });
    assert.equal(on.statusCode, 303);
    assert.equal((await ruleNamed('Weapon words'))?.enabled, true);
    const audits = await ruleAudits(id);
    assert.deepEqual(
      audits.map((a) => [a.before, a.after]),
      [
        [{ enabled: true }, { enabled: false, reason: 'Kitchen knives in recipe sites' }],
        [{ enabled: false }, { enabled: true, reason: 'Narrowed with a time condition instead' }],
      ],
    );
    const history = await trustDsl.get(`/monitoring/rules/${id}`);
    assert.match(history.body, /switched off: Kitchen knives in recipe sites/);
    assert.match(history.body, /switched on: Narrowed with a time condition instead/);
  });

  test('only the trust DSL and administrators change rules; another trust gets not found', async () => {
    const id = cast.gamblingRule.id;
    for (const agent of [dslA, headA, teacher]) {
      assert.equal((await agent.get('/monitoring/rules/new')).statusCode, 403);
      assert.equal((await post(agent, '/monitoring/rules/new', domainRule({ name: 'Sneaky', terms: 'a.example' }))).statusCode, 403);
      assert.equal((await agent.get(`/monitoring/rules/${id}/edit`)).statusCode, 403);
      assert.equal((await post(agent, `/monitoring/rules/${id}/edit`, domainRule({ name: 'Sneaky', terms: 'a.example' }))).statusCode, 403);
      assert.equal((await post(agent, `/monitoring/rules/${id}/enabled`, { enabled: 'no', reason: 'x' })).statusCode, 403);
      assert.equal((await post(agent, '/monitoring/rules/recommended', {})).statusCode, 403);
    }
    assert.equal((await post(otherAdmin, `/monitoring/rules/${id}/edit`, domainRule({ name: 'Sneaky', terms: 'a.example' }))).statusCode, 404);
    assert.equal((await post(otherAdmin, `/monitoring/rules/${id}/enabled`, { enabled: 'no', reason: 'x' })).statusCode, 404);
    assert.equal(await ruleNamed('Sneaky'), undefined);
    assert.equal((await ruleNamed('Gambling sites'))?.enabled, true);
  });
});

describe('figures and noisy rules', () => {
  test('alerts raised (all and 30 days), with an outcome and false positives per rule; noisy rules highlighted', async () => {
    const outcome = async (id: string, value: 'true_positive' | 'false_positive') =>
      t.app.db
        .update(alerts)
        .set({ outcome: value, outcomeNote: value === 'false_positive' ? 'Nothing in it' : null, outcomeAt: new Date() })
        .where(eq(alerts.id, id));
    const gambling = [];
    for (let i = 0; i < 6; i++) gambling.push(await makeAlert(t.app.db, cast, { ruleId: cast.gamblingRule.id, category: 'gambling', severity: 'medium' }));
    for (const a of gambling.slice(0, 4)) await outcome(a.id, 'false_positive');
    await outcome(gambling[4]?.id as string, 'true_positive');
    // One raised 40 days ago.
    await t.app.db
      .update(alerts)
      .set({ createdAt: sql`now() - interval '40 days'` })
      .where(eq(alerts.id, gambling[5]?.id as string));
    const weapons = [await makeAlert(t.app.db, cast, { ruleId: cast.weaponsRule.id }), await makeAlert(t.app.db, cast, { ruleId: cast.weaponsRule.id })];
    await outcome(weapons[0]?.id as string, 'false_positive');
    await outcome(weapons[1]?.id as string, 'true_positive');

    const list = await trustDsl.get('/monitoring/rules');
    const row = (name: string) => new RegExp(`>${name}</a>.*?</tr>`).exec(list.body)?.[0] ?? '';
    const gamblingRow = row('Gambling sites');
    assert.match(gamblingRow, />6<br\/><span class="govuk-body-s cs-muted">5 in 30 days</);
    assert.match(gamblingRow, /4 of 5 given an outcome \(80%\) <strong class="govuk-tag govuk-tag--red">Noisy</);
    const weaponsRow = row('Weapon words');
    assert.match(weaponsRow, /1 of 2 given an outcome \(50%\)/);
    assert.doesNotMatch(weaponsRow, /Noisy/, 'fewer than 5 outcomes');
    assert.match(list.body, /1 rule is noisy.*Gambling sites/s);

    const page = await trustDsl.get(`/monitoring/rules/${cast.gamblingRule.id}`);
    assert.match(page.body, /6 in all, 5 in the last 30 days/);
    assert.match(page.body, /4 \(80% of those with an outcome\)/);
    assert.match(page.body, /This rule is noisy/);
    for (const a of gambling) assert.match(page.body, new RegExp(`href="/monitoring/alerts/${a.reference}"`));
    // The administrator changes rules but receives no alerts: figures yes, the alerts themselves no.
    const adminPage = await admin.get(`/monitoring/rules/${cast.gamblingRule.id}`);
    assert.match(adminPage.body, /6 in all/);
    assert.doesNotMatch(adminPage.body, /href="\/monitoring\/alerts\//);
    assert.match(adminPage.body, /no alerts from this rule that you can open/);
  });
});

describe('the recommended rules', () => {
  test('a trust with no rules adds one per category with the recommended severities; pressing again adds nothing', async () => {
    const list = await otherAdmin.get('/monitoring/rules');
    assert.match(list.body, /There are no rules yet/);
    assert.match(list.body, /Add the recommended rules/);
    const res = await otherAdmin.post('/monitoring/rules/recommended', {});
    assert.equal(res.statusCode, 303);
    const rules = await rulesOf(other.trust.id);
    assert.equal(rules.length, Object.keys(RECOMMENDED).length);
    assert.deepEqual(Object.fromEntries(rules.map((r) => [r.category, r.severity])), RECOMMENDED);
    assert.ok(rules.every((r) => r.kind === 'category' && r.enabled && r.action === 'any' && r.appliesTo === 'everyone'));
    assert.ok(!rules.some((r) => r.category === 'uncategorised' || r.category === 'malware'));
    assert.equal(RECOMMENDED.self_harm, 'high');
    assert.equal(RECOMMENDED.extremism, 'high');
    assert.equal(RECOMMENDED.child_abuse, 'high');
    const audits = await t.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.trustId, other.trust.id), eq(auditEvents.action, 'monitoring_rule.created')));
    assert.equal(audits.length, rules.length);

    const again = await otherAdmin.post('/monitoring/rules/recommended', {});
    assert.equal(again.statusCode, 303);
    assert.match((await otherAdmin.get('/monitoring/rules')).body, /You already have all the recommended rules/);
    assert.equal((await rulesOf(other.trust.id)).length, rules.length);
    assert.doesNotMatch((await otherAdmin.get('/monitoring/rules')).body, /Add the recommended rules/);
  });

  test('a trust with some rules gets only the missing ones (by name, and never a second rule for a category it has)', async () => {
    const before = await rulesOf(cast.trust.id);
    const res = await post(trustDsl, '/monitoring/rules/recommended', {});
    assert.equal(res.statusCode, 303);
    const after = await rulesOf(cast.trust.id);
    const added = after.filter((r) => !before.some((b) => b.id === r.id));
    // "Self-harm" covers self_harm already.
    assert.equal(added.length, Object.keys(RECOMMENDED).length - 1);
    assert.ok(!added.some((r) => r.category === 'self_harm'));
    assert.equal(added.filter((r) => r.name === 'Gambling').length, 1, 'a domain watchlist with category gambling does not cover the category rule');
  });
});
