/**
 * What changed between two versions' content, clause by clause. Pure: no database, no HTML.
 * Clauses are paired by id first (ids are kept when a draft is copied and edited), then by
 * number and heading, then by a heading found once on each side (content from different sources,
 * such as two imports of the same document).
 */
import { diffArrays, diffWords } from 'diff';
import { type Clause, type PolicyContent, walkClauses } from '../content.ts';

export type Part = { kind: 'same' | 'ins' | 'del'; text: string };

/** Past this many word edits the diff gives up and shows the old text removed and the new text added. */
const MAX_EDITS = 4000;

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/** Word-level differences; whitespace between words only counts through `layoutOnly` in the callers. */
export function wordDiff(before: string, after: string): Part[] {
  if (before === after) return before ? [{ kind: 'same', text: after }] : [];
  const changes = before && after ? diffWords(before, after, { maxEditLength: MAX_EDITS }) : undefined;
  const parts: Part[] = changes
    ? changes.map((c) => ({ kind: c.added ? 'ins' : c.removed ? 'del' : 'same', text: c.value }))
    : [
        { kind: 'del', text: before },
        { kind: 'ins', text: after },
      ];
  // Neighbouring parts of the same kind read better as one.
  const merged: Part[] = [];
  for (const part of parts) {
    if (!part.text) continue;
    const last = merged.at(-1);
    if (last && last.kind === part.kind) last.text += part.text;
    else merged.push({ ...part });
  }
  return merged;
}

/** How much of two texts is the same, 0 to 1, counted in words. */
export function similarity(before: string, after: string): number {
  const a = squash(before);
  const b = squash(after);
  if (a === b) return 1;
  const words = (s: string) => (s ? s.split(' ').length : 0);
  const total = Math.max(words(a), words(b));
  if (total === 0) return 1;
  const same = wordDiff(a, b)
    .filter((p) => p.kind === 'same')
    .reduce((n, p) => n + words(squash(p.text)), 0);
  return same / total;
}

export type ItemChange = { kind: 'same' | 'added' | 'removed' | 'changed'; parts: Part[] };

/** Lists of statements (key points, agreement statements, declaration details), item by item. */
export function compareLists(before: string[], after: string[]): ItemChange[] {
  const out: ItemChange[] = [];
  let removed: string[] = [];
  const flush = (added: string[]) => {
    // A run removed and a run added in the same place: pair items that are mostly the same as "changed".
    const pairs = Math.min(removed.length, added.length);
    for (let i = 0; i < pairs; i++) {
      const a = removed[i] as string;
      const b = added[i] as string;
      if (similarity(a, b) >= 0.4) out.push({ kind: 'changed', parts: wordDiff(a, b) });
      else out.push({ kind: 'removed', parts: [{ kind: 'same', text: a }] }, { kind: 'added', parts: [{ kind: 'same', text: b }] });
    }
    for (const a of removed.slice(pairs)) out.push({ kind: 'removed', parts: [{ kind: 'same', text: a }] });
    for (const b of added.slice(pairs)) out.push({ kind: 'added', parts: [{ kind: 'same', text: b }] });
    removed = [];
  };
  for (const change of diffArrays(before, after)) {
    if (change.removed) removed.push(...change.value);
    else if (change.added) flush(change.value);
    else {
      flush([]);
      for (const item of change.value) out.push({ kind: 'same', parts: [{ kind: 'same', text: item }] });
    }
  }
  flush([]);
  return out;
}

export type FlatClause = { clause: Clause; depth: number };

export type ClauseChange =
  | { kind: 'added'; to: FlatClause }
  | { kind: 'removed'; from: FlatClause }
  | {
      kind: 'changed' | 'unchanged';
      from: FlatClause;
      to: FlatClause;
      number: Part[];
      heading: Part[];
      text: Part[];
      /** The words are the same; only paragraphs or line breaks differ. */
      layoutOnly: boolean;
      topicsAdded: string[];
      topicsRemoved: string[];
    };

const key = (c: Clause) => `${squash(c.number ?? '').toLowerCase()}|${squash(c.heading ?? '').toLowerCase()}`;

/** Pairs the clauses of two trees: by id, then number and heading, then a heading unique on both sides. */
export function pairClauses(before: FlatClause[], after: FlatClause[]): Map<FlatClause, FlatClause> {
  const pairs = new Map<FlatClause, FlatClause>();
  const taken = new Set<FlatClause>();
  const pairBy = (keyOf: (c: Clause) => string | null) => {
    const count = (list: FlatClause[]) => {
      const seen = new Map<string, FlatClause[]>();
      for (const f of list) {
        const k = keyOf(f.clause);
        if (k !== null) seen.set(k, [...(seen.get(k) ?? []), f]);
      }
      return seen;
    };
    const left = count(before.filter((f) => !pairs.has(f)));
    const right = count(after.filter((f) => !taken.has(f)));
    for (const [k, froms] of left) {
      const tos = right.get(k);
      if (froms.length === 1 && tos?.length === 1) {
        pairs.set(froms[0] as FlatClause, tos[0] as FlatClause);
        taken.add(tos[0] as FlatClause);
      }
    }
  };
  pairBy((c) => c.id);
  pairBy((c) => (c.number || c.heading ? key(c) : null));
  pairBy((c) => (c.heading ? squash(c.heading).toLowerCase() : null));
  return pairs;
}

