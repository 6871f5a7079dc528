/**
 * The lighting group of the RenderSettings schema: environment image, lighting presets,
 * exposure and tone mapping, skybox, and the ground shadows' strength and softness.
 * Its fields are spread into `renderSettingsFields` (render-settings.ts); they are all
 * optional so that a render that names none of them keeps today's look exactly (room
 * environment, key light, contact shadow, ACES at exposure 1). The defaults a preset or
 * an environment brings are resolved in render/lighting-plan.ts.
 *
 * Names follow model-viewer's attributes (environmentImage, exposure, toneMapping,
 * skyboxImage → skybox, shadowIntensity, shadowSoftness).
 */
import { z } from 'zod';

/**
 * CC0 Poly Haven HDRIs shipped as EXR by @pmndrs/assets (hdri/<name>.exr.js), plus
 * `neutral`: three's procedural RoomEnvironment, the studio look Renderbay always had.
 */
export const ENVIRONMENT_PRESETS = [
  'neutral',
  'apartment',
  'bridge',
  'city',
  'dawn',
  'esplanade',
  'forest',
  'hall',
  'lab',
  'lobby',
  'night',
  'park',
  'sky',
  'studio',
  'sunrise',
  'sunset',
  'venice',
  'warehouse',
  'workshop',
] as const;
export type EnvironmentPreset = (typeof ENVIRONMENT_PRESETS)[number];

/** aces = ACES Filmic, neutral = Khronos PBR Neutral, agx = AgX, linear = no curve (clamped). */
export const TONE_MAPPINGS = ['aces', 'neutral', 'agx', 'linear'] as const;
export type ToneMapping = (typeof TONE_MAPPINGS)[number];

/** A key light: where it comes from (relative to the model's front, +Z), its colour, strength and size. */
export interface KeyLightPreset {
  /** Degrees about +Y from the front (+Z), positive towards +X. */
  azimuth: number;
  /** Degrees above the horizon. */
  elevation: number;
  color: string;
  intensity: number;
  /** 0 (a point-like sun: hard shadow) to 1 (a large softbox: very soft shadow). */
  softness: number;
}

export interface LightingPreset {
  label: string;
  description: string;
  environment: EnvironmentPreset;
  /** environmentRotation in degrees. */
  rotation: number;
  environmentIntensity: number;
  exposure: number;
  keyLight: KeyLightPreset;
  /** Opacity of the cast shadow, 0–1. */
  shadowIntensity: number;
}

export const LIGHTING_PRESETS = {
  'studio-soft': {
    label: 'Studio Soft',
    description: 'Large soft key from the front left over a bright studio: gentle shadows, even reflections.',
    environment: 'studio',
    rotation: 0,
    environmentIntensity: 0.6,
    exposure: 0.9,
    keyLight: { azimuth: -35, elevation: 55, color: '#ffffff', intensity: 1, softness: 0.8 },
    shadowIntensity: 0.55,
  },
  'studio-contrast': {
    label: 'Studio Contrast',
    description: 'A hard, strong key from the side over a dim environment: deep shadows and crisp highlights.',
    environment: 'warehouse',
    rotation: 90,
    environmentIntensity: 0.35,
    exposure: 1,
    keyLight: { azimuth: -70, elevation: 35, color: '#ffffff', intensity: 3, softness: 0.2 },
    shadowIntensity: 0.9,
  },
  'golden-hour': {
    label: 'Golden Hour',
    description: 'Low, warm evening sun from the right over a sunset sky: long soft shadows.',
    environment: 'sunset',
    rotation: 0,
    environmentIntensity: 0.8,
    exposure: 1.1,
    keyLight: { azimuth: 60, elevation: 18, color: '#ffb46b', intensity: 2.4, softness: 0.35 },
    shadowIntensity: 0.75,
  },
  overcast: {
    label: 'Overcast',
    description: 'A cloudy sky: soft light from above and a faint, very soft shadow.',
    environment: 'park',
    rotation: 0,
    environmentIntensity: 1.1,
    exposure: 1,
    keyLight: { azimuth: 0, elevation: 75, color: '#e8eef5', intensity: 0.5, softness: 1 },
    shadowIntensity: 0.35,
  },
  night: {
    label: 'Night',
    description: 'A dark city night with a cool rim from behind: low key, blue-tinted.',
    environment: 'night',
    rotation: 0,
    environmentIntensity: 0.7,
    exposure: 1.2,
    keyLight: { azimuth: 140, elevation: 35, color: '#6f9dff', intensity: 2.2, softness: 0.5 },
    shadowIntensity: 0.6,
  },
  'outdoor-noon': {
    label: 'Outdoor Noon',
    description: 'High midday sun over a clear sky: a short, crisp shadow under the model.',
    environment: 'sky',
    rotation: 0,
    environmentIntensity: 1,
    exposure: 1,
    keyLight: { azimuth: 20, elevation: 70, color: '#fff6e8', intensity: 3, softness: 0.1 },
    shadowIntensity: 0.8,
  },
} as const satisfies Record<string, LightingPreset>;
export type LightingPresetName = keyof typeof LIGHTING_PRESETS;
export const LIGHTING_PRESET_NAMES = Object.keys(LIGHTING_PRESETS) as [LightingPresetName, ...LightingPresetName[]];

