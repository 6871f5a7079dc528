/**
 * The dataset group of the settings schema beyond the tier: a custom view count and image
 * size (overriding the tier's), and optional extra passes. Spread into
 * `renderSettingsFields` (render-settings.ts); like `datasetQuality` and `coverage` they
 * are refused unless output is "dataset".
 *
 * A custom shape is billed as the smallest tier that covers it (credits/prices.ts).
 */
import { z } from 'zod';

/** Views of one dataset: enough for a held-out view (every 8th) and at most 1000. */
export const DATASET_VIEWS_RANGE = { min: 8, max: 1000 } as const;
/** Side of the square images in pixels. */
export const DATASET_SIZE_RANGE = { min: 256, max: 2048 } as const;

/**
 * Extra per-view files, each in its own folder of the zip:
 * - images-white: `images_white/NNNN.png`, the image composited on white, 8-bit RGB (the
 *   default images are RGBA with straight colour);
 * - depth-exr: `depth_exr/NNNN.exr`, z-depth in metres as 32-bit float (OpenEXR, channel Z);
 * - normals: `normals/NNNN.png`, world-space unit normals as 16-bit RGB, (n + 1) / 2;
 * - albedo: `albedo/NNNN.png`, the unlit base colour, linear, 16-bit RGBA (alpha = coverage).
 */
export const DATASET_PASSES = ['depth-exr', 'normals', 'albedo', 'images-white'] as const;
export type DatasetPass = (typeof DATASET_PASSES)[number];

const whole = (field: string, range: { min: number; max: number }) => {
  const message = `${field} must be a whole number from ${range.min} to ${range.max}`;
  return z.number({ error: message }).int({ error: message }).min(range.min, { error: message }).max(range.max, { error: message });
};

const passesMessage = `datasetPasses must be a list of distinct passes from: ${DATASET_PASSES.join(', ')}`;

export const datasetSettingsFields = {
  /** Number of views, overriding the tier's (only with output "dataset"). */
  datasetViews: whole('datasetViews', DATASET_VIEWS_RANGE)
    .optional()
    .describe(`Dataset views, ${DATASET_VIEWS_RANGE.min}–${DATASET_VIEWS_RANGE.max}, overriding the tier's; only with output "dataset". Billed as the smallest tier that covers views and size.`),
  /** Side of the square images, overriding the tier's (only with output "dataset"). */
  datasetSize: whole('datasetSize', DATASET_SIZE_RANGE)
    .optional()
    .describe(`Dataset image side in pixels, ${DATASET_SIZE_RANGE.min}–${DATASET_SIZE_RANGE.max}, overriding the tier's; only with output "dataset".`),
  /** Extra passes per view (only with output "dataset"). */
  datasetPasses: z
    .array(z.enum(DATASET_PASSES, { error: passesMessage }), { error: passesMessage })
    .refine((passes) => new Set(passes).size === passes.length, { error: passesMessage })
    .optional()
    .describe(`Extra dataset files per view: ${DATASET_PASSES.join(', ')}; only with output "dataset".`),
};

export const DATASET_EXTRA_FIELDS = ['datasetViews', 'datasetSize', 'datasetPasses'] as const;
