import { extractTextItems, getDocumentProxy } from 'unpdf';
import { type Block, cleanInline, type ExtractedDocument } from './blocks.ts';
import { importErrors } from './errors.ts';

type Item = { str: string; x: number; y: number; width: number; fontSize: number };
type Line = { page: number; cells: string[]; columns: number[]; y: number; x0: number; x1: number; size: number };

const PAGE_NUMBER = /^(page\s+)?\d{1,3}(\s*(of|\/)\s*\d{1,3})?$/i;
const BULLET = /^[•·▪‣◦\-–]\s*/;

export async function extractPdf(name: string, bytes: Uint8Array): Promise<ExtractedDocument> {
  let pages: Item[][];
  try {
    // A copy: pdf.js takes ownership of the buffer it is given.
    const pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0, isEvalSupported: false, disableFontFace: true, stopAtErrors: false });
    try {
      pages = (await extractTextItems(pdf)).items;
    } finally {
      await pdf.destroy();
    }
  } catch (error) {
    if ((error as { name?: string }).name === 'PasswordException') throw importErrors.passwordPdf(name);
    throw importErrors.corruptPdf(name);
  }
  const lines = pages.flatMap((items, i) => linesOf(items, i + 1)).filter((l) => !(l.cells.length === 1 && PAGE_NUMBER.test(l.cells[0] ?? '')));
  if (lines.length === 0) throw importErrors.scannedPdf(name);
  return { fileName: name, format: 'pdf', blocks: blocksOf(lines), warnings: [] };
}

/** Text items on one baseline become a line; a wide gap between them starts a new table cell. */
function linesOf(items: Item[], page: number): Line[] {
  const visible = items.filter((i) => i.str.trim() !== '').sort((a, b) => b.y - a.y || a.x - b.x);
  const rows: Item[][] = [];
  for (const item of visible) {
    const row = rows.at(-1);
    const first = row?.[0];
    if (row && first && Math.abs(first.y - item.y) <= Math.max(2, item.fontSize * 0.3)) row.push(item);
    else rows.push([item]);
  }
  return rows.map((row) => {
    row.sort((a, b) => a.x - b.x);
    const size = Math.max(...row.map((i) => i.fontSize));
    const cells: string[] = [];
    const columns: number[] = [];
    let end = Number.NEGATIVE_INFINITY;
    for (const item of row) {
      const gap = item.x - end;
      if (cells.length === 0 || gap > size * 1.5) {
        cells.push(item.str);
        columns.push(item.x);
      } else {
        const last = cells.length - 1;
        const joiner = gap > size * 0.1 && !/\s$/.test(cells[last] ?? '') && !/^\s/.test(item.str) ? ' ' : '';
        cells[last] = `${cells[last]}${joiner}${item.str}`;
      }
      end = Math.max(end, item.x + item.width);
    }
    return { page, cells: cells.map(cleanInline), columns, y: row[0]?.y ?? 0, x0: row[0]?.x ?? 0, x1: end, size };
  });
}

/** Word's heading styles are often only a point larger than the body text (12pt on 11pt). */
const HEADING_RATIO = 1.08;

/**
 * A line under a table row whose first column is empty carries on that row: cells that wrap
 * onto several lines in the PDF. Each piece joins the cell it sits under, or starts one.
 */
function continueRow(row: Extract<Block, { kind: 'tableRow' }>, line: Line) {
  const columns = row.columns ?? [];
  line.cells.forEach((cell, k) => {
    const x = line.columns[k] ?? 0;
    const at = columns.findIndex((c) => Math.abs(c - x) <= line.size);
    if (at >= 0) row.cells[at] = row.cells[at] ? `${row.cells[at]} ${cell}` : cell;
    else {
      const insert = columns.filter((c) => c < x).length;
      columns.splice(insert, 0, x);
      row.cells.splice(insert, 0, cell);
    }
  });
  row.columns = columns;
}

const mode = (values: number[]) => {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
};

/**
 * Lines become blocks: a larger font is a heading, a bullet starts a list item, and a line
 * carries on the paragraph above only when it sits at normal line spacing under a line that
 * ran to the right margin (a short line ends its paragraph, as a heading typed as plain text does).
 */
function blocksOf(lines: Line[]): Block[] {
  const body = mode(lines.map((l) => Math.round(l.size * 10) / 10));
  const steps: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const [a, b] = [lines[i - 1], lines[i]];
    if (a && b && a.page === b.page && Math.abs(a.size - body) < 0.5 && Math.abs(b.size - body) < 0.5) steps.push(Math.round((a.y - b.y) * 10) / 10);
  }
  const step = mode(steps.filter((s) => s > 0)) || body * 1.2;
  const isHeading = (l: Line) => l.size >= body * HEADING_RATIO;
  const headingSizes = [...new Set(lines.filter(isHeading).map((l) => Math.round(l.size)))].sort((a, b) => b - a);
  const rightEdge = new Map<number, number>();
  for (const l of lines) rightEdge.set(l.page, Math.max(rightEdge.get(l.page) ?? 0, l.x1));

  const blocks: Block[] = [];
  const gapAfterLine = (i: number) => {
    const [a, b] = [lines[i], lines[i + 1]];
    return !a || !b || a.page !== b.page || a.y - b.y > step * 1.4;
  };
  let bulletX = Number.POSITIVE_INFINITY;
  for (const [i, line] of lines.entries()) {
    const where = `page ${line.page}`;
    const previousLine = lines[i - 1];
    const spaced = !previousLine || gapAfterLine(i - 1);
    const previous = blocks.at(-1);
    const text = line.cells.join(' ');
    const wrapped =
      previousLine !== undefined &&
      !spaced &&
      previousLine.cells.length === 1 &&
      previousLine.x1 >= (rightEdge.get(previousLine.page) ?? 0) - line.size * 8 &&
      Math.abs(previousLine.size - line.size) < 0.5;
    const close = previousLine !== undefined && previousLine.page === line.page && previousLine.y - line.y <= Math.max(previousLine.size, line.size) * 1.5;
    if (previous?.kind === 'tableRow' && close && (line.columns[0] ?? 0) > (previous.columns?.[0] ?? 0) + line.size) {
      continueRow(previous, line);
      continue;
    }
    if (line.cells.length > 1) {
      blocks.push({ kind: 'tableRow', cells: line.cells, columns: line.columns, where });
    } else if (isHeading(line)) {
      if (previous?.kind === 'heading' && close && Math.abs((previousLine?.size ?? 0) - line.size) < 0.5) previous.text = `${previous.text} ${text}`;
      else blocks.push({ kind: 'heading', text, level: headingSizes.indexOf(Math.round(line.size)) + 1, where });
    } else if (BULLET.test(text) && text.replace(BULLET, '') !== '') {
      bulletX = Math.min(bulletX, line.x0);
      blocks.push({ kind: 'listItem', text: text.replace(BULLET, ''), depth: line.x0 > bulletX + line.size ? 1 : 0, where });
    } else if (wrapped && (previous?.kind === 'paragraph' || previous?.kind === 'listItem')) {
      previous.text = `${previous.text} ${text}`;
      continue;
    } else {
      blocks.push({ kind: 'paragraph', text, bold: false, standalone: false, where });
    }
    const last = blocks.at(-1);
    if (last?.kind === 'paragraph') last.standalone = spaced && gapAfterLine(i);
  }
  return blocks.filter((b) => b.kind === 'tableRow' || b.text !== '');
}
