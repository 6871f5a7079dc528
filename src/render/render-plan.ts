/**
 * A RenderPlan is a render fully resolved from its settings: pixel sizes, frame count,
 * camera move, look and outputs. It is what crosses into the renderer worker, so the
 * renderer never interprets user settings itself.
 */
import { RenderbayError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { DEFAULT_LIGHTING, planLighting, type LightingPlan } from './lighting-plan.js';
import {
  datasetShape,
  DEFAULT_COVERAGE,
  DEFAULT_DATASET_QUALITY,
  DEFAULT_SWEEP,
  frameSize,
  passKey,
  type Alignment,
  type Coverage,
  type DatasetQuality,
  type Effect,
  type Output,
  type Quality,
  type RenderSettings,
} from '../settings/render-settings.js';
import type { DatasetPass } from '../settings/dataset-settings.js';
import { imagePixelSize, stillAngle, type ImageFormat, type StillEntry } from '../settings/stills-settings.js';
import { DEFAULT_FILL, explicitCamera, parseFieldOfView, type ExplicitCamera } from '../settings/camera-settings.js';

/**
 * Edge anti-aliasing technique. ssaa2 (the default) renders 2× the pixels per axis and
 * box-filters down; ssaa1.75 renders 1.75× per axis (77 % of ssaa2's pixels) and
 * area-filters down (the share tier: see SHARE_ANTIALIASING); ssaa4 (4×4) is the quality
 * reference; smaa/fxaa are post-process passes at output resolution and none is
 * unfiltered — both kept for the comparison benchmark, where on llvmpipe they were slower
 * than ssaa2 and worse on edges.
 */
export type Antialiasing = 'ssaa2' | 'ssaa1.75' | 'ssaa4' | 'smaa' | 'fxaa' | 'none';

/**
 * The share tier's anti-aliasing. Shading the model is most of a share frame's cost on
 * llvmpipe, and 1.75× per axis shades 77 % of 2×'s pixels: a frame's CPU measured ×0.90
 * of 2×'s (golden hour; ×0.92 the default look), the scene pass about 17 % cheaper and
 * the area resolve (four taps instead of one) about 7 ms dearer.
 * Its frames stay equivalent to 2×'s: on DamagedHelmet's golden-hour turntable the
 * 960×540 frames scored 40.7–41.1 dB PSNR against 2×'s (the bar is 40); 1.5× scored
 * 38.9–39.7 and 1× with FXAA 33.5, both rejected (bench/supersample-psnr.ts measures it).
 */
const SHARE_ANTIALIASING: Antialiasing = 'ssaa1.75';

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
  /** Extra per-view files (datasetPasses), in no particular order. */
  passes: DatasetPass[];
}

/** An overlay image on disk and where it is anchored. */
export interface OverlayImage {
  /** A PNG, JPEG or WebP file (overlays are checked when they are uploaded). */
  path: string;
  /** The anchor: the edge or corner of the image kept flush with the same edge or corner of the frame. */
  alignment: Alignment;
}

/** What is behind the model: a colour, or an image scaled to cover the frame; then an optional vignette. */
export interface BackgroundPlan {
  /** "#rrggbb", 8-bit sRGB, used exactly (never tone mapped). Unused when `image` is set. */
  color: string;
  /** Scaled to cover the frame, cropped so that its `alignment` anchor stays in frame (bgAlign). */
  image: OverlayImage | null;
  /** 0 (none) to 1: darkening towards the frame's corners. */
  vignette: number;
}

/**
 * One finished look of the rendered frames. Every variant of a plan composites the same
 * rendered RGBA frames (model, shadow, reflection) over its own background and under its
 * own foreground overlays, so N variants cost one rendering pass plus N composites and
 * encodes.
 */
export interface VariantPlan {
  /** Where this variant's files go: a subdirectory of the work directory ('' = the work directory itself). */
  directory: string;
  background: BackgroundPlan;
  /** Drawn over the model in order, each at its own alignment, sized as drawn for a 1080-pixel short side. */
  foreground: OverlayImage[];
}

