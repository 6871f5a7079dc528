/**
 * A tiny seeded PRNG (mulberry32). Wherever output must be the same on every run and
 * machine — dataset point clouds, test fixtures, synthetic test frames — Math.random is
 * never used.
 */

/** Successive 32-bit unsigned integers from `seed`. */
export function mulberry32Uint32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Successive numbers in [0, 1) from `seed`. */
export function mulberry32(seed: number): () => number {
  const next = mulberry32Uint32(seed);
  return () => next() / 4294967296;
}
