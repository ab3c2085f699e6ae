import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Clause, emptyContent, type PolicyContent } from '../content.ts';
import { compareClauses, compareContent, compareLists, pairClauses, similarity, summariseCounts, wordDiff } from './compare.ts';

const clause = (id: string, fields: Partial<Clause> = {}): Clause => ({
  id,
  number: null,
  heading: null,
  text: '',
  topics: [],
  children: [],
  ...fields,
});
const content = (changes: Partial<PolicyContent>): PolicyContent => ({ ...emptyContent(), ...changes });
const flat = (clauses: Clause[]) => clauses.map((c) => ({ clause: c, depth: 0 }));

describe('word diff', () => {
  test('marks inserted and deleted words, keeping the rest', () => {
    assert.deepEqual(wordDiff('Staff must not share passwords.', 'Staff must never share their passwords.'), [
      { kind: 'same', text: 'Staff must ' },
      { kind: 'del', text: 'not' },
      { kind: 'ins', text: 'never' },
      { kind: 'same', text: ' share ' },
      { kind: 'ins', text: 'their ' },
      { kind: 'same', text: 'passwords.' },
    ]);
  });

  test('identical, empty and one-sided texts', () => {
    assert.deepEqual(wordDiff('Same', 'Same'), [{ kind: 'same', text: 'Same' }]);
    assert.deepEqual(wordDiff('', ''), []);
    assert.deepEqual(wordDiff('', 'New'), [{ kind: 'ins', text: 'New' }]);
    assert.deepEqual(wordDiff('Old', ''), [{ kind: 'del', text: 'Old' }]);
  });

  test('gives up politely on texts too different to diff quickly', () => {
    const a = Array.from({ length: 6000 }, (_, i) => `a${i}`).join(' ');
    const b = Array.from({ length: 6000 }, (_, i) => `b${i}`).join(' ');
    const parts = wordDiff(a, b);
    assert.deepEqual(
      parts.map((p) => p.kind),
      ['del', 'ins'],
    );
  });

  test('similarity counts shared words', () => {
    assert.equal(similarity('a b c d', 'a b c d'), 1);
    assert.equal(similarity('a b c d', 'a b x y'), 0.5);
    assert.equal(similarity('one two', 'three four'), 0);
  });
});

describe('lists of statements', () => {
  test('kept, added, removed and reworded items', () => {
    const result = compareLists(
      ['Lock your screen when you leave it.', 'Never share passwords.', 'Report concerns to the DSL.'],
      ['Lock your screen when you leave it.', 'Never share your passwords with anyone.', 'Use school email for school work.'],
    );
    assert.deepEqual(
      result.map((r) => r.kind),
      ['same', 'changed', 'removed', 'added'],
    );
    assert.ok(result[1]?.parts.some((p) => p.kind === 'ins' && p.text.includes('your')));
    assert.deepEqual(compareLists([], []), []);
    assert.deepEqual(
      compareLists(['a'], ['a', 'b']).map((r) => r.kind),
      ['same', 'added'],
    );
  });
});

describe('pairing clauses', () => {
  test('by id first, whatever the numbers and headings say', () => {
    const before = flat([clause('x', { number: '4', heading: 'Email' })]);
    const after = flat([clause('x', { number: '5', heading: 'Electronic mail' })]);
    assert.equal(pairClauses(before, after).get(before[0]!), after[0]);
  });

  test('then by number and heading, then by a heading found once on each side', () => {
    const before = flat([
      clause('a1', { number: '4', heading: 'Email' }),
      clause('a2', { number: '7', heading: 'Monitoring' }),
      clause('a3', { number: '8', heading: 'General' }),
      clause('a4', { number: '9', heading: 'General' }),
    ]);
    const after = flat([
      clause('b1', { number: '4', heading: 'email ' }),
      clause('b2', { number: '8', heading: 'Monitoring' }),
      clause('b3', { number: '10', heading: 'General' }),
      clause('b4', { number: '11', heading: 'General' }),
    ]);
    const pairs = pairClauses(before, after);
    assert.equal(pairs.get(before[0]!)?.clause.id, 'b1', 'number and heading, case and spaces ignored');
    assert.equal(pairs.get(before[1]!)?.clause.id, 'b2', 'renumbered, same heading');
    assert.equal(pairs.has(before[2]!), false, 'a heading found twice is not enough');
    assert.equal(pairs.has(before[3]!), false);
  });
});

