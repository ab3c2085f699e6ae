import path from 'node:path';
import { blocksFromText, type ExtractedDocument } from './blocks.ts';
import { extractDocx, isCompoundFile } from './docx.ts';
import { importErrors, MAX_POLICY_BYTES } from './errors.ts';
import { extractPdf } from './pdf.ts';

export type PolicyFile = { name: string; bytes: Uint8Array };

const startsWith = (bytes: Uint8Array, magic: number[], at = 0) => magic.every((b, i) => bytes[at + i] === b);

/** Windows (MZ with a PE header), Linux (ELF) and macOS (Mach-O) programs, whatever they are called. */
function isProgram(bytes: Uint8Array): boolean {
  if (startsWith(bytes, [0x7f, 0x45, 0x4c, 0x46])) return true;
  if (
    [
      [0xfe, 0xed, 0xfa, 0xce],
      [0xfe, 0xed, 0xfa, 0xcf],
      [0xce, 0xfa, 0xed, 0xfe],
      [0xcf, 0xfa, 0xed, 0xfe],
    ].some((m) => startsWith(bytes, m))
  )
    return true;
  if (!startsWith(bytes, [0x4d, 0x5a]) || bytes.length < 0x40) return false;
  const peOffset = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0x3c, true);
  return startsWith(bytes, [0x50, 0x45, 0, 0], peOffset) || Buffer.from(bytes.subarray(0, 512)).includes('This program cannot be run in DOS mode');
}

const isZip = (bytes: Uint8Array) => startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06]);
const isPdf = (bytes: Uint8Array) => Buffer.from(bytes.subarray(0, 1024)).includes('%PDF-');

/** Windows-1252 for bytes 0x80–0x9F (Node's TextDecoder reads "windows-1252" as Latin-1, which has control codes there). */
const CP1252 = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';
const decodeWindows1252 = (bytes: Uint8Array) => Array.from(bytes, (b) => (b >= 0x80 && b <= 0x9f ? CP1252[b - 0x80] : String.fromCharCode(b))).join('');

/** Text in UTF-8 (with or without a byte-order mark), UTF-16 with a mark, or else Windows-1252 as older Notepad saved it. */
function decodeText(bytes: Uint8Array): string | null {
  if (startsWith(bytes, [0xef, 0xbb, 0xbf])) return new TextDecoder('utf-8').decode(bytes.subarray(3));
  if (startsWith(bytes, [0xff, 0xfe])) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (startsWith(bytes, [0xfe, 0xff])) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  if (bytes.includes(0) || isZip(bytes) || isPdf(bytes) || isCompoundFile(bytes)) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return decodeWindows1252(bytes);
  }
}

/**
 * Reads an uploaded policy into blocks. Refuses, with a message saying what to do, anything
 * that is not a readable .docx, .pdf, .txt or .md file, before doing any real work on it.
 */
export async function extractText(file: PolicyFile): Promise<ExtractedDocument> {
  const name = path.basename(file.name.trim()) || 'The file';
  const extension = path.extname(name).slice(1).toLowerCase();
  const { bytes } = file;
  if (extension === 'doc') throw importErrors.legacyWord(name);
  if (!['docx', 'pdf', 'txt', 'text', 'md', 'markdown'].includes(extension)) throw importErrors.unsupportedType(name);
  if (isProgram(bytes)) throw importErrors.programFile(name);
  if (bytes.length > MAX_POLICY_BYTES) throw importErrors.tooLarge(name, bytes.length);
  if (bytes.length === 0) throw importErrors.empty(name);

  let doc: ExtractedDocument;
  if (extension === 'docx') doc = await extractDocx(name, bytes);
  else if (extension === 'pdf') {
    if (!isPdf(bytes)) throw importErrors.corruptPdf(name);
    doc = await extractPdf(name, bytes);
  } else {
    const text = decodeText(bytes);
    if (text === null) throw importErrors.notText(name);
    const markdown = extension === 'md' || extension === 'markdown';
    doc = { fileName: name, format: markdown ? 'md' : 'txt', blocks: blocksFromText(text, markdown), warnings: [] };
  }
  if (doc.blocks.length === 0) throw importErrors.empty(name);
  return doc;
}
