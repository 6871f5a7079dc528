/**
 * The camera group of the RenderSettings schema: how much of the frame auto framing fills
 * (`fill`), and an explicit camera in model-viewer's convention (`cameraOrbit`,
 * `cameraTarget`, `fieldOfView`). Its fields are spread into `renderSettingsFields`
 * (render-settings.ts); they stay optional so stored settings only carry what was asked.
 *
 * model-viewer's convention, in the model's own coordinates (metres):
 * - cameraOrbit "θ φ r": θ the azimuth about +Y (0 looks from +Z, 90deg from +X), φ the
 *   polar angle from +Y (90deg is level, 0 straight down), r the distance to the target;
 * - cameraTarget "x y z": the point looked at (default: the centre of the model's bounds);
 * - fieldOfView: the vertical field of view.
 * Units as model-viewer accepts them: angles in deg or rad (a bare number is radians),
 * lengths in m, cm or mm (a bare number is metres).
 */
import { z } from 'zod';

/** fill when none is given: tuned on the fidelity set (README "Framing"). */
export const DEFAULT_FILL = 0.72;
export const FILL_RANGE = { min: 0.3, max: 1 } as const;
export const FIELD_OF_VIEW_RANGE = { min: 10, max: 90 } as const;

/** Settings that place the model or the auto-framed camera, and so contradict an explicit camera. */
export const AUTO_FRAMING_FIELDS = ['rotateY', 'zoom', 'fill', 'tiltX', 'panX', 'rollZ'] as const;
/** Their values when not given (render-settings.ts fills these in). */
const AUTO_FRAMING_DEFAULTS: Record<(typeof AUTO_FRAMING_FIELDS)[number], number | undefined> = { rotateY: 0, zoom: 1, fill: undefined, tiltX: 0, panX: 0, rollZ: 0 };

/** An explicit camera, resolved: degrees and metres. */
export interface ExplicitCamera {
  /** Azimuth about +Y from +Z, degrees. */
  thetaDegrees: number;
  /** Polar angle from +Y, degrees (90 = level). */
  phiDegrees: number;
  /** Distance from the target, metres (model units). */
  radius: number;
  /** The point looked at, in model coordinates; null = the centre of the model's bounds. */
  target: [number, number, number] | null;
}

const NUMBER_WITH_UNIT = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)([a-z%]*)$/i;
const ANGLE_UNITS: Record<string, number> = { '': 180 / Math.PI, rad: 180 / Math.PI, deg: 1 };
const LENGTH_UNITS: Record<string, number> = { '': 1, m: 1, cm: 0.01, mm: 0.001 };

function parseQuantity(token: string, units: Record<string, number>): number | null {
  const match = NUMBER_WITH_UNIT.exec(token);
  if (!match) return null;
  const scale = units[match[2].toLowerCase()];
  const value = Number(match[1]) * (scale ?? NaN);
  return Number.isFinite(value) ? value : null;
}

function tokens(value: string, count: number): string[] | null {
  const parts = value.trim().split(/\s+/);
  return parts.length === count ? parts : null;
}

/** "θ φ r" in degrees and metres, or null when it does not parse or is out of range. */
export function parseCameraOrbit(value: string): Pick<ExplicitCamera, 'thetaDegrees' | 'phiDegrees' | 'radius'> | null {
  const parts = tokens(value, 3);
  if (!parts) return null;
  const [theta, phi] = parts.slice(0, 2).map((part) => parseQuantity(part, ANGLE_UNITS));
  const radius = parseQuantity(parts[2], LENGTH_UNITS);
  if (theta === null || phi === null || radius === null) return null;
  if (phi < 0 || phi > 180 || !(radius > 0)) return null;
  return { thetaDegrees: theta, phiDegrees: phi, radius };
}

/** "x y z" in metres, or null when it does not parse. */
export function parseCameraTarget(value: string): [number, number, number] | null {
  const parts = tokens(value, 3);
  const values = parts?.map((part) => parseQuantity(part, LENGTH_UNITS));
  if (!values || values.some((part) => part === null)) return null;
  return values as [number, number, number];
}

/** "45deg" (or radians) in degrees, or null when it does not parse. */
export function parseFieldOfView(value: string): number | null {
  return parseQuantity(value.trim(), ANGLE_UNITS);
}

const orbitMessage = 'cameraOrbit must be "θ φ r", e.g. "30deg 75deg 2.5m" (θ azimuth from +Z, φ 0–180deg from +Y, r > 0; deg/rad, m/cm/mm)';
const targetMessage = 'cameraTarget must be "x y z" in the model\'s coordinates, e.g. "0m 0.5m 0m" (m/cm/mm)';
const fovMessage = `fieldOfView must be a vertical angle from ${FIELD_OF_VIEW_RANGE.min}deg to ${FIELD_OF_VIEW_RANGE.max}deg, e.g. "45deg"`;

function text(message: string) {
  return z.string({ error: message }).max(100, { error: message });
}

