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
import { renderSettingsFields } from '../settings/render-settings.js';

/** Where the full settings reference lives: tool descriptions point here instead of repeating it. */
export const SETTINGS_DOCS_URI = 'renderbay://docs/render-settings';

/** Marks the one full `renderSettings` node: tools/list puts compactSettingsSchema() there. */
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

/**
 * `renderSettings` in full: advertised by create_render alone, with every field's type,
 * enum, range and default (compactSettingsSchema). Every other tool taking settings uses
 * `sameSettingsAs`, so tools/list carries the settings schema once, however many tools
 * (and settings fields) there are. Checked by the service either way: `invalid_settings`
 * names the field and what it allows.
 */
export const renderSettingsArgument = z.record(z.string(), z.unknown()).meta({ [SETTINGS_MARKER]: true });

/** The tool that advertises the settings schema in full; the others point to it. */
export const SETTINGS_TOOL = 'create_render';

/**
 * `renderSettings` advertised as a plain object pointing to create_render's full copy (the
 * agent reads both in the same tools/list), and validated by the same service as there.
 */
export function sameSettingsAs(description = `The fields of ${SETTINGS_TOOL}'s renderSettings`) {
  return z.record(z.string(), z.unknown()).describe(description);
}

/** A list argument of 1 to MAX_BATCH items (the service answers `renders_required` / `too_many`); the schema says it all. */
export function batchArgument<Item extends z.ZodType>(item: Item) {
  return z.array(item).meta({ minItems: 1, maxItems: MAX_BATCH });
}

/** An id argument: its name (modelId, renderId…) says what it is; a description only where it adds something. */
export const idArgument = (description?: string) => (description ? z.string().describe(description) : z.string());

/** One render of a batch (create_batch_renders, quote): a model and its settings. */
export const renderItemArgument = z.strictObject({ modelId: idArgument(), renderSettings: sameSettingsAs().optional() });

/**
 * stdio only (ToolDefinition.localInput): a file or folder on the client's machine, confined
 * to the allowed roots. The tool's description says which file.
 */
export const localPathArgument = z.string().describe('Absolute or ~/… path on this machine');
export const localDirectoryArgument = z.string().describe('Absolute or ~/… folder on this machine to copy into');

export const pagingArguments = {
  limit: z.number().int().meta({ minimum: 1, maximum: LIST_MAX_LIMIT, default: LIST_DEFAULT_LIMIT }).optional(),
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
