/**
 * Messages between the render engine and a renderer worker process (Node IPC).
 * One worker renders one plan and exits: a GL crash or a hostile model takes down only
 * its own process, and memory never accumulates across renders.
 */
import type { SerializedError } from '../errors.js';
import type { RenderPlan } from './render-plan.js';

export type RenderStage = 'loading' | 'preparing' | 'rendering' | 'encoding';

export interface RenderOutputs {
  video: string;
  web: string;
  thumb: string;
  poster: string;
  posterThumb: string;
}

export interface RenderTimings {
  /** Model load, validation, scene, environment and shader compilation. */
  setupMs: number;
  renderMs: number;
  encodeTailMs: number;
  totalMs: number;
  msPerFrame: number;
}

export interface RenderResult {
  files: RenderOutputs;
  width: number;
  height: number;
  frameCount: number;
  fps: number;
  durationSeconds: number;
  timings: RenderTimings;
}

export type EngineToWorker = { type: 'render'; plan: RenderPlan };

export type WorkerToEngine =
  | { type: 'progress'; stage: RenderStage; framesDone: number; framesTotal: number }
  | { type: 'done'; result: RenderResult }
  | { type: 'error'; error: SerializedError };