function describePair(from: FlatClause, to: FlatClause): ClauseChange {
  const a = from.clause;
  const b = to.clause;
  const topicsAdded = b.topics.filter((t) => !a.topics.includes(t));
  const topicsRemoved = a.topics.filter((t) => !b.topics.includes(t));
  const wordsSame = (a.number ?? '') === (b.number ?? '') && squash(a.heading ?? '') === squash(b.heading ?? '') && squash(a.text) === squash(b.text);
  const layoutOnly = wordsSame && a.text !== b.text;
  const same = wordsSame && !layoutOnly && topicsAdded.length === 0 && topicsRemoved.length === 0;
  return {
    kind: same ? 'unchanged' : 'changed',
    from,
    to,
    number: wordDiff(a.number ?? '', b.number ?? ''),
    heading: wordDiff(a.heading ?? '', b.heading ?? ''),
    text: wordDiff(a.text, b.text),
    layoutOnly,
    topicsAdded,
    topicsRemoved,
  };
}

/**
 * Every clause of both versions in the newer one's order; a removed clause comes just after the
 * clause that preceded it in the older version.
 */
export function compareClauses(before: Clause[], after: Clause[]): ClauseChange[] {
  const flatBefore = [...walkClauses(before)];
  const flatAfter = [...walkClauses(after)];
  const pairs = pairClauses(flatBefore, flatAfter);
  const paired = new Map([...pairs].map(([from, to]) => [to, from]));
  // Removed clauses, grouped under the newer clause they follow (null: before everything).
  const removedAfter = new Map<FlatClause | null, FlatClause[]>();
  let anchor: FlatClause | null = null;
  for (const f of flatBefore) {
    const to = pairs.get(f);
    if (to) anchor = to;
    else removedAfter.set(anchor, [...(removedAfter.get(anchor) ?? []), f]);
  }
  const out: ClauseChange[] = (removedAfter.get(null) ?? []).map((from) => ({ kind: 'removed', from }));
  for (const to of flatAfter) {
    const from = paired.get(to);
    out.push(from ? describePair(from, to) : { kind: 'added', to });
    for (const removed of removedAfter.get(to) ?? []) out.push({ kind: 'removed', from: removed });
  }
  return out;
}

export type Comparison = {
  clauses: ClauseChange[];
  counts: { changed: number; added: number; removed: number; unchanged: number };
  keyPoints: ItemChange[];
  agreementStatements: ItemChange[];
  declaration: { wording: Part[]; wordingChanged: boolean; fields: ItemChange[] };
  /** The parts other than clauses that differ, in the document's order. */
  otherChanges: ('key points' | 'agreement statements' | 'declaration')[];
};

const listChanged = (items: ItemChange[]) => items.some((i) => i.kind !== 'same');

export function compareContent(before: PolicyContent, after: PolicyContent): Comparison {
  const clauses = compareClauses(before.sections, after.sections);
  const counts = { changed: 0, added: 0, removed: 0, unchanged: 0 };
  for (const c of clauses) counts[c.kind] += 1;
  const keyPoints = compareLists(before.keyPoints, after.keyPoints);
  const agreementStatements = compareLists(before.agreementStatements, after.agreementStatements);
  const wordingChanged = before.declaration.wording !== after.declaration.wording;
  const declaration = {
    wording: wordDiff(before.declaration.wording, after.declaration.wording),
    wordingChanged,
    fields: compareLists(before.declaration.fields, after.declaration.fields),
  };
  const otherChanges: Comparison['otherChanges'] = [];
  if (listChanged(keyPoints)) otherChanges.push('key points');
  if (listChanged(agreementStatements)) otherChanges.push('agreement statements');
  if (wordingChanged || listChanged(declaration.fields)) otherChanges.push('declaration');
  return { clauses, counts, keyPoints, agreementStatements, declaration, otherChanges };
}

/** "3 clauses changed, 1 added, 0 removed". */
export function summariseCounts(counts: Comparison['counts']): string {
  return `${counts.changed} ${counts.changed === 1 ? 'clause' : 'clauses'} changed, ${counts.added} added, ${counts.removed} removed`;
}
