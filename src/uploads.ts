/**
 * What an uploaded file really is, from its first bytes, never its name or the browser's word.
 * Used by every upload that is kept as evidence (signature scans, concern attachments).
 */
export type Sniffed =
  | { kind: 'accepted'; contentType: string; label: string }
  | { kind: 'refused'; reason: 'executable' | 'archive' | 'unknown'; label: string };

const starts = (bytes: Buffer, sig: number[], offset = 0) => sig.every((b, i) => bytes[offset + i] === b);

export function sniffFile(bytes: Buffer): Sniffed {
  const head = bytes.subarray(0, 16).toString('latin1');
  if (head.startsWith('%PDF-')) return { kind: 'accepted', contentType: 'application/pdf', label: 'PDF' };
  if (starts(bytes, [0xff, 0xd8, 0xff])) return { kind: 'accepted', contentType: 'image/jpeg', label: 'JPEG' };
  if (starts(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { kind: 'accepted', contentType: 'image/png', label: 'PNG' };
  if (head.startsWith('GIF87a') || head.startsWith('GIF89a')) return { kind: 'accepted', contentType: 'image/gif', label: 'GIF' };
  if (head.startsWith('RIFF') && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return { kind: 'accepted', contentType: 'image/webp', label: 'WebP' };
  if (bytes.subarray(4, 8).toString('latin1') === 'ftyp' && /^(heic|heix|mif1|msf1|hevc)/.test(bytes.subarray(8, 12).toString('latin1')))
    return { kind: 'accepted', contentType: 'image/heic', label: 'HEIC photo' };
  // Executables and scripts: Windows (MZ), Linux (ELF), macOS (Mach-O), shell scripts.
  if (head.startsWith('MZ') || starts(bytes, [0x7f, 0x45, 0x4c, 0x46]) || head.startsWith('#!'))
    return { kind: 'refused', reason: 'executable', label: 'program' };
  if (
    [
      [0xfe, 0xed, 0xfa, 0xce],
      [0xfe, 0xed, 0xfa, 0xcf],
      [0xcf, 0xfa, 0xed, 0xfe],
      [0xce, 0xfa, 0xed, 0xfe],
      [0xca, 0xfe, 0xba, 0xbe],
    ].some((s) => starts(bytes, s))
  )
    return { kind: 'refused', reason: 'executable', label: 'program' };
  // Archives (ZIP also covers Word and Excel files, which can carry macros): 7z, RAR, gzip, bzip2, xz.
  if (
    starts(bytes, [0x50, 0x4b, 0x03, 0x04]) ||
    starts(bytes, [0x50, 0x4b, 0x05, 0x06]) ||
    head.startsWith('Rar!') ||
    starts(bytes, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])
  )
    return { kind: 'refused', reason: 'archive', label: 'archive' };
  if (starts(bytes, [0x1f, 0x8b]) || head.startsWith('BZh') || starts(bytes, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))
    return { kind: 'refused', reason: 'archive', label: 'archive' };
  if (isPlainText(bytes)) return { kind: 'accepted', contentType: 'text/plain; charset=utf-8', label: 'text' };
  return { kind: 'refused', reason: 'unknown', label: 'unknown' };
}

/** UTF-8 text with no control characters other than tab, newline and carriage return (a saved email, a note). */
function isPlainText(bytes: Buffer): boolean {
  if (bytes.length === 0) return false;
  const sample = bytes.subarray(0, 64 * 1024);
  for (const b of sample) if (b < 0x09 || (b > 0x0d && b < 0x20) || b === 0x7f) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample.length < bytes.length ? sample.subarray(0, lastCharBoundary(sample)) : sample);
    return true;
  } catch {
    return false;
  }
}

function lastCharBoundary(buf: Buffer): number {
  let end = buf.length;
  while (end > 0 && ((buf[end - 1] as number) & 0xc0) === 0x80) end--;
  return end > 0 && (buf[end - 1] as number) >= 0xc0 ? end - 1 : buf.length;
}
