/**
 * The common form every upload is turned into before any guessing happens: a flat list of
 * headings, paragraphs, list items and table rows, each remembering where it came from so a
 * warning can point the admin at the right place in their own document.
 */
export type Block =
  /** A heading the document marks as one (a Word heading style, a Markdown "#", a larger font in a PDF). */
  | { kind: 'heading'; text: string; level: number; where: string }
  /**
   * `standalone`: set off from its neighbours by blank space, as a heading typed as a plain line is.
   * `bold`: the whole paragraph is bold, which Word users often use in place of a heading style.
   */
  | { kind: 'paragraph'; text: string; bold: boolean; standalone: boolean; where: string }
  | { kind: 'listItem'; text: string; depth: number; where: string }
  /** `columns`: where each cell starts across the page (PDFs only), to line cells up with their header. */
  | { kind: 'tableRow'; cells: string[]; columns?: number[]; where: string };

export type DocumentFormat = 'docx' | 'pdf' | 'txt' | 'md';

export type ExtractedDocument = {
  fileName: string;
  format: DocumentFormat;
  blocks: Block[];
  /** Problems met while reading the file (pictures left out, unreadable parts). */
  warnings: string[];
};

export const blockText = (block: Block) => (block.kind === 'tableRow' ? block.cells.filter(Boolean).join(' | ') : block.text);

/**
 * Plain text of one line of a document: Markdown and HTML emphasis that text exports carry
 * (`**bold**`, `<u>`, `\*`) and odd spaces are removed so labels and numbers match.
 */
export function cleanInline(raw: string): string {
  return raw
    .replace(/<\/?(?:u|b|i|em|strong|sup|sub|span|mark|s|ins|del)\b[^>]*>/gi, '')
    .replace(/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g, '$2')
    .replace(/\*\*/g, '')
    .replace(/(^|[\s(])\*(?=\S)([^*\n]+?)(?<=\S)\*(?=$|[\s).,;:!?])/g, '$1$2')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/\\([\\`*_{}[\]()#+\-.!|>~])/g, '$1')
    .replace(/[\u00a0\u2007\u202f]/g, ' ')
    .replace(/[\u200b-\u200d\u2060\ufeff]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

const MD_HEADING = /^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/;
const BULLET = /^(\s*)[-*+•·▪‣◦–]\s+(.*)$/;
const RULE = /^\s*([-*_])(\s*\1){2,}\s*$/;
const WHOLLY_BOLD = /^(\*\*|__)(?!\s).*\S\1:?$/;

/**
 * Blocks from a .txt or .md file. A line with tabs is a table row (that is how Word tables and
 * contents pages come out when saved as text); an indented line straight after a list item
 * continues it. In Markdown, lines of one paragraph are joined as Markdown does; in plain text
 * every line stays its own paragraph, because short lines there are often list entries.
 */
export function blocksFromText(text: string, markdown: boolean): Block[] {
  const lines = text.split(/\r\n|\r|\n/);
  const blocks: Block[] = [];
  const blankBefore: boolean[] = [];
  const lastLine: number[] = [];
  let sawBlank = true;
  for (const [i, rawLine] of lines.entries()) {
    const raw = rawLine.replace(/[ \u00a0]+$/, '');
    if (raw.trim() === '' || RULE.test(raw)) {
      sawBlank = true;
      continue;
    }
    const where = `line ${i + 1}`;
    const previous = blocks.at(-1);
    const push = (block: Block) => {
      blocks.push(block);
      blankBefore.push(sawBlank);
      lastLine.push(i);
    };
    const pipeRow = markdown && /^\s*\|.*\|\s*$/.test(raw);
    if (pipeRow && /^[\s|:-]+$/.test(raw)) continue;
    if (raw.includes('\t') || pipeRow) {
      const cells = pipeRow ? raw.trim().slice(1, -1).split('|') : raw.split('\t');
      push({ kind: 'tableRow', cells: cells.map(cleanInline), where });
    } else if (MD_HEADING.test(raw)) {
      const [, hashes = '#', content = ''] = MD_HEADING.exec(raw) ?? [];
      push({ kind: 'heading', level: hashes.length, text: cleanInline(content), where });
    } else if (BULLET.test(raw)) {
      const [, indent = '', content = ''] = BULLET.exec(raw) ?? [];
      push({ kind: 'listItem', depth: Math.ceil(indent.replace(/\t/g, '    ').length / 2), text: cleanInline(content.replace(/^[·•▪‣◦]\s*/, '')), where });
    } else if (!sawBlank && previous?.kind === 'listItem' && /^\s/.test(raw)) {
      previous.text = `${previous.text} ${cleanInline(raw)}`;
      lastLine[lastLine.length - 1] = i;
    } else if (markdown && !sawBlank && previous?.kind === 'paragraph') {
      previous.text = `${previous.text} ${cleanInline(raw)}`;
      lastLine[lastLine.length - 1] = i;
    } else {
      push({ kind: 'paragraph', text: cleanInline(raw), bold: WHOLLY_BOLD.test(raw.trim()), standalone: false, where });
    }
    sawBlank = false;
  }
  for (const [n, block] of blocks.entries()) {
    if (block.kind !== 'paragraph') continue;
    const next = lines[(lastLine[n] ?? 0) + 1];
    block.standalone = Boolean(blankBefore[n]) && (next === undefined || next.trim() === '' || RULE.test(next));
  }
  return blocks.filter((b) => blockText(b) !== '');
}
