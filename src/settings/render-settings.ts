/**
 * The RenderSettings schema: the single source of truth for every render setting's
 * type, default, range and error message. The CLI, the REST API, the MCP tools, quote
 * and the renderer all derive from this module; nothing else restates a default or range.
 *
 * Field names, defaults and ranges follow the REST reference (shared/api/REFERENCE.md).
 */
import { z } from 'zod';
import { RenderbayError } from '../errors.js';
import { checkStills, stillsFields, withStillsDefaults } from './stills-settings.js';
import { lightingConflicts, lightingSettingsFields } from './lighting-settings.js';
import { cameraSettingsFields, checkCamera } from './camera-settings.js';
import { templateSettingsFields } from './template-settings.js';
import { variantSettingsFields } from './variant-settings.js';

export const QUALITIES = ['share', 'standard', '4k', 'pro'] as const;
export const ASPECTS = ['16:9', '1:1', '9:16'] as const;
export const EFFECTS = ['turntable', 'hero-spin', 'showcase', 'zoom-orbit', 'reveal'] as const;
/**
 * The hosted API lists "dataset" among the effects: it is not a camera move but another
 * name for `output: "dataset"`, and is stored as that (see `datasetEffectAsOutput`).
 */
export const DATASET_EFFECT = 'dataset';
/** Anchors of a background image's crop (bgAlign) and of an overlay (its alignment). */
export const ALIGNMENTS = ['top-left', 'top-center', 'top-right', 'center-left', 'center', 'center-right', 'bottom-left', 'bottom-center', 'bottom-right'] as const;
/** Foreground overlays one render may stack. */
export const MAX_FOREGROUND_OVERLAYS = 4;
export const OUTPUTS = ['video', 'dataset', 'stills'] as const;
export const DATASET_QUALITIES = ['100x800', '196x1024', '400x2048'] as const;
export const COVERAGES = ['hemisphere', 'sphere'] as const;

export type Quality = (typeof QUALITIES)[number];
export type Aspect = (typeof ASPECTS)[number];
export type Effect = (typeof EFFECTS)[number];
export type Alignment = (typeof ALIGNMENTS)[number];
export type Output = (typeof OUTPUTS)[number];
export type DatasetQuality = (typeof DATASET_QUALITIES)[number];
export type Coverage = (typeof COVERAGES)[number];

/**
 * Dataset tiers, named "views x pixels": how many views and the side of the square
 * images. `output: "dataset"` without a tier gets DEFAULT_DATASET_QUALITY, the smallest
 * (and cheapest: prices live in the credits price table).
 */
export const DATASET_TIERS: Record<DatasetQuality, { views: number; size: number }> = {
  '100x800': { views: 100, size: 800 },
  '196x1024': { views: 196, size: 1024 },
  '400x2048': { views: 400, size: 2048 },
};
export const DEFAULT_DATASET_QUALITY: DatasetQuality = '100x800';
export const DEFAULT_COVERAGE: Coverage = 'hemisphere';

/** Settings that only mean something for a dataset, and are refused on a video. */
const DATASET_ONLY_FIELDS = ['datasetQuality', 'coverage'] as const;

/** Pixel size of the short side of the frame per quality tier; the long side follows the aspect. */
export const SHORT_SIDE: Record<Quality, number> = { share: 540, standard: 1080, '4k': 2160, pro: 2160 };

/** The sweep an effect travels when `sweepAngle` is not given (only hero-spin and reveal take one). */
export const DEFAULT_SWEEP: Partial<Record<Effect, number>> = { 'hero-spin': 540, reveal: 180 };

/**
 * Settings that change only what is behind (background colour, image, vignette) or on top
 * of (foreground overlays) the model. Renders of one model that differ only in these share
 * one rendering pass: see `passKey`.
 */
export const BACKGROUND_FIELDS = ['bgColor', 'bgImageId', 'bgAlign', 'vignette', 'foregroundIds'] as const;

/** Identifies the rendering pass a render needs: its settings without the background fields. */
export function passKey(settings: RenderSettings): string {
  const pass: Record<string, unknown> = { ...settings };
  for (const field of BACKGROUND_FIELDS) delete pass[field];
  // Which template the settings came from changes nothing in the pixels: they are resolved already.
  delete pass.templateId;
  return JSON.stringify(Object.keys(pass).sort().map((key) => [key, pass[key]]));
}