function numberIn(field: string, min: number, max: number) {
  const range = `from ${min} to ${max}`;
  return z
    .number({ error: `${field} must be a number ${range}` })
    .min(min, { error: `${field} must be ${range}` })
    .max(max, { error: `${field} must be ${range}` });
}

const environmentImageMessage = `environmentImage must be a preset (${ENVIRONMENT_PRESETS.join(', ')}) or an uploaded environment id`;

/** The lighting fields, spread into renderSettingsFields. */
export const lightingSettingsFields = {
  environmentImage: z
    .string({ error: environmentImageMessage })
    .min(1, { error: environmentImageMessage })
    .max(100, { error: environmentImageMessage })
    .optional()
    .describe(`HDR environment: a preset (${ENVIRONMENT_PRESETS.join(', ')}) or an environment id. Alone (no lighting), it is the only light.`),
  lighting: z
    .enum(LIGHTING_PRESET_NAMES, { error: `lighting must be one of: ${LIGHTING_PRESET_NAMES.join(', ')}` })
    .optional()
    .describe('Lighting preset: environment, key light with a soft cast shadow, exposure; other lighting fields override it.'),
  environmentRotation: numberIn('environmentRotation', -360, 360).optional().describe('Degrees the environment turns about the vertical.'),
  environmentIntensity: numberIn('environmentIntensity', 0, 10).optional().describe('Environment brightness multiplier (default 1).'),
  exposure: numberIn('exposure', 0, 10).optional().describe('Exposure before tone mapping (default 1).'),
  toneMapping: z.enum(TONE_MAPPINGS, { error: `toneMapping must be one of: ${TONE_MAPPINGS.join(', ')}` }).optional().describe('Default aces; neutral = Khronos PBR Neutral.'),
  skybox: z.boolean({ error: 'skybox must be true or false' }).optional().describe('Environment as the background (not with transparent output).'),
  skyboxBlur: numberIn('skyboxBlur', 0, 1).optional().describe('Skybox blur, 0 (sharp) to 1.'),
  shadowIntensity: numberIn('shadowIntensity', 0, 1).optional().describe('Cast shadow opacity (with lighting).'),
  shadowSoftness: numberIn('shadowSoftness', 0, 1).optional().describe('Cast shadow softness, 0 hard to 1 (with lighting).'),
};

export type LightingSettings = { [K in keyof typeof lightingSettingsFields]?: Exclude<z.output<(typeof lightingSettingsFields)[K]>, undefined> };

/**
 * Contradictions between lighting fields and the output, as messages (empty when none).
 * A skybox is an opaque background, so it cannot go with transparent output: quality
 * "pro" (its ProRes master is transparent) or, when stills arrive, `transparent: true`.
 */
export function lightingConflicts(settings: Partial<LightingSettings> & { quality?: string; transparent?: unknown }): string[] {
  const conflicts: string[] = [];
  if (settings.skybox === true && (settings.transparent === true || settings.quality === 'pro')) {
    conflicts.push('skybox shows the environment as an opaque background; it cannot be combined with transparent output (transparent: true or quality "pro")');
  }
  if (settings.skyboxBlur !== undefined && settings.skybox !== true) conflicts.push('skyboxBlur requires skybox: true');
  return conflicts;
}

export function isEnvironmentPreset(name: string): name is EnvironmentPreset {
  return (ENVIRONMENT_PRESETS as readonly string[]).includes(name);
}
