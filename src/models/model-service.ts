/**
 * Models: creation from an uploaded or downloaded file (dedup by SHA-256 per account, a
 * free system preview render for every new model, an optional paid render), listing,
 * metadata, archiving, soft deletion and the integrity verdict from the preview.
 */
import { rm } from 'node:fs/promises';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { RenderbayError } from '../errors.js';
import { newId, nowIso } from '../ids.js';
import { insertRender, parseSettingsField, SYSTEM_PREVIEW_SETTINGS, type RenderSummary, listRendersOfModel } from '../renders/render-service.js';
import { sniffModelFormat } from './model-format.js';

export interface ModelItem {
  id: string;
  originalName: string;
  title: string | null;
  sku: string | null;
  tags: string[];
  fileSize: number;
  sha256: string;
  createdAt: string;
  /** Renderbay addition: `processing` until the system preview has rendered, then `valid` or `invalid`. */
  status: 'processing' | 'valid' | 'invalid';
  invalidReason: string | null;
  archived: boolean;
}

interface ModelRow {
  id: string;
  account_id: string;
  original_name: string;
  title: string | null;
  sku: string | null;
  tags: string;
  file_size: number;
  sha256: string;
  file_key: string;
  format: string;
  status: ModelItem['status'];
  invalid_reason: string | null;
  archived: number;
  deleted_at: string | null;
  created_at: string;
}

export const toModelItem = (row: ModelRow): ModelItem => ({
  id: row.id,
  originalName: row.original_name,
  title: row.title,
  sku: row.sku,
  tags: JSON.parse(row.tags) as string[],
  fileSize: row.file_size,
  sha256: row.sha256,
  createdAt: row.created_at,
  status: row.status,
  invalidReason: row.invalid_reason,
  archived: row.archived === 1,
});

export interface IncomingModelFile {
  /** A complete temp file inside the store's temp directory. */
  path: string;
  sha256: string;
  size: number;
  originalName: string;
  /** URL ingest takes GLB/glTF only (the reference API's rule). */
  onlyGltf?: boolean;
}

export interface CreatedModel {
  modelId: string;
  renderId: string;
  duplicate: boolean;
}

/** Looks up a model of this account (deleted ones included only when asked). */
export function findModelRow(context: AppContext, accountId: string, modelId: unknown, options: { includeDeleted?: boolean } = {}): ModelRow {
  if (typeof modelId !== 'string' || modelId === '') throw new RenderbayError('model_id_required', 'modelId is required', 400);
  const row = context.db.prepare('SELECT * FROM models WHERE id = ? AND account_id = ?').get(modelId, accountId) as ModelRow | undefined;
  if (!row || (row.deleted_at && !options.includeDeleted)) throw new RenderbayError('model_not_found', 'Model not found', 404);
  return row;
}

/**
 * Turns a received file into a model. An identical file (same SHA-256) already stored
 * for this account returns that model with `duplicate: true`: with renderSettings a new
 * paid render is queued, without them the model's existing preview render is returned.
 */
