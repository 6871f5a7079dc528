/**
 * Reads the format and declared size of an environment image from its header alone, so
 * that a file which is not HDR/EXR, or declares a huge panorama, is refused before
 * anything decodes it: Radiance RGBE (.hdr: "#?RADIANCE"/"#?RGBE", header lines, then
 * a resolution line such as "-Y 1024 +X 2048") or OpenEXR (magic 76 2f 31 01, then
 * attributes up to an empty name; the size is the `dataWindow` box2i).
 */
import { open } from 'node:fs/promises';

export interface EnvironmentHeader {
  format: 'hdr' | 'exr';
  width: number;
  height: number;
}

const HEADER_BYTES = 64 * 1024;
const EXR_MAGIC = 0x01312f76;

/** The header of `file`, or null when it is neither an RGBE nor an OpenEXR image (or is malformed). */
export async function readEnvironmentHeader(file: string): Promise<EnvironmentHeader | null> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEADER_BYTES, 0);
    const head = buffer.subarray(0, bytesRead);
    if (head.length >= 8 && head.readUInt32LE(0) === EXR_MAGIC) return readExrHeader(head);
    if (head.subarray(0, 2).toString('latin1') === '#?') return readRgbeHeader(head);
    return null;
  } finally {
    await handle.close();
  }
}

function readRgbeHeader(head: Buffer): EnvironmentHeader | null {
  const lines = head.toString('latin1').split('\n');
  let index = 1;
  while (index < lines.length && lines[index].trim() !== '') index++; // header lines end with an empty one
  const resolution = /^([-+])([XY]) (\d+) ([-+])([XY]) (\d+)\s*$/.exec(lines[index + 1] ?? '');
  if (!resolution || resolution[2] === resolution[5]) return null;
  const first = Number(resolution[3]);
  const second = Number(resolution[6]);
  return resolution[2] === 'Y' ? { format: 'hdr', width: second, height: first } : { format: 'hdr', width: first, height: second };
}

function readExrHeader(head: Buffer): EnvironmentHeader | null {
  let offset = 8; // magic, version
  while (offset < head.length) {
    const nameEnd = head.indexOf(0, offset);
    if (nameEnd < 0) return null;
    const name = head.toString('latin1', offset, nameEnd);
    if (name === '') return null; // end of header without a dataWindow
    const typeEnd = head.indexOf(0, nameEnd + 1);
    if (typeEnd < 0 || typeEnd + 4 > head.length) return null;
    const size = head.readInt32LE(typeEnd + 1);
    const value = typeEnd + 5;
    if (size < 0 || value + size > head.length) return null;
    if (name === 'dataWindow' && size === 16) {
      const width = head.readInt32LE(value + 8) - head.readInt32LE(value) + 1;
      const height = head.readInt32LE(value + 12) - head.readInt32LE(value + 4) + 1;
      return width > 0 && height > 0 ? { format: 'exr', width, height } : null;
    }
    offset = value + size;
  }
  return null;
}
