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

const invalid = (reason: string) => new RenderbayError('invalid_model', `Invalid GLB: ${reason}`);

/** Bytes a GLB needs to be read up to the end of its JSON chunk: its header and first chunk header. */
export const GLB_HEAD_BYTES = 20;

/**
 * Where the JSON chunk lies, from the first GLB_HEAD_BYTES of the file alone: the spec
 * puts it first, so a reader that wants only the JSON (clip names, say) need not read
 * the binary chunk.
 */
export function glbJsonChunkRange(head: Uint8Array): { start: number; end: number } {
  if (head.byteLength < GLB_HEAD_BYTES || !isGlb(head)) throw invalid(`the file is only ${head.byteLength} bytes long or not a GLB`);
  const view = new DataView(head.buffer, head.byteOffset, GLB_HEAD_BYTES);
  const version = view.getUint32(4, true);
  if (version !== 2) throw invalid(`container version ${version}; only glTF 2.0 is supported`);
  if (view.getUint32(16, true) !== CHUNK_JSON) throw invalid('the first chunk is not the JSON chunk');
  return { start: GLB_HEAD_BYTES, end: GLB_HEAD_BYTES + view.getUint32(12, true) };
}

/** The JSON chunk's bytes, parsed. */
export function parseJsonChunk(chunk: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(chunk));
  } catch (error) {
    throw invalid(`the JSON chunk is not valid JSON (${(error as Error).message})`);
  }
}

export function readGlbContainer(bytes: Uint8Array): GlbContainer {
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
      json = parseJsonChunk(chunk);
    } else if (chunkType === CHUNK_BIN && bin === null) {
      bin = chunk;
    }
    offset = start + chunkLength;
  }
  if (json === undefined) throw invalid('no JSON chunk');
  return { json, bin };
}