/** Output pixel size for a quality tier and aspect ratio (always even, as H.264 4:2:0 requires). */
export function frameSize(quality: Quality, aspect: Aspect): { width: number; height: number } {
  const short = SHORT_SIDE[quality];
  const long = Math.round((short * 16) / 9 / 2) * 2;
  if (aspect === '16:9') return { width: long, height: short };
  if (aspect === '9:16') return { width: short, height: long };
  return { width: short, height: short };
}

function numberIn(field: string, min: number, max: number, unit = '') {
  const range = `from ${min} to ${max}${unit}`;
  return z
    .number({ error: `${field} must be a number ${range}` })
    .min(min, { error: `${field} must be ${range}` })
    .max(max, { error: `${field} must be ${range}` });
}

function integerIn(field: string, min: number, max: number) {
  return numberIn(field, min, max).int({ error: `${field} must be a whole number from ${min} to ${max}` });
}

function oneOf<const T extends readonly [string, ...string[]]>(field: string, values: T) {
  return z.enum(values, { error: `${field} must be one of: ${values.join(', ')}` });
}

function overlayId(field: string) {
  return z.string({ error: `${field} must be an overlay id (string)` }).min(1, { error: `${field} must be an overlay id` }).max(100, { error: `${field} must be an overlay id` });
}

function flag(field: string) {
  return z.boolean({ error: `${field} must be true or false` });
}

/**
 * The fields alone: each one's type, default, range and message. Input schemas that
 * pick, omit or extend fields start from this (zod refuses to pick from a refined object).
 */