/** The camera move over the video, fully resolved (see renderer/camera/). */
export interface CameraMove {
  effect: Effect;
  /** rotateY in degrees about +Y (0 looks at the model's front, +Z): where turntable, showcase and zoom-orbit start, and where hero-spin and reveal land (renderer/camera/camera-move.ts). */
  startAngleDegrees: number;
  /** Degrees the camera travels: 360 for turntable and zoom-orbit, sweepAngle for hero-spin and reveal; showcase swings by `amplitudeDegrees` instead. */
  sweepDegrees: number;
  /** Ease in and out of the move (hero-spin always decelerates into its end). */
  easing: boolean;
  /** hero-spin: the share of the video spent decelerating. */
  easeOutRatio: number;
  /** showcase: the swing either side of the start angle. */
  amplitudeDegrees: number;
  /** Camera distance multiplier over the fitted distance (all effects). */
  zoom: number;
  /** zoom-orbit: distance multipliers at the start and the end (on top of `zoom`). */
  zoomStart: number;
  zoomEnd: number;
  /** reveal: the model's scale on the first frame (it reaches 1 by the end). */
  scaleFrom: number;
  /** Camera height above the model centre, in degrees of elevation. */
  elevationDegrees: number;
  /** Auto framing: the share of the frame the model spans at the closest point of the move (before zoom). */
  fill: number;
  /** Vertical field of view in degrees; null for auto framing's own (30° across the short side). */
  fieldOfViewDegrees: number | null;
  /**
   * An explicit camera (cameraOrbit) in the model's own coordinates: the model is not
   * oriented or fitted, the orbit turns about `target` at `radius`, starting from the
   * orbit's θ (startAngleDegrees) and φ (elevationDegrees = 90 − φ). Null for auto framing.
   */
  explicit: Pick<ExplicitCamera, 'radius' | 'target'> | null;
}

/** One still: where the camera is (renderer/stills/). */
export interface StillView {
  /** File name stem: stills/<name>.<ext>. */
  name: string;
  /** Degrees about +Y from the model's front (+Z), rotateY included. */
  azimuthDegrees: number;
  /** Degrees above the horizon. */
  elevationDegrees: number;
}

/** What a stills render produces: one image per view, rendered from one loaded scene. */
export interface StillsPlan {
  views: StillView[];
  format: ImageFormat;
  /** Straight alpha, the shadow as partial alpha; otherwise composited on the background. */
  transparent: boolean;
}

export interface RenderPlan {
  /** A turntable video (the fields below describe it), a dataset (`dataset` describes it) or stills (`stills` does). */
  output: Output;
  modelPath: string;
  /** Directory the worker writes its outputs into (a private temp dir; the engine publishes them). */
  workDirectory: string;
  width: number;
  height: number;
  fps: number;
  frameCount: number;
  /** The quality tier (share, standard, 4k, pro) the size and encoding come from; null for a dataset. */
  quality: Quality | null;
  /** H.264 MP4s, or (pro) a ProRes 4444 .mov with a transparent background plus H.264 web and thumb on the background. */
  encoding: 'h264' | 'prores4444';
  /** At least one; a video render of several renders that differ only in background has one per render. */
  variants: VariantPlan[];
  camera: CameraMove;
  /** Model orientation, applied before the model is placed on the ground: tilt about X, then yaw (panX) about Y, and roll about Z. */
  model: { tiltXDegrees: number; panXDegrees: number; rollZDegrees: number };
  /** An animation clip to play, looping, while the camera moves; null for a still model. */
  animation: { clip: string; speed: number } | null;
  /** The KHR_materials_variants variant whose materials the model wears; null for its default materials. */
  materialVariant: string | null;
  look: {
    shadows: boolean;
    reflector: boolean;
  };
  /** Environment, exposure, tone mapping, key light and cast shadow (lighting-plan.ts). */
  lighting: LightingPlan;
  antialiasing: Antialiasing;
  /**
   * Present exactly when `output` is "dataset". The video fields above then describe the
   * dataset's images: width × height is the image size, frameCount the number of views,
   * one variant on white, no shadow or reflector.
   */
  dataset: DatasetPlan | null;
  /**
   * Present exactly when `output` is "stills". width × height is the image size,
   * frameCount the number of stills; `camera` keeps zoom (rotateY is in each view).
   */
  stills: StillsPlan | null;
}

