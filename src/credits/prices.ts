/**
 * The price table (credits per render), one place, configurable with
 * RENDERBAY_PRICES='{"share":1,"standard":4,…}'. Quotes and debits both read it.
 */
import { RenderbayError } from '../errors.js';

export const DEFAULT_PRICES: Readonly<Record<string, number>> = {
  share: 1,
  standard: 4,
  '4k': 16,
  pro: 64,
  '100x800': 4,
  '196x1024': 16,
  '400x2048': 64,
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

/** What a render costs, and the price-table item it is billed as. */
export function priceOf(settings: { quality?: string; output?: string; datasetQuality?: string }): { item: string; credits: number } {
  const item = settings.output === 'dataset' ? (settings.datasetQuality ?? '100x800') : (settings.quality ?? 'share');
  const credits = PRICES[item];
  if (credits === undefined) throw new RenderbayError('invalid_settings', `No price for ${item}`);
  return { item, credits };
}
