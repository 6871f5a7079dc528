/**
 * Finding renders: `GET /v1/renders` and MCP `list_renders` / `get_model` read the same
 * query. Filters combine with AND; a list-valued filter (status, modelIds, tags) matches
 * any of its values. `status: active` means every status that is not finished.
 *
 * ```ts
 * listCompactRenders(context, accountId, { status: ['active'], tags: ['client-acme'] });
 * ```
 */
import type { AppContext } from '../context.js';
import { RenderbayError } from '../errors.js';
import { parsePaging, type Page } from '../paging.js';
import { ASPECTS, DATASET_QUALITIES, OUTPUTS, QUALITIES } from '../settings/render-settings.js';
import { FINISHED_STATUSES, RENDER_STATUSES, toRenderItem, type RenderItem, type RenderRow, type RenderStatus } from './render-service.js';

/** The status filter value for "not finished yet" (pending or being rendered). */
export const ACTIVE_FILTER = 'active';

export interface RenderQuery {
  /** One status, several (array or comma-separated), or `active`. */
  status?: unknown;
  /** `model` is the REST query name, `modelId` the MCP one. */
  model?: unknown;
  modelId?: unknown;
  modelIds?: unknown;
  /** Tags of the render's model (any of them). */
  tags?: unknown;
  /** The billed tier: share/standard/4k/pro, or a dataset tier such as 196x1024. */
  quality?: unknown;
  aspect?: unknown;
  output?: unknown;
  /** ISO date-time: only renders created after it. */
  createdAfter?: unknown;
  limit?: unknown;
  offset?: unknown;
}

/** One line per render, small enough to list a hundred in a tool result. */
export interface CompactRender {
  id: string;
  modelId: string;
  modelTitle: string;
  status: RenderStatus;
  stage: string | null;
  progress: number;
  errorCode: string | null;
  /** Both names, as on every render (the hosted docs' snake_case and our camelCase). */
  isSystemPreview: boolean;
  is_system_preview: boolean;
  quality: string;
  aspect: string;
  output: string;
  createdAt: string;
}

type FoundRow = RenderRow & { model_title: string };

/** SQL for the billed tier of a render (datasets are billed by datasetQuality). */
const BILLED_TIER =
  "CASE WHEN json_extract(r.settings, '$.output') = 'dataset' THEN json_extract(r.settings, '$.datasetQuality') ELSE json_extract(r.settings, '$.quality') END";

export function toCompactRender(row: RenderRow, modelTitle: string): CompactRender {
  const settings = JSON.parse(row.settings) as { quality: string; aspect: string; output: string; datasetQuality?: string };
  return {
    id: row.id,
    modelId: row.model_id,
    modelTitle,
    status: row.status,
    stage: row.stage,
    progress: row.progress,
    errorCode: row.error_code,
    isSystemPreview: row.is_system_preview === 1,
    is_system_preview: row.is_system_preview === 1,
    quality: settings.output === 'dataset' ? (settings.datasetQuality ?? '') : settings.quality,
    aspect: settings.aspect,
    output: settings.output,
    createdAt: row.created_at,
  };
}

/** `GET /v1/renders`: full items. */
export function listRenders(context: AppContext, accountId: string, query: RenderQuery): Page<RenderItem> {
  const page = findRenders(context, accountId, query);
  return { data: page.data.map(toRenderItem), meta: page.meta };
}

/** `list_renders`: compact rows. */
export function listCompactRenders(context: AppContext, accountId: string, query: RenderQuery): Page<CompactRender> {
  const page = findRenders(context, accountId, query);
  return { data: page.data.map((row) => toCompactRender(row, row.model_title)), meta: page.meta };
}

/** These renders of the account as compact rows, in the order asked; render_not_found names any that is not there. */
export function compactRendersById(context: AppContext, accountId: string, ids: string[]): { rows: RenderRow[]; compact: CompactRender[] } {
  const found = context.db
    .prepare(`SELECT r.*, COALESCE(m.title, m.original_name) AS model_title FROM renders r JOIN models m ON m.id = r.model_id WHERE r.account_id = ? AND r.id IN (SELECT value FROM json_each(?))`)
    .all(accountId, JSON.stringify(ids)) as FoundRow[];
  const byId = new Map(found.map((row) => [row.id, row]));
  const missing = ids.filter((id) => !byId.has(id));
  if (missing.length > 0) throw new RenderbayError('render_not_found', `Render not found: ${missing.join(', ')}`, 404);
  const rows = ids.map((id) => byId.get(id)!);
  return { rows, compact: rows.map((row) => toCompactRender(row, row.model_title)) };
}

