/**
 * Format-blind mutations: what a flaky disk, a cut-off download or a hostile client does
 * to a file. Each returns the mutated copy and a short label for the report.
 */
import type { Rng } from './rng.js';

export interface Mutation {
  bytes: Uint8Array;
  /** What was done, e.g. `bit-flip×3`, `truncate@20`. */
  label: string;
}

export type Mutator = (input: Uint8Array, rng: Rng) => Mutation | null;

/** 32-bit values that break length and offset arithmetic. */
export const INTERESTING_U32 = [0, 1, 2, 3, 4, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const INTERESTING_BYTES = [0x00, 0x01, 0x20, 0x22, 0x2c, 0x5b, 0x5d, 0x7b, 0x7d, 0x7f, 0x80, 0xfe, 0xff];

/** An offset in the first 64 bytes half the time (headers live there), anywhere otherwise. */
function offsetIn(input: Uint8Array, rng: Rng, width = 1): number {
  const span = Math.max(1, input.length - width + 1);
  return rng.chance(0.5) ? rng.int(Math.min(span, 64)) : rng.int(span);
}

export const bitFlips: Mutator = (input, rng) => {
  if (input.length === 0) return null;
  const bytes = input.slice();
  const flips = 1 + rng.int(8);
  for (let i = 0; i < flips; i++) bytes[offsetIn(bytes, rng)] ^= 1 << rng.int(8);
  return { bytes, label: `bit-flip×${flips}` };
};

export const interestingBytes: Mutator = (input, rng) => {
  if (input.length === 0) return null;
  const bytes = input.slice();
  const count = 1 + rng.int(4);
  for (let i = 0; i < count; i++) bytes[offsetIn(bytes, rng)] = rng.pick(INTERESTING_BYTES);
  return { bytes, label: `byte-set×${count}` };
};

export const interestingWord: Mutator = (input, rng) => {
  if (input.length < 4) return null;
  const bytes = input.slice();
  const offset = offsetIn(bytes, rng, 4) & ~3;
  const value = rng.pick([...INTERESTING_U32, input.length, input.length + 1, input.length - 1]) >>> 0;
  new DataView(bytes.buffer).setUint32(offset, value, true);
  return { bytes, label: `u32@${offset}=${value}` };
};

export const truncate: Mutator = (input, rng) => {
  if (input.length === 0) return null;
  const length = rng.pick([0, 1, 3, 4, 11, 12, 19, 20, 21, 28, 29, input.length - 1, rng.int(input.length), rng.int(input.length)]);
  if (length >= input.length) return null;
  return { bytes: input.slice(0, length), label: `truncate@${length}` };
};

export const deleteRange: Mutator = (input, rng) => {
  if (input.length < 2) return null;
  const start = offsetIn(input, rng);
  const end = Math.min(input.length, start + 1 + rng.int(rng.chance(0.5) ? 16 : input.length));
  return { bytes: concat(input.subarray(0, start), input.subarray(end)), label: `delete@${start}+${end - start}` };
};

export const duplicateRange: Mutator = (input, rng) => {
  if (input.length < 2) return null;
  const start = offsetIn(input, rng);
  const end = Math.min(input.length, start + 1 + rng.int(rng.chance(0.5) ? 16 : 4096));
  return { bytes: concat(input.subarray(0, end), input.subarray(start, end), input.subarray(end)), label: `duplicate@${start}+${end - start}` };
};

export const appendGarbage: Mutator = (input, rng) => {
  const length = rng.pick([1, 3, 8, 64, 4096]);
  return { bytes: concat(input, rng.bytes(length)), label: `append+${length}` };
};

export const BYTE_MUTATORS: readonly Mutator[] = [bitFlips, interestingBytes, interestingWord, truncate, deleteRange, duplicateRange, appendGarbage];

export function concat(...parts: Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}
