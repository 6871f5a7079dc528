/**
 * The lighting of a render, resolved from its settings: which environment, how it is
 * turned and exposed, whether a key light (and its cast shadow) is present. Three cases:
 *
 * - neither `lighting` nor `environmentImage`: today's studio look, unchanged (the
 *   neutral room environment, a white key light, the contact shadow, ACES at exposure 1);
 * - `environmentImage` alone: the environment is the only light (as reference renderers
 *   light a scene; a key light on top cost 11 dB in the fidelity measurement);
 * - `lighting`: the preset's environment, rotation, exposure and key light, whose soft
 *   shadow is accumulated on the ground; explicit fields override the preset.
 */
import { RenderbayError } from '../errors.js';
import {
  ENVIRONMENT_PRESETS,
  isEnvironmentPreset,
  LIGHTING_PRESETS,
  type EnvironmentPreset,
  type LightingSettings,
  type ToneMapping,
} from '../settings/lighting-settings.js';

export type EnvironmentSource = { kind: 'preset'; name: EnvironmentPreset } | { kind: 'file'; path: string };

export interface LightingPlan {
  environment: EnvironmentSource;
  environmentRotationDegrees: number;
  environmentIntensity: number;
  exposure: number;
  toneMapping: ToneMapping;
  /** The environment drawn as the background (over bgColor), with a blur 0–1; null for none. */
  skybox: { blur: number } | null;
  /** A directional light, fixed in the world; null when the environment alone lights the scene. */
  keyLight: { direction: [number, number, number]; color: string; intensity: number } | null;
  /** The key light's soft shadow on the ground (accumulated from jittered samples); null for none. */
  castShadow: { intensity: number; softness: number } | null;
  /** The contact shadow under the model (ambient occlusion on the floor). */
  contactShadow: boolean;
}

/** Today's key light: upper front-left of the camera's start position, like a product softbox. */
const DEFAULT_KEY_LIGHT = { direction: normalise([-0.6, 1.0, 0.8]), color: '#ffffff', intensity: 1.6 };

export interface LightingPlanOptions {
  /** Uploaded environment files by id (resolved by the service, which owns environments). */
  environments?: Record<string, string>;
  /** Whether the model moves on its own (animation): its cast shadow cannot be baked once. */
  animated: boolean;
}

export function planLighting(settings: LightingSettings & { shadows: boolean }, options: LightingPlanOptions): LightingPlan {
  const preset = settings.lighting === undefined ? null : LIGHTING_PRESETS[settings.lighting];
  const environment: EnvironmentSource =
    settings.environmentImage !== undefined
      ? resolveEnvironment(settings.environmentImage, options.environments ?? {})
      : { kind: 'preset', name: preset?.environment ?? 'neutral' };
  const key = preset?.keyLight;
  const keyLight = preset
    ? { direction: directionFrom(key!.azimuth, key!.elevation), color: key!.color, intensity: key!.intensity }
    : settings.environmentImage === undefined
      ? DEFAULT_KEY_LIGHT
      : null;
  // A cast shadow is baked once per render; a model that animates would drag a stale
  // shadow around, so it keeps only the contact shadow (documented in the README).
  const castShadow =
    preset && settings.shadows && !options.animated
      ? { intensity: settings.shadowIntensity ?? preset.shadowIntensity, softness: settings.shadowSoftness ?? key!.softness }
      : null;
  return {
    environment,
    environmentRotationDegrees: settings.environmentRotation ?? preset?.rotation ?? 0,
    environmentIntensity: settings.environmentIntensity ?? preset?.environmentIntensity ?? 1,
    exposure: settings.exposure ?? preset?.exposure ?? 1,
    toneMapping: settings.toneMapping ?? 'aces',
    skybox: settings.skybox === true ? { blur: settings.skyboxBlur ?? 0 } : null,
    keyLight,
    castShadow,
    contactShadow: settings.shadows,
  };
}

/** The default look, for renders that take no lighting settings (datasets, previews). */
export const DEFAULT_LIGHTING: LightingPlan = planLighting({ shadows: true }, { animated: false });

function resolveEnvironment(name: string, environments: Record<string, string>): EnvironmentSource {
  if (isEnvironmentPreset(name)) return { kind: 'preset', name };
  const file = environments[name];
  if (!file) throw environmentNotFound(name);
  return { kind: 'file', path: file };
}

/** `environment_not_found`, naming the presets (an unknown preset and an unknown id are the same mistake). */
export function environmentNotFound(name: string): RenderbayError {
  return new RenderbayError(
    'environment_not_found',
    `Environment ${name} not found: environmentImage must be a preset (${ENVIRONMENT_PRESETS.join(', ')}) or an environment id of this account (POST /environments)`,
    404,
  );
}

/** Unit vector towards a light at `azimuth` degrees about +Y from +Z and `elevation` degrees above the horizon. */
export function directionFrom(azimuth: number, elevation: number): [number, number, number] {
  const a = (azimuth * Math.PI) / 180;
  const e = (elevation * Math.PI) / 180;
  return [Math.cos(e) * Math.sin(a), Math.sin(e), Math.cos(e) * Math.cos(a)];
}

function normalise([x, y, z]: [number, number, number]): [number, number, number] {
  const length = Math.hypot(x, y, z);
  return [x / length, y / length, z / length];
}
