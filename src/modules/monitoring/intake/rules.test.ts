import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { hostOf, type MonitoringEvent } from '../events.ts';
import { compileRules, inWindow, londonDay, londonMinuteOfDay, normaliseDomain, normaliseKeyword, type RuleRow } from './rules.ts';

let created = Date.UTC(2026, 0, 1);
/** A rule row as the table holds it; each one created a minute after the last. */
function rule(spec: Partial<RuleRow> & Pick<RuleRow, 'kind' | 'category'>): RuleRow {
  created += 60_000;
  return {
    id: randomUUID(),
    trustId: randomUUID(),
    name: spec.name ?? `${spec.kind} ${spec.category}`,
    terms: [],
    severity: 'medium',
    action: 'any',
    timeMode: 'any',
    timeFrom: null,
    timeTo: null,
    appliesTo: 'everyone',
    enabled: true,
    createdBy: null,
    createdAt: new Date(created),
    updatedAt: new Date(created),
    ...spec,
  };
}

function web(extra: Partial<MonitoringEvent> = {}): MonitoringEvent {
  const url = extra.url ?? 'https://news.example/today';
  return { kind: 'web', occurredAt: new Date('2026-03-02T10:00:00Z'), username: 'tess', category: 'uncategorised', url, host: hostOf(url), ...extra };
}
const everyone = { enhanced: false };

describe('rule kinds', () => {
  test('a category rule matches its category only', () => {
    const selfHarm = rule({ kind: 'category', category: 'self_harm', severity: 'high', name: 'Self-harm' });
    const m = compileRules([selfHarm]);
    const hit = m.match(web({ category: 'self_harm' }), everyone);
    assert.deepEqual(hit, { rule: selfHarm, severity: 'high', category: 'self_harm', matched: 'category self_harm' });
    assert.equal(m.match(web({ category: 'gambling' }), everyone), null);
    assert.equal(m.match(web(), everyone), null);
  });

  test('a category rule written as a label still matches the code', () => {
    const m = compileRules([rule({ kind: 'category', category: 'Self Harm' })]);
    assert.equal(m.match(web({ category: 'self_harm' }), everyone)?.category, 'self_harm');
  });

  test('a domain rule matches the domain and its subdomains, never a look-alike', () => {
    const gambling = rule({ kind: 'domain', category: 'gambling', terms: ['bet-example.com', 'casino.example'] });
    const m = compileRules([gambling]);
    const at = (url: string) => m.match(web({ url, host: hostOf(url) }), everyone);
    assert.equal(at('https://bet-example.com/')?.matched, 'domain bet-example.com');
    assert.equal(at('https://www.bet-example.com/odds')?.matched, 'domain bet-example.com');
    assert.equal(at('http://a.b.casino.example:8080/x')?.matched, 'domain casino.example');
    assert.equal(at('casino.example:443')?.category, 'gambling', 'a CONNECT target');
    assert.equal(at('https://notbet-example.com/'), null, 'not a subdomain');
    assert.equal(at('https://bet-example.com.evil.example/'), null);
    assert.equal(at('https://news.example/?q=bet-example.com'), null, 'only the host counts');
    // The host is worked out when the reader did not.
    assert.equal(m.match({ ...web({ url: 'https://WWW.Bet-Example.com/' }), host: undefined }, everyone)?.matched, 'domain bet-example.com');
  });

  test('the most specific domain of a rule is what it says it matched', () => {
    const m = compileRules([rule({ kind: 'domain', category: 'gambling', terms: ['example.com', 'bets.example.com'] })]);
    assert.equal(m.match(web({ url: 'https://x.bets.example.com/', host: 'x.bets.example.com' }), everyone)?.matched, 'domain bets.example.com');
  });

  test('a keyword rule finds a term in the address or the detail, whatever the case', () => {
    const weapons = rule({ kind: 'keyword', category: 'weapons', terms: ['knife', 'Machete', 'hurt myself'], severity: 'low' });
    const m = compileRules([weapons]);
    const at = (extra: Partial<MonitoringEvent>) => m.match(web(extra), everyone);
    assert.equal(at({ url: 'https://shop.example/KNIVES-and-Knife-sets' })?.matched, 'keyword “knife”');
    assert.equal(at({ url: 'https://search.example/?q=buy+a+machete' })?.matched, 'keyword “machete”');
    assert.equal(at({ detail: 'Typed: where to get a KNIFE' })?.category, 'weapons');
    for (const url of ['https://s.example/?q=hurt+myself', 'https://s.example/hurt-myself', 'https://s.example/hurt%20myself', 'https://s.example/hurt_myself'])
      assert.equal(at({ url })?.matched, 'keyword “hurt myself”', url);
    assert.equal(at({ url: 'https://s.example/hurtmyself' }), null, 'a phrase needs its words apart');
    assert.equal(at({ url: 'https://s.example/kni-fe' }), null);
    assert.equal(at({ url: undefined, host: undefined, detail: undefined }), null);
  });

  test('keywords with characters that mean something in a pattern are taken literally', () => {
    const m = compileRules([rule({ kind: 'keyword', category: 'other', terms: ['c++ (cheats)', 'a.b'] })]);
    assert.equal(m.match(web({ url: 'https://x.example/c++ (cheats)' }), everyone)?.matched, 'keyword “c++ (cheats)”');
    assert.equal(m.match(web({ url: 'https://x.example/a.b' }), everyone)?.matched, 'keyword “a.b”');
    assert.equal(m.match(web({ url: 'https://x.example/axb' }), everyone), null, 'a dot is a dot');
  });

  test('audit kinds are never matched', () => {
    const m = compileRules([rule({ kind: 'category', category: 'uncategorised' })]);
    assert.ok(m.match(web(), everyone));
    assert.equal(m.match({ ...web(), kind: 'logon', outcome: 'failure' }, everyone), null);
    assert.equal(m.match({ ...web(), kind: 'file_deletion', path: '/x' }, everyone), null);
  });

  test('disabled rules never match, and rules with nothing to match are left out', () => {
    const m = compileRules([
      rule({ kind: 'category', category: 'self_harm', enabled: false }),
      rule({ kind: 'domain', category: 'gambling', terms: ['bet-example.com'], enabled: false }),
      rule({ kind: 'keyword', category: 'weapons', terms: ['knife'], enabled: false }),
      rule({ kind: 'keyword', category: 'weapons', terms: ['  '] }),
    ]);
    assert.equal(m.size, 0);
    assert.equal(m.match(web({ category: 'self_harm', url: 'https://bet-example.com/knife', host: 'bet-example.com' }), everyone), null);
  });
});

