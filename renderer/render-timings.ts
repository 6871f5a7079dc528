/** The timings every render reports, from the moments its stages ended (performance.now()). */
import type { RenderTimings } from '../src/render/worker-protocol.js';

export interface StageMoments {
  started: number;
  /** Model loaded, scene built, shaders compiled. */
  prepared: number;
  /** Last frame (view, still) rendered. */
  rendered: number;
  /** Every output written. */
  finished: number;
}

export function renderTimings({ started, prepared, rendered, finished }: StageMoments, frames: number): RenderTimings {
  return {
    setupMs: Math.round(prepared - started),
    renderMs: Math.round(rendered - prepared),
    encodeTailMs: Math.round(finished - rendered),
    totalMs: Math.round(finished - started),
    msPerFrame: Math.round(((rendered - prepared) / frames) * 10) / 10,
  };
}