/** The camera fields, spread into renderSettingsFields. */
export const cameraSettingsFields = {
  fill: z
    .number({ error: `fill must be a number from ${FILL_RANGE.min} to ${FILL_RANGE.max}` })
    .min(FILL_RANGE.min, { error: `fill must be from ${FILL_RANGE.min} to ${FILL_RANGE.max}` })
    .max(FILL_RANGE.max, { error: `fill must be from ${FILL_RANGE.min} to ${FILL_RANGE.max}` })
    .optional()
    .describe(`Auto framing: share of the frame the model spans over the move (default ${DEFAULT_FILL}).`),
  cameraOrbit: text(orbitMessage)
    .refine((value) => parseCameraOrbit(value) !== null, { error: orbitMessage })
    .optional()
    .describe('Explicit camera, model-viewer style: "θdeg φdeg rm" about cameraTarget; the model stays in place.'),
  cameraTarget: text(targetMessage)
    .refine((value) => parseCameraTarget(value) !== null, { error: targetMessage })
    .optional()
    .describe('"xm ym zm" (with cameraOrbit).'),
  fieldOfView: text(fovMessage)
    .refine((value) => {
      const degrees = parseFieldOfView(value);
      return degrees !== null && degrees >= FIELD_OF_VIEW_RANGE.min && degrees <= FIELD_OF_VIEW_RANGE.max;
    }, { error: fovMessage })
    .optional()
    .describe('Vertical, e.g. "45deg".'),
};

type CameraFields = { cameraOrbit?: string; cameraTarget?: string; fieldOfView?: string } & Partial<Record<(typeof AUTO_FRAMING_FIELDS)[number], number>>;
type Issue = { path: string[]; message: string };

/**
 * The rules between camera fields: an explicit camera leaves the model where it is, so
 * the fields that move the model or the fitted camera contradict it (a field at its
 * default value counts as not given, so returned settings can be sent back as they are).
 */
export function checkCamera(settings: CameraFields): Issue[] {
  if (settings.cameraOrbit === undefined) {
    return settings.cameraTarget === undefined ? [] : [{ path: ['cameraTarget'], message: 'cameraTarget requires cameraOrbit' }];
  }
  const given = AUTO_FRAMING_FIELDS.filter((field) => settings[field] !== undefined && settings[field] !== AUTO_FRAMING_DEFAULTS[field]);
  if (given.length === 0) return [];
  return [{ path: [given[0]], message: `${given.join(', ')} cannot be combined with cameraOrbit (an explicit camera neither moves the model nor fits the camera to it)` }];
}

/** The explicit camera of a settings object, or null for auto framing. */
export function explicitCamera(settings: Pick<CameraFields, 'cameraOrbit' | 'cameraTarget'>): ExplicitCamera | null {
  if (settings.cameraOrbit === undefined) return null;
  const orbit = parseCameraOrbit(settings.cameraOrbit);
  if (!orbit) throw new RangeError(`unparsed cameraOrbit ${settings.cameraOrbit}`);
  return { ...orbit, target: settings.cameraTarget === undefined ? null : parseCameraTarget(settings.cameraTarget) };
}

/** Where an explicit camera is, in model coordinates, for a target (model-viewer's spherical convention). */
export function orbitPosition(camera: Pick<ExplicitCamera, 'thetaDegrees' | 'phiDegrees' | 'radius'>, target: readonly number[]): [number, number, number] {
  const theta = (camera.thetaDegrees * Math.PI) / 180;
  const phi = (camera.phiDegrees * Math.PI) / 180;
  return [
    target[0] + camera.radius * Math.sin(phi) * Math.sin(theta),
    target[1] + camera.radius * Math.cos(phi),
    target[2] + camera.radius * Math.sin(phi) * Math.cos(theta),
  ];
}

/** Whether a point lies inside (or on) a box given by its corners. */
export function insideBox(point: readonly number[], box: { min: readonly number[]; max: readonly number[] }): boolean {
  return point.every((value, axis) => value >= box.min[axis] && value <= box.max[axis]);
}

/** The error for a camera inside the model (the same words wherever it is caught). */
export function cameraInsideModelMessage(orbit: string, box: { min: readonly number[]; max: readonly number[] }): string {
  const corner = (values: readonly number[]) => values.map((value) => Number(value.toPrecision(4))).join(' ');
  return `cameraOrbit "${orbit}" puts the camera inside the model's bounds (min ${corner(box.min)}, max ${corner(box.max)} m): move it farther out`;
}

/**
 * Where the checks that need the model (its bounds, from the ingest facts) find the
 * explicit camera's start inside it: the message, or null when it is outside (or there is
 * no explicit camera). The renderer checks every frame of the move again.
 */
export function cameraInsideModel(settings: Pick<CameraFields, 'cameraOrbit' | 'cameraTarget'>, box: { min: readonly number[]; max: readonly number[] }): string | null {
  const camera = explicitCamera(settings);
  if (!camera) return null;
  const target = camera.target ?? box.min.map((min, axis) => (min + box.max[axis]) / 2);
  return insideBox(orbitPosition(camera, target), box) ? cameraInsideModelMessage(settings.cameraOrbit!, box) : null;
}