export const renderSettingsFields = z.strictObject(
  {
    /** Output tier: share 960×540, standard 1920×1080, 4k 3840×2160 H.264, pro 3840×2160 ProRes 4444 with alpha (16:9 sizes). */
    quality: oneOf('quality', QUALITIES)
      .default('share')
      .describe(
        'Output tier (16:9 sizes; 1:1 and 9:16 keep the short side): share 960×540 H.264, standard 1920×1080 H.264, 4k 3840×2160 H.264, pro 3840×2160 ProRes 4444 .mov with a transparent background (bgColor/bgImageId then apply to its web, thumb and poster). Prices differ: see quote.',
      ),
    /** Frame aspect ratio. */
    aspect: oneOf('aspect', ASPECTS).default('16:9').describe('Frame aspect ratio.'),
    /** Camera move (or "dataset", taken as output "dataset" before the fields are read). */
    effect: z
      .enum(EFFECTS, { error: `effect must be one of: ${EFFECTS.join(', ')}, or ${DATASET_EFFECT} (the same as output "dataset")` })
      .default('turntable')
      .describe(
        'Camera move: turntable (360° orbit), hero-spin (fast spin decelerating to face the front), showcase (swing left and right of the front and back), zoom-orbit (360° while moving from zoomStart to zoomEnd), reveal (the model grows from scaleFrom while turning sweepAngle). effect "dataset" is accepted as another name for output "dataset".',
      ),
    /** Degrees turned by hero-spin (default 540) and reveal (default 180). */
    sweepAngle: numberIn('sweepAngle', 10, 1080, '°').optional().describe('Degrees turned by hero-spin (default 540) and reveal (default 180), 10–1080.'),
    /** Share of a hero-spin spent decelerating. */
    easeOutRatio: numberIn('easeOutRatio', 0, 1).default(0.6).describe('hero-spin: share of the video spent decelerating to the front, 0–1 (default 0.6).'),
    /** Showcase swing, degrees either side. */
    amplitude: numberIn('amplitude', 5, 180, '°').default(60).describe('showcase: swing in degrees either side of the start angle, 5–180 (default 60).'),
    /** zoom-orbit camera distance at the start, as a multiple of the fitted distance. */
    zoomStart: numberIn('zoomStart', 0.1, 3).default(1).describe('zoom-orbit: camera distance multiplier at the start, 0.1–3 (default 1.0).'),
    /** zoom-orbit camera distance at the end. */
    zoomEnd: numberIn('zoomEnd', 0.1, 3).default(0.7).describe('zoom-orbit: camera distance multiplier at the end, 0.1–3 (default 0.7; smaller is closer).'),
    /** reveal: the model's scale on the first frame. */
    scaleFrom: numberIn('scaleFrom', 0, 1).default(0).describe('reveal: the model\'s scale on the first frame, 0–1 (default 0: it grows from nothing).'),
    /** Darkening of the frame's edges. */
    vignette: numberIn('vignette', 0, 1).default(0).describe('Darkening of the frame edges, 0 (none) to 1 (strong).'),
    /** Background colour, 6-digit hex with '#'. */
    bgColor: z
      .string({ error: 'bgColor must be a 6-digit hex colour such as #ffffff' })
      .regex(/^#[0-9a-fA-F]{6}$/, { error: 'bgColor must be a 6-digit hex colour such as #ffffff' })
      .transform((hex) => hex.toLowerCase())
      .default('#ffffff')
      .describe('Background colour, a 6-digit hex with # (default #ffffff); ignored when bgImageId is set.'),
    /** Background image: an overlay id, scaled to cover the frame. */
    bgImageId: overlayId('bgImageId').optional().describe('Background image: an overlay id (upload_overlay or list_overlays over MCP, POST /v1/overlays over REST), scaled to cover the frame and cropped at bgAlign; overrides bgColor.'),
    /** Which part of a background image stays in frame when it is cropped. */
    bgAlign: oneOf('bgAlign', ALIGNMENTS).default('top-left').describe('Anchor of the background image crop: which edge or corner stays in frame (default top-left).'),
    /** Foreground overlays (watermarks, frames) composited over the model, in order. */
    foregroundIds: z
      .array(overlayId('foregroundIds'), { error: 'foregroundIds must be an array of overlay ids' })
      .max(MAX_FOREGROUND_OVERLAYS, { error: `foregroundIds takes at most ${MAX_FOREGROUND_OVERLAYS} overlays` })
      .optional()
      .describe(
        `Renderbay addition: up to ${MAX_FOREGROUND_OVERLAYS} overlay ids (layer "foreground", e.g. a watermark or frame) composited over the model in order, each at its own alignment, sized as drawn for a 1080-pixel short side.`,
      ),
    /** Video length in seconds (decimals allowed). */
    length: numberIn('length', 3, 30, ' seconds').default(6).describe('Video length in seconds, 3–30 (decimals allowed), at 30 fps.'),
    /** An animation clip of the model to play, or '*' for its first clip. */
    animation: z
      .string({ error: 'animation must be a clip name of the model, or "*" for its first clip' })
      .min(1, { error: 'animation must be a clip name of the model, or "*" for its first clip' })
      .max(200, { error: 'animation must be a clip name of the model, or "*" for its first clip' })
      .optional()
      .describe('A clip name of the model to play (looping) while the camera moves, or "*" for its first clip.'),
    /** Animation playback speed multiplier. */
    animationSpeed: numberIn('animationSpeed', 0.1, 10).default(1).describe('Animation playback multiplier, 0.1–10 (default 1).'),
    /** Soft ground shadow under the model. */
    shadows: flag('shadows').default(true).describe('Soft ground shadow under the model.'),
    /** Reflective floor. */
    reflector: flag('reflector').default(false).describe('Reflective floor that mirrors the model.'),
    /** Ease in and out of the rotation. */
    easing: flag('easing').default(true).describe('Ease in and out of the camera move; false gives a constant speed (a turntable then loops seamlessly).'),
    /** Camera start angle in degrees (does not rotate the model). */
    rotateY: integerIn('rotateY', -180, 180).default(0).describe('Camera angle in degrees, −180 to 180: where turntable, showcase and zoom-orbit start and where hero-spin and reveal end (the model is not rotated).'),
    /** Model tilt forward/back. */
    tiltX: integerIn('tiltX', -90, 90).default(0).describe('Model tilt forward (+) or back (−) in degrees, −90 to 90.'),
    /** Model yaw, applied after the tilt. */
    panX: integerIn('panX', -180, 180).default(0).describe('Model yaw in degrees, −180 to 180, applied after the tilt.'),
    /** Model roll. */
    rollZ: integerIn('rollZ', -180, 180).default(0).describe('Model roll in degrees, −180 to 180.'),
    /** Camera distance multiplier, applied after fill. */
    zoom: numberIn('zoom', 0.5, 2).default(1).describe('Camera distance multiplier after fill, 0.5 (closer) to 2 (farther).'),
    /** Auto framing's fill and the explicit camera (camera-settings.ts). */
    ...cameraSettingsFields,
    /**
     * What to render: a turntable `video` (with posters), or a training `dataset` (multi-view
     * images, masks, depth, camera poses and a surface point cloud in one zip). A dataset
     * uses none of the video fields above (quality, aspect, the camera move and its
     * parameters, model orientation, backgrounds and overlays, animation, shadows,
     * reflector): its images are always composited on white, with no floor or shadow.
     */
    output: oneOf('output', OUTPUTS).default('video').describe('video (turntable MP4s and posters), dataset (multi-view training data in a zip) or stills (images from named angles).'),
    /** Dataset tier, views × pixels (only with output "dataset"; defaults to 100x800 there). */
    datasetQuality: oneOf('datasetQuality', DATASET_QUALITIES).optional().describe('Dataset tier, views × pixels; only with output "dataset" (default 100x800).'),
    /** Dataset camera coverage (only with output "dataset"; defaults to hemisphere there). */
    coverage: oneOf('coverage', COVERAGES).optional().describe('Dataset camera coverage: hemisphere (objects on a floor) or sphere; only with output "dataset".'),
    /** The stills group (output "stills"): settings/stills-settings.ts. */
    ...stillsFields,
    /** Lighting: environment image, presets, exposure, tone mapping, skybox, shadow strength (lighting-settings.ts). */
    ...lightingSettingsFields,
    /** templateId: a saved look, merged in by the service layer (template-settings.ts). */
    ...templateSettingsFields,
    /** Material variant (KHR_materials_variants): variant-settings.ts. */
    ...variantSettingsFields,
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? undefined : 'renderSettings must be a JSON object') },
);