describe('conditions', () => {
  test('blocked or allowed; an event without an action counts as allowed', () => {
    const blocked = rule({ kind: 'category', category: 'drugs', action: 'blocked' });
    const allowed = rule({ kind: 'category', category: 'hate', action: 'allowed' });
    const m = compileRules([blocked, allowed]);
    assert.ok(m.match(web({ category: 'drugs', action: 'blocked' }), everyone));
    assert.equal(m.match(web({ category: 'drugs', action: 'allowed' }), everyone), null);
    assert.equal(m.match(web({ category: 'drugs' }), everyone), null);
    assert.ok(m.match(web({ category: 'hate' }), everyone));
    assert.ok(m.match(web({ category: 'hate', action: 'allowed' }), everyone));
    assert.equal(m.match(web({ category: 'hate', action: 'blocked' }), everyone), null);
  });

  test('inside a daytime window, in London time: the same UTC instant is inside in winter and outside in summer', () => {
    const m = compileRules([rule({ kind: 'category', category: 'gambling', timeMode: 'inside', timeFrom: '09:00', timeTo: '15:30' })]);
    const at = (iso: string) => m.match(web({ category: 'gambling', occurredAt: new Date(iso) }), everyone) !== null;
    assert.equal(at('2026-01-15T08:30:00Z'), false, '08:30 GMT');
    assert.equal(at('2026-07-15T08:30:00Z'), true, '09:30 BST');
    assert.equal(at('2026-01-15T09:00:00Z'), true, 'from is inside');
    assert.equal(at('2026-01-15T15:29:00Z'), true);
    assert.equal(at('2026-01-15T15:30:00Z'), false, 'to is not');
    assert.equal(at('2026-07-15T14:45:00Z'), false, '15:45 BST');
  });

  test('a window from evening to morning wraps past midnight; outside is the rest of the day', () => {
    const inside = compileRules([rule({ kind: 'category', category: 'pornography', timeMode: 'inside', timeFrom: '22:00', timeTo: '06:00' })]);
    const outside = compileRules([rule({ kind: 'category', category: 'pornography', timeMode: 'outside', timeFrom: '22:00', timeTo: '06:00' })]);
    const cases: [string, boolean][] = [
      ['2026-01-15T23:30:00Z', true], // 23:30 GMT
      ['2026-01-15T02:00:00Z', true],
      ['2026-01-15T05:59:00Z', true],
      ['2026-01-15T06:00:00Z', false],
      ['2026-01-15T21:30:00Z', false], // 21:30 GMT
      ['2026-07-15T21:30:00Z', true], // 22:30 BST
      ['2026-07-15T05:30:00Z', false], // 06:30 BST
      ['2026-01-15T12:00:00Z', false],
    ];
    for (const [iso, isInside] of cases) {
      const e = web({ category: 'pornography', occurredAt: new Date(iso) });
      assert.equal(inside.match(e, everyone) !== null, isInside, `inside at ${iso}`);
      assert.equal(outside.match(e, everyone) !== null, !isInside, `outside at ${iso}`);
    }
  });

  test('a rule with a time condition whose times are not HH:MM never matches', () => {
    const m = compileRules([rule({ kind: 'category', category: 'drugs', timeMode: 'inside', timeFrom: '9am', timeTo: '17:00' })]);
    assert.equal(m.size, 0);
    assert.equal(m.match(web({ category: 'drugs' }), everyone), null);
  });

  test('a rule for people under enhanced monitoring only matches them', () => {
    const m = compileRules([rule({ kind: 'category', category: 'uncategorised', appliesTo: 'enhanced', severity: 'low' })]);
    assert.equal(m.match(web(), everyone), null);
    assert.equal(m.match(web(), { enhanced: true })?.severity, 'medium', 'and is raised a step for them');
  });
});