export interface PlanOptions {
  /** Override the edge anti-aliasing technique (benchmarks compare them). */
  antialiasing?: Antialiasing;
  /**
   * Override a dataset's number of views with anything from 1 up to its planned count
   * (tests render a few views through the full code path; the image size stays as planned).
   */
  datasetViews?: number;
  /**
   * The renders that share this pass, each with its own background (the job engine groups
   * them: their settings differ only in BACKGROUND_FIELDS). Defaults to just `settings`.
   */
  variantSettings?: RenderSettings[];
  /** Overlay files by id, for bgImageId and foregroundIds (resolved by the service, which owns overlays). */
  overlays?: Record<string, OverlayImage>;
  /** Uploaded environment files by id, for environmentImage (resolved by the service, which owns environments). */
  environments?: Record<string, string>;
  /** Render only the first n frames of the move (tests run big tiers through the whole code path quickly). */
  frameLimit?: number;
}

/** Auto framing's camera height above the model centre (degrees) for videos. */
export const AUTO_FRAMING_ELEVATION = 15;

/** Held-out test split: every 8th view, as the NeRF-synthetic and 3DGS evaluations use. */
export const DATASET_TEST_EVERY = 8;
/** Surface points in points3d.ply: about what 3DGS draws at random when it has none. */
export const DATASET_POINT_COUNT = 100_000;

export function planRender(settings: RenderSettings, modelPath: string, workDirectory: string, options: PlanOptions = {}): RenderPlan {
  if (settings.output === 'dataset') return planDataset(settings, modelPath, workDirectory, options);
  if (settings.output === 'stills') return planStills(settings, modelPath, workDirectory, options);
  const { width, height } = frameSize(settings.quality, settings.aspect);
  const orbit = explicitCamera(settings);
  const moveFrames = Math.max(2, Math.round(settings.length * LIMITS.fps));
  const variantSettings = options.variantSettings ?? [settings];
  const key = passKey(settings);
  if (variantSettings.some((variant) => passKey(variant) !== key)) throw new Error('variantSettings must differ from settings only in background fields');
  return {
    output: 'video',
    modelPath,
    workDirectory,
    width,
    height,
    fps: LIMITS.fps,
    frameCount: options.frameLimit ? Math.min(moveFrames, options.frameLimit) : moveFrames,
    quality: settings.quality,
    encoding: settings.quality === 'pro' ? 'prores4444' : 'h264',
    variants: variantSettings.map((variant, index) => planVariant(variant, variantSettings.length === 1 ? '' : `variant-${index + 1}`, options.overlays ?? {})),
    camera: {
      effect: settings.effect,
      startAngleDegrees: orbit?.thetaDegrees ?? settings.rotateY,
      sweepDegrees: settings.effect === 'hero-spin' || settings.effect === 'reveal' ? (settings.sweepAngle ?? DEFAULT_SWEEP[settings.effect]!) : 360,
      easing: settings.easing,
      easeOutRatio: settings.easeOutRatio,
      amplitudeDegrees: settings.amplitude,
      zoom: settings.zoom,
      zoomStart: settings.zoomStart,
      zoomEnd: settings.zoomEnd,
      scaleFrom: settings.scaleFrom,
      elevationDegrees: orbit ? 90 - orbit.phiDegrees : AUTO_FRAMING_ELEVATION,
      fill: settings.fill ?? DEFAULT_FILL,
      fieldOfViewDegrees: settings.fieldOfView === undefined ? null : parseFieldOfView(settings.fieldOfView),
      explicit: orbit ? { radius: orbit.radius, target: orbit.target } : null,
    },
    model: { tiltXDegrees: settings.tiltX, panXDegrees: settings.panX, rollZDegrees: settings.rollZ },
    animation: settings.animation === undefined ? null : { clip: settings.animation, speed: settings.animationSpeed },
    materialVariant: settings.materialVariant ?? null,
    look: { shadows: settings.shadows, reflector: settings.reflector },
    lighting: planLighting(settings, { environments: options.environments, animated: settings.animation !== undefined }),
    antialiasing: options.antialiasing ?? (settings.quality === 'share' ? SHARE_ANTIALIASING : 'ssaa2'),
    dataset: null,
    stills: null,
  };
}