export async function createModelFromFile(context: AppContext, accountId: string, file: IncomingModelFile, renderSettingsField?: unknown): Promise<CreatedModel> {
  try {
    const settings = renderSettingsField === undefined || renderSettingsField === '' ? null : parseSettingsField(renderSettingsField);
    const format = await sniffModelFormat(file.path, file.originalName);
    if (format === 'zip' && file.onlyGltf) {
      throw new RenderbayError('invalid_format', 'URL ingest accepts .glb and .gltf files only');
    }
    if (format === 'zip') {
      throw new RenderbayError('invalid_format', 'OBJ scan zips are not supported yet: upload a .glb or .gltf file');
    }
    // Content-addressed: storing first is idempotent, and the duplicate check below runs in
    // the same synchronous transaction as the insert, so concurrent uploads of one file
    // cannot both create a model.
    const stored = await context.store.put(file.path, file.sha256);
    const created = context.db.transaction((): CreatedModel => {
      const existing = context.db
        .prepare('SELECT * FROM models WHERE account_id = ? AND sha256 = ? AND deleted_at IS NULL')
        .get(accountId, file.sha256) as ModelRow | undefined;
      if (existing) {
        const renderId = settings
          ? insertRender(context, accountId, existing.id, settings, { systemPreview: false }).id
          : (latestPreviewId(context, existing.id) ?? insertRender(context, accountId, existing.id, SYSTEM_PREVIEW_SETTINGS, { systemPreview: true }).id);
        return { modelId: existing.id, renderId, duplicate: true };
      }
      const modelId = newId();
      const now = nowIso();
      context.db
        .prepare(
          `INSERT INTO models (id, account_id, original_name, tags, file_size, sha256, file_key, format, status, created_at, updated_at)
           VALUES (?, ?, ?, '[]', ?, ?, ?, ?, 'processing', ?, ?)`,
        )
        .run(modelId, accountId, cleanName(file.originalName), stored.size, file.sha256, stored.key, format, now, now);
      const preview = insertRender(context, accountId, modelId, SYSTEM_PREVIEW_SETTINGS, { systemPreview: true });
      const paid = settings ? insertRender(context, accountId, modelId, settings, { systemPreview: false }) : null;
      return { modelId, renderId: (paid ?? preview).id, duplicate: false };
    })();
    context.queue.notify();
    return created;
  } finally {
    await rm(file.path, { force: true }); // moved into the store, or not wanted
  }
}

function latestPreviewId(context: AppContext, modelId: string): string | undefined {
  const row = context.db
    .prepare('SELECT id FROM renders WHERE model_id = ? AND is_system_preview = 1 ORDER BY created_at DESC LIMIT 1')
    .get(modelId) as { id: string } | undefined;
  return row?.id;
}

function cleanName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? 'model';
  return base.replace(/[\u0000-\u001f]/g, '').slice(0, 255) || 'model';
}

export const LIST_DEFAULT_LIMIT = 50;
export const LIST_MAX_LIMIT = 100;

export interface Page<T> {
  data: T[];
  meta: { total: number; offset: number; limit: number };
}

export function parsePaging(query: { limit?: unknown; offset?: unknown }): { limit: number; offset: number } {
  const limit = query.limit === undefined ? LIST_DEFAULT_LIMIT : Number(query.limit);
  const offset = query.offset === undefined ? 0 : Number(query.offset);
  if (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX_LIMIT) {
    throw new RenderbayError('invalid_request', `limit must be a whole number from 1 to ${LIST_MAX_LIMIT}`);
  }
  if (!Number.isInteger(offset) || offset < 0) throw new RenderbayError('invalid_request', 'offset must be a whole number ≥ 0');
  return { limit, offset };
}

/** Lists an account's models, newest first; `tags` is an OR filter; archived models only when asked. */
export function listModels(
  context: AppContext,
  accountId: string,
  query: { limit?: unknown; offset?: unknown; tags?: unknown; archived?: unknown },
): Page<ModelItem> {
  const { limit, offset } = parsePaging(query);
  const tags = typeof query.tags === 'string' && query.tags.trim() !== '' ? query.tags.split(',').map(normaliseTag).filter(Boolean) : [];
  const includeArchived = query.archived === 'true' || query.archived === true;
  const conditions = ['account_id = @accountId', 'deleted_at IS NULL'];
  if (!includeArchived) conditions.push('archived = 0');
  if (tags.length > 0) conditions.push(`EXISTS (SELECT 1 FROM json_each(models.tags) WHERE json_each.value IN (SELECT value FROM json_each(@tags)))`);
  const where = conditions.join(' AND ');
  const parameters = { accountId, tags: JSON.stringify(tags) };
  const total = (context.db.prepare(`SELECT COUNT(*) AS total FROM models WHERE ${where}`).get(parameters) as { total: number }).total;
  const rows = context.db
    .prepare(`SELECT * FROM models WHERE ${where} ORDER BY created_at DESC, id LIMIT @limit OFFSET @offset`)
    .all({ ...parameters, limit, offset }) as ModelRow[];
  return { data: rows.map(toModelItem), meta: { total, offset, limit } };
}

export function getModel(context: AppContext, accountId: string, modelId: unknown): ModelItem & { renders: RenderSummary[] } {
  const row = findModelRow(context, accountId, modelId);
  return { ...toModelItem(row), renders: listRendersOfModel(context, row.id) };
}

