/**
 * Reads a USDZ package the way AR Quick Look does — by walking its local file headers —
 * and checks the USDZ rules: stored entries, the USD layer first, data 64-byte aligned.
 */
import assert from 'node:assert/strict';
import { inflateRawSync } from 'node:zlib';
import { USDZ_ALIGNMENT } from '../../src/ingest/usdz-zip.js';

export interface PackageEntry {
  name: string;
  dataOffset: number;
  method: number;
  data: Buffer;
}

/** Walks a zip's local file headers in order (what AR Quick Look reads), returning each entry's data offset. */
export function localEntries(zip: Uint8Array): PackageEntry[] {
  const bytes = Buffer.from(zip);
  const entries: PackageEntry[] = [];
  let offset = 0;
  while (bytes.readUInt32LE(offset) === 0x04034b50) {
    const method = bytes.readUInt16LE(offset + 8);
    const compressedSize = bytes.readUInt32LE(offset + 18);
    const nameLength = bytes.readUInt16LE(offset + 26);
    const extraLength = bytes.readUInt16LE(offset + 28);
    const name = bytes.subarray(offset + 30, offset + 30 + nameLength).toString('utf8');
    const dataOffset = offset + 30 + nameLength + extraLength;
    const raw = bytes.subarray(dataOffset, dataOffset + compressedSize);
    entries.push({ name, dataOffset, method, data: method === 8 ? inflateRawSync(raw) : raw });
    offset = dataOffset + compressedSize;
  }
  assert.equal(bytes.readUInt32LE(offset), 0x02014b50, 'the central directory follows the last entry');
  return entries;
}

export function assertUsdzLayout(zip: Uint8Array, expectedNames: RegExp[]): PackageEntry[] {
  const entries = localEntries(zip);
  assert.ok(entries.length >= 1);
  assert.match(entries[0].name, /\.usda$/, 'the USD layer comes first');
  for (const entry of entries) {
    assert.equal(entry.method, 0, `${entry.name} is stored, not compressed`);
    assert.equal(entry.dataOffset % USDZ_ALIGNMENT, 0, `${entry.name}'s data starts at ${entry.dataOffset}, a multiple of 64`);
  }
  for (const name of expectedNames) assert.ok(entries.some((entry) => name.test(entry.name)), `an entry matching ${name}`);
  return entries;
}