/**
 * `effect: "dataset"` (the hosted API's spelling) becomes `output: "dataset"` before the
 * fields are read, so it is stored, priced and rendered exactly like that; the effect
 * itself falls back to its default. With `output: "video"` given as well the request
 * contradicts itself and is refused.
 */
function datasetEffectAsOutput(input: unknown, context: z.RefinementCtx): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const { effect, ...rest } = input as Record<string, unknown>;
  if (effect !== DATASET_EFFECT) return input;
  if (rest.output === 'video') {
    context.addIssue({ code: 'custom', path: ['effect'], message: 'effect "dataset" renders a dataset; it cannot be combined with output "video"' });
    return input;
  }
  // Any other output value is left for the output field to judge.
  return { ...rest, output: rest.output ?? 'dataset' };
}

/** The whole schema: the fields, the rules between them, and the defaults that depend on `output`. */
export const renderSettingsSchema = z.preprocess(
  datasetEffectAsOutput,
  renderSettingsFields
    // Cross-field rules. (zod runs them once every field is valid on its own.)
    .superRefine((settings, context) => {
      for (const issue of checkStills(settings)) context.addIssue({ code: 'custom', ...issue });
      if (settings.output === 'dataset') return;
      for (const field of DATASET_ONLY_FIELDS) {
        if (settings[field] === undefined) continue;
        context.addIssue({ code: 'custom', path: [field], message: `${field} requires output "dataset" (output is "${settings.output}")` });
      }
    })
    .superRefine((settings, context) => {
      for (const issue of checkCamera(settings)) context.addIssue({ code: 'custom', ...issue });
      for (const message of lightingConflicts(settings)) context.addIssue({ code: 'custom', path: ['skybox'], message });
    })
    // Dataset defaults apply only to datasets, so a video's settings never carry them.
    .overwrite((settings) =>
      settings.output === 'dataset'
        ? { ...settings, datasetQuality: settings.datasetQuality ?? DEFAULT_DATASET_QUALITY, coverage: settings.coverage ?? DEFAULT_COVERAGE }
        : withStillsDefaults(settings),
    ),
);

/** What callers may pass: the fields' inputs, with "dataset" also allowed as an effect. */
export type RenderSettingsInput = Omit<z.input<typeof renderSettingsFields>, 'effect'> & { effect?: Effect | typeof DATASET_EFFECT };
export type RenderSettings = z.output<typeof renderSettingsSchema>;

export const RENDER_SETTING_FIELDS = Object.keys(renderSettingsFields.shape) as (keyof RenderSettings)[];

/**
 * Validates user-supplied settings and fills in defaults. Throws `invalid_settings`
 * naming every offending field and what it allows.
 */
export function parseRenderSettings(input: unknown): RenderSettings {
  const result = renderSettingsSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const messages = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const plural = issue.keys.length > 1 ? 's' : '';
      return `unknown field${plural} ${issue.keys.join(', ')} (allowed: ${RENDER_SETTING_FIELDS.join(', ')})`;
    }
    return issue.message;
  });
  throw new RenderbayError('invalid_settings', `Invalid renderSettings: ${messages.join('; ')}`, 400);
}
