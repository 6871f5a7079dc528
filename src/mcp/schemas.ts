/**
 * Zod schemas of the MCP tools' arguments and results.
 *
 * Arguments: zod checks their *types* (a malformed call is refused by the SDK, as MCP
 * does it). Their *values* — ranges, enums, counts — are checked by the service layer,
 * so a bad value comes back with the same code and message as from the REST API
 * (`invalid_settings`, `too_many`, …). The limits still reach the agent: render settings
 * are advertised with the JSON Schema of the one settings schema (`renderSettingsFields`:
 * types, enums, ranges, defaults), and counts with the service's own constants.
 */
import { z } from 'zod';
import { RENDER_STATUSES, MAX_BATCH } from '../renders/render-service.js';
import { LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT } from '../paging.js';
import { PRICES } from '../credits/prices.js';
import { frameSize, QUALITIES, renderSettingsFields } from '../settings/render-settings.js';

/** The settings schema as JSON Schema, for tools/list. */
function settingsJsonSchema(): Record<string, unknown> {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(renderSettingsFields, { io: 'input', target: 'draft-7' }) as Record<string, unknown>;
  return schema;
}

function settingsDescription(): string {
  const tiers = QUALITIES.map((quality) => {
    const { width, height } = frameSize(quality, '16:9');
    return `${quality} ${width}×${height} (${PRICES[quality]} credit${PRICES[quality] === 1 ? '' : 's'})`;
  });
  return (
    'Render settings; every field is optional and has the default shown. ' +
    `quality tiers at 16:9: ${tiers.join(', ')}; pro is a ProRes 4444 .mov with a transparent background. ` +
    'effect picks the camera move (turntable, hero-spin, showcase, zoom-orbit, reveal; effect "dataset" is the same as output "dataset"). bgColor is "#rrggbb"; bgImageId and foregroundIds take overlay ids (upload images with upload_overlay, layer background or foreground). ' +
    'length is in seconds; rotateY is the camera start angle; tiltX/panX/rollZ orient the model; animation plays a clip of the model ("*" for its first). ' +
    'Renders of one model that differ only in background (bgColor, bgImageId, bgAlign, vignette, foregroundIds) are rendered once and composited per background: batch them. ' +
    'output "dataset" renders a training dataset instead of a video (see datasetQuality; use quote for its price).'
  );
}

/** `renderSettings` as a tool argument (checked by the service: `invalid_settings` names the field and what it allows). */
export const renderSettingsArgument = z.record(z.string(), z.unknown()).meta({ ...settingsJsonSchema(), description: settingsDescription() });

/** A list argument of 1 to MAX_BATCH items (the service answers `renders_required` / `too_many`). */
export function batchArgument<Item extends z.ZodType>(item: Item, description: string) {
  return z.array(item).meta({ minItems: 1, maxItems: MAX_BATCH, description });
}

export const idArgument = (what: string) => z.string().describe(what);

export const pagingArguments = {
  limit: z.number().int().meta({ minimum: 1, maximum: LIST_MAX_LIMIT, description: `Page size, 1–${LIST_MAX_LIMIT} (default ${LIST_DEFAULT_LIMIT}; larger values are clamped)` }).optional(),
  offset: z.number().int().meta({ minimum: 0, description: 'Items to skip (default 0)' }).optional(),
};

// ---- results ----

/**
 * An object in a result. Its JSON Schema allows fields beyond the listed ones (clients
 * validate results against it, and the services may add fields); its TypeScript type
 * does not, so a tool's data is still checked against the listed ones.
 */
export function resultObject<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.object(shape).meta({ additionalProperties: {} });
}

const settingsOutput = z.record(z.string(), z.unknown()).describe('The render settings with every default filled in');

export const modelOutput = {
  id: z.string(),
  originalName: z.string(),
  title: z.string().nullable(),
  sku: z.string().nullable(),
  tags: z.array(z.string()),
  fileSize: z.number(),
  sha256: z.string(),
  createdAt: z.string(),
  status: z.enum(['processing', 'valid', 'invalid']).describe('processing until the free system preview has rendered, then valid or invalid'),
  invalidReason: z.string().nullable(),
  archived: z.boolean(),
};

export const renderStatus = z.enum(RENDER_STATUSES);

export const renderSummaryOutput = {
  id: z.string(),
  status: renderStatus,
  renderSettings: settingsOutput,
  createdAt: z.string(),
  updatedAt: z.string(),
  isSystemPreview: z.boolean().describe('The free integrity-check render every new model gets'),
  is_system_preview: z.boolean().describe('Same as isSystemPreview (the hosted API\'s name)'),
};

export const renderOutput = {
  ...renderSummaryOutput,
  modelId: z.string(),
  fileSize: z.number().nullable(),
  errorMessage: z.string().nullable(),
  hasWebVariant: z.boolean(),
  progress: z.number().describe('0–100'),
  stage: z.string().nullable(),
  errorCode: z.string().nullable(),
  credits: z.number(),
};

export const pageMetaOutput = resultObject({ total: z.number(), offset: z.number(), limit: z.number() });

export const accountOutput = { id: z.string(), email: z.string(), credits: z.number() };

export const overlayOutput = {
  id: z.string(),
  layer: z.enum(['background', 'foreground']),
  alignment: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  mimeType: z.string(),
  width: z.number(),
  height: z.number(),
  fileSize: z.number(),
  system: z.boolean(),
  createdAt: z.string(),
};

export const quoteOutput = {
  creditsRequired: z.number(),
  creditsAvailable: z.number(),
  sufficient: z.boolean(),
  breakdown: z.array(resultObject({ quality: z.string().optional(), datasetQuality: z.string().optional(), credits: z.number() })),
};
