/**
 * A RenderPlan is a render fully resolved from its settings: pixel sizes, frame count,
 * camera move, look and outputs. It is what crosses into the renderer worker, so the
 * renderer never interprets user settings itself.
 */
import { LIMITS } from '../limits.js';
import { frameSize, type RenderSettings } from '../settings/render-settings.js';

/**
 * Edge anti-aliasing technique. ssaa2 (the default) renders 2× the pixels per axis and
 * box-filters down; ssaa4 (4×4) is the quality reference; smaa/fxaa are post-process
 * passes at output resolution and none is unfiltered — both kept for the comparison
 * benchmark, where on llvmpipe they were slower than ssaa2 and worse on edges.
 */
export type Antialiasing = 'ssaa2' | 'ssaa4' | 'smaa' | 'fxaa' | 'none';

export interface RenderPlan {
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
}

export interface PlanOptions {
  /** Override the edge anti-aliasing technique (benchmarks compare them). */
  antialiasing?: Antialiasing;
}

export function planRender(settings: RenderSettings, modelPath: string, workDirectory: string, options: PlanOptions = {}): RenderPlan {
  const { width, height } = frameSize(settings.quality, settings.aspect);
  return {
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
  };
}
