import mammoth from 'mammoth';
import { type Block, cleanInline, type ExtractedDocument } from './blocks.ts';
import { importErrors, MAX_UNZIPPED_BYTES } from './errors.ts';
import { inflateEntry, LargerThanDeclared, readCentralDirectory } from './zip.ts';

const CFB_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
export const isCompoundFile = (bytes: Uint8Array) => CFB_MAGIC.every((b, i) => bytes[i] === b);

const utf16 = (s: string) => Buffer.from(s, 'utf16le');

/**
 * Word saves a password-protected .docx inside an OLE compound file (the same container as
 * the old .doc format), holding "EncryptionInfo" and "EncryptedPackage" streams. A compound
 * file with a "WordDocument" stream and no encrypted package is an old .doc renamed.
 */
function refuseCompoundFile(name: string, bytes: Uint8Array): never {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const encrypted = buffer.includes(utf16('EncryptedPackage'));
  if (!encrypted && buffer.includes(utf16('WordDocument'))) throw importErrors.legacyWord(name);
  throw importErrors.passwordDocx(name);
}

/** Any one part bigger than this that also shrank more than RATIO-fold is not a real policy's part. */
const SUSPICIOUS_PART_BYTES = 1024 * 1024;
const SUSPICIOUS_RATIO = 100;
const MAX_PARTS = 5000;

/** Refuses zip bombs from the declared sizes first, then checks the XML parts Word's text lives in. */
function inspectPackage(name: string, bytes: Uint8Array) {
  const entries = readCentralDirectory(bytes);
  if (!entries || entries.length === 0) throw importErrors.corruptDocx(name);
  const total = entries.reduce((sum, e) => sum + e.uncompressedSize, 0);
  const absurd = entries.some(
    (e) => e.uncompressedSize > SUSPICIOUS_PART_BYTES && (e.compressedSize === 0 || e.uncompressedSize / e.compressedSize > SUSPICIOUS_RATIO),
  );
  if (total > MAX_UNZIPPED_BYTES) throw importErrors.zipBomb(name, { total });
  if (entries.length > MAX_PARTS) throw importErrors.zipBomb(name, 'parts');
  if (absurd) throw importErrors.zipBomb(name, 'ratio');
  const names = new Set(entries.map((e) => e.name));
  if (!names.has('[Content_Types].xml') || !entries.some((e) => /^word\/document\d*\.xml$/.test(e.name))) throw importErrors.notWord(name);
  for (const entry of entries.filter((e) => /\.(xml|rels)$/.test(e.name))) {
    try {
      inflateEntry(bytes, entry);
    } catch (error) {
      if (error instanceof LargerThanDeclared) throw importErrors.zipBomb(name, 'undeclared');
      throw importErrors.corruptDocx(name);
    }
  }
}

const STYLE_MAP = [
  "p[style-name='Title'] => h1.title:fresh",
  "p[style-name='Subtitle'] => p:fresh",
  "p[style-name^='TOC'] => p.toc:fresh",
  "p[style-name^='toc'] => p.toc:fresh",
  "p[style-name='Contents 1'] => p.toc:fresh",
  "p[style-name='Contents 2'] => p.toc:fresh",
  "p[style-name='Contents 3'] => p.toc:fresh",
];

/** Pictures are left out: the importer wants words, and nothing inside a picture is ever decoded. */
const dropImages = mammoth.images.imgElement(async () => ({ src: '' }));

type MammothParagraph = { numbering?: { isOrdered: boolean } | null };
/** mammoth's document transforms exist at run time but are missing from its type declarations. */
const transforms = (mammoth as unknown as { transforms: { paragraph: (f: (p: MammothParagraph) => MammothParagraph) => (doc: unknown) => unknown } })
  .transforms;

export async function extractDocx(name: string, bytes: Uint8Array): Promise<ExtractedDocument> {
  if (isCompoundFile(bytes)) refuseCompoundFile(name, bytes);
  inspectPackage(name, bytes);
  let html: string;
  let messages: { type: string; message: string }[];
  // Word's automatic numbering is not part of the text mammoth gives; count it so the admin is told.
  let autoNumbered = 0;
  const countAutoNumbering = transforms.paragraph((p) => {
    if (p.numbering?.isOrdered) autoNumbered++;
    return p;
  });
  try {
    const result = await mammoth.convertToHtml(
      { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
      { styleMap: STYLE_MAP, convertImage: dropImages, externalFileAccess: false, transformDocument: countAutoNumbering },
    );
    html = result.value;
    messages = result.messages;
  } catch {
    throw importErrors.corruptDocx(name);
  }
  const { blocks, images, contentsLines } = blocksFromHtml(html);
  const warnings: string[] = [];
  if (contentsLines > 0) warnings.push(`The table of contents (${contentsLines} lines) was left out.`);
  if (autoNumbered > 0)
    warnings.push(
      `${autoNumbered === 1 ? 'One paragraph is' : `${autoNumbered} headings or paragraphs are`} numbered automatically by Word, and those numbers are not part of the text: add them on this page if they matter.`,
    );
  if (images > 0) warnings.push(`${images === 1 ? 'One picture was' : `${images} pictures were`} left out: Countersign imports the text only.`);
  for (const m of messages) if (m.type === 'error') warnings.push(`Part of the document could not be read: ${m.message}`);
  return { fileName: name, format: 'docx', blocks, warnings };
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
const decodeEntities = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, code: string) => {
    if (code[0] === '#') return String.fromCodePoint(code[1]?.toLowerCase() === 'x' ? Number.parseInt(code.slice(2), 16) : Number(code.slice(1)));
    return ENTITIES[code.toLowerCase()] ?? whole;
  });

