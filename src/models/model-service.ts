/**
 * Models: creation from an uploaded or downloaded file (dedup by SHA-256 per account, a
 * free system preview render for every new model, an optional paid render), listing,
 * metadata, archiving, soft deletion and the integrity verdict from the preview.
 *
 * Every new file goes through the ingest pipeline (src/ingest/) first: archives are
 * unpacked safely, OBJ scans converted, everything validated with the Khronos validator
 * and normalised into one GLB. Both files are kept in the store: the upload as received
 * (`source_key`; its SHA-256 is the model's `sha256` and drives dedup and check-hash, so
 * a user can look up the file they have, and `GET /models/:id/file` returns it for a
 * .glb/.gltf) and the normalised GLB (`file_key`) that renders and USDZ exports use (and
 * `/file` returns for an archive). An upload that is already a plain GLB is stored once
 * and serves as both.
 */
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { RenderbayError } from '../errors.js';
import { newId, nowIso } from '../ids.js';
import { assertRenderOverlays } from '../overlays/overlay-service.js';
import { assertAnimationClip, clipName } from './model-animations.js';
import { expandMaterialVariant, modelVariantNames } from './model-variants.js';
import { deleteRenderRows, insertRender, parseSettingsField, SYSTEM_PREVIEW_SETTINGS, type RenderSummary, listRendersOfModel } from '../renders/render-service.js';
import { ingestInWorker } from '../ingest/ingest-worker.js';
import type { IngestResult } from '../ingest/ingest-model.js';
import type { ValidationReport } from '../ingest/validate-gltf.js';
import { assertModelFileName, sniffModelFormat } from './model-format.js';
import { parsePaging, type Page } from '../paging.js';
import { modelFileKeys, releaseFiles, storeAndReference } from '../storage/file-references.js';
import { publishEvent } from '../webhooks/events.js';

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
  /** Renderbay addition: what was uploaded (`glb`, `gltf`, `obj-zip`, `gltf-zip`, `glb-zip`); null for models from before ingest. */
  sourceFormat: string | null;
}

/** `GET /models/:id` (and MCP get_model): the item plus what ingest learned about the model. */
export interface ModelDetail extends ModelItem {
  renders: RenderSummary[];
  /** The Khronos glTF Validator's report (null for models from before ingest). */
  validation: ValidationReport | null;
  /** Things the user should know: textures left out, a missing .mtl, assumed units, … */
  warnings: string[];
  /** Triangles, vertices, bounding box and units, materials, textures, animations, variants, extensions. */
  facts: IngestResult['facts'];
  /** The model's material variants (KHR_materials_variants), the names `materialVariant` takes; empty when it has none. */
  variants: string[];
  /** The file `GET /models/:id/file` returns: the upload for a .glb/.gltf, the converted GLB for an archive. */
  file: { format: string; size: number | null; sha256: string };
  /** The last USDZ export: its size and what it could not carry; null until first exported. */
  usdz: { size: number | null; sha256: string; warnings: string[] } | null;
}

