import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Clause, emptyContent } from '../content.ts';
import { appendChild, clauseName, descendants, findClause, insertAfter, moveClause, newClauseId, removeClause, replaceClause } from './tree.ts';

const c = (id: string, children: Clause[] = [], number: string | null = id, heading: string | null = `Heading ${id}`): Clause => ({
  id,
  number,
  heading,
  text: `Text of ${id}`,
  topics: [],
  children,
});

/** 1 (1.1, 1.2 (1.2.1)), 2, 3 */
const tree = () => [c('1', [c('1.1'), c('1.2', [c('1.2.1')])]), c('2'), c('3')];
const ids = (clauses: Clause[]): unknown => clauses.map((x) => (x.children.length ? [x.id, ids(x.children)] : x.id));

describe('finding clauses', () => {
  test('by id at any depth, with ancestors, siblings and place', () => {
    const found = findClause(tree(), '1.2.1');
    assert.equal(found?.clause.id, '1.2.1');
    assert.deepEqual(
      found?.ancestors.map((a) => a.id),
      ['1', '1.2'],
    );
    assert.equal(found?.index, 0);
    assert.equal(findClause(tree(), '2')?.index, 1);
    assert.deepEqual(findClause(tree(), '2')?.ancestors, []);
    assert.equal(findClause(tree(), 'nope'), null);
  });

  test('descendants lists every sub-clause below, depth first', () => {
    assert.deepEqual(
      descendants(tree()[0] as Clause).map((d) => d.id),
      ['1.1', '1.2', '1.2.1'],
    );
  });
});

describe('editing the tree', () => {
  test('replace keeps everything else and leaves the input untouched', () => {
    const before = tree();
    const snapshot = structuredClone(before);
    const after = replaceClause(before, { ...c('1.2.1'), text: 'New text' });
    assert.equal(findClause(after ?? [], '1.2.1')?.clause.text, 'New text');
    assert.deepEqual(ids(after ?? []), ids(before));
    assert.deepEqual(before, snapshot);
    assert.equal(replaceClause(before, c('missing')), null);
  });

  test('insert after a clause at its own level, or at the end', () => {
    assert.deepEqual(ids(insertAfter(tree(), '1.1', c('new')) ?? []), [['1', ['1.1', 'new', ['1.2', ['1.2.1']]]], '2', '3']);
    assert.deepEqual(ids(insertAfter(tree(), '3', c('new')) ?? []), [['1', ['1.1', ['1.2', ['1.2.1']]]], '2', '3', 'new']);
    assert.deepEqual(ids(insertAfter(tree(), null, c('new')) ?? []), [['1', ['1.1', ['1.2', ['1.2.1']]]], '2', '3', 'new']);
    assert.deepEqual(ids(insertAfter([], null, c('first')) ?? []), ['first']);
    assert.equal(insertAfter(tree(), 'missing', c('new')), null);
  });

  test('append a sub-clause as the last child', () => {
    assert.deepEqual(ids(appendChild(tree(), '2', c('2.1')) ?? []), [['1', ['1.1', ['1.2', ['1.2.1']]]], ['2', ['2.1']], '3']);
    assert.deepEqual(ids(appendChild(tree(), '1', c('1.3')) ?? []), [['1', ['1.1', ['1.2', ['1.2.1']], '1.3']], '2', '3']);
    assert.equal(appendChild(tree(), 'missing', c('x')), null);
  });

  test('move up and down among siblings, carrying sub-clauses; no move past either end', () => {
    const down = moveClause(tree(), '1', 'down');
    assert.equal(down?.moved, true);
    assert.deepEqual(ids(down?.sections ?? []), ['2', ['1', ['1.1', ['1.2', ['1.2.1']]]], '3']);
    const up = moveClause(tree(), '1.2', 'up');
    assert.deepEqual(ids(up?.sections ?? []), [['1', [['1.2', ['1.2.1']], '1.1']], '2', '3']);
    const top = moveClause(tree(), '1', 'up');
    assert.equal(top?.moved, false);
    assert.deepEqual(ids(top?.sections ?? []), ids(tree()));
    assert.equal(moveClause(tree(), '3', 'down')?.moved, false);
    assert.equal(moveClause(tree(), '1.2.1', 'down')?.moved, false, 'an only child stays put');
    assert.equal(moveClause(tree(), 'missing', 'up'), null);
  });

  test('remove takes the sub-clauses with it', () => {
    const result = removeClause(tree(), '1.2');
    assert.equal(result?.removed.id, '1.2');
    assert.deepEqual(
      result?.removed.children.map((x) => x.id),
      ['1.2.1'],
    );
    assert.deepEqual(ids(result?.sections ?? []), [['1', ['1.1']], '2', '3']);
    assert.equal(findClause(result?.sections ?? [], '1.2.1'), null);
    assert.deepEqual(ids(removeClause(tree(), '1')?.sections ?? []), ['2', '3']);
    assert.equal(removeClause(tree(), 'missing'), null);
  });

  test('numbers are the document’s own: nothing is renumbered', () => {
    const moved = moveClause(tree(), '3', 'up')?.sections ?? [];
    assert.deepEqual(
      moved.map((x) => x.number),
      ['1', '3', '2'],
    );
    const removed = removeClause(tree(), '1')?.sections ?? [];
    assert.deepEqual(
      removed.map((x) => x.number),
      ['2', '3'],
    );
  });
});

describe('ids and names', () => {
  test('new ids are short and unique in the content', () => {
    const content = { ...emptyContent(), sections: tree() };
    const made = new Set(Array.from({ length: 200 }, () => newClauseId(content)));
    assert.equal(made.size, 200);
    for (const id of made) assert.match(id, /^[0-9a-f]{12}$/);
  });

  test('a clause is named by number and heading, or the start of its text', () => {
    assert.equal(clauseName(c('4.1', [], '4.1', 'Use of email')), '4.1 Use of email');
    assert.equal(clauseName({ number: '4.2', heading: null, text: 'Staff must not share passwords.' }), '4.2 “Staff must not share passwords.”');
    assert.equal(clauseName({ number: null, heading: null, text: 'x'.repeat(100) }).length, 60);
    assert.equal(clauseName({ number: null, heading: null, text: '' }), 'Untitled clause');
  });
});