type Open = { tag: 'p' | 'h' | 'li'; level: number; text: string; chars: number; boldChars: number; title: boolean; toc: boolean };

/**
 * Walks mammoth's HTML, which only ever uses a small set of tags (h1–h6, p, ul/ol/li, table,
 * strong/em, a, img, br), into blocks. Links keep their words only; nothing is fetched.
 */
export function blocksFromHtml(html: string): { blocks: Block[]; images: number; contentsLines: number } {
  const blocks: Block[] = [];
  let images = 0;
  let contentsLines = 0;
  let listDepth = 0;
  let tableDepth = 0;
  let bold = 0;
  let row: string[] | null = null;
  let cell: string | null = null;
  let open: Open | null = null;
  const where = () => `paragraph ${blocks.length + 1}`;

  const flush = () => {
    if (!open) return;
    const current = open;
    open = null;
    if (current.toc) {
      if (current.text.trim()) contentsLines++;
      return;
    }
    if (current.tag === 'li') {
      const text = cleanInline(current.text.replace(/\t/g, ' '));
      if (text) blocks.push({ kind: 'listItem', text, depth: Math.max(0, listDepth - 1), where: where() });
      return;
    }
    if (current.tag === 'h') {
      const text = cleanInline(current.text.replace(/\t/g, ' '));
      if (text) blocks.push({ kind: 'heading', text, level: current.title ? 0 : current.level, where: where() });
      return;
    }
    if (current.text.includes('\t')) {
      const cells = current.text.split('\t').map(cleanInline);
      if (cells.some(Boolean)) blocks.push({ kind: 'tableRow', cells, where: where() });
      return;
    }
    const text = cleanInline(current.text);
    if (text) blocks.push({ kind: 'paragraph', text, bold: current.chars > 0 && current.boldChars >= current.chars * 0.9, standalone: true, where: where() });
  };
  const start = (tag: Open['tag'], level: number, attrs: string) => {
    flush();
    open = { tag, level, text: '', chars: 0, boldChars: 0, title: /class="title"/.test(attrs), toc: /class="toc"/.test(attrs) };
  };

  for (const match of html.matchAll(/<(\/?)([a-zA-Z0-9]+)([^>]*)>|([^<]+)/g)) {
    const [, closing, rawTag = '', attrs = '', rawText] = match;
    if (rawText !== undefined) {
      const text = decodeEntities(rawText);
      if (cell !== null) cell += text;
      else if (open) {
        const current: Open = open;
        current.text += text;
        const visible = text.replace(/\s/g, '').length;
        current.chars += visible;
        if (bold > 0) current.boldChars += visible;
      }
      continue;
    }
    const tag = rawTag.toLowerCase();
    if (tag === 'img') {
      images++;
      continue;
    }
    if (tag === 'strong' || tag === 'b') {
      bold += closing ? -1 : 1;
      continue;
    }
    if (tag === 'table') {
      tableDepth += closing ? -1 : 1;
      if (!closing && tableDepth === 1) flush();
      continue;
    }
    if (tableDepth > 0) {
      if (tableDepth > 1) continue;
      if (tag === 'tr') {
        if (closing && row) {
          if (row.some(Boolean)) blocks.push({ kind: 'tableRow', cells: row, where: where() });
          row = null;
        } else if (!closing) row = [];
      } else if (tag === 'td' || tag === 'th') {
        if (closing) {
          row?.push(cleanInline(cell ?? ''));
          cell = null;
        } else cell = '';
      } else if (cell !== null && (tag === 'p' || tag === 'br' || tag === 'li')) cell += ' ';
      continue;
    }
    if (tag === 'ul' || tag === 'ol') {
      if (!closing) flush();
      listDepth += closing ? -1 : 1;
    } else if (tag === 'li') {
      if (closing) flush();
      else start('li', 0, attrs);
    } else if (/^h[1-6]$/.test(tag)) {
      if (closing) flush();
      else start('h', Number(tag[1]), attrs);
    } else if (tag === 'p') {
      if (closing) flush();
      else start('p', 0, attrs);
    } else if (tag === 'br' && open) {
      const current: Open = open;
      if (current.tag === 'p') start('p', 0, '');
      else current.text += ' ';
    }
  }
  flush();
  return { blocks, images, contentsLines };
}
