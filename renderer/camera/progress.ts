/**
 * Progress through a camera move, 0 → 1, for a frame of the video. Two kinds: a looping
 * orbit (the turntable) and a move that must land exactly on its end pose on the last
 * frame (every other effect).
 */

/** Sine ease-in-out: zero speed at both ends, peak speed π/2 × the mean. */
export function easeInOut(t: number): number {
  return 0.5 - 0.5 * Math.cos(Math.PI * t);
}

/**
 * Turntable progress for frame `index` of `count`. Eased moves end exactly at the sweep;
 * linear ones stop one step short so a 360° video loops seamlessly (frame 0 follows the
 * last one without a repeated pose).
 */
export function loopingProgress(index: number, count: number, easing: boolean): number {
  if (count <= 1) return 0;
  return easing ? easeInOut(index / (count - 1)) : index / count;
}

/** Share of the video elapsed at frame `index` of `count`: 0 on the first frame, exactly 1 on the last. */
export function videoTime(index: number, count: number): number {
  return count <= 1 ? 0 : index / (count - 1);
}

/** Progress that reaches exactly 1 on the last frame, eased in and out when asked. */
export function endToEndProgress(index: number, count: number, easing: boolean): number {
  const t = videoTime(index, count);
  return easing ? easeInOut(t) : t;
}
