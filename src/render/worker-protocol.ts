/**
 * Messages between the render engine and a renderer worker process (Node IPC).
 * One worker renders one plan and exits: a GL crash or a hostile model takes down only
 * its own process, and memory never accumulates across renders.
 */
import type { SerializedError } from '../errors.js';
import type { Coverage, DatasetQuality } from '../settings/render-settings.js';
import type { RenderPlan } from './render-plan.js';

/** For a dataset, 'rendering' counts views and 'encoding' is the zip's finish. */
export type RenderStage = 'loading' | 'preparing' | 'rendering' | 'encoding';

/** The posters (a video's first frame, a dataset's poster view), available before the render ends. */
export interface PosterFiles {
  poster: string;
  posterThumb: string;
}

/** Files of a video render (of one variant). */
export interface VideoOutputs {
  /** video.mp4 (H.264), or video.mov (ProRes 4444 with alpha) for pro. */
  video: string;
  web: string;
  thumb: string;
  poster: string;
  posterThumb: string;
}

/** Files of a dataset render: the zip, and a poster (one of its views, composited on white). */
export interface DatasetOutputs {
  dataset: string;
  poster: string;
  posterThumb: string;
}

/** Prefix of a still's output name: `still:<name>` → stills/<name>.<ext>. */
export const STILL_OUTPUT_PREFIX = 'still:';

/** Files of a stills render: each still (in the order asked), and the first one as the poster. */
export type StillsOutputs = PosterFiles & { [still: `${typeof STILL_OUTPUT_PREFIX}${string}`]: string };

/** Every output a render publishes, by name; the engine publishes whatever the worker lists. */
export type RenderOutputs = VideoOutputs | DatasetOutputs | StillsOutputs;

export interface RenderTimings {
  /** Model load, validation, scene, environment and shader compilation. */
  setupMs: number;
  renderMs: number;
  encodeTailMs: number;
  totalMs: number;
  msPerFrame: number;
}

/** What every render reports, video or dataset. */
interface RenderResultBase {
  width: number;
  height: number;
  frameCount: number;
  fps: number;
  durationSeconds: number;
  timings: RenderTimings;
}

export interface VideoRenderResult extends RenderResultBase {
  output: 'video';
  /** The first variant's files (the only variant's, for a single render). */
  files: VideoOutputs;
  /** Every variant's files, in the plan's order: one rendering pass, composited per variant. */
  variants: { files: VideoOutputs }[];
}

/**
 * A dataset's frames are its views (`frameCount` = `dataset.views`, `msPerFrame` = ms per
 * view: render, depth pass and PNG encoding); `fps` and `durationSeconds` are always 0,
 * kept so code that reports any render can read them. Images are square.
 */
export interface DatasetRenderResult extends RenderResultBase {
  output: 'dataset';
  files: DatasetOutputs;
  dataset: {
    quality: DatasetQuality;
    coverage: Coverage;
    views: number;
    trainViews: number;
    testViews: number;
    points: number;
    /** Uniform scale applied to the model (model units → dataset units). */
    scale: number;
    /** Size of the zip in bytes. */
    zipBytes: number;
  };
}

/**
 * A stills render's frames are its stills (`frameCount`, `msPerFrame` per still);
 * `fps` and `durationSeconds` are 0.
 */
export interface StillsRenderResult extends RenderResultBase {
  output: 'stills';
  files: StillsOutputs;
  stills: { name: string; format: string; width: number; height: number }[];
}

export type RenderResult = VideoRenderResult | DatasetRenderResult | StillsRenderResult;

export type EngineToWorker = { type: 'render'; plan: RenderPlan };

export type WorkerToEngine =
  | { type: 'progress'; stage: RenderStage; framesDone: number; framesTotal: number }
  /** Variant `variant`'s posters (first frame) are written: a caller can publish them before the video is done. */
  | { type: 'poster'; files: PosterFiles; variant: number }
  | { type: 'done'; result: RenderResult }
  | { type: 'error'; error: SerializedError };
