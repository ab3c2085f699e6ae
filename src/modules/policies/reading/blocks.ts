import type { Clause } from '../content.ts';

/**
 * How a clause's text is laid out, shared by the reading page and the PDF so both show the same
 * paragraphs and lists. A blank line starts a new block; lines starting "- ", "* " or "• " are
 * list items, and a line of ordinary text before them stays a paragraph of its own
 * ("You must:" then the list).
 */
export type TextBlock = { type: 'paragraph'; text: string } | { type: 'list'; items: string[] };

const BULLET = /^\s*(?:[-*•])\s+/;

export function textBlocks(text: string): TextBlock[] {
  const out: TextBlock[] = [];
  for (const block of text.replace(/\r\n?/g, '\n').split(/\n\s*\n/)) {
    let paragraph: string[] = [];
    let items: string[] = [];
    const flushParagraph = () => {
      if (paragraph.length) out.push({ type: 'paragraph', text: paragraph.join('\n') });
      paragraph = [];
    };
    const flushList = () => {
      if (items.length) out.push({ type: 'list', items });
      items = [];
    };
    for (const raw of block.split('\n')) {
      const line = raw.trimEnd();
      if (!line.trim()) continue;
      if (BULLET.test(line)) {
        flushParagraph();
        items.push(line.replace(BULLET, ''));
      } else if (items.length && /^\s{2,}\S/.test(raw)) {
        // An indented line carries on the list item above it.
        items[items.length - 1] += ` ${line.trim()}`;
      } else {
        flushList();
        paragraph.push(line);
      }
    }
    flushParagraph();
    flushList();
  }
  return out;
}

/** "4.1 Email": the clause's own number and heading, as the document writes them. */
export const clauseTitle = (c: Pick<Clause, 'number' | 'heading'>) => [c.number, c.heading].filter(Boolean).join(' ');

/** An id safe for HTML from the clause's stable id: "s-" and letters, digits, "-" and "_". */
export const clauseAnchor = (c: Pick<Clause, 'id'>) => `s-${c.id.replace(/[^A-Za-z0-9_-]/g, '-')}`;

export type ContentsEntry = { clause: Clause; children: ContentsEntry[] };

/**
 * The contents list: every clause with a heading, nested as the document nests them, down to
 * `maxDepth` levels. A heading inside an unheaded clause is lifted to the nearest headed level.
 */
export function contentsOf(clauses: Clause[], maxDepth = 2, depth = 0): ContentsEntry[] {
  const out: ContentsEntry[] = [];
  for (const clause of clauses) {
    if (clause.heading) {
      out.push({ clause, children: depth + 1 < maxDepth ? contentsOf(clause.children, maxDepth, depth + 1) : [] });
    } else {
      out.push(...contentsOf(clause.children, maxDepth, depth));
    }
  }
  return out;
}
