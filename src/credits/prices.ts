/**
 * The price table (credits per render), one place, configurable with
 * RENDERBAY_PRICES='{"share":1,"standard":4,…}'. Quotes and debits both read it.
 */
import { RenderbayError } from '../errors.js';
import { DATASET_QUALITIES, DATASET_TIERS, datasetShape, type DatasetQuality, type RenderSettings, type RenderSettingsInput } from '../settings/render-settings.js';
import { DEFAULT_IMAGE_SIZE, defaultStills, imageSizeTier } from '../settings/stills-settings.js';

export const DEFAULT_PRICES: Readonly<Record<string, number>> = {
  share: 1,
  standard: 4,
  '4k': 16,
  pro: 64,
  '100x800': 4,
  '196x1024': 16,
  '400x2048': 64,
  // Stills: per image, by size tier (a custom size is billed as the smallest tier whose long side covers it).
  'stills-720p': 1,
  'stills-1080p': 1,
  'stills-2k': 2,
  'stills-4k': 4,
  // Generation through providers (README, "Generation providers"): reserved at the start, refunded if it fails.
  /** Prompt or image → 3D model (image, GLB, USDZ, preview). */
  'generate-model': 20,
  /** Image → image restyles (3Dimensions' kinds) and image → video. */
  'restyle-refine': 10,
  'restyle-enhance': 10,
  'restyle-staging': 10,
  'restyle-video': 40,
};

function loadPrices(): Record<string, number> {
  const custom = process.env.RENDERBAY_PRICES;
  if (!custom) return { ...DEFAULT_PRICES };
  try {
    const parsed = JSON.parse(custom) as Record<string, unknown>;
    const prices = { ...DEFAULT_PRICES };
    for (const [item, credits] of Object.entries(parsed)) {
      if (!Number.isInteger(credits) || (credits as number) < 0) throw new Error(`${item} must be a whole number ≥ 0`);
      prices[item] = credits as number;
    }
    return prices;
  } catch (error) {
    throw new Error(`RENDERBAY_PRICES is not valid: ${(error as Error).message}`);
  }
}

export const PRICES = loadPrices();

/**
 * The render settings that can change a price (effect only by being "dataset";
 * materialVariant only by being "*", which multiplies the renders of a batch item). `quote`
 * validates and reads exactly these and ignores every other field, as the hosted docs
 * say ("only cost-relevant fields are used"). A setting that starts to cost something
 * is added here, beside the table and `priceOf` that price it.
 */
export const PRICED_SETTINGS = ['quality', 'output', 'datasetQuality', 'datasetViews', 'datasetSize', 'effect', 'stills', 'imageSize', 'materialVariant'] as const satisfies readonly (keyof RenderSettingsInput)[];

/** What a render costs, and the price-table item it is billed as (per image for stills, `images` of them). */
export function priceOf(
  settings: Pick<RenderSettings, 'quality' | 'output' | 'datasetQuality' | 'datasetViews' | 'datasetSize' | 'stills' | 'imageSize'>,
): { item: string; credits: number; images: number } {
  if (settings.output === 'stills') {
    const item = `stills-${imageSizeTier(settings.imageSize ?? DEFAULT_IMAGE_SIZE)}`;
    const images = (settings.stills ?? defaultStills()).length;
    return { item, credits: priceItem(item) * images, images };
  }
  if (settings.output === 'dataset') {
    const { item, multiple } = datasetBilling(datasetShape(settings));
    return { item, credits: priceItem(item) * multiple, images: 0 };
  }
  return { item: settings.quality, credits: priceItem(settings.quality), images: 0 };
}

/**
 * A dataset is billed as the smallest tier whose views and image size both cover it
 * (a custom shape never costs less than the tier it needs); past the largest tier's
 * views, as that tier once per started block of its views (1000 views = 3 × 400x2048).
 */
export function datasetBilling(shape: { views: number; size: number }): { item: DatasetQuality; multiple: number } {
  const covering = DATASET_QUALITIES.find((tier) => DATASET_TIERS[tier].views >= shape.views && DATASET_TIERS[tier].size >= shape.size);
  if (covering) return { item: covering, multiple: 1 };
  const largest = DATASET_QUALITIES[DATASET_QUALITIES.length - 1];
  return { item: largest, multiple: Math.ceil(shape.views / DATASET_TIERS[largest].views) };
}

/** What a generation (prompt or image → model) costs. */
export function generationPrice(): { item: string; credits: number } {
  return { item: 'generate-model', credits: priceItem('generate-model') };
}

/** What a restyle of this kind (refine, enhance, staging, video) costs. */
export function restylePrice(kind: string): { item: string; credits: number } {
  const item = `restyle-${kind}`;
  return { item, credits: priceItem(item) };
}

function priceItem(item: string): number {
  const credits = PRICES[item];
  if (credits === undefined) throw new RenderbayError('invalid_settings', `No price for ${item}`);
  return credits;
}