function normaliseTag(tag: string): string {
  return tag.trim().toLowerCase();
}

const modelPatchSchema = z.strictObject({
  title: z.string({ error: 'title must be a string' }).max(200, { error: 'title must be at most 200 characters' }).nullable().optional(),
  sku: z.string({ error: 'sku must be a string' }).max(100, { error: 'sku must be at most 100 characters' }).nullable().optional(),
  tags: z
    .array(z.string({ error: 'tags must be strings' }).max(50, { error: 'a tag must be at most 50 characters' }), { error: 'tags must be an array of strings' })
    .max(20, { error: 'at most 20 tags' })
    .optional(),
});

export function updateModel(context: AppContext, accountId: string, modelId: unknown, patch: unknown): ModelItem {
  const row = findModelRow(context, accountId, modelId);
  const parsed = modelPatchSchema.safeParse(patch ?? {});
  if (!parsed.success) {
    throw new RenderbayError('invalid_request', parsed.error.issues.map((issue) => (issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.join(', ')} (allowed: title, sku, tags)` : issue.message)).join('; '));
  }
  const { title, sku, tags } = parsed.data;
  const cleanedTags = tags === undefined ? undefined : [...new Set(tags.map(normaliseTag).filter(Boolean))];
  context.db
    .prepare('UPDATE models SET title = ?, sku = ?, tags = ?, updated_at = ? WHERE id = ?')
    .run(title === undefined ? row.title : title, sku === undefined ? row.sku : sku, cleanedTags === undefined ? row.tags : JSON.stringify(cleanedTags), nowIso(), row.id);
  return toModelItem(findModelRow(context, accountId, row.id));
}

export function setModelArchived(context: AppContext, accountId: string, modelId: unknown, archived: boolean): ModelItem {
  const row = findModelRow(context, accountId, modelId);
  context.db.prepare('UPDATE models SET archived = ?, updated_at = ? WHERE id = ?').run(archived ? 1 : 0, nowIso(), row.id);
  return toModelItem(findModelRow(context, accountId, row.id));
}

/** Soft delete: the model disappears from lists and lookups; its renders stay reachable. */
export function deleteModel(context: AppContext, accountId: string, modelId: unknown): { id: string; deleted: true } {
  const row = findModelRow(context, accountId, modelId);
  context.db.prepare('UPDATE models SET deleted_at = ?, updated_at = ? WHERE id = ?').run(nowIso(), nowIso(), row.id);
  return { id: row.id, deleted: true };
}

export function modelFile(context: AppContext, accountId: string, modelId: unknown): { path: string; name: string; sha256: string; format: string } {
  const row = findModelRow(context, accountId, modelId);
  if (!context.store.has(row.file_key)) throw new RenderbayError('file_not_found', 'The model file is missing from storage', 404);
  const base = row.original_name.replace(/\.(glb|gltf|zip)$/i, '');
  return { path: context.store.pathOf(row.file_key), name: `${base}.${row.format === 'gltf' ? 'gltf' : 'glb'}`, sha256: row.sha256, format: row.format };
}

export function checkHash(context: AppContext, accountId: string, body: unknown): { exists: boolean; modelId?: string } {
  const sha256 = (body as { sha256?: unknown } | null)?.sha256;
  if (sha256 === undefined || sha256 === null || sha256 === '') throw new RenderbayError('sha256_required', 'sha256 is required', 400);
  if (typeof sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(sha256)) {
    throw new RenderbayError('invalid_request', 'sha256 must be 64 hexadecimal characters');
  }
  const row = context.db
    .prepare('SELECT id FROM models WHERE account_id = ? AND sha256 = ? AND deleted_at IS NULL')
    .get(accountId, sha256.toLowerCase()) as { id: string } | undefined;
  return row ? { exists: true, modelId: row.id } : { exists: false };
}

/** Records the system preview's verdict on the model. */
export function markModelVerdict(context: AppContext, modelId: string, verdict: { valid: true } | { valid: false; reason: string }): void {
  context.db
    .prepare('UPDATE models SET status = ?, invalid_reason = ?, updated_at = ? WHERE id = ?')
    .run(verdict.valid ? 'valid' : 'invalid', verdict.valid ? null : verdict.reason, nowIso(), modelId);
}