describe('severity', () => {
  test('when several rules match, the highest severity wins; on a tie, the earliest created', () => {
    const low = rule({ kind: 'keyword', category: 'weapons', terms: ['knife'], severity: 'low', name: 'Weapon words' });
    const high = rule({ kind: 'domain', category: 'self_harm', terms: ['harm.example'], severity: 'high', name: 'Harm sites' });
    const mediumFirst = rule({ kind: 'category', category: 'violence', severity: 'medium', name: 'Violence (first)' });
    const mediumSecond = rule({ kind: 'keyword', category: 'violence', terms: ['fight'], severity: 'medium', name: 'Fight words (second)' });
    const both = { url: 'https://harm.example/knife', host: 'harm.example' };
    // Whatever order the rows come in.
    for (const rows of [
      [low, high, mediumFirst, mediumSecond],
      [mediumSecond, mediumFirst, high, low],
    ]) {
      const m = compileRules(rows);
      assert.equal(m.match(web(both), everyone)?.rule.name, 'Harm sites');
      assert.equal(m.match(web({ url: 'https://x.example/knife-fight', category: 'violence' }), everyone)?.rule.name, 'Violence (first)');
      assert.equal(m.match(web({ url: 'https://x.example/knife-fight' }), everyone)?.rule.name, 'Fight words (second)');
      assert.equal(m.match(web({ url: 'https://x.example/knife' }), everyone)?.rule.name, 'Weapon words');
    }
  });

  test('a rule whose conditions fail gives way to a lower one whose conditions hold', () => {
    const highBlocked = rule({ kind: 'category', category: 'drugs', severity: 'high', action: 'blocked', name: 'Blocked drugs' });
    const lowAny = rule({ kind: 'category', category: 'drugs', severity: 'low', name: 'Any drugs' });
    const m = compileRules([highBlocked, lowAny]);
    assert.equal(m.match(web({ category: 'drugs', action: 'allowed' }), everyone)?.rule.name, 'Any drugs');
    assert.equal(m.match(web({ category: 'drugs', action: 'blocked' }), everyone)?.rule.name, 'Blocked drugs');
  });

  test('the source’s severity raises the rule’s, never lowers it', () => {
    const m = compileRules([rule({ kind: 'category', category: 'bullying', severity: 'medium' })]);
    assert.equal(m.match(web({ category: 'bullying', severity: 'high' }), everyone)?.severity, 'high');
    assert.equal(m.match(web({ category: 'bullying', severity: 'low' }), everyone)?.severity, 'medium');
    assert.equal(m.match(web({ category: 'bullying' }), everyone)?.severity, 'medium');
  });

  test('enhanced monitoring raises one step, never past high', () => {
    const m = compileRules([rule({ kind: 'category', category: 'bullying', severity: 'low' }), rule({ kind: 'category', category: 'hate', severity: 'high' })]);
    assert.equal(m.match(web({ category: 'bullying' }), { enhanced: true })?.severity, 'medium');
    assert.equal(m.match(web({ category: 'bullying', severity: 'medium' }), { enhanced: true })?.severity, 'high');
    assert.equal(m.match(web({ category: 'hate' }), { enhanced: true })?.severity, 'high');
  });
});

describe('London time and terms', () => {
  test('the London date and minute of the day, across both clock changes', () => {
    assert.equal(londonDay(Date.parse('2026-07-01T23:30:00Z')), '2026-07-02');
    assert.equal(londonDay(Date.parse('2026-01-01T23:30:00Z')), '2026-01-01');
    assert.equal(londonMinuteOfDay(Date.parse('2026-03-29T00:59:00Z')), 59, '00:59 GMT');
    assert.equal(londonMinuteOfDay(Date.parse('2026-03-29T01:00:00Z')), 120, '02:00 BST');
    assert.equal(londonMinuteOfDay(Date.parse('2026-10-25T00:30:00Z')), 90, '01:30 BST');
    assert.equal(londonMinuteOfDay(Date.parse('2026-10-25T01:30:00Z')), 90, '01:30 GMT again');
    assert.equal(londonDay(Date.parse('2026-10-24T23:30:00Z')), '2026-10-25', '00:30 BST on the 25th');
    assert.ok(inWindow(0, 1380, 60) && !inWindow(60, 1380, 60) && inWindow(1380, 1380, 60));
  });

  test('domains and keywords are normalised as the rules form keeps them', () => {
    assert.equal(normaliseDomain(' https://WWW.Bet-Example.com:8443/odds?x=1 '), 'www.bet-example.com');
    assert.equal(normaliseDomain('*.casino.example.'), 'casino.example');
    assert.equal(normaliseDomain('.casino.example'), 'casino.example');
    assert.equal(normaliseDomain('user@host.example/path'), 'host.example');
    assert.equal(normaliseDomain('   '), '');
    assert.equal(normaliseKeyword('  Hurt   Myself '), 'hurt myself');
  });
});