function findRenders(context: AppContext, accountId: string, query: RenderQuery): Page<FoundRow> {
  const { limit, offset } = parsePaging(query);
  const conditions = ['r.account_id = @accountId'];
  const parameters: Record<string, unknown> = { accountId, limit, offset };
  const inList = (name: string, sql: string, values: string[]) => {
    if (values.length === 0) return;
    conditions.push(`${sql} IN (SELECT value FROM json_each(@${name}))`);
    parameters[name] = JSON.stringify(values);
  };

  const statuses = listOf(query.status, 'status');
  for (const status of statuses) {
    if (status !== ACTIVE_FILTER && !(RENDER_STATUSES as readonly string[]).includes(status)) {
      throw new RenderbayError('invalid_request', `status must be one or more of: ${[...RENDER_STATUSES, ACTIVE_FILTER].join(', ')} (got "${status}")`);
    }
  }
  const activeStatuses = RENDER_STATUSES.filter((status) => !FINISHED_STATUSES.includes(status));
  inList('statuses', 'r.status', [...new Set(statuses.flatMap((status) => (status === ACTIVE_FILTER ? activeStatuses : [status])))]);
  inList('modelIds', 'r.model_id', [...listOf(query.model, 'model'), ...listOf(query.modelId, 'modelId'), ...listOf(query.modelIds, 'modelIds')]);
  const tags = listOf(query.tags, 'tags').map((tag) => tag.trim().toLowerCase());
  if (tags.length > 0) {
    conditions.push('EXISTS (SELECT 1 FROM json_each(m.tags) WHERE json_each.value IN (SELECT value FROM json_each(@tags)))');
    parameters.tags = JSON.stringify(tags);
  }
  const choice = (name: 'quality' | 'aspect' | 'output', allowed: readonly string[], sql: string) => {
    const value = query[name];
    if (value === undefined || value === '') return;
    if (typeof value !== 'string' || !allowed.includes(value)) throw new RenderbayError('invalid_request', `${name} must be one of: ${allowed.join(', ')}`);
    conditions.push(`${sql} = @${name}`);
    parameters[name] = value;
  };
  choice('quality', [...QUALITIES, ...DATASET_QUALITIES], BILLED_TIER);
  choice('aspect', ASPECTS, "json_extract(r.settings, '$.aspect')");
  choice('output', OUTPUTS, "json_extract(r.settings, '$.output')");
  if (query.createdAfter !== undefined && query.createdAfter !== '') {
    const after = typeof query.createdAfter === 'string' ? new Date(query.createdAfter) : new Date(NaN);
    if (Number.isNaN(after.getTime())) throw new RenderbayError('invalid_request', 'createdAfter must be an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z');
    conditions.push('r.created_at > @createdAfter');
    parameters.createdAfter = after.toISOString();
  }

  const from = 'FROM renders r JOIN models m ON m.id = r.model_id';
  const where = conditions.join(' AND ');
  const total = (context.db.prepare(`SELECT COUNT(*) AS total ${from} WHERE ${where}`).get(parameters) as { total: number }).total;
  const rows = context.db
    .prepare(`SELECT r.*, COALESCE(m.title, m.original_name) AS model_title ${from} WHERE ${where} ORDER BY r.created_at DESC, r.id LIMIT @limit OFFSET @offset`)
    .all(parameters) as FoundRow[];
  return { data: rows, meta: { total, offset, limit } };
}

/** A list filter: an array of strings (MCP) or one comma-separated string (REST query). */
function listOf(value: unknown, name: string): string[] {
  if (value === undefined || value === null || value === '') return [];
  const items = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : null;
  if (!items || items.some((item) => typeof item !== 'string')) throw new RenderbayError('invalid_request', `${name} must be a string or a list of strings`);
  return (items as string[]).map((item) => item.trim()).filter(Boolean);
}
