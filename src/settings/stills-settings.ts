/**
 * The stills group of the settings schema (`output: "stills"`): which angles, how large,
 * which image format, and whether the background is transparent. Spread into
 * `renderSettingsFields` (render-settings.ts); its cross-field rules and defaults run
 * from there through `checkStills` and `withStillsDefaults`.
 *
 * A still is an orbit pose around the framed model: `azimuth` in degrees about +Y from the
 * model's front (+Z; 90 looks at its +X side), `elevation` in degrees above the horizon.
 * Later sources of angles (an explicit `cameraOrbit`, a template's bookmarks) plug in at
 * `defaultStills`, which decides what a stills job renders when no `stills` list is given.
 */
import { z } from 'zod';
import { parseCameraOrbit } from './camera-settings.js';

/** The named angles; rotateY turns them all (it is the camera's start angle, as for videos). */
export const STILL_PRESETS = {
  front: { azimuth: 0, elevation: 10 },
  'three-quarter': { azimuth: 45, elevation: 20 },
  side: { azimuth: 90, elevation: 10 },
  back: { azimuth: 180, elevation: 10 },
  top: { azimuth: 0, elevation: 90 },
  'three-quarter-high': { azimuth: 45, elevation: 45 },
} as const satisfies Record<string, { azimuth: number; elevation: number }>;

export type StillPresetName = keyof typeof STILL_PRESETS;
export const STILL_PRESET_NAMES = Object.keys(STILL_PRESETS) as [StillPresetName, ...StillPresetName[]];
export const DEFAULT_STILLS: StillPresetName[] = ['front', 'three-quarter', 'side', 'back'];

/** The still a stills job with a cameraOrbit and no stills list renders. */
export const CAMERA_STILL_NAME = 'camera';

/** Most stills one render may ask for (each is priced; see credits/prices.ts). */
export const MAX_STILLS = 16;

/** Named image sizes by their long side; the short side follows `aspect`. */
export const IMAGE_SIZE_TIERS = { '720p': 1280, '1080p': 1920, '2k': 2560, '4k': 3840 } as const;
export type ImageSizeTier = keyof typeof IMAGE_SIZE_TIERS;
export const IMAGE_SIZE_NAMES = Object.keys(IMAGE_SIZE_TIERS) as [ImageSizeTier, ...ImageSizeTier[]];
export const DEFAULT_IMAGE_SIZE: ImageSizeTier = '1080p';
/** Each side of a custom "WIDTHxHEIGHT" size. */
export const CUSTOM_IMAGE_SIDE = { min: 64, max: 4096 } as const;

export const IMAGE_FORMATS = ['png', 'jpeg', 'webp', 'avif'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];
export const DEFAULT_IMAGE_FORMAT: ImageFormat = 'png';
/** Formats that carry alpha, so `transparent: true` can be honoured. */
export const ALPHA_FORMATS: readonly ImageFormat[] = ['png', 'webp', 'avif'];

/**
 * Fields a stills job reads nothing from (they shape a video over time). Accepted, so one
 * settings object can serve a video and its stills, and documented as ignored.
 */
export const STILLS_IGNORED_FIELDS = ['quality', 'length', 'effect', 'sweepAngle', 'easeOutRatio', 'amplitude', 'zoomStart', 'zoomEnd', 'scaleFrom', 'easing', 'animationSpeed'] as const;

/** Settings that only mean something for stills, and are refused on other outputs. */
export const STILLS_ONLY_FIELDS = ['stills', 'imageSize', 'imageFormat', 'transparent'] as const;

/** A still's (or a template shot's) name: it becomes a file name. */
export const STILL_NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/i;
const CUSTOM_SIZE = /^(\d{1,5})x(\d{1,5})$/;

const stillNameMessage = `stills entries must be one of: ${STILL_PRESET_NAMES.join(', ')}, or an object { name, azimuth, elevation }`;

const customStill = z.strictObject(
  {
    name: z.string().regex(STILL_NAME, { error: 'a still name is 1–40 letters, digits, "-" or "_" (it becomes the file name)' }),
    azimuth: z.number({ error: 'a still azimuth must be a number of degrees from -360 to 360' }).min(-360).max(360),
    elevation: z.number({ error: 'a still elevation must be a number of degrees from -90 to 90' }).min(-90).max(90),
  },
  { error: stillNameMessage },
);
export type CustomStill = z.output<typeof customStill>;
export type StillEntry = StillPresetName | CustomStill;

const stillEntry = z.union([z.enum(STILL_PRESET_NAMES), customStill], {
  error: (issue) => (typeof issue.input === 'string' ? `unknown still "${issue.input}": ${stillNameMessage}` : stillNameMessage),
});

/** "720p" … "4k", or "WIDTHxHEIGHT" with each side in CUSTOM_IMAGE_SIDE. */
const imageSize = z.string({ error: 'imageSize must be a string' }).refine(
  (value) => {
    if (Object.hasOwn(IMAGE_SIZE_TIERS, value)) return true;
    const match = CUSTOM_SIZE.exec(value);
    return match !== null && [match[1], match[2]].every((side) => Number(side) >= CUSTOM_IMAGE_SIDE.min && Number(side) <= CUSTOM_IMAGE_SIDE.max);
  },
  { error: `imageSize must be one of ${IMAGE_SIZE_NAMES.join(', ')} or "WIDTHxHEIGHT" with each side from ${CUSTOM_IMAGE_SIDE.min} to ${CUSTOM_IMAGE_SIDE.max}` },
);

