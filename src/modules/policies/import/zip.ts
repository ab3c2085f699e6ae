import { inflateRawSync } from 'node:zlib';

export type ZipEntry = {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
};

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL_ENTRY = 0x02014b50;
const LOCAL_ENTRY = 0x04034b50;
const MAX32 = 0xffffffff;

class NotAZip extends Error {}

/** An entry holds more than its declared size. */
export class LargerThanDeclared extends Error {}

/**
 * The entries a zip file says it holds, read from its central directory alone: nothing is
 * inflated, so a zip bomb can be refused by its declared sizes before any of it is unpacked.
 * Returns null when the bytes are not a zip.
 */
export function readCentralDirectory(bytes: Uint8Array): ZipEntry[] | null {
  try {
    return centralDirectory(bytes);
  } catch (error) {
    if (error instanceof NotAZip || error instanceof RangeError) return null;
    throw error;
  }
}

function centralDirectory(bytes: Uint8Array): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const u64 = (at: number) => Number(view.getBigUint64(at, true));

  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (u32(at) === EOCD) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw new NotAZip();
  let count = u16(eocd + 10);
  let offset = u32(eocd + 16);
  if ((count === 0xffff || offset === MAX32) && eocd >= 20 && u32(eocd - 20) === ZIP64_LOCATOR) {
    const record = u64(eocd - 12);
    if (u32(record) !== ZIP64_EOCD) throw new NotAZip();
    count = u64(record + 32);
    offset = u64(record + 48);
  }

  const entries: ZipEntry[] = [];
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (u32(at) !== CENTRAL_ENTRY) throw new NotAZip();
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    const entry: ZipEntry = {
      method: u16(at + 10),
      compressedSize: u32(at + 20),
      uncompressedSize: u32(at + 24),
      localHeaderOffset: u32(at + 42),
      name: new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength)),
    };
    readZip64Extra(view, at + 46 + nameLength, extraLength, entry);
    entries.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Sizes over 4 GB live in the "zip64" extra field, in this order, only for the fields set to 0xFFFFFFFF. */
function readZip64Extra(view: DataView, start: number, length: number, entry: ZipEntry) {
  for (let at = start; at + 4 <= start + length; ) {
    const id = view.getUint16(at, true);
    const size = view.getUint16(at + 2, true);
    if (id === 0x0001) {
      let field = at + 4;
      const next = () => {
        const value = Number(view.getBigUint64(field, true));
        field += 8;
        return value;
      };
      if (entry.uncompressedSize === MAX32) entry.uncompressedSize = next();
      if (entry.compressedSize === MAX32) entry.compressedSize = next();
      if (entry.localHeaderOffset === MAX32) entry.localHeaderOffset = next();
    }
    at += 4 + size;
  }
}

/**
 * Inflates one entry, but never past the size the central directory declared for it: that
 * directory is written by whoever made the file, and a lying one would otherwise let a small
 * upload unpack into gigabytes. Throws LargerThanDeclared when it holds more, and another
 * error when the entry is damaged.
 */
export function inflateEntry(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== LOCAL_ENTRY) throw new NotAZip();
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  if (start + entry.compressedSize > bytes.length) throw new NotAZip();
  const data = bytes.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) {
    if (data.length > entry.uncompressedSize) throw new LargerThanDeclared();
    return data;
  }
  if (entry.method !== 8) throw new NotAZip();
  try {
    return inflateRawSync(data, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new LargerThanDeclared();
    throw error;
  }
}
