/**
 * Reads the GLB container (header + JSON chunk + optional BIN chunk) with every length
 * checked against the real file, so a truncated or forged file fails with a precise
 * message instead of an out-of-bounds read deep inside a loader.
 */
import { RenderbayError } from '../../src/errors.js';

const GLB_MAGIC = 0x46546c67; // 'glTF'
const CHUNK_JSON = 0x4e4f534a;
const CHUNK_BIN = 0x004e4942;

export interface GlbContainer {
  json: unknown;
  bin: Uint8Array | null;
}

export function isGlb(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === GLB_MAGIC;
}

export function readGlbContainer(bytes: Uint8Array): GlbContainer {
  const invalid = (reason: string) => new RenderbayError('invalid_model', `Invalid GLB: ${reason}`);
  if (bytes.byteLength < 20) throw invalid(`the file is only ${bytes.byteLength} bytes long`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== 2) throw invalid(`container version ${version}; only glTF 2.0 is supported`);
  const declaredLength = view.getUint32(8, true);
  if (declaredLength > bytes.byteLength) {
    throw invalid(`the header declares ${declaredLength} bytes but the file has ${bytes.byteLength} (truncated?)`);
  }
  let offset = 12;
  let json: unknown = undefined;
  let bin: Uint8Array | null = null;
  while (offset + 8 <= declaredLength) {
    const chunkLength = view.getUint32(offset, true);
    const chunkType = view.getUint32(offset + 4, true);
    const start = offset + 8;
    if (start + chunkLength > declaredLength) {
      throw invalid(`chunk at byte ${offset} declares ${chunkLength} bytes, past the end of the file (truncated?)`);
    }
    const chunk = bytes.subarray(start, start + chunkLength);
    if (chunkType === CHUNK_JSON && json === undefined) {
      try {
        json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(chunk));
      } catch (error) {
        throw invalid(`the JSON chunk is not valid JSON (${(error as Error).message})`);
      }
    } else if (chunkType === CHUNK_BIN && bin === null) {
      bin = chunk;
    }
    offset = start + chunkLength;
  }
  if (json === undefined) throw invalid('no JSON chunk');
  return { json, bin };
}
