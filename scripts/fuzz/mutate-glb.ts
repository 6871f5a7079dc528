/**
 * GLB container mutations: the header's length and version, each chunk's length and type
 * fields, chunks dropped, doubled, swapped or added, and the JSON chunk rewritten by the
 * JSON mutators (repacked with consistent lengths, or left with its old length field).
 */
import { CHUNK_BIN, CHUNK_JSON, packGlb, type GlbChunk } from '../fixtures/glb-container.js';
import { concat, INTERESTING_U32, type Mutator } from './mutate-bytes.js';
import { mutateJsonText } from './mutate-json.js';
import type { Rng } from './rng.js';

const GLB_MAGIC = 0x46546c67;

/** The chunks of a GLB as they lie in the file (offsets of their headers), tolerating trailing junk. */
function chunksOf(bytes: Uint8Array): { offset: number; length: number; type: number }[] | null {
  if (bytes.length < 12) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== GLB_MAGIC) return null;
  const chunks = [];
  for (let offset = 12; offset + 8 <= bytes.length; ) {
    const length = view.getUint32(offset, true);
    chunks.push({ offset, length, type: view.getUint32(offset + 4, true) });
    offset += 8 + length;
  }
  return chunks;
}

function withU32(input: Uint8Array, offset: number, value: number): Uint8Array {
  const bytes = input.slice();
  new DataView(bytes.buffer).setUint32(offset, value >>> 0, true);
  return bytes;
}

const glbHeaderField: Mutator = (input, rng) => {
  if (!chunksOf(input)) return null;
  if (rng.chance(0.7)) {
    const value = rng.pick([0, 12, 20, input.length - 1, input.length + 1, input.length * 2, 0xffffffff, rng.int(input.length)]);
    return { bytes: withU32(input, 8, value), label: `glb-length=${value >>> 0}` };
  }
  const version = rng.pick([0, 1, 3, 0xffffffff]);
  return { bytes: withU32(input, 4, version), label: `glb-version=${version}` };
};

const glbChunkHeader: Mutator = (input, rng) => {
  const chunks = chunksOf(input);
  if (!chunks || chunks.length === 0) return null;
  const chunk = rng.pick(chunks);
  if (rng.chance(0.7)) {
    const value = rng.pick([...INTERESTING_U32, chunk.length + 1, chunk.length - 1, chunk.length + 4, input.length - chunk.offset - 8, input.length]);
    return { bytes: withU32(input, chunk.offset, value), label: `chunk@${chunk.offset}-length=${value >>> 0}` };
  }
  const type = rng.pick([CHUNK_JSON, CHUNK_BIN, 0, 0xffffffff, 0x58585858]);
  return { bytes: withU32(input, chunk.offset + 4, type), label: `chunk@${chunk.offset}-type=${type.toString(16)}` };
};

/** Whole-chunk surgery, repacked with consistent lengths. */
const glbChunkList: Mutator = (input, rng) => {
  const found = chunksOf(input);
  if (!found || found.length === 0) return null;
  const chunks: GlbChunk[] = found.map(({ offset, length, type }) => ({ type, data: input.slice(offset + 8, offset + 8 + length) }));
  const index = rng.int(chunks.length);
  const operation = rng.pick(['drop', 'double', 'swap', 'add-empty', 'add-unknown', 'bin-first']);
  if (operation === 'drop') chunks.splice(index, 1);
  else if (operation === 'double') chunks.splice(index, 0, chunks[index]);
  else if (operation === 'swap') chunks.reverse();
  else if (operation === 'add-empty') chunks.push({ type: rng.pick([CHUNK_JSON, CHUNK_BIN]), data: new Uint8Array(0) });
  else if (operation === 'add-unknown') chunks.splice(index, 0, { type: 0x58585858, data: rng.bytes(rng.pick([4, 64])) });
  else chunks.sort((a, b) => (a.type === CHUNK_BIN ? -1 : b.type === CHUNK_BIN ? 1 : 0));
  return { bytes: packGlb(chunks), label: `chunks-${operation}` };
};

/** The JSON chunk through the JSON mutators; its length field fixed (usually) or left as it was. */
const glbJson: Mutator = (input, rng) => {
  const chunks = chunksOf(input);
  const json = chunks?.find((chunk) => chunk.type === CHUNK_JSON && chunk.offset + 8 + chunk.length <= input.length);
  if (!chunks || !json) return null;
  const text = new TextDecoder().decode(input.subarray(json.offset + 8, json.offset + 8 + json.length));
  const mutated = mutateJsonText(text, rng);
  if (!mutated) return null;
  const data = new TextEncoder().encode(mutated.text);
  if (rng.chance(0.15)) {
    // The old length field over new content: the chunk boundaries no longer match.
    const bytes = concat(input.subarray(0, json.offset + 8), data, input.subarray(json.offset + 8 + json.length));
    return { bytes, label: `json(${mutated.label}) stale-length` };
  }
  const rest = chunks.filter((chunk) => chunk !== json && chunk.offset + 8 + chunk.length <= input.length);
  const repacked = packGlb([
    { type: CHUNK_JSON, data },
    ...rest.map(({ offset, length, type }) => ({ type, data: input.slice(offset + 8, offset + 8 + length) })),
  ]);
  return { bytes: repacked, label: `json(${mutated.label})` };
};

/** Bit flips inside the BIN chunk only: geometry, indices and embedded textures, the container intact. */
const glbBinData: Mutator = (input, rng: Rng) => {
  const bin = chunksOf(input)?.find((chunk) => chunk.type === CHUNK_BIN && chunk.length > 0 && chunk.offset + 8 + chunk.length <= input.length);
  if (!bin) return null;
  const bytes = input.slice();
  const flips = 1 + rng.int(32);
  for (let i = 0; i < flips; i++) bytes[bin.offset + 8 + rng.int(bin.length)] ^= 1 << rng.int(8);
  return { bytes, label: `bin-flip×${flips}` };
};

export const GLB_MUTATORS: readonly Mutator[] = [glbHeaderField, glbChunkHeader, glbChunkList, glbJson, glbJson, glbBinData];
