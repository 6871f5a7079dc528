/**
 * A deterministic ZIP of stored files (a render's bundle), laid out before the first byte
 * is sent: every entry is STOREd (media is compressed already), its CRC-32 is known in
 * advance (computed when the file was stored), and names, order and timestamps are fixed.
 * So the archive's length is known (Content-Length), its bytes are the same on every
 * request (a stable ETag, Range and resume), and any byte range is produced from the
 * headers and the files' own bytes alone: a resume from the middle of a 4 GB ProRes .mov
 * reads no byte of the files before it, and no copy of the archive is ever stored.
 *
 * Decisions:
 * - No data descriptors: CRC and sizes go in the local headers, as unzip tools like best.
 * - ZIP64 only where needed: an entry of 4 GiB − 1 bytes or more gets the ZIP64 extra field
 *   in both headers; an entry starting past 4 GiB gets it in the central directory; the
 *   ZIP64 end records are written only when the directory's offset, size or count need it.
 * - Every entry is dated 1980-01-01 00:00 (the DOS epoch) with Unix mode 0644: the content
 *   alone decides the bytes.
 * - Entry names are made safe for any unzip tool: no `..`, no leading `/`, no drive letters
 *   or control characters, no two entries with the same name (`-2`, `-3` … are appended);
 *   non-ASCII names carry the UTF-8 flag.
 *
 * @example
 * const layout = layoutZip([{ name: 'video.mp4', path: videoPath, size, crc32 }]);
 * zipRangeStream(layout, 0, layout.size - 1).pipe(response);
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';

export interface ZipEntry {
  /** The name inside the zip; sanitised. */
  name: string;
  /** The file on disk. */
  path: string;
  /** Its size in bytes (the file must still have exactly this size when it is read). */
  size: number;
  /** Its CRC-32 (unsigned). */
  crc32: number;
}

/** A contiguous piece of the archive: header bytes, or a whole file's bytes. */
type ZipPart = { offset: number; length: number } & ({ bytes: Buffer } | { path: string });

export interface ZipLayout {
  /** The archive's length in bytes. */
  size: number;
  /** The entries' names as they appear in the archive. */
  names: string[];
  parts: ZipPart[];
}

const MAX_32 = 0xffffffff;
const MAX_16 = 0xffff;
const VERSION_STORED = 10;
const VERSION_ZIP64 = 45;
/** Version made by: Unix (3), spec 4.5; the high byte tells unzip to read the Unix mode. */
const MADE_BY = (3 << 8) | VERSION_ZIP64;
/** 1980-01-01 00:00:00 in DOS date/time format. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const DOS_TIME = 0;
/** A regular file, rw-r--r--, in the high 16 bits of the external attributes. */
const UNIX_FILE_ATTRIBUTES = (0o100644 << 16) >>> 0;
const UTF8_FLAG = 0x0800;

