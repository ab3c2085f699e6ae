/**
 * Pure edits of a version's clause tree. Every function returns new arrays and leaves its input
 * untouched; a clause that is not in the tree gives null so the caller can answer "not found".
 * Numbers are the document's own: nothing here renumbers.
 */
import { randomUUID } from 'node:crypto';
import { type Clause, type PolicyContent, walkClauses } from '../content.ts';

export type Located = {
  clause: Clause;
  /** The clause's ancestors, outermost first (empty for a top-level section). */
  ancestors: Clause[];
  /** The list the clause sits in, and its place there. */
  siblings: Clause[];
  index: number;
};

export function findClause(sections: Clause[], id: string, ancestors: Clause[] = []): Located | null {
  for (let index = 0; index < sections.length; index++) {
    const clause = sections[index] as Clause;
    if (clause.id === id) return { clause, ancestors, siblings: sections, index };
    const inside = findClause(clause.children, id, [...ancestors, clause]);
    if (inside) return inside;
  }
  return null;
}

/** Rebuilds the tree with the sibling list holding `id` replaced by `edit(list, index)`. */
function editSiblings(sections: Clause[], id: string, edit: (siblings: Clause[], index: number) => Clause[]): Clause[] | null {
  const index = sections.findIndex((c) => c.id === id);
  if (index >= 0) return edit(sections, index);
  for (let i = 0; i < sections.length; i++) {
    const clause = sections[i] as Clause;
    const children = editSiblings(clause.children, id, edit);
    if (children) return sections.with(i, { ...clause, children });
  }
  return null;
}

/** Replaces the clause with the same id (its children included, as given). */
export function replaceClause(sections: Clause[], clause: Clause): Clause[] | null {
  return editSiblings(sections, clause.id, (siblings, index) => siblings.with(index, clause));
}

/** Puts a clause just after another at the same level, or at the end of the top level when `afterId` is null. */
export function insertAfter(sections: Clause[], afterId: string | null, clause: Clause): Clause[] | null {
  if (afterId === null) return [...sections, clause];
  return editSiblings(sections, afterId, (siblings, index) => siblings.toSpliced(index + 1, 0, clause));
}

/** Adds a clause as the last sub-clause of another. */
export function appendChild(sections: Clause[], parentId: string, clause: Clause): Clause[] | null {
  return editSiblings(sections, parentId, (siblings, index) => {
    const parent = siblings[index] as Clause;
    return siblings.with(index, { ...parent, children: [...parent.children, clause] });
  });
}

/** Swaps a clause with its neighbour at the same level; at either end it stays where it is. */
export function moveClause(sections: Clause[], id: string, direction: 'up' | 'down'): { sections: Clause[]; moved: boolean } | null {
  let moved = false;
  const result = editSiblings(sections, id, (siblings, index) => {
    const target = direction === 'up' ? index - 1 : index + 1;
    if (target < 0 || target >= siblings.length) return siblings;
    moved = true;
    return siblings.with(index, siblings[target] as Clause).with(target, siblings[index] as Clause);
  });
  return result && { sections: result, moved };
}

/** Takes a clause out of the tree, with all its sub-clauses. */
export function removeClause(sections: Clause[], id: string): { sections: Clause[]; removed: Clause } | null {
  let removed: Clause | undefined;
  const result = editSiblings(sections, id, (siblings, index) => {
    removed = siblings[index];
    return siblings.toSpliced(index, 1);
  });
  return result && removed ? { sections: result, removed } : null;
}

/** Every sub-clause below a clause, at any depth. */
export const descendants = (clause: Clause): Clause[] => [...walkClauses(clause.children)].map((w) => w.clause);

/** A short id for a new clause, unique within the content (ids are kept across versions for compare). */
export function newClauseId(content: PolicyContent): string {
  const taken = new Set([...walkClauses(content.sections)].map((w) => w.clause.id));
  for (;;) {
    const id = randomUUID().replaceAll('-', '').slice(0, 12);
    if (!taken.has(id)) return id;
  }
}

/** How a clause is named on buttons and in messages: "4.1 Use of email", or the start of its text. */
export function clauseName(clause: Pick<Clause, 'number' | 'heading' | 'text'>): string {
  const title = [clause.number, clause.heading].filter(Boolean).join(' ');
  if (clause.heading) return title;
  const start = clause.text.replace(/\s+/g, ' ').trim();
  const excerpt = start.length > 60 ? `${start.slice(0, 57).trimEnd()}…` : start;
  return [clause.number, excerpt ? `“${excerpt}”` : ''].filter(Boolean).join(' ') || 'Untitled clause';
}
