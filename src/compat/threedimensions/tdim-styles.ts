/**
 * `GET /api/v1/styles` of the 3Dimensions surface, and the request fields it lists: scene
 * types (how a model is framed), architectural styles (passed to an image restyle), lighting
 * (our studio's presets, by id or display label: "golden-hour" or "Golden Hour"),
 * resolutions, kinds, and their costs from the one price table.
 */
import { PRICES, priceOf } from '../../credits/prices.js';
import { RenderbayError } from '../../errors.js';
import { parseRenderSettings } from '../../settings/render-settings.js';
import { LIGHTING_PRESET_NAMES, LIGHTING_PRESETS, type LightingPresetName } from '../../settings/lighting-settings.js';

export const SCENE_TYPES = {
  exterior: { label: 'Exterior', description: 'Seen from outside: a raised three-quarter view with room around the model' },
  interior: { label: 'Interior', description: 'Seen from within: an eye-level view, close, the model filling the frame' },
} as const;
export type SceneType = keyof typeof SCENE_TYPES;

export const ARCHITECTURAL_STYLES = ['Modern', 'Contemporary', 'Minimalist', 'Scandinavian', 'Industrial', 'Mid-Century Modern', 'Traditional', 'Mediterranean', 'Japanese', 'Brutalist'] as const;
export const RESOLUTIONS = { '2k': { video: 'standard' }, '4k': { video: '4k' } } as const;
export type Resolution = keyof typeof RESOLUTIONS;
export const KINDS = ['render', 'refine', 'enhance', 'staging', 'video'] as const;
export type Kind = (typeof KINDS)[number];
export const DEFAULT_LIGHTING: LightingPresetName = 'studio-soft';

const slug = (label: string) => label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

function oneOf<T extends string>(value: unknown, field: string, options: readonly T[], fallback: T): T {
  if (value === undefined || value === null || value === '') return fallback;
  const wanted = typeof value === 'string' ? value.trim().toLowerCase() : '';
  const found = options.find((option) => option.toLowerCase() === wanted);
  if (found === undefined) throw new RenderbayError('invalid_request', `${field} must be one of: ${options.join(', ')}`, 400);
  return found;
}

export const sceneTypeOf = (value: unknown) => oneOf(value, 'scene_type', Object.keys(SCENE_TYPES) as SceneType[], 'exterior');
export const resolutionOf = (value: unknown) => oneOf(value, 'resolution', Object.keys(RESOLUTIONS) as Resolution[], '2k');
export const kindOf = (value: unknown) => oneOf(value, 'kind', KINDS, 'render');

/** A lighting preset by its id or its display label (case-insensitive). */
export function lightingOf(value: unknown): LightingPresetName {
  if (value === undefined || value === null || value === '') return DEFAULT_LIGHTING;
  const wanted = typeof value === 'string' ? slug(value) : '';
  const found = LIGHTING_PRESET_NAMES.find((name) => name === wanted || slug(LIGHTING_PRESETS[name].label) === wanted);
  if (found === undefined) {
    throw new RenderbayError('invalid_request', `lighting must be one of: ${LIGHTING_PRESET_NAMES.map((name) => `"${LIGHTING_PRESETS[name].label}"`).join(', ')} (or their ids)`, 400);
  }
  return found;
}

/** An architectural style from the list (its label as listed), or undefined when none is given. */
export function architecturalStyleOf(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return oneOf(value, 'architectural_style', ARCHITECTURAL_STYLES, ARCHITECTURAL_STYLES[0]);
}

/** The render settings of a still (`kind: "render"`) or turntable (`kind: "video"`) of a model. */
export function modelRenderSettings(kind: 'render' | 'video', sceneType: SceneType, resolution: Resolution, lighting: LightingPresetName) {
  const framing = sceneType === 'interior' ? { azimuth: 20, elevation: 4, fill: 0.95 } : { azimuth: 35, elevation: 20, fill: 0.72 };
  if (kind === 'video') return { quality: RESOLUTIONS[resolution].video, effect: 'turntable', lighting, fill: framing.fill };
  return {
    output: 'stills',
    stills: [{ name: sceneType, azimuth: framing.azimuth, elevation: framing.elevation }],
    imageSize: resolution,
    imageFormat: 'jpeg',
    lighting,
    fill: framing.fill,
  };
}

/** A restyle kind's price, when the price table has one (`restyle-<kind>`). */
const restyleCost = (kind: string): number | null => PRICES[`restyle-${kind}`] ?? null;

export function threeDimensionsStyles() {
  const modelCost = (kind: 'render' | 'video') =>
    Object.fromEntries((Object.keys(RESOLUTIONS) as Resolution[]).map((resolution) => [resolution, priceOf(parseRenderSettings(modelRenderSettings(kind, 'exterior', resolution, DEFAULT_LIGHTING))).credits]));
  return {
    scene_types: (Object.keys(SCENE_TYPES) as SceneType[]).map((id) => ({ id, ...SCENE_TYPES[id] })),
    styles: ARCHITECTURAL_STYLES.map((label) => ({ id: slug(label), label })),
    lighting: LIGHTING_PRESET_NAMES.map((id) => ({ id, label: LIGHTING_PRESETS[id].label, description: LIGHTING_PRESETS[id].description })),
    resolutions: Object.keys(RESOLUTIONS),
    kinds: KINDS,
    costs: {
      /** A 3D model (`model_id`), by resolution: a still, or with kind "video" a turntable. */
      model: { render: modelCost('render'), video: modelCost('video') },
      /** An image (`image_url` / `image_base64`), by kind; null when the price table has no such item. */
      image: Object.fromEntries(KINDS.filter((kind) => kind !== 'render').map((kind) => [kind, restyleCost(kind)])),
    },
  };
}
