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
import { LIST_MAX_LIMIT } from '../paging.js';
import { DATASET_QUALITIES, OUTPUTS, QUALITIES, renderSettingsFields } from '../settings/render-settings.js';

/** Where the full settings reference lives: tool descriptions point here instead of repeating it. */
export const SETTINGS_DOCS_URI = 'renderbay://docs/render-settings';

/** Marks a `renderSettings` node: tools/list replaces it with a `$ref` to the tool's one copy of the settings schema. */
export const SETTINGS_MARKER = 'x-renderbay-settings';

/** JSON Schema keywords a field of the compact settings schema keeps: what a value may be, not prose. */
const COMPACT_KEYWORDS = ['type', 'enum', 'minimum', 'maximum', 'default', 'items', 'maxItems', 'pattern'];

/**
 * The settings schema as advertised in tools/list: every field with its type, enum,
 * range and default, but without the prose (that is in SETTINGS_DOCS_URI). It keeps
 * `additionalProperties: false`, so an agent still sees that unknown fields are refused.
 */
export function compactSettingsSchema(): Record<string, unknown> {
  const full = z.toJSONSchema(renderSettingsFields, { io: 'input', target: 'draft-7' }) as { properties: Record<string, Record<string, unknown>> };
  const properties = Object.fromEntries(
    Object.entries(full.properties).map(([field, schema]) => [
      field,
      // An enum says the type already; an array of alternatives (stills: names or angle
      // objects) is left to the reference, which the item's own errors also spell out.
      Object.fromEntries(
        Object.entries(schema).filter(
          ([keyword, value]) =>
            COMPACT_KEYWORDS.includes(keyword) &&
            !(keyword === 'type' && (schema.enum || impliedByRange(schema))) &&
            !(keyword === 'items' && (value as { anyOf?: unknown }).anyOf),
        ),
      ),
    ]),
  );
  return { type: 'object', description: `Reference: ${SETTINGS_DOCS_URI}`, properties, additionalProperties: false };
}

/**
 * A range says "number" already (minimum and maximum only constrain numbers). Dropping the
 * type there keeps tools/list within its budget; the service still refuses a string with
 * `invalid_settings` naming the field. Integers keep their type: a range does not say that.
 */
function impliedByRange(schema: Record<string, unknown>): boolean {
  return schema.type === 'number' && schema.minimum !== undefined && schema.maximum !== undefined;
}

/** `renderSettings` as a tool argument (checked by the service: `invalid_settings` names the field and what it allows). */
export const renderSettingsArgument = z.record(z.string(), z.unknown()).meta({ [SETTINGS_MARKER]: true });

/**
 * `renderSettings` where a tool takes it only as a shortcut (ingest_model): advertised as a
 * plain object pointing to the one full copy, to keep tools/list small; checked like any other.
 */
export const renderSettingsShortcut = z.record(z.string(), z.unknown()).describe('As in create_render: also queues that render');

/**
 * A quote item given as bare settings: advertised with the fields that set the price; the
 * others are accepted and checked by the service like anywhere else.
 */
export const priceSettingsArgument = z.record(z.string(), z.unknown()).meta({
  // datasetViews / datasetSize set a dataset's price too; create_render's schema describes them (tools/list stays small).
  properties: { quality: { enum: [...QUALITIES] }, output: { enum: [...OUTPUTS] }, datasetQuality: { enum: [...DATASET_QUALITIES] } },
  description: 'Render settings; these fields set the price',
});

/** A list argument of 1 to MAX_BATCH items (the service answers `renders_required` / `too_many`). */
export function batchArgument<Item extends z.ZodType>(item: Item, description: string) {
  return z.array(item).meta({ minItems: 1, maxItems: MAX_BATCH, description });
}

export const idArgument = (what: string) => z.string().describe(what);

export const pagingArguments = {
  limit: z.number().int().meta({ minimum: 1, maximum: LIST_MAX_LIMIT, description: 'Default 50' }).optional(),
  offset: z.number().int().meta({ minimum: 0 }).optional(),
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

/** get_render's declared fields (the result carries the whole render, as GET /v1/renders/:id). */
export const renderOutput = {
  id: z.string(),
  modelId: z.string(),
  status: renderStatus,
  progress: z.number(),
  stage: z.string().nullable(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  renderSettings: settingsOutput,
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
  breakdown: z.array(resultObject({ credits: z.number() })),
  problems: z.array(resultObject({ index: z.number(), code: z.string(), message: z.string() })).optional(),
};

/** The compact render row of list_renders, wait_for_renders and get_model. */
export const compactRenderOutput = resultObject({
  id: z.string(),
  modelId: z.string(),
  status: z.enum(RENDER_STATUSES),
  progress: z.number(),
});
