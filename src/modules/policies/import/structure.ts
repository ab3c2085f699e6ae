import { type Block, blockText } from './blocks.ts';

/** Words a heading has at most; a longer line is a sentence, or a clause with its number. */
const HEADING_WORDS = 15;
/** A heading typed as a plain line (no numbering, no style) is shorter still. */
const GUESSED_HEADING_WORDS = 10;

const words = (t: string) => t.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w));

/** Short, not a sentence, not a lead-in ending in a colon. */
export function headingLike(text: string, maxWords = HEADING_WORDS): boolean {
  const t = text.trim();
  if (!t || t.length > 150) return false;
  const count = words(t).length;
  if (count === 0 || count > maxWords) return false;
  if (/[.;,:!]$/.test(t)) return false;
  if (/\p{Ll}{2,}[.!?]\s+\p{Lu}/u.test(t)) return false;
  return /^[\p{Lu}\p{N}“"‘'(]/u.test(t);
}

export const CONTENTS_HEADING = /^(table of )?contents( page)?$/i;
const PAGE_NUMBER_END = /(\.{3,}|…|\s)\s*\d{1,3}$/;
const normal = (t: string) =>
  t
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/**
 * The table of contents, to be skipped: after a "Contents" heading, the run of entries that
 * look like contents lines (table rows, lines ending in a page number, or short lines repeated
 * later as headings). Without a "Contents" heading, a run of three or more rows that end in a
 * page number and name a heading that comes later. Returns [start, end) or null.
 */
export function findContents(blocks: Block[]): { start: number; end: number } | null {
  const laterTexts = (from: number) => new Set(blocks.slice(from).map((b) => normal(blockText(b))));
  const entryText = (b: Block) => (b.kind === 'tableRow' ? b.cells.filter(Boolean).slice(0, -1).join(' ') : blockText(b).replace(PAGE_NUMBER_END, ''));
  for (const [i, block] of blocks.entries()) {
    if (!CONTENTS_HEADING.test(blockText(block).trim())) continue;
    let end = i + 1;
    let later: Set<string> | null = null;
    for (; end < blocks.length; end++) {
      const b = blocks[end] as Block;
      if (b.kind === 'tableRow' || PAGE_NUMBER_END.test(blockText(b))) continue;
      if (b.kind === 'heading' || !headingLike(b.text)) break;
      later ??= laterTexts(end + 1);
      if (!later.has(normal(b.text))) break;
    }
    if (end > i + 1) return { start: i, end };
  }
  for (let i = 0; i < blocks.length; i++) {
    let end = i;
    while (end < blocks.length) {
      const b = blocks[end] as Block;
      const last = b.kind === 'tableRow' ? (b.cells.filter(Boolean).at(-1) ?? '') : blockText(b);
      const isEntry = b.kind === 'tableRow' ? /^\d{1,3}$/.test(last) : /(\.{3,}|…|\t)\s*\d{1,3}$/.test(last);
      if (!isEntry) break;
      end++;
    }
    if (end - i >= 3) {
      const later = laterTexts(end);
      const named = blocks.slice(i, end).filter((b) => {
        const text = normal(entryText(b));
        return text !== '' && [...later].some((t) => t.endsWith(text));
      });
      if (named.length >= 3) return { start: i, end };
    }
    i = end;
  }
  return null;
}

export type SectionNumber = {
  /** As written, without a closing full stop: "1.0", "4.1", "Appendix 1". */
  number: string;
  /** For nesting: "1.0" is "1", so "1.1" goes under it; appendices are top-level. */
  key: string;
  depth: number;
  /** Number followed by a full stop or ")" ("1.", "5.2."), as a heading's number usually is. */
  punctuated: boolean;
  rest: string;
};

const APPENDIX = /^((?:appendix|annex|annexe|schedule)\s+(?:[a-z]|\d{1,2}|[ivx]{1,5}))\b\.?\s*(?:[-–—:.]\s*)?(.*)$/i;
const PART = /^((?:section|part)\s+(\d{1,2}))\b\.?\s*(?:[-–—:.]\s*)?(.*)$/i;
const NUMBERED = /^(\d{1,2}(?:\s?\.\s?\d{1,3})*)([.)]?)(?=\s|$|[\p{Lu}“"'(])\s*(?:[-–—:]\s+)?(.*)$/u;

export function parseNumber(text: string): SectionNumber | null {
  const appendix = APPENDIX.exec(text);
  if (appendix) {
    const number = (appendix[1] ?? '').replace(/\s+/g, ' ');
    return { number, key: number.toLowerCase(), depth: 1, punctuated: true, rest: appendix[2]?.trim() ?? '' };
  }
  const part = PART.exec(text);
  if (part) return { number: (part[1] ?? '').replace(/\s+/g, ' '), key: String(Number(part[2])), depth: 1, punctuated: true, rest: part[3]?.trim() ?? '' };
  const m = NUMBERED.exec(text);
  if (!m) return null;
  const number = (m[1] ?? '').replace(/\s+/g, '');
  const parts = number.split('.');
  while (parts.length > 1 && /^0+$/.test(parts.at(-1) ?? '')) parts.pop();
  return { number, key: parts.map(Number).join('.'), depth: parts.length, punctuated: m[2] !== '' || number.includes('.'), rest: m[3]?.trim() ?? '' };
}

const parentKey = (key: string) => key.split('.').slice(0, -1).join('.');
const lastPart = (key: string) => Number(key.split('.').at(-1));

export type Node = {
  number: string | null;
  key: string | null;
  depth: number;
  heading: string | null;
  body: Block[];
  children: Node[];
  where: string;
};

export type Structure = {
  sections: Node[];
  /** Blocks before the first section that no section holds. */
  front: number[];
  guessed: string[];
  warnings: string[];
};

export type StructureOptions = {
  /** Blocks already accounted for: contents, version table, metadata lines. */
  skip: Set<number>;
  /** Headings before the first section equal to these (the title, the organisation) are front matter. */
  frontTexts: string[];
  /** Blocks before this index are front matter whatever they look like (everything up to the contents). */
  frontEnd: number;
  isFieldLabel: (text: string) => boolean;
};

type Candidate =
  | { kind: 'numbered'; parsed: SectionNumber; heading: string | null; clause: string | null; marked: boolean; requireParent: boolean }
  | { kind: 'unnumbered'; heading: string; marked: boolean; level: number };

/**
 * Builds the section tree. Numbering decides nesting when the document is numbered ("1.0",
 * "4.1", "1.1.2.1"; a clause such as "- 3.2.1 Lock your screen" counts when its parent is open);
 * unnumbered headings then sit under the section they follow. Without numbering, heading
 * levels decide, and short stand-alone lines are taken as headings only as a last resort.
 */
export function buildSections(blocks: Block[], options: StructureOptions): Structure {
  const marked = blocks.filter((b, i) => b.kind === 'heading' && !options.skip.has(i) && b.level > 0 && !b.text.endsWith(':'));
  const hasMarkedHeadings = marked.length >= 3;
  const numberedHeadings = blocks.filter((b, i) => {
    if (options.skip.has(i) || (b.kind !== 'heading' && b.kind !== 'paragraph')) return false;
    const parsed = parseNumber(b.text);
    return parsed && (b.kind === 'heading' || (parsed.punctuated && headingLike(parsed.rest)));
  });
  const numberedMode = numberedHeadings.length >= 2;
  const topLevel = modeOf(
    numberedHeadings.flatMap((b) => (b.kind === 'heading' && parseNumber(b.text)?.depth === 1 ? [b.level] : [])),
    marked.reduce((min, b) => Math.min(min, b.kind === 'heading' ? b.level : min), 6),
  );

  const classify = (i: number): Candidate | null => {
    const block = blocks[i] as Block;
    if (block.kind === 'tableRow') return null;
    const parsed = parseNumber(block.text);
    if (block.kind === 'heading') {
      if (block.level === 0 || CONTENTS_HEADING.test(block.text) || options.isFieldLabel(block.text)) return null;
      if (parsed) return { kind: 'numbered', parsed, heading: parsed.rest || null, clause: null, marked: true, requireParent: false };
      return block.text.endsWith(':') ? null : { kind: 'unnumbered', heading: block.text, marked: true, level: block.level };
    }
    if (parsed && block.kind === 'listItem') {
      return parsed.depth > 1 && parsed.rest ? { kind: 'numbered', parsed, heading: null, clause: parsed.rest, marked: false, requireParent: true } : null;
    }
    if (block.kind === 'listItem') return null;
    if (parsed && (parsed.punctuated || parsed.depth > 1)) {
      if (parsed.rest === '' || headingLike(parsed.rest))
        return { kind: 'numbered', parsed, heading: parsed.rest || null, clause: null, marked: false, requireParent: false };
      return { kind: 'numbered', parsed, heading: null, clause: parsed.rest, marked: false, requireParent: true };
    }
    if (!headingLike(block.text, GUESSED_HEADING_WORDS) || !/^[\p{Lu}“"‘'(]/u.test(block.text) || options.isFieldLabel(block.text)) return null;
    if ((hasMarkedHeadings && !block.bold) || !block.standalone) return null;
    let n = i + 1;
    while (options.skip.has(n)) n++;
    const next = blocks[n];
    const nextIsBody = next && (next.kind === 'listItem' || next.kind === 'tableRow' || (next.kind === 'paragraph' && !headingLike(next.text)));
    return nextIsBody ? { kind: 'unnumbered', heading: block.text, marked: false, level: 99 } : null;
  };

  const roots: Node[] = [];
  const stack: Node[] = [];
  const levels: { node: Node; level: number }[] = [];
  const front: number[] = [];
  const guessed: string[] = [];
  const warnings: string[] = [];
  const frontTexts = new Set(options.frontTexts.map((t) => t.toLowerCase()));
  let current: Node | null = null;
  let started = false;
  let seenNumbered = false;
  let lastTop = 0;
  let previousWasLooseHeading = false;

  const addChild = (parent: Node | undefined, node: Node) => {
    const siblings = parent ? parent.children : roots;
    const previous = [...siblings].reverse().find((s) => s.key !== null && !s.key.startsWith('appendix'));
    if (node.key && previous?.key && !node.key.startsWith('appendix') && parentKey(previous.key) === parentKey(node.key)) {
      const gap = lastPart(node.key) - lastPart(previous.key);
      if (gap !== 1) warnings.push(`${node.where}: section ${node.number} follows ${previous.number}; check the numbering.`);
    }
    siblings.push(node);
  };

  for (const [i, block] of blocks.entries()) {
    if (options.skip.has(i)) continue;
    let candidate = i < options.frontEnd ? null : classify(i);
    if (candidate && !started && frontTexts.has((candidate.kind === 'numbered' ? (candidate.heading ?? '') : candidate.heading).toLowerCase()))
      candidate = null;
    if (candidate?.kind === 'unnumbered' && !candidate.marked && previousWasLooseHeading) candidate = null;

    if (candidate?.kind === 'numbered') {
      const { parsed } = candidate;
      const open = stack.some((n) => n.key === parentKey(parsed.key)) || stack.at(-1)?.key === parsed.key;
      const sibling = stack.length > 0 && parentKey(stack.at(-1)?.key ?? '') === parentKey(parsed.key);
      const topValue = parsed.depth === 1 ? Number(parsed.key) : Number.NaN;
      const fitsTop = parsed.key.startsWith('appendix') || candidate.marked || (numberedMode && topValue > lastTop && topValue <= lastTop + 3);
      const fits = parsed.depth === 1 ? fitsTop && (!candidate.requireParent || topValue === lastTop + 1) : !candidate.requireParent || open || sibling;
      if (!numberedMode || !fits) candidate = null;
    }

    if (!candidate) {
      if (current) current.body.push(headingAsParagraph(block));
      else front.push(i);
      previousWasLooseHeading = block.kind === 'paragraph' && headingLike(block.text, GUESSED_HEADING_WORDS);
      continue;
    }
    previousWasLooseHeading = false;
    started = true;

    if (candidate.kind === 'numbered') {
      const { parsed } = candidate;
      const node: Node = {
        number: parsed.number,
        key: parsed.key,
        depth: parsed.depth,
        heading: candidate.heading,
        body: [],
        children: [],
        where: block.where,
      };
      if (candidate.clause) node.body.push({ kind: 'paragraph', text: candidate.clause, bold: false, standalone: false, where: block.where });
      while (stack.length > 0 && (stack.at(-1)?.depth ?? 0) >= parsed.depth) stack.pop();
      addChild(stack.at(-1), node);
      stack.push(node);
      if (parsed.depth === 1 && !parsed.key.startsWith('appendix')) lastTop = Number(parsed.key);
      seenNumbered = true;
      current = node;
      continue;
    }

    const node: Node = { number: null, key: null, depth: 1, heading: candidate.heading, body: [], children: [], where: block.where };
    if (!candidate.marked) guessed.push(block.where);
    if (numberedMode) {
      if (!seenNumbered || (candidate.marked && candidate.level <= topLevel) || stack.length === 0) {
        stack.length = 0;
        roots.push(node);
        stack.push(node);
      } else stack.at(-1)?.children.push(node);
    } else {
      while (levels.length > 0 && (levels.at(-1)?.level ?? 0) >= candidate.level) levels.pop();
      const parent = levels.at(-1)?.node;
      if (parent) parent.children.push(node);
      else roots.push(node);
      levels.push({ node, level: candidate.level });
    }
    current = node;
  }
  return { sections: roots, front, guessed, warnings };
}

function modeOf(values: number[], fallback: number): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0] ?? fallback;
}

/** A heading the tree does not use (a lead-in such as "You must not:") stays in the text. */
const headingAsParagraph = (block: Block): Block =>
  block.kind === 'heading' ? { kind: 'paragraph', text: block.text, bold: true, standalone: true, where: block.where } : block;
