import { mulberry32Uint32 } from '../../src/seeded-random.js';

/** The seeded choices a mutator makes (mulberry32, src/seeded-random.ts): same seed, same mutant, on every machine. */
export interface Rng {
  /** A whole number in [0, below). */
  int(below: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
  bytes(length: number): Uint8Array;
}

export function seededRng(seed: number): Rng {
  const next = mulberry32Uint32(seed);
  const rng: Rng = {
    int: (below) => (below <= 1 ? 0 : Math.floor((next() / 4294967296) * below)),
    pick: (items) => items[rng.int(items.length)],
    chance: (probability) => next() / 4294967296 < probability,
    bytes: (length) => Uint8Array.from({ length }, () => next() & 0xff),
  };
  return rng;
}

/** The seed of input `index` of a run seeded `runSeed`: any one input can be replayed alone. */
export function inputSeed(runSeed: number, index: number): number {
  return (Math.imul(runSeed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca77)) >>> 0;
}