describe('comparing clauses', () => {
  const before = [
    clause('1', {
      number: '1',
      heading: 'Passwords',
      text: 'Staff must not share passwords.',
      topics: ['passwords'],
      children: [clause('1.1', { number: '1.1', text: 'Use a passphrase.' }), clause('1.2', { number: '1.2', text: 'Change it yearly.' })],
    }),
    clause('2', { number: '2', heading: 'Email', text: 'Use school email.' }),
    clause('3', { number: '3', heading: 'Old section', text: 'Gone soon.' }),
  ];
  const after = [
    clause('1', {
      number: '1',
      heading: 'Passwords',
      text: 'Staff must never share passwords.',
      topics: ['passwords', 'reporting'],
      children: [clause('1.1', { number: '1.1', text: 'Use a passphrase.' }), clause('new', { number: '1.3', text: 'Use the password manager.' })],
    }),
    clause('2', { number: '2', heading: 'Email', text: 'Use school email.' }),
  ];

  test('added, removed, changed and unchanged, in the newer order with removals in place', () => {
    const result = compareClauses(before, after);
    assert.deepEqual(
      result.map((r) => `${r.kind}:${'to' in r ? r.to.clause.id : r.from.clause.id}`),
      ['changed:1', 'unchanged:1.1', 'removed:1.2', 'added:new', 'unchanged:2', 'removed:3'],
    );
    const changed = result[0];
    assert.ok(changed?.kind === 'changed');
    assert.deepEqual(changed.topicsAdded, ['reporting']);
    assert.deepEqual(changed.topicsRemoved, []);
    assert.ok(changed.text.some((p) => p.kind === 'del' && p.text === 'not'));
    assert.ok(changed.text.some((p) => p.kind === 'ins' && p.text === 'never'));
    assert.equal(result[3]?.kind === 'added' && result[3].to.depth, 1);
  });

  test('a change in paragraphs only is a change, said to be layout only', () => {
    const result = compareClauses([clause('1', { text: 'One.\n\nTwo.' })], [clause('1', { text: 'One.\nTwo.' })]);
    assert.equal(result[0]?.kind, 'changed');
    assert.ok(result[0]?.kind === 'changed' && result[0].layoutOnly);
  });

  test('a renamed heading shows in the heading diff', () => {
    const [r] = compareClauses(
      [clause('1', { number: '4', heading: 'Email', text: 'x' })],
      [clause('1', { number: '4.1', heading: 'School Email', text: 'x' })],
    );
    assert.ok(r?.kind === 'changed');
    assert.deepEqual(r.heading, [
      { kind: 'ins', text: 'School ' },
      { kind: 'same', text: 'Email' },
    ]);
    assert.deepEqual(r.number, [
      { kind: 'same', text: '4' },
      { kind: 'ins', text: '.1' },
    ]);
  });
});

describe('comparing whole versions', () => {
  test('counts, the other parts, and the summary line', () => {
    const a = content({
      keyPoints: ['Keep passwords private'],
      sections: [clause('1', { heading: 'A', text: 'a' }), clause('2', { heading: 'B', text: 'b' }), clause('3', { heading: 'C', text: 'c' })],
      agreementStatements: ['I agree'],
    });
    const b = content({
      keyPoints: ['Keep passwords private'],
      sections: [clause('1', { heading: 'A', text: 'a changed' }), clause('2', { heading: 'B', text: 'b' }), clause('4', { heading: 'D', text: 'd' })],
      agreementStatements: ['I agree'],
      declaration: { wording: 'I have read it.', fields: ['Name', 'Date'] },
    });
    const result = compareContent(a, b);
    assert.deepEqual(result.counts, { changed: 1, added: 1, removed: 1, unchanged: 1 });
    assert.deepEqual(result.otherChanges, ['declaration']);
    assert.equal(result.declaration.wordingChanged, true);
    assert.deepEqual(
      result.declaration.fields.map((f) => f.kind),
      ['same', 'removed', 'removed', 'same'],
    );
    assert.equal(summariseCounts(result.counts), '1 clause changed, 1 added, 1 removed');
    assert.equal(summariseCounts({ changed: 3, added: 1, removed: 0, unchanged: 9 }), '3 clauses changed, 1 added, 0 removed');
  });

  test('a version compared with itself has no changes', () => {
    const a = content({ sections: [clause('1', { heading: 'A', text: 'a', children: [clause('2', { text: 'b' })] })], keyPoints: ['k'] });
    const result = compareContent(a, a);
    assert.deepEqual(result.counts, { changed: 0, added: 0, removed: 0, unchanged: 2 });
    assert.deepEqual(result.otherChanges, []);
  });
});
