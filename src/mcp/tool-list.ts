/**
 * What `tools/list` answers, computed per connection: only the tools the caller's key may
 * call (a read-only key sees read tools, as GitHub's MCP server does in read-only mode),
 * only the arguments its transport can use (no local `path`/`directory` over HTTP), and
 * schemas kept small: the render settings schema once in the whole list (create_render's
 * `renderSettings`; the other tools point to it), without its prose, which lives in the
 * resource `renderbay://docs/render-settings`, and none of the keywords that only restate
 * JSON Schema's defaults.
 *
 * The SDK's own list handler converts every zod schema on every request; this one
 * converts each tool once per transport and keeps the JSON (the HTTP endpoint builds a
 * server per request, and a stdio client lists tools right after spawning us).
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ListToolsRequestSchema, type Tool, type ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Scope } from '../accounts/api-keys.js';
import { compactSettingsSchema, SETTINGS_MARKER } from './schemas.js';
import type { McpSession } from './session.js';

export interface ListedTool {
  name: string;
  title: string;
  description: string;
  scope: Scope;
  annotations: ToolAnnotations;
  /** The arguments as advertised (local-only ones left out over HTTP). */
  input: z.ZodObject;
  /** Absent: the tool's output schema is not advertised (see `advertiseOutput`). */
  output?: z.ZodObject;
}

const cache = new Map<string, Tool>();
const catalogs = new WeakMap<McpServer, ListedTool[]>();

/** Remembers a tool for this server's tools/list. */
export function listTool(server: McpServer, tool: ListedTool): void {
  const catalog = catalogs.get(server) ?? [];
  catalog.push(tool);
  catalogs.set(server, catalog);
}

/** Replaces the SDK's tools/list handler with one that filters by scope and serves cached JSON. */
export function installToolList(server: McpServer, session: McpSession): void {
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: visibleTools(server, session) }));
}

export function visibleTools(server: McpServer, session: McpSession): Tool[] {
  const scopes = session.scopes ?? ['read', 'write'];
  return (catalogs.get(server) ?? []).filter((tool) => scopes.includes(tool.scope)).map((tool) => toolJson(tool, session.transport));
}

function toolJson(tool: ListedTool, transport: McpSession['transport']): Tool {
  const key = `${transport}:${tool.name}`;
  let json = cache.get(key);
  if (!json) {
    json = {
      name: tool.name,
      title: tool.title,
      description: tool.description,
      inputSchema: schemaJson(tool.input, 'input') as Tool['inputSchema'],
      ...(tool.output ? { outputSchema: outlineJson(tool.output) as Tool['outputSchema'] } : {}),
      annotations: annotationsJson(tool.annotations),
    };
    cache.set(key, json);
  }
  return json;
}

/**
 * MCP defines destructiveHint and idempotentHint only for tools that are not read-only;
 * export_usdz and download_render are read-only over HTTP alone (over stdio they write
 * into a local folder), so over HTTP those two hints say nothing and are left out.
 */
function annotationsJson(annotations: ToolAnnotations): ToolAnnotations {
  if (annotations.readOnlyHint !== true) return annotations;
  const { destructiveHint: _destructive, idempotentHint: _idempotent, ...meaningful } = annotations;
  return meaningful;
}

function schemaJson(schema: z.ZodObject, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { target: 'draft-7', io }) as Record<string, unknown>;
  return compact(json) as Record<string, unknown>;
}

/**
 * An output schema in outline: its top-level fields with their types (an array says what
 * its items are), no deeper, none required. The fields of nested rows are named in the tool description;
 * the SDK still checks every result against the full zod schema before sending it, and
 * any extra field is allowed, so the outline promises nothing the result may not keep.
 */
function outlineJson(schema: z.ZodObject): Record<string, unknown> {
  const full = z.toJSONSchema(schema, { target: 'draft-7', io: 'output' }) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  const outline = (field: Record<string, unknown>): Record<string, unknown> => {
    if (field.anyOf) {
      const alternatives = (field.anyOf as Record<string, unknown>[]).map(outline);
      // Plain types (an object or null) read shorter as one list of types.
      const plain = alternatives.every((alternative) => Object.keys(alternative).length === 1 && typeof alternative.type === 'string');
      return plain ? { type: alternatives.map((alternative) => alternative.type) } : { anyOf: alternatives };
    }
    const { type, items } = field as { type?: unknown; items?: Record<string, unknown> };
    // Rows (arrays of objects) are described in the tool's description; lists of plain values say their type.
    return { ...(type !== undefined ? { type } : {}), ...(items?.type && items.type !== 'object' ? { items: { type: items.type } } : {}) };
  };
  const properties = Object.fromEntries(Object.entries(full.properties ?? {}).map(([name, field]) => [name, outline(field)]));
  return { type: 'object', properties };
}

/** Keywords whose value is a schema, a list of schemas, or a map of schemas; everything else is data. */
const SCHEMA_KEYWORDS = new Set(['items', 'additionalProperties', 'not', 'anyOf', 'allOf', 'oneOf']);
const SCHEMA_MAP_KEYWORDS = new Set(['properties', '$defs', 'definitions']);

/**
 * Walks a JSON Schema: the node marked as render settings gets the compact settings schema
 * (keeping its own description), and what says nothing goes — the `propertyNames: {type:
 * string}` and `additionalProperties: {}` zod writes for records (any object key is a
 * string; anything is allowed unless said otherwise), the safe-integer bounds it puts
 * on every integer, and `type: string` beside an enum of strings.
 */
function compact(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(compact);
  if (schema === null || typeof schema !== 'object') return schema;
  const record = schema as Record<string, unknown>;
  if (record[SETTINGS_MARKER]) return { ...compactSettingsSchema(), ...(record.description ? { description: record.description } : {}) };
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (saysNothing(key, value) || (key === 'type' && impliedByEnum(record))) continue;
    if (SCHEMA_KEYWORDS.has(key)) result[key] = compact(value);
    else if (SCHEMA_MAP_KEYWORDS.has(key) && value && typeof value === 'object') {
      result[key] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, compact(child)]));
    } else result[key] = value;
  }
  return result;
}

/** An enum of strings says the type already (as in the compact settings schema). */
function impliedByEnum(record: Record<string, unknown>): boolean {
  return record.type === 'string' && Array.isArray(record.enum) && record.enum.every((value) => typeof value === 'string');
}

function saysNothing(key: string, value: unknown): boolean {
  if (key === 'propertyNames') return true;
  if (key === 'additionalProperties') return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
  return (key === 'maximum' && value === Number.MAX_SAFE_INTEGER) || (key === 'minimum' && value === Number.MIN_SAFE_INTEGER);
}
