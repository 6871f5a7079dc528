/**
 * A RenderPlan is a render fully resolved from its settings: pixel sizes, frame count,
 * camera move, look and outputs. It is what crosses into the renderer worker, so the
 * renderer never interprets user settings itself.
 */
import { LIMITS } from '../limits.js';
import {
  DATASET_TIERS,
  DEFAULT_COVERAGE,
  DEFAULT_DATASET_QUALITY,
  frameSize,
  type Coverage,
  type DatasetQuality,
  type Output,
  type RenderSettings,
} from '../settings/render-settings.js';

/**
 * Edge anti-aliasing technique. ssaa2 (the default) renders 2× the pixels per axis and
 * box-filters down; ssaa4 (4×4) is the quality reference; smaa/fxaa are post-process
 * passes at output resolution and none is unfiltered — both kept for the comparison
 * benchmark, where on llvmpipe they were slower than ssaa2 and worse on edges.
 */
export type Antialiasing = 'ssaa2' | 'ssaa4' | 'smaa' | 'fxaa' | 'none';

/** What a dataset render produces; see renderer/dataset/render-dataset.ts. */
export interface DatasetPlan {
  quality: DatasetQuality;
  /** Number of views (camera poses), each an image, a mask and a depth map. */
  views: number;
  /** Side of the square images in pixels. */
  size: number;
  coverage: Coverage;
  /** Every n-th view (0, n, 2n, …) is held out as the test split. */
  testEvery: number;
  /** Points sampled on the model's surface for points3d.ply. */
  pointCount: number;
}

export interface RenderPlan {
  /** A turntable video (the fields below describe it), or a dataset (`dataset` describes it). */
  output: Output;
  modelPath: string;
  /** Directory the worker writes its outputs into (a private temp dir; the engine publishes them). */
  workDirectory: string;
  width: number;
  height: number;
  fps: number;
  frameCount: number;
  background: string;
  camera: {
    effect: 'turntable';
    startAngleDegrees: number;
    sweepDegrees: number;
    easing: boolean;
    zoom: number;
    elevationDegrees: number;
  };
  look: {
    shadows: boolean;
    reflector: boolean;
  };
  antialiasing: Antialiasing;
  /**
   * Present exactly when `output` is "dataset". The video fields above then describe the
   * dataset's images: width × height is the image size, frameCount the number of views,
   * background white, no shadow or reflector.
   */
  dataset: DatasetPlan | null;
}

export interface PlanOptions {
  /** Override the edge anti-aliasing technique (benchmarks compare them). */
  antialiasing?: Antialiasing;
  /**
   * Override a dataset's number of views (tests render a few views of a tier through the
   * full code path; the image size stays the tier's).
   */
  datasetViews?: number;
}

/** Held-out test split: every 8th view, as the NeRF-synthetic and 3DGS evaluations use. */
export const DATASET_TEST_EVERY = 8;
/** Surface points in points3d.ply: about what 3DGS draws at random when it has none. */
export const DATASET_POINT_COUNT = 100_000;

export function planRender(settings: RenderSettings, modelPath: string, workDirectory: string, options: PlanOptions = {}): RenderPlan {
  if (settings.output === 'dataset') return planDataset(settings, modelPath, workDirectory, options);
  const { width, height } = frameSize(settings.quality, settings.aspect);
  return {
    output: 'video',
    modelPath,
    workDirectory,
    width,
    height,
    fps: LIMITS.fps,
    frameCount: Math.max(2, Math.round(settings.length * LIMITS.fps)),
    background: settings.bgColor,
    camera: {
      effect: settings.effect,
      startAngleDegrees: settings.rotateY,
      sweepDegrees: 360,
      easing: settings.easing,
      zoom: settings.zoom,
      elevationDegrees: 15,
    },
    look: { shadows: settings.shadows, reflector: settings.reflector },
    antialiasing: options.antialiasing ?? 'ssaa2',
    dataset: null,
  };
}

function planDataset(settings: RenderSettings, modelPath: string, workDirectory: string, options: PlanOptions): RenderPlan {
  const quality = settings.datasetQuality ?? DEFAULT_DATASET_QUALITY;
  const tier = DATASET_TIERS[quality];
  const views = options.datasetViews ?? tier.views;
  if (!Number.isInteger(views) || views < 1 || views > tier.views) {
    throw new RangeError(`datasetViews must be a whole number from 1 to ${tier.views}, got ${views}`);
  }
  return {
    output: 'dataset',
    modelPath,
    workDirectory,
    width: tier.size,
    height: tier.size,
    fps: LIMITS.fps,
    frameCount: views,
    background: '#ffffff',
    // Unused by datasets (their cameras come from the view layout); kept so every plan has one shape.
    camera: { effect: 'turntable', startAngleDegrees: 0, sweepDegrees: 0, easing: false, zoom: 1, elevationDegrees: 0 },
    look: { shadows: false, reflector: false },
    antialiasing: options.antialiasing ?? 'ssaa2',
    dataset: {
      quality,
      views,
      size: tier.size,
      coverage: settings.coverage ?? DEFAULT_COVERAGE,
      testEvery: DATASET_TEST_EVERY,
      pointCount: DATASET_POINT_COUNT,
    },
  };
}