function planVariant(settings: RenderSettings, directory: string, overlays: Record<string, OverlayImage>): VariantPlan {
  const overlay = (id: string) => {
    const found = overlays[id];
    if (!found) throw new RenderbayError('overlay_not_found', `Overlay ${id} not found`, 404);
    return found;
  };
  return {
    directory,
    background: {
      color: settings.bgColor,
      image: settings.bgImageId === undefined ? null : { path: overlay(settings.bgImageId).path, alignment: settings.bgAlign },
      vignette: settings.vignette,
    },
    foreground: (settings.foregroundIds ?? []).map(overlay),
  };
}

/** A plain white background, as datasets and previews use. */
export const WHITE_BACKGROUND: BackgroundPlan = { color: '#ffffff', image: null, vignette: 0 };

function planDataset(settings: RenderSettings, modelPath: string, workDirectory: string, options: PlanOptions): RenderPlan {
  const quality = settings.datasetQuality ?? DEFAULT_DATASET_QUALITY;
  const shape = datasetShape(settings);
  const views = options.datasetViews ?? shape.views;
  if (!Number.isInteger(views) || views < 1 || views > shape.views) {
    throw new RangeError(`datasetViews must be a whole number from 1 to ${shape.views}, got ${views}`);
  }
  return {
    output: 'dataset',
    modelPath,
    workDirectory,
    width: shape.size,
    height: shape.size,
    fps: LIMITS.fps,
    frameCount: views,
    quality: null,
    encoding: 'h264',
    variants: [{ directory: '', background: WHITE_BACKGROUND, foreground: [] }],
    // Unused by datasets (their cameras come from the view layout); kept so every plan has one shape.
    camera: {
      effect: 'turntable',
      startAngleDegrees: 0,
      sweepDegrees: 0,
      easing: false,
      easeOutRatio: 0,
      amplitudeDegrees: 0,
      zoom: 1,
      zoomStart: 1,
      zoomEnd: 1,
      scaleFrom: 1,
      elevationDegrees: 0,
      fill: DEFAULT_FILL,
      fieldOfViewDegrees: null,
      explicit: null,
    },
    model: { tiltXDegrees: 0, panXDegrees: 0, rollZDegrees: 0 },
    animation: null,
    materialVariant: settings.materialVariant ?? null,
    look: { shadows: false, reflector: false },
    lighting: { ...DEFAULT_LIGHTING, contactShadow: false },
    antialiasing: options.antialiasing ?? 'ssaa2',
    dataset: {
      quality,
      views,
      size: shape.size,
      coverage: settings.coverage ?? DEFAULT_COVERAGE,
      testEvery: DATASET_TEST_EVERY,
      pointCount: DATASET_POINT_COUNT,
      passes: settings.datasetPasses ?? [],
    },
    stills: null,
  };
}

/**
 * Stills at or below this long side are supersampled 4× per axis instead of 2×: smoother
 * edges where it is cheap (a 720p still at 4× costs what a 1440p one does at 2×).
 */
export const STILLS_SSAA4_MAX_LONG_SIDE = 1280;

function planStills(settings: RenderSettings, modelPath: string, workDirectory: string, options: PlanOptions): RenderPlan {
  const { width, height } = imagePixelSize(settings.imageSize!, settings.aspect);
  const video = planRender({ ...settings, output: 'video' }, modelPath, workDirectory, { ...options, variantSettings: undefined });
  const views = (settings.stills as StillEntry[]).map(stillAngle).map(({ name, azimuth, elevation }) => ({
    name,
    azimuthDegrees: azimuth + settings.rotateY,
    elevationDegrees: elevation,
  }));
  return {
    ...video,
    output: 'stills',
    width,
    height,
    frameCount: views.length,
    quality: null,
    encoding: 'h264',
    // A still model: an animation is posed at its first frame.
    animation: settings.animation === undefined ? null : { clip: settings.animation, speed: 1 },
    antialiasing: options.antialiasing ?? (Math.max(width, height) <= STILLS_SSAA4_MAX_LONG_SIDE ? 'ssaa4' : 'ssaa2'),
    stills: { views, format: settings.imageFormat!, transparent: settings.transparent === true },
  };
}