export function layoutZip(entries: ZipEntry[]): ZipLayout {
  const names = uniqueNames(entries.map((entry, index) => sanitizeEntryName(entry.name, `file-${index + 1}`)));
  const parts: ZipPart[] = [];
  let offset = 0;
  const push = (part: { bytes: Buffer } | { path: string; length: number }): void => {
    const length = 'bytes' in part ? part.bytes.length : part.length;
    parts.push({ ...part, offset, length });
    offset += length;
  };

  const central: Buffer[] = [];
  entries.forEach((entry, index) => {
    const name = Buffer.from(names[index]!, 'utf8');
    const flags = /^[\x20-\x7e]*$/.test(names[index]!) ? 0 : UTF8_FLAG;
    const largeEntry = entry.size >= MAX_32;
    const largeOffset = offset >= MAX_32;
    const version = largeEntry || largeOffset ? VERSION_ZIP64 : VERSION_STORED;
    const crc32 = entry.crc32 >>> 0;

    const fields = { version, flags, crc32, size: largeEntry ? MAX_32 : entry.size, nameLength: name.length };
    const localExtra = largeEntry ? zip64Extra([entry.size, entry.size]) : Buffer.alloc(0);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    writeSharedFields(local, 4, { ...fields, extraLength: localExtra.length });
    const localOffset = offset;
    push({ bytes: Buffer.concat([local, name, localExtra]) });
    if (entry.size > 0) push({ path: entry.path, length: entry.size });

    // The central directory's ZIP64 field holds only the values that do not fit, in this order.
    const centralExtra = largeEntry || largeOffset ? zip64Extra([...(largeEntry ? [entry.size, entry.size] : []), ...(largeOffset ? [localOffset] : [])]) : Buffer.alloc(0);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(MADE_BY, 4);
    writeSharedFields(header, 6, { ...fields, extraLength: centralExtra.length });
    header.writeUInt16LE(0, 32); // comment length
    header.writeUInt16LE(0, 34); // disk
    header.writeUInt16LE(0, 36); // internal attributes
    header.writeUInt32LE(UNIX_FILE_ATTRIBUTES, 38);
    header.writeUInt32LE(largeOffset ? MAX_32 : localOffset, 42);
    central.push(header, name, centralExtra);
  });

  const directoryOffset = offset;
  const directory = Buffer.concat(central);
  const count = entries.length;
  const needsZip64End = count > MAX_16 || directory.length >= MAX_32 || directoryOffset >= MAX_32;
  const end: Buffer[] = [directory];
  if (needsZip64End) {
    const zip64EndOffset = directoryOffset + directory.length;
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4); // size of the rest of the record
    record.writeUInt16LE(MADE_BY, 12);
    record.writeUInt16LE(VERSION_ZIP64, 14);
    record.writeUInt32LE(0, 16);
    record.writeUInt32LE(0, 20);
    record.writeBigUInt64LE(BigInt(count), 24);
    record.writeBigUInt64LE(BigInt(count), 32);
    record.writeBigUInt64LE(BigInt(directory.length), 40);
    record.writeBigUInt64LE(BigInt(directoryOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeUInt32LE(0, 4);
    locator.writeBigUInt64LE(BigInt(zip64EndOffset), 8);
    locator.writeUInt32LE(1, 16);
    end.push(record, locator);
  }
  const record = Buffer.alloc(22);
  record.writeUInt32LE(0x06054b50, 0);
  record.writeUInt16LE(Math.min(count, MAX_16), 8);
  record.writeUInt16LE(Math.min(count, MAX_16), 10);
  record.writeUInt32LE(Math.min(directory.length, MAX_32), 12);
  record.writeUInt32LE(Math.min(directoryOffset, MAX_32), 16);
  end.push(record);
  push({ bytes: Buffer.concat(end) });
  return { size: offset, names, parts };
}

/**
 * The run of fields a local header and its central directory header share, in the same
 * order: version needed, flags, method (0, stored), time, date, CRC-32, compressed and
 * uncompressed size (equal when stored), name and extra field lengths.
 */
function writeSharedFields(
  header: Buffer,
  at: number,
  fields: { version: number; flags: number; crc32: number; size: number; nameLength: number; extraLength: number },
): void {
  header.writeUInt16LE(fields.version, at);
  header.writeUInt16LE(fields.flags, at + 2);
  header.writeUInt16LE(0, at + 4);
  header.writeUInt16LE(DOS_TIME, at + 6);
  header.writeUInt16LE(DOS_DATE, at + 8);
  header.writeUInt32LE(fields.crc32, at + 10);
  header.writeUInt32LE(fields.size, at + 14);
  header.writeUInt32LE(fields.size, at + 18);
  header.writeUInt16LE(fields.nameLength, at + 22);
  header.writeUInt16LE(fields.extraLength, at + 24);
}

/** The ZIP64 extended information extra field (0x0001) with these 8-byte values. */
function zip64Extra(values: number[]): Buffer {
  const field = Buffer.alloc(4 + values.length * 8);
  field.writeUInt16LE(0x0001, 0);
  field.writeUInt16LE(values.length * 8, 2);
  values.forEach((value, index) => field.writeBigUInt64LE(BigInt(value), 4 + index * 8));
  return field;
}

/**
 * Bytes `start`–`end` (inclusive) of the archive. Only the files the range touches are
 * opened, each at the offset the range needs; destroying the stream closes the open file.
 */
export function zipRangeStream(layout: ZipLayout, start: number, end: number): Readable {
  async function* bytes(): AsyncGenerator<Buffer> {
    for (const part of layout.parts) {
      const partEnd = part.offset + part.length - 1;
      if (partEnd < start || part.offset > end || part.length === 0) continue;
      const from = Math.max(start, part.offset) - part.offset;
      const to = Math.min(end, partEnd) - part.offset;
      if ('bytes' in part) {
        yield part.bytes.subarray(from, to + 1);
        continue;
      }
      let read = 0;
      for await (const chunk of createReadStream(part.path, { start: from, end: to })) {
        read += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
      // A stored file never changes; one that shrank would silently corrupt the archive.
      if (read !== to - from + 1) throw new Error(`${part.path} is shorter than the ${part.length} bytes the zip was laid out for`);
    }
  }
  return Readable.from(bytes(), { objectMode: false });
}

/** A relative path with only real name segments; `fallback` when nothing is left. */
export function sanitizeEntryName(name: string, fallback: string): string {
  const segments = name
    .replace(/\\/g, '/')
    .split('/')
    .map((segment) => segment.replace(/[\u0000-\u001f\u007f:*?"<>|]/g, '_').trim())
    .filter((segment) => segment !== '' && segment !== '.' && segment !== '..');
  return segments.join('/') || fallback;
}

/** Case-insensitive, as on Windows and macOS file systems. */
function uniqueNames(names: string[]): string[] {
  const taken = new Set<string>();
  return names.map((name) => {
    let candidate = name;
    const extension = path.posix.extname(name);
    const stem = name.slice(0, name.length - extension.length);
    for (let counter = 2; taken.has(candidate.toLowerCase()); counter += 1) {
      candidate = `${stem}-${counter}${extension}`;
    }
    taken.add(candidate.toLowerCase());
    return candidate;
  });
}
