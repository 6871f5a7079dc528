/**
 * `quote`: what a list of renders would cost and whether the balance covers it. Free, changes nothing.
 *
 * An item is render settings (`{ quality: "4k" }`), or the same item a batch takes
 * (`{ modelId, renderSettings }`): then the model is checked too, and a model that is
 * missing or failed its integrity check, or lacks the material variant the item names, is
 * reported on that item (`problem`) and in `problems`, so an agent can quote the exact
 * batch it will send and fix it first. An item with `materialVariant: "*"` is priced as
 * the renders it expands to, one per variant of its model (`materialVariants` lists them).
 */
import type { AppContext } from '../context.js';
import { RenderbayError } from '../errors.js';
import { getAccount } from '../accounts/accounts.js';
import { assertRenderable, MAX_BATCH, validateEach } from '../renders/render-service.js';
import { datasetShape, parseRenderSettings } from '../settings/render-settings.js';
import { resolveTemplateInput } from '../templates/template-service.js';
import { ALL_VARIANTS } from '../gltf/material-variants.js';
import { expandMaterialVariant, variantNamesReadOnce } from '../models/model-variants.js';
import { RESTYLE_KINDS } from '../generation/restyle-service.js';
import { generationPrice, priceOf, PRICED_SETTINGS, restylePrice } from './prices.js';

export interface QuoteProblem {
  index: number;
  modelId: string;
  code: string;
  message: string;
}

export type QuoteLine = ({ quality: string; credits: number } | { generation: 'model'; credits: number } | { restyle: string; credits: number } | { datasetQuality: string; datasetViews?: number; datasetSize?: number; credits: number } | { output: 'stills'; imageSize: string; images: number; credits: number }) & {
  modelId?: string;
  /** With `materialVariant: "*"`: the variants the item expands to, one render each (credits counts them all). */
  materialVariants?: string[];
  problem?: { code: string; message: string };
};

export interface Quote {
  creditsRequired: number;
  creditsAvailable: number;
  sufficient: boolean;
  breakdown: QuoteLine[];
  /** Items a batch would refuse (their model is missing or invalid); present only when there are any. */
  problems?: QuoteProblem[];
}

/** `{ modelId, renderSettings }` (a batch item) or bare settings. */
function splitItem(item: unknown): { modelId?: unknown; settings: unknown } {
  if (item !== null && typeof item === 'object' && !Array.isArray(item) && 'modelId' in item) {
    const { modelId, renderSettings, ...rest } = item as { modelId?: unknown; renderSettings?: unknown };
    if (Object.keys(rest).length > 0) {
      throw new RenderbayError('invalid_request', `an item with modelId takes only modelId and renderSettings (got ${Object.keys(rest).join(', ')})`);
    }
    return { modelId, settings: renderSettings ?? {} };
  }
  return { settings: item ?? {} };
}

export async function quote(context: AppContext, accountId: string, body: unknown): Promise<Quote> {
  const renders = (body as { renders?: unknown } | null)?.renders;
  if (!Array.isArray(renders) || renders.length === 0) throw new RenderbayError('renders_required', 'renders must be a non-empty array', 400);
  if (renders.length > MAX_BATCH) throw new RenderbayError('too_many', `At most ${MAX_BATCH} renders per quote (got ${renders.length})`, 400);
  const problems: QuoteProblem[] = [];
  const variantNames = variantNamesReadOnce(context);
  const breakdown = await validateEach(renders, async (item): Promise<QuoteLine> => {
    const provided = providerItemLine(item);
    if (provided) return provided;
    const { modelId, settings: given } = splitItem(item);
    // Each item is a subset of renderSettings: its template is resolved as for a render (its
    // bookmarks can set the number of stills), then its priced fields are validated with the
    // same schema as a render's; the others cannot change the price and are ignored.
    const settings = parseRenderSettings(pricedFields(resolveTemplateInput(context.db, accountId, given)));
    const { item: billed, credits, images } = priceOf(settings);
    const line: QuoteLine =
      settings.output === 'stills'
        ? { output: 'stills', imageSize: settings.imageSize!, images, credits }
        : settings.output === 'dataset'
          ? datasetLine(settings, billed, credits)
          : { quality: billed, credits };
    if (modelId === undefined) {
      if (settings.materialVariant === ALL_VARIANTS) {
        throw new RenderbayError('invalid_settings', `materialVariant "${ALL_VARIANTS}" renders every variant of a model: quote it as { modelId, renderSettings } so the variants can be counted`, 400);
      }
      return line;
    }
    line.modelId = String(modelId);
    try {
      const model = assertRenderable(context, accountId, modelId);
      if (settings.materialVariant !== undefined) {
        const expanded = expandMaterialVariant(settings, await variantNames(model), { batch: true });
        if (settings.materialVariant === ALL_VARIANTS) {
          line.credits = credits * expanded.length;
          line.materialVariants = expanded.map((each) => each.materialVariant!);
        }
      }
    } catch (error) {
      if (!(error instanceof RenderbayError)) throw error;
      line.problem = { code: error.code, message: error.message };
    }
    return line;
  });
  breakdown.forEach((line, index) => line.problem && problems.push({ index, modelId: line.modelId!, ...line.problem }));
  const creditsRequired = breakdown.reduce((sum, entry) => sum + entry.credits, 0);
  const creditsAvailable = getAccount(context.db, accountId).credits;
  return { creditsRequired, creditsAvailable, sufficient: creditsAvailable >= creditsRequired, breakdown, ...(problems.length > 0 ? { problems } : {}) };
}

/**
 * Generation and restyle items (README, "Generation providers"): `{ "generation": "model" }`
 * and `{ "restyle": "refine" | "enhance" | "staging" | "video" }`; null for a render item.
 */
function providerItemLine(item: unknown): QuoteLine | null {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return null;
  const fields = item as { generation?: unknown; restyle?: unknown };
  if (fields.generation === undefined && fields.restyle === undefined) return null;
  if (Object.keys(fields).length !== 1) throw new RenderbayError('invalid_request', 'a generation or restyle item takes that one field only');
  if (fields.generation !== undefined) {
    if (fields.generation !== 'model') throw new RenderbayError('invalid_request', 'generation must be "model"');
    return { generation: 'model', credits: generationPrice().credits };
  }
  if (!(RESTYLE_KINDS as readonly unknown[]).includes(fields.restyle)) throw new RenderbayError('invalid_request', `restyle must be one of: ${RESTYLE_KINDS.join(', ')}`);
  return { restyle: fields.restyle as string, credits: restylePrice(fields.restyle as string).credits };
}

/** The item's priced fields only (anything that is not an object is passed on for the schema to refuse). */
function pricedFields(item: unknown): unknown {
  if (item === null || item === undefined) return {};
  if (typeof item !== 'object' || Array.isArray(item)) return item;
  const fields = item as Record<string, unknown>;
  return Object.fromEntries(PRICED_SETTINGS.filter((field) => fields[field] !== undefined).map((field) => [field, fields[field]]));
}

/**
 * A dataset's quote line: the hosted API's `{ datasetQuality, credits }` for a plain tier;
 * with `datasetViews` / `datasetSize` given, the shape actually rendered too (the billed
 * tier alone would not say what was priced).
 */
function datasetLine(settings: ReturnType<typeof parseRenderSettings>, billed: string, credits: number): QuoteLine {
  if (settings.datasetViews === undefined && settings.datasetSize === undefined) return { datasetQuality: billed, credits };
  const { views, size } = datasetShape(settings);
  return { datasetQuality: billed, datasetViews: views, datasetSize: size, credits };
}