export interface ModelRow {
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
  source_key: string | null;
  source_format: string | null;
  validation: string | null;
  warnings: string;
  facts: string | null;
  usdz_key: string | null;
  usdz_warnings: string | null;
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
  sourceFormat: row.source_format,
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
  let workDirectory: string | null = null;
  try {
    if (!file.onlyGltf) assertModelFileName(file.originalName);
    const settings = renderSettingsField === undefined || renderSettingsField === '' ? null : parseSettingsField(context, accountId, renderSettingsField);
    if (settings) assertRenderOverlays(context, accountId, settings);
    const format = await sniffModelFormat(file.path, file.originalName);
    if (format === 'zip' && file.onlyGltf) {
      throw new RenderbayError('invalid_format', 'URL ingest accepts .glb and .gltf files only');
    }
    // A file this account already has needs no ingest at all.
    const existing = findModelBySha(context, accountId, file.sha256);
    if (settings && existing) {
      await assertAnimationClip(context.store.pathOf(existing.file_key), settings);
      expandMaterialVariant(settings, await modelVariantNames(context, existing), { batch: false });
    }
    const known = context.db.transaction(() => duplicateOf(context, accountId, file.sha256, settings))();
    if (known) {
      context.queue.notify();
      return known;
    }
    workDirectory = await mkdtemp(path.join(context.store.tempDirectory, 'ingest-'));
    const ingested = await ingestInWorker(file.path, { workDirectory, format, onlyGltf: file.onlyGltf });
    // The animation a paid render asks for must exist in the model (checked before anything is stored).
    // Ingest read the clips from the model it stores (facts are set whenever it is valid), in file order.
    if (settings && ingested.invalidReason === null) {
      const clips = ingested.facts?.animations;
      await assertAnimationClip(ingested.glbPath ?? file.path, settings, clips ? async () => clips.map((clip, index) => clipName(clip, index)) : undefined);
      expandMaterialVariant(settings, ingested.facts?.variants ?? [], { batch: false });
    }
    // Content-addressed: storing first is idempotent, and the duplicate check below runs in
    // the same synchronous transaction as the insert, so concurrent uploads of one file
    // cannot both create a model. A refusal in it (no_credits) leaves no file behind.
    const files = [{ path: file.path, sha256: file.sha256 }, ...(ingested.glbPath ? [{ path: ingested.glbPath }] : [])];
    const created = await storeAndReference(context, files, ([source, normalised]): CreatedModel => {
      const model = normalised ?? source;
      const duplicate = duplicateOf(context, accountId, file.sha256, settings);
      if (duplicate) return duplicate;
      const modelId = newId();
      const now = nowIso();
      const invalid = ingested.invalidReason !== null;
      context.db
        .prepare(
          `INSERT INTO models (id, account_id, original_name, tags, file_size, sha256, file_key, format, status, invalid_reason, created_at, updated_at,
                               source_key, source_format, validation, warnings, facts)
           VALUES (?, ?, ?, '[]', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          modelId,
          accountId,
          cleanName(file.originalName),
          source.size,
          file.sha256,
          model.key,
          ingested.glbPath || ingested.sourceFormat === 'glb' ? 'glb' : format,
          invalid ? 'invalid' : 'processing',
          ingested.invalidReason,
          now,
          now,
          source.key,
          ingested.sourceFormat,
          ingested.validation ? JSON.stringify(ingested.validation) : null,
          JSON.stringify(ingested.warnings),
          ingested.facts ? JSON.stringify(ingested.facts) : null,
        );
      const preview = insertRender(context, accountId, modelId, SYSTEM_PREVIEW_SETTINGS, { systemPreview: true });
      if (invalid) {
        // Found broken at ingest: the preview fails at once with the reason, and no paid render is queued or charged.
        context.db
          .prepare("UPDATE renders SET status = 'error', error_code = 'invalid_model', error_message = ?, finished_at = ?, updated_at = ? WHERE id = ?")
          .run(ingested.invalidReason, now, now, preview.id);
        announceModel(context, modelId);
        return { modelId, renderId: preview.id, duplicate: false };
      }
      const paid = settings ? insertRender(context, accountId, modelId, settings, { systemPreview: false }) : null;
      return { modelId, renderId: (paid ?? preview).id, duplicate: false };
    });
    context.queue.notify();
    return created;
  } finally {
    await rm(file.path, { force: true }); // moved into the store, or not wanted
    if (workDirectory) await rm(workDirectory, { recursive: true, force: true });
  }
}

/**
 * The reply for an upload identical (same SHA-256) to a model this account has: with
 * renderSettings a new paid render is queued, without them the model's preview is returned.
 * Run inside a transaction.
 */
function duplicateOf(context: AppContext, accountId: string, sha256: string, settings: ReturnType<typeof parseSettingsField> | null): CreatedModel | null {
  const existing = findModelBySha(context, accountId, sha256);
  if (!existing) return null;
  const renderId = settings
    ? insertRender(context, accountId, existing.id, settings, { systemPreview: false }).id
    : (latestPreviewId(context, existing.id) ?? insertRender(context, accountId, existing.id, SYSTEM_PREVIEW_SETTINGS, { systemPreview: true }).id);
  return { modelId: existing.id, renderId, duplicate: true };
}

/** This account's (not deleted) model with these bytes, if it has one. `sha256` in lower case. */
function findModelBySha(context: AppContext, accountId: string, sha256: string): ModelRow | undefined {
  return context.db.prepare('SELECT * FROM models WHERE account_id = ? AND sha256 = ? AND deleted_at IS NULL').get(accountId, sha256) as ModelRow | undefined;
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

/** Lists an account's models, newest first; `tags` is an OR filter; `search` matches title, SKU or file name; archived models only when asked. */
export function listModels(
  context: AppContext,
  accountId: string,
  query: { limit?: unknown; offset?: unknown; tags?: unknown; archived?: unknown; search?: unknown },
): Page<ModelItem> {
  const { limit, offset } = parsePaging(query);
  const tags = typeof query.tags === 'string' && query.tags.trim() !== '' ? query.tags.split(',').map(normaliseTag).filter(Boolean) : [];
  const includeArchived = query.archived === 'true' || query.archived === true;
  const conditions = ['account_id = @accountId', 'deleted_at IS NULL'];
  if (!includeArchived) conditions.push('archived = 0');
  if (tags.length > 0) conditions.push(`EXISTS (SELECT 1 FROM json_each(models.tags) WHERE json_each.value IN (SELECT value FROM json_each(@tags)))`);
  const search = typeof query.search === 'string' ? query.search.trim().slice(0, 200) : '';
  if (search !== '') conditions.push(`(title LIKE @search ESCAPE '\\' OR sku LIKE @search ESCAPE '\\' OR original_name LIKE @search ESCAPE '\\')`);
  const where = conditions.join(' AND ');
  const parameters = { accountId, tags: JSON.stringify(tags), search: `%${search.replace(/[\\%_]/g, (character) => `\\${character}`)}%` };
  const total = (context.db.prepare(`SELECT COUNT(*) AS total FROM models WHERE ${where}`).get(parameters) as { total: number }).total;
  const rows = context.db
    .prepare(`SELECT * FROM models WHERE ${where} ORDER BY created_at DESC, id LIMIT @limit OFFSET @offset`)
    .all({ ...parameters, limit, offset }) as ModelRow[];
  return { data: rows.map(toModelItem), meta: { total, offset, limit } };
}

export async function getModel(context: AppContext, accountId: string, modelId: unknown): Promise<ModelDetail> {
  const row = findModelRow(context, accountId, modelId);
  const variants = await modelVariantNames(context, row).catch(() => []); // a model file that cannot be read has none to offer
  return {
    ...toModelItem(row),
    renders: listRendersOfModel(context, row.id),
    validation: row.validation ? (JSON.parse(row.validation) as ValidationReport) : null,
    warnings: JSON.parse(row.warnings ?? '[]') as string[],
    facts: row.facts ? (JSON.parse(row.facts) as IngestResult['facts']) : null,
    variants,
    file: describeModelFile(context, row),
    usdz: row.usdz_key ? { size: storedSize(context, row.usdz_key), sha256: row.usdz_key, warnings: JSON.parse(row.usdz_warnings ?? '[]') as string[] } : null,
  };
}

function describeModelFile(context: AppContext, row: ModelRow): ModelDetail['file'] {
  const { key, format } = servedModelFile(row);
  return { format, size: storedSize(context, key), sha256: key };
}

function storedSize(context: AppContext, key: string): number | null {
  try {
    return statSync(context.store.pathOf(key)).size;
  } catch {
    return null;
  }
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

/**
 * Soft delete: the model disappears from lists and lookups; its paid renders stay
 * reachable. Its system preview renders go with it, and its files (upload, normalised GLB,
 * USDZ, previews' outputs) are released as soon as no pending render of it needs them
 * (the job engine releases them when the last one finishes).
 */
export async function deleteModel(context: AppContext, accountId: string, modelId: unknown): Promise<{ id: string; deleted: true }> {
  const row = findModelRow(context, accountId, modelId);
  const previews = context.db.prepare('SELECT id FROM renders WHERE model_id = ? AND is_system_preview = 1').pluck().all(row.id) as string[];
  for (const id of previews) await context.queue.cancel(id);
  const keys = context.db.transaction(() => {
    const now = nowIso();
    context.db.prepare('UPDATE models SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL').run(now, now, row.id);
    return [...deleteRenderRows(context, previews), ...modelFileKeys(context.db, row.id)];
  })();
  releaseFiles(context, keys);
  return { id: row.id, deleted: true };
}

/**
 * What `GET /models/:id/file` sends, and `file` in the model's details: the upload as
 * received when it is a glTF a loader opens as is (a `.glb` or `.gltf`: Draco or meshopt
 * stay compressed, the SHA-256 is the user's own file's), the GLB converted from it for an
 * archive (OBJ scan, glTF folder), and for a model found broken at ingest (or one from
 * before ingest) the one file there is. Renders keep using the normalised GLB (`file_key`).
 */
function servedModelFile(row: ModelRow): { key: string; format: string } {
  if (row.source_key && (row.source_format === 'glb' || row.source_format === 'gltf')) return { key: row.source_key, format: row.source_format };
  return { key: row.file_key, format: row.format };
}

export function modelFile(context: AppContext, accountId: string, modelId: unknown): { path: string; name: string; sha256: string; format: string } {
  const row = findModelRow(context, accountId, modelId);
  const { key, format } = servedModelFile(row);
  if (!context.store.has(key)) throw new RenderbayError('file_not_found', 'The model file is missing from storage', 404);
  const extension = format === 'gltf' ? 'gltf' : format === 'zip' ? 'zip' : 'glb';
  return { path: context.store.pathOf(key), name: `${modelBaseName(row)}.${extension}`, sha256: key, format };
}

export function modelBaseName(row: Pick<ModelRow, 'original_name'>): string {
  return row.original_name.replace(/\.(glb|gltf|zip)$/i, '') || 'model';
}

export function checkHash(context: AppContext, accountId: string, body: unknown): { exists: boolean; modelId?: string } {
  const sha256 = (body as { sha256?: unknown } | null)?.sha256;
  if (sha256 === undefined || sha256 === null || sha256 === '') throw new RenderbayError('sha256_required', 'sha256 is required', 400);
  if (typeof sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(sha256)) {
    throw new RenderbayError('invalid_request', 'sha256 must be 64 hexadecimal characters');
  }
  const row = findModelBySha(context, accountId, sha256.toLowerCase());
  return row ? { exists: true, modelId: row.id } : { exists: false };
}

/** Records the system preview's verdict on the model, and announces it (model.processed / model.failed). */
export function markModelVerdict(context: AppContext, modelId: string, verdict: { valid: true } | { valid: false; reason: string }): void {
  context.db.transaction(() => {
    context.db
      .prepare('UPDATE models SET status = ?, invalid_reason = ?, updated_at = ? WHERE id = ?')
      .run(verdict.valid ? 'valid' : 'invalid', verdict.valid ? null : verdict.reason, nowIso(), modelId);
    announceModel(context, modelId);
  })();
}

/** model.processed or model.failed with the model as the API lists it (a deleted model is not announced). Inside a transaction. */
function announceModel(context: AppContext, modelId: string): void {
  const row = context.db.prepare('SELECT * FROM models WHERE id = ? AND deleted_at IS NULL').get(modelId) as ModelRow | undefined;
  if (!row || row.status === 'processing') return;
  publishEvent(context.db, { accountId: row.account_id, event: row.status === 'valid' ? 'model.processed' : 'model.failed', data: { ...toModelItem(row) } });
}