/** The stills fields, spread into the one settings schema. */
export const stillsFields = {
  stills: z
    .array(stillEntry, { error: 'stills must be an array of still names or { name, azimuth, elevation } objects' })
    .min(1, { error: 'stills must list at least one still' })
    .max(MAX_STILLS, { error: `stills takes at most ${MAX_STILLS} stills` })
    .optional()
    .describe(`Stills angles: presets or {name, azimuth, elevation} in degrees (default ${DEFAULT_STILLS.join(', ')}).`),
  imageSize: imageSize.optional().describe(`Stills: ${IMAGE_SIZE_NAMES.join('/')} (long side, shaped by aspect; default ${DEFAULT_IMAGE_SIZE}) or "WxH" ${CUSTOM_IMAGE_SIDE.min}–${CUSTOM_IMAGE_SIDE.max}.`),
  imageFormat: z.enum(IMAGE_FORMATS, { error: `imageFormat must be one of: ${IMAGE_FORMATS.join(', ')}` }).optional().describe('Stills (default png).'),
  transparent: z.boolean({ error: 'transparent must be true or false' }).optional().describe('Stills: transparent background (png/webp/avif).'),
};

type StillsFields = { output: string; cameraOrbit?: string; stills?: StillEntry[]; imageSize?: string; imageFormat?: ImageFormat; transparent?: boolean };
type Issue = { path: string[]; message: string };

/** The rules between stills fields (and with `output`); each broken rule as an issue. */
export function checkStills(settings: StillsFields): Issue[] {
  if (settings.output !== 'stills') {
    return STILLS_ONLY_FIELDS.filter((field) => settings[field] !== undefined).map((field) => ({
      path: [field],
      message: `${field} requires output "stills" (output is "${settings.output}")`,
    }));
  }
  const issues: Issue[] = [];
  const names = (settings.stills ?? []).map(stillName);
  const repeated = names.filter((name, index) => names.indexOf(name) !== index);
  if (repeated.length > 0) issues.push({ path: ['stills'], message: `stills names must be unique (repeated: ${[...new Set(repeated)].join(', ')})` });
  if (settings.transparent && !ALPHA_FORMATS.includes(settings.imageFormat ?? DEFAULT_IMAGE_FORMAT)) {
    issues.push({ path: ['transparent'], message: `transparent needs an image format with alpha (${ALPHA_FORMATS.join(', ')}), not ${settings.imageFormat}` });
  }
  // Hook for the lighting group: `skybox: true` paints the environment behind the model,
  // which contradicts a transparent background; add that conflict here.
  return issues;
}

/**
 * What a stills job renders when the request lists no stills: one still named "camera"
 * from an explicit cameraOrbit, else the default set (later: a template's bookmarks).
 */
export function defaultStills(settings: { cameraOrbit?: string } = {}): StillEntry[] {
  const orbit = settings.cameraOrbit === undefined ? null : parseCameraOrbit(settings.cameraOrbit);
  if (orbit) return [{ name: CAMERA_STILL_NAME, azimuth: normaliseDegrees(orbit.thetaDegrees), elevation: 90 - orbit.phiDegrees }];
  return [...DEFAULT_STILLS];
}

/** Degrees in (−180, 180]. */
function normaliseDegrees(degrees: number): number {
  const turned = ((((degrees + 180) % 360) + 360) % 360) - 180;
  return turned === -180 ? 180 : turned;
}

/** Stills defaults, filled in for stills only, so other outputs' settings never carry them. */
export function withStillsDefaults<T extends StillsFields>(settings: T): T {
  if (settings.output !== 'stills') return settings;
  return {
    ...settings,
    stills: settings.stills ?? defaultStills(settings),
    imageSize: settings.imageSize ?? DEFAULT_IMAGE_SIZE,
    imageFormat: settings.imageFormat ?? DEFAULT_IMAGE_FORMAT,
    transparent: settings.transparent ?? false,
  };
}

export function stillName(entry: StillEntry): string {
  return typeof entry === 'string' ? entry : entry.name;
}

/** A still as an angle: presets resolved, names kept. */
export function stillAngle(entry: StillEntry): { name: string; azimuth: number; elevation: number } {
  return typeof entry === 'string' ? { name: entry, ...STILL_PRESETS[entry] } : entry;
}

/** Pixel size of an imageSize: a tier's long side shaped by `aspect`, or the custom size as given. */
export function imagePixelSize(size: string, aspect: '16:9' | '1:1' | '9:16'): { width: number; height: number } {
  const match = CUSTOM_SIZE.exec(size);
  if (match) return { width: Number(match[1]), height: Number(match[2]) };
  const long = IMAGE_SIZE_TIERS[size as ImageSizeTier];
  if (long === undefined) throw new RangeError(`unknown imageSize ${size}`);
  const short = Math.round((long * 9) / 16);
  if (aspect === '16:9') return { width: long, height: short };
  if (aspect === '9:16') return { width: short, height: long };
  return { width: long, height: long };
}

/** The price tier of an imageSize: a tier itself, or the smallest tier whose long side covers a custom size. */
export function imageSizeTier(size: string): ImageSizeTier {
  if (Object.hasOwn(IMAGE_SIZE_TIERS, size)) return size as ImageSizeTier;
  const { width, height } = imagePixelSize(size, '1:1');
  const long = Math.max(width, height);
  return IMAGE_SIZE_NAMES.find((tier) => IMAGE_SIZE_TIERS[tier] >= long) ?? '4k';
}
