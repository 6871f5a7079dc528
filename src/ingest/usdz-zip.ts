/**
 * Writes the zip container of a USDZ package as the USDZ specification requires: entries
 * stored without compression or encryption, the default USD layer first, and each
 * entry's data starting at a multiple of 64 bytes (padding goes into a local header
 * extra field, id 0x1986 as Pixar's usdzip writes). Timestamps are fixed, so the same
 * input always gives the same bytes.
 *
 * ```ts
 * const usdz = writeUsdzZip([{ name: 'model.usda', data: usda }, { name: 'textures/t0.png', data: png }]);
 * ```
 */
import { crc32 } from 'node:zlib';

export interface UsdzEntry {
  /** Path inside the package: ASCII, forward slashes. */
  name: string;
  data: Uint8Array;
}

/** Data alignment the USDZ specification requires. */
export const USDZ_ALIGNMENT = 64;
const LOCAL_HEADER = 30;
const CENTRAL_HEADER = 46;
const END_OF_CENTRAL_DIRECTORY = 22;
const PADDING_FIELD_ID = 0x1986;
/** 1980-01-01 00:00 in MS-DOS format: deterministic output. */
const DOS_DATE = 0x0021;
const DOS_TIME = 0;

function extraPadding(dataOffsetWithoutExtra: number): number {
  let padding = (USDZ_ALIGNMENT - (dataOffsetWithoutExtra % USDZ_ALIGNMENT)) % USDZ_ALIGNMENT;
  // An extra field needs at least its 4-byte header.
  if (padding > 0 && padding < 4) padding += USDZ_ALIGNMENT;
  return padding;
}

export function writeUsdzZip(entries: UsdzEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    if (!/^[\x21-\x7e]+$/.test(entry.name) || entry.name.includes('\\')) throw new Error(`USDZ entry names must be plain ASCII paths: ${entry.name}`);
    const name = Buffer.from(entry.name, 'ascii');
    const padding = extraPadding(offset + LOCAL_HEADER + name.length);
    const checksum = crc32(entry.data);
    const local = Buffer.alloc(LOCAL_HEADER + name.length + padding);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0
    local.writeUInt16LE(0, 6); // flags
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(checksum, 14);
    local.writeUInt32LE(entry.data.byteLength, 18);
    local.writeUInt32LE(entry.data.byteLength, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(padding, 28);
    name.copy(local, LOCAL_HEADER);
    if (padding > 0) {
      local.writeUInt16LE(PADDING_FIELD_ID, LOCAL_HEADER + name.length);
      local.writeUInt16LE(padding - 4, LOCAL_HEADER + name.length + 2);
    }
    const header = Buffer.alloc(CENTRAL_HEADER + name.length);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4); // made by: 2.0, MS-DOS attributes
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(0, 8);
    header.writeUInt16LE(0, 10);
    header.writeUInt16LE(DOS_TIME, 12);
    header.writeUInt16LE(DOS_DATE, 14);
    header.writeUInt32LE(checksum, 16);
    header.writeUInt32LE(entry.data.byteLength, 20);
    header.writeUInt32LE(entry.data.byteLength, 24);
    header.writeUInt16LE(name.length, 28);
    // extra, comment, disk, internal and external attributes stay 0
    header.writeUInt32LE(offset, 42);
    name.copy(header, CENTRAL_HEADER);
    parts.push(local, entry.data);
    central.push(header);
    offset += local.length + entry.data.byteLength;
  }
  const centralSize = central.reduce((total, header) => total + header.length, 0);
  const end = Buffer.alloc(END_OF_CENTRAL_DIRECTORY);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  if (offset + centralSize > 0xffffffff || entries.length > 0xffff) throw new Error('USDZ packages over 4 GB or 65535 entries are not supported');
  return Buffer.concat([...parts, ...central, end]);
}
