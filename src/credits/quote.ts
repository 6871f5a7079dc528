/** `quote`: what a list of renders would cost and whether the balance covers it. Free, changes nothing. */
import type { AppContext } from '../context.js';
import { RenderbayError } from '../errors.js';
import { getAccount } from '../accounts/accounts.js';
import { MAX_BATCH } from '../renders/render-service.js';
import { parseRenderSettings } from '../settings/render-settings.js';
import { priceOf, PRICED_SETTINGS } from './prices.js';

export interface Quote {
  creditsRequired: number;
  creditsAvailable: number;
  sufficient: boolean;
  breakdown: ({ quality: string; credits: number } | { datasetQuality: string; credits: number } | { output: 'stills'; imageSize: string; images: number; credits: number })[];
}

export function quote(context: AppContext, accountId: string, body: unknown): Quote {
  const renders = (body as { renders?: unknown } | null)?.renders;
  if (!Array.isArray(renders) || renders.length === 0) throw new RenderbayError('renders_required', 'renders must be a non-empty array', 400);
  if (renders.length > MAX_BATCH) throw new RenderbayError('too_many', `At most ${MAX_BATCH} renders per quote (got ${renders.length})`, 400);
  const breakdown = renders.map((item, index) => {
    try {
      // Each item is a subset of renderSettings: its priced fields are validated with the
      // same schema as a render's; the others cannot change the price and are ignored.
      const settings = parseRenderSettings(pricedFields(item));
      const { item: billed, credits, images } = priceOf(settings);
      if (settings.output === 'stills') return { output: 'stills' as const, imageSize: settings.imageSize!, images, credits };
      return settings.output === 'dataset' ? { datasetQuality: billed, credits } : { quality: billed, credits };
    } catch (error) {
      if (error instanceof RenderbayError) throw new RenderbayError(error.code, `renders[${index}]: ${error.message}`, error.status);
      throw error;
    }
  });
  const creditsRequired = breakdown.reduce((sum, entry) => sum + entry.credits, 0);
  const creditsAvailable = getAccount(context.db, accountId).credits;
  return { creditsRequired, creditsAvailable, sufficient: creditsAvailable >= creditsRequired, breakdown };
}

/** The item's priced fields only (anything that is not an object is passed on for the schema to refuse). */
function pricedFields(item: unknown): unknown {
  if (item === null || item === undefined) return {};
  if (typeof item !== 'object' || Array.isArray(item)) return item;
  const fields = item as Record<string, unknown>;
  return Object.fromEntries(PRICED_SETTINGS.filter((field) => fields[field] !== undefined).map((field) => [field, fields[field]]));
}
