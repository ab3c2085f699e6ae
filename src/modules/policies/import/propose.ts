import { type Block, blockText, type ExtractedDocument } from './blocks.ts';
import { importErrors } from './errors.ts';
import { detailsFrom, findVersionHistory, isDocumentControlCaption, type Labelled, labelsIn } from './metadata.ts';
import { POLICY_TOPICS, type PolicyProposal, type PolicyTopic, type ProposedSection, proposalSchema } from './schema.ts';
import { buildSections, CONTENTS_HEADING, findContents, headingLike, type Node, parseNumber } from './structure.ts';
import { topicsOf } from './topics.ts';

const quoted = (s: string) => `"${s.length > 90 ? `${s.slice(0, 87)}…` : s}"`;

/**
 * Undoes what copying out of Word or a PDF does to paragraphs: a paragraph that starts in
 * lower case after one that stopped mid-sentence is the same paragraph, broken by a page or a
 * stray return ("… must be reported to the" / "head teacher at once."). Also drops lines of bare
 * punctuation and a closing "END".
 */
function tidy(blocks: Block[]): Block[] {
  const out: Block[] = [];
  for (const block of blocks) {
    if (block.kind !== 'tableRow' && /^[\s.…_\-–—*·•|]+$/.test(block.text)) continue;
    const previous = out.at(-1);
    if (
      block.kind === 'paragraph' &&
      /^\p{Ll}/u.test(block.text) &&
      (previous?.kind === 'paragraph' || previous?.kind === 'listItem') &&
      !/[.!?:;]["”’)]?$/.test(previous.text)
    ) {
      out[out.length - 1] = { ...previous, text: `${previous.text} ${block.text}` };
      continue;
    }
    out.push({ ...block });
  }
  const last = out.at(-1);
  if (last?.kind === 'paragraph' && /^end( of (the )?(policy|document))?\.?$/i.test(last.text)) out.pop();
  return out;
}

const POLICY_WORDS = /\b(polic(y|ies)|agreement|acceptable use|code of (conduct|practice)|guidance|guidelines|procedures?|protocol|aup|charter|rules)\b/i;
const PLACEHOLDER = /\b(insert|logo|badge|crest|placeholder)\b|^\[.*\]$/i;
const isAllCaps = (t: string) => /\p{Lu}/u.test(t) && !/\p{Ll}/u.test(t);

/**
 * The title: a Word "Title" paragraph if there is one, else the first short line near the top
 * that names a policy, agreement or code (not a motto, a logo placeholder, a label or "Contents").
 * A title in capitals is swapped for the same words in ordinary case when the document has them.
 */
function findTitle(blocks: Block[], limit: number, warnings: string[]): { index: number; text: string } | null {
  const candidates: number[] = [];
  for (let i = 0; i < Math.min(limit, 30, blocks.length); i++) {
    const b = blocks[i] as Block;
    if (b.kind === 'listItem') break;
    if (b.kind === 'tableRow') continue;
    if (parseNumber(b.text) && !(b.kind === 'heading' && b.level === 0)) break;
    if (!headingLike(b.text, 25) || PLACEHOLDER.test(b.text) || CONTENTS_HEADING.test(b.text) || labelsIn(b).length > 0) continue;
    candidates.push(i);
  }
  const at = (pick: (b: Block) => boolean) => candidates.find((i) => pick(blocks[i] as Block));
  const index =
    at((b) => b.kind === 'heading' && b.level === 0) ?? at((b) => POLICY_WORDS.test(blockText(b))) ?? at((b) => b.kind === 'heading') ?? candidates[0];
  if (index === undefined) {
    warnings.push('Countersign could not find the policy’s title; enter it by hand.');
    return null;
  }
  let text = blockText(blocks[index] as Block);
  if (isAllCaps(text)) {
    const twin = blocks.slice(0, Math.min(limit, 30)).find((b) => b.kind !== 'tableRow' && b.text.toLowerCase() === text.toLowerCase() && !isAllCaps(b.text));
    if (twin) text = blockText(twin);
  }
  if (!POLICY_WORDS.test(text)) warnings.push(`${blocks[index]?.where}: ${quoted(text)} taken as the title; check it.`);
  return { index, text };
}

const ORG_WORDS = 'Trust|Partnership|Federation|Academy|Academies|School|College';
const ORG_NAME = new RegExp(`((?:\\p{Lu}[\\p{L}'’&.-]*\\s+){1,6})(${ORG_WORDS})(?:['’]s)?(?![\\p{L}-])`, 'gu');
const GENERIC = new Set(
  'the this that our your their its each every any all a an central whole local multi multi-academy academy academies partner member main maintained independent free state new same other primary secondary infant junior nursery high grammar church trust school partnership federation college'.split(
    ' ',
  ),
);

/**
 * The school or trust: the proper name ending in "Trust", "Partnership", "Academy", "School" …
 * that the document uses most, with a strong lead for one standing on a line of its own near
 * the top (as a letterhead does). "The Trust" and "Multi Academy Trust" are not names.
 */
function findOrganisation(blocks: Block[], contents: { start: number; end: number } | null, title: string | null, warnings: string[]): string | null {
  const scores = new Map<string, { count: number; onOwnLine: boolean; first: number }>();
  for (const [i, block] of blocks.entries()) {
    if (contents && i >= contents.start && i < contents.end) continue;
    const text = blockText(block);
    for (const m of text.matchAll(ORG_NAME)) {
      const tokens = `${m[1]}${m[2]}`.split(/\s+/);
      while (tokens.length > 0 && GENERIC.has((tokens[0] ?? '').toLowerCase())) tokens.shift();
      if (tokens.length < 2 || tokens.slice(0, -1).every((t) => GENERIC.has(t.toLowerCase()))) continue;
      const name = tokens.join(' ');
      if (title && name.toLowerCase() === title.toLowerCase()) continue;
      const entry = scores.get(name) ?? { count: 0, onOwnLine: false, first: i };
      entry.count++;
      if (block.kind !== 'listItem' && text.replace(/^the\s+/i, '').toLowerCase() === name.toLowerCase() && i < (contents?.start ?? 30)) entry.onOwnLine = true;
      scores.set(name, entry);
    }
  }
  const ranked = [...scores.entries()].sort(([, a], [, b]) => Number(b.onOwnLine) - Number(a.onOwnLine) || b.count - a.count || a.first - b.first);
  const [best] = ranked;
  if (!best) {
    warnings.push('Countersign could not find the name of the school or trust; enter it by hand.');
    return null;
  }
  const [name, { count, onOwnLine, first }] = best;
  if (!onOwnLine)
    warnings.push(
      `The organisation ${quoted(name)} was taken from the text (named ${count === 1 ? 'once' : `${count} times`}, first at ${blocks[first]?.where}); check it.`,
    );
  return name;
}

const FIELD_NAMES: [RegExp, string][] = [
  [/^(staff |full |print(ed)? |employee |your |member of staff )?name( in full| \(print(ed)?\)| \(block capitals\))?$/i, 'Name'],
  [/^(signed|signature|sign here|sign)$/i, 'Signature'],
  [/^(date|date signed|dated)$/i, 'Date'],
  [/^(position|job title|job role|role|post|position held|position\/job title|job title\/position)$/i, 'Position'],
];
const bareLabel = (text: string) =>
  text
    .replace(/[_.…]{2,}/g, '')
    .replace(/\s*:\s*$/, '')
    .trim();
const knownField = (text: string) => FIELD_NAMES.find(([re]) => re.test(bareLabel(text)))?.[1] ?? null;
const looksLikeLabel = (text: string) => {
  const bare = bareLabel(text);
  return bare !== '' && bare.split(/\s+/).length <= 4 && !/[:;]/.test(bare) && /^\p{L}[\p{L}\s/()'’-]*$/u.test(bare);
};
const isFieldLabel = (text: string) => knownField(text) !== null;

/** Labels with nothing filled in after them: "Signed: ______ Date: ______", "Staff Name", "Name:". Empty when a value follows. */
function blankLabels(text: string): string[] | null {
  const blanked = text.replace(/[_.…]{3,}/g, ' ').trim();
  if (!blanked.includes(':')) return looksLikeLabel(blanked) ? [blanked] : null;
  if (blanked.replace(/[^:]+:/g, '').trim() !== '') return null;
  const labels = [...blanked.matchAll(/([^:]+):/g)].map((m) => (m[1] ?? '').trim());
  return labels.every(looksLikeLabel) ? labels : null;
}

/** The blanks of a signature block, as field names ("Name", "Position", "Signature", "Date", or the label as written). */
function fieldsIn(block: Block): string[] {
  const parts = block.kind === 'tableRow' ? block.cells.filter((c) => c.trim() !== '') : block.kind === 'paragraph' ? [block.text] : [];
  const labels = parts.map(blankLabels);
  if (labels.length === 0 || labels.some((l) => l === null)) return [];
  const flat = labels.flat() as string[];
  return flat.some((l) => knownField(l)) ? flat.map((l) => knownField(l) ?? bareLabel(l)) : [];
}

const AGREEMENT_HEADING = /\bagreement\b|\bdeclaration\b|\bcode of conduct\b|\bundertaking\b|\backnowledge?ment\b/i;
const KEY_POINTS_HEADING = /\bkey (policy )?(points|messages|rules)\b|\bat a glance\b|\bsummary of (the )?(key|main) (points|rules)\b|\bpolicy summary\b/i;
const isStatement = (b: Block) =>
  (b.kind === 'listItem' && /\b(I|[Mm]y|me|myself)\b/.test(b.text)) || (b.kind === 'paragraph' && /\bI\b/.test(b.text) && !isFieldLabel(b.text));

const flatten = (nodes: Node[]): Node[] => nodes.flatMap((n) => [n, ...flatten(n.children)]);

/**
 * The "I will / I will not / I understand" lines a signer agrees to: first-person list items and
 * paragraphs from the first agreement, declaration or code-of-conduct section to the end. With no
 * such heading, any section that is mostly first-person lines.
 */
function agreementStatements(nodes: Node[]): string[] {
  const all = flatten(nodes);
  const start = all.findIndex((n) => n.heading !== null && AGREEMENT_HEADING.test(n.heading));
  const scope =
    start >= 0
      ? all.slice(start)
      : all.filter((n) => {
          const lines = n.body.filter((b) => b.kind === 'listItem' || b.kind === 'paragraph');
          const firstPerson = lines.filter(isStatement).length;
          return firstPerson >= 3 && firstPerson * 2 > lines.length;
        });
  return scope.flatMap((n) => n.body.filter(isStatement).map((b) => blockText(b)));
}

function keyPoints(nodes: Node[]): string[] {
  const node = flatten(nodes).find((n) => n.heading !== null && KEY_POINTS_HEADING.test(n.heading));
  if (!node) return [];
  const items = flatten([node]).flatMap((n) => n.body.filter((b) => b.kind === 'listItem'));
  return (items.length > 0 ? items : node.body.filter((b) => b.kind === 'paragraph')).map(blockText);
}

/** Paragraphs apart by a blank line; list items one to a line after "- ", indented when nested. */
function render(body: Block[]): string {
  let text = '';
  let previous: Block['kind'] | null = null;
  for (const block of body) {
    const line = block.kind === 'listItem' ? `${'  '.repeat(block.depth)}- ${block.text}` : blockText(block);
    if (!line) continue;
    const sameRun = previous === block.kind && (block.kind === 'listItem' || block.kind === 'tableRow');
    text += text === '' ? line : `${sameRun ? '\n' : '\n\n'}${line}`;
    previous = block.kind;
  }
  return text;
}

function toSection(node: Node): ProposedSection {
  const text = render(node.body);
  return {
    number: node.number,
    heading: node.heading,
    text,
    topics: topicsOf(`${node.heading ?? ''}\n${text}`),
    children: node.children.map(toSection),
  };
}

const allTopics = (sections: ProposedSection[]): PolicyTopic[] => {
  const found = new Set<PolicyTopic>();
  const visit = (s: ProposedSection) => {
    for (const t of s.topics) found.add(t);
    s.children.forEach(visit);
  };
  sections.forEach(visit);
  return POLICY_TOPICS.filter((t) => found.has(t));
};

/**
 * Proposes a policy's structure from its extracted text. Pure: the same document always gives
 * the same proposal. Throws PolicyImportError when there is nothing to propose.
 */
export function proposePolicy(doc: ExtractedDocument): PolicyProposal {
  const warnings = [...doc.warnings];
  const blocks = tidy(doc.blocks);
  if (blocks.length === 0) throw importErrors.empty(doc.fileName);
  const skip = new Set<number>();
  const skipRange = (start: number, end: number) => {
    for (let i = start; i < end; i++) skip.add(i);
  };

  const contents = findContents(blocks);
  if (contents) {
    skipRange(contents.start, contents.end);
    const [from, to] = [blocks[contents.start]?.where, blocks[contents.end - 1]?.where];
    warnings.push(`${from === to ? from : `${from} to ${to}`}: the table of contents was skipped.`);
  }

  const versionTable = findVersionHistory(blocks, warnings);
  if (versionTable) {
    skipRange(versionTable.start, versionTable.end);
    const caption = blocks[versionTable.start - 1];
    if (caption && caption.kind !== 'tableRow' && headingLike(blockText(caption))) skip.add(versionTable.start - 1);
  }

  const firstBody = blocks.findIndex((b, i) => !skip.has(i) && (b.kind === 'listItem' || (b.kind !== 'tableRow' && parseNumber(b.text) !== null)));
  const frontLimit = Math.min(contents?.start ?? blocks.length, firstBody < 0 ? blocks.length : firstBody);
  const title = findTitle(blocks, frontLimit, warnings);
  if (title) skip.add(title.index);

  const labelled: Labelled[] = [];
  let inControlTable = false;
  for (const [i, block] of blocks.entries()) {
    if (skip.has(i)) continue;
    if (isDocumentControlCaption(block)) {
      skip.add(i);
      inControlTable = true;
      continue;
    }
    inControlTable = inControlTable && block.kind === 'tableRow';
    if (i >= frontLimit && !inControlTable) continue;
    const found = labelsIn(block);
    if (found.length > 0) {
      labelled.push(...found);
      skip.add(i);
    }
  }
  const details = detailsFrom(labelled, warnings);

  const titleText = details.title ?? title?.text ?? null;
  const organisation = details.organisation ?? findOrganisation(blocks, contents, titleText, warnings);
  const structure = buildSections(blocks, {
    skip,
    frontTexts: [titleText ?? '', organisation ?? ''].filter(Boolean),
    frontEnd: contents?.end ?? 0,
    isFieldLabel,
  });
  if (structure.sections.length === 0) throw importErrors.noSections(doc.fileName);

  const frontTexts = new Set([titleText, organisation].filter(Boolean).map((t) => t?.toLowerCase()));
  for (const i of structure.front) {
    const block = blocks[i] as Block;
    const text = blockText(block);
    if (PLACEHOLDER.test(text) || frontTexts.has(text.replace(/^the\s+/i, '').toLowerCase()) || frontTexts.has(text.toLowerCase())) continue;
    warnings.push(`${block.where}: ${quoted(text)} comes before the first section and was not imported.`);
  }
  warnings.push(...structure.warnings);
  if (structure.guessed.length > 0) {
    const places = structure.guessed.slice(0, 8).join(', ');
    warnings.push(
      `${structure.guessed.length === 1 ? 'One heading was' : `${structure.guessed.length} headings were`} recognised from short lines with no numbering or heading style (${places}${structure.guessed.length > 8 ? ', …' : ''}); check them.`,
    );
  }

  const nodes = flatten(structure.sections);
  const declarationFields = [...new Set(nodes.flatMap((n) => n.body.flatMap(fieldsIn)))];
  const sections = structure.sections.map(toSection);
  return proposalSchema.parse({
    title: titleText,
    organisation,
    dates: details.dates,
    reviewCycleMonths: details.reviewCycleMonths,
    owner: details.owner,
    approver: details.approver,
    versionHistory: versionTable?.rows ?? [],
    sections,
    keyPoints: keyPoints(structure.sections),
    agreementStatements: agreementStatements(structure.sections),
    declarationFields: declarationFields.some((f) => f === 'Name' || f === 'Signature') ? declarationFields : [],
    topics: allTopics(sections),
    warnings,
  });
}
